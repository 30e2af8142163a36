-- Webhooks (the webhook package; docs/webhooks.md). Written to only when endpoints are configured.

-- The outbox: a push that changes a space records what it changed here, in the same statement as the change, so
-- that a change is committed together with its record or not at all. One row per changed space per push
-- transaction. changes is a JSON array of {"key", "op": "put"|"del", "value"?}; values are there only when an
-- endpoint asks for them. A row goes once every configured endpoint has taken it into a delivery.
CREATE TABLE webhook_event (
    space_id   text        NOT NULL REFERENCES space (id) ON DELETE CASCADE,
    version    bigint      NOT NULL,
    changes    json        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (space_id, version)
);

-- How far each endpoint got in each space: its deliveries took in the changes up to version, and pending is the
-- delivery in flight (none while NULL). A space's next delivery is composed only while none is in flight, under this
-- row's lock: that is what keeps one endpoint's deliveries of a space in version order.
CREATE TABLE webhook_cursor (
    endpoint text   NOT NULL,
    space_id text   NOT NULL REFERENCES space (id) ON DELETE CASCADE,
    version  bigint NOT NULL,
    pending  uuid,
    PRIMARY KEY (endpoint, space_id)
);

-- A delivery: one POST of a space's changes from_version (exclusive) to to_version, its body written once before it
-- is first sent, and sent again as it is (same id, which is the webhook-id header) until the endpoint takes it or the
-- retries run out. next_attempt_at is also the lease: a dispatcher that claims the row moves it past the attempt's
-- timeout, so that no other claims it meanwhile, and a machine that dies with it leaves it due again once it passes.
-- attempts counts claims and tells a late outcome from the current one. A delivered row is deleted; a dead one keeps
-- dead_at and stays for inspection until replicache.webhooks.<name>.dead-retention.
CREATE TABLE webhook_delivery (
    id              uuid        PRIMARY KEY,
    endpoint        text        NOT NULL,
    space_id        text        NOT NULL,
    from_version    bigint      NOT NULL,
    to_version      bigint      NOT NULL,
    body            text        NOT NULL,
    oldest_at       timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    leased_by       text,
    last_error      text,
    dead_at         timestamptz
);

-- At most one delivery of an endpoint and space in flight (a backstop for webhook_cursor.pending).
CREATE UNIQUE INDEX webhook_delivery_open ON webhook_delivery (endpoint, space_id) WHERE dead_at IS NULL;

-- "The deliveries of endpoint E due now": every dispatcher's poll.
CREATE INDEX webhook_delivery_due ON webhook_delivery (endpoint, next_attempt_at) WHERE dead_at IS NULL;

-- "The dead deliveries of endpoint E older than its retention": housekeeping, and the count of dead deliveries.
CREATE INDEX webhook_delivery_dead ON webhook_delivery (endpoint, dead_at) WHERE dead_at IS NOT NULL;

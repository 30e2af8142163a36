-- The machines of a deployment: each registers at start and heartbeats; one whose heartbeat is older than the
-- configured expiry is dead. A draining machine (shutting down) takes no new rooms.
CREATE TABLE machine (
    id           text        PRIMARY KEY,
    app          text        NOT NULL,
    region       text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    draining     boolean     NOT NULL DEFAULT false
);

-- Which machine hosts each space's room. Decided the first time the space is asked for; decided again when its
-- machine is dead or draining. No foreign key to space: a room may be placed before its space has any data.
CREATE TABLE placement (
    space_id   text        PRIMARY KEY,
    machine_id text        NOT NULL REFERENCES machine (id) ON DELETE CASCADE,
    placed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX placement_machine ON placement (machine_id);

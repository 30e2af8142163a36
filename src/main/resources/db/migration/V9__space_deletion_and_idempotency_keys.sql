-- A space deleted through the server API keeps its row, marked deleted: its entries and clients are gone and its
-- client groups are marked collected, so that a client of it that comes back is told to start afresh rather than be
-- taken for a new one. Pushes, pulls and sockets get 404 (4404) for it, and nothing creates it again on the fly: only
-- the server API's writes do, at a version above every cookie its old clients hold.
ALTER TABLE space ADD COLUMN deleted_at timestamptz;

-- The replies of the server API's mutate requests sent with an Idempotency-Key: a retry with the same key gets the
-- first reply and applies nothing again. Written in the transaction of the write, kept for the configured retention
-- (at least a day), then deleted by the collector. request_hash tells a retry from another request reusing the key.
-- No foreign key to space: a reply outlives nothing it refers to, and deleting a space deletes its keys itself.
CREATE TABLE idempotency_key (
    space_id     text        NOT NULL,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    reply        text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (space_id, key)
);

-- "Keys older than the retention": the collector's scan.
CREATE INDEX idempotency_key_created_at ON idempotency_key (created_at);

-- The client groups of each space: when each was last active (a push, a pull, a socket held open), and the lowest
-- cookie it was last known to hold. A group idle longer than replicache.gc.client-group-max-age has its client rows
-- deleted and is kept here as deleted: a later push or pull from it gets ClientStateNotFound, and it starts afresh.
CREATE TABLE client_group (
    space_id       text        NOT NULL REFERENCES space (id) ON DELETE CASCADE,
    id             text        NOT NULL,
    last_active_at timestamptz NOT NULL DEFAULT now(),
    -- The cookie it last pulled from (or was sent with a whole state); NULL when unknown, which holds back purges.
    cookie         bigint,
    deleted_at     timestamptz,
    PRIMARY KEY (space_id, id)
);

-- "Groups idle since": the collector's scan.
CREATE INDEX client_group_idle ON client_group (last_active_at) WHERE deleted_at IS NULL;

-- The groups that exist already start their idle time now.
INSERT INTO client_group (space_id, id) SELECT DISTINCT space_id, client_group_id FROM client;

-- Tombstones no live group still needs are purged; a pull from a cookie below purged_version gets the whole state.
ALTER TABLE space ADD COLUMN purged_version bigint NOT NULL DEFAULT 0;

-- "Tombstones of space S up to version V": the purge.
CREATE INDEX entry_tombstone ON entry (space_id, version) WHERE deleted;

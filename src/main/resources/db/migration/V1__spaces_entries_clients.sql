-- A space (a document, a room) and its version: every committed change of the space bumps it by one.
CREATE TABLE space (
    id         text        PRIMARY KEY,
    version    bigint      NOT NULL DEFAULT 0 CHECK (version >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The space's key/value data. A delete leaves a tombstone (deleted, value NULL) stamped with the version that
-- deleted it, so that a pull from an older cookie learns of the delete.
-- Keys use the "C" collation: byte order, which is what prefix scans and the client's sort order need. Values are
-- json, not jsonb: kept as the text the server wrote, never queried into, so nothing is gained by parsing them.
CREATE TABLE entry (
    space_id text    NOT NULL REFERENCES space (id) ON DELETE CASCADE,
    key      text    COLLATE "C" NOT NULL,
    value    json,
    version  bigint  NOT NULL,
    deleted  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (space_id, key),
    CHECK (deleted OR value IS NOT NULL)
);

-- "Entries of space S changed after version V": every pull.
CREATE INDEX entry_space_version ON entry (space_id, version);

-- A Replicache client (a browser tab): one client group and one space for life.
CREATE TABLE client (
    id                    text   PRIMARY KEY,
    client_group_id       text   NOT NULL,
    space_id              text   NOT NULL REFERENCES space (id) ON DELETE CASCADE,
    last_mutation_id      bigint NOT NULL CHECK (last_mutation_id >= 0),
    last_modified_version bigint NOT NULL
);

-- "Clients of group G in space S changed after version V": lastMutationIDChanges of every pull.
CREATE INDEX client_group_version ON client (space_id, client_group_id, last_modified_version);

-- Room messages between machines (presence, broadcasts, snapshots) travel as NOTIFY payloads, which PostgreSQL caps
-- below 8000 bytes. A larger one is written here and its notification carries only its id; the receivers read it at
-- once. Rows are ephemeral: a sender deletes its rows after a few minutes, and nothing needs them after a crash, so
-- the table is unlogged (no WAL, emptied on crash recovery).
CREATE UNLOGGED TABLE relay_message (
    id      bigserial   PRIMARY KEY,
    body    text        NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX relay_message_sent_at ON relay_message (sent_at);

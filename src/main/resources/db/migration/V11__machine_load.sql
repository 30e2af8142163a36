-- What each machine reports with its heartbeat, for the server API's machines and busiest rooms: its open room sockets
-- and rooms, and each of its rooms with sockets. A room's row goes when the room is gone; the rows of a machine whose
-- heartbeat expired are not read, and are replaced at its next start.
ALTER TABLE machine ADD COLUMN sockets integer NOT NULL DEFAULT 0, ADD COLUMN rooms integer NOT NULL DEFAULT 0;

CREATE TABLE machine_room (
    machine_id         text    NOT NULL REFERENCES machine (id) ON DELETE CASCADE,
    space_id           text    NOT NULL,
    sockets            integer NOT NULL,
    -- The versions the space advanced by over the minute before the heartbeat.
    changes_per_minute bigint  NOT NULL,
    PRIMARY KEY (machine_id, space_id)
);

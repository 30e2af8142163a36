-- A client id is a key within its space, not across the database: the same id in two spaces is two clients, each with
-- its own group and last mutation id. Keyed by the id alone, a writer of one space who pushed with an id used in
-- another space was refused, which told them the id existed elsewhere and blocked it there for good.
-- The key leads with space_id, so it also serves the cascade from space; client_group_version stays as it is.
ALTER TABLE client DROP CONSTRAINT client_pkey, ADD CONSTRAINT client_pkey PRIMARY KEY (space_id, id);

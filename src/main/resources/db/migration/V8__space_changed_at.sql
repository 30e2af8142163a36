-- When a space last changed, for the server API's list of spaces. Every version bump sets it; spaces that existed
-- before this column get the time of the migration.
ALTER TABLE space ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();

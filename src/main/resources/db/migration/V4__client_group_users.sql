-- A client group belongs to the user (a token's sub) who first used it: another user's push, pull or hello with it
-- is refused, so no writer can act as another user's client or make the server drop that client's mutations as
-- replays. NULL: nobody's yet (open mode, or a group from before this column), taken by the next user who uses it.
ALTER TABLE client_group ADD COLUMN user_id text;

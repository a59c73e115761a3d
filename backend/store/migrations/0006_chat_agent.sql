-- Hearth schema v6: a chat can be answered by an agent, a local program
-- connected to Hearth's socket, instead of the built-in model. '' is the
-- built-in model.
ALTER TABLE chats ADD COLUMN agent TEXT NOT NULL DEFAULT '';

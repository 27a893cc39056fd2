-- Version 4: the text extracted from a message's attachments, kept beside
-- the message so that regenerating a reply works after a restart and on
-- another device, while `messages.content` stays exactly what was typed.
--
-- One row per attachment of a message, keyed by the file's sha256, as on
-- the server (`public.attachment_texts`). The text was already cut to the
-- prompt budget, so a row is never large. The checks repeat the server's, so
-- a row the server would refuse is never queued for it. Rows go with their
-- message: deleting a message (or its conversation, whose messages cascade)
-- deletes its texts. The primary key starts with `message_id`, so it also
-- serves the cascade and the reads by message.
CREATE TABLE attachment_texts (
  message_id BLOB NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  content TEXT NOT NULL CHECK (length(content) <= 8000),
  PRIMARY KEY (message_id, sha256)
) STRICT;

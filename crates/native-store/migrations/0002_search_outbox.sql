-- Version 2: full-text search over message content, and the outbox of local
-- changes waiting for the server.

-- An external-content index: the text lives once, in `messages`; the index
-- holds only tokens. `remove_diacritics 2` folds accents (also on letters
-- with several marks), so "cafe" finds "café" and "eleve" finds "élève".
-- The prefix indexes for 2 and 3 characters keep search-as-you-type fast:
-- without them a query ending in "ca" merges the lists of every word that
-- starts with "ca" (50 ms instead of 3 over 100,000 messages, for a third
-- more disk; see BENCHMARKS.md).
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content,
  content = 'messages',
  content_rowid = 'seq',
  prefix = '2 3',
  tokenize = 'unicode61 remove_diacritics 2'
);

-- The triggers keep the index equal to the table; an external-content index
-- is never told about changes any other way.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
  INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;

-- Messages cached by version 1 become searchable.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- Local changes in the order they were made. `op` is the serde JSON of
-- `OutboxOp`; the other columns copy what the rules need to find an op
-- (which conversation or message it touches, a rename's time) so they are
-- indexed rather than parsed out of JSON. A row's "pending" flag is derived
-- from this table, so it cannot drift from it. AUTOINCREMENT because a seq
-- must never be reused: a late `ack` of an op that was already dropped would
-- otherwise delete a newer op that took its number.
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('create_conversation', 'rename_conversation',
                                     'delete_conversation', 'add_message')),
  conversation_id BLOB NOT NULL,
  message_id BLOB,
  changed_at INTEGER,
  op TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_by_conversation ON outbox (conversation_id);
CREATE INDEX outbox_by_message ON outbox (message_id) WHERE message_id IS NOT NULL;

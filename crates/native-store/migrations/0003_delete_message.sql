-- Version 3: a queued op may delete one message (regenerating a reply or
-- editing a question replaces the turns after it). SQLite cannot change a
-- CHECK constraint in place, so the outbox is rebuilt with its rows, its
-- indexes and its AUTOINCREMENT high-water mark (seqs are never reused).

CREATE TABLE outbox_v3 (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('create_conversation', 'rename_conversation',
                                     'delete_conversation', 'add_message',
                                     'delete_message')),
  conversation_id BLOB NOT NULL,
  message_id BLOB,
  changed_at INTEGER,
  op TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
INSERT INTO outbox_v3 (seq, kind, conversation_id, message_id, changed_at, op, created_at)
  SELECT seq, kind, conversation_id, message_id, changed_at, op, created_at FROM outbox;
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'outbox_v3', seq FROM sqlite_sequence WHERE name = 'outbox'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox_v3');
UPDATE sqlite_sequence
  SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'outbox'))
  WHERE name = 'outbox_v3' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox');
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_by_conversation ON outbox (conversation_id);
CREATE INDEX outbox_by_message ON outbox (message_id) WHERE message_id IS NOT NULL;

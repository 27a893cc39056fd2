-- Version 1: the cached rows, the sync cursors and the deletions.
--
-- Ids are 16-byte blobs (UUIDs) and times are integer nanoseconds since the
-- Unix epoch in UTC, so ordering and comparisons are plain integer and byte
-- comparisons. Each row table has an explicit INTEGER PRIMARY KEY (`seq`):
-- an implicit rowid may be renumbered by VACUUM, and version 2's full-text
-- index refers to messages by that number.

CREATE TABLE conversations (
  seq INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE,
  user_id BLOB NOT NULL,
  title TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE,
  conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attachments TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'partial', 'error')),
  model TEXT
) STRICT;

-- A conversation's messages are read in (created_at, id) order; the index
-- serves that order and the per-conversation counts without a sort.
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at, id);

-- Opaque sync cursors, written in the same transaction as the rows they cover.
CREATE TABLE sync_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Ids deleted here or on another device. Deletion wins: a later upsert of an
-- id listed here is ignored, forever.
CREATE TABLE deleted (
  id BLOB PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('conversation', 'message')),
  conversation_id BLOB NOT NULL
) STRICT;

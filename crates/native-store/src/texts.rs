//! The text extracted from messages' attachments: reading it back to build a
//! prompt, and the row helpers the local writes, the remote batches and the
//! import share.

use std::collections::HashSet;

use native_core::{AttachmentText, ConversationId, Message, MessageId};
use rusqlite::{Connection, params};

use crate::{Result, Store, StoreError, local};

impl Store {
    /// The cached texts of one message's attachments, in the order they
    /// were stored. Match them to [`Message::attachments`] by `sha256`: an
    /// attachment without extracted text (an image) has none.
    pub fn attachment_texts(&self, message: MessageId) -> Result<Vec<AttachmentText>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT message_id, sha256, content FROM attachment_texts
             WHERE message_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([message.as_uuid()], text_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The cached attachment texts of every message of a conversation, in
    /// the messages' order (as [`Store::messages`] gives it), then in the
    /// order they were stored: what building a prompt for the conversation
    /// needs in one read.
    pub fn conversation_attachment_texts(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<AttachmentText>> {
        let conn = self.conn();
        local::ensure_live(&conn, conversation)?;
        let mut stmt = conn.prepare_cached(
            "SELECT t.message_id, t.sha256, t.content
             FROM messages m JOIN attachment_texts t ON t.message_id = m.id
             WHERE m.conversation_id = ?1
             ORDER BY m.created_at, m.role = 'assistant', m.id, t.rowid",
        )?;
        let rows = stmt.query_map([conversation.as_uuid()], text_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Caches texts fetched from the server for messages already cached
    /// (when a prompt needs texts the sync has not brought yet). Texts of
    /// messages not cached are skipped; returns how many were new.
    pub fn cache_remote_texts(&self, texts: &[AttachmentText]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut added = 0;
        for text in texts {
            text.check()?;
            if insert_remote_text(&tx, text)? {
                added += 1;
            }
        }
        tx.commit()?;
        Ok(added)
    }
}

fn text_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AttachmentText> {
    Ok(AttachmentText {
        message_id: row.get::<_, uuid::Uuid>(0)?.into(),
        sha256: row.get(1)?,
        content: row.get(2)?,
    })
}

/// Every cached attachment text, in the order of `export_all`'s messages.
pub(crate) fn all_texts(conn: &Connection) -> Result<Vec<AttachmentText>> {
    let mut stmt = conn.prepare(
        "SELECT t.message_id, t.sha256, t.content
         FROM messages m JOIN attachment_texts t ON t.message_id = m.id
         ORDER BY m.conversation_id, m.created_at, m.role = 'assistant', m.id, t.rowid",
    )?;
    let rows = stmt.query_map([], text_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Checks the texts to be written with `message` before anything is: each
/// must keep native-core's rules (its fields are public, so it may not
/// have been parsed) and belong to `message`. Returns them without repeats
/// of one sha256 (the same file attached twice has one text), first kept.
pub(crate) fn checked_for<'a>(
    message: &Message,
    texts: &'a [AttachmentText],
) -> Result<Vec<&'a AttachmentText>> {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(texts.len());
    for text in texts {
        if text.message_id != message.id {
            return Err(StoreError::AttachmentTextMismatch(message.id));
        }
        text.check()?;
        if seen.insert(text.sha256.as_str()) {
            kept.push(text);
        }
    }
    Ok(kept)
}

/// Inserts a text unless its (message, sha256) is cached; true if it was
/// new. The caller has checked that the message is cached.
pub(crate) fn insert_text(conn: &Connection, text: &AttachmentText) -> Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO attachment_texts (message_id, sha256, content) VALUES (?1, ?2, ?3)
             ON CONFLICT (message_id, sha256) DO NOTHING",
        )?
        .execute(params![
            text.message_id.as_uuid(),
            text.sha256,
            text.content
        ])?;
    Ok(inserted == 1)
}

/// Inserts a text from the server if its message is cached; true if it was
/// new. A text whose message is not cached (deleted here, which wins, or
/// never sent by the server) is skipped rather than failing the batch on
/// the foreign key.
pub(crate) fn insert_remote_text(conn: &Connection, text: &AttachmentText) -> Result<bool> {
    // The WHERE clause also tells SQLite's parser that ON CONFLICT belongs
    // to the INSERT, not to a join of the SELECT.
    let inserted = conn
        .prepare_cached(
            "INSERT INTO attachment_texts (message_id, sha256, content)
             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1)
             ON CONFLICT (message_id, sha256) DO NOTHING",
        )?
        .execute(params![
            text.message_id.as_uuid(),
            text.sha256,
            text.content
        ])?;
    Ok(inserted == 1)
}

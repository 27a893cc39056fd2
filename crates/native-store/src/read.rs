//! Reading the history: the conversation list and a conversation's messages.

use native_core::{ConversationId, MessageId};
use rusqlite::{OptionalExtension, params};

use crate::local::{self};
use crate::rows::{self, CONVERSATION_COLUMNS, MESSAGE_COLUMNS};
use crate::{ConversationSummary, Result, Store, StoredMessage};

impl Store {
    /// Every cached conversation, most recent activity first (ties by id, so
    /// the order is stable).
    pub fn conversations(&self) -> Result<Vec<ConversationSummary>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CONVERSATION_COLUMNS},
                    max(c.updated_at, coalesce(
                      (SELECT max(m.created_at) FROM messages m WHERE m.conversation_id = c.id),
                      c.updated_at)) AS last_activity,
                    (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id),
                    EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = c.id)
             FROM conversations c
             ORDER BY last_activity DESC, c.id DESC"
        ))?;
        let rows = stmt.query_map([], |row| {
            Ok(ConversationSummary {
                conversation: rows::conversation(row, 0)?,
                last_activity: rows::time_at(row, 5)?,
                message_count: row.get(6)?,
                pending: row.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One conversation's messages in order: by `created_at`, then a user
    /// turn before an assistant turn, then id. The middle key matters for
    /// rows written together (the original web app and bulk imports store
    /// a question and its answer in one insert, so with one timestamp).
    pub fn messages(&self, conversation: ConversationId) -> Result<Vec<StoredMessage>> {
        let conn = self.conn();
        local::ensure_live(&conn, conversation)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS},
                    EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id)
             FROM messages m WHERE m.conversation_id = ?1
             ORDER BY m.created_at, m.role = 'assistant', m.id"
        ))?;
        let rows = stmt.query_map([conversation.as_uuid()], stored_message)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The conversation a cached message belongs to.
    pub fn conversation_of(&self, message: MessageId) -> Result<Option<ConversationId>> {
        let conn = self.conn();
        let found = conn
            .prepare_cached("SELECT conversation_id FROM messages WHERE id = ?1")?
            .query_row([message.as_uuid()], |row| row.get::<_, uuid::Uuid>(0))
            .optional()?;
        Ok(found.map(ConversationId::from))
    }

    /// Up to `limit` messages of a conversation that come just before
    /// `before` (or the newest, without it), in order. To scroll back, pass
    /// the first message of the previous page. A `before` that is not a
    /// message of this conversation gives an empty page.
    pub fn messages_page(
        &self,
        conversation: ConversationId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<StoredMessage>> {
        let conn = self.conn();
        local::ensure_live(&conn, conversation)?;
        // The position of `before`; without one, a position after every
        // message (ids are 16 bytes, so 17 bytes of 0xFF sort after all).
        let bound: (i64, bool, Vec<u8>) = match before {
            None => (i64::MAX, true, vec![0xFF; 17]),
            Some(id) => {
                let found = conn
                    .prepare_cached(
                        "SELECT created_at, role = 'assistant', id FROM messages
                         WHERE id = ?1 AND conversation_id = ?2",
                    )?
                    .query_row(params![id.as_uuid(), conversation.as_uuid()], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()?;
                match found {
                    Some(bound) => bound,
                    None => return Ok(Vec::new()),
                }
            }
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS},
                    EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id)
             FROM messages m
             WHERE m.conversation_id = ?1
               AND (m.created_at, m.role = 'assistant', m.id) < (?2, ?3, ?4)
             ORDER BY m.created_at DESC, m.role = 'assistant' DESC, m.id DESC LIMIT ?5"
        ))?;
        let rows = stmt.query_map(
            params![conversation.as_uuid(), bound.0, bound.1, bound.2, limit],
            stored_message,
        )?;
        let mut page = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        page.reverse();
        Ok(page)
    }
}

fn stored_message(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    Ok(StoredMessage {
        message: rows::message(row, 0)?,
        pending: row.get(8)?,
    })
}

//! Local changes: each is applied to the cache and queued in the outbox in
//! one transaction, so the cache never shows a change the outbox would not
//! send, nor the other way round. Also the row helpers the remote side and
//! the import share.

use native_core::{AttachmentText, Conversation, ConversationId, Message, MessageId};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use crate::rows::{self, attachments_json, role_str, status_str, ts};
use crate::{OutboxEntry, OutboxOp, Result, Store, StoreError, texts};

impl Store {
    /// Caches a conversation made on this device and queues its creation.
    /// Creating an id that is already cached does nothing, so a retried call
    /// is harmless; a deleted id is refused with [`StoreError::Deleted`].
    pub fn create_conversation(&self, conversation: &Conversation) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if state(&tx, conversation.id)? == State::Deleted {
            return Err(StoreError::Deleted(conversation.id));
        }
        if insert_conversation(&tx, conversation)? {
            enqueue(
                &tx,
                &OutboxOp::CreateConversation {
                    conversation: conversation.clone(),
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Renames a conversation here and queues the rename. `changed_at` is
    /// when the user renamed it: if the server's `updated_at` is later when
    /// the next sync arrives, the server's title wins, else this one does.
    /// An earlier rename still in the outbox is dropped: this one replaces it.
    pub fn rename_conversation(
        &self,
        id: ConversationId,
        title: &str,
        changed_at: OffsetDateTime,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        ensure_live(&tx, id)?;
        tx.execute(
            "UPDATE conversations SET title = ?2, updated_at = max(updated_at, ?3) WHERE id = ?1",
            params![id.as_uuid(), title, ts(changed_at)?],
        )?;
        tx.execute(
            "DELETE FROM outbox WHERE conversation_id = ?1 AND kind = 'rename_conversation'",
            [id.as_uuid()],
        )?;
        enqueue(
            &tx,
            &OutboxOp::RenameConversation {
                id,
                title: title.to_owned(),
                changed_at,
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a conversation and its messages here, remembers the id as
    /// deleted (no later sync brings it back) and queues the deletion.
    /// Every other queued op about the conversation is dropped: the server
    /// deletes whatever of it already reached it, and deleting an id it never
    /// had is harmless. Deleting twice does nothing.
    pub fn delete_conversation(&self, id: ConversationId) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if state(&tx, id)? == State::Deleted {
            return Ok(());
        }
        forget_conversation(&tx, id)?;
        enqueue(&tx, &OutboxOp::DeleteConversation { id })?;
        tx.commit()?;
        Ok(())
    }

    /// Caches a message written on this device and queues it. Its
    /// conversation must be cached and not deleted. Adding an id already
    /// cached does nothing (messages are immutable; ids make retries safe).
    pub fn add_message(&self, message: &Message) -> Result<()> {
        self.add_message_with_texts(message, &[])
    }

    /// [`Store::add_message`] with the texts extracted from the message's
    /// attachments: the message, its texts and the queued op that sends
    /// both are written in one transaction. Every text must belong to
    /// `message` ([`StoreError::AttachmentTextMismatch`]) and keep
    /// native-core's rules ([`StoreError::Invalid`]); otherwise nothing is
    /// written. A sha256 given twice is stored once. As with the message,
    /// adding texts for an id already cached does nothing.
    pub fn add_message_with_texts(
        &self,
        message: &Message,
        texts: &[AttachmentText],
    ) -> Result<()> {
        let texts = texts::checked_for(message, texts)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        ensure_live(&tx, message.conversation_id)?;
        if !is_deleted(&tx, message.id.as_uuid())? && insert_message(&tx, message)? {
            // The server moves `updated_at` when a message arrives; doing the
            // same here keeps the list order the same before and after sync.
            tx.execute(
                "UPDATE conversations SET updated_at = max(updated_at, ?2) WHERE id = ?1",
                params![message.conversation_id.as_uuid(), ts(message.created_at)?],
            )?;
            for text in &texts {
                texts::insert_text(&tx, text)?;
            }
            enqueue(
                &tx,
                &OutboxOp::AddMessage {
                    message: message.clone(),
                    texts: texts.into_iter().cloned().collect(),
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes messages of a conversation here (a regenerated reply, the
    /// turns after an edited question), remembers them as deleted and
    /// queues their deletion. A queued, unsent copy of one is dropped; the
    /// delete is queued anyway, since its answer may have been lost after
    /// the server stored it. One transaction for all of them.
    pub fn delete_messages(&self, conversation: ConversationId, ids: &[MessageId]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        ensure_live(&tx, conversation)?;
        for id in ids {
            if is_deleted(&tx, id.as_uuid())? {
                continue;
            }
            forget_message(&tx, *id, conversation)?;
            enqueue(
                &tx,
                &OutboxOp::DeleteMessage {
                    id: *id,
                    conversation_id: conversation,
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every queued change, oldest first. Send them in this order and
    /// [`Store::ack`] each once the server has it.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT seq, op, created_at FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                rows::time_at(row, 2)?,
            ))
        })?;
        let mut entries = Vec::new();
        for row in rows {
            let (seq, op, created_at) = row?;
            entries.push(OutboxEntry {
                seq,
                op: serde_json::from_str(&op)?,
                created_at,
            });
        }
        Ok(entries)
    }

    /// The server has the change queued as `seq`: drop it from the outbox.
    /// Rows stop showing as pending once no queued op refers to them.
    /// Acknowledging a seq that is no longer queued (superseded, or dropped
    /// by a remote deletion) does nothing.
    pub fn ack(&self, seq: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        Ok(())
    }
}

/// Whether a conversation is cached, deleted, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Live,
    Deleted,
    Unknown,
}

pub(crate) fn state(conn: &Connection, id: ConversationId) -> Result<State> {
    let (live, deleted): (bool, bool) = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?1),
                    EXISTS (SELECT 1 FROM deleted WHERE id = ?1)",
        )?
        .query_row([id.as_uuid()], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(if deleted {
        State::Deleted
    } else if live {
        State::Live
    } else {
        State::Unknown
    })
}

pub(crate) fn ensure_live(conn: &Connection, id: ConversationId) -> Result<()> {
    match state(conn, id)? {
        State::Live => Ok(()),
        State::Deleted => Err(StoreError::Deleted(id)),
        State::Unknown => Err(StoreError::UnknownConversation(id)),
    }
}

pub(crate) fn is_deleted(conn: &Connection, id: uuid::Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM deleted WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Deletes a conversation (its messages, their attachment texts and their
/// index entries follow by cascade and triggers), records it as deleted,
/// and drops every queued op about it.
pub(crate) fn forget_conversation(conn: &Connection, id: ConversationId) -> Result<()> {
    let id = id.as_uuid();
    conn.execute("DELETE FROM conversations WHERE id = ?1", [id])?;
    conn.execute(
        "INSERT INTO deleted (id, kind, conversation_id) VALUES (?1, 'conversation', ?1)
         ON CONFLICT (id) DO NOTHING",
        [id],
    )?;
    conn.execute("DELETE FROM outbox WHERE conversation_id = ?1", [id])?;
    Ok(())
}

/// Deletes one message (its attachment texts follow by cascade), records it
/// as deleted and drops its queued op.
pub(crate) fn forget_message(
    conn: &Connection,
    id: MessageId,
    conversation_id: ConversationId,
) -> Result<()> {
    let id = id.as_uuid();
    conn.execute("DELETE FROM messages WHERE id = ?1", [id])?;
    conn.execute(
        "INSERT INTO deleted (id, kind, conversation_id) VALUES (?1, 'message', ?2)
         ON CONFLICT (id) DO NOTHING",
        params![id, conversation_id.as_uuid()],
    )?;
    conn.execute("DELETE FROM outbox WHERE message_id = ?1", [id])?;
    Ok(())
}

/// Inserts a conversation unless its id is cached; true if it was new.
pub(crate) fn insert_conversation(conn: &Connection, c: &Conversation) -> Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO conversations (id, user_id, title, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            c.id.as_uuid(),
            c.user_id.as_uuid(),
            c.title,
            ts(c.created_at)?,
            ts(c.updated_at)?
        ])?;
    Ok(inserted == 1)
}

/// Inserts a message unless its id is cached; true if it was new. The
/// caller has checked that its conversation is cached.
pub(crate) fn insert_message(conn: &Connection, m: &Message) -> Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO messages (id, conversation_id, role, content, created_at, attachments,
                                   status, model)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            m.id.as_uuid(),
            m.conversation_id.as_uuid(),
            role_str(m.role),
            m.content,
            ts(m.created_at)?,
            attachments_json(&m.attachments)?,
            status_str(m.status),
            m.model,
        ])?;
    Ok(inserted == 1)
}

/// Queues `op`; returns its seq.
pub(crate) fn enqueue(conn: &Connection, op: &OutboxOp) -> Result<i64> {
    let (message_id, changed_at) = match op {
        OutboxOp::AddMessage { message, .. } => (Some(message.id.as_uuid()), None),
        OutboxOp::DeleteMessage { id, .. } => (Some(id.as_uuid()), None),
        OutboxOp::RenameConversation { changed_at, .. } => (None, Some(ts(*changed_at)?)),
        _ => (None, None),
    };
    conn.prepare_cached(
        "INSERT INTO outbox (kind, conversation_id, message_id, changed_at, op, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        op.kind(),
        op.conversation_id().as_uuid(),
        message_id,
        changed_at,
        serde_json::to_string(op)?,
        rows::now()?,
    ])?;
    Ok(conn.last_insert_rowid())
}

//! Export (the whole history as JSON, one conversation as JSON or Markdown)
//! and import (merging a backup without duplicates).

use std::collections::HashMap;
use std::fmt::Write as _;

use native_core::{
    AttachmentText, Conversation, ConversationId, Message, MessageId, MessageStatus, Role, UserId,
};
use rusqlite::Connection;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::local::{self, State};
use crate::rows::{self, CONVERSATION_COLUMNS, MESSAGE_COLUMNS};
use crate::{BACKUP_VERSION, Backup, ImportReport, OutboxOp, Result, Store, StoreError, texts};

impl Store {
    /// Every cached conversation, message and attachment text, oldest
    /// first. Serialise it with serde (JSON) to write a backup file.
    pub fn export_all(&self) -> Result<Backup> {
        let conn = self.conn();
        let conversations = select_conversations(&conn, None)?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m
             ORDER BY m.conversation_id, m.created_at, m.role = 'assistant', m.id"
        ))?;
        let messages = stmt
            .query_map([], |row| rows::message(row, 0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Backup {
            version: BACKUP_VERSION,
            conversations,
            messages,
            attachment_texts: texts::all_texts(&conn)?,
        })
    }

    /// One conversation as pretty JSON in the [`Backup`] format, so the file
    /// can be imported again.
    pub fn export_conversation_json(&self, id: ConversationId) -> Result<String> {
        let (conversation, messages) = self.load(id)?;
        let backup = Backup {
            version: BACKUP_VERSION,
            conversations: vec![conversation],
            messages,
            attachment_texts: self.conversation_attachment_texts(id)?,
        };
        Ok(serde_json::to_string_pretty(&backup)?)
    }

    /// One conversation as Markdown to read or share: the title, then each
    /// message under a heading naming its author and time (UTC).
    pub fn export_conversation_markdown(&self, id: ConversationId) -> Result<String> {
        let (conversation, messages) = self.load(id)?;
        Ok(markdown(&conversation, &messages))
    }

    /// Merges a backup into the cache: conversations and messages whose id
    /// is not cached are added and queued for the server, as `owner`'s (the
    /// server only accepts the signed-in user's rows). An added message
    /// brings its attachment texts along, in the cache and in its queued op.
    /// Rows already cached, deleted ids and messages without their
    /// conversation are skipped (with their texts), so importing the same
    /// file twice adds nothing the second time. One transaction: a failure
    /// imports nothing.
    pub fn import(&self, backup: &Backup, owner: UserId) -> Result<ImportReport> {
        if backup.version == 0 || backup.version > BACKUP_VERSION {
            return Err(StoreError::UnsupportedBackup(backup.version));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut report = ImportReport::default();
        let mut texts_of: HashMap<MessageId, Vec<AttachmentText>> = HashMap::new();
        for text in &backup.attachment_texts {
            texts_of
                .entry(text.message_id)
                .or_default()
                .push(text.clone());
        }
        for conversation in &backup.conversations {
            let conversation = Conversation {
                user_id: owner,
                ..conversation.clone()
            };
            if local::state(&tx, conversation.id)? == State::Unknown
                && local::insert_conversation(&tx, &conversation)?
            {
                local::enqueue(&tx, &OutboxOp::CreateConversation { conversation })?;
                report.conversations_added += 1;
            } else {
                report.skipped += 1;
            }
        }
        for message in &backup.messages {
            let texts = texts_of.remove(&message.id).unwrap_or_default();
            let texts = texts::checked_for(message, &texts)?;
            if local::state(&tx, message.conversation_id)? == State::Live
                && !local::is_deleted(&tx, message.id.as_uuid())?
                && local::insert_message(&tx, message)?
            {
                for text in &texts {
                    texts::insert_text(&tx, text)?;
                }
                local::enqueue(
                    &tx,
                    &OutboxOp::AddMessage {
                        message: message.clone(),
                        texts: texts.into_iter().cloned().collect(),
                    },
                )?;
                report.messages_added += 1;
            } else {
                report.skipped += 1;
            }
        }
        tx.commit()?;
        Ok(report)
    }

    fn load(&self, id: ConversationId) -> Result<(Conversation, Vec<Message>)> {
        let conversation = select_conversations(&self.conn(), Some(id))?
            .pop()
            .ok_or(StoreError::UnknownConversation(id))?;
        let messages = self.messages(id)?.into_iter().map(|m| m.message).collect();
        Ok((conversation, messages))
    }
}

fn select_conversations(
    conn: &Connection,
    id: Option<ConversationId>,
) -> Result<Vec<Conversation>> {
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c
         WHERE ?1 IS NULL OR c.id = ?1 ORDER BY c.created_at, c.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([id.map(|id| id.as_uuid())], |row| {
        rows::conversation(row, 0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writing to a `String` cannot fail, hence the ignored `fmt::Result`s.
fn markdown(conversation: &Conversation, messages: &[Message]) -> String {
    let mut out = String::new();
    // A title is one line in the app; a newline would end the heading.
    let title = conversation.title.replace(['\r', '\n'], " ");
    let _ = writeln!(out, "# {}\n", title.trim());
    let _ = writeln!(out, "_Started {}_\n", when(conversation.created_at));
    for m in messages {
        let author = match m.role {
            Role::User => "You".to_owned(),
            Role::Assistant => match &m.model {
                Some(model) => format!("Assistant ({model})"),
                None => "Assistant".to_owned(),
            },
        };
        let _ = writeln!(out, "## {author} · {}\n", when(m.created_at));
        let _ = writeln!(out, "{}\n", m.content.trim_end());
        match m.status {
            MessageStatus::Complete => {}
            MessageStatus::Partial => out.push_str("_(reply stopped before the end)_\n\n"),
            MessageStatus::Error => out.push_str("_(reply failed)_\n\n"),
        }
        for a in &m.attachments {
            let _ = writeln!(
                out,
                "- Attachment: {} ({}, {} bytes)",
                a.name, a.mime_type, a.size
            );
        }
        if !m.attachments.is_empty() {
            out.push('\n');
        }
    }
    out
}

/// `2026-01-08 21:38 UTC`.
fn when(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

//! Storing what the server sent, with the conflict rules: deletion wins,
//! and the latest title wins.

use native_core::{Conversation, Message};
use rusqlite::{Connection, OptionalExtension, params};

use crate::local::{self, State};
use crate::rows::ts;
use crate::{ApplyReport, RemoteBatch, Result, Store, StoreError, Tombstone, texts};

impl Store {
    /// Stores a batch from the server and its cursor in one transaction: on
    /// any error nothing of the batch is stored and the cursor does not move,
    /// so the next sync fetches the same changes again.
    ///
    /// Tombstones are applied first: the rows go, their ids are remembered
    /// as deleted, and queued ops about them are dropped. A conversation or
    /// message whose id is deleted is then ignored (deletion wins, forever).
    /// A conversation is inserted or updated, keeping the local title only
    /// if a queued local rename is later than the server's `updated_at`.
    /// Messages already cached are ignored. A message whose conversation is
    /// neither cached, in the batch, nor deleted is an error
    /// ([`StoreError::UnknownConversation`]): the sync engine must send a
    /// conversation no later than its messages. Attachment texts come last,
    /// so a text may belong to a message of the same batch; one whose
    /// message is not cached then is ignored, and one that breaks
    /// native-core's rules fails the batch ([`StoreError::Invalid`]).
    pub fn apply_remote(&self, batch: &RemoteBatch) -> Result<ApplyReport> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut report = ApplyReport::default();
        for tombstone in &batch.tombstones {
            match *tombstone {
                Tombstone::Conversation(id) => local::forget_conversation(&tx, id)?,
                Tombstone::Message {
                    id,
                    conversation_id,
                } => local::forget_message(&tx, id, conversation_id)?,
            }
            report.tombstones += 1;
        }
        for conversation in &batch.conversations {
            match upsert_conversation(&tx, conversation)? {
                Upsert::Ignored => report.ignored += 1,
                Upsert::Stored => report.conversations_upserted += 1,
                Upsert::KeptLocalTitle => {
                    report.conversations_upserted += 1;
                    report.local_titles_kept += 1;
                }
            }
        }
        for message in &batch.messages {
            if insert_remote_message(&tx, message)? {
                report.messages_inserted += 1;
            } else {
                report.ignored += 1;
            }
        }
        for text in &batch.attachment_texts {
            text.check()?;
            if texts::insert_remote_text(&tx, text)? {
                report.attachment_texts_inserted += 1;
            } else {
                report.ignored += 1;
            }
        }
        if let Some((key, value)) = &batch.cursor {
            tx.execute(
                "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
        }
        tx.commit()?;
        Ok(report)
    }
}

enum Upsert {
    Ignored,
    Stored,
    KeptLocalTitle,
}

fn upsert_conversation(conn: &Connection, c: &Conversation) -> Result<Upsert> {
    if local::state(conn, c.id)? == State::Deleted {
        return Ok(Upsert::Ignored);
    }
    let id = c.id.as_uuid();
    let remote_at = ts(c.updated_at)?;
    let latest_rename: Option<i64> = conn
        .prepare_cached(
            "SELECT max(changed_at) FROM outbox
             WHERE conversation_id = ?1 AND kind = 'rename_conversation'",
        )?
        .query_row([id], |row| row.get(0))
        .optional()?
        .flatten();
    // Latest change wins. The server's `updated_at` is its clock and the
    // rename's `changed_at` this device's: the only two times there are.
    let keep_local = latest_rename.is_some_and(|at| at > remote_at);
    if !keep_local {
        // The server's title is newer: the queued rename lost, and sending
        // it later would overwrite the newer title everywhere.
        conn.execute(
            "DELETE FROM outbox WHERE conversation_id = ?1 AND kind = 'rename_conversation'",
            [id],
        )?;
    }
    conn.prepare_cached(
        "INSERT INTO conversations (id, user_id, title, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET
           user_id = excluded.user_id,
           title = CASE WHEN ?6 THEN title ELSE excluded.title END,
           created_at = excluded.created_at,
           updated_at = max(updated_at, excluded.updated_at)",
    )?
    .execute(params![
        id,
        c.user_id.as_uuid(),
        c.title,
        ts(c.created_at)?,
        remote_at,
        keep_local
    ])?;
    Ok(if keep_local {
        Upsert::KeptLocalTitle
    } else {
        Upsert::Stored
    })
}

/// True if the message was new; false if it was cached or deleted.
fn insert_remote_message(conn: &Connection, m: &Message) -> Result<bool> {
    if local::is_deleted(conn, m.id.as_uuid())? {
        return Ok(false);
    }
    match local::state(conn, m.conversation_id)? {
        State::Deleted => Ok(false),
        State::Unknown => Err(StoreError::UnknownConversation(m.conversation_id)),
        State::Live => local::insert_message(conn, m),
    }
}

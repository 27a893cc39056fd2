//! One sync: pull the server's changes since the stored cursors, then
//! replay the outbox, then note the user's presence.
//!
//! Pulling comes first so that a deletion made elsewhere removes queued
//! changes to that conversation before they are sent (deletion wins), and a
//! later rename made elsewhere replaces an older queued one.

use std::sync::Arc;
use std::time::Duration;

use native_client::{ClientError, HistoryRemote, Keyset, MAX_PAGE, RemoteTombstone, TombstoneKind};
use native_core::MessageId;
use native_store::{OutboxEntry, OutboxOp, RemoteBatch, StoreError, Tombstone};
use time::OffsetDateTime;

use super::{HistoryHub, SyncMemory, SyncStatus, UserHistory, blocking};
use crate::{AppError, ErrorBody};

/// A write whose transaction began before a sync's read but committed after
/// it carries a timestamp the read could not see. So when the cursor is
/// within this much of the server's clock at the last read, the next sync
/// re-reads from (that clock − this much); otherwise it starts right after
/// the cursor. Re-read rows are ignored by the cache.
const OVERLAP: time::Duration = time::Duration::seconds(2);
/// `user_presence.last_seen` is written at most this often.
const PRESENCE_EVERY: time::Duration = time::Duration::minutes(5);

/// The three change streams the server keeps, each with its own cursor.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Conversations,
    Messages,
    Tombstones,
}

impl Stream {
    fn key(self) -> &'static str {
        match self {
            Self::Conversations => "conversations",
            Self::Messages => "messages",
            Self::Tombstones => "tombstones",
        }
    }

    /// The smallest id of the stream, to start just at a timestamp.
    fn min_id(self) -> &'static str {
        match self {
            Self::Tombstones => "0",
            _ => "00000000-0000-0000-0000-000000000000",
        }
    }
}

/// Where a stream's next sync starts: after the last row stored, and the
/// server's clock (to the second) when the sync that stored it first read.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Cursor {
    after: Keyset,
    #[serde(with = "time::serde::rfc3339::option")]
    read_at: Option<OffsetDateTime>,
}

impl Cursor {
    /// The position the next page request starts after (see [`OVERLAP`]).
    fn start(&self, stream: Stream) -> Keyset {
        // Without the server's clock, assume the cursor is recent.
        let reread_from = self.read_at.unwrap_or(self.after.at) - OVERLAP;
        if self.after.at < reread_from {
            self.after.clone()
        } else {
            Keyset {
                at: reread_from,
                id: stream.min_id().to_owned(),
            }
        }
    }
}

/// Counts rows for the progress shown during a sync.
struct Progress {
    first: bool,
    fetched: u32,
    changed: bool,
}

impl HistoryHub {
    /// Syncs `history` with the server as the holder of `token`, publishing
    /// progress; the returned status is also published.
    pub(crate) async fn sync(
        &self,
        history: &Arc<UserHistory>,
        token: &str,
    ) -> Result<SyncStatus, AppError> {
        let remote = self
            .remote
            .as_ref()
            .ok_or(AppError::NotConfigured("SUPABASE_URL"))?;
        let mut memory = history.syncing.lock().await;
        let store = &history.store;
        let first = blocking(store, |s| s.cursor(Stream::Conversations.key()))
            .await?
            .is_none();
        let mut progress = Progress {
            first,
            fetched: 0,
            changed: false,
        };
        self.publish(SyncStatus::Syncing { first, fetched: 0 });
        let outcome = self
            .run(remote, history, token, &mut progress, &mut memory)
            .await;
        if progress.changed {
            self.bump();
        }
        let pending = blocking(store, |s| s.outbox()).await.map_or(0, |o| o.len());
        let pending = u32::try_from(pending).unwrap_or(u32::MAX);
        let status = match outcome {
            Ok(()) => {
                let now = OffsetDateTime::now_utc();
                memory.last_synced_at = Some(now);
                SyncStatus::Synced {
                    last_synced_at: rfc3339(now),
                    pending,
                }
            }
            Err(AppError::Client(ClientError::Offline(_))) => SyncStatus::Offline {
                pending,
                last_synced_at: memory.last_synced_at.map(rfc3339),
            },
            Err(err) => {
                tracing::warn!(code = ?err.code(), "history sync failed");
                SyncStatus::Failed {
                    error: ErrorBody::from(err),
                    pending,
                }
            }
        };
        self.publish(status.clone());
        Ok(status)
    }

    async fn run(
        &self,
        remote: &HistoryRemote,
        history: &Arc<UserHistory>,
        token: &str,
        progress: &mut Progress,
        memory: &mut SyncMemory,
    ) -> Result<(), AppError> {
        self.pull(remote, history, token, Stream::Conversations, progress)
            .await?;
        match self
            .pull(remote, history, token, Stream::Messages, progress)
            .await
        {
            // A conversation created after the conversations were read, with
            // messages already: read the conversations again, then go on.
            Err(AppError::Store(StoreError::UnknownConversation(_))) => {
                self.pull(remote, history, token, Stream::Conversations, progress)
                    .await?;
                self.pull(remote, history, token, Stream::Messages, progress)
                    .await?;
            }
            other => other?,
        }
        self.pull(remote, history, token, Stream::Tombstones, progress)
            .await?;
        if push(remote, history, token).await? {
            progress.changed = true;
        }
        let now = OffsetDateTime::now_utc();
        if memory
            .last_presence
            .is_none_or(|at| now - at >= PRESENCE_EVERY)
        {
            remote.touch_presence(token, history.user).await?;
            memory.last_presence = Some(now);
        }
        Ok(())
    }

    /// Pulls one stream page by page; each page is stored with its cursor
    /// in one transaction, so an interrupted sync resumes where it stopped.
    async fn pull(
        &self,
        remote: &HistoryRemote,
        history: &Arc<UserHistory>,
        token: &str,
        stream: Stream,
        progress: &mut Progress,
    ) -> Result<(), AppError> {
        let store = &history.store;
        let stored = blocking(store, move |s| s.cursor(stream.key()))
            .await?
            .and_then(|raw| serde_json::from_str::<Cursor>(&raw).ok());
        let mut after = stored.as_ref().map(|c| c.start(stream));
        let mut last_stored = stored.map(|c| c.after);
        let mut read_at = None;
        loop {
            let (mut batch, last, rows, server_time) =
                fetch(remote, token, stream, after.as_ref()).await?;
            read_at = read_at.or(server_time);
            // An empty page still records the read time, so the next sync
            // knows the cursor is old and skips the re-read.
            let Some(position) = last.or(last_stored.clone()) else {
                return Ok(());
            };
            let cursor = Cursor {
                after: position.clone(),
                read_at,
            };
            let cursor = serde_json::to_string(&cursor)
                .map_err(|_| AppError::Internal("a sync cursor could not be written"))?;
            batch.cursor = Some((stream.key().to_owned(), cursor));
            let report = blocking(store, move |s| s.apply_remote(&batch)).await?;
            progress.changed |= report.conversations_upserted
                + report.messages_inserted
                + report.tombstones
                + report.attachment_texts_inserted
                > 0;
            progress.fetched = progress
                .fetched
                .saturating_add(u32::try_from(rows).unwrap_or(u32::MAX));
            if rows > 0 {
                self.publish(SyncStatus::Syncing {
                    first: progress.first,
                    fetched: progress.fetched,
                });
            }
            if rows < MAX_PAGE {
                return Ok(());
            }
            last_stored = Some(position.clone());
            after = Some(position);
        }
    }
}

/// One page of `stream` after `after`: the batch to store, the position of
/// its last row, how many rows it has, and the server's clock.
async fn fetch(
    remote: &HistoryRemote,
    token: &str,
    stream: Stream,
    after: Option<&Keyset>,
) -> Result<(RemoteBatch, Option<Keyset>, usize, Option<OffsetDateTime>), AppError> {
    let mut batch = RemoteBatch::default();
    let (last, server_time) = match stream {
        Stream::Conversations => {
            let page = remote.conversations_page(token, after, MAX_PAGE).await?;
            batch.conversations = page.rows;
            let last = batch.conversations.last();
            (
                last.map(|c| Keyset {
                    at: c.updated_at,
                    id: c.id.to_string(),
                }),
                page.server_time,
            )
        }
        Stream::Messages => {
            let page = remote.messages_page(token, after, MAX_PAGE).await?;
            batch.messages = page.rows;
            // The texts of the page's attachments go into the same batch, so
            // they are stored with their messages and the cursor, or not at
            // all. Only attachments with a sha256 can have one: rows from
            // the original web app have none.
            let with_files: Vec<MessageId> = batch
                .messages
                .iter()
                .filter(|m| m.attachments.iter().any(|a| a.sha256.is_some()))
                .map(|m| m.id)
                .collect();
            batch.attachment_texts = remote.attachment_texts(token, &with_files).await?;
            let last = batch.messages.last();
            (
                last.map(|m| Keyset {
                    at: m.created_at,
                    id: m.id.to_string(),
                }),
                page.server_time,
            )
        }
        Stream::Tombstones => {
            let page = remote.tombstones_page(token, after, MAX_PAGE).await?;
            let last = page.rows.last();
            let last = last.map(|t| Keyset {
                at: t.deleted_at,
                id: t.id.to_string(),
            });
            batch.tombstones = page.rows.iter().map(tombstone).collect();
            (last, page.server_time)
        }
    };
    // Texts are not counted: `rows` says whether the page was full.
    let rows = batch.conversations.len() + batch.messages.len() + batch.tombstones.len();
    Ok((batch, last, rows, server_time))
}

fn tombstone(row: &RemoteTombstone) -> Tombstone {
    match row.record_type {
        TombstoneKind::Conversation => Tombstone::Conversation(row.conversation_id),
        TombstoneKind::Message => Tombstone::Message {
            id: MessageId::from(row.record_id),
            conversation_id: row.conversation_id,
        },
    }
}

/// Replays the outbox in order. Each write is idempotent (client ids,
/// duplicates ignored), so an entry whose answer was lost is simply sent
/// again next time. Returns whether anything was acknowledged.
async fn push(
    remote: &HistoryRemote,
    history: &Arc<UserHistory>,
    token: &str,
) -> Result<bool, AppError> {
    let store = &history.store;
    let entries = blocking(store, |s| s.outbox()).await?;
    let any = !entries.is_empty();
    for entry in entries {
        match send(remote, history, token, &entry).await {
            Ok(()) => {}
            // The server will never take this change (e.g. a message for a
            // conversation deleted on another device: deletion wins). Keeping
            // it would block every later change behind it.
            Err(ClientError::Http { status, code, .. })
                if (400..500).contains(&status) && status != 401 =>
            {
                tracing::warn!(
                    seq = entry.seq,
                    status,
                    ?code,
                    "the server refused a queued change; dropping it"
                );
            }
            Err(err) => return Err(err.into()),
        }
        let seq = entry.seq;
        blocking(store, move |s| s.ack(seq)).await?;
    }
    Ok(any)
}

async fn send(
    remote: &HistoryRemote,
    history: &UserHistory,
    token: &str,
    entry: &OutboxEntry,
) -> Result<(), ClientError> {
    match &entry.op {
        OutboxOp::CreateConversation { conversation } => {
            remote
                .create_conversation(token, history.user, conversation.id, &conversation.title)
                .await
        }
        OutboxOp::RenameConversation { id, title, .. } => {
            remote.rename_conversation(token, *id, title).await
        }
        OutboxOp::DeleteConversation { id } => remote.delete_conversation(token, *id).await,
        OutboxOp::AddMessage { message, texts } => {
            // The texts' rows refer to the message, so it goes first. Both
            // writes ignore duplicates: if the texts fail, replaying the op
            // sends the message again harmlessly, then the texts.
            remote.add_message(token, message).await?;
            remote.add_attachment_texts(token, texts).await
        }
        OutboxOp::DeleteMessage { id, .. } => remote.delete_message(token, *id).await,
    }
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// How long the background loop waits before retrying a failed sync: 5 s,
/// doubling, at most 5 minutes.
pub(crate) fn backoff(failures: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1 << failures.min(6))).min(Duration::from_secs(300))
}

//! The history half of [`NativeApp`]'s facade: one short function per shell
//! command, plus the background loop that keeps the cache in step.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use native_core::{Conversation, ConversationId, ConversationTitle, UserId};
use native_store::{Backup, ConversationSummary, HIGHLIGHT_END, HIGHLIGHT_START, StoredMessage};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::sync::{backoff, rfc3339};
use super::{
    CacheNotice, ConversationItem, ExportFormat, ImportReport, LaunchState, MessageItem, SearchHit,
    SnippetPart, SyncStatus, UserHistory, blocking,
};
use crate::{AppError, AuthState, ErrorCode, NativeApp};

/// The most hits one search returns: a screenful of choices.
const SEARCH_LIMIT: usize = 50;

/// How long the sync loop waits after a request before it syncs. Local
/// changes come in bursts: a chat turn saves its question, then its reply
/// a few seconds later, then a title. A request's sync also used to run
/// while the window drew the change that caused it, on the same cores,
/// and its push then changed the page again (the "not yet synced" marks)
/// a few milliseconds later; waiting a moment leaves those frames alone
/// and lets one sync carry a burst (BENCHMARKS.md, main-thread stalls).
const SYNC_SETTLE: Duration = Duration::from_millis(250);

impl NativeApp {
    /// The signed-in user's history, opened on first use.
    pub(crate) async fn history(&self) -> Result<Arc<UserHistory>, AppError> {
        let user = signed_in_user(&self.auth_state()).ok_or(AppError::NotSignedIn)?;
        self.history.open(user).await
    }

    pub async fn list_conversations(&self) -> Result<Vec<ConversationItem>, AppError> {
        let user = signed_in_user(&self.auth_state()).ok_or(AppError::NotSignedIn)?;
        self.conversations_of(user).await
    }

    /// The session and its user's cached conversations, from one reading
    /// of the session: the list is never another user's. A state prepared
    /// ahead (`prepare_launch`) is answered if neither the session nor the
    /// cache changed since; otherwise it is read now.
    pub async fn launch_state(&self) -> LaunchState {
        let auth = self.auth_state();
        if let Some(prepared) = self.history.take_prepared(&auth) {
            return prepared;
        }
        self.read_launch_state(auth).await
    }

    /// Reads the launch state once the session is restored, before the
    /// window asks for it: the read (5-18 ms for a thousand conversations)
    /// then overlaps WebKit's start instead of keeping the first screen
    /// waiting (BENCHMARKS.md). The revision is read first, so a change
    /// that lands during the read makes the prepared state stale.
    pub async fn prepare_launch(&self) {
        let revision = self.history.revision();
        let state = self.read_launch_state(self.auth_state()).await;
        self.history.keep_prepared(revision, state);
    }

    async fn read_launch_state(&self, auth: AuthState) -> LaunchState {
        let conversations = match signed_in_user(&auth) {
            Some(user) => self.conversations_of(user).await.ok(),
            None => None,
        };
        LaunchState {
            auth,
            conversations,
        }
    }

    async fn conversations_of(&self, user: UserId) -> Result<Vec<ConversationItem>, AppError> {
        let history = self.history.open(user).await?;
        let rows = blocking(&history.store, |s| s.conversations()).await?;
        Ok(rows.into_iter().map(conversation_item).collect())
    }

    pub async fn conversation_messages(
        &self,
        id: ConversationId,
    ) -> Result<Vec<MessageItem>, AppError> {
        let history = self.history().await?;
        let rows = blocking(&history.store, move |s| s.messages(id)).await?;
        Ok(rows.into_iter().map(message_item).collect())
    }

    /// Searches every cached message (works offline). Any text is a valid
    /// query; an empty one finds nothing.
    pub async fn search_history(&self, query: &str) -> Result<Vec<SearchHit>, AppError> {
        let history = self.history().await?;
        let query = query.to_owned();
        let hits = blocking(&history.store, move |s| s.search(&query, SEARCH_LIMIT)).await?;
        Ok(hits
            .into_iter()
            .map(|hit| SearchHit {
                conversation_id: hit.conversation_id,
                message_id: hit.message_id,
                conversation_title: hit.conversation_title,
                snippet: snippet_parts(&hit.snippet),
            })
            .collect())
    }

    /// Starts a conversation here; it reaches the server with the next sync.
    pub async fn create_conversation(&self, title: &str) -> Result<ConversationItem, AppError> {
        let title = ConversationTitle::parse(title)?;
        let history = self.history().await?;
        let now = OffsetDateTime::now_utc();
        let conversation = Conversation {
            id: ConversationId::new_random(),
            user_id: history.user,
            title: title.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let created = conversation.clone();
        blocking(&history.store, move |s| s.create_conversation(&created)).await?;
        self.history_changed_locally();
        Ok(conversation_item(ConversationSummary {
            conversation,
            last_activity: now,
            message_count: 0,
            pending: true,
        }))
    }

    pub async fn rename_conversation(
        &self,
        id: ConversationId,
        title: &str,
    ) -> Result<(), AppError> {
        let title = ConversationTitle::parse(title)?;
        let history = self.history().await?;
        let now = OffsetDateTime::now_utc();
        blocking(&history.store, move |s| {
            s.rename_conversation(id, title.as_str(), now)
        })
        .await?;
        self.history_changed_locally();
        Ok(())
    }

    /// Deletes a conversation here and, with the next sync, everywhere.
    /// Final: the UI offers its undo before calling this.
    pub async fn delete_conversation(&self, id: ConversationId) -> Result<(), AppError> {
        let history = self.history().await?;
        blocking(&history.store, move |s| s.delete_conversation(id)).await?;
        self.history_changed_locally();
        Ok(())
    }

    /// Syncs now and returns how it went (also broadcast). Offline is a
    /// status, not an error: the cache keeps working.
    pub async fn sync_history(&self) -> Result<SyncStatus, AppError> {
        let history = self.history().await?;
        let token = match self.access_token().await {
            Ok(token) => token,
            Err(err) if err.code() == ErrorCode::Offline => {
                let status = SyncStatus::Offline {
                    pending: pending(&history).await,
                    last_synced_at: None,
                };
                self.history.publish(status.clone());
                return Ok(status);
            }
            Err(err) => return Err(err),
        };
        self.history.sync(&history, &token).await
    }

    /// Asks the background loop for a sync soon (window focus, after a chat).
    pub fn request_sync(&self) {
        self.history.wake();
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.history.status.borrow().clone()
    }

    pub fn subscribe_sync(&self) -> watch::Receiver<SyncStatus> {
        self.history.status.subscribe()
    }

    /// Changes whenever the cached history did: the UI reloads its lists.
    pub fn subscribe_history_changes(&self) -> watch::Receiver<u64> {
        self.history.revision.subscribe()
    }

    pub fn subscribe_cache_notices(&self) -> watch::Receiver<Option<CacheNotice>> {
        self.history.notices.subscribe()
    }

    /// Writes one conversation to `path` as Markdown or JSON.
    pub async fn export_conversation(
        &self,
        id: ConversationId,
        format: ExportFormat,
        path: &Path,
    ) -> Result<(), AppError> {
        let history = self.history().await?;
        let text = blocking(&history.store, move |s| match format {
            ExportFormat::Markdown => s.export_conversation_markdown(id),
            ExportFormat::Json => s.export_conversation_json(id),
        })
        .await?;
        write_file(path, text.into_bytes()).await
    }

    /// Writes the whole history to `path` as a JSON backup.
    pub async fn export_history(&self, path: &Path) -> Result<(), AppError> {
        let history = self.history().await?;
        let backup = blocking(&history.store, |s| s.export_all()).await?;
        let json = serde_json::to_vec_pretty(&backup)
            .map_err(|_| AppError::Internal("the backup could not be encoded"))?;
        write_file(path, json).await
    }

    /// Merges a JSON backup into the history; importing the same file again
    /// adds nothing. Imported rows reach the server with the next sync.
    pub async fn import_history(&self, path: &Path) -> Result<ImportReport, AppError> {
        let history = self.history().await?;
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|_| AppError::File("read"))?;
        let backup: Backup = serde_json::from_slice(&bytes).map_err(|_| AppError::BadBackup)?;
        let owner = history.user;
        let report = blocking(&history.store, move |s| s.import(&backup, owner)).await?;
        self.history_changed_locally();
        Ok(ImportReport {
            conversations_added: count(report.conversations_added),
            messages_added: count(report.messages_added),
            duplicates_skipped: count(report.skipped),
        })
    }

    /// Keeps history in step for as long as the app runs: opens the cache
    /// and syncs when someone signs in or the session comes back online,
    /// closes it on sign-out, syncs on request, and retries a failed sync
    /// with backoff (which is also how a reconnection is noticed).
    pub async fn run_history_sync(&self) {
        // The launch's history is drawn from the cache; its first sync waits
        // until the window shows it (see `FIRST_SYNC_WAIT`). It then carries
        // the syncs asked for meanwhile: the window's first focus asks for
        // one as it appears.
        self.history.until_shown().await;
        self.history.take_wake().await;
        let mut auth = self.subscribe_auth();
        let mut failures = 0u32;
        let mut last_user = None;
        loop {
            let user = signed_in_user(&auth.borrow_and_update().clone());
            if user != last_user {
                // Files picked by one account never go out with another's
                // question (nor stay after sign-out), and a reply still
                // streaming for the previous account stops.
                self.pending.clear();
                if last_user.is_some() {
                    self.replies.stop_all();
                }
                last_user = user;
            }
            let retry = match user {
                Some(_) => match self.sync_history().await {
                    Ok(SyncStatus::Synced { .. }) => {
                        failures = 0;
                        None
                    }
                    _ => {
                        failures = failures.saturating_add(1);
                        Some(backoff(failures - 1))
                    }
                },
                None => {
                    self.history.close().await;
                    None
                }
            };
            let sleep = tokio::time::sleep(retry.unwrap_or(Duration::MAX / 4));
            tokio::select! {
                changed = auth.changed() => if changed.is_err() { return },
                () = self.history.wake.notified() => {
                    tokio::select! {
                        changed = auth.changed() => if changed.is_err() { return },
                        () = tokio::time::sleep(SYNC_SETTLE) => {
                            // The sync about to run carries the requests
                            // made while it waited; without this, the one
                            // stored meanwhile would cause a second sync.
                            self.history.take_wake().await;
                        }
                    }
                }
                () = sleep, if retry.is_some() => {}
            }
        }
    }

    pub(crate) fn history_changed_locally(&self) {
        self.history.bump();
        self.request_sync();
    }
}

fn signed_in_user(state: &AuthState) -> Option<UserId> {
    match state {
        AuthState::SignedIn { user, .. } | AuthState::PasswordRecovery { user } => Some(user.id),
        _ => None,
    }
}

async fn pending(history: &UserHistory) -> u32 {
    let rows = blocking(&history.store, |s| s.outbox())
        .await
        .map_or(0, |o| o.len());
    count(rows)
}

fn count(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

/// Writes through a temporary file in the same folder, then renames it, so a
/// failure never leaves a half-written file under the chosen name.
async fn write_file(path: &Path, bytes: Vec<u8>) -> Result<(), AppError> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file =
            tempfile::NamedTempFile::new_in(dir).map_err(|_| AppError::File("written"))?;
        std::io::Write::write_all(&mut file, &bytes).map_err(|_| AppError::File("written"))?;
        file.persist(&path).map_err(|_| AppError::File("written"))?;
        Ok(())
    })
    .await
    .map_err(|_| AppError::Internal("writing a file stopped"))?
}

fn conversation_item(row: ConversationSummary) -> ConversationItem {
    ConversationItem {
        id: row.conversation.id,
        title: row.conversation.title,
        last_activity: rfc3339(row.last_activity),
        message_count: count(row.message_count),
        pending: row.pending,
    }
}

fn message_item(row: StoredMessage) -> MessageItem {
    let m = row.message;
    MessageItem {
        id: m.id,
        conversation_id: m.conversation_id,
        role: m.role,
        content: m.content,
        created_at: rfc3339(m.created_at),
        attachments: m.attachments,
        status: m.status,
        model: m.model,
        pending: row.pending,
    }
}

/// Splits the store's marked snippet into plain and matched parts.
fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut hit = false;
    for piece in marked.split([HIGHLIGHT_START, HIGHLIGHT_END]) {
        if !piece.is_empty() {
            parts.push(SnippetPart {
                text: piece.to_owned(),
                hit,
            });
        }
        hit = !hit;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_split_into_plain_and_matched_parts() {
        let parts = snippet_parts("…un \u{2}café\u{3} à \u{2}Lyon\u{3}");
        let shown: Vec<(&str, bool)> = parts.iter().map(|p| (p.text.as_str(), p.hit)).collect();
        assert_eq!(
            shown,
            vec![
                ("…un ", false),
                ("café", true),
                (" à ", false),
                ("Lyon", true)
            ]
        );
        assert_eq!(snippet_parts("").len(), 0);
    }
}

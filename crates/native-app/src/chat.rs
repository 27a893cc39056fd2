//! Chat: a user's message saved, the reply streamed from the gateway to the
//! UI event by event, and the reply saved when it ends (whole, or marked
//! partial or error).
//!
//! The user's message is in the local history before anything is sent, so
//! it survives a crash, a cut or a refused request. One reply per
//! conversation runs at a time; `stop_chat` ends it, keeping what came.

mod reply;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use native_core::{
    Attachment, AttachmentText, ChatEvent, ChatMode, Conversation, ConversationId,
    ConversationTitle, Message, MessageId, MessageStatus, MessageText, Role,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::attachments::{AttachmentId, PendingFile};
use crate::history::UserHistory;
use crate::history::blocking;
use crate::{AppError, NativeApp};

/// Where a reply's events go: the shell forwards them over a Tauri channel.
pub trait ChatSink: Send + Sync {
    fn send(&self, event: ChatEvent);
}

/// How to answer: the mode and, optionally, a model of the allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChatOptions {
    pub mode: ChatMode,
    pub model: Option<String>,
}

/// How a chat call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ChatOutcome {
    pub conversation_id: ConversationId,
    pub user_message_id: MessageId,
    /// `None` when no reply text came (refused, or failed at once).
    pub assistant_message_id: Option<MessageId>,
    pub status: MessageStatus,
}

/// The replies streaming now, by conversation, for `stop_chat`.
#[derive(Debug, Default)]
pub(crate) struct RunningReplies {
    running: Mutex<HashMap<ConversationId, CancellationToken>>,
}

impl RunningReplies {
    /// Registers a reply; `None` if one already runs in that conversation.
    fn start(&self, conversation: ConversationId) -> Option<ReplyGuard<'_>> {
        let mut running = self.lock();
        if running.contains_key(&conversation) {
            return None;
        }
        let token = CancellationToken::new();
        running.insert(conversation, token.clone());
        Some(ReplyGuard {
            owner: self,
            conversation,
            token,
        })
    }

    fn stop(&self, conversation: ConversationId) {
        if let Some(token) = self.lock().get(&conversation) {
            token.cancel();
        }
    }

    /// Stops every running reply (the user signed out or changed): what
    /// came is kept, marked partial, in the cache of the user who asked.
    pub(crate) fn stop_all(&self) {
        for token in self.lock().values() {
            token.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConversationId, CancellationToken>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Unregisters its reply however the reply ends.
pub(crate) struct ReplyGuard<'a> {
    owner: &'a RunningReplies,
    conversation: ConversationId,
    pub token: CancellationToken,
}

impl Drop for ReplyGuard<'_> {
    fn drop(&mut self) {
        self.owner.lock().remove(&self.conversation);
    }
}

impl NativeApp {
    /// Sends `text` in `conversation` (a new one when `None`) and streams the
    /// reply to `sink`. Returns when the reply ended.
    pub async fn send_message(
        &self,
        conversation: Option<ConversationId>,
        text: &str,
        options: ChatOptions,
        sink: &dyn ChatSink,
    ) -> Result<ChatOutcome, AppError> {
        self.send_with_attachments(conversation, text, &[], options, sink)
            .await
    }

    /// [`NativeApp::send_message`] with pending attachments: they are kept
    /// with the message (metadata, and their texts beside it) and leave the
    /// pending set once the message is saved. With files, the text may be
    /// empty.
    pub async fn send_with_attachments(
        &self,
        conversation: Option<ConversationId>,
        text: &str,
        attachments: &[AttachmentId],
        options: ChatOptions,
        sink: &dyn ChatSink,
    ) -> Result<ChatOutcome, AppError> {
        let files = self.pending.peek(attachments)?;
        let text = if !files.is_empty() && text.trim().is_empty() {
            String::new()
        } else {
            MessageText::parse(text)?.as_str().to_owned()
        };
        let history = self.history().await?;
        let title_source = match files.first() {
            Some(file) if text.is_empty() => file.meta.name.clone(),
            _ => text.clone(),
        };
        let (conversation, created) = match conversation {
            Some(id) => (id, false),
            None => (
                self.start_conversation(&history, &title_source).await?,
                true,
            ),
        };
        let guard = self
            .replies
            .start(conversation)
            .ok_or(AppError::ReplyRunning)?;
        let (attached, texts) = message_files(&files);
        let user_message = self
            .save_user_message(&history, conversation, text, attached, texts)
            .await?;
        self.pending.remove(attachments);
        let outcome = self
            .reply(&history, conversation, user_message, options, sink, &guard)
            .await;
        // After the reply, not alongside it: the title must never delay the
        // first token.
        if created {
            self.name_in_background(&history, conversation, &title_source);
        }
        outcome
    }

    /// Replaces the last reply of `conversation` with a new one; the user's
    /// message is not repeated.
    pub async fn regenerate_reply(
        &self,
        conversation: ConversationId,
        options: ChatOptions,
        sink: &dyn ChatSink,
    ) -> Result<ChatOutcome, AppError> {
        let history = self.history().await?;
        let guard = self
            .replies
            .start(conversation)
            .ok_or(AppError::ReplyRunning)?;
        let messages = blocking(&history.store, move |s| s.messages(conversation)).await?;
        let last_user = messages
            .iter()
            .rposition(|m| m.message.role == Role::User)
            .ok_or(AppError::NothingToRegenerate)?;
        let user_message = messages[last_user].message.id;
        let replies: Vec<MessageId> = messages[last_user + 1..]
            .iter()
            .map(|m| m.message.id)
            .collect();
        blocking(&history.store, move |s| {
            s.delete_messages(conversation, &replies)
        })
        .await?;
        self.history_changed_locally();
        self.reply(&history, conversation, user_message, options, sink, &guard)
            .await
    }

    /// Replaces the user message `message` with `text`, drops every later
    /// turn, and streams a new reply.
    pub async fn edit_and_resend(
        &self,
        message: MessageId,
        text: &str,
        options: ChatOptions,
        sink: &dyn ChatSink,
    ) -> Result<ChatOutcome, AppError> {
        let text = MessageText::parse(text)?;
        let history = self.history().await?;
        let conversation = blocking(&history.store, move |s| s.conversation_of(message))
            .await?
            .ok_or(AppError::NotFound("message"))?;
        let guard = self
            .replies
            .start(conversation)
            .ok_or(AppError::ReplyRunning)?;
        let messages = blocking(&history.store, move |s| s.messages(conversation)).await?;
        let at = messages
            .iter()
            .position(|m| m.message.id == message && m.message.role == Role::User)
            .ok_or(AppError::NotFound("message"))?;
        let dropped: Vec<MessageId> = messages[at..].iter().map(|m| m.message.id).collect();
        // The edited question keeps its files and their texts.
        let attached = messages[at].message.attachments.clone();
        let texts = blocking(&history.store, move |s| {
            let texts = s.attachment_texts(message)?;
            s.delete_messages(conversation, &dropped)?;
            Ok(texts)
        })
        .await?;
        let texts = texts.into_iter().map(|t| (t.sha256, t.content)).collect();
        let user_message = self
            .save_user_message(
                &history,
                conversation,
                text.as_str().to_owned(),
                attached,
                texts,
            )
            .await?;
        self.reply(&history, conversation, user_message, options, sink, &guard)
            .await
    }

    /// Ends the reply streaming in `conversation`, if any; what came is kept,
    /// marked partial.
    pub fn stop_chat(&self, conversation: ConversationId) {
        self.replies.stop(conversation);
    }

    /// The gateway's models, its default first.
    pub async fn chat_models(&self) -> Result<Vec<String>, AppError> {
        let gateway = self.gateway()?;
        let token = self.access_token().await?;
        Ok(gateway.models(&token).await?)
    }

    async fn start_conversation(
        &self,
        history: &Arc<UserHistory>,
        text: &str,
    ) -> Result<ConversationId, AppError> {
        let now = OffsetDateTime::now_utc();
        let conversation = Conversation {
            id: ConversationId::new_random(),
            user_id: history.user,
            title: provisional_title(text),
            created_at: now,
            updated_at: now,
        };
        let id = conversation.id;
        blocking(&history.store, move |s| {
            s.create_conversation(&conversation)
        })
        .await?;
        Ok(id)
    }

    /// Saves the user's message with its files' metadata and, in the same
    /// transaction, their texts (`(sha256, text)`).
    async fn save_user_message(
        &self,
        history: &Arc<UserHistory>,
        conversation: ConversationId,
        text: String,
        attachments: Vec<Attachment>,
        texts: Vec<(String, String)>,
    ) -> Result<MessageId, AppError> {
        let message = Message {
            id: MessageId::new_random(),
            conversation_id: conversation,
            role: Role::User,
            content: text,
            created_at: OffsetDateTime::now_utc(),
            attachments,
            status: MessageStatus::Complete,
            model: None,
        };
        let id = message.id;
        let texts = texts
            .into_iter()
            .map(|(sha, content)| AttachmentText::parse(id, &sha, content))
            .collect::<Result<Vec<_>, _>>()?;
        blocking(&history.store, move |s| {
            s.add_message_with_texts(&message, &texts)
        })
        .await?;
        self.history_changed_locally();
        Ok(id)
    }

    /// Asks the gateway for a title and renames the conversation, unless the
    /// user renamed it meanwhile. Best effort: the provisional title stays
    /// on any failure.
    fn name_in_background(
        &self,
        history: &Arc<UserHistory>,
        conversation: ConversationId,
        first: &str,
    ) {
        let (Ok(gateway), Some(sessions)) = (self.gateway().cloned(), self.sessions.clone()) else {
            return;
        };
        let store = history.store.clone();
        let provisional = provisional_title(first);
        let turn = native_core::Turn::new("user", first);
        let hub = self.history.clone();
        tokio::spawn(async move {
            let Ok(token) = sessions.access_token().await else {
                return;
            };
            let Ok(title) = gateway.title(&token, vec![turn]).await else {
                return;
            };
            let Ok(title) = ConversationTitle::parse(&title) else {
                return;
            };
            let renamed = tokio::task::spawn_blocking(move || {
                let current = store
                    .conversations()?
                    .into_iter()
                    .find(|c| c.conversation.id == conversation);
                match current {
                    Some(c) if c.conversation.title == provisional => store.rename_conversation(
                        conversation,
                        title.as_str(),
                        OffsetDateTime::now_utc(),
                    ),
                    _ => Ok(()),
                }
            })
            .await;
            if matches!(renamed, Ok(Ok(()))) {
                hub.bump();
                hub.wake();
            }
        });
    }
}

/// The metadata and the texts (`(sha256, text)`) a message keeps of its
/// pending files.
fn message_files(files: &[PendingFile]) -> (Vec<Attachment>, Vec<(String, String)>) {
    let attached = files.iter().map(|f| f.meta.clone()).collect();
    let texts = files
        .iter()
        .filter_map(|f| Some((f.meta.sha256.clone()?, f.text.clone()?)))
        .collect();
    (attached, texts)
}

/// The first words of the first message, until the gateway names it.
fn provisional_title(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(6).collect();
    let title = words.join(" ");
    let title: String = title.chars().take(60).collect();
    ConversationTitle::parse(&title)
        .map(|t| t.as_str().to_owned())
        .unwrap_or_else(|_| "New chat".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_titles_are_the_first_words() {
        assert_eq!(
            provisional_title("  Where should we\neat in Lyon tonight, please?"),
            "Where should we eat in Lyon"
        );
        assert_eq!(provisional_title(&"x".repeat(500)).chars().count(), 60);
    }
}

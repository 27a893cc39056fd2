//! One reply: the conversation as the gateway should see it, the stream
//! relayed to the UI, and the reply saved however it ends.

use std::sync::Arc;

use native_client::{ClientError, StreamPiece};
use std::collections::{HashMap, HashSet};

use native_core::{
    AttachmentText, ChatEvent, ChatRequest, ConversationId, Message, MessageId, MessageStatus,
    PromptBudget, Role, StreamOptions, Turn, budget_prompt,
};
use native_store::{FileStore, StoredMessage};
use time::OffsetDateTime;

use super::{ChatOptions, ChatOutcome, ChatSink, ReplyGuard};
use crate::attachments::model_image;
use crate::history::{UserHistory, blocking};
use crate::{AppError, ErrorBody, NativeApp};

/// How a stream ended, before the reply is saved.
enum Ending {
    Finished,
    Stopped,
    Failed(AppError),
}

impl NativeApp {
    /// Streams a reply to the conversation as it stands (ending with the
    /// user's message `user_message`), then saves it.
    pub(super) async fn reply(
        &self,
        history: &Arc<UserHistory>,
        conversation: ConversationId,
        user_message: MessageId,
        options: ChatOptions,
        sink: &dyn ChatSink,
        guard: &ReplyGuard<'_>,
    ) -> Result<ChatOutcome, AppError> {
        sink.send(ChatEvent::Saved {
            conversation_id: conversation,
            user_message_id: user_message,
        });
        let reply_id = MessageId::new_random();
        let mut text = String::new();
        let mut model = options.model.clone();
        let ending = tokio::select! {
            ending = self.stream(history, conversation, &options, reply_id, sink, &mut text, &mut model) => ending,
            () = guard.token.cancelled() => Ending::Stopped,
        };
        let status = match &ending {
            Ending::Finished => MessageStatus::Complete,
            Ending::Stopped => MessageStatus::Partial,
            Ending::Failed(_) => MessageStatus::Error,
        };
        let saved = if text.is_empty() {
            None
        } else {
            let message = Message {
                id: reply_id,
                conversation_id: conversation,
                role: Role::Assistant,
                content: text,
                created_at: OffsetDateTime::now_utc(),
                attachments: Vec::new(),
                status,
                model,
            };
            blocking(&history.store, move |s| s.add_message(&message)).await?;
            Some(reply_id)
        };
        self.history_changed_locally();
        let refused =
            matches!(&ending, Ending::Failed(err) if err.code() == crate::ErrorCode::QuotaExceeded);
        self.refresh_quota_after_reply(refused).await;
        match ending {
            Ending::Failed(err) => {
                let body = ErrorBody::from(err);
                sink.send(ChatEvent::Error {
                    code: wire_code(&body),
                    message: body.message,
                });
            }
            _ => sink.send(ChatEvent::Done { status }),
        }
        Ok(ChatOutcome {
            conversation_id: conversation,
            user_message_id: user_message,
            assistant_message_id: saved,
            status,
        })
    }

    /// Relays the gateway's stream into `text`; returns how it ended. Being
    /// dropped (stop) drops the connection, which the gateway takes as a
    /// cancel.
    #[allow(clippy::too_many_arguments)]
    async fn stream(
        &self,
        history: &Arc<UserHistory>,
        conversation: ConversationId,
        options: &ChatOptions,
        reply_id: MessageId,
        sink: &dyn ChatSink,
        text: &mut String,
        model: &mut Option<String>,
    ) -> Ending {
        let request = match self.request(history, conversation, options).await {
            Ok(request) => request,
            Err(err) => return Ending::Failed(err),
        };
        let gateway = match self.gateway() {
            Ok(gateway) => gateway,
            Err(err) => return Ending::Failed(err),
        };
        let token = match self.access_token().await {
            Ok(token) => token,
            Err(err) => return Ending::Failed(err),
        };
        let mut stream = match gateway.chat_stream(&token, &request).await {
            Ok(stream) => stream,
            Err(err) => return Ending::Failed(err.into()),
        };
        let mut started = false;
        loop {
            match stream.next().await {
                None => return Ending::Finished,
                Some(Err(err)) => return Ending::Failed(stream_error(err)),
                Some(Ok(piece)) => {
                    if !started && !matches!(piece, StreamPiece::Usage(_)) {
                        started = true;
                        if let StreamPiece::Model(name) = &piece {
                            *model = Some(name.clone());
                        }
                        sink.send(ChatEvent::Started {
                            message_id: reply_id,
                            model: model.clone().unwrap_or_default(),
                        });
                    }
                    match piece {
                        StreamPiece::Delta(delta) => {
                            text.push_str(&delta);
                            sink.send(ChatEvent::Delta { text: delta });
                        }
                        StreamPiece::Usage(usage) => sink.send(ChatEvent::Usage(usage)),
                        StreamPiece::QuotaRemaining(left) => {
                            self.quota.note_remaining(history.user, left);
                        }
                        StreamPiece::Model(_) | StreamPiece::Finished(_) => {}
                    }
                }
            }
        }
    }

    /// The turns to send: the conversation's messages, each question with
    /// its files' texts and pictures, the newest kept within the shared
    /// budget (the gateway trims the same way, after adding the operator's
    /// prompt).
    async fn request(
        &self,
        history: &Arc<UserHistory>,
        conversation: ConversationId,
        options: &ChatOptions,
    ) -> Result<ChatRequest, AppError> {
        let (messages, mut texts) = blocking(&history.store, move |s| {
            Ok((
                s.messages(conversation)?,
                s.conversation_attachment_texts(conversation)?,
            ))
        })
        .await?;
        let missing = missing_texts(&messages, &texts);
        if !missing.is_empty() {
            texts.extend(self.fetch_texts(history, missing).await);
        }
        let files = history.files.clone();
        let turns = tokio::task::spawn_blocking(move || prompt_turns(&messages, &texts, &files))
            .await
            .map_err(|_| AppError::Internal("building the prompt stopped"))?;
        Ok(ChatRequest {
            model: options.model.clone(),
            messages: budget_prompt(&[], &turns, PromptBudget::default()),
            max_tokens: None,
            mode: options.mode,
            stream: true,
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
        })
    }

    /// Texts the sync has not brought yet (stored on another device just
    /// before this one pulled): fetched from the server and cached. Best
    /// effort: offline, the question goes without them.
    async fn fetch_texts(
        &self,
        history: &Arc<UserHistory>,
        messages: Vec<MessageId>,
    ) -> Vec<AttachmentText> {
        let (Some(remote), Ok(token)) = (self.history.remote(), self.access_token().await) else {
            return Vec::new();
        };
        let Ok(fetched) = remote.attachment_texts(&token, &messages).await else {
            return Vec::new();
        };
        let cached = fetched.clone();
        if let Err(err) = blocking(&history.store, move |s| s.cache_remote_texts(&cached)).await {
            tracing::warn!(error = %err, "fetched attachment texts could not be cached");
        }
        fetched
    }
}

/// At most this many pictures go with one prompt, the newest; the
/// gateway's own limit is above it.
const MAX_PROMPT_IMAGES: usize = 6;

/// The user messages with a non-picture attachment whose text is not cached.
fn missing_texts(messages: &[StoredMessage], texts: &[AttachmentText]) -> Vec<MessageId> {
    let have: HashSet<(MessageId, &str)> = texts
        .iter()
        .map(|t| (t.message_id, t.sha256.as_str()))
        .collect();
    messages
        .iter()
        .map(|m| &m.message)
        .filter(|m| {
            m.attachments.iter().any(|a| {
                !a.mime_type.starts_with("image/")
                    && a.sha256
                        .as_deref()
                        .is_some_and(|sha| !have.contains(&(m.id, sha)))
            })
        })
        .map(|m| m.id)
        .collect()
}

/// One turn per message, in order. A question's files follow what the user
/// typed, each text under the original's `--- FICHIER: name ---` header;
/// its pictures are image parts, read from this device's file store (a
/// picture attached on another device cannot be sent, and is left out).
fn prompt_turns(
    messages: &[StoredMessage],
    texts: &[AttachmentText],
    files: &FileStore,
) -> Vec<Turn> {
    let text_of: HashMap<(MessageId, &str), &str> = texts
        .iter()
        .map(|t| ((t.message_id, t.sha256.as_str()), t.content.as_str()))
        .collect();
    // Only the newest pictures are sent: only they are read from disk.
    let pictures: Vec<(usize, usize)> = messages
        .iter()
        .enumerate()
        .flat_map(|(i, stored)| {
            stored
                .message
                .attachments
                .iter()
                .enumerate()
                .filter_map(move |(j, file)| {
                    (file.sha256.is_some() && file.mime_type.starts_with("image/"))
                        .then_some((i, j))
                })
        })
        .collect();
    let sent: HashSet<(usize, usize)> = pictures
        .iter()
        .rev()
        .take(MAX_PROMPT_IMAGES)
        .copied()
        .collect();
    let mut turns = Vec::with_capacity(messages.len());
    for (i, stored) in messages.iter().enumerate() {
        let m = &stored.message;
        let mut content = m.content.clone();
        let mut images = Vec::new();
        for (j, file) in m.attachments.iter().enumerate() {
            let Some(sha) = file.sha256.as_deref() else {
                continue;
            };
            if file.mime_type.starts_with("image/") {
                if sent.contains(&(i, j)) {
                    images.extend(model_image(files, sha));
                }
            } else if let Some(text) = text_of.get(&(m.id, sha)) {
                if !content.is_empty() {
                    content.push_str("\n\n");
                }
                content.push_str(&format!("--- FICHIER: {} ---\n{text}", file.name));
            }
        }
        if content.is_empty() && images.is_empty() {
            continue;
        }
        turns.push(Turn::new(role_name(m.role), content).with_images(images));
    }
    turns
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// A stream that broke after it started: cut (offline) or failed upstream.
fn stream_error(err: ClientError) -> AppError {
    AppError::Client(err)
}

/// The error code as the UI's `ChatEvent::Error` carries it.
fn wire_code(body: &ErrorBody) -> String {
    serde_json::to_value(body.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "internal".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use native_core::{Attachment, ConversationId, MessageStatus};
    use native_store::Variant;

    const SHA: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    fn question(pictures: usize, text: &str) -> StoredMessage {
        let picture = Attachment {
            name: "p.png".to_owned(),
            mime_type: "image/png".to_owned(),
            size: 5,
            sha256: Some(SHA.to_owned()),
            pages: None,
            chars: None,
        };
        StoredMessage {
            message: Message {
                id: MessageId::new_random(),
                conversation_id: ConversationId::new_random(),
                role: Role::User,
                content: text.to_owned(),
                created_at: OffsetDateTime::now_utc(),
                attachments: vec![picture; pictures],
                status: MessageStatus::Complete,
                model: None,
            },
            pending: false,
        }
    }

    #[test]
    fn only_the_newest_pictures_are_read_and_sent() {
        let files = FileStore::in_memory();
        files
            .put(SHA, Variant::Original, b"hello")
            .expect("original");
        files.put(SHA, Variant::Model, b"\x89PNG").expect("model");
        let messages = [
            question(4, "old"),
            question(0, "between"),
            question(4, "new"),
        ];
        let turns = prompt_turns(&messages, &[], &files);
        let counts: Vec<usize> = turns.iter().map(|t| t.images.len()).collect();
        assert_eq!(counts, [MAX_PROMPT_IMAGES - 4, 0, 4]);
        assert!(
            turns[2].images[0]
                .as_str()
                .starts_with("data:image/png;base64,")
        );
    }
}

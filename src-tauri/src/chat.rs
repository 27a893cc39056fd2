//! Chat's commands. A reply streams to the UI over the `tauri::ipc::Channel`
//! the UI passes in, one typed `ChatEvent` per message; the command itself
//! resolves when the reply has ended and been saved.

use native_app::{AttachmentId, ChatOptions, ChatOutcome, ChatSink, ErrorBody, NativeApp};
use native_core::{ChatEvent, ConversationId, MessageId};
use tauri::State;
use tauri::ipc::Channel;

/// Sends a reply's events to the UI. A closed channel (the window went
/// away) is not an error for the reply: it is still saved.
struct ChannelSink(Channel<ChatEvent>);

impl ChatSink for ChannelSink {
    fn send(&self, event: ChatEvent) {
        if self.0.send(event).is_err() {
            tracing::debug!("the chat channel is closed");
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn send_message(
    app: State<'_, NativeApp>,
    conversation_id: Option<ConversationId>,
    text: String,
    attachments: Vec<AttachmentId>,
    options: ChatOptions,
    on_event: Channel<ChatEvent>,
) -> Result<ChatOutcome, ErrorBody> {
    let sink = ChannelSink(on_event);
    app.send_with_attachments(conversation_id, &text, &attachments, options, &sink)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn regenerate_reply(
    app: State<'_, NativeApp>,
    conversation_id: ConversationId,
    options: ChatOptions,
    on_event: Channel<ChatEvent>,
) -> Result<ChatOutcome, ErrorBody> {
    let sink = ChannelSink(on_event);
    app.regenerate_reply(conversation_id, options, &sink)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_and_resend(
    app: State<'_, NativeApp>,
    message_id: MessageId,
    text: String,
    options: ChatOptions,
    on_event: Channel<ChatEvent>,
) -> Result<ChatOutcome, ErrorBody> {
    let sink = ChannelSink(on_event);
    app.edit_and_resend(message_id, &text, options, &sink)
        .await
        .map_err(ErrorBody::from)
}

#[tauri::command]
#[specta::specta]
pub fn stop_chat(app: State<'_, NativeApp>, conversation_id: ConversationId) {
    app.stop_chat(conversation_id);
}

#[tauri::command]
#[specta::specta]
pub async fn chat_models(app: State<'_, NativeApp>) -> Result<Vec<String>, ErrorBody> {
    app.chat_models().await.map_err(ErrorBody::from)
}

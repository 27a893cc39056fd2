//! Fixtures: conversations and messages at fixed times, and a batch helper.

use native_core::{Conversation, ConversationId, Message, MessageId, MessageStatus, Role, UserId};
use native_store::{RemoteBatch, Store};
use time::OffsetDateTime;

/// A fixed user, so fixtures compare equal across calls.
pub fn user() -> UserId {
    UserId::from(uuid::Uuid::from_u128(
        0x0123_4567_89ab_4def_8123_4567_89ab_cdef,
    ))
}

/// `seconds` after 2026-01-01T00:00:00Z.
pub fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600 + seconds).expect("in range")
}

pub fn conversation(title: &str, seconds: i64) -> Conversation {
    Conversation {
        id: ConversationId::new_random(),
        user_id: user(),
        title: title.to_owned(),
        created_at: at(seconds),
        updated_at: at(seconds),
    }
}

pub fn message(conversation: &Conversation, content: &str, seconds: i64) -> Message {
    Message {
        id: MessageId::new_random(),
        conversation_id: conversation.id,
        role: Role::User,
        content: content.to_owned(),
        created_at: at(seconds),
        attachments: Vec::new(),
        status: MessageStatus::Complete,
        model: None,
    }
}

/// A remote batch of rows, with no tombstones and no cursor.
pub fn batch(conversations: &[&Conversation], messages: &[&Message]) -> RemoteBatch {
    RemoteBatch {
        conversations: conversations.iter().map(|&c| c.clone()).collect(),
        messages: messages.iter().map(|&m| m.clone()).collect(),
        ..RemoteBatch::default()
    }
}

/// A conversation already synced (in the cache, nothing queued), with
/// `contents` as its messages one second apart.
pub fn synced(store: &Store, title: &str, contents: &[&str]) -> (Conversation, Vec<Message>) {
    let c = conversation(title, 0);
    let messages: Vec<Message> = contents
        .iter()
        .zip(1..)
        .map(|(text, s)| message(&c, text, s))
        .collect();
    let refs: Vec<&Message> = messages.iter().collect();
    store.apply_remote(&batch(&[&c], &refs)).expect("apply");
    (c, messages)
}

/// The messages of a conversation as the store returns them, without flags.
pub fn contents(store: &Store, id: ConversationId) -> Vec<String> {
    store
        .messages(id)
        .expect("messages")
        .into_iter()
        .map(|m| m.message.content)
        .collect()
}

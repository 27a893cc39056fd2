//! Conversations, messages and attachment metadata, shaped like the rows of
//! the Supabase schema so the app and the server read them the same way.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ConversationId, MessageId, UserId};

/// Who wrote a message. Clients may only ever send these two; the operator's
/// system prompt is added by the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// Whether a stored reply is whole. A stopped or failed reply is kept, marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    #[default]
    Complete,
    Partial,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Conversation {
    pub id: ConversationId,
    pub user_id: UserId,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub role: Role,
    /// Exactly what the user typed or the model answered; extracted file
    /// text is never mixed in (the original's defect).
    pub content: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub status: MessageStatus,
    #[serde(default)]
    pub model: Option<String>,
}

/// Attachment metadata as stored in `messages.attachments`: the original's
/// `{name, type, size}` plus optional fields that older rows lack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Attachment {
    pub name: String,
    #[serde(rename = "type")]
    pub mime_type: String,
    /// Bytes. A JavaScript number holds any file size exactly (up to 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chars: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_attachment_rows_still_parse() {
        // Rows written by the original web app carry only name, type and size.
        let a: Attachment =
            serde_json::from_str(r#"{"name":"a.pdf","type":"application/pdf","size":12}"#).unwrap();
        assert_eq!(a.mime_type, "application/pdf");
        assert_eq!(a.sha256, None);
        let back = serde_json::to_value(&a).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"name":"a.pdf","type":"application/pdf","size":12})
        );
    }

    #[test]
    fn message_status_defaults_to_complete() {
        let json = serde_json::json!({
            "id": MessageId::new_random(), "conversation_id": ConversationId::new_random(),
            "role": "assistant", "content": "hi", "created_at": "2026-01-08T21:38:47Z"
        });
        let m: Message = serde_json::from_value(json).unwrap();
        assert_eq!(m.status, MessageStatus::Complete);
        assert!(m.attachments.is_empty());
        assert!(serde_json::from_value::<Role>(serde_json::json!("system")).is_err());
    }
}

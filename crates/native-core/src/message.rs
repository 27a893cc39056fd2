//! Conversations, messages and attachment metadata, shaped like the rows of
//! the Supabase schema so the app and the server read them the same way.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{ConversationId, CoreError, MessageId, UserId};

/// The most characters of extracted text kept for one attachment: the
/// largest prompt budget of an attached file (a PDF's), and the limit the
/// server's `attachment_texts.content` check enforces.
pub const MAX_ATTACHMENT_TEXT_CHARS: usize = 8_000;

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

/// The text extracted from one attachment of a message, as it was put into
/// the prompt (already cut to its budget). It is kept beside the message, not
/// in its `content`, so history shows exactly what the user typed while a
/// reply can still be regenerated, after a restart or on another device.
///
/// One per attachment, keyed by the file's `sha256` (64 lowercase hex
/// digits, the key of the desktop's content-addressed file store). Build one
/// with [`AttachmentText::parse`]; decoding one from JSON (a server row, a
/// queued change) applies the same rules, so a decoded value can be trusted.
// Not exported to TypeScript: the UI never sees these texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawAttachmentText")]
pub struct AttachmentText {
    pub message_id: MessageId,
    pub sha256: String,
    pub content: String,
}

impl AttachmentText {
    /// Checks `sha256` (64 lowercase hex digits) and the length of
    /// `content` (at most [`MAX_ATTACHMENT_TEXT_CHARS`] characters).
    pub fn parse(
        message_id: MessageId,
        sha256: &str,
        content: impl Into<String>,
    ) -> Result<Self, CoreError> {
        let text = Self {
            message_id,
            sha256: sha256.to_owned(),
            content: content.into(),
        };
        text.check()?;
        Ok(text)
    }

    /// Whether the value still keeps the rules of [`AttachmentText::parse`].
    /// The fields are public, so code that takes one from elsewhere (the
    /// local cache before it queues one for the server) checks it again.
    pub fn check(&self) -> Result<(), CoreError> {
        if !is_sha256(&self.sha256) {
            // The value is not echoed: it may be any text at all.
            return Err(CoreError::InvalidSha256);
        }
        if self.content.chars().count() > MAX_ATTACHMENT_TEXT_CHARS {
            return Err(CoreError::AttachmentTextTooLong(MAX_ATTACHMENT_TEXT_CHARS));
        }
        Ok(())
    }
}

/// A SHA-256 digest as the app and the server write it: 64 lowercase hex
/// digits. Uppercase is refused rather than folded, so one file never has
/// two keys.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// [`AttachmentText`] as it arrives, before its rules are checked.
#[derive(Deserialize)]
struct RawAttachmentText {
    message_id: MessageId,
    sha256: String,
    content: String,
}

impl TryFrom<RawAttachmentText> for AttachmentText {
    type Error = CoreError;

    fn try_from(raw: RawAttachmentText) -> Result<Self, CoreError> {
        Self::parse(raw.message_id, &raw.sha256, raw.content)
    }
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

    #[test]
    fn attachment_texts_need_a_lowercase_sha256_and_a_budgeted_length() {
        let id = MessageId::new_random();
        let sha = "ab".repeat(32);
        let text = AttachmentText::parse(id, &sha, "Chapitre 1").unwrap();
        assert_eq!(text.sha256, sha);
        let at_limit = "é".repeat(MAX_ATTACHMENT_TEXT_CHARS);
        assert!(AttachmentText::parse(id, &sha, at_limit.clone()).is_ok());
        assert_eq!(
            AttachmentText::parse(id, &sha, format!("{at_limit}x")),
            Err(CoreError::AttachmentTextTooLong(MAX_ATTACHMENT_TEXT_CHARS))
        );
        for bad in [
            "AB".repeat(32),
            "ab".repeat(31),
            "ab".repeat(33),
            format!("{}g", "a".repeat(63)),
            String::new(),
        ] {
            assert_eq!(
                AttachmentText::parse(id, &bad, ""),
                Err(CoreError::InvalidSha256),
                "{bad}"
            );
        }
    }

    #[test]
    fn decoding_an_attachment_text_applies_the_same_rules() {
        let id = MessageId::new_random();
        let good = serde_json::json!({"message_id": id, "sha256": "0".repeat(64), "content": "x"});
        let text: AttachmentText = serde_json::from_value(good.clone()).unwrap();
        assert_eq!(serde_json::to_value(&text).unwrap(), good);
        let bad = serde_json::json!({"message_id": id, "sha256": "F".repeat(64), "content": "x"});
        assert!(serde_json::from_value::<AttachmentText>(bad).is_err());
    }
}

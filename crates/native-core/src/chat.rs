//! The chat stream's events and modes, shared by the gateway client in the
//! app and the UI (over a Tauri Channel).

use serde::{Deserialize, Serialize};

use crate::{ConversationId, MessageId, MessageStatus};

/// Token counts as the provider reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub total_tokens: u32,
}

/// The answer style a user picks; the gateway maps each to instructions the
/// operator wrote, so clients never send system text themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ChatMode {
    #[default]
    Standard,
    DeepSearch,
    Reason,
}

/// One event of a streamed reply, in order: `Saved` (the user's message is
/// in the local history), `Started`, any number of `Delta`s, at most one
/// `Usage`, then exactly one of `Done` or `Error`. `Error` may come at any
/// point after `Saved`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum ChatEvent {
    /// The user's message is saved (in a new conversation, if none was
    /// given): it survives whatever happens to the reply.
    #[serde(rename_all = "camelCase")]
    Saved {
        conversation_id: ConversationId,
        user_message_id: MessageId,
    },
    #[serde(rename_all = "camelCase")]
    Started {
        message_id: MessageId,
        model: String,
    },
    Delta {
        text: String,
    },
    Usage(Usage),
    Done {
        status: MessageStatus,
    },
    Error {
        code: String,
        message: String,
    },
}

impl ChatEvent {
    /// Whether no event can follow this one.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_for_the_ui() {
        let e = ChatEvent::Delta { text: "Bon".into() };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"event": "delta", "data": {"text": "Bon"}})
        );
        assert!(!e.is_terminal());
        assert!(
            ChatEvent::Done {
                status: MessageStatus::Partial
            }
            .is_terminal()
        );
    }
}

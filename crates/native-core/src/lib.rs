//! Domain types and pure logic shared by the desktop app and the server:
//! identifiers, sign-in credentials, conversations and messages, plans and quotas, what can be bought and its Payment Links, quota period
//! keys, prompt budgeting and the chat stream's events.
//!
//! This crate must stay pure: no IO, no async runtime, no HTTP, no database.
//! Both the app and the server depend on it, so anything here is the single
//! definition of a rule (an ARCHITECTURE.md invariant checked by a test over
//! `cargo metadata`). Inputs from the outside world are validated by the
//! `parse` constructors of the newtypes here; code holding one can trust it.

mod billing;
mod chat;
mod credentials;
mod error;
mod gateway;
mod ids;
mod message;
mod period;
mod plan;
mod prompt;
mod provider;
mod title;
mod turn;

pub use billing::{PaymentLink, Price, Product, STRIPE_PAYMENT_LINK_HOST, TOKEN_PACK_TOKENS};
pub use chat::{ChatEvent, ChatMode, Usage};
pub use credentials::{EmailAddress, Password};
pub use error::CoreError;
pub use gateway::{
    ChatChunk, ChatRequest, ChunkChoice, ChunkDelta, ErrorBody, ModelInfo, ModelList, StreamError,
    StreamOptions, TitleRequest, TitleResponse,
};
pub use ids::{ConversationId, MessageId, UserId};
pub use message::{
    Attachment, AttachmentText, Conversation, MAX_ATTACHMENT_TEXT_CHARS, Message, MessageStatus,
    Role, is_sha256,
};
pub use period::PeriodKey;
pub use plan::{Plan, Quota};
pub use prompt::{
    IMAGE_TOKENS_ESTIMATE, PromptBudget, budget_prompt, estimate_prompt_tokens, estimate_tokens,
    keep_newest_images,
};
pub use provider::ProviderKind;
pub use title::{
    ConversationTitle, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS, MAX_TITLE_WORDS, MessageText,
    title_from_reply, title_from_text,
};
pub use turn::{ImageForm, ImageUrl, Parts, Turn};

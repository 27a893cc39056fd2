//! The Native AI companion server: the Stripe billing webhook and the metered
//! chat gateway in front of Mistral or any OpenAI-compatible provider, with
//! per-user quotas enforced atomically in Postgres.
//!
//! It must never trust a client for money or quota: every grant comes from a
//! verified Stripe event and every token spent is reserved before the provider
//! is called. It must never leak a key, a SQL error or a provider's internals
//! in a response or a log line; errors leave as `{code, message}`.

pub mod config;
mod error;
mod routes;
pub mod startup;

pub use config::{ProviderKind, ProviderSettings, Settings};
pub use error::ApiError;
pub use startup::Application;

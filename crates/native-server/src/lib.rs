//! The Native AI companion server: the Stripe billing webhook (and its
//! support command line) and the metered chat gateway in front of Mistral or
//! any OpenAI-compatible provider, with per-user quotas enforced atomically
//! in Postgres.
//!
//! It must never trust a client for money or quota: every grant comes from a
//! verified Stripe event, applied exactly once, or from support's command
//! line, and every token spent is reserved before the provider
//! is called, then settled exactly once on every path (a drop guard covers
//! hang-ups, cut streams and panics). It must never leak a key, a SQL error or
//! a provider's internals in a response or a log line; errors leave as
//! `{code, message}`. Access tokens are verified locally (HS256 secret or the
//! project's JWKS), never by calling the auth server per request.

mod auth;
mod billing;
pub mod cli;
pub mod config;
mod error;
mod extract;
mod limits;
mod provider;
mod quota;
mod routes;
pub mod startup;

pub use config::{
    AuthSettings, BillingSettings, ChatSettings, Price, ProviderKind, ProviderSettings, Settings,
};
pub use error::{ApiError, QUOTA_REMAINING_HEADER, QuotaRefusal};
pub use startup::Application;

//! HTTP clients the desktop app uses: Supabase Auth, PostgREST (through the
//! `postgrest` crate, wrapped so that every status is checked and every
//! failure is a typed [`ClientError`]) and the Native AI chat gateway.
//!
//! This crate speaks HTTP and nothing else: it must hold no business rules
//! (those live in native-app) and must never log or put a token, a key or a
//! password into an error message.

mod auth;
mod chat;
mod error;
mod gateway;
mod history;
mod rest;

pub use auth::{AuthClient, AuthSession, AuthUser, SignUpOutcome};
pub use chat::{ChatStream, StreamPiece};
pub use error::ClientError;
pub use gateway::{GatewayClient, ServerHealth};
pub use history::{
    HistoryRemote, Keyset, MAX_PAGE, Page, RemoteTombstone, TEXT_IDS_PER_REQUEST, TombstoneKind,
};
pub use rest::Rest;

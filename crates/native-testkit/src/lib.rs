//! The local Supabase-shaped stack that tests, benchmarks and `cargo xtask`
//! run against: a real PostgreSQL with Supabase's roles and `auth` schema and
//! every file of `migrations/`, the real PostgREST, one origin that serves
//! `/rest/v1` and `/auth/v1` behind the `apikey` check, a GoTrue-compatible dev
//! auth, a scriptable OpenAI-compatible fake provider, and `native-server`.
//!
//! This crate is a stand-in for services that cannot run here. It must never
//! be a dependency of anything shipped (the desktop app or the server binary),
//! and no process it starts may outlive the `Stack` that started it.

pub mod accounts;
pub mod dev_auth;
pub mod fake_provider;
pub mod files;
mod gateway;
pub mod keys;
mod postgres;
mod postgrest;
pub mod process;
pub mod schema;
mod scratch;
mod stack;
pub mod stripe;

pub use stack::{ProviderChoice, Stack, StackOptions};

//! HTTP routes, one module per concern.

pub mod billing;
pub mod chat;
pub mod fallback;
pub mod health;
pub mod models;
pub mod titles;

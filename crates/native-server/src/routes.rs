//! HTTP routes, one module per concern.

pub mod health;

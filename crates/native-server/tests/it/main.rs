//! Integration tests of the server and of the schema it relies on, against
//! the testkit stack (real Postgres, real PostgREST, real tokens, the fake
//! provider).

mod api;
mod billing;
mod billing_cli;
mod billing_events;
mod billing_idempotency;
mod billing_order;
mod billing_property;
mod billing_resolution;
mod billing_signature;
mod chat_auth;
mod chat_errors;
mod chat_images;
mod chat_quota;
mod chat_relay;
mod gateway;
mod health;
mod schema_privileges;
mod schema_quota;
mod schema_upgrade;
mod titles;

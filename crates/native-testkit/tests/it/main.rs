//! Integration tests of the testkit itself: one binary, one module per concern.

mod accounts;
mod dev_auth;
mod fake_provider;
mod gateway;
mod lifecycle;

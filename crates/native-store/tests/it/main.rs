//! Integration tests of the local cache, by concern. Each test opens its own
//! database (in memory, or in a temporary folder when files matter).

mod export;
mod open;
mod outbox;
mod read;
mod remote;
mod search;
mod support;
mod texts;

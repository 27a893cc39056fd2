//! native-client against the testkit stack: real PostgREST, real server.

mod auth;
mod gateway;
mod history;
mod rest;

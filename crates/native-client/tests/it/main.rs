//! native-client against the testkit stack: real PostgREST, real server.

mod gateway;
mod rest;

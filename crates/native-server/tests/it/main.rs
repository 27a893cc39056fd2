//! Integration tests of the server and of the schema it relies on, against
//! the testkit stack (real Postgres, real PostgREST, real tokens).

mod api;
mod health;
mod schema_privileges;
mod schema_quota;
mod schema_upgrade;

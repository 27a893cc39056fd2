//! The schema migrations, embedded in the binary and applied by
//! `rusqlite_migration`, which keeps the version in `PRAGMA user_version`.

use rusqlite_migration::{M, Migrations};

/// Version 1: conversations, messages, sync cursors, deletions.
pub(crate) const V1_BASE: &str = include_str!("../migrations/0001_base.sql");
/// Version 2: the full-text index and its triggers, the outbox.
pub(crate) const V2_SEARCH_OUTBOX: &str = include_str!("../migrations/0002_search_outbox.sql");
/// Version 3: the outbox accepts message deletions.
pub(crate) const V3_DELETE_MESSAGE: &str = include_str!("../migrations/0003_delete_message.sql");
/// Version 4: the text extracted from a message's attachments.
pub(crate) const V4_ATTACHMENT_TEXTS: &str =
    include_str!("../migrations/0004_attachment_texts.sql");

/// The number of steps below, which is the latest `user_version`.
pub(crate) const LATEST: u32 = 4;

/// Every step in order. Steps are append-only: a released step is never
/// edited, since databases in the field have already run it.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1_BASE),
        M::up(V2_SEARCH_OUTBOX),
        M::up(V3_DELETE_MESSAGE),
        M::up(V4_ATTACHMENT_TEXTS),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_are_valid_and_latest_counts_them() {
        migrations()
            .validate()
            .expect("migrations apply to an empty database");
        let mut conn = rusqlite::Connection::open_in_memory().expect("memory database");
        migrations().to_latest(&mut conn).expect("migrate");
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user_version");
        assert_eq!(version, LATEST);
    }
}

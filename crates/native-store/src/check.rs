//! The cache's full integrity check, and the rebuild that follows a failed
//! one. Opening reads only the file's header (`open.rs`); reading every page
//! costs ~8 ms per MiB, so the app runs this check once the launch is over,
//! while the cache is already in use.

use std::path::PathBuf;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::open::{Failure, configure, connect, move_aside};
use crate::{Result, Store, schema};

impl Store {
    /// Runs `PRAGMA quick_check`, which reads every page (so a truncated or
    /// overwritten file is caught) but skips `integrity_check`'s slow
    /// index-to-table cross checks. `Ok(false)` means damaged: call
    /// [`Store::rebuild`].
    ///
    /// On a file, the check reads through a second, read-only connection:
    /// the cache is in WAL mode, so the app's own calls go on meanwhile.
    pub fn is_intact(&self) -> Result<bool> {
        let verdict = match &self.path {
            Some(path) => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                match Connection::open_with_flags(path, flags) {
                    Ok(reader) => quick_check(&reader),
                    Err(e) => Err(e),
                }
            }
            None => quick_check(&self.conn()),
        };
        match verdict {
            Ok(lines) => Ok(lines == ["ok"]),
            Err(e) if is_damage(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Moves the damaged database aside (with its `-wal` and `-shm`, as
    /// opening does with a file that is not a database) and carries on with
    /// a fresh, empty cache at the same place; returns where the damaged
    /// copy went (`None` for a cache in memory, which is simply emptied).
    /// Its cursors go with it, so the next sync starts over.
    ///
    /// Calls wait while this runs and then reach the fresh cache. The caller
    /// keeps its sync from running meanwhile: a page fetched from the old
    /// cursor must not land in the new cache.
    pub fn rebuild(&self) -> Result<Option<PathBuf>> {
        let mut conn = self.conn();
        // The damaged connection is closed before its files move, so none
        // of them is still written to; an in-memory database stands in for
        // the moment between.
        drop(std::mem::replace(&mut *conn, Connection::open_in_memory()?));
        let (mut fresh, moved) = match &self.path {
            None => {
                let fresh = Connection::open_in_memory()?;
                configure(&fresh)?;
                (fresh, None)
            }
            Some(path) => {
                let moved = move_aside(path).inspect_err(|_| {
                    // Nothing moved: go on with the file as it is.
                    if let Ok(again) = connect(path) {
                        *conn = again;
                    }
                })?;
                (connect(path).map_err(Failure::into_error)?, Some(moved))
            }
        };
        schema::migrations().to_latest(&mut fresh)?;
        *conn = fresh;
        Ok(moved)
    }
}

fn quick_check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let lines = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(lines)
}

/// SQLite reports some damage as an error rather than as a line of the
/// check's output.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

//! Opening a cache: the connection's settings, the recovery from a file
//! that is not a database, the backup and the schema migrations. The full
//! integrity check runs later, off the launch (`check.rs`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use native_core::UserId;
use rusqlite::{Connection, DatabaseName, ErrorCode};

use crate::{Result, Store, StoreError, schema};

/// The cache's file name inside a user's folder.
pub(crate) const FILE_NAME: &str = "history.sqlite3";

/// How long a statement waits for another connection's lock (the app holds
/// one connection, but a second process, e.g. a tool inspecting the file,
/// may hold a lock briefly).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What [`Store::open`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// The file was not a database, or was cut short (its header could not
    /// be read, or no longer matches the file's length). It was moved aside
    /// to `corrupt_copy` and a fresh, empty cache created: tell the user and
    /// re-sync from the server. Damage past the header is found later, by
    /// [`Store::is_intact`].
    pub recovered_from_corruption: bool,
    /// Where the corrupt file was moved (`history.sqlite3.corrupt-<unix time>`,
    /// with its `-wal` and `-shm` beside it).
    pub corrupt_copy: Option<PathBuf>,
    /// The schema version an existing database was upgraded from.
    pub migrated_from: Option<u32>,
    /// The copy taken before that upgrade (`history.sqlite3.bak-v<N>`).
    pub backup: Option<PathBuf>,
}

impl Store {
    /// Opens (or creates) `<data_dir>/users/<uuid>/history.sqlite3`: one
    /// database per signed-in user, so two accounts never see each other's
    /// history.
    pub fn open_for_user(data_dir: &Path, user: UserId) -> Result<Store> {
        Self::open(
            &data_dir
                .join("users")
                .join(user.to_string())
                .join(FILE_NAME),
        )
    }

    /// Opens (or creates) the cache at `path`, creating its folder. A
    /// corrupt file is moved aside and replaced by an empty cache; an older
    /// schema is backed up, then migrated. See [`Store::open_report`].
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut report = OpenReport::default();
        let conn = match connect(path) {
            Ok(conn) => conn,
            Err(Failure::Corrupt) => {
                report.corrupt_copy = Some(move_aside(path)?);
                report.recovered_from_corruption = true;
                connect(path).map_err(Failure::into_error)?
            }
            Err(failure) => return Err(failure.into_error()),
        };
        Self::finish(conn, Some(path), report)
    }

    /// An empty cache in memory, for tests and for running without a disk.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        configure(&conn)?;
        Self::finish(conn, None, OpenReport::default())
    }

    fn finish(mut conn: Connection, path: Option<&Path>, mut report: OpenReport) -> Result<Store> {
        let found: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > schema::LATEST {
            return Err(StoreError::NewerSchema {
                found,
                supported: schema::LATEST,
            });
        }
        if found < schema::LATEST {
            // Version 0 is a file this build just created: nothing to keep.
            if found > 0 {
                report.migrated_from = Some(found);
                if let Some(path) = path {
                    report.backup = Some(backup(&conn, path, found)?);
                }
            }
            // All steps run in one transaction: a failure leaves the old
            // version in place, next to its backup.
            schema::migrations().to_latest(&mut conn)?;
        }
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.map(Path::to_owned),
            report,
        })
    }
}

/// Why [`connect`] failed: a corrupt file is recovered from, anything else
/// (permissions, a full disk, a lock) is reported and the file left alone.
pub(crate) enum Failure {
    Corrupt,
    Other(rusqlite::Error),
}

impl Failure {
    pub(crate) fn into_error(self) -> StoreError {
        match self {
            // A file just created cannot be corrupt; if it is, say so
            // rather than loop.
            Self::Corrupt => StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some("the fresh cache file is corrupt".to_owned()),
            )),
            Self::Other(e) => StoreError::Sqlite(e),
        }
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Self::Corrupt,
            _ => Self::Other(e),
        }
    }
}

/// Opens `path` and applies the settings, which reads the file's header: a
/// file that is not a database fails here. Damage further in is found by
/// [`Store::is_intact`], which reads every page and so is not run here: at
/// ~8 ms per MiB it held every launch back by the size of the cache
/// (BENCHMARKS.md, "The cache check off the launch").
pub(crate) fn connect(path: &Path) -> Result<Connection, Failure> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

/// WAL lets readers proceed during a write; `synchronous = NORMAL` is
/// durable against application crashes and only loses the last commits on
/// power loss in WAL mode, which a re-sync repairs. Foreign keys make
/// deleting a conversation delete its messages (and their index entries).
pub(crate) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Reading the journal mode is the first access to the file's header, so
    // a file that is not a database fails here with NotADatabase.
    let _mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Copies the database to `<path>.bak-v<version>` with SQLite's online
/// backup API, which reads through the connection and so includes what is
/// still in the WAL. An older copy of the same version is replaced: the
/// database has not changed version since it was taken.
fn backup(conn: &Connection, path: &Path, version: u32) -> Result<PathBuf> {
    let target = with_suffix(path, &format!(".bak-v{version}"));
    remove_if_present(&target)?;
    conn.backup(DatabaseName::Main, &target, None)?;
    Ok(target)
}

/// Moves `path` and its `-wal` and `-shm` files to
/// `<path>.corrupt-<unix time>` (with `-wal`/`-shm` beside it), so nothing
/// of the user's is destroyed and the next open starts fresh.
pub(crate) fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut target = with_suffix(path, &format!(".corrupt-{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = with_suffix(path, &format!(".corrupt-{stamp}-{n}"));
        n += 1;
    }
    rename(path, &target)?;
    for side in ["-wal", "-shm"] {
        let from = with_suffix(path, side);
        if from.exists() {
            rename(&from, &with_suffix(&target, side))?;
        }
    }
    Ok(target)
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| StoreError::Io {
        path: from.to_owned(),
        source,
    })
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// `path` with `suffix` appended to its file name, as SQLite names its
/// `-wal` and `-shm` files.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

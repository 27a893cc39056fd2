//! The bytes of attached files, kept on this device so that an attachment
//! reopens from history offline. Content-addressed: a file is stored under
//! the SHA-256 of its bytes (`files/ab/abcdef…`), so attaching the same file
//! twice stores it once and a name never decides where anything is written.
//!
//! Beside a picture's original, its `model` variant holds what was sent to
//! the model (downscaled and re-encoded), so a regenerate sends exactly the
//! same image without decoding the original again.
//!
//! Writes go through a temporary file in the same folder, then a rename: a
//! crash never leaves a half-written file under a real key. Reads check the
//! bytes against their key; a damaged file reads as missing, which the app
//! shows as "not on this device" rather than opening garbage.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use native_core::{UserId, is_sha256};
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

/// Which bytes of a file: as attached, or as sent to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    Original,
    /// A picture as sent to the model. Not checked against the key, which
    /// is the original's.
    Model,
}

/// One user's attached files.
pub struct FileStore {
    backend: Backend,
}

enum Backend {
    Dir(PathBuf),
    /// Tests, or no data folder: nothing is written to disk.
    Memory(Mutex<HashMap<(String, Variant), Vec<u8>>>),
}

impl FileStore {
    /// The store of `user` under `data_dir` (`users/<id>/files`), beside the
    /// user's cache.
    pub fn open_for_user(data_dir: &Path, user: UserId) -> Result<Self> {
        let root = data_dir.join("users").join(user.to_string()).join("files");
        create_private_dir(&root)?;
        Ok(Self {
            backend: Backend::Dir(root),
        })
    }

    pub fn in_memory() -> Self {
        Self {
            backend: Backend::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// Stores `bytes` under `sha256`, which must be their SHA-256 (for the
    /// original). Storing what is already there does nothing.
    pub fn put(&self, sha256: &str, variant: Variant, bytes: &[u8]) -> Result<()> {
        check_key(sha256)?;
        if variant == Variant::Original && hex_sha256(bytes) != sha256 {
            return Err(StoreError::FileMismatch);
        }
        match &self.backend {
            Backend::Memory(map) => {
                map.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert((sha256.to_owned(), variant), bytes.to_vec());
                Ok(())
            }
            Backend::Dir(root) => {
                let path = path_of(root, sha256, variant);
                if variant == Variant::Original && path.exists() {
                    return Ok(());
                }
                let dir = path.parent().unwrap_or(root);
                create_private_dir(dir)?;
                let io = |source| StoreError::Io {
                    path: dir.to_owned(),
                    source,
                };
                let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
                temp.write_all(bytes).map_err(io)?;
                temp.as_file().sync_all().map_err(io)?;
                temp.persist(&path).map_err(|e| io(e.error))?;
                Ok(())
            }
        }
    }

    /// The bytes under `sha256`, or `None` when this device does not have
    /// them (or they were damaged).
    pub fn get(&self, sha256: &str, variant: Variant) -> Result<Option<Vec<u8>>> {
        check_key(sha256)?;
        let bytes = match &self.backend {
            Backend::Memory(map) => map
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&(sha256.to_owned(), variant))
                .cloned(),
            Backend::Dir(root) => match std::fs::read(path_of(root, sha256, variant)) {
                Ok(bytes) => Some(bytes),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(StoreError::Io {
                        path: root.clone(),
                        source,
                    });
                }
            },
        };
        Ok(bytes.filter(|b| variant == Variant::Model || hex_sha256(b) == sha256))
    }

    /// Whether this device has the original of `sha256` (not checked
    /// against its key: that would read every file).
    pub fn contains(&self, sha256: &str) -> bool {
        if !is_sha256(sha256) {
            return false;
        }
        match &self.backend {
            Backend::Memory(map) => map
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains_key(&(sha256.to_owned(), Variant::Original)),
            Backend::Dir(root) => path_of(root, sha256, Variant::Original).is_file(),
        }
    }

    /// A copy of the original of `sha256` named `name`, for the system's
    /// default application to open (it chooses by the name's extension).
    /// Copies live under `open/<sha256>/`, private like the rest; only the
    /// name's last component is used, made safe. `None` when this device
    /// does not have the file, or the store is in memory.
    pub fn copy_for_opening(&self, sha256: &str, name: &str) -> Result<Option<PathBuf>> {
        let Backend::Dir(root) = &self.backend else {
            return Ok(None);
        };
        let Some(bytes) = self.get(sha256, Variant::Original)? else {
            return Ok(None);
        };
        let dir = root.join("open").join(sha256);
        create_private_dir(&dir)?;
        let path = dir.join(safe_file_name(name));
        let io = |source| StoreError::Io {
            path: dir.clone(),
            source,
        };
        let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        temp.write_all(&bytes).map_err(io)?;
        temp.persist(&path).map_err(|e| io(e.error))?;
        Ok(Some(path))
    }

    /// The folder the files live in; `None` for a store in memory.
    pub fn root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Dir(root) => Some(root),
            Backend::Memory(_) => None,
        }
    }
}

fn check_key(sha256: &str) -> Result<()> {
    if is_sha256(sha256) {
        Ok(())
    } else {
        Err(StoreError::FileMismatch)
    }
}

fn path_of(root: &Path, sha256: &str, variant: Variant) -> PathBuf {
    let name = match variant {
        Variant::Original => sha256.to_owned(),
        Variant::Model => format!("{sha256}.model"),
    };
    root.join(&sha256[..2]).join(name)
}

/// A file name that stays one component of a path: the part after the last
/// separator, without control characters, not `.` or `..`, at most 120
/// chars; "attachment" when nothing is left.
fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "attachment".to_owned()
    } else {
        cleaned.to_owned()
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates `dir` readable by its owner only: attachments are private.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| StoreError::Io {
        path: dir.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO_SHA: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    fn stores() -> (tempfile::TempDir, Vec<FileStore>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let on_disk = FileStore::open_for_user(dir.path(), UserId::new_random()).expect("opens");
        (dir, vec![on_disk, FileStore::in_memory()])
    }

    #[test]
    fn bytes_round_trip_under_their_hash_and_a_wrong_key_is_refused() {
        let (_dir, stores) = stores();
        for store in stores {
            assert!(!store.contains(HELLO_SHA));
            assert_eq!(
                store.get(HELLO_SHA, Variant::Original).expect("reads"),
                None
            );
            store
                .put(HELLO_SHA, Variant::Original, b"hello")
                .expect("stores");
            store
                .put(HELLO_SHA, Variant::Original, b"hello")
                .expect("again");
            assert!(store.contains(HELLO_SHA));
            assert_eq!(
                store
                    .get(HELLO_SHA, Variant::Original)
                    .expect("reads")
                    .as_deref(),
                Some(&b"hello"[..])
            );
            store
                .put(HELLO_SHA, Variant::Model, b"small")
                .expect("variant");
            assert_eq!(
                store
                    .get(HELLO_SHA, Variant::Model)
                    .expect("reads")
                    .as_deref(),
                Some(&b"small"[..])
            );
            assert!(matches!(
                store.put(HELLO_SHA, Variant::Original, b"other"),
                Err(StoreError::FileMismatch)
            ));
            assert!(matches!(
                store.get("../../etc/passwd", Variant::Original),
                Err(StoreError::FileMismatch)
            ));
        }
    }

    #[test]
    fn a_copy_for_opening_keeps_a_safe_name_inside_the_store() {
        let (_dir, stores) = stores();
        let store = &stores[0];
        assert_eq!(
            store.copy_for_opening(HELLO_SHA, "a.txt").expect("reads"),
            None
        );
        store
            .put(HELLO_SHA, Variant::Original, b"hello")
            .expect("stores");
        let root = store.root().expect("on disk").to_owned();
        for (name, shown) in [
            ("notes.txt", "notes.txt"),
            ("../../evil.sh", "evil.sh"),
            ("..", "attachment"),
            ("dir\\win.txt", "win.txt"),
            ("a\nb.md", "ab.md"),
        ] {
            let path = store
                .copy_for_opening(HELLO_SHA, name)
                .expect("copies")
                .expect("present");
            assert!(path.starts_with(&root), "{}", path.display());
            assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(shown));
            assert_eq!(std::fs::read(&path).expect("written"), b"hello");
        }
        assert_eq!(
            stores[1]
                .copy_for_opening(HELLO_SHA, "a.txt")
                .expect("memory"),
            None
        );
    }

    #[test]
    fn a_damaged_file_reads_as_missing() {
        let (_dir, stores) = stores();
        let store = &stores[0];
        store
            .put(HELLO_SHA, Variant::Original, b"hello")
            .expect("stores");
        let path = path_of(store.root().expect("on disk"), HELLO_SHA, Variant::Original);
        std::fs::write(&path, b"jello").expect("damage it");
        assert_eq!(
            store.get(HELLO_SHA, Variant::Original).expect("reads"),
            None
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(path.parent().expect("folder"))
                .expect("folder")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}

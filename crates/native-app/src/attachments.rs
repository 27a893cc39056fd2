//! Files attached to the next question: prepared (`native-files`) on a
//! blocking thread, their bytes kept in the user's content-addressed file
//! store at once (so they reopen from history offline), and held here by id
//! until the question is sent or they are removed.
//!
//! Paths reach this module only from the shell's own file dialog and from
//! the window's drag-and-drop event, never from the UI: the webview cannot
//! make the app read a file the user did not pick. Pasted pictures arrive as
//! bytes. The pending set is app state, broadcast on every change
//! ([`NativeApp::subscribe_attachments`]), because drops arrive outside any
//! command.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use native_core::{Attachment, ImageUrl, is_sha256};
use native_files::{FileError, MAX_FILE_BYTES, Prepared, PreparedContent};
use native_store::{FileStore, Variant};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::history::UserHistory;
use crate::{AppError, ErrorBody, NativeApp};

/// A pending attachment's handle, valid until it is sent or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AttachmentId(pub u32);

/// A file ready to go with the next question, as the composer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PendingAttachment {
    pub id: AttachmentId,
    pub attachment: Attachment,
}

/// The pending set after a change, with the files that change refused
/// (each with a message naming the file and the rule it broke).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PendingAttachments {
    pub items: Vec<PendingAttachment>,
    pub rejected: Vec<ErrorBody>,
}

/// Opens a file with the system's default application (the shell's
/// opener plugin; tests record the path).
pub trait FileOpener: Send + Sync {
    fn open(&self, path: &Path) -> Result<(), AppError>;
}

/// A prepared file and what goes to the model.
#[derive(Debug, Clone)]
pub(crate) struct PendingFile {
    pub id: AttachmentId,
    pub meta: Attachment,
    pub text: Option<String>,
}

/// The pending files, shared by the commands and the drop handler.
#[derive(Debug)]
pub(crate) struct PendingHub {
    files: Mutex<(u32, Vec<PendingFile>)>,
    changes: watch::Sender<PendingAttachments>,
}

impl Default for PendingHub {
    fn default() -> Self {
        Self {
            files: Mutex::new((0, Vec::new())),
            changes: watch::channel(PendingAttachments::default()).0,
        }
    }
}

impl PendingHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u32, Vec<PendingFile>)> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self) -> usize {
        self.lock().1.len()
    }

    fn push(&self, prepared: Prepared) -> Result<(), AppError> {
        let mut files = self.lock();
        native_files::check_count(files.1.len() + 1).map_err(AppError::Attachment)?;
        files.0 = files.0.wrapping_add(1);
        let id = AttachmentId(files.0);
        files.1.push(pending_file(id, prepared));
        Ok(())
    }

    /// The files of `ids`, in that order; an unknown id is an error.
    pub(crate) fn peek(&self, ids: &[AttachmentId]) -> Result<Vec<PendingFile>, AppError> {
        let files = self.lock();
        ids.iter()
            .map(|id| {
                files
                    .1
                    .iter()
                    .find(|f| f.id == *id)
                    .cloned()
                    .ok_or(AppError::NotFound("attachment"))
            })
            .collect()
    }

    /// Forgets the files of `ids` (sent, or removed).
    pub(crate) fn remove(&self, ids: &[AttachmentId]) {
        self.lock().1.retain(|f| !ids.contains(&f.id));
        self.publish(Vec::new());
    }

    pub(crate) fn clear(&self) {
        self.lock().1.clear();
        self.publish(Vec::new());
    }

    fn publish(&self, rejected: Vec<ErrorBody>) -> PendingAttachments {
        let state = PendingAttachments {
            items: self
                .lock()
                .1
                .iter()
                .map(|f| PendingAttachment {
                    id: f.id,
                    attachment: f.meta.clone(),
                })
                .collect(),
            rejected,
        };
        self.changes.send_replace(state.clone());
        state
    }
}

fn pending_file(id: AttachmentId, prepared: Prepared) -> PendingFile {
    // A picture's bytes for the model are in the file store already.
    let text = prepared.text().map(str::to_owned);
    let meta = Attachment {
        name: prepared.meta.name,
        mime_type: prepared.meta.mime,
        size: prepared.meta.size,
        sha256: Some(prepared.meta.sha256),
        pages: prepared.meta.pages,
        chars: prepared.meta.chars,
    };
    PendingFile { id, meta, text }
}

/// The picture as sent to the model, from its stored `model` variant: the
/// app re-encodes every picture as PNG or JPEG.
pub(crate) fn model_image(files: &FileStore, sha256: &str) -> Option<ImageUrl> {
    let bytes = files.get(sha256, Variant::Model).ok()??;
    let mime = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    };
    ImageUrl::from_bytes(mime, &bytes)
}

impl NativeApp {
    /// Prepares and holds the files at `paths` (from the file dialog or a
    /// drop). Each refused file is reported, the others kept.
    pub async fn attach_files(&self, paths: Vec<PathBuf>) -> Result<PendingAttachments, AppError> {
        let history = self.history().await?;
        let mut rejected = Vec::new();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".to_owned());
            let result = match read_limited(&path, &name).await {
                Ok(bytes) => self.keep(&history, name, bytes).await,
                Err(err) => Err(err),
            };
            if let Err(err) = result {
                rejected.push(ErrorBody::from(err));
            }
        }
        Ok(self.pending.publish(rejected))
    }

    /// Prepares and holds a pasted picture (or any pasted file's bytes).
    pub async fn attach_bytes(
        &self,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<PendingAttachments, AppError> {
        let history = self.history().await?;
        let rejected = match self.keep(&history, name, bytes).await {
            Ok(()) => Vec::new(),
            Err(err) => vec![ErrorBody::from(err)],
        };
        Ok(self.pending.publish(rejected))
    }

    /// Drops a pending file before sending. Its bytes stay in the store
    /// (content-addressed: another message may hold the same file).
    pub fn remove_attachment(&self, id: AttachmentId) -> PendingAttachments {
        self.pending.remove(&[id]);
        self.pending_attachments()
    }

    pub fn pending_attachments(&self) -> PendingAttachments {
        PendingAttachments {
            items: self.pending.changes.borrow().items.clone(),
            rejected: Vec::new(),
        }
    }

    /// Every change of the pending set, for the shell to broadcast.
    pub fn subscribe_attachments(&self) -> watch::Receiver<PendingAttachments> {
        self.pending.changes.subscribe()
    }

    /// Opens an attachment of history with the system's default
    /// application, from this device's copy of its bytes.
    pub async fn open_attachment(
        &self,
        sha256: &str,
        name: &str,
        opener: &dyn FileOpener,
    ) -> Result<(), AppError> {
        if !is_sha256(sha256) {
            return Err(AppError::NotFound("attachment"));
        }
        let history = self.history().await?;
        let (files, sha, name) = (history.files.clone(), sha256.to_owned(), name.to_owned());
        let path = tokio::task::spawn_blocking(move || files.copy_for_opening(&sha, &name))
            .await
            .map_err(|_| AppError::Internal("opening the file stopped"))??
            .ok_or(AppError::NotOnDevice)?;
        opener.open(&path)
    }

    /// Which of the files attached in `conversation` this device has (by
    /// sha256): the others are shown as "not on this device".
    pub async fn attachments_on_device(
        &self,
        conversation: native_core::ConversationId,
    ) -> Result<Vec<String>, AppError> {
        let history = self.history().await?;
        let files = history.files.clone();
        crate::history::blocking(&history.store, move |s| {
            let mut present = Vec::new();
            for item in s.messages(conversation)? {
                for sha in item
                    .message
                    .attachments
                    .iter()
                    .filter_map(|a| a.sha256.as_deref())
                {
                    if files.contains(sha) && !present.iter().any(|p| p == sha) {
                        present.push(sha.to_owned());
                    }
                }
            }
            Ok(present)
        })
        .await
    }

    /// Prepares one file on a blocking thread, stores its bytes, and holds
    /// it. The count is checked first, so a seventh file is refused before
    /// it is read into the store.
    async fn keep(
        &self,
        history: &Arc<UserHistory>,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<(), AppError> {
        native_files::check_count(self.pending.count() + 1).map_err(AppError::Attachment)?;
        let files = history.files.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            let prepared = native_files::prepare(&name, &bytes).map_err(AppError::Attachment)?;
            files.put(&prepared.meta.sha256, Variant::Original, &bytes)?;
            if let PreparedContent::Image { bytes: small, .. } = &prepared.content {
                files.put(&prepared.meta.sha256, Variant::Model, small)?;
            }
            Ok::<_, AppError>(prepared)
        })
        .await
        .map_err(|_| AppError::Internal("preparing the file stopped"))??;
        self.pending.push(prepared)
    }
}

/// Reads a picked file, refusing one over the size limit before reading
/// it (a 4 GB video dropped by mistake is never loaded).
async fn read_limited(path: &Path, name: &str) -> Result<Vec<u8>, AppError> {
    let unreadable = || AppError::Unreadable(name.to_owned());
    let meta = tokio::fs::metadata(path).await.map_err(|_| unreadable())?;
    if !meta.is_file() {
        return Err(unreadable());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(AppError::Attachment(FileError::TooLarge {
            name: name.chars().filter(|c| !c.is_control()).take(120).collect(),
            size: meta.len(),
            max: MAX_FILE_BYTES,
        }));
    }
    tokio::fs::read(path).await.map_err(|_| unreadable())
}

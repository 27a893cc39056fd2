//! What [`crate::prepare`] returns: the metadata kept in history and the
//! content that goes to the model.

use serde::{Deserialize, Serialize};

/// Attachment metadata as kept in history (`messages.attachments`): the same
/// wire shape as `native_core::Attachment` — `name`, `type`, `size`, and the
/// optional `sha256`, `pages`, `chars`, omitted when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FileMeta {
    /// The file's name as given (messages show it made safe to display).
    pub name: String,
    /// The MIME type of the original file, from its contents (and, among
    /// text kinds, its extension).
    #[serde(rename = "type")]
    pub mime: String,
    /// Bytes of the original file. A JavaScript number holds any file size
    /// exactly (up to 2^53).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: u64,
    /// Lower-case hex SHA-256 of the original bytes.
    pub sha256: String,
    /// Pages of a PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Chars of extracted text (before the prompt budget cut it); for a PDF
    /// read only up to `PDF_MAX_CHARS`/`PDF_MAX_PAGES`, a lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chars: Option<u32>,
}

/// An attached file, ready to be stored and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub meta: FileMeta,
    pub content: PreparedContent,
}

/// What goes to the model for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreparedContent {
    /// Extracted text, cut to the prompt budget of its kind on a char
    /// boundary; `truncated` says whether anything was cut.
    Text { text: String, truncated: bool },
    /// The re-encoded image: `mime` is the final type (`image/png` or
    /// `image/jpeg`), `width`×`height` its final size in pixels.
    Image {
        mime: String,
        width: u32,
        height: u32,
        bytes: Vec<u8>,
    },
}

impl Prepared {
    /// The text for the prompt, if this file has any.
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            PreparedContent::Text { text, .. } => Some(text),
            PreparedContent::Image { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_stored_ones() {
        let meta = FileMeta {
            name: "a.csv".into(),
            mime: "text/csv".into(),
            size: 12,
            sha256: "00".into(),
            pages: None,
            chars: Some(12),
        };
        let json = serde_json::to_value(&meta).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "name": "a.csv", "type": "text/csv", "size": 12,
                "sha256": "00", "chars": 12
            })
        );
        let back: FileMeta = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, meta);
    }
}

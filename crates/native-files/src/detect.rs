//! What a file is: magic bytes first, then whether it decodes as text; the
//! name's extension only chooses among text kinds.

use crate::FileError;
use crate::error::display_name;
use crate::text;

/// The image formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageKind {
    pub(crate) fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }
}

/// A file's kind, with its decoded text for text kinds.
#[derive(Debug)]
pub(crate) enum Kind {
    /// `header_at`: where `%PDF-` is (readers accept junk before it).
    Pdf {
        header_at: usize,
    },
    Image(ImageKind),
    Text {
        mime: &'static str,
        text: String,
    },
}

/// Readers accept a PDF header anywhere in the first KiB.
const PDF_HEADER_WINDOW: usize = 1024;

/// The binary kind the bytes start like, if any.
fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Kind::Image(ImageKind::Png));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Kind::Image(ImageKind::Jpeg));
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(Kind::Image(ImageKind::Gif));
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some(Kind::Image(ImageKind::Webp));
    }
    let head = &bytes[..bytes.len().min(PDF_HEADER_WINDOW)];
    if let Some(header_at) = head.windows(5).position(|w| w == b"%PDF-") {
        return Some(Kind::Pdf { header_at });
    }
    None
}

/// The lower-case extension of the name's last path component.
fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// What an extension claims when the bytes are none of the binary kinds.
fn claimed_binary(ext: &str) -> Option<&'static str> {
    match ext {
        "pdf" => Some("PDF"),
        "png" => Some("PNG image"),
        "jpg" | "jpeg" | "jpe" | "jfif" => Some("JPEG image"),
        "gif" => Some("GIF image"),
        "webp" => Some("WebP image"),
        _ => None,
    }
}

/// The MIME type of text with this extension. Code and unknown extensions
/// are `text/plain`, except where a registered type is in common use.
fn text_mime(ext: Option<&str>) -> &'static str {
    match ext {
        Some("md" | "markdown" | "mdown" | "mkd") => "text/markdown",
        Some("csv") => "text/csv",
        Some("tsv") => "text/tab-separated-values",
        Some("json" | "jsonl" | "ndjson" | "geojson") => "application/json",
        Some("html" | "htm") => "text/html",
        Some("css") => "text/css",
        Some("js" | "mjs" | "cjs") => "text/javascript",
        Some("xml") => "application/xml",
        Some("yaml" | "yml") => "application/yaml",
        _ => "text/plain",
    }
}

pub(crate) fn kind(name: &str, bytes: &[u8]) -> Result<Kind, FileError> {
    match sniff(bytes) {
        Some(kind) => Ok(kind),
        None => not_binary(name, bytes),
    }
}

/// The kind of a file that is none of the binary kinds: a text kind, or an
/// error. Also for a file that only mentions `%PDF-` after some text and
/// turns out not to be a PDF.
pub(crate) fn not_binary(name: &str, bytes: &[u8]) -> Result<Kind, FileError> {
    let ext = extension(name);
    if let Some(claimed) = ext.as_deref().and_then(claimed_binary) {
        return Err(FileError::Mismatch {
            name: display_name(name),
            claimed,
        });
    }
    match text::decode(bytes) {
        Some(text) => Ok(Kind::Text {
            mime: text_mime(ext.as_deref()),
            text,
        }),
        None => Err(FileError::Unsupported {
            name: display_name(name),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_come_from_the_last_component() {
        assert_eq!(extension("a/b.c/notes.TXT").as_deref(), Some("txt"));
        assert_eq!(extension(r"C:\x.y\data.Csv").as_deref(), Some("csv"));
        assert_eq!(extension("Makefile"), None);
        assert_eq!(extension(".bashrc"), None);
        assert_eq!(extension("trailing."), None);
    }

    #[test]
    fn magic_bytes_win_over_the_name() {
        let png = b"\x89PNG\r\n\x1a\n rest";
        assert!(matches!(
            kind("photo.jpg", png),
            Ok(Kind::Image(ImageKind::Png))
        ));
        assert!(matches!(
            kind("notes.txt", b"%PDF-1.4\n"),
            Ok(Kind::Pdf { header_at: 0 })
        ));
        // Junk before the header is tolerated, as readers do.
        assert!(matches!(
            kind("x", b"\r\n\r\ngarbage %PDF-1.7\n"),
            Ok(Kind::Pdf { header_at: 12 })
        ));
        assert!(matches!(
            kind("a.webp", b"RIFF\x10\0\0\0WEBPVP8 "),
            Ok(Kind::Image(ImageKind::Webp))
        ));
    }

    #[test]
    fn the_extension_chooses_among_text_kinds() {
        let mime = |name| match kind(name, b"a,b\n1,2\n") {
            Ok(Kind::Text { mime, .. }) => mime,
            other => panic!("{other:?}"),
        };
        assert_eq!(mime("t.csv"), "text/csv");
        assert_eq!(mime("t.md"), "text/markdown");
        assert_eq!(mime("t.json"), "application/json");
        assert_eq!(mime("t.rs"), "text/plain");
        assert_eq!(mime("README"), "text/plain");
    }

    #[test]
    fn a_binary_name_on_text_is_a_mismatch() {
        let err = kind("chart.png", b"just some text").unwrap_err();
        assert_eq!(
            err,
            FileError::Mismatch {
                name: "chart.png".into(),
                claimed: "PNG image"
            }
        );
    }

    #[test]
    fn unknown_binary_is_unsupported() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        assert!(matches!(
            kind("setup.exe", exe),
            Err(FileError::Unsupported { .. })
        ));
    }
}

//! Why a file was not accepted. Messages state the rule and may name the file
//! (made safe to display), never quote its contents; library errors, which
//! can quote the bytes they choked on, are deliberately not carried.

/// Why an attached file (or a set of them) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("at most {max} files can be attached to one message ({count} were)")]
    TooManyFiles { count: usize, max: usize },
    #[error("“{name}” is {size} bytes; a file can be at most {max} bytes")]
    TooLarge { name: String, size: u64, max: u64 },
    #[error("“{name}” is empty")]
    Empty { name: String },
    #[error(
        "“{name}” is not a kind of file that can be attached: \
         attach a PDF, a text file (text, code, Markdown, CSV, JSON) \
         or an image (PNG, JPEG, WebP, GIF)"
    )]
    Unsupported { name: String },
    #[error("“{name}” is named like a {claimed} file, but its contents are not one")]
    Mismatch { name: String, claimed: &'static str },
    #[error("“{name}” {reason}")]
    Pdf { name: String, reason: PdfError },
    #[error("“{name}” is an image that could not be read (it may be damaged)")]
    ImageUnreadable { name: String },
    #[error("“{name}” is {width}×{height} pixels; an image can be at most {max} pixels on a side")]
    ImageTooLarge {
        name: String,
        width: u32,
        height: u32,
        max: u32,
    },
}

/// Why a PDF's text could not be extracted. Its message follows the file's
/// name in [`FileError::Pdf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("is a PDF that could not be read (it may be damaged)")]
    Unreadable,
    #[error("is a password-protected PDF; remove the password and attach it again")]
    Encrypted,
    #[error("is a PDF too complex to read safely (it expands too much or nests too deeply)")]
    TooComplex,
    #[error("is a PDF whose text took too long to read")]
    TimedOut,
}

/// At most this many chars of a name are shown in a message.
const MAX_SHOWN_NAME_CHARS: usize = 120;

/// The name as shown in a message: control characters (a name could carry
/// newlines or terminal escapes) become `�`, and a long name is shortened.
pub(crate) fn display_name(name: &str) -> String {
    let mut shown: String = name
        .chars()
        .take(MAX_SHOWN_NAME_CHARS)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if name.chars().nth(MAX_SHOWN_NAME_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_to_show() {
        assert_eq!(display_name("notes.txt"), "notes.txt");
        assert_eq!(
            display_name("a\nb\u{1b}[31m.txt"),
            "a\u{FFFD}b\u{FFFD}[31m.txt"
        );
        let long = "x".repeat(500);
        let shown = display_name(&long);
        assert_eq!(shown.chars().count(), MAX_SHOWN_NAME_CHARS + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn messages_state_the_rule() {
        let e = FileError::TooLarge {
            name: "big.pdf".into(),
            size: 8_000_001,
            max: 8_000_000,
        };
        assert_eq!(
            e.to_string(),
            "“big.pdf” is 8000001 bytes; a file can be at most 8000000 bytes"
        );
        let e = FileError::Pdf {
            name: "x.pdf".into(),
            reason: PdfError::Encrypted,
        };
        assert!(
            e.to_string()
                .starts_with("“x.pdf” is a password-protected PDF")
        );
    }
}

//! What the app does with a file the user attaches to a question, before
//! anything is stored or sent: check the limits (how many files, how large),
//! tell what the file really is from its first bytes, and turn it into what
//! the prompt and the history need — budgeted text for PDFs and text files, a
//! downscaled re-encoded image for pictures — plus the metadata kept in
//! history (name, type, size, SHA-256, pages, chars).
//!
//! This crate must stay a pure transformation of bytes: no filesystem, no
//! network, no async runtime, no global state (a PDF is read on a thread of
//! its own, see below). It must never let a file crash
//! or hang the app: a malformed or hostile file becomes a [`FileError`], whose
//! message states the rule that was broken and may name the file but never
//! echoes its contents. [`prepare`] is CPU-bound and blocking (a large PDF can
//! take seconds), so async callers run it on a blocking thread.
//!
//! # Kinds and rules
//!
//! * The kind comes from the magic bytes first; the name's extension is never
//!   trusted alone. It only decides among text kinds (Markdown, CSV, JSON,
//!   code…), and a name claiming a PDF or an image whose bytes are not one is
//!   rejected ([`FileError::Mismatch`]). Binary data that is none of the
//!   supported kinds is rejected ([`FileError::Unsupported`]).
//! * Text: UTF-8, or UTF-8/UTF-16 with a byte-order mark, or UTF-16 without
//!   one, or a legacy single/multi-byte encoding guessed by `chardetng`
//!   (Windows-1252, Latin-1, Shift_JIS…). Line ends become `\n`. The first
//!   [`TEXT_FILE_BUDGET`] chars (Unicode scalar values, cut on a char
//!   boundary) go to the prompt; `chars` records the full count.
//! * PDF: text extracted in Rust, at most [`PDF_TEXT_BUDGET`] chars kept;
//!   `pages` is the page count. A scanned PDF without a text layer is `Ok`
//!   with empty text and `chars == Some(0)`: the caller decides what to say.
//! * Images (PNG, JPEG, GIF, WebP): decoded (GIF and animated WebP: the first
//!   frame), turned upright by their EXIF orientation, downscaled to at most
//!   [`MAX_IMAGE_SIDE`] px on the long side, and always re-encoded, which also
//!   drops metadata such as GPS positions: PNG when some pixel is not opaque,
//!   JPEG (quality 85) otherwise.
//!
//! # How PDFs are kept from crashing or hanging the app
//!
//! PDF libraries panic on malformed input (`pdf-extract` has hundreds of
//! `unwrap`s), recurse without a limit, and allocate whatever a number in the
//! file asks for; a stack overflow or a failed allocation aborts the process
//! and cannot be caught. So [`extract_pdf_text`]:
//!
//! 1. before parsing, inflates every non-image stream of the raw bytes into
//!    a bounded buffer (64 MiB each, 512 MiB in all, nested Flate, LZW and
//!    ASCII85 included: a "zip bomb" is `TooComplex`), and blanks out, in
//!    place, values that make `lopdf` allocate or loop without bound (huge
//!    xref stream field widths or entry counts, huge predictor rows);
//! 2. parses with `lopdf` (panics caught); if that fails or gives no text, a
//!    repaired copy is tried, as pdf.js and Poppler do: stream `/Length`s
//!    that miss their `endstream` are corrected and a new xref table is built
//!    by scanning for `N G obj` (downloads cut short, shifted offsets);
//! 3. decrypts with the empty password (else `Encrypted`), replaces image
//!    XObjects by empty forms (`pdf-extract` would parse image data as
//!    content and panic), empties CMaps and Type 1 programs nested over 100
//!    deep (`pdf-extract`'s parsers for them recurse without a limit), and
//!    gives every page its inherited `Resources` and `MediaBox` and cuts its
//!    `Parent` link (`pdf-extract` walks parents recursively: a cycle would
//!    never end); an unusable MediaBox becomes US Letter;
//! 4. checks each page before reading it, following the `Do` operators of
//!    its content and of the forms it draws: a form that draws itself
//!    (directly or through inherited resources), forms over 12 deep or over
//!    10,000 visits, or over 16 MiB of decoded content (counted per draw)
//!    make the page skipped;
//! 5. reads at most [`PDF_MAX_PAGES`] pages and [`PDF_MAX_CHARS`] chars, each
//!    page under `catch_unwind` (a panicking page is skipped, the others
//!    kept);
//! 6. runs on its own thread ([`PDF_THREAD_NAME`]) with a 64 MiB stack and
//!    waits at most [`PDF_TIME_LIMIT`]; past it the caller gets `TimedOut`
//!    and the thread is told to stop at its next output. A thread cannot be
//!    killed, so an endless loop that writes nothing would keep a core busy
//!    until the app exits; the checks above exist so that it cannot happen.
//!
//! Known limits: `lopdf` can still be made to use memory quadratic in an
//! object stream's size (many index entries pointing into one large
//! object), which a hostile file could use; and the default panic hook prints
//! each caught panic, whose message can quote document contents. The crate
//! refuses to build with `panic = "abort"`, which would turn every caught
//! panic into a crash.
//!
//! `pdf-extract` also logs through the `log` crate, and some of its warnings
//! quote document contents: the app's log filter should set
//! `pdf_extract=off,lopdf=off`, and its panic hook can stay quiet on the
//! [`PDF_THREAD_NAME`] thread.
//!
//! # Library choices
//!
//! * `pdf-extract` 0.12 (over `lopdf` 0.42, which it re-exports, so the two
//!   always match): the maintained pure-Rust text extractor that places
//!   glyphs (spaces and line breaks from positions) and decodes simple, CID
//!   and ToUnicode fonts. `lopdf`'s own `extract_text` ignores positions and
//!   many encodings; PDFium or Poppler would mean a C/C++ library to bundle.
//!   Its page-by-page `output_doc_page` lets us cap pages and output and
//!   catch panics per page.
//! * `image` 0.25 with only the `png`, `jpeg` (zune-jpeg), `gif` and `webp`
//!   (image-webp, pure Rust) features: one API to decode, read EXIF
//!   orientation, resize (Lanczos3) and encode, with allocation limits.
//! * `encoding_rs` (the WHATWG decoders Firefox uses) and `chardetng`
//!   (Firefox's detector for unlabeled legacy text) for non-UTF-8 text.
//! * `flate2` and `weezl`: the Flate and LZW decoders `lopdf` itself uses, to
//!   measure decompressed sizes with a bound before `lopdf` decompresses.
//! * The codecs are optimised in dev builds too (root `Cargo.toml`
//!   `[profile.dev.package.*]`): unoptimised, one photo took seconds.
//! * `sha2` and `hex`, already in the workspace, for `sha256`.
//! * Kind detection is a dozen lines of magic-byte checks rather than a crate
//!   (`infer`): only five binary kinds are accepted.
//!
//! # Design
//!
//! [`prepare`] takes the name and the bytes and returns a [`Prepared`]: the
//! [`FileMeta`] kept in history and a [`PreparedContent`] for the model.
//! [`FileMeta`] has exactly the wire shape of `native_core::Attachment`
//! (`size` as a `u64`, optional fields omitted when absent); it is a separate
//! type so that this crate does not depend on native-core, and a test checks
//! that one reads as the other. Beyond the first sketch: PDF failures are a
//! [`PdfError`] inside [`FileError::Pdf`] (so the extractor can be called and
//! tested on its own, as [`extract_pdf_text`]); a scanned PDF is text `""`
//! rather than an error; a file whose `%PDF-` header is not at its start and
//! that is no PDF falls back to text (notes that mention the header).
//!
//! # Robustness runs
//!
//! `tests/it/corpus.rs` runs [`extract_pdf_text`] over generated broken PDFs
//! (seeded, so reproducible): hand-made hostile files (cyclic forms and page
//! trees, reference loops, self-referencing lengths, deep nesting,
//! decompression bombs, exponential forms, bogus encryption, huge xref
//! fields, predictors and CMap ranges), truncations of valid files every 17
//! bytes, and random mutations of them (byte flips, bogus `startxref` and
//! xref offsets, extreme numbers and lengths, rewired references, splices,
//! deleted and duplicated ranges). It fails on an escaped panic, an abort or
//! a timeout. `cargo test` runs 5,000 (about 25 s in a debug build);
//! `NATIVE_FILES_FUZZ_RUNS=1000000` and `NATIVE_FILES_FUZZ_SEED` run more.
//!
//! Runs done when this crate was written, all passing with the final code:
//! 5,000 per `cargo test` with the default seed, and 100,000 in one long
//! run (`NATIVE_FILES_FUZZ_RUNS=100000`, debug build, 478 s: 29 hostile
//! files, 355 truncations, 99,616 mutations; 21,507 library panics caught;
//! slowest run 619 ms), all passing.
//!
//! About one run in five makes `pdf-extract` or `lopdf` panic (caught). The
//! runs found these ways to abort or hang the process, each fixed above and
//! kept as a hostile case: `lopdf` allocating an xref stream's `/W` width
//! (even with a damaged `/Type`), a 30,000-deep CMap overflowing the stack,
//! CMap `bfrange`s of a billion codes (also with a literal-string bound), and
//! a page content drawn as a form by itself through an operand that is not
//! next to `Do`.

#[cfg(panic = "abort")]
compile_error!(
    "native-files catches panics from PDF parsing; with panic = \"abort\" a malformed PDF would crash the app"
);

mod detect;
mod error;
mod images;
mod meta;
mod pdf;
mod text;

use sha2::{Digest, Sha256};
use std::time::Duration;

pub use error::{FileError, PdfError};
pub use meta::{FileMeta, Prepared, PreparedContent};
pub use pdf::{PDF_THREAD_NAME, PdfText, extract_pdf_text};

use detect::Kind;

/// At most this many files may be attached to one message.
pub const MAX_FILES: usize = 6;
/// At most this many bytes per attached file.
pub const MAX_FILE_BYTES: u64 = 8_000_000;
/// Chars of a PDF's text that go to the prompt.
pub const PDF_TEXT_BUDGET: usize = 8_000;
/// Chars of a text file that go to the prompt.
pub const TEXT_FILE_BUDGET: usize = 4_000;
/// Images are downscaled to at most this many pixels on their long side.
pub const MAX_IMAGE_SIDE: u32 = 1568;
/// Images larger than this on either side are rejected before decoding.
pub const MAX_DECODED_IMAGE_SIDE: u32 = 16_384;
/// At most this many pages of a PDF are read; the rest are counted only.
pub const PDF_MAX_PAGES: u32 = 500;
/// Extraction stops after this many chars of PDF text (`chars` is then a
/// lower bound: the text was cut anyway, as it is far above the budget).
pub const PDF_MAX_CHARS: usize = 1_000_000;
/// A PDF whose text takes longer than this to extract is given up.
pub const PDF_TIME_LIMIT: Duration = Duration::from_secs(20);

/// Checks the number of files attached to one message.
pub fn check_count(count: usize) -> Result<(), FileError> {
    if count > MAX_FILES {
        return Err(FileError::TooManyFiles {
            count,
            max: MAX_FILES,
        });
    }
    Ok(())
}

/// Turns one attached file into its metadata and what goes to the model.
///
/// `name` is the file's name as the user sees it (only its extension is
/// used, and only among text kinds); `bytes` are its whole contents.
pub fn prepare(name: &str, bytes: &[u8]) -> Result<Prepared, FileError> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            name: error::display_name(name),
            size,
            max: MAX_FILE_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(FileError::Empty {
            name: error::display_name(name),
        });
    }
    let meta = FileMeta {
        name: name.to_owned(),
        mime: String::new(),
        size,
        sha256: hex::encode(Sha256::digest(bytes)),
        pages: None,
        chars: None,
    };
    let pdf_error = |reason| FileError::Pdf {
        name: error::display_name(name),
        reason,
    };
    match detect::kind(name, bytes)? {
        Kind::Pdf { header_at } => match extract_pdf_text(bytes) {
            Ok(extracted) => {
                let budgeted = text::budget(&extracted.text, PDF_TEXT_BUDGET);
                Ok(Prepared {
                    meta: FileMeta {
                        mime: "application/pdf".to_owned(),
                        pages: Some(extracted.pages),
                        chars: Some(budgeted.chars),
                        ..meta
                    },
                    content: PreparedContent::Text {
                        text: budgeted.text,
                        truncated: budgeted.truncated || extracted.capped,
                    },
                })
            }
            // Text that merely mentions `%PDF-` near its start.
            Err(PdfError::Unreadable) if header_at > 0 => match detect::not_binary(name, bytes) {
                Ok(Kind::Text { mime, text }) => Ok(text_file(meta, mime, &text)),
                _ => Err(pdf_error(PdfError::Unreadable)),
            },
            Err(reason) => Err(pdf_error(reason)),
        },
        Kind::Text { mime, text } => Ok(text_file(meta, mime, &text)),
        Kind::Image(kind) => {
            let image = images::prepare(kind, bytes).map_err(|e| e.named(name))?;
            Ok(Prepared {
                meta: FileMeta {
                    mime: kind.mime().to_owned(),
                    ..meta
                },
                content: PreparedContent::Image {
                    mime: image.mime.to_owned(),
                    width: image.width,
                    height: image.height,
                    bytes: image.bytes,
                },
            })
        }
    }
}

fn text_file(meta: FileMeta, mime: &str, text: &str) -> Prepared {
    let budgeted = text::budget(text, TEXT_FILE_BUDGET);
    Prepared {
        meta: FileMeta {
            mime: mime.to_owned(),
            chars: Some(budgeted.chars),
            ..meta
        },
        content: PreparedContent::Text {
            text: budgeted.text,
            truncated: budgeted.truncated,
        },
    }
}

/// A count as stored in `FileMeta` (`u32`), saturating.
fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_files_pass_and_a_seventh_does_not() {
        assert!(check_count(0).is_ok());
        assert!(check_count(MAX_FILES).is_ok());
        let err = check_count(MAX_FILES + 1).unwrap_err();
        assert_eq!(
            err,
            FileError::TooManyFiles {
                count: 7,
                max: MAX_FILES
            }
        );
        assert!(err.to_string().contains("at most 6 files"));
    }

    #[test]
    fn counts_saturate() {
        assert_eq!(count_u32(5), 5);
        assert_eq!(count_u32(usize::MAX), u32::MAX);
    }
}

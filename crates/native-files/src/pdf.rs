//! PDF text extraction that cannot crash or hang its caller: bounded
//! decompression, a repaired and checked page tree, caps on pages and
//! output, panics caught per page, and a deadline on a worker thread (see
//! the crate documentation for the whole list).

mod fonts;
mod guard;
mod inflate;
mod raw;
mod repair;

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use pdf_extract::{ConvertToFmt, Document, ObjectId, PlainTextOutput, output_doc_page};

use crate::{PDF_MAX_CHARS, PDF_MAX_PAGES, PDF_TIME_LIMIT, PdfError, count_u32};

/// The name of the thread PDFs are read on. Panics on it are caught (they
/// are how `pdf-extract` reports many malformed files), but the default
/// panic hook still prints them, and `pdf-extract`'s panic messages can quote
/// document contents: an app-wide panic hook can stay quiet for this thread.
pub const PDF_THREAD_NAME: &str = "native-files-pdf";

/// The worker's stack: deep but bounded recursion in the parsers fits.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// A PDF's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// The text, pages separated by a blank line, control characters
    /// removed, trailing spaces and runs of blank lines tidied.
    pub text: String,
    /// Pages in the document.
    pub pages: u32,
    /// Pages whose text was read: a page that fails the safety checks or
    /// makes the extractor panic is skipped.
    pub pages_read: u32,
    /// Reading stopped at [`PDF_MAX_PAGES`] or [`PDF_MAX_CHARS`].
    pub capped: bool,
}

/// Extracts the text of a PDF, or says why it cannot. Never panics, and
/// returns within [`PDF_TIME_LIMIT`] (plus the time to copy `bytes`).
pub fn extract_pdf_text(bytes: &[u8]) -> Result<PdfText, PdfError> {
    let owned: Arc<[u8]> = Arc::from(bytes);
    let stop = Arc::new(AtomicBool::new(false));
    let worker_stop = Arc::clone(&stop);
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name(PDF_THREAD_NAME.into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| extract(&owned, &worker_stop)))
                .unwrap_or(Err(PdfError::Unreadable));
            // The caller may have given up waiting; nothing to do then.
            let _ = sender.send(result);
        });
    let Ok(worker) = spawned else {
        return Err(PdfError::Unreadable);
    };
    match receiver.recv_timeout(PDF_TIME_LIMIT) {
        Ok(result) => {
            // It has sent its result, so it is finishing.
            let _ = worker.join();
            result
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            stop.store(true, Ordering::Relaxed);
            Err(PdfError::TimedOut)
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(PdfError::Unreadable),
    }
}

fn extract(bytes: &[u8], stop: &AtomicBool) -> Result<PdfText, PdfError> {
    inflate::prescan(bytes)?;
    let defused = raw::defuse(bytes);
    let bytes = &defused[..];
    let first = match load(bytes) {
        Some(doc) => read(doc, stop),
        None => Err(PdfError::Unreadable),
    };
    // A document that does not load, or gives no text, may be damaged in
    // ways a repaired copy is not.
    let worth_repairing = match &first {
        Ok(text) => text.text.is_empty(),
        Err(e) => *e == PdfError::Unreadable,
    };
    if !worth_repairing || stop.load(Ordering::Relaxed) {
        return first;
    }
    let Some(doc) = repair::repaired(bytes).and_then(|repaired| load(&repaired)) else {
        return first;
    };
    match (read(doc, stop), first) {
        (Ok(second), Ok(first)) if second.text.len() <= first.text.len() => Ok(first),
        (Ok(second), _) => Ok(second),
        (Err(_), first) => first,
    }
}

fn read(mut doc: Document, stop: &AtomicBool) -> Result<PdfText, PdfError> {
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|_| PdfError::Encrypted)?;
    }
    guard::neutralize_images(&mut doc);
    fonts::defuse(&mut doc);
    let pages: Vec<(u32, ObjectId)> = doc.get_pages().into_iter().collect();
    let to_read = &pages[..pages.len().min(PDF_MAX_PAGES as usize)];
    for &(_, page) in to_read {
        guard::flatten_page(&mut doc, page);
    }
    let mut sink = Sink {
        text: String::new(),
        chars: 0,
        limit: PDF_MAX_CHARS,
        full: false,
        stop,
    };
    let mut measured = HashMap::new();
    let (mut pages_read, mut rejected) = (0u32, 0u32);
    for &(number, page) in to_read {
        if sink.full || stop.load(Ordering::Relaxed) {
            break;
        }
        if guard::check_page(&doc, page, &mut measured).is_err() {
            rejected += 1;
            continue;
        }
        sink.begin_page();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut output = PlainTextOutput::new(&mut sink);
            output_doc_page(&doc, &mut output, number)
        }));
        if matches!(outcome, Ok(Ok(()))) || sink.full {
            pages_read += 1;
        }
    }
    if stop.load(Ordering::Relaxed) {
        return Err(PdfError::TimedOut);
    }
    if pages_read == 0 {
        return Err(if rejected > 0 {
            PdfError::TooComplex
        } else {
            PdfError::Unreadable
        });
    }
    Ok(PdfText {
        text: tidy(&sink.text),
        pages: count_u32(pages.len()),
        pages_read,
        capped: sink.full || pages.len() > to_read.len(),
    })
}

/// The document, if it parses (without panicking) and has pages.
fn load(bytes: &[u8]) -> Option<Document> {
    catch_unwind(|| Document::load_mem(bytes))
        .ok()?
        .ok()
        .filter(|doc| !doc.get_pages().is_empty())
}

/// Where `pdf-extract` writes: stops it (by failing the write) once `limit`
/// chars are in or the caller has given up.
struct Sink<'s> {
    text: String,
    chars: usize,
    limit: usize,
    full: bool,
    stop: &'s AtomicBool,
}

impl Sink<'_> {
    fn begin_page(&mut self) {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
    }
}

impl fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.full || self.stop.load(Ordering::Relaxed) {
            return Err(fmt::Error);
        }
        for c in s.chars() {
            if self.chars >= self.limit {
                self.full = true;
                return Err(fmt::Error);
            }
            self.text.push(c);
            self.chars += 1;
        }
        Ok(())
    }
}

impl<'a, 's> ConvertToFmt for &'a mut Sink<'s> {
    type Writer = &'a mut Sink<'s>;
    fn convert(self) -> Self::Writer {
        self
    }
}

/// Control characters become spaces, trailing spaces go, runs of blank
/// lines become one, and the ends are trimmed.
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank = false;
    for line in raw.lines() {
        let line: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        let line = line.trim_end();
        if line.trim_start().is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn tidy_collapses_blank_lines_and_controls() {
        assert_eq!(
            tidy("\n\n  Title  \n\n\n\nbody\u{0}text \r\n  indented\n\n"),
            "  Title\n\nbody text\n  indented"
        );
        assert_eq!(tidy(" \n\t\n"), "");
    }

    #[test]
    fn the_sink_stops_at_its_limit_and_when_told() {
        let stop = AtomicBool::new(false);
        let mut sink = Sink {
            text: String::new(),
            chars: 0,
            limit: 5,
            full: false,
            stop: &stop,
        };
        assert!(sink.write_str("héllo").is_ok());
        assert!(sink.write_str("!").is_err());
        assert!(sink.full);
        assert_eq!(sink.text, "héllo");
        let mut sink = Sink {
            text: String::new(),
            chars: 0,
            limit: 5,
            full: false,
            stop: &stop,
        };
        stop.store(true, Ordering::Relaxed);
        assert!(sink.write_str("a").is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(extract_pdf_text(b""), Err(PdfError::Unreadable));
        assert_eq!(
            extract_pdf_text(b"%PDF-1.4\n%%EOF"),
            Err(PdfError::Unreadable)
        );
    }
}

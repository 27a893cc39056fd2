//! Fixtures made in the test: PDFs written by hand (so that the corpus can
//! break them in known places), images encoded with the image crate, and
//! Flate bombs built without compressing gigabytes.

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::Compression;
use flate2::write::{DeflateEncoder, ZlibEncoder};

/// A PDF from numbered object bodies (object `i + 1` is `objects[i]`), with
/// a classic xref table and `root` as the catalog.
pub fn assemble(objects: &[Vec<u8>], root: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", i + 1).expect("write");
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).expect("write");
    for offset in offsets {
        writeln!(out, "{offset:010} 00000 n ").expect("write");
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .expect("write");
    out
}

/// A stream object body.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).expect("compress");
    e.finish().expect("compress")
}

/// A content stream showing each line of `text` in Helvetica (`/F1`).
pub fn text_content(text: &str) -> Vec<u8> {
    let mut content = b"BT /F1 12 Tf 72 720 Td 14 TL\n".to_vec();
    for line in text.lines() {
        content.push(b'(');
        for c in line.chars() {
            match c {
                '(' | ')' | '\\' => write!(content, "\\{c}").expect("write"),
                c if c.is_ascii() => content.push(c as u8),
                // WinAnsiEncoding agrees with Latin-1 here.
                c => write!(content, "\\{:03o}", u32::from(c) & 0xFF).expect("write"),
            }
        }
        content.extend_from_slice(b") Tj T*\n");
    }
    content.extend_from_slice(b"ET");
    content
}

const HELVETICA: &[u8] =
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

/// How the page contents of [`text_pdf_with`] are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Flate,
    /// Each page draws a form XObject that shows the text.
    Form,
}

/// A PDF with one page per entry of `pages`, showing its lines.
pub fn text_pdf(pages: &[&str]) -> Vec<u8> {
    text_pdf_with(pages, Style::Plain)
}

pub fn text_pdf_with(pages: &[&str], style: Style) -> Vec<u8> {
    // 1 catalog, 2 page tree, 3 font, then per page: page, content, form.
    let kids: Vec<String> = (0..pages.len())
        .map(|k| format!("{} 0 R", 4 + 3 * k))
        .collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
        HELVETICA.to_vec(),
    ];
    for (k, text) in pages.iter().enumerate() {
        let (content, form) = (5 + 3 * k, 6 + 3 * k);
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
                 /Resources << /Font << /F1 3 0 R >> /XObject << /Fm1 {form} 0 R >> >> \
                 /Contents {content} 0 R >>"
            )
            .into_bytes(),
        );
        let shown = text_content(text);
        let (page_content, form_content) = match style {
            Style::Plain => (stream("", &shown), stream("/Subtype /Form", b"")),
            Style::Flate => (
                stream("/Filter /FlateDecode", &zlib(&shown)),
                stream("/Subtype /Form", b""),
            ),
            Style::Form => (
                stream("", b"q /Fm1 Do Q"),
                stream(
                    "/Type /XObject /Subtype /Form /BBox [0 0 612 792] \
                     /Resources << /Font << /F1 3 0 R >> >>",
                    &shown,
                ),
            ),
        };
        objects.push(page_content);
        objects.push(form_content);
    }
    assemble(&objects, 1)
}

/// The same document saved by lopdf with object streams and an xref stream
/// (PDF 1.5), so that the corpus also breaks those.
pub fn modern(pdf: &[u8]) -> Vec<u8> {
    let mut doc = pdf_extract::Document::load_mem(pdf).expect("fixture parses");
    let mut out = Vec::new();
    doc.save_modern(&mut out).expect("fixture saves");
    out
}

/// A zlib stream of `megabytes` MiB of zeros, built from one compressed MiB
/// repeated (about 1 KB per MiB), so that bombs cost nothing to make.
pub fn zero_bomb(megabytes: u32) -> Vec<u8> {
    const MIB: u32 = 1024 * 1024;
    let mut segment = DeflateEncoder::new(Vec::new(), Compression::best());
    segment
        .write_all(&vec![0u8; MIB as usize])
        .expect("compress");
    segment.flush().expect("sync flush");
    let segment = segment.get_ref().clone();
    let mut out = vec![0x78, 0x9C];
    for _ in 0..megabytes {
        out.extend_from_slice(&segment);
    }
    // A final, empty fixed-Huffman block, then Adler-32 of all zeros.
    out.extend_from_slice(&[0x03, 0x00]);
    let total = u64::from(megabytes) * u64::from(MIB);
    let adler = ((total % 65521) as u32) << 16 | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

static CAUGHT_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Panics on the PDF worker thread are expected (they are caught); count
/// them instead of printing each. Others print as usual.
pub fn quiet_pdf_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(native_files::PDF_THREAD_NAME) {
                CAUGHT_PANICS.fetch_add(1, Ordering::Relaxed);
            } else {
                default(info);
            }
        }));
    });
}

pub fn caught_panics() -> usize {
    CAUGHT_PANICS.load(Ordering::Relaxed)
}

//! PDFs: text, pages, the budget, and broken structures that must be repaired
//! or refused rather than crash.

use native_files::{
    FileError, PDF_TEXT_BUDGET, PdfError, PreparedContent, extract_pdf_text, prepare,
};

use crate::support::{Style, assemble, stream, text_content, text_pdf, text_pdf_with, zero_bomb};

const PAGE_ONE: &str = "Quarterly report\nRevenue grew by 12 percent.";
const PAGE_TWO: &str = "Second page (with parentheses)\nCafé crème à la carte.";

fn assert_two_pages(text: &str) {
    for expected in [
        "Quarterly report",
        "Revenue grew by 12 percent.",
        "Second page (with parentheses)",
        "Café crème à la carte.",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from {text:?}"
        );
    }
    let first = text.find("Quarterly").expect("page one");
    let second = text.find("Second page").expect("page two");
    assert!(first < second, "pages out of order: {text:?}");
}

#[test]
fn a_two_page_pdf_gives_its_text_and_page_count() {
    let pdf = text_pdf(&[PAGE_ONE, PAGE_TWO]);
    let prepared = prepare("report.pdf", &pdf).expect("prepared");
    assert_eq!(prepared.meta.mime, "application/pdf");
    assert_eq!(prepared.meta.pages, Some(2));
    assert_eq!(prepared.meta.size, pdf.len() as u64);
    let PreparedContent::Text { text, truncated } = &prepared.content else {
        panic!("a PDF gives text");
    };
    assert!(!truncated);
    assert_two_pages(text);
    assert_eq!(prepared.meta.chars, Some(text.chars().count() as u32));
}

#[test]
fn compressed_pages_and_forms_are_read() {
    for style in [Style::Flate, Style::Form] {
        let pdf = text_pdf_with(&[PAGE_ONE, PAGE_TWO], style);
        let extracted = extract_pdf_text(&pdf).expect("extracted");
        assert_eq!((extracted.pages, extracted.pages_read), (2, 2));
        assert_two_pages(&extracted.text);
    }
}

#[test]
fn object_and_xref_streams_are_read() {
    let pdf = crate::support::modern(&text_pdf(&[PAGE_ONE, PAGE_TWO]));
    assert!(pdf.windows(7).any(|w| w == b"/ObjStm"));
    assert_two_pages(&extract_pdf_text(&pdf).expect("extracted").text);
}

#[test]
fn pdf_text_is_budgeted_to_8000_chars() {
    let line = "0123456789 ".repeat(9); // 99 chars
    let page: String = (0..50).map(|_| format!("{line}\n")).collect();
    let pdf = text_pdf(&[&page, &page, &page]);
    let prepared = prepare("long.pdf", &pdf).expect("prepared");
    let PreparedContent::Text { text, truncated } = &prepared.content else {
        panic!("a PDF gives text");
    };
    assert!(truncated);
    assert_eq!(text.chars().count(), PDF_TEXT_BUDGET);
    let chars = prepared.meta.chars.expect("chars") as usize;
    assert!(chars > 14_000, "all three pages counted: {chars}");
}

#[test]
fn a_page_that_draws_itself_is_skipped_not_recursed() {
    // Page 1 draws /Fm1, whose content draws /Fm1 again through the page's
    // resources (the form has none of its own). Page 2 is fine.
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [4 0 R 7 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
           /Resources << /Font << /F1 3 0 R >> /XObject << /Fm1 6 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        stream("", b"/Fm1 Do"),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"/Fm1 Do"),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
           /Resources << /Font << /F1 3 0 R >> >> /Contents 8 0 R >>"
            .to_vec(),
        stream("", &text_content("Still here")),
    ];
    let extracted = extract_pdf_text(&assemble(&objects, 1)).expect("page two is read");
    assert_eq!((extracted.pages, extracted.pages_read), (2, 1));
    assert!(extracted.text.contains("Still here"));
}

#[test]
fn a_parent_cycle_and_a_missing_media_box_are_repaired() {
    // The page tree's Parent points at the page itself; no MediaBox anywhere.
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 /Parent 4 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>".to_vec(),
        stream("", &text_content("No resources here")),
    ];
    // Without a font the text may not decode, but it must not crash.
    let result = extract_pdf_text(&assemble(&objects, 1));
    assert!(!matches!(result, Err(PdfError::TimedOut)), "{result:?}");
}

#[test]
fn images_in_a_pdf_do_not_spoil_its_text() {
    let pixels = crate::support::zlib(&[0x80; 16 * 16 * 3]);
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
           /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        stream(
            "",
            &[
                &b"q 100 0 0 100 0 0 cm /Im1 Do Q\n"[..],
                &text_content("Caption"),
            ]
            .concat(),
        ),
        stream(
            "/Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceRGB \
             /BitsPerComponent 8 /Filter /FlateDecode",
            &pixels,
        ),
    ];
    let extracted = extract_pdf_text(&assemble(&objects, 1)).expect("extracted");
    assert!(extracted.text.contains("Caption"), "{:?}", extracted.text);
}

#[test]
fn a_decompression_bomb_is_refused() {
    // 100 MiB of zeros as a page's content, in about 100 KB.
    let bomb = zero_bomb(100);
    assert!(bomb.len() < 200_000);
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        stream("/Filter /FlateDecode", &bomb),
    ];
    let err = prepare("bomb.pdf", &assemble(&objects, 1)).unwrap_err();
    assert_eq!(
        err,
        FileError::Pdf {
            name: "bomb.pdf".into(),
            reason: PdfError::TooComplex
        }
    );
}

#[test]
fn one_stream_drawn_many_times_is_refused() {
    // 8 MiB of content, referenced four times by the page: 32 MiB.
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
           /Contents [4 0 R 4 0 R 4 0 R 4 0 R] >>"
            .to_vec(),
        stream("/Filter /FlateDecode", &zero_bomb(8)),
    ];
    let result = extract_pdf_text(&assemble(&objects, 1));
    assert_eq!(result, Err(PdfError::TooComplex));
}

#[test]
fn a_scanned_pdf_without_text_is_empty_not_an_error() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        stream("", b"0 0 m 100 100 l S"),
    ];
    let prepared = prepare("scan.pdf", &assemble(&objects, 1)).expect("prepared");
    assert_eq!(prepared.meta.pages, Some(1));
    assert_eq!(prepared.meta.chars, Some(0));
    assert_eq!(prepared.text(), Some(""));
}

#[test]
fn a_damaged_pdf_is_a_clear_error() {
    let mut pdf = text_pdf(&[PAGE_ONE]);
    pdf.truncate(40);
    let err = prepare("broken.pdf", &pdf).unwrap_err();
    assert_eq!(
        err.to_string(),
        "“broken.pdf” is a PDF that could not be read (it may be damaged)"
    );
}

#[test]
fn a_pdf_cut_short_gives_the_pages_it_has() {
    // A download cut off after the first page: no xref, no trailer.
    let pdf = text_pdf(&[PAGE_ONE, PAGE_TWO]);
    let second_page = pdf
        .windows(7)
        .position(|w| w == b"7 0 obj")
        .expect("page two's object");
    let extracted = extract_pdf_text(&pdf[..second_page]).expect("the first page is read");
    assert!(
        extracted.text.contains("Quarterly report"),
        "{:?}",
        extracted.text
    );
    assert!(!extracted.text.contains("Second page"));
}

#[test]
fn shifted_offsets_are_rebuilt() {
    // A text-mode transfer turned every LF into CRLF: all offsets are off.
    let pdf = text_pdf(&[PAGE_ONE, PAGE_TWO]);
    let mut shifted = Vec::new();
    for &b in &pdf {
        if b == b'\n' {
            shifted.push(b'\r');
        }
        shifted.push(b);
    }
    assert_two_pages(&extract_pdf_text(&shifted).expect("rebuilt").text);
}

//! Magic bytes against extensions; errors that never echo contents.

use native_files::{FileError, PreparedContent, prepare};

#[test]
fn a_png_name_on_text_is_not_an_image() {
    let secret = "password=hunter2 not an image";
    let err = prepare("chart.png", secret.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        FileError::Mismatch {
            name: "chart.png".into(),
            claimed: "PNG image"
        }
    );
    let message = err.to_string();
    assert_eq!(
        message,
        "“chart.png” is named like a PNG image file, but its contents are not one"
    );
    assert!(!message.contains("hunter2"));
}

#[test]
fn a_pdf_name_on_text_is_not_a_pdf() {
    assert!(matches!(
        prepare("paper.PDF", b"plain words"),
        Err(FileError::Mismatch { claimed: "PDF", .. })
    ));
}

#[test]
fn an_exe_is_refused_with_a_clear_error() {
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00".to_vec();
    exe.extend((0..2000u32).map(|i| (i * 7 % 251) as u8));
    let err = prepare("setup.exe", &exe).unwrap_err();
    assert_eq!(
        err,
        FileError::Unsupported {
            name: "setup.exe".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "“setup.exe” is not a kind of file that can be attached: attach a PDF, \
         a text file (text, code, Markdown, CSV, JSON) or an image (PNG, JPEG, WebP, GIF)"
    );
}

#[test]
fn unknown_binary_under_a_text_name_is_refused() {
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00payload\x00\x00\x01\x02";
    assert!(matches!(
        prepare("notes.txt", zip),
        Err(FileError::Unsupported { .. })
    ));
}

#[test]
fn a_pdf_named_txt_is_a_pdf() {
    let pdf = crate::support::text_pdf(&["Hidden PDF"]);
    let prepared = prepare("notes.txt", &pdf).expect("prepared");
    assert_eq!(prepared.meta.mime, "application/pdf");
    assert!(matches!(prepared.content, PreparedContent::Text { .. }));
}

#[test]
fn names_in_errors_are_made_safe() {
    let err = prepare("evil\n\u{1b}[2J.png", b"text").unwrap_err();
    let message = err.to_string();
    assert!(
        !message.contains('\n') && !message.contains('\u{1b}'),
        "{message:?}"
    );
}

#[test]
fn text_that_mentions_the_pdf_header_is_still_text() {
    let notes = "Notes on file formats\n\nA PDF starts with %PDF-1.7 and ends with %%EOF.\n";
    let prepared = prepare("formats.md", notes.as_bytes()).expect("prepared");
    assert_eq!(prepared.meta.mime, "text/markdown");
    assert_eq!(prepared.text(), Some(notes));
}

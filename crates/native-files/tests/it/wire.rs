//! The metadata kept in history reads as native-core's stored attachment.

use native_core::Attachment;
use native_files::prepare;

#[test]
fn file_meta_reads_as_a_stored_attachment_and_back() {
    let pdf = crate::support::text_pdf(&["Hello"]);
    let meta = prepare("hello.pdf", &pdf).expect("prepared").meta;
    let json = serde_json::to_value(&meta).expect("serializes");
    assert_eq!(json["type"], "application/pdf");
    assert_eq!(json["pages"], 1);
    let stored: Attachment = serde_json::from_value(json.clone()).expect("an Attachment");
    assert_eq!(stored.name, "hello.pdf");
    assert_eq!(stored.mime_type, "application/pdf");
    assert_eq!(stored.size, pdf.len() as u64);
    assert_eq!(stored.sha256.as_deref(), Some(meta.sha256.as_str()));
    assert_eq!(stored.pages, Some(1));
    assert_eq!(stored.chars, meta.chars);
    assert_eq!(serde_json::to_value(&stored).expect("serializes"), json);
}

#[test]
fn images_have_no_pages_or_chars_on_the_wire() {
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encodes");
    let json = serde_json::to_value(prepare("a.png", &png).expect("prepared").meta).expect("json");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for key in ["name", "type", "size", "sha256"] {
        assert!(keys.contains(&key), "{key}");
    }
}

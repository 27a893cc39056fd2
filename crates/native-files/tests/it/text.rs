//! Text files: encodings, kinds, the budget and the metadata.

use native_files::{FileMeta, PreparedContent, TEXT_FILE_BUDGET, prepare};

const FRENCH: &str = "Le café coûte 3 € — déjà payé, reçu n° 42.\nÀ bientôt !";

fn text_of(name: &str, bytes: &[u8]) -> (FileMeta, String, bool) {
    let prepared = prepare(name, bytes).expect("prepared");
    match prepared.content {
        PreparedContent::Text { text, truncated } => (prepared.meta, text, truncated),
        PreparedContent::Image { .. } => panic!("{name} is text"),
    }
}

#[test]
fn utf8_text() {
    let (meta, text, truncated) = text_of("notes.txt", FRENCH.as_bytes());
    assert_eq!(text, FRENCH);
    assert!(!truncated);
    assert_eq!(meta.mime, "text/plain");
    assert_eq!(meta.chars, Some(FRENCH.chars().count() as u32));
    assert_eq!(meta.size, FRENCH.len() as u64);
    assert_eq!(meta.pages, None);
}

#[test]
fn utf16le_with_bom() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(FRENCH.encode_utf16().flat_map(u16::to_le_bytes));
    let (meta, text, _) = text_of("notes.txt", &bytes);
    assert_eq!(text, FRENCH);
    assert_eq!(meta.chars, Some(FRENCH.chars().count() as u32));
    assert_eq!(meta.size, bytes.len() as u64);
}

#[test]
fn utf16be_with_bom_and_utf8_with_bom() {
    let mut be = vec![0xFE, 0xFF];
    be.extend(FRENCH.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(text_of("a.txt", &be).1, FRENCH);
    let utf8 = [&[0xEF, 0xBB, 0xBF][..], FRENCH.as_bytes()].concat();
    assert_eq!(text_of("a.txt", &utf8).1, FRENCH);
}

#[test]
fn windows_1252() {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(FRENCH);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "not UTF-8 by accident"
    );
    let (_, text, _) = text_of("legacy.txt", &bytes);
    assert_eq!(text, FRENCH);
}

#[test]
fn latin1_csv() {
    // ISO-8859-1 is decoded as Windows-1252, its superset.
    let csv = "nom;ville\nJosé;Málaga\nFrançois;Besançon\nZoë;Köln\n";
    let bytes: Vec<u8> = csv
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    let (meta, text, _) = text_of("clients.csv", &bytes);
    assert_eq!(meta.mime, "text/csv");
    assert_eq!(text, csv);
}

#[test]
fn kinds_come_from_the_extension() {
    for (name, body, mime) in [
        ("data.csv", "a,b\n1,2\n", "text/csv"),
        ("data.json", "{\"a\": [1, 2]}", "application/json"),
        ("README.md", "# Title\n\n- item\n", "text/markdown"),
        ("main.rs", "fn main() {}\n", "text/plain"),
        ("script.py", "print('hi')\n", "text/plain"),
        ("Dockerfile", "FROM scratch\n", "text/plain"),
    ] {
        let (meta, text, _) = text_of(name, body.as_bytes());
        assert_eq!(meta.mime, mime, "{name}");
        assert_eq!(meta.name, name);
        assert_eq!(text, body);
    }
}

#[test]
fn windows_line_ends_become_newlines() {
    let (meta, text, _) = text_of("a.csv", b"a,b\r\n1,2\r\n");
    assert_eq!(text, "a,b\n1,2\n");
    assert_eq!(meta.chars, Some(8));
}

#[test]
fn a_10000_char_text_is_budgeted_to_4000() {
    // Multi-byte chars, so that a byte cut would show.
    let long: String = "é🦀abcdefgh".chars().cycle().take(10_000).collect();
    let (meta, text, truncated) = text_of("long.txt", long.as_bytes());
    assert!(truncated);
    assert_eq!(text.chars().count(), TEXT_FILE_BUDGET);
    assert!(long.starts_with(&text));
    assert_eq!(meta.chars, Some(10_000));
}

#[test]
fn exactly_the_budget_is_not_truncated() {
    let text = "x".repeat(TEXT_FILE_BUDGET);
    let (meta, kept, truncated) = text_of("a.txt", text.as_bytes());
    assert!(!truncated);
    assert_eq!(kept, text);
    assert_eq!(meta.chars, Some(4000));
}

#[test]
fn sha256_of_known_bytes() {
    let prepared = prepare("abc.txt", b"abc").expect("prepared");
    assert_eq!(
        prepared.meta.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let prepared = prepare("hello.txt", b"hello world\n").expect("prepared");
    assert_eq!(
        prepared.meta.sha256,
        "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
    );
}

//! Text files: decoding whatever encoding they are in, telling text from
//! binary, and cutting text to a prompt budget.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

use crate::count_u32;

/// How many leading bytes the UTF-16-without-BOM check looks at.
const UTF16_SNIFF_BYTES: usize = 4096;

/// Decodes bytes that are text, or `None` for binary data.
///
/// Order: a byte-order mark (UTF-8, UTF-16LE/BE); UTF-16 without a BOM
/// (every other byte zero); valid UTF-8; otherwise the legacy encoding
/// `chardetng` guesses. Line ends become `\n`.
pub(crate) fn decode(bytes: &[u8]) -> Option<String> {
    let decoded = if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        decode_with(encoding, &bytes[bom_len..])
    } else if let Some(encoding) = utf16_without_bom(bytes) {
        decode_with(encoding, bytes)
    } else if bytes.contains(&0) {
        // NUL never occurs in text in a byte-oriented encoding.
        return None;
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        text.to_owned()
    } else {
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
        detector.feed(bytes, true);
        decode_with(detector.guess(None, Utf8Detection::Deny), bytes)
    };
    let text = normalize_newlines(decoded.strip_prefix('\u{FEFF}').unwrap_or(&decoded));
    (!looks_binary(&text)).then_some(text)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// UTF-16 without a BOM: in its first KiBs, most bytes at odd offsets are
/// zero (LE, mostly Latin text) and almost none at even ones, or the reverse.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(UTF16_SNIFF_BYTES) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let zeros = |offset: usize| {
        head.iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let mostly = |n: usize| n * 10 >= pairs * 4;
    let hardly = |n: usize| n * 20 <= pairs;
    if mostly(odd) && hardly(even) {
        Some(UTF_16LE)
    } else if mostly(even) && hardly(odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Decoded bytes that are not text: any NUL, or more than 1 in 100 chars
/// being other control characters or replacement characters.
fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in text.chars() {
        total += 1;
        match c {
            '\0' => return true,
            '\n' | '\t' | '\u{0C}' => {}
            c if c.is_control() || c == '\u{FFFD}' => odd += 1,
            _ => {}
        }
    }
    odd * 100 > total
}

/// Text cut to a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Budgeted {
    pub(crate) text: String,
    pub(crate) truncated: bool,
    /// Chars of the whole text.
    pub(crate) chars: u32,
}

/// The first `limit` chars (Unicode scalar values) of `text`.
pub(crate) fn budget(text: &str, limit: usize) -> Budgeted {
    let chars = text.chars().count();
    let cut = text.char_indices().nth(limit).map(|(at, _)| at);
    Budgeted {
        text: cut.map_or(text, |at| &text[..at]).to_owned(),
        truncated: cut.is_some(),
        chars: count_u32(chars),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_cut_on_char_boundaries() {
        let b = budget("héllo wörld", 4);
        assert_eq!(b.text, "héll");
        assert!(b.truncated);
        assert_eq!(b.chars, 11);
        let b = budget("🦀🦀🦀", 3);
        assert_eq!(b.text, "🦀🦀🦀");
        assert!(!b.truncated);
        assert_eq!(b.chars, 3);
        let b = budget("", 10);
        assert_eq!((b.text.as_str(), b.truncated, b.chars), ("", false, 0));
    }

    #[test]
    fn encodings_are_recognized() {
        assert_eq!(
            decode("naïve\r\nline".as_bytes()).as_deref(),
            Some("naïve\nline")
        );
        assert_eq!(decode(b"\xEF\xBB\xBFbom").as_deref(), Some("bom"));
        let utf16le: Vec<u8> = "hé".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(
            decode(&[&[0xFF, 0xFE][..], &utf16le].concat()).as_deref(),
            Some("hé")
        );
        let utf16be: Vec<u8> = "plain ascii text"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&utf16be).as_deref(), Some("plain ascii text"));
    }

    #[test]
    fn binary_is_not_text() {
        assert_eq!(decode(b"abc\0def"), None);
        assert_eq!(decode(&[0x01, 0x02, 0x03, 0x04, b'a']), None);
        assert!(decode(b"tab\tand\x0cform feed").is_some());
    }
}

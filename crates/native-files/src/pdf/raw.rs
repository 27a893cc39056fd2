//! The raw bytes of a PDF, before any parser sees them: where its streams
//! and their dictionaries are, and defusing the few values that make `lopdf`
//! allocate without bound while loading (which aborts the process; found by
//! the corpus test).

use std::borrow::Cow;
use std::ops::Range;

/// How far back from `stream` the stream's dictionary is looked for.
pub(super) const DICT_WINDOW: usize = 4096;
/// Xref stream entries and objects a file may declare.
const MAX_XREF_ENTRIES: i64 = 1_000_000;
/// Widest xref stream field lopdf should read (8 bytes hold any offset).
const MAX_XREF_FIELD: i64 = 8;
/// Widest predictor row lopdf should allocate.
const MAX_PREDICTOR_ROW: i64 = 16 * 1024 * 1024;

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    is_white(b) || b"()<>[]{}/%".contains(&b)
}

/// A stream as found in the raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawStream {
    /// Its dictionary's text: from the last `obj` before `stream` to it.
    pub(super) dict: Range<usize>,
    /// Its data: after `stream` and its EOL, up to `endstream` (or the end).
    pub(super) data: Range<usize>,
}

/// Every `stream` keyword followed by an EOL, with its dictionary and data
/// (up to the next `endstream`, which may belong to a later stream when
/// one is missing).
pub(super) fn streams(bytes: &[u8]) -> Vec<RawStream> {
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some((at, start)) = next_stream(bytes, pos) {
        let end = find(&bytes[start..], b"endstream").map_or(bytes.len(), |e| start + e);
        let from = at.saturating_sub(DICT_WINDOW);
        let dict_start = rfind(&bytes[from..at], b"obj").map_or(from, |o| from + o);
        found.push(RawStream {
            dict: dict_start..at,
            data: start..end,
        });
        // Not `end`: a stream whose `endstream` is missing would hide the
        // next ones, and lopdf reads the xref stream at `startxref` however
        // the bytes before it look (found by the corpus test).
        pos = start;
    }
    found
}

/// The next `stream` keyword at or after `pos` that is followed by an EOL
/// (so not `endstream`, nor the word inside other text): where the keyword
/// is, and where its data starts. The raw scan and the repair share it.
pub(super) fn next_stream(bytes: &[u8], mut pos: usize) -> Option<(usize, usize)> {
    while let Some(at) = find(&bytes[pos..], b"stream").map(|f| pos + f) {
        pos = at + b"stream".len();
        if at >= 3 && &bytes[at - 3..at] == b"end" {
            continue;
        }
        let start = match bytes.get(pos..pos + 2) {
            Some(b"\r\n") => pos + 2,
            _ => match bytes.get(pos) {
                Some(b'\n' | b'\r') => pos + 1,
                _ => continue,
            },
        };
        return Some((at, start));
    }
    None
}

/// Where the name `key` (a whole token) is in `dict`.
pub(super) fn key_at(dict: &[u8], key: &[u8]) -> Option<usize> {
    let mut pos = 0;
    while let Some(at) = find(&dict[pos..], key).map(|f| pos + f) {
        pos = at + key.len();
        if dict.get(pos).is_none_or(|&b| is_delimiter(b)) {
            return Some(at);
        }
    }
    None
}

/// The span of the value after the key at `at`: a number or an array.
fn value_span(dict: &[u8], at: usize, key: &[u8]) -> Range<usize> {
    let start = at + key.len();
    let first = dict[start..]
        .iter()
        .position(|&b| !is_white(b))
        .map_or(dict.len(), |p| start + p);
    let end = if dict.get(first) == Some(&b'[') {
        dict[first..]
            .iter()
            .position(|&b| b == b']')
            .map_or(dict.len(), |p| first + p + 1)
    } else {
        dict[first..]
            .iter()
            .position(|&b| is_delimiter(b))
            .map_or(dict.len(), |p| first + p)
    };
    first..end
}

/// The integers of the value after `key`; a token that is not one is
/// `None` (lopdf then rejects the value, which is safe).
fn integers(dict: &[u8], key: &[u8]) -> Option<Vec<Option<i64>>> {
    let at = key_at(dict, key)?;
    let value = &dict[value_span(dict, at, key)];
    let text = std::str::from_utf8(value).ok()?;
    Some(
        text.trim_matches(|c| c == '[' || c == ']')
            .split_ascii_whitespace()
            .map(|t| t.parse().ok())
            .collect(),
    )
}

fn integer(dict: &[u8], key: &[u8]) -> Option<i64> {
    integers(dict, key)?.first().copied().flatten()
}

/// An xref stream lopdf would read with enormous buffers or loop over.
/// lopdf reads whatever stream `startxref` points at as one, whatever its
/// `/Type` (a damaged `/Type /XRef` got through; found by the corpus test),
/// so any stream with a `/W` counts.
fn dangerous_xref_stream(dict: &[u8]) -> bool {
    let Some(widths) = integers(dict, b"/W") else {
        return false;
    };
    let widths: Option<Vec<i64>> = widths.into_iter().collect();
    let Some(widths) = widths else {
        return false;
    };
    if widths.iter().any(|&w| w > MAX_XREF_FIELD) || widths.iter().take(3).all(|&w| w <= 0) {
        return true;
    }
    let entries = match integers(dict, b"/Index") {
        Some(index) => index
            .iter()
            .skip(1)
            .step_by(2)
            .map(|count| count.unwrap_or(0).max(0))
            .fold(0i64, i64::saturating_add),
        None => integer(dict, b"/Size").unwrap_or(0),
    };
    entries > MAX_XREF_ENTRIES
}

/// A PNG/TIFF predictor whose row lopdf would allocate enormous.
fn dangerous_predictor(dict: &[u8]) -> bool {
    if key_at(dict, b"/Predictor").is_none() {
        return false;
    }
    let get = |key: &[u8], default: i64| integer(dict, key).unwrap_or(default).max(1);
    let row = get(b"/Columns", 1)
        .saturating_mul(get(b"/Colors", 1))
        .saturating_mul(get(b"/BitsPerComponent", 8).max(8) / 8);
    row > MAX_PREDICTOR_ROW
}

/// The bytes with dangerous values blanked out (same length, so every
/// offset still holds): an xref stream's `/W` (lopdf then rejects it, and
/// the xref is rebuilt) and a stream's `/Predictor` (the data then decodes
/// without it: wrong, but bounded).
pub(super) fn defuse(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Cow::Borrowed(bytes);
    for stream in streams(bytes) {
        let dict = &bytes[stream.dict.clone()];
        if key_at(dict, b"/Image").is_some() {
            continue;
        }
        for (key, dangerous) in [
            (&b"/W"[..], dangerous_xref_stream(dict)),
            (b"/Predictor", dangerous_predictor(dict)),
        ] {
            if let Some(at) = key_at(dict, key).filter(|_| dangerous) {
                let span = value_span(dict, at, key);
                let blank = stream.dict.start + at..stream.dict.start + span.end;
                out.to_mut()[blank].fill(b' ');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_with(dict: &str) -> Vec<u8> {
        format!("%PDF-1.5\n7 0 obj\n<< {dict} /Length 3 >>\nstream\nabc\nendstream\nendobj\n")
            .into_bytes()
    }

    #[test]
    fn streams_are_found_with_their_dictionaries() {
        let pdf = stream_with("/Type /XRef");
        let found = streams(&pdf);
        assert_eq!(found.len(), 1);
        assert_eq!(&pdf[found[0].data.clone()], b"abc\n");
        assert!(pdf[found[0].dict.clone()].starts_with(b"obj\n<< /Type /XRef"));
    }

    #[test]
    fn a_missing_endstream_hides_no_stream() {
        let mut pdf = b"1 0 obj << /Length 3 >>\nstream\nabc\nendobj\n".to_vec();
        pdf.extend(stream_with("/Type /XRef /W [1 99 1]"));
        assert_eq!(streams(&pdf).len(), 2);
        assert!(find(&defuse(&pdf), b"/W").is_none());
    }

    #[test]
    fn keys_are_whole_tokens() {
        assert_eq!(key_at(b"<< /Width 5 /W [1 2 1] >>", b"/W"), Some(12));
        assert_eq!(key_at(b"<< /Width 5 >>", b"/W"), None);
    }

    #[test]
    fn huge_xref_fields_and_counts_are_blanked() {
        for dict in [
            "/Type /XRef /W [1 9223372036854775807 1] /Size 3",
            "/Type /XRef /W [0 0 0] /Size 3",
            "/Type /XRef /W [1 2 1] /Index [0 5 9 99999999999]",
            "/Type /XRef /W [1 2 1] /Size 2000000",
            "/ype/XXRef/W[9223372036854775807 4 2]/Index[1 11]",
        ] {
            let pdf = stream_with(dict);
            let defused = defuse(&pdf);
            assert_eq!(defused.len(), pdf.len());
            assert!(find(&defused, b"/W").is_none(), "{dict}");
        }
        let fine = stream_with("/Type /XRef /W [1 3 1] /Index [0 10] /Size 10");
        assert!(matches!(defuse(&fine), Cow::Borrowed(_)));
    }

    #[test]
    fn huge_predictor_rows_are_blanked() {
        let pdf = stream_with("/DecodeParms << /Predictor 12 /Columns 4000000000 /Colors 4 >>");
        let defused = defuse(&pdf);
        assert!(find(&defused, b"/Predictor").is_none());
        assert!(find(&defused, b"/Columns 4000000000").is_some());
        let fine = stream_with("/DecodeParms << /Predictor 12 /Columns 5 >>");
        assert!(matches!(defuse(&fine), Cow::Borrowed(_)));
    }
}

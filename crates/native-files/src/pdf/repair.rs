//! A repaired copy of a PDF whose cross-reference table is missing or wrong
//! (a download cut short, offsets shifted by a text-mode transfer, a hand
//! edit), or whose stream `/Length`s are. `lopdf` has no recovery of its
//! own; readers such as pdf.js and Poppler rebuild the table by scanning for
//! `N G obj` and find stream ends by `endstream`, and so do we.

use std::collections::BTreeMap;
use std::io::Write;

use super::raw::{DICT_WINDOW, find, next_stream};

/// Object numbers above this are not believed.
const MAX_OBJECT_ID: u32 = 10_000_000;
/// How far after `obj` a catalog's `/Catalog` is looked for.
const CATALOG_WINDOW: usize = 512;

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn find_all(haystack: &[u8], needle: &[u8]) -> impl Iterator<Item = usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

/// The unsigned number ending just before `end` (after skipping at least
/// one whitespace byte when `white` is set), and where it starts.
fn number_before(bytes: &[u8], mut end: usize, white: bool) -> Option<(u32, usize)> {
    if white {
        let skipped = bytes[..end]
            .iter()
            .rposition(|&b| !is_white(b))
            .map_or(0, |p| p + 1);
        if skipped == end {
            return None;
        }
        end = skipped;
    }
    let start = bytes[..end]
        .iter()
        .rposition(|b| !b.is_ascii_digit())
        .map_or(0, |p| p + 1);
    if start == end || end - start > 10 {
        return None;
    }
    let value = std::str::from_utf8(&bytes[start..end]).ok()?.parse().ok()?;
    Some((value, start))
}

/// Parses `N G R` at `at` (after optional whitespace).
fn reference_at(bytes: &[u8], at: usize) -> Option<(u32, u32)> {
    let text = bytes.get(at..(at + 40).min(bytes.len()))?;
    let text = std::str::from_utf8(text.split(|&b| b == b'/' || b == b'>').next()?).ok()?;
    let mut parts = text.split_ascii_whitespace();
    let id = parts.next()?.parse().ok()?;
    let generation = parts.next()?.parse().ok()?;
    (parts.next()? == "R").then_some((id, generation))
}

/// The objects found by scanning: number → (generation, offset). A later
/// definition of the same number wins, as with incremental updates.
fn scan_objects(bytes: &[u8]) -> BTreeMap<u32, (u32, usize)> {
    let mut objects = BTreeMap::new();
    for at in find_all(bytes, b"obj") {
        if bytes
            .get(at + 3)
            .is_some_and(|&b| !is_white(b) && !b"<[(/%".contains(&b))
        {
            continue;
        }
        let Some((generation, gen_start)) = number_before(bytes, at, true) else {
            continue;
        };
        let Some((id, id_start)) = number_before(bytes, gen_start, true) else {
            continue;
        };
        let line_start = id_start == 0 || is_white(bytes[id_start - 1]);
        if line_start && (1..=MAX_OBJECT_ID).contains(&id) && generation <= 65_535 {
            objects.insert(id, (generation, id_start));
        }
    }
    objects
}

/// The repaired copy: stream lengths fixed, then a new xref table appended;
/// `None` if no object or no catalog was found.
pub(super) fn repaired(bytes: &[u8]) -> Option<Vec<u8>> {
    // lopdf reads offsets from the header on, as do we.
    let header = find_all(bytes, b"%PDF-").next().unwrap_or(0);
    with_rebuilt_xref(&fix_lengths(&bytes[header..]))
}

/// The EOL-less end of stream data that ends at `endstream` at `end`.
fn data_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let data = &bytes[start..end];
    if data.ends_with(b"\r\n") {
        end - 2
    } else if data.ends_with(b"\n") || data.ends_with(b"\r") {
        end - 1
    } else {
        end
    }
}

/// Whether stream data of `length` bytes from `start` is followed by
/// `endstream` (after an optional EOL), as lopdf requires.
fn length_lands(bytes: &[u8], start: usize, length: usize) -> bool {
    let Some(rest) = start.checked_add(length).and_then(|at| bytes.get(at..)) else {
        return false;
    };
    let rest = rest
        .strip_prefix(b"\r\n")
        .or_else(|| rest.strip_prefix(b"\n"))
        .or_else(|| rest.strip_prefix(b"\r"))
        .unwrap_or(rest);
    rest.starts_with(b"endstream")
}

/// The span of the value after `/Length` at `at` (a number, or `N G R`),
/// and the number if it is one.
fn length_value(bytes: &[u8], at: usize) -> Option<(std::ops::Range<usize>, Option<usize>)> {
    let start = at + b"/Length".len();
    let first = bytes[start..].iter().position(|&b| !is_white(b))? + start;
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |n| from + n)
    };
    let end = digits(first);
    if end == first {
        return None;
    }
    if reference_at(bytes, first).is_some() {
        let r = bytes[end..].iter().position(|&b| b == b'R')? + end + 1;
        return Some((first..r, None));
    }
    let number = std::str::from_utf8(&bytes[first..end]).ok()?.parse().ok();
    Some((first..end, number))
}

/// A copy in which every stream whose `/Length` does not land on its
/// `endstream` gets the length it really has.
fn fix_lengths(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut copied = 0;
    let mut pos = 0;
    while let Some((at, start)) = next_stream(bytes, pos) {
        let Some(end) = find(&bytes[start..], b"endstream").map(|e| start + e) else {
            break;
        };
        pos = end;
        let from = copied.max(at.saturating_sub(DICT_WINDOW));
        let Some(length_at) = bytes[from..at]
            .windows(7)
            .rposition(|w| w == b"/Length")
            .map(|l| from + l)
        else {
            continue;
        };
        let Some((span, declared)) = length_value(bytes, length_at) else {
            continue;
        };
        if declared.is_some_and(|length| length_lands(bytes, start, length)) {
            continue;
        }
        out.extend_from_slice(&bytes[copied..span.start]);
        out.extend_from_slice((data_end(bytes, start, end) - start).to_string().as_bytes());
        copied = span.end;
    }
    out.extend_from_slice(&bytes[copied..]);
    out
}

/// `bytes` with a new xref table and trailer appended, or `None` if no
/// object or no catalog was found.
fn with_rebuilt_xref(bytes: &[u8]) -> Option<Vec<u8>> {
    let objects = scan_objects(bytes);
    let trailer_root = find_all(bytes, b"/Root")
        .filter_map(|at| reference_at(bytes, at + 5))
        .filter(|(id, _)| objects.contains_key(id))
        .last();
    let root = trailer_root.or_else(|| {
        objects.iter().find_map(|(&id, &(generation, offset))| {
            let window = &bytes[offset..(offset + CATALOG_WINDOW).min(bytes.len())];
            let body = find_all(window, b"endobj")
                .next()
                .map_or(window, |e| &window[..e]);
            find_all(body, b"/Catalog").next().map(|_| (id, generation))
        })
    })?;
    let encrypt = find_all(bytes, b"/Encrypt")
        .filter_map(|at| reference_at(bytes, at + 8))
        .last();
    let mut out = bytes.to_vec();
    out.push(b'\n');
    let xref = out.len();
    let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
        write!(out, "xref\n0 1\n0000000000 65535 f \n")?;
        for (id, (generation, offset)) in &objects {
            write!(out, "{id} 1\n{offset:010} {generation:05} n \n")?;
        }
        let size = objects.keys().next_back().map_or(1, |last| last + 1);
        write!(
            out,
            "trailer\n<< /Size {size} /Root {} {} R",
            root.0, root.1
        )?;
        if let Some((id, generation)) = encrypt {
            write!(out, " /Encrypt {id} {generation} R")?;
        }
        write!(out, " >>\nstartxref\n{xref}\n%%EOF\n")
    };
    write(&mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_found_where_they_start() {
        let pdf =
            b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\n 12 3 obj\n(x)\nendobj\nx5 0 obj\n";
        let found = scan_objects(pdf);
        assert_eq!(found.get(&1), Some(&(0, 9)));
        assert_eq!(found.get(&12), Some(&(3, 44)));
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn wrong_lengths_are_fixed_and_right_ones_kept() {
        let pdf = b"1 0 obj << /Length 99 >>\nstream\nabc\nendstream endobj \
            2 0 obj << /Length 3 >>\nstream\nxyz\r\nendstream endobj \
            3 0 obj << /Length 9 0 R /F 1 >>\nstream\r\nlong data\rendstream";
        let fixed = String::from_utf8(fix_lengths(pdf)).expect("ascii");
        assert!(fixed.contains("/Length 3 >>\nstream\nabc"), "{fixed}");
        assert!(fixed.contains("/Length 3 >>\nstream\nxyz"), "{fixed}");
        assert!(fixed.contains("/Length 9 /F 1 >>"), "{fixed}");
        assert_eq!(fix_lengths(b"no streams"), b"no streams");
    }

    #[test]
    fn the_catalog_is_found_without_a_trailer() {
        let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Pages >>\nendobj\n2 0 obj\n<< /Type /Catalog /Pages 1 0 R >>\nendobj\n";
        let rebuilt = String::from_utf8(with_rebuilt_xref(pdf).expect("rebuilt")).expect("ascii");
        assert!(rebuilt.contains("/Root 2 0 R"), "{rebuilt}");
        assert!(rebuilt.contains("1 1\n0000000009 00000 n \n"), "{rebuilt}");
        assert!(with_rebuilt_xref(b"%PDF-1.4\nnothing here").is_none());
    }
}

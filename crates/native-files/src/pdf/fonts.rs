//! CMaps and Type 1 font programs, which `pdf-extract` parses with
//! recursive-descent parsers that have no depth limit: 30,000 nested
//! parentheses in a ToUnicode CMap overflow even a 64 MiB stack, and a stack
//! overflow aborts the process. And a CMap `bfrange` is expanded code by
//! code: `<0000> <2147483647FF>` is a billion map entries. (Both found by
//! the corpus test.)

use std::collections::BTreeSet;

use pdf_extract::{Document, Object, ObjectId, Stream};

use super::guard::MAX_PAGE_CONTENT_BYTES;
use super::inflate;

/// Deeper nesting than lopdf itself accepts is not a real CMap or font.
const MAX_NESTING: usize = 100;
/// Codes all `bfrange`s of a CMap may cover (16 times a full 2-byte range).
const MAX_RANGE_CODES: u64 = 1 << 20;
/// Keys whose stream values `pdf-extract` parses as CMaps (`ToUnicode`,
/// `Encoding`) or as a Type 1 program (`FontFile`).
const PARSED_KEYS: [&[u8]; 3] = [b"ToUnicode", b"Encoding", b"FontFile"];

/// Empties every such stream that nests too deeply, maps too many codes or
/// decodes too large: the font then falls back to its other encodings, or
/// its page to nothing.
pub(super) fn defuse(doc: &mut Document) {
    let mut ids = BTreeSet::new();
    for object in doc.objects.values() {
        collect(object, &mut ids, 0);
    }
    for id in ids {
        let Some(Object::Stream(stream)) = doc.objects.get_mut(&id) else {
            continue;
        };
        let filters = stream.filters().unwrap_or_default();
        let too_deep = match inflate::decode(&filters, &stream.content, MAX_PAGE_CONTENT_BYTES) {
            Ok(data) => {
                nesting(cleartext(&data)) > MAX_NESTING || bfrange_codes(&data) > MAX_RANGE_CODES
            }
            Err(_) => true,
        };
        if too_deep {
            let mut dict = stream.dict.clone();
            dict.remove(b"Filter");
            dict.remove(b"DecodeParms");
            *stream = Stream::new(dict, Vec::new());
        }
    }
}

/// References under the parsed keys, anywhere in `object`. Parsed objects
/// nest at most 100 deep (lopdf's limit); the bound here is a second guard.
fn collect(object: &Object, ids: &mut BTreeSet<ObjectId>, depth: usize) {
    if depth > 2 * MAX_NESTING {
        return;
    }
    let dict = match object {
        Object::Dictionary(dict) => dict,
        Object::Stream(stream) => &stream.dict,
        Object::Array(items) => {
            for item in items {
                collect(item, ids, depth + 1);
            }
            return;
        }
        _ => return,
    };
    for (key, value) in dict.iter() {
        if let (true, Object::Reference(id)) = (PARSED_KEYS.contains(&key.as_slice()), value) {
            ids.insert(*id);
        }
        collect(value, ids, depth + 1);
    }
}

/// A Type 1 program's clear-text part (before its encrypted binary part,
/// whose bytes would count as random brackets); all of a CMap.
fn cleartext(data: &[u8]) -> &[u8] {
    data.windows(5)
        .position(|w| w == b"eexec")
        .map_or(data, |at| &data[..at])
}

/// The deepest nesting of strings, arrays, procedures and dictionaries.
fn nesting(data: &[u8]) -> usize {
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < data.len() {
        let pair = data.get(i + 1) == Some(&data[i]);
        match data[i] {
            // An escape inside a string: the next byte is not a bracket.
            b'\\' => i += 1,
            b'(' | b'[' | b'{' => depth += 1,
            b'<' if pair => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'>' if pair => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => {}
        }
        deepest = deepest.max(depth);
        i += 1;
    }
    deepest
}

/// A token of a `bfrange` section, as far as counting its codes needs.
enum Token {
    /// A hex string, with its code as the CMap parser computes it: its bytes
    /// shifted into a `u32` (so longer strings wrap).
    Hex(u32),
    /// A literal string or an array: a destination.
    Other,
    /// Anything else, which ends the parser's reading of ranges.
    End,
}

/// The token at `at` (after whitespace) and where it ends; `None` if it
/// cannot be told where it ends.
fn token(data: &[u8], at: usize) -> Option<(Token, usize)> {
    let Some(start) = data[at..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|p| at + p)
    else {
        return Some((Token::End, data.len()));
    };
    match (data[start], data.get(start + 1)) {
        (b'<', Some(&b'<')) => Some((Token::End, start)),
        (b'<', _) => {
            let end = start + data[start..].iter().position(|&b| b == b'>')?;
            let digits: Vec<u8> = data[start + 1..end]
                .iter()
                .filter_map(|&b| char::from(b).to_digit(16))
                .map(|d| d as u8)
                .collect();
            let code = digits.chunks(2).fold(0u32, |code, pair| {
                let byte = pair[0] << 4 | pair.get(1).copied().unwrap_or(0);
                code << 8 | u32::from(byte)
            });
            Some((Token::Hex(code), end + 1))
        }
        (b'[', _) => {
            let end = start + data[start..].iter().position(|&b| b == b']')?;
            Some((Token::Other, end + 1))
        }
        (b'(', _) => {
            // Balanced parentheses; a backslash escapes the next byte.
            let (mut depth, mut i) = (0usize, start);
            while i < data.len() {
                match data[i] {
                    b'\\' => i += 1,
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some((Token::Other, i + 1));
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => Some((Token::End, start)),
    }
}

/// How many codes the `bfrange` sections of a CMap expand to, or
/// `u64::MAX` when that cannot be told (a range bound that is a literal
/// string, whose code the parser takes from arbitrary bytes, or a string
/// whose end cannot be found).
fn bfrange_codes(data: &[u8]) -> u64 {
    let mut total = 0u64;
    let mut pos = 0;
    while let Some(found) = data[pos..].windows(12).position(|w| w == b"beginbfrange") {
        let mut at = pos + found + 12;
        let end = data[at..]
            .windows(10)
            .position(|w| w == b"endbfrange")
            .map_or(data.len(), |e| at + e);
        let section = &data[..end];
        loop {
            let Some((low, next)) = token(section, at) else {
                return u64::MAX;
            };
            let Token::Hex(low) = low else {
                if matches!(low, Token::Other) {
                    return u64::MAX;
                }
                break;
            };
            let Some((Token::Hex(high), next)) = token(section, next) else {
                return u64::MAX;
            };
            if high >= low {
                total = total.saturating_add(u64::from(high - low) + 1);
            }
            match token(section, next) {
                Some((Token::Hex(_) | Token::Other, next)) => at = next,
                Some((Token::End, _)) => break,
                None => return u64::MAX,
            }
        }
        pos = end;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_not_escapes() {
        assert_eq!(nesting(b"<< /A [1 (x\\(y) {2}] >>"), 3);
        assert_eq!(nesting(b"<00FF> <0041>"), 0);
        assert_eq!(nesting(&[b'('; 500]), 500);
        assert_eq!(nesting(b"))) ((("), 3);
    }

    #[test]
    fn bfranges_are_counted_as_the_parser_expands_them() {
        let cmap =
            b"2 beginbfrange <0000> <00FF> <0000>\n<0100> <0101> [<0041> <0042>] endbfrange \
            1 beginbfrange <10> <1F> <0020> endbfrange";
        assert_eq!(bfrange_codes(cmap), 256 + 2 + 16);
        let huge = b"1 beginbfrange <0000> <2147483647FF> <0000> endbfrange";
        assert_eq!(bfrange_codes(huge), 0x4836_47FF + 1);
        assert_eq!(
            bfrange_codes(b"1 beginbfrange <FF> <00> <0000> endbfrange"),
            0
        );
        assert_eq!(bfrange_codes(b"no ranges"), 0);
    }

    #[test]
    fn type1_programs_are_measured_before_eexec() {
        let program = [
            &b"/Encoding 256 array\ncurrentfile eexec\n"[..],
            &[b'['; 300],
        ]
        .concat();
        assert!(nesting(cleartext(&program)) <= 1);
    }
}

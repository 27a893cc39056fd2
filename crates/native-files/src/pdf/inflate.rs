//! Decompression with a bound, to learn how large streams become before
//! `lopdf` decompresses them without one (a few KB of Flate can claim GBs,
//! and an allocation failure aborts the process).

use std::borrow::Cow;
use std::io::{self, Read};

use flate2::read::{DeflateDecoder, ZlibDecoder};
use weezl::{BitOrder, LzwStatus, decode::Decoder as LzwDecoder};

use super::raw::{self, find};
use crate::PdfError;

/// One stream may decode to at most this many bytes.
pub(super) const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// All non-image streams of a file may decode to at most this many bytes.
pub(super) const MAX_TOTAL_BYTES: u64 = 512 * 1024 * 1024;
/// Flate inside Flate (a filter chain) is followed this deep.
const MAX_LAYERS: usize = 4;

/// Bytes read so far, failing past a limit.
fn read_bounded(mut reader: impl Read, limit: usize, out: &mut Vec<u8>) -> Result<(), PdfError> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                if out.len() + n > limit {
                    return Err(PdfError::TooComplex);
                }
                out.extend_from_slice(&chunk[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Corrupt data: what decoded so far is what lopdf keeps too.
            Err(_) => return Ok(()),
        }
    }
}

/// Flate as lopdf decodes it: zlib, or raw deflate after the 2-byte header
/// when zlib yields nothing.
pub(super) fn flate(data: &[u8], limit: usize) -> Result<Vec<u8>, PdfError> {
    let mut out = Vec::new();
    read_bounded(ZlibDecoder::new(data), limit, &mut out)?;
    if out.is_empty() && data.len() > 2 {
        read_bounded(DeflateDecoder::new(&data[2..]), limit, &mut out)?;
    }
    Ok(out)
}

/// LZW as lopdf decodes it (MSB first, early change).
pub(super) fn lzw(data: &[u8], limit: usize) -> Result<Vec<u8>, PdfError> {
    let mut decoder = LzwDecoder::with_tiff_size_switch(BitOrder::Msb, 8);
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut input = data;
    loop {
        let result = decoder.decode_bytes(input, &mut chunk);
        if out.len() + result.consumed_out > limit {
            return Err(PdfError::TooComplex);
        }
        out.extend_from_slice(&chunk[..result.consumed_out]);
        input = &input[result.consumed_in..];
        let stalled = result.consumed_in == 0 && result.consumed_out == 0;
        match result.status {
            Ok(LzwStatus::Ok) if !stalled => {}
            Ok(_) | Err(_) => return Ok(out),
        }
    }
}

/// ASCII85 as lopdf decodes it (always smaller than its input, so
/// unbounded): groups of five chars, `z` for four zeros, up to `~>`.
pub(super) fn ascii85(data: &[u8]) -> Vec<u8> {
    let data = data.strip_suffix(b"~>").unwrap_or(data);
    let mut out = Vec::with_capacity(data.len() / 5 * 4 + 4);
    let (mut group, mut count) = (0u32, 0usize);
    for &c in data {
        match c {
            b'z' if count == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group = group.wrapping_mul(85).wrapping_add(u32::from(c - b'!'));
                count += 1;
                if count == 5 {
                    out.extend_from_slice(&group.to_be_bytes());
                    (group, count) = (0, 0);
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => break,
        }
    }
    if count > 1 {
        for _ in count..5 {
            group = group.wrapping_mul(85).wrapping_add(84);
        }
        out.extend_from_slice(&group.to_be_bytes()[..count - 1]);
    }
    out
}

/// What a parsed stream decodes to, following its filters as lopdf does
/// (Flate, LZW, ASCII85; with any other filter lopdf fails and the raw bytes
/// are used), or `Err` past `limit`.
pub(super) fn decode<'a>(
    filters: &[&[u8]],
    content: &'a [u8],
    limit: usize,
) -> Result<Cow<'a, [u8]>, PdfError> {
    let mut data = Cow::Borrowed(content);
    for filter in filters {
        data = Cow::Owned(match *filter {
            b"FlateDecode" => flate(&data, limit)?,
            b"LZWDecode" => lzw(&data, limit)?,
            b"ASCII85Decode" => ascii85(&data),
            _ => return Ok(Cow::Borrowed(content)),
        });
    }
    Ok(data)
}

/// A zlib header: deflate, a sane window, and the header checksum.
fn looks_zlib(data: &[u8]) -> bool {
    data.len() >= 2
        && data[0] & 0x0F == 8
        && data[0] >> 4 <= 7
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
}

/// The largest layer `data` decodes to (Flate, then Flate again while the
/// output looks like zlib), or `Err` past `limit`.
fn flate_layers(data: &[u8], limit: usize) -> Result<usize, PdfError> {
    let mut layer = flate(data, limit)?;
    let mut largest = layer.len();
    for _ in 1..MAX_LAYERS {
        if !looks_zlib(&layer) {
            break;
        }
        layer = flate(&layer, limit)?;
        largest = largest.max(layer.len());
    }
    Ok(largest)
}

/// Scans the raw bytes for streams and bounds what each decodes to, before
/// any parsing: `lopdf` decompresses object streams while loading.
///
/// A stream's dictionary is the text between the last `obj` before its
/// `stream` keyword and the keyword. Image and embedded-file streams are
/// skipped: nothing here decodes them. The filters are read from the
/// dictionary's text (`/Fl…` Flate, `/LZW…` LZW).
pub(super) fn prescan(bytes: &[u8]) -> Result<(), PdfError> {
    prescan_within(bytes, MAX_STREAM_BYTES, MAX_TOTAL_BYTES)
}

fn prescan_within(bytes: &[u8], per_stream: usize, all: u64) -> Result<(), PdfError> {
    let mut total = 0u64;
    for stream in raw::streams(bytes) {
        let dict = &bytes[stream.dict];
        if find(dict, b"/Image").is_some() || find(dict, b"/EmbeddedFile").is_some() {
            continue;
        }
        let raw_data = &bytes[stream.data];
        let decoded85;
        let data = if find(dict, b"/A85").is_some() || find(dict, b"/ASCII85").is_some() {
            decoded85 = ascii85(raw_data);
            &decoded85[..]
        } else {
            raw_data
        };
        let mut largest = 0;
        if find(dict, b"/LZW").is_some() {
            let decoded = lzw(data, per_stream)?;
            largest = decoded.len();
            if looks_zlib(&decoded) {
                largest = largest.max(flate_layers(&decoded, per_stream)?);
            }
        }
        if find(dict, b"/Fl").is_some() {
            largest = largest.max(flate_layers(data, per_stream)?);
        }
        total += largest as u64;
        if total > all {
            return Err(PdfError::TooComplex);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(data).expect("compress");
        e.finish().expect("compress")
    }

    fn pdf_with_stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "%PDF-1.4\n1 0 obj\n<< {dict} /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        out
    }

    #[test]
    fn flate_is_bounded() {
        let zeros = vec![0u8; 1_000_000];
        let packed = zlib(&zeros);
        assert_eq!(flate(&packed, 2_000_000).expect("fits").len(), 1_000_000);
        assert_eq!(flate(&packed, 999_999), Err(PdfError::TooComplex));
        // Garbage decodes to nothing rather than failing.
        assert_eq!(flate(b"not zlib at all", 10).expect("garbage").len(), 0);
    }

    #[test]
    fn ascii85_decodes() {
        assert_eq!(ascii85(b"87cURD]i,\"Ebo80~>"), b"Hello World!");
        assert_eq!(ascii85(b"z~>"), [0u8; 4]);
        assert_eq!(ascii85(b"87cUR~>"), b"Hell");
        assert_eq!(ascii85(b"87c~>"), b"He");
    }

    #[test]
    fn decode_follows_filters() {
        let packed = zlib(&[1u8; 5000]);
        let len =
            |filters: &[&[u8]], data: &[u8], limit| decode(filters, data, limit).map(|d| d.len());
        assert_eq!(len(&[b"FlateDecode"], &packed, 10_000), Ok(5000));
        assert_eq!(
            len(&[b"FlateDecode"], &packed, 4999),
            Err(PdfError::TooComplex)
        );
        assert_eq!(len(&[], b"raw", 1), Ok(3));
        assert_eq!(len(&[b"DCTDecode"], b"jpeg", 1), Ok(4));
        assert_eq!(len(&[b"ASCII85Decode"], b"87cURD]i,\"Ebo80~>", 1), Ok(12));
    }

    #[test]
    fn lzw_is_bounded() {
        let mut encoder = weezl::encode::Encoder::with_tiff_size_switch(BitOrder::Msb, 8);
        let packed = encoder.encode(&[7u8; 100_000]).expect("encode");
        assert_eq!(lzw(&packed, 200_000).expect("fits"), vec![7u8; 100_000]);
        assert_eq!(lzw(&packed, 50_000), Err(PdfError::TooComplex));
    }

    #[test]
    fn prescan_finds_bombs_in_chains_but_not_in_images() {
        // 4 MB of zeros, twice compressed: a few hundred bytes, each layer
        // under the per-stream limit but the innermost over it.
        let layer1 = zlib(&vec![0u8; 4_000_000]);
        let layer2 = zlib(&layer1);
        assert!(layer1.len() < 5_000 && layer2.len() < 1_000);
        let bomb = pdf_with_stream("/Filter [/FlateDecode /FlateDecode]", &layer2);
        assert_eq!(
            prescan_within(&bomb, 1_000_000, 10_000_000),
            Err(PdfError::TooComplex)
        );
        assert_eq!(prescan_within(&bomb, 5_000_000, 10_000_000), Ok(()));
        assert_eq!(
            prescan_within(&bomb, 5_000_000, 3_000_000),
            Err(PdfError::TooComplex)
        );
        let image = pdf_with_stream("/Subtype /Image /Filter /FlateDecode", &layer1);
        assert_eq!(prescan_within(&image, 1_000, 1_000), Ok(()));
        let small = pdf_with_stream("/Filter /FlateDecode", &zlib(b"BT ET"));
        assert_eq!(prescan(&small), Ok(()));
    }
}

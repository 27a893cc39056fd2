//! Making a parsed document safe for `pdf-extract`, whose page walk recurses
//! without a bound (a cyclic `Parent` chain, a form that draws itself) and
//! panics on shapes it does not expect. What can be repaired is; a page that
//! cannot is rejected before it is read.

use std::collections::{HashMap, HashSet};

use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

use super::inflate;
use crate::PdfError;

/// `Parent` links followed to find an inherited attribute.
const MAX_PARENT_DEPTH: usize = 64;
/// Forms drawn inside forms, at most this deep.
const MAX_FORM_DEPTH: usize = 12;
/// Form XObjects a page's walk may enter (each name drawn from each place).
const MAX_FORM_VISITS: usize = 10_000;
/// Decoded content a page may have, content streams and forms counted as
/// often as they are referenced: `lopdf` turns content into operations about
/// 25 times its size in memory.
pub(super) const MAX_PAGE_CONTENT_BYTES: usize = 16 * 1024 * 1024;

fn is_number(object: &Object) -> bool {
    matches!(object, Object::Integer(_) | Object::Real(_))
}

/// Follows one reference, as `pdf-extract` does (`None` where it would
/// panic on a missing object).
fn deref<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    match object {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

/// A rectangle `pdf-extract` can read: an array of at least four numbers.
fn usable_box(doc: &Document, object: &Object) -> bool {
    deref(doc, object)
        .and_then(|o| o.as_array().ok())
        .is_some_and(|a| a.len() >= 4 && a.iter().all(is_number))
}

/// Replaces every image XObject by an empty form. `pdf-extract` runs any
/// XObject it is asked to draw as a content stream, and image data parsed as
/// content panics; images carry no text anyway.
pub(super) fn neutralize_images(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            let is_image =
                stream.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image");
            if is_image {
                let mut dict = Dictionary::new();
                dict.set("Type", Object::Name(b"XObject".to_vec()));
                dict.set("Subtype", Object::Name(b"Form".to_vec()));
                dict.set("BBox", vec![Object::Integer(0); 4]);
                *stream = Stream::new(dict, Vec::new());
            }
        }
    }
}

/// Gives the page its inherited `Resources` and `MediaBox` itself and cuts
/// its `Parent` link, so that `pdf-extract` never walks the page tree up
/// (which recurses forever on a cycle). A missing or unusable MediaBox
/// becomes US Letter; an unusable ArtBox is dropped.
pub(super) fn flatten_page(doc: &mut Document, page: ObjectId) {
    let mut resources = None;
    let mut media_box = None;
    let mut seen = HashSet::new();
    let mut id = page;
    while seen.insert(id) && seen.len() <= MAX_PARENT_DEPTH {
        let Ok(dict) = doc.get_dictionary(id) else {
            break;
        };
        if resources.is_none() {
            resources = dict
                .get(b"Resources")
                .ok()
                .filter(|r| deref(doc, r).is_some_and(|d| d.as_dict().is_ok()))
                .cloned();
        }
        if media_box.is_none() {
            media_box = dict
                .get(b"MediaBox")
                .ok()
                .filter(|b| usable_box(doc, b))
                .cloned();
        }
        match dict.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => id = parent,
            Err(_) => break,
        }
    }
    let art_box_ok = doc
        .get_dictionary(page)
        .ok()
        .and_then(|d| d.get(b"ArtBox").ok())
        .is_none_or(|b| usable_box(doc, b));
    let Ok(dict) = doc.get_object_mut(page).and_then(Object::as_dict_mut) else {
        return;
    };
    dict.remove(b"Parent");
    match resources {
        Some(resources) => dict.set("Resources", resources),
        None => {
            dict.remove(b"Resources");
        }
    }
    let letter = || [0, 0, 612, 792].map(Object::Integer).to_vec();
    dict.set(
        "MediaBox",
        media_box.unwrap_or_else(|| Object::Array(letter())),
    );
    if !art_box_ok {
        dict.remove(b"ArtBox");
    }
}

/// What a stream costs to draw once, and what it draws.
#[derive(Debug, Clone)]
pub(super) struct Measured {
    bytes: usize,
    /// XObject names it draws with `Do`, with how many times.
    draws: Vec<(Vec<u8>, usize)>,
}

/// Each `Do` costs this much on top of what it draws.
const DRAW_COST: usize = 64;

fn measure(stream: &Stream) -> Result<Measured, PdfError> {
    let filters = stream.filters().unwrap_or_default();
    let data = inflate::decode(&filters, &stream.content, MAX_PAGE_CONTENT_BYTES)?;
    Ok(Measured {
        bytes: data.len(),
        draws: drawn_names(&data),
    })
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    is_white(b) || b"()<>[]{}/%".contains(&b)
}

/// Every name in content, `#xx` escapes decoded, with how often it occurs.
/// A superset of what the content draws: `pdf-extract` draws the first
/// operand of each `Do`, which need not be the token just before it
/// (`/Fm1 [[…]] Do` draws `/Fm1`; found by the corpus test), and a name
/// inside a string only over-estimates.
pub(super) fn drawn_names(content: &[u8]) -> Vec<(Vec<u8>, usize)> {
    let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut at = 0;
    while let Some(slash) = content[at..].iter().position(|&b| b == b'/') {
        let start = at + slash + 1;
        let end = content[start..]
            .iter()
            .position(|&b| is_delimiter(b))
            .map_or(content.len(), |e| start + e);
        *counts
            .entry(unescape_name(&content[start..end]))
            .or_default() += 1;
        at = end;
    }
    counts.into_iter().collect()
}

fn unescape_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (raw[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'#', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The walk over what a page draws.
struct Walk<'d, 'm> {
    doc: &'d Document,
    visits: usize,
    /// Streams already measured, by object.
    measured: &'m mut HashMap<ObjectId, Measured>,
    /// Forms being drawn, outermost first.
    path: Vec<ObjectId>,
}

impl Walk<'_, '_> {
    fn measured(&mut self, id: Option<ObjectId>, stream: &Stream) -> Result<Measured, PdfError> {
        if let Some(known) = id.and_then(|id| self.measured.get(&id)) {
            return Ok(known.clone());
        }
        let measured = measure(stream)?;
        if let Some(id) = id {
            self.measured.insert(id, measured.clone());
        }
        Ok(measured)
    }

    /// What drawing these names with these resources costs, following forms
    /// as `pdf-extract` does: a form uses its own `Resources`, or else the
    /// ones it was drawn with.
    fn draws(
        &mut self,
        draws: &[(Vec<u8>, usize)],
        resources: &Dictionary,
    ) -> Result<usize, PdfError> {
        let doc = self.doc;
        let xobjects = resources
            .get(b"XObject")
            .ok()
            .and_then(|x| deref(doc, x))
            .and_then(|x| x.as_dict().ok());
        let mut cost = 0usize;
        for (name, times) in draws {
            let Some(value) = xobjects.and_then(|x| x.get(name).ok()) else {
                continue;
            };
            self.visits += 1;
            if self.visits > MAX_FORM_VISITS || self.path.len() >= MAX_FORM_DEPTH {
                return Err(PdfError::TooComplex);
            }
            let id = match value {
                Object::Reference(id) => Some(*id),
                _ => None,
            };
            let Some(Object::Stream(form)) = deref(doc, value) else {
                continue;
            };
            if id.is_some_and(|id| self.path.contains(&id)) {
                return Err(PdfError::TooComplex);
            }
            let measured = self.measured(id, form)?;
            let inner = form
                .dict
                .get(b"Resources")
                .ok()
                .and_then(|r| deref(doc, r))
                .and_then(|r| r.as_dict().ok())
                .unwrap_or(resources);
            self.path.extend(id);
            let nested = self.draws(&measured.draws, inner)?;
            if id.is_some() {
                self.path.pop();
            }
            let once = measured
                .bytes
                .saturating_add(DRAW_COST)
                .saturating_add(nested);
            cost = cost.saturating_add(once.saturating_mul(*times));
            if cost > MAX_PAGE_CONTENT_BYTES {
                return Err(PdfError::TooComplex);
            }
        }
        Ok(cost)
    }
}

/// Checks a page (after [`flatten_page`]) before `pdf-extract` reads it:
/// what it draws, forms included and counted as often as they are drawn,
/// stays within bounds, and no form draws itself.
pub(super) fn check_page(
    doc: &Document,
    page: ObjectId,
    measured: &mut HashMap<ObjectId, Measured>,
) -> Result<(), PdfError> {
    let mut walk = Walk {
        doc,
        visits: 0,
        measured,
        path: Vec::new(),
    };
    let mut cost = 0usize;
    let mut draws = Vec::new();
    for id in doc.get_page_contents(page) {
        if let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) {
            let measured = walk.measured(Some(id), stream)?;
            cost = cost.saturating_add(measured.bytes);
            draws.extend(measured.draws);
        }
        if cost > MAX_PAGE_CONTENT_BYTES {
            return Err(PdfError::TooComplex);
        }
    }
    let empty = Dictionary::new();
    let resources = doc
        .get_dictionary(page)
        .ok()
        .and_then(|d| d.get(b"Resources").ok())
        .and_then(|r| deref(doc, r))
        .and_then(|r| r.as_dict().ok())
        .unwrap_or(&empty);
    let forms = walk.draws(&draws, resources)?;
    if cost.saturating_add(forms) > MAX_PAGE_CONTENT_BYTES {
        return Err(PdfError::TooComplex);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_names_are_found_and_counted() {
        let mut names =
            drawn_names(b"q /Fm1 Do Q /Im#202 Do\n/Fm1[[0]]Do /F1 12 Tf (x) Tj /Fm3 Done /");
        names.sort();
        let expected: Vec<(Vec<u8>, usize)> = vec![
            (b"".to_vec(), 1),
            (b"F1".to_vec(), 1),
            (b"Fm1".to_vec(), 2),
            (b"Fm3".to_vec(), 1),
            (b"Im 2".to_vec(), 1),
        ];
        assert_eq!(names, expected);
        assert!(drawn_names(b"no names").is_empty());
    }
}

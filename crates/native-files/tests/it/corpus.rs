//! Robustness: the PDF extractor over thousands of broken PDFs, generated
//! deterministically (a fixed seed), each of which must come back as `Ok` or
//! `Err` — no escaped panic, no abort, no hang.
//!
//! The runs are, in order: hand-made hostile documents (cycles, bombs, deep
//! nesting, exponential forms, bogus encryption); truncations of each valid
//! base document every 17 bytes; then random mutations of the bases (one to
//! three of: byte flips, bogus `startxref`, scrambled xref offsets, huge,
//! negative, dangling or self-referencing `/Length`s, deep `[`/`<<` nesting,
//! references rewired at random (cycles, wrong types), splices between
//! documents, deleted and duplicated ranges, removed `endstream`/`endobj`,
//! numbers replaced by extreme ones). `NATIVE_FILES_FUZZ_RUNS` sets the
//! number of runs (default 5,000); `NATIVE_FILES_FUZZ_TRACE=1` prints each
//! run's number first, to find the input behind an abort, and
//! `NATIVE_FILES_FUZZ_ONLY=<run>` (with `NATIVE_FILES_FUZZ_SAVE=<file>`)
//! runs and saves just that input. `NATIVE_FILES_FUZZ_SEED=<u64>` draws
//! other mutations.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use native_files::{PdfError, extract_pdf_text, prepare};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{
    Style, assemble, caught_panics, modern, quiet_pdf_panics, stream, text_content, text_pdf_with,
    zero_bomb, zlib,
};

const DEFAULT_RUNS: usize = 5_000;
const SEED: u64 = 0x6E61_7469_7665_2D66;
const TRUNCATION_STEP: usize = 17;

fn bases() -> Vec<Vec<u8>> {
    let pages = ["First page\nwith two lines", "Second (page)\nCafé"];
    let plain = text_pdf_with(&pages, Style::Plain);
    vec![
        modern(&plain),
        plain,
        text_pdf_with(&pages, Style::Flate),
        text_pdf_with(&pages, Style::Form),
        type0_pdf(),
    ]
}

/// A page in a composite (Type0, Identity-H) font with a ToUnicode CMap.
fn type0_pdf() -> Vec<u8> {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
        /CMapName /Test def 1 begincodespacerange <0000> <FFFF> endcodespacerange \
        1 beginbfrange <0000> <00FF> <0000> endbfrange endcmap \
        CMapName currentdict /CMap defineresource pop end end";
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
           /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            .to_vec(),
        stream(
            "",
            b"BT /F1 12 Tf 72 720 Td <00480069002100200043004900440021> Tj ET",
        ),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H \
           /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
           /FontDescriptor 7 0 R /DW 500 /W [0 [500 500]] >>"
            .to_vec(),
        b"<< /Type /FontDescriptor /FontName /Test /Flags 4 /FontBBox [0 0 1000 1000] \
           /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>"
            .to_vec(),
        stream("", cmap),
    ];
    assemble(&objects, 1)
}

fn page_tree(kids: &str, page: &str) -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{kids}] /Count 1 >>").into_bytes(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {page} >>").into_bytes(),
    ]
}

/// Hand-made hostile documents.
fn hostile() -> Vec<Vec<u8>> {
    let font = "/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>";
    let text = text_content("hostile");
    let mut out = Vec::new();
    // Two forms drawing each other, each with its own resources.
    let mut o = page_tree(
        "3 0 R",
        &format!("/Resources << {font} /XObject << /A 5 0 R >> >> /Contents 4 0 R"),
    );
    o.push(stream("", b"/A Do"));
    o.push(stream(
        "/Subtype /Form /Resources << /XObject << /B 6 0 R >> >>",
        b"/B Do",
    ));
    o.push(stream(
        "/Subtype /Form /Resources << /XObject << /A 5 0 R >> >>",
        b"/A Do",
    ));
    out.push(assemble(&o, 1));
    // The page's content drawn as a form by itself, its name not next to
    // `Do` (found by this corpus: a stack overflow).
    let mut o = page_tree(
        "3 0 R",
        "/Resources << /XObject << /Fm1 4 0 R >> >> /Contents 4 0 R",
    );
    o.push(stream("", b"q /Fm1 [[[[0]]]] Do Q"));
    out.push(assemble(&o, 1));
    // Forms fanning out: ten names per level, eight levels (10^8 paths).
    let mut o = page_tree(
        "3 0 R",
        &format!("/Resources << {font} /XObject << /X 5 0 R >> >> /Contents 4 0 R"),
    );
    o.push(stream("", b"/X Do"));
    for level in 0..8 {
        let next = 6 + level;
        let names: String = (0..10).map(|i| format!("/N{i} {next} 0 R ")).collect();
        let draws: String = (0..10).map(|i| format!("/N{i} Do ")).collect();
        o.push(stream(
            &format!("/Subtype /Form /Resources << /XObject << {names}>> >>"),
            draws.as_bytes(),
        ));
    }
    o.push(stream("/Subtype /Form", &text));
    out.push(assemble(&o, 1));
    // A page tree whose Kids contain itself, and one whose page is its own parent.
    out.push(assemble(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
            b"<< /Type /Page /Parent 3 0 R /Resources 3 0 R >>".to_vec(),
        ],
        1,
    ));
    // References that loop, used as contents and as a length.
    let mut o = page_tree("3 0 R", "/Contents 4 0 R");
    o.push(b"5 0 R".to_vec());
    o.push(b"4 0 R".to_vec());
    o.push(b"<< /Length 6 0 R >>\nstream\nBT ET\nendstream".to_vec());
    out.push(assemble(&o, 1));
    // A stream whose length is itself.
    let mut o = page_tree("3 0 R", &format!("/Resources << {font} >> /Contents 4 0 R"));
    o.push(b"<< /Length 4 0 R >>\nstream\nBT /F1 9 Tf (x) Tj ET\nendstream".to_vec());
    out.push(assemble(&o, 1));
    // An xref section whose /Prev points at itself.
    let mut pdf = crate::support::text_pdf(&["prev loop"]);
    let xref = String::from_utf8_lossy(&pdf)
        .rsplit("startxref\n")
        .next()
        .and_then(|s| s.lines().next().map(str::to_owned))
        .expect("startxref");
    let at = pdf
        .windows(9)
        .rposition(|w| w == b"/Root 1 0")
        .expect("trailer");
    pdf.splice(at..at, format!("/Prev {xref} ").into_bytes());
    out.push(pdf);
    // Deep nesting, in the catalog and in a content stream.
    for depth in [99, 100, 101, 5_000, 200_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let dicts = format!(
            "{}{}",
            "<< /A ".repeat(depth.min(20_000)),
            ">>".repeat(depth.min(20_000))
        );
        let mut o = page_tree(
            "3 0 R",
            &format!("/Resources << {font} >> /Contents 4 0 R /Deep {nested}"),
        );
        o.push(stream("", format!("{dicts} pop {nested} pop").as_bytes()));
        out.push(assemble(&o, 1));
    }
    // Decompression bombs: a page's content, an object stream, two layers.
    let mut o = page_tree("3 0 R", "/Contents 4 0 R");
    o.push(stream("/Filter /FlateDecode", &zero_bomb(100)));
    out.push(assemble(&o, 1));
    let mut o = page_tree("3 0 R", "");
    o.push(stream(
        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
        &zero_bomb(100),
    ));
    out.push(assemble(&o, 1));
    let mut o = page_tree("3 0 R", "/Contents 4 0 R");
    o.push(stream(
        "/Filter [/FlateDecode /FlateDecode]",
        &zlib(&zero_bomb(200)),
    ));
    out.push(assemble(&o, 1));
    // Unusable boxes, a bogus encryption, a Type0 font without descendants.
    for media in [
        "[0 0]",
        "[/a /b /c /d]",
        "99 0 R",
        "(text)",
        "[0 0 1e400 5]",
    ] {
        let mut o = page_tree("3 0 R", &format!("/Resources << {font} >> /Contents 4 0 R"));
        let page = String::from_utf8_lossy(&o[2]).replace("[0 0 612 792]", media);
        o[2] = format!("{page} /ArtBox {media}").into_bytes();
        o.push(stream("", &text));
        out.push(assemble(&o, 1));
    }
    let mut pdf = crate::support::text_pdf(&["encrypted?"]);
    let at = pdf
        .windows(9)
        .rposition(|w| w == b"/Root 1 0")
        .expect("trailer");
    pdf.splice(
        at..at,
        b"/Encrypt << /Filter /Standard /V 99 /R 99 /O (x) /U (y) /P -4 >> /ID [(a) (b)] ".to_vec(),
    );
    out.push(pdf);
    // Xref streams and predictors that would make lopdf allocate exabytes
    // or loop (found by this corpus).
    let modern = modern(&crate::support::text_pdf(&["xref stream"]));
    let predictor = b"/XRef /DecodeParms << /Predictor 12 /Columns 99999999999 /Colors 4 >>";
    for (from, to) in [
        // lopdf writes these dictionaries without spaces.
        (&b"/W["[..], &b"/W[1 9223372036854775807 1]/Junk["[..]),
        (b"/W[", b"/W[0 0 0]/Index[0 99999999999]/Junk["),
        (
            b"/Type/XRef/W[",
            b"/ype/XRef/W[9223372036854775807 4 2]/Junk[",
        ),
        (b"/XRef", predictor),
    ] {
        out.push(replace_all(&modern, from, to));
    }
    // An earlier `endstream` damaged must not hide the xref stream.
    let mut hidden = replace_all(&modern, b"/W[", b"/W[9223372036854775807 4 2]/Junk[");
    let first = find_all(&hidden, b"endstream")[0];
    hidden[first + 8] = b'X';
    out.push(hidden);
    // A CMap range of a billion codes, expanded one by one by the parser.
    out.push(replace_all(
        &type0_pdf(),
        b"<00FF> <0000>",
        b"<2147483647FF> <0000>",
    ));
    let flate = text_pdf_with(&["predictor"], Style::Flate);
    out.push(replace_all(
        &flate,
        b"/Filter /FlateDecode",
        b"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Columns 4000000000 /Colors 3 >>",
    ));
    let mut o = page_tree(
        "3 0 R",
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R",
    );
    o.push(stream("", b"BT /F1 12 Tf <0041> Tj ET"));
    o.push(b"<< /Type /Font /Subtype /Type0 /Encoding /Identity-H >>".to_vec());
    out.push(assemble(&o, 1));
    out
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut last = 0;
    for at in find_all(haystack, from) {
        if at >= last {
            out.extend_from_slice(&haystack[last..at]);
            out.extend_from_slice(to);
            last = at + from.len();
        }
    }
    out.extend_from_slice(&haystack[last..]);
    assert!(
        out != haystack,
        "the fixture has {:?}",
        String::from_utf8_lossy(from)
    );
    out
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// The number token starting at `at` (digits, sign, dot), as a range.
fn number_at(pdf: &[u8], at: usize) -> std::ops::Range<usize> {
    let end = pdf[at..]
        .iter()
        .position(|b| !(b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.')))
        .map_or(pdf.len(), |n| at + n);
    at..end
}

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "-2147483649",
    "2147483647",
    "4294967296",
    "9223372036854775807",
    "99999999999999999999999",
    "1.5e308",
    "-0.0",
    ".",
    "--3",
    "999 0 R",
    "1 0 R",
];

fn mutate_once(rng: &mut StdRng, pdf: &mut Vec<u8>, bases: &[Vec<u8>]) {
    if pdf.is_empty() {
        pdf.extend_from_slice(&bases[0]);
    }
    let len = pdf.len();
    match rng.random_range(0..11) {
        0 => {
            for _ in 0..rng.random_range(1..=16) {
                let at = rng.random_range(0..pdf.len());
                pdf[at] = rng.random();
            }
        }
        1 => {
            if let Some(&at) = find_all(pdf, b"startxref\n").last() {
                let range = number_at(pdf, at + 10);
                let value = match rng.random_range(0..4) {
                    0 => rng.random_range(0..len * 2).to_string(),
                    1 => EXTREMES[rng.random_range(0..EXTREMES.len())].to_owned(),
                    _ => rng
                        .random_range(len.saturating_sub(50)..len + 50)
                        .to_string(),
                };
                pdf.splice(range, value.into_bytes());
            }
        }
        2 => {
            let entries = find_all(pdf, b" 00000 n");
            for _ in 0..rng.random_range(1..=3) {
                if let Some(&at) = entries.get(rng.random_range(0..entries.len().max(1))) {
                    let offset = format!("{:010}", rng.random_range(0..len as u64 + 100));
                    if let Some(field) = at.checked_sub(10).map(|from| from..at) {
                        pdf[field].copy_from_slice(offset.as_bytes());
                    }
                }
            }
        }
        3 => {
            let lengths = find_all(pdf, b"/Length ");
            if !lengths.is_empty() {
                let at = lengths[rng.random_range(0..lengths.len())] + 8;
                let range = number_at(pdf, at);
                let value = EXTREMES[rng.random_range(0..EXTREMES.len())];
                pdf.splice(range, value.bytes());
            }
        }
        4 => {
            let depth = [50, 100, 101, 1_000, 30_000][rng.random_range(0..5)];
            let (open, close) = [("[", "]"), ("<< /K ", ">>"), ("(", ")")][rng.random_range(0..3)];
            let nest = format!(" {}{} ", open.repeat(depth), close.repeat(depth));
            let at = rng.random_range(0..=pdf.len());
            pdf.splice(at..at, nest.into_bytes());
        }
        5 => {
            let refs = find_all(pdf, b" 0 R");
            if !refs.is_empty() {
                let end = refs[rng.random_range(0..refs.len())];
                let start = pdf[..end]
                    .iter()
                    .rposition(|b| !b.is_ascii_digit())
                    .map_or(0, |s| s + 1);
                let id = rng.random_range(1..14).to_string();
                pdf.splice(start..end, id.into_bytes());
            }
        }
        6 => {
            let other = &bases[rng.random_range(0..bases.len())];
            let from = rng.random_range(0..other.len());
            let to = (from + rng.random_range(1..400)).min(other.len());
            let at = rng.random_range(0..=pdf.len());
            pdf.splice(at..at, other[from..to].iter().copied());
        }
        7 => {
            let from = rng.random_range(0..len);
            let to = (from + rng.random_range(1..200)).min(len);
            pdf.drain(from..to);
        }
        8 => {
            let from = rng.random_range(0..len);
            let to = (from + rng.random_range(1..300)).min(len);
            let copy = pdf[from..to].to_vec();
            let at = rng.random_range(0..=pdf.len());
            pdf.splice(at..at, copy);
        }
        9 => {
            let needle: &[u8] =
                [&b"endstream"[..], b"endobj", b"stream", b"obj"][rng.random_range(0..4)];
            let found = find_all(pdf, needle);
            if !found.is_empty() {
                let at = found[rng.random_range(0..found.len())];
                pdf.drain(at..at + needle.len());
            }
        }
        _ => {
            let digits: Vec<usize> = (1..pdf.len())
                .filter(|&i| pdf[i].is_ascii_digit() && !pdf[i - 1].is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                let range = number_at(pdf, digits[rng.random_range(0..digits.len())]);
                let value = EXTREMES[rng.random_range(0..EXTREMES.len())];
                pdf.splice(range, value.bytes());
            }
        }
    }
}

#[derive(Default)]
struct Stats {
    outcomes: BTreeMap<String, usize>,
    slowest: (Duration, usize),
}

impl Stats {
    fn record(
        &mut self,
        run: usize,
        result: &Result<native_files::PdfText, PdfError>,
        took: Duration,
    ) {
        let key = match result {
            Ok(text) if text.pages_read == text.pages => "ok".to_owned(),
            Ok(_) => "ok, some pages skipped".to_owned(),
            Err(e) => format!("{e:?}"),
        };
        *self.outcomes.entry(key).or_default() += 1;
        if took > self.slowest.0 {
            self.slowest = (took, run);
        }
    }
}

fn runs() -> usize {
    std::env::var("NATIVE_FILES_FUZZ_RUNS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_RUNS)
}

#[test]
fn broken_pdfs_are_errors_not_crashes() {
    quiet_pdf_panics();
    let runs = runs();
    let trace = std::env::var_os("NATIVE_FILES_FUZZ_TRACE").is_some();
    // To look at one input: NATIVE_FILES_FUZZ_ONLY=<run> runs only it (the
    // others are still generated, to keep the sequence) and, with
    // NATIVE_FILES_FUZZ_SAVE=<file>, writes it there.
    let only: Option<usize> = std::env::var("NATIVE_FILES_FUZZ_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    let bases = bases();
    for base in &bases {
        let text = extract_pdf_text(base)
            .expect("every base document is valid")
            .text;
        assert!(!text.is_empty(), "a base document has text");
    }
    let mut inputs: Vec<Vec<u8>> = hostile();
    let hostile_count = inputs.len();
    for base in &bases {
        inputs.extend(
            (0..base.len())
                .step_by(TRUNCATION_STEP)
                .map(|cut| base[..cut].to_vec()),
        );
    }
    let fixed = inputs.len();
    let seed = std::env::var("NATIVE_FILES_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEED);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stats = Stats::default();
    let panics_before = caught_panics();
    let started = Instant::now();
    for run in 0..runs {
        let input = match inputs.get_mut(run) {
            Some(fixed) => std::mem::take(fixed),
            None => {
                let mut pdf = bases[rng.random_range(0..bases.len())].clone();
                for _ in 0..rng.random_range(1..=3) {
                    mutate_once(&mut rng, &mut pdf, &bases);
                }
                pdf
            }
        };
        if only.is_some_and(|only| only != run) {
            continue;
        }
        if let Some(path) = std::env::var_os("NATIVE_FILES_FUZZ_SAVE") {
            std::fs::write(path, &input).expect("save the input");
        }
        if trace {
            // An abort (stack overflow, failed allocation) kills the test
            // binary: this says which run did it.
            eprintln!("run {run}: {} bytes", input.len());
        }
        let t = Instant::now();
        let result = extract_pdf_text(&input);
        let took = t.elapsed();
        assert_ne!(result, Err(PdfError::TimedOut), "run {run} timed out");
        if run < 3 {
            // Cyclic and exponential forms: the only page is refused.
            assert_eq!(result, Err(PdfError::TooComplex), "run {run}");
        }
        stats.record(run, &result, took);
        if run % 10 == 0 {
            // The whole path, detection included, must not panic either.
            let _ = prepare("fuzz.pdf", &input);
        }
    }
    let elapsed = started.elapsed();
    println!(
        "PDF corpus (seed {seed}): {runs} runs ({hostile_count} hostile, {} truncations, {} mutated) in {:.1} s; \
         slowest run {} took {} ms; {} panics caught; outcomes {:?}",
        fixed.min(runs).saturating_sub(hostile_count),
        runs.saturating_sub(fixed),
        elapsed.as_secs_f64(),
        stats.slowest.1,
        stats.slowest.0.as_millis(),
        caught_panics() - panics_before,
        stats.outcomes,
    );
}

//! Full-text search: accents, prefixes, hostile input, snippets.

use native_store::{HIGHLIGHT_END, HIGHLIGHT_START, Store};

use crate::support::synced;

fn found(store: &Store, query: &str) -> Vec<String> {
    let mut titles: Vec<String> = store
        .search(query, 50)
        .unwrap_or_else(|e| panic!("search {query:?} failed: {e}"))
        .into_iter()
        .map(|h| h.conversation_title)
        .collect();
    titles.sort();
    titles
}

fn french_store() -> Store {
    let store = Store::open_in_memory().expect("open");
    synced(&store, "café", &["Un café crème au comptoir"]);
    synced(&store, "élève", &["L'élève a réussi son examen"]);
    synced(
        &store,
        "plain",
        &["Plain cafe without accents, and an eleve"],
    );
    synced(
        &store,
        "noël",
        &["Joyeux Noël à tous", "Ça coûte 12 € à Pâques"],
    );
    store
}

#[test]
fn accents_are_ignored_in_both_directions() {
    let store = french_store();
    assert_eq!(found(&store, "cafe"), ["café", "plain"]);
    assert_eq!(found(&store, "café"), ["café", "plain"]);
    assert_eq!(found(&store, "ELEVE"), ["plain", "élève"]);
    assert_eq!(found(&store, "noel"), ["noël"]);
    assert_eq!(found(&store, "ca coute"), ["noël"]);
    assert_eq!(found(&store, "paques"), ["noël"]);
}

#[test]
fn every_word_must_match_and_the_last_one_as_a_prefix() {
    let store = french_store();
    assert_eq!(found(&store, "caf"), ["café", "plain"]);
    assert_eq!(found(&store, "cafe cre"), ["café"]);
    assert_eq!(
        found(&store, "cre cafe"),
        Vec::<String>::new(),
        "only the last word is a prefix"
    );
    assert_eq!(found(&store, "l'élève"), ["élève"]);
    assert_eq!(found(&store, "joyeux xyz"), Vec::<String>::new());
}

#[test]
fn any_input_is_searched_as_words_never_as_syntax() {
    let store = french_store();
    synced(
        &store,
        "ops",
        &["Use AND or NOT, near the (start) of \"quoted\" text: x-ray 🎉"],
    );
    let hostile = [
        "\"",
        "\"\"",
        "'",
        "*",
        "**",
        "-",
        "- -",
        "(",
        ")",
        "()",
        "(café",
        "café)",
        "AND",
        "OR",
        "NOT",
        "NEAR",
        "NEAR(a b)",
        "a AND",
        "AND b",
        "a OR b",
        "NOT a",
        "-café",
        "café -crème",
        "^café",
        "content:café",
        "{content}: x",
        "x-ray",
        "a:b",
        "\"unclosed",
        "c*f*",
        "+",
        "🎉",
        "🎉🎉 café",
        "\u{0301}",
        "e\u{0301}",
        "\0",
        "\u{2}",
        "%",
        "_",
        "\\",
        ";",
        "--",
        "'; DROP TABLE messages; --",
        "      ",
        "\t\n",
        "a\u{200b}b",
        "ﬁ",
        "İstanbul",
        &"long ".repeat(500),
    ];
    for query in hostile {
        let _hits = store
            .search(query, 10)
            .unwrap_or_else(|e| panic!("search {query:?} failed: {e}"));
    }
    assert_eq!(
        found(&store, "AND NOT"),
        ["ops"],
        "operators are plain words"
    );
    assert_eq!(found(&store, "\"quoted\""), ["ops"]);
    assert_eq!(found(&store, "(start)"), ["ops"]);
    assert_eq!(found(&store, "x-ray"), ["ops"]);
    assert_eq!(
        found(&store, "🎉 cafe crème"),
        ["café"],
        "emoji are ignored"
    );
    assert!(found(&store, "*").is_empty());
    assert_eq!(
        store.conversations().unwrap().len(),
        5,
        "the table survived"
    );
}

#[test]
fn snippets_mark_each_match_with_the_documented_markers() {
    let store = Store::open_in_memory().unwrap();
    let (c, messages) = synced(&store, "snip", &["Rien ici", "Le <b>café</b> & le thé"]);
    let hits = store.search("cafe", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].conversation_id, c.id);
    assert_eq!(hits[0].message_id, messages[1].id);
    assert_eq!(hits[0].created_at, messages[1].created_at);
    assert_eq!(
        hits[0].snippet,
        format!("Le <b>{HIGHLIGHT_START}café{HIGHLIGHT_END}</b> & le thé"),
        "markers around the match; the text itself is returned as is"
    );
}

#[test]
fn the_limit_caps_the_results() {
    let store = Store::open_in_memory().unwrap();
    let texts: Vec<String> = (0..30).map(|i| format!("same word {i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    synced(&store, "many", &refs);
    assert_eq!(store.search("same", 7).unwrap().len(), 7);
    assert_eq!(store.search("same", 100).unwrap().len(), 30);
}

#[test]
fn closer_matches_rank_first() {
    let store = Store::open_in_memory().unwrap();
    let filler = "word ".repeat(60);
    synced(&store, "diluted", &[&format!("lisbonne {filler}")]);
    synced(&store, "focused", &["lisbonne lisbonne"]);
    synced(&store, "unrelated", &["porto"]);
    let titles: Vec<String> = store
        .search("lisbonne", 10)
        .unwrap()
        .into_iter()
        .map(|h| h.conversation_title)
        .collect();
    assert_eq!(titles, ["focused", "diluted"]);
}

//! Full-text search over message content (FTS5, accent-insensitive).

use rusqlite::params;

use crate::rows;
use crate::{HIGHLIGHT_END, HIGHLIGHT_START, Result, SearchHit, Store};

/// At most this many words of a query are used: enough for any real search,
/// and it bounds the work a pasted paragraph can cause.
const MAX_TERMS: usize = 16;

/// Ranking looks at this many matches, the most recently cached ones. A
/// word found in 50,000 messages then costs what a rare one costs: bm25 is
/// computed per match, and ranking them all took 60 ms over 100,000 messages
/// (BENCHMARKS.md). Older messages still match once the query is specific
/// enough to have fewer matches.
const RANK_WINDOW: i64 = 1_000;

/// Words of context around the matches in a snippet.
const SNIPPET_WORDS: i64 = 12;

impl Store {
    /// Messages matching every word of `query`, at most `limit`, best first:
    /// FTS5's bm25 rank among the most recently cached 1,000 matches (ties:
    /// newest first). The input is taken as plain words, never as FTS5
    /// syntax: quotes, `*`, `AND`, `-`, parentheses or emoji cannot cause an
    /// error. The last word also matches as a prefix, so results appear
    /// while typing; accents are ignored ("cafe" finds "café"). A query
    /// without any letter or digit finds nothing.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(fts_query) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let conn = self.conn();
        // `best` picks the hits from (rowid, rank) alone. Snippets are then
        // made in a second pass over the index, limited to the hits' rowid
        // range, because SQLite computes a selected snippet for every row
        // it sorts: 1,000 snippets to keep 50 cost more than the search.
        // `+rowid` keeps that pass a range scan (CROSS JOIN fixes the order)
        // rather than one index lookup per hit, each re-running the query.
        let mut stmt = conn.prepare_cached(
            "WITH best AS MATERIALIZED (
               SELECT seq, rank FROM (
                 SELECT rowid AS seq, rank FROM messages_fts WHERE messages_fts MATCH ?1
                 ORDER BY rowid DESC LIMIT ?6)
               ORDER BY rank, seq DESC LIMIT ?5)
             SELECT m.conversation_id, m.id, c.title, m.created_at,
                    snippet(messages_fts, 0, ?2, ?3, '…', ?4)
             FROM messages_fts
             CROSS JOIN best ON best.seq = +messages_fts.rowid
             JOIN messages m ON m.seq = best.seq
             JOIN conversations c ON c.id = m.conversation_id
             WHERE messages_fts MATCH ?1
               AND messages_fts.rowid BETWEEN (SELECT min(seq) FROM best)
                                          AND (SELECT max(seq) FROM best)
             ORDER BY best.rank, best.seq DESC",
        )?;
        let rows = stmt.query_map(
            params![
                fts_query,
                HIGHLIGHT_START.to_string(),
                HIGHLIGHT_END.to_string(),
                SNIPPET_WORDS,
                i64::try_from(limit).unwrap_or(i64::MAX),
                RANK_WINDOW,
            ],
            |row| {
                Ok(SearchHit {
                    conversation_id: row.get::<_, uuid::Uuid>(0)?.into(),
                    message_id: row.get::<_, uuid::Uuid>(1)?.into(),
                    conversation_title: row.get(2)?,
                    created_at: rows::time_at(row, 3)?,
                    snippet: row.get(4)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Turns what the user typed into an FTS5 query that cannot be a syntax
/// error: each whitespace-separated word becomes a quoted string (a `"`
/// inside is doubled, FTS5's only escape there), the strings are ANDed, and
/// the last one gets `*` for a prefix match. Words with no letter or digit
/// are dropped, since the tokenizer would find nothing in them. FTS5 then
/// tokenizes each string as it tokenized the messages, so "l'été" becomes
/// the phrase "l ete" and operators such as `AND` or `NEAR` are just words.
fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(MAX_TERMS)
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(input.len() + 3 * words.len() + 1);
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push('"');
        out.push_str(&word.replace('"', "\"\""));
        out.push('"');
    }
    out.push('*');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn words_become_quoted_strings_with_a_prefix_on_the_last() {
        assert_eq!(
            fts_query("cafe creme").as_deref(),
            Some(r#""cafe" "creme"*"#)
        );
        assert_eq!(
            fts_query(r#"say "hi""#).as_deref(),
            Some(r#""say" """hi"""*"#)
        );
        assert_eq!(
            fts_query("a AND (b OR -c)").as_deref(),
            Some(r#""a" "AND" "(b" "OR" "-c)"*"#)
        );
    }

    #[test]
    fn input_without_letters_or_digits_is_no_query() {
        assert_eq!(fts_query(""), None);
        assert_eq!(fts_query("  * - ( ) \" 🎉 "), None);
        assert_eq!(fts_query("🎉 ok").as_deref(), Some(r#""ok"*"#));
    }
}

//! Prompt budgeting: which turns of a conversation are sent to the model.
//!
//! The gateway and the app share this function so that what the app shows as
//! "in context" is exactly what the gateway sends. The numbers are the
//! original product's: 60,000 characters in all, system turns capped at
//! 6,000 each, and a conversation over 250,000 characters refused outright.

use crate::Turn;

/// The limits, in characters (Unicode scalar values, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptBudget {
    pub total_chars: usize,
    pub system_turn_chars: usize,
    pub max_history_chars: usize,
}

impl Default for PromptBudget {
    fn default() -> Self {
        Self {
            total_chars: 60_000,
            system_turn_chars: 6_000,
            max_history_chars: 250_000,
        }
    }
}

impl PromptBudget {
    /// Whether a whole history is too large to accept at all (HTTP 413).
    pub fn history_too_large(&self, history: &[Turn]) -> bool {
        history.iter().map(Turn::chars).sum::<usize>() > self.max_history_chars
    }
}

/// Builds the prompt: every system turn (each capped), then the newest
/// history turns that fit in what is left, oldest first. When even the newest
/// turn does not fit, it is cut to fit so the model always sees the question.
pub fn budget_prompt(system: &[Turn], history: &[Turn], budget: PromptBudget) -> Vec<Turn> {
    let mut out: Vec<Turn> = system
        .iter()
        .map(|t| Turn {
            content: truncate(&t.content, budget.system_turn_chars),
            ..t.clone()
        })
        .collect();
    let mut left = budget
        .total_chars
        .saturating_sub(out.iter().map(Turn::chars).sum());
    let mut kept = Vec::new();
    for turn in history.iter().rev() {
        let n = turn.chars();
        if n <= left {
            left -= n;
            kept.push(turn.clone());
        } else {
            if kept.is_empty() && left > 0 {
                kept.push(Turn {
                    content: truncate(&turn.content, left),
                    ..turn.clone()
                });
            }
            break;
        }
    }
    kept.reverse();
    out.extend(kept);
    out
}

/// Tokens for `chars` characters of text when no provider count exists: one
/// per four characters, rounded up (the original's fallback). Used to
/// settle a reply whose usage never arrived (a client that hung up, a cut
/// stream) and to size reservations.
pub fn estimate_tokens(chars: usize) -> u64 {
    u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX)
}

/// Providers wrap every turn in a few tokens of markup (role, separators);
/// four per turn is OpenAI's documented figure and above Mistral's.
const TOKENS_PER_TURN: u64 = 4;

/// What one image part is reckoned to cost before the provider counts it:
/// a 1568 px square (the largest the app sends) in 28 px patches, as
/// Mistral Small's vision encoder reads it, is 56 × 56 tokens plus one
/// break per row. Only reservations and settlements without `usage` use it.
pub const IMAGE_TOKENS_ESTIMATE: u64 = 56 * 57;

/// The estimated prompt tokens of the turns actually sent.
pub fn estimate_prompt_tokens(turns: &[Turn]) -> u64 {
    turns.iter().fold(0u64, |sum, turn| {
        let images = u64::try_from(turn.images.len()).unwrap_or(u64::MAX);
        sum.saturating_add(estimate_tokens(turn.chars()))
            .saturating_add(TOKENS_PER_TURN)
            .saturating_add(images.saturating_mul(IMAGE_TOKENS_ESTIMATE))
    })
}

/// Keeps the newest `max` images of the turns and drops the older ones, so
/// that a long conversation with pictures neither outgrows the request
/// limit nor pays for pictures the user has moved on from. Returns how
/// many were dropped. The gateway applies it to every request; the app
/// picks the same newest pictures before reading them from disk.
pub fn keep_newest_images(turns: &mut [Turn], max: usize) -> usize {
    let mut kept = 0;
    let mut dropped = 0;
    for turn in turns.iter_mut().rev() {
        let room = max - kept;
        if turn.images.len() > room {
            let cut = turn.images.len() - room;
            // Within a turn the last images are the newest.
            turn.images.drain(..cut);
            dropped += cut;
        }
        kept += turn.images.len();
    }
    dropped
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((byte, _)) => text[..byte].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImageUrl;

    fn budget(total: usize) -> PromptBudget {
        PromptBudget {
            total_chars: total,
            system_turn_chars: 5,
            max_history_chars: 100,
        }
    }

    #[test]
    fn keeps_newest_turns_that_fit_in_order() {
        let history = [
            Turn::new("user", "aaaa"),
            Turn::new("assistant", "bbbb"),
            Turn::new("user", "cc"),
        ];
        let out = budget_prompt(&[Turn::new("system", "s")], &history, budget(7));
        let contents: Vec<_> = out.iter().map(|t| t.content.as_str()).collect();
        assert_eq!(contents, ["s", "bbbb", "cc"]);
    }

    #[test]
    fn caps_system_turns_and_truncates_an_oversized_newest_turn() {
        let out = budget_prompt(
            &[Turn::new("system", "0123456789")],
            &[Turn::new("user", "old"), Turn::new("user", "éééééééééé")],
            budget(8),
        );
        assert_eq!(out[0].content, "01234");
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].content, "ééé");
    }

    #[test]
    fn never_keeps_a_gap() {
        // The middle turn does not fit: older turns are dropped with it, so
        // the model never sees a conversation with a hole in it.
        let history = [
            Turn::new("user", "a"),
            Turn::new("assistant", "bbbbbbbbbb"),
            Turn::new("user", "c"),
        ];
        let out = budget_prompt(&[], &history, budget(5));
        assert_eq!(out, vec![Turn::new("user", "c")]);
    }

    #[test]
    fn estimates_round_up_and_count_turn_markup() {
        assert_eq!(estimate_tokens(0), 0);
        assert_eq!(estimate_tokens(1), 1);
        assert_eq!(estimate_tokens(8), 2);
        assert_eq!(estimate_tokens(9), 3);
        let turns = [Turn::new("system", "éééé"), Turn::new("user", "abcde")];
        assert_eq!(estimate_prompt_tokens(&turns), 1 + 4 + 2 + 4);
    }

    #[test]
    fn images_are_reckoned_per_part_and_the_oldest_dropped_first() {
        let image = ImageUrl::from_bytes("image/png", b"x").expect("png");
        let mut turns = [
            Turn::new("user", "a").with_images(vec![image.clone(), image.clone()]),
            Turn::new("assistant", "b"),
            Turn::new("user", "c").with_images(vec![image.clone(), image.clone()]),
        ];
        assert_eq!(
            estimate_prompt_tokens(&turns[..1]),
            1 + 4 + 2 * IMAGE_TOKENS_ESTIMATE
        );
        assert_eq!(keep_newest_images(&mut turns, 3), 1);
        let counts: Vec<_> = turns.iter().map(|t| t.images.len()).collect();
        assert_eq!(counts, [1, 0, 2]);
        assert_eq!(keep_newest_images(&mut turns, 0), 3);
        assert!(turns.iter().all(|t| t.images.is_empty()));
    }

    #[test]
    fn history_limit_counts_chars() {
        let b = budget(10);
        assert!(!b.history_too_large(&[Turn::new("user", "x".repeat(100))]));
        assert!(b.history_too_large(&[Turn::new("user", "x".repeat(101))]));
    }
}

//! What users type: a conversation's title in the sidebar, a message in the
//! composer.

use crate::CoreError;

/// Long enough for any sentence-like title, short enough for one sidebar row
/// and a file name when exported.
pub const MAX_TITLE_CHARS: usize = 200;

/// A conversation title: trimmed, inner runs of whitespace (including line
/// breaks pasted in) collapsed to one space, 1 to 200 characters, no
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversationTitle(String);

impl ConversationTitle {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Err(CoreError::EmptyTitle);
        }
        if text.chars().count() > MAX_TITLE_CHARS {
            return Err(CoreError::TitleTooLong(MAX_TITLE_CHARS));
        }
        if text.chars().any(char::is_control) {
            return Err(CoreError::TitleControlCharacters);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Generated titles are short: the original asked for two words; ours
/// allow up to six, which reads as a phrase in any language.
pub const MAX_TITLE_WORDS: usize = 6;

/// A bound for scripts written without spaces (Chinese, Japanese), where
/// six "words" could be a whole paragraph.
const MAX_GENERATED_CHARS: usize = 60;

/// Labels models put before a title despite being told not to.
const LABELS: &[&str] = &[
    "title", "titre", "título", "titulo", "titolo", "titel", "tytuł",
];

/// Quotes and brackets a model wraps a title in.
const WRAPPERS: &[char] = &[
    '"', '\'', '«', '»', '“', '”', '„', '‘', '’', '`', '「', '」', '(', ')', '[', ']',
];

/// Markdown a model decorates a title with.
const MARKUP: &[char] = &['*', '_', '#', '`'];

/// Punctuation a title does not end with.
const TRAILING: &[char] = &['.', '!', '?', ':', ';', ',', '…', '。', '！', '？'];

/// A title from a model's answer to "name this conversation": the first
/// non-empty line, without Markdown, a "Title:" label, quotes or final
/// punctuation, cut to [`MAX_TITLE_WORDS`] words. `None` when nothing usable
/// is left, so the caller can fall back to [`title_from_text`].
pub fn title_from_reply(reply: &str) -> Option<ConversationTitle> {
    let line = first_line(reply)?;
    let line: String = line.chars().filter(|c| !MARKUP.contains(c)).collect();
    let line = strip_label(line.trim());
    tidy(line)
}

/// A title from the user's own words: the first [`MAX_TITLE_WORDS`] words of
/// the first non-empty line. The fallback when no model title is usable.
pub fn title_from_text(text: &str) -> Option<ConversationTitle> {
    let line = first_line(text)?;
    let line: String = line.chars().filter(|c| !MARKUP.contains(c)).collect();
    tidy(&line)
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|line| !line.is_empty())
}

fn strip_label(line: &str) -> &str {
    let Some((label, rest)) = line.split_once(':') else {
        return line;
    };
    let label = label.trim().to_lowercase();
    if LABELS.contains(&label.as_str()) && !rest.trim().is_empty() {
        rest.trim()
    } else {
        line
    }
}

fn tidy(line: &str) -> Option<ConversationTitle> {
    let words: Vec<&str> = line
        .split_whitespace()
        .map(|word| word.trim_matches(WRAPPERS))
        .filter(|word| !word.is_empty())
        .take(MAX_TITLE_WORDS)
        .collect();
    let joined = words.join(" ");
    let cut: String = joined.chars().take(MAX_GENERATED_CHARS).collect();
    let title = cut.trim().trim_end_matches(TRAILING).trim_matches(WRAPPERS);
    ConversationTitle::parse(title).ok()
}

/// The longest message a user may send: well under the 250,000-character
/// history the gateway accepts, so one message never makes a conversation
/// unusable.
pub const MAX_MESSAGE_CHARS: usize = 100_000;

/// What a user sends: kept exactly as typed (no trimming), but never empty
/// or only whitespace, and at most [`MAX_MESSAGE_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        if raw.trim().is_empty() {
            return Err(CoreError::EmptyMessage);
        }
        if raw.chars().count() > MAX_MESSAGE_CHARS {
            return Err(CoreError::MessageTooLong(MAX_MESSAGE_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str) -> Option<String> {
        title_from_reply(text).map(|t| t.as_str().to_owned())
    }

    #[test]
    fn model_answers_are_cleaned_to_six_words() {
        assert_eq!(reply("Voyage à Lyon").as_deref(), Some("Voyage à Lyon"));
        assert_eq!(
            reply("\n**Titre :** « Recette des crêpes bretonnes. »\nVoici...").as_deref(),
            Some("Recette des crêpes bretonnes")
        );
        assert_eq!(
            reply("Title: \"Planning a week-long trip through northern Italy by train\"")
                .as_deref(),
            Some("Planning a week-long trip through northern")
        );
        // A colon that is not a label is kept.
        assert_eq!(
            reply("Rust: ownership explained!").as_deref(),
            Some("Rust: ownership explained")
        );
        assert_eq!(reply("  \n \"\" \n"), None);
        assert_eq!(reply("..."), None);
        let unspaced = "这是一个关于如何学习编程语言的很长很长的标题".repeat(4);
        assert_eq!(
            reply(&unspaced).map(|t| t.chars().count()),
            Some(MAX_GENERATED_CHARS)
        );
    }

    #[test]
    fn the_fallback_uses_the_first_words_of_the_message() {
        let title = title_from_text("\n  Comment faire une pâte à crêpes sans œufs ?\nMerci");
        assert_eq!(title.unwrap().as_str(), "Comment faire une pâte à crêpes");
        assert_eq!(title_from_text(" \n\t"), None);
    }

    #[test]
    fn titles_are_tidied_and_bounded() {
        assert_eq!(
            ConversationTitle::parse("  Trip \n to   Lyon ")
                .unwrap()
                .as_str(),
            "Trip to Lyon"
        );
        assert_eq!(
            ConversationTitle::parse(" \t\n"),
            Err(CoreError::EmptyTitle)
        );
        let long = "é".repeat(MAX_TITLE_CHARS);
        assert_eq!(ConversationTitle::parse(&long).unwrap().as_str(), long);
        assert_eq!(
            ConversationTitle::parse(&format!("{long}e")),
            Err(CoreError::TitleTooLong(MAX_TITLE_CHARS))
        );
        assert_eq!(
            ConversationTitle::parse("bell\u{7}"),
            Err(CoreError::TitleControlCharacters)
        );
    }

    #[test]
    fn messages_are_kept_as_typed_but_never_empty_or_huge() {
        assert_eq!(MessageText::parse("  hi\n").unwrap().as_str(), "  hi\n");
        assert_eq!(MessageText::parse(" \n\t"), Err(CoreError::EmptyMessage));
        assert!(MessageText::parse(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(
            MessageText::parse(&"é".repeat(MAX_MESSAGE_CHARS + 1)),
            Err(CoreError::MessageTooLong(MAX_MESSAGE_CHARS))
        );
    }
}

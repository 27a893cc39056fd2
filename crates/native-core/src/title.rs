//! A conversation's title as users type it in the sidebar.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

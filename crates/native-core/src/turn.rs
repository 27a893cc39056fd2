//! One turn of a prompt, as OpenAI's chat-completions API writes it: a role
//! and a content that is either a string or, when the turn carries
//! pictures, a list of parts (`text` and `image_url`).
//!
//! Inside the code a turn is always `content` (its text) plus `images`, so
//! budgeting and counting never look at parts. The parts exist only on the
//! wire, built and read by the `Serialize`/`Deserialize` impls below.
//! Images are `data:` URLs only: a client must not make the provider fetch
//! addresses of its choosing, and a data URL's size is bounded by the
//! request's body limit, so what a request can cost stays known.

use base64::Engine as _;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// The image types an image part may carry: those the app sends (it
/// re-encodes every picture as PNG or JPEG) and those providers read.
const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

/// One turn of a prompt, system turns included (those come from the operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub role: String,
    /// The turn's text (all text parts, joined by newlines).
    pub content: String,
    /// Pictures for vision models, in the order they were attached.
    pub images: Vec<ImageUrl>,
}

impl Turn {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Self {
            role: role.to_owned(),
            content: content.into(),
            images: Vec::new(),
        }
    }

    pub fn with_images(mut self, images: Vec<ImageUrl>) -> Self {
        self.images = images;
        self
    }

    /// Characters of text; images are reckoned apart, in tokens.
    pub(crate) fn chars(&self) -> usize {
        self.content.chars().count()
    }
}

/// A picture as a `data:image/…;base64,…` URL. Build one with
/// [`ImageUrl::from_bytes`] or check one with [`ImageUrl::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUrl(String);

impl ImageUrl {
    /// Encodes an image of type `mime` (one of PNG, JPEG, WebP, GIF).
    pub fn from_bytes(mime: &str, bytes: &[u8]) -> Option<Self> {
        IMAGE_TYPES.contains(&mime).then(|| {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            Self(format!("data:{mime};base64,{data}"))
        })
    }

    /// Checks that `url` is a base64 data URL of an accepted image type.
    /// The payload's alphabet is checked, not decoded: the provider reads
    /// the picture, and a wrong one is its error to report.
    pub fn parse(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("data:")?;
        let (mime, data) = rest.split_once(";base64,")?;
        let alphabet = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        (IMAGE_TYPES.contains(&mime) && !data.is_empty() && data.bytes().all(alphabet))
            .then(|| Self(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Turn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("role", &self.role)?;
        if self.images.is_empty() {
            map.serialize_entry("content", &self.content)?;
        } else {
            map.serialize_entry("content", &Parts(self, ImageForm::Object))?;
        }
        map.end()
    }
}

/// How an `image_url` part holds its address: OpenAI's object
/// (`{"url": …}`), or the bare string of Mistral's documented form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageForm {
    Object,
    String,
}

/// A turn's content as a list of parts: its text, then its images.
pub struct Parts<'a>(pub &'a Turn, pub ImageForm);

impl Serialize for Parts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Url<'a> {
            url: &'a str,
        }
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Part<T, U> {
            Text { text: T },
            ImageUrl { image_url: U },
        }
        let Self(turn, form) = self;
        let mut seq = serializer.serialize_seq(None)?;
        if !turn.content.is_empty() {
            seq.serialize_element(&Part::<&str, ()>::Text {
                text: &turn.content,
            })?;
        }
        for image in &turn.images {
            match form {
                ImageForm::Object => seq.serialize_element(&Part::<(), Url<'_>>::ImageUrl {
                    image_url: Url {
                        url: image.as_str(),
                    },
                })?,
                ImageForm::String => seq.serialize_element(&Part::<(), &str>::ImageUrl {
                    image_url: image.as_str(),
                })?,
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Turn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            role: String,
            content: Content,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Content {
            Text(String),
            Parts(Vec<RawPart>),
        }
        #[derive(Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum RawPart {
            Text { text: String },
            ImageUrl { image_url: RawUrl },
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum RawUrl {
            Bare(String),
            Object { url: String },
        }

        let raw = Raw::deserialize(deserializer)?;
        let mut turn = Turn::new(&raw.role, String::new());
        match raw.content {
            Content::Text(text) => turn.content = text,
            Content::Parts(parts) => {
                let mut texts = Vec::new();
                for part in parts {
                    match part {
                        RawPart::Text { text } => texts.push(text),
                        RawPart::ImageUrl {
                            image_url: RawUrl::Bare(url) | RawUrl::Object { url },
                        } => turn.images.push(ImageUrl::parse(&url).ok_or_else(|| {
                            de::Error::custom(
                                "an image must be a base64 data: URL of a PNG, JPEG, WebP or GIF",
                            )
                        })?),
                    }
                }
                turn.content = texts.join("\n");
            }
        }
        Ok(turn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn picture() -> ImageUrl {
        ImageUrl::from_bytes("image/png", &[0x89, b'P', b'N', b'G']).expect("png")
    }

    #[test]
    fn a_text_turn_is_a_string_on_the_wire() {
        let turn = Turn::new("user", "hi");
        assert_eq!(
            serde_json::to_value(&turn).unwrap(),
            json!({"role": "user", "content": "hi"})
        );
        assert_eq!(
            serde_json::from_value::<Turn>(json!({"role": "user", "content": "hi"})).unwrap(),
            turn
        );
    }

    #[test]
    fn a_turn_with_images_is_parts_and_reads_back() {
        let turn = Turn::new("user", "what is this?").with_images(vec![picture()]);
        let wire = serde_json::to_value(&turn).unwrap();
        assert_eq!(
            wire,
            json!({"role": "user", "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}},
            ]})
        );
        assert_eq!(serde_json::from_value::<Turn>(wire).unwrap(), turn);
        let mistral = serde_json::to_value(Parts(&turn, ImageForm::String)).unwrap();
        assert_eq!(mistral[1]["image_url"], "data:image/png;base64,iVBORw==");
        assert_eq!(
            serde_json::from_value::<Turn>(json!({"role": "user", "content": mistral})).unwrap(),
            turn
        );
    }

    #[test]
    fn text_parts_are_joined_and_an_image_alone_has_no_text_part() {
        let turn: Turn = serde_json::from_value(json!({"role": "user", "content": [
            {"type": "text", "text": "a"}, {"type": "text", "text": "b"}
        ]}))
        .unwrap();
        assert_eq!(turn.content, "a\nb");
        let alone = Turn::new("user", "").with_images(vec![picture()]);
        let wire = serde_json::to_value(&alone).unwrap();
        assert_eq!(wire["content"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn only_data_urls_of_images_are_accepted() {
        for url in [
            "https://example.com/cat.png",
            "data:text/html;base64,PGgxPg==",
            "data:image/png;base64,",
            "data:image/png;base64,<script>",
            "data:image/png,plain",
        ] {
            assert_eq!(ImageUrl::parse(url), None, "{url}");
            let turn =
                json!({"role": "user", "content": [{"type": "image_url", "image_url": url}]});
            let err = serde_json::from_value::<Turn>(turn).expect_err(url);
            assert!(err.to_string().contains("data: URL"), "{err}");
        }
        assert!(ImageUrl::parse("data:image/jpeg;base64,/9j/4A==").is_some());
        assert_eq!(ImageUrl::from_bytes("image/svg+xml", b"<svg/>"), None);
        let unknown =
            json!({"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]});
        assert!(serde_json::from_value::<Turn>(unknown).is_err());
    }
}

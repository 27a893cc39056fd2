//! What the fake provider answers to one chat request: the reply text, how it
//! is split into stream chunks, timing, usage numbers, and scripted failures.

use std::time::Duration;

use super::Dialect;

/// Token counts a reply reports. `total_tokens` is their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Usage {
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }

    pub(crate) fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens(),
        })
    }
}

/// A scripted failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 429 with `retry-after` (whole seconds) and the dialect's
    /// rate-limit body.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 500 with the dialect's error body.
    ServerError,
    /// A 200 whose body stops after this many SSE events (the role chunk is
    /// the first) without `[DONE]`: the connection is closed mid-stream. A
    /// non-streaming answer is cut after part of its JSON.
    CutAfter(usize),
}

/// The answer to one request. Build with [`Script::reply`] (or
/// [`Script::demo`]) and the builder methods; queue with
/// [`FakeProvider::push`](super::FakeProvider::push).
#[derive(Debug, Clone)]
pub struct Script {
    pub(crate) reply: String,
    pub(crate) chunks: Option<Vec<String>>,
    pub(crate) chunk_chars: Option<usize>,
    pub(crate) first_byte_delay: Duration,
    pub(crate) chunk_delay: Duration,
    pub(crate) usage: Option<Usage>,
    pub(crate) finish_reason: String,
    pub(crate) failure: Option<Failure>,
    pub(crate) dialect: Option<Dialect>,
}

/// The demo reply served when no script is queued.
const DEMO_REPLY: &str = "This is a demo reply from the local fake provider: no real model \
    was called. Configure a provider API key to chat with a real model.";

/// A pace a person can follow, so the demo looks like a real stream.
const DEMO_CHUNK_DELAY: Duration = Duration::from_millis(40);

impl Script {
    /// Answers `text`, streamed word by word without delays, usage estimated
    /// (about four characters per token), finish reason `stop`.
    pub fn reply(text: impl Into<String>) -> Self {
        Self {
            reply: text.into(),
            chunks: None,
            chunk_chars: None,
            first_byte_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            usage: None,
            finish_reason: "stop".to_owned(),
            failure: None,
            dialect: None,
        }
    }

    /// The default demo reply, streamed at a readable speed.
    pub fn demo() -> Self {
        Self::reply(DEMO_REPLY).chunk_delay(DEMO_CHUNK_DELAY)
    }

    /// HTTP 429 with `retry-after: <secs>`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::reply("").fail(Failure::RateLimited { retry_after_secs })
    }

    /// HTTP 500.
    pub fn server_error() -> Self {
        Self::reply("").fail(Failure::ServerError)
    }

    /// Streams exactly these chunks (their concatenation is the reply).
    pub fn chunks<I, S>(mut self, chunks: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let chunks: Vec<String> = chunks.into_iter().map(Into::into).collect();
        self.reply = chunks.concat();
        self.chunks = Some(chunks);
        self
    }

    /// Splits the reply into chunks of `chars` characters (instead of words).
    pub fn chunk_chars(mut self, chars: usize) -> Self {
        self.chunk_chars = Some(chars.max(1));
        self
    }

    /// Waits this long before sending anything (status and headers included).
    pub fn first_byte_delay(mut self, delay: Duration) -> Self {
        self.first_byte_delay = delay;
        self
    }

    /// Waits this long before each content chunk.
    pub fn chunk_delay(mut self, delay: Duration) -> Self {
        self.chunk_delay = delay;
        self
    }

    /// Reports these token counts instead of the estimate.
    pub fn usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = Some(Usage {
            prompt_tokens,
            completion_tokens,
        });
        self
    }

    /// The `finish_reason` of the last chunk (`stop`, `length`, ...).
    pub fn finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = reason.into();
        self
    }

    /// Cuts the stream after `events` SSE events (see [`Failure::CutAfter`]).
    pub fn cut_after(self, events: usize) -> Self {
        self.fail(Failure::CutAfter(events))
    }

    pub fn fail(mut self, failure: Failure) -> Self {
        self.failure = Some(failure);
        self
    }

    /// Answers in this dialect whatever the provider's dialect is.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = Some(dialect);
        self
    }

    /// The content chunks of the reply.
    pub(crate) fn pieces(&self) -> Vec<String> {
        if let Some(chunks) = &self.chunks {
            return chunks.clone();
        }
        if let Some(size) = self.chunk_chars {
            let chars: Vec<char> = self.reply.chars().collect();
            return chars
                .chunks(size)
                .map(|piece| piece.iter().collect())
                .collect();
        }
        self.reply.split_inclusive(' ').map(str::to_owned).collect()
    }

    /// The usage to report: scripted, or estimated from the prompt's and the
    /// reply's lengths.
    pub(crate) fn usage_for(&self, prompt_chars: usize) -> Usage {
        self.usage.unwrap_or_else(|| Usage {
            prompt_tokens: estimate_tokens(prompt_chars),
            completion_tokens: estimate_tokens(self.reply.chars().count()),
        })
    }
}

impl Default for Script {
    fn default() -> Self {
        Self::demo()
    }
}

/// Roughly four characters per token, at least one.
fn estimate_tokens(chars: usize) -> u64 {
    u64::try_from(chars.div_ceil(4).max(1)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_by_word_chars_and_explicit() {
        assert_eq!(Script::reply("a bc d").pieces(), ["a ", "bc ", "d"]);
        assert_eq!(
            Script::reply("abcde").chunk_chars(2).pieces(),
            ["ab", "cd", "e"]
        );
        let script = Script::reply("ignored").chunks(["x", "yz"]);
        assert_eq!(script.pieces(), ["x", "yz"]);
        assert_eq!(script.reply, "xyz");
        assert!(Script::reply("").pieces().is_empty());
    }

    #[test]
    fn usage_estimate_and_override() {
        let usage = Script::reply("12345678").usage_for(5);
        assert_eq!(
            usage,
            Usage {
                prompt_tokens: 2,
                completion_tokens: 2
            }
        );
        assert_eq!(usage.total_tokens(), 4);
        assert_eq!(
            Script::reply("x").usage(7, 9).usage_for(100).total_tokens(),
            16
        );
    }
}

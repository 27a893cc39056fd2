//! Which family of chat provider the gateway relays to. The server decides;
//! the app only shows it (a "demo" badge for the testkit's fake provider).

use serde::{Deserialize, Serialize};

/// Provider families differ in the request fields they accept and in where a
/// stream's usage arrives, so the gateway branches on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// api.mistral.ai: no `stream_options`; usage on the last content chunk.
    Mistral,
    /// OpenAI, Ollama, vLLM, llama.cpp...: `stream_options.include_usage`.
    OpenAiCompatible,
    /// The testkit's scripted fake provider.
    Demo,
}

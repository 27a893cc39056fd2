//! Server settings, read once from the environment at startup.
//!
//! Variable names follow the original service's `.env` (MISTRAL_API_KEY,
//! MISTRAL_MODEL, SYSTEM_PROMPT, STRIPE_WEBHOOK_SECRET, ...) so an operator can
//! reuse the file they already have.

use std::net::SocketAddr;

pub use native_core::ProviderKind;

/// Everything the server needs to run; built from the environment or by tests.
#[derive(Clone)]
pub struct Settings {
    /// Where to listen. Port 0 picks a free port (tests).
    pub bind: SocketAddr,
    /// Postgres connection string; the server connects lazily so it can start
    /// (and report an unhealthy database) while Postgres is down.
    pub database_url: String,
    pub provider: ProviderSettings,
}

/// Which chat provider the gateway relays to.
#[derive(Clone)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
}

impl std::fmt::Debug for Settings {
    // Hand-written so that no secret can reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("provider_kind", &self.provider.kind)
            .field("provider_base_url", &self.provider.base_url)
            .field("model", &self.provider.model)
            .finish_non_exhaustive()
    }
}

pub const MISTRAL_BASE_URL: &str = "https://api.mistral.ai/v1";
pub const DEFAULT_MODEL: &str = "mistral-small-latest";

impl Settings {
    /// Reads the settings from the process environment.
    ///
    /// Provider choice: MISTRAL_API_KEY selects Mistral; otherwise
    /// PROVIDER_BASE_URL selects an OpenAI-compatible server, and
    /// NATIVE_PROVIDER=demo marks that server as the testkit's fake provider.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind = var("NATIVE_SERVER_BIND")
            .unwrap_or_else(|| "127.0.0.1:8787".to_owned())
            .parse()
            .map_err(|e| anyhow::anyhow!("NATIVE_SERVER_BIND is not an address: {e}"))?;
        let database_url =
            var("DATABASE_URL").ok_or_else(|| anyhow::anyhow!("DATABASE_URL is not set"))?;
        let model = var("MISTRAL_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_owned());
        let provider = match (var("MISTRAL_API_KEY"), var("PROVIDER_BASE_URL")) {
            (Some(key), base) => ProviderSettings {
                kind: ProviderKind::Mistral,
                base_url: base.unwrap_or_else(|| MISTRAL_BASE_URL.to_owned()),
                api_key: Some(key),
                model,
            },
            (None, Some(base)) => ProviderSettings {
                kind: if var("NATIVE_PROVIDER").as_deref() == Some("demo") {
                    ProviderKind::Demo
                } else {
                    ProviderKind::OpenAiCompatible
                },
                base_url: base,
                api_key: var("PROVIDER_API_KEY"),
                model,
            },
            (None, None) => anyhow::bail!("set MISTRAL_API_KEY or PROVIDER_BASE_URL"),
        };
        Ok(Self {
            bind,
            database_url,
            provider,
        })
    }
}

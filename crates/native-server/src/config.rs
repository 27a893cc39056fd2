//! Server settings, read once from the environment at startup.
//!
//! Variable names follow the original service's `.env` (MISTRAL_API_KEY,
//! MISTRAL_MODEL, SYSTEM_PROMPT, STRIPE_WEBHOOK_SECRET, ...) so an operator can
//! reuse the file they already have.

use std::net::SocketAddr;
use std::time::Duration;

use native_core::PromptBudget;
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
    pub auth: AuthSettings,
    pub chat: ChatSettings,
    pub billing: BillingSettings,
}

/// Which chat provider the gateway relays to.
#[derive(Clone)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub base_url: String,
    pub api_key: Option<String>,
    /// The default model; always on the allow-list.
    pub model: String,
}

/// How access tokens are verified: locally, with the project's HS256 secret
/// and the public keys of its JWKS, never by calling the auth server per
/// request.
#[derive(Clone)]
pub struct AuthSettings {
    /// The legacy project JWT secret (HS256), if the project has one.
    pub jwt_secret: Option<String>,
    /// `<SUPABASE_URL>/auth/v1/.well-known/jwks.json`, for asymmetric keys.
    pub jwks_url: Option<String>,
    /// Sent as `apikey` when fetching the JWKS: Supabase's gateway asks
    /// every `/auth/v1` call for one.
    pub jwks_apikey: Option<String>,
    /// The `aud` every token must carry.
    pub audience: String,
    /// An unknown `kid` refetches the JWKS at most this often, so forged
    /// tokens cannot turn the gateway into a flood of fetches.
    pub jwks_min_refetch: Duration,
    /// Keys are refetched in any case when older than this (revocations).
    pub jwks_max_age: Duration,
    /// Clock skew allowed on `exp`.
    pub leeway_secs: u64,
}

/// The gateway's rules and limits.
#[derive(Clone)]
pub struct ChatSettings {
    /// The operator's system prompt, always the first turn.
    pub system_prompt: String,
    /// The instructions each mode adds as a second system turn.
    pub deep_search_prompt: String,
    pub reason_prompt: String,
    /// Models clients may ask for besides the provider's default one.
    pub extra_models: Vec<String>,
    /// Models that read image parts (env `VISION_MODELS`); a request with
    /// pictures for any other model is refused with a clear message.
    pub vision_models: Vec<String>,
    /// The most images one prompt carries; older ones are dropped first.
    pub max_images: usize,
    /// The most output tokens a request may reserve and ask for.
    pub max_output_tokens: u32,
    pub temperature: f32,
    pub budget: PromptBudget,
    /// Chat requests one user may have open at once.
    pub max_streams_per_user: usize,
    /// The largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// How long the provider may take to answer (status and headers).
    pub first_byte_timeout: Duration,
    /// How long a stream may stay silent between two events.
    pub idle_timeout: Duration,
    /// How long a reservation holds quota if it is never settled (a crash).
    pub reservation_ttl: Duration,
    /// Title requests per user per minute (they are free, hence limited).
    pub titles_per_minute: u32,
    /// How long shutdown waits for open streams before cutting them.
    pub shutdown_grace: Duration,
}

/// The Stripe webhook: how events are verified and how a checkout tells
/// what was bought.
#[derive(Clone)]
pub struct BillingSettings {
    /// The endpoint's signing secrets (`whsec_...`), several during a
    /// rotation. With none, the webhook refuses every event with a 503, so
    /// Stripe keeps them until the operator sets one.
    pub webhook_secrets: Vec<String>,
    /// How far a signature's timestamp may be from now (Stripe's SDKs: 300 s).
    pub tolerance: Duration,
    /// The largest webhook body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Payment Link ids (`plink_...`) that sell Pro.
    pub pro_payment_links: Vec<String>,
    /// Payment Link ids (`plink_...`) that sell the token pack.
    pub pack_payment_links: Vec<String>,
    /// A one-time payment of exactly this much is a pack when neither the
    /// metadata nor the Payment Link says what was bought.
    pub pack_price: Price,
    /// The non-expiring credits a pack adds.
    pub pack_tokens: i64,
}

/// An amount in a currency's minor units (cents), currency lowercase as
/// Stripe writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub amount: i64,
    pub currency: String,
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self {
            webhook_secrets: Vec::new(),
            tolerance: Duration::from_secs(300),
            // Stripe's events are a few kilobytes; a megabyte is generous
            // and keeps a flood of large bodies cheap to refuse.
            body_limit_bytes: 1024 * 1024,
            pro_payment_links: Vec::new(),
            pack_payment_links: Vec::new(),
            // The original's pack: USD 10.00 for 250,000 tokens.
            pack_price: Price {
                amount: 1000,
                currency: "usd".to_owned(),
            },
            pack_tokens: 250_000,
        }
    }
}

impl std::fmt::Debug for BillingSettings {
    // Hand-written so that the signing secrets never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingSettings")
            .field("webhook_secrets", &self.webhook_secrets.len())
            .field("tolerance", &self.tolerance)
            .field("pro_payment_links", &self.pro_payment_links)
            .field("pack_payment_links", &self.pack_payment_links)
            .field("pack_price", &self.pack_price)
            .field("pack_tokens", &self.pack_tokens)
            .finish_non_exhaustive()
    }
}

impl BillingSettings {
    /// Reads STRIPE_WEBHOOK_SECRET (comma-separated), STRIPE_WEBHOOK_TOLERANCE_SECS,
    /// STRIPE_PAYMENT_LINK_PRO_ID and STRIPE_PAYMENT_LINK_TOPUP_250K_ID
    /// (comma-separated `plink_...` ids), STRIPE_TOPUP_250K_PRICE (minor
    /// units) and STRIPE_TOPUP_250K_CURRENCY.
    pub fn from_env() -> anyhow::Result<Self> {
        let defaults = Self::default();
        let tolerance = match env_var("STRIPE_WEBHOOK_TOLERANCE_SECS") {
            Some(text) => Duration::from_secs(text.trim().parse().map_err(|_| {
                anyhow::anyhow!("STRIPE_WEBHOOK_TOLERANCE_SECS is not a number of seconds")
            })?),
            None => defaults.tolerance,
        };
        let amount = match env_var("STRIPE_TOPUP_250K_PRICE") {
            Some(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    anyhow::anyhow!("STRIPE_TOPUP_250K_PRICE is not a positive amount in cents")
                })?,
            None => defaults.pack_price.amount,
        };
        let currency = env_var("STRIPE_TOPUP_250K_CURRENCY")
            .map(|c| c.trim().to_ascii_lowercase())
            .unwrap_or(defaults.pack_price.currency.clone());
        Ok(Self {
            webhook_secrets: env_list("STRIPE_WEBHOOK_SECRET"),
            tolerance,
            pro_payment_links: env_list("STRIPE_PAYMENT_LINK_PRO_ID"),
            pack_payment_links: env_list("STRIPE_PAYMENT_LINK_TOPUP_250K_ID"),
            pack_price: Price { amount, currency },
            ..defaults
        })
    }
}

/// A variable's value, `None` when unset or blank.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A comma-separated variable as its trimmed, non-empty items.
fn env_list(name: &str) -> Vec<String> {
    env_var(name)
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl std::fmt::Debug for Settings {
    // Hand-written so that no secret can reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("provider_kind", &self.provider.kind)
            .field("provider_base_url", &self.provider.base_url)
            .field("model", &self.provider.model)
            .field("jwks_url", &self.auth.jwks_url)
            .field("hs256", &self.auth.jwt_secret.is_some())
            .field("billing", &self.billing)
            .finish_non_exhaustive()
    }
}

pub const MISTRAL_BASE_URL: &str = "https://api.mistral.ai/v1";
pub const DEFAULT_MODEL: &str = "mistral-small-latest";

/// Mistral's models that read images (see `shared/reference/providers.md`
/// for the default one); `VISION_MODELS` replaces the list.
pub const DEFAULT_VISION_MODELS: &[&str] = &[
    "mistral-small-latest",
    "mistral-medium-latest",
    "pixtral-large-latest",
    "pixtral-12b-latest",
];

/// The original's default system prompt: a helpful assistant named Native AI
/// that answers in French, clearly and concisely.
pub const DEFAULT_SYSTEM_PROMPT: &str = "Tu es Native AI, un assistant utile. \
Réponds en français, de manière claire et concise.";

/// The original's Deep Search instructions: a structured, deeper answer.
pub const DEFAULT_DEEP_SEARCH_PROMPT: &str = "Mode recherche approfondie : donne une réponse \
structurée et approfondie, avec des sections, les points importants, les nuances et des \
exemples lorsque c'est utile.";

/// The original's Reason instructions: the key reasoning points only.
pub const DEFAULT_REASON_PROMPT: &str = "Mode raisonnement : raisonne étape par étape, \
puis ne présente que les points clés du raisonnement et la conclusion.";

/// The path of a Supabase project's JWKS under its URL.
pub const JWKS_PATH: &str = "/auth/v1/.well-known/jwks.json";

impl AuthSettings {
    /// The settings for a Supabase project: its URL (for the JWKS), its
    /// legacy secret if any, and its anon key (sent with the JWKS fetch).
    pub fn supabase(url: &str, jwt_secret: Option<String>, anon_key: Option<String>) -> Self {
        Self {
            jwt_secret,
            jwks_url: Some(format!("{}{JWKS_PATH}", url.trim_end_matches('/'))),
            jwks_apikey: anon_key,
            audience: "authenticated".to_owned(),
            jwks_min_refetch: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(600),
            leeway_secs: 5,
        }
    }
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            system_prompt: DEFAULT_SYSTEM_PROMPT.to_owned(),
            deep_search_prompt: DEFAULT_DEEP_SEARCH_PROMPT.to_owned(),
            reason_prompt: DEFAULT_REASON_PROMPT.to_owned(),
            extra_models: Vec::new(),
            vision_models: DEFAULT_VISION_MODELS
                .iter()
                .map(|m| (*m).to_owned())
                .collect(),
            // Mistral accepts 8 images per request; the app attaches at most 6.
            max_images: 8,
            max_output_tokens: 4096,
            temperature: 0.4,
            budget: PromptBudget::default(),
            max_streams_per_user: 4,
            // A 250,000-character history is at most 1.5 MB even with every
            // character JSON-escaped, so the 413 for a long history comes from
            // the history rule with its clear message. Eight images the app
            // sends (1568 px, JPEG or PNG, as base64) fit in the rest.
            body_limit_bytes: 32 * 1024 * 1024,
            // The original's server timeout.
            first_byte_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            reservation_ttl: Duration::from_secs(900),
            titles_per_minute: 10,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl Settings {
    /// The models clients may ask for, the default one first.
    pub fn models(&self) -> Vec<String> {
        let mut models = vec![self.provider.model.clone()];
        for model in &self.chat.extra_models {
            if !models.contains(model) {
                models.push(model.clone());
            }
        }
        models
    }

    /// Reads the settings from the process environment.
    ///
    /// Provider choice: MISTRAL_API_KEY selects Mistral; otherwise
    /// PROVIDER_BASE_URL selects an OpenAI-compatible server, and
    /// NATIVE_PROVIDER=demo marks that server as the testkit's fake provider.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = env_var;
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

        let jwt_secret = var("SUPABASE_JWT_SECRET");
        let mut auth = match var("SUPABASE_URL") {
            Some(url) => AuthSettings::supabase(&url, jwt_secret, var("SUPABASE_ANON_KEY")),
            None => AuthSettings {
                jwks_url: None,
                ..AuthSettings::supabase("", jwt_secret, None)
            },
        };
        if let Some(url) = var("SUPABASE_JWKS_URL") {
            auth.jwks_url = Some(url);
        }
        if auth.jwt_secret.is_none() && auth.jwks_url.is_none() {
            anyhow::bail!("set SUPABASE_JWT_SECRET or SUPABASE_URL to verify access tokens");
        }

        let defaults = ChatSettings::default();
        let max_output_tokens = match var("MAX_OUTPUT_TOKENS") {
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| anyhow::anyhow!("MAX_OUTPUT_TOKENS is not a positive number"))?,
            None => defaults.max_output_tokens,
        };
        let chat = ChatSettings {
            system_prompt: var("SYSTEM_PROMPT").unwrap_or(defaults.system_prompt.clone()),
            deep_search_prompt: var("DEEP_SEARCH_PROMPT")
                .unwrap_or(defaults.deep_search_prompt.clone()),
            reason_prompt: var("REASON_PROMPT").unwrap_or(defaults.reason_prompt.clone()),
            extra_models: env_list("ALLOWED_MODELS"),
            vision_models: match var("VISION_MODELS") {
                Some(_) => env_list("VISION_MODELS"),
                None => defaults.vision_models.clone(),
            },
            max_output_tokens,
            ..defaults
        };
        Ok(Self {
            bind,
            database_url,
            provider,
            auth,
            chat,
            billing: BillingSettings::from_env()?,
        })
    }
}

//! The facade object the shell holds in its state.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use native_client::{AuthClient, GatewayClient, HistoryRemote, Rest};
use native_core::ProviderKind;
use serde::Serialize;

use crate::attachments::PendingHub;
use crate::billing::QuotaHub;
use crate::chat::RunningReplies;
use crate::history::HistoryHub;
use crate::session::{self, KeyringStore, SecretStore, SessionManager};
use crate::{AppConfig, AppError};

/// What the About panel shows about this build and its backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub supabase_url: Option<String>,
    pub native_api_url: Option<String>,
}

/// What the Native AI server reports about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    pub provider: ProviderKind,
    pub model: String,
    pub version: String,
}

/// The app's services, built once at startup from an [`AppConfig`].
#[derive(Debug)]
pub struct NativeApp {
    config: AppConfig,
    gateway: Option<GatewayClient>,
    /// `None` when no Supabase project is configured.
    pub(crate) sessions: Option<Arc<SessionManager>>,
    pub(crate) history: Arc<HistoryHub>,
    pub(crate) replies: RunningReplies,
    pub(crate) quota: QuotaHub,
    pub(crate) pending: PendingHub,
}

impl NativeApp {
    /// The app, keeping sessions in the OS keychain.
    pub fn new(config: AppConfig) -> Result<Self, AppError> {
        Self::with_store(config, Arc::new(KeyringStore::default()))
    }

    /// The app with another secret store (tests: [`session::MemoryStore`]).
    pub fn with_store(config: AppConfig, store: Arc<dyn SecretStore>) -> Result<Self, AppError> {
        Self::build(config, store, session::OAUTH_TIMEOUT)
    }

    /// The same app with another limit on browser sign-ins (default 5 min).
    pub fn with_oauth_timeout(self, timeout: Duration) -> Result<Self, AppError> {
        let store = match &self.sessions {
            Some(sessions) => sessions.store(),
            None => return Ok(self),
        };
        let data_dir = self.history.data_dir().map(Path::to_owned);
        Self::build(self.config, store, timeout)?.with_data_dir_opt(data_dir)
    }

    /// The same app keeping each user's history cache under `dir` (the
    /// shell passes the OS's app data folder). Without it, caches live in
    /// memory.
    pub fn with_data_dir(self, dir: PathBuf) -> Result<Self, AppError> {
        self.with_data_dir_opt(Some(dir))
    }

    /// The same app checking each user's cache for damage `delay` after
    /// opening it, instead of [`CACHE_CHECK_AFTER`](crate::CACHE_CHECK_AFTER). Call it after
    /// `with_data_dir`.
    pub fn with_cache_check_after(mut self, delay: Duration) -> Result<Self, AppError> {
        let dir = self.history.data_dir().map(Path::to_owned);
        self.history = Arc::new(history_hub(&self.config, dir)?.checking_after(delay));
        Ok(self)
    }

    fn with_data_dir_opt(mut self, dir: Option<PathBuf>) -> Result<Self, AppError> {
        self.history = Arc::new(history_hub(&self.config, dir)?);
        Ok(self)
    }

    fn build(
        config: AppConfig,
        store: Arc<dyn SecretStore>,
        oauth_timeout: Duration,
    ) -> Result<Self, AppError> {
        let gateway = config
            .native_api_url
            .clone()
            .map(GatewayClient::new)
            .transpose()?;
        let sessions = match (&config.supabase_url, &config.anon_key) {
            (Some(url), Some(key)) => Some(Arc::new(SessionManager::new(
                AuthClient::new(url, key)?,
                store,
                url.as_str(),
                oauth_timeout,
            ))),
            _ => None,
        };
        let rest = match (&config.supabase_url, &config.anon_key) {
            (Some(url), Some(key)) => Some(Rest::new(url, key)?),
            _ => None,
        };
        Ok(Self {
            history: Arc::new(history_hub(&config, None)?),
            replies: RunningReplies::default(),
            quota: QuotaHub::new(rest),
            pending: PendingHub::default(),
            config,
            gateway,
            sessions,
        })
    }

    /// An app with no backend configured: it starts, and says what is missing.
    pub fn unconfigured() -> Self {
        Self {
            config: AppConfig::default(),
            gateway: None,
            sessions: None,
            history: Arc::new(HistoryHub::new(None, None)),
            replies: RunningReplies::default(),
            quota: QuotaHub::default(),
            pending: PendingHub::default(),
        }
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            name: "Native AI".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            supabase_url: self.config.supabase_url.as_ref().map(|u| u.to_string()),
            native_api_url: self.config.native_api_url.as_ref().map(|u| u.to_string()),
        }
    }

    /// Logs how long the page took to show the cached history, once per
    /// launch: the startup figure a bug report about a slow start needs, and
    /// the end point the startup benchmark reads without a WebDriver session
    /// (`crates/native-e2e/benches/startup`). `page_ms` counts from the
    /// page's navigation start; it is the page's own word and only logged.
    /// The window calls it once the history is drawn (its rows, or that it
    /// has none), which lets the background loop's first sync run.
    pub fn record_history_visible(&self, page_ms: u32) {
        tracing::info!(page_ms, "history visible");
        self.history.mark_shown();
    }

    pub(crate) fn config(&self) -> &AppConfig {
        &self.config
    }

    pub(crate) fn gateway(&self) -> Result<&GatewayClient, AppError> {
        self.gateway
            .as_ref()
            .ok_or(AppError::NotConfigured("NATIVE_API_URL"))
    }

    pub async fn server_status(&self) -> Result<ServerStatus, AppError> {
        let health = self.gateway()?.health().await?;
        Ok(ServerStatus {
            provider: health.provider,
            model: health.model,
            version: health.version,
        })
    }
}

/// History through the project's PostgREST, cached under `data_dir`.
fn history_hub(config: &AppConfig, data_dir: Option<PathBuf>) -> Result<HistoryHub, AppError> {
    let remote = match (&config.supabase_url, &config.anon_key) {
        (Some(url), Some(key)) => Some(HistoryRemote::new(Rest::new(url, key)?)),
        _ => None,
    };
    Ok(HistoryHub::new(remote, data_dir))
}

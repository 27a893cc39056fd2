//! A GoTrue-compatible dev auth: the subset of Supabase Auth's REST API the
//! app and the server use (sign-up, password and PKCE sign-in, refresh-token
//! rotation with GoTrue's reuse rules, `/user`, sign-out scopes, recovery,
//! e-mail confirmation links, a dev OAuth consent page), writing the same
//! `auth.*` tables GoTrue writes, and signing HS256 access tokens with the
//! project secret so PostgREST and the server accept them.
//!
//! It is mounted under `/auth/v1` by the stack (which checks the `apikey`
//! header first). E-mails are not sent but kept in a mailbox, and tests can
//! flip switches (auto-confirm, token TTL, reuse window, rate limiting) at run
//! time. Passwords and tokens are never logged.

mod authorize;
mod error;
mod pkce;
mod redirect;
mod session;
mod signup;
mod token;
mod user;
mod users;
mod verify;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use sqlx::PgPool;
use url::Url;

use crate::keys::ProjectKeys;
use error::AuthError;

pub use pkce::s256_challenge;

/// GoTrue's default refresh-token reuse interval.
const DEFAULT_REUSE_INTERVAL: Duration = Duration::from_secs(10);

/// GoTrue's default validity of a PKCE flow state (auth code).
const DEFAULT_FLOW_STATE_TTL: Duration = Duration::from_secs(300);

/// How the dev auth is set up; the stack fills it in.
#[derive(Debug, Clone)]
pub struct DevAuthConfig {
    /// The project's origin, e.g. `http://127.0.0.1:PORT`. Tokens are issued
    /// by `{site_url}/auth/v1`, e-mail links point there, and it is the
    /// redirect target when a `redirect_to` is missing or not allowed.
    pub site_url: String,
    pub keys: ProjectKeys,
    pub access_token_ttl: Duration,
    /// Whether sign-ups are confirmed at once (GoTrue's `MAILER_AUTOCONFIRM`).
    pub auto_confirm: bool,
}

/// What an e-mail "sent" by the dev auth was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// Sign-up confirmation (`type=signup` link).
    Confirmation,
    /// Password recovery (`type=recovery` link).
    Recovery,
}

/// An e-mail the dev auth would have sent; tests follow `link`.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub to: String,
    pub kind: EmailKind,
    /// The absolute `/auth/v1/verify?token=...&type=...&redirect_to=...` link.
    pub link: String,
    /// The token (token hash) inside the link, for `POST /verify`.
    pub token: String,
    pub sent_at: SystemTime,
}

/// The dev auth service. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct DevAuth {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DevAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevAuth")
            .field("issuer", &self.issuer())
            .finish_non_exhaustive()
    }
}

struct Inner {
    pool: PgPool,
    /// `None` when the configured site URL does not parse; redirects that
    /// need it then fail with a 400 instead of panicking.
    site_url: Option<Url>,
    issuer: String,
    keys: ProjectKeys,
    auto_confirm: AtomicBool,
    rate_limited: AtomicBool,
    access_token_ttl_ms: AtomicU64,
    reuse_interval_ms: AtomicU64,
    flow_state_ttl_ms: AtomicU64,
    mailbox: Mutex<Vec<SentEmail>>,
    token_calls: Mutex<HashMap<String, usize>>,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Locks a mutex, ignoring poisoning: the data guarded here (a mailbox, some
/// counters) stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl DevAuth {
    pub fn new(pool: PgPool, config: DevAuthConfig) -> Self {
        let site = config.site_url.trim_end_matches('/').to_owned();
        let site_url = Url::parse(&site).ok();
        if site_url.is_none() {
            tracing::error!(site_url = %site, "dev auth: the site URL does not parse");
        }
        Self {
            inner: Arc::new(Inner {
                pool,
                site_url,
                issuer: format!("{site}/auth/v1"),
                keys: config.keys,
                auto_confirm: AtomicBool::new(config.auto_confirm),
                rate_limited: AtomicBool::new(false),
                access_token_ttl_ms: AtomicU64::new(millis(config.access_token_ttl)),
                reuse_interval_ms: AtomicU64::new(millis(DEFAULT_REUSE_INTERVAL)),
                flow_state_ttl_ms: AtomicU64::new(millis(DEFAULT_FLOW_STATE_TTL)),
                mailbox: Mutex::new(Vec::new()),
                token_calls: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The Auth API, with paths relative to `/auth/v1`.
    pub fn router(&self) -> Router {
        // Everything but the discovery endpoints is subject to the rate-limit
        // switch, as GoTrue rate-limits its API endpoints.
        let api = Router::new()
            .route("/signup", post(signup::signup))
            .route("/token", post(token::token))
            .route("/user", get(user::get_user).put(user::put_user))
            .route("/logout", post(user::logout))
            .route("/recover", post(signup::recover))
            .route("/verify", get(verify::verify_link).post(verify::verify_otp))
            .route("/authorize", get(authorize::consent_page))
            .route(
                "/authorize/consent",
                get(authorize::consent_query).post(authorize::consent_form),
            )
            .route_layer(middleware::from_fn_with_state(self.clone(), guard));
        Router::new()
            .route("/settings", get(settings))
            .route("/.well-known/jwks.json", get(jwks))
            .merge(api)
            .fallback(|| async { AuthError::not_found() })
            .with_state(self.clone())
    }

    /// Whether sign-ups are confirmed at once.
    pub fn set_auto_confirm(&self, on: bool) {
        self.inner.auto_confirm.store(on, Ordering::SeqCst);
    }

    /// The lifetime of access tokens issued from now on (rounded up to whole
    /// seconds, at least one, since `exp` is in seconds).
    pub fn set_access_token_ttl(&self, ttl: Duration) {
        self.inner
            .access_token_ttl_ms
            .store(millis(ttl), Ordering::SeqCst);
    }

    /// How long a spent refresh token may be presented again and still get the
    /// session's current token (GoTrue: 10 s).
    pub fn set_reuse_interval(&self, interval: Duration) {
        self.inner
            .reuse_interval_ms
            .store(millis(interval), Ordering::SeqCst);
    }

    /// How long a PKCE auth code stays valid (GoTrue: 5 min).
    pub fn set_flow_state_ttl(&self, ttl: Duration) {
        self.inner
            .flow_state_ttl_ms
            .store(millis(ttl), Ordering::SeqCst);
    }

    /// When on, every API call (not `/settings` or the JWKS) answers 429
    /// `over_request_rate_limit`.
    pub fn set_rate_limited(&self, on: bool) {
        self.inner.rate_limited.store(on, Ordering::SeqCst);
    }

    /// Every e-mail "sent" so far, oldest first.
    pub fn mailbox(&self) -> Vec<SentEmail> {
        lock(&self.inner.mailbox).clone()
    }

    /// The latest e-mail sent to `to` (case-insensitive), if any.
    pub fn last_email_to(&self, to: &str) -> Option<SentEmail> {
        lock(&self.inner.mailbox)
            .iter()
            .rev()
            .find(|mail| mail.to.eq_ignore_ascii_case(to))
            .cloned()
    }

    pub fn clear_mailbox(&self) {
        lock(&self.inner.mailbox).clear();
    }

    /// How many `/token` calls with this `grant_type` were received, whatever
    /// their outcome (rate-limited and failed calls included).
    pub fn token_calls(&self, grant_type: &str) -> usize {
        lock(&self.inner.token_calls)
            .get(grant_type)
            .copied()
            .unwrap_or(0)
    }

    /// The `iss` of access tokens: `{site_url}/auth/v1`.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    pub(crate) fn auto_confirm(&self) -> bool {
        self.inner.auto_confirm.load(Ordering::SeqCst)
    }

    pub(crate) fn access_token_ttl_secs(&self) -> i64 {
        let ms = self.inner.access_token_ttl_ms.load(Ordering::SeqCst);
        i64::try_from(ms.div_ceil(1000).max(1)).unwrap_or(i64::MAX)
    }

    pub(crate) fn reuse_interval(&self) -> Duration {
        Duration::from_millis(self.inner.reuse_interval_ms.load(Ordering::SeqCst))
    }

    pub(crate) fn flow_state_ttl(&self) -> Duration {
        Duration::from_millis(self.inner.flow_state_ttl_ms.load(Ordering::SeqCst))
    }

    /// "Sends" an e-mail: the link goes to the mailbox, never to the log.
    pub(crate) fn deliver(&self, mail: SentEmail) {
        tracing::info!(to = %mail.to, kind = ?mail.kind, "dev auth: e-mail queued in the mailbox");
        lock(&self.inner.mailbox).push(mail);
    }
}

/// Counts `/token` calls per grant type, then applies the rate-limit switch.
async fn guard(State(auth): State<DevAuth>, req: Request, next: Next) -> Response {
    if req.uri().path().ends_with("/token") {
        let grant_type = query_map(req.uri().query())
            .remove("grant_type")
            .unwrap_or_default();
        *lock(&auth.inner.token_calls).entry(grant_type).or_insert(0) += 1;
    }
    if auth.inner.rate_limited.load(Ordering::SeqCst) {
        return AuthError::rate_limited().into_response();
    }
    next.run(req).await
}

/// A query string as a map (last value wins). Parsing this way never
/// rejects a request, unlike `Query<T>`, whose rejections are not GoTrue-shaped.
pub(crate) fn query_map(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn settings(State(auth): State<DevAuth>) -> Json<serde_json::Value> {
    Json(json!({
        "external": {
            "anonymous_users": false,
            "email": true,
            "phone": false,
            "google": true,
            "github": true,
        },
        "disable_signup": false,
        "mailer_autoconfirm": auth.auto_confirm(),
        "phone_autoconfirm": false,
        "sms_provider": "",
        "saml_enabled": false,
    }))
}

/// An HS256 project publishes no public keys.
async fn jwks() -> Json<serde_json::Value> {
    Json(json!({ "keys": [] }))
}

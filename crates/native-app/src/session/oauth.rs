//! "Sign in with Google/GitHub" in the system browser (RFC 8252): PKCE with
//! S256, and a loopback listener on `127.0.0.1:<any port>` (a tiny axum
//! router, alive for the one attempt) that the provider redirects to. A random
//! `state` in the redirect URL ties the callback to this attempt: a request
//! with another state gets a 400 page and the flow keeps waiting. The code can also come back through the
//! `native-ai://auth/callback` deep link (see `link.rs`).

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use url::Url;

use super::{AuthState, OAuthProvider, SessionManager, lock};
use crate::AppError;

/// Opens a URL in the user's browser. The shell implements it with
/// tauri-plugin-opener; tests play the browser.
pub trait UrlOpener: Send + Sync {
    fn open(&self, url: &Url) -> Result<(), AppError>;
}

/// A PKCE pair: the secret verifier and its S256 challenge.
pub(crate) struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub(crate) fn generate() -> Self {
        // 32 random bytes: a 43-character verifier, RFC 7636's minimum length.
        let verifier = random_token(32);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

/// `bytes` random bytes from the OS-seeded CSPRNG, base64url-encoded.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// How a browser sign-in ended, as the listener or a deep link reports it.
pub(crate) enum Outcome {
    Code(String),
    Denied,
    Cancelled,
}

/// The browser sign-in in progress.
pub(crate) struct Pending {
    pub state: String,
    outcome: mpsc::UnboundedSender<Outcome>,
}

impl Pending {
    pub(crate) fn deliver(&self, outcome: Outcome) {
        // The receiver is gone only once the flow has ended; nothing to do then.
        let _ = self.outcome.send(outcome);
    }
}

impl SessionManager {
    /// Runs a browser sign-in to the end: opens the provider's page, waits
    /// (publishing `oauthPending`) for the code, exchanges it.
    pub(crate) async fn start_oauth(
        self: &Arc<Self>,
        provider: OAuthProvider,
        opener: &dyn UrlOpener,
    ) -> Result<AuthState, AppError> {
        self.cancel_oauth();
        let previous = self.state();
        let pkce = Pkce::generate();
        let state = random_token(24);
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|_| AppError::Loopback)?;
        let port = listener
            .local_addr()
            .map_err(|_| AppError::Loopback)?
            .port();
        let redirect = format!("http://127.0.0.1:{port}/auth/callback?state={state}");
        let (sender, mut outcomes) = mpsc::unbounded_channel();
        // Dropped when the flow ends, however it ends: the listener then stops.
        let (_stop_listener, stop) = oneshot::channel::<()>();
        let loopback = Loopback {
            state: state.as_str().into(),
            outcomes: sender.clone(),
        };
        tokio::spawn(serve(listener, loopback, async {
            let _ = stop.await;
        }));
        *lock(&self.oauth) = Some(Pending {
            state: state.clone(),
            outcome: sender,
        });
        self.publish(AuthState::OAuthPending { provider });
        let url = self
            .client
            .authorize_url(provider.as_str(), &redirect, &pkce.challenge);
        if let Err(err) = opener.open(&url) {
            self.end_oauth(&state, previous);
            return Err(err);
        }
        let outcome = tokio::time::timeout(self.oauth_timeout, outcomes.recv()).await;
        let code = match outcome {
            Ok(Some(Outcome::Code(code))) => code,
            Ok(Some(Outcome::Denied | Outcome::Cancelled) | None) => {
                self.end_oauth(&state, previous);
                return Err(AppError::Cancelled);
            }
            Err(_) => {
                self.end_oauth(&state, previous);
                return Err(AppError::TimedOut);
            }
        };
        match self.client.exchange_pkce(&code, &pkce.verifier).await {
            Ok(session) => {
                lock(&self.oauth).take_if(|p| p.state == state);
                Ok(self.establish(session, false).await)
            }
            Err(err) => {
                self.end_oauth(&state, previous);
                Err(err.into())
            }
        }
    }

    /// Ends the browser sign-in in progress, if any (its `start_oauth`
    /// returns `cancelled`).
    pub(crate) fn cancel_oauth(&self) {
        if let Some(pending) = lock(&self.oauth).take() {
            pending.deliver(Outcome::Cancelled);
        }
    }

    /// Puts back the state from before the attempt, unless a newer attempt
    /// has replaced this one meanwhile.
    fn end_oauth(&self, state: &str, previous: AuthState) {
        let mut slot = lock(&self.oauth);
        match slot.as_ref() {
            Some(pending) if pending.state != state => {}
            _ => {
                *slot = None;
                self.publish(previous);
            }
        }
    }
}

/// The loopback listener's state: the attempt's `state` and where to report.
#[derive(Clone)]
struct Loopback {
    state: Arc<str>,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

/// The callback's query: what the provider (through GoTrue) sends back.
#[derive(Deserialize)]
struct Callback {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// The loopback listener: answers every request, reports each callback that
/// carries the right `state`, until `shutdown` resolves (then it stops
/// accepting and closes its connections once their answer is sent).
async fn serve(
    listener: TcpListener,
    loopback: Loopback,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = Router::new()
        .route("/auth/callback", get(callback))
        .fallback(|| async { page(StatusCode::NOT_FOUND, PAGE_NOT_FOUND) })
        .layer(middleware::map_response(private_page))
        .with_state(loopback);
    if let Err(err) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::warn!(error = %err, "the sign-in listener stopped");
    }
}

async fn callback(
    State(loopback): State<Loopback>,
    query: Result<Query<Callback>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return page(StatusCode::BAD_REQUEST, PAGE_BAD);
    };
    if query.state.as_deref() != Some(&*loopback.state) {
        return page(StatusCode::BAD_REQUEST, PAGE_BAD);
    }
    let outcome = match (query.code, query.error) {
        (Some(code), _) if !code.is_empty() => Outcome::Code(code),
        (_, Some(_)) => Outcome::Denied,
        _ => return page(StatusCode::BAD_REQUEST, PAGE_BAD),
    };
    let body = match outcome {
        Outcome::Code(_) => PAGE_DONE,
        _ => PAGE_CANCELLED,
    };
    // The receiver is gone only once the flow has ended; nothing to do then.
    let _ = loopback.outcomes.send(outcome);
    page(StatusCode::OK, body)
}

fn page(status: StatusCode, body: &'static str) -> Response {
    (status, Html(body)).into_response()
}

/// Every answer, the 405s axum writes itself included: never cached, and no
/// referrer (the page's URL holds the auth code).
async fn private_page(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

const PAGE_DONE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Signed in - Native AI</title></head><body><h1>You are signed in</h1>\
<p>You can close this tab and return to Native AI.</p></body></html>";
const PAGE_CANCELLED: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Sign-in cancelled - Native AI</title></head><body><h1>Sign-in cancelled</h1>\
<p>You can close this tab and return to Native AI.</p></body></html>";
const PAGE_BAD: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Invalid sign-in link - Native AI</title></head><body><h1>This sign-in link is not valid</h1>\
<p>It does not belong to the sign-in Native AI is waiting for. Start again from the app.</p>\
</body></html>";
const PAGE_NOT_FOUND: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Not found</title></head><body><h1>Not found</h1></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_verifiers_are_long_random_and_s256() {
        let a = Pkce::generate();
        let b = Pkce::generate();
        assert!(a.verifier.len() >= 43 && a.verifier.len() <= 128);
        assert_ne!(a.verifier, b.verifier);
        // RFC 7636 appendix B's example.
        let digest = Sha256::digest(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(digest),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}

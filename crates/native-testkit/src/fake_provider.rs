//! A scriptable OpenAI-compatible chat provider (`POST /v1/chat/completions`,
//! `GET /v1/models`) for tests and the dev stack, speaking either Mistral's or
//! OpenAI's dialect of the streaming API (where usage is reported, which
//! fields are accepted).
//!
//! Tests queue [`Script`]s (reply text, chunking, delays, usage, failures such
//! as 429, 500 or a stream cut mid-way); each request takes the next one, and
//! with none queued a demo reply is streamed. Every request is recorded with
//! its body, `authorization` header and how its answer ended, including
//! whether the client hung up mid-stream.

mod chat;
mod record;
mod script;
mod sse;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::routing::{get, post};
use tokio::sync::oneshot;

pub use record::{Outcome, RecordedRequest};
pub use script::{Failure, Script, Usage};

use record::Journal;

/// Which provider's flavour of the API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Mistral (the app's default provider): usage on the last content chunk,
    /// unknown fields such as `stream_options` refused with 422.
    #[default]
    Mistral,
    /// OpenAI and compatible servers: usage only with
    /// `stream_options.include_usage`, in an extra chunk with `choices: []`.
    OpenAi,
}

impl Dialect {
    fn default_model(self) -> &'static str {
        match self {
            Self::Mistral => "mistral-small-latest",
            Self::OpenAi => "gpt-4o-mini",
        }
    }

    fn default_models(self) -> Vec<String> {
        let models: &[&str] = match self {
            Self::Mistral => &["mistral-small-latest", "mistral-large-latest"],
            Self::OpenAi => &["gpt-4o-mini", "gpt-4o"],
        };
        models.iter().map(|&model| model.to_owned()).collect()
    }
}

/// The state the handlers share with the test's handle.
struct Shared {
    journal: Arc<Journal>,
    scripts: Mutex<VecDeque<Script>>,
    default_script: Mutex<Script>,
    dialect: Mutex<Dialect>,
    api_key: Mutex<Option<String>>,
    models: Mutex<Option<Vec<String>>>,
}

/// Locks a mutex, ignoring poisoning: a panicking test thread must not turn
/// every later request into a panic too.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn dialect(&self) -> Dialect {
        *lock(&self.dialect)
    }

    /// The dialect the next request will be answered in: the next script's,
    /// if it sets one, else the provider's.
    fn next_dialect(&self) -> Dialect {
        lock(&self.scripts)
            .front()
            .and_then(|script| script.dialect)
            .unwrap_or_else(|| self.dialect())
    }

    fn next_script(&self) -> Script {
        lock(&self.scripts)
            .pop_front()
            .unwrap_or_else(|| lock(&self.default_script).clone())
    }

    fn api_key(&self) -> Option<String> {
        lock(&self.api_key).clone()
    }

    fn models(&self) -> Vec<String> {
        lock(&self.models)
            .clone()
            .unwrap_or_else(|| self.dialect().default_models())
    }
}

/// A running fake provider. Cheap to clone; the server stops when the last
/// clone is dropped or [`FakeProvider::stop`] is called.
#[derive(Clone)]
pub struct FakeProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FakeProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeProvider")
            .field("addr", &self.inner.addr)
            .finish_non_exhaustive()
    }
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// Dropping (or sending on) this stops the server.
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
}

impl FakeProvider {
    /// Starts a Mistral-dialect provider on `127.0.0.1:<free port>`, served on
    /// the current tokio runtime.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(Dialect::default()).await
    }

    pub async fn start_with(dialect: Dialect) -> anyhow::Result<Self> {
        let shared = Arc::new(Shared {
            journal: Arc::new(Journal::new()),
            scripts: Mutex::new(VecDeque::new()),
            default_script: Mutex::new(Script::demo()),
            dialect: Mutex::new(dialect),
            api_key: Mutex::new(None),
            models: Mutex::new(None),
        });
        let router = Router::new()
            .route("/v1/chat/completions", post(chat::chat_completions))
            .route("/v1/models", get(chat::models))
            .fallback(chat::not_found)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind the fake provider")?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            // TCP_NODELAY: each streamed token goes out at once, as from a
            // real provider, instead of waiting for a delayed ACK.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                // Either an explicit stop or the handle's drop ends serving.
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "fake provider stopped");
            }
        });
        Ok(Self {
            inner: Arc::new(Inner {
                shared,
                addr,
                shutdown: Mutex::new(Some(shutdown)),
            }),
        })
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL an OpenAI-compatible client
    /// is configured with.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.inner.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Stops accepting connections; answers in flight finish.
    pub fn stop(&self) {
        if let Some(shutdown) = lock(&self.inner.shutdown).take() {
            let _ = shutdown.send(());
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.inner.shared.dialect()
    }

    pub fn set_dialect(&self, dialect: Dialect) {
        *lock(&self.inner.shared.dialect) = dialect;
    }

    /// With `Some(key)`, requests without `Authorization: Bearer <key>` get 401.
    pub fn set_api_key(&self, key: Option<&str>) {
        *lock(&self.inner.shared.api_key) = key.map(str::to_owned);
    }

    /// The model ids `GET /v1/models` lists (default: a few of the dialect's).
    pub fn set_models<I, S>(&self, models: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        *lock(&self.inner.shared.models) = Some(models.into_iter().map(Into::into).collect());
    }

    /// Queues a script for the next chat request (first in, first out).
    pub fn push(&self, script: Script) {
        lock(&self.inner.shared.scripts).push_back(script);
    }

    /// How many queued scripts no request has taken yet.
    pub fn queued(&self) -> usize {
        lock(&self.inner.shared.scripts).len()
    }

    pub fn clear_scripts(&self) {
        lock(&self.inner.shared.scripts).clear();
    }

    /// The script answering requests when none is queued (default: the demo).
    pub fn set_default_script(&self, script: Script) {
        *lock(&self.inner.shared.default_script) = script;
    }

    /// Every request received so far (since the last `clear_requests`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.shared.journal.snapshot()
    }

    /// The chat-completion requests only.
    pub fn chat_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.path.ends_with("/chat/completions"))
            .collect()
    }

    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.requests().pop()
    }

    pub fn clear_requests(&self) {
        self.inner.shared.journal.clear();
    }

    /// Waits until `done` holds for the recorded requests; answers them, or
    /// an error naming `what` after `timeout`.
    pub async fn wait_until<F>(
        &self,
        what: &str,
        timeout: Duration,
        done: F,
    ) -> anyhow::Result<Vec<RecordedRequest>>
    where
        F: Fn(&[RecordedRequest]) -> bool,
    {
        let journal = &self.inner.shared.journal;
        // Subscribing before each check means no update can slip between the
        // check and the wait.
        let mut changes = journal.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let requests = journal.snapshot();
            if done(&requests) {
                return Ok(requests);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => {
                    anyhow::bail!(
                        "fake provider: timed out after {timeout:?} waiting for {what}; \
                         requests: {:?}",
                        requests
                            .iter()
                            .map(|r| (r.seq, &r.path, r.outcome))
                            .collect::<Vec<_>>()
                    )
                }
            }
        }
    }

    /// Waits until at least `count` requests were received.
    pub async fn wait_for_requests(
        &self,
        count: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<RecordedRequest>> {
        self.wait_until(&format!("{count} request(s)"), timeout, |requests| {
            requests.len() >= count
        })
        .await
    }

    /// Waits until some request's client hung up; answers that request.
    pub async fn wait_for_hangup(&self, timeout: Duration) -> anyhow::Result<RecordedRequest> {
        let requests = self
            .wait_until("a client to hang up", timeout, |requests| {
                requests.iter().any(RecordedRequest::hung_up)
            })
            .await?;
        requests
            .into_iter()
            .find(RecordedRequest::hung_up)
            .context("the hung-up request vanished")
    }

    /// Waits until every recorded request's answer has ended (however).
    pub async fn wait_until_idle(&self, timeout: Duration) -> anyhow::Result<Vec<RecordedRequest>> {
        self.wait_until("every answer to end", timeout, |requests| {
            requests.iter().all(RecordedRequest::finished)
        })
        .await
    }
}

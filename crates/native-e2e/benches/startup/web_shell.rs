//! The web shell: the app's own UI build (`ui/dist`) served over HTTP to a
//! plain browser, with the Tauri commands answered as JSON by a real
//! `NativeApp` on the same cache the desktop app uses. The UI's
//! `backend-http.ts` (loaded for `?backend=http`) is its client.
//!
//! The wire mirrors the Tauri shell exactly: `POST /cmd/<command>` takes
//! the arguments object `invoke` would get and answers the command's
//! result (200) or its `ErrorBody` (422); the broadcasts the shell emits
//! (`auth-changed`, `sync-changed`, `history-changed`, `cache-noticed`,
//! `quota-changed`, `attachments-changed`) are server-sent events on
//! `GET /events`, each the current value first and then every change, as
//! `src-tauri/src/broadcast.rs` forwards them. Chat, dialogs and opening
//! things are not served. Benchmarks only: it is never shipped.
//!
//! `history_visible`, the page's startup report, is also passed to the bench
//! ([`WebShell::history_visible`]) with the moment it arrived: the end point
//! of a launch timed without WebDriver, as the app's log line is.
//!
//! Each shell is made for one browser launch and builds its `NativeApp`
//! only when [`WebShell::start_app`] is called, so the launch pays for
//! opening the cache and restoring the session, as the desktop app does.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use native_app::{AttachmentId, ErrorBody, ErrorCode, NativeApp};
use native_core::ConversationId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One launch's server, and the app it fronts once started.
pub struct WebShell {
    pub addr: SocketAddr,
    app: watch::Sender<Option<Arc<NativeApp>>>,
    visible: watch::Receiver<Option<(Instant, u32)>>,
    tasks: Vec<JoinHandle<()>>,
}

struct Shell {
    dist: PathBuf,
    app: watch::Receiver<Option<Arc<NativeApp>>>,
    /// When the page's `history_visible` report arrived, and its figure.
    visible: watch::Sender<Option<(Instant, u32)>>,
}

impl WebShell {
    /// Serves `dist` on a free local port; commands wait for `start_app`.
    pub async fn serve(dist: PathBuf) -> Result<Self> {
        let (app, app_rx) = watch::channel(None);
        let (visible_tx, visible) = watch::channel(None);
        let shell = Arc::new(Shell {
            dist,
            app: app_rx,
            visible: visible_tx,
        });
        let router = Router::new()
            .route("/cmd/{name}", post(command))
            .route("/events", get(events))
            .fallback(get(static_file))
            .with_state(shell);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self {
            addr,
            app,
            visible,
            tasks: vec![server],
        })
    }

    /// Waits for the page's startup report: when it arrived, and the
    /// page's own figure (ms from its navigation start).
    pub async fn history_visible(&self, within: Duration) -> Result<(Instant, u32)> {
        let mut visible = self.visible.clone();
        let report = tokio::time::timeout(within, visible.wait_for(Option::is_some))
            .await
            .context("the page never reported the history visible")?
            .context("the web shell stopped")?;
        Ok(report.expect("waited for Some"))
    }

    /// The page's address, selecting the HTTP backend.
    pub fn url(&self) -> String {
        format!("http://{}/?backend=http", self.addr)
    }

    /// Starts the app as the Tauri shell's setup does: built from `make`,
    /// then the keychain's session restored and the sync loop running.
    pub fn start_app(&mut self, make: impl FnOnce() -> Result<NativeApp> + Send + 'static) {
        let publish = self.app.clone();
        let task = tokio::spawn(async move {
            let app = match tokio::task::spawn_blocking(make).await {
                Ok(Ok(app)) => Arc::new(app),
                Ok(Err(err)) => return eprintln!("web shell: the app did not start: {err:#}"),
                Err(err) => return eprintln!("web shell: the app did not start: {err}"),
            };
            publish.send_replace(Some(Arc::clone(&app)));
            app.restore().await;
            app.run_history_sync().await;
        });
        self.tasks.push(task);
    }

    /// Stops the server and the app's tasks, and waits until they are gone,
    /// so the app's cache is closed before the desktop app opens it again.
    pub async fn stop(mut self) {
        self.app.send_replace(None);
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for WebShell {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The app, once `start_app` has built it.
async fn app_of(shell: &Shell) -> Result<Arc<NativeApp>, ErrorBody> {
    let mut app = shell.app.clone();
    let ready = app.wait_for(Option::is_some).await.map_err(|_| ErrorBody {
        code: ErrorCode::Internal,
        message: "the web shell stopped".to_owned(),
    })?;
    Ok(ready.clone().expect("waited for Some"))
}

fn invalid(message: impl Into<String>) -> ErrorBody {
    ErrorBody {
        code: ErrorCode::InvalidInput,
        message: message.into(),
    }
}

/// One named argument of a command, decoded as the Tauri command decodes it.
fn arg<T: DeserializeOwned>(args: &Value, name: &str) -> Result<T, ErrorBody> {
    serde_json::from_value(args.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|err| invalid(format!("argument {name}: {err}")))
}

fn ok(value: impl Serialize) -> Result<Value, ErrorBody> {
    serde_json::to_value(value).map_err(|err| ErrorBody {
        code: ErrorCode::Internal,
        message: err.to_string(),
    })
}

fn done<T: Serialize>(result: Result<T, native_app::AppError>) -> Result<Value, ErrorBody> {
    result.map_err(ErrorBody::from).and_then(ok)
}

/// The commands of `src-tauri/src/*.rs` that the UI needs to show history,
/// each calling the same facade function as its Tauri counterpart.
async fn dispatch(app: &NativeApp, name: &str, args: &Value) -> Result<Value, ErrorBody> {
    match name {
        "app_info" => ok(app.app_info()),
        "server_status" => done(app.server_status().await),
        "auth_state" => ok(app.auth_state()),
        "sign_in" => done(
            app.sign_in(
                &arg::<String>(args, "email")?,
                &arg::<String>(args, "password")?,
            )
            .await,
        ),
        "sign_up" => done(
            app.sign_up(
                &arg::<String>(args, "email")?,
                &arg::<String>(args, "password")?,
            )
            .await,
        ),
        "request_password_reset" => done(
            app.request_password_reset(&arg::<String>(args, "email")?)
                .await,
        ),
        "set_new_password" => done(
            app.set_new_password(&arg::<String>(args, "password")?)
                .await,
        ),
        "cancel_oauth" => {
            app.cancel_oauth();
            ok(())
        }
        "sign_out" => ok(app.sign_out().await),
        "list_conversations" => done(app.list_conversations().await),
        "launch_state" => ok(app.launch_state().await),
        "history_visible" => {
            app.record_history_visible(arg(args, "pageMs")?);
            ok(())
        }
        "conversation_messages" => done(
            app.conversation_messages(arg::<ConversationId>(args, "id")?)
                .await,
        ),
        "search_history" => done(app.search_history(&arg::<String>(args, "query")?).await),
        "rename_conversation" => done(
            app.rename_conversation(arg(args, "id")?, &arg::<String>(args, "title")?)
                .await,
        ),
        "delete_conversation" => done(app.delete_conversation(arg(args, "id")?).await),
        "sync_history" => done(app.sync_history().await),
        "sync_status" => ok(app.sync_status()),
        "chat_models" => done(app.chat_models().await),
        "quota" => done(app.quota().await),
        "plans" => done(app.plans().await),
        "remove_attachment" => ok(app.remove_attachment(arg::<AttachmentId>(args, "id")?)),
        "pending_attachments" => ok(app.pending_attachments()),
        "attachments_on_device" => done(
            app.attachments_on_device(arg(args, "conversationId")?)
                .await,
        ),
        other => Err(ErrorBody {
            code: ErrorCode::NotConfigured,
            message: format!("{other} is not served by the web shell"),
        }),
    }
}

async fn command(
    State(shell): State<Arc<Shell>>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let args: Value = if body.is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        match serde_json::from_slice(&body) {
            Ok(args) => args,
            Err(err) => return answer(Err(invalid(format!("body: {err}")))),
        }
    };
    if name == "history_visible" {
        // Timed on arrival, before anything else can delay it.
        let arrived = Instant::now();
        if let Ok(page_ms) = arg::<u32>(&args, "pageMs") {
            shell.visible.send_replace(Some((arrived, page_ms)));
        }
    }
    let result = match app_of(&shell).await {
        Ok(app) => dispatch(&app, &name, &args).await,
        Err(err) => Err(err),
    };
    answer(result)
}

fn answer(result: Result<Value, ErrorBody>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(err) => (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(err)).into_response(),
    }
}

/// A watch channel as the shell's `forward` sends it: the current value,
/// then every change; `None` from `to_payload` sends nothing.
fn forward<T, F>(
    name: &'static str,
    changes: watch::Receiver<T>,
    to_payload: F,
) -> BoxStream<'static, Event>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> Option<Value> + Send + Sync + 'static,
{
    stream::unfold((changes, true), |(mut changes, first)| async move {
        if !first && changes.changed().await.is_err() {
            return None;
        }
        let value = changes.borrow_and_update().clone();
        Some((value, (changes, false)))
    })
    .filter_map(move |value| {
        let event =
            to_payload(value).map(|payload| Event::default().event(name).data(payload.to_string()));
        async move { event }
    })
    .boxed()
}

fn json<T: Serialize>(value: T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

async fn events(State(shell): State<Arc<Shell>>) -> Response {
    let Ok(app) = app_of(&shell).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let streams: Vec<BoxStream<'static, Event>> = vec![
        forward("auth-changed", app.subscribe_auth(), json),
        forward("sync-changed", app.subscribe_sync(), json),
        forward("history-changed", app.subscribe_history_changes(), |r| {
            json(u32::try_from(r).unwrap_or(u32::MAX))
        }),
        forward("cache-noticed", app.subscribe_cache_notices(), |n| {
            n.and_then(json)
        }),
        forward("quota-changed", app.subscribe_quota(), |q| q.and_then(json)),
        forward("attachments-changed", app.subscribe_attachments(), json),
    ];
    let merged: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(stream::select_all(streams).map(Ok));
    Sse::new(merged)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// A file of the UI build; `/` is `index.html`. No CSP: the one in
/// tauri.conf.json is the desktop app's.
async fn static_file(State(shell): State<Arc<Shell>>, uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if path.split('/').any(|part| part == ".." || part.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = shell.dist.join(path);
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(path))], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Where the UI build is, checked so a missing `npm run build` fails early.
pub fn ui_dist() -> Result<PathBuf> {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
    let index = dist.join("index.html");
    anyhow::ensure!(
        index.exists(),
        "{} is missing: run `npm run build` in ui/",
        index.display()
    );
    dist.canonicalize().context("ui/dist")
}

//! Building and running the server: the router, its state and the listener.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::Verifier;
use crate::limits::{StreamSlots, TitleLimiter};
use crate::provider::Provider;
use crate::quota::Ledger;
use crate::{ApiError, Settings, routes};

/// How long shutdown waits for settlements started by cut streams.
const SETTLEMENT_GRACE: Duration = Duration::from_secs(10);

/// Shared, cheaply clonable state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub settings: Arc<Settings>,
    pub verifier: Verifier,
    pub provider: Arc<Provider>,
    pub ledger: Ledger,
    pub slots: StreamSlots,
    pub titles: Arc<TitleLimiter>,
    /// Settlements running after their response ended; shutdown waits.
    pub tasks: TaskTracker,
}

/// A bound, not yet running server. Binding first lets callers (tests, the
/// testkit) learn the port before requests are served.
pub struct Application {
    listener: TcpListener,
    router: Router,
    tasks: TaskTracker,
    shutdown_grace: Duration,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy(&settings.database_url)?;
        let listener = TcpListener::bind(settings.bind).await?;
        if settings.billing.webhook_secrets.is_empty() {
            tracing::warn!("STRIPE_WEBHOOK_SECRET is not set: the billing webhook answers 503");
        }
        // One client for the provider and the JWKS: pooled connections, and
        // TCP_NODELAY so a small request is not held back by Nagle.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .user_agent(concat!("native-server/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let tasks = TaskTracker::new();
        let state = AppState {
            verifier: Verifier::new(&settings.auth, http.clone()),
            provider: Arc::new(Provider::new(http, &settings.provider, &settings.chat)),
            ledger: Ledger::new(db.clone(), settings.chat.reservation_ttl),
            slots: StreamSlots::new(settings.chat.max_streams_per_user),
            titles: Arc::new(TitleLimiter::per_minute(settings.chat.titles_per_minute)),
            tasks: tasks.clone(),
            db,
            settings: Arc::new(settings),
        };
        let shutdown_grace = state.settings.chat.shutdown_grace;
        Ok(Self {
            listener,
            router: router(state),
            tasks,
            shutdown_grace,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` resolves, then stops accepting and drains:
    /// open streams may finish for `shutdown_grace`, after which they are
    /// cut (and settled from their estimate), and settlements in flight get
    /// a few seconds more.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(port = self.port(), "native-server listening");
        let stopping = CancellationToken::new();
        let trigger = stopping.clone();
        tokio::spawn(async move {
            shutdown.await;
            trigger.cancel();
        });
        // TCP_NODELAY: every streamed chunk leaves at once instead of
        // waiting for the client's delayed ACK.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let serve = axum::serve(listener, self.router)
            .with_graceful_shutdown(stopping.clone().cancelled_owned());
        let grace = self.shutdown_grace;
        let deadline = async {
            stopping.cancelled().await;
            tracing::info!("shutting down: draining open streams");
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = serve => served?,
            () = deadline => tracing::warn!("open streams outlived the shutdown grace; cutting them"),
        }
        self.tasks.close();
        if tokio::time::timeout(SETTLEMENT_GRACE, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::error!("settlements still running at exit; their reservations will expire");
        }
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.chat.body_limit_bytes;
    let webhook_limit = state.settings.billing.body_limit_bytes;
    Router::new()
        .route("/health", get(routes::health::health))
        .route("/v1/models", get(routes::models::models))
        .route("/v1/chat/completions", post(routes::chat::completions))
        .route("/v1/titles", post(routes::titles::titles))
        // Its own, smaller limit: Stripe's events are a few kilobytes.
        .route(
            "/api/billing/webhook",
            post(routes::billing::webhook).layer(DefaultBodyLimit::max(webhook_limit)),
        )
        .fallback(routes::fallback::not_found)
        .method_not_allowed_fallback(routes::fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(panic_response)),
        )
        .with_state(state)
}

/// The span of one request: method, path (never the query) and request id;
/// the user id is recorded once the token is verified. Headers are left out:
/// they carry the access token.
fn request_span(request: &Request<Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        user_id = tracing::field::Empty,
    )
}

/// A handler that panicked answers `internal`, never the panic's text.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::Internal.into_response()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Logs to stderr, filtered by RUST_LOG (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

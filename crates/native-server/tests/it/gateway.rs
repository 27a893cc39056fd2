//! Helpers for the chat gateway's tests: a `native-server` of a test's own
//! (settings tuned) on a stack's database, fake provider and auth; requests;
//! reading SSE; and the quota ledger as the tests check it.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use native_server::{
    Application, AuthSettings, BillingSettings, ChatSettings, ProviderKind, ProviderSettings,
    Settings,
};
use native_testkit::Stack;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The settings the stack's own server runs with, to tune per test.
pub fn settings(stack: &Stack) -> Settings {
    Settings {
        bind: ([127, 0, 0, 1], 0).into(),
        database_url: stack.database_url().to_owned(),
        provider: ProviderSettings {
            kind: ProviderKind::Demo,
            base_url: stack.provider().base_url(),
            api_key: None,
            model: native_server::config::DEFAULT_MODEL.to_owned(),
        },
        auth: AuthSettings::supabase(
            stack.supabase_url(),
            Some(stack.jwt_secret().to_owned()),
            Some(stack.anon_key().to_owned()),
        ),
        chat: ChatSettings::default(),
        billing: BillingSettings {
            webhook_secrets: vec![stack.stripe_webhook_secret().to_owned()],
            ..BillingSettings::default()
        },
    }
}

/// A `native-server` of the test's own, stopped when dropped.
pub struct Server {
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    running: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    pub async fn start(settings: Settings) -> Self {
        let app = Application::build(settings)
            .await
            .expect("build the server");
        let url = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Self {
            url,
            stop: Some(stop),
            running: Some(running),
        }
    }

    /// Asks the server to shut down; answers its future, which resolves
    /// once it has drained.
    pub fn shut_down(&mut self) -> JoinHandle<anyhow::Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.running.take().expect("the server is running")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A user of the stack: signed up through the dev auth, with a real token.
pub async fn user(stack: &Stack, email: &str) -> crate::api::User {
    crate::api::Api::new(stack).sign_up(email).await
}

/// A one-question chat body.
pub fn ask(question: &str, stream: bool) -> Value {
    json!({
        "messages": [{"role": "user", "content": question}],
        "stream": stream,
        "stream_options": {"include_usage": true},
    })
}

pub async fn post(base: &str, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", base.trim_end_matches('/')))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request to native-server")
}

pub async fn chat(base: &str, token: &str, body: &Value) -> reqwest::Response {
    post(base, "/v1/chat/completions", Some(token), body).await
}

/// A streamed reply as the client saw it.
#[derive(Debug, Default)]
pub struct Streamed {
    /// Every `chat.completion.chunk`, in order.
    pub chunks: Vec<Value>,
    /// `{"error": ...}` events.
    pub errors: Vec<Value>,
    pub done: bool,
}

impl Streamed {
    /// The delta contents of the chunks that have a choice, in order.
    pub fn contents(&self) -> Vec<String> {
        self.chunks
            .iter()
            .filter_map(|chunk| chunk["choices"][0]["delta"]["content"].as_str())
            .map(str::to_owned)
            .collect()
    }

    pub fn text(&self) -> String {
        self.contents().concat()
    }

    /// The final usage chunk (`choices: []`).
    pub fn usage_chunk(&self) -> Option<&Value> {
        self.chunks.iter().find(|chunk| {
            chunk["choices"].as_array().is_some_and(Vec::is_empty) && !chunk["usage"].is_null()
        })
    }
}

pub async fn read_sse(response: reqwest::Response) -> Streamed {
    let mut out = Streamed::default();
    let mut events = response.bytes_stream().eventsource();
    while let Some(event) = events.next().await {
        let Ok(event) = event else { break };
        if event.data == "[DONE]" {
            out.done = true;
            continue;
        }
        let value: Value = serde_json::from_str(&event.data).expect("every event is JSON");
        if value.get("error").is_some() {
            out.errors.push(value);
        } else {
            out.chunks.push(value);
        }
    }
    out
}

/// `(reserved, settled)` for each of a user's reservations, oldest first.
pub async fn reservations(db: &PgPool, user: uuid::Uuid) -> Vec<(i64, Option<i64>)> {
    sqlx::query_as(
        "select tokens, settled_tokens from public.token_reservations
         where user_id = $1 order by created_at, id",
    )
    .bind(user)
    .fetch_all(db)
    .await
    .expect("read reservations")
}

/// Waits until the user has `count` reservations, all settled.
pub async fn settled(db: &PgPool, user: uuid::Uuid, count: usize) -> Vec<i64> {
    for _ in 0..200 {
        let rows = reservations(db, user).await;
        if rows.len() == count && rows.iter().all(|(_, settled)| settled.is_some()) {
            return rows
                .into_iter()
                .filter_map(|(_, settled)| settled)
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "expected {count} settled reservations, have {:?}",
        reservations(db, user).await
    );
}

/// Tokens the user spent this ISO week, as the quota reads them.
pub async fn week_used(db: &PgPool, user: uuid::Uuid) -> i64 {
    sqlx::query_scalar(
        "select coalesce((select tokens_used from public.token_usage_weekly
                          where user_id = $1 and week = public.period_key('iso_week')), 0)::bigint",
    )
    .bind(user)
    .fetch_one(db)
    .await
    .expect("read weekly usage")
}

/// Spends `tokens` of the user's weekly allowance directly.
pub async fn spend(db: &PgPool, user: uuid::Uuid, tokens: i64) {
    sqlx::query("select public.add_tokens_week($1, public.period_key('iso_week'), $2)")
        .bind(user)
        .bind(tokens)
        .execute(db)
        .await
        .expect("spend tokens");
}

/// Asserts a `{code, message}` error body with this status and code.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

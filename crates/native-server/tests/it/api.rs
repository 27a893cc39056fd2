//! A small PostgREST / Auth client for schema tests: raw statuses, so tests
//! can assert exactly what a role may and may not do.

use native_testkit::Stack;
use reqwest::Method;
use serde_json::{Value, json};

/// A signed-up user of the stack.
#[derive(Debug, Clone)]
pub struct User {
    pub id: uuid::Uuid,
    pub token: String,
}

/// Who makes a request.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Anon,
    User(&'a User),
    Service,
}

pub struct Api<'a> {
    pub stack: &'a Stack,
    http: reqwest::Client,
}

impl<'a> Api<'a> {
    pub fn new(stack: &'a Stack) -> Self {
        Self {
            stack,
            http: reqwest::Client::new(),
        }
    }

    pub async fn sign_up(&self, email: &str) -> User {
        let response = self
            .http
            .post(format!(
                "{}/auth/v1/signup",
                self.stack.supabase_url().trim_end_matches('/')
            ))
            .header("apikey", self.stack.anon_key())
            .json(&json!({ "email": email, "password": "correct horse battery" }))
            .send()
            .await
            .expect("sign-up request");
        assert!(
            response.status().is_success(),
            "sign-up failed: {}",
            response.status()
        );
        let body: Value = response.json().await.expect("sign-up body");
        User {
            id: body["user"]["id"]
                .as_str()
                .expect("user id")
                .parse()
                .expect("uuid"),
            token: body["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
        }
    }

    /// Sends a PostgREST request as `actor` and returns the status and JSON
    /// body (Null when empty).
    pub async fn rest(
        &self,
        actor: Actor<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
        prefer: &str,
    ) -> (u16, Value) {
        let url = format!(
            "{}/rest/v1/{path}",
            self.stack.supabase_url().trim_end_matches('/')
        );
        let mut request = self.http.request(method, url).header("Prefer", prefer);
        request = match actor {
            Actor::Anon => request.header("apikey", self.stack.anon_key()),
            Actor::User(user) => request
                .header("apikey", self.stack.anon_key())
                .bearer_auth(&user.token),
            Actor::Service => request
                .header("apikey", self.stack.service_role_key())
                .bearer_auth(self.stack.service_role_key()),
        };
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("PostgREST request");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn rpc(&self, actor: Actor<'_>, name: &str, args: &Value) -> (u16, Value) {
        self.rest(
            actor,
            Method::POST,
            &format!("rpc/{name}"),
            Some(args),
            "return=representation",
        )
        .await
    }
}

/// Waits until PostgREST's schema cache knows the migrations' objects (it
/// loads them at start; a reload after DDL takes a moment).
pub async fn wait_for_schema(api: &Api<'_>) {
    for _ in 0..100 {
        let (status, _) = api
            .rest(
                Actor::Service,
                Method::GET,
                "plan_limits?select=plan",
                None,
                "",
            )
            .await;
        if status == 200 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("PostgREST never saw the schema");
}

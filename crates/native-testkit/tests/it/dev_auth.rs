//! The dev auth through the stack's one origin (`{supabase_url}/auth/v1`, with
//! the `apikey` header), as the app's clients use it: sign-up with and without
//! confirmation, password sign-in, refresh rotation and reuse detection,
//! sign-out scopes, the PKCE OAuth round trip, recovery links, expiry, and
//! the token PostgREST accepts as `auth.uid()`. This module holds the client
//! and helpers; the tests are in its submodules, by concern.

mod links;
mod sessions;
mod signup;

use std::collections::HashMap;

use native_testkit::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

const PASSWORD: &str = "correct horse battery";
const CALLBACK: &str = "http://127.0.0.1:45678/callback";

/// A client of one stack's Auth API.
struct Auth {
    http: reqwest::Client,
    url: String,
    anon: String,
}

impl Auth {
    fn new(stack: &Stack) -> Self {
        Self {
            // Redirects are the answer under test, so never follow them.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            url: format!("{}/auth/v1", stack.supabase_url()),
            anon: stack.anon_key().to_owned(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: impl std::fmt::Display,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("apikey", &self.anon);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("auth is reachable");
        let status = response.status();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    async fn signup(&self, email: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({"email": email, "password": password});
        self.call(Method::POST, "/signup", None, Some(body)).await
    }

    async fn sign_in(&self, email: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({"email": email, "password": password});
        self.call(Method::POST, "/token?grant_type=password", None, Some(body))
            .await
    }

    async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        let body = json!({"refresh_token": refresh_token});
        self.call(
            Method::POST,
            "/token?grant_type=refresh_token",
            None,
            Some(body),
        )
        .await
    }

    async fn user(&self, access_token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, "/user", Some(access_token), None)
            .await
    }

    /// Follows a browser link (an e-mail link, the consent URL) and answers
    /// where the 303 sends the browser. It sends the anon key too: harmless
    /// where the gateway leaves browser routes open (as Kong does), needed
    /// where it does not.
    async fn follow(&self, link: &str) -> Url {
        let response = self
            .http
            .get(link)
            .header("apikey", &self.anon)
            .send()
            .await
            .expect("link is reachable");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "link {link}");
        let location = response.headers()["location"].to_str().expect("ASCII");
        Url::parse(location).expect("absolute redirect")
    }
}

fn token(session: &Value, field: &str) -> String {
    session[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {session}"))
        .to_owned()
}

fn params(pairs: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(pairs.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn assert_error(answer: &(StatusCode, Value), status: u16, error_code: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    assert_eq!(answer.1["code"], status, "{}", answer.1);
    assert_eq!(answer.1["error_code"], error_code, "{}", answer.1);
    assert!(answer.1["msg"].is_string(), "{}", answer.1);
}

//! Supabase Auth (GoTrue) as a native client uses it: password sign-in and
//! sign-up, refresh, the current user, password change, local sign-out,
//! recovery e-mails and the PKCE half of OAuth (the URL to open and the code
//! exchange).
//!
//! Every call sends the project's anon key as `apikey`; user-scoped calls add
//! the access token as a Bearer. Failures become [`ClientError`]s whose
//! `code` is GoTrue's `error_code`. Tokens and passwords only ever travel in
//! headers and bodies: never in a URL, an error or a log line.

mod types;

use std::time::Duration;

use native_core::{EmailAddress, Password};
use reqwest::header::HeaderValue;
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use url::Url;

pub use types::{AuthSession, AuthUser, SignUpOutcome};

use crate::ClientError;
use types::{SessionJson, UserJson};

/// A client of one project's Auth API (`<SUPABASE_URL>/auth/v1/`). Cheap to
/// clone (reqwest's client is shared).
#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    base: Url,
    apikey: HeaderValue,
}

impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl AuthClient {
    pub fn new(supabase_url: &Url, anon_key: &str) -> Result<Self, ClientError> {
        let mut apikey = header_value(anon_key, "the anon key")?;
        apikey.set_sensitive(true);
        // Join on a base that ends in '/', so a project URL with a path keeps it.
        let mut root = supabase_url.clone();
        if !root.path().ends_with('/') {
            root.set_path(&format!("{}/", root.path()));
        }
        let base = root
            .join("auth/v1/")
            .map_err(|_| ClientError::Config("the Supabase URL cannot be joined".to_owned()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            // Auth answers never need following; a redirect here is a misconfiguration.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| ClientError::Config("cannot build the HTTP client".to_owned()))?;
        Ok(Self { http, base, apikey })
    }

    pub async fn sign_in_password(
        &self,
        email: &EmailAddress,
        password: &Password,
    ) -> Result<AuthSession, ClientError> {
        let body = json!({"email": email.as_str(), "password": password.expose()});
        self.session("token?grant_type=password", body).await
    }

    /// Signs up; `redirect_to` is where the confirmation link lands.
    pub async fn sign_up(
        &self,
        email: &EmailAddress,
        password: &Password,
        redirect_to: Option<&str>,
    ) -> Result<SignUpOutcome, ClientError> {
        let url = with_redirect(self.url("signup")?, redirect_to);
        let body = json!({"email": email.as_str(), "password": password.expose()});
        let answer: Value = self
            .send(self.request(Method::POST, url).json(&body))
            .await?;
        types::sign_up_outcome(answer)
    }

    /// Spends `refresh_token` for a new session (rotation: the old token is
    /// single-use).
    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthSession, ClientError> {
        self.session(
            "token?grant_type=refresh_token",
            json!({"refresh_token": refresh_token}),
        )
        .await
    }

    pub async fn exchange_pkce(
        &self,
        auth_code: &str,
        code_verifier: &str,
    ) -> Result<AuthSession, ClientError> {
        let body = json!({"auth_code": auth_code, "code_verifier": code_verifier});
        self.session("token?grant_type=pkce", body).await
    }

    pub async fn user(&self, access_token: &str) -> Result<AuthUser, ClientError> {
        let request = self.request(Method::GET, self.url("user")?);
        let user: UserJson = self.send(bearer(request, access_token)?).await?;
        user.into_user()
    }

    pub async fn update_password(
        &self,
        access_token: &str,
        password: &Password,
    ) -> Result<AuthUser, ClientError> {
        let request = self
            .request(Method::PUT, self.url("user")?)
            .json(&json!({"password": password.expose()}));
        let user: UserJson = self.send(bearer(request, access_token)?).await?;
        user.into_user()
    }

    /// Ends this session only (`scope=local`); the server's default would
    /// sign the user out on every device.
    pub async fn sign_out_local(&self, access_token: &str) -> Result<(), ClientError> {
        let request = self.request(Method::POST, self.url("logout?scope=local")?);
        self.send_empty(bearer(request, access_token)?).await
    }

    /// Asks for a recovery e-mail. The server answers the same whether or not
    /// the address has an account. With a `code_challenge` the link comes back
    /// with `?code=` (PKCE) instead of tokens in the fragment.
    pub async fn recover(
        &self,
        email: &EmailAddress,
        redirect_to: Option<&str>,
        code_challenge: Option<&str>,
    ) -> Result<(), ClientError> {
        let url = with_redirect(self.url("recover")?, redirect_to);
        let mut body = json!({"email": email.as_str()});
        if let Some(challenge) = code_challenge {
            body["code_challenge"] = json!(challenge);
            body["code_challenge_method"] = json!("s256");
        }
        self.send_empty(self.request(Method::POST, url).json(&body))
            .await
    }

    /// The URL to open in the system browser to sign in with `provider`.
    pub fn authorize_url(&self, provider: &str, redirect_to: &str, code_challenge: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}authorize", self.base.path()));
        url.query_pairs_mut()
            .append_pair("provider", provider)
            .append_pair("redirect_to", redirect_to)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "s256");
        url
    }

    async fn session(&self, path: &str, body: Value) -> Result<AuthSession, ClientError> {
        let request = self.request(Method::POST, self.url(path)?).json(&body);
        let session: SessionJson = self.send(request).await?;
        session.into_session()
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        self.base
            .join(path)
            .map_err(|_| ClientError::Config("the Auth URL cannot be joined".to_owned()))
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.http
            .request(method, url)
            .header("apikey", self.apikey.clone())
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, ClientError> {
        let body = self.send_raw(request).await?;
        serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    async fn send_empty(&self, request: RequestBuilder) -> Result<(), ClientError> {
        self.send_raw(request).await.map(drop)
    }

    async fn send_raw(&self, request: RequestBuilder) -> Result<String, ClientError> {
        let response = request.send().await.map_err(ClientError::from_reqwest)?;
        let status = response.status();
        let body = response.text().await.map_err(ClientError::from_reqwest)?;
        if !status.is_success() {
            return Err(ClientError::from_body(status.as_u16(), &body));
        }
        Ok(body)
    }
}

fn with_redirect(mut url: Url, redirect_to: Option<&str>) -> Url {
    if let Some(target) = redirect_to {
        url.query_pairs_mut().append_pair("redirect_to", target);
    }
    url
}

fn bearer(request: RequestBuilder, token: &str) -> Result<RequestBuilder, ClientError> {
    let mut value = header_value(&format!("Bearer {token}"), "the access token")?;
    value.set_sensitive(true);
    Ok(request.header(reqwest::header::AUTHORIZATION, value))
}

/// A header value, refused (without echoing it) when it is not visible ASCII.
fn header_value(value: &str, what: &str) -> Result<HeaderValue, ClientError> {
    let printable = !value.is_empty() && value.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    printable
        .then(|| HeaderValue::from_str(value).ok())
        .flatten()
        .ok_or_else(|| ClientError::Config(format!("{what} is not a valid header value")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_urls_carry_the_pkce_challenge_and_keep_the_project_path() {
        let url = Url::parse("https://project.example/base").unwrap();
        let client = AuthClient::new(&url, "anon").unwrap();
        let authorize = client.authorize_url("github", "http://127.0.0.1:5/cb?state=s", "ch");
        assert_eq!(authorize.path(), "/base/auth/v1/authorize");
        let pairs: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("redirect_to".into(), "http://127.0.0.1:5/cb?state=s".into())));
        assert!(pairs.contains(&("code_challenge_method".into(), "s256".into())));
    }

    #[test]
    fn bad_keys_and_tokens_are_errors_that_do_not_echo_them() {
        let url = Url::parse("http://127.0.0.1:1/").unwrap();
        let err = AuthClient::new(&url, "bad\nkey").unwrap_err();
        assert!(!err.to_string().contains("bad"));
        let client = AuthClient::new(&url, "anon").unwrap();
        let request = client.request(Method::GET, url);
        let err = bearer(request, "tok\u{7f}secret").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}

//! Where the dev auth may send a browser: the project's Redirect URL
//! allow-list (loopback `http://127.0.0.1|localhost|[::1]:<any port>/...` per
//! RFC 8252, and the app's `native-ai://` scheme), and the 303 redirects that
//! carry codes or tokens back to the app.

use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use url::Url;
use url::form_urlencoded::Serializer;

use super::DevAuth;
use super::error::{AuthError, AuthResult};

/// The app's custom URL scheme (deep links).
const APP_SCHEME: &str = "native-ai";

/// Whether a redirect target is on the allow-list.
pub(crate) fn is_allowed(url: &Url, site_url: Option<&Url>) -> bool {
    if url.scheme() == APP_SCHEME {
        return true;
    }
    if site_url.is_some_and(|site| url.origin() == site.origin()) {
        return true;
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    loopback && matches!(url.scheme(), "http" | "https")
}

impl DevAuth {
    /// The target for a requested `redirect_to`: the request when it is
    /// allowed, otherwise the site URL. That fallback is GoTrue's behaviour:
    /// a disallowed `redirect_to` is ignored, not an error.
    pub(crate) fn redirect_target(&self, requested: Option<&str>) -> AuthResult<Url> {
        let site = self.inner.site_url.as_ref();
        let requested = requested
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .and_then(|value| Url::parse(value).ok());
        if let Some(url) = requested {
            if is_allowed(&url, site) {
                return Ok(url);
            }
            tracing::warn!(
                redirect_to = %url.origin().ascii_serialization(),
                "dev auth: redirect_to is not on the allow-list; using the site URL"
            );
        }
        site.cloned().ok_or_else(|| {
            AuthError::validation("redirect_to is not allowed and the site URL is not a valid URL")
        })
    }
}

/// `url` with `pairs` appended to its query.
pub(crate) fn with_query(mut url: Url, pairs: &[(&str, &str)]) -> Url {
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
    }
    url
}

/// `url` with `pairs` as its fragment (GoTrue's implicit flow).
pub(crate) fn with_fragment(mut url: Url, pairs: &[(&str, &str)]) -> Url {
    let mut fragment = Serializer::new(String::new());
    for (key, value) in pairs {
        fragment.append_pair(key, value);
    }
    url.set_fragment(Some(&fragment.finish()));
    url
}

/// The implicit-flow fragment for a session answer: tokens, expiry and `type`.
pub(crate) fn with_session_fragment(url: Url, session: &Value, kind: &str) -> Url {
    let field = |name: &str| match &session[name] {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let (access, expires_at, expires_in, refresh) = (
        field("access_token"),
        field("expires_at"),
        field("expires_in"),
        field("refresh_token"),
    );
    with_fragment(
        url,
        &[
            ("access_token", &access),
            ("expires_at", &expires_at),
            ("expires_in", &expires_in),
            ("refresh_token", &refresh),
            ("token_type", "bearer"),
            ("type", kind),
        ],
    )
}

/// A 303 See Other to `url`, as GoTrue answers `/verify` and OAuth callbacks.
pub(crate) fn see_other(url: &Url) -> Response {
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => AuthError::validation("redirect_to is not a valid URL").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str) -> bool {
        let site = Url::parse("http://127.0.0.1:5000").ok();
        is_allowed(&Url::parse(url).expect("url"), site.as_ref())
    }

    #[test]
    fn allow_list() {
        assert!(allowed("http://127.0.0.1:43123/callback"));
        assert!(allowed("http://localhost:8080/"));
        assert!(allowed("http://[::1]:9/x"));
        assert!(allowed("native-ai://auth/callback"));
        assert!(allowed("http://127.0.0.1:5000/somewhere"));
        assert!(!allowed("https://evil.example.com/callback"));
        assert!(!allowed("http://localhost.evil.example/"));
        assert!(!allowed("file:///etc/passwd"));
        assert!(!allowed("other-app://auth"));
    }

    #[test]
    fn query_and_fragment() {
        let url = Url::parse("native-ai://auth/callback?x=1").expect("url");
        let with_code = with_query(url.clone(), &[("code", "abc")]);
        assert_eq!(with_code.as_str(), "native-ai://auth/callback?x=1&code=abc");
        let frag = with_fragment(url, &[("access_token", "a b")]);
        assert_eq!(frag.fragment(), Some("access_token=a+b"));
    }
}

//! The crate's one error type.

/// Why a call to a backend failed, in terms the app can act on.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached (no network, refused, timed out).
    /// Holds only the kind of failure: transport errors carry URLs, which
    /// must not reach a log or the UI.
    #[error("the server could not be reached ({0})")]
    Offline(&'static str),
    /// The server answered with a non-success status. `code` is the server's
    /// machine-readable code when it gave one (`{code, message}` bodies,
    /// PostgREST's `code`, GoTrue's `error_code`).
    #[error("the server answered {status}: {message}")]
    Http {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The server answered 2xx with a body we could not understand.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
    /// A configured value (URL, key) cannot be used.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// What an `Offline` error says: whether the server was slow or unreachable.
pub(crate) fn offline_cause(timed_out: bool) -> &'static str {
    if timed_out {
        "timed out"
    } else {
        "no connection"
    }
}

impl ClientError {
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        if err.is_decode() {
            Self::Decode("the body is not the expected JSON".to_owned())
        } else {
            Self::Offline(offline_cause(err.is_timeout()))
        }
    }

    /// Builds an `Http` error from a failed response's status and body,
    /// reading the code and message from the shapes our backends use.
    pub(crate) fn from_body(status: u16, body: &str) -> Self {
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let text = |keys: &[&str]| {
            keys.iter().find_map(|k| match json.get(*k) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                _ => None,
            })
        };
        let code = text(&["error_code", "code", "error"]);
        let message = text(&["message", "msg", "error_description"])
            .unwrap_or_else(|| format!("HTTP {status}"));
        // Server messages are shown to users at most as a detail; keep them short.
        let message: String = message.chars().take(300).collect();
        Self::Http {
            status,
            code,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_from_each_backend_shape() {
        let pgrst = ClientError::from_body(404, r#"{"code":"PGRST205","message":"no table"}"#);
        assert!(
            matches!(pgrst, ClientError::Http { status: 404, code: Some(ref c), .. } if c == "PGRST205")
        );
        let gotrue = ClientError::from_body(
            400,
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
        );
        assert!(
            matches!(gotrue, ClientError::Http { code: Some(ref c), ref message, .. } if c == "invalid_credentials" && message == "Invalid login credentials")
        );
        let garbage = ClientError::from_body(502, "<html>bad gateway</html>");
        assert!(
            matches!(garbage, ClientError::Http { code: None, ref message, .. } if message == "HTTP 502")
        );
    }
}

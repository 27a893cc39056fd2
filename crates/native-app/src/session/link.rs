//! The deep links that bring the browser back to the app:
//! - `native-ai://auth/callback?code=...&state=...`: a browser sign-in whose
//!   code came back through the OS instead of the loopback listener;
//! - `native-ai://auth/callback#access_token=...&refresh_token=...`: a
//!   confirmed sign-up (GoTrue's implicit fragment);
//! - `native-ai://auth/recovery?code=...` (the PKCE recovery this app asks
//!   for) or `#access_token=...&type=recovery` (a recovery mailed another
//!   way): signed in for the one purpose of choosing a new password.

use std::collections::HashMap;
use std::sync::Arc;

use native_client::AuthSession;
use url::Url;

use super::oauth::Outcome;
use super::{AuthState, SessionManager, lock};
use crate::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Callback,
    Recovery,
}

impl SessionManager {
    pub(crate) async fn handle_deep_link(
        self: &Arc<Self>,
        raw: &str,
    ) -> Result<AuthState, AppError> {
        let (target, params) = parse(raw).ok_or(AppError::BadLink)?;
        let param = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        if let Some(error) = param("error") {
            if target == Target::Callback {
                self.deliver_to_pending(param("state"), Outcome::Denied)?;
            }
            return Err(match error {
                "access_denied" => AppError::Cancelled,
                _ => AppError::BadLink,
            });
        }
        if let Some(code) = param("code") {
            return match target {
                Target::Callback => {
                    self.deliver_to_pending(param("state"), Outcome::Code(code.to_owned()))?;
                    Ok(self.state())
                }
                Target::Recovery => self.recover_with_code(code).await,
            };
        }
        let (Some(access), Some(refresh)) = (param("access_token"), param("refresh_token")) else {
            return Err(AppError::BadLink);
        };
        let user = self.client.user(access).await?;
        let expires_at = param("expires_at")
            .and_then(|v| v.parse().ok())
            // Unknown expiry: treat the token as expiring now, so the first
            // use refreshes it.
            .unwrap_or(0);
        let session = AuthSession {
            access_token: access.to_owned(),
            refresh_token: refresh.to_owned(),
            expires_at,
            user,
        };
        let recovery = target == Target::Recovery || param("type") == Some("recovery");
        Ok(self.establish(session, recovery).await)
    }

    /// Hands a callback's outcome to the browser sign-in waiting for it.
    fn deliver_to_pending(&self, state: Option<&str>, outcome: Outcome) -> Result<(), AppError> {
        let pending = lock(&self.oauth);
        match pending.as_ref() {
            // A link without `state` is accepted: the code is useless without
            // the verifier only this flow holds.
            Some(flow) if state.is_none_or(|s| s == flow.state) => {
                flow.deliver(outcome);
                Ok(())
            }
            _ => Err(AppError::BadLink),
        }
    }

    async fn recover_with_code(self: &Arc<Self>, code: &str) -> Result<AuthState, AppError> {
        let verifier = lock(&self.recovery_verifier)
            .take()
            .ok_or(AppError::BadLink)?;
        let session = self.client.exchange_pkce(code, &verifier).await?;
        Ok(self.establish(session, true).await)
    }
}

/// The link's target and its parameters, query and fragment together.
fn parse(raw: &str) -> Option<(Target, HashMap<String, String>)> {
    let url = Url::parse(raw.trim()).ok()?;
    if url.scheme() != "native-ai" || url.host_str() != Some("auth") {
        return None;
    }
    let target = match url.path().trim_end_matches('/') {
        "/callback" => Target::Callback,
        "/recovery" => Target::Recovery,
        _ => return None,
    };
    let mut params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    if let Some(fragment) = url.fragment() {
        params.extend(url::form_urlencoded::parse(fragment.as_bytes()).into_owned());
    }
    Some((target, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_auth_links_parse() {
        let (target, params) = parse("native-ai://auth/recovery#access_token=a&type=recovery")
            .expect("a recovery link");
        assert_eq!(target, Target::Recovery);
        assert_eq!(params["type"], "recovery");
        assert_eq!(
            parse("native-ai://auth/callback?code=c").map(|p| p.0),
            Some(Target::Callback)
        );
        for bad in [
            "https://evil.example/auth/callback?code=c",
            "native-ai://other/callback?code=c",
            "native-ai://auth/elsewhere?code=c",
            "not a url",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}

//! Who is calling: Supabase access tokens verified locally, with no call to
//! the auth server per request. HS256 tokens are checked against the
//! project's secret, asymmetric ones (ES256, RS256, ...) against the public
//! keys of its JWKS ([`jwks`]). Signature, `exp`, `aud` and `sub` are
//! required; anything else is a 401 that says nothing about why.

mod jwks;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use native_core::UserId;
use serde::Deserialize;

use crate::ApiError;
use crate::config::AuthSettings;
use crate::startup::AppState;

pub use jwks::Jwks;

/// The claims the gateway reads; `exp` and `aud` are checked by
/// `jsonwebtoken` before these are looked at.
#[derive(Deserialize)]
struct Claims {
    sub: String,
}

/// Verifies access tokens. Cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<Arc<DecodingKey>>,
    jwks: Option<Arc<Jwks>>,
    audience: String,
    leeway_secs: u64,
}

impl Verifier {
    pub fn new(settings: &AuthSettings, http: reqwest::Client) -> Self {
        Self {
            secret: settings
                .jwt_secret
                .as_ref()
                .map(|secret| Arc::new(DecodingKey::from_secret(secret.as_bytes()))),
            jwks: settings
                .jwks_url
                .as_ref()
                .map(|url| Arc::new(Jwks::new(url.clone(), settings, http))),
            audience: settings.audience.clone(),
            leeway_secs: settings.leeway_secs,
        }
    }

    /// The user a token belongs to, if it is genuine, unexpired and meant
    /// for this project's API.
    pub async fn verify(&self, token: &str) -> Result<UserId, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::Unauthorized)?;
        // The algorithm picks the key source, and each source only ever
        // verifies its own family: an HS256 token is never checked against a
        // public key (the classic algorithm-confusion attack), nor an ES256
        // one against the secret.
        let key = match header.alg {
            Algorithm::HS256 => self.secret.clone().ok_or(ApiError::Unauthorized)?,
            Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512
            | Algorithm::EdDSA => {
                let kid = header.kid.as_deref().ok_or(ApiError::Unauthorized)?;
                let jwks = self.jwks.as_ref().ok_or(ApiError::Unauthorized)?;
                jwks.key(kid, header.alg).await?
            }
            Algorithm::HS384 | Algorithm::HS512 => return Err(ApiError::Unauthorized),
        };
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        validation.leeway = self.leeway_secs;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|_| ApiError::Unauthorized)?;
        UserId::parse(&data.claims.sub).map_err(|_| ApiError::Unauthorized)
    }
}

/// The verified caller of a handler.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: UserId,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer)
            .ok_or(ApiError::Unauthorized)?;
        let id = state.verifier.verify(token).await?;
        tracing::Span::current().record("user_id", tracing::field::display(id.as_uuid()));
        Ok(Self { id })
    }
}

/// The token of an `Authorization: Bearer <token>` value (the scheme is
/// case-insensitive, RFC 7235).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_values() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}

//! A project's legacy HS256 keys, as a Supabase project has them: one JWT
//! secret, and the `anon` and `service_role` API keys, which are long-lived
//! JWTs signed with that secret. Dev auth signs access tokens with the secret,
//! PostgREST verifies them with it, and tests forge tokens with [`ProjectKeys::sign`].

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Value, json};

/// How long the generated API keys are valid: Supabase issues them for ten years.
const API_KEY_LIFETIME_SECS: i64 = 10 * 365 * 24 * 60 * 60;

/// The length of a generated JWT secret. Supabase requires at least 32
/// characters; its generated secrets are 40.
const SECRET_LEN: usize = 48;

/// A project's HS256 signing secret and the API keys derived from it.
#[derive(Clone)]
pub struct ProjectKeys {
    pub jwt_secret: String,
    pub anon_key: String,
    pub service_role_key: String,
}

impl std::fmt::Debug for ProjectKeys {
    // The secret and keys are credentials (even if only local ones): keep them
    // out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectKeys").finish_non_exhaustive()
    }
}

impl ProjectKeys {
    /// A fresh random secret, with `anon` and `service_role` keys signed by it.
    pub fn generate() -> Self {
        let secret: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(SECRET_LEN)
            .map(char::from)
            .collect();
        Self::from_secret(secret)
    }

    /// The keys of a project whose secret is known, e.g. to reproduce a run.
    pub fn from_secret(jwt_secret: impl Into<String>) -> Self {
        let jwt_secret = jwt_secret.into();
        let iat = time::OffsetDateTime::now_utc().unix_timestamp();
        let api_key = |role: &str| {
            let claims = json!({
                "iss": "supabase",
                "role": role,
                "iat": iat,
                "exp": iat + API_KEY_LIFETIME_SECS,
            });
            sign_hs256(&jwt_secret, &claims)
        };
        let anon_key = api_key("anon");
        let service_role_key = api_key("service_role");
        Self {
            jwt_secret,
            anon_key,
            service_role_key,
        }
    }

    /// Signs arbitrary claims with the project secret (HS256), the way
    /// Supabase Auth signs access tokens. Tests use it to forge tokens.
    pub fn sign(&self, claims: &Value) -> String {
        sign_hs256(&self.jwt_secret, claims)
    }

    /// An access token for `user` (role and audience `authenticated`), as
    /// Supabase Auth issues at sign-in, valid for `lifetime_secs` from now.
    pub fn access_token(&self, user: uuid::Uuid, lifetime_secs: i64) -> String {
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + lifetime_secs;
        self.sign(&json!({
            "sub": user,
            "aud": "authenticated",
            "exp": exp,
            "role": "authenticated",
        }))
    }

    /// Like [`ProjectKeys::sign`], but reports the (practically impossible)
    /// signing error instead of answering an empty token.
    pub fn try_sign(&self, claims: &Value) -> Result<String, jsonwebtoken::errors::Error> {
        let key = EncodingKey::from_secret(self.jwt_secret.as_bytes());
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key)
    }

    /// Verifies an HS256 token's signature and `exp` (without leeway, so that
    /// short test TTLs behave exactly) and answers its claims. `aud`, when
    /// given, must match.
    pub fn verify(
        &self,
        token: &str,
        aud: Option<&str>,
    ) -> Result<Value, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        match aud {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let key = DecodingKey::from_secret(self.jwt_secret.as_bytes());
        jsonwebtoken::decode::<Value>(token, &key, &validation).map(|data| data.claims)
    }
}

/// HS256-signs `claims`. Encoding a JSON value with an HMAC key cannot fail
/// (the claims always serialise and every byte string is a valid HMAC key), so
/// the error branch only exists to avoid a panic path; an empty token is
/// refused by every verifier, which is the safe outcome.
fn sign_hs256(secret: &str, claims: &Value) -> String {
    let key = EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).unwrap_or_else(|err| {
        tracing::error!(error = %err, "HS256 signing failed");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_carry_their_role_and_verify() {
        let keys = ProjectKeys::generate();
        assert!(keys.jwt_secret.len() >= 40);
        let anon = keys
            .verify(&keys.anon_key, None)
            .expect("anon key verifies");
        assert_eq!(anon["role"], "anon");
        assert_eq!(anon["iss"], "supabase");
        let service = keys
            .verify(&keys.service_role_key, None)
            .expect("service key verifies");
        assert_eq!(service["role"], "service_role");
        let ten_years =
            service["exp"].as_i64().expect("exp") - service["iat"].as_i64().expect("iat");
        assert_eq!(ten_years, API_KEY_LIFETIME_SECS);
    }

    #[test]
    fn another_projects_secret_is_refused() {
        let a = ProjectKeys::generate();
        let b = ProjectKeys::generate();
        assert_ne!(a.jwt_secret, b.jwt_secret);
        assert!(b.verify(&a.anon_key, None).is_err());
    }

    #[test]
    fn expired_and_wrong_audience_tokens_are_refused() {
        let keys = ProjectKeys::generate();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let expired = keys.sign(&json!({"sub": "x", "aud": "authenticated", "exp": now - 1}));
        assert!(keys.verify(&expired, Some("authenticated")).is_err());
        let other_aud = keys.sign(&json!({"sub": "x", "aud": "other", "exp": now + 60}));
        assert!(keys.verify(&other_aud, Some("authenticated")).is_err());
        let good = keys.sign(&json!({"sub": "x", "aud": "authenticated", "exp": now + 60}));
        assert_eq!(
            keys.verify(&good, Some("authenticated")).expect("valid")["sub"],
            "x"
        );
    }
}

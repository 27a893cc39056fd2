//! The project's public signing keys (JWKS), cached.
//!
//! Keys are fetched on first use, again when older than `jwks_max_age`, and
//! again when a token names a `kid` the cache does not hold (a rotation), but
//! never more often than `jwks_min_refetch`: a stream of tokens with made-up
//! kids costs at most one fetch per interval. Fetches are single-flight.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::ApiError;
use crate::config::AuthSettings;

/// How long one JWKS fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

struct CachedKey {
    /// The `alg` the JWK declares, if any; a token must then use exactly it.
    alg: Option<Algorithm>,
    key: Arc<DecodingKey>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, CachedKey>,
    /// When the last fetch was attempted (successful or not).
    attempted_at: Option<Instant>,
    /// When the keys were last fetched successfully.
    fetched_at: Option<Instant>,
}

/// The JWKS of one project.
pub struct Jwks {
    url: String,
    apikey: Option<String>,
    http: reqwest::Client,
    min_refetch: Duration,
    max_age: Duration,
    cache: RwLock<Cache>,
    /// Held while fetching, so concurrent misses wait for one fetch.
    fetching: tokio::sync::Mutex<()>,
}

/// A JWKS document; keys are parsed one by one so that one key of a type we
/// do not know does not hide the others.
#[derive(Deserialize)]
struct KeySet {
    keys: Vec<serde_json::Value>,
}

impl Jwks {
    pub fn new(url: String, settings: &AuthSettings, http: reqwest::Client) -> Self {
        Self {
            url,
            apikey: settings.jwks_apikey.clone(),
            http,
            min_refetch: settings.jwks_min_refetch,
            max_age: settings.jwks_max_age,
            cache: RwLock::new(Cache::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The key for `kid`, usable with `alg`.
    pub async fn key(&self, kid: &str, alg: Algorithm) -> Result<Arc<DecodingKey>, ApiError> {
        if let Some(found) = self.cached(kid, alg, true)? {
            return Ok(found);
        }
        let _fetching = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(found) = self.cached(kid, alg, true)? {
            return Ok(found);
        }
        let may_fetch = {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            cache
                .attempted_at
                .is_none_or(|at| at.elapsed() >= self.min_refetch)
        };
        if may_fetch {
            let fetched = self.fetch().await;
            let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
            cache.attempted_at = Some(Instant::now());
            match fetched {
                Ok(keys) => {
                    cache.keys = keys;
                    cache.fetched_at = Some(Instant::now());
                }
                Err(reason) => {
                    tracing::warn!(reason, "cannot fetch the JWKS");
                    drop(cache);
                    // Stale keys still verify; without the key, say the
                    // service is unavailable rather than that the token is bad,
                    // so the app does not sign its user out.
                    return match self.cached(kid, alg, false)? {
                        Some(found) => Ok(found),
                        None => Err(ApiError::AuthUnavailable),
                    };
                }
            }
        }
        self.cached(kid, alg, false)?.ok_or(ApiError::Unauthorized)
    }

    /// The cached key for `kid`; with `fresh_only`, only if the keys are
    /// younger than `max_age`. A key whose declared `alg` differs from the
    /// token's is an error, not a miss.
    fn cached(
        &self,
        kid: &str,
        alg: Algorithm,
        fresh_only: bool,
    ) -> Result<Option<Arc<DecodingKey>>, ApiError> {
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        let fresh = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.max_age);
        if fresh_only && !fresh {
            return Ok(None);
        }
        match cache.keys.get(kid) {
            Some(cached) if cached.alg.is_some_and(|declared| declared != alg) => {
                Err(ApiError::Unauthorized)
            }
            Some(cached) => Ok(Some(Arc::clone(&cached.key))),
            None => Ok(None),
        }
    }

    /// Fetches and parses the key set. The error is a short reason for the
    /// log, never the URL's response body.
    async fn fetch(&self) -> Result<HashMap<String, CachedKey>, &'static str> {
        let mut request = self.http.get(&self.url).timeout(FETCH_TIMEOUT);
        if let Some(apikey) = &self.apikey {
            request = request.header("apikey", apikey);
        }
        let response = request.send().await.map_err(|err| {
            if err.is_timeout() {
                "timed out"
            } else {
                "unreachable"
            }
        })?;
        if !response.status().is_success() {
            return Err("answered an error status");
        }
        let set: KeySet = response.json().await.map_err(|_| "not a key set")?;
        Ok(set.keys.into_iter().filter_map(parse_key).collect())
    }
}

/// A public key with a `kid`. Symmetric (`oct`) keys are ignored: a JWKS
/// publishes public keys, and HS256 tokens only ever meet the configured
/// secret.
fn parse_key(value: serde_json::Value) -> Option<(String, CachedKey)> {
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
        return None;
    }
    let kid = jwk.common.key_id.clone()?;
    let alg = match jwk.common.key_algorithm {
        // Keys for algorithms we cannot verify (RSA1_5 is for encryption)
        // are skipped, not trusted with some other algorithm.
        Some(declared) => Some(declared.to_string().parse::<Algorithm>().ok()?),
        None => None,
    };
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some((
        kid,
        CachedKey {
            alg,
            key: Arc::new(key),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_keys_with_a_kid_are_kept() {
        let ec = serde_json::json!({
            "kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        });
        let (kid, key) = parse_key(ec.clone()).expect("an EC key");
        assert_eq!(kid, "k1");
        assert_eq!(key.alg, Some(Algorithm::ES256));
        let mut no_kid = ec;
        no_kid.as_object_mut().map(|o| o.remove("kid"));
        assert!(parse_key(no_kid).is_none());
        let oct = serde_json::json!({"kty": "oct", "kid": "s", "k": "c2VjcmV0"});
        assert!(parse_key(oct).is_none());
        assert!(parse_key(serde_json::json!({"kty": "weird", "kid": "w"})).is_none());
    }
}

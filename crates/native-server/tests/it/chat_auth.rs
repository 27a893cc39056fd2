//! Access tokens are verified locally: the project's HS256 secret, and the
//! asymmetric keys of its JWKS, refetched when a new `kid` appears (a key
//! rotation) but no more often than allowed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use native_testkit::Stack;
use native_testkit::keys::ProjectKeys;
use p256::pkcs8::EncodePrivateKey;
use serde_json::{Value, json};

use crate::gateway::{Server, ask, chat, expect_error, settings, user};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(sub: uuid::Uuid, aud: &str, exp: i64) -> Value {
    json!({"sub": sub, "aud": aud, "exp": exp, "role": "authenticated"})
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_expired_forged_and_misdirected_tokens_get_401() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "tokens@example.com").await;
    let url = stack.native_api_url();
    let keys = stack.keys();

    let missing = crate::gateway::post(url, "/v1/chat/completions", None, &ask("hi", false)).await;
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    expect_error(missing, 401, "unauthorized").await;

    let expired = keys.sign(&claims(alice.id, "authenticated", now() - 3600));
    let forged = ProjectKeys::generate().sign(&claims(alice.id, "authenticated", now() + 3600));
    let wrong_audience = keys.sign(&claims(alice.id, "other", now() + 3600));
    let no_audience = keys.sign(&json!({"sub": alice.id, "exp": now() + 3600}));
    let not_a_user = keys
        .sign(&claims(alice.id, "authenticated", now() + 3600))
        .replace('.', "");
    // `alg: none` with a valid-looking payload and no signature.
    let unsigned = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        keys.sign(&claims(alice.id, "authenticated", now() + 3600))
            .split('.')
            .nth(1)
            .unwrap()
    );
    for (what, token) in [
        ("expired", &expired),
        ("forged", &forged),
        ("wrong audience", &wrong_audience),
        ("no audience", &no_audience),
        ("garbage", &not_a_user),
        ("unsigned", &unsigned),
        ("the anon key", &stack.anon_key().to_owned()),
        ("the service key", &stack.service_role_key().to_owned()),
    ] {
        let response = chat(url, token, &ask("hi", false)).await;
        assert_eq!(response.status(), 401, "{what}");
        expect_error(response, 401, "unauthorized").await;
    }
    assert!(stack.provider().chat_requests().is_empty());

    // The same claims, genuinely signed, pass; the dev auth's token too.
    let genuine = keys.sign(&claims(alice.id, "authenticated", now() + 3600));
    assert_eq!(chat(url, &genuine, &ask("hi", false)).await.status(), 200);
    assert_eq!(
        chat(url, &alice.token, &ask("hi", false)).await.status(),
        200
    );

    // A token that outlives its user is refused too.
    sqlx::query("delete from auth.users where id = $1")
        .bind(alice.id)
        .execute(&stack.db().await)
        .await
        .unwrap();
    expect_error(
        chat(url, &genuine, &ask("hi", false)).await,
        401,
        "unauthorized",
    )
    .await;
}

/// An ES256 signing key and its public JWK.
struct EcKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
}

impl EcKey {
    fn generate(kid: &str) -> Self {
        let secret = loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(key) = p256::ecdsa::SigningKey::from_bytes(&bytes.into()) {
                break key;
            }
        };
        let der = secret.to_pkcs8_der().expect("PKCS#8");
        let encoding = EncodingKey::from_ec_der(der.as_bytes());
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).expect("JWK");
        jwk.common.key_id = Some(kid.to_owned());
        Self {
            kid: kid.to_owned(),
            encoding,
            jwk,
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}

/// A JWKS endpoint whose keys the test changes, counting fetches.
struct JwksServer {
    url: String,
    keys: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start() -> Self {
        let keys: Arc<Mutex<Vec<Jwk>>> = Arc::default();
        let fetches: Arc<AtomicUsize> = Arc::default();
        let (k, f) = (keys.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/auth/v1/.well-known/jwks.json",
            get(move || {
                let (k, f) = (k.clone(), f.clone());
                async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    Json(JwkSet {
                        keys: k.lock().expect("keys lock").clone(),
                    })
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the JWKS server");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, keys, fetches }
    }

    fn publish(&self, keys: &[&EcKey]) {
        *self.keys.lock().expect("keys lock") = keys.iter().map(|k| k.jwk.clone()).collect();
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn asymmetric_keys_come_from_the_jwks_and_a_rotation_is_picked_up() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "jwks@example.com").await;
    let jwks = JwksServer::start().await;
    let old = EcKey::generate("key-2026-a");
    let new = EcKey::generate("key-2026-b");
    jwks.publish(&[&old]);
    let mut tuned = settings(&stack);
    tuned.auth.jwks_url = Some(format!("{}{}", jwks.url, native_server::config::JWKS_PATH));
    // Long enough that the made-up kids below all fall inside one interval,
    // even in a debug build.
    tuned.auth.jwks_min_refetch = Duration::from_secs(2);
    let server = Server::start(tuned).await;
    let token = |key: &EcKey| key.sign(&claims(alice.id, "authenticated", now() + 600));

    assert_eq!(
        chat(&server.url, &token(&old), &ask("a", false))
            .await
            .status(),
        200
    );
    assert_eq!(
        chat(&server.url, &token(&old), &ask("b", false))
            .await
            .status(),
        200
    );
    assert_eq!(jwks.fetches(), 1, "keys are cached");

    // A token signed by a key nobody published, under a known kid.
    let impostor = EcKey::generate("key-2026-a");
    expect_error(
        chat(&server.url, &token(&impostor), &ask("c", false)).await,
        401,
        "unauthorized",
    )
    .await;
    // An HS256 token cannot borrow an asymmetric key's kid.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("key-2026-a".into());
    let confused = jsonwebtoken::encode(
        &hs,
        &claims(alice.id, "authenticated", now() + 600),
        &EncodingKey::from_secret(b"not the project secret"),
    )
    .unwrap();
    expect_error(
        chat(&server.url, &confused, &ask("d", false)).await,
        401,
        "unauthorized",
    )
    .await;

    let strangers: Vec<String> = (0..5)
        .map(|i| token(&EcKey::generate(&format!("made-up-{i}"))))
        .collect();

    // Rotation: the new key is published, the old one withdrawn.
    jwks.publish(&[&new]);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        chat(&server.url, &token(&new), &ask("e", false))
            .await
            .status(),
        200
    );
    assert_eq!(jwks.fetches(), 2, "an unknown kid refetched the keys");

    // Made-up kids right after a fetch cost no fetch at all.
    for stranger in &strangers {
        expect_error(
            chat(&server.url, stranger, &ask("f", false)).await,
            401,
            "unauthorized",
        )
        .await;
    }
    assert_eq!(jwks.fetches(), 2, "refetches are rate limited");
    // The withdrawn key no longer verifies.
    expect_error(
        chat(&server.url, &token(&old), &ask("g", false)).await,
        401,
        "unauthorized",
    )
    .await;
}

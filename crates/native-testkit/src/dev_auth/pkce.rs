//! PKCE (RFC 7636) as GoTrue implements it: the code challenge a client sends
//! with `/authorize`, `/signup` or `/recover`, the `auth.flow_state` row that
//! remembers it, and the check of the verifier at `grant_type=pkce`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use super::error::{AuthError, AuthResult};

/// A validated code challenge.
#[derive(Debug, Clone)]
pub(crate) struct Challenge {
    pub challenge: String,
    /// `s256` or `plain`, lower-case as GoTrue stores it.
    pub method: &'static str,
}

/// Validates an optional challenge the way GoTrue does: both parts or none, a
/// known method, and RFC 7636's 43–128 characters.
pub(crate) fn parse_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> AuthResult<Option<Challenge>> {
    let challenge = challenge.map(str::trim).filter(|c| !c.is_empty());
    let method = method.map(str::trim).filter(|m| !m.is_empty());
    let (challenge, method) = match (challenge, method) {
        (None, None) => return Ok(None),
        (Some(challenge), Some(method)) => (challenge, method),
        _ => {
            return Err(AuthError::validation(
                "PKCE flow requires code_challenge_method and code_challenge",
            ));
        }
    };
    let method = if method.eq_ignore_ascii_case("s256") {
        "s256"
    } else if method.eq_ignore_ascii_case("plain") {
        "plain"
    } else {
        return Err(AuthError::validation(format!(
            "code challenge method not supported: {method}"
        )));
    };
    if !(43..=128).contains(&challenge.len()) {
        return Err(AuthError::validation(
            "code challenge has to be between 43 and 128 characters",
        ));
    }
    Ok(Some(Challenge {
        challenge: challenge.to_owned(),
        method,
    }))
}

/// The S256 challenge of a verifier: base64url(sha256(verifier)), unpadded.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers the stored challenge.
pub(crate) fn verifier_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    match method {
        "plain" => verifier == challenge,
        _ => s256_challenge(verifier) == challenge,
    }
}

/// Stores a flow state for `user_id` and answers its auth code. `issued` says
/// whether the code is handed out now (OAuth consent); for e-mail links the
/// code is handed out later, when the link is followed, which is also when the
/// five minutes of validity start.
pub(crate) async fn insert_flow_state(
    conn: &mut PgConnection,
    user_id: Uuid,
    challenge: &Challenge,
    provider_type: &str,
    authentication_method: &str,
    issued: bool,
) -> AuthResult<String> {
    let auth_code = Uuid::new_v4().to_string();
    sqlx::query(
        "insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, \
           code_challenge, provider_type, authentication_method, created_at, updated_at, \
           auth_code_issued_at) \
         values ($1, $2, $3, $4, $5, $6, $7, now(), now(), case when $8 then now() end)",
    )
    .bind(Uuid::new_v4())
    .bind(user_id)
    .bind(&auth_code)
    .bind(challenge.method)
    .bind(&challenge.challenge)
    .bind(provider_type)
    .bind(authentication_method)
    .bind(issued)
    .execute(conn)
    .await?;
    Ok(auth_code)
}

/// Hands out the auth code of the user's latest flow state for
/// `authentication_method` (an e-mail link being followed), starting its
/// validity now.
pub(crate) async fn issue_code(
    conn: &mut PgConnection,
    user_id: Uuid,
    authentication_method: &str,
) -> AuthResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "update auth.flow_state set auth_code_issued_at = now(), updated_at = now() \
         where id = (select id from auth.flow_state \
                     where user_id = $1 and authentication_method = $2 \
                     order by created_at desc limit 1) \
         returning auth_code",
    )
    .bind(user_id)
    .bind(authentication_method)
    .fetch_optional(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_example_verifier() {
        // The example of RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(verifier_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "s256",
            verifier
        ));
        assert!(!verifier_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "s256",
            "wrong"
        ));
    }

    #[test]
    fn challenge_rules() {
        assert!(parse_challenge(None, None).expect("none").is_none());
        assert!(parse_challenge(Some(&"a".repeat(43)), None).is_err());
        assert!(parse_challenge(Some(&"a".repeat(42)), Some("S256")).is_err());
        assert!(parse_challenge(Some(&"a".repeat(43)), Some("md5")).is_err());
        let ok = parse_challenge(Some(&"a".repeat(43)), Some("S256"))
            .expect("valid")
            .expect("some");
        assert_eq!(ok.method, "s256");
    }
}

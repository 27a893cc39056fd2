//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>...`,
//! where each `v1` is HMAC-SHA256 of `<t>.<raw body>` keyed with an endpoint
//! secret. Any `v1` may match any configured secret: during a roll Stripe
//! signs with every live secret, and we may hold the old and the new one.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// Stripe sends one `v1` per live secret (two during a roll); more than this
/// many is not Stripe, and each costs an HMAC comparison per secret.
const MAX_SIGNATURES: usize = 16;

/// Checks `header` against `body` with every secret. `now` is unix seconds.
/// The HMAC comparison is constant-time (`Mac::verify_slice`); the reasons
/// given never include the expected value.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[String],
    tolerance: Duration,
    now: i64,
) -> Result<(), ApiError> {
    let header = header.ok_or(ApiError::InvalidSignature(
        "the Stripe-Signature header is missing",
    ))?;
    let mut timestamp: Option<&str> = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((scheme, value)) = part.trim().split_once('=') else {
            continue;
        };
        match scheme {
            "t" if timestamp.is_some() => {
                return Err(ApiError::InvalidSignature("the header has two timestamps"));
            }
            "t" => timestamp = Some(value),
            // v0 and unknown schemes are ignored, as Stripe's SDKs do.
            "v1" if signatures.len() < MAX_SIGNATURES => {
                // A value that is not hex cannot match; the others still may.
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(ApiError::InvalidSignature("the header has no timestamp"))?;
    let signed_at: i64 = timestamp
        .parse()
        .map_err(|_| ApiError::InvalidSignature("the timestamp is not a number"))?;
    if signatures.is_empty() {
        return Err(ApiError::InvalidSignature("the header has no v1 signature"));
    }
    if now.abs_diff(signed_at) > tolerance.as_secs() {
        return Err(ApiError::InvalidSignature(
            "the timestamp is outside the tolerance",
        ));
    }
    for secret in secrets {
        // HMAC takes keys of any length; this cannot fail.
        let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        // The signed text uses the timestamp exactly as the header wrote it.
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        if signatures
            .iter()
            .any(|signature| mac.clone().verify_slice(signature).is_ok())
        {
            return Ok(());
        }
    }
    Err(ApiError::InvalidSignature("no signature matches"))
}

/// The header Stripe would send for `body` signed with `secret` at `t`.
#[cfg(test)]
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;
    const TOLERANCE: Duration = Duration::from_secs(300);

    fn secrets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn reason(result: Result<(), ApiError>) -> &'static str {
        match result {
            Err(ApiError::InvalidSignature(reason)) => reason,
            other => panic!("expected an invalid signature, got {other:?}"),
        }
    }

    #[test]
    fn a_signature_by_the_secret_is_accepted() {
        let header = sign("whsec_a", NOW, BODY);
        verify(Some(&header), BODY, &secrets(&["whsec_a"]), TOLERANCE, NOW).expect("valid");
    }

    #[test]
    fn matches_an_independent_hmac() {
        // HMAC-SHA256(key "whsec_test_secret", "1700000000.{}"), computed
        // with Python's hmac module.
        let header = "t=1700000000,\
            v1=ceb8863f7208fa249a6cd8f951e993c7563412aca65866f6272283debe143ab3";
        assert_eq!(sign("whsec_test_secret", 1_700_000_000, b"{}"), header);
        verify(
            Some(header),
            b"{}",
            &secrets(&["whsec_test_secret"]),
            TOLERANCE,
            1_700_000_000,
        )
        .expect("valid");
    }

    #[test]
    fn any_v1_may_match_and_v0_is_ignored() {
        let good = sign("whsec_new", NOW, BODY);
        let good_hex = good.split_once("v1=").expect("v1").1;
        let header = format!("t={NOW},v1={},v1={good_hex},v0={good_hex}", "00".repeat(32));
        verify(
            Some(&header),
            BODY,
            &secrets(&["whsec_new"]),
            TOLERANCE,
            NOW,
        )
        .expect("valid");
        let only_v0 = format!("t={NOW},v0={good_hex}");
        assert_eq!(
            reason(verify(
                Some(&only_v0),
                BODY,
                &secrets(&["whsec_new"]),
                TOLERANCE,
                NOW
            )),
            "the header has no v1 signature"
        );
    }

    #[test]
    fn any_configured_secret_may_match() {
        let header = sign("whsec_old", NOW, BODY);
        let both = secrets(&["whsec_new", "whsec_old"]);
        verify(Some(&header), BODY, &both, TOLERANCE, NOW).expect("valid");
        let other = secrets(&["whsec_new"]);
        assert_eq!(
            reason(verify(Some(&header), BODY, &other, TOLERANCE, NOW)),
            "no signature matches"
        );
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let header = sign("whsec_a", NOW, BODY);
        let tampered = br#"{"id":"evt_1","type":"invoice.paid" }"#;
        assert_eq!(
            reason(verify(
                Some(&header),
                tampered,
                &secrets(&["whsec_a"]),
                TOLERANCE,
                NOW
            )),
            "no signature matches"
        );
    }

    #[test]
    fn old_and_future_timestamps_are_refused() {
        let keys = secrets(&["whsec_a"]);
        for t in [NOW - 301, NOW + 301, 0, i64::MIN, i64::MAX] {
            let header = sign("whsec_a", t, BODY);
            assert_eq!(
                reason(verify(Some(&header), BODY, &keys, TOLERANCE, NOW)),
                "the timestamp is outside the tolerance",
                "t = {t}"
            );
        }
        for t in [NOW - 300, NOW + 300] {
            let header = sign("whsec_a", t, BODY);
            verify(Some(&header), BODY, &keys, TOLERANCE, NOW).expect("inside the tolerance");
        }
    }

    #[test]
    fn malformed_headers_are_refused_without_panicking() {
        let keys = secrets(&["whsec_a"]);
        let cases = [
            (None, "the Stripe-Signature header is missing"),
            (Some(""), "the header has no timestamp"),
            (Some("v1=abcd"), "the header has no timestamp"),
            (Some("t=abc,v1=00"), "the timestamp is not a number"),
            (Some("t=1,t=2,v1=00"), "the header has two timestamps"),
            (Some("t=1764000000"), "the header has no v1 signature"),
            (Some("t=1764000000,v1=zz"), "the header has no v1 signature"),
            (Some("t=1764000000,v1=00"), "no signature matches"),
            (
                Some(",,=,t=1764000000,v1"),
                "the header has no v1 signature",
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(
                reason(verify(header, BODY, &keys, TOLERANCE, NOW)),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn no_secret_means_nothing_verifies() {
        let header = sign("whsec_a", NOW, BODY);
        assert_eq!(
            reason(verify(Some(&header), BODY, &[], TOLERANCE, NOW)),
            "no signature matches"
        );
    }
}

//! Stripe's side of a webhook delivery, for tests that cannot reach Stripe:
//! the `Stripe-Signature` header computed as `../shared/reference/stripe.md`
//! describes (HMAC-SHA256 of `<t>.<raw body>` with the endpoint secret), and
//! a delivery of a signed event to the stack's `native-server`.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::Stack;

/// `Stripe-Signature` for `body` signed with `secret` at unix time `t`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

impl Stack {
    /// Posts `event` to `/api/billing/webhook`, signed now with the stack's
    /// secret, as Stripe delivers it; returns the HTTP status.
    pub async fn deliver_stripe_event(&self, event: &Value) -> anyhow::Result<u16> {
        let body = serde_json::to_vec(event)?;
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let url = format!(
            "{}/api/billing/webhook",
            self.native_api_url().trim_end_matches('/')
        );
        let response = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header(
                "stripe-signature",
                signature(self.stripe_webhook_secret(), t, &body),
            )
            .body(body)
            .send()
            .await?;
        Ok(response.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_stripes_recipe() {
        // The HMAC of "1.{}" under "whsec_test", computed independently
        // (python3: hmac.new(b"whsec_test", b"1.{}", hashlib.sha256)).
        assert_eq!(
            signature("whsec_test", 1, b"{}"),
            format!("t=1,v1={}", EXPECTED)
        );
    }

    const EXPECTED: &str = "7500d5d4be4b3ef07af1fe56f7d522d135cdaa7530de557e67cc1049c52de094";
}

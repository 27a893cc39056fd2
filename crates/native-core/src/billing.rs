//! What a user can buy and how the app sends them to pay: Stripe Payment
//! Links, checked against an allow-list of hosts, and the checkout address
//! built from one for a given user.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::{CoreError, EmailAddress, UserId};

/// The host of every Stripe Payment Link (`https://buy.stripe.com/...`).
pub const STRIPE_PAYMENT_LINK_HOST: &str = "buy.stripe.com";

/// Tokens a Token Pack adds, as non-expiring credits.
pub const TOKEN_PACK_TOKENS: i64 = 250_000;

/// The two things for sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// The Pro plan, a monthly subscription.
    Pro,
    /// A one-time pack of [`TOKEN_PACK_TOKENS`] credits.
    TopUp250k,
}

/// A price in a currency's minor units (cents), as Stripe counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Price {
    /// Minor units: 1500 is $15.00. Exported to TypeScript as a plain
    /// `number` (specta writes `f64` as `number | null`); a price is far
    /// below 2^53, where a JavaScript number stays exact.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub amount_minor: i64,
    /// ISO 4217, lowercase as Stripe writes it (`usd`).
    pub currency: String,
}

impl Price {
    /// A price from configuration: a non-negative amount and a three-letter
    /// currency code.
    pub fn parse(amount_minor: i64, currency: &str) -> Result<Self, CoreError> {
        let currency = currency.trim().to_ascii_lowercase();
        if amount_minor < 0
            || currency.len() != 3
            || !currency.bytes().all(|b| b.is_ascii_lowercase())
        {
            return Err(CoreError::InvalidPrice);
        }
        Ok(Self {
            amount_minor,
            currency,
        })
    }
}

/// A Payment Link the app may open: absolute `https`, on Stripe's
/// payment-link host or on a host the operator named, with no credentials
/// and no fragment. Anything else is refused when configuration is read, so
/// a tampered setting cannot send a user's e-mail to another site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLink(Url);

impl PaymentLink {
    /// Validates `raw` against [`STRIPE_PAYMENT_LINK_HOST`] and the extra
    /// `allowed_hosts` (exact names, compared case-insensitively).
    pub fn parse(raw: &str, allowed_hosts: &[String]) -> Result<Self, CoreError> {
        let url = Url::parse(raw.trim()).map_err(|_| CoreError::InvalidPaymentLink)?;
        let host = match url.host_str() {
            Some(host) => host.to_ascii_lowercase(),
            None => return Err(CoreError::InvalidPaymentLink),
        };
        let allowed = host == STRIPE_PAYMENT_LINK_HOST
            || allowed_hosts
                .iter()
                .any(|h| h.trim().eq_ignore_ascii_case(&host));
        if url.scheme() != "https"
            || !allowed
            || url.port().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.fragment().is_some()
        {
            return Err(CoreError::InvalidPaymentLink);
        }
        Ok(Self(url))
    }

    /// The link as configured.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The address to open for `user`: the link with `client_reference_id`
    /// (the user's UUID, which the webhook trusts first) and
    /// `prefilled_email`, percent-encoded; any values of those two that the
    /// configured link already carried are replaced, other parameters kept.
    pub fn checkout_url(&self, user: UserId, email: &EmailAddress) -> Url {
        let mut url = self.0.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "client_reference_id" && k != "prefilled_email")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (k, v) in &kept {
                query.append_pair(k, v);
            }
            query
                .append_pair("client_reference_id", &user.to_string())
                .append_pair("prefilled_email", email.as_str());
        }
        // `form_urlencoded` writes a space as `+`, which Stripe reads as a
        // space too; but a literal `+` in an address (`a+b@x`) must arrive as
        // `%2B`, and it does: only spaces become `+`.
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserId {
        UserId::parse("0b3c7f1e-5d2a-4e8b-9c1f-2a3b4c5d6e7f").unwrap()
    }

    #[test]
    fn only_https_stripe_or_named_hosts_are_links() {
        let extra = vec!["pay.example.com".to_owned()];
        assert!(PaymentLink::parse("https://buy.stripe.com/test_abc", &[]).is_ok());
        assert!(PaymentLink::parse("https://BUY.stripe.com/abc", &[]).is_ok());
        assert!(PaymentLink::parse("https://pay.example.com/x", &extra).is_ok());
        for bad in [
            "http://buy.stripe.com/abc",
            "https://buy.stripe.com.evil.example/abc",
            "https://evil.example/buy.stripe.com",
            "https://user:pw@buy.stripe.com/abc",
            "https://buy.stripe.com:8443/abc",
            "https://buy.stripe.com/abc#frag",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "buy.stripe.com/abc",
            "",
        ] {
            assert_eq!(
                PaymentLink::parse(bad, &extra),
                Err(CoreError::InvalidPaymentLink),
                "{bad}"
            );
        }
        assert!(PaymentLink::parse("https://pay.example.com/x", &[]).is_err());
    }

    #[test]
    fn checkout_url_carries_the_user_and_an_encoded_email() {
        let link = PaymentLink::parse("https://buy.stripe.com/test_abc?locale=fr", &[]).unwrap();
        let email = EmailAddress::parse("Zoë+pro@Example.com").unwrap();
        let url = link.checkout_url(user(), &email);
        assert_eq!(
            url.as_str(),
            "https://buy.stripe.com/test_abc?locale=fr\
             &client_reference_id=0b3c7f1e-5d2a-4e8b-9c1f-2a3b4c5d6e7f\
             &prefilled_email=Zo%C3%AB%2Bpro%40example.com"
        );
        // Read back, the values are exactly what was meant.
        let pairs: Vec<_> = url.query_pairs().collect();
        assert!(pairs.contains(&("prefilled_email".into(), "Zoë+pro@example.com".into())));
    }

    #[test]
    fn configured_values_for_the_user_fields_are_replaced() {
        let link = PaymentLink::parse(
            "https://buy.stripe.com/x?client_reference_id=someone-else&prefilled_email=a%40b.c",
            &[],
        )
        .unwrap();
        let email = EmailAddress::parse("me@example.com").unwrap();
        let url = link.checkout_url(user(), &email);
        let ids: Vec<_> = url
            .query_pairs()
            .filter(|(k, _)| k == "client_reference_id")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(ids, vec![user().to_string()]);
        assert_eq!(url.query_pairs().count(), 2);
    }

    #[test]
    fn prices_need_a_currency_code() {
        assert_eq!(
            Price::parse(1500, " USD ").unwrap(),
            Price {
                amount_minor: 1500,
                currency: "usd".into()
            }
        );
        assert!(Price::parse(-1, "usd").is_err());
        assert!(Price::parse(100, "dollars").is_err());
        assert!(Price::parse(100, "u$d").is_err());
    }
}

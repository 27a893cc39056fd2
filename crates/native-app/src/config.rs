//! Which backend the app talks to.
//!
//! Read once at startup from the environment (SUPABASE_URL, SUPABASE_ANON_KEY,
//! NATIVE_API_URL, the names of the original service's `.env`), falling back
//! to values baked in at build time with the same names, so a packaged app
//! works without any environment and a developer can point it elsewhere.
//! Billing settings (Payment Links, prices) are read the same way; a bad one
//! disables that purchase rather than the whole app.

use native_core::{PaymentLink, Price, Product};
use url::Url;

use crate::AppError;

/// The backend endpoints, validated: holding an `AppConfig` means every URL
/// parsed and the key is usable as a header.
#[derive(Clone, Default)]
pub struct AppConfig {
    pub supabase_url: Option<Url>,
    pub anon_key: Option<String>,
    pub native_api_url: Option<Url>,
    pub billing: BillingConfig,
}

/// What the plans view sells and where it sends the buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingConfig {
    /// STRIPE_PAYMENT_LINK_PRO, when set and allowed.
    pub pro_link: Option<PaymentLink>,
    /// STRIPE_PAYMENT_LINK_TOPUP_250K, when set and allowed.
    pub top_up_link: Option<PaymentLink>,
    pub pro_price: Price,
    pub top_up_price: Price,
}

impl Default for BillingConfig {
    /// The original product's offer: Pro at $15 a month, a pack at $10, and
    /// no links (nothing to buy until they are configured).
    fn default() -> Self {
        Self {
            pro_link: None,
            top_up_link: None,
            pro_price: Price {
                amount_minor: 1500,
                currency: "usd".to_owned(),
            },
            top_up_price: Price {
                amount_minor: 1000,
                currency: "usd".to_owned(),
            },
        }
    }
}

impl BillingConfig {
    /// Reads the settings through `get` (the environment, or a test's map).
    /// Links must pass [`PaymentLink::parse`]: https on Stripe's host or on
    /// one named in NATIVE_PAYMENT_LINK_HOSTS (comma-separated). A link or
    /// price that does not is dropped with a warning that names the setting
    /// but not its value.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let defaults = Self::default();
        let hosts: Vec<String> = get("NATIVE_PAYMENT_LINK_HOSTS")
            .map(|h| {
                h.split(',')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let link = |name: &str| {
            let raw = get(name)?;
            PaymentLink::parse(&raw, &hosts)
                .inspect_err(|_| tracing::warn!(setting = name, "payment link refused"))
                .ok()
        };
        let price = |amount: &str, currency: &str, default: Price| {
            let (Some(a), c) = (get(amount), get(currency)) else {
                return default;
            };
            let parsed = a
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|a| Price::parse(a, c.as_deref().unwrap_or(&default.currency)).ok());
            parsed.unwrap_or_else(|| {
                tracing::warn!(setting = amount, "price refused; using the default");
                default
            })
        };
        Self {
            pro_link: link("STRIPE_PAYMENT_LINK_PRO"),
            top_up_link: link("STRIPE_PAYMENT_LINK_TOPUP_250K"),
            pro_price: price(
                "STRIPE_PRO_PRICE",
                "STRIPE_PRO_CURRENCY",
                defaults.pro_price,
            ),
            top_up_price: price(
                "STRIPE_TOPUP_250K_PRICE",
                "STRIPE_TOPUP_250K_CURRENCY",
                defaults.top_up_price,
            ),
        }
    }

    pub fn link(&self, product: Product) -> Option<&PaymentLink> {
        match product {
            Product::Pro => self.pro_link.as_ref(),
            Product::TopUp250k => self.top_up_link.as_ref(),
        }
    }
}

impl std::fmt::Debug for AppConfig {
    // The anon key is public by design, but keep it out of logs all the same.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("supabase_url", &self.supabase_url.as_ref().map(Url::as_str))
            .field(
                "native_api_url",
                &self.native_api_url.as_ref().map(Url::as_str),
            )
            .finish_non_exhaustive()
    }
}

impl AppConfig {
    pub fn from_env() -> Result<Self, AppError> {
        let get = |name: &str, baked: Option<&'static str>| {
            std::env::var(name)
                .ok()
                .or_else(|| baked.map(str::to_owned))
                .filter(|v| !v.trim().is_empty())
        };
        let config = Self::parse(
            get("SUPABASE_URL", option_env!("SUPABASE_URL")).as_deref(),
            get("SUPABASE_ANON_KEY", option_env!("SUPABASE_ANON_KEY")).as_deref(),
            get("NATIVE_API_URL", option_env!("NATIVE_API_URL")).as_deref(),
        )?;
        Ok(config.with_billing(BillingConfig::from_lookup(|name| get(name, baked(name)))))
    }

    /// The same endpoints selling through `billing`.
    pub fn with_billing(mut self, billing: BillingConfig) -> Self {
        self.billing = billing;
        self
    }

    /// Validates raw values. Only http(s) URLs are accepted, and a base URL
    /// gets a trailing slash so that joining paths keeps its own path.
    pub fn parse(
        supabase_url: Option<&str>,
        anon_key: Option<&str>,
        native_api_url: Option<&str>,
    ) -> Result<Self, AppError> {
        Ok(Self {
            supabase_url: supabase_url
                .map(|u| parse_base_url("SUPABASE_URL", u))
                .transpose()?,
            anon_key: anon_key.map(|k| k.trim().to_owned()),
            native_api_url: native_api_url
                .map(|u| parse_base_url("NATIVE_API_URL", u))
                .transpose()?,
            billing: BillingConfig::default(),
        })
    }
}

/// Billing settings baked in at build time, under the names read at run time.
fn baked(name: &str) -> Option<&'static str> {
    match name {
        "STRIPE_PAYMENT_LINK_PRO" => option_env!("STRIPE_PAYMENT_LINK_PRO"),
        "STRIPE_PAYMENT_LINK_TOPUP_250K" => option_env!("STRIPE_PAYMENT_LINK_TOPUP_250K"),
        "NATIVE_PAYMENT_LINK_HOSTS" => option_env!("NATIVE_PAYMENT_LINK_HOSTS"),
        "STRIPE_PRO_PRICE" => option_env!("STRIPE_PRO_PRICE"),
        "STRIPE_PRO_CURRENCY" => option_env!("STRIPE_PRO_CURRENCY"),
        "STRIPE_TOPUP_250K_PRICE" => option_env!("STRIPE_TOPUP_250K_PRICE"),
        "STRIPE_TOPUP_250K_CURRENCY" => option_env!("STRIPE_TOPUP_250K_CURRENCY"),
        _ => None,
    }
}

fn parse_base_url(name: &'static str, raw: &str) -> Result<Url, AppError> {
    let mut text = raw.trim().to_owned();
    if !text.ends_with('/') {
        text.push('/');
    }
    match Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(AppError::InvalidConfig(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_urls_and_normalises_the_slash() {
        let c = AppConfig::parse(
            Some("http://127.0.0.1:54321"),
            Some("k"),
            Some("https://api.example/v"),
        )
        .unwrap();
        assert_eq!(c.supabase_url.unwrap().as_str(), "http://127.0.0.1:54321/");
        assert_eq!(
            c.native_api_url.unwrap().join("health").unwrap().as_str(),
            "https://api.example/v/health"
        );
    }

    #[test]
    fn billing_keeps_only_allowed_links_and_valid_prices() {
        let env = std::collections::HashMap::from([
            ("STRIPE_PAYMENT_LINK_PRO", "https://buy.stripe.com/test_pro"),
            ("STRIPE_PAYMENT_LINK_TOPUP_250K", "https://evil.example/pay"),
            ("STRIPE_PRO_PRICE", "1900"),
            ("STRIPE_PRO_CURRENCY", "EUR"),
            ("STRIPE_TOPUP_250K_PRICE", "ten dollars"),
        ]);
        let b = BillingConfig::from_lookup(|n| env.get(n).map(|v| (*v).to_owned()));
        assert_eq!(
            b.link(Product::Pro).map(|l| l.as_url().as_str()),
            Some("https://buy.stripe.com/test_pro")
        );
        assert_eq!(b.link(Product::TopUp250k), None);
        assert_eq!(b.pro_price, Price::parse(1900, "eur").unwrap());
        assert_eq!(b.top_up_price, BillingConfig::default().top_up_price);

        // A host the operator names is allowed too.
        let env = std::collections::HashMap::from([
            (
                "STRIPE_PAYMENT_LINK_TOPUP_250K",
                "https://pay.example.com/pack",
            ),
            (
                "NATIVE_PAYMENT_LINK_HOSTS",
                " pay.example.com , other.example ",
            ),
        ]);
        let b = BillingConfig::from_lookup(|n| env.get(n).map(|v| (*v).to_owned()));
        assert!(b.link(Product::TopUp250k).is_some());
    }

    #[test]
    fn rejects_other_schemes_and_garbage() {
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
            "native-ai://x",
        ] {
            assert!(matches!(
                AppConfig::parse(Some(bad), None, None),
                Err(AppError::InvalidConfig("SUPABASE_URL"))
            ));
        }
    }
}

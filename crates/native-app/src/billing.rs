//! The billing half of [`NativeApp`]'s facade: the user's quota as
//! `my_quota()` reports it (kept current after every reply from the
//! gateway's figure, broadcast to the UI), the plans on offer, and the
//! checkout page opened in the system browser.
//!
//! Polling after a purchase is the UI's job: it knows when the plans dialog
//! is open and when the window has focus, and it calls [`NativeApp::quota`].

use std::sync::Mutex;

use native_client::Rest;
use native_core::{EmailAddress, Plan, Price, Product, Quota, TOKEN_PACK_TOKENS, UserId};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::{AppError, AuthState, NativeApp, UrlOpener};

/// What the plans view shows. Allowances come from the project's
/// `plan_limits` table, prices and links from configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Plans {
    /// Tokens a Free user gets each ISO week.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub free_weekly: i64,
    /// Tokens a Pro user gets each month.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub pro_monthly: i64,
    /// Tokens a Token Pack adds, never expiring.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub pack_tokens: i64,
    pub pro: Offer,
    pub top_up: Offer,
}

/// One thing for sale: its price, and whether a link to buy it is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub price: Price,
    pub available: bool,
}

/// The last quota read for the signed-in user, and whether a reply's
/// figure could not be applied to it (so the next reply end re-reads it).
#[derive(Debug, Default)]
pub(crate) struct QuotaHub {
    rest: Option<Rest>,
    current: watch::Sender<Option<Quota>>,
    owner: Mutex<Option<UserId>>,
    stale: std::sync::atomic::AtomicBool,
}

#[derive(Deserialize)]
struct PlanLimit {
    plan: String,
    allowance: i64,
}

impl QuotaHub {
    pub(crate) fn new(rest: Option<Rest>) -> Self {
        Self {
            rest,
            ..Self::default()
        }
    }

    fn rest(&self) -> Result<&Rest, AppError> {
        self.rest
            .as_ref()
            .ok_or(AppError::NotConfigured("SUPABASE_URL"))
    }

    fn publish(&self, user: UserId, quota: Quota) {
        *crate::session::lock(&self.owner) = Some(user);
        self.stale
            .store(false, std::sync::atomic::Ordering::Relaxed);
        self.current.send_if_modified(|current| {
            let changed = current.as_ref() != Some(&quota);
            *current = Some(quota);
            changed
        });
    }

    /// The gateway's remaining figure after a reply: applied to the last
    /// quota when it can be split exactly, else marks the quota stale.
    pub(crate) fn note_remaining(&self, user: UserId, remaining: i64) {
        let same_user = *crate::session::lock(&self.owner) == Some(user);
        let next = same_user
            .then(|| {
                self.current
                    .borrow()
                    .as_ref()
                    .and_then(|q| q.with_remaining(remaining))
            })
            .flatten();
        match next {
            Some(quota) => self.publish(user, quota),
            None => self.stale.store(true, std::sync::atomic::Ordering::Relaxed),
        }
    }

    pub(crate) fn take_stale(&self) -> bool {
        self.stale.swap(false, std::sync::atomic::Ordering::Relaxed)
    }
}

impl NativeApp {
    /// Reads the signed-in user's quota from the project, and broadcasts it
    /// when it changed.
    pub async fn quota(&self) -> Result<Quota, AppError> {
        let user = signed_in(&self.auth_state())?.0;
        let token = self.access_token().await?;
        let builder = self
            .quota
            .rest()?
            .rpc("my_quota", &serde_json::json!({}), Some(&token))?;
        let quota: Quota = Rest::execute(builder).await?;
        self.quota.publish(user, quota.clone());
        Ok(quota)
    }

    /// Every quota the app learns of (read, or updated after a reply).
    pub fn subscribe_quota(&self) -> watch::Receiver<Option<Quota>> {
        self.quota.current.subscribe()
    }

    /// The plans on offer. Allowances are read from `plan_limits`, so an
    /// operator's change shows without a new build.
    pub async fn plans(&self) -> Result<Plans, AppError> {
        let token = self.access_token().await?;
        let builder = self
            .quota
            .rest()?
            .from("plan_limits", Some(&token))?
            .select("plan,allowance");
        let limits: Vec<PlanLimit> = Rest::execute(builder).await?;
        let allowance = |plan: Plan| {
            limits
                .iter()
                .find(|l| Plan::parse(&l.plan).ok() == Some(plan))
                .map(|l| l.allowance)
                .ok_or(AppError::Internal("a plan has no limit"))
        };
        let billing = &self.config().billing;
        Ok(Plans {
            free_weekly: allowance(Plan::Free)?,
            pro_monthly: allowance(Plan::Pro)?,
            pack_tokens: TOKEN_PACK_TOKENS,
            pro: Offer {
                price: billing.pro_price.clone(),
                available: billing.pro_link.is_some(),
            },
            top_up: Offer {
                price: billing.top_up_price.clone(),
                available: billing.top_up_link.is_some(),
            },
        })
    }

    /// Opens the Payment Link for `product` in the browser, carrying the
    /// user's id (which the webhook trusts first) and e-mail. Only links
    /// that passed the host allow-list at startup exist to be opened.
    pub fn open_checkout(&self, product: Product, opener: &dyn UrlOpener) -> Result<(), AppError> {
        let (user, email) = signed_in(&self.auth_state())?;
        let link = self.config().billing.link(product).ok_or(match product {
            Product::Pro => AppError::NotConfigured("STRIPE_PAYMENT_LINK_PRO"),
            Product::TopUp250k => AppError::NotConfigured("STRIPE_PAYMENT_LINK_TOPUP_250K"),
        })?;
        opener.open(&link.checkout_url(user, &email))
    }

    /// After a reply: re-reads the quota when the gateway's figure could not
    /// be applied, or when the reply was refused for lack of quota. Failing
    /// quietly is right here: the meter keeps its last figure.
    pub(crate) async fn refresh_quota_after_reply(&self, refused: bool) {
        if (self.quota.take_stale() || refused)
            && let Err(err) = self.quota().await
        {
            tracing::debug!(code = ?err.code(), "quota not re-read");
        }
    }
}

fn signed_in(state: &AuthState) -> Result<(UserId, EmailAddress), AppError> {
    match state {
        AuthState::SignedIn { user, .. } => {
            let email = EmailAddress::parse(&user.email)?;
            Ok((user.id, email))
        }
        _ => Err(AppError::NotSignedIn),
    }
}

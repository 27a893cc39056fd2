//! The quota ledger: reservations never overshoot under concurrency, settle
//! spends the allowance before credits, credits survive the period's end, and
//! the database's period keys agree with native-core's.

use futures::future::join_all;
use native_core::PeriodKey;
use native_testkit::Stack;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::api::{Actor, Api, wait_for_schema};

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_reservations_never_exceed_what_remains() {
    let stack = Stack::start().await.expect("stack");
    let api = Api::new(&stack);
    wait_for_schema(&api).await;
    let db = stack.db().await;
    let user = api.sign_up("near-cap@example.com").await;
    // A Free user with 24,000 of 25,000 spent this week and 300 credits:
    // exactly 1,300 tokens remain.
    sqlx::query("select public.add_tokens_week($1, public.period_key('iso_week'), 24000)")
        .bind(user.id)
        .execute(&db)
        .await
        .expect("spend");
    sqlx::query("select public.grant_credits($1, 300, 'seed')")
        .bind(user.id)
        .execute(&db)
        .await
        .expect("credits");

    let sizes: Vec<i64> = (0..50).map(|i| 40 + (i % 7) * 13).collect();
    let attempts = sizes.iter().map(|&tokens| {
        let api = &api;
        async move {
            let (status, body) = api
                .rpc(
                    Actor::Service,
                    "reserve_tokens",
                    &json!({"p_user_id": user.id, "p_tokens": tokens}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            (tokens, body[0]["granted"].as_bool().expect("granted flag"))
        }
    });
    let results = join_all(attempts).await;
    let granted: i64 = results.iter().filter(|(_, ok)| *ok).map(|(t, _)| t).sum();
    let refused = results.iter().filter(|(_, ok)| !*ok).count();
    assert!(granted <= 1300, "granted {granted} of 1,300");
    assert!(refused > 0, "the quota must run out in this test");
    // Nothing was refused that would still have fitted.
    let smallest_refused = results
        .iter()
        .filter(|(_, ok)| !*ok)
        .map(|(t, _)| *t)
        .min()
        .expect("one refused");
    assert!(
        granted + smallest_refused > 1300,
        "refused {smallest_refused} with {} left",
        1300 - granted
    );
    let reserved: i64 = sqlx::query_scalar(
        "select coalesce(sum(tokens), 0)::bigint from public.token_reservations where user_id = $1",
    )
    .bind(user.id)
    .fetch_one(&db)
    .await
    .expect("sum");
    assert_eq!(reserved, granted);
}

#[tokio::test(flavor = "multi_thread")]
async fn settle_spends_allowance_then_credits_once() {
    let stack = Stack::start().await.expect("stack");
    let api = Api::new(&stack);
    wait_for_schema(&api).await;
    let db = stack.db().await;
    let user = api.sign_up("settle@example.com").await;
    sqlx::query("select public.add_tokens_week($1, public.period_key('iso_week'), 24500)")
        .bind(user.id)
        .execute(&db)
        .await
        .expect("spend");
    let (_, balance) = api
        .rpc(
            Actor::Service,
            "grant_credits",
            &json!({"p_user_id": user.id, "p_tokens": 250000, "p_reference": "evt_1"}),
        )
        .await;
    assert_eq!(balance, json!(250000));
    // The same purchase delivered twice grants once.
    let (_, balance) = api
        .rpc(
            Actor::Service,
            "grant_credits",
            &json!({"p_user_id": user.id, "p_tokens": 250000, "p_reference": "evt_1"}),
        )
        .await;
    assert_eq!(balance, json!(250000));

    let (_, r) = api
        .rpc(
            Actor::Service,
            "reserve_tokens",
            &json!({"p_user_id": user.id, "p_tokens": 2000}),
        )
        .await;
    let id = r[0]["reservation_id"].clone();
    let (status, remaining) = api
        .rpc(
            Actor::Service,
            "settle_reservation",
            &json!({"p_reservation_id": id, "p_tokens": 1500}),
        )
        .await;
    assert_eq!(status, 200);
    // 500 came from the allowance, 1,000 from credits.
    assert_eq!(remaining, json!(249000));
    let (_, again) = api
        .rpc(
            Actor::Service,
            "settle_reservation",
            &json!({"p_reservation_id": id, "p_tokens": 1500}),
        )
        .await;
    assert_eq!(again, json!(249000), "settling twice must not charge twice");

    let (status, quota) = api.rpc(Actor::User(&user), "my_quota", &json!({})).await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = quota
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "allowance",
            "credits",
            "period_ends_at",
            "period_key",
            "plan",
            "remaining",
            "used"
        ]
    );
    assert_eq!(quota["plan"], "free");
    assert_eq!(quota["used"], 26000);
    assert_eq!(quota["credits"], 249000);
    assert_eq!(quota["remaining"], 249000);
    assert_eq!(
        quota["period_key"],
        PeriodKey::week_of(OffsetDateTime::now_utc()).to_string()
    );
    // Monthly usage is still recorded for existing reports.
    let monthly: i64 =
        sqlx::query_scalar("select public.get_tokens_used($1, public.period_key('month'))")
            .bind(user.id)
            .fetch_one(&db)
            .await
            .expect("monthly");
    assert_eq!(monthly, 1500);
}

#[tokio::test(flavor = "multi_thread")]
async fn unsettled_reservations_expire_and_release_quota() {
    let stack = Stack::start().await.expect("stack");
    let api = Api::new(&stack);
    wait_for_schema(&api).await;
    let db = stack.db().await;
    let user = api.sign_up("crash@example.com").await;
    let (_, r) = api
        .rpc(
            Actor::Service,
            "reserve_tokens",
            &json!({"p_user_id": user.id, "p_tokens": 25000, "p_ttl_seconds": 1}),
        )
        .await;
    assert_eq!(r[0]["granted"], true);
    let (_, r) = api
        .rpc(
            Actor::Service,
            "reserve_tokens",
            &json!({"p_user_id": user.id, "p_tokens": 1}),
        )
        .await;
    assert_eq!(r[0]["granted"], false, "the whole allowance is held");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, expired) = api
        .rpc(Actor::Service, "expire_reservations", &json!({}))
        .await;
    assert_eq!(expired, json!(1));
    let (_, r) = api
        .rpc(
            Actor::Service,
            "reserve_tokens",
            &json!({"p_user_id": user.id, "p_tokens": 25000}),
        )
        .await;
    assert_eq!(
        r[0]["granted"], true,
        "an expired reservation no longer holds quota"
    );
    let used: i64 =
        sqlx::query_scalar("select public.get_tokens_used_week($1, public.period_key('iso_week'))")
            .bind(user.id)
            .fetch_one(&db)
            .await
            .expect("used");
    assert_eq!(used, 0, "an expired reservation is not charged");
}

#[tokio::test(flavor = "multi_thread")]
async fn period_keys_match_native_core_and_credits_outlive_the_week() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let fixed = [
        (datetime!(2026-12-31 12:00 UTC), "2026-W53", "2026-12"),
        (datetime!(2027-01-04 00:00 UTC), "2027-W01", "2027-01"),
        (datetime!(2027-01-03 23:59:59 UTC), "2026-W53", "2027-01"),
        (datetime!(2027-02-28 23:59:59 UTC), "2027-W08", "2027-02"),
        (datetime!(2027-03-01 00:00 UTC), "2027-W09", "2027-03"),
    ];
    for (at, week, month) in fixed {
        let (w, m): (String, String) = sqlx::query_as(
            "select public.period_key('iso_week', $1), public.period_key('month', $1)",
        )
        .bind(at)
        .fetch_one(&db)
        .await
        .expect("keys");
        assert_eq!((w.as_str(), m.as_str()), (week, month), "at {at}");
    }
    // Every day over eight years, both sides agree on keys and reset times.
    let mut at = datetime!(2024-12-20 18:30 UTC);
    while at < datetime!(2032-12-31 00:00 UTC) {
        let (w, m, we, me): (String, String, OffsetDateTime, OffsetDateTime) = sqlx::query_as(
            "select public.period_key('iso_week', $1), public.period_key('month', $1),
                    public.period_ends_at('iso_week', $1), public.period_ends_at('month', $1)",
        )
        .bind(at)
        .fetch_one(&db)
        .await
        .expect("keys");
        assert_eq!(w, PeriodKey::week_of(at).to_string());
        assert_eq!(m, PeriodKey::month_of(at).to_string());
        assert_eq!(we, PeriodKey::week_of(at).ends_at());
        assert_eq!(me, PeriodKey::month_of(at).ends_at());
        at += Duration::days(3);
    }

    // A Free user's purchased credits are still there next week, while the
    // week's usage starts again from zero.
    let user: uuid::Uuid = sqlx::query_scalar(
        "insert into auth.users (id, email) values (gen_random_uuid(), 'w@example.com') returning id",
    )
    .fetch_one(&db)
    .await
    .expect("user");
    sqlx::query("select public.grant_credits($1, 250000, 'evt_pack')")
        .bind(user)
        .execute(&db)
        .await
        .expect("grant");
    sqlx::query("select public.add_tokens_week($1, public.period_key('iso_week'), 25000)")
        .bind(user)
        .execute(&db)
        .await
        .expect("spend");
    let next_week = OffsetDateTime::now_utc() + Duration::weeks(1);
    let (used, credits, key): (i64, i64, String) =
        sqlx::query_as("select used, credits, period_key from native_private.quota_state($1, $2)")
            .bind(user)
            .bind(next_week)
            .fetch_one(&db)
            .await
            .expect("state");
    assert_eq!((used, credits), (0, 250000));
    assert_eq!(key, PeriodKey::week_of(next_week).to_string());
}

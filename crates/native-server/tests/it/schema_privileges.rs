//! The privilege matrix: anon, user A, user B and service_role, against every
//! table (select / insert / update / delete on A's row) and every RPC, each
//! with its expected outcome, through the real PostgREST with real tokens.
//! The matrix is printed so a reviewer sees the whole policy at a glance.

use std::fmt::Write as _;
use std::io::Write as _;

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::api::{Actor, Api, User, wait_for_schema};
use native_testkit::Stack;

/// What an attempt did: `R` read A's row, `N` succeeded but touched nothing
/// (row level security hid the row), `O` wrote, `D` was denied.
type Outcome = char;

/// One table: how to put A's row in place, how to address it, and what each
/// actor may do to it (four letters: select, insert, update, delete).
struct TableCase {
    table: &'static str,
    columns: &'static str,
    /// PostgREST filter selecting A's row.
    filter: String,
    /// Deletes A's row before an insert attempt (keys are often the user id).
    clear_sql: String,
    insert: Value,
    update: Value,
    expect: [&'static str; 4],
}

struct Ctx {
    a: User,
    conversation: Uuid,
    message: Uuid,
    reservation: Uuid,
}

const ACTORS: [&str; 4] = ["anon", "A", "B", "service"];

/// Two file hashes for A's attachment text rows.
const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn cases(c: &Ctx) -> Vec<TableCase> {
    let a = c.a.id;
    let by_user =
        |table: &'static str, columns: &'static str, insert: Value, update: Value, expect| {
            TableCase {
                table,
                columns,
                filter: format!("user_id=eq.{a}"),
                clear_sql: format!("delete from public.{table} where user_id = '{a}'"),
                insert,
                update,
                expect,
            }
        };
    vec![
        TableCase {
            table: "conversations",
            columns: "*",
            filter: format!("id=eq.{}", c.conversation),
            clear_sql: String::new(),
            insert: json!({"user_id": a, "title": "new"}),
            update: json!({"title": "renamed"}),
            expect: ["DDDD", "ROOO", "NDNN", "ROOO"],
        },
        TableCase {
            table: "messages",
            columns: "*",
            filter: format!("id=eq.{}", c.message),
            clear_sql: String::new(),
            insert: json!({"conversation_id": c.conversation, "role": "user", "content": "hi"}),
            update: json!({"content": "forged"}),
            expect: ["DDDD", "RODO", "NDDN", "ROOO"],
        },
        TableCase {
            table: "attachment_texts",
            columns: "*",
            filter: format!("message_id=eq.{}", c.message),
            clear_sql: format!(
                "delete from public.attachment_texts where message_id = '{}'",
                c.message
            ),
            insert: json!({"message_id": c.message, "sha256": SHA_B, "content": "page one"}),
            update: json!({"content": "forged"}),
            expect: ["DDDD", "RODO", "NDDN", "ROOO"],
        },
        by_user(
            "token_usage_monthly",
            "*",
            json!({"user_id": a, "month": "2026-11", "tokens_used": 1}),
            json!({"tokens_used": 0}),
            ["DDDD", "RDDD", "NDDD", "ROOO"],
        ),
        by_user(
            "token_usage_weekly",
            "*",
            json!({"user_id": a, "week": "2026-W48", "tokens_used": 1}),
            json!({"tokens_used": 0}),
            ["DDDD", "RDDD", "NDDD", "ROOO"],
        ),
        by_user(
            "user_presence",
            "*",
            json!({"user_id": a}),
            json!({"last_seen": "2026-01-01T00:00:00Z"}),
            ["DDDD", "ROOD", "NDND", "ROOO"],
        ),
        by_user(
            "user_plans",
            "*",
            json!({"user_id": a, "plan": "pro"}),
            json!({"plan": "pro"}),
            ["DDDD", "RDDD", "NDDD", "ROOO"],
        ),
        by_user(
            "token_allowance_period",
            "*",
            json!({"user_id": a, "period": "2026-W48", "tokens_added": 1000000}),
            json!({"tokens_added": 1000000}),
            ["DDDD", "RDDD", "NDDD", "ROOO"],
        ),
        by_user(
            "deleted_records",
            "*",
            json!({"user_id": a, "record_type": "conversation", "record_id": Uuid::new_v4(), "conversation_id": Uuid::new_v4()}),
            json!({"record_type": "message"}),
            ["DDDD", "RDDD", "NDDD", "RODO"],
        ),
        by_user(
            "quota_accounts",
            "*",
            json!({"user_id": a, "credits": 1000000}),
            json!({"credits": 1000000}),
            ["DDDD", "RDDD", "NDDD", "ROOO"],
        ),
        by_user(
            "credit_grants",
            "*",
            json!({"user_id": a, "tokens": 1000000, "reference": "forged"}),
            json!({"tokens": 1000000}),
            ["DDDD", "DDDD", "DDDD", "ROOO"],
        ),
        TableCase {
            table: "token_reservations",
            columns: "*",
            filter: format!("id=eq.{}", c.reservation),
            clear_sql: String::new(),
            insert: json!({"user_id": a, "tokens": 1, "week_key": "2026-W48", "month_key": "2026-11", "expires_at": "2030-01-01T00:00:00Z"}),
            update: json!({"tokens": 1000000}),
            expect: ["DDDD", "DDDD", "DDDD", "ROOO"],
        },
        TableCase {
            table: "plan_limits",
            columns: "*",
            filter: "plan=eq.pro".to_owned(),
            clear_sql: "delete from public.plan_limits where plan = 'pro'".to_owned(),
            insert: json!({"plan": "pro", "period_kind": "month", "allowance": 500000}),
            update: json!({"allowance": 999999999}),
            expect: ["DDDD", "RDDD", "RDDD", "ROOO"],
        },
        by_user(
            "billing_customers",
            "*",
            json!({"customer_id": "cus_forged", "user_id": a}),
            json!({"email": "x@y.z"}),
            ["DDDD", "DDDD", "DDDD", "ROOO"],
        ),
        by_user(
            "billing_subscriptions",
            "user_id,status,current_period_end,cancel_at_period_end",
            json!({"subscription_id": "sub_forged", "user_id": a, "status": "active"}),
            json!({"status": "active", "current_period_end": "2099-01-01T00:00:00Z"}),
            ["DDDD", "RDDD", "NDDD", "ROOO"],
        ),
        by_user(
            "billing_events",
            "*",
            json!({"event_id": "evt_forged", "type": "x", "created": 1, "outcome": "applied", "user_id": a}),
            json!({"outcome": "forged"}),
            ["DDDD", "DDDD", "DDDD", "ROOO"],
        ),
        TableCase {
            table: "billing_unmatched_events",
            columns: "*",
            filter: "event_id=eq.evt_unmatched".to_owned(),
            clear_sql:
                "delete from public.billing_unmatched_events where event_id = 'evt_unmatched'"
                    .to_owned(),
            insert: json!({"event_id": "evt_unmatched", "type": "x", "created": 1, "payload": {}}),
            update: json!({"type": "forged"}),
            expect: ["DDDD", "DDDD", "DDDD", "ROOO"],
        },
    ]
}

/// Puts A's rows back as the matrix expects before every attempt, so one
/// cell never depends on another.
async fn reset(db: &PgPool, c: &Ctx) {
    let a = c.a.id;
    let sql = format!(
        "delete from public.conversations where user_id = '{a}';
         delete from public.deleted_records where user_id = '{a}';
         delete from public.token_usage_monthly where user_id = '{a}';
         delete from public.token_usage_weekly where user_id = '{a}';
         delete from public.user_presence where user_id = '{a}';
         delete from public.user_plans where user_id = '{a}';
         delete from public.token_allowance_period where user_id = '{a}';
         delete from public.token_reservations where user_id = '{a}';
         delete from public.credit_grants where user_id = '{a}';
         delete from public.quota_accounts where user_id = '{a}';
         delete from public.billing_subscriptions where user_id = '{a}';
         delete from public.billing_customers where user_id = '{a}';
         delete from public.billing_events where user_id = '{a}';
         delete from public.billing_unmatched_events;
         insert into public.plan_limits (plan, period_kind, allowance) values ('pro', 'month', 500000)
           on conflict (plan) do update set allowance = 500000;
         insert into public.conversations (id, user_id, title) values ('{conv}', '{a}', 'A''s chat');
         insert into public.messages (id, conversation_id, role, content) values ('{msg}', '{conv}', 'user', 'hello');
         insert into public.attachment_texts (message_id, sha256, content) values ('{msg}', '{SHA_A}', 'extracted');
         insert into public.deleted_records (user_id, record_type, record_id, conversation_id)
           values ('{a}', 'conversation', gen_random_uuid(), gen_random_uuid());
         insert into public.token_usage_monthly (user_id, month, tokens_used) values ('{a}', '2026-11', 10);
         insert into public.token_usage_weekly (user_id, week, tokens_used) values ('{a}', '2026-W48', 10);
         insert into public.user_presence (user_id) values ('{a}');
         insert into public.user_plans (user_id, plan) values ('{a}', 'free');
         insert into public.token_allowance_period (user_id, period, tokens_added) values ('{a}', '2026-W48', 5);
         insert into public.quota_accounts (user_id, credits) values ('{a}', 7);
         insert into public.credit_grants (user_id, tokens, reference) values ('{a}', 7, 'evt_seed');
         insert into public.token_reservations (id, user_id, tokens, week_key, month_key, expires_at)
           values ('{res}', '{a}', 5, '2026-W48', '2026-11', now() + interval '1 hour');
         insert into public.billing_customers (customer_id, user_id) values ('cus_a', '{a}');
         insert into public.billing_subscriptions (subscription_id, user_id, customer_id, status)
           values ('sub_a', '{a}', 'cus_a', 'canceled');
         insert into public.billing_events (event_id, type, created, outcome, user_id)
           values ('evt_a', 'invoice.paid', 1, 'applied', '{a}');
         insert into public.billing_unmatched_events (event_id, type, created, payload)
           values ('evt_unmatched', 'checkout.session.completed', 1, '{{}}');",
        conv = c.conversation,
        msg = c.message,
        res = c.reservation,
    );
    sqlx::raw_sql(&sql)
        .execute(db)
        .await
        .expect("reset A's rows");
}

fn classify_read(status: u16, body: &Value) -> Outcome {
    match status {
        200 if body.as_array().is_some_and(|rows| !rows.is_empty()) => 'R',
        200 => 'N',
        401 | 403 => 'D',
        other => panic!("unexpected status {other}: {body}"),
    }
}

fn classify_write(status: u16, body: &Value) -> Outcome {
    match status {
        201 => 'O',
        200 if body.as_array().is_some_and(|rows| !rows.is_empty()) => 'O',
        200 | 204 => 'N',
        401 | 403 => 'D',
        other => panic!("unexpected status {other}: {body}"),
    }
}

async fn attempt(
    api: &Api<'_>,
    db: &PgPool,
    ctx: &Ctx,
    case: &TableCase,
    actor: Actor<'_>,
    op: usize,
) -> Outcome {
    reset(db, ctx).await;
    let table = case.table;
    let rep = "return=representation";
    match op {
        0 => {
            let path = format!("{table}?select={}&{}", case.columns, case.filter);
            let (s, b) = api.rest(actor, Method::GET, &path, None, "").await;
            classify_read(s, &b)
        }
        1 => {
            if !case.clear_sql.is_empty() {
                sqlx::raw_sql(&case.clear_sql)
                    .execute(db)
                    .await
                    .expect("clear row");
            }
            let (s, b) = api
                .rest(
                    actor,
                    Method::POST,
                    table,
                    Some(&case.insert),
                    "return=minimal",
                )
                .await;
            classify_write(s, &b)
        }
        2 => {
            let path = format!("{table}?{}&select={}", case.filter, case.columns);
            let (s, b) = api
                .rest(actor, Method::PATCH, &path, Some(&case.update), rep)
                .await;
            classify_write(s, &b)
        }
        _ => {
            let path = format!("{table}?{}&select={}", case.filter, case.columns);
            let (s, b) = api.rest(actor, Method::DELETE, &path, None, rep).await;
            classify_write(s, &b)
        }
    }
}

/// (function, arguments, expected outcome for anon, A, B, service: `A` the
/// call ran, `D` denied).
fn rpc_cases(c: &Ctx) -> Vec<(&'static str, Value, &'static str)> {
    let a = c.a.id;
    vec![
        (
            "get_tokens_used",
            json!({"p_user_id": a, "p_month": "2026-11"}),
            "DDDA",
        ),
        (
            "add_tokens",
            json!({"p_user_id": a, "p_month": "2026-11", "p_tokens": 1}),
            "DDDA",
        ),
        (
            "get_tokens_used_week",
            json!({"p_user_id": a, "p_week": "2026-W48"}),
            "DDDA",
        ),
        (
            "add_tokens_week",
            json!({"p_user_id": a, "p_week": "2026-W48", "p_tokens": 1}),
            "DDDA",
        ),
        (
            "get_token_cap",
            json!({"p_user_id": a, "p_period": "2026-W48"}),
            "DDDA",
        ),
        (
            "add_period_allowance",
            json!({"p_user_id": a, "p_period": "2026-W48", "p_tokens": 1000000}),
            "DDDA",
        ),
        (
            "set_user_plan",
            json!({"p_user_id": a, "p_plan": "pro"}),
            "DDDA",
        ),
        (
            "admin_user_id_by_email",
            json!({"p_email": "a@example.com"}),
            "DDDA",
        ),
        ("admin_total_users", json!({}), "DDDA"),
        ("admin_tokens_last_months", json!({"p_months": 3}), "DDDA"),
        ("my_quota", json!({}), "DAAD"),
        (
            "reserve_tokens",
            json!({"p_user_id": a, "p_tokens": 10}),
            "DDDA",
        ),
        (
            "settle_reservation",
            json!({"p_reservation_id": c.reservation, "p_tokens": 3}),
            "DDDA",
        ),
        ("expire_reservations", json!({}), "DDDA"),
        (
            "grant_credits",
            json!({"p_user_id": a, "p_tokens": 1000000, "p_reference": "forged"}),
            "DDDA",
        ),
        ("period_key", json!({"p_kind": "iso_week"}), "DDDA"),
        ("period_ends_at", json!({"p_kind": "month"}), "DDDA"),
        ("derived_plan", json!({"p_user_id": a}), "DDDA"),
        ("sync_user_plan", json!({"p_user_id": a}), "DDDA"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn privilege_matrix() {
    let stack = Stack::start().await.expect("stack");
    let api = Api::new(&stack);
    wait_for_schema(&api).await;
    let db = stack.db().await;
    let a = api.sign_up("a@example.com").await;
    let b = api.sign_up("b@example.com").await;
    let ctx = Ctx {
        a: a.clone(),
        conversation: Uuid::new_v4(),
        message: Uuid::new_v4(),
        reservation: Uuid::new_v4(),
    };
    let actors = [
        Actor::Anon,
        Actor::User(&a),
        Actor::User(&b),
        Actor::Service,
    ];

    let mut report = String::from(
        "\nprivilege matrix (select insert update delete; R read, N nothing, O wrote, D denied)\n",
    );
    let _ = writeln!(
        report,
        "{:<26}{:>8}{:>8}{:>8}{:>9}",
        "table", ACTORS[0], ACTORS[1], ACTORS[2], ACTORS[3]
    );
    let mut mismatches = Vec::new();
    for case in cases(&ctx) {
        let mut row = format!("{:<26}", case.table);
        for (i, actor) in actors.iter().enumerate() {
            let mut got = String::new();
            for op in 0..4 {
                got.push(attempt(&api, &db, &ctx, &case, *actor, op).await);
            }
            let _ = write!(row, "{:>8}", got);
            if got != case.expect[i] {
                mismatches.push(format!(
                    "{} as {}: got {got}, expected {}",
                    case.table, ACTORS[i], case.expect[i]
                ));
            }
        }
        report.push_str(&row);
        report.push('\n');
    }
    let _ = writeln!(
        report,
        "\n{:<26}{:>8}{:>8}{:>8}{:>9}   (A ran, D denied)",
        "function", ACTORS[0], ACTORS[1], ACTORS[2], ACTORS[3]
    );
    for (name, args, expect) in rpc_cases(&ctx) {
        let mut got = String::new();
        for actor in actors {
            reset(&db, &ctx).await;
            let (status, body) = api.rpc(actor, name, &args).await;
            got.push(match status {
                200 | 204 => 'A',
                401 | 403 => 'D',
                other => panic!("{name}: unexpected status {other}: {body}"),
            });
        }
        let _ = writeln!(
            report,
            "{name:<26}{:>8}{:>8}{:>8}{:>9}",
            &got[0..1],
            &got[1..2],
            &got[2..3],
            &got[3..4]
        );
        if got != expect {
            mismatches.push(format!("rpc {name}: got {got}, expected {expect}"));
        }
    }
    // Written past the test harness's capture so the matrix shows in CI logs.
    let _ = std::io::stdout().lock().write_all(report.as_bytes());
    assert!(
        mismatches.is_empty(),
        "privilege matrix mismatches:\n{}",
        mismatches.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn b_cannot_touch_a_and_a_cannot_write_into_b() {
    let stack = Stack::start().await.expect("stack");
    let api = Api::new(&stack);
    wait_for_schema(&api).await;
    let a = api.sign_up("a2@example.com").await;
    let b = api.sign_up("b2@example.com").await;
    let (s, body) = api
        .rest(
            Actor::User(&b),
            Method::POST,
            "conversations",
            Some(&json!({"user_id": b.id, "title": "B's"})),
            "return=representation",
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let b_conv = body[0]["id"].as_str().expect("id").to_owned();
    // A forges a message, even an assistant turn, into B's conversation.
    let forged = json!({"conversation_id": b_conv, "role": "assistant", "content": "pay me"});
    let (s, _) = api
        .rest(
            Actor::User(&a),
            Method::POST,
            "messages",
            Some(&forged),
            "return=minimal",
        )
        .await;
    assert_eq!(s, 403, "A must not add a message to B's conversation");
    // A cannot create a conversation in B's name either.
    let (s, _) = api
        .rest(
            Actor::User(&a),
            Method::POST,
            "conversations",
            Some(&json!({"user_id": b.id, "title": "x"})),
            "return=minimal",
        )
        .await;
    assert_eq!(s, 403);
    let (_, rows) = api
        .rest(
            Actor::User(&b),
            Method::GET,
            &format!("messages?conversation_id=eq.{b_conv}"),
            None,
            "",
        )
        .await;
    assert_eq!(rows, json!([]), "B's conversation gained no message");
}

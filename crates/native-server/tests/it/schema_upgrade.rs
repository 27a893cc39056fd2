//! Upgrading a project that already ran the original six migrations keeps
//! every row and every seed function's signature, and applying all our
//! migrations again changes nothing.

use native_testkit::Stack;
use native_testkit::schema;
use sqlx::{Connection, PgConnection};

const SEED_FIXTURE: &str = include_str!("../fixtures/seed_schema.sql");

const SEED_FUNCTIONS: &str =
    "('get_tokens_used', 'add_tokens', 'get_tokens_used_week', 'add_tokens_week',
  'get_token_cap', 'add_period_allowance', 'set_user_plan', 'admin_user_id_by_email',
  'admin_total_users', 'admin_tokens_last_months')";

/// Each seed table's rows as JSON, with only the seed's own columns, in a
/// stable order.
const SEED_ROWS: &[(&str, &str)] = &[
    (
        "conversations",
        "select json_agg(json_build_object('id', id, 'user_id', user_id, 'title', title, 'created_at', created_at, 'updated_at', updated_at) order by id) from public.conversations",
    ),
    (
        "messages",
        "select json_agg(json_build_object('id', id, 'conversation_id', conversation_id, 'role', role, 'content', content, 'created_at', created_at, 'attachments', attachments) order by id) from public.messages",
    ),
    (
        "token_usage_monthly",
        "select json_agg(t order by user_id, month) from public.token_usage_monthly t",
    ),
    (
        "token_usage_weekly",
        "select json_agg(t order by user_id, week) from public.token_usage_weekly t",
    ),
    (
        "user_presence",
        "select json_agg(t order by user_id) from public.user_presence t",
    ),
    (
        "user_plans",
        "select json_agg(t order by user_id) from public.user_plans t",
    ),
    (
        "token_allowance_period",
        "select json_agg(t order by user_id, period) from public.token_allowance_period t",
    ),
];

const SAMPLE_ROWS: &str = "
insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-00000000000a', 'Alice@Example.com'),
  ('00000000-0000-0000-0000-00000000000b', 'bob@example.com');
insert into public.conversations (id, user_id, title, created_at, updated_at) values
  ('10000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000000a', 'Recette', '2026-01-10T10:00:00Z', '2026-01-10T10:05:00Z'),
  ('10000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-00000000000b', 'New Conversation', '2026-01-12T08:00:00Z', '2026-01-12T08:00:00Z');
insert into public.messages (id, conversation_id, role, content, created_at, attachments) values
  ('20000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'user', 'Une recette ?', '2026-01-10T10:00:00Z',
   '[{\"name\": \"menu.pdf\", \"type\": \"application/pdf\", \"size\": 48213}]'),
  ('20000000-0000-0000-0000-000000000002', '10000000-0000-0000-0000-000000000001', 'assistant', 'Voici...', '2026-01-10T10:00:05Z', null),
  ('20000000-0000-0000-0000-000000000003', '10000000-0000-0000-0000-000000000002', 'user', 'Hello', '2026-01-12T08:00:00Z', '[]');
insert into public.token_usage_monthly (user_id, month, tokens_used) values
  ('00000000-0000-0000-0000-00000000000a', '2026-01', 1234), ('00000000-0000-0000-0000-00000000000b', '2025-12', 99);
insert into public.token_usage_weekly (user_id, week, tokens_used) values
  ('00000000-0000-0000-0000-00000000000a', '2026-W02', 1234);
insert into public.user_presence (user_id, last_seen) values ('00000000-0000-0000-0000-00000000000a', '2026-01-10T10:05:00Z');
insert into public.user_plans (user_id, plan) values
  ('00000000-0000-0000-0000-00000000000a', 'pro'), ('00000000-0000-0000-0000-00000000000b', 'free');
insert into public.token_allowance_period (user_id, period, tokens_added) values
  ('00000000-0000-0000-0000-00000000000b', '2026-W02', 250000);
";

async fn snapshot(
    conn: &mut PgConnection,
    queries: &[(&str, &str)],
) -> Vec<(String, Option<serde_json::Value>)> {
    let mut out = Vec::new();
    for (name, sql) in queries {
        let value: Option<serde_json::Value> = sqlx::query_scalar(sql)
            .fetch_one(&mut *conn)
            .await
            .expect(sql);
        out.push(((*name).to_owned(), value));
    }
    out
}

async fn signatures(conn: &mut PgConnection) -> Vec<(String, String, String)> {
    sqlx::query_as(&format!(
        "select p.proname::text, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid)
         from pg_proc p where p.pronamespace = 'public'::regnamespace and p.proname in {SEED_FUNCTIONS}
         order by 1, 2"
    ))
    .fetch_all(&mut *conn)
    .await
    .expect("signatures")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_project_upgrades_in_place() {
    let db = schema::bootstrap_only_database()
        .await
        .expect("bootstrap database");
    let mut conn = PgConnection::connect(db.url()).await.expect("connect");
    sqlx::raw_sql(SEED_FIXTURE)
        .execute(&mut conn)
        .await
        .expect("seed schema");
    sqlx::raw_sql(SAMPLE_ROWS)
        .execute(&mut conn)
        .await
        .expect("sample rows");
    let rows_before = snapshot(&mut conn, SEED_ROWS).await;
    let signatures_before = signatures(&mut conn).await;
    assert_eq!(
        signatures_before.len(),
        10,
        "the fixture defines the ten seed functions"
    );

    schema::apply_migrations(db.url())
        .await
        .expect("our migrations on a seed project");

    let rows_after = snapshot(&mut conn, SEED_ROWS).await;
    for ((table, before), (_, after)) in rows_before.iter().zip(&rows_after) {
        assert!(before.is_some(), "{table} had sample rows");
        assert_eq!(before, after, "{table} changed during the upgrade");
    }
    assert_eq!(
        signatures_before,
        signatures(&mut conn).await,
        "a seed function changed signature"
    );
    let new_status: Vec<String> = sqlx::query_scalar("select distinct status from public.messages")
        .fetch_all(&mut conn)
        .await
        .expect("status");
    assert_eq!(new_status, ["complete"], "old messages read as complete");

    // Every seed function still works, for service_role.
    let a = "'00000000-0000-0000-0000-00000000000a'";
    let b = "'00000000-0000-0000-0000-00000000000b'";
    let checks: Vec<(String, &str)> = vec![
        (
            format!("select public.get_tokens_used({a}, '2026-01')::text"),
            "1234",
        ),
        (
            format!("select public.add_tokens({a}, '2026-01', 6)::text"),
            "1240",
        ),
        (
            format!("select public.add_tokens({a}, '2026-01', -50)::text"),
            "1240",
        ),
        (
            format!("select public.get_tokens_used_week({a}, '2026-W02')::text"),
            "1234",
        ),
        (
            format!("select public.add_tokens_week({a}, '2026-W02', 10)::text"),
            "1244",
        ),
        (
            format!("select public.get_token_cap({a}, '2026-01')::text"),
            "500000",
        ),
        (
            format!("select public.get_token_cap({b}, '2026-W02')::text"),
            "275000",
        ),
        (
            format!("select public.add_period_allowance({b}, '2026-W03', 100)::text"),
            "100",
        ),
        (
            format!("select public.set_user_plan({b}, 'enterprise')"),
            "free",
        ),
        (
            "select public.admin_user_id_by_email('alice@EXAMPLE.com')::text".to_owned(),
            "00000000-0000-0000-0000-00000000000a",
        ),
        ("select public.admin_total_users()::text".to_owned(), "2"),
        (
            "select count(*)::text from public.admin_tokens_last_months(3)".to_owned(),
            "3",
        ),
    ];
    for (sql, expected) in checks {
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("set local role service_role")
            .execute(&mut *tx)
            .await
            .expect("role");
        let got: String = sqlx::query_scalar(&sql)
            .fetch_one(&mut *tx)
            .await
            .expect(&sql);
        assert_eq!(got, expected, "{sql}");
        tx.commit().await.expect("commit");
    }
    // The seed's hole is closed: authenticated may no longer call them.
    let mut tx = conn.begin().await.expect("begin");
    sqlx::query("set local role authenticated")
        .execute(&mut *tx)
        .await
        .expect("role");
    let denied = sqlx::query(&format!("select public.set_user_plan({b}, 'pro')"))
        .execute(&mut *tx)
        .await;
    assert!(
        denied.is_err(),
        "authenticated must not call set_user_plan after the upgrade"
    );
}

/// Grants, policies, function settings and table shapes: what a re-run must
/// leave exactly as it was.
const SCHEMA_STATE: &[(&str, &str)] = &[
    (
        "table grants",
        "select json_agg(g order by g) from (select grantee || ' ' || table_name || ' ' || privilege_type as g from information_schema.role_table_grants where table_schema = 'public') s",
    ),
    (
        "column grants",
        "select json_agg(g order by g) from (select grantee || ' ' || table_name || '.' || column_name || ' ' || privilege_type as g from information_schema.column_privileges where table_schema = 'public' and grantee in ('anon', 'authenticated', 'service_role')) s",
    ),
    (
        "routine grants",
        "select json_agg(g order by g) from (select grantee || ' ' || routine_name || ' ' || privilege_type as g from information_schema.role_routine_grants where routine_schema = 'public') s",
    ),
    (
        "policies",
        "select json_agg(p order by p) from (select tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') as p from pg_policies where schemaname = 'public') s",
    ),
    (
        "functions",
        "select json_agg(f order by f) from (select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || p.prosecdef || ' ' || coalesce(array_to_string(p.proconfig, ','), '') || ' ' || md5(p.prosrc) as f from pg_proc p where p.pronamespace = 'public'::regnamespace) s",
    ),
    (
        "columns",
        "select json_agg(c order by c) from (select table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') as c from information_schema.columns where table_schema = 'public') s",
    ),
    (
        "plan limits",
        "select json_agg(t order by plan) from (select plan, period_kind, allowance from public.plan_limits) t",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn applying_every_migration_again_changes_nothing() {
    let stack = Stack::start().await.expect("stack");
    let mut conn = PgConnection::connect(stack.database_url())
        .await
        .expect("connect");
    let before = snapshot(&mut conn, SCHEMA_STATE).await;
    schema::apply_migrations(stack.database_url())
        .await
        .expect("second run");
    schema::apply_migrations(stack.database_url())
        .await
        .expect("third run");
    let after = snapshot(&mut conn, SCHEMA_STATE).await;
    for ((what, b), (_, a)) in before.iter().zip(&after) {
        assert!(b.is_some(), "{what} is not empty");
        assert_eq!(b, a, "{what} changed when the migrations ran again");
    }
}

//! Accounts made straight in the stack's database, for benchmarks and tests
//! that need many users at once: a sign-up round trip per user would measure
//! the auth stand-in, not what the bench is about.

use sqlx::PgPool;
use uuid::Uuid;

/// Inserts a bare `auth.users` row for each address and answers the new
/// ids, in the addresses' order.
pub async fn users(
    db: &PgPool,
    emails: impl IntoIterator<Item = String>,
) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::new();
    for email in emails {
        let id = sqlx::query_scalar(
            "insert into auth.users (id, email) values (gen_random_uuid(), $1) returning id",
        )
        .bind(email)
        .fetch_one(db)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Makes each user Pro and grants it `credits` pack tokens, once: the grant's
/// reference is `"{reference}-{i}"`, `i` the user's place in `users`, so a
/// second call with the same reference grants nothing more.
pub async fn make_pro(
    db: &PgPool,
    users: &[Uuid],
    credits: i64,
    reference: &str,
) -> anyhow::Result<()> {
    for (i, user) in users.iter().enumerate() {
        sqlx::query("select public.set_user_plan($1, 'pro'), public.grant_credits($1, $2, $3)")
            .bind(user)
            .bind(credits)
            .bind(format!("{reference}-{i}"))
            .execute(db)
            .await?;
    }
    Ok(())
}

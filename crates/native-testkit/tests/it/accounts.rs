//! Accounts made straight in the database for benchmarks: the rows, the
//! plan and credits granted once per reference, and access tokens the
//! server would accept.

use native_testkit::keys::ProjectKeys;
use native_testkit::{Stack, accounts};
use uuid::Uuid;

async fn plan_and_credits(stack: &Stack, user: Uuid) -> (String, i64) {
    sqlx::query_as(
        "select p.plan, a.credits from public.user_plans p
         join public.quota_accounts a using (user_id) where p.user_id = $1",
    )
    .bind(user)
    .fetch_one(&stack.db().await)
    .await
    .expect("the user has a plan and a quota account")
}

#[tokio::test]
async fn users_are_made_pro_with_credits_granted_once() {
    let stack = Stack::start().await.expect("stack starts");
    let db = stack.db().await;
    let emails = ["one@example.com", "two@example.com"].map(String::from);
    let users = accounts::users(&db, emails.clone()).await.expect("users");
    assert_eq!(users.len(), 2);
    assert_ne!(users[0], users[1]);
    for (user, email) in users.iter().zip(&emails) {
        let stored: String = sqlx::query_scalar("select email from auth.users where id = $1")
            .bind(user)
            .fetch_one(&db)
            .await
            .expect("the row exists");
        assert_eq!(&stored, email, "ids come back in the addresses' order");
    }

    accounts::make_pro(&db, &users, 500, "accounts-test")
        .await
        .expect("made pro");
    // The same reference again grants nothing more.
    accounts::make_pro(&db, &users, 500, "accounts-test")
        .await
        .expect("made pro again");
    for &user in &users {
        assert_eq!(
            plan_and_credits(&stack, user).await,
            ("pro".to_owned(), 500)
        );
    }
}

#[test]
fn access_tokens_name_the_user_for_the_authenticated_audience() {
    let keys = ProjectKeys::generate();
    let user = Uuid::new_v4();
    let token = keys.access_token(user, 60);
    let claims = keys
        .verify(&token, Some("authenticated"))
        .expect("a valid token for the authenticated audience");
    assert_eq!(claims["sub"], user.to_string());
    assert_eq!(claims["role"], "authenticated");

    let expired = keys.access_token(user, -60);
    assert!(keys.verify(&expired, Some("authenticated")).is_err());
}

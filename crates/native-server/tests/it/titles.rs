//! `POST /v1/titles`: short, cleaned, in the conversation's language, free
//! for the user but rate-limited.

use native_testkit::Stack;
use native_testkit::fake_provider::Script;
use serde_json::json;

use crate::gateway::{Server, expect_error, post, reservations, settings, user, week_used};

fn conversation() -> serde_json::Value {
    json!({"messages": [
        {"role": "user", "content": "Comment aller de Paris à Lyon en train le week-end ?"},
        {"role": "assistant", "content": "Le TGV met environ deux heures..."},
    ]})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_title_is_cleaned_from_the_models_answer_and_costs_the_user_nothing() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "titles@example.com").await;
    stack.provider().push(
        Script::reply("**Titre :** « Voyage Paris-Lyon en train le week-end. »").usage(80, 12),
    );

    let response = post(
        stack.native_api_url(),
        "/v1/titles",
        Some(&alice.token),
        &conversation(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["title"], "Voyage Paris-Lyon en train le week-end");

    let sent = stack.provider().last_request().unwrap().body;
    assert_eq!(sent["max_tokens"], 24);
    assert_eq!(sent["messages"][0]["role"], "system");
    assert!(
        sent["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("six words")
    );
    let quoted = sent["messages"][1]["content"].as_str().unwrap();
    assert!(
        quoted.contains("Paris à Lyon") && quoted.contains("TGV"),
        "{quoted}"
    );

    let db = stack.db().await;
    assert!(
        reservations(&db, alice.id).await.is_empty(),
        "nothing reserved"
    );
    assert_eq!(week_used(&db, alice.id).await, 0, "nothing charged");

    // An unusable answer falls back to the user's first words.
    stack.provider().push(Script::reply("« ... »"));
    let response = post(
        stack.native_api_url(),
        "/v1/titles",
        Some(&alice.token),
        &conversation(),
    )
    .await;
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["title"], "Comment aller de Paris à Lyon");
}

#[tokio::test(flavor = "multi_thread")]
async fn titles_need_a_token_and_valid_turns_and_are_rate_limited_per_user() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "many-titles@example.com").await;
    let bob = user(&stack, "one-title@example.com").await;
    let mut tuned = settings(&stack);
    tuned.chat.titles_per_minute = 2;
    let server = Server::start(tuned).await;

    expect_error(
        post(&server.url, "/v1/titles", None, &conversation()).await,
        401,
        "unauthorized",
    )
    .await;
    let system = json!({"messages": [{"role": "system", "content": "x"}]});
    expect_error(
        post(&server.url, "/v1/titles", Some(&alice.token), &system).await,
        400,
        "invalid_request",
    )
    .await;

    for _ in 0..2 {
        let response = post(
            &server.url,
            "/v1/titles",
            Some(&alice.token),
            &conversation(),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    let limited = post(
        &server.url,
        "/v1/titles",
        Some(&alice.token),
        &conversation(),
    )
    .await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    expect_error(limited, 429, "rate_limited").await;
    let response = post(&server.url, "/v1/titles", Some(&bob.token), &conversation()).await;
    assert_eq!(
        response.status(),
        200,
        "another user has their own allowance"
    );
}

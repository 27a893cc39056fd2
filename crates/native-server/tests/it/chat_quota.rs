//! Metering: a 402 that says why and until when; a client that hangs up is
//! charged what was streamed and the provider sees the cancel; concurrent
//! requests near the cap cannot overshoot it; four streams per user.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::future::join_all;
use native_core::{PeriodKey, Turn, estimate_prompt_tokens, estimate_tokens};
use native_testkit::Stack;
use native_testkit::fake_provider::Script;
use time::format_description::well_known::Rfc3339;

use crate::gateway::{
    Server, ask, chat, expect_error, read_sse, reservations, settings, settled, spend, user,
    week_used,
};

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_quota_gets_402_with_the_plan_and_when_it_resets() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "broke@example.com").await;
    let db = stack.db().await;
    spend(&db, alice.id, 24_990).await;

    let response = chat(stack.native_api_url(), &alice.token, &ask("hi", true)).await;
    assert_eq!(response.headers()["x-quota-remaining"], "10");
    let body = expect_error(response, 402, "quota_exceeded").await;
    let week = PeriodKey::week_of(time::OffsetDateTime::now_utc());
    assert_eq!(body["plan"], "free");
    assert_eq!(body["period_key"], week.to_string());
    let ends_at = time::OffsetDateTime::parse(body["period_ends_at"].as_str().unwrap(), &Rfc3339)
        .expect("an RFC 3339 instant");
    assert_eq!(ends_at, week.ends_at());
    assert_eq!(body["remaining"], 10);
    assert!(
        stack.provider().chat_requests().is_empty(),
        "no provider call"
    );
    assert!(reservations(&db, alice.id).await.is_empty());

    // Asking for one token does not help: the prompt alone is over 10.
    let mut small = ask("hi", true);
    small["max_tokens"] = serde_json::json!(1);
    expect_error(
        chat(stack.native_api_url(), &alice.token, &small).await,
        402,
        "quota_exceeded",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_hangs_up_cancels_the_provider_and_is_charged_what_was_streamed() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "gone@example.com").await;
    stack.provider().push(
        Script::reply("abcd".repeat(60))
            .chunk_chars(4)
            .chunk_delay(Duration::from_millis(30)),
    );
    let response = chat(
        stack.native_api_url(),
        &alice.token,
        &ask("long please", true),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut events = response.bytes_stream().eventsource();
    let mut seen_chars = 0;
    let mut pieces = 0;
    while pieces < 4 {
        let event = events
            .next()
            .await
            .expect("an event")
            .expect("a good event");
        let chunk: serde_json::Value = serde_json::from_str(&event.data).unwrap();
        if let Some(text) = chunk["choices"][0]["delta"]["content"].as_str() {
            seen_chars += text.chars().count();
            pieces += 1;
        }
    }
    drop(events);

    let hung_up = stack
        .provider()
        .wait_for_hangup(Duration::from_secs(5))
        .await
        .expect("the provider saw the client leave");
    assert!(hung_up.events_sent < 61, "cancelled before the end");
    let db = stack.db().await;
    let charged = settled(&db, alice.id, 1).await[0];
    let prompt: Vec<Turn> = serde_json::from_value(hung_up.body["messages"].clone()).unwrap();
    let prompt_estimate = estimate_prompt_tokens(&prompt);
    // Charged the prompt and what the gateway relayed: at least what the
    // client read, at most what the provider sent (4 chars per content
    // event; the first event is the role chunk).
    let most_chars = 4 * (hung_up.events_sent - 1);
    let least = prompt_estimate + estimate_tokens(seen_chars);
    let most = prompt_estimate + estimate_tokens(most_chars);
    assert!(
        (least as i64..=most as i64).contains(&charged),
        "charged {charged}, expected {least}..={most}"
    );
    assert_eq!(week_used(&db, alice.id).await, charged);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_requests_near_the_cap_never_overshoot_by_more_than_one_request() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "crowd@example.com").await;
    let db = stack.db().await;
    spend(&db, alice.id, 24_000).await;
    let mut tuned = settings(&stack);
    tuned.chat.max_streams_per_user = 64;
    tuned.chat.max_output_tokens = 100;
    let server = Server::start(tuned).await;
    // Replies long enough to overlap; usage from the fake provider's
    // estimate (characters / 4), below each reservation.
    stack.provider().set_default_script(
        Script::reply("word ".repeat(60)).chunk_delay(Duration::from_millis(2)),
    );

    let requests = (0..50).map(|i| {
        let (url, token) = (server.url.clone(), alice.token.clone());
        async move {
            let response = chat(&url, &token, &ask(&format!("question {i}"), i % 2 == 0)).await;
            let status = response.status().as_u16();
            let _ = response.bytes().await;
            status
        }
    });
    let statuses = join_all(requests).await;
    let served = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 402).count();
    assert_eq!(served + refused, 50, "{statuses:?}");
    assert!(served > 0 && refused > 0, "{statuses:?}");

    let rows = reservations(&db, alice.id).await;
    assert_eq!(rows.len(), served);
    let largest_reservation = rows.iter().map(|(reserved, _)| *reserved).max().unwrap();
    let charged = settled(&db, alice.id, served).await;
    let used = week_used(&db, alice.id).await;
    assert_eq!(used, 24_000 + charged.iter().sum::<i64>());
    assert!(
        used <= 25_000 + largest_reservation,
        "used {used} of 25,000 (+{largest_reservation})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifth_concurrent_stream_is_refused_until_one_ends() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "streams@example.com").await;
    let url = stack.native_api_url();
    stack
        .provider()
        .set_default_script(Script::reply("slow").first_byte_delay(Duration::from_millis(800)));

    let open: Vec<_> = (0..4)
        .map(|_| tokio::spawn(chat_owned(url.to_owned(), alice.token.clone())))
        .collect();
    stack
        .provider()
        .wait_for_requests(4, Duration::from_secs(5))
        .await
        .expect("four streams reached the provider");
    let fifth = chat(url, &alice.token, &ask("one more", true)).await;
    assert_eq!(fifth.headers()["retry-after"], "1");
    expect_error(fifth, 429, "too_many_streams").await;
    // Another user is not affected.
    let bob = user(&stack, "other@example.com").await;
    stack.provider().set_default_script(Script::reply("quick"));
    assert_eq!(
        read_sse(chat(url, &bob.token, &ask("hi", true)).await)
            .await
            .text(),
        "quick"
    );

    for stream in open {
        assert_eq!(stream.await.unwrap(), "slow");
    }
    assert_eq!(
        read_sse(chat(url, &alice.token, &ask("again", true)).await)
            .await
            .text(),
        "quick"
    );
}

async fn chat_owned(url: String, token: String) -> String {
    read_sse(chat(&url, &token, &ask("hold", true)).await)
        .await
        .text()
}

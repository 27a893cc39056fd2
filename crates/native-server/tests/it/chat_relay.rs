//! The relay: what the client receives is exactly what the provider
//! streamed, in order; the provider is sent the operator's prompt and only
//! the fields it accepts; usage lands in the ledger.

use native_core::{Turn, estimate_prompt_tokens};
use native_server::ProviderKind;
use native_testkit::Stack;
use native_testkit::fake_provider::{Dialect, Script};
use serde_json::json;

use crate::gateway::{Server, ask, chat, read_sse, settings, settled, user, week_used};

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_reply_is_relayed_exactly_and_settled_with_the_providers_usage() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "relay@example.com").await;
    let pieces = [
        "Bon",
        "jour",
        " à",
        " toi",
        " 🌍",
        "\n\n```rust\nfn main() {}\n```",
        "",
    ];
    stack
        .provider()
        .push(Script::reply("").chunks(pieces).usage(12, 7));

    let response = chat(stack.native_api_url(), &alice.token, &ask("Salut", true)).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let remaining_at_start: i64 = response.headers()["x-quota-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(response.headers().contains_key("x-request-id"));
    let streamed = read_sse(response).await;

    // The role chunk (empty content), then every piece, unchanged and in order.
    let mut expected = vec![String::new()];
    expected.extend(pieces.iter().map(|p| p.to_string()));
    assert_eq!(streamed.contents(), expected);
    assert!(streamed.done, "the stream ends with [DONE]");
    assert!(streamed.errors.is_empty());
    let last_choice = streamed
        .chunks
        .iter()
        .rev()
        .find(|c| !c["choices"].as_array().unwrap().is_empty())
        .unwrap();
    assert_eq!(last_choice["choices"][0]["finish_reason"], "stop");
    assert!(
        streamed
            .chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    let usage = streamed.usage_chunk().expect("a usage chunk");
    assert_eq!(
        usage["usage"],
        json!({"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19})
    );
    assert_eq!(usage["quota_remaining"], 25_000 - 19);

    // The provider got the operator's prompt first and Mistral's fields only.
    let sent = stack.provider().last_request().unwrap().body;
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(
        sent["messages"][0]["content"],
        native_server::config::DEFAULT_SYSTEM_PROMPT
    );
    assert_eq!(
        sent["messages"][1],
        json!({"role": "user", "content": "Salut"})
    );
    assert!(sent.get("stream_options").is_none());
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["max_tokens"], 4096);

    // Reserved: the prompt estimate plus max_tokens; settled: the usage.
    let prompt: Vec<Turn> = serde_json::from_value(sent["messages"].clone()).unwrap();
    let reserved = estimate_prompt_tokens(&prompt) as i64 + 4096;
    assert_eq!(remaining_at_start, 25_000 - reserved);
    let db = stack.db().await;
    assert_eq!(settled(&db, alice.id, 1).await, [19]);
    assert_eq!(week_used(&db, alice.id).await, 19);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_openai_compatible_provider_is_asked_for_usage_and_a_mode_adds_its_instructions() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "openai@example.com").await;
    stack.provider().set_dialect(Dialect::OpenAi);
    let mut tuned = settings(&stack);
    tuned.provider.kind = ProviderKind::OpenAiCompatible;
    tuned.provider.model = "gpt-4o-mini".into();
    tuned.chat.system_prompt = "OPERATOR".into();
    tuned.chat.deep_search_prompt = "GO DEEP".into();
    let server = Server::start(tuned).await;
    stack
        .provider()
        .push(Script::reply("one two three").usage(40, 3));

    let mut body = ask("Explain", true);
    body["mode"] = json!("deep_search");
    body["temperature"] = json!(1.5);
    let streamed = read_sse(chat(&server.url, &alice.token, &body).await).await;
    assert_eq!(streamed.text(), "one two three");
    assert_eq!(streamed.usage_chunk().unwrap()["usage"]["total_tokens"], 43);

    let sent = stack.provider().last_request().unwrap().body;
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
    let roles: Vec<(&str, &str)> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("system", "OPERATOR"),
            ("system", "GO DEEP"),
            ("user", "Explain")
        ]
    );
    // The operator's temperature, not the client's.
    assert_eq!(
        sent["temperature"].as_f64().map(|t| (t * 10.0).round()),
        Some(4.0)
    );
    let db = stack.db().await;
    assert_eq!(settled(&db, alice.id, 1).await, [43]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_streaming_request_gets_one_completion_and_the_quota_after_it() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "plain@example.com").await;
    stack
        .provider()
        .push(Script::reply("Paris est la capitale.").usage(20, 6));

    let response = chat(
        stack.native_api_url(),
        &alice.token,
        &ask("Capitale ?", false),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-quota-remaining"],
        (25_000 - 26).to_string().as_str()
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "Paris est la capitale."
    );
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(body["usage"]["total_tokens"], 26);
    let db = stack.db().await;
    assert_eq!(settled(&db, alice.id, 1).await, [26]);
}

#[tokio::test(flavor = "multi_thread")]
async fn models_lists_the_allow_list_and_other_models_are_refused() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "models@example.com").await;
    let mut tuned = settings(&stack);
    tuned.chat.extra_models = vec!["mistral-large-latest".into()];
    let server = Server::start(tuned).await;

    let list: serde_json::Value = reqwest::get(format!("{}/v1/models", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mistral-small-latest", "mistral-large-latest"]);

    let mut body = ask("hi", false);
    body["model"] = json!("mistral-large-latest");
    assert_eq!(chat(&server.url, &alice.token, &body).await.status(), 200);
    assert_eq!(
        stack.provider().last_request().unwrap().body["model"],
        "mistral-large-latest"
    );
    body["model"] = json!("gpt-5-ultra");
    crate::gateway::expect_error(
        chat(&server.url, &alice.token, &body).await,
        400,
        "model_not_allowed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_an_open_stream_finish() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "drain@example.com").await;
    let mut server = Server::start(settings(&stack)).await;
    stack.provider().push(
        Script::reply("a b c d e f g h i j")
            .chunk_delay(std::time::Duration::from_millis(60))
            .usage(5, 10),
    );
    let response = chat(&server.url, &alice.token, &ask("slow", true)).await;
    assert_eq!(response.status(), 200);
    let stopped = server.shut_down();
    let streamed = read_sse(response).await;
    assert!(streamed.done, "the stream was drained, not cut");
    assert_eq!(streamed.text(), "a b c d e f g h i j");
    stopped.await.unwrap().expect("clean shutdown");
    let db = stack.db().await;
    assert_eq!(settled(&db, alice.id, 1).await, [15]);
    // Stopped: new connections are refused.
    let refused = reqwest::get(format!("{}/health", server.url)).await;
    assert!(refused.is_err());
}

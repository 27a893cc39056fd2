//! The fake provider: each dialect's stream shape (where usage goes), the
//! non-streaming answer, scripted failures (429 with `retry-after`, 500, a
//! stream cut mid-way, a slow first byte), hang-up detection, request
//! recording and the optional API key.

use std::time::{Duration, Instant};

use futures::StreamExt;
use native_testkit::fake_provider::{Dialect, FakeProvider, Outcome, Script};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

fn chat_body(stream: bool) -> Value {
    json!({
        "model": "mistral-small-latest",
        "messages": [{"role": "user", "content": "Say hello to the tests, please."}],
        "temperature": 0.3,
        "stream": stream,
    })
}

async fn post(provider: &FakeProvider, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/chat/completions", provider.base_url()))
        .bearer_auth("test-key")
        .json(body)
        .send()
        .await
        .expect("request reaches the fake provider")
}

/// The `data:` payloads of an SSE body, in order.
fn sse_events(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter(|event| !event.trim().is_empty())
        .map(|event| {
            event
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not an SSE data event: {event:?}"))
                .to_owned()
        })
        .collect()
}

/// The JSON chunks of a complete stream, asserting it ends with `[DONE]`.
fn chunks_of_complete_stream(text: &str) -> Vec<Value> {
    let mut events = sse_events(text);
    assert_eq!(
        events.pop().as_deref(),
        Some("[DONE]"),
        "stream must end with [DONE]"
    );
    events
        .iter()
        .map(|event| serde_json::from_str(event).expect("chunk is JSON"))
        .collect()
}

fn content_of(chunks: &[Value]) -> String {
    chunks
        .iter()
        .filter_map(|chunk| chunk["choices"][0]["delta"]["content"].as_str())
        .collect()
}

#[tokio::test]
async fn mistral_stream_carries_usage_on_the_last_content_chunk() {
    let provider = FakeProvider::start().await.expect("provider starts");
    assert!(provider.base_url().starts_with("http://127.0.0.1:"));
    assert!(provider.base_url().ends_with("/v1"));
    provider.push(Script::reply("Hello there, tests").usage(11, 3));

    let response = post(&provider, &chat_body(true)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let chunks = chunks_of_complete_stream(&response.text().await.expect("body"));

    assert_eq!(content_of(&chunks), "Hello there, tests");
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    for chunk in &chunks {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "mistral-small-latest");
        assert_eq!(chunk["id"], chunks[0]["id"]);
    }
    let (last, rest) = chunks.split_last().expect("chunks");
    // Mistral: the last chunk is a content chunk with finish_reason and usage.
    assert_eq!(last["choices"][0]["delta"]["content"], "tests");
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        last["usage"],
        json!({"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14})
    );
    for chunk in rest {
        assert!(
            chunk.get("usage").is_none(),
            "only the last chunk has usage: {chunk}"
        );
        assert!(chunk["choices"][0]["finish_reason"].is_null());
    }
    let recorded = provider.wait_until_idle(WAIT).await.expect("answer ends");
    assert_eq!(recorded[0].outcome, Outcome::Completed);
    assert_eq!(provider.queued(), 0, "the script was used");
}

#[tokio::test]
async fn mistral_refuses_stream_options_without_using_the_script() {
    let provider = FakeProvider::start().await.expect("provider starts");
    provider.push(Script::reply("kept for the next request"));
    let mut body = chat_body(true);
    body["stream_options"] = json!({"include_usage": true});

    let response = post(&provider, &body).await;
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.expect("JSON error");
    assert_eq!(error["message"]["detail"][0]["type"], "extra_forbidden");
    assert_eq!(
        error["message"]["detail"][0]["loc"],
        json!(["body", "stream_options"])
    );

    assert_eq!(provider.queued(), 1, "a refused request takes no script");
    assert_eq!(provider.requests()[0].outcome, Outcome::Rejected(422));
}

#[tokio::test]
async fn openai_stream_reports_usage_only_when_asked() {
    let provider = FakeProvider::start_with(Dialect::OpenAi)
        .await
        .expect("starts");
    provider.push(Script::reply("one two three").usage(5, 4));
    provider.push(Script::reply("one two three").usage(5, 4));

    let mut with_usage = chat_body(true);
    with_usage["stream_options"] = json!({"include_usage": true});
    let text = post(&provider, &with_usage)
        .await
        .text()
        .await
        .expect("body");
    let chunks = chunks_of_complete_stream(&text);
    assert_eq!(content_of(&chunks), "one two three");
    let (usage_chunk, rest) = chunks.split_last().expect("chunks");
    assert_eq!(usage_chunk["choices"], json!([]));
    assert_eq!(usage_chunk["usage"]["total_tokens"], 9);
    for chunk in rest {
        assert!(
            chunk["usage"].is_null(),
            "usage is null on other chunks: {chunk}"
        );
        assert_eq!(chunk["choices"].as_array().map(Vec::len), Some(1));
    }
    // The finish reason rides on an empty-delta chunk before the usage chunk.
    let finish = &rest[rest.len() - 1];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    assert_eq!(finish["choices"][0]["delta"], json!({}));

    let text = post(&provider, &chat_body(true))
        .await
        .text()
        .await
        .expect("body");
    let chunks = chunks_of_complete_stream(&text);
    assert!(
        chunks.iter().all(|chunk| chunk.get("usage").is_none()),
        "no usage without include_usage"
    );
    assert!(
        chunks
            .iter()
            .all(|chunk| chunk["choices"].as_array().map(Vec::len) == Some(1))
    );
}

#[tokio::test]
async fn non_streaming_answer_and_demo_default() {
    let provider = FakeProvider::start().await.expect("provider starts");
    provider.push(Script::reply("A whole answer.").finish_reason("length"));

    let answer: Value = post(&provider, &chat_body(false))
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["object"], "chat.completion");
    assert_eq!(answer["choices"][0]["message"]["role"], "assistant");
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "A whole answer."
    );
    assert_eq!(answer["choices"][0]["finish_reason"], "length");
    // Estimated usage: about four characters per token.
    assert_eq!(answer["usage"]["completion_tokens"], 4);
    assert_eq!(answer["usage"]["prompt_tokens"], 8);

    // With nothing queued, the demo reply says what it is.
    let demo: Value = post(&provider, &chat_body(false))
        .await
        .json()
        .await
        .expect("JSON");
    let text = demo["choices"][0]["message"]["content"]
        .as_str()
        .expect("text");
    assert!(text.contains("demo"), "{text}");

    let models: Value = reqwest::get(format!("{}/models", provider.base_url()))
        .await
        .expect("models")
        .json()
        .await
        .expect("JSON");
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"][0]["id"], "mistral-small-latest");
}

#[tokio::test]
async fn scripted_rate_limit_and_server_error() {
    let provider = FakeProvider::start().await.expect("provider starts");
    provider.push(Script::rate_limited(7));
    provider.push(Script::server_error());

    let limited = post(&provider, &chat_body(true)).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    let body: Value = limited.json().await.expect("JSON");
    assert_eq!(body["object"], "error");
    assert_eq!(body["type"], "rate_limited");
    assert_eq!(body["message"], "Rate limit exceeded");

    let failed = post(&provider, &chat_body(true)).await;
    assert_eq!(failed.status(), 500);

    let outcomes: Vec<Outcome> = provider.requests().iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [Outcome::Rejected(429), Outcome::Rejected(500)]);
}

#[tokio::test]
async fn a_cut_stream_ends_without_done() {
    let provider = FakeProvider::start().await.expect("provider starts");
    provider.push(Script::reply("never fully told story here").cut_after(3));

    let response = post(&provider, &chat_body(true)).await;
    assert_eq!(response.status(), 200, "the cut happens mid-body");
    let mut body = response.bytes_stream();
    let mut received = Vec::new();
    let mut failed = false;
    while let Some(piece) = body.next().await {
        match piece {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the client sees the connection close mid-stream");
    let events = sse_events(&String::from_utf8(received).expect("UTF-8"));
    assert_eq!(
        events.len(),
        3,
        "exactly the scripted events arrived: {events:?}"
    );
    assert!(!events.iter().any(|event| event == "[DONE]"));

    let recorded = provider.wait_until_idle(WAIT).await.expect("answer ends");
    assert_eq!(recorded[0].outcome, Outcome::Cut);
    assert_eq!(recorded[0].events_sent, 3);
}

#[tokio::test]
async fn a_client_that_hangs_up_is_recorded() {
    let provider = FakeProvider::start().await.expect("provider starts");
    let long_reply = "word ".repeat(200);
    provider.push(Script::reply(long_reply).chunk_delay(Duration::from_millis(20)));

    let response = post(&provider, &chat_body(true)).await;
    let mut body = response.bytes_stream();
    let first = body.next().await.expect("a first chunk").expect("readable");
    assert!(first.starts_with(b"data: "));
    drop(body);

    let hung_up = provider
        .wait_for_hangup(WAIT)
        .await
        .expect("hang-up noticed");
    assert!(hung_up.hung_up());
    assert!(!hung_up.completed());
    assert!(
        hung_up.events_sent < 200,
        "the stream stopped early: {}",
        hung_up.events_sent
    );
}

#[tokio::test]
async fn a_slow_first_byte_delays_the_headers_and_a_timeout_is_a_hang_up() {
    let provider = FakeProvider::start().await.expect("provider starts");
    provider.push(Script::reply("late").first_byte_delay(Duration::from_millis(400)));
    provider.push(Script::reply("too late").first_byte_delay(Duration::from_secs(30)));

    let started = Instant::now();
    let response = post(&provider, &chat_body(true)).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(response.status(), 200);
    assert_eq!(
        content_of(&chunks_of_complete_stream(
            &response.text().await.expect("body")
        )),
        "late"
    );

    let timed_out = reqwest::Client::new()
        .post(format!("{}/chat/completions", provider.base_url()))
        .timeout(Duration::from_millis(200))
        .json(&chat_body(true))
        .send()
        .await;
    assert!(timed_out.is_err_and(|err| err.is_timeout()));
    let hung_up = provider
        .wait_for_hangup(WAIT)
        .await
        .expect("hang-up noticed");
    assert_eq!(hung_up.seq, 1);
    assert_eq!(hung_up.events_sent, 0);
}

#[tokio::test]
async fn requests_are_recorded_and_the_api_key_is_enforced() {
    let provider = FakeProvider::start().await.expect("provider starts");
    provider.set_api_key(Some("right-key"));
    provider.set_default_script(Script::reply("ok"));

    let wrong = post(&provider, &chat_body(false)).await; // sends "test-key"
    assert_eq!(wrong.status(), 401);
    let anonymous = reqwest::Client::new()
        .post(format!("{}/chat/completions", provider.base_url()))
        .json(&chat_body(false))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
    let right = reqwest::Client::new()
        .post(format!("{}/chat/completions", provider.base_url()))
        .bearer_auth("right-key")
        .json(&chat_body(false))
        .send()
        .await
        .expect("request");
    assert_eq!(right.status(), 200);

    let requests = provider.wait_for_requests(3, WAIT).await.expect("recorded");
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].bearer(), Some("test-key"));
    assert!(!requests[1].has_authorization());
    assert_eq!(
        requests[2].authorization.as_deref(),
        Some("Bearer right-key")
    );
    assert_eq!(requests[2].body, chat_body(false));
    assert_eq!(requests[2].path, "/v1/chat/completions");
    assert_eq!(requests[0].outcome, Outcome::Rejected(401));
    assert!(
        requests
            .iter()
            .all(|r| r.received_at <= requests[2].received_at)
    );

    provider.set_api_key(None);
    assert_eq!(post(&provider, &chat_body(false)).await.status(), 200);
    provider.clear_requests();
    assert!(provider.requests().is_empty());
}

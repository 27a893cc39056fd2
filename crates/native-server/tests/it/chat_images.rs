//! Pictures in prompts: relayed as the provider's image parts, refused with
//! a clear message for a model that cannot read them, and only ever as
//! data URLs.

use native_server::ProviderKind;
use native_testkit::Stack;
use serde_json::json;

use crate::gateway::{Server, chat, expect_error, read_sse, settings, user};

const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";

fn with_picture(model: Option<&str>, url: &str) -> serde_json::Value {
    let mut body = json!({
        "messages": [
            {"role": "user", "content": "Earlier", },
            {"role": "assistant", "content": "Yes."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": url}},
            ]},
        ],
        "stream": true,
    });
    if let Some(model) = model {
        body["model"] = json!(model);
    }
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_picture_reaches_mistral_as_a_bare_data_url_part_after_the_text() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "pictures@example.com").await;
    stack.provider().clear_requests();

    let streamed = read_sse(
        chat(
            stack.native_api_url(),
            &alice.token,
            &with_picture(None, PNG),
        )
        .await,
    )
    .await;
    assert!(streamed.done, "{streamed:?}");

    let sent = stack
        .provider()
        .chat_requests()
        .pop()
        .expect("the provider was asked");
    let question = sent.body["messages"]
        .as_array()
        .expect("messages")
        .last()
        .cloned()
        .expect("a turn");
    assert_eq!(
        question,
        json!({"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": PNG},
        ]})
    );
    // Text-only turns stay plain strings.
    assert_eq!(sent.body["messages"][1]["content"], "Earlier");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_openai_compatible_provider_gets_the_object_form() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "openai-pictures@example.com").await;
    let mut config = settings(&stack);
    config.provider.kind = ProviderKind::OpenAiCompatible;
    let server = Server::start(config).await;
    stack.provider().clear_requests();

    read_sse(chat(&server.url, &alice.token, &with_picture(None, PNG)).await).await;
    let sent = stack
        .provider()
        .chat_requests()
        .pop()
        .expect("the provider was asked");
    let question = sent.body["messages"]
        .as_array()
        .and_then(|m| m.last().cloned());
    assert_eq!(
        question.expect("a turn")["content"][1]["image_url"],
        json!({"url": PNG})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_without_vision_and_a_remote_address_are_refused_before_the_provider() {
    let stack = Stack::start().await.expect("stack");
    let alice = user(&stack, "no-vision@example.com").await;
    let mut config = settings(&stack);
    config.chat.extra_models = vec!["mistral-large-latest".to_owned()];
    let server = Server::start(config).await;
    stack.provider().clear_requests();

    let refused = expect_error(
        chat(
            &server.url,
            &alice.token,
            &with_picture(Some("mistral-large-latest"), PNG),
        )
        .await,
        400,
        "model_not_vision",
    )
    .await;
    let message = refused["message"].as_str().expect("a message");
    assert!(
        message.contains("mistral-large-latest") && message.contains("mistral-small-latest"),
        "names the model and those that can: {message}"
    );

    let remote = expect_error(
        chat(
            &server.url,
            &alice.token,
            &with_picture(None, "https://example.com/cat.png"),
        )
        .await,
        400,
        "invalid_request",
    )
    .await;
    assert!(
        remote["message"]
            .as_str()
            .unwrap_or_default()
            .contains("data: URL"),
        "{remote}"
    );
    assert!(
        stack.provider().chat_requests().is_empty(),
        "nothing reached the provider"
    );
}

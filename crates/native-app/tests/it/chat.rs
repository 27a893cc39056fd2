//! Chat through the real gateway (native-server in the stack, relaying to
//! the scripted fake provider): streamed events, saved turns, stop,
//! regenerate, edit and resend, failures.

use std::sync::Arc;
use std::time::Duration;

use native_app::{ChatOptions, ChatOutcome, ErrorCode, NativeApp};
use native_core::{ChatEvent, ConversationId, MessageStatus, Role};
use native_testkit::Stack;
use native_testkit::fake_provider::Script;

use crate::chat_support::Events;
use crate::history_support::{Device, first_device};
use tokio::task::JoinHandle;

/// Scripts a 200-word reply streamed slowly and sends `question` for it in
/// the background: the reply's text, its events, and the running send.
fn long_reply(
    stack: &Stack,
    device: &Arc<Device>,
    question: &'static str,
) -> (
    String,
    Events,
    JoinHandle<Result<ChatOutcome, native_app::AppError>>,
) {
    let long: String = (0..200).map(|i| format!("mot{i} ")).collect();
    stack.provider().push(
        Script::reply(long.clone())
            .chunk_chars(5)
            .chunk_delay(Duration::from_millis(30)),
    );
    let events = Events::default();
    let running = tokio::spawn({
        let (device, events) = (device.clone(), events.clone());
        async move {
            device
                .app
                .send_message(None, question, ChatOptions::default(), &events)
                .await
        }
    });
    (long, events, running)
}

async fn turns(app: &NativeApp, id: ConversationId) -> Vec<(Role, String, MessageStatus)> {
    app.conversation_messages(id)
        .await
        .expect("messages")
        .into_iter()
        .map(|m| (m.role, m.content, m.status))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_chat_streams_in_order_saves_both_turns_and_gets_a_title() {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, "chat@example.com").await;
    let answer = "Essayez un bouchon lyonnais près de Saint-Jean.";
    stack
        .provider()
        .push(Script::reply(answer).chunk_chars(7).usage(20, 11));
    stack.provider().push(Script::reply("Manger à Lyon"));

    let events = Events::default();
    let outcome = device
        .app
        .send_message(
            None,
            "Où manger à Lyon ce soir ?",
            ChatOptions::default(),
            &events,
        )
        .await
        .expect("chat");
    assert_eq!(outcome.status, MessageStatus::Complete);
    let all = events.all();
    assert!(
        matches!(all.first(), Some(ChatEvent::Saved { conversation_id, .. }) if *conversation_id == outcome.conversation_id)
    );
    assert!(
        matches!(all.get(1), Some(ChatEvent::Started { .. })),
        "{all:?}"
    );
    assert!(matches!(
        all.last(),
        Some(ChatEvent::Done {
            status: MessageStatus::Complete
        })
    ));
    assert!(
        all.iter()
            .filter(|e| matches!(e, ChatEvent::Delta { .. }))
            .count()
            > 3,
        "streamed in pieces"
    );
    assert_eq!(events.text(), answer, "the relay is exact");
    assert!(
        all.iter()
            .any(|e| matches!(e, ChatEvent::Usage(u) if u.completion_tokens == 11))
    );

    assert_eq!(
        turns(&device.app, outcome.conversation_id).await,
        vec![
            (
                Role::User,
                "Où manger à Lyon ce soir ?".to_owned(),
                MessageStatus::Complete
            ),
            (Role::Assistant, answer.to_owned(), MessageStatus::Complete),
        ]
    );
    // Only user and assistant turns left the app.
    let sent = stack.provider().chat_requests();
    assert!(!sent.is_empty());
    // The title comes from the gateway, after the reply.
    let mut title = String::new();
    for _ in 0..50 {
        title = device.app.list_conversations().await.expect("list")[0]
            .title
            .clone();
        if title == "Manger à Lyon" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(title, "Manger à Lyon");
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_keeps_what_came_marked_partial_and_hangs_up() {
    let stack = Stack::start().await.expect("stack");
    let device = Arc::new(first_device(&stack, "stop@example.com").await);
    let (long, events, running) = long_reply(&stack, &device, "Raconte une longue histoire");
    let conversation = loop {
        if let Some(ChatEvent::Saved {
            conversation_id, ..
        }) = events.all().first().cloned()
            && events
                .all()
                .iter()
                .any(|e| matches!(e, ChatEvent::Delta { .. }))
        {
            break conversation_id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    device.app.stop_chat(conversation);
    let outcome = running.await.expect("task").expect("chat");
    assert_eq!(outcome.status, MessageStatus::Partial);
    assert!(matches!(
        events.all().last(),
        Some(ChatEvent::Done {
            status: MessageStatus::Partial
        })
    ));
    let stored = turns(&device.app, conversation).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored[1],
        (Role::Assistant, events.text(), MessageStatus::Partial)
    );
    assert!(events.text().len() < long.len(), "stopped before the end");
    stack
        .provider()
        .wait_for_hangup(Duration::from_secs(10))
        .await
        .expect("the provider saw the cancel");
}

#[tokio::test(flavor = "multi_thread")]
async fn regenerate_replaces_the_reply_and_edit_replaces_the_later_turns() {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, "regen@example.com").await;
    let provider = stack.provider();
    provider.push(Script::reply("Première réponse."));
    provider.push(Script::reply("Un titre"));
    let events = Events::default();
    let first = device
        .app
        .send_message(None, "Question A", ChatOptions::default(), &events)
        .await
        .expect("chat");
    let id = first.conversation_id;
    // The title request takes the next script; let it land first.
    for _ in 0..100 {
        if device.app.list_conversations().await.expect("list")[0].title == "Un titre" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    provider.push(Script::reply("Deuxième réponse."));
    device
        .app
        .send_message(
            Some(id),
            "Question B",
            ChatOptions::default(),
            &Events::default(),
        )
        .await
        .expect("chat");

    provider.push(Script::reply("Deuxième réponse, autrement."));
    let regenerated = device
        .app
        .regenerate_reply(id, ChatOptions::default(), &Events::default())
        .await
        .expect("regenerate");
    assert_eq!(regenerated.status, MessageStatus::Complete);
    let texts: Vec<String> = turns(&device.app, id)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(
        texts,
        vec![
            "Question A",
            "Première réponse.",
            "Question B",
            "Deuxième réponse, autrement."
        ]
    );
    // The provider saw the question once, as the last turn.
    let last = provider.last_request().expect("a request");
    let contents: Vec<&str> = last.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(
        contents.iter().filter(|c| **c == "Question B").count(),
        1,
        "{contents:?}"
    );
    assert_eq!(contents.last(), Some(&"Question B"));

    provider.push(Script::reply("Réponse à A bis."));
    device
        .app
        .edit_and_resend(
            first.user_message_id,
            "Question A bis",
            ChatOptions::default(),
            &Events::default(),
        )
        .await
        .expect("edit");
    let texts: Vec<String> = turns(&device.app, id)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(texts, vec!["Question A bis", "Réponse à A bis."]);
    // The server agrees after a sync: the replaced turns are gone there too.
    let status = device.app.sync_history().await.expect("sync");
    assert!(
        matches!(status, native_app::SyncStatus::Synced { pending: 0, .. }),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_keep_the_question_and_say_why() {
    let stack = Stack::start().await.expect("stack");
    let device = first_device(&stack, "fail@example.com").await;
    // An existing conversation: a new one would ask the provider for a
    // title in the background, racing the scripts below.
    let existing = device
        .app
        .create_conversation("Échecs")
        .await
        .expect("create");
    stack.provider().push(Script::server_error());
    let events = Events::default();
    let outcome = device
        .app
        .send_message(
            Some(existing.id),
            "Bonjour ?",
            ChatOptions::default(),
            &events,
        )
        .await
        .expect("chat");
    assert_eq!(outcome.status, MessageStatus::Error);
    assert_eq!(outcome.assistant_message_id, None);
    let Some(ChatEvent::Error { code, message }) = events.all().last().cloned() else {
        panic!("{:?}", events.all())
    };
    assert_eq!(code, "server");
    assert!(!message.to_lowercase().contains("http://"), "{message}");
    let stored = turns(&device.app, outcome.conversation_id).await;
    assert_eq!(
        stored,
        vec![(Role::User, "Bonjour ?".to_owned(), MessageStatus::Complete)]
    );

    // A reply cut mid-way is kept, marked as an error.
    stack.provider().push(
        Script::reply("Une réponse qui sera coupée en route.")
            .chunk_chars(4)
            .cut_after(3),
    );
    let events = Events::default();
    let outcome = device
        .app
        .send_message(
            Some(outcome.conversation_id),
            "Encore ?",
            ChatOptions::default(),
            &events,
        )
        .await
        .expect("chat");
    assert_eq!(outcome.status, MessageStatus::Error);
    let stored = turns(&device.app, outcome.conversation_id).await;
    assert_eq!(
        stored.last().map(|t| (&t.0, &t.2)),
        Some((&Role::Assistant, &MessageStatus::Error))
    );
    assert!(!events.text().is_empty());

    // Empty input never leaves the app.
    let err = device
        .app
        .send_message(None, "  \n ", ChatOptions::default(), &Events::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_stops_the_reply_and_keeps_what_came_for_that_user() {
    let stack = Stack::start().await.expect("stack");
    let device = Arc::new(first_device(&stack, "signout-stop@example.com").await);
    let (long, events, running) = long_reply(&stack, &device, "Une longue histoire");
    while !events
        .all()
        .iter()
        .any(|e| matches!(e, ChatEvent::Delta { .. }))
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    device.app.sign_out().await;
    let outcome = running.await.expect("task").expect("chat");
    assert_eq!(outcome.status, MessageStatus::Partial);
    assert!(events.text().len() < long.len(), "stopped before the end");

    device
        .app
        .sign_in("signout-stop@example.com", crate::support::PASSWORD)
        .await
        .expect("signed in again");
    let stored = turns(&device.app, outcome.conversation_id).await;
    assert_eq!(
        stored[1],
        (Role::Assistant, events.text(), MessageStatus::Partial)
    );
}

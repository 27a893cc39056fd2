//! The history remote against the real PostgREST: paging past the 1,000-row
//! cap, ties on timestamps, idempotent writes and tombstones.

use std::collections::HashSet;

use native_client::{
    ClientError, HistoryRemote, Keyset, MAX_PAGE, Rest, TEXT_IDS_PER_REQUEST, TombstoneKind,
};
use native_core::{
    Attachment, AttachmentText, ConversationId, Message, MessageId, MessageStatus, Role, UserId,
};
use native_testkit::Stack;
use serde_json::{Value, json};

struct User {
    token: String,
    id: UserId,
}

async fn sign_up(stack: &Stack, email: &str) -> User {
    let body: Value = reqwest::Client::new()
        .post(format!(
            "{}/auth/v1/signup",
            stack.supabase_url().trim_end_matches('/')
        ))
        .header("apikey", stack.anon_key())
        .json(&json!({"email": email, "password": "long enough secret"}))
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("json");
    User {
        token: body["access_token"].as_str().expect("token").to_owned(),
        id: UserId::parse(body["user"]["id"].as_str().expect("id")).expect("uuid"),
    }
}

fn remote(stack: &Stack) -> (Rest, HistoryRemote) {
    let rest = Rest::new(
        &stack.supabase_url().parse().expect("url"),
        stack.anon_key(),
    )
    .expect("rest");
    (rest.clone(), HistoryRemote::new(rest))
}

fn message(conversation: ConversationId, content: &str) -> Message {
    Message {
        id: MessageId::new_random(),
        conversation_id: conversation,
        role: Role::User,
        content: content.to_owned(),
        created_at: time::OffsetDateTime::now_utc(),
        attachments: Vec::new(),
        status: MessageStatus::Complete,
        model: None,
    }
}

#[tokio::test]
async fn pages_reach_past_the_row_cap_even_when_timestamps_tie() {
    let stack = Stack::start().await.expect("stack");
    let (rest, history) = remote(&stack);
    let user = sign_up(&stack, "pages@example.com").await;
    // One bulk insert is one transaction: every row gets the same
    // `updated_at`, so only the id tie-break can page through them.
    let rows: Vec<Value> = (0..MAX_PAGE + 201)
        .map(|i| json!({"id": ConversationId::new_random(), "user_id": user.id, "title": format!("chat {i}")}))
        .collect();
    let insert = rest
        .from("conversations", Some(&user.token))
        .expect("builder")
        .insert(Value::from(rows).to_string());
    Rest::execute_write(insert, "return=minimal")
        .await
        .expect("bulk insert");

    let mut seen = HashSet::new();
    let mut after: Option<Keyset> = None;
    let mut pages = Vec::new();
    loop {
        let page = history
            .conversations_page(&user.token, after.as_ref(), MAX_PAGE)
            .await
            .expect("page");
        assert!(page.server_time.is_some(), "PostgREST dates its answers");
        let page = page.rows;
        pages.push(page.len());
        let Some(last) = page.last() else { break };
        after = Some(Keyset {
            at: last.updated_at,
            id: last.id.to_string(),
        });
        for conversation in &page {
            assert!(seen.insert(conversation.id), "a row came twice");
        }
        if page.len() < MAX_PAGE {
            break;
        }
    }
    assert_eq!(seen.len(), MAX_PAGE + 201);
    assert_eq!(pages, vec![MAX_PAGE, 201]);
}

#[tokio::test]
async fn writes_are_idempotent_and_deletions_leave_tombstones() {
    let stack = Stack::start().await.expect("stack");
    let (_, history) = remote(&stack);
    let user = sign_up(&stack, "writes@example.com").await;
    let other = sign_up(&stack, "other@example.com").await;
    let id = ConversationId::new_random();
    for _ in 0..2 {
        history
            .create_conversation(&user.token, user.id, id, "Trip to Lyon")
            .await
            .expect("create (and its retry)");
    }
    let hello = message(id, "Bonjour, ça va ?");
    for _ in 0..2 {
        history
            .add_message(&user.token, &hello)
            .await
            .expect("add (and its retry)");
    }
    history
        .rename_conversation(&user.token, id, "Lyon, mai")
        .await
        .expect("rename");
    history
        .touch_presence(&user.token, user.id)
        .await
        .expect("presence");
    history
        .touch_presence(&user.token, user.id)
        .await
        .expect("presence again");

    let conversations = history
        .conversations_page(&user.token, None, 10)
        .await
        .expect("list")
        .rows;
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].title, "Lyon, mai");
    let messages = history
        .messages_page(&user.token, None, 10)
        .await
        .expect("messages")
        .rows;
    assert_eq!(messages.len(), 1, "the retried message is stored once");
    assert_eq!(messages[0].content, "Bonjour, ça va ?");
    assert!(messages[0].attachments.is_empty());
    // Someone else's token sees none of it.
    assert!(
        history
            .conversations_page(&other.token, None, 10)
            .await
            .expect("other")
            .rows
            .is_empty()
    );

    history
        .delete_conversation(&user.token, id)
        .await
        .expect("delete");
    history
        .delete_conversation(&user.token, id)
        .await
        .expect("deleting again is not an error");
    let tombstones = history
        .tombstones_page(&user.token, None, 10)
        .await
        .expect("tombstones")
        .rows;
    assert_eq!(tombstones.len(), 1, "{tombstones:?}");
    assert_eq!(tombstones[0].record_type, TombstoneKind::Conversation);
    assert_eq!(tombstones[0].conversation_id, id);
    let after = Keyset {
        at: tombstones[0].deleted_at,
        id: tombstones[0].id.to_string(),
    };
    assert!(
        history
            .tombstones_page(&user.token, Some(&after), 10)
            .await
            .expect("none after")
            .rows
            .is_empty()
    );

    // A message for a conversation deleted elsewhere is refused, with a
    // code: row-level security finds no conversation of the user's to
    // attach it to.
    let late = history.add_message(&user.token, &message(id, "late")).await;
    assert!(
        matches!(late, Err(ClientError::Http { status: 403, code: Some(ref c), .. }) if c == "42501"),
        "{late:?}"
    );
}

/// A digest made of one repeated byte, distinct per `n`.
fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn refused_by_rls(result: &Result<(), ClientError>) -> bool {
    matches!(result, Err(ClientError::Http { status: 403, code: Some(c), .. }) if c == "42501")
}

#[tokio::test]
async fn attachment_texts_are_the_owners_idempotent_and_go_with_their_message() {
    let stack = Stack::start().await.expect("stack");
    let (rest, history) = remote(&stack);
    let owner = sign_up(&stack, "texts@example.com").await;
    let other = sign_up(&stack, "texts-other@example.com").await;
    let id = ConversationId::new_random();
    history
        .create_conversation(&owner.token, owner.id, id, "Files")
        .await
        .expect("create");
    let mut question = message(id, "Résume ce PDF");
    question.attachments = vec![Attachment {
        name: "rapport.pdf".into(),
        mime_type: "application/pdf".into(),
        size: 12_345,
        sha256: Some(sha(0xa1)),
        pages: Some(3),
        chars: Some(11),
    }];
    history
        .add_message(&owner.token, &question)
        .await
        .expect("message");
    let texts = vec![
        AttachmentText::parse(question.id, &sha(0xa1), "Le rapport.").expect("text"),
        AttachmentText::parse(question.id, &sha(0xb2), "é".repeat(8_000)).expect("text"),
    ];
    for _ in 0..2 {
        history
            .add_attachment_texts(&owner.token, &texts)
            .await
            .expect("texts (and their retry)");
    }
    // A replay with other content keeps the first: a text is written once.
    let changed = AttachmentText::parse(question.id, &sha(0xa1), "autre").expect("text");
    history
        .add_attachment_texts(&owner.token, &[changed])
        .await
        .expect("a duplicate is ignored");
    history
        .add_attachment_texts(&owner.token, &[])
        .await
        .expect("nothing to send");

    let mut read = history
        .attachment_texts(&owner.token, &[question.id])
        .await
        .expect("read");
    read.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    assert_eq!(read, texts, "stored once each, as first written");
    let pulled = history
        .messages_page(&owner.token, None, 10)
        .await
        .expect("messages")
        .rows;
    assert_eq!(pulled[0].attachments, question.attachments);
    assert_eq!(pulled[0].content, "Résume ce PDF", "the text is not in it");

    // Another user neither reads them nor adds texts to the owner's message.
    assert!(
        history
            .attachment_texts(&other.token, &[question.id])
            .await
            .expect("read as other")
            .is_empty()
    );
    let intruding = AttachmentText::parse(question.id, &sha(0xc3), "injected").expect("text");
    let refused = history
        .add_attachment_texts(&other.token, std::slice::from_ref(&intruding))
        .await;
    assert!(refused_by_rls(&refused), "{refused:?}");
    // Nor can the owner add texts to a message that is not there.
    let nowhere = AttachmentText::parse(MessageId::new_random(), &sha(1), "x").expect("text");
    let refused = history.add_attachment_texts(&owner.token, &[nowhere]).await;
    assert!(refused_by_rls(&refused), "{refused:?}");
    assert_eq!(
        history
            .attachment_texts(&owner.token, &[question.id])
            .await
            .expect("read")
            .len(),
        2
    );

    // Ids are asked for in chunks: texts of messages in different chunks
    // all come back.
    let many: Vec<Value> = (0..TEXT_IDS_PER_REQUEST + 50)
        .map(|i| json!({"id": MessageId::new_random(), "conversation_id": id, "role": "user", "content": format!("m{i}")}))
        .collect();
    let ids: Vec<MessageId> = many
        .iter()
        .map(|m| MessageId::parse(m["id"].as_str().expect("id")).expect("uuid"))
        .collect();
    let insert = rest
        .from("messages", Some(&owner.token))
        .expect("builder")
        .insert(Value::from(many).to_string());
    Rest::execute_write(insert, "return=minimal")
        .await
        .expect("bulk insert");
    let spread = [
        ids[0],
        ids[TEXT_IDS_PER_REQUEST - 1],
        ids[TEXT_IDS_PER_REQUEST + 49],
    ];
    let spread_texts: Vec<AttachmentText> = spread
        .iter()
        .map(|m| AttachmentText::parse(*m, &sha(0xd4), m.to_string()).expect("text"))
        .collect();
    history
        .add_attachment_texts(&owner.token, &spread_texts)
        .await
        .expect("texts of many messages");
    let mut asked = ids.clone();
    asked.push(question.id);
    let found = history
        .attachment_texts(&owner.token, &asked)
        .await
        .expect("read in chunks");
    assert_eq!(found.len(), 5, "{found:?}");
    for text in &spread_texts {
        assert!(found.contains(text), "{text:?}");
    }

    // Texts go with their message.
    history
        .delete_message(&owner.token, question.id)
        .await
        .expect("delete");
    assert!(
        history
            .attachment_texts(&owner.token, &[question.id])
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        history
            .attachment_texts(&owner.token, &[])
            .await
            .expect("no ids, no request")
            .is_empty()
    );
}

#[tokio::test]
async fn a_closed_port_is_offline_not_a_server_error() {
    let rest = Rest::new(&"http://127.0.0.1:9".parse().expect("url"), "anon").expect("rest");
    let history = HistoryRemote::new(rest);
    let result = history.conversations_page("token", None, 10).await;
    assert!(matches!(result, Err(ClientError::Offline(_))), "{result:?}");
}

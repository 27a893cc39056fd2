//! Reading: message order, paging, the conversation list's order and counts.

use native_core::{Message, MessageId, Role};
use native_store::Store;

use crate::support::{at, batch, conversation, message, synced};

#[test]
fn a_five_thousand_message_conversation_is_read_in_order() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("long", 0);
    // Inserted out of order, in several batches, with many equal times (ties
    // are broken by id), as pages from the server and local writes mix.
    let mut messages: Vec<Message> = (0..5_000)
        .map(|i| {
            let mut m = message(&c, &format!("message {i}"), i / 3);
            if i % 2 == 1 {
                m.role = Role::Assistant;
            }
            m
        })
        .collect();
    let mut shuffled = messages.clone();
    shuffled.reverse();
    shuffled.rotate_left(1_234);
    for chunk in shuffled.chunks(1_000) {
        let refs: Vec<&Message> = chunk.iter().collect();
        store.apply_remote(&batch(&[&c], &refs)).unwrap();
    }
    messages.sort_by_key(|m| (m.created_at, m.role == Role::Assistant, m.id));

    let read: Vec<Message> = store
        .messages(c.id)
        .unwrap()
        .into_iter()
        .map(|m| m.message)
        .collect();
    assert_eq!(read.len(), 5_000);
    assert!(
        read == messages,
        "every message, in (created_at, user before assistant, id) order"
    );
    assert_eq!(store.conversations().unwrap()[0].message_count, 5_000);
}

#[test]
fn pages_walk_back_from_the_newest_message() {
    let store = Store::open_in_memory().unwrap();
    let texts: Vec<String> = (0..25).map(|i| format!("m{i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (c, messages) = synced(&store, "paged", &refs);

    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store.messages_page(c.id, before, 10).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        before = Some(page[0].message.id);
        let mut ids: Vec<MessageId> = page.iter().map(|m| m.message.id).collect();
        ids.extend(seen);
        seen = ids;
    }
    let all: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    assert_eq!(seen, all, "pages of 10, 10 and 5, each in order, cover all");
    let other = synced(&store, "other", &["x"]).1[0].id;
    assert!(
        store
            .messages_page(c.id, Some(other), 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_list_is_sorted_by_last_activity_with_counts() {
    let store = Store::open_in_memory().unwrap();
    let quiet = conversation("quiet", 0);
    let mut renamed = conversation("renamed recently", 0);
    renamed.updated_at = at(500);
    let busy = conversation("busy", 0);
    let b = batch(
        &[&quiet, &renamed, &busy],
        &[
            &message(&busy, "a", 100),
            &message(&busy, "b", 900),
            &message(&quiet, "c", 50),
        ],
    );
    store.apply_remote(&b).unwrap();

    let list = store.conversations().unwrap();
    let order: Vec<(&str, u64)> = list
        .iter()
        .map(|s| (s.conversation.title.as_str(), s.message_count))
        .collect();
    assert_eq!(order, [("busy", 2), ("renamed recently", 0), ("quiet", 1)]);
    assert_eq!(list[0].last_activity, at(900));
    assert_eq!(list[1].last_activity, at(500));

    // A message written here moves its conversation to the top at once.
    store.add_message(&message(&quiet, "now", 1_000)).unwrap();
    assert_eq!(store.conversations().unwrap()[0].conversation.id, quiet.id);
}

#[test]
fn a_question_and_its_answer_stored_together_read_in_conversation_order() {
    let store = Store::open_in_memory().unwrap();
    let c = conversation("pair", 0);
    // One insert, one timestamp, and an answer whose id sorts first.
    let mut question = message(&c, "Where should we eat?", 5);
    let mut answer = message(&c, "Try a bouchon.", 5);
    answer.role = Role::Assistant;
    question.id = MessageId::from(uuid::Uuid::from_u128(2));
    answer.id = MessageId::from(uuid::Uuid::from_u128(1));
    store
        .apply_remote(&batch(&[&c], &[&answer, &question]))
        .unwrap();
    let read: Vec<String> = store
        .messages(c.id)
        .unwrap()
        .into_iter()
        .map(|m| m.message.content)
        .collect();
    assert_eq!(read, vec!["Where should we eat?", "Try a bouchon."]);
    let page: Vec<String> = store
        .messages_page(c.id, None, 10)
        .unwrap()
        .into_iter()
        .map(|m| m.message.content)
        .collect();
    assert_eq!(page, read, "pages agree with the full read");
}

//! Two devices of one user against the stack: what one does reaches the
//! other, deletions win and stay, titles go to the latest change, an
//! interrupted sync leaves a cache that the next sync completes, and a
//! burst of local changes goes out in one sync.

use std::time::Duration;

use native_app::SyncStatus;
use native_core::{ConversationId, Role};
use native_testkit::Stack;

use crate::history_support::{first_device, message, other_device, remote, synced, titles};

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_made_on_one_device_appears_on_the_other_and_a_deletion_stays() {
    let stack = Stack::start().await.expect("stack");
    let email = "two-devices@example.com";
    let a = first_device(&stack, email).await;
    let b = other_device(&stack, email).await;

    let created = a
        .app
        .create_conversation("Trip to Lyon")
        .await
        .expect("create");
    assert!(created.pending, "not on the server yet");
    let token = a.app.access_token().await.expect("token");
    let history = remote(&stack).await;
    synced(&a).await;
    assert!(!a.app.list_conversations().await.expect("list")[0].pending);
    for (role, text) in [
        (Role::User, "Où manger à Lyon ?"),
        (Role::Assistant, "Essayez un bouchon."),
    ] {
        history
            .add_message(&token, &message(created.id, role, text))
            .await
            .expect("message");
    }

    synced(&b).await;
    assert_eq!(titles(&b).await, vec!["Trip to Lyon"]);
    let messages = b
        .app
        .conversation_messages(created.id)
        .await
        .expect("messages");
    let texts: Vec<&str> = messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, vec!["Où manger à Lyon ?", "Essayez un bouchon."]);
    let hits = b.app.search_history("bouchon").await.expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].conversation_id, created.id);
    assert!(
        hits[0]
            .snippet
            .iter()
            .any(|p| p.hit && p.text.eq_ignore_ascii_case("bouchon"))
    );

    b.app
        .delete_conversation(created.id)
        .await
        .expect("delete on B");
    assert!(b.app.list_conversations().await.expect("list").is_empty());
    synced(&b).await;
    synced(&a).await;
    assert!(
        a.app.list_conversations().await.expect("list").is_empty(),
        "gone on A"
    );
    assert!(
        a.app
            .search_history("bouchon")
            .await
            .expect("search")
            .is_empty()
    );
    // A message written for it afterwards (a late retry on another device)
    // is refused by the server, and A's next syncs never bring it back.
    let late = history
        .add_message(&token, &message(created.id, Role::User, "encore ?"))
        .await;
    assert!(late.is_err(), "{late:?}");
    synced(&a).await;
    synced(&b).await;
    assert!(a.app.list_conversations().await.expect("list").is_empty());
    assert!(b.app.list_conversations().await.expect("list").is_empty());
    // Writing to it locally is refused as well.
    assert!(
        a.app
            .rename_conversation(created.id, "Back?")
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn renames_resolve_to_the_latest_change() {
    let stack = Stack::start().await.expect("stack");
    let email = "renames@example.com";
    let a = first_device(&stack, email).await;
    let b = other_device(&stack, email).await;
    let id = a.app.create_conversation("Draft").await.expect("create").id;
    synced(&a).await;
    synced(&b).await;

    // A renames while offline (not synced); B renames later, online. B's
    // change is the later one: it wins on both, and A's queued rename is
    // dropped rather than sent.
    a.app
        .rename_conversation(id, "A offline")
        .await
        .expect("rename on A");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    b.app
        .rename_conversation(id, "B online")
        .await
        .expect("rename on B");
    synced(&b).await;
    synced(&a).await;
    synced(&b).await;
    assert_eq!(titles(&a).await, vec!["B online"]);
    assert_eq!(titles(&b).await, vec!["B online"]);

    // Now the later change is A's: it wins on both.
    b.app
        .rename_conversation(id, "B first")
        .await
        .expect("rename on B");
    synced(&b).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    a.app
        .rename_conversation(id, "A later")
        .await
        .expect("rename on A");
    synced(&a).await;
    synced(&b).await;
    assert_eq!(titles(&a).await, vec!["A later"]);
    assert_eq!(titles(&b).await, vec!["A later"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_sync_leaves_a_consistent_cache_that_the_next_one_completes() {
    let stack = Stack::start().await.expect("stack");
    let email = "interrupted@example.com";
    let a = first_device(&stack, email).await;
    let token = a.app.access_token().await.expect("token");
    let history = remote(&stack).await;
    let id = ConversationId::new_random();
    let user = match a.app.auth_state() {
        native_app::AuthState::SignedIn { user, .. } => user.id,
        other => panic!("{other:?}"),
    };
    history
        .create_conversation(&token, user, id, "Long one")
        .await
        .expect("create");
    // 2,300 messages: three pages, so a sync can stop between two of them.
    let bodies: Vec<serde_json::Value> = (0..2300)
        .map(|i| serde_json::json!({"conversation_id": id, "role": "user", "content": format!("message {i}")}))
        .collect();
    let rest = native_client::Rest::new(
        &stack.supabase_url().parse().expect("url"),
        stack.anon_key(),
    )
    .expect("rest");
    let insert = rest
        .from("messages", Some(&token))
        .expect("builder")
        .insert(serde_json::Value::from(bodies).to_string());
    native_client::Rest::execute_write(insert, "return=minimal")
        .await
        .expect("seed");

    // Stop the sync as soon as its first page is stored.
    let app = std::sync::Arc::new(a.app);
    let mut status = app.subscribe_sync();
    let running = tokio::spawn({
        let app = app.clone();
        async move { app.sync_history().await }
    });
    loop {
        status.changed().await.expect("status");
        if let SyncStatus::Syncing { fetched, .. } = *status.borrow()
            && fetched > 1000
        {
            break;
        }
    }
    running.abort();
    let _ = running.await;
    // Whatever was stored is whole pages.
    let partial = app.conversation_messages(id).await.expect("partial read");
    assert!(
        partial.len() < 2300,
        "the sync was stopped early ({})",
        partial.len()
    );
    assert_eq!(partial.len() % 1000, 0, "pages are stored whole");

    let status = app.sync_history().await.expect("resumed sync");
    assert!(matches!(status, SyncStatus::Synced { .. }), "{status:?}");
    let all = app.conversation_messages(id).await.expect("read");
    assert_eq!(all.len(), 2300, "every message once");
    let mut ids: Vec<String> = all.iter().map(|m| m.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2300);
    // The stopped sync had stored a prefix of the server's order (one
    // insert, one timestamp: ordered by id), so resuming skipped nothing.
    let mut before: Vec<String> = partial.iter().map(|m| m.id.to_string()).collect();
    before.sort();
    assert_eq!(before, ids[..before.len()]);
}

/// A chat turn saves its question, its reply and a title within moments:
/// the background loop waits a little after a request (`SYNC_SETTLE`) so
/// one sync carries such a burst, instead of one sync for the first change
/// and another for those made while it ran.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_local_changes_goes_out_in_one_sync() {
    let stack = Stack::start().await.expect("stack");
    let a = first_device(&stack, "burst@example.com").await;
    let app = std::sync::Arc::new(a.app);
    let mut status = app.subscribe_sync();
    let background = tokio::spawn({
        let app = app.clone();
        async move { app.run_history_sync().await }
    });
    let settled = |s: &SyncStatus| matches!(s, SyncStatus::Synced { pending: 0, .. });
    tokio::time::timeout(Duration::from_secs(20), async {
        while !settled(&status.borrow_and_update()) {
            status.changed().await.expect("status");
        }
    })
    .await
    .expect("the first sync");

    // Without the wait, the first change's sync would already be running
    // when the next ones land, and they would need a sync of their own.
    app.create_conversation("One").await.expect("create");
    tokio::time::sleep(Duration::from_millis(50)).await;
    app.create_conversation("Two").await.expect("create");
    app.create_conversation("Three").await.expect("create");
    // Every sync ends in a new `Synced`; a second one would follow the
    // first well within this window.
    let mut syncs = 0;
    let _ = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            status.changed().await.expect("status");
            if matches!(*status.borrow_and_update(), SyncStatus::Synced { .. }) {
                syncs += 1;
            }
        }
    })
    .await;
    assert_eq!(syncs, 1, "one sync for the burst");
    assert!(settled(&app.sync_status()), "{:?}", app.sync_status());
    let b = other_device(&stack, "burst@example.com").await;
    synced(&b).await;
    let mut all = titles(&b).await;
    all.sort();
    assert_eq!(all, ["One", "Three", "Two"]);
    background.abort();
}

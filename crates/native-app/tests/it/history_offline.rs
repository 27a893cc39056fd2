//! History without the server, files in and out, a damaged cache, and the
//! background loop.

use std::sync::Arc;
use std::time::Duration;

use native_app::{
    AppConfig, AuthState, CacheNotice, ErrorCode, ExportFormat, NativeApp, SecretStore, SyncStatus,
    entry_key,
};
use native_testkit::Stack;

use native_core::Role;

use crate::history_support::{first_device, message, remote, synced, titles};
use crate::support;

#[tokio::test(flavor = "multi_thread")]
async fn without_the_server_history_is_readable_searchable_and_changes_wait() {
    let stack = Stack::start().await.expect("stack");
    let a = first_device(&stack, "offline@example.com").await;
    let created = a
        .app
        .create_conversation("Recette de crêpes")
        .await
        .expect("create");
    synced(&a).await;
    let token = a.app.access_token().await.expect("token");
    let said = message(
        created.id,
        Role::Assistant,
        "Mélangez la farine et les œufs, puis le lait.",
    );
    remote(&stack)
        .await
        .add_message(&token, &said)
        .await
        .expect("message");
    synced(&a).await;

    // The same user and data folder, with the server out of reach.
    let offline_origin = support::closed_origin();
    let entry = a
        .store
        .get(&entry_key(stack.supabase_url()))
        .expect("store")
        .expect("entry");
    a.store
        .set(&entry_key(&offline_origin), &entry)
        .expect("copy");
    let config =
        AppConfig::parse(Some(&offline_origin), Some(stack.anon_key()), None).expect("config");
    let offline = NativeApp::with_store(config, Arc::new(a.store.clone()))
        .expect("app")
        .with_data_dir(a.dir.path().to_owned())
        .expect("data dir");
    offline.restore().await;
    assert_eq!(titles_of(&offline).await, vec!["Recette de crêpes"]);
    let status = offline
        .sync_history()
        .await
        .expect("an offline sync is a status");
    assert!(
        matches!(status, SyncStatus::Offline { pending: 0, .. }),
        "{status:?}"
    );
    assert_eq!(offline.sync_status(), status, "and it is broadcast");

    offline
        .rename_conversation(created.id, "Crêpes, version 2")
        .await
        .expect("rename offline");
    let listed = offline.list_conversations().await.expect("list");
    assert!(listed[0].pending, "shown as pending until synced");
    let status = offline.sync_history().await.expect("status");
    assert!(
        matches!(status, SyncStatus::Offline { pending: 1, .. }),
        "{status:?}"
    );
    // Search is local: accents and prefixes work without the server.
    let hits = offline
        .search_history("farine melan")
        .await
        .expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].message_id, said.id);
    let messages = offline
        .conversation_messages(created.id)
        .await
        .expect("read offline");
    assert_eq!(messages.len(), 1);
    drop(offline);

    // Back online (the original app on the same folder): the change goes out.
    synced(&a).await;
    assert_eq!(titles(&a).await, vec!["Crêpes, version 2"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_launch_state_is_the_session_with_its_cached_list() {
    let stack = Stack::start().await.expect("stack");
    let a = first_device(&stack, "launch@example.com").await;
    a.app
        .create_conversation("Premier lancement")
        .await
        .expect("create");
    let launch = a.app.launch_state().await;
    assert!(
        matches!(launch.auth, AuthState::SignedIn { .. }),
        "{:?}",
        launch.auth
    );
    let listed = a.app.list_conversations().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(launch.conversations, Some(listed));

    a.app.sign_out().await;
    assert_signed_out_without_list(&a.app).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_launch_state_prepared_before_a_change_is_read_again() {
    let stack = Stack::start().await.expect("stack");
    let a = first_device(&stack, "prepared@example.com").await;
    a.app.create_conversation("Avant").await.expect("create");
    a.app.prepare_launch().await;
    a.app.create_conversation("Après").await.expect("create");
    let launch = a.app.launch_state().await;
    let listed = a.app.list_conversations().await.expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(
        launch.conversations,
        Some(listed),
        "not the list read before"
    );

    a.app.prepare_launch().await;
    a.app.sign_out().await;
    assert_signed_out_without_list(&a.app).await;
}

/// The launch state after a sign-out: no session, and no one's list.
async fn assert_signed_out_without_list(app: &NativeApp) {
    let launch = app.launch_state().await;
    assert!(
        matches!(launch.auth, AuthState::SignedOut { .. }),
        "{:?}",
        launch.auth
    );
    assert_eq!(launch.conversations, None, "no list without a session");
}

async fn titles_of(app: &NativeApp) -> Vec<String> {
    app.list_conversations()
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.title)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_write_files_and_a_backup_imports_once() {
    let stack = Stack::start().await.expect("stack");
    let a = first_device(&stack, "export@example.com").await;
    let created = a
        .app
        .create_conversation("Notes *importantes*")
        .await
        .expect("create");
    let out = tempfile::TempDir::new().expect("tempdir");

    let md = out.path().join("notes.md");
    a.app
        .export_conversation(created.id, ExportFormat::Markdown, &md)
        .await
        .expect("markdown");
    let text = std::fs::read_to_string(&md).expect("read");
    assert!(text.contains("Notes"), "{text}");
    let json = out.path().join("notes.json");
    a.app
        .export_conversation(created.id, ExportFormat::Json, &json)
        .await
        .expect("json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    assert_eq!(value["conversations"][0]["id"], created.id.to_string());

    let backup = out.path().join("backup.json");
    a.app.export_history(&backup).await.expect("backup");
    // A fresh device of another user imports it: added once, then skipped.
    let b = first_device(&stack, "import@example.com").await;
    let first = b.app.import_history(&backup).await.expect("import");
    assert_eq!(
        (first.conversations_added, first.duplicates_skipped),
        (1, 0)
    );
    let again = b.app.import_history(&backup).await.expect("import again");
    assert_eq!(again.conversations_added, 0);
    assert!(again.duplicates_skipped >= 1);
    assert_eq!(titles(&b).await, vec!["Notes *importantes*"]);

    // Not a backup: a clear error, nothing imported.
    std::fs::write(out.path().join("junk.json"), "{\"hello\": 1}").expect("write");
    let err = b
        .app
        .import_history(&out.path().join("junk.json"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    // A folder that does not exist: the error names no path.
    let err = a
        .app
        .export_history(&out.path().join("missing/dir/b.json"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(!native_app::ErrorBody::from(err).message.contains("missing"));
}

/// A device whose cache holds "Survives", synced, with its app closed
/// (which checkpoints the WAL into the file); returns what is left of the
/// device (its keychain and folder) and the cache file.
async fn closed_cache(stack: &Stack, email: &str) -> (DeviceLeft, std::path::PathBuf) {
    let a = first_device(stack, email).await;
    a.app.create_conversation("Survives").await.expect("create");
    synced(&a).await;
    let user = match a.app.auth_state() {
        native_app::AuthState::SignedIn { user, .. } => user.id,
        other => panic!("{other:?}"),
    };
    drop(a.app);
    let file = a
        .dir
        .path()
        .join("users")
        .join(user.to_string())
        .join("history.sqlite3");
    assert!(file.exists(), "the cache is per user at {}", file.display());
    let left = DeviceLeft {
        store: a.store,
        dir: a.dir,
    };
    (left, file)
}

/// A device's keychain and data folder, after its app closed.
struct DeviceLeft {
    store: native_app::MemoryStore,
    dir: Arc<tempfile::TempDir>,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_cache_is_set_aside_said_and_rebuilt_from_the_server() {
    let stack = Stack::start().await.expect("stack");
    let (a, file) = closed_cache(&stack, "damaged@example.com").await;
    std::fs::write(&file, b"this is not a database, it is garbage").expect("damage");
    let again = support::app_with(&stack, &a.store)
        .with_data_dir(a.dir.path().to_owned())
        .expect("app");
    again.restore().await;
    let mut notices = again.subscribe_cache_notices();
    assert!(again.list_conversations().await.expect("opens").is_empty());
    assert_eq!(*notices.borrow_and_update(), Some(CacheNotice::Rebuilt));
    let status = again.sync_history().await.expect("sync");
    assert!(matches!(status, SyncStatus::Synced { .. }), "{status:?}");
    assert_eq!(titles_of(&again).await, vec!["Survives"]);
}

/// Damage past the file's header opens (the launch reads no more than the
/// header) and is found by the check that runs after the launch.
#[tokio::test(flavor = "multi_thread")]
async fn damage_past_the_header_is_found_after_opening_and_rebuilt_from_the_server() {
    let stack = Stack::start().await.expect("stack");
    let (a, file) = closed_cache(&stack, "damaged-later@example.com").await;
    let mut bytes = std::fs::read(&file).expect("cache");
    assert!(bytes.len() > 8192, "more than the header's page");
    bytes[4096..].fill(0xA5);
    std::fs::write(&file, &bytes).expect("damage");
    let again = support::app_with(&stack, &a.store)
        .with_data_dir(a.dir.path().to_owned())
        .expect("app")
        .with_cache_check_after(Duration::from_millis(50))
        .expect("app");
    again.restore().await;
    let mut notices = again.subscribe_cache_notices();
    // Opening does not read the damaged pages; what the list shows before
    // the check does not matter.
    let _ = again.list_conversations().await;
    tokio::time::timeout(Duration::from_secs(10), async {
        while *notices.borrow_and_update() != Some(CacheNotice::Rebuilt) {
            notices.changed().await.expect("notices");
        }
    })
    .await
    .expect("the check found the damage and rebuilt the cache");
    assert!(titles_of(&again).await.is_empty(), "an empty cache");
    let status = again.sync_history().await.expect("sync");
    assert!(matches!(status, SyncStatus::Synced { .. }), "{status:?}");
    assert_eq!(titles_of(&again).await, vec!["Survives"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_background_loop_follows_sign_in_and_sign_out() {
    let stack = Stack::start().await.expect("stack");
    let a = first_device(&stack, "loop@example.com").await;
    a.app
        .create_conversation("From the loop")
        .await
        .expect("create");
    let app = Arc::new(a.app);
    let mut status = app.subscribe_sync();
    let background = tokio::spawn({
        let app = app.clone();
        async move { app.run_history_sync().await }
    });
    tokio::time::timeout(Duration::from_secs(20), async {
        while !matches!(
            *status.borrow_and_update(),
            SyncStatus::Synced { pending: 0, .. }
        ) {
            status.changed().await.expect("status");
        }
    })
    .await
    .expect("the loop syncs once signed in");
    // Presence was noted with the sync.
    let token = app.access_token().await.expect("token");
    let rows: Vec<serde_json::Value> = native_client::Rest::execute(
        native_client::Rest::new(
            &stack.supabase_url().parse().expect("url"),
            stack.anon_key(),
        )
        .expect("rest")
        .from("user_presence", Some(&token))
        .expect("builder"),
    )
    .await
    .expect("presence");
    assert_eq!(rows.len(), 1, "{rows:?}");

    app.sign_out().await;
    tokio::time::timeout(Duration::from_secs(20), async {
        while *status.borrow_and_update() != SyncStatus::Inactive {
            status.changed().await.expect("status");
        }
    })
    .await
    .expect("the loop closes the cache on sign-out");
    let err = app.list_conversations().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthorized);
    background.abort();
}

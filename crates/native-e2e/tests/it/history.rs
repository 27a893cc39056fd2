//! History as a person sees it: synced at sign-in, then readable and
//! searchable in the real window with the whole backend stopped.

use native_e2e::{AppSession, Launch};
use native_testkit::Stack;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// Signs `email` up through the Auth API and writes two conversations as
/// that user, as another device would have.
async fn seed(stack: &Stack, email: &str) -> anyhow::Result<()> {
    let base = stack.supabase_url().trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{base}/auth/v1/signup"))
        .header("apikey", stack.anon_key())
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = session["access_token"].as_str().unwrap_or_default();
    let user = &session["user"]["id"];
    let write = |table: &str, rows: Value| {
        http.post(format!("{base}/rest/v1/{table}"))
            .header("apikey", stack.anon_key())
            .bearer_auth(token)
            .json(&rows)
            .send()
    };
    let lyon = "6f1c2a52-1d3b-4c4e-9a51-0d6c1b1e2a01";
    let bread = "6f1c2a52-1d3b-4c4e-9a51-0d6c1b1e2a02";
    write(
        "conversations",
        json!([
            {"id": lyon, "user_id": user, "title": "Trip to Lyon"},
            {"id": bread, "user_id": user, "title": "Sourdough"}
        ]),
    )
    .await?
    .error_for_status()?;
    write("messages", json!([
        {"conversation_id": lyon, "role": "user", "content": "Where should we eat in Lyon?"},
        {"conversation_id": lyon, "role": "assistant", "content": "Try a bouchon near Saint-Jean."},
        {"conversation_id": bread, "role": "user", "content": "How long should the dough rise?"}
    ]))
    .await?
    .error_for_status()?;
    Ok(())
}

async fn sorted_titles(app: &AppSession) -> anyhow::Result<Vec<String>> {
    let mut titles = app.texts("conversation-title").await?;
    titles.sort();
    Ok(titles)
}

#[tokio::test(flavor = "multi_thread")]
async fn history_is_readable_and_searchable_with_the_backend_stopped() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let email = "history-e2e@example.com";
    seed(&stack, email).await?;

    let app = AppSession::launch(Launch::against(&stack)).await?;
    app.wait_ready().await?;
    app.fill("auth-email", email).await?;
    app.fill("auth-password", PASSWORD).await?;
    app.click("auth-submit").await?;
    app.wait_for("conversation-item").await?;
    // The list fills as the first sync lands; wait for both.
    for _ in 0..100 {
        if sorted_titles(&app).await?.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        sorted_titles(&app).await?,
        vec!["Sourdough", "Trip to Lyon"]
    );
    app.wait_for("sync-status").await?;
    app.screenshot("history-synced").await?;

    // Quit, stop every backend process, start again on the same home.
    let relaunch = Launch::against(&stack).with_home(app.home());
    app.close().await?;
    drop(stack);

    let app = AppSession::launch(relaunch).await?;
    app.wait_ready().await?;
    app.wait_for("sync-offline-banner").await?;
    assert_eq!(
        sorted_titles(&app).await?,
        vec!["Sourdough", "Trip to Lyon"]
    );

    app.click("search-open").await?;
    app.fill("search-input", "bouchon").await?;
    let hit = app.wait_for("search-hit").await?;
    assert_eq!(
        app.texts("search-hit").await?.len(),
        1,
        "one message mentions it"
    );
    app.screenshot("history-offline-search").await?;
    let message_id = hit.attr("data-message-id").await?.unwrap_or_default();
    hit.click().await?;
    app.wait_for("conversation-view").await?;
    let shown = app.texts("message-item").await?;
    // In conversation order, though both were stored with one timestamp.
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].contains("Where should we eat in Lyon?"),
        "{shown:?}"
    );
    assert!(
        shown[1].contains("Try a bouchon near Saint-Jean."),
        "{shown:?}"
    );
    let target = app
        .client
        .find(fantoccini::Locator::Css(&format!(
            "[data-testid=\"message-item\"][data-id=\"{message_id}\"]"
        )))
        .await;
    assert!(
        target.is_ok(),
        "the hit's message {message_id} is on screen"
    );
    app.screenshot("history-offline-conversation").await?;
    // The views loaded on demand (search, the conversation) brought no
    // stylesheet of their own: all the CSS is the one sheet the page loads
    // before its first paint, so no view is drawn before its styles
    // (vite.config.ts, `cssCodeSplit`).
    let sheets = app
        .client
        .execute(
            "return [...document.styleSheets].map((s) => s.href);",
            vec![],
        )
        .await?;
    assert_eq!(
        sheets.as_array().map(Vec::len),
        Some(1),
        "stylesheets: {sheets}"
    );
    app.close().await?;
    Ok(())
}

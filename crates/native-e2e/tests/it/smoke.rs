//! The window opens against a local stack, the UI loads, the typed command
//! round trip works, and the About panel shows the configured backend.

use native_e2e::{AppSession, Launch};
use native_testkit::Stack;

#[tokio::test(flavor = "multi_thread")]
async fn window_shows_and_round_trip_works() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let app = AppSession::launch(Launch::against(&stack)).await?;
    app.wait_ready().await?;
    assert_eq!(app.text("app-name").await?, "Native AI");
    app.wait_for("signin-panel").await?;
    // The window is created hidden and shown once its page has loaded
    // (src-tauri's `show_window`): a page still hidden now means it never was.
    let visibility = app
        .client
        .execute("return document.visibilityState;", vec![])
        .await?;
    assert_eq!(visibility, "visible", "the window was never shown");
    // The server reports the fake provider, so the app labels it "demo".
    app.wait_for("demo-badge").await?;
    app.screenshot("smoke-first-launch").await?;

    app.click("about-open").await?;
    app.wait_for("about-panel").await?;
    let version = app.text("app-version").await?;
    assert!(
        version.contains(env!("CARGO_PKG_VERSION")),
        "version shown: {version}"
    );
    let supabase = app.text("supabase-url").await?;
    assert!(
        supabase.contains(stack.supabase_url().trim_end_matches('/')),
        "shown: {supabase}"
    );
    let status = app.text("server-status").await?;
    assert!(
        status.to_lowercase().contains("demo"),
        "server status shown: {status}"
    );
    let shot = app.screenshot("smoke-about").await?;
    assert!(
        std::fs::metadata(&shot)?.len() > 1000,
        "the screenshot is empty"
    );
    app.close().await?;
    Ok(())
}

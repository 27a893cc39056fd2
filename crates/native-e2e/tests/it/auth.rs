//! Signing in as a person does it, in the real window: the sign-in screen in
//! both languages and both themes, sign-up, sign-out, sign-in, a restart that
//! keeps the session (the OS keychain), and a sign-out that ends it.

use native_e2e::{AppSession, Launch};
use native_testkit::Stack;

const PASSWORD: &str = "correct horse battery";

async fn wait_signed_in(app: &AppSession, email: &str) -> anyhow::Result<()> {
    app.wait_for("signed-in-panel").await?;
    let shown = app.text("signed-in-email").await?;
    assert_eq!(shown, email, "the signed-in panel names the account");
    Ok(())
}

async fn sign_in(app: &AppSession, email: &str) -> anyhow::Result<()> {
    app.wait_for("auth-signin-form").await?;
    app.fill("auth-email", email).await?;
    app.fill("auth-password", PASSWORD).await?;
    app.click("auth-submit").await
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_sign_in_restart_and_sign_out() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let email = "e2e-person@example.com";
    let app = AppSession::launch(Launch::against(&stack)).await?;
    app.wait_ready().await?;
    app.wait_for("auth-signin-form").await?;
    for locale in ["en", "fr"] {
        for theme in ["light", "dark"] {
            app.select("locale-select", locale).await?;
            app.select("theme-select", theme).await?;
            app.wait_for("auth-signin-form").await?;
            app.screenshot(&format!("signin-{locale}-{theme}")).await?;
        }
    }
    let heading_fr = app.text("auth-signin-form").await?;
    app.select("locale-select", "en").await?;
    app.select("theme-select", "system").await?;
    let heading_en = app.text("auth-signin-form").await?;
    assert_ne!(
        heading_fr, heading_en,
        "the language switch changes the screen's text"
    );

    app.click("auth-to-signup").await?;
    app.wait_for("auth-signup-form").await?;
    app.fill("auth-email", email).await?;
    app.fill("auth-password", PASSWORD).await?;
    app.click("auth-submit").await?;
    wait_signed_in(&app, email).await?;
    app.screenshot("signed-in").await?;

    app.click("sign-out").await?;
    sign_in(&app, email).await?;
    wait_signed_in(&app, email).await?;

    // Quit and relaunch on the same home: the session comes back from the
    // keychain without a password.
    let home = app.home();
    app.close().await?;
    let app = AppSession::launch(Launch::against(&stack).with_home(home.clone())).await?;
    app.wait_ready().await?;
    wait_signed_in(&app, email).await?;

    app.click("sign-out").await?;
    app.wait_for("auth-signin-form").await?;
    app.close().await?;

    // Signed out for good: the next launch asks to sign in again.
    let app = AppSession::launch(Launch::against(&stack).with_home(home)).await?;
    app.wait_ready().await?;
    app.wait_for("auth-signin-form").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_shows_a_translated_error() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let app = AppSession::launch(Launch::against(&stack)).await?;
    app.wait_ready().await?;
    app.fill("auth-email", "nobody@example.com").await?;
    app.fill("auth-password", PASSWORD).await?;
    app.click("auth-submit").await?;
    let error = app.wait_for("auth-error").await?;
    assert_eq!(
        error.attr("data-code").await?.as_deref(),
        Some("invalid_credentials")
    );
    app.screenshot("signin-wrong-password").await?;
    app.close().await?;
    Ok(())
}

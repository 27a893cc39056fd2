//! What several journeys share: signing up, waiting on an attribute state,
//! and a stand-in `xdg-open` that records what the app asked to open.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use native_e2e::{AppSession, Launch};

pub const PASSWORD: &str = "correct horse battery";

/// Signs `email` up from the first screen and waits for the composer.
pub async fn sign_up(app: &AppSession, email: &str) -> anyhow::Result<()> {
    app.wait_ready().await?;
    app.click("auth-to-signup").await?;
    app.fill("auth-email", email).await?;
    app.fill("auth-password", PASSWORD).await?;
    app.click("auth-submit").await?;
    app.wait_for("composer-input").await?;
    Ok(())
}

/// Waits for an element matching a CSS selector (for attribute states).
pub async fn wait_css(
    app: &AppSession,
    css: &str,
) -> anyhow::Result<fantoccini::elements::Element> {
    Ok(app
        .client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(fantoccini::Locator::Css(css))
        .await?)
}

/// Puts an `xdg-open` first on the app's PATH, in `dir`, that appends its
/// argument to a file instead of opening anything (tauri-plugin-opener runs
/// `xdg-open <url or path>` on Linux); returns that file's path. The app's
/// own opening code runs as shipped.
pub fn record_opened(launch: &mut Launch, dir: &Path) -> anyhow::Result<PathBuf> {
    let opened = dir.join("opened.txt");
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    launch.env.push(("PATH".to_owned(), path));
    Ok(opened)
}

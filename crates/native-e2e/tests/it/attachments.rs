//! Attaching a file as a person does, in the real window: the paperclip
//! opens the system's file dialog (GTK, opened by the Rust side), where
//! `xdotool` types the file's path as a user would; the question goes with
//! the PDF's text to the provider; after a restart the question's chip is
//! in history and opens the file from this device's copy.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use native_e2e::{AppSession, Launch};
use native_testkit::{Stack, files};

use crate::support::{record_opened, sign_up, wait_css};

/// Waits for the dialog titled "Attach files", focuses it, and types the
/// path into GTK's location field (Ctrl+L), then Enter.
fn choose_in_dialog(path: &Path) -> anyhow::Result<()> {
    let xdotool = |args: &[&std::ffi::OsStr]| -> anyhow::Result<()> {
        let status = Command::new("xdotool").args(args).status()?;
        anyhow::ensure!(status.success(), "xdotool {args:?} failed: {status}");
        Ok(())
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    // `type` takes every argument after it as text: one call per step.
    // The dialog can be found by its title a moment before it is mapped, and
    // focusing it then fails (X's BadMatch); so the first step is retried.
    let focus = [
        os("search"),
        os("--sync"),
        os("--name"),
        os("^Attach files$"),
        os("windowfocus"),
        os("--sync"),
        os("key"),
        os("ctrl+l"),
    ];
    let mut attempts = 0;
    while let Err(err) = xdotool(&focus) {
        attempts += 1;
        if attempts == 10 {
            return Err(err);
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&[os("type"), os("--delay"), os("20"), path.as_os_str()])?;
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&[os("key"), os("Return")])
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_a_pdf_ask_and_find_its_chip_after_a_restart() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let folder = tempfile::tempdir()?;
    let pdf = folder.path().join("rapport.pdf");
    std::fs::write(
        &pdf,
        files::text_pdf(&["Chiffre d'affaires 2026 : 42 millions"]),
    )?;
    let mut launch = Launch::against(&stack);
    let opened = record_opened(&mut launch, folder.path())?;

    let app = AppSession::launch(launch).await?;
    sign_up(&app, "files-e2e@example.com").await?;

    app.click("composer-attach").await?;
    let chosen = pdf.clone();
    tokio::task::spawn_blocking(move || choose_in_dialog(&chosen)).await??;
    app.wait_for("attachment-chip").await?;
    let chip = wait_css(
        &app,
        "[data-testid=\"attachment-chip\"][data-name=\"rapport.pdf\"]",
    )
    .await;
    app.screenshot("attachments-pending").await?;
    let chip = chip?;
    // Its size and page count are shown beside the name.
    let shown = chip.text().await?;
    assert!(shown.contains("1 p."), "{shown}");

    app.fill("composer-input", "Que dit ce rapport ?").await?;
    app.click("composer-send").await?;
    wait_css(
        &app,
        "[data-testid=\"message-item\"][data-role=\"assistant\"][data-status=\"complete\"]",
    )
    .await?;
    let asked = stack
        .provider()
        .chat_requests()
        .iter()
        .map(|r| r.body.to_string())
        .any(|body| body.contains("--- FICHIER: rapport.pdf ---") && body.contains("42 millions"));
    assert!(asked, "the PDF's text went with the question");

    let mut relaunch = Launch::against(&stack).with_home(app.home());
    record_opened(&mut relaunch, folder.path())?;
    app.close().await?;
    let app = AppSession::launch(relaunch).await?;
    app.wait_ready().await?;
    app.click("conversation-item").await?;
    let chip = wait_css(
        &app,
        "[data-testid=\"message-attachment\"][data-on-device=\"true\"][data-name=\"rapport.pdf\"]",
    )
    .await?;
    app.screenshot("attachments-history").await?;
    chip.click().await?;
    let mut copy = String::new();
    for _ in 0..100 {
        copy = std::fs::read_to_string(&opened).unwrap_or_default();
        if !copy.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let copy = Path::new(copy.trim());
    assert_eq!(
        copy.file_name().and_then(|n| n.to_str()),
        Some("rapport.pdf")
    );
    assert_eq!(
        std::fs::read(copy)?,
        std::fs::read(&pdf)?,
        "the device's own copy opens"
    );
    app.close().await?;
    Ok(())
}

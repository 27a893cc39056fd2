//! The main screens as a person meets them, each shown at 1024×700 and
//! 1600×1000, in English and French, light and dark: a screenshot of every
//! combination under `target/e2e/screens/`, and a check that nothing sticks
//! out of the window or is cut (see [`LAYOUT_CHECK`]). The journey: first
//! launch, sign-up, the empty state, a streamed Markdown reply, search, the
//! plans dialog, quota exhausted, sign-out.

use std::time::Duration;

use native_e2e::{AppSession, Launch};
use native_testkit::Stack;
use native_testkit::fake_provider::Script;

use crate::support::{sign_up, wait_css};

const EMAIL: &str = "screens-e2e@example.com";
const SIZES: [(u32, u32); 2] = [(1024, 700), (1600, 1000)];
const LOCALES: [&str; 2] = ["en", "fr"];
const THEMES: [&str; 2] = ["light", "dark"];

/// Lists what overflows, as sentences: the page scrolling as a whole, a
/// visible element reaching past the window's sides (unless an ancestor
/// clips or scrolls it sideways: code blocks and tables scroll on purpose),
/// and text cut by a box that hides its overflow without an ellipsis.
/// Elements of 1 px or less (screen-reader-only text) are skipped.
const LAYOUT_CHECK: &str = r#"
const vw = window.innerWidth, vh = window.innerHeight;
const root = document.documentElement;
const found = [];
const name = (el) => el.dataset.testid ?? `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
if (root.scrollWidth > vw + 1 || root.scrollHeight > vh + 1) {
  found.push(`the page scrolls: ${root.scrollWidth}×${root.scrollHeight} in ${vw}×${vh}`);
}
const sideways = (el) => {
  for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
    if (getComputedStyle(up).overflowX !== 'visible') return true;
  }
  return false;
};
const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
for (const el of document.body.querySelectorAll('*')) {
  const box = el.getBoundingClientRect();
  if (box.width <= 1 || box.height <= 1) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none') continue;
  if ((box.right > vw + 1 || box.left < -1) && !sideways(el)) {
    found.push(`${name(el)} reaches past the window (${Math.round(box.left)}..${Math.round(box.right)} of ${vw})`);
  }
  if (!ownText(el) || style.textOverflow === 'ellipsis') continue;
  const cutX = ['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
  const cutY = ['hidden', 'clip'].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
  if (cutX || cutY) found.push(`${name(el)} cuts its text: "${el.textContent.trim().slice(0, 40)}"`);
}
return found;
"#;

/// Sets a settings select the way a change by hand does (the sidebar's
/// language and theme pickers), even while a dialog covers it.
async fn choose(app: &AppSession, testid: &str, value: &str) -> anyhow::Result<()> {
    app.client
        .execute(
            "const select = document.querySelector(`[data-testid=\"${arguments[0]}\"]`);
             select.value = arguments[1];
             select.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![testid.into(), value.into()],
        )
        .await?;
    Ok(())
}

/// Makes the window `width`×`height` and waits until the page sees it.
async fn resize(app: &AppSession, width: u32, height: u32) -> anyhow::Result<()> {
    // At the display's corner: 1600×1000 is the whole Xvfb screen, and the
    // screenshot is cropped to the window.
    app.client.set_window_rect(0, 0, width, height).await?;
    for _ in 0..50 {
        let inner = app
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await?;
        if inner == serde_json::json!([width, height]) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the window did not become {width}×{height}")
}

/// Shows the current screen in every size, language and theme: checks the
/// layout and saves a screenshot of each, then puts English and light back.
async fn screens(app: &AppSession, screen: &str) -> anyhow::Result<()> {
    for (width, height) in SIZES {
        resize(app, width, height).await?;
        for locale in LOCALES {
            choose(app, "locale-select", locale).await?;
            wait_css(app, &format!("html[lang=\"{locale}\"]")).await?;
            for theme in THEMES {
                choose(app, "theme-select", theme).await?;
                wait_css(app, &format!("html[data-theme=\"{theme}\"]")).await?;
                // One frame for the restyle before reading boxes.
                tokio::time::sleep(Duration::from_millis(150)).await;
                let found: Vec<String> =
                    serde_json::from_value(app.client.execute(LAYOUT_CHECK, vec![]).await?)?;
                assert!(
                    found.is_empty(),
                    "{screen} at {width}×{height}, {locale}, {theme}: {found:#?}"
                );
                app.screenshot(&format!(
                    "screens/{screen}-{width}x{height}-{locale}-{theme}"
                ))
                .await?;
            }
        }
    }
    choose(app, "locale-select", "en").await?;
    choose(app, "theme-select", "light").await?;
    wait_css(app, "html[lang=\"en\"][data-theme=\"light\"]").await?;
    Ok(())
}

/// The check itself can fail: a box wider than the window and a text cut
/// without an ellipsis, added for a moment (through the CSSOM, which the
/// app's CSP allows), are both reported.
async fn layout_check_sees_overflow(app: &AppSession) -> anyhow::Result<()> {
    let found = app
        .client
        .execute(
            "const wide = document.createElement('div');
             wide.id = 'e2e-wide';
             wide.style.width = (window.innerWidth + 200) + 'px';
             wide.style.height = '10px';
             wide.style.position = 'absolute';
             wide.style.top = '0';
             const cut = document.createElement('p');
             cut.textContent = 'a sentence far too long for the narrow box that holds it';
             cut.style.width = '40px';
             cut.style.whiteSpace = 'nowrap';
             cut.style.overflow = 'hidden';
             document.body.append(wide, cut);
             const found = (() => { LAYOUT_CHECK })();
             wide.remove();
             cut.remove();
             return found;"
                .replace("LAYOUT_CHECK", LAYOUT_CHECK)
                .as_str(),
            vec![],
        )
        .await?;
    let found: Vec<String> = serde_json::from_value(found)?;
    let all = found.join("\n");
    assert!(all.contains("reaches past the window"), "{all}");
    assert!(all.contains("cuts its text"), "{all}");
    Ok(())
}

/// Spends all but 10 of this user's weekly free tokens, as other devices
/// would have.
async fn spend_almost_all(stack: &Stack, email: &str) -> anyhow::Result<()> {
    let db = stack.db().await;
    sqlx::query(
        "select public.add_tokens_week(u.id, public.period_key('iso_week'), 24990)
         from auth.users u where u.email = $1",
    )
    .bind(email)
    .execute(&db)
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_main_screen_in_both_themes_and_languages_fits_both_sizes() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let provider = stack.provider();
    provider.push(Script::reply(
        "Voici un tableau :\n\n| jour | plat |\n|---|---|\n| lundi | quenelles |\n\n\
         ```rust\nfn main() { println!(\"bonjour\"); }\n```\n\nEt une formule : $e^{i\\pi} + 1 = 0$.",
    ));
    provider.push(Script::reply("Menu de la semaine"));
    let app = AppSession::launch(Launch::against(&stack)).await?;

    // First launch: the sign-in screen.
    app.wait_ready().await?;
    app.wait_for("signin-panel").await?;
    layout_check_sees_overflow(&app).await?;
    screens(&app, "first-launch").await?;

    // Sign-up lands on the empty state: no conversations, a new chat.
    sign_up(&app, EMAIL).await?;
    app.wait_for("history-empty").await?;
    app.wait_for("new-chat-view").await?;
    screens(&app, "empty").await?;

    // A reply with a table, code and math, streamed and stored.
    app.fill("composer-input", "Un menu pour la semaine ?")
        .await?;
    app.click("composer-send").await?;
    wait_css(
        &app,
        "[data-testid=\"message-item\"][data-role=\"assistant\"]",
    )
    .await?;
    wait_css(&app, "[data-testid=\"message-regenerate\"]").await?;
    assert!(app.text("conversation-view").await?.contains("quenelles"));
    screens(&app, "conversation").await?;

    // Search finds the reply.
    app.click("search-open").await?;
    app.fill("search-input", "quenelles").await?;
    app.wait_for("search-hit").await?;
    screens(&app, "search").await?;
    app.client
        .active_element()
        .await?
        .send_keys("\u{e00c}")
        .await?;
    app.client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(fantoccini::Locator::Css(
            "body:not(:has([data-testid=\"search-dialog\"]))",
        ))
        .await?;

    // The plans, opened from the meter.
    app.click("quota-plans").await?;
    app.wait_for("plans-cards").await?;
    screens(&app, "plans").await?;
    app.click("plans-close").await?;

    // Quota exhausted: asking opens the plans dialog, which says why.
    spend_almost_all(&stack, EMAIL).await?;
    app.fill("composer-input", "Et pour dimanche ?").await?;
    app.click("composer-send").await?;
    app.wait_for("plans-exhausted").await?;
    screens(&app, "quota-exhausted").await?;
    app.click("plans-close").await?;
    app.wait_for("composer-out-of-tokens").await?;
    app.screenshot("screens/quota-exhausted-composer").await?;

    // Sign-out returns to the sign-in screen.
    app.click("sign-out").await?;
    app.wait_for("signin-panel").await?;
    app.screenshot("screens/signed-out").await?;
    app.close().await?;
    Ok(())
}

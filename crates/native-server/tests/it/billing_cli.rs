//! The support command line, run as the real binary: `billing replay`
//! applies a kept event once its user exists, `billing grant` is idempotent
//! by reference. And the served binary's log, at TRACE, holds no secret.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use native_testkit::Stack;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::Mutex;

use crate::billing::{
    PACK, Stripe, checkout, credits, event, grants, new_user, now, plan, recorded, sign, unmatched,
};

const BINARY: &str = env!("CARGO_BIN_EXE_native-server");

/// Runs `native-server <args>` against the stack's database; answers
/// (success, stdout, stderr).
async fn cli(stack: &Stack, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BINARY)
        .args(args)
        .env_clear()
        .env("DATABASE_URL", stack.database_url())
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("the command ends")
        .expect("run native-server");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn pack_for_email(name: &str, email: &str) -> Value {
    let mut session = checkout(name, "payment");
    session["customer_details"]["email"] = email.into();
    event(
        &format!("evt_{name}"),
        "checkout.session.completed",
        now(),
        session,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unmatched_payment_is_replayed_once_the_user_signs_up() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);
    let early = pack_for_email("early", "late@example.com");
    assert_eq!(stripe.deliver(&early).await, "unmatched");

    // Nobody yet: the replay says so and changes nothing.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("evt_early.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&early).unwrap()).unwrap();
    let path = file.to_str().unwrap();
    let (ok, stdout, stderr) = cli(&stack, &["billing", "replay", path]).await;
    assert!(!ok && stdout.contains("unmatched"), "{stdout}{stderr}");

    let late = new_user(&db, "late@example.com", true).await;
    let (ok, stdout, stderr) = cli(&stack, &["billing", "replay", path]).await;
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("evt_early") && stdout.contains("pack_granted"),
        "{stdout}"
    );
    assert!(stdout.contains(&late.to_string()), "{stdout}");
    assert_eq!(credits(&db, late).await, PACK);
    assert_eq!(
        recorded(&db, "evt_early").await.as_deref(),
        Some("pack_granted")
    );
    assert_eq!(unmatched(&db, "evt_early").await, Some(true));

    // Again, by file or by id, or redelivered by Stripe: nothing more.
    let (ok, stdout, _) = cli(&stack, &["billing", "replay", path]).await;
    assert!(ok && stdout.contains("already_applied"), "{stdout}");
    let (ok, stdout, _) = cli(&stack, &["billing", "replay", "evt_early"]).await;
    assert!(ok && stdout.contains("already_applied"), "{stdout}");
    assert_eq!(stripe.deliver(&early).await, "duplicate");
    assert_eq!(credits(&db, late).await, PACK);
    assert_eq!(grants(&db, late).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_event_is_replayed_by_id_for_a_user_support_names() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);
    // The payer typed an address that is nobody's.
    let typo = pack_for_email("typo", "jon@exmaple.com");
    assert_eq!(stripe.deliver(&typo).await, "unmatched");
    let jon = new_user(&db, "jon@example.com", true).await;

    let (ok, stdout, stderr) = cli(&stack, &["billing", "replay", "evt_typo"]).await;
    assert!(!ok, "{stdout}{stderr}");
    assert!(stderr.contains("--user"), "{stderr}");
    let (ok, stdout, stderr) = cli(
        &stack,
        &["billing", "replay", "evt_typo", "--user", "JON@example.com"],
    )
    .await;
    assert!(ok && stdout.contains("pack_granted"), "{stdout}{stderr}");
    assert_eq!(credits(&db, jon).await, PACK);

    let (ok, _, stderr) = cli(&stack, &["billing", "replay", "evt_nothing"]).await;
    assert!(!ok && stderr.contains("no file"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn grants_by_hand_are_idempotent_with_a_reference() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let stripe = Stripe::of(&stack);
    let alice = new_user(&db, "alice@example.com", true).await;
    let id = alice.to_string();

    for expected in ["pack_granted", "already_applied"] {
        let (ok, stdout, stderr) = cli(
            &stack,
            &[
                "billing",
                "grant",
                "--user",
                "Alice@Example.com",
                "--pack",
                "--reference",
                "T-1",
            ],
        )
        .await;
        assert!(ok && stdout.contains(expected), "{stdout}{stderr}");
    }
    assert_eq!(credits(&db, alice).await, PACK);

    for expected in ["pro_granted", "already_applied"] {
        let (ok, stdout, stderr) = cli(
            &stack,
            &[
                "billing",
                "grant",
                "--user",
                &id,
                "--pro",
                "--reference",
                "T-2",
            ],
        )
        .await;
        assert!(ok && stdout.contains(expected), "{stdout}{stderr}");
    }
    assert_eq!(plan(&db, alice).await, "pro");

    // A pack granted by hand for a checkout session is that session's
    // grant: the webhook, arriving later, does not add it again.
    let (ok, stdout, _) = cli(
        &stack,
        &[
            "billing",
            "grant",
            "--user",
            &id,
            "--pack",
            "--reference",
            "cs_slow",
        ],
    )
    .await;
    assert!(ok && stdout.contains("pack_granted"), "{stdout}");
    let mut session = checkout("slow", "payment");
    session["client_reference_id"] = id.clone().into();
    let slow = event("evt_slow", "checkout.session.completed", now(), session);
    assert_eq!(stripe.deliver(&slow).await, "pack_already_granted");
    assert_eq!(credits(&db, alice).await, 2 * PACK);

    // Without a reference, each run is a new grant, and says its reference.
    let (ok, stdout, _) = cli(&stack, &["billing", "grant", "--user", &id, "--pack"]).await;
    assert!(ok && stdout.contains("reference manual-"), "{stdout}");
    assert_eq!(credits(&db, alice).await, 3 * PACK);

    let (ok, _, stderr) = cli(
        &stack,
        &["billing", "grant", "--user", "nobody@example.com", "--pack"],
    )
    .await;
    assert!(!ok && stderr.contains("no user"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_a_response_or_a_log_line() {
    let stack = Stack::start().await.expect("stack");
    let db = stack.db().await;
    let alice = new_user(&db, "alice@example.com", true).await;
    let old_secret = "whsec_old_b3f1a9c2d4e5";
    let secrets = format!("{},{old_secret}", stack.stripe_webhook_secret());
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("NATIVE_SERVER_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", stack.database_url())
        .env("PROVIDER_BASE_URL", stack.provider_base_url())
        .env("NATIVE_PROVIDER", "demo")
        .env("SUPABASE_URL", stack.supabase_url())
        .env("SUPABASE_JWT_SECRET", stack.jwt_secret())
        .env("STRIPE_WEBHOOK_SECRET", &secrets)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start native-server");
    let log = Arc::new(Mutex::new(String::new()));
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let (port_tx, port_rx) = tokio::sync::oneshot::channel();
    let reader = tokio::spawn({
        let log = log.clone();
        async move {
            let mut port_tx: Option<tokio::sync::oneshot::Sender<String>> = Some(port_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("native-server listening")
                    && let Some(port) = line.split("port=").nth(1)
                    && let Some(tx) = port_tx.take()
                {
                    let _ = tx.send(port.chars().take_while(char::is_ascii_digit).collect());
                }
                let mut log = log.lock().await;
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    let port = tokio::time::timeout(Duration::from_secs(30), port_rx)
        .await
        .expect("the server starts")
        .expect("a port");
    let stripe = Stripe::new(&format!("http://127.0.0.1:{port}"), old_secret);

    let mut session = checkout("logged", "payment");
    session["client_reference_id"] = alice.to_string().into();
    let good = event("evt_logged", "checkout.session.completed", now(), session);
    let body = serde_json::to_vec(&good).unwrap();
    let signature = sign(old_secret, now(), &body);
    let mut answers = Vec::new();
    for (body, header) in [
        (body.clone(), Some(signature.clone())),
        (body.clone(), Some(signature.clone())),
        (body.clone(), Some(sign(old_secret, now() - 3600, &body))),
        (body.clone(), Some(sign("whsec_guess", now(), &body))),
        (body.clone(), None),
        (b"{}".to_vec(), Some(sign(old_secret, now(), b"{}"))),
    ] {
        let response = stripe.post(body, header).await;
        let headers = format!("{:?}", response.headers());
        answers.push(format!("{headers} {}", response.text().await.unwrap()));
    }
    assert_eq!(credits(&db, alice).await, PACK);

    child.kill().await.expect("stop native-server");
    let _ = tokio::time::timeout(Duration::from_secs(10), reader).await;
    let log = log.lock().await.clone();
    assert!(log.contains("stripe event"), "the log was captured:\n{log}");
    assert!(log.contains("evt_logged"), "{log}");
    assert!(log.contains("refused a webhook call"), "{log}");
    assert!(log.contains("TRACE"), "at TRACE level: {log}");
    let signature_hex = signature.split_once("v1=").unwrap().1;
    let secret_parts = [
        stack.stripe_webhook_secret(),
        stack.stripe_webhook_secret().trim_start_matches("whsec_"),
        old_secret,
        stack.jwt_secret(),
        signature_hex,
    ];
    for secret in secret_parts {
        assert!(!log.contains(secret), "a secret in the log:\n{log}");
        for answer in &answers {
            assert!(!answer.contains(secret), "a secret in an answer: {answer}");
        }
    }
}

//! `native-stack [--env-file PATH]`: runs one stack (with a PostgreSQL of its
//! own) in the foreground for `cargo xtask stack` and manual testing.
//!
//! It writes the stack's environment to PATH (atomically, mode 0600), prints
//! exactly one line, `native-stack ready pids=<comma-separated PIDs>`, on
//! stdout, and runs until SIGINT or SIGTERM; then it stops every process,
//! removes the env file and exits 0. If it is killed outright, its children
//! still die (they carry a parent-death signal).
//!
//! The provider comes from the environment, as for `native-server`:
//! MISTRAL_API_KEY selects Mistral, else PROVIDER_BASE_URL an
//! OpenAI-compatible server, else the stack's fake provider.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use native_server::config::{DEFAULT_MODEL, MISTRAL_BASE_URL};
use native_server::{ProviderKind, ProviderSettings};
use native_testkit::{ProviderChoice, Stack, StackOptions};
use tokio::signal::unix::{SignalKind, signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env_file = parse_args(std::env::args().skip(1))?;
    let opts = StackOptions {
        dedicated_cluster: true,
        provider: provider_from_env(),
        ..StackOptions::default()
    };

    // Listen before announcing readiness, so a signal sent right after the
    // ready line is not lost.
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;

    let stack = Stack::start_with(opts).await?;
    if let Some(path) = &env_file {
        write_env_file(path, &stack.env())?;
    }
    eprintln!(
        "native-stack: SUPABASE_URL={} NATIVE_API_URL={}",
        stack.supabase_url(),
        stack.native_api_url()
    );
    let pids = stack
        .pids()
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "native-stack ready pids={pids}").context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);

    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    drop(stack);
    if let Some(path) = &env_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn parse_args(mut args: impl Iterator<Item = String>) -> anyhow::Result<Option<PathBuf>> {
    let mut env_file = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--env-file" => {
                let path = args.next().context("--env-file needs a path")?;
                env_file = Some(PathBuf::from(path));
            }
            other => match other.strip_prefix("--env-file=") {
                Some(path) => env_file = Some(PathBuf::from(path)),
                None => bail!("unknown argument {other:?}; usage: native-stack [--env-file PATH]"),
            },
        }
    }
    Ok(env_file)
}

/// The provider `native-server` should use, chosen like `Settings::from_env`.
fn provider_from_env() -> ProviderChoice {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let model = var("MISTRAL_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    match (var("MISTRAL_API_KEY"), var("PROVIDER_BASE_URL")) {
        (Some(key), base) => ProviderChoice::Real(ProviderSettings {
            kind: ProviderKind::Mistral,
            base_url: base.unwrap_or_else(|| MISTRAL_BASE_URL.to_owned()),
            api_key: Some(key),
            model,
        }),
        (None, Some(base)) => ProviderChoice::Real(ProviderSettings {
            kind: ProviderKind::OpenAiCompatible,
            base_url: base,
            api_key: var("PROVIDER_API_KEY"),
            model,
        }),
        (None, None) => ProviderChoice::Fake,
    }
}

/// Writes `KEY=VALUE` lines to a temporary file beside `path` (mode 0600: it
/// holds keys) and renames it over `path`, so readers never see half a file.
fn write_env_file(path: &Path, env: &[(&'static str, String)]) -> anyhow::Result<()> {
    let mut text = String::new();
    for (key, value) in env {
        text.push_str(key);
        text.push('=');
        text.push_str(value);
        text.push('\n');
    }
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write the env file {}", path.display()))
}

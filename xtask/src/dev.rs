//! `cargo xtask dev`: the app against a local stack, in one command.
//!
//! The provider is whatever native-stack picks from the environment: Mistral
//! when MISTRAL_API_KEY is set, an OpenAI-compatible server when
//! PROVIDER_BASE_URL is set (Ollama: http://127.0.0.1:11434/v1), otherwise
//! the testkit's fake provider, which the app labels "demo".

use std::process::Command;

use anyhow::{Context, Result};

use crate::run::{cargo, npm, run};
use crate::{paths, setup, stack};

pub fn dev() -> Result<()> {
    setup::debian_packages()?;
    setup::npm_packages()?;
    run(npm(&paths::ui()).args(["run", "build"]))?;
    run(cargo().args(["build", "-p", "native-desktop"]))?;
    let native_stack = stack::build_native_stack()?;
    // Reuse a detached stack when one runs; otherwise own one for this session.
    let owned = if paths::stack_pid().exists() && paths::stack_env().exists() {
        None
    } else {
        Some(stack::spawn(&native_stack, false)?)
    };
    let env = stack::read_env()?;
    let mut app = Command::new(paths::app_binary());
    for key in ["SUPABASE_URL", "SUPABASE_ANON_KEY", "NATIVE_API_URL"] {
        if let Some(value) = env.get(key) {
            app.env(key, value);
        }
    }
    eprintln!(
        "launching the app against {}",
        env.get("SUPABASE_URL").map_or("?", String::as_str)
    );
    let status = app.status().context("cannot start the desktop app");
    if let Some(child) = owned {
        stack::stop(child.id())?;
    }
    let status = status?;
    if !status.success() {
        anyhow::bail!("the app exited with {status}");
    }
    Ok(())
}

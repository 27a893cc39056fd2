//! `cargo xtask <command>`: the project's automation, in Rust so it runs the
//! same on every machine with nothing but cargo (the rust-analyzer pattern).
//!
//! - `dev`: install what is missing, start the stack, build the UI, run the app.
//! - `test`: everything CI checks, in the order a failure is cheapest to see.
//! - `stack up [--detach] | down`: the local Supabase-shaped stack.
//! - `bench`: the benchmarks, figures recorded in BENCHMARKS.md.
//! - `bundle [--debug]`: the .deb and .rpm packages (release profile unless
//!   `--debug`, which CI uses to check the packaging cheaply).
//!
//! It must not hold product logic: it only orchestrates tools and crates.

mod bench;
mod bundle;
mod dev;
mod paths;
mod run;
mod setup;
mod stack;
mod test;
#[cfg(test)]
mod tidy;

use anyhow::{Result, bail};

const USAGE: &str =
    "usage: cargo xtask <dev | test | stack up [--detach] | stack down | bench | bundle [--debug]>";

fn main() {
    if let Err(err) = dispatch() {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["dev"] => dev::dev(),
        ["test"] => test::all(),
        ["stack", "up"] => stack::up(false),
        ["stack", "up", "--detach"] => stack::up(true),
        ["stack", "down"] => stack::down(),
        ["bench"] => bench::run_all(),
        ["bundle"] => bundle::bundle(bundle::Profile::Release).map(drop),
        ["bundle", "--debug"] => bundle::bundle(bundle::Profile::Debug).map(drop),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

//! `cargo xtask bench`: runs every benchmark in release mode and prints its
//! figures, which are copied into BENCHMARKS.md with the method used.
//! Speed goals live here, never in timed tests.

use anyhow::Result;

use crate::run::{cargo, run};
use crate::setup;

/// (package, bench target) pairs, in the order BENCHMARKS.md lists them.
const BENCHES: &[(&str, &str)] = &[
    ("native-server", "quota"),
    ("native-server", "first_token"),
    ("native-server", "streams"),
    ("native-store", "cache"),
    ("native-app", "sync"),
    ("native-app", "chunk_latency"),
    ("native-server", "webhook"),
];

pub fn run_all() -> Result<()> {
    setup::debian_packages()?;
    setup::npm_packages()?;
    for (package, bench) in BENCHES {
        run(cargo().args(["bench", "--locked", "-p", package, "--bench", bench]))?;
    }
    Ok(())
}

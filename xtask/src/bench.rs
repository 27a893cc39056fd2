//! `cargo xtask bench`: runs every benchmark in release mode and prints its
//! figures, which are copied into BENCHMARKS.md with the method used.
//! Speed goals live here, never in timed tests.

use anyhow::Result;

use crate::run::{cargo, npm, run};
use crate::test::in_app_session;
use crate::{paths, setup};

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
    startup()?;
    long_tasks()
}

/// Runs of the long-task probe: its figure is the worst stall of a run, and
/// one run can land on a busy moment of the machine, so it takes several.
const LONG_TASK_RUNS: usize = 8;

/// The Chat issue's main-thread probe (a 2,000-token reply streaming in the
/// real window, `tests/it/chat.rs`) against the release build a user runs;
/// `cargo xtask test` runs it once against the debug build. Each run prints
/// its stalls and leaves them in `target/e2e/long-tasks.json`. Runs after
/// `startup`, which builds the release app with the current UI.
fn long_tasks() -> Result<()> {
    for _ in 0..LONG_TASK_RUNS {
        run(&mut in_app_session(
            &[
                "test",
                "--locked",
                "-p",
                "native-e2e",
                "--test",
                "it",
                "--",
                "--exact",
                "chat::a_long_streamed_reply_is_measured_for_long_tasks",
                "--nocapture",
            ],
            &release_app(),
        )?)?;
    }
    Ok(())
}

/// The release binary the startup bench launches: built with the
/// `custom-protocol` feature, as `tauri build` (the shipped package) builds it.
fn release_app() -> std::path::PathBuf {
    paths::cargo_target().join("release").join("native-desktop")
}

/// `crates/native-e2e/benches/startup`: the real app against Chromium. It
/// drives windows, so it runs like the E2E tests: under Xvfb (the E2E
/// screen size), in a private D-Bus session with an unlocked keychain (the
/// app keeps its session there), with tauri-driver and the release build.
fn startup() -> Result<()> {
    setup::bench_packages()?;
    setup::tauri_driver()?;
    // The app embeds ui/dist when it is compiled, and the web shell serves
    // the same files to Chromium.
    run(npm(&paths::ui()).args(["run", "build"]))?;
    run(cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "native-desktop",
        "--features",
        "custom-protocol",
    ]))?;
    run(&mut in_app_session(
        &[
            "bench",
            "--locked",
            "-p",
            "native-e2e",
            "--bench",
            "startup",
        ],
        &release_app(),
    )?)
}

use std::path::Path;
use std::process::Command;

fn main() {
    link_speech_voice_first();
    tauri_build::build();
}

/// WebKitGTK's speech synthesis (Debian's and Ubuntu's builds) links
/// flite's `cmu_time_awb` voice, whose ~31,000 relocations name symbols the
/// library exports itself. The dynamic loader looks each one up along the
/// process's whole library list, where the voice comes ~80th of ~170: that
/// was ~18 ms of every launch, before `main` (BENCHMARKS.md, session 20).
/// Naming the voice among the binary's own libraries puts it near the front
/// of that list, so each lookup ends after a few libraries. It is linked
/// only when it sits next to WebKit: a WebKit built without it gets a
/// binary without it. The package names its Debian package in Depends
/// (`tauri.conf.json`; checked by the package test).
fn link_speech_voice_first() {
    const VOICE: &str = "libflite_cmu_time_awb.so.1";
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let libdir = Command::new("pkg-config")
        .args(["--variable=libdir", "webkit2gtk-4.1"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    if let Some(libdir) = libdir
        && Path::new(&libdir).join(VOICE).exists()
    {
        // `--no-as-needed`: the binary calls nothing in it, and rustc links
        // with `--as-needed`, which would drop it.
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--push-state,--no-as-needed,-l:{VOICE},--pop-state"
        );
    }
}

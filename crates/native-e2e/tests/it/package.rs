//! The .deb that `cargo xtask bundle` builds, checked the way a user's
//! machine would see it: its control fields and dependencies, and its files
//! unpacked into a scratch root (the binary and the libraries it needs, the
//! desktop entry that registers `native-ai://`, the icons). The .rpm built
//! from the same files must sit next to it.
//!
//! `NATIVE_DEB` names the .deb; `cargo xtask test` builds a debug-profile
//! bundle and sets it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

/// The .deb under test, or a clear error saying how to get one.
fn deb() -> Result<PathBuf> {
    let deb = std::env::var_os("NATIVE_DEB").map(PathBuf::from).context(
        "NATIVE_DEB is not set; run the package test through `cargo xtask test`, \
         or set it to the .deb that `cargo xtask bundle [--debug]` built",
    )?;
    ensure!(
        deb.is_file(),
        "the package {} does not exist; build it with `cargo xtask bundle --debug`",
        deb.display()
    );
    Ok(deb)
}

/// Runs `cmd` and returns its standard output, failing with its standard
/// error when it fails.
fn stdout_of(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{:?} failed ({}): {}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn control_field(deb: &Path, name: &str) -> Result<String> {
    let value = stdout_of(Command::new("dpkg-deb").arg("-f").arg(deb).arg(name))?;
    Ok(value.trim().to_owned())
}

/// The package names in Depends. Version constraints, if any, follow the
/// name: "libgtk-3-0 (>= 3.24)".
fn depends(deb: &Path) -> Result<Vec<String>> {
    Ok(control_field(deb, "Depends")?
        .split(',')
        .filter_map(|d| d.split_whitespace().next())
        .map(str::to_owned)
        .collect())
}

/// Whether a tool is on PATH (it starts at all).
fn tool_exists(name: &str) -> bool {
    Command::new(name).arg("--help").output().is_ok()
}

/// Debian's name for the architecture the tests (and so the bundle) run on.
fn debian_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

#[test]
fn control_names_the_package_its_version_and_dependencies() -> Result<()> {
    let deb = deb()?;
    assert_eq!(control_field(&deb, "Package")?, "native-ai");
    // The package version comes from tauri.conf.json, the crates' from the
    // workspace: a release bumps both.
    assert_eq!(control_field(&deb, "Version")?, env!("CARGO_PKG_VERSION"));
    assert_eq!(control_field(&deb, "Architecture")?, debian_arch());
    let names = depends(&deb)?;
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(
            names.iter().any(|name| name == needed),
            "Depends does not list {needed}: {names:?}"
        );
    }
    ensure!(
        !control_field(&deb, "Description")?.is_empty(),
        "the package has no description"
    );
    Ok(())
}

#[test]
fn unpacked_package_has_binary_desktop_entry_icons_and_font_licence() -> Result<()> {
    let deb = deb()?;
    let root = tempfile::tempdir()?;
    // A scratch root: the files exactly as `apt install` would lay them out
    // under /, without touching the machine.
    stdout_of(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(root.path()),
    )?;

    let binary = root.path().join("usr/bin/native-desktop");
    check_binary(&binary)?;
    check_speech_voice_link(&binary, &deb)?;
    let entry = check_desktop_entry(root.path())?;
    check_icons(root.path(), &entry["Icon"])?;
    // The UI embeds Inter, whose SIL Open Font License must travel with it.
    let font_licence = root
        .path()
        .join("usr/share/doc/native-ai/fonts/Inter-OFL.txt");
    let licence = std::fs::read_to_string(&font_licence)
        .with_context(|| format!("no font licence at {}", font_licence.display()))?;
    ensure!(
        licence.contains("SIL OPEN FONT LICENSE"),
        "{} is not the SIL Open Font License",
        font_licence.display()
    );

    let deb_bytes = std::fs::metadata(&deb)?.len();
    let unpacked_bytes = tree_size(root.path())?;
    let installed_kib: u64 = control_field(&deb, "Installed-Size")?
        .parse()
        .context("Installed-Size is not a number")?;
    // dpkg and apt trust Installed-Size for the disk space they ask for; it
    // must describe what is really unpacked (within rounding per file).
    let unpacked_kib = unpacked_bytes.div_ceil(1024);
    ensure!(
        installed_kib.abs_diff(unpacked_kib) <= unpacked_kib / 20 + 16,
        "Installed-Size {installed_kib} KiB, but the files unpack to {unpacked_kib} KiB"
    );
    println!(
        "package size: {} is {deb_bytes} bytes ({:.1} MiB); Installed-Size {installed_kib} KiB \
         ({:.1} MiB); unpacked files {unpacked_bytes} bytes ({:.1} MiB)",
        deb.display(),
        mib(deb_bytes),
        mib(installed_kib * 1024),
        mib(unpacked_bytes),
    );
    Ok(())
}

#[test]
fn rpm_is_built_next_to_the_deb() -> Result<()> {
    let deb = deb()?;
    // The bundle folder holds `deb/` and `rpm/` side by side.
    let rpm_dir = deb
        .parent()
        .and_then(Path::parent)
        .context("the .deb is not inside a bundle folder")?
        .join("rpm");
    let rpms: Vec<PathBuf> = std::fs::read_dir(&rpm_dir)
        .with_context(|| format!("no rpm folder at {}", rpm_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rpm"))
        .collect();
    let version = format!("-{}-", env!("CARGO_PKG_VERSION"));
    let rpm = rpms
        .iter()
        .find(|p| p.to_string_lossy().contains(&version))
        .with_context(|| format!("no .rpm of version {version} in {rpms:?}"))?;
    let bytes = std::fs::metadata(rpm)?.len();
    ensure!(
        bytes > 1024 * 1024,
        "{} is only {bytes} bytes",
        rpm.display()
    );
    if tool_exists("rpm") {
        let files = stdout_of(Command::new("rpm").arg("-qpl").arg(rpm))?;
        for needed in ["/usr/bin/native-desktop", "/usr/share/applications/"] {
            ensure!(files.contains(needed), "the .rpm lacks {needed}: {files}");
        }
    } else {
        eprintln!("rpm is not installed: checked the .rpm's presence and size only");
    }
    println!(
        "rpm size: {} is {bytes} bytes ({:.1} MiB)",
        rpm.display(),
        mib(bytes)
    );
    Ok(())
}

/// The app's binary is an executable ELF file whose shared libraries all
/// resolve on this machine, as they would once Depends is installed.
fn check_binary(binary: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(binary)
        .with_context(|| format!("the package has no {}", binary.display()))?;
    ensure!(
        meta.permissions().mode() & 0o111 == 0o111,
        "{} is not executable by everyone (mode {:o})",
        binary.display(),
        meta.permissions().mode()
    );
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(&mut std::fs::File::open(binary)?, &mut magic)?;
    ensure!(
        &magic == b"\x7fELF",
        "{} is not an ELF binary",
        binary.display()
    );
    let libraries = stdout_of(Command::new("ldd").arg(binary))?;
    let missing: Vec<&str> = libraries
        .lines()
        .filter(|l| l.contains("not found"))
        .collect();
    ensure!(
        missing.is_empty(),
        "the binary needs libraries that do not resolve: {missing:?}"
    );
    ensure!(
        libraries.contains("libwebkit2gtk-4.1"),
        "the binary does not link WebKitGTK 4.1, which Depends names: {libraries}"
    );
    Ok(())
}

/// `src-tauri/build.rs` links flite's voice library, which WebKitGTK uses,
/// among the binary's own libraries when WebKit's library folder has it (a
/// launch-time saving in the dynamic loader). The binary calls nothing in
/// it, so only Depends makes sure a user's machine has it.
fn check_speech_voice_link(binary: &Path, deb: &Path) -> Result<()> {
    const VOICE: &str = "libflite_cmu_time_awb.so.1";
    let dynamic = stdout_of(Command::new("readelf").arg("-d").arg(binary))?;
    let linked = dynamic.contains(&format!("[{VOICE}]"));
    let libdir =
        stdout_of(Command::new("pkg-config").args(["--variable=libdir", "webkit2gtk-4.1"]))?;
    let beside_webkit = Path::new(libdir.trim()).join(VOICE).exists();
    ensure!(
        linked == beside_webkit,
        "the binary links {VOICE}: {linked}; WebKit's folder {} has it: {beside_webkit}",
        libdir.trim()
    );
    if linked {
        let names = depends(deb)?;
        ensure!(
            names.iter().any(|name| name == "libflite1"),
            "the binary links {VOICE}, but Depends does not list libflite1: {names:?}"
        );
    }
    Ok(())
}

/// The one desktop entry: what launchers show, and the `native-ai://`
/// handler that sign-in and checkout returns come back through. Returns the
/// `[Desktop Entry]` keys.
fn check_desktop_entry(root: &Path) -> Result<BTreeMap<String, String>> {
    let dir = root.join("usr/share/applications");
    let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("the package has no {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "desktop"))
        .collect();
    let [path] = entries.as_slice() else {
        bail!("expected one desktop entry, found {entries:?}");
    };
    let text = std::fs::read_to_string(path)?;
    let keys = desktop_entry_keys(&text);
    let get = |key: &str| {
        keys.get(key)
            .map(String::as_str)
            .with_context(|| format!("the desktop entry has no {key}: {text}"))
    };
    assert_eq!(get("Type")?, "Application");
    assert_eq!(get("Name")?, "Native AI");
    let exec = get("Exec")?;
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("native-desktop"), "Exec={exec}");
    // Without a field code the desktop starts the app without the link it
    // was asked to open (see src-tauri/linux/main.desktop).
    ensure!(
        words.any(|w| matches!(w, "%u" | "%U")),
        "Exec={exec} does not pass the opened link (%u)"
    );
    ensure!(
        !get("Icon")?.is_empty(),
        "the desktop entry's Icon is empty"
    );
    ensure!(
        get("Categories")?.split(';').any(|c| !c.is_empty()),
        "the desktop entry has no category"
    );
    let mime = get("MimeType")?;
    ensure!(
        mime.split(';').any(|m| m == "x-scheme-handler/native-ai"),
        "MimeType={mime} does not register native-ai://"
    );
    if tool_exists("desktop-file-validate") {
        stdout_of(Command::new("desktop-file-validate").arg(path))
            .context("desktop-file-validate rejects the desktop entry")?;
    } else {
        eprintln!("desktop-file-validate is not installed (desktop-file-utils): not run");
    }
    Ok(keys)
}

/// The keys of the `[Desktop Entry]` group (other groups, such as actions,
/// may repeat key names).
fn desktop_entry_keys(text: &str) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    let mut in_entry = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_entry = line == "[Desktop Entry]";
        } else if in_entry && let Some((key, value)) = line.split_once('=') {
            keys.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    keys
}

/// The desktop entry's icon exists in the hicolor theme at the usual sizes,
/// each a PNG as wide as its folder says.
fn check_icons(root: &Path, icon: &str) -> Result<()> {
    let hicolor = root.join("usr/share/icons/hicolor");
    let mut sizes = Vec::new();
    for size_dir in std::fs::read_dir(&hicolor)
        .with_context(|| format!("the package has no {}", hicolor.display()))?
    {
        let size_dir = size_dir?.path();
        let size = size_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let png = size_dir.join("apps").join(format!("{icon}.png"));
        let bytes = std::fs::read(&png).with_context(|| format!("no icon {}", png.display()))?;
        ensure!(
            bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG",
            png.display()
        );
        // The IHDR chunk comes first: the width is the big-endian u32 at 16.
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        if let Some((w, _)) = size.split_once('x')
            && !size.contains('@')
        {
            assert_eq!(w.parse::<u32>().ok(), Some(width), "{}", png.display());
        }
        sizes.push(size);
    }
    for needed in ["32x32", "128x128", "512x512"] {
        ensure!(
            sizes.iter().any(|s| s == needed),
            "no {needed} icon among {sizes:?}"
        );
    }
    Ok(())
}

/// The bytes of every regular file under `dir`.
fn tree_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            total += tree_size(&entry.path())?;
        } else if kind.is_file() {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

//! Tests that keep the architecture honest (ARCHITECTURE.md's invariants),
//! checked over `cargo metadata` and the source tree, as rust-analyzer's
//! tidy tests do.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, Package, PackageId};

use crate::paths;

fn metadata() -> Metadata {
    MetadataCommand::new()
        .current_dir(paths::root())
        .exec()
        .expect("cargo metadata")
}

/// Every package reachable from `name` through normal (non-dev, non-build)
/// dependencies, by name.
fn normal_closure(meta: &Metadata, name: &str) -> BTreeSet<String> {
    let resolve = meta.resolve.as_ref().expect("resolved dependency graph");
    let by_id: HashMap<&PackageId, &Package> = meta.packages.iter().map(|p| (&p.id, p)).collect();
    let root = meta
        .packages
        .iter()
        .find(|p| p.name.as_str() == name)
        .expect("package exists");
    let mut seen = BTreeSet::new();
    let mut stack = vec![&root.id];
    while let Some(id) = stack.pop() {
        let Some(node) = resolve.nodes.iter().find(|n| &n.id == id) else {
            continue;
        };
        for dep in &node.deps {
            let normal = dep
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Normal);
            if normal && seen.insert(by_id[&dep.pkg].name.to_string()) {
                stack.push(&dep.pkg);
            }
        }
    }
    seen
}

fn direct_deps(meta: &Metadata, name: &str) -> BTreeSet<String> {
    let package = meta
        .packages
        .iter()
        .find(|p| p.name.as_str() == name)
        .expect("package exists");
    package
        .dependencies
        .iter()
        .filter(|d| d.kind == DependencyKind::Normal)
        .map(|d| d.name.clone())
        .collect()
}

/// Crates that do IO: networking, async runtimes, databases, the UI toolkit.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "hyper",
    "reqwest",
    "postgrest",
    "sqlx",
    "sqlx-core",
    "rusqlite",
    "libsqlite3-sys",
    "tauri",
    "wry",
    "axum",
    "async-std",
    "keyring",
];

#[test]
fn native_core_depends_on_no_io_crate() {
    let meta = metadata();
    // The walk must see IO where there is some, or this test proves nothing.
    assert!(normal_closure(&meta, "native-desktop").contains("tokio"));
    // native-files is held to the same rule: it turns bytes into bytes, and
    // the app decides where they come from and go.
    for pure in ["native-core", "native-files"] {
        let closure = normal_closure(&meta, pure);
        let found: Vec<_> = IO_CRATES.iter().filter(|c| closure.contains(**c)).collect();
        assert!(
            found.is_empty(),
            "{pure} must stay pure, but depends on {found:?}"
        );
    }
}

#[test]
fn the_shell_holds_no_sql_or_http() {
    let direct = direct_deps(&metadata(), "native-desktop");
    let forbidden = [
        "reqwest",
        "hyper",
        "postgrest",
        "sqlx",
        "rusqlite",
        "native-client",
        "native-store",
    ];
    let found: Vec<_> = forbidden.iter().filter(|c| direct.contains(**c)).collect();
    assert!(
        found.is_empty(),
        "src-tauri must go through native-app, but uses {found:?}"
    );
    for file in rust_files(&paths::root().join("src-tauri/src")) {
        let text = std::fs::read_to_string(&file)
            .expect("read source")
            .to_lowercase();
        for needle in [
            "select ",
            "insert into",
            "update ",
            "delete from",
            "http://",
            "https://",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains `{needle}`: SQL and HTTP belong in native-app",
                file.display()
            );
        }
    }
}

#[test]
fn commands_stay_under_fifteen_lines() {
    for file in rust_files(&paths::root().join("src-tauri/src")) {
        let text = std::fs::read_to_string(&file).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[tauri::command]" {
                continue;
            }
            let end = lines[i..]
                .iter()
                .position(|l| *l == "}")
                .expect("command has an end");
            assert!(
                end < 15,
                "{}:{} is a command of {end} lines; move logic to native-app",
                file.display(),
                i + 1
            );
        }
    }
}

#[test]
fn nothing_shipped_depends_on_the_testkit() {
    let meta = metadata();
    for shipped in [
        "native-desktop",
        "native-server",
        "native-app",
        "native-client",
        "native-store",
        "native-core",
    ] {
        let closure = normal_closure(&meta, shipped);
        assert!(
            !closure.contains("native-testkit"),
            "{shipped} must not depend on native-testkit"
        );
    }
}

#[test]
fn internal_crates_are_not_published_and_use_workspace_lints() {
    for package in metadata().workspace_packages() {
        assert_eq!(
            package.publish.as_deref(),
            Some(&[][..]),
            "{} must have publish = false",
            package.name
        );
        let manifest = std::fs::read_to_string(&package.manifest_path).expect("read manifest");
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{} must use the workspace lints",
            package.name
        );
    }
}

#[test]
fn every_library_says_what_it_is_for() {
    for package in metadata().workspace_packages() {
        for target in package.targets.iter().filter(|t| t.is_lib()) {
            let text = std::fs::read_to_string(&target.src_path).expect("read lib.rs");
            assert!(
                text.starts_with("//!"),
                "{} must open with a //! paragraph",
                target.src_path
            );
        }
    }
}

#[test]
fn no_mod_rs_and_no_oversized_files() {
    let mut files = rust_files(&paths::root().join("crates"));
    files.extend(rust_files(&paths::root().join("src-tauri/src")));
    files.extend(rust_files(&paths::root().join("xtask/src")));
    files.extend(source_files(&paths::ui().join("src"), &["ts", "svelte"]));
    for file in files {
        assert_ne!(
            file.file_name().and_then(|n| n.to_str()),
            Some("mod.rs"),
            "{}: no mod.rs files",
            file.display()
        );
        let lines = std::fs::read_to_string(&file)
            .expect("read source")
            .lines()
            .count();
        assert!(
            lines <= 600,
            "{} has {lines} lines; split it by concern",
            file.display()
        );
    }
}

/// The workspace lint denies `unsafe` (Cargo.toml); one audited block in the
/// shell allows it (ARCHITECTURE.md, "WebKitGTK workarounds"), and no other
/// file may.
#[test]
fn unsafe_is_allowed_in_one_file_only() {
    let root = paths::root();
    let mut files = rust_files(&root.join("crates"));
    files.extend(rust_files(&root.join("src-tauri/src")));
    files.extend(rust_files(&root.join("xtask/src")));
    let allowing: Vec<String> = files
        .iter()
        .filter(|file| {
            std::fs::read_to_string(file).is_ok_and(|text| {
                text.contains(concat!("allow(", "unsafe_code)"))
                    || text.contains(concat!("expect(", "unsafe_code)"))
            })
        })
        .filter_map(|file| file.strip_prefix(&root).ok())
        .map(|file| file.display().to_string())
        .collect();
    assert_eq!(allowing, ["src-tauri/src/linux_env.rs"]);
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    source_files(dir, &["rs"])
}

fn source_files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "node_modules" | "target" | "gen" | "dist") {
                out.extend(source_files(&path, extensions));
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
    out
}

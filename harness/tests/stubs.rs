//! Every lab's stub compiles without a single warning, so that it opens cleanly in
//! rust-analyzer and a student's first `cargo build` shows nothing to worry about.
//! The labs come from harness/labs.toml; a lab whose crate is not in this copy yet
//! is left out.

use std::process::{Command, Stdio};

use proclab_harness::labs;
use serde::Deserialize;

#[derive(Deserialize)]
struct Message {
    reason: String,
    package_id: Option<String>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    rendered: Option<String>,
}

#[test]
fn every_stub_builds_without_warnings() {
    let root = proclab_harness::repo_root();
    let labs: Vec<_> = labs::load(&root)
        .unwrap()
        .into_iter()
        // A skeleton being written has a folder before it has a manifest.
        .filter(|l| l.crate_dir(&root, false).join("Cargo.toml").is_file())
        .collect();
    assert!(!labs.is_empty(), "no lab folders at all");
    // A target of its own below the usual one: the stubs' diagnostics are replayed
    // from cargo's cache on later runs, and the graders' binaries are not touched.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("proclab-stub-check");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["build", "--quiet", "--message-format", "json"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        // Warnings as the student sees them, whatever this shell sets.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    for lab in &labs {
        cmd.args(["-p", &lab.package(false)]);
    }
    let out = cmd.output().expect("cargo runs");
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(m) = serde_json::from_str::<Message>(line) else {
            continue;
        };
        let (Some(d), Some(id)) = (m.message, m.package_id) else {
            continue;
        };
        // Only the workspace's own crates: the stubs and the drivers' shared crate.
        if m.reason != "compiler-message" || !id.starts_with("path+") {
            continue;
        }
        if d.level == "warning" || d.level == "error" {
            found.push(d.rendered.unwrap_or(d.level));
        }
    }
    assert!(
        found.is_empty(),
        "the stubs should build cleanly; cargo said:\n{}",
        found.join("\n")
    );
    assert!(out.status.success(), "cargo build of the stubs failed");
    let names: Vec<String> = labs.iter().map(|l| l.folder()).collect();
    eprintln!("built without warnings: {}", names.join(", "));
}

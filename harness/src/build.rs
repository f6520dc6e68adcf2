//! Building the labs with cargo, one lab's failure never stopping the others.
//!
//! Two ways in:
//! - [`in_place`]: the labs as they are in the workspace (the student's own checkout,
//!   or the reference with `--reference`), all in one `cargo build --keep-going`.
//! - [`with_student_file`]: one lab rebuilt with its student file replaced (a bug
//!   fixture, later a submission), in a scratch workspace that holds only that lab's
//!   crate, so nothing else the submitter changed is used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::labs::Lab;

/// The outcome of building one lab.
#[derive(Debug, Clone)]
pub enum Built {
    Binary(PathBuf),
    /// The compiler's own messages, as it rendered them.
    Failed(String),
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    target: Option<Target>,
    executable: Option<PathBuf>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    rendered: Option<String>,
}

/// `cargo build` for the given manifest, quiet, with every package built that can be.
fn cargo_build(manifest: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["build", "--quiet", "--keep-going", "--message-format=json"])
        .arg("--manifest-path")
        .arg(manifest);
    cmd
}

/// Runs `cargo build` and sorts what it says by binary name.
fn run_cargo(mut cmd: Command, bins: &[String]) -> Result<HashMap<String, Built>, String> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut exes: HashMap<String, PathBuf> = HashMap::new();
    let mut errors: HashMap<String, String> = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(m) = serde_json::from_str::<Message>(line) else {
            continue;
        };
        let Some(target) = m.target else { continue };
        if !bins.contains(&target.name) {
            continue;
        }
        match m.reason.as_str() {
            "compiler-artifact" => {
                if let Some(exe) = m.executable {
                    exes.insert(target.name, exe);
                }
            }
            "compiler-message" => {
                if let Some(d) = m.message
                    && d.level == "error"
                {
                    let text = errors.entry(target.name).or_default();
                    text.push_str(d.rendered.as_deref().unwrap_or("error\n"));
                }
            }
            _ => {}
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut result = HashMap::new();
    for bin in bins {
        let built = match exes.remove(bin) {
            Some(exe) => Built::Binary(exe),
            None => Built::Failed(match errors.remove(bin) {
                Some(e) => e,
                // No message of its own: cargo failed before compiling it (a broken
                // manifest, a dependency that did not build). Its stderr says why.
                None => last_lines(&stderr, 20),
            }),
        };
        result.insert(bin.clone(), built);
    }
    Ok(result)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n") + "\n"
}

/// Builds the given labs of the workspace at `root`: stubs, or references.
pub fn in_place(
    root: &Path,
    labs: &[&Lab],
    reference: bool,
) -> Result<HashMap<String, Built>, String> {
    let bins: Vec<String> = labs.iter().map(|l| l.package(reference)).collect();
    let mut cmd = cargo_build(&root.join("Cargo.toml"));
    for b in &bins {
        cmd.args(["-p", b]);
    }
    let mut built = run_cargo(cmd, &bins)?;
    Ok(labs
        .iter()
        .map(|l| {
            let b = built
                .remove(&l.package(reference))
                .expect("one result per lab");
            (l.name.clone(), b)
        })
        .collect())
}

/// One lab to build in a scratch workspace: the crate from `root` (stub or reference)
/// with `source` as its student file. `tag` tells entries apart (a student's name, a
/// bug's name); it becomes part of the package name.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub tag: String,
    pub lab: &'a Lab,
    pub reference: bool,
    pub source: String,
}

/// One lab built from `student_source` in place of its student file. The lab's other
/// files come from `root` (the stub's crate, or the reference's with `reference`).
/// The returned directory holds the binary; keep it while the binary is in use.
pub fn with_student_file(
    root: &Path,
    lab: &Lab,
    reference: bool,
    student_source: &str,
) -> Result<(tempfile::TempDir, Built), String> {
    let entry = Entry {
        tag: "x".into(),
        lab,
        reference,
        source: student_source.to_string(),
    };
    let (dir, mut built) = scratch_workspace(root, &[entry])?;
    Ok((dir, built.remove(0)))
}

/// Builds many entries in one scratch workspace with one cargo run: the dependencies
/// are built once (in `target/proclab-scratch-builds`, shared by all such builds) and
/// cargo compiles the small lab crates in parallel. Each entry's package is renamed
/// `<package>-<tag>` so that they can live side by side; a lab's driver names itself
/// in its clap attributes, so its output does not change. Results come in the order
/// of `entries`; the binaries are copied into the returned directory.
pub fn scratch_workspace(
    root: &Path,
    entries: &[Entry],
) -> Result<(tempfile::TempDir, Vec<Built>), String> {
    let dir = tempfile::Builder::new()
        .prefix("proclab-build-")
        .tempdir()
        .map_err(|e| format!("cannot make a build directory: {e}"))?;
    let ws = dir.path();

    // The workspace inherits the real one's settings and lock file.
    let manifest_path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let mut manifest: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let workspace = manifest
        .get_mut("workspace")
        .and_then(|w| w.as_table_mut())
        .ok_or("the workspace Cargo.toml has no [workspace]")?;
    // Each member sits at `<n>/labs/NN-name` (or `solutions/`), so that paths in
    // compiler messages and panic locations still read `labs/NN-name/src/...` after
    // the first component.
    let member_path = |i: usize, e: &Entry| {
        let side = if e.reference { "solutions" } else { "labs" };
        format!("{i}/{side}/{}", e.lab.folder())
    };
    let members: Vec<toml::Value> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| member_path(i, e).into())
        .collect();
    workspace.insert("members".into(), toml::Value::Array(members));
    workspace.remove("exclude");
    // Path dependencies (the drivers' shared crate) point back into the repository.
    if let Some(deps) = workspace
        .get_mut("dependencies")
        .and_then(|d| d.as_table_mut())
    {
        for (_, dep) in deps.iter_mut() {
            let Some(dep) = dep.as_table_mut() else {
                continue;
            };
            if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                let absolute = root.join(path).display().to_string();
                dep.insert("path".into(), absolute.into());
            }
        }
    }
    // Each of these builds is made once and thrown away (bug fixtures, a class's
    // submissions): no debug info to generate and no incremental cache to write.
    // Panic locations (a todo!() reached) do not need debug info.
    let mut dev = toml::Table::new();
    dev.insert("debug".into(), false.into());
    dev.insert("incremental".into(), false.into());
    let mut profile = toml::Table::new();
    profile.insert("dev".into(), dev.into());
    manifest.insert("profile".into(), profile.into());
    write(
        &ws.join("Cargo.toml"),
        &toml::to_string(&manifest).map_err(|e| e.to_string())?,
    )?;
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(ws.join("Cargo.lock"), lock).map_err(|e| e.to_string())?;
    }

    let mut bins = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let member = ws.join(member_path(i, e));
        copy_tree(&e.lab.crate_dir(root, e.reference), &member)?;
        write(&member.join(e.lab.student_file()), &e.source)?;
        let bin = format!("{}-{}", e.lab.package(e.reference), sanitize(&e.tag));
        rename_package(&member.join("Cargo.toml"), &bin)?;
        bins.push(bin);
    }

    let target = scratch_target(root);
    let mut cmd = cargo_build(&ws.join("Cargo.toml"));
    cmd.arg("--workspace").env("CARGO_TARGET_DIR", &target);
    let mut built = run_cargo(cmd, &bins)?;
    let out_dir = ws.join("bin");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for bin in &bins {
        // Copy each binary out before another scratch build replaces it.
        let b = match built.remove(bin).expect("one result per entry") {
            Built::Binary(exe) => {
                let mine = out_dir.join(bin);
                std::fs::copy(&exe, &mine).map_err(|e| format!("{}: {e}", exe.display()))?;
                Built::Binary(mine)
            }
            failed => failed,
        };
        results.push(b);
    }
    Ok((dir, results))
}

/// The reference binaries a build of `labs` in place has left in the target directory
/// (a student's program must not run them: they print the expected output).
pub fn reference_binaries(root: &Path, labs: &[&Lab]) -> Vec<PathBuf> {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut found = Vec::new();
    for lab in labs {
        for profile in ["debug", "release"] {
            let p = base.join(profile).join(format!("{}-ref", lab.name));
            if p.is_file() {
                found.push(p);
            }
        }
    }
    found
}

/// Where scratch builds put their output: below the workspace's target directory
/// (`CARGO_TARGET_DIR` if set), in a folder of its own, so that their dependencies are
/// built once for all of them and they never overwrite the workspace's binaries.
fn scratch_target(root: &Path) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    base.join("proclab-scratch-builds")
}

/// Package names take letters, digits, `-` and `_`.
fn sanitize(tag: &str) -> String {
    let s: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "x".into() } else { s }
}

/// Gives a copied lab crate a new package and binary name.
fn rename_package(manifest: &Path, name: &str) -> Result<(), String> {
    let text =
        std::fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut t: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    if let Some(pkg) = t.get_mut("package").and_then(|p| p.as_table_mut()) {
        pkg.insert("name".into(), name.into());
    }
    if let Some(bins) = t.get_mut("bin").and_then(|b| b.as_array_mut()) {
        for b in bins.iter_mut().filter_map(|b| b.as_table_mut()) {
            b.insert("name".into(), name.into());
        }
    }
    write(manifest, &toml::to_string(&t).map_err(|e| e.to_string())?)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
    }
    Ok(())
}

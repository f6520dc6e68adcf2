//! What instructors publish: the students' repository (the handout) and the
//! Gradescope autograder zip. Both are the instructor's tracked files less what
//! `harness/handout.toml` drops; the handout also gets its own README, its GitHub
//! Classroom workflow and a fresh git history.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::grade;
use crate::labs;

#[derive(Deserialize)]
struct HandoutFile {
    handout: DropList,
    gradescope: DropList,
}

#[derive(Deserialize)]
struct DropList {
    drop: Vec<String>,
}

fn drop_lists(root: &Path) -> Result<HandoutFile, String> {
    let path = root.join("harness/handout.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message().trim()))
}

/// The files of the working tree that git knows or would add, relative to `root`, less
/// those under any `drop` entry.
fn kept_files(root: &Path, drop: &[String]) -> Result<Vec<PathBuf>, String> {
    // Tracked files and new ones not ignored: what the instructor's tree holds. Not a
    // git checkout (a downloaded copy): every file but the build output.
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let all: Vec<PathBuf> = match listed {
        Some(out) => out
            .stdout
            .split(|&b| b == 0)
            .filter(|f| !f.is_empty())
            .map(|f| PathBuf::from(String::from_utf8_lossy(f).into_owned()))
            .collect(),
        None => {
            let mut v = Vec::new();
            walk(root, Path::new(""), &mut v);
            v
        }
    };
    let files = all
        .into_iter()
        .filter(|f| !drop.iter().any(|d| f.starts_with(d)))
        // Deleted but not yet committed: nothing to copy.
        .filter(|f| root.join(f).is_file())
        .collect();
    Ok(files)
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name();
        if rel.as_os_str().is_empty() && (name == "target" || name == ".git") {
            continue;
        }
        let sub = rel.join(&name);
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(root, &sub, out),
            Ok(t) if t.is_file() => out.push(sub),
            _ => {}
        }
    }
}

fn copy_file(root: &Path, rel: &Path, dest: &Path) -> Result<(), String> {
    let to = dest.join(rel);
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(root.join(rel), &to).map_err(|e| format!("{}: {e}", to.display()))?;
    Ok(())
}

/// The workspace manifest with `solutions/*` taken out of the members (the handout
/// and the autograder have no solutions).
fn manifest_without_solutions(root: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let text = text.replace(r#", "solutions/*"]"#, "]");
    if text.contains("solutions/*") {
        return Err("Cargo.toml: cannot take solutions/* out of the workspace members".into());
    }
    Ok(text)
}

/// Writes the students' repository into `dest`, which must not exist or be empty.
pub fn make_handout(root: &Path, dest: &Path) -> Result<(), String> {
    if dest.exists()
        && std::fs::read_dir(dest)
            .map_err(|e| e.to_string())?
            .next()
            .is_some()
    {
        return Err(format!("{} exists and is not empty", dest.display()));
    }
    let lists = drop_lists(root)?;
    for rel in kept_files(root, &lists.handout.drop)? {
        copy_file(root, &rel, dest)?;
    }
    std::fs::write(dest.join("Cargo.toml"), manifest_without_solutions(root)?)
        .map_err(|e| e.to_string())?;
    std::fs::copy(
        root.join("harness/handout/README.md"),
        dest.join("README.md"),
    )
    .map_err(|e| format!("README.md: {e}"))?;
    let workflow = dest.join(".github/workflows/classroom.yml");
    std::fs::create_dir_all(workflow.parent().expect("has a folder")).map_err(|e| e.to_string())?;
    std::fs::write(&workflow, classroom_workflow(root)?).map_err(|e| e.to_string())?;

    // A history of its own: one commit, nothing of the instructor's log.
    let git = |args: &[&str]| -> Result<(), String> {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dest)
            .args([
                "-c",
                "user.name=proclab",
                "-c",
                "user.email=proclab@localhost",
            ])
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if ok.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&ok.stderr).trim()
            ))
        }
    };
    git(&["init", "-q", "-b", "main"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "proclab handout"])?;
    Ok(())
}

/// The GitHub Classroom workflow: one command-grader step per lab over its public
/// cases, worth the lab's public points, and the reporter that adds them up.
pub fn classroom_workflow(root: &Path) -> Result<String, String> {
    let template = std::fs::read_to_string(root.join("harness/handout/classroom.yml"))
        .map_err(|e| format!("harness/handout/classroom.yml: {e}"))?;
    let mut steps = String::new();
    let mut env = String::new();
    let mut runners = Vec::new();
    for lab in labs::load(root)? {
        let (cases, _) = grade::load_cases(root, &lab, true);
        let points: u32 = cases.iter().map(|c| c.points).sum();
        let id = format!("lab-{}", lab.folder());
        steps.push_str(&format!(
            "      - name: {folder}\n        id: {id}\n        uses: classroom-resources/autograding-command-grader@v1\n        with:\n          test-name: {folder}\n          command: cargo grade --lab {name} --public-only\n          timeout: 10\n          max-score: {points}\n",
            folder = lab.folder(),
            name = lab.name,
        ));
        let var = id.to_uppercase().replace('-', "_");
        env.push_str(&format!(
            "          {var}_RESULTS: \"${{{{steps.{id}.outputs.result}}}}\"\n"
        ));
        runners.push(id);
    }
    Ok(template
        .replace("@STEPS@\n", &steps)
        .replace("@ENV@\n", &env)
        .replace("@RUNNERS@", &runners.join(",")))
}

/// Writes the Gradescope autograder zip: `setup.sh` and `run_autograder` at its root
/// beside the repository's files (hidden cases included, solutions not).
pub fn make_gradescope_zip(root: &Path, out: &Path) -> Result<usize, String> {
    use zip::write::SimpleFileOptions;
    let lists = drop_lists(root)?;
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let manifest = manifest_without_solutions(root)?;
    let mut add = |name: &str, from: &Path, mode: u32| -> Result<(), String> {
        let bytes = if name == "Cargo.toml" {
            manifest.clone().into_bytes()
        } else {
            std::fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?
        };
        let opts = SimpleFileOptions::default().unix_permissions(mode);
        zip.start_file(name, opts).map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())
    };
    let mut count = 0;
    for script in ["setup.sh", "run_autograder"] {
        add(script, &root.join("harness/gradescope").join(script), 0o755)?;
        count += 1;
    }
    for rel in kept_files(root, &lists.gradescope.drop)? {
        let name = rel.to_string_lossy().into_owned();
        let mode = if name.ends_with(".sh") || name.starts_with("harness/gradescope/") {
            0o755
        } else {
            0o644
        };
        add(&name, &root.join(&rel), mode)?;
        count += 1;
    }
    zip.finish().map_err(|e| e.to_string())?;
    Ok(count)
}

//! The pristine stub of a lab's student file, as the repository's history holds it.
//!
//! A handout starts with a fresh history whose first commit holds the stubs, so the
//! root commit is asked first; a checkout whose first commit predates a lab (the
//! instructor's own) falls back to HEAD.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::labs::Lab;

/// The student's file of a lab, relative to the repository: `labs/01-pids/src/pids.rs`.
pub fn student_path(lab: &Lab) -> PathBuf {
    Path::new("labs")
        .join(lab.folder())
        .join(lab.student_file())
}

/// A stub as git holds it, and where it was found (for messages).
#[derive(Debug, Clone)]
pub struct Pristine {
    pub text: String,
    pub from: String,
}

fn git(root: &Path, args: &[&str]) -> Result<Output, String> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| {
            format!("cannot run git ({e}); the pristine stubs come from the repository's history")
        })
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().next().unwrap_or("").trim().to_string()
}

/// The pristine text of the lab's student file: from the repository's first commit
/// if it has the file, else from HEAD.
pub fn pristine(root: &Path, lab: &Lab) -> Result<Pristine, String> {
    let rel = student_path(lab);
    let out = git(root, &["rev-list", "--max-parents=0", "HEAD"])?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        if said.contains("dubious ownership") {
            // A folder owned by someone else (a container's bind mount, a copy).
            return Err(format!(
                "git does not trust {} (another user owns it); to allow it: git config --global --add safe.directory {}",
                root.display(),
                root.display()
            ));
        }
        return Err(format!(
            "{} has no git history to take the pristine stub from ({})",
            root.display(),
            first_line(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // rev-list lists the newest first; the oldest root is the handout's first commit.
    let first = stdout.lines().last().unwrap_or("HEAD").to_string();
    for (rev, what) in [(first.as_str(), "the first commit"), ("HEAD", "HEAD")] {
        // `./` makes the path relative to `root`, even inside a larger repository.
        let spec = format!("{rev}:./{}", rel.display());
        let out = git(root, &["show", &spec])?;
        if out.status.success() {
            let short: String = rev.chars().take(10).collect();
            let from = match what {
                "HEAD" => "HEAD".to_string(),
                _ => format!("{what} ({short})"),
            };
            return Ok(Pristine {
                text: String::from_utf8_lossy(&out.stdout).into_owned(),
                from,
            });
        }
    }
    Err(format!(
        "{} is in neither the first commit nor HEAD of {}, so there is no pristine stub to compare with",
        rel.display(),
        root.display()
    ))
}

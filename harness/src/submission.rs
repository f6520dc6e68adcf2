//! A submission: another checkout of the handout, graded with this repository's
//! harness. Only the file each lab marks as the student's is taken from it; every
//! other difference (a build script, Cargo.toml, the harness, the cases, the
//! snapshots) is ignored and listed, so nothing else the student wrote is built or
//! run, and the instructor's public and hidden cases are the ones that count.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::labs::Lab;

/// What one submission holds.
#[derive(Debug, Clone)]
pub struct Submission {
    pub dir: PathBuf,
    /// The folder's name: the student, as GitHub Classroom names the clones.
    pub name: String,
    /// Per lab (short name): the student's file, or why it could not be read.
    pub sources: BTreeMap<String, Result<String, String>>,
    /// Files that differ from the instructor's copy or were added, which grading
    /// ignored: `changed harness/cases/pids/ids.toml`.
    pub ignored: Vec<String>,
}

/// The most files one submission's ignored list names; the rest are counted.
const MAX_LISTED: usize = 40;
/// Files larger than this are not compared, only listed.
const MAX_COMPARED: u64 = 1 << 20;

/// Reads a submission folder. An error means the folder cannot be read at all.
pub fn read(root: &Path, labs: &[&Lab], dir: &Path) -> Result<Submission, String> {
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{}: not a folder", dir.display()));
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submission".into());
    let mut sources = BTreeMap::new();
    let mut student_files = Vec::new();
    for lab in labs {
        let rel = Path::new("labs")
            .join(lab.folder())
            .join(lab.student_file());
        let path = dir.join(&rel);
        let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", rel.display()));
        sources.insert(lab.name.clone(), source);
        student_files.push(rel);
    }
    let mut ignored = Vec::new();
    let mut extra = 0;
    walk(dir, Path::new(""), &mut |rel: &Path, size: u64| {
        if student_files.iter().any(|s| s == rel) {
            return;
        }
        let mine = root.join(rel);
        let what = match std::fs::metadata(&mine) {
            Err(_) => "added",
            Ok(_) if size > MAX_COMPARED => "changed (too large to compare)",
            Ok(_) => match (std::fs::read(&mine), std::fs::read(dir.join(rel))) {
                (Ok(a), Ok(b)) if a == b => return,
                _ => "changed",
            },
        };
        if ignored.len() < MAX_LISTED {
            ignored.push(format!("{what} {}", rel.display()));
        } else {
            extra += 1;
        }
    });
    if extra > 0 {
        ignored.push(format!("... and {extra} more"));
    }
    Ok(Submission {
        dir: dir.to_path_buf(),
        name,
        sources,
        ignored,
    })
}

/// Every regular file below `dir`, skipping version control, build output and links.
fn walk(dir: &Path, rel: &Path, each: &mut dyn FnMut(&Path, u64)) {
    let Ok(entries) = std::fs::read_dir(dir.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if rel.as_os_str().is_empty() && (name == ".git" || name == "target") {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let sub = rel.join(&name);
        if kind.is_dir() {
            walk(dir, &sub, each);
        } else if kind.is_file() {
            each(&sub, entry.metadata().map(|m| m.len()).unwrap_or(0));
        }
    }
}

/// The submissions of a class: every folder directly below `dir`, by name.
pub fn class_folders(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(format!("{}: no submission folders in it", dir.display()));
    }
    Ok(out)
}

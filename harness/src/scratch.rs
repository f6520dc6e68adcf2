//! The case's scratch directory before the program starts: the files the case gives
//! it (`[setup]`), and ownership handed to the user the program runs as, so that a
//! program dropped to another uid can still write in its own current directory.

use std::path::{Component, Path};

use crate::case::Case;

pub fn prepare(dir: &Path, case: &Case, run_as: Option<(u32, u32)>) -> Result<(), String> {
    for (name, contents) in &case.setup {
        // Case files are trusted, but a path that leaves the directory is a mistake.
        let inside = Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            return Err(format!("setup file {name:?} is not a plain relative path"));
        }
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some((uid, gid)) = run_as {
        chown_tree(dir, uid, gid)?;
    }
    Ok(())
}

fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<(), String> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
        .map_err(|e| format!("chown {}: {e}", path.display()))?;
    if path.is_dir() && !path.is_symlink() {
        let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in entries.flatten() {
            chown_tree(&entry.path(), uid, gid)?;
        }
    }
    Ok(())
}

//! `proclab reset LAB`: put the pristine stub back in place of the student's file,
//! after a backup of the student's file has been written and read back.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::labs::Lab;
use crate::stub;

/// What a reset did, for the message.
#[derive(Debug)]
pub struct Done {
    /// The student's file, relative to the repository.
    pub file: PathBuf,
    /// Where the student's file was saved (relative to the repository); `None` when
    /// there was nothing to save (no file) or nothing to do.
    pub backup: Option<PathBuf>,
    /// Where the stub came from (`the first commit (abc)`, `HEAD`).
    pub from: String,
    /// The file already was the stub: nothing changed.
    pub unchanged: bool,
}

/// The folder of a lab's backups: `.proclab/backups/01-pids/`.
pub fn backup_dir(root: &Path, lab: &Lab) -> PathBuf {
    crate::state::dir(root).join("backups").join(lab.folder())
}

pub fn reset(root: &Path, lab: &Lab) -> Result<Done, String> {
    let rel = stub::student_path(lab);
    let path = root.join(&rel);
    let pristine = stub::pristine(root, lab)?;
    let current = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", rel.display())),
    };
    let mut done = Done {
        file: rel.clone(),
        backup: None,
        from: pristine.from.clone(),
        unchanged: false,
    };
    if current.as_deref() == Some(pristine.text.as_bytes()) {
        done.unchanged = true;
        return Ok(done);
    }
    if let Some(bytes) = &current {
        let backup = write_backup(root, lab, bytes).map_err(|e| {
            format!(
                "no backup could be written, so {} was left as it is: {e}",
                rel.display()
            )
        })?;
        done.backup = Some(backup.strip_prefix(root).unwrap_or(&backup).to_path_buf());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&path, pristine.text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", rel.display()))?;
    Ok(done)
}

/// Writes `bytes` to a new file `<name>.rs.<date>-<time>` in the lab's backup folder,
/// synced to disk and read back, and returns its path.
fn write_backup(root: &Path, lab: &Lab, bytes: &[u8]) -> Result<PathBuf, String> {
    let dir = backup_dir(root, lab);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let base = format!("{}.rs.{stamp}", lab.name);
    for n in 1..100 {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let path = dir.join(name);
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let back = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if back != bytes {
            return Err(format!(
                "{}: the backup reads back differently",
                path.display()
            ));
        }
        return Ok(path);
    }
    Err(format!("{}: too many backups in one second", dir.display()))
}

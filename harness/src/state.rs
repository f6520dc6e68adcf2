//! What the student's commands remember between runs, in `.proclab/` at the root of
//! the repository (gitignored): the hint level last shown per lab, and the backups
//! `proclab reset` keeps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `.proclab/` below the repository root.
pub fn dir(root: &Path) -> PathBuf {
    root.join(".proclab")
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct State {
    /// The hint level last shown, by lab name.
    #[serde(default)]
    pub hints_seen: BTreeMap<String, u32>,
}

fn file(root: &Path) -> PathBuf {
    dir(root).join("state.json")
}

/// The remembered state; a missing or unreadable file is a fresh start.
pub fn load(root: &Path) -> State {
    std::fs::read_to_string(file(root))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Saves the state, replacing the file in one step (a half-written file is never
/// read back).
pub fn save(root: &Path, state: &State) -> Result<(), String> {
    let d = dir(root);
    std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
    let tmp = d.join("state.json.tmp");
    let text = serde_json::to_string_pretty(state).expect("plain data serialises");
    std::fs::write(&tmp, text + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, file(root)).map_err(|e| format!("{}: {e}", file(root).display()))
}

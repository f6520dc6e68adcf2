//! Bug fixtures: plausible wrong solutions, kept as data (`harness/bugs/<lab>.toml`),
//! each a set of find/replace edits on the reference's student file. The project's
//! tests build every one and check that the cases it names fail.

use std::path::Path;

use serde::Deserialize;

use crate::labs::Lab;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bug {
    pub name: String,
    /// The mistake, as a student would make it.
    pub why: String,
    /// Cases that must fail with this bug in place.
    pub caught_by: Vec<String>,
    pub edit: Vec<Edit>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub find: String,
    pub replace: String,
}

#[derive(Deserialize)]
struct BugsFile {
    bug: Vec<Bug>,
}

/// The bug fixtures of a lab; none when the file does not exist.
pub fn load(root: &Path, lab: &Lab) -> Result<Vec<Bug>, String> {
    let path = root.join("harness/bugs").join(format!("{}.toml", lab.name));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let file: BugsFile =
        toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message().trim()))?;
    Ok(file.bug)
}

impl Bug {
    /// The reference's student file with this bug's edits made. Each `find` must occur
    /// exactly once, so an edit never silently stops applying when the reference moves.
    pub fn apply(&self, reference_source: &str) -> Result<String, String> {
        let mut text = reference_source.to_string();
        for (i, e) in self.edit.iter().enumerate() {
            let n = text.matches(&e.find).count();
            if n != 1 {
                return Err(format!(
                    "bug {}: edit {} finds its text {n} times (it must be exactly once): {:?}",
                    self.name,
                    i + 1,
                    e.find
                ));
            }
            text = text.replacen(&e.find, &e.replace, 1);
        }
        Ok(text)
    }
}

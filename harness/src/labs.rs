//! The list of labs is data (`harness/labs.toml`); this module reads it and resolves
//! the names students type (`fork`, `03`, `3`, `03-fork`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    pub number: u32,
    /// The short name: `pids`.
    pub name: String,
    pub title: String,
}

#[derive(Deserialize)]
struct LabsFile {
    lab: Vec<Lab>,
}

impl Lab {
    /// `01-pids`: the folder name under labs/ and solutions/, and the chapter's file.
    pub fn folder(&self) -> String {
        format!("{:02}-{}", self.number, self.name)
    }

    /// The student's file, relative to the lab's crate.
    pub fn student_file(&self) -> PathBuf {
        PathBuf::from(format!("src/{}.rs", self.name))
    }

    /// The crate (package and binary) name: `pids` for the stub, `pids-ref` for the
    /// reference.
    pub fn package(&self, reference: bool) -> String {
        if reference {
            format!("{}-ref", self.name)
        } else {
            self.name.clone()
        }
    }

    pub fn crate_dir(&self, root: &Path, reference: bool) -> PathBuf {
        let side = if reference { "solutions" } else { "labs" };
        root.join(side).join(self.folder())
    }

    pub fn chapter(&self) -> String {
        format!("{}.md", self.folder())
    }
}

/// Reads `harness/labs.toml` below the repository root.
pub fn load(root: &Path) -> Result<Vec<Lab>, String> {
    let path = root.join("harness/labs.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: LabsFile =
        toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message().trim()))?;
    Ok(file.lab)
}

/// Finds a lab by what a student may type: the short name, the number with or without
/// its leading zero, or the folder name.
pub fn resolve<'a>(labs: &'a [Lab], wanted: &str) -> Result<&'a Lab, String> {
    let w = wanted.trim().to_ascii_lowercase();
    labs.iter()
        .find(|l| l.name == w || l.folder() == w || w.parse::<u32>().is_ok_and(|n| n == l.number))
        .ok_or_else(|| {
            let known: Vec<String> = labs.iter().map(|l| l.folder()).collect();
            format!("unknown lab {wanted:?}; the labs are: {}", known.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labs() -> Vec<Lab> {
        toml::from_str::<LabsFile>("[[lab]]\nnumber = 3\nname = \"fork\"\ntitle = \"t\"\n")
            .unwrap()
            .lab
    }

    #[test]
    fn every_spelling_resolves() {
        let labs = labs();
        for w in ["fork", "03", "3", "03-fork", "FORK"] {
            assert_eq!(resolve(&labs, w).unwrap().name, "fork", "{w}");
        }
    }

    #[test]
    fn unknown_lab_names_the_known_ones() {
        let e = resolve(&labs(), "forks").unwrap_err();
        assert!(e.contains("03-fork"), "{e}");
    }
}

//! Hints in levels, each more specific than the last.
//!
//! They are data: `harness/hints/<lab>.toml` holds `[[hint]]` tables with a `level`
//! (1, 2, 3...) and a `text`. A lab without such a file gets levels made from its
//! first failing public case: what it checks, the case's hint, then the section to
//! reread and the command to run. `.proclab/state.json` remembers the level a student
//! last saw, so asking again shows the next one.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::grade::CaseResult;
use crate::labs::Lab;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HintsFile {
    hint: Vec<Hint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Hint {
    level: u32,
    text: String,
}

pub fn file_path(root: &Path, lab: &Lab) -> PathBuf {
    root.join("harness/hints")
        .join(format!("{}.toml", lab.name))
}

/// The lab's hints in level order (index 0 is level 1), or `None` without a file.
/// The levels must be 1, 2, ... N, each once, each with some text.
pub fn load(root: &Path, lab: &Lab) -> Result<Option<Vec<String>>, String> {
    let path = file_path(root, lab);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse(&text)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(text: &str) -> Result<Vec<String>, String> {
    let file: HintsFile = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
    let mut hints = file.hint;
    hints.sort_by_key(|h| h.level);
    for (i, h) in hints.iter().enumerate() {
        let want = i as u32 + 1;
        if h.level != want {
            return Err(format!(
                "hint levels must be 1, 2, 3... each once; expected level {want}, found {}",
                h.level
            ));
        }
        if h.text.trim().is_empty() {
            return Err(format!("hint level {} has no text", h.level));
        }
    }
    if hints.is_empty() {
        return Err("no [[hint]] in the file".into());
    }
    Ok(hints
        .into_iter()
        .map(|h| h.text.trim().to_string())
        .collect())
}

/// Three levels made from a failing public case, for a lab without a hints file.
pub fn derived(lab: &Lab, case: &CaseResult) -> Vec<String> {
    let mut second = String::new();
    if let Some(f) = &case.failure {
        second.push_str(&format!(
            "It fails with {}: {}.",
            f.class.as_str(),
            f.class.explain()
        ));
    }
    match (
        &case.hint,
        case.failure.as_ref().and_then(|f| f.class.hint()),
    ) {
        (Some(h), _) => second.push_str(&format!("\n{h}")),
        (None, Some(h)) => second.push_str(&format!("\nAsk yourself: {h}")),
        (None, None) => {}
    }
    let section = case.section.clone().unwrap_or_else(|| lab.chapter());
    vec![
        format!(
            "The first public case that fails is `{}`. It checks this: {}.",
            case.name, case.description
        ),
        second.trim().to_string(),
        format!(
            "Reread docs/src/{section}, then run the case yourself in labs/{} and compare with the chapter:\n{}",
            lab.folder(),
            case.command
        ),
    ]
}

/// The level to show: the one asked for (it must exist), else the one after the
/// level last seen, staying on the last one once every level has been seen.
pub fn choose(
    lab: &Lab,
    levels: usize,
    seen: Option<u32>,
    asked: Option<u32>,
) -> Result<u32, String> {
    let n = levels as u32;
    match asked {
        Some(l) if l >= 1 && l <= n => Ok(l),
        Some(l) => Err(format!(
            "lab {} has hint levels 1 to {n}; there is no level {l}",
            lab.name
        )),
        None => Ok(seen.map_or(1, |s| s + 1).clamp(1, n.max(1))),
    }
}

/// How one hint reads on the terminal.
pub fn render(lab: &Lab, level: u32, levels: &[String], from_cases: bool) -> String {
    let n = levels.len();
    let mut out = format!(
        "hint {level} of {n} for {} ({}){}:\n\n",
        lab.folder(),
        lab.title,
        if from_cases {
            ", from your first failing case"
        } else {
            ""
        }
    );
    for line in levels[level as usize - 1].lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    if (level as usize) < n {
        out.push_str(&format!(
            "more specific: just hint {}   (level {} of {n})\n",
            lab.name,
            level + 1
        ));
    } else {
        out.push_str(&format!(
            "that is the most specific hint; `just check {}` shows what still fails\n",
            lab.name
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        Lab {
            number: 1,
            name: "pids".into(),
            title: "t".into(),
        }
    }

    #[test]
    fn levels_are_read_in_order() {
        let h = parse("[[hint]]\nlevel = 2\ntext = \"b\"\n[[hint]]\nlevel = 1\ntext = \"a\"\n")
            .unwrap();
        assert_eq!(h, ["a", "b"]);
    }

    #[test]
    fn gaps_and_empty_texts_are_refused() {
        let e = parse("[[hint]]\nlevel = 1\ntext = \"a\"\n[[hint]]\nlevel = 3\ntext = \"c\"\n")
            .unwrap_err();
        assert!(e.contains("expected level 2"), "{e}");
        assert!(parse("[[hint]]\nlevel = 1\ntext = \" \"\n").is_err());
        assert!(parse("[[hint]]\nlevel = 1\ntxt = \"a\"\n").is_err());
    }

    #[test]
    fn the_next_level_follows_the_last_seen() {
        let l = lab();
        assert_eq!(choose(&l, 3, None, None).unwrap(), 1);
        assert_eq!(choose(&l, 3, Some(1), None).unwrap(), 2);
        assert_eq!(choose(&l, 3, Some(3), None).unwrap(), 3);
        assert_eq!(choose(&l, 3, Some(9), None).unwrap(), 3);
        assert_eq!(choose(&l, 3, Some(3), Some(1)).unwrap(), 1);
        let e = choose(&l, 3, None, Some(4)).unwrap_err();
        assert!(e.contains("levels 1 to 3") && e.contains("level 4"), "{e}");
    }
}

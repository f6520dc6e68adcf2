//! Cases are data: one TOML file per case under `harness/cases/<lab>/` (public) or
//! `harness/hidden/<lab>/` (hidden). This module reads and checks them; the format is
//! documented in docs/src/instructors/writing-labs.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Hidden,
}

impl Visibility {
    /// The folder below `harness/` that holds cases of this visibility.
    pub fn folder(self) -> &'static str {
        match self {
            Visibility::Public => "cases",
            Visibility::Hidden => "hidden",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stderr {
    #[default]
    Ignore,
    Compare,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Leftovers {
    /// Zombies or processes still running when the program exits fail the case.
    #[default]
    Forbid,
    /// The case expects something to outlive the program (a daemon); it is killed
    /// after the case all the same.
    Allow,
}

/// Which user a case's program needs (see contain.rs for what the grader does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privilege {
    /// Whoever the grader is.
    #[default]
    Any,
    /// Root where the grader can give it; elsewhere the unprivileged behaviour is
    /// graded against `<case>.unprivileged.snap`.
    Root,
    /// Always an ordinary user (a root grader drops the program to nobody).
    None,
}

/// Something a case needs from the machine; without it the case is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    /// A PID namespace of its own (containment tier 1).
    PidNamespace,
    /// Pid 1 belongs to another user than the program.
    ForeignPid1,
}

/// Where a `signal` step sends its signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Main,
    Group,
    /// The first capture group of this regex, matched against stdout so far, is a pid.
    FromOutput(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observe {
    Descendants,
    Zombies,
}

impl Observe {
    pub fn word(&self) -> &'static str {
        match self {
            Observe::Descendants => "descendants",
            Observe::Zombies => "zombies",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Step {
    WaitFor(Regex),
    Signal {
        signal: String,
        to: Target,
    },
    Write(String),
    CloseStdin,
    Observe(Observe),
    /// Write a file in the scratch directory now (creating folders on the way).
    WriteFile {
        path: String,
        content: String,
    },
    /// Remove a file or an empty folder of the scratch directory now.
    Remove(String),
}

impl Step {
    /// How the step reads in a report ("wait for /^ready/").
    pub fn describe(&self) -> String {
        match self {
            Step::WaitFor(re) => format!("wait for a line matching /{re}/"),
            Step::Signal { signal, to } => match to {
                Target::Main => format!("send SIG{signal} to the program"),
                Target::Group => format!("send SIG{signal} to the program's process group"),
                Target::FromOutput(re) => format!("send SIG{signal} to the pid printed as /{re}/"),
            },
            Step::Write(text) => format!("write {text:?} to stdin"),
            Step::CloseStdin => "close stdin".to_string(),
            Step::Observe(o) => format!("count the program's {}", o.word()),
            Step::WriteFile { path, .. } => format!("write the file {path}"),
            Step::Remove(path) => format!("remove {path}"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Filter {
    #[serde(with = "serde_regex")]
    pub regex: Regex,
    pub with: String,
}

/// One case, as read from its file.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file name without `.toml`.
    pub name: String,
    pub path: PathBuf,
    pub visibility: Visibility,
    pub description: String,
    pub args: Vec<String>,
    pub points: u32,
    pub deadline_ms: u64,
    pub stdin: String,
    pub env: BTreeMap<String, String>,
    pub stderr: Stderr,
    pub unordered: Option<Regex>,
    pub files: Vec<String>,
    pub leftovers: Leftovers,
    pub hint: Option<String>,
    pub section: Option<String>,
    pub filters: Vec<Filter>,
    pub steps: Vec<Step>,
    pub privilege: Privilege,
    pub requires: Vec<Requirement>,
    /// The program runs on a pseudo-terminal.
    pub terminal: bool,
    /// Files written into the scratch directory before the program starts.
    pub setup: BTreeMap<String, String>,
}

/// The file format, field for field. Unknown fields are an error, so a typo in a case
/// file is reported instead of silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    description: String,
    args: Vec<String>,
    #[serde(default = "one")]
    points: u32,
    #[serde(default = "default_deadline")]
    deadline_ms: u64,
    #[serde(default)]
    stdin: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    stderr: Stderr,
    #[serde(default)]
    unordered: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    leftovers: Leftovers,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    filter: Vec<Filter>,
    #[serde(default)]
    step: Vec<StepFile>,
    #[serde(default)]
    privilege: Privilege,
    #[serde(default)]
    requires: Vec<Requirement>,
    #[serde(default)]
    terminal: bool,
    #[serde(default)]
    setup: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    wait_for: Option<String>,
    signal: Option<String>,
    to: Option<String>,
    write: Option<String>,
    close_stdin: Option<bool>,
    observe: Option<String>,
    write_file: Option<String>,
    content: Option<String>,
    remove: Option<String>,
}

fn one() -> u32 {
    1
}

fn default_deadline() -> u64 {
    10_000
}

mod serde_regex {
    use regex::Regex;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
        let s = String::deserialize(d)?;
        Regex::new(&s).map_err(serde::de::Error::custom)
    }
}

fn regex(field: &str, s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| format!("{field}: not a valid regex: {e}"))
}

impl StepFile {
    fn into_step(self, n: usize) -> Result<Step, String> {
        let at = format!("step {n}");
        let kinds = [
            self.wait_for.is_some(),
            self.signal.is_some(),
            self.write.is_some(),
            self.close_stdin.is_some(),
            self.observe.is_some(),
            self.write_file.is_some(),
            self.remove.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(format!(
                "{at}: give exactly one of wait_for, signal, write, close_stdin, observe, write_file, remove"
            ));
        }
        if self.content.is_some() != self.write_file.is_some() {
            return Err(format!("{at}: `write_file` and `content` go together"));
        }
        for path in [&self.write_file, &self.remove].into_iter().flatten() {
            let inside = std::path::Path::new(path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                return Err(format!(
                    "{at}: {path:?} is not a plain path inside the scratch directory"
                ));
            }
        }
        if let (Some(path), Some(content)) = (self.write_file.clone(), self.content.clone()) {
            return Ok(Step::WriteFile { path, content });
        }
        if let Some(path) = self.remove.clone() {
            return Ok(Step::Remove(path));
        }
        if self.to.is_some() && self.signal.is_none() {
            return Err(format!("{at}: `to` goes with `signal`"));
        }
        if let Some(re) = self.wait_for {
            return Ok(Step::WaitFor(regex(&at, &re)?));
        }
        if let Some(sig) = self.signal {
            let name = sig.trim_start_matches("SIG").to_ascii_uppercase();
            if crate::init::parse_signal(&name).is_none() {
                return Err(format!("{at}: unknown signal {sig:?}"));
            }
            let to = match self.to.as_deref() {
                None | Some("main") => Target::Main,
                Some("group") => Target::Group,
                Some(re) => {
                    let compiled = regex(&at, re)?;
                    if compiled.captures_len() < 2 {
                        return Err(format!(
                            "{at}: `to` regex needs a capture group for the pid"
                        ));
                    }
                    Target::FromOutput(re.to_string())
                }
            };
            return Ok(Step::Signal { signal: name, to });
        }
        if let Some(text) = self.write {
            return Ok(Step::Write(text));
        }
        if let Some(close) = self.close_stdin {
            if !close {
                return Err(format!("{at}: close_stdin = false means nothing"));
            }
            return Ok(Step::CloseStdin);
        }
        match self.observe.as_deref() {
            Some("descendants") => Ok(Step::Observe(Observe::Descendants)),
            Some("zombies") => Ok(Step::Observe(Observe::Zombies)),
            other => Err(format!(
                "{at}: observe takes \"descendants\" or \"zombies\", not {other:?}"
            )),
        }
    }
}

impl Case {
    /// Reads one case file. The error names the file and what is wrong with it.
    pub fn load(path: &Path, visibility: Visibility) -> Result<Case, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        let file: CaseFile =
            toml::from_str(&text).map_err(|e| format!("{shown}: {}", e.message().trim()))?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{shown}: the file name is not UTF-8"))?
            .to_string();
        if file.description.contains('\n') {
            return Err(format!("{shown}: description must be one line"));
        }
        if file.deadline_ms == 0 || file.deadline_ms > 120_000 {
            return Err(format!("{shown}: deadline_ms must be between 1 and 120000"));
        }
        for f in &file.files {
            if f.starts_with('/') || f.split('/').any(|c| c == "..") {
                return Err(format!(
                    "{shown}: files must be relative to the scratch directory: {f}"
                ));
            }
        }
        let unordered = match &file.unordered {
            Some(re) => Some(regex("unordered", re).map_err(|e| format!("{shown}: {e}"))?),
            None => None,
        };
        let steps = file
            .step
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.into_step(i + 1))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{shown}: {e}"))?;
        Ok(Case {
            name,
            path: path.to_path_buf(),
            visibility,
            description: file.description,
            args: file.args,
            points: file.points,
            deadline_ms: file.deadline_ms,
            stdin: file.stdin,
            env: file.env,
            stderr: file.stderr,
            unordered,
            files: file.files,
            leftovers: file.leftovers,
            hint: file.hint,
            section: file.section,
            filters: file.filter,
            steps,
            privilege: file.privilege,
            requires: file.requires,
            terminal: file.terminal,
            setup: file.setup,
        })
    }

    /// A case made in code, for the grader's own use (the containment probe).
    pub fn inline(name: &str, args: &[&str], deadline_ms: u64) -> Case {
        Case {
            name: name.to_string(),
            path: PathBuf::new(),
            visibility: Visibility::Public,
            description: name.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            points: 0,
            deadline_ms,
            stdin: String::new(),
            env: BTreeMap::new(),
            stderr: Stderr::Ignore,
            unordered: None,
            files: Vec::new(),
            leftovers: Leftovers::Forbid,
            hint: None,
            section: None,
            filters: Vec::new(),
            steps: Vec::new(),
            privilege: Privilege::Any,
            requires: Vec::new(),
            terminal: false,
            setup: BTreeMap::new(),
        }
    }

    /// The command line as a student would type it to reproduce the case.
    pub fn command_line(&self, program: &str) -> String {
        let mut out = program.to_string();
        for a in &self.args {
            out.push(' ');
            out.push_str(&shell_quote(a));
        }
        out
    }
}

fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,%+@".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The case files of one lab and visibility, sorted by name, or an error per broken
/// file. A missing folder is no cases (the handout has no `hidden/`).
pub fn load_dir(dir: &Path, visibility: Visibility) -> (Vec<Case>, Vec<String>) {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (cases, errors);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        match Case::load(&p, visibility) {
            Ok(c) => cases.push(c),
            Err(e) => errors.push(e),
        }
    }
    (cases, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Case, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, text).unwrap();
        Case::load(&p, Visibility::Public)
    }

    #[test]
    fn minimal_case_gets_defaults() {
        let c = load_str("description = \"d\"\nargs = [\"ids\"]\n").unwrap();
        assert_eq!(c.points, 1);
        assert_eq!(c.deadline_ms, 10_000);
        assert_eq!(c.stderr, Stderr::Ignore);
        assert_eq!(c.leftovers, Leftovers::Forbid);
    }

    #[test]
    fn typo_in_a_field_is_an_error() {
        let e = load_str("description = \"d\"\nargs = []\npoints_ = 3\n").unwrap_err();
        assert!(e.contains("points_"), "{e}");
    }

    #[test]
    fn step_needs_exactly_one_action() {
        let e = load_str(
            "description = \"d\"\nargs = []\n[[step]]\nwrite = \"x\"\nclose_stdin = true\n",
        )
        .unwrap_err();
        assert!(e.contains("exactly one"), "{e}");
    }

    #[test]
    fn unknown_signal_is_an_error() {
        let e =
            load_str("description = \"d\"\nargs = []\n[[step]]\nsignal = \"NOPE\"\n").unwrap_err();
        assert!(e.contains("unknown signal"), "{e}");
    }

    #[test]
    fn quoting_for_the_command_line() {
        assert_eq!(shell_quote("a) b (c"), "'a) b (c'");
        assert_eq!(shell_quote("ids"), "ids");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}

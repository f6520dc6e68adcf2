//! Comparing a run with its snapshot, and saying in plain words what went wrong.
//!
//! The first failing check decides the class, in the order a student should look at
//! them: a `todo!()` reached, output flood, deadline, a step that could not happen,
//! how the program ended, what it printed, what it left behind.

use serde::Serialize;

use crate::case::{Case, Leftovers};
use crate::run::{Observation, Status};
use crate::transcript::{Transcript, signal_name, status_word};

/// The failure classes of the grader (docs/src/grading.md explains each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Class {
    BuildFailed,
    NotImplemented,
    Timeout,
    Signaled,
    Exit,
    Mismatch,
    Zombies,
    LeftoverProcesses,
    OutputLimit,
    /// More processes at once than any lab needs (a fork bomb): the case was stopped.
    ProcessLimit,
    /// The case file is broken or its snapshot is missing: the instructor's problem.
    BadCase,
    /// The grader could not run the case at all (no scratch directory, no init).
    HarnessError,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::BuildFailed => "BUILD_FAILED",
            Class::NotImplemented => "NOT_IMPLEMENTED",
            Class::Timeout => "TIMEOUT",
            Class::Signaled => "SIGNALED",
            Class::Exit => "EXIT",
            Class::Mismatch => "MISMATCH",
            Class::Zombies => "ZOMBIES",
            Class::LeftoverProcesses => "LEFTOVER_PROCESSES",
            Class::OutputLimit => "OUTPUT_LIMIT",
            Class::ProcessLimit => "PROCESS_LIMIT",
            Class::BadCase => "BAD_CASE",
            Class::HarnessError => "HARNESS_ERROR",
        }
    }
}

/// A failed check: its class, one line for the table, and the details (diff, output).
#[derive(Debug, Clone)]
pub struct Failure {
    pub class: Class,
    pub message: String,
    pub details: String,
}

impl Failure {
    fn new(class: Class, message: impl Into<String>, details: impl Into<String>) -> Failure {
        Failure {
            class,
            message: message.into(),
            details: details.into(),
        }
    }
}

/// Judges one run against the expected transcript.
pub fn judge(
    case: &Case,
    obs: &Observation,
    actual: &Transcript,
    expected: &Transcript,
) -> Option<Failure> {
    if let Some(e) = &obs.spawn_error {
        return Some(Failure::new(Class::HarnessError, e.clone(), ""));
    }
    // On a terminal the panic message is on the one stream there is.
    let messages = match obs.terminal {
        true => &obs.stdout,
        false => &obs.stderr,
    };
    let stderr = String::from_utf8_lossy(messages);
    if let Some(place) = todo_reached(&stderr) {
        return Some(Failure::new(
            Class::NotImplemented,
            format!("reached a todo!() {place}: this part is not written yet"),
            "",
        ));
    }
    if obs.output_limit {
        return Some(Failure::new(
            Class::OutputLimit,
            format!(
                "printed more than {} KiB on one stream; is something looping?",
                crate::run::OUTPUT_CAP / 1024
            ),
            tail(&String::from_utf8_lossy(&obs.stdout), 10),
        ));
    }
    if let Some(n) = obs.process_limit {
        return Some(Failure::new(
            Class::ProcessLimit,
            format!(
                "the case had {n} processes at once, more than {} allowed; does a loop fork without end (a child that goes on looping too)?",
                crate::run::WATCHDOG
            ),
            output_tails(obs),
        ));
    }
    if obs.timed_out {
        let waiting = obs
            .step_error
            .clone()
            .unwrap_or_else(|| "the program did not finish".to_string());
        return Some(Failure::new(
            Class::Timeout,
            format!(
                "stopped after the case's deadline of {} ms: {waiting}; is a process waiting for something that never comes (a pipe end left open, a child never reaped)?",
                case.deadline_ms
            ),
            output_tails(obs),
        ));
    }
    if let Some(e) = &obs.step_error {
        return Some(Failure::new(Class::Mismatch, e.clone(), output_tails(obs)));
    }
    if actual.status != expected.status {
        let (class, what) = match obs.status {
            Some(Status::Signaled { signal, .. }) => (
                Class::Signaled,
                format!("was killed by {}", signal_name(signal)),
            ),
            Some(Status::Exited(101)) => (Class::Exit, "panicked (exit 101)".to_string()),
            _ => (
                Class::Exit,
                format!("ended with {}", status_word(obs.status)),
            ),
        };
        return Some(Failure::new(
            class,
            format!("the program {what}; expected {}", expected.status),
            output_tails(obs),
        ));
    }
    let mut diffs = String::new();
    let mut names = Vec::new();
    for exp in &expected.sections {
        let got = actual
            .sections
            .iter()
            .find(|s| s.name == exp.name)
            .map(|s| s.body.as_str())
            .unwrap_or("");
        if got != exp.body {
            names.push(exp.name.clone());
            diffs.push_str(&format!("{}:\n{}", exp.name, visible_diff(&exp.body, got)));
        }
    }
    for got in &actual.sections {
        if !expected.sections.iter().any(|s| s.name == got.name) {
            names.push(got.name.clone());
            diffs.push_str(&format!("{}: not expected at all\n", got.name));
        }
    }
    if !names.is_empty() {
        return Some(Failure::new(
            Class::Mismatch,
            format!("{} differs from the reference", names.join(", ")),
            diffs,
        ));
    }
    if case.leftovers == Leftovers::Forbid && !obs.leftovers.is_empty() {
        let zombies = obs.leftovers.iter().filter(|l| l.state == 'Z').count();
        let list: String = obs
            .leftovers
            .iter()
            .map(|l| format!("  pid {} state {} {}\n", l.pid, l.state, l.comm))
            .collect();
        return Some(if zombies == obs.leftovers.len() {
            Failure::new(
                Class::Zombies,
                format!(
                    "{zombies} child process(es) were never waited for (zombies when the program exited)"
                ),
                list,
            )
        } else {
            Failure::new(
                Class::LeftoverProcesses,
                format!(
                    "{} process(es) were still there when the program exited ({zombies} of them zombies)",
                    obs.leftovers.len()
                ),
                list,
            )
        });
    }
    None
}

/// Where a todo!() panicked, from Rust's panic message:
/// `thread 'main' panicked at src/pids.rs:12:5:` then `not yet implemented: ...`.
fn todo_reached(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).copied().unwrap_or("");
        if let Some(at) = line.split(" panicked at ").nth(1)
            && next.starts_with("not yet implemented")
        {
            let hint = next
                .strip_prefix("not yet implemented: ")
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            // A scratch build puts the crate at `<n>/labs/...`: show the student's path.
            let at = at.trim_end_matches(':');
            let at = ["labs/", "solutions/"]
                .iter()
                .find_map(|side| at.find(side).map(|i| &at[i..]))
                .unwrap_or(at);
            return Some(format!("at {at}{hint}"));
        }
    }
    None
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|l| format!("  {l}\n")).collect()
}

fn output_tails(obs: &Observation) -> String {
    let mut out = String::new();
    for (name, bytes) in [("stdout", &obs.stdout), ("stderr", &obs.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        if !text.is_empty() {
            out.push_str(&format!("last lines of {name}:\n{}", tail(&text, 10)));
        }
    }
    out
}

/// Makes the invisible visible: a tab is `→`, a carriage return `␍`, trailing spaces
/// `·`, other control characters `\xNN`, and a line that lacks its newline is marked.
pub fn visible(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        let kept = body.trim_end_matches(' ');
        for c in kept.chars() {
            match c {
                '\t' => out.push('→'),
                '\r' => out.push('␍'),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push_str(&"·".repeat(body.len() - kept.len()));
        if nl {
            out.push('\n');
        } else {
            out.push_str("⌀ (no newline at end)\n");
        }
    }
    out
}

/// A unified diff of two texts with whitespace made visible: `-` is the reference,
/// `+` is the student's program.
pub fn visible_diff(expected: &str, actual: &str) -> String {
    let (e, a) = (visible(expected), visible(actual));
    let patch = diffy::DiffOptions::new()
        .set_original_filename("expected")
        .set_modified_filename("yours")
        .create_patch(&e, &a)
        .to_string();
    patch
        .lines()
        .filter(|l| !l.starts_with("--- ") && !l.starts_with("+++ "))
        .map(|l| format!("  {l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_visible() {
        assert_eq!(visible("a\tb  \n"), "a→b··\n");
        assert_eq!(visible("x"), "x⌀ (no newline at end)\n");
        assert_eq!(visible("\r\n"), "␍\n");
    }

    #[test]
    fn diff_shows_the_changed_line() {
        let d = visible_diff("pid=1\nppid=2\n", "pid=1\nppid=3 \n");
        assert!(d.contains("-ppid=2"), "{d}");
        assert!(d.contains("+ppid=3·"), "{d}");
    }

    #[test]
    fn todo_is_found_with_its_place_and_hint() {
        let err = "thread 'main' panicked at src/pids.rs:12:5:\nnot yet implemented: read /proc\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            todo_reached(err).unwrap(),
            "at src/pids.rs:12:5 (read /proc)"
        );
        assert!(todo_reached("thread 'main' panicked at x.rs:1:1:\nboom\n").is_none());
    }
}

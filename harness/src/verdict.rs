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

    /// The class in one plain sentence, for a student who has not read the grading
    /// chapter yet.
    pub fn explain(self) -> &'static str {
        match self {
            Class::BuildFailed => "the compiler rejected the lab, so none of its cases could run",
            Class::NotImplemented => {
                "your program reached a todo!() that is still waiting to be replaced by your code"
            }
            Class::Timeout => {
                "your program was still busy when the case's deadline came, so the grader stopped it"
            }
            Class::Signaled => {
                "a signal ended your program where the reference ends normally (or by another signal)"
            }
            Class::Exit => {
                "your program ended with a different exit status from the reference's (101 means it panicked)"
            }
            Class::Mismatch => {
                "your program printed something other than the reference did, or a line the grader waited for never came"
            }
            Class::Zombies => {
                "your program exited while children it started had ended but were never waited for"
            }
            Class::LeftoverProcesses => {
                "processes your program started were still alive after it exited"
            }
            Class::OutputLimit => {
                "your program printed far more than any case needs, so its output was cut off"
            }
            Class::ProcessLimit => {
                "your program made so many processes at once that the grader stopped the case"
            }
            Class::BadCase => {
                "the case itself is broken; this is not your fault, tell your instructor"
            }
            Class::HarnessError => {
                "the grader could not run the case on this machine; this is not your code's fault"
            }
        }
    }

    /// A question that often leads to the mistake behind this class, or nothing where
    /// the case's own hint says more.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            Class::BuildFailed => {
                Some("read the first compiler error from the top; later ones often follow from it")
            }
            Class::NotImplemented => Some("replace the todo!() named above with your code"),
            Class::Timeout => Some(
                "is someone waiting for something that never comes: a pipe end still open, a child never reaped, a line never printed?",
            ),
            Class::Signaled => Some(
                "did something panic in a child, or did a signal arrive that the reference handles or ignores?",
            ),
            Class::Exit => Some(
                "does every path end with the exit code the chapter asks for, and does nothing unwrap() an error?",
            ),
            Class::Zombies => {
                Some("did every child get waited for? every fork needs a waitpid in the parent")
            }
            Class::LeftoverProcesses => Some(
                "does every child end (leave or exec) and does the parent wait for it before it exits?",
            ),
            Class::OutputLimit => Some(
                "is a loop printing without end, or a child looping back into the parent's code?",
            ),
            Class::ProcessLimit => Some(
                "does a child go on looping and fork again? a child should leave() when its work is done",
            ),
            Class::Mismatch | Class::BadCase | Class::HarnessError => None,
        }
    }
}

/// A classic mistake the grader recognises in a failure, beyond its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symptom {
    /// Lines of the expected output come more often than expected: a forked child
    /// went on to run the parent's code (or a buffer was flushed twice).
    OutputTwice,
}

impl Symptom {
    pub fn explain(self) -> &'static str {
        match self {
            Symptom::OutputTwice => "lines that the reference prints once come more than once",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Symptom::OutputTwice => {
                "did the child fall into the parent's code? a child that does not exec must end with leave(), never return; and text still buffered at fork is printed by both"
            }
        }
    }
}

/// Whether `actual` repeats lines of `expected`: some non-blank expected line occurs
/// in `actual` more often than in `expected`, or a kind of line the reference prints
/// once (its first word or key: `parent` in `parent global=0`, `reaped` in
/// `reaped=3`) comes more than once, as when a child prints the parent's line with
/// its own values.
pub fn repeats_expected(expected: &str, actual: &str) -> bool {
    let count = |text: &str, line: &str| text.lines().filter(|l| *l == line).count();
    let kind = |line: &str| -> String {
        let word = line.split_whitespace().next().unwrap_or("");
        word.split('=').next().unwrap_or("").to_string()
    };
    let kinds = |text: &str, k: &str| text.lines().filter(|l| kind(l) == k).count();
    expected.lines().filter(|l| !l.trim().is_empty()).any(|l| {
        let k = kind(l);
        count(actual, l) > count(expected, l)
            || (!k.is_empty() && kinds(expected, &k) == 1 && kinds(actual, &k) > 1)
    })
}

/// A failed check: its class, one line for the table, and the details (diff, output).
#[derive(Debug, Clone)]
pub struct Failure {
    pub class: Class,
    pub message: String,
    pub details: String,
    /// A classic mistake recognised in it, if any.
    pub symptom: Option<Symptom>,
}

impl Failure {
    fn new(class: Class, message: impl Into<String>, details: impl Into<String>) -> Failure {
        Failure {
            class,
            message: message.into(),
            details: details.into(),
            symptom: None,
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
    let mut twice = false;
    for exp in &expected.sections {
        let got = actual
            .sections
            .iter()
            .find(|s| s.name == exp.name)
            .map(|s| s.body.as_str())
            .unwrap_or("");
        if got != exp.body {
            twice |= repeats_expected(&exp.body, got);
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
        let mut f = Failure::new(
            Class::Mismatch,
            format!("{} differs from the reference", names.join(", ")),
            diffs,
        );
        if twice {
            f.symptom = Some(Symptom::OutputTwice);
        }
        return Some(f);
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
    fn repeated_expected_lines_are_output_twice() {
        assert!(repeats_expected("hello\n", "hello\nhello\n"));
        assert!(repeats_expected("a\nparent x\n", "a\nparent x\nparent x\n"));
        // Different or missing lines are a plain mismatch.
        assert!(!repeats_expected("a\nb\n", "a\nc\n"));
        assert!(!repeats_expected("a\nb\n", "a\n"));
        // A line the reference prints twice may come twice.
        assert!(!repeats_expected("x\nx\n", "x\nx\n"));
        assert!(!repeats_expected("\n", "\n\n"));
        // The child falls through and prints the parent's line with its own values.
        assert!(repeats_expected(
            "child global=5\nparent global=0\n",
            "child global=5\nparent global=5\nparent global=0\n"
        ));
        // A list the reference prints several times may be longer or shorter.
        assert!(!repeats_expected(
            "pid=<P1>\npid=1\n",
            "pid=<P1>\npid=<P2>\npid=1\n"
        ));
    }

    #[test]
    fn every_class_has_a_sentence() {
        for c in [
            Class::BuildFailed,
            Class::NotImplemented,
            Class::Timeout,
            Class::Signaled,
            Class::Exit,
            Class::Mismatch,
            Class::Zombies,
            Class::LeftoverProcesses,
            Class::OutputLimit,
            Class::ProcessLimit,
            Class::BadCase,
            Class::HarnessError,
        ] {
            assert!(c.explain().len() > 20, "{c:?}");
        }
        assert!(Class::Zombies.hint().unwrap().contains("waited for"));
    }

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

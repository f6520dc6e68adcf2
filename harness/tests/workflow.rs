//! The student's commands (`proclab hint|watch|progress|reset`), on small repositories
//! made in temporary folders: their contract for people (exit 2 and one line on bad
//! input) and each one's failure paths. The fake repositories have no Cargo.toml, so
//! a lab that gets built fails at once with BUILD_FAILED and nothing slow runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

const LABS: &str = r#"
[[lab]]
number = 1
name = "pids"
title = "Processes and their IDs"

[[lab]]
number = 2
name = "exec"
title = "Running a new program with exec"
"#;

const STUB: &str =
    "pub fn ids() {\n    // BEGIN STUDENT CODE\n    todo!()\n    // END STUDENT CODE\n}\n";

const HINTS: &str = r#"
[[hint]]
level = 1
text = "first: think about it"
[[hint]]
level = 3
text = "third: the answer"
[[hint]]
level = 2
text = "second: closer"
"#;

const CASE: &str = r#"
description = "pid and ppid agree with the kernel"
args = ["ids"]
hint = "Ask getppid, not getpid."
section = "01-pids.md#task-ids"
"#;

/// A proclab-shaped repository: the list of labs, two stubs, one public case of pids,
/// committed (unless `git` is false).
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(git: bool) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let r = Repo { dir };
        r.write("harness/labs.toml", LABS);
        r.write("labs/01-pids/src/pids.rs", STUB);
        r.write("labs/02-exec/src/exec.rs", STUB);
        r.write("harness/cases/pids/ids.toml", CASE);
        if git {
            r.git(&["init", "-q", "-b", "main"]);
            r.commit("stubs");
        }
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    fn git(&self, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(self.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(args)
            .status()
            .unwrap();
        assert!(ok.success(), "git {args:?}");
    }

    fn commit(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
    }

    fn proclab(&self) -> Command {
        let mut c = Command::cargo_bin("proclab").unwrap();
        c.arg("--root").arg(self.path());
        c
    }
}

fn stdout(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// Exit 2 with exactly one line on stderr that contains `what`.
fn one_line_error(cmd: &mut Command, what: &str) {
    let out = cmd.assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(what), "{what:?} not in {stderr}");
}

// ---------------------------------------------------------------------------- hint

#[test]
fn hint_levels_advance_stay_on_the_last_and_can_be_chosen() {
    let r = Repo::new(true);
    r.write("harness/hints/pids.toml", HINTS);
    for want in ["hint 1 of 3", "hint 2 of 3", "hint 3 of 3", "hint 3 of 3"] {
        let out = r.proclab().args(["hint", "pids"]).assert().success();
        assert!(stdout(&out).contains(want), "{want}: {}", stdout(&out));
    }
    r.proclab()
        .args(["hint", "01", "1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("first: think about it")
                .and(predicate::str::contains("more specific")),
        );
    // Asking for level 1 is remembered: the next one is level 2.
    r.proclab()
        .args(["hint", "01-pids"])
        .assert()
        .success()
        .stdout(predicate::str::contains("second: closer"));
    r.proclab()
        .args(["hint", "pids", "3"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("third: the answer")
                .and(predicate::str::contains("most specific")),
        );
}

#[test]
fn hint_bad_input_is_one_line_and_exit_2() {
    let r = Repo::new(true);
    r.write("harness/hints/pids.toml", HINTS);
    one_line_error(
        r.proclab().args(["hint", "pids", "4"]),
        "there is no level 4",
    );
    one_line_error(r.proclab().args(["hint", "pids", "0"]), "'0'");
    one_line_error(r.proclab().args(["hint", "pids", "two"]), "'two'");
    one_line_error(
        r.proclab().args(["hint", "nosuch"]),
        "unknown lab \"nosuch\"",
    );
    one_line_error(r.proclab().arg("hint"), "LAB");
    r.write(
        "harness/hints/pids.toml",
        "[[hint]]\nlevel = 2\ntext = \"x\"\n",
    );
    one_line_error(r.proclab().args(["hint", "pids"]), "hints/pids.toml");
}

#[test]
fn hint_without_a_file_comes_from_the_first_failing_case() {
    let r = Repo::new(true);
    let levels = [
        "pid and ppid agree with the kernel",
        "Ask getppid, not getpid.",
        "docs/src/01-pids.md#task-ids",
    ];
    for (i, want) in levels.iter().enumerate() {
        let out = r.proclab().args(["hint", "pids"]).assert().success();
        let text = stdout(&out);
        assert!(text.contains(&format!("hint {} of 3", i + 1)), "{text}");
        assert!(text.contains("first failing case"), "{text}");
        assert!(text.contains(want), "{want}: {text}");
    }
    let out = r.proclab().args(["hint", "pids", "3"]).assert().success();
    assert!(
        stdout(&out).contains("cargo run -q -p pids -- ids"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn hint_still_shows_when_the_level_cannot_be_remembered() {
    let r = Repo::new(true);
    r.write("harness/hints/pids.toml", HINTS);
    r.write(".proclab", "a file where the folder should be");
    r.proclab()
        .args(["hint", "pids"])
        .assert()
        .success()
        .stdout(predicate::str::contains("first: think about it"))
        .stderr(predicate::str::contains("could not remember"));
}

// ------------------------------------------------------------------------ progress

#[test]
fn progress_tells_untouched_from_started_and_says_what_next() {
    let r = Repo::new(true);
    let out = r.proclab().arg("progress").assert().success();
    let text = stdout(&out);
    assert!(
        text.contains("01-pids") && text.contains("untouched"),
        "{text}"
    );
    assert!(text.contains("next: just check pids"), "{text}");

    r.write("labs/02-exec/src/exec.rs", "pub fn ids() { /* mine */ }\n");
    let out = r
        .proclab()
        .args(["progress", "--format", "json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["labs"][0]["state"], "untouched", "{v}");
    assert_eq!(v["labs"][1]["state"], "started", "{v}");
    assert_eq!(v["next"]["command"], "just check exec", "{v}");
}

#[test]
fn progress_says_a_missing_file_is_reset_and_skips_absent_labs() {
    let r = Repo::new(true);
    std::fs::remove_file(r.path().join("labs/01-pids/src/pids.rs")).unwrap();
    r.write(
        "harness/labs.toml",
        &format!("{LABS}\n[[lab]]\nnumber = 7\nname = \"later\"\ntitle = \"Not here yet\"\n"),
    );
    let out = r.proclab().arg("progress").assert().success();
    let text = stdout(&out);
    assert!(text.contains("missing"), "{text}");
    assert!(text.contains("next: just reset pids"), "{text}");
    assert!(!text.contains("07-later"), "{text}");
}

#[test]
fn progress_without_git_says_it_cannot_compare() {
    let r = Repo::new(false);
    let out = r.proclab().arg("progress").assert().success();
    assert!(
        stdout(&out).contains("note: cannot compare with the stubs"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn progress_bad_input_is_one_line_and_exit_2() {
    let r = Repo::new(true);
    one_line_error(r.proclab().args(["progress", "--format", "xml"]), "'xml'");
    let empty = tempfile::tempdir().unwrap();
    one_line_error(
        Command::cargo_bin("proclab")
            .unwrap()
            .args(["progress", "--root"])
            .arg(empty.path()),
        "not a proclab checkout",
    );
    r.write("harness/labs.toml", "[[lab]]\nnumber = \"one\"\n");
    one_line_error(r.proclab().arg("progress"), "labs.toml");
}

// --------------------------------------------------------------------------- reset

#[test]
fn reset_backs_up_the_students_file_then_restores_the_first_commits_stub() {
    let r = Repo::new(true);
    // The student's own commit: HEAD now holds their work, the root commit the stub.
    r.write("labs/01-pids/src/pids.rs", "committed work\n");
    r.commit("my work");
    r.write("labs/01-pids/src/pids.rs", "latest work\n");
    let out = r.proclab().args(["reset", "pids"]).assert().success();
    let text = stdout(&out);
    assert!(text.contains("the first commit"), "{text}");
    assert!(
        text.contains("to undo: cp .proclab/backups/01-pids/pids.rs."),
        "{text}"
    );
    assert_eq!(r.read("labs/01-pids/src/pids.rs"), STUB);
    let backups: Vec<PathBuf> = std::fs::read_dir(r.path().join(".proclab/backups/01-pids"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(
        std::fs::read_to_string(&backups[0]).unwrap(),
        "latest work\n"
    );

    // Again: nothing to do, no second backup.
    r.proclab()
        .args(["reset", "pids"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to do"));
    assert_eq!(
        std::fs::read_dir(r.path().join(".proclab/backups/01-pids"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn reset_refuses_when_no_backup_can_be_written() {
    let r = Repo::new(true);
    r.write("labs/01-pids/src/pids.rs", "precious work\n");
    r.write(".proclab", "a file where the folder should be");
    one_line_error(
        r.proclab().args(["reset", "pids"]),
        "no backup could be written",
    );
    assert_eq!(r.read("labs/01-pids/src/pids.rs"), "precious work\n");
}

#[test]
fn reset_brings_back_a_deleted_file() {
    let r = Repo::new(true);
    std::fs::remove_file(r.path().join("labs/02-exec/src/exec.rs")).unwrap();
    r.proclab()
        .args(["reset", "exec"])
        .assert()
        .success()
        .stdout(predicate::str::contains("there was no"));
    assert_eq!(r.read("labs/02-exec/src/exec.rs"), STUB);
}

#[test]
fn reset_failures_name_the_problem() {
    let no_git = Repo::new(false);
    no_git.write("labs/01-pids/src/pids.rs", "work\n");
    one_line_error(no_git.proclab().args(["reset", "pids"]), "no git history");
    assert_eq!(no_git.read("labs/01-pids/src/pids.rs"), "work\n");

    let r = Repo::new(true);
    r.write("labs/01-pids/src/pids.rs", "work\n");
    let empty = tempfile::tempdir().unwrap();
    one_line_error(
        r.proclab()
            .args(["reset", "pids"])
            .env("PATH", empty.path()),
        "cannot run git",
    );
    assert_eq!(r.read("labs/01-pids/src/pids.rs"), "work\n");

    r.write("labs/03-fork/src/fork.rs", "never committed\n");
    r.write(
        "harness/labs.toml",
        &format!("{LABS}\n[[lab]]\nnumber = 3\nname = \"fork\"\ntitle = \"t\"\n"),
    );
    one_line_error(
        r.proclab().args(["reset", "fork"]),
        "in neither the first commit nor HEAD",
    );
    one_line_error(r.proclab().args(["reset", "nosuch"]), "unknown lab");
    one_line_error(r.proclab().arg("reset"), "LAB");
}

// --------------------------------------------------------------------------- watch

/// A running `proclab watch` whose stdout lines arrive on a channel.
struct Watching {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: String,
}

impl Watching {
    fn start(r: &Repo, extra: &[&str]) -> Watching {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_proclab"))
            .arg("--root")
            .arg(r.path())
            .args(["watch", "pids", "--debounce-ms", "50"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watching {
            child,
            lines,
            seen: String::new(),
        }
    }

    /// Reads lines until one contains `what`, for at most a minute (a loaded machine).
    fn until(&mut self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if line.contains(what) {
                        return;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no line with {what:?} in time; got:\n{}", self.seen);
                }
            }
        }
    }

    /// Ctrl-C: the watch says so and exits 0.
    fn interrupt(mut self) -> String {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        self.until("stopped watching");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "watch did not exit after Ctrl-C");
            std::thread::park_timeout(Duration::from_millis(20));
        };
        assert!(status.success(), "{status:?}");
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rerun_on_save(extra: &[&str], backend: &str) {
    let r = Repo::new(true);
    let mut w = Watching::start(&r, extra);
    w.until("run 1");
    w.until("watching labs/01-pids");
    assert!(w.seen.contains(backend), "{backend}: {}", w.seen);
    r.write("labs/01-pids/src/pids.rs", "pub fn ids() {}\n");
    w.until("run 2 after a change to src/pids.rs");
    w.until("watching labs/01-pids");
    let seen = w.interrupt();
    assert!(!seen.contains("run 3"), "one save, one run:\n{seen}");
    // Not a terminal: no screen clearing in the output.
    assert!(!seen.contains('\u{1b}'), "{seen}");
}

#[test]
fn watch_reruns_the_check_on_save_with_file_events() {
    rerun_on_save(&[], "(file events)");
}

#[test]
fn watch_reruns_the_check_on_save_when_polling() {
    rerun_on_save(&["--poll", "--interval-ms", "50"], "polling every 50 ms");
}

#[test]
fn watch_bad_input_is_one_line_and_exit_2() {
    let r = Repo::new(true);
    one_line_error(r.proclab().args(["watch", "nosuch"]), "unknown lab");
    one_line_error(
        r.proclab().args(["watch", "pids", "--interval-ms", "0"]),
        "'0'",
    );
    std::fs::remove_dir_all(r.path().join("labs/02-exec")).unwrap();
    one_line_error(
        r.proclab().args(["watch", "exec"]),
        "labs/02-exec does not exist",
    );
}

// ------------------------------------------------------------------------- handout

/// The commands work in the students' repository: no solutions, no hidden cases, a
/// history of its own whose first commit holds the stubs.
#[test]
fn the_commands_work_inside_a_handout() {
    let root = proclab_harness::repo_root();
    if !root.join("harness/handout").is_dir() {
        return; // this is a handout already: there are no templates to make one from
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("handout");
    proclab_harness::handout::make_handout(&root, &dest).unwrap();
    assert!(!dest.join("solutions").exists());
    assert!(
        !dest.join("harness/tests/stubs.rs").exists(),
        "a student's work may warn"
    );
    assert!(dest.join("harness/hints/fork.toml").is_file());
    assert!(dest.join(".devcontainer/devcontainer.json").is_file());
    let run = |args: &[&str]| {
        let mut c = Command::cargo_bin("proclab").unwrap();
        c.arg("--root").arg(&dest).args(args);
        c.assert().success()
    };
    let out = run(&["progress", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        v["labs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["state"] == "untouched"),
        "{v}"
    );
    assert_eq!(v["next"]["command"], "just check pids", "{v}");
    run(&["hint", "fork"]).stdout(predicate::str::contains("hint 1 of 3"));
    let file = dest.join("labs/03-fork/src/fork.rs");
    let stub = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, "my attempt\n").unwrap();
    run(&["reset", "fork"]).stdout(predicate::str::contains("the first commit"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stub);
}

/// From a fresh handout to a passing lab: the reference's student file in place of
/// the stub makes the lab pass, and `progress` sends the student on to the next one.
#[test]
fn a_finished_lab_shows_as_passing_and_the_next_one_is_named() {
    let root = proclab_harness::repo_root();
    if !root.join("harness/handout").is_dir() || !root.join("solutions/01-pids").is_dir() {
        return; // a handout has neither templates nor solutions
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("handout");
    proclab_harness::handout::make_handout(&root, &dest).unwrap();
    std::fs::copy(
        root.join("solutions/01-pids/src/pids.rs"),
        dest.join("labs/01-pids/src/pids.rs"),
    )
    .unwrap();
    // A target of its own: the handout's lab binaries have the same names as this
    // workspace's, and tests running beside this one use those.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("proclab-handout-tests");
    let out = Command::cargo_bin("proclab")
        .unwrap()
        .arg("--root")
        .arg(&dest)
        .args(["progress", "--format", "json"])
        .env("CARGO_TARGET_DIR", &target)
        .timeout(Duration::from_secs(600))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["labs"][0]["state"], "passes", "{v}");
    assert_eq!(v["labs"][0]["score"], v["labs"][0]["max_score"], "{v}");
    assert_eq!(v["labs"][1]["state"], "untouched", "{v}");
    assert_eq!(v["next"]["command"], "just check exec", "{v}");
}

//! The proclab grader, read top-down:
//!
//! - [`labs`]: the list of labs (data in `harness/labs.toml`) and their names;
//! - [`case`]: the case files (data in `harness/cases/` and `harness/hidden/`);
//! - [`build`]: cargo builds the labs, one failure never stopping the others;
//! - [`contain`]: how cases are contained here (the tier), and how one case runs;
//! - [`run`]: one case, contained, below a per-case [`init`], with its steps, output
//!   caps and deadline; [`scratch`] prepares its directory, [`userns`] maps its ids,
//!   [`proctree`] reads /proc for it;
//! - [`normalize`] and [`transcript`]: one run as the text a snapshot stores;
//! - [`verdict`]: compare with the snapshot and name the failure;
//! - [`grade`]: all of it for the chosen labs, cases in parallel;
//! - [`report`]: the table and the JSON;
//! - [`submission`] and [`class`]: grading other checkouts, one or a whole class;
//! - [`handout`]: the students' repository and the Gradescope autograder;
//! - [`bugs`]: the bug fixtures that prove the cases catch wrong solutions;
//! - the student's own commands (the `proclab` binary): [`hints`], [`watch`],
//!   [`progress`] and [`reset`], with [`stub`] (the pristine stubs, from git) and
//!   [`state`] (what they remember, in `.proclab/`).

pub mod bugs;
pub mod build;
pub mod case;
pub mod class;
pub mod contain;
pub mod grade;
pub mod handout;
pub mod hints;
pub mod init;
pub mod labs;
pub mod normalize;
pub mod proctree;
pub mod progress;
pub mod report;
pub mod reset;
pub mod run;
pub mod scratch;
pub mod state;
pub mod stub;
pub mod submission;
pub mod transcript;
pub mod userns;
pub mod verdict;
pub mod watch;

use std::path::PathBuf;

/// The repository this grader belongs to (the parent of the harness crate).
pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Makes the grading process a child subreaper, so that if a case's init is ever
/// killed, what it leaves is re-parented to the grader and not to PID 1, and the
/// grader's own sweep at exit ([`sweep_children`]) still finds it.
pub fn become_subreaper() {
    let _ = nix::sys::prctl::set_child_subreaper(true);
}

/// Kills and reaps any child the grader still has (there should be none).
pub fn sweep_children() {
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let me = nix::unistd::getpid();
    for pid in proctree::children(me) {
        let _ = kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
    }
    while let Ok(status) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
        if status == nix::sys::wait::WaitStatus::StillAlive {
            break;
        }
    }
}

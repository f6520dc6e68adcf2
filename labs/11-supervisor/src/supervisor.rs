//! STUDENT FILE for lab 11 supervisor: this is the only file you edit.
//!
//! A supervisor is a parent by profession: it starts programs, notices when
//! they end, decides whether to start them again, and, when it is told to
//! stop, makes sure that nothing it started outlives it. Everything in the
//! earlier labs meets here: fork and exec, process groups, waiting, signals
//! and pipes.
//!
//! The driver (src/main.rs) reads the configuration, runs the event loop,
//! keeps the time and prints every line; it is not yours to change. You write
//! the pieces it calls, between the `// BEGIN STUDENT CODE` and
//! `// END STUDENT CODE` lines; the stub has a `todo!()` there whose message
//! is a hint. The chapter docs/src/11-supervisor.md explains each task and
//! the exact output the grader expects.
//!
//! The `use` lines that only your code needs go inside your regions (at the
//! top of a function body), so the stub compiles without unused imports. The
//! helpers outside the regions ([`Sh`], [`wait_signal`], [`Ended::of`]) are
//! yours to call.

use std::ffi::{CString, OsString};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// How a child ended, as the driver prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code: `code=N`.
    Code(i32),
    /// This signal killed it: `signal=SIGNAME`.
    Signal(Signal),
}

impl Ended {
    /// The pid and the ending in a status from nix's `waitpid`, or `None` when
    /// the status is not an ending (a stop, a continue, `StillAlive`).
    pub fn of(status: WaitStatus) -> Option<(Pid, Ended)> {
        match status {
            WaitStatus::Exited(pid, code) => Some((pid, Ended::Code(code))),
            WaitStatus::Signaled(pid, signal, _) => Some((pid, Ended::Signal(signal))),
            _ => None,
        }
    }
}

/// A shell command ready to be run as `/bin/sh -c CMD`, with every string
/// the exec needs already built.
///
/// Build it before you fork: between fork and exec the child should do as
/// little as it can (no allocation, no locks), and all [`Sh::exec`] does is
/// call execve(2) with what is here.
#[allow(dead_code, reason = "the stub execs nothing yet: your spawn does")]
pub struct Sh {
    path: CString,
    argv: Vec<CString>,
    env: Vec<CString>,
}

impl Sh {
    /// `/bin/sh -c cmd`, with this process's environment plus `extra`
    /// (an `extra` name replaces the inherited variable of that name).
    pub fn new(cmd: &str, extra: &[(&str, String)]) -> Sh {
        let cstring = |bytes: Vec<u8>| {
            // A NUL cannot be in a command line or a variable: drop any.
            let bytes: Vec<u8> = bytes.into_iter().filter(|&b| b != 0).collect();
            CString::new(bytes).expect("NUL bytes were removed")
        };
        let mut env: Vec<CString> = std::env::vars_os()
            .filter(|(name, _)| !extra.iter().any(|(n, _)| name == n))
            .map(|(name, value)| {
                let mut pair: OsString = name;
                pair.push("=");
                pair.push(value);
                cstring(pair.into_vec())
            })
            .collect();
        for (name, value) in extra {
            env.push(cstring(format!("{name}={value}").into_bytes()));
        }
        Sh {
            path: c"/bin/sh".to_owned(),
            argv: vec![
                c"sh".to_owned(),
                c"-c".to_owned(),
                cstring(cmd.as_bytes().to_vec()),
            ],
            env,
        }
    }

    /// In a forked child: become the shell. Never returns: if execve(2)
    /// fails, say so on stderr and leave with 127, as a shell does for a
    /// command it cannot run.
    #[allow(dead_code, reason = "the stub execs nothing yet: your spawn does")]
    pub fn exec(&self) -> ! {
        let errno = match nix::unistd::execve(&self.path, &self.argv, &self.env) {
            Err(errno) => errno,
            Ok(never) => match never {},
        };
        // Only async-signal-safe calls here: a fixed message and write(2).
        let msg: &[u8] = match errno {
            Errno::ENOENT => b"supervisor: /bin/sh: no such file\n",
            _ => b"supervisor: cannot exec /bin/sh\n",
        };
        let _ = nix::unistd::write(std::io::stderr(), msg);
        child_exit()
    }
}

/// Leave a forked child at once with status 127, running nothing of the
/// parent's on the way out: no destructors, no exit handlers, no flush of
/// buffered output that belongs to the parent (_exit(2)).
#[allow(dead_code, reason = "the stub forks nothing yet: your spawn does")]
pub fn child_exit() -> ! {
    // SAFETY: _exit ends the process on the spot; nothing is left to be
    // unsafe about.
    unsafe { libc::_exit(127) }
}

/// Block until one of the signals `signals` was made for is pending, or
/// until `timeout` has passed (`None`: no timeout), then take every pending
/// one off the signalfd and return them (empty after a timeout).
///
/// One SIGCHLD may stand for several children: the kernel does not queue a
/// second SIGCHLD while the first is pending. So a SIGCHLD in the list means
/// "reap until there is nothing left", never "reap one".
pub fn wait_signal(signals: &SignalFd, timeout: Option<Duration>) -> nix::Result<Vec<Signal>> {
    let timeout = match timeout {
        None => PollTimeout::NONE,
        // Round up: a timeout rounded down to 0 ms would spin until the due
        // time instead of sleeping until it.
        Some(d) => {
            let ms = d.as_micros().div_ceil(1000);
            PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
        }
    };
    let mut fds = [PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
    match poll(&mut fds, timeout) {
        Ok(_) | Err(Errno::EINTR) => {}
        Err(errno) => return Err(errno),
    }
    let mut got = Vec::new();
    while let Some(info) = signals.read_signal()? {
        if let Ok(signal) = Signal::try_from(info.ssi_signo as i32) {
            got.push(signal);
        }
    }
    Ok(got)
}

/// The restart rules of one program, from its configuration.
#[derive(Debug, Clone, Copy)]
#[allow(dead_code, reason = "the stub reads no policy yet: your decide does")]
pub struct Policy {
    /// How many times it may be restarted in all; at the next end after
    /// that, the supervisor gives up on it.
    pub restarts: u32,
    /// The delay before the restart that follows a first quick crash.
    pub backoff: Duration,
    /// The delay never grows beyond this.
    pub max_backoff: Duration,
    /// A run shorter than this is a quick crash; a run at least this long
    /// was a real run.
    pub min_uptime: Duration,
}

/// What the supervisor remembers about one program's past runs. The driver
/// keeps one per program, starting from `History::default()`; only
/// [`decide`] changes it.
#[derive(Debug, Clone, Copy, Default)]
#[allow(dead_code, reason = "the stub keeps no streak yet: your decide does")]
pub struct History {
    /// How many restarts have been granted so far.
    pub restarts: u32,
    /// How many quick crashes in a row ended the latest runs.
    pub quick: u32,
}

/// What to do about a program that has just ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub makes no decision yet: your decide does")]
pub enum Decision {
    /// Start it again once this delay has passed.
    Restart(Duration),
    /// It has had all its restarts: leave it stopped.
    GiveUp,
}

/// What [`stop`] did.
#[derive(Debug, Clone, Default)]
#[allow(dead_code, reason = "the stub stops nothing yet: your stop does")]
pub struct Stopped {
    /// Every child reaped while stopping, as (pid, how it ended), in the
    /// order they were reaped: the group leaders, and whatever else was
    /// reaped on the way (the driver sorts them out).
    pub reaped: Vec<(Pid, Ended)>,
    /// The groups that were still there when the grace period ran out and
    /// got SIGKILL, in the order of `groups`.
    pub killed: Vec<Pid>,
}

/// One worker of the pool: its WORKER_ID and the pid now running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Worker {
    pub id: usize,
    pub pid: Pid,
}

/// How the two sides of [`run_pipe`] ended, each with its pid.
#[derive(Debug, Clone, Copy)]
pub struct Piped {
    pub first: (Pid, Ended),
    pub last: (Pid, Ended),
}

/// Prepare the supervisor for its event loop, and return the signalfd the
/// loop waits on.
///
/// 1. Become a child subreaper (prctl(2), PR_SET_CHILD_SUBREAPER): a
///    grandchild whose parent dies is then handed to us, so that its death
///    too is a SIGCHLD here and we can tell when a process group is empty.
/// 2. Block SIGCHLD, SIGTERM and SIGINT (sigprocmask(2); nix's
///    `SigSet::thread_block`). Blocked, they stay pending instead of being
///    delivered, and a signalfd reads pending signals.
/// 3. Make a signalfd(2) for those three, with `SFD_NONBLOCK` (the driver
///    reads until it is empty) and `SFD_CLOEXEC` (no program inherits it).
pub fn setup() -> nix::Result<SignalFd> {
    // BEGIN STUDENT CODE
    todo!(
        "become a child subreaper (prctl), block SIGCHLD, SIGTERM and SIGINT (SigSet::thread_block), then SignalFd::with_flags for them: sigprocmask(2), signalfd(2)"
    )
    // END STUDENT CODE
}

/// Called in every child between fork and exec: undo what the supervisor
/// changed that would survive the exec.
///
/// Caught signals are reset by execve(2) by themselves, but an ignored
/// signal stays ignored and the signal mask stays as it is. Rust's runtime
/// ignores SIGPIPE in every Rust program: put it back to SIG_DFL
/// (sigaction(2)), or a `yes` writing into a closed pipe gets EPIPE errors
/// instead of dying quietly. And empty the mask (the supervisor blocked
/// SIGCHLD, SIGTERM and SIGINT), or the program cannot be stopped with
/// SIGTERM.
#[allow(
    dead_code,
    reason = "the stub forks nothing yet: your spawn and run_pipe call it"
)]
pub fn child_defaults() -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!(
        "put SIGPIPE back to SIG_DFL (sigaction(2)) and empty the signal mask (SigSet::thread_set_mask): both survive exec"
    )
    // END STUDENT CODE
}

/// Start `sh` in a child that leads a process group of its own, and return
/// its pid (which is then also the group's id).
///
/// fork(2); in the child: setpgid(0, 0), [`child_defaults`], [`Sh::exec`]
/// (if anything fails before the exec, leave with [`child_exit`]: never let
/// the child return into the supervisor's code). In the parent: setpgid
/// for the child as well, so that the group exists as soon as `spawn`
/// returns, whichever of the two runs first (EACCES: the child has already
/// exec'd, and so has already done it itself; that is fine).
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn spawn(sh: &Sh) -> nix::Result<Pid> {
    // BEGIN STUDENT CODE
    todo!(
        "fork(2); child: setpgid(0, 0), child_defaults, sh.exec(); parent: setpgid(child, child) as well (EACCES is fine)"
    )
    // END STUDENT CODE
}

/// Reap every child that has ended, without blocking, and return them as
/// (pid, how it ended) in the order the kernel gave them.
///
/// waitpid(-1, WNOHANG) again and again (nix's `waitpid` with
/// `Some(WaitPidFlag::WNOHANG)`): `StillAlive` means that none is left to
/// reap just now, ECHILD that there is no child at all; both end the sweep.
/// EINTR: call again. [`Ended::of`] turns a status into the pair.
pub fn reap() -> nix::Result<Vec<(Pid, Ended)>> {
    // BEGIN STUDENT CODE
    todo!(
        "waitpid(-1, WNOHANG) until StillAlive or ECHILD, retrying EINTR; Ended::of turns each status into (pid, Ended)"
    )
    // END STUDENT CODE
}

/// A program has ended after running for `uptime`: decide whether to start
/// it again, and after how long. Update `history`.
///
/// - If it has already had `policy.restarts` restarts: give up.
/// - Otherwise this is one more restart. A run of at least
///   `policy.min_uptime` was a real run: the quick-crash streak is over,
///   restart at once (delay zero). A shorter run is one more quick crash in
///   a row: the n-th in a row waits `backoff * 2^(n-1)` (so 1x, 2x, 4x...),
///   never more than `max_backoff`.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn decide(policy: &Policy, history: &mut History, uptime: Duration) -> Decision {
    // BEGIN STUDENT CODE
    todo!(
        "give up once policy.restarts restarts are used; a run of min_uptime or more restarts at once and ends the streak; the n-th quick crash in a row waits backoff * 2^(n-1), at most max_backoff"
    )
    // END STUDENT CODE
}

/// Stop the process groups `groups` (each the pgid of a program, which is
/// its leader's pid): nothing in them may be left running, and nothing may
/// be left unreaped.
///
/// 1. SIGTERM to each whole group (killpg(2)), not only to its leader: the
///    program's own children must hear it too. ESRCH (the group is gone
///    already) is not an error.
/// 2. Until the grace period has passed: reap what has ended ([`reap`]),
///    and if every group is empty, stop here. A group is empty when
///    killpg(group, 0) (nix: `killpg(group, None)`) fails with ESRCH; a
///    zombie still counts as a member, so reap first, then look. Otherwise
///    wait for the next signal ([`wait_signal`]) with the time that is left
///    as the timeout; never sleep.
/// 3. The groups that are still not empty get SIGKILL: they are `killed`.
/// 4. Then reap and wait again (no timeout now) until every group is empty.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn stop(groups: &[Pid], grace: Duration, signals: &SignalFd) -> nix::Result<Stopped> {
    // BEGIN STUDENT CODE
    todo!(
        "killpg(2) SIGTERM to every group; reap and wait_signal until every group is empty (killpg(g, None) fails with ESRCH) or the grace is over; SIGKILL the groups left; reap until they are empty too"
    )
    // END STUDENT CODE
}

/// Start worker `id` of the pool: [`spawn`] `cmd` with `WORKER_ID=id` added
/// to its environment.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn start_worker(cmd: &str, id: usize) -> nix::Result<Pid> {
    // BEGIN STUDENT CODE
    todo!("spawn an Sh whose extra environment is WORKER_ID=id")
    // END STUDENT CODE
}

/// The child `dead` has ended. If it was one of the pool's workers, start a
/// replacement with the same id in its place, and return the new worker;
/// if it was not a worker (an orphan that was handed to us, say), change
/// nothing and return `None`.
///
/// The pool always holds exactly one worker per id 0..N-1, in id order:
/// replace in place, never add or remove.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
#[allow(
    clippy::ptr_arg,
    reason = "the pool's length is the number of workers: a Vec lets a wrong answer change it"
)]
pub fn replace_worker(pool: &mut Vec<Worker>, dead: Pid, cmd: &str) -> nix::Result<Option<Worker>> {
    // BEGIN STUDENT CODE
    todo!(
        "find the worker whose pid is `dead`; start a new one with the same id, in that same slot"
    )
    // END STUDENT CODE
}

/// Run `first | last`: the first's stdout is the write end of one pipe(2),
/// the last's stdin its read end. Wait for both (by pid) and return how
/// each ended.
///
/// In each child: [`child_defaults`] (a `yes` must die of SIGPIPE when its
/// reader is gone), dup2(2) its end onto fd 1 or 0, then close BOTH
/// original ends before [`Sh::exec`]. In the parent: close both ends as
/// soon as the two children are forked, then wait. Every copy of the write
/// end that stays open keeps the reader from ever seeing end of file; every
/// copy of the read end keeps the writer from ever getting SIGPIPE. (nix's
/// `pipe` does not set close-on-exec: an end you forget goes into the new
/// program.)
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn run_pipe(first: &Sh, last: &Sh) -> nix::Result<Piped> {
    // BEGIN STUDENT CODE
    todo!(
        "pipe(2); fork the writer (dup2 onto fd 1) and the reader (dup2 onto fd 0), each closing both original ends; close both in the parent too; waitpid(2) each by pid"
    )
    // END STUDENT CODE
}

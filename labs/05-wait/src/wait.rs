//! STUDENT FILE for lab 05 wait: this is the only file you edit.
//!
//! A child that ends leaves a little record behind in the kernel: its pid,
//! and one word (the "status") saying how it ended. The record stays, as a
//! zombie, until the parent collects it with one of the wait calls. The same
//! calls also tell the parent when a child is stopped by a signal and when it
//! is continued again. In this file you decode that status word, wait for the
//! right child with the right flags, look at a zombie through /proc, reap
//! many children without blocking, and collect an orphan that was handed to
//! you because you asked to be a child subreaper.
//!
//! The driver (src/main.rs) forks the children, sends the signals, and prints
//! every line; it is not yours to change. You write only what sits between
//! the `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines; the stub has a
//! `todo!()` there whose message is a hint. The chapter docs/src/05-wait.md
//! explains each task and the exact output the grader expects.
//!
//! The `use` lines that only your code needs go inside your regions (for
//! example `use nix::sys::wait::{Id, waitid};` at the top of a function
//! body), so the stub compiles without unused imports.

use std::io;

use libc::c_int;
use nix::errno::Errno;
use nix::sys::wait::WaitPidFlag;
use nix::unistd::Pid;

/// What one status word says about a child, as [`decode`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no Outcome yet: your decode does")]
pub enum Outcome {
    /// It ended by calling exit or _exit, or by returning from main, with
    /// this code (0 to 255): WIFEXITED, WEXITSTATUS.
    Exited { code: i32 },
    /// A signal ended it: WIFSIGNALED, WTERMSIG. `core` is WCOREDUMP: the
    /// kernel wrote a core dump as it died.
    Signaled { signal: i32, core: bool },
    /// A signal stopped it (it is still there, frozen): WIFSTOPPED,
    /// WSTOPSIG. Reported only to a wait with WUNTRACED.
    Stopped { signal: i32 },
    /// SIGCONT woke it after a stop: WIFCONTINUED. Reported only to a wait
    /// with WCONTINUED.
    Continued,
}

/// Whether the parent still has children after a [`reap_available`] sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no Left yet: your sweep does")]
pub enum Left {
    /// waitpid with WNOHANG returned 0: children remain, none has changed.
    Running,
    /// waitpid failed with ECHILD: there is no child left to wait for.
    NoChildren,
}

/// What one sweep of [`reap_available`] collected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no Sweep yet: your sweep does")]
pub struct Sweep {
    /// Every child reaped in this sweep, as (pid, raw status), in the order
    /// the kernel returned them.
    pub reaped: Vec<(Pid, c_int)>,
    /// Why the sweep stopped.
    pub left: Left,
}

/// One call of waitpid(2), answered exactly as the kernel answers: the pid
/// it returned and the raw status word it filled in. Yours to call.
///
/// `pid` is the child to wait for, or `Pid::from_raw(-1)` for "any child of
/// mine" (which is all that wait(2) can do). `flags` is
/// `WaitPidFlag::empty()` for a plain blocking wait, or any of `WNOHANG`,
/// `WUNTRACED`, `WCONTINUED` combined with `|`. With `WNOHANG`, when no
/// child has anything to report the call returns at once with pid 0.
///
/// Nothing is retried: if a signal handler runs while the call is blocked,
/// you get `Err(Errno::EINTR)`, exactly as from nix's `waitpid`. (nix's
/// `waitpid` would also do; it decodes the status for you as a `WaitStatus`,
/// and the decoding is your job here.)
#[allow(dead_code, reason = "the stub does not call it yet; your code will")]
pub fn waitpid_raw(pid: Pid, flags: WaitPidFlag) -> nix::Result<(Pid, c_int)> {
    let mut status: c_int = 0;
    // SAFETY: `status` is a valid, writable int for the kernel to fill in.
    let got = unsafe { libc::waitpid(pid.as_raw(), &mut status, flags.bits()) };
    Errno::result(got).map(|pid| (Pid::from_raw(pid), status))
}

/// Decode a raw status word from waitpid(2) into an [`Outcome`].
///
/// The word packs four different answers into 16 bits, and which one it is
/// must be asked first: the `libc::WIF...` functions say which, and only then
/// do `WEXITSTATUS`, `WTERMSIG`, `WCOREDUMP` or `WSTOPSIG` mean anything.
/// (They are plain, safe functions in the libc crate, as the macros are in
/// C.) A word that is none of exited, signaled or stopped is continued.
pub fn decode(raw: c_int) -> Outcome {
    // BEGIN STUDENT CODE
    todo!(
        "ask WIFEXITED, WIFSIGNALED, WIFSTOPPED in turn (libc::), then read the matching field of {raw:#06x}"
    )
    // END STUDENT CODE
}

/// Wait for the next change of state of `child`, and of no other child:
/// that it ended, was stopped, or was continued. Return the pid and the raw
/// status word, as [`waitpid_raw`] gives them.
///
/// By default waitpid reports only a child's end; ask for stops with
/// `WUNTRACED` and for continues with `WCONTINUED`. Block (no `WNOHANG`).
///
/// The driver of the `eintr` exercise has a signal handler installed without
/// SA_RESTART, so the wait may fail with EINTR: that is not an error, only an
/// interruption; wait again. Every other error goes back to the caller (for
/// instance ECHILD, when `child` is not, or no longer, a child of ours).
pub fn next_change(child: Pid) -> nix::Result<(Pid, c_int)> {
    // BEGIN STUDENT CODE
    todo!("waitpid_raw({child}, WUNTRACED | WCONTINUED), and on EINTR simply wait again")
    // END STUDENT CODE
}

/// Called in a child before it dies of a signal: allow the kernel to write a
/// core dump, by raising this process's soft RLIMIT_CORE to its hard limit.
///
/// The grader starts your program with a soft limit of 0 (no core files) and
/// leaves the hard limit alone; any process may raise its soft limit up to
/// its hard limit (getrlimit(2), setrlimit(2); nix::sys::resource).
pub fn allow_core_dumps() -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!("getrlimit(RLIMIT_CORE), then setrlimit with the soft limit raised to the hard one")
    // END STUDENT CODE
}

/// The state letter of `pid` from `/proc/<pid>/stat` (proc(5)): `Some('Z')`
/// for a zombie, `Some('S')` for a sleeping process, and so on; `None` when
/// there is no such process any more (the file does not exist, or the read
/// fails with ESRCH because the process vanished meanwhile).
///
/// The line starts `PID (COMM) STATE ...`, and COMM is whatever name the
/// process chose, spaces and parentheses included: the driver's children
/// call themselves `kid) S (`. The state is the first field after the LAST
/// `)` of the line. Read the file as bytes (`std::fs::read`); a name need not
/// be UTF-8.
pub fn proc_state(pid: Pid) -> io::Result<Option<char>> {
    // BEGIN STUDENT CODE
    todo!("read /proc/{pid}/stat; no file means None; the state follows the LAST ')'")
    // END STUDENT CODE
}

/// Block until `child` has ended, but leave it a zombie: do not reap it.
///
/// waitpid always collects what it reports. waitid(2) can report without
/// collecting: wait for `Id::Pid(child)` with `WEXITED | WNOWAIT`, and the
/// status stays there for a later wait to take. (nix::sys::wait::waitid; it
/// too can fail with EINTR, which means: wait again.)
pub fn await_exit(child: Pid) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!(
        "waitid(Id::Pid({child}), WEXITED | WNOWAIT): wait for the end, reap nothing; retry on EINTR"
    )
    // END STUDENT CODE
}

/// Reap every child that has already ended, without ever blocking, and say
/// why you stopped.
///
/// Call waitpid for any child with `WNOHANG`, again and again: each call
/// that returns a pid reaped one child (keep it); a call that returns pid 0
/// means children remain but none has ended yet (`Left::Running`); ECHILD
/// means no child is left at all (`Left::NoChildren`). Both of those end the
/// sweep normally. EINTR means: call again. Any other error is an error.
///
/// This is what a SIGCHLD handler or an event loop does: one SIGCHLD may
/// stand for several children, so one signal is never one waitpid.
pub fn reap_available() -> nix::Result<Sweep> {
    // BEGIN STUDENT CODE
    todo!(
        "waitpid_raw(-1, WNOHANG) until it returns pid 0 (Running) or fails with ECHILD (NoChildren)"
    )
    // END STUDENT CODE
}

/// Ask the kernel to make this process a "child subreaper" (prctl(2),
/// PR_SET_CHILD_SUBREAPER): from now on, a process below us whose parent
/// dies is handed to us, not to init. nix::sys::prctl has it.
pub fn become_subreaper() -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!("one prctl(2): nix::sys::prctl::set_child_subreaper")
    // END STUDENT CODE
}

/// Wait (blocking) for every child this process has, those it forked and
/// those it adopted, until none is left; return them as (pid, raw status) in
/// the order the kernel gave them.
///
/// A subreaper does not know the pids of the orphans it is handed, so it
/// waits for any child, again and again, until waitpid fails with ECHILD:
/// that failure is the normal end. Retry on EINTR; pass on other errors.
pub fn reap_all() -> nix::Result<Vec<(Pid, c_int)>> {
    // BEGIN STUDENT CODE
    todo!("waitpid_raw(-1, no flags) again and again; ECHILD is the normal end; retry on EINTR")
    // END STUDENT CODE
}

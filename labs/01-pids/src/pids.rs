//! STUDENT FILE for lab 01 pids: this is the only file you edit.
//!
//! A process is known to the kernel by a handful of numbers: its own process
//! id, its parent's, the process group it belongs to and the session that
//! group belongs to. In this file you ask for them twice, once through system
//! calls (getpid(2) and its relatives) and once by reading the text the kernel
//! publishes under /proc (proc(5)). Then you create processes with fork(2),
//! collect them with waitpid(2), and watch an orphan being adopted.
//!
//! The driver (src/main.rs) calls the functions below and prints every line;
//! it is not yours to change. You write only what sits between the
//! `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines; the stub has a
//! `todo!()` there whose message is a hint. The chapter docs/src/01-pids.md
//! explains each task and the exact output the grader expects.
//!
//! The `use` lines you need go inside your regions (for example
//! `use nix::unistd::getppid;` at the top of a function body), so the stub
//! compiles without unused imports.

use std::io;

use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// The ids the kernel keeps for every process, as the system calls see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    /// This process: getpid(2).
    pub pid: Pid,
    /// Whoever created us, or whoever adopted us since: getppid(2).
    pub ppid: Pid,
    /// The process group we belong to: getpgrp(2), the same as getpgid(0).
    pub pgid: Pid,
    /// The session our process group belongs to: getsid(2) with pid 0.
    pub sid: Pid,
}

/// The first six fields of one `/proc/<pid>/stat` line; proc(5) lists them
/// all under "/proc/pid/stat".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// Field 1, the process id.
    pub pid: Pid,
    /// Field 2 without its parentheses: the command name. The process can set
    /// it to any 15 bytes it likes (prctl(2) PR_SET_NAME), spaces and
    /// parentheses included.
    pub comm: String,
    /// Field 3, one letter: R running, S sleeping, D waiting for the disk,
    /// Z zombie, T stopped, and a few more.
    pub state: char,
    /// Field 4, the parent's pid.
    pub ppid: Pid,
    /// Field 5 ("pgrp"), the process group id.
    pub pgrp: Pid,
    /// Field 6 ("session"), the session id.
    pub session: Pid,
}

/// Ask the kernel for this process's ids, one system call each.
///
/// getpid(2), getppid(2) and getpgrp(2) cannot fail; getsid(2) can (in
/// principle, for a pid that is not ours), so the whole answer is a `Result`.
/// nix has all four in `nix::unistd`; `getsid` takes `None` for "myself".
pub fn ids() -> nix::Result<Ids> {
    // BEGIN STUDENT CODE
    todo!("one call each: getpid(2), getppid(2), getpgrp(2), getsid(2); nix::unistd has them all")
    // END STUDENT CODE
}

/// Read the kernel's pid limit from `/proc/sys/kernel/pid_max` (proc(5)).
///
/// The file holds one decimal number and a newline. Process ids run from 1
/// to pid_max - 1; the kernel hands them out in increasing order and starts
/// again from the bottom after the top, skipping ids still in use. Return a
/// parse failure as an `io::Error` of kind `InvalidData`.
pub fn pid_max() -> io::Result<u32> {
    // BEGIN STUDENT CODE
    todo!("read /proc/sys/kernel/pid_max and parse the number in it (mind the newline)")
    // END STUDENT CODE
}

/// Parse the text of one `/proc/<pid>/stat` file (proc(5)).
///
/// The line starts `PID (COMM) STATE PPID PGRP SESSION ...`. COMM is
/// whatever name the process gave itself, so it may hold spaces, `(` and
/// `)`: the name ends at the LAST `)` of the line, and only after that do the
/// fields separate cleanly on spaces. Splitting the whole line on spaces
/// works until the day someone names a process `a) b (c`.
///
/// On failure return a short message saying what was wrong (`?` turns a
/// `&str` into the `String` this returns).
pub fn parse_stat(text: &str) -> Result<Stat, String> {
    // BEGIN STUDENT CODE
    todo!(
        "parse {text:?}: pid before the first '(', comm up to the LAST ')', then state ppid pgrp session"
    )
    // END STUDENT CODE
}

/// Read `/proc/<pid>/stat` and parse it with [`parse_stat`]. Yours to call.
///
/// The bytes are read as they are and made into text lossily: a command name
/// is not always valid UTF-8, and the replacement characters cannot add a `)`.
pub fn read_stat(pid: Pid) -> io::Result<Stat> {
    let bytes = std::fs::read(format!("/proc/{pid}/stat"))?;
    parse_stat(&String::from_utf8_lossy(&bytes)).map_err(|why| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("/proc/{pid}/stat: {why}"),
        )
    })
}

/// Walk the process tree upwards from `start`, one [`Stat`] per hop.
///
/// The first element is `start`'s own stat, the next its parent's, and so on
/// until a process whose parent is shown as 0: that is PID 1, whose parent
/// is the kernel itself (or, in a container, a process outside the
/// container's pid namespace). Include that last process. Use [`read_stat`]
/// for each hop.
pub fn ancestry(start: Pid) -> io::Result<Vec<Stat>> {
    // BEGIN STUDENT CODE
    todo!(
        "read_stat({start}), then its ppid, and so on, until a ppid of 0; keep every hop, the last one too"
    )
    // END STUDENT CODE
}

/// Create one child process with fork(2) and make it run `body`.
///
/// In the parent, return the child's pid at once. In the child, call
/// `body()`, then end the process with `body`'s value as its exit status:
/// the child must never return from this function, or it would go on running
/// the parent's code (printing the parent's lines, forking more children...).
/// Leave with `libc::_exit` (_exit(2)), which ends the process at once: no
/// destructors and no exit handlers run a second time in the copy. Flush
/// stdout before that, and do not let a panic in `body` unwind out of the
/// child (std::panic::catch_unwind; exit with status 101 as a panic does).
///
/// `nix::unistd::fork` is `unsafe`: after fork only the calling thread exists
/// in the child. This program has only one thread, so say so in a
/// `// SAFETY:` comment.
#[allow(unused_variables, reason = "the stub's todo!() leaves `body` unused")]
pub fn fork_child(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    // BEGIN STUDENT CODE
    todo!(
        "unsafe {{ nix::unistd::fork() }}: the parent returns the child's pid; the child runs body, flushes stdout and calls libc::_exit"
    )
    // END STUDENT CODE
}

/// Wait for each of `children` with waitpid(2); return their statuses in
/// the same order.
///
/// A child that has exited stays a zombie (state `Z` in /proc) until its
/// parent waits for it: every child must be waited for, each exactly once.
/// Waiting for one given pid at a time never takes the status of a child
/// that someone else is waiting for. `nix::sys::wait::waitpid` takes the pid
/// and `None` for no flags, and blocks until that child has ended. (It does
/// not retry on EINTR; no signal handler is installed here, so no EINTR.)
pub fn reap(children: &[Pid]) -> nix::Result<Vec<WaitStatus>> {
    // BEGIN STUDENT CODE
    todo!("waitpid(2) each of {children:?} once, with no flags, and collect the statuses in order")
    // END STUDENT CODE
}

/// Called in a process whose parent, `old`, has just exited: wait until the
/// kernel has given us a new parent, and return it (getppid(2)).
///
/// The new parent is the nearest ancestor that asked to be a "child
/// subreaper" (prctl(2) PR_SET_CHILD_SUBREAPER), or else the init of our pid
/// namespace. It is not always 1. The driver returns here only once `old`
/// has closed its files on the way out, and the re-parenting happens a
/// little later in the same exit, so poll: check getppid(), and while it is
/// still `old` sleep a millisecond and check again. Give up after about five
/// seconds and return `None`: a bounded poll, never an endless one.
pub fn await_new_parent(old: Pid) -> Option<Pid> {
    // BEGIN STUDENT CODE
    todo!(
        "poll getppid(2) until it is no longer {old}: sleep 1 ms between tries, give up after about 5 s"
    )
    // END STUDENT CODE
}

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
    use nix::unistd::{getpgrp, getpid, getppid, getsid};
    Ok(Ids {
        pid: getpid(),
        ppid: getppid(),
        pgid: getpgrp(),
        sid: getsid(None)?,
    })
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
    let text = std::fs::read_to_string("/proc/sys/kernel/pid_max")?;
    text.trim()
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("pid_max {text:?}: {e}")))
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
    let open = text.find('(').ok_or("no '(' before the command name")?;
    let close = text.rfind(')').ok_or("no ')' after the command name")?;
    if close < open {
        return Err("the last ')' comes before the first '('".into());
    }
    let pid = text[..open]
        .trim()
        .parse()
        .map_err(|e| format!("pid {:?}: {e}", &text[..open]))?;
    let comm = text[open + 1..close].to_string();
    let mut fields = text[close + 1..].split_ascii_whitespace();
    let state = fields
        .next()
        .and_then(|field| field.chars().next())
        .ok_or("no state after the command name")?;
    let mut next_pid = |name: &str| -> Result<Pid, String> {
        let field = fields.next().ok_or(format!("no {name} field"))?;
        let raw = field
            .parse()
            .map_err(|e| format!("{name} {field:?}: {e}"))?;
        Ok(Pid::from_raw(raw))
    };
    let ppid = next_pid("ppid")?;
    let pgrp = next_pid("pgrp")?;
    let session = next_pid("session")?;
    Ok(Stat {
        pid: Pid::from_raw(pid),
        comm,
        state,
        ppid,
        pgrp,
        session,
    })
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
    let mut chain = Vec::new();
    let mut pid = start;
    loop {
        let hop = read_stat(pid)?;
        let parent = hop.ppid;
        chain.push(hop);
        if parent == Pid::from_raw(0) {
            return Ok(chain);
        }
        pid = parent;
    }
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
    use nix::unistd::{ForkResult, fork};
    use std::io::Write;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    // SAFETY: the program is single-threaded, so the child starts with every
    // lock free; it runs `body` and leaves through _exit, never returning
    // into the caller's code.
    match unsafe { fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            let status = catch_unwind(AssertUnwindSafe(body)).unwrap_or(101);
            let _ = std::io::stdout().flush();
            // SAFETY: _exit ends the process here; nothing after it runs.
            unsafe { libc::_exit(status) }
        }
    }
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
    use nix::sys::wait::waitpid;
    let mut statuses = Vec::new();
    for &child in children {
        statuses.push(waitpid(child, None)?);
    }
    Ok(statuses)
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
    use std::time::Duration;
    for _ in 0..5000 {
        let now = nix::unistd::getppid();
        if now != old {
            return Some(now);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
    // END STUDENT CODE
}

//! STUDENT FILE for lab 06 system: this is the only file you edit.
//!
//! `system(3)` runs a command line through the shell and tells you how it
//! ended. It is three system calls you already know, fork(2), execve(2) and
//! waitpid(2), plus a little care with signals. In this file you build it
//! yourself, piece by piece, and then a relative of it that also collects
//! what the command prints.
//!
//! The driver (src/main.rs) calls the four `pub fn`s below, decodes what they
//! return and prints every line; it is not yours to change. You write only what
//! sits between the `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines;
//! the stub has a `todo!()` there whose message is a hint. The chapter
//! docs/src/06-system.md explains each task and the exact output the grader
//! expects.
//!
//! The `use` lines you need go inside your regions (at the top of a function
//! body), so that the stub compiles without unused imports.
//!
//! The driver starts no threads, so after `fork` the child is single-threaded
//! and may call any function; say so in a `// SAFETY:` comment. In a child,
//! never use `?` and never return: every path ends in exec or in [`leave`].

use std::ffi::CStr;
use std::os::fd::AsFd;

use libc::c_int;
use nix::errno::Errno;
use nix::unistd::Pid;

/// The exit code of a child whose exec failed, as `system(3)` and every shell
/// use it: "the command could not be run at all".
#[allow(dead_code, reason = "used only by the code you write")]
pub const EXEC_FAILED: i32 = 127;

/// What [`capture`] collects: everything the command wrote on each stream, and
/// the raw wait status of the shell that ran it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The bytes the command wrote on its standard output.
    pub stdout: Vec<u8>,
    /// The bytes the command wrote on its standard error.
    pub stderr: Vec<u8>,
    /// The status exactly as waitpid(2) stored it: not decoded.
    pub status: c_int,
}

// ---------------------------------------------------------------------------
// Helpers you may call. They are not part of the exercise.
// ---------------------------------------------------------------------------

/// End this process now with `code`: `_exit(2)`. No destructor runs, no exit
/// handler, no flush of Rust's stdout buffer. A forked child whose exec failed
/// leaves this way.
#[allow(dead_code, reason = "called only from the code you write")]
pub fn leave(code: i32) -> ! {
    // SAFETY: _exit has no preconditions; it ends the process on the spot.
    unsafe { libc::_exit(code) }
}

/// Read once from `fd` (read(2), tried again if a signal interrupts it) and
/// append what came to `buf`. Returns how many bytes were added: 0 means end
/// of file, which a pipe reports once every copy of its write end is closed.
/// On a descriptor that poll(2) has just reported readable, this does not
/// block.
#[allow(dead_code, reason = "called only from the code you write")]
pub fn read_some(fd: impl AsFd, buf: &mut Vec<u8>) -> nix::Result<usize> {
    let mut chunk = [0u8; 16384];
    loop {
        match nix::unistd::read(fd.as_fd(), &mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno),
        }
    }
}

// ---------------------------------------------------------------------------
// The exercises.
// ---------------------------------------------------------------------------

/// Exercise 1, the child's half: become the shell. See execve(2), sh(1).
///
/// Replace this process with `shell` (a path such as `/bin/sh`, not looked up
/// in PATH) running `command`: the argument vector is `sh`, `-c`, `command`.
/// `argv[0]` is the name the shell sees as its own; it is part of the vector.
/// `nix::unistd::execv` returns only if it failed; then leave with
/// [`EXEC_FAILED`] (127), the code by which `system(3)` says "no shell".
#[allow(
    dead_code,
    unused_variables,
    reason = "the stub's todo!() uses neither parameter, and only your code calls this"
)]
pub fn exec_shell(shell: &CStr, command: &CStr) -> ! {
    // BEGIN STUDENT CODE
    todo!("execv(2) the shell with argv sh, -c, command; if it returns, leave(EXEC_FAILED)")
    // END STUDENT CODE
}

/// Exercise 2: wait for one given child and return its raw status. See
/// waitpid(2).
///
/// Call `libc::waitpid(child, &mut status, 0)` directly: nix's `waitpid`
/// hands back a decoded `WaitStatus`, and `system(3)` returns the raw `int`.
/// Wait for `child` and no one else (`wait(2)` takes whichever child ends
/// first, perhaps one the caller is waiting for elsewhere). If a signal
/// handler runs while you wait, waitpid fails with `EINTR` before the child
/// has ended: that is no error, wait again. Any other failure is returned
/// (`Errno::result` turns the -1 into an `Err`).
#[allow(
    dead_code,
    unused_variables,
    reason = "the stub's todo!() leaves `child` unused, and only your code calls this"
)]
pub fn wait_raw(child: Pid) -> nix::Result<c_int> {
    // BEGIN STUDENT CODE
    todo!("libc::waitpid(child, &mut status, 0), again while it fails with EINTR; the raw status")
    // END STUDENT CODE
}

/// Exercise 3, `system run` and `system signals`: system(3) from the pieces.
/// See system(3), sigaction(2), sigprocmask(2), fork(2).
///
/// Before forking, in the caller:
///
/// 1. block SIGCHLD (`sigprocmask(SIG_BLOCK, ...)`), keeping the old mask;
/// 2. ignore SIGINT and SIGQUIT (`sigaction` with `SigHandler::SigIgn`),
///    keeping the two old actions.
///
/// Then fork. The child puts back the two old actions and the old mask (it
/// must start the command with the caller's original signal state, not
/// system's), then calls [`exec_shell`]. The parent waits for that child with
/// [`wait_raw`], then puts back the old actions and the old mask, and returns
/// the raw status: do not decode it, the driver does. If fork fails, put
/// everything back and return the error.
#[allow(unused_variables, reason = "the stub's todo!() uses neither parameter")]
pub fn mysystem(shell: &CStr, command: &CStr) -> nix::Result<c_int> {
    // BEGIN STUDENT CODE
    todo!(
        "block SIGCHLD, ignore SIGINT+SIGQUIT, fork; child: restore, exec_shell; parent: wait_raw, restore"
    )
    // END STUDENT CODE
}

/// Exercise 4, `system capture`: run `command` through the shell and collect
/// both of its output streams. See pipe(2), dup2(2), poll(2).
///
/// Make two pipes with `pipe2(OFlag::O_CLOEXEC)`, one for stdout and one for
/// stderr, and fork. The child makes the write ends its descriptors 1 and 2
/// (`dup2_stdout`, `dup2_stderr`; a copy made by dup2 is not close-on-exec,
/// the originals are and vanish at exec), then calls [`exec_shell`]. The
/// parent closes its copies of both write ends (drop them), then reads BOTH
/// pipes as data arrives, with `poll` on the two read ends and [`read_some`]
/// on whichever is ready, until each has reported end of file. Only then does
/// it wait for the child with [`wait_raw`].
///
/// Why both at once: a pipe holds 64 KiB. A command that writes 200000 bytes
/// to stderr before it writes anything to stdout blocks when the stderr pipe
/// is full, until someone reads it. A parent that reads stdout to the end
/// first waits for a stdout that never comes, and both wait for ever.
///
/// Leave the signals alone here: like popen(3), this does not block or ignore
/// anything.
#[allow(unused_variables, reason = "the stub's todo!() uses neither parameter")]
pub fn capture(shell: &CStr, command: &CStr) -> nix::Result<Captured> {
    // BEGIN STUDENT CODE
    todo!(
        "pipe2 x2, fork, child: dup2 onto 1 and 2, exec_shell; parent: drop write ends, poll + read_some both"
    )
    // END STUDENT CODE
}

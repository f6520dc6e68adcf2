//! STUDENT FILE for lab 03 fork: this is the only file you edit.
//!
//! Fill in every region between `// BEGIN STUDENT CODE` and `// END STUDENT CODE`;
//! leave the rest as it is. The driver (`main.rs`) calls the `pub fn`s below and
//! owns the output format: where a line must be printed, call the matching
//! `crate::show::...` function. The chapter `docs/src/03-fork.md` explains each
//! exercise and the exact output the grader expects.
//!
//! Three rules hold in every function that forks:
//!
//! 1. A child that does not exec ends with [`leave`] (`_exit(2)`). It never
//!    returns from the function: returning, or `?`, would run the driver's code
//!    (and its destructors) a second time, in the child.
//! 2. The parent waits for every child it forks (`waitpid(2)`), so no zombie is
//!    left when the program ends.
//! 3. Nobody sleeps to wait for someone else: pipes and `waitpid` order events.
//!
//! The driver starts no threads, so after `fork` the child is single-threaded
//! and may call any function. Each `unsafe { fork() }` says so in a
//! `// SAFETY:` comment.

// The stub leaves parameters and helpers unused until its regions are filled
// in; these two allows keep it free of warnings.
#![allow(unused_variables, dead_code)]

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::AtomicI64;

use nix::errno::Errno;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{Pid, read, write};

// Calls that only the code you write needs: the stub does not use them yet.
#[allow(unused_imports)]
use nix::unistd::{ForkResult, Whence, execvp, fork, lseek, pipe};
#[allow(unused_imports)]
use std::io::Write;
#[allow(unused_imports)]
use std::sync::atomic::Ordering;

/// A global variable for the copy-on-write exercise. The driver sets it before
/// calling [`diverge`] and prints it afterwards. (An atomic, because Rust has no
/// safe plain mutable global; it is still one copy per process.)
pub static GLOBAL: AtomicI64 = AtomicI64::new(0);

/// How the child leaves in [`buffered`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// `std::process::exit`: Rust's runtime flushes stdout's buffer, then `exit(3)`.
    Exit,
    /// [`leave`], that is `_exit(2)`: the process ends at once; buffers are lost.
    RawExit,
}

/// Where one process of the tree stands once [`grow`] returns.
#[derive(Debug)]
pub struct Place {
    /// `true` only in the process that called `grow`: the root of the tree.
    pub root: bool,
    /// The children this very process forked, in the order it forked them.
    pub children: Vec<Pid>,
}

// ---------------------------------------------------------------------------
// Helpers you may call. They are not part of the exercise.
// ---------------------------------------------------------------------------

/// End this process now with `code`: `_exit(2)`. No destructor runs, no exit
/// handler, no flush of Rust's stdout buffer. This is how a forked child that
/// did not exec should leave.
pub fn leave(code: i32) -> ! {
    // SAFETY: _exit has no preconditions; it ends the process on the spot.
    unsafe { libc::_exit(code) }
}

/// Create (or truncate) `path` for writing, mode 0644: `open(2)` with
/// `O_WRONLY | O_CREAT | O_TRUNC`.
pub fn create(path: &str) -> nix::Result<OwnedFd> {
    open(
        path,
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_TRUNC,
        Mode::from_bits_truncate(0o644),
    )
}

/// Write `count` lines `WHO 1\n`, `WHO 2\n`, ... to `fd` at its current offset
/// (`write(2)`, which moves the offset).
pub fn write_lines(fd: impl AsFd, who: &str, count: u32) -> nix::Result<()> {
    for n in 1..=count {
        write_all(fd.as_fd(), format!("{who} {n}\n").as_bytes())?;
    }
    Ok(())
}

/// Tell the root of the tree "I exist": write one byte into the report pipe.
pub fn report_in(writer: &OwnedFd) -> nix::Result<()> {
    write_all(writer.as_fd(), b"+")
}

/// Read the report pipe to its end and return how many bytes came, one per
/// process that reported in. `read(2)` sees the end only once *every* copy of
/// the write end, in every process, is closed: drop yours before calling this.
pub fn count_reports(reader: OwnedFd) -> nix::Result<usize> {
    let mut total = 0;
    let mut buf = [0u8; 256];
    loop {
        match read(reader.as_fd(), &mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n,
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno),
        }
    }
}

/// Block until the pipe's write end is closed everywhere (`read(2)` returns 0).
pub fn wait_for_eof(reader: OwnedFd) -> nix::Result<()> {
    count_reports(reader).map(drop)
}

/// Wait for each of `children` in turn (`waitpid(2)`) and return how each ended.
pub fn reap(children: &[Pid]) -> nix::Result<Vec<WaitStatus>> {
    children.iter().map(|&child| waitpid(child, None)).collect()
}

fn write_all(fd: std::os::fd::BorrowedFd<'_>, mut bytes: &[u8]) -> nix::Result<()> {
    while !bytes.is_empty() {
        match write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The exercises.
// ---------------------------------------------------------------------------

/// Exercise 1, `fork returns`: one call, two returns. See fork(2), waitpid(2).
///
/// Fork once. In the child, fork returned 0: call `crate::show::child()`, then
/// leave with `code`. In the parent, fork returned the child's pid: call
/// `crate::show::parent(child)` at once (do not wait first), then wait for the
/// child and call `crate::show::waited(child, status)`.
pub fn two_returns(code: i32) -> io::Result<()> {
    // BEGIN STUDENT CODE
    todo!("fork(2); child: show::child, leave(code); parent: show::parent, waitpid(2)")
    // END STUDENT CODE
}

/// Exercise 2, `fork cow`: after fork, memory is copied (lazily: copy-on-write).
/// See fork(2).
///
/// Fork once. The child adds 1 to [`GLOBAL`], doubles `*local`, appends
/// `"+child"` to `heap`, calls `crate::show::values("child", *local, heap)` and
/// leaves with code 0. The parent waits for the child and calls
/// `crate::show::waited`; then it returns, and the driver prints the parent's
/// values, which the child's changes did not touch.
#[allow(clippy::ptr_arg, reason = "the child appends to the heap string")]
pub fn diverge(local: &mut i64, heap: &mut String) -> io::Result<()> {
    // BEGIN STUDENT CODE
    todo!("fork(2); the child changes all three values, shows them, leaves; the parent waits")
    // END STUDENT CODE
}

/// Exercise 3, `fork offset FILE`: a file descriptor inherited across fork shares
/// its file offset with the parent's. See fork(2), open(2), lseek(2).
///
/// Open `path` with [`create`] *before* forking. The child writes `lines` lines
/// with `write_lines(&file, "child", lines)`, reads its offset with
/// `lseek(&file, 0, Whence::SeekCur)`, calls
/// `crate::show::offset("child", lines, offset)` and leaves with 0 (with 1 if
/// anything failed). The parent waits for the child, calls `crate::show::waited`,
/// shows its own offset with `crate::show::offset("parent", 0, offset)` before
/// writing anything, writes `lines` lines as `"parent"`, and shows the offset
/// again with `crate::show::offset("parent", lines, offset)`.
pub fn shared_offset(path: &str, lines: u32) -> io::Result<()> {
    // BEGIN STUDENT CODE
    todo!("open BEFORE fork(2); child writes and leaves; parent waits, lseek(2)s, writes")
    // END STUDENT CODE
}

/// Exercise 4a: grow a fork tree. See fork(2).
///
/// Fork `depth` times in a loop, and let *every* process, parent and child, go
/// on with the loop: after `depth` rounds there are 2^depth processes, and each
/// of them returns from this function. Track where the calling process stands:
/// a child is not the root, and it has no children of its own yet (whatever
/// list it inherited belongs to its parent). If fork fails, print the error on
/// stderr and stop forking; never return it (`?` here would run in a child).
pub fn grow(depth: u32) -> Place {
    // BEGIN STUDENT CODE
    todo!("fork(2) in a loop; parent and child both keep looping; a new child is not the root")
    // END STUDENT CODE
}

/// Exercise 4b, `fork tree DEPTH`: count the tree from inside and let the grader
/// count it from outside. See fork(2), pipe(2), waitpid(2).
///
/// Before [`grow`], make two pipes: a report pipe (`reports`, `writer`) and a
/// gate (`gate`, `opener`). Every process then, root included, reports in with
/// [`report_in`] and drops its `writer`.
///
/// A process that is not the root drops every end it does not use, waits at the
/// gate with [`wait_for_eof`], reaps its own children with [`reap`], and leaves
/// (code 0, or 1 if anything failed). It never returns.
///
/// The root drops what it does not use, counts the reports with
/// [`count_reports`] and calls `crate::show::tree_ready(count)`: at that point all
/// 2^depth processes are alive, blocked at the gate. Then it opens the gate by
/// dropping `opener`, reaps its children and calls `crate::show::tree_reaped`
/// with their statuses.
pub fn tree(depth: u32) -> io::Result<()> {
    // BEGIN STUDENT CODE
    todo!("pipe(2) x2, grow, report in; non-root: gate, reap, leave; root: count, ready, reap")
    // END STUDENT CODE
}

/// Exercise 5, `fork run CMD ARGS...`: fork, exec in the child, wait in the
/// parent. See fork(2), execvp(3), waitpid(2).
///
/// `argv[0]` is the command, looked up in `PATH` by `execvp`. If exec fails,
/// the child calls `crate::show::exec_failed(errno)` and leaves with 127 when
/// the command was not found (`ENOENT`), with 126 otherwise, as shells do. The
/// parent waits for the child and calls `crate::show::waited(child, status)`.
pub fn run(argv: &[CString]) -> io::Result<()> {
    // BEGIN STUDENT CODE
    todo!("fork(2); the child execvp(3)s argv, or leaves with 127/126; the parent waitpid(2)s")
    // END STUDENT CODE
}

/// Exercise 6, `fork buffered TEXT [--leave exit|_exit] [--flush]`: stdout's
/// buffer is memory too, and fork copies it. See fork(2), _exit(2), exit(3).
///
/// Call `crate::show::pending(text)` (a `print!` with no newline). If `flush`,
/// flush stdout before forking. The child leaves with code 0 the way `how`
/// says: `std::process::exit(0)` or [`leave`]`(0)`. The parent waits and calls
/// `crate::show::waited`, whose newline flushes the parent's buffer.
pub fn buffered(text: &str, how: Leave, flush: bool) -> io::Result<()> {
    // BEGIN STUDENT CODE
    todo!("show::pending, flush if asked, fork(2); the child leaves as `how` says; parent waits")
    // END STUDENT CODE
}

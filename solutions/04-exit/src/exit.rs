//! STUDENT FILE for lab 04 exit: this is the only file you edit.
//!
//! Fill in every region between `// BEGIN STUDENT CODE` and `// END STUDENT CODE`;
//! leave the rest as it is. The driver (`main.rs`) calls the `pub fn`s below and
//! owns the output format: where a line must be printed, call the matching
//! `crate::show::...` function. The chapter `docs/src/04-exit.md` explains each
//! exercise and the exact output the grader expects.
//!
//! A process ends in one of a few ways, and each runs a different part of the
//! clean-up on the way out:
//!
//! | way out                   | destructors | atexit handlers | stdout flushed | status         |
//! |---------------------------|-------------|-----------------|----------------|----------------|
//! | return from `main`        | yes         | yes             | yes            | exit CODE      |
//! | `std::process::exit`      | no          | yes             | yes            | exit CODE      |
//! | `libc::_exit` ([`leave`]) | no          | no              | no             | exit CODE      |
//! | `std::process::abort`     | no          | no              | no             | signal SIGABRT |
//! | `panic!` (unwinding)      | yes         | yes             | yes            | exit 101       |
//!
//! (CODE is the code's low 8 bits: see [`status_of`].)
//!
//! The driver starts no threads, so after `fork` the child is single-threaded
//! and may call any function.

#![allow(
    unused_variables,
    reason = "the stub's todo!()s leave the parameters unused"
)]

use std::convert::Infallible;
use std::io;
use std::process::ExitCode;

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

/// The exit handlers this file provides, one `extern "C" fn` each (see [`handler`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Name {
    A,
    B,
    C,
    D,
}

impl Name {
    /// The handler's name as printed: `a`, `b`, `c` or `d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Name::A => "a",
            Name::B => "b",
            Name::C => "c",
            Name::D => "d",
        }
    }
}

/// How the process ends, in [`end`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Return an `ExitCode` to `main`, which returns it.
    Return,
    /// `std::process::exit(code)`: Rust flushes stdout, then calls C's `exit(3)`.
    Exit,
    /// [`leave`]`(code)`, that is `_exit(2)`: the process ends on the spot.
    RawExit,
    /// `std::process::abort()`: `abort(3)`, death by `SIGABRT`.
    Abort,
    /// `panic!`: the stack unwinds, and Rust's runtime ends with 101.
    Panic,
}

/// How the child leaves in [`forked`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// `std::process::exit(0)`.
    Exit,
    /// [`leave`]`(0)`.
    RawExit,
}

/// How the child of the `status` exercise ends, in [`finish`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Leave with this code.
    Code(i32),
    /// `abort(3)`.
    Abort,
    /// Send itself this signal, whose default action ends the process.
    Signal(Signal),
}

// ---------------------------------------------------------------------------
// Helpers you may call. They are not part of the exercise.
// ---------------------------------------------------------------------------

/// End this process now with `code`: `_exit(2)`. No destructor runs, no exit
/// handler, no flush of Rust's stdout buffer.
pub fn leave(code: i32) -> ! {
    // SAFETY: _exit has no preconditions; it ends the process on the spot.
    unsafe { libc::_exit(code) }
}

/// The exit handler called `name`, ready for `libc::atexit`. Each one writes
/// its line with `crate::show::handler` and nothing else.
#[allow(dead_code, reason = "only the code you write calls it")]
pub fn handler(name: Name) -> extern "C" fn() {
    match name {
        Name::A => handler_a,
        Name::B => handler_b,
        Name::C => handler_c,
        Name::D => handler_d,
    }
}

extern "C" fn handler_a() {
    crate::show::handler(Name::A);
}

extern "C" fn handler_b() {
    crate::show::handler(Name::B);
}

extern "C" fn handler_c() {
    crate::show::handler(Name::C);
}

extern "C" fn handler_d() {
    crate::show::handler(Name::D);
}

/// Fork; run `body` in the child, which must end the process there; wait for
/// the child in the parent and return its pid and how it ended (`waitpid(2)`).
///
/// `body` cannot return: its type says it returns `Infallible`, a type with no
/// values, so it must end in a call such as `leave(0)` or
/// `std::process::exit(0)` (their type `!` fits anywhere). If `body` panics,
/// the child leaves with 101 rather than unwind into the parent's code.
pub fn fork_and_wait(body: impl FnOnce() -> Infallible) -> io::Result<(Pid, WaitStatus)> {
    // SAFETY: the driver runs no other thread, so the child may call anything.
    match unsafe { fork() }? {
        ForkResult::Child => {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
            leave(101)
        }
        ForkResult::Parent { child } => loop {
            match waitpid(child, None) {
                Ok(status) => return Ok((child, status)),
                Err(Errno::EINTR) => continue,
                Err(errno) => return Err(errno.into()),
            }
        },
    }
}

// ---------------------------------------------------------------------------
// The exercises.
// ---------------------------------------------------------------------------

/// Exercise 1, `exit code N`: the status a parent sees for `exit(code)`.
/// See exit(3), _exit(2).
///
/// Return the exit status that a parent's `waitpid` (or a shell's `$?`) will
/// report for a process that called `exit(code)`: a number from 0 to 255, for
/// every `code`, negative ones included.
pub fn status_of(code: i32) -> i32 {
    // BEGIN STUDENT CODE
    // Only the low 8 bits of the code reach the parent.
    code & 0xff
    // END STUDENT CODE
}

/// Exercise 2, `exit handlers`: register exit handlers. See atexit(3).
///
/// Register, with `libc::atexit`, the handler of every name in `names` (get it
/// from [`handler`]) so that, when the process ends through `exit(3)`, they
/// run in the order of `names`, once per occurrence: `[A, A, B]` runs `a`,
/// `a`, `b`. Call `crate::show::registered(name)` right after each successful
/// registration. `atexit` returns non-zero when it fails: return an error then.
pub fn register(names: &[Name]) -> io::Result<()> {
    // BEGIN STUDENT CODE
    // exit(3) calls the handlers last registered first: register the list
    // backwards, and they run forwards.
    for &name in names.iter().rev() {
        // SAFETY: the handler is an `extern "C" fn()` that does not unwind and
        // only writes to fd 1, which is safe at any point of the exit.
        if unsafe { libc::atexit(handler(name)) } != 0 {
            return Err(io::Error::other("atexit: no room for another handler"));
        }
        crate::show::registered(name);
    }
    Ok(())
    // END STUDENT CODE
}

/// Exercise 3, `exit code N --via ...` and `exit handlers --via ...`: end the
/// process the way `way` says. See exit(3), _exit(2), abort(3).
///
/// - `Way::Return`: return the `ExitCode` whose status is [`status_of`]`(code)`;
///   the driver returns it from `main`.
/// - `Way::Exit`: `std::process::exit(code)`.
/// - `Way::RawExit`: [`leave`]`(code)`.
/// - `Way::Abort`: `std::process::abort()`.
/// - `Way::Panic`: `panic!` with a message of your choice.
///
/// Only `Way::Return` returns; every other way ends the process in here.
pub fn end(way: Way, code: i32) -> ExitCode {
    // BEGIN STUDENT CODE
    match way {
        // ExitCode holds a u8: the masking that exit(3) leaves to the kernel
        // is done here, by hand.
        Way::Return => ExitCode::from(status_of(code) as u8),
        Way::Exit => std::process::exit(code),
        Way::RawExit => leave(code),
        Way::Abort => std::process::abort(),
        Way::Panic => panic!("the process ends by panicking"),
    }
    // END STUDENT CODE
}

/// Exercise 4, `exit forked TEXT [--leave exit|_exit]`: what a forked child's
/// exit does with the parent's memory. See fork(2), exit(3), _exit(2).
///
/// Call `crate::show::pending(text)` (a `print!` with no newline), then fork
/// and wait with [`fork_and_wait`]. The child leaves with code 0 the way `how`
/// says: `std::process::exit(0)` or [`leave`]`(0)`. The parent then calls
/// `crate::show::waited(child, status)` and returns.
pub fn forked(text: &str, how: Leave) -> io::Result<()> {
    // BEGIN STUDENT CODE
    crate::show::pending(text);
    let (child, status) = fork_and_wait(|| match how {
        Leave::Exit => std::process::exit(0),
        Leave::RawExit => leave(0),
    })?;
    crate::show::waited(child, status);
    Ok(())
    // END STUDENT CODE
}

/// Exercise 5, `exit save FILE [--records N] [--code C]`: leave with
/// `std::process::exit` without losing data. See exit(3).
///
/// Create `path` (truncate it if it exists) and write `records` lines
/// `record 1\n`, `record 2\n`, ... through a `std::io::BufWriter`. Then call
/// `crate::show::saved(records, bytes)`, where `bytes` is the file's size on
/// disk at that moment (its metadata), and end the process with
/// `std::process::exit(code)`. Every line must be in the file by then. On
/// success this function never returns; return an error if any step fails.
pub fn save(path: &str, records: u32, code: i32) -> io::Result<()> {
    // BEGIN STUDENT CODE
    use std::fs::File;
    use std::io::{BufWriter, Write};

    let mut out = BufWriter::new(File::create(path)?);
    for n in 1..=records {
        writeln!(out, "record {n}")?;
    }
    // std::process::exit runs no destructors: a BufWriter still alive then
    // never writes what it holds. Flush it first, and see the error if any.
    out.flush()?;
    let bytes = out.get_ref().metadata()?.len();
    crate::show::saved(records, bytes);
    std::process::exit(code)
    // END STUDENT CODE
}

/// Exercise 6a, `exit status ...`: the child's way out. See _exit(2),
/// abort(3), raise(3).
///
/// This runs in a forked child (the driver calls [`fork_and_wait`]). End it
/// the way `ending` says: leave with the code, call `std::process::abort()`,
/// or send this process the signal (`nix::sys::signal::raise`). Should the
/// signal not end the process, leave with 1.
pub fn finish(ending: Ending) -> ! {
    // BEGIN STUDENT CODE
    match ending {
        Ending::Code(code) => leave(code),
        Ending::Abort => std::process::abort(),
        Ending::Signal(signal) => {
            // An unblocked signal sent to oneself is delivered before raise
            // returns; its default action ends the process here.
            let _ = nix::sys::signal::raise(signal);
            leave(1)
        }
    }
    // END STUDENT CODE
}

/// Exercise 6b: the number a shell shows in `$?` for a child that ended with
/// `status`. See wait(2), and "EXIT STATUS" in bash(1) or sh(1p).
///
/// A child that exited shows its exit code; one killed by signal N shows
/// 128 + N. (`waitpid` without options reports nothing else.)
pub fn shell_status(status: WaitStatus) -> i32 {
    // BEGIN STUDENT CODE
    match status {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, signal, _) => 128 + signal as i32,
        _ => -1,
    }
    // END STUDENT CODE
}

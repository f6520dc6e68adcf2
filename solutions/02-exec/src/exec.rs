//! STUDENT FILE for lab 02 exec: this is the only file you edit.
//!
//! Fill in every region between `// BEGIN STUDENT CODE` and `// END STUDENT CODE`;
//! leave the rest as it is. The driver (`main.rs`) reads the command line into a
//! [`Request`], calls [`run`], and owns the output format: where a line must be
//! printed, call the matching `crate::show::...` function. The chapter
//! `docs/src/02-exec.md` explains each exercise and the exact output expected.
//!
//! There is no fork in this lab. `exec` does not start a program beside yours:
//! it replaces the program your process is running, keeping the process (its
//! pid, its parent, its open descriptors). When exec succeeds, nothing after
//! the call runs, because the code that would run it is gone. When it returns,
//! it failed, and your program is still there to report why.
//!
//! The `use` lines only your code needs go inside your regions (for example
//! `use nix::unistd::execv;` at the top of a function body), so that the stub
//! compiles without unused imports.

// Until its regions are filled in, the stub calls none of the helpers and
// exercises below, and reads no field of `Request`.
#![allow(dead_code, reason = "the stub leaves helpers and fields unused")]

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::OwnedFd;

use nix::errno::Errno;

/// The file [`open_extras`] creates (or truncates), in the current directory.
pub const EXTRA_FILE: &str = "data.txt";

/// The file the driver opens with `std::fs::File::create` before calling
/// [`run`] under `--fds`. std opens every file close-on-exec, so it never
/// reaches the new program.
pub const STD_FILE: &str = "std.txt";

/// What `exec run` was asked to do, as the driver read it from the command line.
#[derive(Debug)]
pub struct Request {
    /// PROG: the file to execute, or with `search` a name to look up in PATH.
    pub prog: CString,
    /// `--argv0 NAME`: the new program's argv[0]. `None` means PROG itself.
    pub argv0: Option<CString>,
    /// The arguments after PROG, argv[1] onwards, as raw bytes. Those read
    /// from standard input (`--stdin-args`) may hold a NUL byte.
    pub args: Vec<Vec<u8>>,
    /// `-p`: look PROG up in PATH.
    pub search: bool,
    /// `--clear-env`: the new environment starts empty.
    pub clear_env: bool,
    /// `--env NAME=VALUE`, in the order given, split at the first `=`.
    pub env: Vec<(Vec<u8>, Vec<u8>)>,
    /// `--fds`: open the extra descriptors of [`open_extras`] before exec.
    pub fds: bool,
    /// `--cloexec`: open them close-on-exec.
    pub cloexec: bool,
    /// `--pending TEXT`: leave TEXT in stdout's buffer just before exec.
    pub pending: Option<String>,
    /// `--flush`: flush stdout before exec.
    pub flush: bool,
}

/// An argument exec cannot carry: C strings end at the first NUL byte, so an
/// argument holding one would arrive cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadArgument {
    /// The argument's place in argv (the first one after PROG is 1).
    pub index: usize,
    /// The offset of its first NUL byte.
    pub nul_at: usize,
}

// ---------------------------------------------------------------------------
// Helpers you may call. They are not part of the exercise.
// ---------------------------------------------------------------------------

/// `NAME=VALUE` as one environment entry.
pub fn env_entry(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut entry = Vec::with_capacity(name.len() + 1 + value.len());
    entry.extend_from_slice(name);
    entry.push(b'=');
    entry.extend_from_slice(value);
    entry
}

/// The name of an environment entry: everything before its first `=`.
pub fn env_name(entry: &[u8]) -> &[u8] {
    match entry.iter().position(|&b| b == b'=') {
        Some(at) => &entry[..at],
        None => entry,
    }
}

/// This process's environment, entry by entry in its own order, as
/// `NAME=VALUE` bytes (`std::env::vars_os`, which reads `environ`).
pub fn inherited_env() -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    std::env::vars_os()
        .map(|(name, value)| env_entry(name.as_bytes(), value.as_bytes()))
        .collect()
}

// ---------------------------------------------------------------------------
// The exercises.
// ---------------------------------------------------------------------------

/// Exercise 1: the argument vector. See execve(2), "argv".
///
/// Return argv for the new program: argv[0] is `argv0` if given, else `prog`;
/// then every element of `args`, in order, as a `CString`. If an argument holds
/// a NUL byte, return `BadArgument` with its place in argv and the offset of its
/// first NUL (`CString::new` reports it: `NulError::nul_position`). Never
/// panic, and never cut the argument short as C would.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn build_argv(
    prog: &CStr,
    argv0: Option<&CStr>,
    args: &[Vec<u8>],
) -> Result<Vec<CString>, BadArgument> {
    // BEGIN STUDENT CODE
    let mut argv = vec![argv0.unwrap_or(prog).to_owned()];
    for (i, arg) in args.iter().enumerate() {
        let arg = CString::new(arg.clone()).map_err(|e| BadArgument {
            index: i + 1,
            nul_at: e.nul_position(),
        })?;
        argv.push(arg);
    }
    Ok(argv)
    // END STUDENT CODE
}

/// Exercise 2: the environment. See environ(7), execve(2).
///
/// With nothing to change (`clear` false and `set` empty) return `None`: the
/// new program inherits this environment as it is. Otherwise return the whole
/// new environment: start empty if `clear`, else from [`inherited_env`]; then
/// for each `(name, value)` of `set`, in order, replace the entry with that
/// name where it stands, or append `NAME=VALUE` if there is none. A name
/// appears at most once. The entries come from the command line and the
/// environment, which cannot hold NUL bytes.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn build_env(clear: bool, set: &[(Vec<u8>, Vec<u8>)]) -> Option<Vec<CString>> {
    // BEGIN STUDENT CODE
    if !clear && set.is_empty() {
        return None;
    }
    let mut entries = if clear { Vec::new() } else { inherited_env() };
    for (name, value) in set {
        let entry = env_entry(name, value);
        match entries.iter().position(|e| env_name(e) == &name[..]) {
            Some(at) => entries[at] = entry,
            None => entries.push(entry),
        }
    }
    let entries: Result<Vec<CString>, _> = entries.into_iter().map(CString::new).collect();
    Some(entries.expect("environment entries hold no NUL"))
    // END STUDENT CODE
}

/// Exercise 3: descriptors that cross exec. See open(2), pipe(2), dup(2),
/// fcntl(2) "F_DUPFD_CLOEXEC".
///
/// Open, in this order, with nix: [`EXTRA_FILE`] for writing (created or
/// truncated, mode 0644), a pipe (read end, then write end), and a duplicate of
/// stdout. Return the four descriptors in that order. If `cloexec`, each must
/// be close-on-exec from the moment it exists: `O_CLOEXEC` for open and
/// `pipe2`, `F_DUPFD_CLOEXEC` for the duplicate. If not, none of them is: nix's
/// `open`, `pipe` and `dup` set no such flag unless asked.
#[allow(unused_variables, reason = "the stub's todo!() leaves it unused")]
pub fn open_extras(cloexec: bool) -> nix::Result<Vec<OwnedFd>> {
    // BEGIN STUDENT CODE
    use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
    use nix::sys::stat::Mode;
    use nix::unistd::{dup, pipe2};
    use std::os::fd::FromRawFd;

    let flag = if cloexec {
        OFlag::O_CLOEXEC
    } else {
        OFlag::empty()
    };
    let how = OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_TRUNC | flag;
    let file = open(EXTRA_FILE, how, Mode::from_bits_truncate(0o644))?;
    let (read, write) = pipe2(flag)?;
    let copy = if cloexec {
        let raw = fcntl(io::stdout(), FcntlArg::F_DUPFD_CLOEXEC(0))?;
        // SAFETY: fcntl has just made this descriptor, and nothing else owns it.
        unsafe { OwnedFd::from_raw_fd(raw) }
    } else {
        dup(io::stdout())?
    };
    Ok(vec![file, read, write, copy])
    // END STUDENT CODE
}

/// Exercise 4: one of the exec family. See execve(2), exec(3).
///
/// Replace this program with `prog`, passing `argv`, and the environment `env`
/// when there is one (otherwise the new program inherits this one). With
/// `search`, look `prog` up in PATH as a shell would:
///
/// | `search` | `env`     | call      |
/// |----------|-----------|-----------|
/// | false    | `None`    | `execv`   |
/// | true     | `None`    | `execvp`  |
/// | false    | `Some(_)` | `execve`  |
/// | true     | `Some(_)` | `execvpe` |
///
/// On success the call does not return. If it returns, return its errno.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn replace(prog: &CStr, argv: &[CString], env: Option<&[CString]>, search: bool) -> Errno {
    // BEGIN STUDENT CODE
    use nix::unistd::{execv, execve, execvp, execvpe};
    let Err(errno) = match (search, env) {
        (false, None) => execv(prog, argv),
        (true, None) => execvp(prog, argv),
        (false, Some(env)) => execve(prog, argv, env),
        (true, Some(env)) => execvpe(prog, argv, env),
    };
    errno
    // END STUDENT CODE
}

/// Exercise 5: the shell's convention for a failed exec.
///
/// The exit code for a program that could not be started: 127 when it was not
/// found (`ENOENT`), 126 when it was found but could not be run (`EACCES`,
/// `ENOEXEC`, `EISDIR` and every other errno).
#[allow(unused_variables, reason = "the stub's todo!() leaves `errno` unused")]
pub fn exit_code(errno: Errno) -> i32 {
    // BEGIN STUDENT CODE
    if errno == Errno::ENOENT { 127 } else { 126 }
    // END STUDENT CODE
}

/// Exercise 6, `exec run`: put the pieces together, in this order.
///
/// 1. Build argv with [`build_argv`]. If an argument is bad, call
///    `crate::show::bad_argument(bad)` and return `Ok(2)`: nothing is executed.
/// 2. Build the environment with [`build_env`].
/// 3. If `req.fds`, open the extra descriptors with [`open_extras`], and keep
///    them open until the exec (a value dropped earlier closes them).
/// 4. Call `crate::show::exec_start(&req.prog, &argv)`.
/// 5. If `req.pending` holds a text, call `crate::show::pending(text)`. If
///    `req.flush`, flush stdout.
/// 6. Exec with [`replace`]. If it returns, call
///    `crate::show::exec_failed(&req.prog, errno)` and return
///    `Ok(exit_code(errno))`; the driver leaves with that code.
///
/// Return `Err` only when steps 3 or 5 fail.
#[allow(unused_variables, reason = "the stub's todo!() leaves `req` unused")]
pub fn run(req: &Request) -> io::Result<i32> {
    // BEGIN STUDENT CODE
    use std::io::Write;

    let argv = match build_argv(&req.prog, req.argv0.as_deref(), &req.args) {
        Ok(argv) => argv,
        Err(bad) => {
            crate::show::bad_argument(bad);
            return Ok(2);
        }
    };
    let env = build_env(req.clear_env, &req.env);
    let _extras = if req.fds {
        open_extras(req.cloexec)?
    } else {
        Vec::new()
    };
    crate::show::exec_start(&req.prog, &argv);
    if let Some(text) = &req.pending {
        crate::show::pending(text);
    }
    if req.flush {
        io::stdout().flush()?;
    }
    let errno = replace(&req.prog, &argv, env.as_deref(), req.search);
    crate::show::exec_failed(&req.prog, errno);
    Ok(exit_code(errno))
    // END STUDENT CODE
}

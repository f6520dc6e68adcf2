//! Driver for lab 02 exec: reads the command line and owns the output format.
//!
//! This file is not yours to edit; your work is in `exec.rs`. Every line the
//! launcher prints is formatted here, in the `show` module, and your code calls
//! `crate::show::...` where a line is due.
//!
//! The binary is two programs in one, as busybox is. `exec run ...` is the
//! launcher you complete: it prepares an argument vector, an environment and
//! some descriptors, then replaces itself with another program. `exec probe` is
//! the program the cases usually replace it with: it prints what the new image
//! received, read back from the kernel (`/proc/self/cmdline`, `environ`, `fd`,
//! `status`). The probe also answers when its argv[0] is named `probe`, the
//! way busybox picks its applet by the name it was called by, so that it still
//! runs when the arguments shift by one.

mod exec;

use std::ffi::{CString, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal};

type Error = Box<dyn std::error::Error>;

/// Lab 02: one process, a new program.
#[derive(Parser)]
#[command(
    name = "exec",
    bin_name = "exec",
    about = "proclab lab 02: exec, argv, the environment, PATH and close-on-exec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replace this process with PROG, passing the argv, environment and
    /// descriptors the options ask for
    Run(RunArgs),
    /// Print what this program image received: argv, environment, open
    /// descriptors, signal dispositions (the program the cases exec)
    Probe {
        /// Ignored: they are there to be seen in argv
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Look PROG up in PATH when it holds no slash (execvp, execvpe)
    #[arg(short = 'p', long = "path")]
    search: bool,
    /// The new program's argv[0] (default: PROG)
    #[arg(long, value_name = "NAME")]
    argv0: Option<OsString>,
    /// Start the new environment empty instead of from this one (execve)
    #[arg(long)]
    clear_env: bool,
    /// Set NAME=VALUE in the new environment (repeatable; execve)
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = env_pair)]
    env: Vec<(Vec<u8>, Vec<u8>)>,
    /// Append each line of standard input to ARGS, one argument per line
    #[arg(long)]
    stdin_args: bool,
    /// Before exec, open a file, a pipe and a copy of stdout with nix (and a
    /// file with std, which is always close-on-exec)
    #[arg(long)]
    fds: bool,
    /// With --fds: open them close-on-exec
    #[arg(long, requires = "fds")]
    cloexec: bool,
    /// print! TEXT, with no newline, just before exec
    #[arg(long, value_name = "TEXT")]
    pending: Option<String>,
    /// Flush stdout before exec
    #[arg(long)]
    flush: bool,
    /// Ignore signal SIG before exec: SIG_IGN survives exec (repeatable)
    #[arg(long = "ignore", value_name = "SIG", value_parser = signal)]
    ignore: Vec<Signal>,
    /// Catch SIG with a handler before exec: exec resets it (repeatable)
    #[arg(long = "catch", value_name = "SIG", value_parser = signal)]
    catch: Vec<Signal>,
    /// Block SIG before exec: the mask survives exec (repeatable)
    #[arg(long = "block", value_name = "SIG", value_parser = signal)]
    block: Vec<Signal>,
    /// First make FILE (relative to the current directory) a symbolic link to
    /// this program, a stand-in for PATH experiments (repeatable)
    #[arg(long, value_name = "FILE")]
    plant: Vec<PathBuf>,
    /// PROG, then its arguments (argv[1] onwards)
    #[arg(
        required = true,
        value_name = "PROG [ARG]...",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<OsString>,
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    if called_probe(&argv) {
        return finish(probe::report());
    }
    let cli = Cli::parse_from(argv);
    match cli.command {
        Command::Probe { args: _ } => finish(probe::report()),
        Command::Run(args) => match run(args) {
            // exec failed (or never started): leave with the code the
            // student's `run` chose. std::process::exit flushes stdout first.
            Ok(code) => std::process::exit(code),
            Err(err) => finish(Err(err)),
        },
    }
}

fn finish(result: Result<(), Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("exec: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The busybox rule: argv[0]'s last path component is `probe`.
fn called_probe(argv: &[OsString]) -> bool {
    argv.first()
        .and_then(|zero| Path::new(zero).file_name())
        .is_some_and(|name| name == "probe")
}

fn run(args: RunArgs) -> Result<i32, Error> {
    prepare_process(&args)?;
    for file in &args.plant {
        plant(file)?;
    }
    let mut command = args.command.into_iter();
    let prog = command.next().ok_or("no PROG given")?;
    let mut rest: Vec<Vec<u8>> = command.map(OsStringExt::into_vec).collect();
    if args.stdin_args {
        rest.extend(stdin_lines()?);
    }
    // std opens every file close-on-exec: this one never reaches the new image.
    let _std_file = if args.fds {
        Some(File::create(exec::STD_FILE)?)
    } else {
        None
    };
    let request = exec::Request {
        prog: c_string(prog, "PROG")?,
        argv0: args.argv0.map(|a| c_string(a, "--argv0")).transpose()?,
        args: rest,
        search: args.search,
        clear_env: args.clear_env,
        env: args.env,
        fds: args.fds,
        cloexec: args.cloexec,
        pending: args.pending,
        flush: args.flush,
    };
    Ok(exec::run(&request)?)
}

/// The process-wide state the new image may inherit: descriptors and signals.
fn prepare_process(args: &RunArgs) -> Result<(), Error> {
    // Whatever this program inherited beyond stdin, stdout and stderr (a
    // terminal or an editor may leak some) is made close-on-exec here, so that
    // the probe shows only the descriptors this run opened.
    for fd in open_fds()? {
        if fd > 2 {
            // SAFETY: F_SETFD only changes the descriptor's close-on-exec flag;
            // for a number that is no longer open it fails with EBADF, harmlessly.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
    }
    // Start the signals from a known state: no signal ignored, none blocked.
    // Whoever started this program may have ignored some (nohup ignores
    // SIGHUP), and Rust's runtime ignored SIGPIPE before main: std's Command
    // puts SIGPIPE back to SIG_DFL for the programs it starts, but a bare exec
    // would hand the ignored disposition on. SIGSEGV and SIGBUS keep the
    // runtime's handlers (exec resets them anyway); KILL and STOP cannot change.
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    for sig in Signal::iterator() {
        if ![
            Signal::SIGKILL,
            Signal::SIGSTOP,
            Signal::SIGSEGV,
            Signal::SIGBUS,
        ]
        .contains(&sig)
        {
            // SAFETY: installs the default disposition; no handler code is involved.
            unsafe { nix::sys::signal::sigaction(sig, &default) }?;
        }
    }
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None)?;
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    for &sig in &args.ignore {
        // SAFETY: SIG_IGN runs no code of ours.
        unsafe { nix::sys::signal::sigaction(sig, &ignore) }
            .map_err(|e| format!("--ignore {}: {e}", sig.as_str()))?;
    }
    let catch = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for &sig in &args.catch {
        // SAFETY: the handler does nothing at all, which is async-signal-safe.
        unsafe { nix::sys::signal::sigaction(sig, &catch) }
            .map_err(|e| format!("--catch {}: {e}", sig.as_str()))?;
    }
    let mut block = SigSet::empty();
    for &sig in &args.block {
        block.add(sig);
    }
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&block), None)?;
    Ok(())
}

/// The handler `--catch` installs. It does nothing: what matters is that the
/// signal is caught, and that exec cannot keep a handler whose code is gone.
extern "C" fn on_signal(_: libc::c_int) {}

/// `--plant FILE`: a symbolic link to this program's file.
fn plant(file: &Path) -> Result<(), Error> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let me = std::env::current_exe()?;
    std::os::unix::fs::symlink(&me, file)
        .map_err(|e| format!("--plant {}: {e}", file.display()))?;
    Ok(())
}

/// Standard input, one argument per line, the newlines left out. The bytes
/// are kept as they are: a line may hold a NUL byte.
fn stdin_lines() -> io::Result<Vec<Vec<u8>>> {
    let mut all = Vec::new();
    io::stdin().lock().read_to_end(&mut all)?;
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let body = all.strip_suffix(b"\n").unwrap_or(&all);
    Ok(body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect())
}

/// A value from the command line as a C string. The kernel delivers each
/// argument NUL-terminated, so this cannot fail for them.
fn c_string(value: OsString, what: &str) -> Result<CString, Error> {
    CString::new(value.into_vec()).map_err(|e| format!("{what}: {e}").into())
}

/// `--env NAME=VALUE`: split at the first `=`; the value may hold more.
fn env_pair(text: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => {
            Ok((name.as_bytes().to_vec(), value.as_bytes().to_vec()))
        }
        _ => Err("expected NAME=VALUE with a non-empty NAME".into()),
    }
}

/// `INT`, `SIGINT` or `2`.
fn signal(text: &str) -> Result<Signal, String> {
    if let Ok(n) = text.parse::<i32>() {
        return Signal::try_from(n).map_err(|e| e.to_string());
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse().map_err(|_| format!("unknown signal {text:?}"))
}

/// The descriptors open in this process, in increasing order.
fn open_fds() -> io::Result<Vec<i32>> {
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    Ok(fds)
}

/// A byte string as a double-quoted value: printable ASCII as it is, `"` and
/// `\` escaped, `\n`, `\t`, `\0`, and `\xNN` for every other byte. One value
/// never spans lines, and two different values never print the same.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0 => out.push_str("\\0"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// Every line the launcher prints. Your code in `exec.rs` calls these.
pub mod show {
    use std::ffi::{CStr, CString};

    use nix::errno::Errno;
    use nix::unistd::getpid;

    use crate::exec::BadArgument;
    use crate::quote;

    /// `exec pid=P prog="PROG" argc=N`: printed just before the exec call.
    pub fn exec_start(prog: &CStr, argv: &[CString]) {
        println!(
            "exec pid={} prog={} argc={}",
            getpid(),
            quote(prog.to_bytes()),
            argv.len()
        );
    }

    /// `pending=TEXT ` with no newline: it stays in stdout's buffer, which is
    /// memory of this program image.
    pub fn pending(text: &str) {
        print!("pending={text} ");
    }

    /// `exec_failed errno=ENAME` on stdout, and a shell-like message on stderr.
    pub fn exec_failed(prog: &CStr, errno: Errno) {
        println!("exec_failed errno={errno:?}");
        eprintln!("exec: {}: {}", prog.to_string_lossy(), errno.desc());
    }

    /// `bad_argument index=I nul_at=N`: argv[I] holds a NUL byte at offset N.
    pub fn bad_argument(bad: BadArgument) {
        println!("bad_argument index={} nul_at={}", bad.index, bad.nul_at);
    }
}

/// The probe: what this image received, as the kernel shows it.
mod probe {
    use std::collections::HashMap;
    use std::ffi::CStr;

    use nix::sys::signal::Signal;
    use nix::unistd::{getpid, getppid};

    use crate::{Error, open_fds, quote};

    /// Signals the probe's own Rust runtime set up before `main`, left out of
    /// the lists because they say nothing about what the launcher passed on:
    /// it ignores SIGPIPE, and catches SIGSEGV and SIGBUS to report stack
    /// overflows.
    const RUNTIME_IGNORED: &[Signal] = &[Signal::SIGPIPE];
    const RUNTIME_CAUGHT: &[Signal] = &[Signal::SIGSEGV, Signal::SIGBUS];

    /// Prints, in this order:
    ///
    /// ```text
    /// image pid=P ppid=Q comm="NAME" execfn="PATH"
    /// argc=N
    /// argv[0]="..."                  one line per argument
    /// envc=M
    /// env[0]="NAME=VALUE"            one line per environment entry
    /// fd[0]=pipe#1                   one line per open descriptor
    /// signals ignored=LIST blocked=LIST caught=LIST
    /// ```
    pub fn report() -> Result<(), Error> {
        // /proc/self/comm: the kernel sets it from the executed file's name.
        let comm = std::fs::read("/proc/self/comm")?;
        let comm = comm.strip_suffix(b"\n").unwrap_or(&comm);
        println!(
            "image pid={} ppid={} comm={} execfn={}",
            getpid(),
            getppid(),
            quote(comm),
            quote(&execfn())
        );
        let cmdline = std::fs::read("/proc/self/cmdline")?;
        let argv = strings(&cmdline);
        println!("argc={}", argv.len());
        for (i, arg) in argv.iter().enumerate() {
            println!("argv[{i}]={}", quote(arg));
        }
        let environ = std::fs::read("/proc/self/environ")?;
        let env = strings(&environ);
        println!("envc={}", env.len());
        for (i, entry) in env.iter().enumerate() {
            println!("env[{i}]={}", quote(entry));
        }
        descriptors()?;
        signals()?;
        Ok(())
    }

    /// The path this image was executed from, as given to execve(2): the
    /// auxiliary vector's AT_EXECFN (getauxval(3)). With a PATH search, it
    /// is the candidate that worked.
    fn execfn() -> Vec<u8> {
        // SAFETY: getauxval only reads the auxiliary vector; 0 means absent.
        let ptr = unsafe { libc::getauxval(libc::AT_EXECFN) } as *const libc::c_char;
        if ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the kernel put a NUL-terminated string there, and it lives
        // as long as the process.
        unsafe { CStr::from_ptr(ptr) }.to_bytes().to_vec()
    }

    /// Split a /proc block of NUL-terminated strings.
    fn strings(block: &[u8]) -> Vec<&[u8]> {
        let mut parts: Vec<&[u8]> = block.split(|&b| b == 0).collect();
        if parts.last().is_some_and(|last| last.is_empty()) {
            parts.pop();
        }
        parts
    }

    /// `fd[N]=...` for each descriptor in /proc/self/fd. Pipes and sockets are
    /// numbered in order of first appearance (`pipe#1`...), so two descriptors
    /// for the same pipe show the same number; paths are quoted.
    fn descriptors() -> Result<(), Error> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        for fd in open_fds()? {
            // The directory handle that listed /proc/self/fd is closed by
            // now: its number no longer resolves, and it is skipped.
            let Ok(target) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
                continue;
            };
            let target = target.to_string_lossy().into_owned();
            let kind = ["pipe", "socket"]
                .into_iter()
                .find(|kind| target.starts_with(&format!("{kind}:[")));
            let shown = match kind {
                Some(kind) => {
                    let next = counts.get(kind).copied().unwrap_or(0) + 1;
                    let n = *seen.entry(target.clone()).or_insert_with(|| {
                        counts.insert(kind, next);
                        next
                    });
                    format!("{kind}#{n}")
                }
                None => quote(target.as_bytes()),
            };
            println!("fd[{fd}]={shown}");
        }
        Ok(())
    }

    /// `signals ignored=.. blocked=.. caught=..` from /proc/self/status.
    fn signals() -> Result<(), Error> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        let mask = |field: &str| -> Result<u64, Error> {
            let line = status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .ok_or_else(|| format!("no {field} in /proc/self/status"))?;
            Ok(u64::from_str_radix(line.trim(), 16)?)
        };
        println!(
            "signals ignored={} blocked={} caught={}",
            names(mask("SigIgn:")?, RUNTIME_IGNORED),
            names(mask("SigBlk:")?, &[]),
            names(mask("SigCgt:")?, RUNTIME_CAUGHT)
        );
        Ok(())
    }

    /// The standard signals (1 to 31) of a /proc mask, where bit N-1 stands
    /// for signal N, by name without `SIG`, comma separated, `none` when empty.
    /// The real-time signals (32 and up) are left out: the C library keeps
    /// some of them for itself.
    fn names(mask: u64, leave_out: &[Signal]) -> String {
        let list: Vec<String> = (1..=31)
            .filter(|n| mask & (1u64 << (n - 1)) != 0)
            .filter_map(|n| match Signal::try_from(n) {
                Ok(sig) if leave_out.contains(&sig) => None,
                Ok(sig) => Some(sig.as_str().trim_start_matches("SIG").to_string()),
                Err(_) => Some(n.to_string()),
            })
            .collect();
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(",")
        }
    }
}

//! Driver for lab 06 system: the command line, the scene around each exercise
//! and every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/system.rs`. docs/src/06-system.md
//! describes each subcommand and its output; the grader compares that output,
//! after replacing the pids by stable names, with the reference's.
//!
//! Some subcommands set a trap for a classic mistake before they call your
//! code: a child of the driver's own whose status your code must not take, a
//! SIGCHLD handler that reaps any child it can, a signal that interrupts your
//! waitpid. The `scene` module sets them up; `watch` looks at the signal state
//! at the moment you fork; `show` prints.

mod system;

use std::ffi::{CStr, CString};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nix::sys::signal::Signal;
use nix::unistd::{Pid, getpid};

type Error = Box<dyn std::error::Error>;

/// The shell every subcommand runs unless told otherwise.
const SHELL: &str = "/bin/sh";

#[derive(Parser)]
#[command(
    name = "system",
    bin_name = "system",
    about = "Lab 06: system() from fork, exec and waitpid, and capturing a command's output"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run COMMAND with your mysystem and decode the raw status it returns
    Run {
        /// The shell to run COMMAND with
        #[arg(long, default_value = SHELL)]
        shell: String,
        /// First fork a child of the driver's own that exits with CODE at once;
        /// it is reaped (by pid) only after mysystem returns
        #[arg(long, value_name = "CODE", conflicts_with = "reaper",
              value_parser = clap::value_parser!(i32).range(0..=255))]
        bystander: Option<i32>,
        /// First install a SIGCHLD handler that reaps any child it can
        /// (waitpid(-1, WNOHANG) in a loop), and hold every fork until the child
        /// has ended, so that the handler gets its chance
        #[arg(long)]
        reaper: bool,
        /// The command line, one argument (quote it)
        #[arg(allow_hyphen_values = true)]
        command: String,
    },
    /// Show the signal state before, during (seen from inside the command) and
    /// after mysystem, and at the moment of the fork
    Signals {
        /// The shell to run the probe with
        #[arg(long, default_value = SHELL)]
        shell: String,
        /// Ignore this signal before calling mysystem (repeatable; INT, QUIT, ...)
        #[arg(long, value_name = "SIG", value_parser = ignorable)]
        ignore: Vec<Signal>,
        /// Block this signal before calling mysystem (repeatable)
        #[arg(long, value_name = "SIG", value_parser = blockable)]
        block: Vec<Signal>,
    },
    /// Interrupt mysystem's waitpid with a signal whose handler has no
    /// SA_RESTART; the command exits with CODE once the handler has run
    Eintr {
        /// The exit code of the command
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(i32).range(0..=255))]
        code: i32,
    },
    /// Run COMMAND with your capture and report what came on each stream
    Capture {
        /// The shell to run COMMAND with
        #[arg(long, default_value = SHELL)]
        shell: String,
        /// The command line, one argument (quote it)
        #[arg(allow_hyphen_values = true)]
        command: String,
    },
    /// Used by `eintr`, as the command: wait until PID sleeps in waitpid, send
    /// it SIGUSR1, read the byte its handler writes on FD, exit with CODE
    #[command(hide = true)]
    Poke { pid: i32, fd: i32, code: i32 },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("system: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Error> {
    // A known starting point, whoever started us: nothing ignored (Rust's
    // runtime ignores SIGPIPE before main; a C program would not), nothing
    // blocked.
    scene::clean_slate()?;
    match command {
        Command::Run {
            shell,
            bystander,
            reaper,
            command,
        } => run_command(&c_string(shell)?, &c_string(command)?, bystander, reaper),
        Command::Signals {
            shell,
            ignore,
            block,
        } => signals(&c_string(shell)?, &ignore, &block),
        Command::Eintr { code } => eintr(code),
        Command::Capture { shell, command } => capture(&c_string(shell)?, &c_string(command)?),
        Command::Poke { pid, fd, code } => scene::poke(Pid::from_raw(pid), fd, code),
    }
}

/// `run`: `status ...`, then the bystander's or the reaper's line if asked.
fn run_command(
    shell: &CStr,
    command: &CStr,
    bystander: Option<i32>,
    reaper: bool,
) -> Result<ExitCode, Error> {
    let bystander = match bystander {
        Some(code) => Some(scene::bystander(code)?),
        None => None,
    };
    if reaper {
        scene::install_reaper()?;
    }
    watch::arm(reaper);
    let result = system::mysystem(shell, command);
    watch::disarm();
    let ok = show::result(result);
    if let Some(pid) = bystander {
        show::bystander(pid, scene::reap_raw(pid));
    }
    if reaper {
        show::reaper(scene::reaped());
    }
    Ok(exit_code(ok))
}

/// `signals`: the caller's state before, the caller's and the child's during,
/// the caller's at the fork, the status, the caller's after.
fn signals(shell: &CStr, ignore: &[Signal], block: &[Signal]) -> Result<ExitCode, Error> {
    for &sig in ignore {
        scene::ignore(sig)?;
    }
    scene::block(block)?;
    show::state("before", &sigstate::of_self()?);

    // The command reads two status files while mysystem waits: its parent's
    // (the caller, blocked in waitpid) and its own (after `exec`, the same
    // process the shell was, with the signal state it inherited).
    let probe = std::env::temp_dir().join(format!("proclab-system-{}.status", getpid()));
    let _ = std::fs::remove_file(&probe);
    let command = format!(
        "exec cat /proc/$PPID/status /proc/self/status > {}",
        shell_quote(&probe.to_string_lossy())
    );
    watch::arm(false);
    let result = system::mysystem(shell, &c_string(command)?);
    let at_fork = watch::disarm();
    let seen = std::fs::read_to_string(&probe);
    let _ = std::fs::remove_file(&probe);

    if result.is_ok() {
        let seen =
            seen.map_err(|e| format!("the probe wrote nothing to {}: {e}", probe.display()))?;
        let [caller, child] = sigstate::two_from_status(&seen)?;
        show::during("caller", &caller);
        show::during("child", &child);
    }
    show::at_fork(&at_fork);
    let ok = show::result(result);
    show::state("after", &sigstate::of_self()?);
    Ok(exit_code(ok))
}

/// `eintr`: the status, then how many times the SIGUSR1 handler ran.
fn eintr(code: i32) -> Result<ExitCode, Error> {
    let wake = scene::install_usr1()?;
    let exe = std::env::current_exe()?;
    let command = format!(
        "exec {} poke {} {} {code}",
        shell_quote(&exe.to_string_lossy()),
        getpid(),
        wake
    );
    let result = system::mysystem(&c_string(SHELL)?, &c_string(command)?);
    let ok = show::result(result);
    show::handled(scene::handled());
    Ok(exit_code(ok))
}

/// `capture`: one line per stream, then the status.
fn capture(shell: &CStr, command: &CStr) -> Result<ExitCode, Error> {
    match system::capture(shell, command) {
        Ok(got) => {
            show::stream("stdout", &got.stdout);
            show::stream("stderr", &got.stderr);
            show::status(got.status);
            Ok(ExitCode::SUCCESS)
        }
        Err(errno) => {
            show::failed(errno);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn c_string(text: impl Into<Vec<u8>>) -> Result<CString, Error> {
    CString::new(text).map_err(|_| "a NUL byte cannot be passed to exec".into())
}

/// `text` as one word for the shell: in single quotes, each `'` written `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `--ignore`: a signal that may be ignored here. SIGCHLD may not: a process
/// that ignores it has its children reaped by the kernel, and waitpid then
/// fails with ECHILD (see waitpid(2), NOTES).
fn ignorable(name: &str) -> Result<Signal, String> {
    let sig = blockable(name)?;
    if sig == Signal::SIGCHLD {
        return Err("ignoring SIGCHLD makes the kernel reap children itself; \
                    waitpid would find none"
            .into());
    }
    Ok(sig)
}

/// `--block`: a signal by name (`INT`, `SIGINT`) or number, not KILL or STOP.
fn blockable(name: &str) -> Result<Signal, String> {
    let upper = name.to_ascii_uppercase();
    let sig = match upper.parse::<i32>() {
        Ok(n) => Signal::try_from(n).map_err(|e| e.to_string())?,
        Err(_) => {
            let full = if upper.starts_with("SIG") {
                upper
            } else {
                format!("SIG{upper}")
            };
            full.parse::<Signal>()
                .map_err(|_| format!("{name}: no such signal"))?
        }
    };
    if matches!(sig, Signal::SIGKILL | Signal::SIGSTOP) {
        return Err(format!(
            "{} can be neither ignored nor blocked",
            sig.as_str()
        ));
    }
    Ok(sig)
}

/// Signal sets as the kernel shows them in /proc/<pid>/status: a 64-bit mask,
/// bit N-1 for signal N. Only the 31 standard signals are kept: the realtime
/// ones (32 to 64) play no part here, and glibc reserves 32 and 33 for itself,
/// so a program cannot even reset them to their defaults with sigaction.
mod sigstate {
    use nix::sys::signal::Signal;

    use crate::Error;

    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct State {
        pub ignored: u64,
        pub blocked: u64,
    }

    /// The standard signals, 1 to 31.
    pub const STANDARD: u64 = 0x7fff_ffff;

    pub fn bit(sig: i32) -> u64 {
        1u64 << (sig - 1)
    }

    /// `SIGINT,SIGQUIT`, or `none`.
    pub fn names(mask: u64) -> String {
        let names: Vec<String> = (1..=31)
            .filter(|&n| mask & bit(n) != 0)
            .map(|n| match Signal::try_from(n) {
                Ok(sig) => sig.as_str().to_string(),
                Err(_) => format!("SIG{n}"),
            })
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(",")
        }
    }

    /// This process's own state, read from /proc/self/status.
    pub fn of_self() -> Result<State, Error> {
        let text = std::fs::read_to_string("/proc/self/status")?;
        let [state] = parse::<1>(&text)?;
        Ok(state)
    }

    /// Two status files one after the other (the probe's `cat A B`).
    pub fn two_from_status(text: &str) -> Result<[State; 2], Error> {
        parse::<2>(text)
    }

    /// N status files in a row; each starts with its `Name:` line.
    fn parse<const N: usize>(text: &str) -> Result<[State; N], Error> {
        let mut states = Vec::new();
        for line in text.lines() {
            if line.starts_with("Name:") {
                states.push((None, None));
            }
            let Some(current) = states.last_mut() else {
                continue;
            };
            if let Some(hex) = line.strip_prefix("SigIgn:") {
                current.0 = Some(u64::from_str_radix(hex.trim(), 16)? & STANDARD);
            } else if let Some(hex) = line.strip_prefix("SigBlk:") {
                current.1 = Some(u64::from_str_radix(hex.trim(), 16)? & STANDARD);
            }
        }
        let states: Vec<State> = states
            .into_iter()
            .map(|s| match s {
                (Some(ignored), Some(blocked)) => Ok(State { ignored, blocked }),
                _ => Err("a status file without SigIgn or SigBlk"),
            })
            .collect::<Result<_, _>>()?;
        states
            .try_into()
            .map_err(|got: Vec<State>| format!("{} status files, expected {N}", got.len()).into())
    }

    /// The calling thread's state from the signal calls themselves (no
    /// allocation, no file: it is used inside a pthread_atfork handler).
    pub fn now() -> State {
        let mut state = State::default();
        // SAFETY: all-zero bytes are a valid sigset_t and sigaction; the calls
        // only write into them, and a null new action or set changes nothing.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
            for n in 1..=31 {
                if libc::sigismember(&set, n) == 1 {
                    state.blocked |= bit(n);
                }
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(n, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_IGN
                {
                    state.ignored |= bit(n);
                }
            }
        }
        state
    }
}

/// What the caller's signal state is at the moment your code forks, seen by a
/// pthread_atfork(3) handler: it runs inside fork(), just before the new
/// process is made. (libc's fork runs these handlers; nix's fork is libc's.)
mod watch {
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

    use crate::sigstate::State;

    static INSTALL: Once = Once::new();
    static ARMED: AtomicBool = AtomicBool::new(false);
    static HOLD: AtomicBool = AtomicBool::new(false);
    static FORKS: AtomicU32 = AtomicU32::new(0);
    static IGNORED: AtomicU64 = AtomicU64::new(0);
    static BLOCKED: AtomicU64 = AtomicU64::new(0);

    /// What the handler saw: how many forks, and the state at the last one.
    pub struct Seen {
        pub forks: u32,
        pub state: State,
    }

    /// Start watching forks. With `hold`, the parent's side of every fork also
    /// waits, inside fork(), until some child has ended (without reaping it):
    /// whatever a SIGCHLD can do before fork returns, it then does.
    pub fn arm(hold: bool) {
        INSTALL.call_once(|| {
            // SAFETY: the two handlers only touch atomics and make system
            // calls; registering them has no other precondition.
            unsafe { libc::pthread_atfork(Some(prepare), Some(parent), None) };
        });
        FORKS.store(0, Ordering::SeqCst);
        HOLD.store(hold, Ordering::SeqCst);
        ARMED.store(true, Ordering::SeqCst);
    }

    pub fn disarm() -> Seen {
        ARMED.store(false, Ordering::SeqCst);
        Seen {
            forks: FORKS.load(Ordering::SeqCst),
            state: State {
                ignored: IGNORED.load(Ordering::SeqCst),
                blocked: BLOCKED.load(Ordering::SeqCst),
            },
        }
    }

    unsafe extern "C" fn prepare() {
        if ARMED.load(Ordering::SeqCst) {
            let now = crate::sigstate::now();
            FORKS.fetch_add(1, Ordering::SeqCst);
            IGNORED.store(now.ignored, Ordering::SeqCst);
            BLOCKED.store(now.blocked, Ordering::SeqCst);
        }
    }

    unsafe extern "C" fn parent() {
        if !(ARMED.load(Ordering::SeqCst) && HOLD.load(Ordering::SeqCst)) {
            return;
        }
        let saved = nix::errno::Errno::last_raw();
        loop {
            // SAFETY: an all-zero siginfo_t is valid; waitid writes into it.
            // WNOWAIT leaves the child a zombie, for its parent to reap.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            let flags = libc::WEXITED | libc::WNOWAIT;
            let done = unsafe { libc::waitid(libc::P_ALL, 0, &mut info, flags) };
            if done == 0 || nix::errno::Errno::last() != nix::errno::Errno::EINTR {
                break;
            }
        }
        nix::errno::Errno::set_raw(saved);
    }
}

/// The traps and props the subcommands set up around your code.
mod scene {
    use std::os::fd::{BorrowedFd, IntoRawFd};
    use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
    use std::time::{Duration, Instant};

    use libc::c_int;
    use nix::errno::Errno;
    use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
    use nix::sys::signal::{
        SaFlags, SigAction, SigHandler, SigSet, SigmaskHow, Signal, kill, sigaction, sigprocmask,
    };
    use nix::sys::wait::{Id, WaitPidFlag, waitid};
    use nix::unistd::{ForkResult, Pid, fork, pipe2};

    use crate::Error;

    /// Every ignored signal back to its default action, and nothing blocked.
    /// Handlers (Rust's runtime keeps some for SIGSEGV and SIGBUS) stay.
    pub fn clean_slate() -> Result<(), Error> {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        let ignored = crate::sigstate::now().ignored;
        for sig in Signal::iterator() {
            if ignored & crate::sigstate::bit(sig as i32) != 0 {
                // SAFETY: SIG_DFL installs no handler.
                unsafe { sigaction(sig, &default) }?;
            }
        }
        SigSet::empty().thread_set_mask()?;
        Ok(())
    }

    pub fn ignore(sig: Signal) -> Result<(), Error> {
        let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
        // SAFETY: SIG_IGN installs no handler.
        unsafe { sigaction(sig, &ignore) }?;
        Ok(())
    }

    pub fn block(sigs: &[Signal]) -> Result<(), Error> {
        let mut set = SigSet::empty();
        for &sig in sigs {
            set.add(sig);
        }
        sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)?;
        Ok(())
    }

    /// Fork a child that exits with `code` at once, and wait until it has
    /// (without reaping it): a zombie, ready to be taken by the wrong wait.
    pub fn bystander(code: i32) -> Result<Pid, Error> {
        // SAFETY: no other thread runs; the child only calls _exit.
        let child = match unsafe { fork() }? {
            ForkResult::Child => unsafe { libc::_exit(code) },
            ForkResult::Parent { child } => child,
        };
        loop {
            match waitid(Id::Pid(child), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(format!("waitid for the bystander: {e}").into()),
                Ok(_) => return Ok(child),
            }
        }
    }

    /// waitpid(pid) with the raw status.
    pub fn reap_raw(pid: Pid) -> nix::Result<c_int> {
        let mut status = 0;
        loop {
            // SAFETY: waitpid writes one int through a pointer to a live local.
            let ended = unsafe { libc::waitpid(pid.as_raw(), &mut status, 0) };
            match Errno::result(ended) {
                Ok(_) => return Ok(status),
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    // ANCHOR: reaper
    static REAPED: AtomicU32 = AtomicU32::new(0);

    /// A SIGCHLD handler as many programs have one: reap whatever has ended.
    extern "C" fn reap_any(_: c_int) {
        let saved = Errno::last_raw();
        loop {
            let mut status = 0;
            // SAFETY: waitpid is async-signal-safe; the pointer is to a local.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                break;
            }
            REAPED.fetch_add(1, Ordering::SeqCst);
        }
        Errno::set_raw(saved);
    }

    pub fn install_reaper() -> Result<(), Error> {
        let action = SigAction::new(
            SigHandler::Handler(reap_any),
            SaFlags::SA_RESTART | SaFlags::SA_NOCLDSTOP,
            SigSet::empty(),
        );
        // SAFETY: the handler calls only waitpid and touches only atomics.
        unsafe { sigaction(Signal::SIGCHLD, &action) }?;
        Ok(())
    }
    // ANCHOR_END: reaper

    pub fn reaped() -> u32 {
        REAPED.load(Ordering::SeqCst)
    }

    static HANDLED: AtomicU32 = AtomicU32::new(0);
    static WAKE: AtomicI32 = AtomicI32::new(-1);

    /// SIGUSR1's handler: count, and tell the poke process it has run.
    extern "C" fn on_usr1(_: c_int) {
        let saved = Errno::last_raw();
        HANDLED.fetch_add(1, Ordering::SeqCst);
        let fd = WAKE.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: write is async-signal-safe; the buffer is static.
            unsafe { libc::write(fd, b"u".as_ptr().cast(), 1) };
        }
        Errno::set_raw(saved);
    }

    /// A SIGUSR1 handler *without* SA_RESTART, so that it interrupts a blocked
    /// waitpid, and a pipe on which it reports that it ran. Returns the read
    /// end's number: it stays open across exec for the poke process.
    pub fn install_usr1() -> Result<i32, Error> {
        let (read, write) = pipe2(OFlag::O_CLOEXEC)?;
        fcntl(&read, FcntlArg::F_SETFD(FdFlag::empty()))?;
        WAKE.store(write.into_raw_fd(), Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_usr1),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler calls only write and touches only atomics.
        unsafe { sigaction(Signal::SIGUSR1, &action) }?;
        Ok(read.into_raw_fd())
    }

    pub fn handled() -> u32 {
        HANDLED.load(Ordering::SeqCst)
    }

    /// How long `poke` waits at most for its target to sleep in waitpid.
    const POKE_LIMIT: Duration = Duration::from_secs(5);

    /// The `poke` command: once `target` sleeps in waitpid, send it SIGUSR1,
    /// wait for its handler's byte on `fd`, and exit with `code`. Until the
    /// byte comes this process stays alive, so the target's waitpid has
    /// nothing to return and the signal interrupts it (EINTR).
    pub fn poke(target: Pid, fd: i32, code: i32) -> Result<std::process::ExitCode, Error> {
        let since = Instant::now();
        while !in_wait(target) && since.elapsed() < POKE_LIMIT {
            std::thread::sleep(Duration::from_millis(1));
        }
        kill(target, Signal::SIGUSR1)?;
        // SAFETY: fd was inherited open from the driver for this purpose.
        let wake = unsafe { BorrowedFd::borrow_raw(fd) };
        let mut byte = [0u8; 1];
        // A byte, or end of file (the target has gone), ends the wait.
        while let Err(Errno::EINTR) = nix::unistd::read(wake, &mut byte) {}
        Ok(std::process::ExitCode::from(code as u8))
    }

    /// Whether `pid` sleeps in a wait call: its wchan names the kernel's
    /// do_wait. Where the kernel does not say (wchan `0`), any sleep counts.
    fn in_wait(pid: Pid) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/wchan")) {
            Ok(wchan) if wchan.trim() != "0" && !wchan.trim().is_empty() => wchan.contains("wait"),
            _ => std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let after = stat.rsplit_once(')')?.1;
                    after.split_whitespace().next().map(|s| s == "S")
                })
                .unwrap_or(true),
        }
    }
}

/// Every line the lab prints.
mod show {
    use libc::c_int;
    use nix::errno::Errno;
    use nix::sys::signal::Signal;
    use nix::unistd::Pid;

    use crate::sigstate::{State, names};
    use crate::watch::Seen;

    fn signal_name(n: c_int) -> String {
        match Signal::try_from(n) {
            Ok(sig) => sig.as_str().to_string(),
            Err(_) => format!("SIG{n}"),
        }
    }

    /// `raw=R how=exited code=C`, `raw=R how=signaled signal=S core=B`, or
    /// `raw=R how=other`: a raw wait status, decoded with the W* macros.
    pub fn decode(raw: c_int) -> String {
        if libc::WIFEXITED(raw) {
            format!("raw={raw} how=exited code={}", libc::WEXITSTATUS(raw))
        } else if libc::WIFSIGNALED(raw) {
            format!(
                "raw={raw} how=signaled signal={} core={}",
                signal_name(libc::WTERMSIG(raw)),
                libc::WCOREDUMP(raw)
            )
        } else {
            format!("raw={raw} how=other")
        }
    }

    /// `status ...` (see [`decode`]).
    pub fn status(raw: c_int) {
        println!("status {}", decode(raw));
    }

    /// `failed errno=E`: your function returned this error.
    pub fn failed(errno: Errno) {
        println!("failed errno={errno:?}");
    }

    /// The status line or the failure line; true for a status.
    pub fn result(result: nix::Result<c_int>) -> bool {
        match result {
            Ok(raw) => {
                status(raw);
                true
            }
            Err(errno) => {
                failed(errno);
                false
            }
        }
    }

    /// `bystander pid=P raw=...` or `bystander pid=P failed errno=E`.
    pub fn bystander(pid: Pid, reaped: nix::Result<c_int>) {
        match reaped {
            Ok(raw) => println!("bystander pid={pid} {}", decode(raw)),
            Err(errno) => println!("bystander pid={pid} failed errno={errno:?}"),
        }
    }

    /// `reaper reaped=N`: children the SIGCHLD handler took.
    pub fn reaper(reaped: u32) {
        println!("reaper reaped={reaped}");
    }

    /// `usr1 handled=N`: times the SIGUSR1 handler ran.
    pub fn handled(handled: u32) {
        println!("usr1 handled={handled}");
    }

    /// `WHEN ignored=... blocked=...` for this process.
    pub fn state(when: &str, state: &State) {
        println!(
            "{when} ignored={} blocked={}",
            names(state.ignored),
            names(state.blocked)
        );
    }

    /// `during who=WHO ignored=... blocked=...`, as the probe command saw it.
    pub fn during(who: &str, state: &State) {
        println!(
            "during who={who} ignored={} blocked={}",
            names(state.ignored),
            names(state.blocked)
        );
    }

    /// `at_fork forks=N ignored=... blocked=...`: the caller at its last fork.
    pub fn at_fork(seen: &Seen) {
        println!(
            "at_fork forks={} ignored={} blocked={}",
            seen.forks,
            names(seen.state.ignored),
            names(seen.state.blocked)
        );
    }

    /// `stream name=NAME bytes=N lines=L fnv=HASH`: what came on one stream;
    /// HASH is the 64-bit FNV-1a hash of the bytes, in hex.
    pub fn stream(name: &str, bytes: &[u8]) {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        println!(
            "stream name={name} bytes={} lines={lines} fnv={hash:016x}",
            bytes.len()
        );
    }
}

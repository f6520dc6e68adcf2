//! Driver for lab 05 wait: the command line, the children, and every line of
//! output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/wait.rs`. The driver forks every
//! child, decides what each child does, and prints every line (the `show`
//! module); your functions do the waiting and the decoding. The chapter
//! docs/src/05-wait.md describes each subcommand and its output; the grader
//! compares that output, after replacing the pids by stable names, with the
//! reference's.

mod wait;

use std::io::{self, BufRead, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use nix::errno::Errno;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, kill, sigaction};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
use nix::unistd::{ForkResult, Pid, getpid, getppid};
use proclab_labkit::{Gate, pid_from_bytes, wait_gone};

type Error = Box<dyn std::error::Error>;

/// The longest any bounded poll of the driver goes on (a process waiting to
/// be adopted, a pid waiting to vanish).
const POLL_LIMIT: Duration = Duration::from_secs(5);
/// How long the `eintr` child looks for its parent blocked in a wait call
/// before it sends its signal anyway.
const BLOCKED_LIMIT: Duration = Duration::from_secs(2);
/// The exit code of the bystander child in `report`.
const BYSTANDER_CODE: i32 = 99;
/// The name every child that is looked at in /proc gives itself: whoever
/// splits the stat line on spaces, or ends the name at the first `)`, reads
/// the `S` in it instead of the real state.
const TRICKY_NAME: &std::ffi::CStr = c"kid) S (";

#[derive(Parser)]
#[command(
    name = "wait",
    bin_name = "wait",
    about = "Lab 05: waiting for children, decoding how they ended, zombies and subreapers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a child that behaves as HOW says; report each change of its
    /// state (end, stop, continue) until it has ended
    Report {
        /// The child first allows itself core dumps (raises its soft
        /// RLIMIT_CORE to the hard limit)
        #[arg(long)]
        core: bool,
        #[command(subcommand)]
        how: How,
    },
    /// Leave a child as a zombie, show its state in /proc, reap it, show it
    /// gone
    Zombie {
        /// The child's exit code
        #[arg(long, default_value_t = 7)]
        code: u8,
    },
    /// Start N children held at a gate; sweep with WNOHANG, open the gate,
    /// take the one SIGCHLD, sweep again until ECHILD
    Reap {
        /// How many children, 1 to 64
        #[arg(value_parser = clap::value_parser!(u32).range(1..=64))]
        n: u32,
    },
    /// Become a child subreaper, orphan a grandchild, reap everything that
    /// comes back
    Adopt {
        /// The exit code of the middle child
        #[arg(long, default_value_t = 3)]
        middle: u8,
        /// The exit code of the grandchild
        #[arg(long, default_value_t = 4)]
        grandchild: u8,
    },
    /// A SIGUSR1 handler interrupts the blocking wait for a child
    Eintr {
        /// Install the handler with SA_RESTART: the kernel restarts the wait
        #[arg(long)]
        restart: bool,
        /// The child's exit code
        #[arg(long, default_value_t = 3)]
        code: u8,
    },
    /// Set SIGCHLD's disposition, let a child end, look for its zombie, wait
    Sigchld {
        #[arg(value_enum)]
        disposition: Disposition,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum How {
    /// Exit at once with CODE
    Exit { code: u8 },
    /// Send itself SIGNAL, its disposition reset to the default first; if
    /// that does not end it (a stop signal), go on as `hold` afterwards
    Raise {
        #[arg(value_parser = signal_arg)]
        signal: Signal,
    },
    /// Block reading stdin: a line `exit N` ends it with code N, end of file
    /// with 0; anything else is ignored
    Hold,
}

#[derive(ValueEnum, Clone, Copy)]
enum Disposition {
    /// SIG_IGN: the kernel reaps ended children by itself
    Ignore,
    /// SIG_DFL: an ended child stays a zombie until waited for
    Default,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // An ignored SIGCHLD is inherited across exec, and with it no child would
    // ever be a zombie and no wait would get a status. Start from the
    // default, whatever our parent left us (`sigchld` sets its own).
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: installs no handler, only the default action.
    if let Err(e) = unsafe { sigaction(Signal::SIGCHLD, &default) } {
        eprintln!("wait: sigaction(SIGCHLD): {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Report { core, how } => report(core, how),
        Command::Zombie { code } => zombie(code),
        Command::Reap { n } => reap(n),
        Command::Adopt { middle, grandchild } => adopt(middle, grandchild),
        Command::Eintr { restart, code } => eintr(restart, code),
        Command::Sigchld { disposition } => sigchld(disposition),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wait: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `report [--core] HOW`: a bystander child that has already ended, then the
/// child under watch; one `status` line per change `wait::next_change`
/// reports, until the child has ended; then the bystander is reaped.
fn report(core: bool, how: How) -> Result<(), Error> {
    // Another child of ours, already a zombie: whoever waits for "any child"
    // instead of the one under watch gets this one's status.
    let bystander = spawn(|| BYSTANDER_CODE)?;
    exited_not_reaped(bystander)?;
    show::bystander(bystander);
    let child = spawn(move || be_watched(core, how))?;
    show::child(child);
    loop {
        match wait::next_change(child) {
            Ok((pid, raw)) => {
                show::status("status", pid, raw);
                if has_ended(pid, raw) {
                    break;
                }
            }
            Err(errno) => {
                show::wait_failed("status", child, errno);
                break;
            }
        }
    }
    show::bystander_reaped(bystander, waitpid(bystander, None));
    Ok(())
}

/// The child of `report`.
fn be_watched(core: bool, how: How) -> i32 {
    if core && let Err(e) = wait::allow_core_dumps() {
        eprintln!("wait: child {}: allow_core_dumps: {e}", getpid());
        return 1;
    }
    match how {
        How::Exit { code } => i32::from(code),
        How::Raise { signal } => {
            if let Err(e) = raise_default(signal) {
                eprintln!("wait: child {}: raise {signal}: {e}", getpid());
                return 1;
            }
            hold()
        }
        How::Hold => hold(),
    }
}

/// Send ourselves `signal` with its default action: Rust's runtime ignores
/// SIGPIPE and catches SIGSEGV and SIGBUS, so reset the disposition first
/// (SIGKILL and SIGSTOP cannot be caught or ignored anyway), and unblock it.
fn raise_default(signal: Signal) -> nix::Result<()> {
    if !matches!(signal, Signal::SIGKILL | Signal::SIGSTOP) {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: installs no handler, only the default action.
        unsafe { sigaction(signal, &default) }?;
    }
    let mut set = SigSet::empty();
    set.add(signal);
    set.thread_unblock()?;
    kill(getpid(), signal)
}

/// Read stdin line by line: `exit N` means leave with N; end of file means
/// leave with 0.
fn hold() -> i32 {
    let mut line = String::new();
    loop {
        line.clear();
        match io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => return 0,
            Ok(_) => {
                if let Some(code) = line.trim().strip_prefix("exit ")
                    && let Ok(code) = code.trim().parse::<u8>()
                {
                    return i32::from(code);
                }
            }
        }
    }
}

/// `zombie [--code N]`: the child exits; `wait::await_exit` lets us know
/// without reaping it; we show its state, stop at `ready`, reap it with
/// `wait::next_change`, show its state again and stop at `ready` again.
fn zombie(code: u8) -> Result<(), Error> {
    let child = spawn(move || {
        let _ = nix::sys::prctl::set_name(TRICKY_NAME);
        i32::from(code)
    })?;
    show::child(child);
    wait::await_exit(child)?;
    show::state(child, wait::proc_state(child)?);
    ready()?;
    match wait::next_change(child) {
        Ok((pid, raw)) => show::status("status", pid, raw),
        Err(errno) => show::wait_failed("status", child, errno),
    }
    show::state(child, wait::proc_state(child)?);
    ready()?;
    Ok(())
}

/// `reap N`: N children wait at a gate. One sweep while they all still run;
/// then the gate opens, the driver waits until every child has ended
/// (without reaping), takes the pending SIGCHLDs, and sweeps again.
fn reap(n: u32) -> Result<(), Error> {
    // Blocked, SIGCHLD stays pending instead of being delivered, so that we
    // can count how many are pending once every child has ended.
    let mut chld = SigSet::empty();
    chld.add(Signal::SIGCHLD);
    chld.thread_block()?;

    let mut gate = Gate::new()?;
    let mut kids = Vec::new();
    for code in 1..=n {
        let kid = spawn(|| match gate.wait() {
            Ok(_) => code as i32,
            Err(_) => 100,
        })?;
        kids.push(kid);
    }
    show::children(&kids);

    sweep(wait::reap_available());
    gate.open();
    for &kid in &kids {
        exited_not_reaped(kid)?;
    }
    let pending = take_pending(&chld)?;
    show::sigchld(pending, kids.len());
    sweep(wait::reap_available());
    ready()?;
    Ok(())
}

fn sweep(result: nix::Result<wait::Sweep>) {
    match result {
        Ok(found) => {
            for &(pid, raw) in &found.reaped {
                show::status("reaped", pid, raw);
            }
            show::sweep(&found);
        }
        Err(errno) => show::sweep_failed(errno),
    }
}

/// How many times `set`'s signals were pending: take each with sigwait(2)
/// until sigpending(2) shows none.
fn take_pending(set: &SigSet) -> nix::Result<usize> {
    let mut taken = 0;
    loop {
        let mut pending = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: sigpending fills in the whole set it is given.
        Errno::result(unsafe { libc::sigpending(pending.as_mut_ptr()) })?;
        // SAFETY: filled in just above.
        let pending = unsafe { pending.assume_init() };
        // SAFETY: a valid, initialised set and a valid signal number.
        let is_pending = unsafe { libc::sigismember(&pending, libc::SIGCHLD) } == 1;
        if !is_pending {
            return Ok(taken);
        }
        set.wait()?;
        taken += 1;
    }
}

/// `adopt`: become a subreaper; a middle child forks the grandchild, tells
/// us its pid, and exits; the grandchild reports its new parent and exits;
/// `wait::reap_all` collects whatever is ours.
fn adopt(middle_code: u8, grandchild_code: u8) -> Result<(), Error> {
    wait::become_subreaper()?;
    // The middle child and the grandchild both hold the write end of this
    // pipe, so it reaches end of file only when both have exited.
    let mut news = Gate::new()?;
    let middle = spawn(|| be_middle(&news, middle_code, grandchild_code))?;
    let got = news.wait()?;
    let grandchild = pid_from_bytes(&got).ok_or("the middle child did not report its child")?;
    show::family(middle, grandchild);
    match wait::reap_all() {
        Ok(all) => {
            for &(pid, raw) in &all {
                show::status("reaped", pid, raw);
            }
            show::reaped(all.len());
        }
        Err(errno) => show::reap_all_failed(errno),
    }
    ready()?;
    Ok(())
}

fn be_middle(news: &Gate, code: u8, grandchild_code: u8) -> i32 {
    let me = getpid();
    match spawn(move || be_grandchild(me, grandchild_code)) {
        Ok(grandchild) => match news.send(&grandchild.as_raw().to_ne_bytes()) {
            Ok(()) => i32::from(code),
            Err(_) => 1,
        },
        Err(_) => 1,
    }
}

/// The grandchild: waits (a bounded poll) until `old`, its parent, is gone
/// and someone has adopted it, reports, and exits.
fn be_grandchild(old: Pid, code: u8) -> i32 {
    let since = Instant::now();
    let mut now = getppid();
    while now == old && since.elapsed() < POLL_LIMIT {
        std::thread::sleep(Duration::from_millis(1));
        now = getppid();
    }
    show::grandchild(old, now);
    i32::from(code)
}

/// Handler calls of `eintr`, and the pipe the handler writes one byte into
/// each time (so that the child knows it has run).
static HANDLED: AtomicUsize = AtomicUsize::new(0);
static RANG_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_usr1(_: libc::c_int) {
    // Only async-signal-safe work here: an atomic add and write(2), with
    // errno saved and restored around it.
    // SAFETY: __errno_location returns this thread's errno; write is
    // async-signal-safe and the buffer is valid.
    unsafe {
        let errno = *libc::__errno_location();
        HANDLED.fetch_add(1, Ordering::SeqCst);
        let fd = RANG_FD.load(Ordering::SeqCst);
        if fd >= 0 {
            let _ = libc::write(fd, b"!".as_ptr().cast(), 1);
        }
        *libc::__errno_location() = errno;
    }
}

/// `eintr [--restart] [--code N]`: the child waits until it sees us blocked
/// in a wait call, sends us SIGUSR1, waits until the handler has run, and
/// exits with N. `wait::next_change` must come back with its status.
fn eintr(restart: bool, code: u8) -> Result<(), Error> {
    let (rang_read, rang_write) = nix::unistd::pipe()?;
    RANG_FD.store(rang_write.as_raw_fd(), Ordering::SeqCst);
    let flags = if restart {
        SaFlags::SA_RESTART
    } else {
        SaFlags::empty()
    };
    let action = SigAction::new(SigHandler::Handler(on_usr1), flags, SigSet::empty());
    // SAFETY: the handler does only async-signal-safe work.
    unsafe { sigaction(Signal::SIGUSR1, &action) }?;
    show::handler(Signal::SIGUSR1, restart);

    let child = spawn(|| interrupt_parent(&rang_read, code))?;
    allow_to_read_syscall(child);
    show::child(child);
    match wait::next_change(child) {
        Ok((pid, raw)) => show::status("status", pid, raw),
        Err(errno) => {
            show::wait_failed("status", child, errno);
            // Collect the child anyway, so that the failure shows as the
            // line above and not as a zombie.
            while let Err(Errno::EINTR) = waitpid(child, None) {}
        }
    }
    show::handled(HANDLED.load(Ordering::SeqCst));
    RANG_FD.store(-1, Ordering::SeqCst);
    drop(rang_write);
    Ok(())
}

/// The child of `eintr`.
fn interrupt_parent(rang: &OwnedFd, code: u8) -> i32 {
    let parent = getppid();
    // Wait until the parent is blocked in wait4 or waitid, so that the
    // signal interrupts that call and not something before it. (Where
    // /proc/<pid>/syscall cannot be read, send it after the bounded poll.)
    let since = Instant::now();
    while !blocked_in_wait(parent) && since.elapsed() < BLOCKED_LIMIT {
        std::thread::sleep(Duration::from_millis(1));
    }
    if kill(parent, Signal::SIGUSR1).is_err() {
        return 1;
    }
    // Exit only once the handler has run: had we exited at once, the
    // parent's wait could find us gone and return before the signal is
    // dealt with.
    let mut byte = [0u8; 1];
    loop {
        match nix::unistd::read(rang, &mut byte) {
            Ok(1) => return i32::from(code),
            Ok(_) => return 1,
            Err(Errno::EINTR) => {}
            Err(_) => return 1,
        }
    }
}

/// Whether `pid` is blocked in wait4(2) or waitid(2) right now, from the
/// first field of /proc/<pid>/syscall: the number of the system call it is
/// blocked in.
fn blocked_in_wait(pid: Pid) -> bool {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/syscall")) else {
        return false;
    };
    let number = text
        .split_ascii_whitespace()
        .next()
        .and_then(|n| n.parse::<libc::c_long>().ok());
    matches!(number, Some(n) if n == libc::SYS_wait4 || n == libc::SYS_waitid)
}

/// Under the Yama security module (ptrace_scope 1), only an ancestor may
/// read another process's /proc/<pid>/syscall; let our child read ours.
/// Without Yama the call fails with EINVAL and nothing is needed.
fn allow_to_read_syscall(child: Pid) {
    // SAFETY: PR_SET_PTRACER takes a pid and touches no memory of ours.
    let _ = unsafe {
        libc::prctl(
            libc::PR_SET_PTRACER,
            child.as_raw() as libc::c_ulong,
            0,
            0,
            0,
        )
    };
}

/// `sigchld ignore|default`: set SIGCHLD's disposition, let a child exit,
/// wait until it has ended (a zombie) or is gone, show its state, stop at
/// `ready`, then wait for it with `wait::next_change`.
fn sigchld(disposition: Disposition) -> Result<(), Error> {
    let handler = match disposition {
        Disposition::Ignore => SigHandler::SigIgn,
        Disposition::Default => SigHandler::SigDfl,
    };
    let action = SigAction::new(handler, SaFlags::empty(), SigSet::empty());
    // SAFETY: installs no handler, only a disposition.
    unsafe { sigaction(Signal::SIGCHLD, &action) }?;
    show::disposition(disposition);
    let child = spawn(|| {
        let _ = nix::sys::prctl::set_name(TRICKY_NAME);
        5
    })?;
    show::child(child);
    match exited_not_reaped(child) {
        Ok(()) => {}
        // SIGCHLD ignored: the kernel reaped it, and waitid, after blocking
        // until it was gone, found no child. Its pid may take a moment
        // longer to be freed.
        Err(Errno::ECHILD) => wait_gone(child, POLL_LIMIT),
        Err(errno) => return Err(errno.into()),
    }
    show::state(child, wait::proc_state(child)?);
    ready()?;
    match wait::next_change(child) {
        Ok((pid, raw)) => show::status("status", pid, raw),
        Err(errno) => show::wait_failed("status", child, errno),
    }
    Ok(())
}

/// Block until `child` has ended, leaving it a zombie (waitid with WNOWAIT):
/// the driver's own way of knowing, used to set the stage for your code.
fn exited_not_reaped(child: Pid) -> nix::Result<()> {
    loop {
        match waitid(Id::Pid(child), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {
            Err(Errno::EINTR) => {}
            other => return other.map(drop),
        }
    }
}

/// Whether a raw status says the child has ended (exited or killed), by
/// nix's own decoding: the driver's loops never depend on yours.
fn has_ended(pid: Pid, raw: libc::c_int) -> bool {
    !matches!(
        WaitStatus::from_raw(pid, raw),
        Ok(WaitStatus::Stopped(..) | WaitStatus::Continued(..))
    )
}

/// Fork a child that runs `body` and leaves with its value as exit status
/// (101 if it panics), through _exit: it never returns into the driver.
fn spawn(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    // SAFETY: the driver starts no threads, so the child may call anything;
    // it leaves through _exit and never runs the caller's code.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
            let _ = io::stdout().flush();
            // SAFETY: ends the child here; nothing after it runs.
            unsafe { libc::_exit(code) }
        }
    }
}

/// Print `ready`, then block until a line (or end of file) arrives on stdin:
/// the grader looks at the process tree in between.
fn ready() -> io::Result<()> {
    show::ready();
    io::stdout().flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(())
}

/// `TERM`, `SIGTERM`, `term` or a number.
fn signal_arg(text: &str) -> Result<Signal, String> {
    if let Ok(n) = text.parse::<i32>() {
        return Signal::try_from(n).map_err(|e| format!("signal {n}: {e}"));
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    name.parse().map_err(|_| format!("no signal called {text}"))
}

/// Every line the lab prints.
mod show {
    use libc::c_int;
    use nix::errno::Errno;
    use nix::sys::signal::Signal;
    use nix::sys::wait::WaitStatus;
    use nix::unistd::Pid;

    use crate::Disposition;
    use crate::wait::{self, Left, Outcome, Sweep};

    /// A signal by name when it has one (`SIGTERM`), else by number.
    fn signal(n: c_int) -> String {
        Signal::try_from(n).map_or_else(|_| n.to_string(), |s| s.as_str().to_string())
    }

    /// `WORD child=P raw=0xHHHH` and what your decode made of the word:
    /// `exited code=N`, `signaled signal=SIG core=B`, `stopped signal=SIG`
    /// or `continued`.
    pub fn status(word: &str, pid: Pid, raw: c_int) {
        let how = match wait::decode(raw) {
            Outcome::Exited { code } => format!("exited code={code}"),
            Outcome::Signaled { signal: n, core } => {
                format!("signaled signal={} core={core}", signal(n))
            }
            Outcome::Stopped { signal: n } => format!("stopped signal={}", signal(n)),
            Outcome::Continued => "continued".to_string(),
        };
        println!("{word} child={pid} raw={raw:#06x} {how}");
    }

    /// `WORD child=P error=ENAME`: the wait for P failed.
    pub fn wait_failed(word: &str, pid: Pid, errno: Errno) {
        println!("{word} child={pid} error={errno:?}");
    }

    /// `child pid=P`: a child was forked.
    pub fn child(pid: Pid) {
        println!("child pid={pid}");
    }

    /// `bystander pid=P`: the other child of `report`, already ended.
    pub fn bystander(pid: Pid) {
        println!("bystander pid={pid}");
    }

    /// `bystander pid=P code=N` once the driver has reaped it, or
    /// `bystander pid=P error=ECHILD` if someone else already had.
    pub fn bystander_reaped(pid: Pid, result: nix::Result<WaitStatus>) {
        match result {
            Ok(WaitStatus::Exited(_, code)) => println!("bystander pid={pid} code={code}"),
            Ok(other) => println!("bystander pid={pid} other={other:?}"),
            Err(errno) => println!("bystander pid={pid} error={errno:?}"),
        }
    }

    /// `child pid=P state=C`, or `state=gone` when /proc has no such process.
    pub fn state(pid: Pid, state: Option<char>) {
        match state {
            Some(c) => println!("child pid={pid} state={c}"),
            None => println!("child pid={pid} state=gone"),
        }
    }

    /// `children=P1,P2,...` in fork order.
    pub fn children(kids: &[Pid]) {
        let list: Vec<String> = kids.iter().map(Pid::to_string).collect();
        println!("children={}", list.join(","));
    }

    /// `sweep reaped=N left=running|none`, after the sweep's `reaped` lines.
    pub fn sweep(found: &Sweep) {
        let left = match found.left {
            Left::Running => "running",
            Left::NoChildren => "none",
        };
        println!("sweep reaped={} left={left}", found.reaped.len());
    }

    /// `sweep error=ENAME`: the sweep failed.
    pub fn sweep_failed(errno: Errno) {
        println!("sweep error={errno:?}");
    }

    /// `sigchld pending=N exited=M`: M children had ended when we counted
    /// the SIGCHLDs pending for them: N.
    pub fn sigchld(pending: usize, exited: usize) {
        println!("sigchld pending={pending} exited={exited}");
    }

    /// `grandchild pid=G oldppid=M newppid=A`, printed by the grandchild
    /// once it has been adopted.
    pub fn grandchild(old: Pid, new: Pid) {
        println!(
            "grandchild pid={} oldppid={old} newppid={new}",
            nix::unistd::getpid()
        );
    }

    /// `middle pid=M grandchild_pid=G`.
    pub fn family(middle: Pid, grandchild: Pid) {
        println!("middle pid={middle} grandchild_pid={grandchild}");
    }

    /// `reaped=N`: how many children `reap_all` collected.
    pub fn reaped(n: usize) {
        println!("reaped={n}");
    }

    /// `reap error=ENAME`: `reap_all` failed.
    pub fn reap_all_failed(errno: Errno) {
        println!("reap error={errno:?}");
    }

    /// `handler signal=SIG restart=B`.
    pub fn handler(sig: Signal, restart: bool) {
        println!("handler signal={} restart={restart}", sig.as_str());
    }

    /// `handled=N`: how many times the handler ran.
    pub fn handled(n: usize) {
        println!("handled={n}");
    }

    /// `sigchld disposition=ignore|default`.
    pub fn disposition(d: Disposition) {
        let word = match d {
            Disposition::Ignore => "ignore",
            Disposition::Default => "default",
        };
        println!("sigchld disposition={word}");
    }

    pub fn ready() {
        println!("ready");
    }
}

//! Driver for lab 09 signals: the command line, the stage for each exercise,
//! and every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/signals.rs`. The driver installs what
//! must be installed through your functions, forks the helpers (a watcher that
//! tells the grader when this process is blocked, victims for `kill`,
//! children for the event loop), and prints every line (the `show` module).
//! The chapter docs/src/09-signals.md describes each subcommand and its
//! output; the grader compares that output, after replacing the pids by
//! stable names, with the reference's.

mod signals;

use std::io::{self, BufRead, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{SigSet, Signal, kill};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
use nix::unistd::{ForkResult, Pid, getpid, getppid, setpgid};
use proclab_labkit::Gate;

use crate::signals::{End, Event, Target};

type Error = Box<dyn std::error::Error>;

/// How long a watcher looks for its parent blocked in the expected system
/// call before it announces readiness anyway (a wrong solution may never
/// block there; the case then fails on its output, not on a hang).
const WATCH_LIMIT: Duration = Duration::from_secs(2);

/// The signals whose dispositions `inherit` shows. The Rust runtime catches
/// SIGSEGV and SIGBUS and ignores SIGPIPE in every program; they are left
/// out so that only what the exercise did is seen.
const SHOWN: [Signal; 8] = [
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGALRM,
    Signal::SIGTERM,
    Signal::SIGCHLD,
];

#[derive(Parser)]
#[command(
    name = "signals",
    bin_name = "signals",
    about = "Lab 09: handlers, EINTR and SA_RESTART, masks and pending sets, sigsuspend, kill, signalfd"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install a handler for SIGNAL, block in one read of stdin, and see
    /// what the signal does to the read
    Interrupt {
        /// Install the handler with SA_RESTART
        #[arg(long)]
        restart: bool,
        #[arg(long, default_value = "USR1", value_parser = signal_arg)]
        signal: Signal,
    },
    /// Block SIGNAL, let it be sent more than once, show the pending sets,
    /// unblock it and count the deliveries
    Pending {
        /// Send it to ourselves with raise(3) COUNT times, instead of
        /// waiting at `ready` for the grader to send it
        #[arg(long)]
        raise: bool,
        /// How many times `--raise` raises it
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
        count: u32,
        #[arg(long, default_value = "USR1", value_parser = signal_arg)]
        signal: Signal,
    },
    /// Wait for SIGNAL with your wait_for_signal
    Suspend {
        /// Block the signal and let it become pending before the wait begins
        #[arg(long)]
        early: bool,
        #[arg(long, default_value = "USR1", value_parser = signal_arg)]
        signal: Signal,
    },
    /// kill(2) SIGNAL (a name, a number, or 0) to TARGET among victims the
    /// driver sets up
    Kill {
        signal: String,
        /// a, b, c (victims), own (0), group (minus b's group), all (-1),
        /// gone (a reaped child), init (1), or a number
        #[arg(allow_hyphen_values = true)]
        target: String,
    },
    /// An event loop on a signalfd and stdin, with CHILDREN children that
    /// have ended before it starts
    Loop {
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=32))]
        children: u32,
    },
    /// Dispositions, mask and pending signals across fork and exec
    Inherit,
    /// Whether errno survives a handler that runs between a failed call and
    /// the read of errno
    Errno {
        #[arg(long, default_value = "USR1", value_parser = signal_arg)]
        signal: Signal,
    },
    /// What `inherit` runs after exec: print this process's sets
    #[command(hide = true)]
    ShowMasks { label: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Interrupt { restart, signal } => interrupt(restart, signal),
        Command::Pending {
            raise,
            count,
            signal,
        } => pending(raise, count, signal),
        Command::Suspend { early, signal } => suspend(early, signal),
        Command::Kill { signal, target } => match signal_or_zero(&signal) {
            Ok(sig) => kill_command(sig, &target),
            Err(e) => Err(e.into()),
        },
        Command::Loop { children } => event_loop(children),
        Command::Inherit => inherit(),
        Command::Errno { signal } => errno(signal),
        Command::ShowMasks { label } => {
            show_masks(&label);
            Ok(())
        }
    };
    let _ = io::stdout().flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signals: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `interrupt [--restart] [--signal SIG]`: your handler is installed; a
/// watcher child prints `ready reading` once it sees us blocked in read(2),
/// and `woken` once the handler has written its byte into the wake pipe
/// (then the read's fate is sealed); only then does the grader write a line.
fn interrupt(restart: bool, sig: Signal) -> Result<(), Error> {
    signals::install_handler(sig, restart)?;
    show::handler(sig, restart);
    let (wake_read, wake_write) = nix::unistd::pipe()?;
    signals::WAKE_FD.store(wake_write.as_raw_fd(), std::sync::atomic::Ordering::SeqCst);
    let me = getpid();
    let watcher = spawn(|| {
        // Our copy of the write end would keep the wake pipe from ever
        // reaching end of file when the parent dies.
        close_raw(wake_write.as_raw_fd());
        watch(me, &[libc::SYS_read], "ready reading", Some(&wake_read))
    })?;
    drop(wake_read);
    allow_to_read_syscall(watcher);

    let stdin = io::stdin();
    let mut buf = [0u8; 256];
    let result = signals::read_once(stdin.as_fd(), &mut buf);
    // The watcher prints before we go on, so the lines come in one order.
    reap(watcher)?;
    signals::WAKE_FD.store(-1, std::sync::atomic::Ordering::SeqCst);
    let handled = signals::caught(sig);
    match result {
        Ok(n) => show::read("read", &buf[..n], handled),
        Err(errno) => {
            show::read_failed(errno, handled);
            // The grader writes its line all the same: take it.
            let n = loop {
                match nix::unistd::read(stdin.as_fd(), &mut buf) {
                    Err(Errno::EINTR) => {}
                    other => break other?,
                }
            };
            show::read("reread", &buf[..n], handled);
        }
    }
    Ok(())
}

/// `pending [--raise [--count N]] [--signal SIG]`: your handler is
/// installed and the signal blocked with your `block`; it is sent twice (or
/// more), we show the pending sets through your `pending` and
/// `parse_status`, unblock with your `restore`, and count the deliveries.
fn pending(raise: bool, count: u32, sig: Signal) -> Result<(), Error> {
    signals::install_handler(sig, false)?;
    let mut set = SigSet::empty();
    set.add(sig);
    let old = signals::block(&set)?;
    show::blocked(&set, &old);
    if raise {
        for _ in 0..count {
            nix::sys::signal::raise(sig)?;
        }
        show::raised(sig, count);
    } else {
        ready()?;
    }
    show_pending()?;
    let before = signals::caught(sig);
    signals::restore(&old)?;
    show::unblocked(signals::caught(sig) - before);
    show_pending()?;
    Ok(())
}

fn show_pending() -> Result<(), Error> {
    match signals::pending() {
        Ok(set) => show::sigpending(&set),
        Err(errno) => show::failed("sigpending", errno),
    }
    let text = std::fs::read_to_string("/proc/self/status")?;
    match signals::parse_status(&text) {
        Ok(m) => show::status(&m),
        Err(e) => show::parse_failed(&e),
    }
    Ok(())
}

/// `suspend [--early] [--signal SIG]`: your handler is installed and your
/// `wait_for_signal` waits. Without `--early` a watcher prints `ready
/// waiting` once we are blocked in sigsuspend (or pause), and the grader
/// sends the signal then. With `--early` the driver blocks the signal,
/// stops at `ready`, the grader sends it and writes a line: the signal is
/// pending before your function is even called.
fn suspend(early: bool, sig: Signal) -> Result<(), Error> {
    signals::install_handler(sig, false)?;
    show::handler(sig, false);
    let seen = signals::caught(sig);
    let mut set = SigSet::empty();
    set.add(sig);
    let mut watcher = None;
    if early {
        set.thread_block()?;
        show::blocked(&set, &SigSet::empty());
        ready()?;
        show::sigpending(&driver_pending()?);
    } else {
        let me = getpid();
        let calls = [libc::SYS_rt_sigsuspend, libc::SYS_pause, libc::SYS_ppoll];
        let pid = spawn(|| watch(me, &calls, "ready waiting", None))?;
        allow_to_read_syscall(pid);
        watcher = Some(pid);
    }
    let mask_before = SigSet::thread_get_mask()?;
    let result = signals::wait_for_signal(sig, seen);
    let mask_after = SigSet::thread_get_mask()?;
    if let Some(pid) = watcher {
        reap(pid)?;
    }
    match result {
        Ok(()) => show::woken(signals::caught(sig) - seen, mask_before == mask_after),
        Err(errno) => show::failed("wait_for_signal", errno),
    }
    if early {
        set.thread_unblock()?;
    }
    Ok(())
}

/// `kill SIG TARGET`: victims `a` (in our group), `b` (leader of a group of
/// its own) and `c` (in b's group) wait at a gate with SIG blocked, as it is
/// in us, so that whatever reaches anyone stays pending, to be read in
/// /proc/<pid>/status afterwards. Your `decode_target` and `send` do the rest.
fn kill_command(sig: Option<Signal>, target: &str) -> Result<(), Error> {
    let mut set = SigSet::empty();
    if let Some(s) = sig {
        if matches!(s, Signal::SIGKILL | Signal::SIGSTOP) {
            return Err(format!("{} cannot be blocked; choose another signal", s.as_str()).into());
        }
        set.add(s);
    }
    set.thread_block()?;

    let mut gate = Gate::new()?;
    let a = spawn(|| hold(&mut gate))?;
    let b = spawn(|| hold(&mut gate))?;
    setpgid(b, b)?;
    let c = spawn(|| hold(&mut gate))?;
    setpgid(c, b)?;
    let gone = spawn(|| 0)?;
    waitpid(gone, None)?;
    let victims = [("self", getpid()), ("a", a), ("b", b), ("c", c)];
    for (name, pid) in &victims[1..] {
        show::victim(name, *pid, nix::unistd::getpgid(Some(*pid))?);
    }
    show::gone(gone);

    let raw = match target {
        "a" => a.as_raw(),
        "b" => b.as_raw(),
        "c" => c.as_raw(),
        "own" => 0,
        "group" => -b.as_raw(),
        "all" => -1,
        "gone" => gone.as_raw(),
        "init" => 1,
        number => number
            .parse::<i32>()
            .map_err(|_| format!("no target called {number:?}"))?,
    };
    let decoded = signals::decode_target(raw);
    show::target(target, decoded);
    // A real signal to every process, or to init, is sent only where it can
    // reach nothing but this case: inside a PID namespace of its own. The
    // decoded target is checked too, so that a decode_target that takes some
    // other argument for -1 or 1 cannot send it there either.
    let broad = |t: Target| match t {
        Target::Everyone => true,
        // Group 1 is pid -1 once negated.
        Target::Process(pid) | Target::Group(pid) => pid.as_raw() == 1,
        Target::CallerGroup => false,
    };
    let reaches_outside = raw == -1 || raw == 1 || broad(decoded);
    if sig.is_some() && reaches_outside && !own_pid_namespace() {
        show::refused(sig);
    } else {
        show::sent(sig, signals::send(decoded, sig));
    }
    for (name, pid) in victims {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        match signals::parse_status(&text) {
            Ok(m) => show::got(
                name,
                pid,
                sig.is_some_and(|s| m.process_pending.contains(s)),
            ),
            Err(e) => show::parse_failed(&e),
        }
    }
    gate.open();
    for pid in [a, b, c] {
        reap(pid)?;
    }
    // Take what reached us, so that unblocking does not act on it.
    if sig.is_some() && driver_pending()?.iter().any(|s| set.contains(s)) {
        set.wait()?;
    }
    Ok(())
}

/// A victim: wait at the gate, then exit.
fn hold(gate: &mut Gate) -> i32 {
    match gate.wait() {
        Ok(_) => 0,
        Err(_) => 1,
    }
}

/// Whether every process this /proc shows, but pid 1, is this one or one of
/// its descendants: the grader's PID namespace, where kill(-1) reaches
/// nothing outside the case.
fn own_pid_namespace() -> bool {
    let me = getpid().as_raw();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if pid == 1 || pid == me {
            continue;
        }
        // Walk up the parents: we must be met before pid 1 (or 0).
        let mut p = pid;
        loop {
            match parent_of(p) {
                Some(q) if q == me => break,
                Some(q) if q > 1 => p = q,
                // Gone meanwhile: it does not count.
                None => break,
                Some(_) => return false,
            }
        }
    }
    true
}

fn parent_of(pid: i32) -> Option<i32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = text.rfind(')')?;
    text[close + 1..]
        .split_ascii_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `loop [--children N]`: your signalfd is opened for SIGCHLD, SIGUSR1,
/// SIGUSR2, SIGHUP, SIGTERM and SIGINT; N children end (not reaped) before
/// your loop starts, so one SIGCHLD is pending for all of them. Each event
/// your loop reports becomes a line.
fn event_loop(children: u32) -> Result<(), Error> {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGCHLD,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGHUP,
        Signal::SIGTERM,
        Signal::SIGINT,
    ] {
        set.add(s);
    }
    let sfd = signals::open_signalfd(&set)?;
    let mut gate = Gate::new()?;
    let mut kids = Vec::new();
    for code in 1..=children {
        kids.push(spawn(|| match gate.wait() {
            Ok(_) => code as i32,
            Err(_) => 100,
        })?);
    }
    show::children(&kids);
    gate.open();
    for &kid in &kids {
        ended_not_reaped(kid)?;
    }
    show::ended(kids.len());

    let mut reaped = 0;
    let mut partial: Vec<u8> = Vec::new();
    let stdin = io::stdin();
    let end = signals::event_loop(&sfd, stdin.as_fd(), &mut |event| match event {
        Event::Signal(s) => show::signal(s),
        Event::Reaped(status) => {
            show::reaped(status);
            reaped += 1;
            if reaped == kids.len() {
                show::all_reaped(reaped);
            }
        }
        Event::Input(bytes) => {
            partial.extend_from_slice(bytes);
            while let Some(at) = partial.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = partial.drain(..=at).collect();
                show::line(&line[..at]);
            }
        }
    });
    match end {
        Ok(End::Signal(s)) => show::end(s.as_str()),
        Ok(End::Eof) => show::end("eof"),
        Err(errno) => show::failed("event_loop", errno),
    }
    Ok(())
}

/// `inherit`: SIGUSR1 caught (your handler), SIGUSR2 ignored (your
/// `ignore`), SIGHUP blocked (your `block`) and sent to ourselves. A child
/// shows what fork kept, sends itself SIGHUP again and execs this program,
/// which shows what exec kept.
fn inherit() -> Result<(), Error> {
    signals::install_handler(Signal::SIGUSR1, false)?;
    signals::ignore(Signal::SIGUSR2)?;
    let mut hup = SigSet::empty();
    hup.add(Signal::SIGHUP);
    signals::block(&hup)?;
    kill(getpid(), Signal::SIGHUP)?;
    show_masks("parent");
    let child = spawn(|| {
        show_masks("child");
        if kill(getpid(), Signal::SIGHUP).is_err() {
            return 1;
        }
        let _ = io::stdout().flush();
        let argv = [c"signals", c"show-masks", c"exec"];
        // /proc/self/exe itself, not the path it names: the kernel follows the
        // link to the very file this process runs, even where that path has
        // been renamed, rebuilt or covered by a mount since it started.
        let e = nix::unistd::execv(c"/proc/self/exe", &argv).unwrap_err();
        eprintln!("signals: execv: {e}");
        1
    })?;
    match waitpid(child, None)? {
        WaitStatus::Exited(_, code) => show::child_exit(code),
        other => println!("child status={other:?}"),
    }
    // Our own SIGHUP is still pending: take it.
    hup.wait()?;
    Ok(())
}

/// One line of sets from /proc/self/status, through your `parse_status`.
fn show_masks(label: &str) {
    match std::fs::read_to_string("/proc/self/status") {
        Ok(text) => match signals::parse_status(&text) {
            Ok(m) => show::masks(label, &m),
            Err(e) => show::parse_failed(&e),
        },
        Err(e) => println!("{label} error={e}"),
    }
}

/// `errno [--signal SIG]`: your handler is installed, and the wake pipe it
/// writes into is full, so its write fails with EAGAIN. With the signal
/// blocked and pending, a failed close(-1) leaves errno at EBADF; then the
/// signal is unblocked (the handler runs on the way out of that call, which
/// succeeds and leaves errno alone) and errno is read again.
fn errno(sig: Signal) -> Result<(), Error> {
    signals::install_handler(sig, false)?;
    show::handler(sig, false);
    let (_full_read, full_write) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC)?;
    let chunk = [0u8; 4096];
    loop {
        match nix::unistd::write(&full_write, &chunk) {
            Ok(_) => {}
            Err(Errno::EAGAIN) => break,
            Err(e) => return Err(e.into()),
        }
    }
    signals::WAKE_FD.store(full_write.as_raw_fd(), std::sync::atomic::Ordering::SeqCst);
    show::wake_full();

    let mut set = SigSet::empty();
    set.add(sig);
    set.thread_block()?;
    kill(getpid(), sig)?;
    let before_count = signals::caught(sig);
    let raw_set = *set.as_ref();
    // From here to the second read of errno, nothing may touch errno but
    // the failed close and (if it is wrong) the handler.
    // SAFETY: close(-1) only fails; pthread_sigmask returns its error as a
    // value and leaves errno alone.
    let (before, after, unblocked) = unsafe {
        libc::close(-1);
        let before = Errno::last_raw();
        let unblocked = libc::pthread_sigmask(libc::SIG_UNBLOCK, &raw_set, std::ptr::null_mut());
        (before, Errno::last_raw(), unblocked)
    };
    signals::WAKE_FD.store(-1, std::sync::atomic::Ordering::SeqCst);
    if unblocked != 0 {
        return Err(Errno::from_raw(unblocked).into());
    }
    show::errno(
        Errno::from_raw(before),
        Errno::from_raw(after),
        signals::caught(sig) - before_count,
    );
    Ok(())
}

/// The watcher child: poll (1 ms apart, at most WATCH_LIMIT) until
/// `parent` is blocked in one of `calls`, print `line`; then, given a wake
/// pipe, wait for the handler's byte and print `woken`. Leaves early if the
/// parent dies.
fn watch(parent: Pid, calls: &[libc::c_long], line: &str, wake: Option<&OwnedFd>) -> i32 {
    let since = Instant::now();
    while !blocked_in(parent, calls) && since.elapsed() < WATCH_LIMIT {
        if getppid() != parent {
            return 0;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if getppid() != parent {
        return 0;
    }
    show::ready_line(line);
    if let Some(wake) = wake {
        let mut byte = [0u8; 1];
        loop {
            match nix::unistd::read(wake, &mut byte) {
                Ok(1) => {
                    show::woken_by(byte[0]);
                    break;
                }
                Err(Errno::EINTR) => {}
                _ => break,
            }
        }
    }
    0
}

/// Whether `pid` is blocked in one of `calls` now: the first field of
/// /proc/<pid>/syscall is the number of the call it is blocked in. Where
/// that file cannot be read, a sleeping state (`S` in /proc/<pid>/stat) has
/// to do.
fn blocked_in(pid: Pid, calls: &[libc::c_long]) -> bool {
    if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/syscall")) {
        let number = text
            .split_ascii_whitespace()
            .next()
            .and_then(|n| n.parse::<libc::c_long>().ok());
        return matches!(number, Some(n) if calls.contains(&n));
    }
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    text.rfind(')')
        .and_then(|at| text[at + 1..].split_ascii_whitespace().next())
        == Some("S")
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

/// The signals pending for us, by the driver's own sigpending(2) call (the
/// driver never depends on yours to set the stage).
fn driver_pending() -> nix::Result<SigSet> {
    let mut raw = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigpending fills in the whole set it is given.
    Errno::result(unsafe { libc::sigpending(raw.as_mut_ptr()) })?;
    // SAFETY: initialised just above.
    Ok(unsafe { SigSet::from_sigset_t_unchecked(raw.assume_init()) })
}

/// Block until `child` has ended, leaving it a zombie (waitid with WNOWAIT).
fn ended_not_reaped(child: Pid) -> nix::Result<()> {
    loop {
        match waitid(Id::Pid(child), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {
            Err(Errno::EINTR) => {}
            other => return other.map(drop),
        }
    }
}

/// Reap one child of the driver's, retrying on EINTR.
fn reap(child: Pid) -> nix::Result<WaitStatus> {
    loop {
        match waitpid(child, None) {
            Err(Errno::EINTR) => {}
            other => return other,
        }
    }
}

fn close_raw(fd: libc::c_int) {
    // SAFETY: closes a descriptor this (child) process no longer uses.
    unsafe { libc::close(fd) };
}

/// Fork a child that runs `body` and leaves with its value as exit status
/// (101 if it panics), through _exit: it never returns into the driver.
/// stdout is flushed first, or the child would print our buffer again.
fn spawn(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    let _ = io::stdout().flush();
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

/// Print `ready`, then block until a line (or end of file) arrives on stdin.
fn ready() -> io::Result<()> {
    show::ready_line("ready");
    let mut line = String::new();
    loop {
        match io::stdin().lock().read_line(&mut line) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other.map(drop),
        }
    }
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

/// As [`signal_arg`], and `0` for "no signal, only the checks".
fn signal_or_zero(text: &str) -> Result<Option<Signal>, String> {
    if text == "0" {
        Ok(None)
    } else {
        signal_arg(text).map(Some)
    }
}

/// Every line the lab prints.
mod show {
    use std::io::Write;

    use nix::errno::Errno;
    use nix::sys::signal::{SigSet, Signal};
    use nix::sys::wait::WaitStatus;
    use nix::unistd::Pid;

    use crate::SHOWN;
    use crate::signals::{StatusMasks, Target};

    /// A set as signal names in number order, comma separated, or `none`.
    fn names(set: &SigSet) -> String {
        let list: Vec<&str> = Signal::iterator()
            .filter(|s| set.contains(*s))
            .map(|s| s.as_str())
            .collect();
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(",")
        }
    }

    /// Only the signals of SHOWN.
    fn shown(set: &SigSet) -> String {
        let mut only = SigSet::empty();
        for s in SHOWN {
            if set.contains(s) {
                only.add(s);
            }
        }
        names(&only)
    }

    fn flush() {
        let _ = std::io::stdout().flush();
    }

    /// `handler signal=SIG restart=B`.
    pub fn handler(sig: Signal, restart: bool) {
        println!("handler signal={} restart={restart}", sig.as_str());
    }

    /// A readiness line (`ready`, `ready reading`...), flushed at once.
    pub fn ready_line(line: &str) {
        println!("{line}");
        flush();
    }

    /// `woken signal=SIG`: the watcher got the handler's byte.
    pub fn woken_by(byte: u8) {
        match Signal::try_from(i32::from(byte)) {
            Ok(s) => println!("woken signal={}", s.as_str()),
            Err(_) => println!("woken byte={byte}"),
        }
        flush();
    }

    /// `WORD bytes=N text="..." handled=H`.
    pub fn read(word: &str, bytes: &[u8], handled: usize) {
        println!(
            "{word} bytes={} text={:?} handled={handled}",
            bytes.len(),
            String::from_utf8_lossy(bytes)
        );
    }

    /// `read error=ENAME handled=H`.
    pub fn read_failed(errno: Errno, handled: usize) {
        println!("read error={errno:?} handled={handled}");
    }

    /// `blocked=SET old=SET`.
    pub fn blocked(set: &SigSet, old: &SigSet) {
        println!("blocked={} old={}", names(set), names(old));
    }

    /// `raised signal=SIG count=N`.
    pub fn raised(sig: Signal, count: u32) {
        println!("raised signal={} count={count}", sig.as_str());
    }

    /// `sigpending=SET`.
    pub fn sigpending(set: &SigSet) {
        println!("sigpending={}", names(set));
    }

    /// `status sigpnd=SET shdpnd=SET sigblk=SET`.
    pub fn status(m: &StatusMasks) {
        println!(
            "status sigpnd={} shdpnd={} sigblk={}",
            names(&m.thread_pending),
            names(&m.process_pending),
            names(&m.blocked)
        );
    }

    /// `unblocked handled=N`: how many times the handler ran as the mask
    /// was put back.
    pub fn unblocked(n: usize) {
        println!("unblocked handled={n}");
    }

    /// `woken handled=N mask=restored|changed`.
    pub fn woken(n: usize, same: bool) {
        let mask = if same { "restored" } else { "changed" };
        println!("woken handled={n} mask={mask}");
    }

    /// `WHAT error=ENAME`.
    pub fn failed(what: &str, errno: Errno) {
        println!("{what} error={errno:?}");
    }

    /// `parse_status error="..."`.
    pub fn parse_failed(e: &str) {
        println!("parse_status error={e:?}");
    }

    /// `victim name=N pid=P pgid=G`.
    pub fn victim(name: &str, pid: Pid, pgid: Pid) {
        println!("victim name={name} pid={pid} pgid={pgid}");
    }

    /// `gone pid=P`: a child already reaped.
    pub fn gone(pid: Pid) {
        println!("gone pid={pid}");
    }

    /// `target arg=WORD kind=...` as your decode_target read it.
    pub fn target(arg: &str, t: Target) {
        let what = match t {
            Target::Process(pid) => format!("kind=process pid={pid}"),
            Target::CallerGroup => "kind=own-group".to_string(),
            Target::Group(pgid) => format!("kind=group pgid={pgid}"),
            Target::Everyone => "kind=everyone".to_string(),
        };
        println!("target arg={arg} {what}");
    }

    fn signal_name(sig: Option<Signal>) -> &'static str {
        sig.map_or("0", |s| s.as_str())
    }

    /// `kill signal=SIG result=ok|ENAME`.
    pub fn sent(sig: Option<Signal>, result: nix::Result<()>) {
        let result = match result {
            Ok(()) => "ok".to_string(),
            Err(errno) => format!("{errno:?}"),
        };
        println!("kill signal={} result={result}", signal_name(sig));
    }

    /// `kill signal=SIG refused=outside-own-pid-namespace`.
    pub fn refused(sig: Option<Signal>) {
        println!(
            "kill signal={} refused=outside-own-pid-namespace",
            signal_name(sig)
        );
    }

    /// `got name=N pid=P pending=B`.
    pub fn got(name: &str, pid: Pid, pending: bool) {
        println!("got name={name} pid={pid} pending={pending}");
    }

    /// `children=P1,P2,...`.
    pub fn children(kids: &[Pid]) {
        let list: Vec<String> = kids.iter().map(Pid::to_string).collect();
        println!("children={}", list.join(","));
    }

    /// `ended=N`: every child has exited, none reaped yet.
    pub fn ended(n: usize) {
        println!("ended={n}");
        flush();
    }

    /// `signal name=SIG`.
    pub fn signal(sig: Signal) {
        println!("signal name={}", sig.as_str());
        flush();
    }

    /// `reaped child=P code=N` (or the status as nix shows it).
    pub fn reaped(status: WaitStatus) {
        match status {
            WaitStatus::Exited(pid, code) => println!("reaped child={pid} code={code}"),
            other => println!("reaped status={other:?}"),
        }
        flush();
    }

    /// `reaped all=N`: the last child is reaped.
    pub fn all_reaped(n: usize) {
        println!("reaped all={n}");
        flush();
    }

    /// `line text="..."`.
    pub fn line(bytes: &[u8]) {
        println!("line text={:?}", String::from_utf8_lossy(bytes));
        flush();
    }

    /// `end by=SIG|eof`.
    pub fn end(by: &str) {
        println!("end by={by}");
    }

    /// `LABEL caught=SET ignored=SET blocked=SET pending=SET` (pending is
    /// the thread's and the process's together).
    pub fn masks(label: &str, m: &StatusMasks) {
        let mut pending = m.thread_pending;
        for s in Signal::iterator() {
            if m.process_pending.contains(s) {
                pending.add(s);
            }
        }
        println!(
            "{label} caught={} ignored={} blocked={} pending={}",
            shown(&m.caught),
            shown(&m.ignored),
            shown(&m.blocked),
            shown(&pending)
        );
    }

    /// `child code=N`.
    pub fn child_exit(code: i32) {
        println!("child code={code}");
    }

    /// `wake pipe=full`.
    pub fn wake_full() {
        println!("wake pipe=full");
    }

    /// `errno before=ENAME after=ENAME handled=N`.
    pub fn errno(before: Errno, after: Errno, handled: usize) {
        println!("errno before={before:?} after={after:?} handled={handled}");
    }
}

//! The per-case init: a small process of the grader's own that sits between the grader
//! and the student's program, one per case.
//!
//! Why a separate process: orphans re-parent to the nearest ancestor that is a child
//! subreaper (prctl(2), PR_SET_CHILD_SUBREAPER). If the grader itself were the
//! subreaper, the orphans of cases running in parallel would all land on it and could
//! not be told apart. With one init per case, everything a case starts, double-forked
//! daemons included, ends up below that case's init, which
//!
//! 1. starts the program in a process group of its own, in a session of the init's,
//! 2. reaps orphans while the program runs (they are not the program's fault),
//! 3. when the program exits, lists what it left behind (zombies, running processes),
//! 4. kills and reaps everything that is left, and only then exits.
//!
//! What it sets up for the program (its namespaces, the user it runs as, a terminal,
//! rlimits) comes in [`options`]; how: [`namespace`], [`spawn`], [`terminal`].
//!
//! It talks to the grader over two inherited pipes, one line per message:
//!
//! | grader -> init      | meaning                                         |
//! |---------------------|-------------------------------------------------|
//! | `kill PID SIG`      | send SIG to PID (0 means the program)           |
//! | `killpg SIG`        | send SIG to the program's process group         |
//! | `observe WHAT`      | count `descendants` (living) or `zombies` now   |
//! | `stop`              | deadline: SIGTERM everything, then SIGKILL       |
//!
//! | init -> grader      | meaning                                         |
//! |---------------------|-------------------------------------------------|
//! | `userns`            | (tier 1) map my uids and gids, then say `mapped`  |
//! | `pid1 PID`          | (tier 1) the inner init is PID, as the grader sees it |
//! | `main PID PARENT`   | the program is running as PID; the init is PARENT |
//! | `limit processes N` | the case passed the process watchdog; stopped   |
//! | `spawn-error TEXT`  | the program could not be started                |
//! | `observed WHAT=N`   | the answer to `observe`                         |
//! | `sent`              | the answer to `kill` and `killpg`               |
//! | `left PID STATE COMM` | a process still there when the program exited |
//! | `exit CODE` / `signal SIG CORE` | how the program ended               |
//! | `done`              | everything is reaped; the init exits now        |

mod namespace;
pub mod options;
mod spawn;
mod terminal;

use std::ffi::OsString;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::prctl;
use nix::sys::signal::{SigSet, Signal, kill, killpg};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
use nix::unistd::{Pid, setsid};

use crate::proctree;
pub use options::{InitOptions, OPTS_ENV};
use terminal::Terminal;

/// The first argument that turns the grader binary into a per-case init.
pub const INIT_FLAG: &str = "--as-case-init";
/// Environment variables naming the two pipe fds the init inherits.
pub const CTRL_FD_ENV: &str = "PROCLAB_INIT_CTRL_FD";
pub const CMD_FD_ENV: &str = "PROCLAB_INIT_CMD_FD";

/// How long the processes get between SIGTERM and SIGKILL when the deadline passes.
const GRACE: Duration = Duration::from_millis(300);
/// How often the process watchdog counts (only with `watchdog=N`): a bounded poll,
/// since no event says "the case now has N processes".
const WATCHDOG_EVERY: Duration = Duration::from_millis(50);

/// The first thing every grader binary does: when started as a case's init
/// (`--as-case-init` first), become it and never return.
pub fn become_if_asked() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == INIT_FLAG) {
        main(args[2..].to_vec());
    }
}

/// Entry point of the init: `proclab-grade --as-case-init PROGRAM ARGS...`.
/// Never returns.
pub fn main(args: Vec<OsString>) -> ! {
    let code = match run(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("proclab init: {e}");
            3
        }
    };
    std::process::exit(code)
}

fn fd_from_env(name: &str) -> Result<OwnedFd, String> {
    let raw: RawFd = std::env::var(name)
        .map_err(|_| format!("{name} is not set"))?
        .parse()
        .map_err(|_| format!("{name} is not a number"))?;
    // The grader cleared close-on-exec for us; set it again so the program never
    // inherits the control pipes.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).map_err(|e| format!("{name}: {e}"))?;
    Ok(fd)
}

struct Init {
    ctrl: std::fs::File,
    main: Pid,
}

impl Init {
    fn say(&mut self, line: &str) {
        // If the grader is gone there is no one to tell; carry on cleaning up.
        let _ = self.ctrl.write_all(format!("{line}\n").as_bytes());
    }

    /// The program could not be started: say why and end.
    fn give_up(&mut self, why: &str) -> Result<(), String> {
        self.say(&format!("spawn-error {why}"));
        self.say("done");
        Ok(())
    }
}

fn run(args: Vec<OsString>) -> Result<(), String> {
    let ctrl = std::fs::File::from(fd_from_env(CTRL_FD_ENV)?);
    let cmd = fd_from_env(CMD_FD_ENV)?;
    let opts = InitOptions::parse(&std::env::var(OPTS_ENV).unwrap_or_default())?;
    let (program, rest) = args.split_first().ok_or("no program to run")?;
    let mut init = Init {
        ctrl,
        main: Pid::from_raw(0),
    };
    let mut cmd_buf = LineBuf::default();

    // A session of our own: no controlling terminal, and nothing the case does can send
    // signals to the grader's terminal group by accident.
    setsid().map_err(|e| format!("setsid: {e}"))?;
    // Opened now, while we are still the grader's user: the program's path may lie
    // where the ids the program runs as cannot reach (root's home, mode 700).
    let exe = match spawn::open_program(program) {
        Ok(fd) => fd,
        Err(e) => return init.give_up(&format!("{}: {e}", program.to_string_lossy())),
    };
    if opts.namespaces {
        let mut entered = namespace::enter(&mut |l| init.say(l), cmd.as_fd(), &mut cmd_buf);
        if entered.is_ok() && opts.ns_root {
            entered = namespace::become_ns_root();
        }
        if let Err(e) = entered {
            return init.give_up(&e);
        }
        let (ctrl_fd, cmd_fd) = (init.ctrl.as_raw_fd(), cmd.as_raw_fd());
        namespace::fork_pid1(|pid1| {
            // The grader reaps the inner init itself should this outer half die
            // first (it is the grader's then, as the nearest subreaper).
            init.say(&format!("pid1 {pid1}"));
            // The outer half keeps nothing of the case's open: the grader's pipes
            // close when the inner init and the program are done with them.
            detach_stdio();
            unsafe {
                libc::close(ctrl_fd);
                libc::close(cmd_fd);
            }
        })?;
        // PID 1 now. A session of its own here too: the outer half's session leader
        // is not visible from inside, and a program asking for its sid would get 0.
        setsid().map_err(|e| format!("setsid: {e}"))?;
        if let Err(e) = namespace::mount_private_world(&opts.hide) {
            return init.give_up(&e);
        }
    } else {
        prctl::set_child_subreaper(true).map_err(|e| format!("PR_SET_CHILD_SUBREAPER: {e}"))?;
    }

    // SIGCHLD arrives on a signalfd, so the loop below can poll it beside the pipes.
    let mut chld = SigSet::empty();
    chld.add(Signal::SIGCHLD);
    chld.thread_block()
        .map_err(|e| format!("sigprocmask: {e}"))?;
    let sigfd = SignalFd::with_flags(&chld, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("signalfd: {e}"))?;

    let mut term = match opts.terminal {
        true => match Terminal::open() {
            Ok(t) => Some(t),
            Err(e) => return init.give_up(&e),
        },
        false => None,
    };
    let slave = term.as_ref().and_then(|t| t.slave.as_ref());
    match spawn::program(&exe, program, rest, &opts, slave) {
        Ok(child) => init.main = Pid::from_raw(child.id() as i32),
        Err(e) => return init.give_up(&e.to_string()),
    }
    if let Some(t) = term.as_mut() {
        t.slave = None;
    }
    let main_pid = init.main;
    init.say(&format!("main {main_pid} {}", nix::unistd::getpid()));
    // pid_max is per PID namespace (since Linux 6.14): say what the program sees.
    if let Ok(max) = std::fs::read_to_string("/proc/sys/kernel/pid_max") {
        init.say(&format!("pidmax {}", max.trim()));
    }

    // Our own copies of the case's stdin/stdout/stderr would keep the grader's pipes
    // open after the program's side is gone; point them at /dev/null. With a
    // terminal, stdin and stdout are the relay and stay until the end.
    if term.is_none() {
        detach_stdio();
    } else {
        detach_stderr();
    }

    let pidfd = pidfd_open(main_pid).map_err(|e| format!("pidfd_open: {e}"))?;
    let mut next_count = Instant::now() + WATCHDOG_EVERY;
    loop {
        let stdin = std::io::stdin();
        let mut fds = vec![
            PollFd::new(pidfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(cmd.as_fd(), PollFlags::POLLIN),
        ];
        if let Some(t) = &term {
            fds.push(PollFd::new(t.master.as_fd(), PollFlags::POLLIN));
            if t.input_open {
                fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
            }
        }
        let timeout = match opts.watchdog {
            Some(_) => {
                let left = next_count.saturating_duration_since(Instant::now());
                PollTimeout::try_from(left).unwrap_or(PollTimeout::ZERO)
            }
            None => PollTimeout::NONE,
        };
        match poll(&mut fds, timeout) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(format!("poll: {e}")),
            Ok(_) => {}
        }
        let main_done = has_input(&fds[0]);
        let chld_ready = has_input(&fds[1]);
        let cmd_ready = has_input(&fds[2]);
        let screen_ready = fds.get(3).is_some_and(has_input);
        let typed = fds.get(4).is_some_and(has_input);
        drop(fds);

        if let Some(t) = term.as_mut() {
            if screen_ready {
                t.show();
            }
            if typed {
                t.type_input(stdin.as_fd());
            }
        }
        if let Some(cap) = opts.watchdog
            && Instant::now() >= next_count
        {
            next_count = Instant::now() + WATCHDOG_EVERY;
            // In a namespace of our own, every process there is the case's; outside,
            // those below us are (a double fork that left is missed: best effort).
            let n = match opts.namespaces {
                true => namespace::population(),
                false => proctree::subtree(nix::unistd::getpid(), &[]).len(),
            };
            if n > cap {
                init.say(&format!("limit processes {n}"));
                if let (false, Some((uid, _))) = (opts.namespaces, opts.run_as) {
                    // Tier 2: the uid is the case's own; everything of it goes at once.
                    proctree::kill_uid(uid);
                }
                stop_everything(&mut init, pidfd.as_fd(), Duration::ZERO);
                return Ok(());
            }
        }
        if chld_ready {
            while let Ok(Some(_)) = sigfd.read_signal() {}
            if reap_orphans(main_pid, pidfd.as_fd()) {
                break;
            }
        }
        if main_done {
            break;
        }
        if cmd_ready {
            match cmd_buf.fill(cmd.as_fd()) {
                Ok(true) => {}
                // The grader closed the pipe or died: treat it like a deadline.
                Ok(false) | Err(_) => {
                    stop_everything(&mut init, pidfd.as_fd(), GRACE);
                    return Ok(());
                }
            }
            while let Some(line) = cmd_buf.next_line() {
                if line == "stop" {
                    if let Some(t) = &term {
                        t.show();
                    }
                    stop_everything(&mut init, pidfd.as_fd(), GRACE);
                    return Ok(());
                }
                handle_command(&mut init, &line);
            }
        }
    }

    // The program has exited (it is a zombie we have not reaped yet, so its pid cannot
    // be reused). Whatever it started has been re-parented to us by now.
    for p in proctree::subtree(nix::unistd::getpid(), &[main_pid]) {
        init.say(&format!("left {} {} {}", p.pid, p.state, p.comm));
    }
    report_status(&mut init);
    kill_all_children();
    if let Some(t) = &term {
        // What the program wrote last is still in the terminal: pass it on.
        while t.show() {}
        detach_stdio();
    }
    init.say("done");
    Ok(())
}

fn handle_command(init: &mut Init, line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["kill", pid, sig] => {
            let (Ok(pid), Some(sig)) = (pid.parse::<i32>(), parse_signal(sig)) else {
                return;
            };
            let target = if pid == 0 {
                init.main
            } else {
                Pid::from_raw(pid)
            };
            let _ = kill(target, sig);
            // The grader waits for this before its next step, so the signal is
            // pending on its target before, say, stdin is closed.
            init.say("sent");
        }
        ["killpg", sig] => {
            if let Some(sig) = parse_signal(sig) {
                let _ = killpg(init.main, sig);
            }
            init.say("sent");
        }
        ["observe", what] => {
            let me = nix::unistd::getpid();
            let tree = proctree::subtree(me, &[]);
            let others = tree.iter().filter(|p| p.pid != init.main.as_raw());
            let n = match *what {
                "descendants" => others.filter(|p| p.state != 'Z').count(),
                "zombies" => others.filter(|p| p.state == 'Z').count(),
                _ => return,
            };
            init.say(&format!("observed {what}={n}"));
        }
        _ => {}
    }
}

/// Signal names as cases write them (`TERM`, `SIGTERM`) or numbers.
pub fn parse_signal(s: &str) -> Option<Signal> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n).ok();
    }
    let name = s.to_ascii_uppercase();
    let name = if name.starts_with("SIG") {
        name
    } else {
        format!("SIG{name}")
    };
    name.parse().ok()
}

/// Reap every zombie child except the program. Returns true when the program itself
/// has exited (the caller then stops reaping so the survey sees what it left).
fn reap_orphans(main: Pid, main_fd: BorrowedFd) -> bool {
    loop {
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        let pid = match waitid(Id::All, flags) {
            Ok(WaitStatus::StillAlive) | Err(_) => return false,
            Ok(status) => match status.pid() {
                Some(pid) => pid,
                None => return false,
            },
        };
        // A zombie child of ours that we saw while the program was not yet exiting was
        // orphaned by someone else's exit: reap it. The program's own children are
        // handed to us during its exit, before its pidfd turns readable, so the test
        // is "has it begun to exit" (PF_EXITING), not "has it exited". Once it has
        // begun, we keep what is left for the survey.
        if pid == main || is_exiting(main) {
            let mut fds = [PollFd::new(main_fd, PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::NONE);
            return true;
        }
        let _ = waitpid(pid, None);
    }
}

/// Whether the process has begun to exit (or is gone): the PF_EXITING flag of
/// /proc/<pid>/stat, set at the very start of the kernel's exit path.
fn is_exiting(pid: Pid) -> bool {
    const PF_EXITING: u32 = 0x4;
    match procfs::process::Process::new(pid.as_raw()).and_then(|p| p.stat()) {
        Ok(st) => st.flags & PF_EXITING != 0 || st.state == 'Z' || st.state == 'X',
        Err(_) => true,
    }
}

fn report_status(init: &mut Init) {
    let line = match waitpid(init.main, None) {
        Ok(WaitStatus::Exited(_, code)) => format!("exit {code}"),
        Ok(WaitStatus::Signaled(_, sig, core)) => format!("signal {} {}", sig as i32, core as u8),
        Ok(other) => format!("exit-unknown {other:?}"),
        Err(e) => format!("exit-unknown {e}"),
    };
    init.say(&line);
}

/// The deadline passed or the grader went away: ask nicely, then insist.
fn stop_everything(init: &mut Init, main_fd: BorrowedFd, grace: Duration) {
    let me = nix::unistd::getpid();
    if !grace.is_zero() {
        for p in proctree::subtree(me, &[]) {
            let _ = kill(Pid::from_raw(p.pid), Signal::SIGTERM);
        }
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && !fd_is_readable(main_fd) {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = PollTimeout::try_from(left).unwrap_or(PollTimeout::ZERO);
        let mut fds = [PollFd::new(main_fd, PollFlags::POLLIN)];
        let _ = poll(&mut fds, ms);
    }
    if fd_is_readable(main_fd) {
        report_status(init);
    } else {
        init.say("exit-unknown killed at the deadline");
    }
    kill_all_children();
    init.say("done");
}

/// SIGKILL every child, reap, repeat: killing a child re-parents its own children to
/// us, so the loop ends only when we have no children at all (waitpid says ECHILD).
fn kill_all_children() {
    let me = nix::unistd::getpid();
    if me.as_raw() == 1 {
        return kill_whole_namespace();
    }
    loop {
        for p in proctree::children(me) {
            let _ = kill(Pid::from_raw(p), Signal::SIGKILL);
        }
        if let Err(Errno::ECHILD) = waitpid(None, Some(WaitPidFlag::__WALL)) {
            return;
        }
    }
}

/// As PID 1 of the case's namespace: kill(-1) reaches every process in it but us, in
/// one call, grandchildren of a fork bomb included (killing children one at a time
/// would lose that race). Then reap; repeat until no child is left.
fn kill_whole_namespace() {
    loop {
        let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
        loop {
            match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => break,
                Ok(_) => continue,
                Err(Errno::EINTR) => continue,
                Err(Errno::ECHILD) => return,
                Err(_) => return,
            }
        }
        // Some are still dying: wait for one, then sweep again.
        match waitpid(None, Some(WaitPidFlag::__WALL)) {
            Err(Errno::ECHILD) => return,
            _ => continue,
        }
    }
}

fn detach_stderr() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stderr(&null);
    }
}

fn detach_stdio() {
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
}

/// pidfd_open(2): a descriptor that becomes readable when the process exits. nix has
/// no wrapper for it, so this is one of the few direct system calls.
fn pidfd_open(pid: Pid) -> Result<OwnedFd, Errno> {
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(Errno::last());
    }
    let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    Ok(fd)
}

fn has_input(fd: &PollFd) -> bool {
    fd.revents()
        .is_some_and(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR))
}

fn fd_is_readable(fd: BorrowedFd) -> bool {
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
}

/// Splits what arrives on a pipe into lines.
#[derive(Default)]
pub struct LineBuf {
    buf: Vec<u8>,
}

impl LineBuf {
    /// Reads once; false at end of file.
    pub fn fill(&mut self, fd: BorrowedFd) -> Result<bool, Errno> {
        let mut chunk = [0u8; 4096];
        loop {
            match nix::unistd::read(fd, &mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn next_line(&mut self) -> Option<String> {
        let end = self.buf.iter().position(|&b| b == b'\n')?;
        let line: Vec<u8> = self.buf.drain(..=end).collect();
        Some(String::from_utf8_lossy(&line[..end]).into_owned())
    }
}

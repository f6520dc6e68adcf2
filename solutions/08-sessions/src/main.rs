//! Driver for lab 08 sessions: the command line, the children, and every
//! line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/sessions.rs`. The driver forks the
//! children, sets up the scene of each exercise and prints every line (the
//! `show` module); your functions move processes between groups and
//! sessions, hand the terminal around and make the daemon. The chapter
//! docs/src/08-sessions.md describes each subcommand and its output; the
//! grader compares that output, after replacing the pids by stable names,
//! with the reference's.

mod sessions;

use std::ffi::CStr;
use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, kill, killpg, sigaction};
use nix::sys::stat::Mode;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, getpgrp, getpid, getppid, setpgid};
use proclab_labkit::{Gate, pid_bytes, pid_from_bytes};

type Error = Box<dyn std::error::Error>;

/// The longest the `daemon-check` waits for the daemon to end after
/// SIGTERM (a bounded poll, 1 ms apart).
const POLL_LIMIT: Duration = Duration::from_secs(5);
/// The longest `daemon-check` waits, once the daemon is gone, for the rest
/// of its children to end before it calls them leftovers (the same poll).
const SETTLE_LIMIT: Duration = Duration::from_secs(2);
/// What `daemon-check --stale` leaves in the pid file before the daemon
/// starts: the pid of a crashed instance, longer than any real pid.
const STALE: &str = "99999999999\n";
/// The umask `daemon-check` sets for itself (and so for the launcher) before
/// it starts the daemon: a daemon that never sets its own keeps this one.
const CHECK_UMASK: u32 = 0o002;
/// The name the `session` child and the `daemon-check` process give
/// themselves (and pass on to their children): whoever splits the stat line
/// on spaces, or ends the name at the first `)`, reads numbers that are part
/// of the name.
const TRICKY_NAME: &CStr = c"s) S 1 2 3 4 (";
/// The program every pipeline member runs once it has joined its group.
const SELF_EXE: &CStr = c"/proc/self/exe";

#[derive(Parser)]
#[command(
    name = "sessions",
    bin_name = "sessions",
    about = "Lab 08: process groups, sessions, the controlling terminal and daemons"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a job of N members in one process group, as a shell starts a
    /// pipeline; show everyone's pid, pgid and sid
    Pipeline {
        /// Who moves the child into its group first: the child itself (each
        /// child then execs at once) or the parent (the children wait)
        #[arg(long, value_enum, default_value_t = Order::ChildFirst)]
        order: Order,
        /// How many members, 1 to 16
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=16))]
        size: u32,
    },
    /// A child starts a session of its own: what it had before, what it has
    /// after, and which of the session's processes can acquire a terminal
    Session,
    /// The rules of setpgid and setsid, each broken once: the errno of each
    Rules,
    /// Become a daemon with a locked pid file; SIGTERM ends it
    Daemonize {
        /// The pid file (a relative path is taken from the current directory)
        #[arg(long)]
        pidfile: PathBuf,
        /// The daemon's umask, in octal
        #[arg(long, default_value = "027", value_parser = octal_mode)]
        umask: Mode,
    },
    /// Start `daemonize` as a launcher child, look at the daemon from
    /// outside, try a second instance, stop it with SIGTERM
    DaemonCheck {
        /// The pid file (a relative path is taken from the current directory)
        #[arg(long)]
        pidfile: PathBuf,
        /// The daemon's umask, in octal
        #[arg(long, default_value = "027", value_parser = octal_mode)]
        umask: Mode,
        /// Leave a stale pid file (a dead instance's, unlocked) first
        #[arg(long)]
        stale: bool,
    },
    /// Job control on the terminal: a foreground job that gets what is
    /// typed (Ctrl-C, Ctrl-Z), a background job that a read of the terminal
    /// stops, then brought to the foreground
    Jobs {
        /// How many processes job a has, 1 to 8
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=8))]
        members: u32,
    },
    /// (internal) What a pipeline member runs: read stdin to its end
    #[command(hide = true)]
    Member,
}

#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Each child joins its group and execs before the parent's setpgid
    ChildFirst,
    /// The parent moves each child before the child's own setpgid
    ParentFirst,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Start from the default for the job-control signals and SIGCHLD,
    // whatever our parent left us: ignored dispositions survive exec.
    for sig in [
        Signal::SIGCHLD,
        Signal::SIGTTOU,
        Signal::SIGTTIN,
        Signal::SIGINT,
        Signal::SIGTERM,
    ] {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: installs no handler, only the default action.
        if let Err(e) = unsafe { sigaction(sig, &default) } {
            eprintln!("sessions: sigaction({sig}): {e}");
            return ExitCode::FAILURE;
        }
    }
    let result = match cli.command {
        Command::Pipeline { order, size } => pipeline(order, size),
        Command::Session => session(),
        Command::Rules => rules(),
        Command::Daemonize { pidfile, umask } => match std::path::absolute(&pidfile) {
            Ok(path) => run_daemonize(&path, umask),
            Err(e) => Err(e.into()),
        },
        Command::DaemonCheck {
            pidfile,
            umask,
            stale,
        } => daemon_check(&pidfile, umask, stale),
        Command::Jobs { members } => jobs(members),
        Command::Member => member(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sessions: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `pipeline [--order child-first|parent-first] [--size N]`.
///
/// child-first: each child calls `join_group_in_child`, sends the driver
/// the pgid it then has and execs `sessions member`; the driver waits until
/// the exec has happened (a close-on-exec pipe reaches end of file), and only
/// then calls `join_group_in_parent`.
///
/// parent-first: each child waits at a gate; the driver calls
/// `join_group_in_parent` and looks at the child's pgid at once; once all
/// are forked it opens the gate, and each child calls `join_group_in_child`
/// and execs.
///
/// Then the ids of every member and of the driver, `ready`, and the end.
fn pipeline(order: Order, size: u32) -> Result<(), Error> {
    show::order(order);
    // The members' stdin: they read it until the driver lets go of it.
    let mut hold = Hold::new()?;
    let mut go = Gate::new()?;
    let mut leader: Option<Pid> = None;
    let mut members = Vec::new();
    let mut execs = Vec::new();
    for _ in 0..size {
        let (exec_read, exec_write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        let child = spawn(|| be_member(order, leader, &mut go, &exec_write, &hold.read))?;
        // Ours would keep the pipe open after the child has exec'd.
        drop(exec_write);
        match order {
            Order::ChildFirst => {
                let said = read_to_end(exec_read)?;
                show::early(child, pid_from_bytes(&said), "child");
                show::parent_setpgid(child, sessions::join_group_in_parent(child, leader));
            }
            Order::ParentFirst => {
                show::parent_setpgid(child, sessions::join_group_in_parent(child, leader));
                show::early(child, sessions::ids(child).ok().map(|i| i.pgid), "parent");
                execs.push(exec_read);
            }
        }
        leader.get_or_insert(child);
        members.push(child);
    }
    go.open();
    for exec_read in execs {
        read_to_end(exec_read)?;
    }
    for &m in &members {
        show::ids("member", m, sessions::ids(m));
    }
    show::ids("shell", getpid(), sessions::ids(getpid()));
    ready()?;
    hold.release();
    for &m in &members {
        show::ended("member", m, waitpid(m, None));
    }
    Ok(())
}

/// A member of `pipeline`, in the child: join the group, tell, exec.
fn be_member(
    order: Order,
    leader: Option<Pid>,
    go: &mut Gate,
    exec_write: &OwnedFd,
    hold_read: &OwnedFd,
) -> i32 {
    if order == Order::ParentFirst && go.wait().is_err() {
        return 1;
    }
    if let Err(e) = sessions::join_group_in_child(leader) {
        eprintln!("sessions: member {}: join_group_in_child: {e}", getpid());
    }
    if order == Order::ChildFirst {
        let _ = nix::unistd::write(exec_write, &pid_bytes(getpgrp()));
    }
    exec_member(hold_read)
}

/// Exec `sessions member` with stdin from `stdin` (the pipe's close-on-exec
/// flag is not copied by dup2, so the member keeps it as fd 0).
fn exec_member(stdin: &OwnedFd) -> i32 {
    if nix::unistd::dup2_stdin(stdin).is_err() {
        return 126;
    }
    let argv = [c"sessions", c"member"];
    let e = nix::unistd::execv(SELF_EXE, &argv).unwrap_err();
    eprintln!("sessions: exec {SELF_EXE:?}: {e}");
    127
}

/// `member`: read stdin until its end, then exit 0.
fn member() -> Result<(), Error> {
    let mut sink = Vec::new();
    io::stdin().lock().read_to_end(&mut sink)?;
    Ok(())
}

/// `session`: the driver's own facts and its setsid; then a child shows its
/// facts, calls `new_session`, shows them again; a grandchild (a member of
/// the new session but not its leader) opens a fresh pseudo-terminal and
/// shows it did not become its terminal; then the child, the leader, opens
/// another one, which does.
fn session() -> Result<(), Error> {
    show::tty_facts("shell", getpid());
    show::setsid("shell", getpid(), sessions::new_session());
    // Terminals that are nobody's yet, one for each try; their masters stay
    // open here so that the slaves can be opened.
    let (_master1, slave1) = fresh_pty()?;
    let (_master2, slave2) = fresh_pty()?;
    let child = spawn(|| be_session_child(&slave1, &slave2))?;
    show::ended("child", child, waitpid(child, None));
    Ok(())
}

fn be_session_child(slave1: &Path, slave2: &Path) -> i32 {
    let _ = nix::sys::prctl::set_name(TRICKY_NAME);
    let me = getpid();
    show::tty_facts("child", me);
    let started = sessions::new_session();
    let ok = started.is_ok();
    show::setsid("child", me, started);
    if !ok {
        return 1;
    }
    show::tty_facts("child", me);
    let grandchild = spawn(|| {
        // No O_NOCTTY: had we been a session leader without a terminal,
        // this open would make the terminal ours.
        match nix::fcntl::open(slave2, OFlag::O_RDWR, Mode::empty()) {
            Ok(_fd) => {
                show::opened("grandchild", getpid());
                show::tty_facts("grandchild", getpid());
                0
            }
            Err(e) => {
                eprintln!("sessions: open {}: {e}", slave2.display());
                1
            }
        }
    });
    match grandchild {
        Ok(g) => show::ended("grandchild", g, waitpid(g, None)),
        Err(e) => eprintln!("sessions: fork: {e}"),
    }
    match nix::fcntl::open(slave1, OFlag::O_RDWR, Mode::empty()) {
        Ok(_fd) => {
            show::opened("child", me);
            show::tty_facts("child", me);
            0
        }
        Err(e) => {
            eprintln!("sessions: open {}: {e}", slave1.display());
            1
        }
    }
}

/// A new pseudo-terminal pair: the master, and the path of its slave.
fn fresh_pty() -> Result<(nix::pty::PtyMaster, PathBuf), Error> {
    use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let slave = PathBuf::from(ptsname_r(&master)?);
    Ok((master, slave))
}

/// `rules`: setsid and setpgid where the kernel says no.
fn rules() -> Result<(), Error> {
    let me = getpid();
    let zero = Pid::from_raw(0);
    // The grader started us as the leader of a process group.
    show::setsid("shell", me, sessions::new_session());
    // Every child of this subcommand waits on this until the end.
    let mut hold = Hold::new()?;

    // A child that has made itself a session leader, then asks to be moved.
    let mut said = Gate::new()?;
    let leader = spawn(|| {
        // What it says: minus the errno of setsid, or the errno of its own
        // setpgid(0, 0) (0 for success).
        let word = match sessions::new_session() {
            Ok(_) => match setpgid(zero, zero) {
                Ok(()) => 0,
                Err(e) => e as i32,
            },
            Err(e) => -(e as i32),
        };
        let sent = said.send(&word.to_ne_bytes());
        said.open();
        if sent.is_err() {
            return 1;
        }
        hold.wait()
    })?;
    let got = said.wait()?;
    let word = i32::from_ne_bytes(
        got.as_slice()
            .try_into()
            .map_err(|_| "no word from the child")?,
    );
    if word < 0 {
        show::setsid("child", leader, Err(Errno::from_raw(-word)));
    } else {
        show::setsid("child", leader, Ok(leader));
        show::ids("child", leader, sessions::ids(leader));
        let own = if word == 0 {
            Ok(())
        } else {
            Err(Errno::from_raw(word))
        };
        show::setpgid(leader, zero, zero, own);
    }
    show::setpgid(me, leader, leader, setpgid(leader, leader));
    show::setpgid(me, zero, leader, setpgid(zero, leader));

    // A child that has exec'd.
    let (exec_read, exec_write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    let execd = spawn(|| exec_member(&hold.read))?;
    drop(exec_write);
    read_to_end(exec_read)?;
    show::setpgid(me, execd, execd, setpgid(execd, execd));
    show::parent_setpgid(execd, sessions::join_group_in_parent(execd, None));
    show::ids("child", execd, sessions::ids(execd));

    // Not our child: our parent.
    let parent = getppid();
    show::setpgid(me, parent, parent, setpgid(parent, parent));

    // pgid 0: the pid of the process moved.
    let plain = spawn(|| hold.wait())?;
    show::setpgid(me, plain, zero, setpgid(plain, zero));
    show::ids("child", plain, sessions::ids(plain));
    hold.release();
    for child in [leader, execd, plain] {
        show::ended("child", child, waitpid(child, None));
    }
    Ok(())
}

/// `daemonize --pidfile F`: in the launcher, `sessions::daemonize` never
/// returns; in the daemon it returns the locked pid file, and the daemon
/// serves until SIGTERM.
fn run_daemonize(pidfile: &Path, mask: Mode) -> Result<(), Error> {
    let locked = sessions::daemonize(pidfile, mask)?;
    let code = sessions::serve(locked);
    sessions::leave(code)
}

/// `daemon-check --pidfile F [--umask M] [--stale]`.
fn daemon_check(pidfile: &Path, mask: Mode, stale: bool) -> Result<(), Error> {
    let _ = nix::sys::prctl::set_name(TRICKY_NAME);
    show::tty_facts("check", getpid());
    let path = std::path::absolute(pidfile)?;
    // Whatever is orphaned below us comes to us, the daemon included: we
    // can wait for it.
    nix::sys::prctl::set_child_subreaper(true)?;
    nix::sys::stat::umask(Mode::from_bits_truncate(CHECK_UMASK));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if stale {
        std::fs::write(&path, STALE)?;
        show::stale();
    }
    let launcher = spawn(|| report(run_daemonize(&path, mask)))?;
    show::ended("launcher", launcher, waitpid(launcher, None));

    let daemon = look_at_pidfile("pidfile", &path);
    if let Some(daemon) = daemon {
        look_at_daemon(daemon);
    }

    let second = spawn(|| report(run_daemonize(&path, mask)))?;
    show::ended("second", second, waitpid(second, None));
    look_at_pidfile("pidfile", &path);

    if let Some(daemon) = daemon {
        show::sent(daemon, kill(daemon, Signal::SIGTERM));
        let status = reap_until(daemon);
        let ended = !matches!(status, Ok(WaitStatus::StillAlive));
        show::ended("daemon", daemon, status);
        show::exists(&path);
        if ended {
            // The second instance's processes may still be on their way
            // out (a word sent to the launcher, then _exit): let them go.
            settle();
        }
    }
    // Whatever is still there (two daemons, or one that ignored SIGTERM):
    // it shows, and it goes.
    clean_up();
    let _ = std::fs::remove_file(&path);
    Ok(())
}

/// Print a driver error of a child to stderr and leave with 1.
fn report(result: Result<(), Error>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sessions: {e}");
            1
        }
    }
}

/// The pid file's contents, the pid holding a lock on it, its mode; the pid
/// it names, if it holds exactly one.
fn look_at_pidfile(word: &str, path: &Path) -> Option<Pid> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            show::pidfile_missing(word, e);
            return None;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let pid = text
        .strip_suffix('\n')
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i32>().ok())
        .map(Pid::from_raw);
    let mode = std::fs::metadata(path).map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o7777
    });
    show::pidfile(word, pid, &text, lock_holder(path), mode);
    pid
}

/// Who holds a write lock on `path`, by fcntl(2) F_GETLK: `Ok(None)` when
/// nobody does.
fn lock_holder(path: &Path) -> io::Result<Option<Pid>> {
    let file = File::open(path)?;
    // SAFETY: flock is plain old data; all zeros is a valid value.
    let mut query: libc::flock = unsafe { std::mem::zeroed() };
    query.l_type = libc::F_WRLCK as libc::c_short;
    query.l_whence = libc::SEEK_SET as libc::c_short;
    fcntl(&file, FcntlArg::F_GETLK(&mut query))?;
    if query.l_type == libc::F_UNLCK as libc::c_short {
        Ok(None)
    } else {
        Ok(Some(Pid::from_raw(query.l_pid)))
    }
}

/// The daemon from outside: its ids and terminal (your `read_stat`), its
/// umask, its current directory, and where its fds 0 to 2 point.
fn look_at_daemon(daemon: Pid) {
    match sessions::read_stat(daemon) {
        Ok(stat) => show::daemon(daemon, &stat),
        Err(e) => show::daemon_failed(daemon, e),
    }
    let umask = std::fs::read_to_string(format!("/proc/{daemon}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string()))
        });
    let cwd = std::fs::read_link(format!("/proc/{daemon}/cwd"));
    let fds: Vec<String> = (0..3)
        .map(|n| fd_kind(std::fs::read_link(format!("/proc/{daemon}/fd/{n}"))))
        .collect();
    show::daemon_env(daemon, umask.as_deref(), cwd, &fds);
}

/// What an fd points at, without the numbers that change from run to run:
/// a path as it is, `pipe`, `socket`, `pts` for a pseudo-terminal, `closed`.
fn fd_kind(link: io::Result<PathBuf>) -> String {
    match link {
        Err(_) => "closed".to_string(),
        Ok(target) => {
            let text = target.to_string_lossy().into_owned();
            if text.starts_with("pipe:") {
                "pipe".to_string()
            } else if text.starts_with("socket:") {
                "socket".to_string()
            } else if text.starts_with("/dev/pts/") {
                "pts".to_string()
            } else {
                text
            }
        }
    }
}

/// Reap children (whatever comes back: launchers' middle children, failed
/// second daemons) until `daemon` is among them, for at most POLL_LIMIT.
fn reap_until(daemon: Pid) -> nix::Result<WaitStatus> {
    let since = Instant::now();
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {
                if since.elapsed() > POLL_LIMIT {
                    return Ok(WaitStatus::StillAlive);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(status) if status.pid() == Some(daemon) => return Ok(status),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reap children until none is left, for at most SETTLE_LIMIT: those
/// still running then are leftovers.
fn settle() {
    let since = Instant::now();
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {
                if since.elapsed() > SETTLE_LIMIT {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}

/// Kill and reap every child that is left (a subreaper's children include
/// every orphan below it), printing a line for each one still running.
fn clean_up() {
    let me = getpid();
    let list =
        std::fs::read_to_string(format!("/proc/{me}/task/{me}/children")).unwrap_or_default();
    for pid in list
        .split_ascii_whitespace()
        .filter_map(|p| p.parse::<i32>().ok())
    {
        let pid = Pid::from_raw(pid);
        let alive = !matches!(state_of(pid), Some('Z') | None);
        if alive {
            show::leftover(pid);
            let _ = kill(pid, Signal::SIGKILL);
        }
    }
    // Now every child ends: collect them all.
    loop {
        match waitpid(Pid::from_raw(-1), None) {
            Err(Errno::EINTR) => {}
            Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// The state letter of `pid` (the driver's own reading of /proc).
fn state_of(pid: Pid) -> Option<char> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = text.rfind(')')?;
    text[close + 1..].trim_start().chars().next()
}

/// `jobs [--members N]`: job control on our terminal (stdin), as a shell
/// does it. Job a (N processes in one group) and job b (one process, a group
/// of its own) both wait on pipes. The driver gives the terminal to job a and
/// says `ready`; what the grader types then (Ctrl-C, Ctrl-Z) goes to the
/// foreground group only. The driver reports how each member of job a ended,
/// takes the terminal back, and lets job b go on: b reads the terminal from
/// the background and is stopped by SIGTTIN (unless the keystroke reached it
/// too: then it dies of it). The driver gives the terminal to b, continues
/// it, says `ready`; b reads the line typed; the driver takes the terminal
/// back once more and ends.
fn jobs(members: u32) -> Result<(), Error> {
    let stdin = io::stdin();
    let tty = stdin.as_fd();
    let me = getpgrp();
    match nix::unistd::tcgetpgrp(tty) {
        Ok(fg) if fg == me => {}
        Ok(_) => return Err("jobs: we are not in the foreground of our terminal".into()),
        Err(e) => return Err(format!("jobs needs a terminal on stdin: tcgetpgrp: {e}").into()),
    }
    // Like a shell, the driver ignores what the keyboard sends: it is meant
    // for the foreground job. Every child puts the default back first thing.
    set_keyboard_signals(SigHandler::SigIgn)?;
    // No TOSTOP: a background process (the driver itself, most of the time)
    // may write to the terminal. Echo stays on, so the transcript shows what
    // was typed; a typed line is echoed before its reader can print, but the
    // echo of Ctrl-C or Ctrl-Z comes only after the signal is sent, so the
    // cases filter those two echoes out.
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let saved = tcgetattr(tty)?;
    let mut settings = saved.clone();
    settings.local_flags.remove(LocalFlags::TOSTOP);
    tcsetattr(tty, SetArg::TCSANOW, &settings)?;

    let mut hold = Hold::new()?;
    let mut job_a = Vec::new();
    let mut leader = None;
    for _ in 0..members {
        let m = start_job_member(leader, || hold.wait())?;
        leader.get_or_insert(m);
        job_a.push(m);
    }
    let a = job_a[0];
    // Made after job a was forked: only b and the driver hold it.
    let mut go = Gate::new()?;
    let b = start_job_member(None, || {
        hold.release();
        match go.wait() {
            Ok(_) => read_terminal(),
            Err(_) => 1,
        }
    })?;
    show::jobs(&job_a, b);

    show::foreground(a, sessions::set_foreground(tty, a));
    show::terminal(nix::unistd::tcgetpgrp(tty));
    // Not `ready()`: we are in the background now, and a read of the
    // terminal would stop us with SIGTTIN. We wait for job a instead. Every
    // member of job a is blocked reading `hold` by now, with the default
    // actions in place: whatever is typed finds them there.
    show::ready();
    let mut stopped = false;
    for &m in &job_a {
        let status = waitpid(m, Some(WaitPidFlag::WUNTRACED));
        stopped |= matches!(status, Ok(WaitStatus::Stopped(..)));
        show::ended("job_a", m, status);
    }
    show::foreground(me, sessions::set_foreground(tty, me));
    show::terminal(nix::unistd::tcgetpgrp(tty));
    if stopped {
        // A stopped job takes a pending SIGTERM only once it runs again.
        show::killpg(a, Signal::SIGTERM, killpg(a, Signal::SIGTERM));
        show::killpg(a, Signal::SIGCONT, killpg(a, Signal::SIGCONT));
        for &m in &job_a {
            show::ended("job_a", m, waitpid(m, None));
        }
    }

    // Job b reads the terminal while it is in the background.
    go.open();
    show::ended("job_b", b, waitpid(b, Some(WaitPidFlag::WUNTRACED)));
    show::foreground(b, sessions::set_foreground(tty, b));
    show::killpg(b, Signal::SIGCONT, killpg(b, Signal::SIGCONT));
    show::terminal(nix::unistd::tcgetpgrp(tty));
    show::ready();
    show::ended("job_b", b, waitpid(b, None));
    show::foreground(me, sessions::set_foreground(tty, me));
    show::terminal(nix::unistd::tcgetpgrp(tty));
    hold.release();
    tcsetattr(tty, SetArg::TCSANOW, &saved)?;
    Ok(())
}

/// The dispositions of the signals a terminal sends on a keystroke.
fn set_keyboard_signals(handler: SigHandler) -> nix::Result<()> {
    for sig in [Signal::SIGINT, Signal::SIGQUIT, Signal::SIGTSTP] {
        let action = SigAction::new(handler, SaFlags::empty(), SigSet::empty());
        // SAFETY: installs no handler, only the default action or SIG_IGN.
        unsafe { sigaction(sig, &action) }?;
    }
    Ok(())
}

/// Fork a job member: in the child, the default actions for the keyboard's
/// signals, `join_group_in_child`, tell the parent, then `body`; in the
/// parent, wait for the word, then `join_group_in_parent`. The child moves
/// first, always: the order is the same in every run.
fn start_job_member(leader: Option<Pid>, body: impl FnOnce() -> i32) -> Result<Pid, Error> {
    let mut said = Gate::new()?;
    let child = spawn(|| {
        if set_keyboard_signals(SigHandler::SigDfl).is_err() {
            return 1;
        }
        let joined = sessions::join_group_in_child(leader);
        if let Err(e) = &joined {
            eprintln!(
                "sessions: job member {}: join_group_in_child: {e}",
                getpid()
            );
        }
        let sent = said.send(b"!");
        said.open();
        if sent.is_err() {
            return 1;
        }
        body()
    })?;
    said.wait()?;
    if let Err(e) = sessions::join_group_in_parent(child, leader) {
        eprintln!("sessions: join_group_in_parent({child}): {e}");
    }
    Ok(child)
}

/// Job b: read one line from the terminal, show it, exit with the number
/// of bytes.
fn read_terminal() -> i32 {
    let mut buf = [0u8; 64];
    loop {
        match nix::unistd::read(io::stdin().as_fd(), &mut buf) {
            Ok(n) => {
                show::read(getpid(), &buf[..n]);
                return n as i32;
            }
            Err(Errno::EINTR) => {}
            Err(e) => {
                eprintln!("sessions: job b: read: {e}");
                return 100;
            }
        }
    }
}

/// A barrier like `Gate`, but close-on-exec on both ends: a child that
/// execs takes no copy of the write end along, so the end of file comes
/// when the driver and every child that has not exec'd let go of it.
struct Hold {
    read: OwnedFd,
    write: Option<OwnedFd>,
}

impl Hold {
    fn new() -> nix::Result<Hold> {
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
        Ok(Hold {
            read,
            write: Some(write),
        })
    }

    /// Close this process's copy of the write end.
    fn release(&mut self) {
        self.write = None;
    }

    /// In a child that does not exec: let go of the write end, then read
    /// until end of file; 0 then, 1 on a read error.
    fn wait(&mut self) -> i32 {
        self.release();
        let mut rest = Vec::new();
        match File::from(self.read.try_clone().expect("dup of a pipe")).read_to_end(&mut rest) {
            Ok(_) => 0,
            Err(_) => 1,
        }
    }
}

/// Read a pipe until end of file.
fn read_to_end(fd: OwnedFd) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    File::from(fd).read_to_end(&mut got)?;
    Ok(got)
}

/// Fork a child that runs `body` and leaves with its value as exit status
/// (101 if it panics), through _exit: it never returns into the driver.
fn spawn(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    let _ = io::stdout().flush();
    // SAFETY: the driver starts no threads, so the child may call anything;
    // it leaves through _exit and never runs the caller's code.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
            let _ = io::stdout().flush();
            sessions::leave(code)
        }
    }
}

/// Print `ready`, then block until a line (or end of file) arrives on stdin:
/// the grader looks at the process tree in between.
fn ready() -> io::Result<()> {
    show::ready();
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(())
}

/// An octal umask: `027`, `0o077`, `22`.
fn octal_mode(text: &str) -> Result<Mode, String> {
    let digits = text.strip_prefix("0o").unwrap_or(text);
    u32::from_str_radix(digits, 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .map(Mode::from_bits_truncate)
        .ok_or_else(|| format!("not an octal umask: {text}"))
}

/// Every line the lab prints.
mod show {
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};

    use nix::errno::Errno;
    use nix::sys::wait::WaitStatus;
    use nix::unistd::Pid;

    use crate::Order;
    use crate::sessions::{self, Ids, Stat};

    fn line(text: String) {
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// `order=child-first|parent-first`.
    pub fn order(order: Order) {
        let word = match order {
            Order::ChildFirst => "child-first",
            Order::ParentFirst => "parent-first",
        };
        line(format!("order={word}"));
    }

    /// `early pid=P pgid=G seen_by=child|parent`: the child's group right
    /// after the first of the two setpgid calls, seen by whoever made it.
    pub fn early(pid: Pid, pgid: Option<Pid>, by: &str) {
        match pgid {
            Some(g) => line(format!("early pid={pid} pgid={g} seen_by={by}")),
            None => line(format!("early pid={pid} pgid=unknown seen_by={by}")),
        }
    }

    /// `parent_setpgid pid=P result=ok|ENAME`: how `join_group_in_parent`
    /// ended.
    pub fn parent_setpgid(pid: Pid, result: nix::Result<()>) {
        line(format!(
            "parent_setpgid pid={pid} result={}",
            outcome(result)
        ));
    }

    fn outcome(result: nix::Result<()>) -> String {
        match result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("{e:?}"),
        }
    }

    /// `WORD pid=P pgid=G sid=S`, or `WORD pid=P error=ENAME`.
    pub fn ids(word: &str, pid: Pid, ids: nix::Result<Ids>) {
        match ids {
            Ok(i) => line(format!(
                "{word} pid={} pgid={} sid={}",
                i.pid, i.pgid, i.sid
            )),
            Err(e) => line(format!("{word} pid={pid} error={e:?}")),
        }
    }

    /// `WORD pid=P pgid=G sid=S ctty=yes|no tpgid=T tty=ok|ENAME`: the
    /// ids (your `ids`), whether /proc shows a controlling terminal (your
    /// `read_stat`: tty_nr not 0) and its foreground group, and whether
    /// /dev/tty opens (your `open_controlling_tty`).
    pub fn tty_facts(word: &str, pid: Pid) {
        let ids = match sessions::ids(pid) {
            Ok(i) => format!("pgid={} sid={}", i.pgid, i.sid),
            Err(e) => format!("ids={e:?}"),
        };
        let stat = match sessions::read_stat(pid) {
            Ok(s) => format!(
                "ctty={} tpgid={}",
                if s.tty_nr != 0 { "yes" } else { "no" },
                s.tpgid
            ),
            Err(e) => format!("stat={:?}", e.kind()),
        };
        let tty = match sessions::open_controlling_tty() {
            Ok(_fd) => "ok".to_string(),
            Err(e) => format!("{e:?}"),
        };
        line(format!("{word} pid={pid} {ids} {stat} tty={tty}"));
    }

    /// `setsid WORD_pid=P result=ok new_sid=S` or `... result=ENAME`.
    pub fn setsid(word: &str, pid: Pid, result: nix::Result<Pid>) {
        match result {
            Ok(sid) => line(format!("setsid {word}_pid={pid} result=ok new_sid={sid}")),
            Err(e) => line(format!("setsid {word}_pid={pid} result={e:?}")),
        }
    }

    /// `opened WORD_pid=P tty=new`: P opened a fresh terminal, without
    /// O_NOCTTY.
    pub fn opened(word: &str, pid: Pid) {
        line(format!("opened {word}_pid={pid} tty=new"));
    }

    /// `setpgid by_pid=C target_pid=P to_pgid=G result=ok|ENAME`: C called
    /// setpgid(P, G).
    pub fn setpgid(by: Pid, target: Pid, to: Pid, result: nix::Result<()>) {
        line(format!(
            "setpgid by_pid={by} target_pid={target} to_pgid={to} result={}",
            outcome(result)
        ));
    }

    /// `WORD pid=P exited code=N`, `... signaled signal=SIG`, `... stopped
    /// signal=SIG`, `... running`, or `... error=ENAME`.
    pub fn ended(word: &str, pid: Pid, result: nix::Result<WaitStatus>) {
        let how = match result {
            Ok(WaitStatus::Exited(_, code)) => format!("exited code={code}"),
            Ok(WaitStatus::Signaled(_, sig, _)) => format!("signaled signal={}", sig.as_str()),
            Ok(WaitStatus::Stopped(_, sig)) => format!("stopped signal={}", sig.as_str()),
            Ok(WaitStatus::StillAlive) => "running".to_string(),
            Ok(other) => format!("other={other:?}"),
            Err(e) => format!("error={e:?}"),
        };
        line(format!("{word} pid={pid} {how}"));
    }

    /// `stale pidfile=written`.
    pub fn stale() {
        line("stale pidfile=written".to_string());
    }

    /// `WORD missing=ENAME`: the pid file could not be read.
    pub fn pidfile_missing(word: &str, e: io::Error) {
        let name = e.raw_os_error().map_or_else(
            || format!("{:?}", e.kind()),
            |n| format!("{:?}", Errno::from_raw(n)),
        );
        line(format!("{word} missing={name}"));
    }

    /// `WORD pid=P lock_pid=L mode=0NNN`, with `content="..."` instead of
    /// `pid=` when the file holds anything but one pid and a newline, and
    /// `lock_pid=none` when nobody holds a lock.
    pub fn pidfile(
        word: &str,
        pid: Option<Pid>,
        text: &str,
        holder: io::Result<Option<Pid>>,
        mode: io::Result<u32>,
    ) {
        let content = match pid {
            Some(p) => format!("pid={p}"),
            None => format!("content={text:?}"),
        };
        let lock = match holder {
            Ok(Some(p)) => format!("lock_pid={p}"),
            Ok(None) => "lock_pid=none".to_string(),
            Err(e) => format!("lock_pid={:?}", e.kind()),
        };
        let mode = match mode {
            Ok(m) => format!("mode={m:04o}"),
            Err(_) => "mode=unknown".to_string(),
        };
        line(format!("{word} {content} {lock} {mode}"));
    }

    /// `daemon pid=P ppid=Q pgid=G sid=S tty_nr=N tpgid=T
    /// session_leader=yes|no`, from your `read_stat`.
    pub fn daemon(pid: Pid, s: &Stat) {
        let leader = if s.session == pid { "yes" } else { "no" };
        line(format!(
            "daemon pid={pid} pgid={} sid={} tty_nr={} tpgid={} session_leader={leader}",
            s.pgrp, s.session, s.tty_nr, s.tpgid
        ));
    }

    pub fn daemon_failed(pid: Pid, e: io::Error) {
        line(format!("daemon pid={pid} stat={:?}", e.kind()));
    }

    /// `daemon pid=P umask=0NNN cwd=/ stdin=/dev/null stdout=... stderr=...`.
    pub fn daemon_env(pid: Pid, umask: Option<&str>, cwd: io::Result<PathBuf>, fds: &[String]) {
        let cwd = match cwd {
            Ok(p) => p.display().to_string(),
            Err(e) => format!("{:?}", e.kind()),
        };
        line(format!(
            "daemon pid={pid} umask={} cwd={cwd} stdin={} stdout={} stderr={}",
            umask.unwrap_or("unknown"),
            fds[0],
            fds[1],
            fds[2]
        ));
    }

    /// `sent signal_pid=P result=ok|ENAME`.
    pub fn sent(pid: Pid, result: nix::Result<()>) {
        line(format!("signal sent_pid={pid} result={}", outcome(result)));
    }

    /// `pidfile exists=yes|no` after the daemon has ended.
    pub fn exists(path: &Path) {
        let word = if path.exists() { "yes" } else { "no" };
        line(format!("pidfile exists={word}"));
    }

    /// `leftover pid=P`: still running at the end; killed now.
    pub fn leftover(pid: Pid) {
        line(format!("leftover pid={pid}"));
    }

    /// `jobs job_a=P1,P2 job_b=P3`... as `job_a_pid=` lists.
    pub fn jobs(a: &[Pid], b: Pid) {
        let list: Vec<String> = a.iter().map(Pid::to_string).collect();
        line(format!("jobs job_a_pid={} job_b_pid={b}", list.join(",")));
    }

    /// `job_b pid=P read="..."`: what job b's read of the terminal got.
    pub fn read(pid: Pid, bytes: &[u8]) {
        line(format!(
            "job_b pid={pid} read={:?}",
            String::from_utf8_lossy(bytes)
        ));
    }

    /// `killpg to_pgid=G signal=SIG result=ok|ENAME`.
    pub fn killpg(pgid: Pid, sig: nix::sys::signal::Signal, result: nix::Result<()>) {
        line(format!(
            "killpg to_pgid={pgid} signal={} result={}",
            sig.as_str(),
            outcome(result)
        ));
    }

    /// `foreground to_pgid=G result=ok|ENAME`: your `set_foreground`.
    pub fn foreground(pgid: Pid, result: nix::Result<()>) {
        line(format!(
            "foreground to_pgid={pgid} result={}",
            outcome(result)
        ));
    }

    /// `terminal fg_pgid=G`: tcgetpgrp of the terminal now.
    pub fn terminal(result: nix::Result<Pid>) {
        match result {
            Ok(g) => line(format!("terminal fg_pgid={g}")),
            Err(e) => line(format!("terminal error={e:?}")),
        }
    }

    pub fn ready() {
        line("ready".to_string());
    }
}

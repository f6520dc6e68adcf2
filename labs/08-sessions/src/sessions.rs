//! STUDENT FILE for lab 08 sessions: this is the only file you edit.
//!
//! Every process belongs to a process group, and every group to a session.
//! A shell puts the processes of one command line (a job) into one group, so
//! that one signal reaches all of them and so that the terminal knows which
//! group is in the foreground: only that group may read from it, and only
//! that group gets the signals the keyboard sends (Ctrl-C, Ctrl-Z). A daemon
//! leaves all of this behind: a session of its own, no terminal, no current
//! directory that pins a file system, no inherited stdio.
//!
//! In this file you read the three ids of a process, join a job's group from
//! both sides of a fork, start a session, hand a terminal to a group, and
//! write a daemon with a locked pid file.
//!
//! The driver (src/main.rs) forks the children, sets the scene, and prints
//! every line; it is not yours to change. You write only what sits between
//! the `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines; the stub has a
//! `todo!()` there whose message is a hint. The chapter docs/src/08-sessions.md
//! explains each task and the exact output the grader expects.
//!
//! The `use` lines that only your code needs go inside your regions (for
//! example `use nix::unistd::setsid;` at the top of a function body), so the
//! stub compiles without unused imports.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::stat::Mode;
use nix::unistd::Pid;

/// The exit code of a launcher whose daemon found the pid file locked by
/// another instance: "already running".
#[allow(dead_code, reason = "the stub's daemonize does not use it yet")]
pub const EXIT_LOCKED: i32 = 3;

/// The three ids of one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    pub pid: Pid,
    /// The process group it belongs to (getpgid(2)).
    pub pgid: Pid,
    /// The session it belongs to (getsid(2)): the pid of the session leader.
    pub sid: Pid,
}

/// The fields of `/proc/<pid>/stat` (proc(5)) that this lab looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no Stat yet: your read_stat does")]
pub struct Stat {
    /// Field 5: the process group.
    pub pgrp: Pid,
    /// Field 6: the session.
    pub session: Pid,
    /// Field 7: the device number of the controlling terminal, 0 for none.
    pub tty_nr: i32,
    /// Field 8: the foreground process group of the controlling terminal,
    /// -1 for none.
    pub tpgid: i32,
}

/// Why [`lock_pidfile`] did not give a locked pid file.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the stub builds no LockError yet: your lock_pidfile does"
)]
pub enum LockError {
    /// Another process holds a lock on the file: an instance is running.
    Locked,
    /// Anything else: the file could not be opened, written...
    Io(io::Error),
}

impl From<io::Error> for LockError {
    fn from(e: io::Error) -> LockError {
        LockError::Io(e)
    }
}

impl From<Errno> for LockError {
    fn from(e: Errno) -> LockError {
        LockError::Io(e.into())
    }
}

/// A pid file that this process has locked and written its pid into. The
/// lock lasts as long as the file stays open in this process: keep the
/// `File`, and never open and close the same file elsewhere in the process
/// (closing any descriptor of a file releases all of the process's fcntl
/// locks on it).
#[derive(Debug)]
pub struct PidFile {
    #[allow(dead_code, reason = "kept open for its lock, never read")]
    pub file: File,
    /// The absolute path it was opened at.
    #[allow(dead_code, reason = "the stub's serve does not remove it yet")]
    pub path: PathBuf,
}

/// What the daemon tells its launcher, through [`Readiness`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub sends no news yet: your daemonize does")]
pub enum News {
    /// The pid file is locked and written; the daemon runs.
    Ready,
    /// Another instance holds the pid file's lock.
    Locked,
    /// Something else went wrong after the first fork.
    Failed,
}

/// The pipe between a launcher and its daemon (daemon(7), "SysV daemons",
/// steps 15 and 16): made before the first fork, so that both ends are in
/// every process of the chain. The launcher waits on it and leaves only when
/// the daemon has said how it went, so whoever started the launcher finds
/// the pid file written when the launcher has exited. Yours to use.
#[allow(dead_code, reason = "the stub's daemonize does not use it yet")]
pub struct Readiness {
    read: Option<File>,
    write: Option<File>,
}

#[allow(dead_code, reason = "the stub's daemonize does not use it yet")]
impl Readiness {
    /// A new pipe, close-on-exec on both ends.
    pub fn new() -> nix::Result<Readiness> {
        let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        Ok(Readiness {
            read: Some(File::from(read)),
            write: Some(File::from(write)),
        })
    }

    /// In the launcher, the parent of the first fork: wait for the daemon's
    /// news and leave with the matching exit code, 0 for `Ready`,
    /// [`EXIT_LOCKED`] for `Locked` (saying so on stderr), 1 for `Failed` or
    /// when every other copy of the pipe was closed without a word (the
    /// daemon died). Never returns.
    pub fn launcher_exit(mut self) -> ! {
        // Our own write end would keep the pipe open for ever.
        self.write = None;
        let mut byte = [0u8; 1];
        let got = match self.read.as_mut() {
            Some(read) => loop {
                match read.read(&mut byte) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            },
            None => Ok(0),
        };
        let code = match (got, byte[0]) {
            (Ok(1), b'R') => 0,
            (Ok(1), b'L') => {
                eprintln!("sessions: the pid file is locked: another instance is running");
                EXIT_LOCKED
            }
            _ => {
                eprintln!("sessions: the daemon did not start");
                1
            }
        };
        leave(code)
    }

    /// In the daemon (or in any process after the first fork): send `news`
    /// to the launcher, and close both ends here.
    pub fn tell(mut self, news: News) {
        self.read = None;
        let byte = match news {
            News::Ready => b'R',
            News::Locked => b'L',
            News::Failed => b'F',
        };
        if let Some(mut write) = self.write.take() {
            // If the launcher is gone there is no one to tell.
            let _ = write.write_all(&[byte]);
        }
    }
}

/// End this process at once with `code`, through _exit(2): no destructors,
/// no buffers flushed, nothing of the caller's code runs any more. What a
/// process in the middle of a fork chain leaves by. Yours to call.
pub fn leave(code: i32) -> ! {
    // SAFETY: _exit ends the process; nothing after it runs.
    unsafe { libc::_exit(code) }
}

/// The pid, process group and session of `pid` (0 would mean "me", but the
/// driver always passes a real pid), from the kernel: getpgid(2) and
/// getsid(2). nix::unistd has both; they take an `Option<Pid>`.
pub fn ids(pid: Pid) -> nix::Result<Ids> {
    // BEGIN STUDENT CODE
    todo!("getpgid(Some({pid})) and getsid(Some({pid})) from nix::unistd, into an Ids")
    // END STUDENT CODE
}

/// Fields 5 to 8 of `/proc/<pid>/stat`: pgrp, session, tty_nr, tpgid. As in lab 05, the line is `PID (COMM) STATE PPID PGRP ...` and
/// COMM may hold spaces and parentheses: count the fields from the LAST `)`.
/// Read the file as bytes; a read that fails is an error.
pub fn read_stat(pid: Pid) -> io::Result<Stat> {
    // BEGIN STUDENT CODE
    todo!("read /proc/{pid}/stat; after the LAST ')': state ppid pgrp session tty_nr tpgid")
    // END STUDENT CODE
}

/// Called in a child right after fork, before it does anything else: put
/// this process into the job's process group. `None` means this process is
/// the first of its job: it starts a group of its own, whose id is its pid.
/// `Some(leader)` means: join the group of the job's first process, whose
/// id is `leader`.
///
/// The parent makes the same move from its side ([`join_group_in_parent`]);
/// whichever of the two runs first wins the race, and the other's call
/// changes nothing. setpgid(2): pid 0 means "the caller", pgid 0 means "the
/// pid of the process being moved".
pub fn join_group_in_child(leader: Option<Pid>) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!("setpgid(0, leader or 0 for a new group): nix::unistd::setpgid; leader {leader:?}")
    // END STUDENT CODE
}

/// Called in the parent right after fork returns `child`: the same move as
/// [`join_group_in_child`], made by the parent. `None`: `child` leads a new
/// group of its own; `Some(leader)`: `child` joins the group `leader`.
///
/// The child may already have called execve by the time the parent gets
/// here: then setpgid fails with EACCES. That is no error here: a child
/// exec's only after its own call, so it is in its group already. Every
/// other error goes back to the caller.
pub fn join_group_in_parent(child: Pid, leader: Option<Pid>) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!(
        "setpgid({child}, leader or {child}); EACCES means the child has exec'd: not an error here; leader {leader:?}"
    )
    // END STUDENT CODE
}

/// Start a new session with this process as its leader, and return the new
/// session's id (setsid(2)). It fails with EPERM in a process that leads a
/// process group: that is not for you to hide, return the error.
pub fn new_session() -> nix::Result<Pid> {
    // BEGIN STUDENT CODE
    todo!("one setsid(2): nix::unistd::setsid")
    // END STUDENT CODE
}

/// Open `/dev/tty`, which stands for "my controlling terminal, whatever it
/// is", read-write and close-on-exec. A process without a controlling
/// terminal gets ENXIO: return the error as it comes (nix::fcntl::open).
pub fn open_controlling_tty() -> nix::Result<OwnedFd> {
    // BEGIN STUDENT CODE
    todo!(
        "open /dev/tty read-write, close-on-exec (nix::fcntl::open); ENXIO means no controlling terminal"
    )
    // END STUDENT CODE
}

/// Make `pgid` the foreground process group of the terminal `tty`, this
/// process's controlling terminal (tcsetpgrp(3)).
///
/// A process that is itself in the background when it calls tcsetpgrp is
/// sent SIGTTOU, which stops it: that is how the terminal keeps background
/// jobs from grabbing it. A shell that gets its terminal back after a job
/// must therefore block (or ignore) SIGTTOU around the call, and put the
/// mask back as it was afterwards (SigSet::thread_swap_mask, or
/// nix::sys::signal::sigprocmask).
pub fn set_foreground(tty: BorrowedFd<'_>, pgid: Pid) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    todo!("block SIGTTOU, tcsetpgrp({tty:?}, {pgid}), put the old mask back")
    // END STUDENT CODE
}

/// Open (creating it, mode 0644 before the umask) the pid file at `path`,
/// take an exclusive fcntl lock on the whole file without waiting
/// (fcntl(2) F_SETLK with F_WRLCK; the `libc::flock` struct starts best
/// from `std::mem::zeroed()`), and only once the lock is ours, replace the
/// contents with this process's pid and a newline.
///
/// If another process holds a lock, F_SETLK fails with EAGAIN or EACCES:
/// return `LockError::Locked`, and leave the file as it was: its contents
/// are the other instance's pid. Use fcntl locks, not flock(2): the grader
/// looks at the lock with F_GETLK, which sees only fcntl locks.
#[allow(dead_code, reason = "the stub's daemonize does not call it yet")]
pub fn lock_pidfile(path: &Path) -> Result<PidFile, LockError> {
    // BEGIN STUDENT CODE
    todo!(
        "open {path:?} (create, 0644, no truncation), F_SETLK an F_WRLCK on it all, then set_len(0) and write your pid"
    )
    // END STUDENT CODE
}

/// Turn this process into a daemon whose pid file is `pidfile` (an absolute
/// path: the daemon changes directory), with `mask` as its umask. Returns
/// only in the daemon, with its locked pid file; every other process of the
/// chain leaves inside.
///
/// The steps (daemon(7) lists them all):
///
/// 1. make a [`Readiness`] pipe;
/// 2. fork; the parent (the launcher) calls `launcher_exit`;
/// 3. in the child, setsid: a new session, no controlling terminal (the
///    launcher may lead a process group, so it cannot do that itself);
/// 4. fork again; the parent, a session leader, leaves with 0 at once: the
///    daemon, its child, is not a session leader and can never acquire a
///    controlling terminal by opening one;
/// 5. chdir to `/`, set the umask to `mask`;
/// 6. point fds 0, 1 and 2 at `/dev/null` (open it read-write, dup2 it);
/// 7. block SIGTERM, so that [`serve`] can wait for it and a SIGTERM sent
///    as soon as the launcher has exited is not lost;
/// 8. only now [`lock_pidfile`]: fcntl locks belong to a process and are
///    not inherited across fork, so a lock taken before the forks is gone;
/// 9. tell the launcher `Ready`, or `Locked` and leave with [`EXIT_LOCKED`],
///    or `Failed` and leave with 1 if anything after step 2 went wrong.
///
/// An error before the first fork goes back to the caller.
pub fn daemonize(pidfile: &Path, mask: Mode) -> io::Result<PidFile> {
    // BEGIN STUDENT CODE
    todo!(
        "Readiness, fork, setsid, fork, chdir /, umask {mask:?}, stdio on /dev/null, block SIGTERM, then lock {pidfile:?}"
    )
    // END STUDENT CODE
}

/// The daemon's life: wait until SIGTERM comes (it is blocked: take it
/// with SigSet::wait, sigwait(3)), then remove the pid file, release it,
/// and return the exit code the daemon leaves with: 0.
pub fn serve(pidfile: PidFile) -> i32 {
    // BEGIN STUDENT CODE
    todo!("SigSet::wait until SIGTERM, remove the file of {pidfile:?}, return 0")
    // END STUDENT CODE
}

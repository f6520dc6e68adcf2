//! STUDENT FILE for lab 13 watcher: this is the only file you edit.
//!
//! A watcher runs a command, then runs it again whenever a file of the tree
//! changes: the loop of every `cargo watch`, `watchexec` or `nodemon`. It
//! asks the kernel for file events (inotify), waits until a burst of events
//! has died down (the debounce), stops the previous run's whole process group
//! (SIGTERM, a grace period, SIGKILL), starts the next, and keeps a log of
//! what changed and how each run ended that a crash can never leave half
//! written.
//!
//! The driver (src/main.rs) reads the command line and the configuration,
//! runs the main loop and prints every line; it is not yours to change. You
//! write the pieces it calls, between the `// BEGIN STUDENT CODE` and
//! `// END STUDENT CODE` lines; the stub has a `todo!()` there whose message
//! is a hint. The chapter docs/src/13-watcher.md explains each task and the
//! exact output the grader expects.
//!
//! The `use` lines that only your code needs go inside your regions (at the
//! top of a function body), so the stub compiles without unused imports. The
//! helpers outside the regions ([`Events`], [`reap`], [`Sh`],
//! [`child_defaults`], [`child_exit`], [`WATCH_MASK`]) are yours to call.

use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, InotifyEvent, WatchDescriptor};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// How a run ended, as the driver prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code: `code=N`.
    Code(i32),
    /// This signal killed it: `signal=SIGNAME`.
    Signal(Signal),
}

impl Ended {
    /// The pid and the ending in a status from nix's `waitpid`, or `None` when
    /// the status is not an ending (a stop, a continue, `StillAlive`).
    pub fn of(status: WaitStatus) -> Option<(Pid, Ended)> {
        match status {
            WaitStatus::Exited(pid, code) => Some((pid, Ended::Code(code))),
            WaitStatus::Signaled(pid, signal, _) => Some((pid, Ended::Signal(signal))),
            _ => None,
        }
    }
}

/// Why the watcher is told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// SIGTERM or SIGINT arrived.
    Signal(Signal),
    /// Our standard input reached end of file (Ctrl-D at a terminal, or the
    /// other end of the pipe closed).
    StdinClosed,
}

/// One thing [`Events::wait`] saw.
#[derive(Debug)]
pub enum Event {
    /// A record read from the inotify descriptor.
    #[allow(dead_code, reason = "the stub reads no record yet: your debounce does")]
    Fs(InotifyEvent),
    /// At least one SIGCHLD: some child ended (reap until none is left).
    Child,
    /// The watcher must stop.
    Stop(Why),
}

/// Every source of events the watcher waits on: the inotify descriptor, a
/// signalfd for SIGCHLD, SIGTERM and SIGINT, and standard input.
pub struct Events {
    /// The inotify instance the watches are added to (inotify(7)).
    pub inotify: Inotify,
    signals: SignalFd,
    /// Whether stdin is still open (not yet at end of file).
    stdin_open: bool,
    /// Stop requests read by [`Events::wait_child`], handed out by the next
    /// [`Events::wait`].
    stashed: Vec<Why>,
}

/// The events every watch asks for: a name created, written and closed,
/// deleted, or moved in or out of the directory. IN_ONLYDIR makes
/// inotify_add_watch(2) fail with ENOTDIR on anything but a directory.
/// (IN_IGNORED, IN_Q_OVERFLOW and IN_ISDIR come without being asked for.)
#[allow(dead_code, reason = "the stub watches nothing yet: your add_tree does")]
pub const WATCH_MASK: AddWatchFlags = AddWatchFlags::IN_CREATE
    .union(AddWatchFlags::IN_CLOSE_WRITE)
    .union(AddWatchFlags::IN_DELETE)
    .union(AddWatchFlags::IN_MOVED_FROM)
    .union(AddWatchFlags::IN_MOVED_TO)
    .union(AddWatchFlags::IN_ONLYDIR);

impl Events {
    /// Become a child subreaper (an orphaned grandchild of a run is then
    /// handed to us, so its death is a SIGCHLD here too), block SIGCHLD,
    /// SIGTERM and SIGINT and make a signalfd for them, and make a
    /// non-blocking inotify instance. Both descriptors are close-on-exec: no
    /// run inherits them.
    pub fn new() -> nix::Result<Events> {
        nix::sys::prctl::set_child_subreaper(true)?;
        let mut set = SigSet::empty();
        set.add(Signal::SIGCHLD);
        set.add(Signal::SIGTERM);
        set.add(Signal::SIGINT);
        set.thread_block()?;
        let signals = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        Ok(Events {
            inotify,
            signals,
            stdin_open: true,
            stashed: Vec::new(),
        })
    }

    /// Block until something happens, or until `timeout` has passed (`None`:
    /// no timeout), and return everything there is now: stop requests first,
    /// then at most one `Child`, then the inotify records in the kernel's
    /// order. After a timeout with nothing to report, the list is empty.
    pub fn wait(&mut self, timeout: Option<Duration>) -> nix::Result<Vec<Event>> {
        let mut got: Vec<Event> = self.stashed.drain(..).map(Event::Stop).collect();
        if !got.is_empty() {
            return Ok(got);
        }
        let stdin = std::io::stdin();
        let (signals_ready, inotify_ready, stdin_ready) = {
            let mut fds = vec![
                PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN),
            ];
            if self.stdin_open {
                fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, poll_timeout(timeout)) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(errno) => return Err(errno),
            }
            let ready = |fd: &PollFd| fd.any().unwrap_or(false);
            (
                ready(&fds[0]),
                ready(&fds[1]),
                fds.get(2).is_some_and(ready),
            )
        };
        if signals_ready {
            let mut child = false;
            for why in self.read_signals(&mut child)? {
                got.push(Event::Stop(why));
            }
            if child {
                got.push(Event::Child);
            }
        }
        if stdin_ready {
            let mut buf = [0u8; 512];
            match nix::unistd::read(&stdin, &mut buf) {
                // End of file, or stdin is unusable: either way nobody can
                // tell us anything through it any more.
                Ok(0) | Err(Errno::EBADF | Errno::EIO) => {
                    self.stdin_open = false;
                    got.push(Event::Stop(Why::StdinClosed));
                }
                // What is typed means nothing to the watcher.
                Ok(_) | Err(_) => {}
            }
        }
        if inotify_ready {
            loop {
                match self.inotify.read_events() {
                    Ok(records) if records.is_empty() => break,
                    Ok(records) => got.extend(records.into_iter().map(Event::Fs)),
                    Err(Errno::EAGAIN) => break,
                    Err(Errno::EINTR) => {}
                    Err(errno) => return Err(errno),
                }
            }
        }
        Ok(got)
    }

    /// Block until a SIGCHLD is pending or `timeout` has passed, and take the
    /// pending signals off the signalfd. Only the signalfd is looked at: the
    /// inotify records and stdin stay where they are for the next
    /// [`Events::wait`], and a SIGTERM or SIGINT read here is kept for it too.
    #[allow(
        dead_code,
        reason = "the stub waits for nothing yet: your stop_group does"
    )]
    pub fn wait_child(&mut self, timeout: Option<Duration>) -> nix::Result<()> {
        let mut fds = [PollFd::new(self.signals.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, poll_timeout(timeout)) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(errno) => return Err(errno),
        }
        let mut child = false;
        let stops = self.read_signals(&mut child)?;
        self.stashed.extend(stops);
        Ok(())
    }

    fn read_signals(&mut self, child: &mut bool) -> nix::Result<Vec<Why>> {
        let mut stops = Vec::new();
        while let Some(info) = self.signals.read_signal()? {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => *child = true,
                Ok(signal) => stops.push(Why::Signal(signal)),
                Err(_) => {}
            }
        }
        Ok(stops)
    }
}

/// A poll(2) timeout, rounded up to the next millisecond: rounded down, a
/// wait of 0.4 ms would become 0 and spin until the time is up.
fn poll_timeout(timeout: Option<Duration>) -> PollTimeout {
    match timeout {
        None => PollTimeout::NONE,
        Some(d) => {
            let ms = d.as_micros().div_ceil(1000);
            PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
        }
    }
}

/// Reap every child that has ended, without blocking, and return them as
/// (pid, how it ended) in the order the kernel gave them: waitpid(-1,
/// WNOHANG) until nothing more has ended (lab 05). Orphans handed to the
/// subreaper come out of here too.
pub fn reap() -> nix::Result<Vec<(Pid, Ended)>> {
    let mut ended = Vec::new();
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return Ok(ended),
            Ok(status) => ended.extend(Ended::of(status)),
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(errno),
        }
    }
}

/// A shell command ready to be run as `/bin/sh -c CMD`, with every string
/// execve(2) needs built before the fork.
#[allow(dead_code, reason = "the stub execs nothing yet: your spawn does")]
pub struct Sh {
    path: CString,
    argv: Vec<CString>,
    env: Vec<CString>,
}

impl Sh {
    /// `/bin/sh -c cmd`, with this process's environment plus `extra`
    /// (an `extra` name replaces the inherited variable of that name).
    pub fn new(cmd: &str, extra: &[(&str, String)]) -> Sh {
        let cstring = |bytes: Vec<u8>| {
            // A NUL cannot be in a command line or a variable: drop any.
            let bytes: Vec<u8> = bytes.into_iter().filter(|&b| b != 0).collect();
            CString::new(bytes).expect("NUL bytes were removed")
        };
        let mut env: Vec<CString> = std::env::vars_os()
            .filter(|(name, _)| !extra.iter().any(|(n, _)| name == n))
            .map(|(name, value)| {
                let mut pair: OsString = name;
                pair.push("=");
                pair.push(value);
                cstring(pair.into_vec())
            })
            .collect();
        for (name, value) in extra {
            env.push(cstring(format!("{name}={value}").into_bytes()));
        }
        Sh {
            path: c"/bin/sh".to_owned(),
            argv: vec![
                c"sh".to_owned(),
                c"-c".to_owned(),
                cstring(cmd.as_bytes().to_vec()),
            ],
            env,
        }
    }

    /// In a forked child: become the shell. Never returns: if execve(2)
    /// fails, say so on stderr and leave with 127.
    #[allow(dead_code, reason = "the stub execs nothing yet: your spawn does")]
    pub fn exec(&self) -> ! {
        let _ = nix::unistd::execve(&self.path, &self.argv, &self.env);
        // Only async-signal-safe calls here: a fixed message and write(2).
        let _ = nix::unistd::write(std::io::stderr(), b"watcher: cannot exec /bin/sh\n");
        child_exit()
    }
}

/// Leave a forked child at once with status 127, running nothing of the
/// parent's on the way out (_exit(2)).
#[allow(dead_code, reason = "the stub forks nothing yet: your spawn does")]
pub fn child_exit() -> ! {
    // SAFETY: _exit ends the process on the spot; nothing is left to be
    // unsafe about.
    unsafe { libc::_exit(127) }
}

/// In a forked child before exec: undo what the watcher changed that exec
/// would keep (lab 11): SIGPIPE back to SIG_DFL (Rust's runtime ignores it)
/// and an empty signal mask ([`Events::new`] blocked three signals).
#[allow(dead_code, reason = "the stub forks nothing yet: your spawn does")]
pub fn child_defaults() -> nix::Result<()> {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, sigaction};
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: installs no handler, only the default action.
    unsafe { sigaction(Signal::SIGPIPE, &default) }?;
    SigSet::empty().thread_set_mask()
}

/// The set of watched directories: which watch descriptor stands for which
/// directory, relative to the root (the root itself is the empty path).
#[allow(dead_code, reason = "the stub reads no field yet: your add_tree does")]
pub struct WatchSet {
    root: PathBuf,
    excludes: Vec<OsString>,
    dirs: HashMap<WatchDescriptor, PathBuf>,
}

impl WatchSet {
    /// An empty set for the tree under `root`; entries named as one of
    /// `excludes` are left out (with everything under them).
    pub fn new(root: &Path, excludes: &[String]) -> WatchSet {
        WatchSet {
            root: root.to_path_buf(),
            excludes: excludes.iter().map(OsString::from).collect(),
            dirs: HashMap::new(),
        }
    }

    /// How many directories are watched now.
    pub fn len(&self) -> usize {
        self.dirs.len()
    }

    /// Whether nothing is watched.
    #[allow(dead_code, reason = "the driver asks for len; this is its pair")]
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// The watched directories relative to the root, sorted.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.dirs.values().cloned().collect();
        dirs.sort();
        dirs
    }

    /// Whether an entry called `name` is left out of the watch: a name that
    /// starts with a dot (`.git`, `.watcher`, an editor's `.main.rs.swp`), or
    /// a name in the excludes (`build`, `target`). A directory left out is
    /// not watched and not walked into; an event about a name left out is
    /// no change.
    #[allow(
        dead_code,
        unused_variables,
        reason = "the stub's todo!() calls nothing"
    )]
    pub fn skipped(&self, name: &OsStr) -> bool {
        // BEGIN STUDENT CODE
        use std::os::unix::ffi::OsStrExt;
        name.as_bytes().starts_with(b".") || self.excludes.iter().any(|x| x == name)
        // END STUDENT CODE
    }

    /// Watch the directory `dir` (relative to the root; the empty path is the
    /// root) and, recursively, every directory under it that is not
    /// [`WatchSet::skipped`]. Return every entry found under `dir` that is not
    /// skipped (files and directories, at every depth, relative to the root),
    /// each directory's entries sorted by name.
    ///
    /// 1. inotify_add_watch(2) on `root.join(dir)` with [`WATCH_MASK`]
    ///    (`inotify.add_watch`) and remember the descriptor's directory. If
    ///    the directory is gone already (ENOENT), is no directory (ENOTDIR)
    ///    or is not ours to read (EACCES), skip it: return an empty list.
    /// 2. Only then read the directory (`std::fs::read_dir`): an entry made
    ///    after step 1 gives an event, one made before is seen here (some are
    ///    both: the driver counts a path once). Reading first would lose what
    ///    is created in between. A directory that cannot be read is empty.
    /// 3. For each entry, sorted by name, that is not skipped: list it, and if
    ///    it is a directory (`file_type()`, which does not follow symbolic
    ///    links), add its tree the same way.
    #[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
    pub fn add_tree(&mut self, inotify: &Inotify, dir: &Path) -> nix::Result<Vec<PathBuf>> {
        // BEGIN STUDENT CODE
        let wd = match inotify.add_watch(&self.root.join(dir), WATCH_MASK) {
            Ok(wd) => wd,
            Err(Errno::ENOENT | Errno::ENOTDIR | Errno::EACCES) => return Ok(Vec::new()),
            Err(errno) => return Err(errno),
        };
        self.dirs.insert(wd, dir.to_path_buf());
        let mut entries: Vec<(OsString, bool)> = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| (e.file_name(), e.file_type().is_ok_and(|t| t.is_dir())))
                .collect(),
            Err(_) => Vec::new(),
        };
        entries.sort();
        let mut found = Vec::new();
        for (name, is_dir) in entries {
            if self.skipped(&name) {
                continue;
            }
            let path = dir.join(&name);
            found.push(path.clone());
            if is_dir {
                found.extend(self.add_tree(inotify, &path)?);
            }
        }
        Ok(found)
        // END STUDENT CODE
    }

    /// Turn one inotify record into the paths that changed (relative to the
    /// root), keeping the watch set up to date on the way.
    ///
    /// - IN_IGNORED: the kernel has dropped this watch (its directory was
    ///   deleted or moved away): forget the descriptor. No change.
    /// - A record without a name (about the watched directory itself), or
    ///   for a descriptor you do not know: no change.
    /// - A name that is [`WatchSet::skipped`]: no change.
    /// - Otherwise the path (the descriptor's directory joined with the name)
    ///   changed; and if the record says a directory was created or moved in
    ///   (IN_ISDIR with IN_CREATE or IN_MOVED_TO), add its tree
    ///   ([`WatchSet::add_tree`]): what is already inside changed too, after
    ///   the directory itself.
    #[allow(
        dead_code,
        unused_variables,
        reason = "the stub's todo!() calls nothing"
    )]
    pub fn translate(
        &mut self,
        inotify: &Inotify,
        event: &InotifyEvent,
    ) -> nix::Result<Vec<PathBuf>> {
        // BEGIN STUDENT CODE
        if event.mask.contains(AddWatchFlags::IN_IGNORED) {
            self.dirs.remove(&event.wd);
            return Ok(Vec::new());
        }
        let (Some(dir), Some(name)) = (self.dirs.get(&event.wd), event.name.as_ref()) else {
            return Ok(Vec::new());
        };
        if self.skipped(name) {
            return Ok(Vec::new());
        }
        let path = dir.join(name);
        let mut changed = vec![path.clone()];
        let made = AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MOVED_TO;
        if event.mask.contains(AddWatchFlags::IN_ISDIR) && event.mask.intersects(made) {
            changed.extend(self.add_tree(inotify, &path)?);
        }
        Ok(changed)
        // END STUDENT CODE
    }
}

/// What [`debounce`] collected.
#[derive(Debug, Default)]
pub struct Batch {
    /// Each changed path once, in the order first seen.
    pub paths: Vec<PathBuf>,
    /// Set when a stop request came while waiting: the batch is abandoned.
    pub stop: Option<Why>,
}

impl Batch {
    /// Add `path` unless it is in the batch already; true when it was new.
    #[allow(dead_code, reason = "the stub adds nothing yet: your debounce does")]
    pub fn add(&mut self, path: &Path) -> bool {
        if self.paths.iter().any(|p| p == path) {
            return false;
        }
        self.paths.push(path.to_path_buf());
        true
    }
}

/// Gather one burst of changes: start from the events in `first`, and keep
/// taking events until `quiet` has passed since the LAST change, then return
/// the batch.
///
/// - For each `Event::Fs`, [`WatchSet::translate`] it; every path it gives
///   is a change: the quiet period starts again from now, and a path that
///   is new in the batch ([`Batch::add`]) is passed to `seen` (the driver
///   prints it).
/// - `Event::Stop`: set `stop` and return at once. `Event::Child`: nothing
///   (the driver reaps once you return).
/// - If nothing in `first` was a change, return the empty batch at once.
/// - Otherwise wait ([`Events::wait`]) with the time left until the quiet
///   period is over as the timeout; when it is over, return. A quiet period
///   counted from the first event instead would cut a long burst in two.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn debounce(
    events: &mut Events,
    watches: &mut WatchSet,
    quiet: Duration,
    first: Vec<Event>,
    seen: &mut dyn FnMut(&Path),
) -> nix::Result<Batch> {
    // BEGIN STUDENT CODE
    use std::time::Instant;
    let mut batch = Batch::default();
    let mut last_change: Option<Instant> = None;
    let mut pending = first;
    loop {
        for event in pending.drain(..) {
            match event {
                Event::Fs(record) => {
                    for path in watches.translate(&events.inotify, &record)? {
                        last_change = Some(Instant::now());
                        if batch.add(&path) {
                            seen(&path);
                        }
                    }
                }
                Event::Stop(why) => {
                    batch.stop = Some(why);
                    return Ok(batch);
                }
                Event::Child => {}
            }
        }
        let Some(at) = last_change else {
            return Ok(batch);
        };
        let left = quiet.saturating_sub(at.elapsed());
        if left.is_zero() {
            return Ok(batch);
        }
        pending = events.wait(Some(left))?;
    }
    // END STUDENT CODE
}

/// Start `sh` in a child that leads a process group of its own, and return
/// its pid (which is then also the group's id).
///
/// fork(2); in the child: setpgid(0, 0), [`child_defaults`], [`Sh::exec`]
/// (if anything fails before the exec, leave with [`child_exit`]). In the
/// parent: setpgid(child, child) as well, so that the group exists as soon
/// as `spawn` returns, whoever runs first (EACCES: the child has exec'd, and
/// so has done it itself; that is fine).
#[allow(
    dead_code,
    unused_variables,
    reason = "the stub's todo!() calls nothing"
)]
pub fn spawn(sh: &Sh) -> nix::Result<Pid> {
    // BEGIN STUDENT CODE
    use nix::unistd::{ForkResult, fork, setpgid};
    // SAFETY: the watcher is single-threaded; the child only makes system
    // calls before it execs.
    match unsafe { fork() }? {
        ForkResult::Child => {
            let me = Pid::from_raw(0);
            if setpgid(me, me).is_err() || child_defaults().is_err() {
                child_exit();
            }
            sh.exec()
        }
        ForkResult::Parent { child } => {
            match setpgid(child, child) {
                Ok(()) | Err(Errno::EACCES) => {}
                Err(errno) => return Err(errno),
            }
            Ok(child)
        }
    }
    // END STUDENT CODE
}

/// What [`stop_group`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// How the group's leader ended, if `stop_group` reaped it.
    pub ended: Option<Ended>,
    /// Whether the group was still there when the grace period was over and
    /// got SIGKILL.
    pub killed: bool,
}

/// Stop the process group `pgid` (a run: its leader's pid) so that nothing
/// of it is left running or unreaped.
///
/// 1. SIGTERM to the whole group, killpg(2) (nix: `killpg`); not only to
///    the leader, whose children must hear it too. ESRCH is no error.
/// 2. Until `grace` has passed: [`reap`] (keep the leader's ending), and if
///    the group is empty (killpg(pgid, 0), nix `killpg(pgid, None)`, fails
///    with ESRCH; a zombie still counts, so reap first), return. Else wait
///    for a SIGCHLD with the time left ([`Events::wait_child`]); never sleep.
/// 3. Still not empty: SIGKILL to the group (`killed`), then reap and wait
///    (no timeout) until it is empty.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn stop_group(pgid: Pid, grace: Duration, events: &mut Events) -> nix::Result<Stopped> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::killpg;
    use std::time::Instant;
    let mut stopped = Stopped::default();
    let reap_leader = |stopped: &mut Stopped| -> nix::Result<()> {
        for (pid, ended) in reap()? {
            if pid == pgid {
                stopped.ended = Some(ended);
            }
        }
        Ok(())
    };
    let empty = || killpg(pgid, None) == Err(Errno::ESRCH);
    let _ = killpg(pgid, Signal::SIGTERM);
    let deadline = Instant::now() + grace;
    loop {
        reap_leader(&mut stopped)?;
        if empty() {
            return Ok(stopped);
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        events.wait_child(Some(deadline - now))?;
    }
    stopped.killed = true;
    let _ = killpg(pgid, Signal::SIGKILL);
    // SIGKILL cannot be caught or ignored, but the dead must still be reaped.
    loop {
        reap_leader(&mut stopped)?;
        if empty() {
            return Ok(stopped);
        }
        events.wait_child(None)?;
    }
    // END STUDENT CODE
}

/// What [`next_run`] did: the run it stopped (its group and how the stop
/// went) and the pid of the run it started.
#[derive(Debug, Clone, Copy)]
pub struct Next {
    pub stopped: Option<(Pid, Stopped)>,
    pub started: Pid,
}

/// Replace the current run: if `current` holds a run's group, stop it with
/// [`stop_group`] and wait until that is done; only then [`spawn`] `sh`,
/// and make it the current run. Two runs must never be alive at once: the
/// old one could hold a port, a lock, or write the same files.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn next_run(
    current: &mut Option<Pid>,
    sh: &Sh,
    grace: Duration,
    events: &mut Events,
) -> nix::Result<Next> {
    // BEGIN STUDENT CODE
    let stopped = match current.take() {
        Some(pgid) => Some((pgid, stop_group(pgid, grace, events)?)),
        None => None,
    };
    let started = spawn(sh)?;
    *current = Some(started);
    Ok(Next { stopped, started })
    // END STUDENT CODE
}

/// Replace the file `path` with `contents` so that at every moment it holds
/// either the old contents or the new, whole: never a mix, never a part,
/// even if the watcher is killed or the machine loses power midway.
///
/// 1. Create a temporary file in the SAME directory as `path` (rename(2)
///    works only within one file system), named `.NAME.tmp` for a `path`
///    whose file name is NAME; truncate it if it is there already.
/// 2. Write everything, then fsync(2) it (`File::sync_all`): the data must
///    be on disk before the name points at it.
/// 3. rename(2) it over `path`: atomic, a reader opens either the old file
///    or the new one.
/// 4. fsync the directory (open it and `sync_all`), which makes the rename
///    itself durable.
///
/// Writing `path` in place (open with O_TRUNC, write) leaves an empty or
/// half-written log if the watcher dies in between, and a reader at the
/// wrong moment sees the half.
#[allow(unused_variables, reason = "the stub's todo!() leaves them unused")]
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    // BEGIN STUDENT CODE
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return Err(io::Error::other("the log path names no file"));
    };
    let mut temp_name = OsString::from(".");
    temp_name.push(name);
    temp_name.push(".tmp");
    let temp = dir.join(temp_name);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temp, path)?;
    File::open(dir)?.sync_all()
    // END STUDENT CODE
}

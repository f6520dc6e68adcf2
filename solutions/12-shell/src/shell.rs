//! STUDENT FILE for lab 12 shell: this is the only file you edit.
//!
//! A job-control shell keeps each command line it runs, a *job*, in a process
//! group of its own, lends the terminal to the job that runs in the
//! foreground, and takes it back when that job ends or stops. The keyboard's
//! signals (Ctrl-C, Ctrl-Z, Ctrl-\) go to the terminal's foreground group only,
//! so they reach the job and never the shell, which ignores them anyway in
//! case it is the foreground group itself.
//!
//! The driver (src/main.rs) reads the command lines, parses them, prepares the
//! pipes of a pipeline (the [`Stage`]s), keeps the table of jobs and prints
//! every line; it is not yours to change. You write the job-control core:
//! the shell's own setup, the launch of a job into its group, the hand-over
//! of the terminal, the waits, the continue, and the sweep that reaps
//! background jobs. You write only what sits between the `// BEGIN STUDENT
//! CODE` and `// END STUDENT CODE` lines; the stub has a `todo!()` there whose
//! message is a hint. The chapter docs/src/12-shell.md explains each task.
//!
//! The `use` lines that only your code needs go inside your regions (for
//! example `use nix::unistd::tcsetpgrp;` at the top of a function body), so
//! that the stub compiles without unused imports.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// The signals a job-control shell must survive: the three the keyboard
/// sends (SIGINT for Ctrl-C, SIGQUIT for Ctrl-\, SIGTSTP for Ctrl-Z) and the
/// two the terminal sends to a background group that reads it (SIGTTIN) or
/// changes its settings, tcsetpgrp included (SIGTTOU).
pub const JOB_SIGNALS: [Signal; 5] = [
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTSTP,
    Signal::SIGTTIN,
    Signal::SIGTTOU,
];

/// What the shell last heard about one process of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// Running, or at least not known to be stopped or ended.
    Running,
    /// Stopped by this signal (Ctrl-Z's SIGTSTP, SIGTTIN, SIGSTOP...).
    Stopped(Signal),
    /// Ended with exit(code).
    Exited(i32),
    /// Killed by this signal.
    Killed(Signal),
}

/// One process of a job.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: Pid,
    pub state: ProcState,
}

/// A job: the processes of one command line, in one process group.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's number, the N of `%N`.
    pub id: usize,
    /// The job's process group: the pid of its first process, its leader.
    pub pgid: Pid,
    /// Its processes, in the order of the pipeline.
    pub procs: Vec<Proc>,
    /// The command line, as typed (without a trailing `&`).
    pub line: String,
}

impl Job {
    /// A job of the processes `pids` (the first one is the group leader), all
    /// running.
    pub fn new(id: usize, pids: &[Pid], line: &str) -> Job {
        Job {
            id,
            pgid: pids.first().copied().unwrap_or(Pid::from_raw(0)),
            procs: pids
                .iter()
                .map(|&pid| Proc {
                    pid,
                    state: ProcState::Running,
                })
                .collect(),
            line: line.to_string(),
        }
    }

    /// Takes one report of waitpid into the job: if `status` is about one of
    /// its processes, that process's state changes accordingly (a continued
    /// process is running again) and the answer is true; a report about
    /// some other process leaves the job alone and gives false. Yours to call.
    #[allow(dead_code, reason = "called only from the code you write")]
    pub fn record(&mut self, status: WaitStatus) -> bool {
        let (pid, state) = match status {
            WaitStatus::Exited(pid, code) => (pid, ProcState::Exited(code)),
            WaitStatus::Signaled(pid, sig, _) => (pid, ProcState::Killed(sig)),
            WaitStatus::Stopped(pid, sig) => (pid, ProcState::Stopped(sig)),
            WaitStatus::Continued(pid) => (pid, ProcState::Running),
            _ => return false,
        };
        match self.procs.iter_mut().find(|p| p.pid == pid) {
            Some(p) => {
                p.state = state;
                true
            }
            None => false,
        }
    }

    /// Marks every stopped process as running again: call it when you send
    /// the job SIGCONT (the kernel's own report of the continue may come much
    /// later, or never, if nobody asks with WCONTINUED). Yours to call.
    #[allow(dead_code, reason = "called only from the code you write")]
    pub fn mark_running(&mut self) {
        for p in &mut self.procs {
            if matches!(p.state, ProcState::Stopped(_)) {
                p.state = ProcState::Running;
            }
        }
    }

    /// Every process has ended (exited or been killed).
    pub fn is_done(&self) -> bool {
        self.procs
            .iter()
            .all(|p| matches!(p.state, ProcState::Exited(_) | ProcState::Killed(_)))
    }

    /// No process runs any more, and at least one is stopped: the job as a
    /// whole is stopped.
    pub fn is_stopped(&self) -> bool {
        !self.procs.iter().any(|p| p.state == ProcState::Running)
            && self
                .procs
                .iter()
                .any(|p| matches!(p.state, ProcState::Stopped(_)))
    }
}

/// One command of a pipeline, ready to run: its words and the pipe ends the
/// driver made for its standard input and output (`None`: the terminal).
pub struct Stage {
    pub argv: Vec<CString>,
    pub stdin: Option<OwnedFd>,
    pub stdout: Option<OwnedFd>,
}

impl Stage {
    /// Runs this stage's program in the calling process, the child you
    /// forked for it: puts the pipe ends on fds 0 and 1, and execs. Call it
    /// last in the child, once the child is in its group and its signals
    /// are back to their defaults. It never returns: if the program cannot
    /// be run it says so and exits with 127, as shells do.
    ///
    /// The word `shell` means this lab's own binary (/proc/self/exe), whose
    /// helper modes the cases use (`shell sleepy A`); any other word is
    /// looked up in PATH.
    #[allow(dead_code, reason = "called only from the code you write")]
    pub fn exec(&self) -> ! {
        let plumbed = [(&self.stdin, 0), (&self.stdout, 1)]
            .into_iter()
            .filter_map(|(end, target)| end.as_ref().map(|fd| (fd, target)))
            .try_for_each(|(fd, target)| {
                // dup2 clears close-on-exec on the copy; every pipe end the driver
                // made has it, so the originals close at exec by themselves.
                // SAFETY: plain dup2 onto a standard descriptor.
                Errno::result(unsafe { libc::dup2(fd.as_raw_fd(), target) }).map(drop)
            });
        // Rust's runtime ignores SIGPIPE in this process (and so in the fork);
        // an ignored signal stays ignored across exec, so put it back, or a
        // writer at the head of a closed pipe gets EPIPE errors instead of dying.
        // SAFETY: the default action, no handler.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let err = match plumbed {
            Err(e) => e,
            Ok(()) => match self.argv.first() {
                None => Errno::EINVAL,
                Some(name) if name.as_bytes() == b"shell" => {
                    match nix::unistd::execv(c"/proc/self/exe", &self.argv) {
                        Err(e) => e,
                    }
                }
                Some(name) => match nix::unistd::execvp(name, &self.argv) {
                    Err(e) => e,
                },
            },
        };
        let name = self
            .argv
            .first()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // One write(2) for the whole line: other stages may be talking too.
        let line = format!("shell: {name}: error={err:?}\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        // SAFETY: leave at once, without running the parent's exit handlers
        // or flushing its buffers a second time.
        unsafe { libc::_exit(127) }
    }
}

/// The shell's own setup, once at the start, before any job.
///
/// 1. Ignore (SIG_IGN) every signal of [`JOB_SIGNALS`]: the shell must never
///    be interrupted, killed or stopped by the keyboard, and it must be able
///    to call tcsetpgrp from the background.
/// 2. Become the leader of a process group of its own: setpgid(0, 0).
/// 3. Make that group the terminal's foreground group: tcsetpgrp on the
///    terminal (stdin, fd 0) with getpgrp().
///
/// The order matters: after step 2 the shell is in a background group, and
/// tcsetpgrp from the background sends SIGTTOU, which stops the caller unless
/// it ignores the signal.
pub fn init_shell() -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, sigaction};
    use nix::unistd::{getpgrp, setpgid, tcsetpgrp};
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    for sig in JOB_SIGNALS {
        // SAFETY: SIG_IGN installs no handler.
        unsafe { sigaction(sig, &ignore) }?;
    }
    setpgid(Pid::from_raw(0), Pid::from_raw(0))?;
    tcsetpgrp(std::io::stdin(), getpgrp())?;
    Ok(())
    // END STUDENT CODE
}

/// In a child, before it execs its program: every signal of [`JOB_SIGNALS`]
/// back to its default action (SIG_DFL).
///
/// The child inherited the shell's SIG_IGN, and exec keeps ignored signals
/// ignored (only caught ones are reset): without this, Ctrl-C and Ctrl-Z
/// would not touch the job either.
#[allow(dead_code, reason = "called only from the code you write")]
pub fn default_job_signals() -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, sigaction};
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    for sig in JOB_SIGNALS {
        // SAFETY: SIG_DFL installs no handler.
        unsafe { sigaction(sig, &default) }?;
    }
    Ok(())
    // END STUDENT CODE
}

/// Start the processes of one job, one child per stage, all in one new
/// process group whose leader is the first child; return their pids in
/// order (the first is the job's pgid).
///
/// For each stage, fork. In the child: join the group (setpgid; the first
/// child makes its own, with its own pid as the pgid); if the job is to run
/// in the `foreground`, make the group the terminal's foreground group
/// (tcsetpgrp, while SIGTTOU is still ignored); then
/// [`default_job_signals`]; then `stage.exec()`. In the parent: setpgid the
/// child into the same group too, whichever of the two runs first, and
/// accept EACCES (the child has already exec'd: it did it itself) and ESRCH.
///
/// Do not wait here, and do not give the terminal from the parent: the
/// driver closes its copies of the pipes first, then calls [`foreground`]
/// or keeps the job in the background.
#[allow(
    unused_variables,
    reason = "the stub does not use its parameters yet; your code will"
)]
pub fn launch(stages: &[Stage], foreground: bool) -> nix::Result<Vec<Pid>> {
    // BEGIN STUDENT CODE
    use nix::unistd::{ForkResult, fork, getpid, setpgid, tcsetpgrp};
    let mut pids = Vec::new();
    let mut pgid: Option<Pid> = None;
    for stage in stages {
        // SAFETY: the shell is single-threaded, so the child may do what it
        // likes between fork and exec.
        match unsafe { fork() }? {
            ForkResult::Child => {
                let me = getpid();
                let group = pgid.unwrap_or(me);
                // Both sides call setpgid, so the child is in its group before
                // either of them goes on, whoever the scheduler runs first.
                let _ = setpgid(me, group);
                if foreground {
                    // The terminal is the job's before its program runs a single
                    // instruction: a Ctrl-C typed at once already reaches it.
                    let _ = tcsetpgrp(std::io::stdin(), group);
                }
                let _ = default_job_signals();
                stage.exec();
            }
            ForkResult::Parent { child } => {
                let group = *pgid.get_or_insert(child);
                match setpgid(child, group) {
                    Ok(()) | Err(Errno::EACCES) | Err(Errno::ESRCH) => {}
                    Err(e) => return Err(e),
                }
                pids.push(child);
            }
        }
    }
    Ok(pids)
    // END STUDENT CODE
}

/// Wait until `job` as a whole has ended or stopped: until
/// `job.is_done() || job.is_stopped()`.
///
/// Wait for the members of the job's group only (waitpid with the pid
/// `-pgid`), with WUNTRACED, so that a stop is reported too; hand every
/// report to `job.record`. Retry on EINTR; pass other errors on.
#[allow(
    unused_variables,
    reason = "the stub does not use its parameters yet; your code will"
)]
pub fn wait_job(job: &mut Job) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let group = Pid::from_raw(-job.pgid.as_raw());
    while !job.is_done() && !job.is_stopped() {
        match waitpid(group, Some(WaitPidFlag::WUNTRACED)) {
            Ok(status) => {
                job.record(status);
            }
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
    // END STUDENT CODE
}

/// Continue a stopped job: SIGCONT to every process of its group (killpg),
/// and `job.mark_running()`. `bg %N` is exactly this; [`foreground`] uses it
/// for `fg %N`.
#[allow(
    unused_variables,
    reason = "the stub does not use its parameters yet; your code will"
)]
pub fn continue_job(job: &mut Job) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::killpg;
    job.mark_running();
    killpg(job.pgid, Signal::SIGCONT)
    // END STUDENT CODE
}

/// Run `job` in the foreground until it ends or stops, then take the
/// terminal back.
///
/// Give the terminal to the job's group (tcsetpgrp on stdin; a job that is
/// already gone may refuse it, wait all the same); if `cont`, the job was
/// stopped or in the background: [`continue_job`] it, after giving the
/// terminal, so that it wakes up in the foreground; [`wait_job`]; and, in
/// every case, give the terminal back to the shell's own group (getpgrp()).
#[allow(
    unused_variables,
    reason = "the stub does not use its parameters yet; your code will"
)]
pub fn foreground(job: &mut Job, cont: bool) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::unistd::{getpgrp, tcsetpgrp};
    let _ = tcsetpgrp(std::io::stdin(), job.pgid);
    let waited = match cont {
        true => continue_job(job).and_then(|()| wait_job(job)),
        false => wait_job(job),
    };
    // From the background: SIGTTOU is ignored, so this is allowed.
    let taken = tcsetpgrp(std::io::stdin(), getpgrp());
    waited.and(taken)
    // END STUDENT CODE
}

/// Collect, without ever blocking, whatever the background jobs have to
/// report: waitpid for any child with WNOHANG | WUNTRACED | WCONTINUED, again
/// and again, giving each report to the job it is about (`Job::record` says
/// whether it was that one's). Stop at "nothing more" (`StillAlive`) or at
/// ECHILD (no children at all), both normal; retry on EINTR.
///
/// The driver calls it before every prompt and prints what changed: a job
/// done, killed, or stopped.
#[allow(
    unused_variables,
    reason = "the stub does not use its parameters yet; your code will"
)]
pub fn reap_background(jobs: &mut [Job]) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let flags = WaitPidFlag::WNOHANG | WaitPidFlag::WUNTRACED | WaitPidFlag::WCONTINUED;
    loop {
        match waitpid(None, Some(flags)) {
            Ok(WaitStatus::StillAlive) => return Ok(()),
            Ok(status) => {
                for job in jobs.iter_mut() {
                    if job.record(status) {
                        break;
                    }
                }
            }
            Err(Errno::EINTR) => {}
            Err(Errno::ECHILD) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    // END STUDENT CODE
}

//! Running one case: a fresh scratch directory, the per-case init (init.rs) with the
//! program below it, the case's scripted steps, both output pipes read concurrently
//! with a cap, and a wall-clock deadline that does not wait for end of file.

use std::collections::BTreeMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::unistd::pipe2;
use regex::Regex;

use crate::case::{Case, Step, Target};
use crate::contain::{Containment, Plan, Tier};
use crate::init::{CMD_FD_ENV, CTRL_FD_ENV, INIT_FLAG, InitOptions, LineBuf, OPTS_ENV};

/// At most this many bytes are kept of stdout and of stderr each; more is OUTPUT_LIMIT.
pub const OUTPUT_CAP: usize = 1 << 20;
/// RLIMIT_NPROC for programs that are not root: plenty for any lab, and a fork bomb
/// stops there.
pub const NPROC: u64 = 256;
/// The process watchdog: more processes than this in one case is a fork bomb (and
/// the host's root is not held by RLIMIT_NPROC at all).
pub const WATCHDOG: usize = 200;
/// How long the init may take to exit after the case is over, before it is killed.
const INIT_EXIT: Duration = Duration::from_secs(3);
/// After the init has reported `done`, how long to wait for the pipes to close.
const DRAIN: Duration = Duration::from_millis(500);

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled { signal: i32, core: bool },
}

/// A process that was still there when the program exited.
#[derive(Debug, Clone)]
pub struct Leftover {
    pub pid: i32,
    pub state: char,
    pub comm: String,
}

/// Everything one run showed, before normalisation.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// None when the program never ended on its own (deadline) or never started.
    pub status: Option<Status>,
    pub timed_out: bool,
    pub output_limit: bool,
    /// The program could not be started at all.
    pub spawn_error: Option<String>,
    /// A step that could not be carried out (a line waited for never came...).
    pub step_error: Option<String>,
    /// Answers to `observe` steps, in order: `descendants=7`.
    pub observed: Vec<String>,
    pub leftovers: Vec<Leftover>,
    /// The contents of the case's `files`, None where the file is missing.
    pub files: BTreeMap<String, Option<Vec<u8>>>,
    /// The program's pid and its parent's (the init), as the program sees them: in
    /// containment tier 1 these are 2 and 1, pids of the case's own namespace.
    pub main_pid: i32,
    pub parent_pid: i32,
    /// The init as the grader sees it (the outer half in tier 1).
    pub init_pid: i32,
    /// /proc/sys/kernel/pid_max as the program saw it.
    pub pid_max: Option<u64>,
    /// The case passed the process watchdog (a fork bomb) and was stopped.
    pub process_limit: Option<usize>,
    /// The program ran on a pseudo-terminal: `stdout` is what the terminal showed.
    pub terminal: bool,
    /// Who the program ran as, and whether the `.unprivileged` snapshot applies.
    pub plan: Option<Plan>,
    pub scratch: String,
    pub elapsed: Duration,
}

/// What the runner needs besides the case.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The binary that acts as the per-case init (the grader binary itself).
    pub init_exe: PathBuf,
    pub contain: Containment,
    /// Stress runs: a seed for a small random delay before each program's exec.
    pub jitter_seed: Option<u64>,
    /// Folders the program must not see (tier 1 only): the hidden cases and the
    /// solutions, when a student's build is graded.
    pub hide: Vec<PathBuf>,
}

/// Numbers the cases of this process, for dedicated uids and jitter.
static SLOT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Runner {
    /// A runner with the containment this machine gives (probed once per process).
    pub fn new(init_exe: PathBuf) -> Runner {
        let contain = Containment::detect(&init_exe);
        Runner {
            init_exe,
            contain,
            jitter_seed: None,
            hide: Vec::new(),
        }
    }

    /// A runner with a containment chosen by the caller (the probe, tests).
    pub fn with_containment(init_exe: PathBuf, contain: Containment) -> Runner {
        Runner {
            init_exe,
            contain,
            jitter_seed: None,
            hide: Vec::new(),
        }
    }

    /// How `case` would run here.
    pub fn plan(&self, case: &Case) -> Plan {
        self.contain.plan(case, 0)
    }

    pub fn run(&self, program: &Path, case: &Case) -> Observation {
        let started = Instant::now();
        let mut obs = Observation::default();
        let slot = SLOT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let plan = self.contain.plan(case, slot);
        obs.terminal = case.terminal;
        obs.plan = Some(plan.clone());
        let scratch = match tempfile::Builder::new().prefix("proclab-case-").tempdir() {
            Ok(d) => d,
            Err(e) => {
                obs.spawn_error = Some(format!("cannot make a scratch directory: {e}"));
                return obs;
            }
        };
        obs.scratch = scratch.path().display().to_string();
        let prepared = crate::scratch::prepare(scratch.path(), case, plan.owner);
        let ran = prepared
            .and_then(|()| self.run_in(program, case, &plan, slot, scratch.path(), &mut obs));
        if let Err(e) = ran {
            obs.spawn_error.get_or_insert(e);
        }
        if self.contain.tier == Tier::DedicatedUid
            && let Some((uid, _)) = plan.owner
        {
            // Whatever still runs as the case's own uid escaped the init (a daemon that
            // was not below it any more): it is the case's all the same.
            crate::proctree::kill_uid(uid);
        }
        for f in &case.files {
            obs.files
                .insert(f.clone(), std::fs::read(scratch.path().join(f)).ok());
        }
        obs.elapsed = started.elapsed();
        // Dropping `scratch` removes the directory and everything the case wrote.
        drop(scratch);
        obs
    }

    fn init_options(&self, case: &Case, plan: &Plan, slot: u32) -> InitOptions {
        let tier = self.contain.tier;
        // Root as the host sees it: in tier 1 no program is (see contain::NS_BASE).
        let program_is_root = plan.uid == 0 && tier != Tier::Namespaces;
        InitOptions {
            namespaces: tier == Tier::Namespaces,
            ns_root: tier == Tier::Namespaces && self.contain.root,
            run_as: plan.run_as,
            terminal: case.terminal,
            // RLIMIT_NPROC counts the processes of the program's real uid (in its user
            // namespace, in tier 1). It is never enforced for the host's root; the
            // watchdog is the backstop there.
            nproc: match tier {
                _ if program_is_root => None,
                Tier::Namespaces | Tier::DedicatedUid => Some(NPROC),
                Tier::BestEffort => Some(crate::proctree::count_uid(plan.uid) as u64 + NPROC),
            },
            cpu_secs: Some(case.deadline_ms.div_ceil(1000) + 2),
            // Every tier: in tier 1 counting is one read of the case's own /proc; in
            // the others a walk of /proc every 50 ms, affordable for the safety.
            watchdog: Some(WATCHDOG),
            jitter: self
                .jitter_seed
                .map(|seed| seed ^ u64::from(slot).wrapping_mul(0x9E37_79B9)),
            hide: match tier {
                Tier::Namespaces => self
                    .hide
                    .iter()
                    .map(|p| p.display().to_string())
                    .filter(|p| !p.contains(','))
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    fn run_in(
        &self,
        program: &Path,
        case: &Case,
        plan: &Plan,
        slot: u32,
        dir: &Path,
        obs: &mut Observation,
    ) -> Result<(), String> {
        let opts = self.init_options(case, plan, slot);
        let deadline = Instant::now() + Duration::from_millis(case.deadline_ms);
        let (ctrl_r, ctrl_w) = pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
        let (cmd_r, cmd_w) = pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
        let (ctrl_fd, cmd_fd) = (ctrl_w.as_raw_fd(), cmd_r.as_raw_fd());

        let mut command = Command::new(&self.init_exe);
        command
            .arg(INIT_FLAG)
            .arg(program)
            .args(&case.args)
            .current_dir(dir)
            .env_clear()
            .envs(base_env(dir))
            .envs(&case.env)
            .env(CTRL_FD_ENV, ctrl_fd.to_string())
            .env(CMD_FD_ENV, cmd_fd.to_string())
            .env(OPTS_ENV, opts.render())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        unsafe {
            // Only in the child, between fork and exec: let exactly these two pipe ends
            // survive the exec into the init.
            command.pre_exec(move || {
                for fd in [ctrl_fd, cmd_fd] {
                    let bfd = std::os::fd::BorrowedFd::borrow_raw(fd);
                    fcntl(bfd, FcntlArg::F_SETFD(FdFlag::empty()))?;
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the case init: {e}"))?;
        drop(ctrl_w);
        drop(cmd_r);
        obs.init_pid = child.id() as i32;

        let mut io = CaseIo {
            stdin: child.stdin.take().map(OwnedFd::from),
            stdout: child.stdout.take().map(OwnedFd::from),
            stderr: child.stderr.take().map(OwnedFd::from),
            ctrl: Some(ctrl_r),
            cmd: cmd_w,
            ctrl_lines: LineBuf::default(),
            init_pid: obs.init_pid,
            grader_is_root: self.contain.root,
            owner: plan.owner,
            pid1: None,
            stdout_seen: 0,
            requests: 0,
            answers: 0,
            request_in_flight: false,
            done_at: None,
        };
        for fd in [&io.stdin, &io.stdout, &io.stderr].into_iter().flatten() {
            set_nonblocking(fd);
        }
        if !case.stdin.is_empty() {
            io.write_stdin(case.stdin.as_bytes());
        }

        let mut steps = case.steps.iter().enumerate();
        let mut current: Option<(usize, &Step)> = steps.next();
        let hard_stop = deadline + Duration::from_secs(2);
        loop {
            // Carry out every step that can go now.
            while let Some((n, step)) = current {
                match io.try_step(step, obs) {
                    StepState::Done => current = steps.next(),
                    StepState::Waiting => break,
                    StepState::Failed(why) => {
                        obs.step_error =
                            Some(format!("step {} ({}): {why}", n + 1, step.describe()));
                        current = None;
                        io.send("stop");
                    }
                }
            }
            if current.is_none() {
                // Nothing more to say to the program: end of input.
                io.stdin = None;
            }
            if io.done_at.is_some() && io.stdout.is_none() && io.stderr.is_none() {
                break;
            }
            // When to give up waiting: the deadline while the program runs; once the
            // init is done, a short drain for output still in the pipes; after a
            // timeout, a last moment for the init to kill and reap.
            let wake = match io.done_at {
                _ if obs.timed_out => hard_stop,
                Some(t) => (t + DRAIN).min(hard_stop),
                None => deadline,
            };
            let now = Instant::now();
            if now >= wake {
                if obs.timed_out || io.done_at.is_some() {
                    break;
                }
                obs.timed_out = true;
                io.send("stop");
                continue;
            }
            io.pump(wake - now, obs);
            let flooded = obs.stdout.len() >= OUTPUT_CAP || obs.stderr.len() >= OUTPUT_CAP;
            if flooded && !obs.output_limit {
                obs.output_limit = true;
                io.send("stop");
            }
            if let Some((n, step @ Step::WaitFor(re))) = current
                && io.done_at.is_some()
                && io.stdout.is_none()
                && !matches_line(&obs.stdout, re, &mut io.stdout_seen)
            {
                obs.step_error = Some(format!(
                    "step {} ({}): the program ended first",
                    n + 1,
                    step.describe()
                ));
                current = None;
            }
        }
        // Reap the init. It exits right after `done` (in tier 1 its outer half a
        // moment after the inner one), so give it that moment, in a bounded poll;
        // if it is wedged, kill it. Killing the outer half first would leave the
        // inner one to us as an orphan: reap that one too.
        let gone_by = Instant::now() + INIT_EXIT;
        while !matches!(child.try_wait(), Ok(Some(_))) && Instant::now() < gone_by {
            std::thread::sleep(Duration::from_millis(1));
        }
        if !matches!(child.try_wait(), Ok(Some(_))) {
            let _ = child.kill();
            if let Some(pid) = io.pid1 {
                reap_orphan(pid);
            }
        }
        let _ = child.wait();
        Ok(())
    }
}

/// The environment every program gets: nothing of the grader's own, so that runs do
/// not depend on who started the grader, and no Rust backtraces in panic messages.
fn base_env(dir: &Path) -> Vec<(String, String)> {
    // A fixed PATH, not the grader's: the same for every grader, and no folder in it
    // that a program dropped to another user cannot search (root's ~/.cargo/bin would
    // turn "command not found" into "permission denied").
    vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), dir.display().to_string()),
        // Temporary files land in the scratch directory too, and go with it. (In a
        // PID namespace every case's program is PID 2: a "unique" /tmp name made of
        // a pid would be shared by all of them.)
        ("TMPDIR".into(), dir.display().to_string()),
        ("LC_ALL".into(), "C".into()),
        ("RUST_BACKTRACE".into(), "0".into()),
    ]
}

fn set_nonblocking(fd: &OwnedFd) {
    if let Ok(flags) = fcntl(fd, FcntlArg::F_GETFL) {
        let flags = OFlag::from_bits_retain(flags) | OFlag::O_NONBLOCK;
        let _ = fcntl(fd, FcntlArg::F_SETFL(flags));
    }
}

enum StepState {
    Done,
    Waiting,
    Failed(String),
}

struct CaseIo {
    stdin: Option<OwnedFd>,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    ctrl: Option<OwnedFd>,
    cmd: OwnedFd,
    ctrl_lines: LineBuf,
    /// For writing the id maps of a tier-1 init.
    init_pid: i32,
    grader_is_root: bool,
    /// Files the steps write belong to the program's user.
    owner: Option<(u32, u32)>,
    /// Tier 1: the inner init, as the grader sees it.
    pid1: Option<i32>,
    /// How far into stdout `wait_for` steps have looked (a line is used once).
    stdout_seen: usize,
    /// Requests (signals, observations) sent to the init, answers received, and
    /// whether the last request is still unanswered.
    requests: usize,
    answers: usize,
    request_in_flight: bool,
    /// When the init said `done` (or vanished).
    done_at: Option<Instant>,
}

impl CaseIo {
    fn send(&mut self, line: &str) {
        let _ = nix::unistd::write(&self.cmd, format!("{line}\n").as_bytes());
    }

    fn write_stdin(&mut self, data: &[u8]) {
        let Some(fd) = &self.stdin else { return };
        let mut rest = data;
        // Small writes in practice; a full pipe means the program is not reading, and
        // the bytes it did not take are dropped rather than blocking the grader.
        while !rest.is_empty() {
            match nix::unistd::write(fd, rest) {
                Ok(n) => rest = &rest[n..],
                Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        }
    }

    fn try_step(&mut self, step: &Step, obs: &mut Observation) -> StepState {
        match step {
            Step::WaitFor(re) => {
                if matches_line(&obs.stdout, re, &mut self.stdout_seen) {
                    StepState::Done
                } else {
                    StepState::Waiting
                }
            }
            Step::Write(text) => {
                self.write_stdin(text.as_bytes());
                StepState::Done
            }
            Step::CloseStdin => {
                self.stdin = None;
                StepState::Done
            }
            // Requests go to the init once the program runs; before, the init is still
            // setting up and would not answer.
            Step::Signal { .. } | Step::Observe(_)
                if obs.main_pid == 0 && self.done_at.is_none() =>
            {
                StepState::Waiting
            }
            Step::Signal { signal, to } => {
                let line = match to {
                    Target::Main => format!("kill 0 {signal}"),
                    Target::Group => format!("killpg {signal}"),
                    Target::FromOutput(re) => match pid_from_output(&obs.stdout, re) {
                        Some(pid) => format!("kill {pid} {signal}"),
                        None => {
                            return StepState::Failed(format!("no pid printed matching /{re}/"));
                        }
                    },
                };
                self.request(&line)
            }
            Step::Observe(what) => self.request(&format!("observe {}", what.word())),
            Step::WriteFile { path, content } => {
                let path = Path::new(&obs.scratch).join(path);
                let made = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(&path, content))
                    .and_then(|()| match self.owner {
                        Some((u, g)) => std::os::unix::fs::lchown(&path, Some(u), Some(g)),
                        None => Ok(()),
                    });
                match made {
                    Ok(()) => StepState::Done,
                    Err(e) => StepState::Failed(format!("{}: {e}", path.display())),
                }
            }
            Step::Remove(path) => {
                let path = Path::new(&obs.scratch).join(path);
                let removed = match path.is_dir() {
                    true => std::fs::remove_dir(&path),
                    false => std::fs::remove_file(&path),
                };
                match removed {
                    Ok(()) => StepState::Done,
                    Err(e) => StepState::Failed(format!("{}: {e}", path.display())),
                }
            }
        }
    }

    /// Sends a request to the init once and reports Done when its answer (`sent`,
    /// `observed ...`) has arrived, so the next step starts only after this one took
    /// effect.
    fn request(&mut self, line: &str) -> StepState {
        if !self.request_in_flight {
            self.request_in_flight = true;
            self.requests += 1;
            self.send(line);
        }
        if self.answers >= self.requests {
            self.request_in_flight = false;
            StepState::Done
        } else if self.done_at.is_some() {
            StepState::Failed("the program ended before the grader could act".into())
        } else {
            StepState::Waiting
        }
    }

    /// Waits up to `timeout` for output or init messages and takes what arrived.
    fn pump(&mut self, timeout: Duration, obs: &mut Observation) {
        let ms = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
        let (mut got_out, mut got_err, mut got_ctrl) = (false, false, false);
        {
            let mut fds = Vec::new();
            let mut which = Vec::new();
            for (i, fd) in [&self.stdout, &self.stderr, &self.ctrl]
                .into_iter()
                .enumerate()
            {
                if let Some(fd) = fd {
                    fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
                    which.push(i);
                }
            }
            if fds.is_empty() {
                return;
            }
            match poll(&mut fds, ms) {
                Ok(n) if n > 0 => {}
                _ => return,
            }
            for (fd, i) in fds.iter().zip(which) {
                if fd.revents().is_some_and(|r| !r.is_empty()) {
                    match i {
                        0 => got_out = true,
                        1 => got_err = true,
                        _ => got_ctrl = true,
                    }
                }
            }
        }
        if got_out {
            read_into(&mut self.stdout, &mut obs.stdout);
        }
        if got_err {
            read_into(&mut self.stderr, &mut obs.stderr);
        }
        if got_ctrl {
            let ok = match &self.ctrl {
                Some(fd) => matches!(self.ctrl_lines.fill(fd.as_fd()), Ok(true)),
                None => false,
            };
            while let Some(line) = self.ctrl_lines.next_line() {
                self.take_message(&line, obs);
            }
            if !ok {
                self.ctrl = None;
                self.done_at.get_or_insert_with(Instant::now);
            }
        }
    }

    fn take_message(&mut self, line: &str, obs: &mut Observation) {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "userns" => match crate::userns::write_maps(self.init_pid, self.grader_is_root) {
                Ok(()) => self.send("mapped"),
                Err(e) => {
                    obs.spawn_error =
                        Some(format!("cannot map ids into the case's namespace: {e}"));
                    self.send("unmapped");
                }
            },
            "main" => {
                let mut w = rest.split(' ');
                obs.main_pid = w.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                obs.parent_pid = w.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            }
            "pidmax" => obs.pid_max = rest.trim().parse().ok(),
            "pid1" => self.pid1 = rest.trim().parse().ok(),
            "limit" => {
                obs.process_limit = rest.rsplit(' ').next().and_then(|n| n.parse().ok());
            }
            "spawn-error" => obs.spawn_error = Some(format!("cannot run the program: {rest}")),
            "observed" => {
                obs.observed.push(rest.to_string());
                self.answers += 1;
            }
            "sent" => self.answers += 1,
            "left" => {
                let mut w = rest.splitn(3, ' ');
                let pid = w.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                let state = w.next().and_then(|s| s.chars().next()).unwrap_or('?');
                let comm = w.next().unwrap_or("").to_string();
                obs.leftovers.push(Leftover { pid, state, comm });
            }
            "exit" => obs.status = rest.trim().parse().ok().map(Status::Exited),
            "signal" => {
                let mut w = rest.split(' ');
                let signal = w.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                let core = w.next() == Some("1");
                obs.status = Some(Status::Signaled { signal, core });
            }
            "done" => self.done_at = Some(Instant::now()),
            _ => {}
        }
    }
}

/// Waits (a bounded poll) for the inner init of a case whose outer half was killed:
/// it is re-parented to the grader when the grader is a subreaper, and must be
/// reaped by pid (a wait for any child would take another case's init).
fn reap_orphan(pid: i32) {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let pid = nix::unistd::Pid::from_raw(pid);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    for _ in 0..1000 {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(2)),
            _ => return,
        }
    }
}

/// Reads what is there without blocking; closes the pipe at end of file. Past the cap
/// the bytes are read and dropped, so a flooding program cannot block on a full pipe
/// before the grader stops it.
fn read_into(fd: &mut Option<OwnedFd>, out: &mut Vec<u8>) {
    let Some(f) = fd else { return };
    let mut buf = [0u8; 65536];
    loop {
        match nix::unistd::read(f.as_fd(), &mut buf) {
            Ok(0) => {
                *fd = None;
                return;
            }
            Ok(n) => {
                let room = OUTPUT_CAP.saturating_sub(out.len());
                out.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => return,
            Err(_) => {
                *fd = None;
                return;
            }
        }
    }
}

/// Looks for a complete line matching `re` in stdout after `seen`, and moves `seen`
/// past it, so that two `wait_for` steps on the same pattern need two lines.
fn matches_line(stdout: &[u8], re: &Regex, seen: &mut usize) -> bool {
    let mut start = *seen;
    while let Some(len) = stdout[start..].iter().position(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(&stdout[start..start + len]);
        // A terminal ends its lines with \r\n.
        let line = line.strip_suffix('\r').unwrap_or(&line);
        start += len + 1;
        if re.is_match(line) {
            *seen = start;
            return true;
        }
    }
    false
}

/// The pid in the first capture group of the last line of stdout that matches.
fn pid_from_output(stdout: &[u8], re: &str) -> Option<i32> {
    let re = Regex::new(re).ok()?;
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .rev()
        .find_map(|l| re.captures(l).and_then(|c| c.get(1)?.as_str().parse().ok()))
}

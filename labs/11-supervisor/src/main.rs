//! Driver for lab 11 supervisor: the command line, the configuration, the
//! event loop, the clock, and every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/supervisor.rs`. The driver decides
//! when things happen (a restart that is due, a health check that is due, a
//! signal that arrived) and prints what happened; your functions start,
//! reap, decide and stop. The chapter docs/src/11-supervisor.md describes
//! each subcommand and its output; the grader compares that output, after
//! replacing the pids by stable names, with the reference's.

mod supervisor;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::waitpid;
use nix::unistd::{Pid, getpgid};
use serde::Deserialize;

use supervisor::{Decision, Ended, History, Policy, Sh, Stopped, Worker};

type Error = Box<dyn std::error::Error>;

/// How long the driver looks for a new worker's WORKER_ID in
/// /proc/PID/environ before it says `worker_id=none` (a bounded poll: the
/// environment shows there once the worker has exec'd).
const ENVIRON_LIMIT: Duration = Duration::from_millis(2000);

#[derive(Parser)]
#[command(
    name = "supervisor",
    bin_name = "supervisor",
    about = "Lab 11: a process supervisor, a worker pool and a pipe executor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Supervise the programs of a configuration (TOML) until SIGTERM or
    /// SIGINT, or until every program has been given up on
    Run {
        /// The configuration file
        #[arg(long, conflicts_with = "toml", required_unless_present = "toml")]
        config: Option<PathBuf>,
        /// The configuration itself, as TOML text
        #[arg(long)]
        toml: Option<String>,
    },
    /// Keep exactly N workers running `sh -c CMD`, each with WORKER_ID=0..N-1,
    /// until SIGTERM or SIGINT
    Pool {
        /// How many workers, 1 to 16
        #[arg(value_parser = clap::value_parser!(u32).range(1..=16))]
        n: u32,
        /// The workers' command
        cmd: String,
        /// The grace period of the final stop, in milliseconds
        #[arg(long, default_value_t = 1000)]
        grace_ms: u64,
    },
    /// Run `sh -c FIRST | sh -c LAST` and report how both ended
    Pipe { first: String, last: String },
}

/// The configuration of `run`, field for field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The grace period between SIGTERM and SIGKILL when stopping.
    #[serde(default = "default_grace")]
    grace_ms: u64,
    #[serde(default)]
    program: Vec<ProgramConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramConfig {
    name: String,
    cmd: String,
    #[serde(default = "default_restarts")]
    restarts: u32,
    #[serde(default = "default_backoff")]
    backoff_ms: u64,
    #[serde(default = "default_max_backoff")]
    max_backoff_ms: u64,
    #[serde(default = "default_min_uptime")]
    min_uptime_ms: u64,
    /// A command run every `health_every_ms` while the program runs; a
    /// failure (not exit code 0) restarts the program.
    health: Option<String>,
    #[serde(default = "default_health_every")]
    health_every_ms: u64,
}

fn default_grace() -> u64 {
    1000
}
fn default_restarts() -> u32 {
    3
}
fn default_backoff() -> u64 {
    100
}
fn default_max_backoff() -> u64 {
    2000
}
fn default_min_uptime() -> u64 {
    1000
}
fn default_health_every() -> u64 {
    1000
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config, toml } => read_config(config, toml).and_then(run),
        Command::Pool { n, cmd, grace_ms } => pool(n as usize, &cmd, ms(grace_ms)),
        Command::Pipe { first, last } => pipe(&first, &last),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("supervisor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn read_config(file: Option<PathBuf>, text: Option<String>) -> Result<Config, Error> {
    let text = match (file, text) {
        (Some(path), _) => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        (None, Some(text)) => text,
        (None, None) => return Err("no configuration".into()),
    };
    let config: Config = toml::from_str(&text).map_err(|e| format!("configuration: {e}"))?;
    if config.program.is_empty() {
        return Err("configuration: no [[program]]".into());
    }
    for (i, p) in config.program.iter().enumerate() {
        let bad = |c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if p.name.is_empty() || p.name.contains(bad) {
            return Err(format!(
                "configuration: program name {:?}: letters, digits, - and _ only",
                p.name
            )
            .into());
        }
        if config.program[..i].iter().any(|q| q.name == p.name) {
            return Err(format!("configuration: two programs named {:?}", p.name).into());
        }
    }
    Ok(config)
}

/// Where one program of `run` stands.
enum State {
    Running {
        pid: Pid,
        since: Instant,
        next_check: Option<Instant>,
    },
    /// Ended at `ended`; to be started again at `due`.
    Waiting {
        due: Instant,
        ended: Instant,
    },
    GaveUp,
}

struct Program {
    name: String,
    sh: Sh,
    policy: Policy,
    health: Option<(String, Duration)>,
    history: History,
    state: State,
    /// For each restart so far: how long it really waited between the end
    /// and the new start, and the delay `decide` asked for.
    waits: Vec<(Duration, Duration)>,
}

impl Program {
    fn running(&self) -> Option<Pid> {
        match self.state {
            State::Running { pid, .. } => Some(pid),
            _ => None,
        }
    }
}

/// `run`: start every program, say `ready`, then react to signals and to
/// the clock until SIGTERM/SIGINT or until every program was given up on.
fn run(config: Config) -> Result<(), Error> {
    let signals = supervisor::setup()?;
    let grace = ms(config.grace_ms);
    let now = Instant::now();
    let mut programs: Vec<Program> = config
        .program
        .iter()
        .map(|p| Program {
            name: p.name.clone(),
            sh: Sh::new(&p.cmd, &[]),
            policy: Policy {
                restarts: p.restarts,
                backoff: ms(p.backoff_ms),
                max_backoff: ms(p.max_backoff_ms),
                min_uptime: ms(p.min_uptime_ms),
            },
            health: p.health.clone().map(|h| (h, ms(p.health_every_ms))),
            history: History::default(),
            state: State::Waiting {
                due: now,
                ended: now,
            },
            waits: Vec::new(),
        })
        .collect();
    show::config(programs.len(), config.grace_ms);
    for p in &mut programs {
        start(p, false)?;
    }
    show::ready(programs.len());

    loop {
        let mut stop_by = None;
        for signal in supervisor::wait_signal(&signals, next_due(&programs))? {
            match signal {
                Signal::SIGTERM | Signal::SIGINT => stop_by = stop_by.or(Some(signal)),
                _ => {}
            }
        }
        // Always reap, whatever woke us: a SIGCHLD may have been taken off
        // the signalfd by an earlier wait (in `stop`, for instance).
        for (pid, ended) in supervisor::reap()? {
            ended_one(&mut programs, pid, ended, stop_by.is_none());
        }
        if let Some(signal) = stop_by {
            return stop_all(&mut programs, signal, grace, &signals);
        }
        let now = Instant::now();
        for p in programs.iter_mut() {
            if let State::Waiting { due, .. } = p.state
                && due <= now
            {
                start(p, true)?;
            }
        }
        for i in 0..programs.len() {
            if let State::Running {
                pid,
                next_check: Some(at),
                ..
            } = programs[i].state
                && at <= Instant::now()
            {
                check(&mut programs, i, pid, grace, &signals)?;
            }
        }
        if programs.iter().all(|p| matches!(p.state, State::GaveUp)) {
            show::done();
            return Ok(());
        }
    }
}

/// The earliest moment something is due (a restart, a health check), as a
/// timeout from now; `None` when nothing is.
fn next_due(programs: &[Program]) -> Option<Duration> {
    let due = programs
        .iter()
        .filter_map(|p| match p.state {
            State::Waiting { due, .. } => Some(due),
            State::Running { next_check, .. } => next_check,
            State::GaveUp => None,
        })
        .min()?;
    Some(due.saturating_duration_since(Instant::now()))
}

fn start(p: &mut Program, again: bool) -> Result<(), Error> {
    let pid = supervisor::spawn(&p.sh)?;
    let now = Instant::now();
    if again
        && let State::Waiting { ended, .. } = p.state
        && let Some(last) = p.waits.last_mut()
    {
        last.0 = now - ended;
    }
    show::start(&p.name, pid);
    p.state = State::Running {
        pid,
        since: now,
        next_check: p.health.as_ref().map(|(_, every)| now + *every),
    };
    Ok(())
}

/// A child ended: if it was one of the programs, report it and (unless the
/// supervisor is stopping) decide about a restart. Others (orphans handed
/// to us, a health check reaped elsewhere) are not reported.
fn ended_one(programs: &mut [Program], pid: Pid, ended: Ended, restart: bool) {
    let Some(p) = programs.iter_mut().find(|p| p.running() == Some(pid)) else {
        return;
    };
    let State::Running { since, .. } = p.state else {
        return;
    };
    let now = Instant::now();
    show::exit(&p.name, pid, ended);
    if !restart {
        p.state = State::GaveUp;
        return;
    }
    match supervisor::decide(&p.policy, &mut p.history, now - since) {
        Decision::Restart(delay) => {
            show::restart(&p.name, p.history.restarts, delay);
            p.waits.push((Duration::ZERO, delay));
            p.state = State::Waiting {
                due: now + delay,
                ended: now,
            };
        }
        Decision::GiveUp => {
            show::giveup(&p.name, p.history.restarts);
            if p.waits.len() >= 2 {
                show::backoff(&p.name, &p.waits);
            }
            p.state = State::GaveUp;
        }
    }
}

/// Run program `i`'s health check now (it is running as `pid`): a failure
/// stops the program with your `stop`, and its end is handled as any other.
fn check(
    programs: &mut [Program],
    i: usize,
    pid: Pid,
    grace: Duration,
    signals: &SignalFd,
) -> Result<(), Error> {
    let Some((cmd, every)) = programs[i].health.clone() else {
        return Ok(());
    };
    let sh = Sh::new(&cmd, &[("PROGRAM_PID", pid.to_string())]);
    let checker = supervisor::spawn(&sh)?;
    // This one child only: the statuses of the programs are for `reap`.
    let ended = loop {
        match waitpid(checker, None) {
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(format!("waitpid for the health check: {errno}").into()),
            Ok(status) => {
                if let Some((_, ended)) = Ended::of(status) {
                    break ended;
                }
            }
        }
    };
    if let State::Running { next_check, .. } = &mut programs[i].state {
        *next_check = Some(Instant::now() + every);
    }
    if ended == Ended::Code(0) {
        return Ok(());
    }
    show::unhealthy(&programs[i].name, pid, ended);
    let stopped = supervisor::stop(&[pid], grace, signals)?;
    report_stopped(programs, &stopped, true);
    Ok(())
}

/// The `kill` lines, then the ends, in the order of the configuration.
fn report_stopped(programs: &mut [Program], stopped: &Stopped, restart: bool) {
    for p in programs.iter() {
        if let Some(pid) = p.running()
            && stopped.killed.contains(&pid)
        {
            show::kill(&p.name, pid);
        }
    }
    let mut mine: Vec<(usize, Pid, Ended)> = stopped
        .reaped
        .iter()
        .filter_map(|&(pid, ended)| {
            let i = programs.iter().position(|p| p.running() == Some(pid))?;
            Some((i, pid, ended))
        })
        .collect();
    mine.sort_by_key(|&(i, _, _)| i);
    for (_, pid, ended) in mine {
        ended_one(programs, pid, ended, restart);
    }
}

fn stop_all(
    programs: &mut [Program],
    signal: Signal,
    grace: Duration,
    signals: &SignalFd,
) -> Result<(), Error> {
    let groups: Vec<Pid> = programs.iter().filter_map(Program::running).collect();
    show::stopping(signal, groups.len());
    let began = Instant::now();
    let stopped = supervisor::stop(&groups, grace, signals)?;
    let took = began.elapsed();
    report_stopped(programs, &stopped, false);
    for p in programs.iter_mut() {
        if let State::Waiting { .. } = p.state {
            show::cancelled(&p.name);
            p.state = State::GaveUp;
        }
    }
    let left = programs.iter().filter(|p| p.running().is_some()).count();
    show::stopped(
        groups.len(),
        stopped.killed.len(),
        left,
        grace_kept(&stopped, took, grace),
    );
    Ok(())
}

/// SIGKILL may come only once the grace period is over: if anything was
/// killed, `stop` cannot have returned sooner than the grace period.
fn grace_kept(stopped: &Stopped, took: Duration, grace: Duration) -> bool {
    stopped.killed.is_empty() || took >= grace
}

/// `pool N CMD`: workers 0..N-1, then replacements for each one that ends,
/// until SIGTERM or SIGINT.
fn pool(n: usize, cmd: &str, grace: Duration) -> Result<(), Error> {
    let signals = supervisor::setup()?;
    show::pool_size(n);
    let mut pool = Vec::new();
    for id in 0..n {
        let pid = supervisor::start_worker(cmd, id)?;
        show::worker("start", id, pid);
        pool.push(Worker { id, pid });
    }
    show::ready_workers(n);
    loop {
        let mut stop_by = None;
        for signal in supervisor::wait_signal(&signals, None)? {
            if matches!(signal, Signal::SIGTERM | Signal::SIGINT) {
                stop_by = stop_by.or(Some(signal));
            }
        }
        for (pid, ended) in supervisor::reap()? {
            let Some(old) = pool.iter().find(|w| w.pid == pid).copied() else {
                continue;
            };
            show::worker_exit(old.id, pid, ended);
            if stop_by.is_some() {
                continue;
            }
            if let Some(new) = supervisor::replace_worker(&mut pool, pid, cmd)? {
                show::worker("replace", new.id, new.pid);
            }
            show::pool_ids(&pool);
        }
        if let Some(signal) = stop_by {
            let groups: Vec<Pid> = pool.iter().map(|w| w.pid).collect();
            show::stopping(signal, groups.len());
            let began = Instant::now();
            let stopped = supervisor::stop(&groups, grace, &signals)?;
            let took = began.elapsed();
            for w in &pool {
                if stopped.killed.contains(&w.pid) {
                    show::worker_kill(w.id, w.pid);
                }
            }
            for w in &pool {
                if let Some(&(_, ended)) = stopped.reaped.iter().find(|(pid, _)| *pid == w.pid) {
                    show::worker_exit(w.id, w.pid, ended);
                }
            }
            let reaped = |w: &Worker| stopped.reaped.iter().any(|(pid, _)| *pid == w.pid);
            let left = pool.iter().filter(|w| !reaped(w)).count();
            show::stopped(
                groups.len(),
                stopped.killed.len(),
                left,
                grace_kept(&stopped, took, grace),
            );
            return Ok(());
        }
    }
}

/// `pipe FIRST LAST`.
fn pipe(first: &str, last: &str) -> Result<(), Error> {
    let piped = supervisor::run_pipe(&Sh::new(first, &[]), &Sh::new(last, &[]))?;
    show::side("first", piped.first);
    show::side("last", piped.last);
    show::pipe_status(piped.last.1);
    Ok(())
}

/// The value of WORKER_ID in the environment `pid` exec'd with, read from
/// /proc/PID/environ. Until the child has exec'd the file still shows our
/// own environment, so look again (1 ms apart, for at most ENVIRON_LIMIT).
fn worker_id_of(pid: Pid) -> Option<String> {
    let since = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(format!("/proc/{pid}/environ")) {
            for var in bytes.split(|&b| b == 0) {
                if let Some(value) = var.strip_prefix(b"WORKER_ID=") {
                    return Some(String::from_utf8_lossy(value).into_owned());
                }
            }
        }
        if since.elapsed() >= ENVIRON_LIMIT {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Every line the driver prints.
mod show {
    use super::*;

    fn ended(e: Ended) -> String {
        match e {
            Ended::Code(code) => format!("code={code}"),
            Ended::Signal(signal) => format!("signal={}", signal.as_str()),
        }
    }

    /// The pgid the kernel has for `pid` now, or the error.
    fn pgid(pid: Pid) -> String {
        match getpgid(Some(pid)) {
            Ok(g) => g.to_string(),
            Err(errno) => format!("{errno:?}"),
        }
    }

    /// `config programs=N grace_ms=G`.
    pub fn config(n: usize, grace_ms: u64) {
        println!("config programs={n} grace_ms={grace_ms}");
    }

    /// `start name=NAME pid=P pgid=G`: G is what the kernel says right
    /// after `spawn` returned.
    pub fn start(name: &str, pid: Pid) {
        println!("start name={name} pid={pid} pgid={}", pgid(pid));
    }

    /// `ready programs=N`: every program has been started once.
    pub fn ready(n: usize) {
        println!("ready programs={n}");
    }

    /// `exit name=NAME pid=P code=N` or `... signal=SIGNAME`.
    pub fn exit(name: &str, pid: Pid, e: Ended) {
        println!("exit name={name} pid={pid} {}", ended(e));
    }

    /// `restart name=NAME attempt=K delay_ms=D`.
    pub fn restart(name: &str, attempt: u32, delay: Duration) {
        println!(
            "restart name={name} attempt={attempt} delay_ms={}",
            delay.as_millis()
        );
    }

    /// `giveup name=NAME restarts=K`.
    pub fn giveup(name: &str, restarts: u32) {
        println!("giveup name={name} restarts={restarts}");
    }

    /// `backoff name=NAME waited=yes|no grew=yes|no`, from the clock:
    /// waited: every restart came no sooner than its delay; grew: the
    /// second real wait was longer than the first delay. Both are lower
    /// bounds, which a busy machine cannot break: it can only make a wait
    /// longer, never shorter.
    pub fn backoff(name: &str, waits: &[(Duration, Duration)]) {
        let waited = waits.iter().all(|&(took, asked)| took >= asked);
        let grew = waits[1].0 > waits[0].1;
        println!(
            "backoff name={name} waited={} grew={}",
            yes(waited),
            yes(grew)
        );
    }

    /// `unhealthy name=NAME pid=P code=N`: the health check failed.
    pub fn unhealthy(name: &str, pid: Pid, e: Ended) {
        println!("unhealthy name={name} pid={pid} {}", ended(e));
    }

    /// `kill name=NAME pgid=G signal=SIGKILL`: the group was still there
    /// after the grace period.
    pub fn kill(name: &str, pgid: Pid) {
        println!("kill name={name} pgid={pgid} signal=SIGKILL");
    }

    /// `stopping signal=SIG count=N`: N programs or workers are running.
    pub fn stopping(signal: Signal, n: usize) {
        println!("stopping signal={} count={n}", signal.as_str());
    }

    /// `cancelled name=NAME`: a restart that was waiting will not happen.
    pub fn cancelled(name: &str) {
        println!("cancelled name={name}");
    }

    /// `stopped count=N killed=K left=L grace_kept=yes|no`: of the N groups
    /// stopped, K got SIGKILL, L leaders were not reaped; grace_kept: no
    /// SIGKILL came before the grace period was over.
    pub fn stopped(n: usize, killed: usize, left: usize, kept: bool) {
        println!(
            "stopped count={n} killed={killed} left={left} grace_kept={}",
            yes(kept)
        );
    }

    /// `done`: every program was given up on.
    pub fn done() {
        println!("done");
    }

    /// `pool size=N`.
    pub fn pool_size(n: usize) {
        println!("pool size={n}");
    }

    /// `start|replace id=I pid=P pgid=G worker_id=W`: W is the WORKER_ID in
    /// the worker's environment, or `none`.
    pub fn worker(word: &str, id: usize, pid: Pid) {
        let env = worker_id_of(pid).unwrap_or_else(|| "none".into());
        println!(
            "{word} id={id} pid={pid} pgid={} worker_id={env}",
            pgid(pid)
        );
    }

    /// `ready workers=N`.
    pub fn ready_workers(n: usize) {
        println!("ready workers={n}");
    }

    /// `exit id=I pid=P code=N|signal=SIG`.
    pub fn worker_exit(id: usize, pid: Pid, e: Ended) {
        println!("exit id={id} pid={pid} {}", ended(e));
    }

    /// `kill id=I pgid=G signal=SIGKILL`.
    pub fn worker_kill(id: usize, pgid: Pid) {
        println!("kill id={id} pgid={pgid} signal=SIGKILL");
    }

    /// `pool size=N ids=I,J,...`: the pool after a replacement, in its order.
    pub fn pool_ids(pool: &[Worker]) {
        let ids: Vec<String> = pool.iter().map(|w| w.id.to_string()).collect();
        println!("pool size={} ids={}", pool.len(), ids.join(","));
    }

    /// `first|last pid=P code=N|signal=SIG`.
    pub fn side(word: &str, (pid, e): (Pid, Ended)) {
        println!("{word} pid={pid} {}", ended(e));
    }

    /// `status=N`: the pipeline's status as a shell gives it, the last
    /// command's: its code, or 128 + the signal number.
    pub fn pipe_status(e: Ended) {
        let status = match e {
            Ended::Code(code) => code,
            Ended::Signal(signal) => 128 + signal as i32,
        };
        println!("status={status}");
    }

    fn yes(b: bool) -> &'static str {
        if b { "yes" } else { "no" }
    }
}

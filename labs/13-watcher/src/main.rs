//! Driver for lab 13 watcher: the command line, the configuration, the main
//! loop, the event log's contents, and every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/watcher.rs`. The driver decides what
//! happens when (a batch is ready: next run; a stop request: stop) and prints
//! what happened; your functions watch, debounce, start, stop and write the
//! log. The chapter docs/src/13-watcher.md describes every line; the grader
//! compares them, after replacing the pids by stable names, with the
//! reference's.

mod watcher;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nix::errno::Errno;
use nix::sys::signal::killpg;
use nix::unistd::{Pid, getpgid};
use serde::Deserialize;

use watcher::{Ended, Event, Events, Sh, Stopped, WatchSet, Why};

type Error = Box<dyn std::error::Error>;

#[derive(Parser)]
#[command(
    name = "watcher",
    bin_name = "watcher",
    about = "Lab 13: run a command, and run it again whenever a file of the tree changes"
)]
struct Cli {
    /// A configuration file (TOML): command, exclude, debounce_ms, grace_ms, log
    #[arg(long)]
    config: Option<PathBuf>,
    /// Leave out every file or directory of this name (repeatable)
    #[arg(long, value_name = "NAME")]
    exclude: Vec<String>,
    /// The quiet period: a run starts once no change has come for this long
    #[arg(long)]
    debounce_ms: Option<u64>,
    /// Between SIGTERM and SIGKILL when a run is stopped
    #[arg(long)]
    grace_ms: Option<u64>,
    /// The event log, rewritten whole after every start and every end
    #[arg(long)]
    log: Option<PathBuf>,
    /// The command, run as `sh -c CMD` with WATCHER_RUN=N in its environment
    command: Option<String>,
}

/// The configuration file, field for field.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Config {
    command: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    debounce_ms: Option<u64>,
    grace_ms: Option<u64>,
    log: Option<PathBuf>,
}

/// What the watcher runs with, the command line over the file.
struct Settings {
    command: String,
    exclude: Vec<String>,
    debounce_ms: u64,
    grace_ms: u64,
    log: PathBuf,
}

const DEFAULT_DEBOUNCE_MS: u64 = 200;
const DEFAULT_GRACE_MS: u64 = 1000;
/// In a dot-directory, which is never watched: writing the log must not be a
/// change, or every run would cause the next.
const DEFAULT_LOG: &str = ".watcher/events.log";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match settings(cli).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("watcher: {e}");
            ExitCode::FAILURE
        }
    }
}

fn settings(cli: Cli) -> Result<Settings, Error> {
    let config: Config = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            toml::from_str(&text).map_err(|e| format!("configuration: {e}"))?
        }
        None => Config::default(),
    };
    let command = cli
        .command
        .or(config.command)
        .ok_or("no command: give one, or `command` in the configuration")?;
    let mut exclude = config.exclude;
    for name in cli.exclude {
        if !exclude.contains(&name) {
            exclude.push(name);
        }
    }
    if let Some(bad) = exclude.iter().find(|n| n.is_empty() || n.contains('/')) {
        return Err(format!("exclude {bad:?}: a name, not a path").into());
    }
    Ok(Settings {
        command,
        exclude,
        debounce_ms: cli
            .debounce_ms
            .or(config.debounce_ms)
            .unwrap_or(DEFAULT_DEBOUNCE_MS),
        grace_ms: cli.grace_ms.or(config.grace_ms).unwrap_or(DEFAULT_GRACE_MS),
        log: cli
            .log
            .or(config.log)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_LOG)),
    })
}

/// The event log: its lines, kept here, and written whole, with your
/// `write_atomically`, after each change to them.
struct Log {
    path: PathBuf,
    lines: Vec<String>,
    writes: usize,
    /// Writes after which the log was still the same file (the same inode)
    /// as before: it was written in place, not replaced.
    in_place: usize,
}

impl Log {
    fn add(&mut self, line: String) -> Result<(), Error> {
        self.lines.push(line);
        let mut text = self.lines.join("\n");
        text.push('\n');
        let before = std::fs::metadata(&self.path).ok().map(|m| m.ino());
        watcher::write_atomically(&self.path, text.as_bytes())
            .map_err(|e| format!("log {}: {e}", self.path.display()))?;
        let after = std::fs::metadata(&self.path).ok().map(|m| m.ino());
        self.writes += 1;
        if before.is_some() && before == after {
            self.in_place += 1;
        }
        Ok(())
    }
}

/// Where the current run stands.
struct Runs {
    /// The number of the latest run (1, 2, ...), 0 before the first.
    n: u32,
    /// The latest run's process group, while it may still have members.
    group: Option<Pid>,
    /// Whether the latest run's leader has not been reaped yet.
    leader_alive: bool,
}

fn run(s: Settings) -> Result<(), Error> {
    let mut events = Events::new()?;
    let grace = Duration::from_millis(s.grace_ms);
    let quiet = Duration::from_millis(s.debounce_ms);
    // The log's directory is made before the watches are set, so that its
    // making is no change (and it is left out anyway when it is a
    // dot-directory or excluded).
    if let Some(dir) = s.log.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    show::config(&s);
    let mut watches = WatchSet::new(Path::new("."), &s.exclude);
    watches.add_tree(&events.inotify, Path::new(""))?;
    for dir in watches.dirs() {
        show::watch(&dir);
    }
    show::ready(watches.len());

    let mut log = Log {
        path: s.log.clone(),
        lines: Vec::new(),
        writes: 0,
        in_place: 0,
    };
    let mut runs = Runs {
        n: 0,
        group: None,
        leader_alive: false,
    };
    start(&s, &mut runs, &mut events, &watches, &mut log, None)?;

    loop {
        let got = events.wait(None)?;
        reaped(&mut runs, &mut log)?;
        if let Some(why) = got.iter().find_map(|e| match e {
            Event::Stop(why) => Some(*why),
            _ => None,
        }) {
            return shutdown(why, grace, &mut runs, &mut events, &mut log);
        }
        if !got.iter().any(|e| matches!(e, Event::Fs(_))) {
            continue;
        }
        let batch = watcher::debounce(&mut events, &mut watches, quiet, got, &mut |path| {
            show::change(path)
        })?;
        reaped(&mut runs, &mut log)?;
        if let Some(why) = batch.stop {
            return shutdown(why, grace, &mut runs, &mut events, &mut log);
        }
        if batch.paths.is_empty() {
            continue;
        }
        show::changed(runs.n + 1, &batch.paths);
        start(
            &s,
            &mut runs,
            &mut events,
            &watches,
            &mut log,
            Some(&batch.paths),
        )?;
    }
}

/// Whether a process group still has a member (zombies count).
fn group_alive(pgid: Pid) -> bool {
    killpg(pgid, None) != Err(Errno::ESRCH)
}

/// Stop the latest run (through your `next_run`) and start the next.
fn start(
    s: &Settings,
    runs: &mut Runs,
    events: &mut Events,
    watches: &WatchSet,
    log: &mut Log,
    paths: Option<&[PathBuf]>,
) -> Result<(), Error> {
    // A group that is empty already needs no stop.
    let mut current = runs.group.filter(|&g| group_alive(g));
    let previous = runs.group;
    let n = runs.n + 1;
    let sh = Sh::new(&s.command, &[("WATCHER_RUN", n.to_string())]);
    let next = watcher::next_run(&mut current, &sh, grace(s), events)?;
    if let Some((_, stopped)) = next.stopped {
        report_stop(runs.n, stopped, runs, log)?;
    }
    runs.n = n;
    let state = match previous {
        None => "none",
        Some(g) if group_alive(g) => "alive",
        Some(_) => "gone",
    };
    runs.group = Some(next.started);
    runs.leader_alive = true;
    show::start(runs.n, next.started, watches.len(), state);
    let line = match paths {
        None => format!("run={} start", runs.n),
        Some(paths) => format!("run={} start changed={}", runs.n, show::paths(paths)),
    };
    log.add(line)
}

fn grace(s: &Settings) -> Duration {
    Duration::from_millis(s.grace_ms)
}

/// The lines of a stop of run `n`: its end if the stop reaped the leader,
/// then what became of the group.
fn report_stop(n: u32, stopped: Stopped, runs: &mut Runs, log: &mut Log) -> Result<(), Error> {
    if let Some(ended) = stopped.ended
        && runs.leader_alive
        && runs.n == n
    {
        runs.leader_alive = false;
        show::exit(n, ended);
        log.add(format!("run={n} exit {} stopped", show::ended(ended)))?;
    }
    let group = runs.group.map(group_alive).unwrap_or(false);
    show::stopped(n, stopped.killed, group);
    Ok(())
}

/// Reap what has ended; the latest run's leader is reported.
fn reaped(runs: &mut Runs, log: &mut Log) -> Result<(), Error> {
    for (pid, ended) in watcher::reap()? {
        if runs.leader_alive && runs.group == Some(pid) {
            runs.leader_alive = false;
            show::exit(runs.n, ended);
            log.add(format!("run={} exit {}", runs.n, show::ended(ended)))?;
        }
    }
    Ok(())
}

fn shutdown(
    why: Why,
    grace: Duration,
    runs: &mut Runs,
    events: &mut Events,
    log: &mut Log,
) -> Result<(), Error> {
    show::stopping(why);
    if let Some(group) = runs.group.filter(|&g| group_alive(g)) {
        let stopped = watcher::stop_group(group, grace, events)?;
        report_stop(runs.n, stopped, runs, log)?;
    }
    // Whatever else ended meanwhile, so that nothing is left unreaped.
    reaped(runs, log)?;
    log.add(format!("stop reason={}", show::why(why)))?;
    show::log(log);
    show::done(runs.n);
    Ok(())
}

/// Every line the driver prints.
mod show {
    use super::*;

    /// A path relative to the root as printed: the root itself is `.`.
    pub fn path(p: &Path) -> String {
        if p.as_os_str().is_empty() {
            ".".into()
        } else {
            p.display().to_string()
        }
    }

    pub fn paths(ps: &[PathBuf]) -> String {
        let mut all: Vec<String> = ps.iter().map(|p| path(p)).collect();
        all.sort();
        all.join(",")
    }

    pub fn ended(e: Ended) -> String {
        match e {
            Ended::Code(code) => format!("code={code}"),
            Ended::Signal(signal) => format!("signal={}", signal.as_str()),
        }
    }

    pub fn why(w: Why) -> &'static str {
        match w {
            Why::Signal(signal) => signal.as_str(),
            Why::StdinClosed => "stdin",
        }
    }

    /// `config exclude=A,B debounce_ms=D grace_ms=G log=PATH`.
    pub fn config(s: &Settings) {
        let exclude = match s.exclude.is_empty() {
            true => "-".to_string(),
            false => s.exclude.join(","),
        };
        println!(
            "config exclude={exclude} debounce_ms={} grace_ms={} log={}",
            s.debounce_ms,
            s.grace_ms,
            s.log.display()
        );
    }

    /// `watch dir=D`: one line per watched directory at the start, sorted.
    pub fn watch(dir: &Path) {
        println!("watch dir={}", path(dir));
    }

    /// `ready watching=N`: every watch is set; changes from now on count.
    pub fn ready(n: usize) {
        println!("ready watching={n}");
    }

    /// `change path=P`: a path joined the batch being gathered.
    pub fn change(p: &Path) {
        println!("change path={}", path(p));
    }

    /// `changed n=N paths=A,B`: the batch is complete; run N follows.
    pub fn changed(n: u32, ps: &[PathBuf]) {
        println!("changed n={n} paths={}", paths(ps));
    }

    /// `run n=N start pid=P pgid=G watching=W previous=none|gone|alive`: G is
    /// what the kernel says right after the start, W how many directories
    /// are watched, and previous whether the run before still had a
    /// process in its group at this moment.
    pub fn start(n: u32, pid: Pid, watching: usize, previous: &str) {
        let pgid = match getpgid(Some(pid)) {
            Ok(g) => g.to_string(),
            Err(errno) => format!("{errno:?}"),
        };
        println!("run n={n} start pid={pid} pgid={pgid} watching={watching} previous={previous}");
    }

    /// `run n=N exit code=C` or `... signal=SIG`.
    pub fn exit(n: u32, e: Ended) {
        println!("run n={n} exit {}", ended(e));
    }

    /// `run n=N stopped killed=yes|no group=gone|alive`: whether the grace
    /// period ran out (SIGKILL), and whether anything of the group is left.
    pub fn stopped(n: u32, killed: bool, alive: bool) {
        println!(
            "run n={n} stopped killed={} group={}",
            yes(killed),
            if alive { "alive" } else { "gone" }
        );
    }

    /// `stopping reason=SIGTERM|SIGINT|stdin`.
    pub fn stopping(w: Why) {
        println!("stopping reason={}", why(w));
    }

    /// `log writes=W in_place=K files=A,B`: how often the log was written,
    /// how many of those writes left it the same file (inode) as before, and
    /// what the log's directory holds now.
    pub fn log(log: &Log) {
        let dir = match log.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        println!(
            "log writes={} in_place={} files={}",
            log.writes,
            log.in_place,
            names.join(",")
        );
    }

    /// `done runs=N`.
    pub fn done(n: u32) {
        println!("done runs={n}");
    }

    fn yes(b: bool) -> &'static str {
        if b { "yes" } else { "no" }
    }
}

//! Driver for lab 12 shell: the command line, the login process, the parsing,
//! the table of jobs, the helper programs the cases run, and every line of
//! output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/shell.rs`. The driver reads command
//! lines from the terminal, splits them into pipelines, makes the pipes,
//! keeps the jobs in a table and prints every line (the `show` module); your
//! functions start the jobs in their process groups, hand the terminal over
//! and take it back, wait, continue, and reap. The chapter docs/src/12-shell.md
//! describes the shell, its output and the helpers; the grader compares what
//! the terminal shows, after replacing the pids by stable names, with the
//! reference's.

mod shell;

use std::ffi::CString;
use std::io::{self, BufRead, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpgrp, getpid, getppid, isatty, pipe2, tcgetpgrp};

use shell::{JOB_SIGNALS, Job, ProcState, Stage};

/// The prompt, a line of its own: the grader waits for whole lines, and a
/// prompt without its newline would not be one until something followed.
const PROMPT: &str = "proclab$";
/// How long `shell settle` waits at most for the other jobs to settle.
const SETTLE_LIMIT: Duration = Duration::from_secs(5);

#[derive(Parser)]
#[command(
    name = "shell",
    bin_name = "shell",
    about = "Lab 12: a small job-control shell (without a subcommand), and the helper programs its cases run"
)]
struct Cli {
    #[command(subcommand)]
    helper: Option<Helper>,
}

/// Helper programs, run by the shell as `shell NAME ...` (the word `shell`
/// is this binary).
#[derive(Subcommand, Clone)]
enum Helper {
    /// A job that only waits: says `NAME ready` (if its group holds the
    /// terminal), then waits for signals, saying `NAME continued` at each
    /// SIGCONT that finds it in the foreground. In a pipeline it first waits
    /// for a line from the stage before it, and passes a line on.
    Sleepy { name: String },
    /// Reads lines from stdin: `NAME got=LINE` for each, `exit N` ends it
    /// with N, end of file with 0 (`NAME eof lines=K`)
    Reader {
        name: String,
        /// Wait (at most 5 s) until this file exists before the first read
        #[arg(long)]
        after: Option<String>,
    },
    /// Waits (at most 5 s) until the file FILE exists in the current
    /// directory, then ends: with exit code HOW if it is a number, else by
    /// the signal HOW names (TERM, SIGHUP...). Silent.
    Await { file: String, how: String },
    /// Waits (at most 5 s) until every other child of the shell, outside its
    /// own group, has ended or stopped, then exits
    Settle,
    /// Lists the other children of the shell, outside its own group
    Ps,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.helper {
        Some(helper) => helpers::run(helper),
        None => login(),
    };
    ExitCode::from(code)
}

/// The program the grader starts is a small login: it runs the shell as its
/// child and reports how it ended. A shell started by another process of
/// its session (not as the session leader itself) is what job control is
/// made for: its group is not orphaned, so a stop signal really stops it.
fn login() -> u8 {
    // SAFETY: single-threaded; the child goes on to be the shell.
    let child = match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            let code = run_shell();
            let _ = io::stdout().flush();
            std::process::exit(code);
        }
        Ok(ForkResult::Parent { child }) => child,
        Err(e) => {
            eprintln!("shell: fork: error={e:?}");
            return 1;
        }
    };
    loop {
        match waitpid(child, Some(WaitPidFlag::WUNTRACED)) {
            Ok(WaitStatus::Exited(_, code)) => {
                show::logout_code(code);
                return u8::try_from(code).unwrap_or(1);
            }
            Ok(WaitStatus::Signaled(_, sig, _)) => {
                show::logout_signal(sig);
                return 1;
            }
            Ok(WaitStatus::Stopped(_, sig)) => {
                // A stopped shell never shows its prompt again: say why, and end it.
                show::shell_stopped(sig);
                let _ = kill(child, Signal::SIGKILL);
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => {
                eprintln!("shell: waitpid: error={e:?}");
                return 1;
            }
        }
    }
}

/// The shell: set up, then one command line after the other until `exit`
/// or the end of input; then hang up the jobs that are left.
fn run_shell() -> i32 {
    if let Err(e) = shell::init_shell() {
        show::failed("init_shell", e);
        return 1;
    }
    show::banner();
    let mut jobs: Vec<Job> = Vec::new();
    let code = loop {
        notify(&mut jobs);
        show::prompt();
        let line = match read_line() {
            Ok(Some(line)) => line,
            Ok(None) => break 0,
            Err(e) => {
                show::failed("read", e);
                break 1;
            }
        };
        match parse(&line) {
            Err(why) => show::syntax(why),
            Ok(None) => {}
            Ok(Some(cmd)) => {
                if run(cmd, &mut jobs).is_break() {
                    break 0;
                }
            }
        }
    };
    hang_up(&mut jobs);
    code
}

/// One line from the terminal (the terminal's line discipline hands over one
/// line per read), without its newline; `None` at the end of input.
fn read_line() -> nix::Result<Option<String>> {
    let mut line = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match nix::unistd::read(io::stdin().as_fd(), &mut buf) {
            Ok(0) if line.is_empty() => return Ok(None),
            Ok(0) => break,
            Ok(n) => {
                line.extend_from_slice(&buf[..n]);
                if line.ends_with(b"\n") {
                    line.pop();
                    break;
                }
            }
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// What one command line asks for.
enum Cmd {
    Jobs,
    Fg(Option<usize>),
    Bg(Option<usize>),
    Exit,
    /// A pipeline: the words of each stage, whether it ends with `&`, and the
    /// text to show for it.
    Run {
        stages: Vec<Vec<String>>,
        background: bool,
        text: String,
    },
}

#[derive(PartialEq)]
enum Token {
    Word(String),
    Pipe,
    Amp,
}

/// Words separated by blanks; `'...'` and `"..."` quote (no escapes); `|`
/// and `&` stand alone.
fn tokens(line: &str) -> Result<Vec<Token>, &'static str> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => out.extend(word.take().map(Token::Word)),
            '|' | '&' => {
                out.extend(word.take().map(Token::Word));
                out.push(if c == '|' { Token::Pipe } else { Token::Amp });
            }
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(other) => w.push(other),
                        None => return Err("unterminated quote"),
                    }
                }
            }
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    out.extend(word.take().map(Token::Word));
    Ok(out)
}

fn parse(line: &str) -> Result<Option<Cmd>, &'static str> {
    let mut toks = tokens(line)?;
    if toks.is_empty() {
        return Ok(None);
    }
    let background = toks.last() == Some(&Token::Amp);
    if background {
        toks.pop();
    }
    let mut stages = vec![Vec::new()];
    for t in toks {
        match t {
            Token::Word(w) => stages.last_mut().expect("one stage at least").push(w),
            Token::Pipe => stages.push(Vec::new()),
            Token::Amp => return Err("& only at the end of a line"),
        }
    }
    if stages.iter().any(Vec::is_empty) {
        return Err("a command is missing around |");
    }
    if stages.len() == 1 {
        let words = &stages[0];
        let spec = || words.get(1).map(|s| job_spec(s)).transpose();
        match words[0].as_str() {
            "jobs" => return Ok(Some(Cmd::Jobs)),
            "exit" => return Ok(Some(Cmd::Exit)),
            "fg" => return Ok(Some(Cmd::Fg(spec()?))),
            "bg" => return Ok(Some(Cmd::Bg(spec()?))),
            _ => {}
        }
    }
    let text = line.trim().trim_end_matches('&').trim_end().to_string();
    Ok(Some(Cmd::Run {
        stages,
        background,
        text,
    }))
}

/// `%N` or `N`.
fn job_spec(word: &str) -> Result<usize, &'static str> {
    word.strip_prefix('%')
        .unwrap_or(word)
        .parse()
        .map_err(|_| "a job is named %N")
}

fn run(cmd: Cmd, jobs: &mut Vec<Job>) -> std::ops::ControlFlow<()> {
    match cmd {
        Cmd::Exit => return std::ops::ControlFlow::Break(()),
        Cmd::Jobs => {
            for job in jobs.iter() {
                show::job(job);
            }
        }
        Cmd::Fg(spec) => match take_job(jobs, spec) {
            Some(job) => {
                show::line(&job.line);
                in_foreground(job, true, jobs);
            }
            None => show::no_job("fg", spec),
        },
        Cmd::Bg(spec) => match pick(jobs, spec) {
            Some(job) => {
                if let Err(e) = shell::continue_job(job) {
                    show::failed("continue_job", e);
                }
                show::job(job);
            }
            None => show::no_job("bg", spec),
        },
        Cmd::Run {
            stages,
            background,
            text,
        } => launch(&stages, background, &text, jobs),
    }
    std::ops::ControlFlow::Continue(())
}

/// The job `%N`, or without N the most recent one.
fn pick(jobs: &mut [Job], spec: Option<usize>) -> Option<&mut Job> {
    match spec {
        Some(n) => jobs.iter_mut().find(|j| j.id == n),
        None => jobs.last_mut(),
    }
}

fn take_job(jobs: &mut Vec<Job>, spec: Option<usize>) -> Option<Job> {
    let at = match spec {
        Some(n) => jobs.iter().position(|j| j.id == n)?,
        None => jobs.len().checked_sub(1)?,
    };
    Some(jobs.remove(at))
}

/// The smallest job number not in use.
fn free_id(jobs: &[Job]) -> usize {
    (1..).find(|n| jobs.iter().all(|j| j.id != *n)).unwrap_or(1)
}

/// Makes the pipes of a pipeline: stage i writes into the pipe that stage
/// i+1 reads. Every end is close-on-exec, so that no program keeps a pipe
/// open that it does not use (a reader would never see the end of file).
fn plumb(words: &[Vec<String>]) -> Result<Vec<Stage>, String> {
    let mut stages = Vec::new();
    let mut next_in = None;
    for (i, stage) in words.iter().enumerate() {
        let argv = stage
            .iter()
            .map(|w| CString::new(w.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| "a word holds a NUL byte".to_string())?;
        let stdin = next_in.take();
        let stdout = if i + 1 < words.len() {
            let (r, w) = pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe error={e:?}"))?;
            next_in = Some(r);
            Some(w)
        } else {
            None
        };
        stages.push(Stage {
            argv,
            stdin,
            stdout,
        });
    }
    Ok(stages)
}

fn launch(words: &[Vec<String>], background: bool, text: &str, jobs: &mut Vec<Job>) {
    let stages = match plumb(words) {
        Ok(s) => s,
        Err(why) => return show::cannot(&why),
    };
    let launched = shell::launch(&stages, !background);
    // The shell's copies of the pipe ends go now: a reader sees the end of
    // file only when every writer's copy is closed.
    drop(stages);
    let pids = match launched {
        Ok(pids) if !pids.is_empty() => pids,
        Ok(_) => return show::cannot("launch started no process"),
        Err(e) => return show::failed("launch", e),
    };
    let job = Job::new(free_id(jobs), &pids, text);
    if background {
        show::started(&job);
        jobs.push(job);
        jobs.sort_by_key(|j| j.id);
    } else {
        in_foreground(job, false, jobs);
    }
}

/// Runs `job` in the foreground with your `foreground`, and reports it if it
/// was stopped or killed; a stopped job goes (back) into the table.
fn in_foreground(mut job: Job, cont: bool, jobs: &mut Vec<Job>) {
    if let Err(e) = shell::foreground(&mut job, cont) {
        show::failed("foreground", e);
    }
    let view = View::of(&job);
    if view.by_keyboard() {
        // The terminal has echoed ^C or ^Z and left the line open.
        show::newline();
    }
    match view {
        View::Done(_) => {}
        View::Killed(_) | View::Stopped(_) => show::job(&job),
        View::Running => {}
    }
    if !job.is_done() {
        jobs.push(job);
        jobs.sort_by_key(|j| j.id);
    }
}

/// Before each prompt: your sweep, then a line for each job that has ended
/// or stopped since; ended jobs leave the table.
fn notify(jobs: &mut Vec<Job>) {
    let before: Vec<View> = jobs.iter().map(View::of).collect();
    if let Err(e) = shell::reap_background(jobs) {
        show::failed("reap_background", e);
    }
    for (job, was) in jobs.iter().zip(before) {
        let now = View::of(job);
        if now != was && now != View::Running {
            show::job(job);
        }
    }
    jobs.retain(|j| !j.is_done());
}

/// At the end: every job left gets SIGHUP, and SIGCONT so that a stopped one
/// wakes up to die of it; then it is waited for. Nothing outlives the shell.
fn hang_up(jobs: &mut Vec<Job>) {
    for job in jobs.iter_mut() {
        let _ = killpg(job.pgid, Signal::SIGHUP);
        if let Err(e) = shell::continue_job(job) {
            show::failed("continue_job", e);
        }
        if let Err(e) = shell::wait_job(job) {
            show::failed("wait_job", e);
        }
        show::job(job);
    }
    jobs.clear();
}

/// What a job line says about a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Running,
    Stopped(Signal),
    /// Ended; the exit code of its last process.
    Done(i32),
    /// Ended; its last process was killed by this signal.
    Killed(Signal),
}

impl View {
    fn of(job: &Job) -> View {
        if job.is_done() {
            match job.procs.last().map(|p| p.state) {
                Some(ProcState::Killed(sig)) => View::Killed(sig),
                Some(ProcState::Exited(code)) => View::Done(code),
                _ => View::Done(0),
            }
        } else if job.is_stopped() {
            let sig = job.procs.iter().find_map(|p| match p.state {
                ProcState::Stopped(sig) => Some(sig),
                _ => None,
            });
            View::Stopped(sig.unwrap_or(Signal::SIGSTOP))
        } else {
            View::Running
        }
    }

    /// Stopped or killed by a signal the keyboard sends.
    fn by_keyboard(self) -> bool {
        let keyboard = [Signal::SIGINT, Signal::SIGQUIT, Signal::SIGTSTP];
        match self {
            View::Stopped(sig) | View::Killed(sig) => keyboard.contains(&sig),
            _ => false,
        }
    }
}

/// The terminal: the shell's stdin.
fn terminal() -> BorrowedFd<'static> {
    // SAFETY: fd 0 stays open for the whole life of the process.
    unsafe { BorrowedFd::borrow_raw(0) }
}

/// The helper programs the cases run as jobs: `shell sleepy A`, `shell
/// reader B`, `shell settle`, `shell ps`.
mod helpers {
    use super::*;

    pub fn run(helper: Helper) -> u8 {
        match helper {
            Helper::Sleepy { name } => sleepy(&name),
            Helper::Reader { name, after } => reader(&name, after.as_deref()),
            Helper::Await { file, how } => await_file(&file, &how),
            Helper::Settle => settle(),
            Helper::Ps => ps(),
        }
    }

    /// Whether this process's group is the terminal's foreground group. A
    /// helper speaks only then: a background job's lines would come at any
    /// moment between the shell's, and the screen would differ run to run.
    fn in_foreground() -> bool {
        tcgetpgrp(io::stderr()).is_ok_and(|fg| fg == getpgrp())
    }

    /// The signals of [`JOB_SIGNALS`] this process ignores, from the SigIgn
    /// mask of /proc/self/status (proc(5)).
    fn ignored() -> String {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let mask = status
            .lines()
            .find_map(|l| l.strip_prefix("SigIgn:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .unwrap_or(0);
        let names: Vec<&str> = JOB_SIGNALS
            .iter()
            .filter(|&&sig| mask & (1 << (sig as i32 - 1)) != 0)
            .map(|sig| sig.as_str())
            .collect();
        match names.is_empty() {
            true => "none".to_string(),
            false => names.join(","),
        }
    }

    /// One line on stderr in one write(2): the stages of a pipeline speak at
    /// the same time, and `eprintln!` may write a line in several pieces,
    /// which the terminal would show interleaved.
    fn say(line: &str) {
        let _ = io::stderr().write_all(format!("{line}\n").as_bytes());
    }

    fn announce(name: &str) {
        say(&format!(
            "{name} ready pid={} pgid={} ignored={}",
            getpid(),
            getpgrp(),
            ignored()
        ));
    }

    fn sleepy(name: &str) -> u8 {
        // SIGCONT blocked still continues the process (that happens when the
        // signal is sent), and stays pending for sigwait to take: one line per
        // continue, without a handler.
        let mut cont = nix::sys::signal::SigSet::empty();
        cont.add(Signal::SIGCONT);
        if cont.thread_block().is_err() {
            return 1;
        }
        if !isatty(io::stdin()).unwrap_or(false) {
            // In a pipeline: the stage before has announced itself first.
            let mut line = String::new();
            let _ = io::stdin().lock().read_line(&mut line);
        }
        if in_foreground() {
            announce(name);
        }
        if !isatty(io::stdout()).unwrap_or(false) {
            let _ = writeln!(io::stdout(), "ready");
            let _ = io::stdout().flush();
        }
        loop {
            if cont.wait().is_err() {
                return 1;
            }
            if in_foreground() {
                say(&format!(
                    "{name} continued pid={} pgid={}",
                    getpid(),
                    getpgrp()
                ));
            }
        }
    }

    fn reader(name: &str, after: Option<&str>) -> u8 {
        if let Some(file) = after
            && !await_path(file)
        {
            return 1;
        }
        if isatty(io::stdin()).unwrap_or(false) && in_foreground() {
            announce(name);
        }
        let mut count = 0;
        let mut line = String::new();
        loop {
            line.clear();
            match io::stdin().lock().read_line(&mut line) {
                Ok(0) => {
                    println!("{name} eof lines={count}");
                    return 0;
                }
                Ok(_) => {
                    let text = line.trim_end_matches('\n');
                    if let Some(code) = text.strip_prefix("exit ")
                        && let Ok(code) = code.trim().parse::<u8>()
                    {
                        return code;
                    }
                    count += 1;
                    println!("{name} got={text}");
                }
                Err(e) => {
                    println!("{name} read error={e}");
                    return 1;
                }
            }
        }
    }

    /// A bounded poll, 1 ms apart, for a file the case writes when it wants
    /// a background job to go on (to end, or to read the terminal): the
    /// moment is the case's, not the scheduler's, so the shell's report comes
    /// before a known prompt.
    fn await_path(file: &str) -> bool {
        let since = Instant::now();
        while !std::path::Path::new(file).exists() {
            if since.elapsed() >= SETTLE_LIMIT {
                say(&format!("gave up waiting for the file {file}"));
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    fn await_file(file: &str, how: &str) -> u8 {
        if !await_path(file) {
            return 1;
        }
        if let Ok(code) = how.parse::<u8>() {
            return code;
        }
        let name = how.to_ascii_uppercase();
        let name = match name.starts_with("SIG") {
            true => name,
            false => format!("SIG{name}"),
        };
        let Ok(sig) = name.parse::<Signal>() else {
            say(&format!("await: {how} is neither a code nor a signal"));
            return 1;
        };
        // The default action, whatever this process inherited (Rust's runtime
        // ignores SIGPIPE, for one), and not blocked.
        // SAFETY: the default action, no handler.
        unsafe { libc::signal(sig as libc::c_int, libc::SIG_DFL) };
        let mut set = nix::sys::signal::SigSet::empty();
        set.add(sig);
        let _ = set.thread_unblock();
        let _ = nix::sys::signal::raise(sig);
        // A signal whose default action is not to end the process.
        1
    }

    /// A process of /proc as `settle` and `ps` see it.
    struct Sibling {
        pid: i32,
        pgid: i32,
        state: char,
    }

    /// The other children of our parent (the shell) outside our own group,
    /// by pid (that is, in the order they were forked).
    fn siblings() -> Vec<Sibling> {
        let (me, parent, group) = (getpid().as_raw(), getppid().as_raw(), getpgrp().as_raw());
        let mut found = Vec::new();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return found;
        };
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The fields after the name, which ends at the last `)`: state,
            // ppid, pgrp.
            let Some(close) = stat.rfind(')') else {
                continue;
            };
            let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            let (Some(state), Some(ppid), Some(pgid)) = (
                fields.first().and_then(|s| s.chars().next()),
                fields.get(1).and_then(|s| s.parse::<i32>().ok()),
                fields.get(2).and_then(|s| s.parse::<i32>().ok()),
            ) else {
                continue;
            };
            if ppid == parent && pid != me && pgid != group {
                found.push(Sibling { pid, pgid, state });
            }
        }
        found.sort_by_key(|s| s.pid);
        found
    }

    /// A bounded poll, 1 ms apart: the other jobs change state on their own
    /// (a background job exits, or stops on SIGTTIN), and nothing tells a
    /// sibling when. Once they have, the shell's next sweep sees it for sure.
    fn settle() -> u8 {
        let since = Instant::now();
        while since.elapsed() < SETTLE_LIMIT {
            if siblings().iter().all(|s| matches!(s.state, 'Z' | 'T')) {
                return 0;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        say("settle gave up: a job still runs");
        1
    }

    fn ps() -> u8 {
        let all = siblings();
        for s in &all {
            let state = match s.state {
                'Z' => "zombie",
                'T' | 't' => "stopped",
                _ => "running",
            };
            let cmdline = std::fs::read(format!("/proc/{}/cmdline", s.pid)).unwrap_or_default();
            let args: Vec<String> = cmdline
                .split(|&b| b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            println!(
                "ps pid={} pgid={} state={state}  {}",
                s.pid,
                s.pgid,
                args.join(" ")
            )
        }
        println!("ps processes={}", all.len());
        0
    }
}

/// Every line the shell prints.
mod show {
    use super::*;

    pub fn banner() {
        let tpgid = tcgetpgrp(terminal()).map_or(0, Pid::as_raw);
        let sid = nix::unistd::getsid(None).map_or(0, Pid::as_raw);
        println!(
            "shell pid={} pgid={} tpgid={tpgid} sid={sid}",
            getpid(),
            getpgrp()
        );
    }

    pub fn prompt() {
        println!("{PROMPT}");
    }

    pub fn newline() {
        println!();
    }

    /// `[N] STATE  LINE`: `running`, `stopped signal=SIG`, `done code=N` or
    /// `killed signal=SIG`.
    pub fn job(job: &Job) {
        let state = match View::of(job) {
            View::Running => "running".to_string(),
            View::Stopped(sig) => format!("stopped signal={}", sig.as_str()),
            View::Done(code) => format!("done code={code}"),
            View::Killed(sig) => format!("killed signal={}", sig.as_str()),
        };
        println!("[{}] {state}  {}", job.id, job.line);
    }

    /// `[N] pgid=G`: a job started in the background.
    pub fn started(job: &Job) {
        println!("[{}] pgid={}", job.id, job.pgid);
    }

    /// The command line of a job `fg` brings back.
    pub fn line(text: &str) {
        println!("{text}");
    }

    pub fn no_job(builtin: &str, spec: Option<usize>) {
        match spec {
            Some(n) => println!("shell: {builtin}: no job %{n}"),
            None => println!("shell: {builtin}: no job"),
        }
    }

    pub fn syntax(why: &str) {
        println!("shell: syntax: {why}");
    }

    pub fn cannot(why: &str) {
        println!("shell: cannot run: {why}");
    }

    /// One of your functions returned an error.
    pub fn failed(what: &str, e: Errno) {
        println!("shell: {what} error={e:?}");
    }

    pub fn logout_code(code: i32) {
        println!("logout code={code}");
    }

    pub fn logout_signal(sig: Signal) {
        println!("logout signal={}", sig.as_str());
    }

    pub fn shell_stopped(sig: Signal) {
        println!("login: the shell stopped signal={}", sig.as_str());
    }
}

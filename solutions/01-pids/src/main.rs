//! Driver for lab 01 pids: the command line and every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/pids.rs`. docs/src/01-pids.md describes
//! each subcommand and its output; the grader compares that output, after
//! replacing the pids by stable names, with the reference's.

mod pids;

use std::ffi::CString;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use nix::sys::wait::WaitStatus;
use nix::unistd::{Pid, getpid};
use proclab_labkit::{Gate, pid_from_bytes, wait_gone};

type Error = Box<dyn std::error::Error>;

/// How long the top process waits for an orphan it cannot reap to disappear.
const ORPHAN_GONE_LIMIT: Duration = Duration::from_secs(5);

#[derive(Parser)]
#[command(
    name = "pids",
    bin_name = "pids",
    about = "Lab 01: process ids, /proc/<pid>/stat and the process tree"
)]
struct Cli {
    /// First rename this process (prctl PR_SET_NAME): at most 15 bytes, no
    /// control characters; spaces and parentheses are the point
    #[arg(long, global = true, value_name = "NAME", value_parser = comm_name)]
    comm: Option<CString>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print pid, ppid, pgid and sid from system calls, then pid_max
    Ids,
    /// Print this process's own /proc/<pid>/stat, parsed
    Stat,
    /// Print every hop from this process up to PID 1, read from /proc
    Ancestry,
    /// Fork N children that report themselves, reap them all, then wait at `ready`
    Children {
        /// How many children, 1 to 64
        #[arg(value_parser = clap::value_parser!(u32).range(1..=64))]
        n: u32,
    },
    /// Orphan a grandchild, report who adopted it, then wait at `ready`
    Orphan {
        /// Become a child subreaper first (prctl PR_SET_CHILD_SUBREAPER), so
        /// that the orphan is adopted by this process
        #[arg(long)]
        subreaper: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pids: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    if let Some(name) = &cli.comm {
        nix::sys::prctl::set_name(name).map_err(|e| format!("prctl(PR_SET_NAME): {e}"))?;
    }
    match cli.command {
        Command::Ids => ids(),
        Command::Stat => stat(),
        Command::Ancestry => ancestry(),
        Command::Children { n } => children(n),
        Command::Orphan { subreaper } => orphan(subreaper),
    }
}

/// `ids`: `pid=.. ppid=.. pgid=.. sid=..`, then `pid_max=..`.
fn ids() -> Result<(), Error> {
    let ids = pids::ids()?;
    let pid_max = pids::pid_max()?;
    println!(
        "pid={} ppid={} pgid={} sid={}",
        ids.pid, ids.ppid, ids.pgid, ids.sid
    );
    println!("pid_max={pid_max}");
    Ok(())
}

/// `stat`: the parsed fields of our own stat line, then the name on a line of
/// its own, since it may contain spaces.
fn stat() -> Result<(), Error> {
    let me = pids::read_stat(getpid())?;
    println!(
        "pid={} state={} ppid={} pgid={} sid={}",
        me.pid, me.state, me.ppid, me.pgrp, me.session
    );
    println!("comm={}", me.comm);
    Ok(())
}

/// `ancestry`: `pid=.. ppid=..` for each hop, ourselves first.
fn ancestry() -> Result<(), Error> {
    for hop in pids::ancestry(getpid())? {
        println!("pid={} ppid={}", hop.pid, hop.ppid);
    }
    Ok(())
}

/// `children N`: fork N children; print their pids in fork order; only then
/// let them print `child=.. ppid=..` (in any order) and exit; reap them all;
/// print `reaped=N failed=M`; wait at `ready`.
fn children(n: u32) -> Result<(), Error> {
    // Every child waits at this gate until the list is out, so the list is
    // the first line that names the children, whatever order they run in.
    let mut start = Gate::new()?;
    let mut kids = Vec::new();
    let mut failed = None;
    for _ in 0..n {
        let forked = fork(|| {
            in_child(|| {
                start.wait()?;
                let me = pids::ids()?;
                println!("child={} ppid={}", me.pid, me.ppid);
                Ok(())
            })
        });
        match forked {
            Ok(kid) => kids.push(kid),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if failed.is_none() {
        println!("children={}", join(&kids));
    }
    start.open();
    let statuses = pids::reap(&kids)?;
    if let Some(e) = failed {
        return Err(format!("fork failed after {} children: {e}", kids.len()).into());
    }
    println!("{}", reaped(&statuses));
    ready()?;
    Ok(())
}

/// `orphan [--subreaper]`: we fork a middle child, it forks the future orphan
/// and exits; the orphan waits for its new parent and reports it; we reap what
/// is ours, print `reaped=N failed=M` and wait at `ready`.
fn orphan(subreaper: bool) -> Result<(), Error> {
    if subreaper {
        nix::sys::prctl::set_child_subreaper(true)
            .map_err(|e| format!("prctl(PR_SET_CHILD_SUBREAPER): {e}"))?;
    }
    // The middle child writes the orphan's pid into this pipe. The middle
    // child and the orphan both hold its write end, so it reaches end of file
    // only when both have exited.
    let mut news = Gate::new()?;
    let middle = fork(|| in_child(|| be_middle(&news)))?;
    let got = news.wait()?;
    let mut statuses = pids::reap(&[middle])?;
    let orphan = pid_from_bytes(&got).ok_or("the middle child did not report its child")?;
    if subreaper {
        // The orphan became our child, so it is ours to wait for.
        statuses.extend(pids::reap(&[orphan])?);
    } else {
        // Its adopter reaps it; we only wait until that has happened, so that
        // nothing we started outlives us.
        wait_gone(orphan, ORPHAN_GONE_LIMIT);
    }
    println!("{}", reaped(&statuses));
    ready()?;
    Ok(())
}

/// The middle process: reports itself, forks the future orphan, tells the
/// top process the orphan's pid, and exits, which orphans it.
fn be_middle(news: &Gate) -> Result<(), Error> {
    let me = pids::ids()?;
    println!("role=middle pid={} ppid={}", me.pid, me.ppid);
    let mut gone = Gate::new()?;
    let orphan = fork(|| in_child(|| be_orphan(me.pid, &mut gone)))?;
    news.send(&orphan.as_raw().to_ne_bytes())?;
    Ok(())
}

/// The orphan: waits until its parent `old` is gone, then for the adoption.
fn be_orphan(old: Pid, gone: &mut Gate) -> Result<(), Error> {
    // End of file: the middle process has closed its files, so it is exiting.
    gone.wait()?;
    let new = pids::await_new_parent(old).ok_or_else(|| format!("still a child of {old}"))?;
    println!("role=orphan pid={} oldppid={old} newppid={new}", getpid());
    Ok(())
}

/// `pids::fork_child`, with a guard: a child that returns from it (instead of
/// ending with _exit) is stopped here, before it runs any of its parent's
/// code, such as forking the parent's remaining children.
fn fork(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    let parent = getpid();
    let child = pids::fork_child(body)?;
    if getpid() != parent {
        eprintln!(
            "pids: child {} returned from fork_child; a child must end with _exit",
            getpid()
        );
        // SAFETY: ends this stray child at once, running none of the parent's code.
        unsafe { libc::_exit(70) }
    }
    Ok(child)
}

/// `reaped=N failed=M`: how many children were waited for, and how many of
/// those did not exit with status 0.
fn reaped(statuses: &[WaitStatus]) -> String {
    let ended: Vec<&WaitStatus> = statuses
        .iter()
        .filter(|s| matches!(s, WaitStatus::Exited(..) | WaitStatus::Signaled(..)))
        .collect();
    let failed = ended
        .iter()
        .filter(|s| !matches!(s, WaitStatus::Exited(_, 0)))
        .count();
    format!("reaped={} failed={failed}", ended.len())
}

/// Run a child's work; its outcome becomes the exit status that
/// `pids::fork_child` passes to _exit.
fn in_child(work: impl FnOnce() -> Result<(), Error>) -> i32 {
    match work() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("pids: child {}: {e}", getpid());
            1
        }
    }
}

/// Print `ready`, then block until a line (or end of file) arrives on stdin:
/// the grader inspects the process tree in between.
fn ready() -> io::Result<()> {
    println!("ready");
    io::stdout().flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(())
}

fn join(pids: &[Pid]) -> String {
    let text: Vec<String> = pids.iter().map(Pid::to_string).collect();
    text.join(",")
}

/// `--comm`: a name prctl(PR_SET_NAME) keeps whole.
fn comm_name(name: &str) -> Result<CString, String> {
    if name.len() > 15 {
        return Err(format!(
            "{} bytes: the kernel keeps at most 15 of a name",
            name.len()
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("control characters would break the output's lines".into());
    }
    CString::new(name).map_err(|e| e.to_string())
}

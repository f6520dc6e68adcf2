//! Driver for lab 03 fork: reads the command line and owns the output format.
//!
//! This file is not yours to edit; your work is in `fork.rs`. Every line the
//! program prints is formatted here, in the `show` module, so that the grader
//! can compare it. Your code calls `crate::show::...` where a line is due.

mod fork;

use std::ffi::CString;
use std::io::{self, Read};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::{Parser, Subcommand, ValueEnum};

/// Lab 03: one process becomes two.
#[derive(Parser)]
#[command(
    name = "fork",
    bin_name = "fork",
    about = "proclab lab 03: fork, copy-on-write, fork trees, fork + exec"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fork once: both processes report what fork returned to them.
    Returns {
        /// The exit code the child leaves with.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i32).range(0..=255))]
        code: i32,
    },
    /// Copy-on-write: the child changes a global, a local and a heap string.
    Cow {
        /// The starting value of the global.
        #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
        global: i64,
        /// The starting value of the local.
        #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
        local: i64,
        /// The starting text of the heap string.
        #[arg(long, default_value = "heap")]
        text: String,
    },
    /// One file opened before fork: parent and child share its offset.
    Offset {
        /// The file to create (truncated if it exists).
        file: String,
        /// How many lines each process writes.
        #[arg(long, default_value_t = 3)]
        lines: u32,
    },
    /// Fork DEPTH times in a loop: 2^DEPTH processes, counted through a pipe.
    Tree {
        /// How many times every process forks.
        #[arg(value_parser = clap::value_parser!(u32).range(0..=6))]
        depth: u32,
    },
    /// Fork, exec a command in the child, wait for it and report how it ended.
    Run {
        /// The command and its arguments (looked up in PATH).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// print! without a newline, then fork: how many copies reach stdout?
    Buffered {
        /// The text left in stdout's buffer before fork.
        text: String,
        /// How the child leaves.
        #[arg(long, value_enum, default_value_t = LeaveArg::Exit)]
        leave: LeaveArg,
        /// Flush stdout before fork.
        #[arg(long)]
        flush: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LeaveArg {
    /// std::process::exit: flushes stdout's buffer first.
    #[value(name = "exit")]
    Exit,
    /// libc::_exit: ends the process at once, no flush.
    #[value(name = "_exit")]
    RawExit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fork: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> io::Result<()> {
    match command {
        Command::Returns { code } => fork::two_returns(code),
        Command::Cow {
            global,
            local,
            text,
        } => {
            fork::GLOBAL.store(global, Ordering::SeqCst);
            let mut local = local;
            let mut heap = text;
            fork::diverge(&mut local, &mut heap)?;
            show::values("parent", local, &heap);
            Ok(())
        }
        Command::Offset { file, lines } => fork::shared_offset(&file, lines),
        Command::Tree { depth } => {
            // Make the root a subreaper (prctl(2)): a process of the tree that
            // leaves without waiting for its children hands them to the root,
            // not to init, so they stay visible below the root as zombies.
            nix::sys::prctl::set_child_subreaper(true)?;
            fork::tree(depth)?;
            // Only the root gets here. Stay alive until stdin ends, so the
            // grader can look at the process tree after the reaping.
            io::stdin().lock().read_to_end(&mut Vec::new())?;
            Ok(())
        }
        Command::Run { command } => {
            // Build argv before fork: the child should do as little as it can.
            let argv = command
                .into_iter()
                .map(|arg| CString::new(arg).map_err(io::Error::other))
                .collect::<io::Result<Vec<_>>>()?;
            fork::run(&argv)
        }
        Command::Buffered { text, leave, flush } => {
            let how = match leave {
                LeaveArg::Exit => fork::Leave::Exit,
                LeaveArg::RawExit => fork::Leave::RawExit,
            };
            fork::buffered(&text, how, flush)
        }
    }
}

/// Every line the lab prints. Each function prints one record (or, for
/// `pending`, the start of one) on stdout.
#[allow(dead_code, reason = "some are called only from the student's code")]
pub mod show {
    use std::io::{self, BufRead, Write};

    use nix::errno::Errno;
    use nix::sys::wait::WaitStatus;
    use nix::unistd::{Pid, getpid, getppid};
    use std::sync::atomic::Ordering;

    use crate::fork::GLOBAL;

    /// `child pid=P ppid=Q fork_pid=0`: printed by the child, to whom fork returned 0.
    pub fn child() {
        println!("child pid={} ppid={} fork_pid=0", getpid(), getppid());
    }

    /// `parent pid=P fork_pid=C`: printed by the parent, to whom fork returned the child's pid.
    pub fn parent(child: Pid) {
        println!("parent pid={} fork_pid={child}", getpid());
    }

    /// `waited pid=C status=exited code=N` or `waited pid=C status=signaled signal=SIGNAME`.
    pub fn waited(child: Pid, status: WaitStatus) {
        let how = match status {
            WaitStatus::Exited(_, code) => format!("status=exited code={code}"),
            WaitStatus::Signaled(_, signal, _) => {
                format!("status=signaled signal={}", signal.as_str())
            }
            other => format!("status=other raw={other:?}"),
        };
        println!("waited pid={child} {how}");
    }

    /// `WHO pid=P global=G local=L heap=H`: one process's view of the three values.
    pub fn values(who: &str, local: i64, heap: &str) {
        let global = GLOBAL.load(Ordering::SeqCst);
        println!(
            "{who} pid={} global={global} local={local} heap={heap}",
            getpid()
        );
    }

    /// `WHO pid=P lines=N offset=O`: how many lines this process has written so
    /// far and where the file offset stands now.
    pub fn offset(who: &str, lines: u32, offset: i64) {
        println!("{who} pid={} lines={lines} offset={offset}", getpid());
    }

    /// `exec_failed errno=ENAME`: printed by a child whose exec failed.
    pub fn exec_failed(errno: Errno) {
        println!("exec_failed errno={errno:?}");
    }

    /// `text=TEXT ` with no newline: it stays in stdout's buffer.
    pub fn pending(text: &str) {
        print!("text={text} ");
    }

    /// `ready processes=N`, then wait for one line on stdin (or its end).
    pub fn tree_ready(processes: usize) {
        println!("ready processes={processes}");
        let _ = io::stdout().flush();
        let _ = io::stdin().lock().read_line(&mut String::new());
    }

    /// `ready reaped=N clean=M`: N children reaped, M of them exited with code 0.
    pub fn tree_reaped(statuses: &[WaitStatus]) {
        let clean = statuses
            .iter()
            .filter(|status| matches!(status, WaitStatus::Exited(_, 0)))
            .count();
        println!("ready reaped={} clean={clean}", statuses.len());
        let _ = io::stdout().flush();
    }
}

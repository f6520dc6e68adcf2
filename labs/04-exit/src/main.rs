//! Driver for lab 04 exit: reads the command line and owns the output format.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `exit.rs`. Every line the program prints is
//! formatted here, in the `show` module; your code calls `crate::show::...`
//! where a line is due. docs/src/04-exit.md describes each subcommand and the
//! exact output the grader expects.

mod exit;

use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::Signal;

/// Lab 04: the ways a process ends, and what each one runs on the way out.
#[derive(Parser)]
#[command(
    name = "exit",
    bin_name = "exit",
    about = "proclab lab 04: exit status, exit vs _exit, atexit handlers, abort, panics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the status a parent will see for CODE, then end with CODE.
    Code {
        /// The code passed to exit (any int: only its low 8 bits survive).
        #[arg(allow_negative_numbers = true)]
        code: i32,
        /// How the process ends.
        #[arg(long, value_enum, default_value_t = CodeVia::Exit)]
        via: CodeVia,
    },
    /// Register exit handlers, then end one of five ways: which of them run?
    Handlers {
        /// The handlers, in the order they must run (comma separated: a,b,a).
        #[arg(long, value_enum, value_delimiter = ',')]
        run: Vec<NameArg>,
        /// How the process ends.
        #[arg(long, value_enum, default_value_t = WayArg::Exit)]
        via: WayArg,
        /// The exit code, for `exit`, `_exit` and `return`.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        code: i32,
        /// Text left in stdout's buffer (no newline) just before the end.
        #[arg(long)]
        pending: Option<String>,
    },
    /// Register exit handlers, leave TEXT in stdout's buffer, fork: the child
    /// leaves with std::process::exit or with _exit.
    Forked {
        /// The text left in stdout's buffer before fork.
        text: String,
        /// How the child leaves.
        #[arg(long, value_enum, default_value_t = LeaveArg::Exit)]
        leave: LeaveArg,
        /// The handlers the parent registers first, in the order they must run.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "a")]
        run: Vec<NameArg>,
    },
    /// Write RECORDS lines to FILE through a BufWriter, then std::process::exit(CODE).
    Save {
        /// The file to create (truncated if it exists).
        file: String,
        /// How many lines to write.
        #[arg(long, default_value_t = 3)]
        records: u32,
        /// The exit code.
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        code: i32,
    },
    /// Fork a child that ends as told; report its wait status and the shell's $?.
    Status {
        /// The child exits with this code (the default: --code 0).
        #[arg(long, allow_negative_numbers = true, conflicts_with_all = ["abort", "signal"])]
        code: Option<i32>,
        /// The child calls abort(3).
        #[arg(long, conflicts_with = "signal")]
        abort: bool,
        /// The child sends itself this signal (TERM, SIGTERM, KILL...): one
        /// whose default action ends the process.
        #[arg(long, value_parser = deadly_signal)]
        signal: Option<Signal>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CodeVia {
    /// std::process::exit(CODE).
    #[value(name = "exit")]
    Exit,
    /// Return an ExitCode from main.
    #[value(name = "return")]
    Return,
    /// libc::_exit(CODE).
    #[value(name = "_exit")]
    RawExit,
}

#[derive(Clone, Copy, ValueEnum)]
enum WayArg {
    /// Return an ExitCode from main.
    #[value(name = "return")]
    Return,
    /// std::process::exit(CODE).
    #[value(name = "exit")]
    Exit,
    /// libc::_exit(CODE).
    #[value(name = "_exit")]
    RawExit,
    /// std::process::abort().
    #[value(name = "abort")]
    Abort,
    /// panic!().
    #[value(name = "panic")]
    Panic,
}

#[derive(Clone, Copy, ValueEnum)]
enum LeaveArg {
    /// std::process::exit(0).
    #[value(name = "exit")]
    Exit,
    /// libc::_exit(0).
    #[value(name = "_exit")]
    RawExit,
}

#[derive(Clone, Copy, ValueEnum)]
enum NameArg {
    A,
    B,
    C,
    D,
}

impl From<NameArg> for exit::Name {
    fn from(name: NameArg) -> exit::Name {
        match name {
            NameArg::A => exit::Name::A,
            NameArg::B => exit::Name::B,
            NameArg::C => exit::Name::C,
            NameArg::D => exit::Name::D,
        }
    }
}

/// A signal name for `status --signal`; refuses the signals whose default
/// action does not end the process, since the child would not end.
fn deadly_signal(text: &str) -> Result<Signal, String> {
    let upper = text.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    let signal: Signal = full
        .parse()
        .map_err(|_| format!("{text:?} is not a signal name"))?;
    match signal {
        Signal::SIGSTOP
        | Signal::SIGTSTP
        | Signal::SIGTTIN
        | Signal::SIGTTOU
        | Signal::SIGCONT
        | Signal::SIGCHLD
        | Signal::SIGURG
        | Signal::SIGWINCH => Err(format!(
            "{} does not end a process by default",
            signal.as_str()
        )),
        signal => Ok(signal),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // No core files: `abort` and the deadly signals would otherwise leave a
    // `core` file in the current directory wherever core dumps are enabled.
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_CORE) {
        let _ = setrlimit(Resource::RLIMIT_CORE, 0, hard);
    }
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("exit: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> io::Result<ExitCode> {
    match command {
        Command::Code { code, via } => {
            show::exiting(code, exit::status_of(code));
            let way = match via {
                CodeVia::Exit => exit::Way::Exit,
                CodeVia::Return => exit::Way::Return,
                CodeVia::RawExit => exit::Way::RawExit,
            };
            Ok(exit::end(way, code))
        }
        Command::Handlers {
            run,
            via,
            code,
            pending,
        } => {
            // Dropped when this function returns or unwinds; a process that
            // ends on the spot never drops it.
            let _guard = show::Guard;
            let names: Vec<exit::Name> = run.into_iter().map(Into::into).collect();
            exit::register(&names)?;
            if let Some(text) = pending {
                show::pending(&text);
            }
            let way = match via {
                WayArg::Return => exit::Way::Return,
                WayArg::Exit => exit::Way::Exit,
                WayArg::RawExit => exit::Way::RawExit,
                WayArg::Abort => exit::Way::Abort,
                WayArg::Panic => exit::Way::Panic,
            };
            Ok(exit::end(way, code))
        }
        Command::Forked { text, leave, run } => {
            let names: Vec<exit::Name> = run.into_iter().map(Into::into).collect();
            exit::register(&names)?;
            let how = match leave {
                LeaveArg::Exit => exit::Leave::Exit,
                LeaveArg::RawExit => exit::Leave::RawExit,
            };
            exit::forked(&text, how)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Save {
            file,
            records,
            code,
        } => {
            exit::save(&file, records, code)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            code,
            abort,
            signal,
        } => {
            let ending = match (abort, signal) {
                (true, _) => exit::Ending::Abort,
                (false, Some(signal)) => exit::Ending::Signal(signal),
                (false, None) => exit::Ending::Code(code.unwrap_or(0)),
            };
            let (child, status) = exit::fork_and_wait(|| exit::finish(ending))?;
            show::status(child, status, exit::shell_status(status));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Every line the lab prints. Each function prints one record (or, for
/// `pending`, the start of one) on stdout.
#[allow(dead_code, reason = "some are called only from the student's code")]
pub mod show {
    use std::io::Write;
    use std::os::fd::BorrowedFd;

    use nix::errno::Errno;
    use nix::sys::wait::WaitStatus;
    use nix::unistd::Pid;

    use crate::exit::Name;

    /// `exiting code=N status=S`: the code given to exit, and the status a
    /// parent will see for it.
    pub fn exiting(code: i32, status: i32) {
        println!("exiting code={code} status={status}");
    }

    /// `registered name=X`: handler X was just registered with atexit.
    pub fn registered(name: Name) {
        println!("registered name={}", name.as_str());
    }

    /// `handler name=X pid=P`, written by exit handler X while the process
    /// ends. It goes straight to fd 1 with write(2), from a buffer on the
    /// stack: no allocation, no lock, nothing of Rust's stdout, which may be
    /// half torn down by then.
    pub fn handler(name: Name) {
        let mut buf = [0u8; 64];
        let mut rest: &mut [u8] = &mut buf;
        let _ = writeln!(
            rest,
            "handler name={} pid={}",
            name.as_str(),
            std::process::id()
        );
        let len = 64 - rest.len();
        write_raw(&buf[..len]);
    }

    /// `text=TEXT ` with no newline: it stays in stdout's buffer.
    pub fn pending(text: &str) {
        print!("text={text} ");
    }

    /// `saved records=N bytes=B`: N lines written, and the file's size on
    /// disk now.
    pub fn saved(records: u32, bytes: u64) {
        println!("saved records={records} bytes={bytes}");
    }

    /// `waited pid=C status=exited code=N` or `waited pid=C status=signaled signal=SIGNAME`.
    pub fn waited(child: Pid, status: WaitStatus) {
        println!("waited pid={child} {}", how(status));
    }

    /// The `waited` line with the shell's `$?` for it: `... shell=N`.
    pub fn status(child: Pid, status: WaitStatus, shell: i32) {
        println!("waited pid={child} {} shell={shell}", how(status));
    }

    fn how(status: WaitStatus) -> String {
        match status {
            WaitStatus::Exited(_, code) => format!("status=exited code={code}"),
            WaitStatus::Signaled(_, signal, _) => {
                format!("status=signaled signal={}", signal.as_str())
            }
            other => format!("status=other raw={other:?}"),
        }
    }

    /// A value whose destructor prints `dropped name=guard`: proof that
    /// destructors ran.
    pub struct Guard;

    impl Drop for Guard {
        fn drop(&mut self) {
            println!("dropped name=guard");
        }
    }

    fn write_raw(mut bytes: &[u8]) {
        // SAFETY: fd 1 stays open for the life of the process.
        let stdout = unsafe { BorrowedFd::borrow_raw(libc::STDOUT_FILENO) };
        while !bytes.is_empty() {
            match nix::unistd::write(stdout, bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(Errno::EINTR) => continue,
                Err(_) => return,
            }
        }
    }
}

//! `proclab`: the student's commands beside `cargo grade`: `hint`, `watch`,
//! `progress` and `reset` (the justfile's recipes of the same names call them).
//!
//! Exit status: 0 when the command did its job, 2 on bad input or when it could not
//! run, with a one-line error naming the problem.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use proclab_harness::{grade, hints, init, labs, progress, reset, state, watch};

/// The student's proclab commands: hints, a watch that checks on every save, your
/// progress over the labs, and a reset to the pristine stub.
#[derive(Parser, Debug)]
#[command(name = "proclab", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The repository (default: the one this program belongs to).
    #[arg(long, value_name = "DIR", global = true, hide = true)]
    root: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show a hint for a lab: the next level each time you ask, or the level given.
    Hint {
        /// The lab: its name (fork), number (03) or folder (03-fork).
        lab: String,
        /// The level to show (1 is the least specific).
        #[arg(value_parser = clap::value_parser!(u32).range(1..))]
        level: Option<u32>,
    },
    /// Check a lab's public cases now and again each time a file of the lab is saved.
    Watch {
        /// The lab: its name (fork), number (03) or folder (03-fork).
        lab: String,
        /// Look at the files every so often instead of waiting for file events (for
        /// WSL's /mnt, network mounts, or wherever saves go unnoticed).
        #[arg(long)]
        poll: bool,
        /// How often --poll looks, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 500,
              value_parser = clap::value_parser!(u64).range(10..=60_000))]
        interval_ms: u64,
        /// How long saves must stop before a check starts, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 300,
              value_parser = clap::value_parser!(u64).range(0..=10_000))]
        debounce_ms: u64,
        /// Keep the earlier runs on the screen.
        #[arg(long)]
        no_clear: bool,
    },
    /// Which labs pass, which you started, which you have not touched, and what next.
    Progress {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Put the pristine stub back in a lab's student file, after saving yours in
    /// .proclab/backups/.
    Reset {
        /// The lab: its name (fork), number (03) or folder (03-fork).
        lab: String,
    },
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("proclab: {e}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == init::INIT_FLAG) {
        init::main(args[2..].to_vec());
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's first paragraph names the problem (over two lines for missing
            // arguments); the usage is one --help away.
            let text = e.render().to_string();
            let first: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = first.join(" ");
            let first = first.strip_prefix("error: ").unwrap_or(&first);
            return fail(format!("{first} (see proclab --help)"));
        }
    };
    let Ok(me) = std::env::current_exe() else {
        return fail("cannot find this program's own binary");
    };
    let root = cli.root.unwrap_or_else(proclab_harness::repo_root);
    if !root.join("harness/labs.toml").is_file() {
        return fail(format!(
            "{} is not a proclab checkout (no harness/labs.toml)",
            root.display()
        ));
    }
    let opts = grade::Options::new(root, me);
    proclab_harness::become_subreaper();
    let result = match cli.command {
        Command::Hint { lab, level } => hint(&opts, &lab, level),
        Command::Watch {
            lab,
            poll,
            interval_ms,
            debounce_ms,
            no_clear,
        } => find_lab(&opts, &lab).and_then(|lab| {
            let w = watch::WatchOptions {
                poll,
                interval: Duration::from_millis(interval_ms),
                debounce: Duration::from_millis(debounce_ms),
                clear: !no_clear,
            };
            watch::watch(&opts, &lab, &w)
        }),
        Command::Progress { format } => progress::progress(&opts).map(|p| match format {
            Format::Table => print!("{}", progress::table(&p)),
            Format::Json => println!("{}", progress::json(&p)),
        }),
        Command::Reset { lab } => find_lab(&opts, &lab).and_then(|lab| {
            let done = reset::reset(&opts.root, &lab)?;
            let file = done.file.display();
            if done.unchanged {
                println!("{file} already is the pristine stub (from {}); nothing to do", done.from);
            } else {
                match &done.backup {
                    Some(b) => println!(
                        "saved your {file} as {}\n{file} is the pristine stub again (from {})\nto undo: cp {} {file}",
                        b.display(),
                        done.from,
                        b.display()
                    ),
                    None => println!(
                        "there was no {file} to save; it is the pristine stub again (from {})",
                        done.from
                    ),
                }
            }
            Ok(())
        }),
    };
    proclab_harness::sweep_children();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn find_lab(opts: &grade::Options, wanted: &str) -> Result<labs::Lab, String> {
    let all = labs::load(&opts.root)?;
    labs::resolve(&all, wanted).cloned()
}

fn hint(opts: &grade::Options, wanted: &str, asked: Option<u32>) -> Result<(), String> {
    let lab = find_lab(opts, wanted)?;
    let (levels, from_cases) = match hints::load(&opts.root, &lab)? {
        Some(levels) => (levels, false),
        None => {
            // No hints file: the first failing public case says what to look at.
            let mut check = opts.clone();
            check.labs = vec![lab.name.clone()];
            check.public_only = true;
            let report = grade::grade(&check)?;
            let failing = report
                .labs
                .iter()
                .flat_map(|l| &l.cases)
                .find(|c| c.failure.is_some());
            match failing {
                Some(case) => (hints::derived(&lab, case), true),
                None => {
                    println!(
                        "every public case of {} passes: no hint needed (`just grade` shows the whole table)",
                        lab.folder()
                    );
                    return Ok(());
                }
            }
        }
    };
    let mut st = state::load(&opts.root);
    let level = hints::choose(
        &lab,
        levels.len(),
        st.hints_seen.get(&lab.name).copied(),
        asked,
    )?;
    print!("{}", hints::render(&lab, level, &levels, from_cases));
    st.hints_seen.insert(lab.name.clone(), level);
    if let Err(e) = state::save(&opts.root, &st) {
        eprintln!(
            "proclab: could not remember the hint level ({e}); `just hint {} {}` shows the next one",
            lab.name,
            level + 1
        );
    }
    Ok(())
}

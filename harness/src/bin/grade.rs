//! `cargo grade`: grade the labs and print a table (or JSON).
//!
//! Exit status: 0 when every graded case passed, 1 when some failed, 2 when grading
//! could not run (an unknown lab, a broken case file...), with a one-line error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use proclab_harness::{grade, init, report};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table for people.
    Table,
    /// The result model as one JSON object.
    Json,
    /// Gradescope's results.json.
    Gradescope,
    /// JUnit XML, for CI systems.
    Junit,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum HiddenVisibility {
    AfterDueDate,
    AfterPublished,
    Hidden,
}

/// Grade the proclab labs: build each, run its cases contained, compare with the
/// reference's snapshots, and report the points.
#[derive(Parser, Debug)]
#[command(name = "cargo grade", version)]
struct Cli {
    /// Grade the reference solutions (solutions/) instead of your labs (labs/).
    #[arg(long)]
    reference: bool,
    /// Only this lab: its name (fork), number (03) or folder (03-fork). Repeatable.
    #[arg(long = "lab", value_name = "NAME")]
    labs: Vec<String>,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Only the public cases.
    #[arg(long)]
    public_only: bool,
    /// Only the case with this name (as in the table). Repeatable.
    #[arg(long = "case", value_name = "CASE")]
    cases: Vec<String>,
    /// Details of every failure, hidden cases included (for instructors). Without
    /// it, one lab shows its public failures in detail and several labs a summary.
    #[arg(long, short)]
    verbose: bool,
    /// How many cases run at once (default: one per core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Grade another checkout (a student's repository) with this harness: only each
    /// lab's student file is taken from it, every other change is ignored and listed.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["reference", "class"])]
    submission: Option<PathBuf>,
    /// Grade every submission folder below DIR (a class, as GitHub Classroom clones
    /// it); writes grades.csv and a report per student into --out.
    #[arg(long, value_name = "DIR", conflicts_with = "reference")]
    class: Option<PathBuf>,
    /// Where --class writes its CSV and reports.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "class-results",
        requires = "class"
    )]
    out: PathBuf,
    /// With --format gradescope: when students see the hidden cases' results.
    #[arg(long, value_enum, default_value_t = HiddenVisibility::AfterDueDate)]
    hidden_visibility: HiddenVisibility,
    /// As root: run every program as an ordinary user (uid 65534), to see what a
    /// student sees. Cases that need root are then graded on their unprivileged
    /// behaviour.
    #[arg(long)]
    unprivileged: bool,
    /// The repository to grade (default: the one this grader belongs to).
    #[arg(long, value_name = "DIR", hide = true)]
    root: Option<PathBuf>,
}

fn main() -> ExitCode {
    init::become_if_asked();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cargo grade: cannot find the grader's own binary");
        return ExitCode::from(2);
    };
    let mut opts = grade::Options::new(cli.root.unwrap_or_else(proclab_harness::repo_root), me);
    opts.reference = cli.reference;
    opts.labs = cli.labs;
    opts.public_only = cli.public_only;
    opts.cases = cli.cases;
    opts.runner.contain = opts
        .runner
        .contain
        .clone()
        .with_unprivileged(cli.unprivileged);
    if let Some(j) = cli.jobs {
        opts.jobs = j.max(1);
    }
    if !opts.root.join("harness/labs.toml").is_file() {
        eprintln!(
            "cargo grade: {} is not a proclab checkout (no harness/labs.toml)",
            opts.root.display()
        );
        return ExitCode::from(2);
    }
    proclab_harness::become_subreaper();
    if let Some(class_dir) = &cli.class {
        let result = proclab_harness::class::grade_class(&opts, class_dir, &cli.out);
        proclab_harness::sweep_children();
        return match result {
            Ok(r) => {
                let total: u32 = r.reports.iter().map(|x| x.score()).sum();
                let max: u32 = r.reports.iter().map(|x| x.max_score()).sum();
                println!(
                    "graded {} submissions ({total} / {max} points in all); wrote {} and a report per student",
                    r.reports.len(),
                    r.csv.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cargo grade: {e}");
                ExitCode::from(2)
            }
        };
    }
    let result = match &cli.submission {
        Some(dir) => grade::grade_submissions(&opts, std::slice::from_ref(dir), &|_| {})
            .map(|mut v| v.remove(0)),
        None => grade::grade(&opts),
    };
    proclab_harness::sweep_children();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cargo grade: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.format {
        Format::Table => {
            let detail = if cli.verbose {
                report::Detail::All
            } else if report.labs.len() == 1 {
                report::Detail::Public
            } else {
                report::Detail::Summary
            };
            print!("{}", report::table(&report, detail));
        }
        Format::Json => println!("{}", report::json(&report)),
        Format::Gradescope => {
            let hidden = match cli.hidden_visibility {
                HiddenVisibility::AfterDueDate => report::HiddenVisibility::AfterDueDate,
                HiddenVisibility::AfterPublished => report::HiddenVisibility::AfterPublished,
                HiddenVisibility::Hidden => report::HiddenVisibility::Hidden,
            };
            println!("{}", report::gradescope(&report, hidden));
        }
        Format::Junit => println!("{}", report::junit(&report)),
    }
    if !report.problems.is_empty() {
        let more = match report.problems.len() {
            1 => String::new(),
            n => format!(" (and {} more problems)", n - 1),
        };
        eprintln!("cargo grade: {}{more}", report.problems[0]);
        return ExitCode::from(2);
    }
    ExitCode::from(if report.all_passed() { 0 } else { 1 })
}

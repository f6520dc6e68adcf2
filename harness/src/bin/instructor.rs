//! `proclab-instructor`: what an instructor publishes. `just handout DIR` and
//! `just gradescope` call it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Publish proclab: the students' repository, the Gradescope autograder.
#[derive(Parser)]
#[command(name = "proclab-instructor", version)]
struct Cli {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Write the students' repository into DIR (new or empty): stubs, public cases and
    /// snapshots, the book, the harness without hidden cases, a student README, a
    /// GitHub Classroom workflow, and a fresh git history.
    Handout { dir: PathBuf },
    /// Write the Gradescope autograder zip (setup.sh, run_autograder, the harness and
    /// the hidden cases; no solutions).
    Gradescope {
        #[arg(default_value = "autograder.zip")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = proclab_harness::repo_root();
    let result = match &cli.what {
        What::Handout { dir } => proclab_harness::handout::make_handout(&root, dir).map(|()| {
            format!(
                "wrote the handout to {}; push it as the assignment's template",
                dir.display()
            )
        }),
        What::Gradescope { out } => {
            proclab_harness::handout::make_gradescope_zip(&root, out).map(|n| {
                format!(
                    "wrote {} ({n} files); upload it as the Gradescope autograder",
                    out.display()
                )
            })
        }
    };
    match result {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("proclab-instructor: {e}");
            ExitCode::from(2)
        }
    }
}

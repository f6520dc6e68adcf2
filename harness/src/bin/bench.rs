//! `just bench`: figures for the grader's speed. It prints numbers; it asserts nothing
//! (speed is measured here, never in a timed test).
//!
//! 1. warm suite: `grade --reference` over every lab, repeated, build already done;
//! 2. overhead per case: `/bin/true` run through the grader's runner against the same
//!    program spawned and waited for directly, the median difference;
//! 3. a class: `--class-size` submissions (default 30) graded as `--class` does;
//! 4. cold start: a fresh clone with an empty target directory, timed up to the first
//!    grade table (`--skip-cold` leaves it out: it compiles everything).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use proclab_harness::case::{Case, Visibility};
use proclab_harness::{grade, init};

/// Measure the grader: warm suite time, overhead per case, cold start.
#[derive(Parser)]
#[command(name = "proclab-bench")]
struct Cli {
    /// Repetitions of the warm suite.
    #[arg(long, default_value_t = 5)]
    suite_runs: usize,
    /// Repetitions for the per-case overhead.
    #[arg(long, default_value_t = 200)]
    case_runs: usize,
    /// Leave out the cold start (a full build in a fresh clone).
    #[arg(long)]
    skip_cold: bool,
    /// Size of the class graded for the class figure (0 leaves it out).
    #[arg(long, default_value_t = 30)]
    class_size: usize,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    init::become_if_asked();
    let cli = Cli::parse();
    let me = std::env::current_exe().expect("own path");
    let root = proclab_harness::repo_root();
    proclab_harness::become_subreaper();
    println!(
        "proclab bench on {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // 1. The warm suite. The first run builds what is missing and is not counted.
    let mut opts = grade::Options::new(root.clone(), me.clone());
    opts.reference = true;
    let first = grade::grade(&opts).expect("the reference grades");
    let cases: usize = first.labs.iter().map(|l| l.cases.len()).sum();
    let mut totals = Vec::new();
    for _ in 0..cli.suite_runs {
        let t = Instant::now();
        let r = grade::grade(&opts).expect("the reference grades");
        totals.push(t.elapsed());
        if !r.all_passed() {
            println!("warning: the reference did not score full marks in a bench run");
        }
    }
    println!(
        "warm suite: {} labs, {cases} cases: median {} (min {}) over {} runs, cargo's up-to-date check included",
        first.labs.len(),
        ms(median(totals.clone())),
        ms(*totals.iter().min().expect("runs")),
        cli.suite_runs
    );

    // 2. Overhead per case.
    let dir = tempfile::tempdir().expect("temp dir");
    let case_file = dir.path().join("true.toml");
    std::fs::write(&case_file, "description = \"nothing\"\nargs = []\n").expect("write");
    let case = Case::load(&case_file, Visibility::Public).expect("case");
    let runner = proclab_harness::run::Runner::new(me.clone());
    let program = Path::new("/bin/true");
    let mut direct = Vec::new();
    let mut graded = Vec::new();
    for _ in 0..cli.case_runs {
        let t = Instant::now();
        Command::new(program).status().expect("spawn /bin/true");
        direct.push(t.elapsed());
        let t = Instant::now();
        let (_obs, _transcript) = grade::observe(&runner, program, &case);
        graded.push(t.elapsed());
    }
    let (d, g) = (median(direct), median(graded));
    println!(
        "per case: /bin/true directly {}, through the grader {}: overhead {} (median of {})",
        ms(d),
        ms(g),
        ms(g.saturating_sub(d)),
        cli.case_runs
    );

    // 3. A class: copies of the reference's student files, every third one the
    // stub's, each with an edit of its own so that every copy is really compiled.
    if cli.class_size > 0 {
        let class = tempfile::tempdir().expect("temp dir");
        let labs = proclab_harness::labs::load(&root).expect("labs");
        for i in 0..cli.class_size {
            for lab in &labs {
                let reference = i % 3 != 2;
                let from = lab.crate_dir(&root, reference).join(lab.student_file());
                let to = class
                    .path()
                    .join(format!("student-{i:02}"))
                    .join("labs")
                    .join(lab.folder())
                    .join(lab.student_file());
                std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                let text = std::fs::read_to_string(from).expect("student file");
                std::fs::write(to, format!("{text}\n// copy {i}\n")).expect("write");
            }
        }
        let out = tempfile::tempdir().expect("temp dir");
        let mut opts = grade::Options::new(root.clone(), me.clone());
        opts.reference = false;
        let t = Instant::now();
        let r =
            proclab_harness::class::grade_class(&opts, class.path(), out.path()).expect("class");
        println!(
            "class: {} submissions graded in {:.1} s (build once, then every case of every lab)",
            r.reports.len(),
            t.elapsed().as_secs_f64()
        );
    }

    // 4. Cold start: clone, empty target, first table.
    if cli.skip_cold {
        return;
    }
    let clone = tempfile::tempdir().expect("temp dir");
    let repo = clone.path().join("proclab");
    let t = Instant::now();
    let ok = Command::new("git")
        .args(["clone", "--quiet", "--local"])
        .arg(&root)
        .arg(&repo)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!("cold start: git clone failed; skipped");
        return;
    }
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("grade")
        .current_dir(&repo)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo grade");
    let table = String::from_utf8_lossy(&out.stdout);
    let has_table = table.contains("total ");
    println!(
        "cold start: fresh clone to first grade table {:.1} s ({})",
        t.elapsed().as_secs_f64(),
        if has_table {
            "table printed"
        } else {
            "NO TABLE: see cargo's output"
        }
    );
}

//! `just stress N`: grades the whole reference N times and reports every case that
//! failed, with the seed of its run, so a flaky case can be run again the same way.
//! Each run gives every program a small pseudo-random delay before its exec (seeded
//! jitter: the init sleeps 0-2 ms after fork), which shakes out cases that depend on
//! who runs first. `--load` keeps every core busy with spinning processes meanwhile.
//! A benchmark, not a test: it prints figures and asserts nothing beyond its exit code.

use std::process::{Child, Command, ExitCode};
use std::time::Instant;

use clap::Parser;
use proclab_harness::build::{self, Built};
use proclab_harness::labs::Lab;
use proclab_harness::{grade, init, labs};

/// Grade the reference again and again; report every failure with its seed.
#[derive(Parser)]
#[command(name = "proclab-stress")]
struct Cli {
    /// How many times to grade the whole reference.
    #[arg(default_value_t = 20)]
    runs: u64,
    /// Keep every core busy with spinning processes while grading.
    #[arg(long)]
    load: bool,
    /// The seed of the first run (run i has seed + i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only these labs. Repeatable.
    #[arg(long = "lab", value_name = "NAME")]
    labs: Vec<String>,
}

/// Spinning processes, one per core, killed and reaped on drop.
struct Load(Vec<Child>);

impl Load {
    fn start() -> Load {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let spin = || {
            Command::new("/bin/sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
        };
        Load((0..cores).filter_map(|_| spin().ok()).collect())
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn main() -> ExitCode {
    init::become_if_asked();
    let cli = Cli::parse();
    let me = std::env::current_exe().expect("own path");
    let root = proclab_harness::repo_root();
    proclab_harness::become_subreaper();
    let mut opts = grade::Options::new(root.clone(), me);
    opts.reference = true;
    let all = match labs::load(&root) {
        Ok(all) => all,
        Err(e) => {
            eprintln!("proclab-stress: {e}");
            return ExitCode::from(2);
        }
    };
    let chosen = match grade::select(&all, &cli.labs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("proclab-stress: {e}");
            return ExitCode::from(2);
        }
    };
    let built = match build::in_place(&root, &chosen, true) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("proclab-stress: {e}");
            return ExitCode::from(2);
        }
    };
    let programs: Vec<(&Lab, Built)> = chosen
        .iter()
        .map(|l| (*l, built[&l.name].clone()))
        .collect();
    let cases: usize = chosen
        .iter()
        .map(|l| grade::load_cases(&root, l, false).0.len())
        .sum();
    println!(
        "proclab stress: {} runs of {} labs, {cases} cases each, jitter seeds {}..{}{}",
        cli.runs,
        chosen.len(),
        cli.seed,
        cli.seed + cli.runs,
        if cli.load { ", every core loaded" } else { "" }
    );
    println!("containment: {}", opts.runner.contain.summary());
    let load = cli.load.then(Load::start);
    // The spinners are ours; anything else below us after a run is a leak.
    let spinners: Vec<nix::unistd::Pid> = load
        .iter()
        .flat_map(|l| {
            l.0.iter()
                .map(|c| nix::unistd::Pid::from_raw(c.id() as i32))
        })
        .collect();
    let started = Instant::now();
    let mut failures = Vec::new();
    for i in 0..cli.runs {
        let seed = cli.seed + i;
        opts.runner.jitter_seed = Some(seed);
        let report = grade::grade_built(&opts, &programs);
        for lab in &report.labs {
            for c in &lab.cases {
                if let Some(f) = &c.failure {
                    let line = format!(
                        "seed {seed}: {}/{}: {}: {}",
                        lab.lab.name,
                        c.name,
                        f.class.as_str(),
                        f.message
                    );
                    println!("{line}");
                    // The diff or output tails, so a failure seen once can be read.
                    for detail in f.details.lines() {
                        println!("    {detail}");
                    }
                    failures.push(line);
                }
            }
        }
        for p in &report.problems {
            println!("seed {seed}: problem: {p}");
            failures.push(p.clone());
        }
        // Every process a run started must be gone, zombies included: a grader that
        // runs long (a class, this) would otherwise fill the process table.
        let me = nix::unistd::getpid();
        let left: Vec<_> = proclab_harness::proctree::subtree(me, &spinners);
        if !left.is_empty() {
            let line = format!("seed {seed}: {} processes left after the run", left.len());
            println!("{line}");
            failures.push(line);
        }
    }
    proclab_harness::sweep_children();
    let took = started.elapsed();
    println!(
        "{} runs, {} case runs, {} failures, {:.1} s ({:.2} s per run)",
        cli.runs,
        cli.runs as usize * cases,
        failures.len(),
        took.as_secs_f64(),
        took.as_secs_f64() / cli.runs.max(1) as f64
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

//! What the grader's own tests share: the repository, a runner whose init is the
//! grader binary cargo built for these tests, and the labs built once per test binary.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use proclab_harness::build::{self, Built};
use proclab_harness::grade::Options;
use proclab_harness::labs::{self, Lab};
use proclab_harness::run::Runner;

pub fn root() -> PathBuf {
    proclab_harness::repo_root()
}

/// The runner of the tests. `PROCLAB_UNPRIVILEGED=1` makes a root run grade as an
/// ordinary user would (`--unprivileged`), to record or check `.unprivileged` snapshots.
pub fn runner() -> Runner {
    let mut r = Runner::new(env!("CARGO_BIN_EXE_proclab-grade").into());
    let on = std::env::var("PROCLAB_UNPRIVILEGED").is_ok_and(|v| !v.is_empty() && v != "0");
    r.contain = r.contain.with_unprivileged(on);
    r
}

/// Grading options for the labs the tests cover (see [`labs`]).
pub fn options() -> Options {
    let mut opts = Options::new(root(), runner().init_exe);
    opts.runner = runner();
    opts.labs = labs().into_iter().map(|l| l.name).collect();
    opts
}

/// The labs the tests cover: all of harness/labs.toml, or those named in
/// `PROCLAB_LAB` (comma separated, as `cargo grade --lab` takes them), so that one
/// lab can be worked on and re-blessed alone: `PROCLAB_LAB=fork just bless`.
pub fn labs() -> Vec<Lab> {
    let all = labs::load(&root()).expect("harness/labs.toml reads");
    match std::env::var("PROCLAB_LAB") {
        Ok(list) if !list.trim().is_empty() => {
            let wanted: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
            proclab_harness::grade::select(&all, &wanted)
                .expect("PROCLAB_LAB names known labs")
                .into_iter()
                .cloned()
                .collect()
        }
        _ => all,
    }
}

/// The labs' binaries, stubs or references, built once for this test binary.
pub fn built(reference: bool) -> &'static HashMap<String, Built> {
    static REFS: OnceLock<HashMap<String, Built>> = OnceLock::new();
    static STUBS: OnceLock<HashMap<String, Built>> = OnceLock::new();
    let cell = if reference { &REFS } else { &STUBS };
    cell.get_or_init(|| {
        let labs = labs();
        let chosen: Vec<&Lab> = labs.iter().collect();
        build::in_place(&root(), &chosen, reference).expect("cargo runs")
    })
}

pub fn binary(lab: &Lab, reference: bool) -> PathBuf {
    match &built(reference)[&lab.name] {
        Built::Binary(p) => p.clone(),
        Built::Failed(e) => panic!("{} does not build:\n{e}", lab.package(reference)),
    }
}

/// Grades every covered lab as built in place: the stubs, or the references.
pub fn graded(reference: bool) -> proclab_harness::grade::Report {
    let labs = labs();
    let programs: Vec<_> = labs
        .iter()
        .map(|l| (l, built(reference)[&l.name].clone()))
        .collect();
    proclab_harness::grade::grade_built(&options(), &programs)
}

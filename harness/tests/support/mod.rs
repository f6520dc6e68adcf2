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

pub fn runner() -> Runner {
    Runner {
        init_exe: env!("CARGO_BIN_EXE_proclab-grade").into(),
    }
}

pub fn options() -> Options {
    Options::new(root(), runner().init_exe)
}

pub fn labs() -> Vec<Lab> {
    labs::load(&root()).expect("harness/labs.toml reads")
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

//! The grader end to end on the real labs: the reference scores full marks, the stubs
//! score nothing with NOT_IMPLEMENTED, and every bug fixture is caught by the cases it
//! names.

mod support;

use proclab_harness::bugs;
use proclab_harness::build::{self, Built};
use proclab_harness::grade::{self, Report};
use proclab_harness::verdict::Class;

fn explain(report: &Report) -> String {
    proclab_harness::report::table(report, proclab_harness::report::Detail::All)
}

fn graded(reference: bool) -> Report {
    support::graded(reference)
}

#[test]
fn the_reference_scores_full_marks() {
    let report = graded(true);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.all_passed(), "{}", explain(&report));
    assert_eq!(report.score(), report.max_score());
    assert!(report.max_score() > 0);
}

#[test]
fn every_stub_scores_zero_with_not_implemented() {
    let report = graded(false);
    assert_eq!(report.score(), 0, "{}", explain(&report));
    for lab in &report.labs {
        assert!(!lab.cases.is_empty(), "{} has no cases", lab.lab.name);
        // A case this machine cannot run is skipped for the stub as for anyone.
        for c in lab.cases.iter().filter(|c| c.skipped.is_none()) {
            let class = c.failure.as_ref().map(|f| f.class);
            assert_eq!(
                class,
                Some(Class::NotImplemented),
                "{}/{}: {}",
                lab.lab.name,
                c.name,
                explain(&report)
            );
        }
    }
}

#[test]
fn every_bug_fixture_is_caught() {
    let root = support::root();
    let labs = support::labs();
    // Every fixture of every lab, built in one scratch workspace (one cargo run).
    let mut fixtures = Vec::new();
    let mut entries = Vec::new();
    for lab in &labs {
        let reference_file = lab.crate_dir(&root, true).join(lab.student_file());
        let reference = std::fs::read_to_string(&reference_file).unwrap();
        let bugs = bugs::load(&root, lab).unwrap();
        assert!(
            bugs.len() >= 3,
            "{} has {} bug fixtures; at least 3",
            lab.name,
            bugs.len()
        );
        for (i, bug) in bugs.into_iter().enumerate() {
            entries.push(build::Entry {
                tag: format!("bug{i}"),
                lab,
                reference: true,
                source: bug.apply(&reference).unwrap(),
            });
            fixtures.push((lab, bug));
        }
    }
    let started = std::time::Instant::now();
    let (_dir, built) = build::scratch_workspace(&root, &entries).unwrap();
    eprintln!(
        "built {} bug fixtures in {:.1} s",
        entries.len(),
        started.elapsed().as_secs_f64()
    );
    // Every (fixture, case it names) pair on its own, several at once: most of the
    // time goes to fixtures that hang until their case's deadline, and those waits
    // overlap. Load cannot turn a failure into a pass for them.
    let started = std::time::Instant::now();
    let pairs: Vec<(usize, &String)> = fixtures
        .iter()
        .enumerate()
        .flat_map(|(i, (_, bug))| bug.caught_by.iter().map(move |c| (i, c)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let missed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(&(i, wanted)) = pairs.get(k) else {
                        break;
                    };
                    let (lab, bug) = &fixtures[i];
                    let built = built[i].clone();
                    assert!(
                        matches!(built, Built::Binary(_)),
                        "bug {} does not compile: {built:?}",
                        bug.name
                    );
                    let mut opts = support::options();
                    opts.cases = vec![wanted.clone()];
                    opts.jobs = 1;
                    let report = grade::grade_built(&opts, &[(lab, built)]);
                    let problem = match report.labs[0].cases.first() {
                        None => Some(format!(
                            "{}/{}: caught_by names no case {wanted}",
                            lab.name, bug.name
                        )),
                        // Graded on its unprivileged behaviour here: a mistake in
                        // what only root may do cannot show. The root run checks it.
                        Some(c) if c.failure.is_none() && c.note.is_some() => None,
                        // Cannot run here at all (no PID namespace, say): other runs
                        // of the suite, as root and as a user, cover it.
                        Some(c) if c.skipped.is_some() => None,
                        Some(c) if c.failure.is_none() => Some(format!(
                            "{}/{}: case {wanted} passes with the bug ({})",
                            lab.name, bug.name, bug.why
                        )),
                        Some(_) => None,
                    };
                    if let Some(p) = problem {
                        missed.lock().unwrap().push(p);
                    }
                }
            });
        }
    });
    let missed = missed.into_inner().unwrap();
    eprintln!("graded them in {:.1} s", started.elapsed().as_secs_f64());
    assert!(!fixtures.is_empty());
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn a_broken_case_file_is_reported_and_the_rest_still_graded() {
    let root = support::root();
    let labs = support::labs();
    let lab = &labs[0];
    // A copy of the lab's public cases with one more, broken, file among them.
    let tmp = tempfile::tempdir().unwrap();
    let from = root.join("harness/cases").join(&lab.name);
    let to = tmp.path().join("harness/cases").join(&lab.name);
    std::fs::create_dir_all(to.join("snapshots")).unwrap();
    for entry in std::fs::read_dir(&from)
        .unwrap()
        .chain(std::fs::read_dir(from.join("snapshots")).unwrap())
    {
        let p = entry.unwrap().path();
        if p.is_file() {
            let rel = p.strip_prefix(&from).unwrap();
            std::fs::copy(&p, to.join(rel)).unwrap();
        }
    }
    std::fs::write(
        to.join("zz-broken.toml"),
        "description = \"oops\"\nargs = [\n",
    )
    .unwrap();
    let mut opts = support::options();
    opts.root = tmp.path().to_path_buf();
    opts.public_only = true;
    let program = Built::Binary(support::binary(lab, true));
    let report = grade::grade_built(&opts, &[(lab, program)]);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].contains("zz-broken.toml"),
        "{:?}",
        report.problems
    );
    assert!(!report.labs[0].cases.is_empty());
    assert!(report.all_passed(), "{}", explain(&report));
}

#[test]
fn a_missing_snapshot_and_a_missing_folder_are_problems_and_the_rest_is_graded() {
    let root = support::root();
    let labs = support::labs();
    let all = proclab_harness::labs::load(&root).unwrap();
    let lab = &labs[0];
    let other = all.iter().find(|l| l.name != lab.name).unwrap();
    // The lab's public cases with one snapshot gone; no folder at all for the other.
    let tmp = tempfile::tempdir().unwrap();
    let from = root.join("harness/cases").join(&lab.name);
    let to = tmp.path().join("harness/cases").join(&lab.name);
    std::fs::create_dir_all(to.join("snapshots")).unwrap();
    let mut gone = None;
    for entry in std::fs::read_dir(&from).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let snap = from.join("snapshots").join(format!("{name}.snap"));
            if gone.is_none() {
                gone = Some(name);
            } else if snap.exists() {
                std::fs::copy(&snap, to.join("snapshots").join(format!("{name}.snap"))).unwrap();
            }
        }
    }
    let gone = gone.unwrap();
    let mut opts = support::options();
    opts.root = tmp.path().to_path_buf();
    opts.public_only = true;
    let other_built = build::in_place(&root, &[other], true).unwrap()[&other.name].clone();
    let programs = [
        (lab, Built::Binary(support::binary(lab, true))),
        (other, other_built),
    ];
    let report = grade::grade_built(&opts, &programs);
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&format!("{gone}.snap"))),
        "{:?}",
        report.problems
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("no such folder") && p.contains(&other.name)),
        "{:?}",
        report.problems
    );
    let by = grade::by_lab(&report);
    for c in &by[&lab.name].cases {
        match c.name == gone {
            true => assert_eq!(c.failure.as_ref().map(|f| f.class), Some(Class::BadCase)),
            false => assert!(c.failure.is_none(), "{}", explain(&report)),
        }
    }
}

#[test]
fn a_lab_that_does_not_compile_fails_alone() {
    let root = support::root();
    // Two labs whatever PROCLAB_LAB says: the one broken here and any other.
    let labs = proclab_harness::labs::load(&root).unwrap();
    let (broken, other) = (&labs[0], &labs[1]);
    let reference_file = broken.crate_dir(&root, true).join(broken.student_file());
    let source = std::fs::read_to_string(reference_file).unwrap()
        + "\nfn oops() -> u32 { \"not a number\" }\n";
    let (_dir, built) = build::with_student_file(&root, broken, true, &source).unwrap();
    let Built::Failed(errors) = &built else {
        panic!("a type error must not build")
    };
    assert!(errors.contains("mismatched types"), "{errors}");
    let opts = support::options();
    let fine = build::in_place(&root, &[other], true).unwrap()[&other.name].clone();
    let report = grade::grade_built(&opts, &[(broken, built.clone()), (other, fine)]);
    let by = grade::by_lab(&report);
    for c in &by[&broken.name].cases {
        let f = c.failure.as_ref().expect("fails");
        assert_eq!(f.class, Class::BuildFailed);
        assert!(f.details.contains("mismatched types"));
    }
    let other_result = by[&other.name];
    assert_eq!(
        other_result.score(),
        other_result.max_score(),
        "{}",
        explain(&report)
    );
}

#[test]
fn the_command_line_grades_the_reference_and_the_stubs() {
    use assert_cmd::Command;
    let grade = || Command::cargo_bin("proclab-grade").unwrap();
    let out = grade()
        .args(["--reference", "--lab", "pids", "--format", "json"])
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["score"], v["max_score"]);
    let hidden = v["labs"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["visibility"] == "hidden")
        .count();
    assert!(hidden >= 5, "{hidden} hidden cases graded");
    let out = grade()
        .args(["--lab", "pids", "--public-only"])
        .assert()
        .code(1);
    let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        table.contains("NOT_IMPLEMENTED") && table.contains("total 0 /"),
        "{table}"
    );
}

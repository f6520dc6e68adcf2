//! The instructor's workflow end to end: the handout builds and grades on its own,
//! a submission is graded with only its student files, a class of correct, broken
//! and hostile copies grades into the right CSV, and Gradescope's run_autograder
//! writes a valid results.json. (Instructor-only: the handout drops this file.)

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use proclab_harness::grade;
use proclab_harness::report::{self, HiddenVisibility};

/// The tests below build whole copies of the repository; they share one target
/// directory (below ours) so dependencies build once, and so they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn shared_target() -> PathBuf {
    static SEEDED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SEEDED.get_or_init(seed_target).clone()
}

/// The copies' own target directory, seeded once with a copy of the dependencies
/// already built for this checkout: cargo finds them up to date (same sources, same
/// compiler, same profile), so only the copies' own crates are compiled.
fn seed_target() -> PathBuf {
    let target = support::root().join("target").join("proclab-publish-tests");
    let built = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::root().join("target"))
        .join("debug");
    let into = target.join("debug");
    if !into.exists() && built.is_dir() {
        std::fs::create_dir_all(&into).unwrap();
        for part in ["deps", "build", ".fingerprint"] {
            if built.join(part).is_dir() {
                // A copy, not hard links: cargo may rewrite a file in either place.
                let _ = Command::new("cp")
                    .arg("-a")
                    .arg(built.join(part))
                    .arg(&into)
                    .status();
            }
        }
    }
    target
}

fn cargo_in(dir: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(dir).env("CARGO_TARGET_DIR", shared_target());
    c
}

/// A submission folder laid out like the handout, with these student files.
fn submission(dir: &Path, reference: bool) {
    let root = support::root();
    for lab in support::labs() {
        let from = lab.crate_dir(&root, reference).join(lab.student_file());
        let to = dir.join("labs").join(lab.folder()).join(lab.student_file());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

fn student_file(dir: &Path, lab: &str) -> PathBuf {
    let l = support::labs().into_iter().find(|l| l.name == lab).unwrap();
    dir.join("labs").join(l.folder()).join(l.student_file())
}

#[test]
fn the_handout_builds_and_grades_on_its_own() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("handout");
    proclab_harness::handout::make_handout(&support::root(), &dest).unwrap();

    for gone in [
        "solutions",
        "harness/hidden",
        "harness/bugs",
        "harness/tests/grading.rs",
        ".ci",
    ] {
        assert!(!dest.join(gone).exists(), "{gone} is in the handout");
    }
    for kept in [
        "labs/01-pids/src/pids.rs",
        "harness/cases/pids/ids.toml",
        "docs/src/SUMMARY.md",
        ".github/workflows/classroom.yml",
    ] {
        assert!(
            dest.join(kept).exists(),
            "{kept} is missing from the handout"
        );
    }
    let readme = std::fs::read_to_string(dest.join("README.md")).unwrap();
    assert!(readme.contains("public cases only"), "the student README");
    let log = Command::new("git")
        .arg("-C")
        .arg(&dest)
        .args(["log", "--oneline"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&log.stdout).lines().count(),
        1,
        "a fresh history"
    );
    let workflow = std::fs::read_to_string(dest.join(".github/workflows/classroom.yml")).unwrap();
    for lab in support::labs() {
        assert!(workflow.contains(&format!("cargo grade --lab {} --public-only", lab.name)));
    }

    // The README's first command: every case fails, none is hidden, and it says so.
    let out = cargo_in(&dest).args(["grade"]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(table.contains("hidden cases: not included"), "{table}");
    assert!(table.contains("total 0 /"), "{table}");
    assert!(!table.contains("(hidden)"), "{table}");

    // The README's second command.
    let out = cargo_in(&dest)
        .args(["test", "--workspace", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo test in the handout:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_submission_is_graded_from_its_student_files_only() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("alice");
    submission(&sub, true);
    // Changes that must be ignored, and listed: a case made trivially easy, a build
    // script, a manifest.
    let case = sub.join("harness/cases/pids/ids.toml");
    std::fs::create_dir_all(case.parent().unwrap()).unwrap();
    std::fs::write(&case, "description = \"free points\"\nargs = []\n").unwrap();
    std::fs::write(sub.join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::write(
        sub.join("labs/01-pids/build.rs"),
        "fn main() { panic!() }\n",
    )
    .unwrap();

    let opts = support::options();
    let reports = grade::grade_submissions(&opts, std::slice::from_ref(&sub), &|_| {}).unwrap();
    let r = &reports[0];
    assert!(r.all_passed(), "{}", report::table(r, report::Detail::All));
    assert_eq!(r.submission.as_deref(), Some("alice"));
    let ignored = r.ignored.join("\n");
    for what in [
        "changed harness/cases/pids/ids.toml",
        "changed Cargo.toml",
        "added labs/01-pids/build.rs",
    ] {
        assert!(ignored.contains(what), "{what} not listed in:\n{ignored}");
    }
    let hidden = r.labs[0]
        .cases
        .iter()
        .filter(|c| c.visibility == proclab_harness::case::Visibility::Hidden)
        .count();
    assert!(hidden > 0, "hidden cases are graded");
}

#[test]
fn a_class_grades_into_a_csv_whatever_its_students_did() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let class = tmp.path().join("class");
    submission(&class.join("a-correct"), true);
    submission(&class.join("b-stub"), false);
    // Does not compile: that lab fails alone.
    submission(&class.join("c-broken"), true);
    let f = student_file(&class.join("c-broken"), "pids");
    let text = std::fs::read_to_string(&f).unwrap() + "\nfn broken() -> u8 { \"no\" }\n";
    std::fs::write(&f, text).unwrap();
    // Hostile: leaves a daemon in its own session that holds stdout open.
    submission(&class.join("d-daemon"), true);
    let f = student_file(&class.join("d-daemon"), "pids");
    let text = std::fs::read_to_string(&f).unwrap().replacen(
        "    // BEGIN STUDENT CODE\n",
        "    // BEGIN STUDENT CODE\n    let _ = std::process::Command::new(\"setsid\").args([\"sleep\", \"60\"]).spawn();\n",
        1,
    );
    std::fs::write(&f, text).unwrap();
    // Not even a lab folder.
    std::fs::create_dir_all(class.join("e-empty")).unwrap();

    let out = tmp.path().join("out");
    let opts = support::options();
    let result = proclab_harness::class::grade_class(&opts, &class, &out).unwrap();
    let csv = std::fs::read_to_string(&result.csv).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let labs = support::labs();
    assert_eq!(rows[0][0], "student");
    assert_eq!(rows[0].len(), labs.len() + 4, "{csv}");
    let max: u32 = rows[1][labs.len() + 2].parse().unwrap();
    let total = |i: usize| -> u32 { rows[i][labs.len() + 1].parse().unwrap() };
    assert_eq!(rows[1][0], "a-correct");
    assert_eq!(total(1), max, "{csv}");
    assert_eq!(total(2), 0, "{csv}");
    assert!(
        total(3) > 0 && total(3) < max,
        "only the broken lab fails: {csv}"
    );
    assert_eq!(rows[3][1], "0", "{csv}");
    assert!(total(4) < max, "the daemon is caught: {csv}");
    assert_eq!(total(5), 0, "{csv}");
    for name in ["a-correct", "b-stub", "c-broken", "d-daemon", "e-empty"] {
        assert!(
            out.join(format!("{name}.txt")).is_file(),
            "report of {name}"
        );
    }
    let daemon = std::fs::read_to_string(out.join("d-daemon.txt")).unwrap();
    assert!(daemon.contains("LEFTOVER_PROCESSES"), "{daemon}");
}

#[test]
fn gradescope_run_autograder_writes_results_json() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("autograder.zip");
    proclab_harness::handout::make_gradescope_zip(&support::root(), &zip_path).unwrap();

    // Lay out a root like Gradescope's: source (the unzipped autograder),
    // submission (the student's repository), results.
    let gs = tmp.path().join("autograder");
    let source = gs.join("source");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    zip.extract(&source).unwrap();
    assert!(source.join("setup.sh").is_file() && source.join("run_autograder").is_file());
    assert!(
        !source.join("solutions").exists(),
        "no solutions in the autograder"
    );
    assert!(
        source.join("harness/hidden").is_dir(),
        "the hidden cases are in it"
    );
    submission(&gs.join("submission"), true);
    let f = student_file(&gs.join("submission"), "fork");
    std::fs::copy(support::root().join("labs/03-fork/src/fork.rs"), f).unwrap();

    let status = Command::new("bash")
        .arg(source.join("run_autograder"))
        .env("AUTOGRADER_ROOT", &gs)
        .env("CARGO_TARGET_DIR", shared_target())
        .status()
        .unwrap();
    assert!(status.success());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(gs.join("results/results.json")).unwrap())
            .unwrap();
    let tests = json["tests"].as_array().unwrap();
    assert!(!tests.is_empty());
    let mut max = 0.0;
    for t in tests {
        for key in [
            "name",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        ] {
            assert!(t.get(key).is_some(), "{key} in {t}");
        }
        let v = t["visibility"].as_str().unwrap();
        assert!(["visible", "after_due_date"].contains(&v), "{v}");
        max += t["max_score"].as_f64().unwrap();
        let fork = t["name"].as_str().unwrap().starts_with("fork/");
        assert_eq!(t["status"] == "passed", !fork, "{t}");
    }
    let score = json["score"].as_f64().unwrap();
    assert!(
        score > 0.0 && score < max,
        "pids passes, fork is the stub: {score} of {max}"
    );
    assert!(json.get("execution_time").is_some());
}

#[test]
fn junit_and_gradescope_formats_from_one_report() {
    let labs = support::labs();
    let r = support::graded(false);
    let xml = report::junit(&r);
    assert!(xml.starts_with("<?xml"), "{xml}");
    for lab in &labs {
        assert!(
            xml.contains(&format!("<testsuite name=\"{}\"", lab.name)),
            "{xml}"
        );
    }
    assert!(xml.contains("NOT_IMPLEMENTED"));
    let gs: serde_json::Value =
        serde_json::from_str(&report::gradescope(&r, HiddenVisibility::Hidden)).unwrap();
    assert_eq!(gs["score"], 0);
    let hidden = gs["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["visibility"] == "hidden")
        .count();
    assert!(hidden > 0);
}

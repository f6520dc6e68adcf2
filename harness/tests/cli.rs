//! The `cargo grade` command line: its contract for scripts (exit codes, JSON) and its
//! errors for people (one line, exit 2).

use assert_cmd::Command;
use predicates::prelude::*;

fn grade() -> Command {
    Command::cargo_bin("proclab-grade").unwrap()
}

#[test]
fn unknown_lab_is_a_one_line_usage_error() {
    let out = grade().args(["--lab", "nosuch"]).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown lab \"nosuch\""), "{stderr}");
}

#[test]
fn bad_flag_value_is_exit_2() {
    grade().args(["--format", "xml"]).assert().code(2);
}

#[test]
fn help_lists_the_contract_flags() {
    grade().arg("--help").assert().success().stdout(
        predicate::str::contains("--reference").and(predicate::str::contains("--public-only")),
    );
}

#[test]
fn not_a_checkout_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    grade()
        .arg("--root")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a proclab checkout"));
}

#[test]
fn json_follows_the_contract() {
    // The student's labs: whatever state they are in, the shape is the contract.
    let out = grade()
        .args([
            "--lab",
            "01",
            "--lab",
            "fork",
            "--public-only",
            "--format",
            "json",
        ])
        .assert();
    let code = out.get_output().status.code();
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(v["score"].as_u64().unwrap() <= v["max_score"].as_u64().unwrap());
    let labs = v["labs"].as_array().unwrap();
    assert_eq!(labs.len(), 2);
    assert_eq!(labs[0]["lab"], "pids");
    assert_eq!(labs[1]["lab"], "fork");
    for lab in labs {
        for key in ["score", "max_score", "cases"] {
            assert!(lab.get(key).is_some(), "{key}");
        }
        for case in lab["cases"].as_array().unwrap() {
            for key in [
                "name",
                "visibility",
                "score",
                "max_score",
                "status",
                "class",
                "message",
            ] {
                assert!(case.get(key).is_some(), "{key} in {case}");
            }
            assert_eq!(case["visibility"], "public");
            let passed = case["status"] == "passed";
            assert_eq!(passed, case["class"].is_null(), "{case}");
            assert!(passed || case["status"] == "failed");
        }
    }
}

//! Records the reference's transcripts as insta snapshots, one per case, next to the
//! case files (`harness/<cases|hidden>/<lab>/snapshots/<case>.snap`). The grader reads
//! these files back to judge students.
//!
//! A stale or missing snapshot fails this test. To refresh after changing a reference
//! or a case: `just bless` (or `cargo insta review`).

mod support;

use proclab_harness::grade::{self, snapshot_path};

#[test]
fn reference_transcripts_match_the_snapshots() {
    let root = support::root();
    let runner = support::runner();
    let mut failures = Vec::new();
    for lab in support::labs() {
        let program = support::binary(&lab, true);
        let (cases, problems) = grade::load_cases(&root, &lab, false);
        assert!(problems.is_empty(), "broken case files: {problems:#?}");
        for case in cases {
            let (obs, transcript) = grade::observe(&runner, &program, &case);
            // A reference run must be clean: anything else is a bug in the lab or
            // the case, and must not become the expected output.
            let clean = obs.spawn_error.is_none()
                && !obs.timed_out
                && !obs.output_limit
                && obs.step_error.is_none()
                && (obs.leftovers.is_empty()
                    || case.leftovers == proclab_harness::case::Leftovers::Allow);
            if !clean {
                failures.push(format!(
                    "{}/{}: the reference run is not clean: {obs:#?}",
                    lab.name, case.name
                ));
                continue;
            }
            let path = snapshot_path(&root, &lab, &case);
            let dir = path.parent().expect("has a folder").to_path_buf();
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(dir);
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.set_description(case.description.clone());
            let rendered = transcript.render();
            let name = case.name.clone();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                settings.bind(|| insta::assert_snapshot!(name, rendered));
            }));
            if outcome.is_err() {
                failures.push(format!(
                    "{}/{}: snapshot differs or is missing",
                    lab.name, case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Records the reference's transcripts as insta snapshots, one per case, next to the
//! case files (`harness/<cases|hidden>/<lab>/snapshots/<case>.snap`). The grader reads
//! these files back to judge students.
//!
//! A stale or missing snapshot fails this test. To refresh after changing a reference
//! or a case: `just bless` (or `cargo insta review`).

mod support;

use proclab_harness::contain::Tier;
use proclab_harness::grade::{self, snapshot_name, snapshot_variant};

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
            let plan = runner.plan(&case);
            if plan.skip.is_some() {
                // Cannot run here, so cannot be recorded here either.
                continue;
            }
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
            // Outside a PID namespace a case needs a snapshot of its own (`.nons`) only
            // where its output differs from the plain one.
            let outside_ns = runner.contain.tier != Tier::Namespaces;
            let unprivileged = plan.unprivileged_variant;
            let rendered = transcript.render();
            let plain = snapshot_variant(&root, &lab, &case, unprivileged, false);
            let name = snapshot_name(&case, unprivileged, outside_ns);
            let dir = plain.parent().expect("has a folder").to_path_buf();
            if outside_ns && !dir.join(format!("{name}.snap")).exists() {
                let same = grade::load_snapshot(&plain).is_ok_and(|t| t.render() == rendered);
                if same {
                    continue;
                }
            }
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(dir);
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.set_description(case.description.clone());
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

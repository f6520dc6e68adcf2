//! The shape of the repository, as rustlings checks its exercises: every lab in
//! harness/labs.toml has its stub, reference, cases, bug fixtures and chapter, and the
//! stub differs from the reference only inside the marked regions.

mod support;

use std::path::Path;

use proclab_harness::bugs;
use proclab_harness::case::Visibility;
use proclab_harness::grade;

const BEGIN: &str = "// BEGIN STUDENT CODE";
const END: &str = "// END STUDENT CODE";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The file with the inside of every marked region cut out, and the regions' insides.
fn split_regions(text: &str, what: &str) -> (String, Vec<String>) {
    let mut outside = String::new();
    let mut regions = Vec::new();
    let mut inside: Option<String> = None;
    for line in text.lines() {
        let t = line.trim();
        match (&mut inside, t) {
            (None, BEGIN) => {
                outside.push_str(line);
                outside.push('\n');
                inside = Some(String::new());
            }
            (Some(_), END) => {
                regions.push(inside.take().unwrap());
                outside.push_str(line);
                outside.push('\n');
            }
            (Some(_), BEGIN) => panic!("{what}: a region opens inside a region"),
            (None, END) => panic!("{what}: a region closes that never opened"),
            (Some(r), _) => {
                r.push_str(line);
                r.push('\n');
            }
            (None, _) => {
                outside.push_str(line);
                outside.push('\n');
            }
        }
    }
    assert!(inside.is_none(), "{what}: a region is never closed");
    (outside, regions)
}

#[test]
fn stub_and_reference_differ_only_inside_the_marked_regions() {
    let root = support::root();
    for lab in support::labs() {
        let stub_dir = lab.crate_dir(&root, false);
        let ref_dir = lab.crate_dir(&root, true);
        let file = lab.student_file();
        let stub = read(&stub_dir.join(&file));
        let reference = read(&ref_dir.join(&file));
        let marker = format!("//! STUDENT FILE for lab {:02} {}", lab.number, lab.name);
        assert!(
            stub.starts_with(&marker),
            "{}: must start with {marker:?}",
            file.display()
        );

        let (stub_out, stub_regions) = split_regions(&stub, "stub");
        let (ref_out, ref_regions) = split_regions(&reference, "reference");
        assert_eq!(
            stub_out, ref_out,
            "lab {}: stub and reference differ outside the marked regions",
            lab.name
        );
        assert_eq!(stub_regions.len(), ref_regions.len());
        assert!(!stub_regions.is_empty(), "lab {} marks no region", lab.name);
        for r in &stub_regions {
            let body = r.trim();
            assert!(
                body.starts_with("todo!(") && body.ends_with(')') && body.lines().count() <= 3,
                "lab {}: a stub region must hold only a todo!(): {body}",
                lab.name
            );
        }
        for r in &ref_regions {
            assert!(
                !r.contains("todo!("),
                "lab {}: the reference still has a todo!()",
                lab.name
            );
        }

        // The driver is the same file on both sides, and the manifests differ only in
        // the package name.
        assert_eq!(
            read(&stub_dir.join("src/main.rs")),
            read(&ref_dir.join("src/main.rs")),
            "lab {}: drivers differ",
            lab.name
        );
        let stub_toml = read(&stub_dir.join("Cargo.toml"));
        let ref_toml =
            read(&ref_dir.join("Cargo.toml")).replace(&lab.package(true), &lab.package(false));
        assert_eq!(
            stub_toml, ref_toml,
            "lab {}: Cargo.toml differ beyond the name",
            lab.name
        );
        let mut sources: Vec<String> = std::fs::read_dir(stub_dir.join("src"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        sources.sort();
        let mut expected = vec!["main.rs".to_string(), format!("{}.rs", lab.name)];
        expected.sort();
        assert_eq!(
            sources, expected,
            "lab {}: exactly two source files",
            lab.name
        );
    }
}

/// mdBook's anchor for a heading: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn every_lab_has_cases_bugs_and_a_chapter() {
    let root = support::root();
    let summary = read(&root.join("docs/src/SUMMARY.md"));
    for lab in support::labs() {
        let (cases, problems) = grade::load_cases(&root, &lab, false);
        assert!(problems.is_empty(), "{problems:#?}");
        let public = cases
            .iter()
            .filter(|c| c.visibility == Visibility::Public)
            .count();
        let hidden = cases.len() - public;
        assert!(
            public >= 5 && hidden >= 5,
            "lab {}: {public} public and {hidden} hidden cases; at least 5 each",
            lab.name
        );
        for c in &cases {
            let snap = grade::snapshot_path(&root, &lab, c);
            assert!(
                snap.is_file(),
                "{}: no snapshot; run `just bless`",
                snap.display()
            );
        }

        let chapter = lab.chapter();
        let text = read(&root.join("docs/src").join(&chapter));
        assert!(
            summary.contains(&format!("({chapter})")),
            "SUMMARY.md does not list {chapter}"
        );
        let anchors: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            .map(|h| anchor(h.trim_start_matches('#')))
            .collect();
        for c in &cases {
            if let Some(section) = &c.section {
                let (file, frag) = section.split_once('#').unwrap_or((section, ""));
                let target = read(&root.join("docs/src").join(file));
                let here: Vec<String> = if file == chapter {
                    anchors.clone()
                } else {
                    target
                        .lines()
                        .filter_map(|l| l.strip_prefix('#'))
                        .map(|h| anchor(h.trim_start_matches('#')))
                        .collect()
                };
                assert!(
                    frag.is_empty() || here.contains(&frag.to_string()),
                    "{}: section {section} has no such heading",
                    c.path.display()
                );
            }
        }

        let reference = read(&lab.crate_dir(&root, true).join(lab.student_file()));
        for bug in bugs::load(&root, &lab).unwrap() {
            bug.apply(&reference).unwrap();
            for name in &bug.caught_by {
                assert!(
                    cases.iter().any(|c| &c.name == name),
                    "bug {}: no case {name}",
                    bug.name
                );
            }
        }
    }
}

#[test]
fn anchors_follow_mdbook() {
    assert_eq!(anchor(" Walking up the tree"), "walking-up-the-tree");
    assert_eq!(
        anchor("fork(2) and its two returns"),
        "fork2-and-its-two-returns"
    );
}

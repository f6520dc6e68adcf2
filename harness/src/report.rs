//! Printing the result model: a table for people, JSON for programs. The JSON shape
//! is a contract (docs/src/grading.md); later formats build on the same model.

use serde::Serialize;

use crate::case::Visibility;
use crate::grade::{CaseResult, Report};
use crate::verdict::{Class, Failure};

#[derive(Serialize)]
struct JsonReport<'a> {
    score: u32,
    max_score: u32,
    labs: Vec<JsonLab<'a>>,
    problems: &'a [String],
    containment: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    submission: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    ignored: &'a [String],
}

#[derive(Serialize)]
struct JsonLab<'a> {
    lab: &'a str,
    score: u32,
    max_score: u32,
    cases: Vec<JsonCase<'a>>,
}

#[derive(Serialize)]
struct JsonCase<'a> {
    name: &'a str,
    visibility: Visibility,
    score: u32,
    max_score: u32,
    status: &'static str,
    class: Option<&'static str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

pub fn json(report: &Report) -> String {
    let labs = report
        .labs
        .iter()
        .map(|l| JsonLab {
            lab: &l.lab.name,
            score: l.score(),
            max_score: l.max_score(),
            cases: l
                .cases
                .iter()
                .map(|c| JsonCase {
                    name: &c.name,
                    visibility: c.visibility,
                    score: c.score(),
                    max_score: c.max_score(),
                    status: status_word(c),
                    class: c.failure.as_ref().map(|f| f.class.as_str()),
                    message: match (&c.skipped, &c.failure) {
                        (Some(why), _) => why.as_str(),
                        (None, Some(f)) => f.message.as_str(),
                        (None, None) => "",
                    },
                    note: c.note.as_deref(),
                })
                .collect(),
        })
        .collect();
    let out = JsonReport {
        score: report.score(),
        max_score: report.max_score(),
        labs,
        problems: &report.problems,
        containment: &report.containment,
        submission: report.submission.as_deref(),
        ignored: &report.ignored,
    };
    serde_json::to_string_pretty(&out).expect("plain data serialises")
}

/// `passed`, `failed` or `skipped`, as the JSON contract says.
fn status_word(c: &CaseResult) -> &'static str {
    match (&c.skipped, &c.failure) {
        (Some(_), _) => "skipped",
        (None, None) => "passed",
        (None, Some(_)) => "failed",
    }
}

/// How much the table shows of each failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// One line per case: the overview over many labs.
    Summary,
    /// Public failures with the command, the diff, the hint and the section to read.
    Public,
    /// The same for hidden cases too (instructors).
    All,
}

/// The table a student reads. Hidden cases never show their details unless asked
/// (`Detail::All`), so the table does not give away a hidden case's expected output.
pub fn table(report: &Report, detail: Detail) -> String {
    let mut out = String::new();
    let whose = match &report.submission {
        Some(name) => format!("the submission {name}"),
        None if report.reference => "the reference solutions".to_string(),
        None => "your labs".to_string(),
    };
    out.push_str(&format!("proclab: grading {whose}\n"));
    out.push_str(&format!("containment: {}\n", report.containment));
    if !report.hidden_available {
        out.push_str("hidden cases: not included in this copy; your instructor grades with them\n");
    }
    for lab in &report.labs {
        out.push('\n');
        out.push_str(&format!(
            "{:<40} {:>3} / {}\n",
            format!("{} {}", lab.lab.folder(), lab.lab.title),
            lab.score(),
            lab.max_score()
        ));
        for c in &lab.cases {
            out.push_str(&case_line(c));
            let shown = match detail {
                Detail::Summary => false,
                Detail::Public => c.visibility == Visibility::Public,
                Detail::All => true,
            };
            if let Some(f) = &c.failure
                && shown
            {
                out.push_str(&failure_detail(c, f));
            }
        }
    }
    out.push_str(&format!(
        "\ntotal {} / {}   ({:.1} s)\n",
        report.score(),
        report.max_score(),
        report.elapsed.as_secs_f64()
    ));
    if detail == Detail::Summary && !report.all_passed() {
        out.push_str("details of one lab's failures: just check LAB (cargo grade --lab LAB)\n");
    }
    if let [lab] = report.labs.as_slice()
        && detail != Detail::Summary
        && report.submission.is_none()
        && !report.reference
        && lab.cases.iter().any(|c| c.failure.is_some())
    {
        out.push_str(&format!(
            "stuck? just hint {} gives a hint, more specific each time you ask\n",
            lab.lab.name
        ));
    }
    for p in &report.problems {
        out.push_str(&format!("problem: {p}\n"));
    }
    if !report.ignored.is_empty() {
        out.push_str("ignored (only each lab's student file is graded):\n");
        for i in &report.ignored {
            out.push_str(&format!("  {i}\n"));
        }
    }
    out
}

/// Everything a student needs to understand one failure: the command to run again,
/// how it ended, the diff, the class in plain words, the hints and the section.
fn failure_detail(c: &CaseResult, f: &Failure) -> String {
    let mut out = String::new();
    out.push_str(&format!("      ran:    {}\n", c.command));
    if let Some((got, expected)) = &c.status {
        let same = if got == expected { ", as expected" } else { "" };
        out.push_str(&format!(
            "      ended:  {got} (the reference: {expected}{same})\n"
        ));
    }
    for line in f.details.lines() {
        out.push_str(&format!("      {line}\n"));
    }
    out.push_str(&format!("      why:    {}\n", f.class.explain()));
    if let Some(s) = f.symptom {
        out.push_str(&format!("      also:   {}\n", s.explain()));
    }
    // The recognised mistake first, then the case's own hint, then the class's.
    let mut hints: Vec<&str> = Vec::new();
    if let Some(s) = f.symptom {
        hints.push(s.hint());
    }
    // A case's hint is about the program's behaviour: no help while it cannot run.
    if let Some(h) = &c.hint
        && !matches!(
            f.class,
            Class::BuildFailed | Class::BadCase | Class::HarnessError
        )
    {
        hints.push(h);
    }
    hints.extend(f.class.hint());
    for h in hints {
        out.push_str(&format!("      hint:   {h}\n"));
    }
    if let Some(s) = &c.section {
        out.push_str(&format!("      read:   docs/src/{s}\n"));
    }
    out
}

fn case_line(c: &CaseResult) -> String {
    let mark = match status_word(c) {
        "skipped" => "skip",
        "passed" => "pass",
        _ => "FAIL",
    };
    let hidden = if c.visibility == Visibility::Hidden {
        " (hidden)"
    } else {
        ""
    };
    let mut line = format!(
        "  {mark} {:<32} {}/{}",
        format!("{}{hidden}", c.name),
        c.score(),
        c.max_score()
    );
    match (&c.skipped, &c.failure) {
        (Some(why), _) => line.push_str(&format!("  SKIPPED: {why}\n")),
        (None, Some(f)) => line.push_str(&format!("  {}: {}\n", f.class.as_str(), f.message)),
        (None, None) => line.push_str(&format!("  {}\n", c.description)),
    }
    if let Some(note) = &c.note {
        line.push_str(&format!("       note: {note}\n"));
    }
    line
}

/// How hidden cases show on Gradescope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenVisibility {
    /// Shown to students once the due date has passed.
    AfterDueDate,
    /// Shown once the instructor publishes the grades.
    AfterPublished,
    /// Never shown to students.
    Hidden,
}

impl HiddenVisibility {
    fn word(self) -> &'static str {
        match self {
            HiddenVisibility::AfterDueDate => "after_due_date",
            HiddenVisibility::AfterPublished => "after_published",
            HiddenVisibility::Hidden => "hidden",
        }
    }
}

/// Gradescope's `results.json`: one test per case, named `lab/case`, with the points,
/// the status, the failure in words, and the visibility the instructor chose for
/// hidden cases (public ones are visible at once).
pub fn gradescope(report: &Report, hidden: HiddenVisibility) -> String {
    let mut tests = Vec::new();
    for lab in &report.labs {
        for c in &lab.cases {
            let visible = c.visibility == Visibility::Public;
            if c.skipped.is_some() {
                // Gradescope has no "skipped": leave the case out, with its reason in
                // the overall output below.
                continue;
            }
            let mut output = c.description.clone();
            if let Some(note) = &c.note {
                output.push_str(&format!("\nnote: {note}"));
            }
            if let Some(f) = &c.failure {
                output = format!(
                    "{}: {}\n{output}\nran: {}",
                    f.class.as_str(),
                    f.message,
                    c.command
                );
                if visible && !f.details.is_empty() {
                    output.push_str(&format!("\n{}", f.details));
                }
                if let Some(h) = &c.hint {
                    output.push_str(&format!("\nhint: {h}"));
                }
            }
            tests.push(serde_json::json!({
                "name": format!("{}/{}", lab.lab.name, c.name),
                "score": c.score(),
                "max_score": c.max_score(),
                "status": status_word(c),
                "output": output,
                "output_format": "text",
                "tags": [lab.lab.name.clone()],
                "visibility": if visible { "visible" } else { hidden.word() },
            }));
        }
    }
    let mut output = format!("proclab: {} / {}", report.score(), report.max_score());
    for p in &report.problems {
        output.push_str(&format!("\nproblem: {p}"));
    }
    for lab in &report.labs {
        for c in &lab.cases {
            if let Some(why) = &c.skipped {
                output.push_str(&format!("\nskipped {}/{}: {why}", lab.lab.name, c.name));
            }
        }
    }
    if !report.ignored.is_empty() {
        output.push_str("\nthese changes in your submission were ignored (only each lab's student file is graded):");
        for i in &report.ignored {
            output.push_str(&format!("\n  {i}"));
        }
    }
    let out = serde_json::json!({
        "score": report.score(),
        "execution_time": report.elapsed.as_secs_f64().round() as u64,
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    });
    serde_json::to_string_pretty(&out).expect("plain data serialises")
}

/// JUnit XML for CI systems: a test suite per lab, a test case per case.
pub fn junit(report: &Report) -> String {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
    let mut xml = quick_junit::Report::new("proclab");
    xml.set_time(report.elapsed);
    for lab in &report.labs {
        let mut suite = TestSuite::new(lab.lab.name.as_str());
        for c in &lab.cases {
            let status = match &c.failure {
                None if c.skipped.is_some() => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(c.skipped.clone().unwrap_or_default());
                    s
                }
                None => TestCaseStatus::success(),
                Some(f) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("{}: {}", f.class.as_str(), f.message));
                    s.set_type(f.class.as_str());
                    if c.visibility == Visibility::Public {
                        s.set_description(f.details.as_str());
                    }
                    s
                }
            };
            let mut tc = TestCase::new(c.name.as_str(), status);
            tc.set_classname(format!("{}.{}", lab.lab.name, c.visibility.folder()));
            tc.set_time(c.elapsed);
            suite.add_test_case(tc);
        }
        xml.add_test_suite(suite);
    }
    xml.to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Symptom;

    fn failed(class: Class, symptom: Option<Symptom>) -> CaseResult {
        CaseResult {
            name: "cow".into(),
            visibility: Visibility::Public,
            description: "d".into(),
            points: 1,
            command: "cargo run -q -p fork -- cow".into(),
            failure: Some(Failure {
                class,
                message: "m".into(),
                details: "stdout:\n  +parent x\n".into(),
                symptom,
            }),
            hint: Some("the case's own hint".into()),
            section: Some("03-fork.md#exercise-cow".into()),
            elapsed: std::time::Duration::ZERO,
            skipped: None,
            note: None,
            status: Some(("exit 0".into(), "exit 0".into())),
        }
    }

    #[test]
    fn a_failure_shows_command_status_diff_class_hints_and_section() {
        let c = failed(Class::Mismatch, Some(Symptom::OutputTwice));
        let d = failure_detail(&c, c.failure.as_ref().unwrap());
        let order = [
            "ran:    cargo run -q -p fork -- cow",
            "ended:  exit 0 (the reference: exit 0, as expected)",
            "+parent x",
            "why:    your program printed something other",
            "also:   lines that the reference prints once",
            "hint:   did the child fall into the parent's code?",
            "hint:   the case's own hint",
            "read:   docs/src/03-fork.md#exercise-cow",
        ];
        let mut at = 0;
        for want in order {
            let i = d[at..]
                .find(want)
                .unwrap_or_else(|| panic!("{want:?} after {at} in\n{d}"));
            at += i + want.len();
        }
    }

    #[test]
    fn zombies_ask_whether_every_child_was_waited_for() {
        let c = failed(Class::Zombies, None);
        let d = failure_detail(&c, c.failure.as_ref().unwrap());
        assert!(
            d.contains("children it started had ended but were never waited for"),
            "{d}"
        );
        assert!(d.contains("did every child get waited for?"), "{d}");
        assert!(!d.contains("also:"), "{d}");
    }

    #[test]
    fn a_build_failure_leaves_out_the_cases_hint() {
        let c = failed(Class::BuildFailed, None);
        let d = failure_detail(&c, c.failure.as_ref().unwrap());
        assert!(!d.contains("the case's own hint"), "{d}");
        assert!(d.contains("first compiler error"), "{d}");
    }
}

//! Printing the result model: a table for people, JSON for programs. The JSON shape
//! is a contract (docs/src/grading.md); later formats build on the same model.

use serde::Serialize;

use crate::case::Visibility;
use crate::grade::{CaseResult, Report};

#[derive(Serialize)]
struct JsonReport<'a> {
    score: u32,
    max_score: u32,
    labs: Vec<JsonLab<'a>>,
    problems: &'a [String],
    containment: &'a str,
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
                    max_score: c.points,
                    status: if c.failure.is_none() {
                        "passed"
                    } else {
                        "failed"
                    },
                    class: c.failure.as_ref().map(|f| f.class.as_str()),
                    message: c.failure.as_ref().map_or("", |f| f.message.as_str()),
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
    };
    serde_json::to_string_pretty(&out).expect("plain data serialises")
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
    let whose = if report.reference {
        "the reference solutions"
    } else {
        "your labs"
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
                out.push_str(&format!("      ran: {}\n", c.command));
                for line in f.details.lines() {
                    out.push_str(&format!("      {line}\n"));
                }
                if let Some(h) = &c.hint {
                    out.push_str(&format!("      hint: {h}\n"));
                }
                if let Some(s) = &c.section {
                    out.push_str(&format!("      read: docs/src/{s}\n"));
                }
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
    for p in &report.problems {
        out.push_str(&format!("problem: {p}\n"));
    }
    out
}

fn case_line(c: &CaseResult) -> String {
    let mark = if c.failure.is_none() { "pass" } else { "FAIL" };
    let hidden = if c.visibility == Visibility::Hidden {
        " (hidden)"
    } else {
        ""
    };
    let mut line = format!(
        "  {mark} {:<32} {}/{}",
        format!("{}{hidden}", c.name),
        c.score(),
        c.points
    );
    match &c.failure {
        Some(f) => line.push_str(&format!("  {}: {}\n", f.class.as_str(), f.message)),
        None => line.push_str(&format!("  {}\n", c.description)),
    }
    line
}

//! `proclab progress`: where a student stands in every lab, and what to do next.
//!
//! A lab is *untouched* while its student file is the pristine stub (see [`stub`]),
//! *started* once it differs, and *passes* when every public case passes. Only the
//! labs that were touched are built and graded, so a fresh handout answers at once.

use serde::Serialize;

use crate::grade::{self, Options};
use crate::labs::{self, Lab};
use crate::stub;
use crate::verdict::Class;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Passes,
    Started,
    Untouched,
    /// The student file is not there at all.
    Missing,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Passes => "passes",
            State::Started => "started",
            State::Untouched => "untouched",
            State::Missing => "missing",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LabProgress {
    pub lab: String,
    pub folder: String,
    pub title: String,
    pub state: State,
    /// Public points earned; `None` when the lab was not graded (untouched).
    pub score: Option<u32>,
    pub max_score: u32,
    /// The first failing public case and its class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failing: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Next {
    pub lab: String,
    pub command: String,
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub labs: Vec<LabProgress>,
    pub next: Option<Next>,
    /// Things the student should know (no git history to compare with...).
    pub notes: Vec<String>,
}

/// Works out every lab's state; grades the touched ones on their public cases.
pub fn progress(base: &Options) -> Result<Progress, String> {
    let root = &base.root;
    // A lab listed but not in this copy (its folder is missing) is left out.
    let all: Vec<Lab> = labs::load(root)?
        .into_iter()
        .filter(|l| l.crate_dir(root, false).is_dir())
        .collect();
    let mut notes = Vec::new();
    let mut states = Vec::new();
    let mut to_grade = Vec::new();
    for lab in &all {
        let current = std::fs::read_to_string(root.join(stub::student_path(lab))).ok();
        let state = match (current, stub::pristine(root, lab)) {
            (None, _) => State::Missing,
            (Some(c), Ok(p)) if c == p.text => State::Untouched,
            (Some(_), Ok(_)) => State::Started,
            (Some(_), Err(e)) => {
                if notes.is_empty() {
                    notes.push(format!(
                        "cannot compare with the stubs ({e}); a lab counts as untouched while every case stops at a todo!()"
                    ));
                }
                State::Started
            }
        };
        if state == State::Started {
            to_grade.push(lab.name.clone());
        }
        states.push(state);
    }
    let report = if to_grade.is_empty() {
        None
    } else {
        let mut opts = base.clone();
        opts.labs = to_grade;
        opts.public_only = true;
        opts.cases.clear();
        Some(grade::grade(&opts)?)
    };
    let compared = notes.is_empty();
    let mut out = Vec::new();
    for (lab, mut state) in all.iter().zip(states) {
        let (cases, _) = grade::load_cases(root, lab, true);
        let max_score = cases.iter().map(|c| c.points).sum();
        let graded = report
            .as_ref()
            .and_then(|r| r.labs.iter().find(|l| l.lab.name == lab.name));
        let mut p = LabProgress {
            lab: lab.name.clone(),
            folder: lab.folder(),
            title: lab.title.clone(),
            state,
            score: None,
            max_score,
            first_failing: None,
        };
        if let Some(g) = graded {
            p.score = Some(g.score());
            p.max_score = g.max_score();
            let failing = g.cases.iter().find(|c| c.failure.is_some());
            p.first_failing = failing.map(|c| {
                let class = c.failure.as_ref().map_or("", |f| f.class.as_str());
                format!("{} ({class})", c.name)
            });
            let all_todo = g.score() == 0
                && g.cases
                    .iter()
                    .filter_map(|c| c.failure.as_ref())
                    .all(|f| f.class == Class::NotImplemented);
            state = if failing.is_none() && !g.cases.is_empty() {
                State::Passes
            } else if !compared && all_todo {
                State::Untouched
            } else {
                State::Started
            };
            p.state = state;
        }
        out.push(p);
    }
    let next = next_step(&out);
    Ok(Progress {
        labs: out,
        next,
        notes,
    })
}

/// The first started lab that fails, else a missing file, else the first untouched lab.
fn next_step(labs: &[LabProgress]) -> Option<Next> {
    if let Some(l) = labs.iter().find(|l| l.state == State::Started) {
        let why = match &l.first_failing {
            Some(f) => format!(
                "you started it; {} of {} public points so far, first failing case: {f}; stuck? just hint {}",
                l.score.unwrap_or(0),
                l.max_score,
                l.lab
            ),
            None => "you started it".to_string(),
        };
        return Some(Next {
            lab: l.lab.clone(),
            command: format!("just check {}", l.lab),
            why,
        });
    }
    if let Some(l) = labs.iter().find(|l| l.state == State::Missing) {
        return Some(Next {
            lab: l.lab.clone(),
            command: format!("just reset {}", l.lab),
            why: format!(
                "labs/{}/src/{}.rs is missing; reset brings back the stub",
                l.folder, l.lab
            ),
        });
    }
    labs.iter()
        .find(|l| l.state == State::Untouched)
        .map(|l| Next {
            lab: l.lab.clone(),
            command: format!("just check {}", l.lab),
            why: format!(
                "the next lab you have not begun; read docs/src/{}.md first",
                l.folder
            ),
        })
}

pub fn table(p: &Progress) -> String {
    let mut out = String::from("proclab: your progress (public cases)\n\n");
    out.push_str(&format!(
        "  {:<10} {:<34} {:<10} {}\n",
        "lab", "", "state", "points"
    ));
    for l in &p.labs {
        let points = match l.score {
            Some(s) => format!("{s} / {}", l.max_score),
            None => format!("- / {}", l.max_score),
        };
        out.push_str(&format!(
            "  {:<10} {:<34} {:<10} {points}\n",
            l.folder,
            l.title,
            l.state.word()
        ));
    }
    let passing = p.labs.iter().filter(|l| l.state == State::Passes).count();
    let earned: u32 = p.labs.iter().filter_map(|l| l.score).sum();
    let max: u32 = p.labs.iter().map(|l| l.max_score).sum();
    out.push_str(&format!(
        "\n{passing} of {} labs pass; {earned} / {max} public points\n",
        p.labs.len()
    ));
    match &p.next {
        Some(n) => out.push_str(&format!("next: {}   ({})\n", n.command, n.why)),
        None => out.push_str(
            "next: every lab passes its public cases; `just grade` shows the whole table\n",
        ),
    }
    for n in &p.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

pub fn json(p: &Progress) -> String {
    serde_json::to_string_pretty(p).expect("plain data serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(name: &str, state: State) -> LabProgress {
        LabProgress {
            lab: name.into(),
            folder: format!("01-{name}"),
            title: String::new(),
            state,
            score: Some(1),
            max_score: 3,
            first_failing: Some("x (MISMATCH)".into()),
        }
    }

    #[test]
    fn next_is_the_first_started_lab_then_the_first_untouched() {
        let labs = [
            lab("a", State::Passes),
            lab("b", State::Untouched),
            lab("c", State::Started),
        ];
        let n = next_step(&labs).unwrap();
        assert_eq!((n.lab.as_str(), n.command.as_str()), ("c", "just check c"));
        assert!(n.why.contains("x (MISMATCH)"), "{}", n.why);
        let n = next_step(&labs[..2]).unwrap();
        assert_eq!(n.lab, "b");
        assert!(next_step(&labs[..1]).is_none());
    }
}

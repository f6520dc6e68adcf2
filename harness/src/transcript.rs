//! The transcript: one run, normalised, as the text stored in a case's snapshot.
//!
//! ```text
//! status: exit 0
//! --- stdout
//! pid=<SELF> ppid=<PARENT>
//! --- observed
//! descendants=7
//! --- file out.txt
//! hello
//! --- end
//! ```
//!
//! Sections appear only when the case checks them (stderr only with
//! `stderr = "compare"`, files only when listed). A stream that does not end in a
//! newline gets a line `\ no newline at end`, as diff(1) writes it. A body line that
//! starts with `--- ` or `\` gets one more `\` in front, so no output can pose as a
//! section header. The closing `--- end` keeps trailing blanks of the last section
//! significant (insta trims the end of a snapshot).

use crate::case::{Case, Stderr};
use crate::normalize::{Known, Normalizer, apply_filters, sort_unordered};
use crate::run::{Observation, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `stdout`, `stderr`, `observed`, `file out.txt`.
    pub name: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub status: String,
    pub sections: Vec<Section>,
}

pub fn status_word(status: Option<Status>) -> String {
    match status {
        Some(Status::Exited(code)) => format!("exit {code}"),
        Some(Status::Signaled { signal, core }) => {
            let core = if core { " (core dumped)" } else { "" };
            format!("signal {}{core}", signal_name(signal))
        }
        None => "did not end".to_string(),
    }
}

fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}

pub fn signal_name(n: i32) -> String {
    nix::sys::signal::Signal::try_from(n)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {n}"))
}

impl Transcript {
    /// Builds the transcript of a run as the case wants it checked.
    pub fn of(case: &Case, obs: &Observation, known: Known) -> Transcript {
        let mut norm = Normalizer::new(known);
        let stream = |raw: &[u8], norm: &mut Normalizer| {
            let mut text = apply_filters(&norm.text(raw), &case.filters);
            if let Some(re) = &case.unordered {
                text = sort_unordered(&text, re);
            }
            text
        };
        // A terminal shows one stream, with \r\n line ends (onlcr, termios(3)).
        let mut sections = vec![match obs.terminal {
            true => Section {
                name: "terminal".into(),
                body: stream(&crlf_to_lf(&obs.stdout), &mut norm),
            },
            false => Section {
                name: "stdout".into(),
                body: stream(&obs.stdout, &mut norm),
            },
        }];
        if case.stderr == Stderr::Compare && !obs.terminal {
            sections.push(Section {
                name: "stderr".into(),
                body: stream(&obs.stderr, &mut norm),
            });
        }
        if !obs.observed.is_empty() {
            sections.push(Section {
                name: "observed".into(),
                body: obs.observed.iter().map(|l| format!("{l}\n")).collect(),
            });
        }
        for (name, contents) in &obs.files {
            sections.push(match contents {
                Some(bytes) => Section {
                    name: format!("file {name}"),
                    body: stream(bytes, &mut norm),
                },
                None => Section {
                    name: format!("file {name} (missing)"),
                    body: String::new(),
                },
            });
        }
        Transcript {
            status: status_word(obs.status),
            sections,
        }
    }

    pub fn render(&self) -> String {
        let mut out = format!("status: {}\n", self.status);
        for s in &self.sections {
            out.push_str(&format!("--- {}\n", s.name));
            out.push_str(&escape_body(&s.body));
        }
        out.push_str("--- end\n");
        out
    }

    /// Reads back what [`Transcript::render`] wrote (a snapshot's contents).
    pub fn parse(text: &str) -> Result<Transcript, String> {
        let mut lines = text.split_inclusive('\n');
        let first = lines.next().unwrap_or("");
        let status = first
            .trim_end()
            .strip_prefix("status: ")
            .ok_or("a snapshot must start with `status: `")?
            .to_string();
        let mut sections: Vec<Section> = Vec::new();
        let mut ended = false;
        for line in lines {
            if let Some(name) = line.trim_end_matches('\n').strip_prefix("--- ") {
                if name == "end" {
                    ended = true;
                    break;
                }
                sections.push(Section {
                    name: name.to_string(),
                    body: String::new(),
                });
            } else {
                let Some(s) = sections.last_mut() else {
                    return Err("text before the first section".into());
                };
                s.body.push_str(line);
            }
        }
        if !ended {
            return Err("a snapshot must end with `--- end`".into());
        }
        for s in &mut sections {
            s.body = unescape_body(&s.body);
        }
        Ok(Transcript { status, sections })
    }
}

const NO_NEWLINE: &str = "\\ no newline at end\n";

fn escape_body(body: &str) -> String {
    let mut out = String::new();
    for line in body.split_inclusive('\n') {
        if line.starts_with("--- ") || line.starts_with('\\') {
            out.push('\\');
        }
        out.push_str(line);
    }
    if !body.is_empty() && !body.ends_with('\n') {
        out.push('\n');
        out.push_str(NO_NEWLINE);
    }
    out
}

fn unescape_body(body: &str) -> String {
    // The marker counts only as a whole line of its own (an escaped one has `\\`).
    let marked = body == NO_NEWLINE || body.ends_with(&format!("\n{NO_NEWLINE}"));
    let (body, cut) = if marked {
        (&body[..body.len() - NO_NEWLINE.len()], true)
    } else {
        (body, false)
    };
    let mut out = String::new();
    for line in body.split_inclusive('\n') {
        out.push_str(line.strip_prefix('\\').unwrap_or(line));
    }
    if cut {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(stdout: &str) -> Transcript {
        Transcript {
            status: "exit 0".into(),
            sections: vec![
                Section {
                    name: "stdout".into(),
                    body: stdout.into(),
                },
                Section {
                    name: "file a".into(),
                    body: "x  \n".into(),
                },
            ],
        }
    }

    #[test]
    fn render_and_parse_round_trip() {
        for out in [
            "a\nb\n",
            "no newline",
            "",
            "--- end\n\\ no newline at end\n",
            "\\x\n",
        ] {
            let tr = t(out);
            assert_eq!(Transcript::parse(&tr.render()).unwrap(), tr, "{out:?}");
        }
    }

    #[test]
    fn output_cannot_pose_as_a_section() {
        let r = t("--- stderr\nboo\n").render();
        assert!(r.contains("\\--- stderr"), "{r}");
    }

    #[test]
    fn missing_newline_is_visible() {
        assert!(t("hi").render().contains("hi\n\\ no newline at end\n"));
    }
}

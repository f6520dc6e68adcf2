//! Normalisation: turning one run's output into text that another run of a correct
//! program reproduces exactly, without erasing the facts a case checks.
//!
//! Process ids differ from run to run, so they are renamed, but in a way that keeps
//! relations: the program's own pid is `<SELF>`, its parent (the case's init) is
//! `<PARENT>`, the grader is `<GRADER>`, and every other id becomes `<P1>`, `<P2>`...
//! in order of first appearance. A child that prints `ppid=` followed by its parent's
//! pid thus shows the same name as the parent's own `pid=` line. Ids are recognised
//! only as `key=value` fields under keys that hold ids (see [`Kind::of_key`]), so a
//! count that happens to equal a pid is never renamed.
//!
//! A program cannot fake a name: every `<` it prints becomes `\<` before any name is
//! inserted, so a literal `<SELF>` in its output never equals the grader's `<SELF>`.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::case::Filter;

/// What the grader knows about the run, to name the values it can check.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub self_pid: i32,
    pub parent_pid: i32,
    pub grader_pid: i32,
    pub uid: u32,
    pub gid: u32,
    pub pid_max: Option<u64>,
    /// The case's scratch directory, replaced by `<SCRATCH>` wherever it appears.
    pub scratch: Option<String>,
}

/// The kinds of value a key can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pid,
    Uid,
    Gid,
    PidMax,
    Other,
}

impl Kind {
    /// The key vocabulary of the output conventions (writing-labs.md).
    fn of_key(key: &str) -> Kind {
        let pidish = ["pid", "child", "children", "parent", "leader"].contains(&key)
            || ["pid", "pgid", "sid", "pgrp"]
                .iter()
                .any(|s| key.ends_with(s));
        if key == "pid_max" {
            Kind::PidMax
        } else if pidish {
            Kind::Pid
        } else if key.ends_with("uid") {
            Kind::Uid
        } else if key.ends_with("gid") || key == "groups" {
            Kind::Gid
        } else {
            Kind::Other
        }
    }
}

/// Rust's panic message names the thread's id: `thread 'main' (4242) panicked at`.
static PANIC_TID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(thread '[^']*') \(\d+\) panicked at").expect("valid regex"));

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([a-z][a-z0-9_]*)=(-?[0-9]+(?:,-?[0-9]+)*)\b").expect("valid regex")
});

/// Renames ids consistently across all the text of one run (stdout, stderr, files).
pub struct Normalizer {
    known: Known,
    pids: HashMap<i64, String>,
    uids: HashMap<i64, String>,
    gids: HashMap<i64, String>,
}

impl Normalizer {
    pub fn new(known: Known) -> Normalizer {
        let mut pids = HashMap::new();
        for (pid, name) in [
            (known.self_pid, "SELF"),
            (known.parent_pid, "PARENT"),
            (known.grader_pid, "GRADER"),
        ] {
            // 0 means "not known" here; ids 0 and 1 stay literal, except that in a PID
            // namespace of the case's own (containment tier 1) the init is pid 1.
            if pid > 1 || (pid == 1 && name == "PARENT") {
                pids.entry(i64::from(pid))
                    .or_insert_with(|| format!("<{name}>"));
            }
        }
        let uids = HashMap::from([(i64::from(known.uid), "<UID>".to_string())]);
        let gids = HashMap::from([(i64::from(known.gid), "<GID>".to_string())]);
        Normalizer {
            known,
            pids,
            uids,
            gids,
        }
    }

    /// Normalises one stream or file of the run.
    pub fn text(&mut self, raw: &[u8]) -> String {
        let text = String::from_utf8_lossy(raw).replace('<', "\\<");
        let text = PANIC_TID.replace_all(&text, "$1 panicked at");
        let text = FIELD
            .replace_all(&text, |c: &Captures| {
                let key = &c[1];
                let values: Vec<String> = c[2]
                    .split(',')
                    .map(|v| self.value(Kind::of_key(key), v))
                    .collect();
                format!("{key}={}", values.join(","))
            })
            .into_owned();
        match &self.known.scratch {
            Some(dir) if !dir.is_empty() => text.replace(dir.as_str(), "<SCRATCH>"),
            _ => text,
        }
    }

    fn value(&mut self, kind: Kind, v: &str) -> String {
        let Ok(n) = v.parse::<i64>() else {
            return v.to_string();
        };
        let (map, prefix) = match kind {
            Kind::Other => return v.to_string(),
            Kind::PidMax => {
                return match self.known.pid_max {
                    Some(max) if u64::try_from(n) == Ok(max) => "<PID_MAX>".to_string(),
                    _ => v.to_string(),
                };
            }
            Kind::Pid => (&mut self.pids, "P"),
            Kind::Uid => (&mut self.uids, "U"),
            Kind::Gid => (&mut self.gids, "G"),
        };
        let sign = if n < 0 { "-" } else { "" };
        let abs = n.abs();
        if kind == Kind::Pid && abs <= 1 && !(n == 1 && self.known.parent_pid == 1) {
            return v.to_string();
        }
        // Numbered names only: the seeded ones (<SELF>, <PARENT>...) do not count.
        let numbered = |s: &&String| {
            s.strip_prefix('<')
                .and_then(|r| r.strip_prefix(prefix))
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        };
        let next = map.values().filter(numbered).count() + 1;
        let name = map
            .entry(abs)
            .or_insert_with(|| format!("<{prefix}{next}>"))
            .clone();
        format!("{sign}{name}")
    }
}

/// The case's own replacements, applied in order after the names are in.
pub fn apply_filters(text: &str, filters: &[Filter]) -> String {
    filters.iter().fold(text.to_string(), |t, f| {
        f.regex.replace_all(&t, f.with.as_str()).into_owned()
    })
}

/// Lines matching `unordered` may come in any order: they are sorted among the
/// positions they hold, and every other line stays where it is.
pub fn sort_unordered(text: &str, unordered: &Regex) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut chosen: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| unordered.is_match(l.trim_end_matches('\n')))
        .collect();
    if chosen.is_empty() {
        return text.to_string();
    }
    // A last line without its newline must not sort differently from the same line
    // with one; compare without the newline, then put them back as they were.
    chosen.sort_by(|a, b| a.trim_end_matches('\n').cmp(b.trim_end_matches('\n')));
    let mut sorted = chosen.into_iter();
    let mut out = String::with_capacity(text.len());
    let last = lines.len().saturating_sub(1);
    for (i, l) in lines.iter().enumerate() {
        if unordered.is_match(l.trim_end_matches('\n')) {
            let s = sorted.next().unwrap_or_default().trim_end_matches('\n');
            out.push_str(s);
            if i != last || l.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            self_pid: 500,
            parent_pid: 499,
            grader_pid: 400,
            uid: 1000,
            gid: 1000,
            pid_max: Some(4194304),
            scratch: Some("/tmp/.tmpXYZ".to_string()),
        }
    }

    fn norm(s: &str) -> String {
        Normalizer::new(known()).text(s.as_bytes())
    }

    #[test]
    fn known_pids_get_their_names() {
        assert_eq!(norm("pid=500 ppid=499"), "pid=<SELF> ppid=<PARENT>");
        assert_eq!(norm("pid=400 ppid=1"), "pid=<GRADER> ppid=1");
    }

    #[test]
    fn other_pids_are_numbered_in_order_and_keep_relations() {
        let out = norm("child=712 ppid=500\nchild=705 ppid=500\nreaped=712\nchild=712\n");
        assert_eq!(
            out,
            "child=<P1> ppid=<SELF>\nchild=<P2> ppid=<SELF>\nreaped=712\nchild=<P1>\n"
        );
    }

    #[test]
    fn ids_in_lists_and_negative_groups() {
        assert_eq!(
            norm("children=7,8 pgid=-7"),
            "children=<P1>,<P2> pgid=-<P1>"
        );
    }

    #[test]
    fn zero_and_one_stay_literal() {
        assert_eq!(norm("pid=1 ppid=0 sid=0"), "pid=1 ppid=0 sid=0");
    }

    #[test]
    fn a_literal_name_cannot_fake_a_match() {
        let faked = norm("pid=<SELF> ppid=<P1>");
        assert_eq!(faked, "pid=\\<SELF> ppid=\\<P1>");
        assert_ne!(faked, norm("pid=500 ppid=9"));
    }

    #[test]
    fn panic_messages_lose_the_thread_id() {
        assert_eq!(
            norm("thread 'main' (4242) panicked at src/x.rs:1:1:\n"),
            "thread 'main' panicked at src/x.rs:1:1:\n"
        );
    }

    #[test]
    fn counts_are_not_pids() {
        assert_eq!(norm("count=500 processes=499"), "count=500 processes=499");
    }

    #[test]
    fn uid_gid_pid_max_and_scratch() {
        assert_eq!(
            norm("uid=1000 euid=0 gid=1000 groups=1000,27 pgid=500"),
            "uid=<UID> euid=<U1> gid=<GID> groups=<GID>,<G1> pgid=<SELF>"
        );
        assert_eq!(norm("pid_max=4194304"), "pid_max=<PID_MAX>");
        assert_eq!(norm("pid_max=32768"), "pid_max=32768");
        assert_eq!(norm("cwd=/tmp/.tmpXYZ/sub"), "cwd=<SCRATCH>/sub");
    }

    #[test]
    fn unordered_lines_sort_in_their_slots() {
        let re = Regex::new("^child=").unwrap();
        let a = sort_unordered("start\nchild=<P2>\nchild=<P1>\nend\n", &re);
        assert_eq!(a, "start\nchild=<P1>\nchild=<P2>\nend\n");
        let b = sort_unordered("child=b\nchild=a", &re);
        assert_eq!(b, "child=a\nchild=b");
    }

    #[test]
    fn filters_apply_in_order() {
        let filters = vec![
            Filter {
                regex: Regex::new("a").unwrap(),
                with: "b".into(),
            },
            Filter {
                regex: Regex::new("b").unwrap(),
                with: "c".into(),
            },
        ];
        assert_eq!(apply_filters("ab", &filters), "cc");
    }
}

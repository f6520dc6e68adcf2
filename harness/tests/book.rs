//! The book cannot rot silently: every `{{#include}}` in docs/src names a file that
//! exists and, where it names an anchor, a file that has that anchor; every chapter
//! in SUMMARY.md exists; every relative link `[x](file.md#anchor)` reaches a file and,
//! where it names one, a heading of that file. No mdbook binary and no network: the
//! Markdown is read as text, with mdBook's rule for heading ids.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the harness lives in the repository")
        .to_path_buf()
}

fn src() -> PathBuf {
    root().join("docs/src")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every Markdown file below docs/src, relative to it.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry"))
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            let path = e.path();
            if path.is_dir() {
                walk(&path, &rel.join(&name), out);
            } else if path.extension().is_some_and(|x| x == "md") {
                out.push(rel.join(&name));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), Path::new(""), &mut out);
    out
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn tidy(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The text of a page outside fenced code blocks, line by line (with line numbers),
/// and with inline code spans blanked, so that examples of syntax are not links.
fn prose(text: &str) -> Vec<(usize, String)> {
    static CODE_SPAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`[^`]*`").unwrap());
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3 && marker.chars().all(|c| c == marker.chars().next().unwrap()) {
            match &fence {
                None => {
                    fence = Some(marker);
                    continue;
                }
                Some(open) if marker.starts_with(open.as_str()) && t.trim() == marker => {
                    fence = None;
                    continue;
                }
                Some(_) => {}
            }
        }
        if fence.is_none() {
            out.push((i + 1, CODE_SPAN.replace_all(line, "").into_owned()));
        }
    }
    out
}

/// mdBook's id for a heading: the rendered text, lower-cased, whitespace made `-`,
/// everything but letters, digits, `_` and `-` dropped.
fn heading_id(heading: &str) -> String {
    // What renders as text: link text without its target, code without backticks,
    // emphasis without its stars, entities and tags gone.
    static LINK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").unwrap());
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap());
    let text = LINK.replace_all(heading, "$1");
    let text = TAG.replace_all(&text, "");
    let text = text.replace(['`', '*'], "");
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The ids of a page's headings, with mdBook's `-1`, `-2`... for repeats.
fn anchors(text: &str) -> HashSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = HashSet::new();
    for (_, line) in prose_with_code(text) {
        let t = line.trim_start();
        let hashes = t.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&hashes) || !t[hashes..].starts_with(' ') {
            continue;
        }
        let id = heading_id(t[hashes..].trim().trim_end_matches('#'));
        let n = seen.entry(id.clone()).or_insert(0);
        out.insert(if *n == 0 {
            id.clone()
        } else {
            format!("{id}-{n}")
        });
        *n += 1;
    }
    out
}

/// Like [`prose`], but keeping inline code (a heading's code is part of its text).
fn prose_with_code(text: &str) -> Vec<(usize, String)> {
    let blank = prose(text);
    let lines: Vec<&str> = text.lines().collect();
    blank
        .into_iter()
        .map(|(n, _)| (n, lines[n - 1].to_string()))
        .collect()
}

#[test]
fn heading_ids_follow_mdbook() {
    assert_eq!(heading_id("Task: ids"), "task-ids");
    assert_eq!(
        heading_id("What exit does that _exit does not"),
        "what-exit-does-that-_exit-does-not"
    );
    assert_eq!(
        heading_id("The calls in C, nix and std"),
        "the-calls-in-c-nix-and-std"
    );
    assert_eq!(heading_id("What `system()` does"), "what-system-does");
    assert_eq!(heading_id("A [link](x.md) here"), "a-link-here");
    let ids = anchors("# A\n\n## B\n\n## B\n\n```sh\n# not a heading\n```\n");
    assert!(ids.contains("a") && ids.contains("b") && ids.contains("b-1"));
    assert!(!ids.contains("not-a-heading"));
}

#[test]
fn summary_lists_existing_pages() {
    let summary = read(&src().join("SUMMARY.md"));
    let link = Regex::new(r"\]\(([^)]*)\)").unwrap();
    let mut bad = Vec::new();
    let mut count = 0;
    for (n, line) in prose(&summary) {
        for cap in link.captures_iter(&line) {
            let target = &cap[1];
            count += 1;
            // An empty target is mdBook's draft chapter: allowed, and not a file.
            if !target.is_empty() && !src().join(target).is_file() {
                bad.push(format!("SUMMARY.md:{n}: {target} does not exist"));
            }
        }
    }
    assert!(count > 5, "SUMMARY.md lists only {count} pages");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_page_is_in_the_summary() {
    let summary = read(&src().join("SUMMARY.md"));
    let mut missing = Vec::new();
    for page in pages() {
        let name = page.to_string_lossy().replace('\\', "/");
        if name != "SUMMARY.md" && !summary.contains(&format!("]({name})")) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "not in SUMMARY.md: {missing:?}");
}

#[test]
fn includes_resolve() {
    // {{#include path}}, {{#include path:anchor}}, {{#include path:10:20}}, and the
    // same for rustdoc_include.
    // mdBook expands them inside code blocks too; `\{{#include ...}}` is the escape
    // that shows one literally.
    let include =
        Regex::new(r"(^|[^\\])\{\{#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}").unwrap();
    let handout_drops = ["solutions/", "harness/hidden/", "harness/bugs/"];
    let mut bad = Vec::new();
    let mut count = 0;
    for page in pages() {
        let text = read(&src().join(&page));
        let dir = page.parent().unwrap_or(Path::new(""));
        for (n, line) in text.lines().enumerate() {
            for cap in include.captures_iter(line) {
                count += 1;
                let spec = &cap[3];
                let (file, rest) = match spec.split_once(':') {
                    Some((f, r)) => (f, Some(r)),
                    None => (spec, None),
                };
                let here = format!("{}:{}", page.display(), n + 1);
                let rel = tidy(&Path::new("docs/src").join(dir).join(file));
                let rel_s = rel.to_string_lossy().replace('\\', "/");
                if handout_drops.iter().any(|d| rel_s.starts_with(d)) {
                    bad.push(format!("{here}: {rel_s} is not in the students' handout"));
                    continue;
                }
                let path = root().join(&rel);
                let Ok(body) = std::fs::read_to_string(&path) else {
                    bad.push(format!("{here}: {rel_s} does not exist"));
                    continue;
                };
                // A line range (`:10`, `:10:20`, `:10:`, `::20`) needs no anchor.
                let Some(anchor) =
                    rest.filter(|r| !r.chars().all(|c| c.is_ascii_digit() || c == ':'))
                else {
                    continue;
                };
                let open = Regex::new(&format!(r"ANCHOR:\s*{}\b", regex::escape(anchor))).unwrap();
                let close =
                    Regex::new(&format!(r"ANCHOR_END:\s*{}\b", regex::escape(anchor))).unwrap();
                match (open.find(&body), close.find(&body)) {
                    (Some(o), Some(c)) if o.start() < c.start() => {}
                    (Some(_), Some(_)) => {
                        bad.push(format!("{here}: {rel_s}: ANCHOR_END: {anchor} comes first"))
                    }
                    (None, _) => bad.push(format!("{here}: {rel_s} has no ANCHOR: {anchor}")),
                    (_, None) => bad.push(format!("{here}: {rel_s} has no ANCHOR_END: {anchor}")),
                }
            }
        }
    }
    assert!(count > 0, "the book includes no code at all");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn relative_links_resolve() {
    // [text](target) and [text](target "title"); images too.
    let link = Regex::new(r#"\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#).unwrap();
    let mut cache: BTreeMap<PathBuf, HashSet<String>> = BTreeMap::new();
    let mut bad = Vec::new();
    let mut count = 0;
    for page in pages() {
        let text = read(&src().join(&page));
        let dir = page.parent().unwrap_or(Path::new("")).to_path_buf();
        for (n, line) in prose(&text) {
            for cap in link.captures_iter(&line) {
                let target = &cap[1];
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                count += 1;
                let here = format!("{}:{n}", page.display());
                let (file, anchor) = match target.split_once('#') {
                    Some((f, a)) => (f, Some(a)),
                    None => (target, None),
                };
                let rel = if file.is_empty() {
                    page.clone()
                } else {
                    tidy(&dir.join(file))
                };
                let path = src().join(&rel);
                if !path.exists() {
                    bad.push(format!(
                        "{here}: {target}: {} does not exist",
                        rel.display()
                    ));
                    continue;
                }
                let Some(anchor) = anchor else { continue };
                if path.extension().is_none_or(|x| x != "md") {
                    continue;
                }
                let ids = cache
                    .entry(rel.clone())
                    .or_insert_with(|| anchors(&read(&path)));
                if !ids.contains(anchor) {
                    bad.push(format!(
                        "{here}: {target}: no heading #{anchor} in {}",
                        rel.display()
                    ));
                }
            }
        }
    }
    assert!(
        count > 10,
        "only {count} relative links found: is the scan broken?"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn case_sections_name_real_headings() {
    // A case's `section = "01-pids.md#walking-up-the-tree"` is shown to a student
    // whose case failed: it must lead somewhere.
    let section = Regex::new(r#"(?m)^section\s*=\s*"([^"]+)""#).unwrap();
    let mut cache: BTreeMap<String, Option<HashSet<String>>> = BTreeMap::new();
    let mut bad = Vec::new();
    for tree in ["harness/cases", "harness/hidden"] {
        let Ok(labs) = std::fs::read_dir(root().join(tree)) else {
            continue;
        };
        for lab in labs {
            let lab = lab.unwrap().path();
            let Ok(cases) = std::fs::read_dir(&lab) else {
                continue;
            };
            for case in cases {
                let case = case.unwrap().path();
                if case.extension().is_none_or(|x| x != "toml") {
                    continue;
                }
                let text = read(&case);
                for cap in section.captures_iter(&text) {
                    let target = &cap[1];
                    let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
                    let here = case
                        .strip_prefix(root())
                        .unwrap_or(&case)
                        .display()
                        .to_string();
                    let ids = cache.entry(file.to_string()).or_insert_with(|| {
                        let path = src().join(file);
                        path.is_file().then(|| anchors(&read(&path)))
                    });
                    match ids {
                        None => bad.push(format!("{here}: {file} does not exist")),
                        Some(ids) if !anchor.is_empty() && !ids.contains(anchor) => {
                            bad.push(format!("{here}: no heading #{anchor} in {file}"))
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn heading_ids_are_not_smartened() {
    // mdBook 0.5 turns `--` into an en dash by default, which changes heading ids
    // ("--cap-drop" loses a hyphen) and the options written in the text. The rule in
    // `heading_id` is the one for plain punctuation, so the book must ask for it.
    let text = read(&root().join("docs/book.toml"));
    let book: toml::Table = toml::from_str(&text).expect("docs/book.toml is TOML");
    let smart = book
        .get("output")
        .and_then(|o| o.get("html"))
        .and_then(|h| h.get("smart-punctuation"))
        .and_then(|s| s.as_bool());
    assert_eq!(
        smart,
        Some(false),
        "docs/book.toml: [output.html] smart-punctuation = false"
    );
}

#[test]
fn every_lab_chapter_has_the_parts_of_a_lab() {
    // What a student studying alone needs from each chapter (see
    // docs/src/instructors/writing-labs.md), and the coverage page naming it.
    let labs: toml::Table =
        toml::from_str(&read(&root().join("harness/labs.toml"))).expect("labs.toml is TOML");
    let coverage = read(&src().join("coverage.md"));
    let parts: [(&str, &[&str]); 5] = [
        (
            "the C call beside nix and std",
            &["c, nix", "calls in c", "nix and std"],
        ),
        ("the man pages", &["man pages"]),
        ("the exercise specification", &["exercise"]),
        ("the classic mistakes", &["classic mistakes"]),
        ("questions to check yourself", &["check yourself"]),
    ];
    let mut bad = Vec::new();
    let list = labs
        .get("lab")
        .and_then(|l| l.as_array())
        .expect("labs.toml has [[lab]]");
    for lab in list {
        let number = lab.get("number").and_then(|n| n.as_integer()).unwrap();
        let name = lab.get("name").and_then(|n| n.as_str()).unwrap();
        let chapter = format!("{number:02}-{name}.md");
        let text = read(&src().join(&chapter));
        let headings: Vec<String> = prose_with_code(&text)
            .into_iter()
            .map(|(_, l)| l)
            .filter(|l| l.starts_with("## ") || l.starts_with("### "))
            .map(|l| l.to_lowercase())
            .collect();
        for (what, words) in parts {
            if !headings.iter().any(|h| words.iter().any(|w| h.contains(w))) {
                bad.push(format!("{chapter}: no section for {what}"));
            }
        }
        if !coverage.contains(&chapter) {
            bad.push(format!("coverage.md does not name {chapter}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Rust the book shows comes from files that compile: a ```rust block holds only an
/// include, never code typed into the page (which would rot unseen). The
/// instructors' pages are exempt: they show the lab conventions themselves.
#[test]
fn rust_blocks_are_includes() {
    let mut typed = Vec::new();
    for page in pages()
        .into_iter()
        .filter(|p| !p.starts_with("instructors"))
    {
        let text = read(&src().join(&page));
        let mut in_rust = false;
        for (n, line) in text.lines().enumerate() {
            let fence = line.trim_start().starts_with("```");
            if fence && !in_rust && line.trim_start().starts_with("```rust") {
                in_rust = true;
                continue;
            }
            if fence && in_rust {
                in_rust = false;
                continue;
            }
            if in_rust && !line.trim().is_empty() && !line.trim().starts_with("{{#include") {
                typed.push(format!("{}:{}: {line}", page.display(), n + 1));
            }
        }
    }
    assert!(
        typed.is_empty(),
        "Rust typed into the book:\n{}",
        typed.join("\n")
    );
}

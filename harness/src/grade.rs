//! Grading, top-down: choose the labs, build them, run every case contained, normalise,
//! compare with the snapshots, and collect one result model that report.rs prints.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::build::{self, Built};
use crate::case::{self, Case, Visibility};
use crate::labs::{self, Lab};
use crate::normalize::Known;
use crate::run::{Observation, Runner};
use crate::transcript::Transcript;
use crate::verdict::{self, Class, Failure};

/// What to grade and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository: the folder with `Cargo.toml`, `labs/` and `harness/`.
    pub root: PathBuf,
    /// Grade the reference solutions instead of the student's labs.
    pub reference: bool,
    /// Names as typed (`fork`, `03`, `03-fork`); empty means every lab.
    pub labs: Vec<String>,
    pub public_only: bool,
    /// Only the cases with these names (in every chosen lab); empty means all.
    pub cases: Vec<String>,
    /// How many cases run at once.
    pub jobs: usize,
    pub runner: Runner,
}

impl Options {
    pub fn new(root: PathBuf, init_exe: PathBuf) -> Options {
        Options {
            root,
            reference: false,
            labs: Vec::new(),
            public_only: false,
            cases: Vec::new(),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            runner: Runner::new(init_exe),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub visibility: Visibility,
    pub description: String,
    pub points: u32,
    /// The command as a student would type it in the lab's folder.
    pub command: String,
    pub failure: Option<Failure>,
    pub hint: Option<String>,
    pub section: Option<String>,
    pub elapsed: Duration,
    /// The case could not run here (why); it counts for nothing either way.
    pub skipped: Option<String>,
    /// Something the student should know about how the case was graded here.
    pub note: Option<String>,
    /// How the program ended and how the reference ends (`exit 0`, `signal SIGKILL`),
    /// where the case ran.
    pub status: Option<(String, String)>,
}

impl CaseResult {
    pub fn score(&self) -> u32 {
        if self.failure.is_none() && self.skipped.is_none() {
            self.points
        } else {
            0
        }
    }

    /// The points the case is worth here: nothing when it was skipped.
    pub fn max_score(&self) -> u32 {
        if self.skipped.is_some() {
            0
        } else {
            self.points
        }
    }
}

#[derive(Debug, Clone)]
pub struct LabResult {
    pub lab: Lab,
    pub cases: Vec<CaseResult>,
}

impl LabResult {
    pub fn score(&self) -> u32 {
        self.cases.iter().map(CaseResult::score).sum()
    }
    pub fn max_score(&self) -> u32 {
        self.cases.iter().map(CaseResult::max_score).sum()
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub labs: Vec<LabResult>,
    /// Problems that are not the student's: broken case files, missing snapshots.
    /// Grading went on without them; the grader exits 2.
    pub problems: Vec<String>,
    /// Whether hidden cases exist here at all (the handout has none).
    pub hidden_available: bool,
    pub reference: bool,
    pub containment: String,
    pub elapsed: Duration,
    /// With `--submission`: the submission's folder name.
    pub submission: Option<String>,
    /// With `--submission`: what the submission changed that grading ignored.
    pub ignored: Vec<String>,
}

impl Report {
    pub fn score(&self) -> u32 {
        self.labs.iter().map(LabResult::score).sum()
    }
    pub fn max_score(&self) -> u32 {
        self.labs.iter().map(LabResult::max_score).sum()
    }
    pub fn all_passed(&self) -> bool {
        self.labs
            .iter()
            .all(|l| l.cases.iter().all(|c| c.failure.is_none()))
    }
}

/// The snapshot file of a case: `harness/<cases|hidden>/<lab>/snapshots/<case>.snap`.
pub fn snapshot_path(root: &Path, lab: &Lab, case: &Case) -> PathBuf {
    snapshot_variant(root, lab, case, false, false)
}

/// The snapshot name of a case in one setting: `<case>[.nons][.unprivileged]`.
/// - `.unprivileged`: a `privilege = "root"` case run without root, graded on the
///   behaviour an ordinary user sees;
/// - `.nons`: recorded outside a PID namespace of the case's own (containment tiers
///   2 and 3), where a program can see the processes above the case's init. Only the
///   few cases whose output shows that world have one; the others fall back to the
///   plain snapshot.
pub fn snapshot_name(case: &Case, unprivileged: bool, outside_ns: bool) -> String {
    let mut name = case.name.clone();
    if outside_ns {
        name.push_str(".nons");
    }
    if unprivileged {
        name.push_str(".unprivileged");
    }
    name
}

/// The snapshot file a case is judged by here (see [`snapshot_name`]).
pub fn snapshot_variant(
    root: &Path,
    lab: &Lab,
    case: &Case,
    unprivileged: bool,
    outside_ns: bool,
) -> PathBuf {
    let dir = case_dir(root, lab, case.visibility).join("snapshots");
    let specific = dir.join(format!(
        "{}.snap",
        snapshot_name(case, unprivileged, outside_ns)
    ));
    if outside_ns && !specific.exists() {
        return dir.join(format!("{}.snap", snapshot_name(case, unprivileged, false)));
    }
    specific
}

/// The note a student sees on a case graded as an ordinary user instead of root.
pub const UNPRIVILEGED_NOTE: &str = "graded the unprivileged behaviour: this case needs \
     root to show the full drop, and the grader cannot give it here";

pub fn case_dir(root: &Path, lab: &Lab, visibility: Visibility) -> PathBuf {
    root.join("harness")
        .join(visibility.folder())
        .join(&lab.name)
}

/// Every case of a lab, public first; broken files come back as problems.
pub fn load_cases(root: &Path, lab: &Lab, public_only: bool) -> (Vec<Case>, Vec<String>) {
    let (mut cases, mut problems) =
        case::load_dir(&case_dir(root, lab, Visibility::Public), Visibility::Public);
    if !public_only {
        let (hidden, more) =
            case::load_dir(&case_dir(root, lab, Visibility::Hidden), Visibility::Hidden);
        cases.extend(hidden);
        problems.extend(more);
    }
    (cases, problems)
}

/// The facts the normaliser names, for one run.
pub fn known(obs: &Observation) -> Known {
    let (uid, gid) = match &obs.plan {
        Some(plan) => (plan.uid, plan.gid),
        None => (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        ),
    };
    Known {
        self_pid: obs.main_pid,
        parent_pid: if obs.parent_pid != 0 {
            obs.parent_pid
        } else {
            obs.init_pid
        },
        grader_pid: std::process::id() as i32,
        uid,
        gid,
        pid_max: obs.pid_max.or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/pid_max")
                .ok()
                .and_then(|s| s.trim().parse().ok())
        }),
        scratch: Some(obs.scratch.clone()),
    }
}

/// Runs one case and returns the run and its transcript (what a snapshot records).
pub fn observe(runner: &Runner, program: &Path, case: &Case) -> (Observation, Transcript) {
    let obs = runner.run(program, case);
    let transcript = Transcript::of(case, &obs, known(&obs));
    (obs, transcript)
}

/// Reads a snapshot written by insta.
pub fn load_snapshot(path: &Path) -> Result<Transcript, String> {
    let snap = insta::Snapshot::from_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = snap
        .contents()
        .as_text()
        .ok_or_else(|| format!("{}: not a text snapshot", path.display()))?
        .to_string();
    Transcript::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs and judges one case against its snapshot.
pub fn judge_case(
    root: &Path,
    runner: &Runner,
    lab: &Lab,
    program: &Path,
    case: &Case,
) -> CaseResult {
    let started = Instant::now();
    let plan = runner.plan(case);
    if let Some(why) = plan.skip {
        let mut r = result_of(lab, case, None, Duration::ZERO);
        r.skipped = Some(why);
        return r;
    }
    let outside_ns = runner.contain.tier != crate::contain::Tier::Namespaces;
    let path = snapshot_variant(root, lab, case, plan.unprivileged_variant, outside_ns);
    let mut status = None;
    let failure = match load_snapshot(&path) {
        Err(e) => Some(Failure {
            class: Class::BadCase,
            message: format!("no usable snapshot ({e}); an instructor runs `just bless`"),
            details: String::new(),
            symptom: None,
        }),
        Ok(expected) => {
            let (obs, actual) = observe(runner, program, case);
            status = Some((actual.status.clone(), expected.status.clone()));
            verdict::judge(case, &obs, &actual, &expected)
        }
    };
    let mut r = result_of(lab, case, failure, started.elapsed());
    r.status = status;
    if plan.unprivileged_variant {
        r.note = Some(UNPRIVILEGED_NOTE.to_string());
    }
    r
}

fn result_of(lab: &Lab, case: &Case, failure: Option<Failure>, elapsed: Duration) -> CaseResult {
    CaseResult {
        name: case.name.clone(),
        visibility: case.visibility,
        description: case.description.clone(),
        points: case.points,
        command: case.command_line(&format!("cargo run -q -p {} --", lab.name)),
        failure,
        hint: case.hint.clone(),
        section: case.section.clone(),
        elapsed,
        skipped: None,
        note: None,
        status: None,
    }
}

/// Grades with the labs as they are in `opts.root`.
pub fn grade(opts: &Options) -> Result<Report, String> {
    let started = Instant::now();
    let all = labs::load(&opts.root)?;
    let chosen = select(&all, &opts.labs)?;
    let built = build::in_place(&opts.root, &chosen, opts.reference)?;
    let programs: Vec<(&Lab, Built)> = chosen
        .iter()
        .map(|l| (*l, built.get(&l.name).cloned().expect("built")))
        .collect();
    let mut report = grade_built(opts, &programs);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Grades submissions (other checkouts) with this repository's harness and cases:
/// every submission's student files are built in one scratch workspace, so the
/// dependencies are built once and the labs in parallel; then each submission is
/// graded in turn, `on_done` called after each (a progress bar).
pub fn grade_submissions(
    opts: &Options,
    dirs: &[PathBuf],
    on_done: &dyn Fn(&Report),
) -> Result<Vec<Report>, String> {
    let all = labs::load(&opts.root)?;
    let chosen = select(&all, &opts.labs)?;
    let mut subs = Vec::new();
    for d in dirs {
        subs.push(crate::submission::read(&opts.root, &chosen, d));
    }
    let mut entries = Vec::new();
    for (i, sub) in subs.iter().enumerate() {
        let Ok(sub) = sub else { continue };
        for lab in &chosen {
            if let Ok(source) = &sub.sources[&lab.name] {
                entries.push(build::Entry {
                    tag: format!("s{i}"),
                    lab,
                    reference: false,
                    source: source.clone(),
                });
            }
        }
    }
    let (_dir, built) = build::scratch_workspace(&opts.root, &entries)?;
    let mut built = built.into_iter();
    let mut reports = Vec::new();
    for (i, sub) in subs.iter().enumerate() {
        let started = Instant::now();
        let report = match sub {
            Err(e) => {
                // An unreadable submission still gets a report: no points, one problem.
                let programs: Vec<(&Lab, Built)> = chosen
                    .iter()
                    .map(|l| {
                        (
                            *l,
                            Built::Failed(format!("the submission cannot be read: {e}")),
                        )
                    })
                    .collect();
                let mut r = grade_built(opts, &programs);
                r.problems.push(e.clone());
                r.submission = dirs[i]
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                r
            }
            Ok(sub) => {
                let programs: Vec<(&Lab, Built)> = chosen
                    .iter()
                    .map(|l| match &sub.sources[&l.name] {
                        Ok(_) => (*l, built.next().expect("one build per entry")),
                        Err(e) => (*l, Built::Failed(format!("missing: {e}"))),
                    })
                    .collect();
                let mut r = grade_built(opts, &programs);
                r.submission = Some(sub.name.clone());
                r.ignored = sub.ignored.clone();
                r
            }
        };
        let mut report = report;
        report.elapsed = started.elapsed();
        on_done(&report);
        reports.push(report);
    }
    Ok(reports)
}

/// The labs a list of names asks for, in book order, each once; all when empty.
pub fn select<'a>(all: &'a [Lab], wanted: &[String]) -> Result<Vec<&'a Lab>, String> {
    if wanted.is_empty() {
        return Ok(all.iter().collect());
    }
    let mut chosen = Vec::new();
    for w in wanted {
        let lab = labs::resolve(all, w)?;
        if !chosen.iter().any(|c: &&Lab| c.name == lab.name) {
            chosen.push(lab);
        }
    }
    chosen.sort_by_key(|l| l.number);
    Ok(chosen)
}

/// Grades labs that are already built (or failed to build).
pub fn grade_built(opts: &Options, programs: &[(&Lab, Built)]) -> Report {
    // A student's program has no business with the hidden cases or the solutions:
    // where the containment can, they are out of its sight.
    let mut runner = opts.runner.clone();
    if !opts.reference {
        runner.hide = vec![
            opts.root.join("solutions"),
            opts.root.join("harness").join("hidden"),
        ];
        let labs: Vec<&Lab> = programs.iter().map(|(l, _)| *l).collect();
        // Never the program being graded itself (a test may grade a reference build
        // as if it were a student's).
        let graded: Vec<&PathBuf> = programs
            .iter()
            .filter_map(|(_, b)| match b {
                Built::Binary(p) => Some(p),
                Built::Failed(_) => None,
            })
            .collect();
        runner.hide.extend(
            build::reference_binaries(&opts.root, &labs)
                .into_iter()
                .filter(|p| !graded.contains(&p)),
        );
    }
    let mut problems = Vec::new();
    let mut jobs: Vec<(usize, Case)> = Vec::new();
    let mut results: Vec<LabResult> = Vec::new();
    let mut hidden_available = false;
    for (i, (lab, built)) in programs.iter().enumerate() {
        let (mut cases, bad) = load_cases(&opts.root, lab, opts.public_only);
        if !opts.cases.is_empty() {
            cases.retain(|c| opts.cases.contains(&c.name));
        }
        hidden_available |= case_dir(&opts.root, lab, Visibility::Hidden).is_dir();
        problems.extend(bad);
        // Hidden cases may be absent (a handout has none); public ones may not.
        let public = case_dir(&opts.root, lab, Visibility::Public);
        if !public.is_dir() {
            problems.push(format!(
                "{}: no such folder: lab {} has no public cases",
                public.display(),
                lab.name
            ));
        }
        let mut lab_result = LabResult {
            lab: (*lab).clone(),
            cases: Vec::new(),
        };
        match built {
            Built::Failed(errors) => {
                for case in &cases {
                    // A missing or unreadable file says so in the message itself.
                    let message = match errors.strip_prefix("missing: ") {
                        Some(why) => format!("no student file to build: {why}"),
                        None => format!("labs/{} does not compile", lab.folder()),
                    };
                    let failure = Failure {
                        class: Class::BuildFailed,
                        message,
                        details: errors.clone(),
                        symptom: None,
                    };
                    lab_result
                        .cases
                        .push(result_of(lab, case, Some(failure), Duration::ZERO));
                }
            }
            Built::Binary(_) => jobs.extend(cases.into_iter().map(|c| (i, c))),
        }
        results.push(lab_result);
    }

    // Cases run in parallel, `opts.jobs` at a time; each is contained on its own, so
    // the order they finish in does not matter.
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, usize, CaseResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let j = next.fetch_add(1, Ordering::SeqCst);
                    let Some((lab_index, case)) = jobs.get(j) else {
                        break;
                    };
                    let (lab, built) = &programs[*lab_index];
                    let Built::Binary(program) = built else {
                        continue;
                    };
                    let r = judge_case(&opts.root, &runner, lab, program, case);
                    done.lock()
                        .expect("no panics while holding it")
                        .push((*lab_index, j, r));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("threads joined");
    done.sort_by_key(|(_, j, _)| *j);
    // A case that could not be judged (no snapshot) is the instructor's problem too.
    for (lab_index, _, r) in &done {
        if let Some(f) = &r.failure
            && f.class == Class::BadCase
        {
            let lab = &programs[*lab_index].0.name;
            problems.push(format!("{lab}/{}: {}", r.name, f.message));
        }
    }
    for (lab_index, _, r) in done {
        results[lab_index].cases.push(r);
    }
    Report {
        labs: results,
        problems,
        hidden_available,
        reference: opts.reference,
        containment: opts.runner.contain.summary(),
        elapsed: Duration::ZERO,
        submission: None,
        ignored: Vec::new(),
    }
}

/// Per-lab results keyed by short name, for tests and reports.
pub fn by_lab(report: &Report) -> HashMap<String, &LabResult> {
    report
        .labs
        .iter()
        .map(|l| (l.lab.name.clone(), l))
        .collect()
}

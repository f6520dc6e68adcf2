//! Hostile submissions (data in tests/data/hostile.toml): whatever a student's code
//! does, the grader ends with a report, another lab graded beside it keeps full
//! marks, nothing of the case outlives it, nothing is left in /tmp, and each run ends
//! within a bound (the case's deadline plus [`SLACK`]).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proclab_harness::build::{self, Built};
use proclab_harness::grade;
use proclab_harness::labs::Lab;
use serde::Deserialize;

/// How far past the case's deadline a hostile run may go: the init's grace period,
/// the runner's hard stop and a busy machine.
const SLACK: Duration = Duration::from_secs(6);

#[derive(Deserialize)]
struct File {
    hostile: Vec<Hostile>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Hostile {
    name: String,
    why: String,
    code: String,
    expect: Vec<String>,
    #[serde(default)]
    tiers: Vec<String>,
    #[serde(default)]
    needs_nproc: bool,
    forbid_exit: Option<ForbidExit>,
}

#[derive(Deserialize, Clone)]
struct ForbidExit {
    code: i32,
    tiers: Vec<String>,
}

/// Where the hostile code goes: first thing in the function the `ids` case calls.
const ANCHOR: &str = "pub fn ids() -> nix::Result<Ids> {\n    // BEGIN STUDENT CODE\n";

fn lab(name: &str) -> Lab {
    let all = proclab_harness::labs::load(&support::root()).unwrap();
    all.into_iter().find(|l| l.name == name).unwrap()
}

/// Processes still running the given binary.
fn running(binary: &Path) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe == binary || exe.starts_with(binary))
        })
        .collect()
}

/// The cases' scratch directories in `dir`.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("proclab-case-"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn hostile_submissions_cannot_hurt_grading() {
    // The cases' scratch directories go into a folder of this test's own (the grader
    // makes them in $TMPDIR), so that what is left there is this test's doing. Set
    // before any thread of ours starts.
    let tmp = tempfile::tempdir().unwrap();
    unsafe { std::env::set_var("TMPDIR", tmp.path()) };
    let root = support::root();
    let text = std::fs::read_to_string(root.join("harness/tests/data/hostile.toml")).unwrap();
    let fixtures: Vec<Hostile> = toml::from_str::<File>(&text).unwrap().hostile;
    assert!(fixtures.len() >= 12, "{} hostile fixtures", fixtures.len());
    let runner = support::runner();
    let tier = runner.contain.tier.word();
    let pids = lab("pids");
    let other = lab("exit");
    let reference =
        std::fs::read_to_string(pids.crate_dir(&root, true).join(pids.student_file())).unwrap();
    assert_eq!(reference.matches(ANCHOR).count(), 1, "the anchor moved");
    let outside = tempfile::tempdir().unwrap();
    let refbin = support::binary(&pids, true);
    std::fs::write(outside.path().join("canary"), "still here").unwrap();

    // `PROCLAB_HOSTILE=a,b` runs only those (to look at one closely).
    let only: Vec<String> = std::env::var("PROCLAB_HOSTILE")
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let contained = kill_all_stays_inside(&runner);
    // RLIMIT_NPROC binds every program but the host's root outside a namespace.
    let nproc_holds =
        !(runner.contain.root && runner.contain.tier == proclab_harness::contain::Tier::BestEffort);
    let chosen: Vec<Hostile> = fixtures
        .iter()
        .filter(|h| only.is_empty() || only.contains(&h.name))
        .filter(|h| h.tiers.is_empty() || (contained && h.tiers.iter().any(|t| t == tier)))
        .filter(|h| !h.needs_nproc || nproc_holds)
        .cloned()
        .collect();
    for h in &fixtures {
        if (!h.tiers.is_empty() || h.needs_nproc) && !chosen.iter().any(|c| c.name == h.name) {
            eprintln!("{}: not run in tier {tier} (only in {:?})", h.name, h.tiers);
        }
    }
    let mut entries = Vec::new();
    for h in &chosen {
        let code = h
            .code
            .replace("{ROOT}", &root.display().to_string())
            .replace("{GRADER}", &std::process::id().to_string())
            .replace("{OUTSIDE}", &outside.path().display().to_string())
            .replace("{REFBIN}", &refbin.display().to_string());
        let source = reference.replacen(ANCHOR, &format!("{ANCHOR}{code}\n"), 1);
        entries.push(build::Entry {
            tag: format!("hostile{}", entries.len()),
            lab: &pids,
            reference: true,
            source,
        });
    }
    let (_dir, built) = build::scratch_workspace(&root, &entries).unwrap();
    let other_bin = support::binary(&other, true);

    // Several at once: most hostile runs wait for their deadline.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(h) = chosen.get(i) else { break };
                    let Built::Binary(binary) = built[i].clone() else {
                        problems
                            .lock()
                            .unwrap()
                            .push(format!("{}: does not build: {:?}", h.name, built[i]));
                        continue;
                    };
                    if let Some(p) = run_one(h, &binary, &pids, &other, &other_bin, tier) {
                        problems.lock().unwrap().push(p);
                    }
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        std::fs::read_to_string(outside.path().join("canary")).unwrap(),
        "still here",
        "the grader deleted through a planted symlink"
    );
    assert_eq!(
        listing(tmp.path()),
        Vec::<PathBuf>::new(),
        "left in $TMPDIR"
    );
}

/// Before any fixture that calls kill(-1): proof, by a harmless case, that a case's
/// program really is where its tier says (PID 2 of a namespace of its own, or a uid
/// of its own). Outside those, kill(-1) would reach this test and everything else.
fn kill_all_stays_inside(runner: &proclab_harness::run::Runner) -> bool {
    use proclab_harness::case::Case;
    use proclab_harness::contain::Tier;
    let case = Case::inline("where am I", &["-c", "echo $$ $(id -u)"], 5000);
    let obs = runner.run(Path::new("/bin/sh"), &case);
    let out = String::from_utf8_lossy(&obs.stdout).into_owned();
    let mut words = out.split_whitespace();
    let (pid, uid) = (words.next(), words.next());
    match runner.contain.tier {
        Tier::Namespaces => pid == Some("2"),
        Tier::DedicatedUid => uid
            .and_then(|u| u.parse::<u32>().ok())
            .is_some_and(|u| u >= proclab_harness::contain::DEDICATED_BASE),
        Tier::BestEffort => false,
    }
}

/// Grades one hostile build beside the other lab's reference; None when all is well.
fn run_one(
    h: &Hostile,
    binary: &Path,
    pids: &Lab,
    other: &Lab,
    other_bin: &Path,
    tier: &str,
) -> Option<String> {
    let started = Instant::now();
    let (hostile, beside) = std::thread::scope(|s| {
        let a = s.spawn(|| {
            let mut opts = support::options();
            opts.cases = vec!["ids".into()];
            opts.jobs = 1;
            grade::grade_built(&opts, &[(pids, Built::Binary(binary.to_path_buf()))])
        });
        let b = s.spawn(|| {
            let mut opts = support::options();
            opts.jobs = 1;
            grade::grade_built(&opts, &[(other, Built::Binary(other_bin.to_path_buf()))])
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    let took = started.elapsed();
    let case = hostile.labs[0].cases.first()?;
    let class = match &case.failure {
        None => "PASS",
        Some(f) => f.class.as_str(),
    };
    let message = case.failure.as_ref().map_or("", |f| f.message.as_str());
    eprintln!(
        "{}: {class} in {:.1} s: {message}",
        h.name,
        took.as_secs_f64()
    );
    let deadline = Duration::from_millis(10_000);
    if !h.expect.iter().any(|e| e == class) {
        return Some(format!(
            "{} ({}): ended as {class} ({message}), expected one of {:?}",
            h.name, h.why, h.expect
        ));
    }
    if let Some(f) = &h.forbid_exit
        && f.tiers.iter().any(|t| t == tier)
        && message.contains(&format!("exit {}", f.code))
    {
        return Some(format!("{}: got through: {message}", h.name));
    }
    if beside.score() != beside.max_score() {
        return Some(format!(
            "{}: the lab graded beside it lost points:\n{}",
            h.name,
            proclab_harness::report::table(&beside, proclab_harness::report::Detail::All)
        ));
    }
    if took > deadline + SLACK {
        return Some(format!("{}: took {took:?}", h.name));
    }
    let alive = running(binary);
    if !alive.is_empty() {
        // Kill them so that the rest of the tests are not hurt, then fail.
        for pid in &alive {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        return Some(format!("{}: still running afterwards: {alive:?}", h.name));
    }
    None
}

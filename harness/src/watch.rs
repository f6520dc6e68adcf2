//! `proclab watch LAB`: check the lab again each time a file in its folder is saved.
//!
//! File events come from the kernel through notify. Where they never arrive (WSL's
//! `/mnt/c`, network mounts) the polling watcher looks at the files every so often
//! instead: with `--poll`, when the folder is on such a file system, or when the
//! native watcher cannot start (no inotify, its limits reached). A burst of saves
//! (an editor writes a file in several steps) makes one run. Ctrl-C ends the watch
//! between runs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use crate::grade::{self, Options};
use crate::labs::Lab;
use crate::report;

pub struct WatchOptions {
    /// Always poll, never ask the kernel for events.
    pub poll: bool,
    /// How often the polling watcher looks.
    pub interval: Duration,
    /// How long saves must stop before a run starts.
    pub debounce: Duration,
    /// Clear the screen before each run (only on a terminal).
    pub clear: bool,
}

enum Msg {
    Changed(Vec<PathBuf>),
    Stop,
}

/// How the folder is watched, for the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Native,
    Poll { why: String },
}

/// Whether a changed path is worth a run: not an editor's swap, backup or lock file,
/// nothing below a build folder.
pub fn interesting(path: &Path) -> bool {
    if path
        .components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("target" | ".git")))
    {
        return false;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !(name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913")
}

/// File systems where inotify stays silent about changes made elsewhere: network
/// mounts, FUSE, and the 9p and drvfs mounts WSL uses for Windows' drives.
pub fn events_unreliable(dir: &Path) -> Option<String> {
    const NFS: i64 = 0x6969;
    const SMB: i64 = 0x517b;
    const CIFS: i64 = 0xff53_4d42;
    const SMB2: i64 = 0xfe53_4d42;
    const V9FS: i64 = 0x0102_1997;
    const FUSE: i64 = 0x6573_5546;
    let wsl = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .is_ok_and(|r| r.to_ascii_lowercase().contains("microsoft"));
    if wsl && dir.starts_with("/mnt/") {
        return Some("WSL does not pass on file events from Windows' drives (/mnt)".into());
    }
    let kind = nix::sys::statfs::statfs(dir).ok()?.filesystem_type().0 as i64;
    let name = match kind {
        NFS => "NFS",
        SMB | CIFS | SMB2 => "SMB",
        V9FS => "9p",
        FUSE => "FUSE",
        _ => return None,
    };
    Some(format!(
        "the folder is on a {name} file system, where file events may not arrive"
    ))
}

/// Passes the interesting changes of file events on to the watch loop.
struct Forward(Sender<Msg>);

impl notify::EventHandler for Forward {
    fn handle_event(&mut self, res: notify::Result<notify::Event>) {
        let Ok(event) = res else { return };
        if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
            return;
        }
        let paths: Vec<PathBuf> = event.paths.into_iter().filter(|p| interesting(p)).collect();
        if !paths.is_empty() {
            let _ = self.0.send(Msg::Changed(paths));
        }
    }
}

/// Starts watching `dir`: natively unless told or found to poll; a native watcher
/// that cannot start falls back to polling.
fn start(
    dir: &Path,
    opts: &WatchOptions,
    tx: &Sender<Msg>,
) -> Result<(Box<dyn Watcher>, Backend), String> {
    start_with(dir, opts, tx, |h| {
        RecommendedWatcher::new(h, notify::Config::default())
    })
}

/// [`start`] with the native watcher made by `native` (a test makes one that fails).
fn start_with<W: Watcher + 'static>(
    dir: &Path,
    opts: &WatchOptions,
    tx: &Sender<Msg>,
    native: impl FnOnce(Forward) -> notify::Result<W>,
) -> Result<(Box<dyn Watcher>, Backend), String> {
    let poll_reason = if opts.poll {
        Some("asked for with --poll".to_string())
    } else {
        events_unreliable(dir)
    };
    let reason = match poll_reason {
        Some(why) => why,
        None => {
            let native = native(Forward(tx.clone()))
                .and_then(|mut w| w.watch(dir, RecursiveMode::Recursive).map(|_| w));
            match native {
                Ok(w) => return Ok((Box::new(w), Backend::Native)),
                Err(e) => format!("file events could not start ({e})"),
            }
        }
    };
    // The polling watcher keeps modification times in whole seconds: two saves in one
    // second would look like one. A lab's folder is a few small files, so comparing
    // their contents on every look costs next to nothing.
    let config = notify::Config::default()
        .with_poll_interval(opts.interval)
        .with_compare_contents(true);
    let mut w = PollWatcher::new(Forward(tx.clone()), config)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    w.watch(dir, RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    Ok((Box::new(w), Backend::Poll { why: reason }))
}

/// Sends `Stop` on SIGINT (Ctrl-C) and SIGTERM, and raises the returned flag at once,
/// so that a run the signal cut short (cargo got the Ctrl-C too) is not reported.
fn stop_on_signals(tx: Sender<Msg>) -> Result<Arc<AtomicBool>, String> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    let stopping = Arc::new(AtomicBool::new(false));
    let flag = stopping.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            flag.store(true, Ordering::SeqCst);
            let _ = tx.send(Msg::Stop);
        }
    });
    Ok(stopping)
}

/// Waits for the next burst of changes to end; `None` means stop.
fn next_burst(rx: &Receiver<Msg>, debounce: Duration) -> Option<Vec<PathBuf>> {
    let mut changed = match rx.recv() {
        Ok(Msg::Changed(p)) => p,
        Ok(Msg::Stop) | Err(_) => return None,
    };
    loop {
        match rx.recv_timeout(debounce) {
            Ok(Msg::Changed(more)) => changed.extend(more),
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => break,
        }
    }
    changed.sort();
    changed.dedup();
    Some(changed)
}

/// Watches the lab's folder and checks the lab at the start and after every burst
/// of saves, until Ctrl-C.
pub fn watch(base: &Options, lab: &Lab, opts: &WatchOptions) -> Result<(), String> {
    let dir = lab.crate_dir(&base.root, false);
    if !dir.is_dir() {
        return Err(format!("labs/{} does not exist", lab.folder()));
    }
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let (tx, rx) = mpsc::channel();
    let stopping = stop_on_signals(tx.clone())?;
    let (_watcher, backend) = start(&dir, opts, &tx)?;
    let mut check = base.clone();
    check.labs = vec![lab.name.clone()];
    check.public_only = true;
    let clear = opts.clear && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut changed: Vec<PathBuf> = Vec::new();
    for run in 1.. {
        let mut out = String::new();
        if clear {
            out.push_str("\x1b[2J\x1b[H");
        }
        let what = match changed.as_slice() {
            [] => String::new(),
            paths => {
                let names: Vec<String> = paths
                    .iter()
                    .map(|p| p.strip_prefix(&dir).unwrap_or(p).display().to_string())
                    .collect();
                format!(" after a change to {}", names.join(", "))
            }
        };
        out.push_str(&format!(
            "== proclab watch: check {}, run {run}{what} ==\n",
            lab.name
        ));
        print_now(&out);
        let text = match grade::grade(&check) {
            Ok(r)
                if r.all_passed()
                    && r.problems.is_empty()
                    && r.labs.iter().all(|l| !l.cases.is_empty()) =>
            {
                format!(
                    "{}every public case passes: `just progress` shows what comes next\n",
                    report::table(&r, report::Detail::Public)
                )
            }
            Ok(r) => report::table(&r, report::Detail::Public),
            Err(e) => format!("cannot check: {e}\n"),
        };
        crate::sweep_children();
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let how = match &backend {
            Backend::Native => "file events".to_string(),
            Backend::Poll { why } => {
                format!("polling every {} ms: {why}", opts.interval.as_millis())
            }
        };
        print_now(&format!(
            "{text}\nwatching labs/{} ({how}); save a file to check again, Ctrl-C to stop\n",
            lab.folder()
        ));
        match next_burst(&rx, opts.debounce) {
            Some(paths) => changed = paths,
            None => break,
        }
    }
    print_now("stopped watching\n");
    Ok(())
}

fn print_now(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_droppings_are_not_changes() {
        for p in [
            ".pids.rs.swp",
            "pids.rs~",
            "4913",
            "#pids.rs#",
            "target/debug/x",
            ".git/index",
        ] {
            assert!(!interesting(Path::new(p)), "{p}");
        }
        assert!(interesting(Path::new("/w/labs/01-pids/src/pids.rs")));
    }

    #[test]
    fn a_native_watcher_that_cannot_start_falls_back_to_polling() {
        let dir = tempfile::tempdir().unwrap();
        let opts = WatchOptions {
            poll: false,
            interval: Duration::from_millis(20),
            debounce: Duration::from_millis(20),
            clear: false,
        };
        let (tx, rx) = mpsc::channel();
        let (_w, backend) = start_with::<RecommendedWatcher>(dir.path(), &opts, &tx, |_| {
            Err(notify::Error::generic("inotify limit reached"))
        })
        .unwrap();
        match backend {
            Backend::Poll { why } => assert!(why.contains("inotify limit reached"), "{why}"),
            Backend::Native => panic!("no fallback"),
        }
        // The polling watcher sees a new file (bounded wait).
        std::fs::write(dir.path().join("pids.rs"), "x").unwrap();
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Msg::Changed(paths)) => assert!(paths[0].ends_with("pids.rs"), "{paths:?}"),
            _ => panic!("the polling watcher saw nothing"),
        }
    }

    #[test]
    fn a_local_folder_has_reliable_events() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(events_unreliable(dir.path()), None);
    }

    #[test]
    fn a_burst_of_saves_is_one_run() {
        let (tx, rx) = mpsc::channel();
        for name in ["a.rs", "b.rs", "a.rs"] {
            tx.send(Msg::Changed(vec![PathBuf::from(name)])).unwrap();
        }
        let got = next_burst(&rx, Duration::from_millis(20)).unwrap();
        assert_eq!(got, [PathBuf::from("a.rs"), PathBuf::from("b.rs")]);
        tx.send(Msg::Stop).unwrap();
        assert!(next_burst(&rx, Duration::from_millis(20)).is_none());
    }
}

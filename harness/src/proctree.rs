//! Reading the process tree from /proc (proc(5)), through the procfs crate so that the
//! grader does not carry its own parser of /proc/<pid>/stat.

use std::collections::HashMap;

use nix::unistd::Pid;

/// One process as the grader reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    /// The state letter of proc(5): R, S, D, Z, T...
    pub state: char,
    pub comm: String,
}

/// Every process visible in /proc. Processes that vanish while we read are skipped.
pub fn snapshot() -> Vec<ProcInfo> {
    let Ok(all) = procfs::process::all_processes() else {
        return Vec::new();
    };
    all.filter_map(|p| p.ok()?.stat().ok())
        .map(|st| ProcInfo {
            pid: st.pid,
            ppid: st.ppid,
            state: st.state,
            comm: st.comm,
        })
        .collect()
}

/// The pids whose parent is `parent`.
pub fn children(parent: Pid) -> Vec<i32> {
    snapshot()
        .into_iter()
        .filter(|p| p.ppid == parent.as_raw())
        .map(|p| p.pid)
        .collect()
}

/// All descendants of `root` (not `root` itself), parents before children, leaving out
/// the processes in `skip` (their own descendants are still included).
pub fn subtree(root: Pid, skip: &[Pid]) -> Vec<ProcInfo> {
    let all = snapshot();
    let mut by_parent: HashMap<i32, Vec<&ProcInfo>> = HashMap::new();
    for p in &all {
        by_parent.entry(p.ppid).or_default().push(p);
    }
    let mut out = Vec::new();
    let mut queue = vec![root.as_raw()];
    while let Some(pid) = queue.pop() {
        for child in by_parent.get(&pid).into_iter().flatten() {
            queue.push(child.pid);
            if !skip.iter().any(|s| s.as_raw() == child.pid) {
                out.push((*child).clone());
            }
        }
    }
    out
}

/// The pids whose real uid is `uid`.
pub fn of_uid(uid: u32) -> Vec<i32> {
    let Ok(all) = procfs::process::all_processes() else {
        return Vec::new();
    };
    all.filter_map(|p| {
        let p = p.ok()?;
        let status = p.status().ok()?;
        (status.ruid == uid).then_some(p.pid)
    })
    .collect()
}

/// How many processes run with real uid `uid` (RLIMIT_NPROC counts these).
pub fn count_uid(uid: u32) -> usize {
    of_uid(uid).len()
}

/// SIGKILL everything of `uid` until nothing is left (containment tier 2, where the
/// uid is the case's own). Bounded: a process that cannot be killed is not waited
/// for forever.
pub fn kill_uid(uid: u32) {
    for _ in 0..100 {
        let pids = of_uid(uid);
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

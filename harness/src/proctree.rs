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

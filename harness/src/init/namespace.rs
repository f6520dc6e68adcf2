//! Containment tier 1: the init becomes PID 1 of a PID namespace of its own, inside
//! fresh user and mount namespaces (namespaces(7), user_namespaces(7),
//! pid_namespaces(7)).
//!
//! The order matters:
//! 1. unshare(CLONE_NEWUSER): the init now holds every capability, but only over
//!    its new namespace, and its uid is unmapped (shown as 65534) until someone in the
//!    parent namespace writes /proc/PID/uid_map. The grader does that (it may map a
//!    whole range when it is root; the init itself could map only its own uid), then
//!    says `mapped`.
//! 2. unshare(CLONE_NEWPID | CLONE_NEWNS): allowed now that we are "root" in the user
//!    namespace. A new PID namespace takes effect for children only, so
//! 3. fork: the child is PID 1 of the new namespace and becomes the real init; the
//!    parent stays behind only to pass on its exit status.
//! 4. In the child: mounts made private (nothing we mount leaks out), a fresh /proc
//!    that shows this namespace's pids, and an empty tmpfs on /dev/shm so shared
//!    memory objects of one case are invisible to others and vanish with it.

use std::os::fd::BorrowedFd;

use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};

use super::LineBuf;

/// Steps 1 and 2. `say` tells the grader we wait for the maps; the answer comes on
/// `cmd`.
pub fn enter(
    say: &mut dyn FnMut(&str),
    cmd: BorrowedFd,
    lines: &mut LineBuf,
) -> Result<(), String> {
    unshare(CloneFlags::CLONE_NEWUSER).map_err(|e| format!("unshare(CLONE_NEWUSER): {e}"))?;
    say("userns");
    loop {
        if let Some(line) = lines.next_line() {
            if line == "mapped" {
                break;
            }
            return Err(format!("the grader did not map our ids: {line}"));
        }
        match lines.fill(cmd) {
            Ok(true) => {}
            _ => return Err("the grader went away before mapping our ids".into()),
        }
    }
    unshare(CloneFlags::CLONE_NEWPID | CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("unshare(CLONE_NEWPID|CLONE_NEWNS): {e}"))
}

/// For a root grader, after the maps are written: become uid and gid 0 of the new
/// namespace, which are NS_BASE on the host. (Our host uid 0 is not mapped in it.)
/// We keep our capabilities: they are those of the namespace's creator, and the
/// kernel clears them only when a uid 0 *of this namespace* is given up.
pub fn become_ns_root() -> Result<(), String> {
    use nix::unistd::{Gid, Uid, setgroups, setresgid, setresuid};
    let (uid, gid) = (Uid::from_raw(0), Gid::from_raw(0));
    setgroups(&[]).map_err(|e| format!("setgroups: {e}"))?;
    setresgid(gid, gid, gid).map_err(|e| format!("setresgid: {e}"))?;
    setresuid(uid, uid, uid).map_err(|e| format!("setresuid: {e}"))
}

/// Step 3. Returns in the child (PID 1); the parent waits for it and exits with its
/// status, never returning. `before_wait` gets the child's pid as the grader sees it.
pub fn fork_pid1(before_wait: impl FnOnce(i32)) -> Result<(), String> {
    match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => {
            // If the outer half dies (killed by the grader), take the namespace down
            // with it: PID 1 exiting kills everything inside.
            let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
            Ok(())
        }
        ForkResult::Parent { child } => {
            before_wait(child.as_raw());
            let code = loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, code)) => break code,
                    Ok(WaitStatus::Signaled(..)) => break 3,
                    Ok(_) => continue,
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => break 3,
                }
            };
            std::process::exit(code)
        }
    }
}

/// Step 4, in PID 1.
pub fn mount_private_world(hide: &[String]) -> Result<(), String> {
    let none: Option<&str> = None;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)
        .map_err(|e| format!("making / private: {e}"))?;
    mount(
        Some("proc"),
        "/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )
    .map_err(|e| format!("mounting /proc: {e}"))?;
    if std::path::Path::new("/dev/shm").is_dir() {
        mount(
            Some("tmpfs"),
            "/dev/shm",
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("mode=1777,size=64m"),
        )
        .map_err(|e| format!("mounting /dev/shm: {e}"))?;
    }
    // What the program must not read: an empty, read-only folder where it was, and
    // /dev/null in place of a file.
    for path in hide {
        if std::path::Path::new(path).is_file() {
            mount(
                Some("/dev/null"),
                path.as_str(),
                none,
                MsFlags::MS_BIND,
                none,
            )
            .map_err(|e| format!("hiding {path}: {e}"))?;
        } else if std::path::Path::new(path).is_dir() {
            mount(
                Some("tmpfs"),
                path.as_str(),
                Some("tmpfs"),
                MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                Some("mode=0555,size=4k"),
            )
            .map_err(|e| format!("hiding {path}: {e}"))?;
        }
    }
    Ok(())
}

/// How many processes the namespace holds besides PID 1.
pub fn population() -> usize {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                })
                .count()
                .saturating_sub(1)
        })
        .unwrap_or(0)
}

//! The grader's half of containment tier 1: writing the id maps of a case's new user
//! namespace (user_namespaces(7), "User and group ID mappings").
//!
//! Only a process in the parent namespace can map more than its own id, so the grader
//! writes them, not the init:
//! - as root, ids 0-65535 onto host ids NS_BASE..: the program may be root inside
//!   and drop to uid 1000 there (the credentials lab) or to nobody, while outside it
//!   is an id no one else has, held by RLIMIT_NPROC and owning none of the host's
//!   files (the kernel grants capabilities over a file only if its owner is mapped);
//! - as an ordinary user, only that user onto itself (the kernel allows no more
//!   without a setuid helper), after denying setgroups(2), as the kernel requires for
//!   an unprivileged gid map.

use std::io::Write;

pub fn write_maps(pid: i32, as_root: bool) -> Result<(), String> {
    let write = |file: &str, text: &str| -> Result<(), String> {
        let path = format!("/proc/{pid}/{file}");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| format!("{path}: {e}"))
    };
    if as_root {
        let map = format!(
            "0 {} {}\n",
            crate::contain::NS_BASE,
            crate::contain::NS_RANGE
        );
        write("uid_map", &map)?;
        write("gid_map", &map)?;
    } else {
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        write("setgroups", "deny")?;
        write("uid_map", &format!("{uid} {uid} 1\n"))?;
        write("gid_map", &format!("{gid} {gid} 1\n"))?;
    }
    Ok(())
}

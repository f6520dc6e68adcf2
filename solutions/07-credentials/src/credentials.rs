//! STUDENT FILE for lab 07 credentials: this is the only file you edit.
//!
//! Every process carries a set of credentials: three user ids (real,
//! effective, saved), three group ids of the same kinds, and a list of
//! supplementary groups. The kernel checks the effective ones (and the
//! supplementary groups) whenever the process opens a file or sends a
//! signal; the real and saved ones are what an unprivileged process is
//! allowed to switch its effective id back to. In this file you read them
//! twice (through system calls and through /proc), look a user up in a small
//! passwd-style table, and change them: for good, the way login(1) does
//! before it starts your shell, and for a while, the way a server does that
//! must come back to root afterwards.
//!
//! The driver (src/main.rs) calls the functions below and prints every line;
//! it is not yours to change. You write only what sits between the
//! `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines; the stub has a
//! `todo!()` there whose message is a hint. The chapter
//! docs/src/07-credentials.md explains each task and the exact output the
//! grader expects.
//!
//! The `use` lines that only your code needs go inside your regions (for
//! example `use nix::unistd::{setgid, setuid};` at the top of a function
//! body), so the stub compiles without unused imports.

use nix::errno::Errno;
use nix::unistd::{Gid, Uid};

/// `(uid_t) -1`: to setresuid(2), "leave this one as it is".
#[allow(
    dead_code,
    reason = "the stub does not call setresuid yet; your code will"
)]
pub const UNCHANGED_UID: Uid = Uid::from_raw(u32::MAX);
/// `(gid_t) -1`: to setresgid(2), "leave this one as it is".
#[allow(
    dead_code,
    reason = "the stub does not call setresgid yet; your code will"
)]
pub const UNCHANGED_GID: Gid = Gid::from_raw(u32::MAX);

/// All the credentials of a process that this lab looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no Ids yet: your current does")]
pub struct Ids {
    /// Who started us (getresuid(2), the first of the three).
    pub ruid: Uid,
    /// Whom the kernel checks permissions against.
    pub euid: Uid,
    /// A remembered id the effective one may go back to.
    pub suid: Uid,
    pub rgid: Gid,
    pub egid: Gid,
    pub sgid: Gid,
    /// The supplementary groups, in the order the kernel keeps them
    /// (getgroups(2)).
    pub groups: Vec<Gid>,
}

/// One line of the user table: `name:uid:gid:groups:home:shell`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no User yet: your find_user does")]
pub struct User {
    pub name: String,
    pub uid: Uid,
    /// The primary group.
    pub gid: Gid,
    /// The supplementary groups, as the line lists them (maybe none).
    pub groups: Vec<Gid>,
    pub home: String,
    pub shell: String,
}

/// The system calls that change credentials, to say which one failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub names no call yet: your code does")]
pub enum Call {
    Setgroups,
    Setgid,
    Setuid,
    Setresgid,
    Setresuid,
}

impl Call {
    /// The call's name in C, as the driver prints it.
    pub fn name(self) -> &'static str {
        match self {
            Call::Setgroups => "setgroups",
            Call::Setgid => "setgid",
            Call::Setuid => "setuid",
            Call::Setresgid => "setresgid",
            Call::Setresuid => "setresuid",
        }
    }
}

/// A change of credentials that the kernel refused: which call, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failed {
    pub call: Call,
    pub errno: Errno,
}

/// What turns a nix error into a [`Failed`] naming `call`. Yours to use:
/// `setgid(gid).map_err(failed(Call::Setgid))?;`
#[allow(dead_code, reason = "the stub does not call it yet; your code will")]
pub fn failed(call: Call) -> impl FnOnce(Errno) -> Failed {
    move |errno| Failed { call, errno }
}

/// This process's credentials, from the system calls: getresuid(2),
/// getresgid(2) and getgroups(2) (all three in nix::unistd).
pub fn current() -> nix::Result<Ids> {
    // BEGIN STUDENT CODE
    use nix::unistd::{getgroups, getresgid, getresuid};
    let uids = getresuid()?;
    let gids = getresgid()?;
    Ok(Ids {
        ruid: uids.real,
        euid: uids.effective,
        suid: uids.saved,
        rgid: gids.real,
        egid: gids.effective,
        sgid: gids.saved,
        groups: getgroups()?,
    })
    // END STUDENT CODE
}

/// The same credentials, read from the text of /proc/self/status (proc(5)),
/// which the driver passes in. Three lines matter:
///
/// ```text
/// Uid:<TAB>1000<TAB>1000<TAB>1000<TAB>1000
/// Gid:<TAB>1000<TAB>1000<TAB>1000<TAB>1000
/// Groups:<TAB>4 24 1000
/// ```
///
/// (`<TAB>` is a tab.) `Uid:` and `Gid:` hold four numbers: real, effective,
/// saved, and the filesystem id (which this lab ignores). `Groups:` holds
/// the supplementary groups separated by spaces, and may be empty (it may
/// also end with a space). Return `None` if a line is missing or a number
/// does not parse.
#[allow(
    unused_variables,
    reason = "the stub does not use `status` yet; your code will"
)]
pub fn from_proc(status: &str) -> Option<Ids> {
    // BEGIN STUDENT CODE
    let mut uids = None;
    let mut gids = None;
    let mut groups = None;
    for line in status.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let numbers: Option<Vec<u32>> = rest
            .split_ascii_whitespace()
            .map(|n| n.parse().ok())
            .collect();
        match key {
            "Uid" => uids = numbers,
            "Gid" => gids = numbers,
            "Groups" => groups = numbers,
            _ => {}
        }
    }
    let (uids, gids) = (uids?, gids?);
    if uids.len() < 3 || gids.len() < 3 {
        return None;
    }
    Some(Ids {
        ruid: Uid::from_raw(uids[0]),
        euid: Uid::from_raw(uids[1]),
        suid: Uid::from_raw(uids[2]),
        rgid: Gid::from_raw(gids[0]),
        egid: Gid::from_raw(gids[1]),
        sgid: Gid::from_raw(gids[2]),
        groups: groups?.into_iter().map(Gid::from_raw).collect(),
    })
    // END STUDENT CODE
}

/// The user called `name` in `table`, the text of a passwd-style file:
/// one user a line, six fields separated by `:`
///
/// ```text
/// alice:60001:60001:60001,60100:/:/bin/sh
/// ```
///
/// name, uid, primary gid, supplementary gids (comma separated, maybe
/// empty), home directory, login shell. Blank lines and lines starting with
/// `#` are comments. The name must match exactly. Skip any line that does
/// not have six fields or whose numbers do not parse; `None` if no good line
/// names the user.
#[allow(
    unused_variables,
    reason = "the stub does not use `table` yet; your code will"
)]
pub fn find_user(table: &str, name: &str) -> Option<User> {
    // BEGIN STUDENT CODE
    for line in table.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        let [who, uid, gid, groups, home, shell] = fields[..] else {
            continue;
        };
        if who != name {
            continue;
        }
        let (Ok(uid), Ok(gid)) = (uid.parse(), gid.parse()) else {
            continue;
        };
        // "".split(',') yields one empty piece: no groups is not a bad number.
        let groups: Option<Vec<Gid>> = groups
            .split(',')
            .filter(|g| !g.is_empty())
            .map(|g| g.parse().ok().map(Gid::from_raw))
            .collect();
        let Some(groups) = groups else {
            continue;
        };
        return Some(User {
            name: who.to_string(),
            uid: Uid::from_raw(uid),
            gid: Gid::from_raw(gid),
            groups,
            home: home.to_string(),
            shell: shell.to_string(),
        });
    }
    None
    // END STUDENT CODE
}

/// Become `user` for good, as login(1) does before it execs the shell:
/// the supplementary groups (setgroups(2)), then the group (setgid(2)),
/// then the user (setuid(2)). Run by root, setgid and setuid set all three
/// ids of their kind, real, effective and saved, so nothing is left to go
/// back to.
///
/// The order is the lesson: setgroups and setgid need privilege, and once
/// setuid has given it up they fail with EPERM. Check every call and stop
/// at the first that fails, saying which it was (see [`failed`]): a login
/// that ignores a failure goes on to run the user's shell as root.
#[allow(
    unused_variables,
    reason = "the stub does not use `user` yet; your code will"
)]
pub fn drop_permanently(user: &User) -> Result<(), Failed> {
    // BEGIN STUDENT CODE
    use nix::unistd::{setgid, setgroups, setuid};
    setgroups(&user.groups).map_err(failed(Call::Setgroups))?;
    setgid(user.gid).map_err(failed(Call::Setgid))?;
    setuid(user.uid).map_err(failed(Call::Setuid))?;
    Ok(())
    // END STUDENT CODE
}

/// Act as `user` for a while, keeping a way back: the supplementary groups
/// (setgroups), then real and effective gid (setresgid), then real and
/// effective uid (setresuid). The saved ids stay as they are
/// ([`UNCHANGED_UID`], [`UNCHANGED_GID`]): afterwards the saved uid is the
/// only thing that still remembers root, and the only reason [`restore`]
/// can work.
///
/// setresuid(2) takes real, effective, saved, in that order. Groups before
/// user, for the same reason as in [`drop_permanently`]; stop at the first
/// failure.
#[allow(
    unused_variables,
    reason = "the stub does not use `user` yet; your code will"
)]
pub fn drop_temporarily(user: &User) -> Result<(), Failed> {
    // BEGIN STUDENT CODE
    use nix::unistd::{setgroups, setresgid, setresuid};
    setgroups(&user.groups).map_err(failed(Call::Setgroups))?;
    setresgid(user.gid, user.gid, UNCHANGED_GID).map_err(failed(Call::Setresgid))?;
    setresuid(user.uid, user.uid, UNCHANGED_UID).map_err(failed(Call::Setresuid))?;
    Ok(())
    // END STUDENT CODE
}

/// Go back to the credentials `before` (what [`current`] said before the
/// temporary drop): the uids first (setresuid with all three of `before`),
/// for only as root again may the process change its groups; then the gids
/// (setresgid), then the supplementary groups (setgroups). Stop at the first
/// failure: after a permanent drop the very first call fails with EPERM.
#[allow(
    unused_variables,
    reason = "the stub does not use `before` yet; your code will"
)]
pub fn restore(before: &Ids) -> Result<(), Failed> {
    // BEGIN STUDENT CODE
    use nix::unistd::{setgroups, setresgid, setresuid};
    setresuid(before.ruid, before.euid, before.suid).map_err(failed(Call::Setresuid))?;
    setresgid(before.rgid, before.egid, before.sgid).map_err(failed(Call::Setresgid))?;
    setgroups(&before.groups).map_err(failed(Call::Setgroups))?;
    Ok(())
    // END STUDENT CODE
}

//! Driver for lab 07 credentials: the command line, the setting of the stage,
//! and every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/credentials.rs`. The driver reads the
//! user table, calls your functions to read and change the credentials, looks
//! at what the kernel then allows (a file only root may read, setuid(0)), and
//! prints every line (the `show` module). The chapter
//! docs/src/07-credentials.md describes each subcommand and its output; the
//! grader compares that output, after replacing the ids by stable names, with
//! the reference's.
//!
//! Run as root, `login` and `temp` really change users. Run as anyone else,
//! the kernel refuses the first change with EPERM, and the program says so
//! and exits with status 1: that is the lesson of the unprivileged path.

mod credentials;

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use credentials::{Failed, Ids, User};
use nix::errno::Errno;
use nix::unistd::{Gid, Uid};

type Error = Box<dyn std::error::Error>;

/// The user table the lab ships (users.passwd beside Cargo.toml), built into
/// the program so that it needs no file access to find it.
const USERS: &str = include_str!("../users.passwd");
/// What `login` execs: the same program, by the file descriptor it opened
/// while it could still read it.
const SELF_EXE: &str = "/proc/self/exe";
/// A directory and file in the scratch directory that only their owner may
/// enter and read (modes 0700 and 0600).
const VAULT: &str = "vault";
const SECRET: &str = "vault/secret";
/// Exit statuses: a change of credentials failed; the user is unknown (or
/// the table unreadable).
const FAILED: u8 = 1;
const UNKNOWN: u8 = 2;

#[derive(Parser)]
#[command(
    name = "credentials",
    bin_name = "credentials",
    about = "Lab 07: real, effective and saved ids, groups, and dropping privileges"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print this process's ids and groups, and whether /proc/self/status
    /// agrees
    Ids,
    /// Look NAME up in the user table and print the entry
    Lookup {
        name: String,
        #[command(flatten)]
        table: Table,
    },
    /// Become NAME for good, as login(1) does: drop, change to the home
    /// directory, exec `session` with a fresh environment
    Login {
        name: String,
        #[command(flatten)]
        table: Table,
        #[command(flatten)]
        caps: Caps,
    },
    /// Become NAME for a while and come back; then become NAME for good and
    /// try to come back again
    Temp {
        name: String,
        #[command(flatten)]
        table: Table,
        #[command(flatten)]
        caps: Caps,
    },
    /// What `login` execs: the environment, the ids, and an attempt to
    /// become root again with setuid(0)
    Session,
}

#[derive(clap::Args)]
struct Table {
    /// A user table to read instead of the one the lab ships
    #[arg(long, value_name = "FILE")]
    passwd: Option<PathBuf>,
}

#[derive(clap::Args)]
struct Caps {
    /// First give up CAP_SETUID and CAP_SETGID, as a container started with
    /// `--cap-drop SETUID --cap-drop SETGID` has: root that may not change
    /// its ids
    #[arg(long)]
    cap_drop: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ids => ids(),
        Command::Lookup { name, table } => lookup(&name, &table),
        Command::Login { name, table, caps } => login(&name, &table, &caps),
        Command::Temp { name, table, caps } => temp(&name, &table, &caps),
        Command::Session => session(),
    };
    let _ = io::stdout().flush();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("credentials: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `ids`: one line of ids from the system calls, compared with /proc.
fn ids() -> Result<u8, Error> {
    show::ids("ids");
    Ok(0)
}

/// `lookup NAME`: the entry, or `lookup user=NAME error=unknown` (status 2).
fn lookup(name: &str, table: &Table) -> Result<u8, Error> {
    let text = table.read()?;
    match credentials::find_user(&text, name) {
        Some(user) => {
            show::user(&user);
            Ok(0)
        }
        None => {
            show::unknown(name);
            Ok(UNKNOWN)
        }
    }
}

/// `login NAME`: what login(1) does once it knows who you are.
fn login(name: &str, table: &Table, caps: &Caps) -> Result<u8, Error> {
    let text = table.read()?;
    // Opened now, while we may still read it: after the drop the new user
    // may not be allowed to reach the binary by its path (a home directory
    // of mode 0700, say). fexecve(3) needs only the right to execute it.
    let exe = File::open(SELF_EXE)?;
    set_stage(caps)?;
    let Some(user) = credentials::find_user(&text, name) else {
        show::unknown(name);
        return Ok(UNKNOWN);
    };
    show::user(&user);
    if let Err(f) = credentials::drop_permanently(&user) {
        show::failed("drop kind=permanent", f);
        return Ok(FAILED);
    }
    show::ok("drop kind=permanent");
    // After the drop, so that the kernel checks the user's right to enter
    // the directory, not root's. No home: log in to / instead.
    if let Err(errno) = nix::unistd::chdir(user.home.as_str()) {
        show::no_home(&user.home, errno);
        nix::unistd::chdir("/")?;
    }
    // A fresh environment, as login(1) builds it: nothing of root's (its
    // HOME, its PATH) must leak into the user's session.
    let env = [
        format!("HOME={}", user.home),
        format!("USER={}", user.name),
        format!("LOGNAME={}", user.name),
        format!("SHELL={}", user.shell),
        "PATH=/usr/bin:/bin".to_string(),
    ];
    let env: Vec<CString> = env
        .into_iter()
        .map(CString::new)
        .collect::<Result<_, _>>()?;
    // A leading '-' in argv[0] is how login tells a shell it is a login
    // shell.
    let args = [c"-credentials", c"session"];
    io::stdout().flush()?;
    let Err(errno) = nix::unistd::fexecve(&exe, &args, &env);
    show::exec_failed(errno);
    Ok(FAILED)
}

/// `temp NAME`: drop for a while, look, come back, look; drop for good and
/// try to come back.
fn temp(name: &str, table: &Table, caps: &Caps) -> Result<u8, Error> {
    let text = table.read()?;
    set_stage(caps)?;
    let Some(user) = credentials::find_user(&text, name) else {
        show::unknown(name);
        return Ok(UNKNOWN);
    };
    show::user(&user);
    // Whoever may not write here cannot drop either (only root gets past the
    // first drop, and root may write anywhere), so a failure needs no line.
    let _ = make_vault();
    let before = credentials::current()?;

    if let Err(f) = credentials::drop_temporarily(&user) {
        show::failed("drop kind=temporary", f);
        return Ok(FAILED);
    }
    show::ok("drop kind=temporary");
    show::ids("temporary");
    show::open_secret();

    if let Err(f) = credentials::restore(&before) {
        show::failed("restore", f);
        return Ok(FAILED);
    }
    show::ok("restore");
    show::ids("restored");
    show::open_secret();

    if let Err(f) = credentials::drop_permanently(&user) {
        show::failed("drop kind=permanent", f);
        return Ok(FAILED);
    }
    show::ok("drop kind=permanent");
    show::ids("permanent");
    match credentials::restore(&before) {
        Ok(()) => show::ok("restore"),
        Err(f) => show::failed("restore", f),
    }
    show::regain();
    Ok(0)
}

/// `session`: what the login handed over, and whether root is gone.
fn session() -> Result<u8, Error> {
    show::environment();
    show::ids("session");
    show::regain();
    Ok(0)
}

impl Table {
    fn read(&self) -> Result<String, Error> {
        match &self.passwd {
            None => Ok(USERS.to_string()),
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the user table {}: {e}", path.display()).into()),
        }
    }
}

/// Before `login` and `temp` change anything: the starting ids (printed),
/// and, run by root, a known starting point. Root's supplementary groups
/// depend on how it was started (none under a container's init, several
/// after `sudo -i` on some systems); we set them to `0` alone, as if login
/// had been started by a getty that was root with the group root. Last,
/// with `--cap-drop`, the two capabilities that make root able to change
/// ids go away.
fn set_stage(caps: &Caps) -> Result<(), Error> {
    show::start();
    if nix::unistd::geteuid().is_root() {
        nix::unistd::setgroups(&[Gid::from_raw(0)])?;
    }
    if caps.cap_drop {
        drop_setid_caps()?;
        show::caps_dropped();
    }
    Ok(())
}

/// A directory only its owner may enter, with a file only its owner may
/// read: the file `temp` tries to read while dropped and after restoring.
fn make_vault() -> io::Result<()> {
    std::fs::DirBuilder::new().mode(0o700).create(VAULT)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(SECRET)?;
    f.write_all(b"only the owner may read this\n")
}

/// capget(2) and capset(2) have no wrapper in nix: the kernel's own
/// structures, version 3 (two 32-bit words per set).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_VERSION_3: u32 = 0x2008_0522;
const CAP_SETGID: u32 = 6;
const CAP_SETUID: u32 = 7;

/// Give up CAP_SETGID and CAP_SETUID: out of the bounding set first (so that
/// no exec brings them back; this needs CAP_SETPCAP, and whoever lacks it
/// has nothing to give up anyway), then out of the effective, permitted and
/// inheritable sets, which anyone may shrink.
fn drop_setid_caps() -> nix::Result<()> {
    for cap in [CAP_SETGID, CAP_SETUID] {
        // SAFETY: PR_CAPBSET_DROP takes a capability number and touches no
        // memory of ours.
        let _ = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
    }
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: a version-3 header and the two data words it asks for.
    Errno::result(unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    })?;
    let keep = !((1u32 << CAP_SETGID) | (1u32 << CAP_SETUID));
    data[0].effective &= keep;
    data[0].permitted &= keep;
    data[0].inheritable &= keep;
    // SAFETY: as above; the kernel only reads the data.
    Errno::result(unsafe {
        libc::syscall(
            libc::SYS_capset,
            &mut header as *mut CapHeader,
            data.as_ptr(),
        )
    })?;
    Ok(())
}

/// Every line the program prints.
mod show {
    use super::*;

    fn list(ids: impl IntoIterator<Item = u32>) -> String {
        ids.into_iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn groups(groups: &[Gid]) -> String {
        list(groups.iter().map(|g| g.as_raw()))
    }

    fn fields(ids: &Ids) -> String {
        format!(
            "ruid={} euid={} suid={} rgid={} egid={} sgid={} groups={}",
            ids.ruid,
            ids.euid,
            ids.suid,
            ids.rgid,
            ids.egid,
            ids.sgid,
            groups(&ids.groups)
        )
    }

    /// `start ruid=R euid=E suid=S rgid=.. egid=.. sgid=..`: the ids the
    /// program started with, by the driver's own calls. The groups are left
    /// out: an ordinary user's groups differ from machine to machine.
    pub fn start() {
        let (u, g) = match (nix::unistd::getresuid(), nix::unistd::getresgid()) {
            (Ok(u), Ok(g)) => (u, g),
            (Err(e), _) | (_, Err(e)) => {
                println!("start error={e:?}");
                return;
            }
        };
        println!(
            "start ruid={} euid={} suid={} rgid={} egid={} sgid={}",
            u.real, u.effective, u.saved, g.real, g.effective, g.saved
        );
    }

    /// `STAGE ruid=.. euid=.. suid=.. rgid=.. egid=.. sgid=.. groups=..
    /// match=yes|no`: the ids as `current` reads them, and whether
    /// `from_proc` on /proc/self/status agrees; when it does not, a line
    /// `proc ...` with what /proc says.
    pub fn ids(stage: &str) {
        let ids = match credentials::current() {
            Ok(ids) => ids,
            Err(errno) => {
                println!("{stage} error={errno:?}");
                return;
            }
        };
        let proc = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|text| credentials::from_proc(&text));
        match proc {
            Some(p) if p == ids => println!("{stage} {} match=yes", fields(&ids)),
            Some(p) => {
                println!("{stage} {} match=no", fields(&ids));
                println!("proc {}", fields(&p));
            }
            None => {
                println!("{stage} {} match=no", fields(&ids));
                println!("proc unparsed");
            }
        }
    }

    /// `user name=N uid=U gid=G groups=G1,G2 home=H shell=S`.
    pub fn user(u: &User) {
        println!(
            "user name={} uid={} gid={} groups={} home={} shell={}",
            u.name,
            u.uid,
            u.gid,
            groups(&u.groups),
            u.home,
            u.shell
        );
    }

    /// `lookup user=NAME error=unknown`.
    pub fn unknown(name: &str) {
        println!("lookup user={name} error=unknown");
    }

    /// `caps dropped=setuid,setgid`.
    pub fn caps_dropped() {
        println!("caps dropped=setuid,setgid");
    }

    /// `WHAT result=ok`.
    pub fn ok(what: &str) {
        println!("{what} result=ok");
    }

    /// `WHAT result=failed call=CALL error=ENAME`.
    pub fn failed(what: &str, f: Failed) {
        println!(
            "{what} result=failed call={} error={:?}",
            f.call.name(),
            f.errno
        );
    }

    /// `home dir=H error=ENAME fallback=/`: the home directory could not be
    /// entered, and the session starts in / instead.
    pub fn no_home(home: &str, errno: Errno) {
        println!("home dir={home} error={errno:?} fallback=/");
    }

    /// `exec error=ENAME`.
    pub fn exec_failed(errno: Errno) {
        println!("exec error={errno:?}");
    }

    /// `open file=vault/secret result=ok|error=ENAME`: may we read the file
    /// only root may read?
    pub fn open_secret() {
        match File::open(SECRET) {
            Ok(_) => println!("open file={SECRET} result=ok"),
            Err(e) => match e.raw_os_error() {
                Some(n) => println!("open file={SECRET} error={:?}", Errno::from_raw(n)),
                None => println!("open file={SECRET} error={e}"),
            },
        }
    }

    /// `env user=U logname=L home=H shell=S path=P cwd=D argv0=A`: what the
    /// session was handed.
    pub fn environment() {
        let var = |k: &str| std::env::var(k).unwrap_or_else(|_| "-".to_string());
        let cwd = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| "-".to_string());
        let argv0 = std::env::args().next().unwrap_or_default();
        println!(
            "env user={} logname={} home={} shell={} path={} cwd={cwd} argv0={argv0}",
            var("USER"),
            var("LOGNAME"),
            var("HOME"),
            var("SHELL"),
            var("PATH"),
        );
    }

    /// `regain call=setuid result=ok|failed error=ENAME`: the driver tries
    /// setuid(0) itself; after a permanent drop it must fail with EPERM.
    pub fn regain() {
        match nix::unistd::setuid(Uid::from_raw(0)) {
            Ok(()) => println!("regain call=setuid result=ok"),
            Err(errno) => println!("regain call=setuid result=failed error={errno:?}"),
        }
    }
}

//! Starting the student's program below the init: everything that happens between
//! fork and exec, where only async-signal-safe calls are allowed (signal-safety(7)):
//! setpgid or setsid, ioctl, setrlimit, sigaction, sigprocmask, setgroups, setgid,
//! setuid and nanosleep all qualify.

use std::ffi::OsString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::fcntl::{OFlag, open};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::sys::stat::Mode;
use nix::unistd::{Gid, Pid, Uid, setgid, setgroups, setpgid, setsid, setuid};

use super::options::InitOptions;
use super::{CMD_FD_ENV, CTRL_FD_ENV};

/// A file bigger than this ends the writer with SIGXFSZ (RLIMIT_FSIZE).
pub const FILE_SIZE_LIMIT: u64 = 64 << 20;
/// Address space per process (RLIMIT_AS): a memory hog fails to allocate instead of
/// pushing the machine into swap or the OOM killer.
pub const ADDRESS_SPACE_LIMIT: u64 = 2 << 30;

/// The program's file, opened by path while the init still has the grader's ids.
pub fn open_program(program: &OsString) -> nix::Result<OwnedFd> {
    open(
        program.as_os_str(),
        OFlag::O_PATH | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// Starts the program `exe` (opened by [`open_program`]; `program` is its name for
/// argv[0]) as the init's child. `terminal` is the slave side of the case's
/// pseudo-terminal, when it has one.
///
/// The exec goes through /proc/self/fd/N, which needs no search permission on the
/// folders of the program's path, only execute permission on the file: the ids the
/// program runs as may not reach the build at all. (It works for compiled programs;
/// a script's interpreter would find its close-on-exec descriptor gone.)
pub fn program(
    exe: &OwnedFd,
    program: &OsString,
    args: &[OsString],
    opts: &InitOptions,
    terminal: Option<&OwnedFd>,
) -> std::io::Result<Child> {
    let path: OsString = format!("/proc/self/fd/{}", exe.as_raw_fd()).into();
    let mut command = Command::new(path);
    command
        .arg0(program)
        .args(args)
        .env_remove(CTRL_FD_ENV)
        .env_remove(CMD_FD_ENV)
        .env_remove(super::options::OPTS_ENV);
    if let Some(slave) = terminal {
        command
            .stdin(Stdio::from(slave.try_clone()?))
            .stdout(Stdio::from(slave.try_clone()?))
            .stderr(Stdio::from(slave.try_clone()?));
    }
    let opts = opts.clone();
    let with_terminal = terminal.is_some();
    let groups = opts.run_as.map(|(_, g)| [Gid::from_raw(g)]);
    let delay = opts.jitter.map(jitter);
    unsafe {
        command.pre_exec(move || {
            if let Some(d) = delay {
                std::thread::sleep(d);
            }
            if with_terminal {
                // A session of its own, with the terminal (now on fd 0) as its
                // controlling terminal: the program's group is the foreground one.
                setsid()?;
                // nix has no wrapper for TIOCSCTTY.
                if libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else {
                setpgid(Pid::from_raw(0), Pid::from_raw(0))?;
            }
            limits(&opts)?;
            // Every program starts the same way, whatever the grader inherited:
            // default dispositions (ignored ones survive exec) and an empty mask.
            let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
            for sig in Signal::iterator() {
                if sig != Signal::SIGKILL && sig != Signal::SIGSTOP {
                    let _ = sigaction(sig, &default);
                }
            }
            SigSet::empty().thread_set_mask()?;
            // Groups first, then gid, then uid: once the uid is gone, so is the right
            // to change the other two.
            if let (Some((uid, gid)), Some(groups)) = (opts.run_as, groups.as_ref()) {
                setgroups(groups)?;
                setgid(Gid::from_raw(gid))?;
                setuid(Uid::from_raw(uid))?;
            }
            Ok(())
        });
    }
    command.spawn()
}

fn limits(opts: &InitOptions) -> nix::Result<()> {
    // No core files by default; the hard limit stays, so a lab about core dumps can
    // raise its own soft limit.
    let (_, hard) = getrlimit(Resource::RLIMIT_CORE)?;
    setrlimit(Resource::RLIMIT_CORE, 0, hard)?;
    lower(Resource::RLIMIT_FSIZE, FILE_SIZE_LIMIT)?;
    lower(Resource::RLIMIT_AS, ADDRESS_SPACE_LIMIT)?;
    if let Some(n) = opts.nproc {
        lower(Resource::RLIMIT_NPROC, n)?;
    }
    if let Some(secs) = opts.cpu_secs {
        // SIGXCPU at the soft limit, SIGKILL at the hard one: a backstop behind the
        // wall-clock deadline, for CPU time the deadline cannot see (many children).
        let (_, hard) = getrlimit(Resource::RLIMIT_CPU)?;
        setrlimit(Resource::RLIMIT_CPU, secs.min(hard), (secs + 1).min(hard))?;
    }
    Ok(())
}

/// Sets both limits to `value`, unless they are lower already.
fn lower(resource: Resource, value: u64) -> nix::Result<()> {
    let (soft, hard) = getrlimit(resource)?;
    setrlimit(resource, soft.min(value), hard.min(value))
}

/// 0-2 ms, the same for the same seed (splitmix64).
pub fn jitter(seed: u64) -> Duration {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    Duration::from_micros(z % 2000)
}

//! STUDENT FILE for lab 09 signals: this is the only file you edit.
//!
//! A signal is the kernel's way of tapping a process on the shoulder: "a child
//! ended", "the user pressed Ctrl-C", "someone asked you to stop". Each signal
//! has a disposition (do the default, ignore it, or run a handler), may be
//! blocked for a while (it then waits, pending), and arrives at whatever
//! instruction the process happens to be on. In this file you write a handler
//! that is safe to run at such a moment, install it with and without
//! SA_RESTART, block and unblock signals, read the pending and blocked sets
//! (from sigpending(2) and from /proc), wait for a signal without a race,
//! send signals with kill(2) to processes and groups, and run an event loop on
//! a signalfd.
//!
//! The driver (src/main.rs) sets the stage, sends what must be sent, and
//! prints every line; it is not yours to change. You write only what sits
//! between the `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines; the
//! stub has a `todo!()` there whose message is a hint. The chapter
//! docs/src/09-signals.md explains each task and the output the grader
//! expects.
//!
//! The `use` lines that only your code needs go inside your regions, so the
//! stub compiles without unused imports.

use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use libc::c_int;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::SignalFd;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// How many times [`on_signal`] has run, per signal number (1 to 64; index 0
/// is unused). Atomics, because the handler may run between any two
/// instructions of the main program: a plain `static mut` counter could be
/// torn or cached in a register.
pub static CAUGHT: [AtomicUsize; 65] = [const { AtomicUsize::new(0) }; 65];

/// The write end of the driver's wake-up pipe, or -1 for none. When it is
/// set, [`on_signal`] writes one byte into it: the self-pipe trick.
pub static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

/// How many times the handler has run for `sig` so far.
pub fn caught(sig: Signal) -> usize {
    CAUGHT[sig as usize].load(Ordering::SeqCst)
}

/// The signal handler that every exercise installs (through
/// [`install_handler`]). It may interrupt the main program anywhere, even in
/// the middle of `println!` holding the stdout lock or of `malloc` holding
/// the allocator's, so it may do only async-signal-safe work
/// (signal-safety(7)): no printing, no allocation, no locks.
///
/// It must, in this order:
/// 1. save `errno` (`nix::errno::Errno::last_raw()`): the calls below may
///    change it, and the main program may be about to read it;
/// 2. add one to `CAUGHT[sig]` (ignore numbers outside the array);
/// 3. if `WAKE_FD` is not -1, write one byte, the signal number, into it
///    with `libc::write` (it may fail, for instance with EAGAIN when the
///    pipe is full: nothing to do about that here);
/// 4. put `errno` back as it was (`Errno::set_raw`).
#[allow(
    dead_code,
    reason = "the stub installs no handler yet: your install_handler does"
)]
pub extern "C" fn on_signal(sig: c_int) {
    // BEGIN STUDENT CODE
    use nix::errno::Errno;
    let saved = Errno::last_raw();
    if let Some(count) = usize::try_from(sig).ok().and_then(|n| CAUGHT.get(n)) {
        count.fetch_add(1, Ordering::SeqCst);
    }
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is one valid byte.
        let _ = unsafe { libc::write(fd, (&raw const byte).cast(), 1) };
    }
    Errno::set_raw(saved);
    // END STUDENT CODE
}

/// Install [`on_signal`] as the handler of `sig` with sigaction(2): flags
/// `SA_RESTART` when `restart` is true, no flags otherwise, and an empty
/// `sa_mask`. (nix: `SigAction::new(SigHandler::Handler(on_signal), ...)`
/// and the `unsafe` `sigaction`; the `unsafe` is your promise that the
/// handler is async-signal-safe.)
///
/// With SA_RESTART, a slow system call (a read of a pipe, a wait) that the
/// handler interrupts is restarted by the kernel; without it, the call fails
/// with EINTR once the handler has returned.
pub fn install_handler(sig: Signal, restart: bool) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, sigaction};
    let flags = if restart {
        SaFlags::SA_RESTART
    } else {
        SaFlags::empty()
    };
    let action = SigAction::new(SigHandler::Handler(on_signal), flags, SigSet::empty());
    // SAFETY: on_signal does only async-signal-safe work.
    unsafe { sigaction(sig, &action) }.map(drop)
    // END STUDENT CODE
}

/// Set the disposition of `sig` to "ignore" (SIG_IGN) with sigaction(2).
pub fn ignore(sig: Signal) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, sigaction};
    let action = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    // SAFETY: installs no handler, only a disposition.
    unsafe { sigaction(sig, &action) }.map(drop)
    // END STUDENT CODE
}

/// Add the signals of `set` to the blocked mask (sigprocmask(2) with
/// SIG_BLOCK) and return the mask as it was before, so that the caller can
/// put it back with [`restore`]. (nix: `SigSet::thread_swap_mask`.)
#[allow(unused_variables, reason = "the stub does not use its argument yet")]
pub fn block(set: &SigSet) -> nix::Result<SigSet> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::SigmaskHow;
    set.thread_swap_mask(SigmaskHow::SIG_BLOCK)
    // END STUDENT CODE
}

/// Make `old` the blocked mask again (sigprocmask(2) with SIG_SETMASK). A
/// signal that was pending and is no longer blocked is delivered before this
/// call returns.
#[allow(unused_variables, reason = "the stub does not use its argument yet")]
pub fn restore(old: &SigSet) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    old.thread_set_mask()
    // END STUDENT CODE
}

/// The signals pending for this thread or this process right now, as
/// sigpending(2) reports them. nix has no wrapper: call `libc::sigpending`
/// on a `MaybeUninit<libc::sigset_t>` and turn the result into a `SigSet`
/// (`SigSet::from_sigset_t_unchecked`).
pub fn pending() -> nix::Result<SigSet> {
    // BEGIN STUDENT CODE
    use nix::errno::Errno;
    let mut raw = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigpending fills in the whole set it is given.
    Errno::result(unsafe { libc::sigpending(raw.as_mut_ptr()) })?;
    // SAFETY: initialised by sigpending just above.
    Ok(unsafe { SigSet::from_sigset_t_unchecked(raw.assume_init()) })
    // END STUDENT CODE
}

/// The five signal sets of one `/proc/<pid>/status` file (proc(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the stub builds no StatusMasks yet: your parser does"
)]
pub struct StatusMasks {
    /// `SigPnd`: pending for this thread only (raise(3), tgkill(2)).
    pub thread_pending: SigSet,
    /// `ShdPnd`: pending for the whole process (kill(2)).
    pub process_pending: SigSet,
    /// `SigBlk`: blocked.
    pub blocked: SigSet,
    /// `SigIgn`: ignored.
    pub ignored: SigSet,
    /// `SigCgt`: caught, that is, a handler is installed.
    pub caught: SigSet,
}

/// Read the lines `SigPnd:`, `ShdPnd:`, `SigBlk:`, `SigIgn:` and `SigCgt:`
/// of the text of a `/proc/<pid>/status` file.
///
/// Each value is 16 hexadecimal digits, a 64-bit mask in which bit `n - 1`
/// (counting from the least significant bit, 0) stands for signal number `n`:
/// `0000000000000001` is SIGHUP (1), `0000000000000200` is SIGUSR1 (10).
/// Put every bit that is a signal nix knows (`Signal::try_from(n)`) into the
/// set; skip the others (the real-time signals, 32 and up). A line that is
/// missing or not hexadecimal is an error (any message you like).
#[allow(unused_variables, reason = "the stub does not use its argument yet")]
pub fn parse_status(text: &str) -> Result<StatusMasks, String> {
    // BEGIN STUDENT CODE
    let field = |name: &str| -> Result<SigSet, String> {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .ok_or_else(|| format!("no {name} line"))?;
        let bits = u64::from_str_radix(line.trim(), 16)
            .map_err(|e| format!("{name}: {:?}: {e}", line.trim()))?;
        let mut set = SigSet::empty();
        for n in 1..=64 {
            if bits & (1u64 << (n - 1)) != 0
                && let Ok(sig) = Signal::try_from(n)
            {
                set.add(sig);
            }
        }
        Ok(set)
    };
    Ok(StatusMasks {
        thread_pending: field("SigPnd")?,
        process_pending: field("ShdPnd")?,
        blocked: field("SigBlk")?,
        ignored: field("SigIgn")?,
        caught: field("SigCgt")?,
    })
    // END STUDENT CODE
}

/// One read(2) of `fd` into `buf`: the number of bytes read (0 at end of
/// file), or the error exactly as the kernel gave it. Do NOT retry on EINTR:
/// the `interrupt` exercise wants to see it.
#[allow(unused_variables, reason = "the stub does not use its argument yet")]
pub fn read_once(fd: BorrowedFd, buf: &mut [u8]) -> nix::Result<usize> {
    // BEGIN STUDENT CODE
    nix::unistd::read(fd, buf)
    // END STUDENT CODE
}

/// Block until the handler has run for `sig` more than `seen` times
/// (`caught(sig) > seen`), without the lost-wakeup race.
///
/// Checking the count and then calling pause(2) is wrong: if the signal
/// arrives between the check and the pause, pause sleeps for ever. The
/// race-free way:
/// 1. block `sig` ([`block`]) and keep the old mask;
/// 2. while the count has not grown: sigsuspend(2) with the old mask minus
///    `sig` (`SigSet::suspend`), which unblocks `sig` and sleeps in one
///    atomic step and blocks it again on return;
/// 3. put the old mask back ([`restore`]).
///
/// The caller may have blocked `sig` already, and the signal may be pending
/// already when you are called: then the old mask blocks it too, so do not
/// suspend with the old mask as it is.
pub fn wait_for_signal(sig: Signal, seen: usize) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    let mut set = SigSet::empty();
    set.add(sig);
    let old = block(&set)?;
    let mut during = old;
    during.remove(sig);
    while caught(sig) <= seen {
        during.suspend()?;
    }
    restore(&old)
    // END STUDENT CODE
}

/// Whom a pid argument of kill(2) designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the stub builds no Target yet: your decode_target does"
)]
pub enum Target {
    /// `pid > 0`: that one process.
    Process(Pid),
    /// `pid == 0`: every process in the caller's own process group.
    CallerGroup,
    /// `pid < -1`: every process in the process group `-pid`.
    Group(Pid),
    /// `pid == -1`: every process the caller may signal, except init and
    /// the caller itself.
    Everyone,
}

/// Decode the pid argument of kill(2) (and of the `kill` command) as the
/// kernel reads it: see [`Target`].
pub fn decode_target(raw: i32) -> Target {
    // BEGIN STUDENT CODE
    match raw {
        0 => Target::CallerGroup,
        -1 => Target::Everyone,
        n if n > 0 => Target::Process(Pid::from_raw(n)),
        n => Target::Group(Pid::from_raw(-n)),
    }
    // END STUDENT CODE
}

/// Send `sig` to `target` with one kill(2) (or killpg(3), which is kill
/// with a negated group id). `None` is signal 0: nothing is sent, but the
/// kernel still checks that the target exists (ESRCH if not) and that you
/// may signal it (EPERM if not). Make the call in every case and return
/// what it says.
pub fn send(target: Target, sig: Option<Signal>) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::signal::kill;
    let pid = match target {
        Target::Process(pid) => pid,
        Target::CallerGroup => Pid::from_raw(0),
        Target::Group(pgid) => Pid::from_raw(-pgid.as_raw()),
        Target::Everyone => Pid::from_raw(-1),
    };
    kill(pid, sig)
    // END STUDENT CODE
}

/// Set up a signalfd(2) for the signals of `set`: block them first (a
/// signal that is not blocked is delivered the ordinary way, with its
/// disposition, and never shows up on the descriptor), then create the
/// descriptor, non-blocking and close-on-exec
/// (`SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC`).
#[allow(unused_variables, reason = "the stub does not use its argument yet")]
pub fn open_signalfd(set: &SigSet) -> nix::Result<SignalFd> {
    // BEGIN STUDENT CODE
    use nix::sys::signalfd::SfdFlags;
    block(set)?;
    SignalFd::with_flags(set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
    // END STUDENT CODE
}

/// What [`event_loop`] reports to the driver, one call of `on` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the stub builds no Event yet: your event loop does"
)]
pub enum Event<'a> {
    /// A signal was read from the signalfd (reported before anything done
    /// about it, SIGCHLD included).
    Signal(Signal),
    /// A child was reaped after a SIGCHLD.
    Reaped(WaitStatus),
    /// Bytes read from the input (not split into lines; the driver does).
    Input(&'a [u8]),
}

/// Why [`event_loop`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the stub builds no End yet: your event loop does")]
pub enum End {
    /// SIGTERM or SIGINT arrived.
    Signal(Signal),
    /// The input reached end of file.
    Eof,
}

/// The event loop: wait with poll(2) until `sfd` or `input` is readable,
/// handle what is there, and go round again.
///
/// - On `sfd` (non-blocking): read every signal there is
///   (`read_signal` returns `Ok(None)` when none is left). Report each with
///   `Event::Signal`. SIGTERM and SIGINT end the loop
///   (`End::Signal`). After a SIGCHLD, reap every child that has ended
///   (waitpid(2) for any child with WNOHANG, until it returns `StillAlive`
///   or fails with ECHILD) and report each as `Event::Reaped`: one SIGCHLD
///   can stand for many children, since signals do not queue.
/// - On `input`: one read(2); report the bytes as `Event::Input`, or end the
///   loop with `End::Eof` when it returns 0.
///
/// Retry poll on EINTR; return any other error.
#[allow(
    unused_variables,
    reason = "the stub reports no event yet: your loop calls `on`"
)]
pub fn event_loop(
    sfd: &SignalFd,
    input: BorrowedFd,
    on: &mut dyn FnMut(Event),
) -> nix::Result<End> {
    // BEGIN STUDENT CODE
    use std::os::fd::AsFd;

    use nix::errno::Errno;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::sys::wait::{WaitPidFlag, waitpid};

    let readable = |fd: &PollFd| {
        fd.revents()
            .is_some_and(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP))
    };
    let mut buf = [0u8; 4096];
    loop {
        let mut fds = [
            PollFd::new(sfd.as_fd(), PollFlags::POLLIN),
            PollFd::new(input, PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        let (signals_ready, input_ready) = (readable(&fds[0]), readable(&fds[1]));
        if signals_ready {
            while let Some(info) = sfd.read_signal()? {
                let Ok(sig) = Signal::try_from(info.ssi_signo as c_int) else {
                    continue;
                };
                on(Event::Signal(sig));
                match sig {
                    Signal::SIGTERM | Signal::SIGINT => return Ok(End::Signal(sig)),
                    Signal::SIGCHLD => loop {
                        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => break,
                            Ok(status) => on(Event::Reaped(status)),
                            Err(Errno::EINTR) => {}
                            Err(e) => return Err(e),
                        }
                    },
                    _ => {}
                }
            }
        }
        if input_ready {
            match nix::unistd::read(input, &mut buf) {
                Ok(0) => return Ok(End::Eof),
                Ok(n) => on(Event::Input(&buf[..n])),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }
    // END STUDENT CODE
}

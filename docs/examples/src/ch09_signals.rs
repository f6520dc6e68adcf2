//! Chapter 09: installing a handler with sigaction.

use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

/// Set by the handler, read by the program's loop.
static GOT_USR1: AtomicBool = AtomicBool::new(false);

/// A handler that does only what a handler may do: store to an atomic.
extern "C" fn on_signal(_: nix::libc::c_int) {
    GOT_USR1.store(true, Ordering::SeqCst);
}

/// Catches SIGUSR1, restarting the system calls it interrupts.
pub fn catch_usr1() -> nix::Result<()> {
    // ANCHOR: sigaction
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: on_signal only stores to an atomic, which a handler may do.
    unsafe { sigaction(Signal::SIGUSR1, &action) }?;
    // ANCHOR_END: sigaction
    Ok(())
}

/// Whether SIGUSR1 arrived since the last call.
pub fn took_usr1() -> bool {
    GOT_USR1.swap(false, Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handler_sees_a_raised_signal() {
        catch_usr1().unwrap();
        nix::sys::signal::raise(Signal::SIGUSR1).unwrap();
        assert!(took_usr1());
    }
}

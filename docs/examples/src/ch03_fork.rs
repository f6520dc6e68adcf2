//! Chapter 03: the shape of every fork.

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};

// ANCHOR: shape
/// Forks a child that ends at once with `code`, and waits for it.
pub fn child_that_exits(code: i32) -> nix::Result<WaitStatus> {
    // SAFETY: the child calls only _exit, which is async-signal-safe, so it is
    // sound even if this process has other threads.
    match unsafe { fork() }? {
        ForkResult::Child => {
            // The child's whole life. It never returns from this arm: _exit
            // ends the process without running destructors or exit handlers.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            // The parent goes on, and collects the child so that no zombie is left.
            waitpid(child, None)
        }
    }
}
// ANCHOR_END: shape

#[cfg(test)]
mod tests {
    use nix::sys::wait::WaitStatus;

    #[test]
    fn the_parent_sees_the_childs_code() {
        match super::child_that_exits(7).unwrap() {
            WaitStatus::Exited(_, code) => assert_eq!(code, 7),
            other => panic!("unexpected {other:?}"),
        }
    }
}

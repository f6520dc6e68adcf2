//! Chapter 01: one process, several threads.

use nix::unistd::{Pid, gettid};

// ANCHOR: threads
/// The process id and the thread id, asked in the main thread and in a second
/// one. The process id is the same in both; the thread ids differ, and the main
/// thread's equals the process id.
pub fn ids_in_two_threads() -> [(u32, Pid); 2] {
    let here = (std::process::id(), gettid());
    let there = std::thread::spawn(|| (std::process::id(), gettid()))
        .join()
        .expect("the second thread ran to its end");
    [here, there]
}
// ANCHOR_END: threads

#[cfg(test)]
mod tests {
    #[test]
    fn threads_share_the_pid_not_the_tid() {
        let [main, other] = super::ids_in_two_threads();
        assert_eq!(main.0, other.0);
        assert_ne!(main.1, other.1);
    }
}

//! Chapter 05: std's side of waiting, for children made by `Command`.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

// ANCHOR: std_wait
/// Starts `sleep 30`, kills it, and waits for it: std decodes the status with
/// `code()` (None here: the child did not exit) and `signal()` (Some(9)).
pub fn killed_sleeper() -> io::Result<ExitStatus> {
    let mut child = Command::new("sleep").arg("30").spawn()?;
    // try_wait is waitpid with WNOHANG: Ok(None) while the child still runs.
    assert!(child.try_wait()?.is_none(), "sleep 30 ended early");
    child.kill()?; // SIGKILL; kill(2) on a child that is not yet reaped
    let status = child.wait()?; // blocks, retries on EINTR, reaps the child
    debug_assert_eq!((status.code(), status.signal()), (None, Some(9)));
    Ok(status)
}
// ANCHOR_END: std_wait

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_killed_child_has_a_signal_and_no_code() {
        let st = super::killed_sleeper().unwrap();
        assert_eq!(st.code(), None);
        assert_eq!(st.signal(), Some(9));
        assert!(!st.core_dumped());
    }
}

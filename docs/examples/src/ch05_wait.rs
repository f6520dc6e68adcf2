//! Chapter 05: std's side of waiting, for children made by `Command`.

use std::io;
use std::process::{Command, ExitStatus};

// ANCHOR: std_wait
/// Starts `sleep 30`, asks whether it has ended, kills it, and waits for it.
/// Returns what the question found (nothing yet) and the final status, which
/// std decodes with `code()` (None: the child did not exit) and, on Unix,
/// `ExitStatusExt::signal()` (Some(9)).
pub fn killed_sleeper() -> io::Result<(Option<ExitStatus>, ExitStatus)> {
    let mut child = Command::new("sleep").arg("30").spawn()?;
    // try_wait is waitpid with WNOHANG: Ok(None) while the child still runs.
    let before = child.try_wait()?;
    child.kill()?; // SIGKILL, sent with kill(2) to a child not yet reaped
    let status = child.wait()?; // blocks, retries on EINTR, reaps the child
    Ok((before, status))
}
// ANCHOR_END: std_wait

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_killed_child_has_a_signal_and_no_code() {
        let (before, st) = super::killed_sleeper().unwrap();
        assert!(before.is_none(), "sleep 30 had ended at once");
        assert_eq!(st.code(), None);
        assert_eq!(st.signal(), Some(9));
        assert!(!st.core_dumped());
    }
}

//! Chapter 06: what the C library's system() looks like from the outside.

use std::process::{Command, ExitStatus};

// ANCHOR: std_shell
/// std's way to run a shell command: fork, exec `/bin/sh -c`, waitpid, with the
/// signal handling of system(3) left out (Command does not ignore SIGINT).
pub fn shell(command: &str) -> std::io::Result<ExitStatus> {
    Command::new("/bin/sh").arg("-c").arg(command).status()
}
// ANCHOR_END: std_shell

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn the_shell_reports_the_code() {
        let st = super::shell("exit 3").unwrap();
        assert_eq!(st.code(), Some(3));
        // The raw status, as waitpid gave it: the code in the second byte.
        assert_eq!(st.into_raw(), 3 << 8);
    }
}

//! Chapter 02: exec returns only to report a failure.

use std::ffi::CStr;

use nix::errno::Errno;
use nix::unistd::execv;

// ANCHOR: only_errors
/// Replaces this program with `prog`, or says why it could not.
pub fn exec_or_why(prog: &CStr, argv: &[&CStr]) -> Errno {
    let Err(errno) = execv(prog, argv);
    // here exec has failed; errno says why
    errno
}
// ANCHOR_END: only_errors

#[cfg(test)]
mod tests {
    use nix::errno::Errno;

    #[test]
    fn a_missing_file_is_enoent() {
        // Nothing runs: the file does not exist, so this process stays itself.
        let why = super::exec_or_why(c"/nonexistent/proclab", &[c"proclab"]);
        assert_eq!(why, Errno::ENOENT);
    }
}

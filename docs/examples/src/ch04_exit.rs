//! Chapter 04: registering an exit handler from Rust.

use std::io;

// ANCHOR: atexit
extern "C" fn goodbye() {
    // One write(2) to fd 1 from a constant buffer, and nothing more.
    let line = b"goodbye\n";
    // SAFETY: the buffer is valid for its length; write is async-signal-safe.
    unsafe { libc::write(1, line.as_ptr().cast(), line.len()) };
}

/// Asks the C library to call `goodbye` when this process calls `exit`.
pub fn say_goodbye_at_exit() -> io::Result<()> {
    // SAFETY: `goodbye` does not unwind and only writes to fd 1.
    if unsafe { libc::atexit(goodbye) } != 0 {
        return Err(io::Error::other("atexit failed"));
    }
    Ok(())
}
// ANCHOR_END: atexit

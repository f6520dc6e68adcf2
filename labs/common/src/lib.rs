//! Pieces several lab drivers share. Nothing here is an exercise: the students'
//! code lives in each lab's own student file. A lab's driver uses this crate through
//! `proclab-labkit.workspace = true`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use nix::errno::Errno;

use nix::unistd::Pid;

/// A pipe used as a barrier between processes. It stays shut while any process
/// holds a copy of its write end; a copy closes at the latest when its holder exits,
/// and `wait` returns whatever was written once every copy is closed. This is how a
/// driver waits for its children without sleeping: pipe(2), and end of file.
pub struct Gate {
    read: File,
    write: Option<File>,
}

impl Gate {
    pub fn new() -> nix::Result<Gate> {
        let (read, write) = nix::unistd::pipe()?;
        Ok(Gate {
            read: File::from(read),
            write: Some(File::from(write)),
        })
    }

    /// Close this process's copy of the write end.
    pub fn open(&mut self) {
        self.write = None;
    }

    /// Write bytes for whoever waits.
    pub fn send(&self, bytes: &[u8]) -> io::Result<()> {
        match self.write.as_ref() {
            Some(mut write) => write.write_all(bytes),
            None => Err(io::Error::other("the gate is already open")),
        }
    }

    /// Close our own copy of the write end (or we would wait for ourselves), then
    /// read until end of file.
    pub fn wait(&mut self) -> io::Result<Vec<u8>> {
        self.open();
        let mut got = Vec::new();
        (&self.read).read_to_end(&mut got)?;
        Ok(got)
    }
}

/// A pid sent through a [`Gate`] as its four native-endian bytes.
pub fn pid_from_bytes(bytes: &[u8]) -> Option<Pid> {
    Some(Pid::from_raw(i32::from_ne_bytes(bytes.try_into().ok()?)))
}

/// The bytes [`pid_from_bytes`] reads back.
pub fn pid_bytes(pid: Pid) -> [u8; 4] {
    pid.as_raw().to_ne_bytes()
}

/// Wait, for at most `limit`, until `pid` no longer exists: it has exited and its
/// parent has reaped it. waitpid(2) works only for one's own children, and nothing
/// signals the end of someone else's, but kill(2) with signal 0 fails with ESRCH once
/// the pid is free (a zombie still counts as existing). A bounded poll, 1 ms apart.
pub fn wait_gone(pid: Pid, limit: Duration) {
    let since = Instant::now();
    while nix::sys::signal::kill(pid, None) != Err(Errno::ESRCH) && since.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(1));
    }
}

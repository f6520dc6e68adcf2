//! A pseudo-terminal for cases with `terminal = true` (pty(7)): the program gets the
//! slave side as stdin, stdout, stderr and controlling terminal; the init relays
//! between the master side and the grader's pipes, so typed input arrives through the
//! terminal's line discipline (Ctrl-C becomes SIGINT for the foreground group) and
//! the grader reads the screen as one stream.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::pty::openpty;

pub struct Terminal {
    pub master: OwnedFd,
    /// Held until the program has started, then closed so that the master sees the
    /// end when the program's side is gone.
    pub slave: Option<OwnedFd>,
    /// The grader's side of the program's input is still open.
    pub input_open: bool,
}

/// End of file, as typed at a terminal in canonical mode (Ctrl-D).
const EOF_CHAR: u8 = 0x04;

impl Terminal {
    pub fn open() -> Result<Terminal, String> {
        let pty = openpty(None, None).map_err(|e| format!("openpty: {e}"))?;
        for fd in [&pty.master, &pty.slave] {
            fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).map_err(|e| format!("{e}"))?;
        }
        let flags = fcntl(&pty.master, FcntlArg::F_GETFL).map_err(|e| format!("{e}"))?;
        let flags = OFlag::from_bits_retain(flags) | OFlag::O_NONBLOCK;
        fcntl(&pty.master, FcntlArg::F_SETFL(flags)).map_err(|e| format!("{e}"))?;
        Ok(Terminal {
            master: pty.master,
            slave: Some(pty.slave),
            input_open: true,
        })
    }

    /// Copies what the terminal shows to the grader (our stdout). False once the
    /// terminal has nothing more to give (every slave descriptor is closed: EIO).
    pub fn show(&self) -> bool {
        let mut buf = [0u8; 8192];
        loop {
            match nix::unistd::read(self.master.as_fd(), &mut buf) {
                Ok(0) => return false,
                Ok(n) => write_all(std::io::stdout().as_fd(), &buf[..n]),
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Types what the grader wrote (our stdin) at the terminal; at the end of the
    /// grader's input, types Ctrl-D once.
    pub fn type_input(&mut self, input: BorrowedFd) {
        let mut buf = [0u8; 4096];
        match nix::unistd::read(input, &mut buf) {
            Ok(0) | Err(_) => {
                self.input_open = false;
                write_all(self.master.as_fd(), &[EOF_CHAR]);
            }
            Ok(n) => write_all(self.master.as_fd(), &buf[..n]),
        }
    }
}

/// Writes everything, or as much as the other side takes: a terminal whose program
/// does not read fills up, and the rest is dropped rather than blocking the init.
fn write_all(fd: BorrowedFd, mut data: &[u8]) {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}

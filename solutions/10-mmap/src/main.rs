//! Driver for lab 10 mmap: the command line, the children, the faults, and
//! every line of output.
//!
//! This file is the same in the lab and in the reference solution and is not
//! yours to edit: your work is in `src/mmap.rs`. The driver creates the files
//! an exercise works on, forks the children, touches the pages that fault,
//! looks in /proc/<pid>/maps and /dev/shm, and prints every line (the `show`
//! module); your functions make, change and remove the mappings. The chapter
//! docs/src/10-mmap.md describes each subcommand and its output; the grader
//! compares that output, after replacing the pids by stable names, with the
//! reference's.
//!
//! Nothing printed depends on the page size or on where the kernel put a
//! mapping: offsets are given as a page number and an offset in that page,
//! and a mapping is named by what /proc says about it, never by its address.

mod mmap;

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid, getpid};

use crate::mmap::{Access, Region, Sharing};

type Error = Box<dyn std::error::Error>;

/// The file the `edit` exercise starts from.
const EDIT_FILE: &str = "data.txt";
const EDIT_TEXT: &[u8] = b"hello, world\n";
/// The file of the `fault` exercise.
const FAULT_FILE: &str = "data.bin";
/// How many bytes the `fault` exercise's file has (less than a page).
const SHORT_LEN: usize = 100;
/// A touch's offset that stands for the last byte of its page (printed as
/// `last`, so that no output depends on the page size).
const LAST: usize = usize::MAX;
/// How many pages the `pages` exercise maps.
const PAGES: usize = 4;
/// The two message slots of the `shm` exercise: the parent writes the first,
/// the child the second.
const SLOT: usize = 64;
/// The prefix of the shared memory object's name; the driver's pid follows,
/// so that two programs running at once never use the same name.
const SHM_PREFIX: &str = "proclab-mmap-";

#[derive(Parser)]
#[command(
    name = "mmap",
    bin_name = "mmap",
    about = "Lab 10: memory mappings, shared and private, file-backed and anonymous, and named shared memory"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A counter in an anonymous mapping; the parent and a child each add N
    /// to it at the same time; show the mapping in both processes' maps
    Counter {
        #[arg(value_enum)]
        sharing: SharingArg,
        /// How many increments each process makes
        #[arg(long, default_value_t = 10_000_000)]
        n: u64,
    },
    /// Copy SRC to DST through two mappings
    Copy {
        src: PathBuf,
        dst: PathBuf,
        /// First write SRC with BYTES bytes of numbered lines
        #[arg(long, value_name = "BYTES")]
        make: Option<usize>,
        /// First write DST with BYTES bytes of other text
        #[arg(long, value_name = "BYTES")]
        old: Option<usize>,
    },
    /// Write TEXT at offset AT of data.txt ("hello, world\n") through a
    /// mapping; show what the mapping and what the file say afterwards
    Edit {
        #[arg(value_enum)]
        sharing: SharingArg,
        #[arg(long, default_value_t = 0)]
        at: usize,
        #[arg(long, default_value = "HELLO")]
        text: String,
    },
    /// Map a file, and in a child touch the pages until one faults
    Fault {
        #[arg(value_enum)]
        kind: FaultKind,
    },
    /// Map 4 private pages, make COUNT of them from page FIRST read-only or
    /// remove them; show each page in maps; a child then reads and writes
    /// every page in turn
    Pages {
        #[arg(value_enum)]
        change: Change,
        #[arg(long, default_value_t = 1)]
        first: usize,
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
    /// A named shared memory object: create it, write to it, let a child
    /// open it by name and answer, unlink it, look in /dev/shm
    Shm {
        /// Unlink the name before the child opens it
        #[arg(long)]
        unlink_first: bool,
    },
}

#[derive(ValueEnum, Clone, Copy)]
enum SharingArg {
    /// MAP_SHARED
    Shared,
    /// MAP_PRIVATE
    Private,
}

impl SharingArg {
    fn sharing(self) -> Sharing {
        match self {
            SharingArg::Shared => Sharing::Shared,
            SharingArg::Private => Sharing::Private,
        }
    }
}

#[derive(ValueEnum, Clone, Copy)]
enum FaultKind {
    /// A file of 100 bytes mapped for two pages: read through the first
    /// page and into the second
    PastEof,
    /// A file of two pages mapped whole, then cut to 100 bytes: read the
    /// second page before and after
    Truncated,
    /// A file mapped read-only: read, then write
    ReadOnly,
    /// An empty file mapped read-write for a page, never ftruncated: write
    NoTruncate,
}

#[derive(ValueEnum, Clone, Copy)]
enum Change {
    /// mprotect the pages to PROT_READ
    Protect,
    /// munmap the pages
    Unmap,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Rust's runtime catches SIGSEGV and SIGBUS to report stack overflows.
    // Here a fault is the lesson: let it act with its default action, in
    // the children and in the driver itself.
    for sig in [Signal::SIGSEGV, Signal::SIGBUS] {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: installs no handler, only the default action.
        if let Err(e) = unsafe { sigaction(sig, &default) } {
            eprintln!("mmap: sigaction({sig}): {e}");
            return ExitCode::FAILURE;
        }
    }
    let result = match cli.command {
        Command::Counter { sharing, n } => counter(sharing.sharing(), n),
        Command::Copy {
            src,
            dst,
            make,
            old,
        } => copy(&src, &dst, make, old),
        Command::Edit { sharing, at, text } => edit(sharing.sharing(), at, text.as_bytes()),
        Command::Fault { kind } => fault(kind),
        Command::Pages {
            change,
            first,
            count,
        } => pages(change, first, count),
        Command::Shm { unlink_first } => shm(unlink_first),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mmap: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `counter shared|private [--n N]`: one page of anonymous memory holds the
/// counter. The child, once forked, waits at a start line; the driver shows
/// the mapping in its own maps and in the child's, comes to the start line
/// too, and both add N at once; then the driver waits for the child and
/// reads the counter.
fn counter(sharing: Sharing, n: u64) -> Result<(), Error> {
    let region = match mmap::map_anonymous(mmap::page_size(), sharing) {
        Ok(region) => region,
        Err(errno) => {
            show::failed("map", errno);
            return Ok(());
        }
    };
    show::mapping("parent", None, lookup(getpid(), region.addr())?);
    let counter = mmap::counter_in(&region);
    let start = StartLine::new()?;
    let cpus = two_cpus();
    let child = spawn(|| {
        if let Some((_, theirs)) = cpus {
            pin(theirs);
        }
        start.arrive();
        mmap::add(counter, n);
        0
    })?;
    // The child waits at the start line: its maps can be read at leisure.
    show::mapping("child", Some(child), lookup(child, region.addr())?);
    if let Some((ours, _)) = cpus {
        pin(ours);
    }
    start.arrive();
    mmap::add(counter, n);
    show::ended(child, waitpid(child, None));
    show::count(counter.load(std::sync::atomic::Ordering::SeqCst), 2 * n);
    start.remove();
    unmap_and_check(region)
}

/// Two CPUs this process may run on, if it may run on two: the parent and
/// the child of `counter` each take one, so that the scheduler cannot run
/// them one after the other on the same CPU.
fn two_cpus() -> Option<(usize, usize)> {
    use nix::sched::{CpuSet, sched_getaffinity};
    let set = sched_getaffinity(Pid::from_raw(0)).ok()?;
    let mut allowed = (0..CpuSet::count()).filter(|&cpu| set.is_set(cpu).unwrap_or(false));
    Some((allowed.next()?, allowed.next()?))
}

/// Run this process on `cpu` only (best effort: if it fails, the race is
/// merely less likely).
fn pin(cpu: usize) {
    use nix::sched::{CpuSet, sched_setaffinity};
    let mut set = CpuSet::new();
    if set.set(cpu).is_ok() {
        let _ = sched_setaffinity(Pid::from_raw(0), &set);
    }
}

/// Where the parent and the child of `counter` wait for each other, so that
/// both really add at the same time: a pipe would wake one while the other
/// already runs, and a million increments are over in a few milliseconds. A
/// counter of arrivals in a shared page of the driver's own (not the
/// student's mapping); each process spins, yielding the CPU, until both have
/// arrived.
struct StartLine {
    page: std::ptr::NonNull<std::ffi::c_void>,
}

impl StartLine {
    fn new() -> nix::Result<StartLine> {
        use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};
        let len =
            std::num::NonZeroUsize::new(mmap::page_size()).ok_or(nix::errno::Errno::EINVAL)?;
        let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        // SAFETY: a new mapping at an address of the kernel's choosing.
        let page = unsafe { mmap_anonymous(None, len, prot, MapFlags::MAP_SHARED) }?;
        Ok(StartLine { page })
    }

    fn arrivals(&self) -> &std::sync::atomic::AtomicU32 {
        // SAFETY: page-aligned, zero-filled, shared, used only through this
        // atomic, and mapped until `remove`.
        unsafe { &*self.page.as_ptr().cast::<std::sync::atomic::AtomicU32>() }
    }

    fn arrive(&self) {
        use std::sync::atomic::Ordering;
        self.arrivals().fetch_add(1, Ordering::SeqCst);
        while self.arrivals().load(Ordering::SeqCst) < 2 {
            let _ = nix::sched::sched_yield();
        }
    }

    fn remove(self) {
        // SAFETY: nothing uses the page any more.
        let _ = unsafe { nix::sys::mman::munmap(self.page, mmap::page_size()) };
    }
}

/// Give the region to the student's unmap, and show whether any of its
/// pages is still in our maps afterwards.
fn unmap_and_check(region: Region) -> Result<(), Error> {
    let page = mmap::page_size();
    let pages: Vec<usize> = (0..region.len.div_ceil(page))
        .map(|p| region.addr() + p * page)
        .collect();
    if let Err(errno) = mmap::unmap(region) {
        show::failed("unmap", errno);
    }
    let text = std::fs::read_to_string("/proc/self/maps")?;
    let gone = pages
        .iter()
        .all(|&addr| mmap::find_mapping(&text, addr).is_none());
    show::unmapped(gone);
    Ok(())
}

/// What the student's find_mapping makes of /proc/<pid>/maps at `addr`.
fn lookup(pid: Pid, addr: usize) -> io::Result<Option<mmap::MapsEntry>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/maps"))?;
    Ok(mmap::find_mapping(&text, addr))
}

/// `copy SRC DST [--make BYTES] [--old BYTES]`.
fn copy(src: &Path, dst: &Path, make: Option<usize>, old: Option<usize>) -> Result<(), Error> {
    if let Some(bytes) = make {
        std::fs::write(src, numbered_lines(bytes))?;
    }
    if let Some(bytes) = old {
        std::fs::write(
            dst,
            b"old text\n"
                .iter()
                .copied()
                .cycle()
                .take(bytes)
                .collect::<Vec<u8>>(),
        )?;
    }
    match mmap::copy_file(src, dst) {
        Ok(n) => show::copied(n),
        Err(e) => show::io_failed("copy", &e),
    }
    let want = std::fs::read(src)?;
    match std::fs::read(dst) {
        Ok(got) => show::compared(got == want, got.len()),
        Err(e) => show::io_failed("dst", &e),
    }
    Ok(())
}

/// `bytes` bytes of `line 00001\n`, `line 00002\n`...: every offset of the
/// file tells where it is.
fn numbered_lines(bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 16);
    let mut n = 1;
    while out.len() < bytes {
        out.extend_from_slice(format!("line {n:05}\n").as_bytes());
        n += 1;
    }
    out.truncate(bytes);
    out
}

/// `edit shared|private [--at N] [--text S]`.
fn edit(sharing: Sharing, at: usize, text: &[u8]) -> Result<(), Error> {
    if at
        .checked_add(text.len())
        .is_none_or(|end| end > EDIT_TEXT.len())
    {
        return Err(format!("the text must fit in the file's {} bytes", EDIT_TEXT.len()).into());
    }
    std::fs::write(EDIT_FILE, EDIT_TEXT)?;
    match mmap::edit_file(Path::new(EDIT_FILE), sharing, at, text) {
        Ok(seen) => show::text("mapped", &seen),
        Err(e) => show::io_failed("edit", &e),
    }
    show::text("file", &std::fs::read(EDIT_FILE)?);
    Ok(())
}

/// One thing the fault child does to a mapping.
#[derive(Clone, Copy)]
enum Touch {
    Read {
        page: usize,
        offset: usize,
    },
    Write {
        page: usize,
        offset: usize,
    },
    /// Cut the file to this many bytes (ftruncate), under the mapping.
    Truncate(usize),
}

/// `fault KIND`: make the file, map it with the student's map_file, and let
/// a child do the touches one after the other; report how the child ended.
fn fault(kind: FaultKind) -> Result<(), Error> {
    let page = mmap::page_size();
    let short: Vec<u8> = b"0123456789"
        .iter()
        .copied()
        .cycle()
        .take(SHORT_LEN)
        .collect();
    let (contents, len, access, sharing, touches) = match kind {
        FaultKind::PastEof => (
            short,
            2 * page,
            Access::Read,
            Sharing::Shared,
            vec![
                Touch::Read { page: 0, offset: 0 },
                Touch::Read {
                    page: 0,
                    offset: SHORT_LEN - 1,
                },
                Touch::Read {
                    page: 0,
                    offset: SHORT_LEN,
                },
                Touch::Read {
                    page: 0,
                    offset: LAST,
                },
                Touch::Read { page: 1, offset: 0 },
            ],
        ),
        FaultKind::Truncated => (
            b"abcdefgh".iter().copied().cycle().take(2 * page).collect(),
            2 * page,
            Access::Read,
            Sharing::Shared,
            vec![
                Touch::Read { page: 1, offset: 0 },
                Touch::Truncate(SHORT_LEN),
                Touch::Read { page: 0, offset: 0 },
                Touch::Read {
                    page: 0,
                    offset: SHORT_LEN,
                },
                Touch::Read { page: 1, offset: 0 },
            ],
        ),
        FaultKind::ReadOnly => (
            short,
            SHORT_LEN,
            Access::Read,
            Sharing::Private,
            vec![
                Touch::Read { page: 0, offset: 0 },
                Touch::Write { page: 0, offset: 0 },
                Touch::Read { page: 0, offset: 0 },
            ],
        ),
        FaultKind::NoTruncate => (
            Vec::new(),
            page,
            Access::ReadWrite,
            Sharing::Shared,
            vec![
                Touch::Write { page: 0, offset: 0 },
                Touch::Read { page: 0, offset: 0 },
            ],
        ),
    };
    std::fs::write(FAULT_FILE, &contents)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(FAULT_FILE)?;
    show::file(contents.len());
    // Open for writing as well, so that a read-write shared mapping is
    // allowed: what is being shown is the fault, not EACCES.
    let region = match mmap::map_file(file.as_fd(), len, access, sharing) {
        Ok(region) => region,
        Err(errno) => {
            show::failed("map", errno);
            return Ok(());
        }
    };
    show::mapping("parent", None, lookup(getpid(), region.addr())?);
    let child = spawn(|| {
        no_core_file();
        for &touch in &touches {
            do_touch(&region, Some(&file), touch);
        }
        0
    })?;
    show::ended(child, waitpid(child, None));
    unmap_and_check(region)
}

/// In a child that is about to fault: no core file, whatever the limit we
/// were started with (the grader's is already 0; a shell's may not be).
fn no_core_file() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_CORE) {
        let _ = setrlimit(Resource::RLIMIT_CORE, 0, hard);
    }
}

/// Do one touch, and print it once it is done (a touch that faults prints
/// nothing: the process is gone).
fn do_touch(region: &Region, file: Option<&File>, touch: Touch) {
    let page = mmap::page_size();
    let at = |p: usize, offset: usize| {
        region.at(p * page + if offset == LAST { page - 1 } else { offset })
    };
    match touch {
        Touch::Read { page: p, offset } => {
            // SAFETY: inside the mapping's pages (a fault is what we look
            // for); volatile, so that the read really happens.
            let byte = unsafe { std::ptr::read_volatile(at(p, offset)) };
            show::read(p, offset, byte);
        }
        Touch::Write { page: p, offset } => {
            // SAFETY: as above.
            unsafe { std::ptr::write_volatile(at(p, offset), b'X') };
            show::wrote(p, offset);
        }
        Touch::Truncate(bytes) => match file.map(|f| f.set_len(bytes as u64)) {
            Some(Ok(())) => show::truncated(bytes),
            Some(Err(e)) => show::io_failed("truncate", &e),
            None => {}
        },
    }
    let _ = io::stdout().flush();
}

/// `pages protect|unmap [--first F] [--count C]`.
fn pages(change: Change, first: usize, count: usize) -> Result<(), Error> {
    if first.checked_add(count).is_none_or(|end| end > PAGES) || count == 0 {
        return Err(format!("the pages must lie within the {PAGES} pages mapped").into());
    }
    let page = mmap::page_size();
    let region = match mmap::map_anonymous(PAGES * page, Sharing::Private) {
        Ok(region) => region,
        Err(errno) => {
            show::failed("map", errno);
            return Ok(());
        }
    };
    for p in 0..PAGES {
        // SAFETY: inside the fresh, writable mapping.
        unsafe { std::ptr::write_volatile(region.at(p * page), b'a' + p as u8) };
    }
    let (word, result) = match change {
        Change::Protect => ("protect", mmap::protect_pages(&region, first, count)),
        Change::Unmap => ("unmap", mmap::unmap_pages(&region, first, count)),
    };
    match result {
        Ok(()) => show::changed(word, first, count),
        Err(errno) => show::failed(word, errno),
    }
    let text = std::fs::read_to_string("/proc/self/maps")?;
    for p in 0..PAGES {
        show::page(p, mmap::find_mapping(&text, region.addr() + p * page));
    }
    let child = spawn(|| {
        no_core_file();
        for p in 0..PAGES {
            for touch in [
                Touch::Read { page: p, offset: 0 },
                Touch::Write { page: p, offset: 0 },
            ] {
                do_touch(&region, None, touch);
            }
        }
        0
    })?;
    show::ended(child, waitpid(child, None));
    unmap_and_check(region)
}

/// `shm [--unlink-first]`.
fn shm(unlink_first: bool) -> Result<(), Error> {
    let page = mmap::page_size();
    let name = format!("/{SHM_PREFIX}{}", getpid());
    let fd = match mmap::shm_create(&name, page) {
        Ok(fd) => fd,
        Err(errno) => {
            show::failed("create", errno);
            leftover_check(&name);
            return Ok(());
        }
    };
    let size = nix::sys::stat::fstat(&fd)?.st_size;
    show::created(
        visible(&name),
        usize::try_from(size).unwrap_or(0).div_ceil(page),
    );
    // With fewer bytes in the object than a page, touching the mapping would
    // kill the driver with SIGBUS: leave that to the child.
    let whole = usize::try_from(size).is_ok_and(|s| s >= page);
    let region = match mmap::map_file(fd.as_fd(), page, Access::ReadWrite, Sharing::Shared) {
        Ok(region) => Some(region),
        Err(errno) => {
            show::failed("map", errno);
            None
        }
    };
    drop(fd);
    if let Some(region) = &region {
        show::object_mapping(lookup(getpid(), region.addr())?, &name);
        if whole {
            put(region, 0, b"ping");
            show::message("parent wrote", b"ping");
        }
    }
    let mut unlinked = false;
    if unlink_first {
        unlink(&name);
        unlinked = true;
    }
    let child_name = name.clone();
    let child = spawn(move || answer(&child_name, page))?;
    show::ended(child, waitpid(child, None));
    if let Some(region) = &region
        && whole
    {
        show::message("parent read", &get(region, 1));
    }
    if !unlinked {
        unlink(&name);
    }
    if let Some(region) = region {
        show::object_mapping(lookup(getpid(), region.addr())?, &name);
        if whole {
            show::message("after unlink read", &get(&region, 1));
        }
        if let Err(errno) = mmap::unmap(region) {
            show::failed("unmap", errno);
        }
    }
    leftover_check(&name);
    Ok(())
}

/// The child of `shm`: open the object by name, map it, read the parent's
/// message, write the answer.
fn answer(name: &str, page: usize) -> i32 {
    let fd = match mmap::shm_attach(name) {
        Ok(fd) => fd,
        Err(errno) => {
            show::failed("child attach", errno);
            return 1;
        }
    };
    let region = match mmap::map_file(fd.as_fd(), page, Access::ReadWrite, Sharing::Shared) {
        Ok(region) => region,
        Err(errno) => {
            show::failed("child map", errno);
            return 1;
        }
    };
    show::message("child read", &get(&region, 0));
    put(&region, 1, b"pong");
    show::message("child wrote", b"pong");
    let _ = mmap::unmap(region);
    0
}

/// The student's shm_remove, and what /dev/shm says afterwards.
fn unlink(name: &str) {
    match mmap::shm_remove(name) {
        Ok(()) => show::unlinked(visible(name)),
        Err(errno) => show::failed("unlink", errno),
    }
}

/// Whether the object's name is in /dev/shm, where Linux keeps them.
fn visible(name: &str) -> bool {
    Path::new("/dev/shm")
        .join(name.trim_start_matches('/'))
        .exists()
}

/// Last thing of `shm`: nothing of ours may be left in /dev/shm. Whatever is
/// left is reported, and removed, so that a wrong solution does not leak
/// the object on the machine.
fn leftover_check(name: &str) {
    let left = visible(name);
    show::leftover(left);
    if left {
        let _ = nix::sys::mman::shm_unlink(name);
    }
}

/// Write `message`, NUL-terminated, into slot `slot` of the region.
fn put(region: &Region, slot: usize, message: &[u8]) {
    for (i, &b) in message
        .iter()
        .chain(std::iter::once(&0))
        .take(SLOT)
        .enumerate()
    {
        // SAFETY: within the first page of the mapping, which the object
        // covers (the caller checked).
        unsafe { std::ptr::write_volatile(region.at(slot * SLOT + i), b) };
    }
}

/// The NUL-terminated message in slot `slot`.
fn get(region: &Region, slot: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..SLOT {
        // SAFETY: as for `put`; a fault here is a lesson of its own.
        let b = unsafe { std::ptr::read_volatile(region.at(slot * SLOT + i)) };
        if b == 0 {
            break;
        }
        out.push(b);
    }
    out
}

/// Fork a child that runs `body` and leaves with its value as exit status
/// (101 if it panics), through _exit: it never returns into the driver.
fn spawn(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    // SAFETY: the driver starts no threads, so the child may call anything;
    // it leaves through _exit and never runs the caller's code.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101);
            let _ = io::stdout().flush();
            // SAFETY: ends the child here; nothing after it runs.
            unsafe { libc::_exit(code) }
        }
    }
}

/// Every line the lab prints.
mod show {
    use nix::errno::Errno;
    use nix::sys::wait::WaitStatus;
    use nix::unistd::Pid;

    use crate::mmap::MapsEntry;

    /// `WORD error=ENAME`.
    pub fn failed(word: &str, errno: Errno) {
        println!("{word} error={errno:?}");
    }

    /// `WORD error=ENAME` for an io::Error (`error=other` when it carries
    /// no errno).
    pub fn io_failed(word: &str, e: &std::io::Error) {
        match e.raw_os_error() {
            Some(n) => println!("{word} error={:?}", Errno::from_raw(n)),
            None => println!("{word} error=other"),
        }
    }

    /// `WHO [pid=P] perms=PERM path="PATH"`, or `perms=none` when no mapping
    /// contains the address. A file in the current directory is shown as
    /// `./NAME`: the directory differs from run to run.
    pub fn mapping(who: &str, pid: Option<Pid>, entry: Option<MapsEntry>) {
        let pid = pid.map_or(String::new(), |p| format!(" pid={p}"));
        match entry {
            Some(e) => println!("{who}{pid} perms={} path={:?}", e.perms, relative(&e.path)),
            None => println!("{who}{pid} perms=none"),
        }
    }

    /// `path` with the current directory replaced by `.`. The kernel writes
    /// both as seen from this process, so they agree.
    fn relative(path: &str) -> String {
        let here = std::env::current_dir().map(|d| d.display().to_string());
        match here {
            Ok(here) => match path.strip_prefix(&format!("{here}/")) {
                Some(rest) => format!("./{rest}"),
                None => path.to_string(),
            },
            Err(_) => path.to_string(),
        }
    }

    /// The shared memory object's mapping: its perms, and whether maps names
    /// the object (`object`), the object gone (`object-deleted`), or
    /// something else (`other`). The name itself holds our pid.
    pub fn object_mapping(entry: Option<MapsEntry>, name: &str) {
        match entry {
            Some(e) => {
                let object = format!("/dev/shm{name}");
                let what = if e.path == object {
                    "object"
                } else if e.path == format!("{object} (deleted)") {
                    "object-deleted"
                } else {
                    "other"
                };
                println!("mapping perms={} path={what}", e.perms);
            }
            None => println!("mapping perms=none"),
        }
    }

    /// `child pid=P exited code=N` or `child pid=P killed signal=SIG core=B`.
    pub fn ended(child: Pid, status: nix::Result<WaitStatus>) {
        match status {
            Ok(WaitStatus::Exited(_, code)) => println!("child pid={child} exited code={code}"),
            Ok(WaitStatus::Signaled(_, sig, core)) => {
                println!(
                    "child pid={child} killed signal={} core={core}",
                    sig.as_str()
                );
            }
            Ok(other) => println!("child pid={child} other={other:?}"),
            Err(errno) => println!("child pid={child} error={errno:?}"),
        }
    }

    /// `count=C added=A`: what the counter says, and how many increments
    /// were made in all.
    pub fn count(count: u64, added: u64) {
        println!("count={count} added={added}");
    }

    /// `unmapped=yes|no`: whether the mapping's first page is gone from maps.
    pub fn unmapped(gone: bool) {
        println!("unmapped={}", yes(gone));
    }

    pub fn copied(n: u64) {
        println!("copied bytes={n}");
    }

    /// `dst same=yes|no bytes=N`: whether DST now holds what SRC holds.
    pub fn compared(same: bool, len: usize) {
        println!("dst same={} bytes={len}", yes(same));
    }

    /// `WORD="TEXT"`, escaped as Rust escapes a string.
    pub fn text(word: &str, bytes: &[u8]) {
        println!("{word}={:?}", String::from_utf8_lossy(bytes));
    }

    /// `file bytes=N` for a file shorter than a page, `file pages=N` for a
    /// file of whole pages: the fault exercise's file as made.
    pub fn file(len: usize) {
        let page = crate::mmap::page_size();
        if len >= page && len.is_multiple_of(page) {
            println!("file pages={}", len / page);
        } else {
            println!("file bytes={len}");
        }
    }

    /// An offset in a page: a number, or `last` for the page's last byte.
    fn offset(offset: usize) -> String {
        if offset == crate::LAST {
            "last".to_string()
        } else {
            offset.to_string()
        }
    }

    pub fn read(page: usize, at: usize, byte: u8) {
        println!("read page={page} offset={} byte={byte:#04x}", offset(at));
    }

    pub fn wrote(page: usize, at: usize) {
        println!("wrote page={page} offset={}", offset(at));
    }

    pub fn truncated(bytes: usize) {
        println!("truncated bytes={bytes}");
    }

    /// `WORD first=F count=C`: protect_pages or unmap_pages succeeded.
    pub fn changed(word: &str, first: usize, count: usize) {
        println!("{word} first={first} count={count}");
    }

    /// `page=N perms=PERM` from maps, or `perms=none`.
    pub fn page(n: usize, entry: Option<MapsEntry>) {
        match entry {
            Some(e) => println!("page={n} perms={}", e.perms),
            None => println!("page={n} perms=none"),
        }
    }

    /// `created visible=yes|no pages=N`.
    pub fn created(visible: bool, pages: usize) {
        println!("created visible={} pages={pages}", yes(visible));
    }

    /// `WORDS="MESSAGE"`.
    pub fn message(words: &str, message: &[u8]) {
        println!("{words}={:?}", String::from_utf8_lossy(message));
    }

    pub fn unlinked(visible: bool) {
        println!("unlinked visible={}", yes(visible));
    }

    pub fn leftover(left: bool) {
        println!("leftover={}", yes(left));
    }

    fn yes(b: bool) -> &'static str {
        if b { "yes" } else { "no" }
    }
}

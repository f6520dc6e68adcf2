//! STUDENT FILE for lab 10 mmap: this is the only file you edit.
//!
//! mmap(2) makes a range of a process's addresses stand for something else:
//! fresh zeroed memory (an anonymous mapping), the bytes of a file, or a named
//! shared memory object. Whether a write to that range is seen by anyone else
//! is decided by one flag: MAP_SHARED writes go to the one copy that every
//! process mapping the same thing sees (and, for a file, to the file);
//! MAP_PRIVATE writes go to a copy of the page that only this process has.
//! In this file you make the mappings, keep a counter in one that a parent
//! and its child both add to, find a mapping in /proc/<pid>/maps, copy a
//! file through two mappings, edit a file through a mapping, change the
//! protection of some pages or remove them, and share memory by name.
//!
//! The driver (src/main.rs) forks the children, provokes the faults, and
//! prints every line; it is not yours to change. You write only what sits
//! between the `// BEGIN STUDENT CODE` and `// END STUDENT CODE` lines; the
//! stub has a `todo!()` there whose message is a hint. The chapter
//! docs/src/10-mmap.md explains each task and the exact output the grader
//! expects.
//!
//! The `use` lines that only your code needs go inside your regions (for
//! example `use nix::sys::mman::munmap;` at the top of a function body), so
//! the stub compiles without unused imports.

use std::ffi::c_void;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64;

use nix::sys::mman::MapFlags;

/// Who sees the writes made through a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// MAP_SHARED: every process that maps the same memory or file sees
    /// them, and a file's mapping writes them back to the file.
    Shared,
    /// MAP_PRIVATE: copy-on-write; the first write to a page gives this
    /// process a copy of its own, which nobody else ever sees.
    Private,
}

/// What the process may do with the pages of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the stub never looks at an Access yet: your map_file does"
)]
pub enum Access {
    /// PROT_READ: reading only; a write is a protection fault (SIGSEGV).
    Read,
    /// PROT_READ | PROT_WRITE.
    ReadWrite,
}

/// A mapping: where it starts and how many bytes were asked for. The kernel
/// always maps whole pages, so the pages run from `ptr` to `len` rounded up
/// to the page size.
///
/// Nothing unmaps a Region by itself: give it back to [`unmap`] when done
/// (the driver checks in /proc that you did).
#[derive(Debug)]
pub struct Region {
    pub ptr: NonNull<c_void>,
    pub len: usize,
}

#[allow(
    dead_code,
    reason = "the stub does not use every helper; your code will"
)]
impl Region {
    /// The first address of the mapping, as a number (for /proc/<pid>/maps).
    pub fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The address `offset` bytes into the mapping.
    pub fn at(&self, offset: usize) -> *mut u8 {
        self.ptr.as_ptr().cast::<u8>().wrapping_add(offset)
    }

    /// The mapping's `len` bytes as a slice.
    ///
    /// # Safety
    /// Every page must still be mapped and readable, and no page may lie past
    /// the end of the file it maps (or the read is a SIGBUS); no `&mut` to the
    /// same bytes may be alive.
    pub unsafe fn bytes(&self) -> &[u8] {
        // SAFETY: the caller promises the conditions above.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>(), self.len) }
    }

    /// The mapping's `len` bytes as a mutable slice.
    ///
    /// # Safety
    /// As for [`Region::bytes`], and the pages must be writable; no other
    /// reference to the same bytes may be alive while this one is.
    #[allow(
        clippy::mut_from_ref,
        reason = "the memory is the kernel's, not borrowed from self"
    )]
    pub unsafe fn bytes_mut(&self) -> &mut [u8] {
        // SAFETY: the caller promises the conditions above.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<u8>(), self.len) }
    }
}

/// The size of a page, from sysconf(_SC_PAGESIZE): the unit of every
/// mapping, protection change and unmap.
pub fn page_size() -> usize {
    // SAFETY: sysconf reads a constant of the system.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

/// One line of /proc/<pid>/maps, the parts the driver prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapsEntry {
    /// The permissions field, four letters: `rw-s`, `r--p`, `r-xp`...
    pub perms: String,
    /// The pathname field: a file, `/dev/zero (deleted)` for shared anonymous
    /// memory, `[heap]`, `[stack]`, or empty for private anonymous memory.
    pub path: String,
}

/// The flag of `sharing` for mmap's `flags` argument: MAP_SHARED or
/// MAP_PRIVATE. (Exactly one of the two must be given to every mmap.)
#[allow(
    dead_code,
    unused_variables,
    reason = "the stub's todo!() uses no parameter, and only your code calls this"
)]
pub fn map_flags(sharing: Sharing) -> MapFlags {
    // BEGIN STUDENT CODE
    match sharing {
        Sharing::Shared => MapFlags::MAP_SHARED,
        Sharing::Private => MapFlags::MAP_PRIVATE,
    }
    // END STUDENT CODE
}

/// Map `len` bytes of fresh, zero-filled memory, readable and writable, not
/// backed by any file (MAP_ANONYMOUS), shared or private as asked.
///
/// nix: `mman::mmap_anonymous(None, length, prot, flags)`; its length is a
/// `NonZeroUsize`, because mmap of 0 bytes fails with EINVAL. Give back
/// EINVAL for `len == 0` yourself. The kernel chooses the address (`None`).
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn map_anonymous(len: usize, sharing: Sharing) -> nix::Result<Region> {
    // BEGIN STUDENT CODE
    use nix::errno::Errno;
    use nix::sys::mman::{ProtFlags, mmap_anonymous};
    use std::num::NonZeroUsize;
    let length = NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
    let prot = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a new mapping at an address of the kernel's choosing cannot
    // overlap anything we already use.
    let ptr = unsafe { mmap_anonymous(None, length, prot, map_flags(sharing)) }?;
    Ok(Region { ptr, len })
    // END STUDENT CODE
}

/// Map the first `len` bytes of the open file `fd` (offset 0), with the
/// access and sharing asked for. `len` may be more than the file has: the
/// mapping succeeds, and what lies past the end of the file is the driver's
/// business (see the `fault` exercise). `len == 0` is EINVAL.
///
/// The file descriptor must allow what the mapping does: any mapping needs
/// it open for reading; a MAP_SHARED mapping with PROT_WRITE needs it open
/// for reading and writing (or mmap fails with EACCES). A MAP_PRIVATE one
/// never writes to the file, so it does not.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn map_file(
    fd: BorrowedFd<'_>,
    len: usize,
    access: Access,
    sharing: Sharing,
) -> nix::Result<Region> {
    // BEGIN STUDENT CODE
    use nix::errno::Errno;
    use nix::sys::mman::{ProtFlags, mmap};
    use std::num::NonZeroUsize;
    let length = NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
    let prot = match access {
        Access::Read => ProtFlags::PROT_READ,
        Access::ReadWrite => ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
    };
    // SAFETY: a new mapping at an address of the kernel's choosing.
    let ptr = unsafe { mmap(None, length, prot, map_flags(sharing), fd, 0) }?;
    Ok(Region { ptr, len })
    // END STUDENT CODE
}

/// Remove the whole mapping: munmap(2) with the address mmap gave and the
/// length it was asked for.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn unmap(region: Region) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::mman::munmap;
    // SAFETY: the region is consumed, so nothing uses its pages afterwards.
    unsafe { munmap(region.ptr, region.len) }
    // END STUDENT CODE
}

/// Write the region's dirty pages back to the file it maps, and wait until
/// they are written: msync(2) with MS_SYNC.
#[allow(
    dead_code,
    unused_variables,
    reason = "the stub's todo!() uses no parameter, and only your code calls this"
)]
pub fn sync(region: &Region) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::mman::{MsFlags, msync};
    // SAFETY: the region is mapped; msync only writes its pages back.
    unsafe { msync(region.ptr, region.len, MsFlags::MS_SYNC) }
    // END STUDENT CODE
}

/// The counter that lives in the first 8 bytes of `region`: the parent and
/// its child both add to it, so it must live in memory they both see, and
/// be changed with atomic operations.
///
/// A pointer to the region's start, cast to `*const AtomicU64`, and
/// borrowed: mmap returns page-aligned memory, so the alignment is right;
/// the region must hold at least 8 bytes.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn counter_in(region: &Region) -> &AtomicU64 {
    // BEGIN STUDENT CODE
    assert!(region.len >= std::mem::size_of::<AtomicU64>());
    // SAFETY: the mapping is page-aligned, at least 8 bytes long, lives as
    // long as the region, and is only ever used through atomics.
    unsafe { &*region.ptr.as_ptr().cast::<AtomicU64>() }
    // END STUDENT CODE
}

/// Add 1 to `counter`, `n` times, each one a single atomic read-modify-write
/// (`fetch_add`). The parent and the child run this at the same time, on
/// two CPUs if there are two: a read followed by a separate write loses
/// every increment the other process makes in between.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn add(counter: &AtomicU64, n: u64) {
    // BEGIN STUDENT CODE
    use std::sync::atomic::Ordering;
    for _ in 0..n {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    // END STUDENT CODE
}

/// Find, in the text of a /proc/<pid>/maps file, the mapping that contains
/// the address `addr`, and return its permissions and pathname; `None` when
/// no mapping contains it.
///
/// Each line reads `START-END PERMS OFFSET DEV INODE [PATHNAME]`, START and
/// END in hexadecimal without `0x`, END exclusive; the pathname, when there
/// is one, comes after a run of spaces and may itself contain spaces.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn find_mapping(maps: &str, addr: usize) -> Option<MapsEntry> {
    // BEGIN STUDENT CODE
    for line in maps.lines() {
        let mut fields = line.splitn(6, ' ');
        let range = fields.next()?;
        let perms = fields.next()?;
        let (start, end) = range.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        if start <= addr && addr < end {
            // offset, dev, inode, then whatever is left is the pathname.
            let path = fields.nth(3).unwrap_or("").trim_start();
            return Some(MapsEntry {
                perms: perms.to_string(),
                path: path.to_string(),
            });
        }
    }
    None
    // END STUDENT CODE
}

/// Make `count` pages of `region`, starting at page `first`, read-only
/// (mprotect(2) with PROT_READ). mprotect takes a page-aligned address and
/// a length in bytes.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn protect_pages(region: &Region, first: usize, count: usize) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::mman::{ProtFlags, mprotect};
    let page = page_size();
    let start =
        NonNull::new(region.at(first * page).cast::<c_void>()).ok_or(nix::errno::Errno::EINVAL)?;
    // SAFETY: the pages lie inside the region; nothing holds a reference to
    // them that expects to write.
    unsafe { mprotect(start, count * page, ProtFlags::PROT_READ) }
    // END STUDENT CODE
}

/// Remove `count` pages of `region`, starting at page `first`, and leave the
/// rest mapped (munmap(2) of part of a mapping). munmap too takes a
/// page-aligned address and a length in bytes.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn unmap_pages(region: &Region, first: usize, count: usize) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    use nix::sys::mman::munmap;
    let page = page_size();
    let start =
        NonNull::new(region.at(first * page).cast::<c_void>()).ok_or(nix::errno::Errno::EINVAL)?;
    // SAFETY: the pages lie inside the region, and the driver no longer
    // touches them except to show the fault.
    unsafe { munmap(start, count * page) }
    // END STUDENT CODE
}

/// Copy the file `src` to `dst` through two mappings, and return how many
/// bytes were copied.
///
/// Open `src` for reading and find its length. Create or open `dst` for
/// reading and writing (mode 0644), and give it exactly that length
/// (ftruncate(2); `File::set_len` is the same call): a mapping is no bigger
/// than the file under it, and touching a page past its end is a SIGBUS.
/// An empty source gives an empty `dst` and 0, without any mmap (0 bytes
/// cannot be mapped). Otherwise map `src` read-only, `dst` read-write and
/// shared (a private mapping never reaches the file), copy the bytes, sync
/// `dst` (your [`sync`]), and unmap both.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn copy_file(src: &Path, dst: &Path) -> io::Result<u64> {
    // BEGIN STUDENT CODE
    use std::fs::{File, OpenOptions};
    use std::os::fd::AsFd;
    use std::os::unix::fs::OpenOptionsExt;
    let input = File::open(src)?;
    let len = input.metadata()?.len();
    let output = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(dst)?;
    output.set_len(len)?;
    if len == 0 {
        return Ok(0);
    }
    let size = usize::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
    let from = map_file(input.as_fd(), size, Access::Read, Sharing::Private)?;
    let to = map_file(output.as_fd(), size, Access::ReadWrite, Sharing::Shared)?;
    // SAFETY: two distinct mappings of `size` bytes each, both within their
    // files (dst was just sized to `len`).
    unsafe { to.bytes_mut().copy_from_slice(from.bytes()) };
    sync(&to)?;
    unmap(from)?;
    unmap(to)?;
    Ok(len)
    // END STUDENT CODE
}

/// Open the file at `path` for reading and writing, map all of it with the
/// sharing asked for, write `text` at `offset` through the mapping, and
/// return every byte of the mapping as it reads after the write. Before
/// unmapping, sync it (msync changes nothing for a private mapping, and is
/// harmless there). The driver has checked that `offset + text.len()` is
/// within the file, which is not empty.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn edit_file(path: &Path, sharing: Sharing, offset: usize, text: &[u8]) -> io::Result<Vec<u8>> {
    // BEGIN STUDENT CODE
    use std::fs::OpenOptions;
    use std::os::fd::AsFd;
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
    let region = map_file(file.as_fd(), len, Access::ReadWrite, sharing)?;
    // SAFETY: the mapping covers the file, which is `len` bytes long.
    let seen = unsafe {
        region.bytes_mut()[offset..offset + text.len()].copy_from_slice(text);
        region.bytes().to_vec()
    };
    sync(&region)?;
    unmap(region)?;
    Ok(seen)
    // END STUDENT CODE
}

/// Create the named shared memory object `name` (`/something`: one slash,
/// first), which must not exist yet, open for reading and writing with mode
/// 0600, and give it `len` bytes: a new object is empty, and a mapping of
/// an empty object faults (SIGBUS) on the first touch.
///
/// shm_open(3) (nix::sys::mman::shm_open) with O_CREAT | O_EXCL | O_RDWR,
/// then ftruncate(2).
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn shm_create(name: &str, len: usize) -> nix::Result<OwnedFd> {
    // BEGIN STUDENT CODE
    use nix::fcntl::OFlag;
    use nix::sys::mman::shm_open;
    use nix::sys::stat::Mode;
    let fd = shm_open(
        name,
        OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR,
        Mode::S_IRUSR | Mode::S_IWUSR,
    )?;
    let len = libc::off_t::try_from(len).map_err(|_| nix::errno::Errno::EFBIG)?;
    nix::unistd::ftruncate(&fd, len)?;
    Ok(fd)
    // END STUDENT CODE
}

/// Open the existing shared memory object `name` for reading and writing,
/// as an unrelated process would: by its name, without creating it.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn shm_attach(name: &str) -> nix::Result<OwnedFd> {
    // BEGIN STUDENT CODE
    use nix::fcntl::OFlag;
    use nix::sys::mman::shm_open;
    use nix::sys::stat::Mode;
    shm_open(name, OFlag::O_RDWR, Mode::empty())
    // END STUDENT CODE
}

/// Remove the name `name` (shm_unlink(3)). The object itself lives on until
/// the last mapping and descriptor are gone; the name goes now. Closing the
/// descriptor and unmapping do not remove the name: without this call the
/// object stays in /dev/shm, with its memory, until the next reboot.
#[allow(unused_variables, reason = "the stub's todo!() uses no parameter")]
pub fn shm_remove(name: &str) -> nix::Result<()> {
    // BEGIN STUDENT CODE
    nix::sys::mman::shm_unlink(name)
    // END STUDENT CODE
}

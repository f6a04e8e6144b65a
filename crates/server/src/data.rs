//! The data folder (`--data DIR`, or [`crate::App::data`]): files handlers keep across requests
//! and restarts, and nothing else they can touch.
//!
//! Three walls keep a handler inside DIR, each enough on its own:
//!
//! 1. every helper here takes a path relative to DIR and refuses (`EINVAL`) an absolute one,
//!    a `..` segment, an empty segment or a NUL before asking the kernel;
//! 2. files are opened with openat2(2) beneath the descriptor of DIR the parent opened at
//!    start-up, with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: a path or a symbolic link that
//!    would lead out fails in the kernel (`EXDEV`, `ELOOP`);
//! 3. each connection process restricts itself with Landlock before its first read: read and
//!    write beneath DIR, nothing anywhere else, for any call (`EACCES`). The seccomp filter
//!    gains only the calls these helpers make (`verbosel_sandbox::ALLOWED_DATA`), and only
//!    when a data folder is set.
//!
//! And the two things people get wrong, done once here: [`DataFolder::replace`] writes a
//! temporary file, fsyncs it, renames it over the old one and fsyncs the folder, so a crash at
//! any moment leaves the old contents or the new, never a torn file, and an answer sent after it
//! returns is durable; [`DataFolder::update`] holds an exclusive `flock` on a lock file beside
//! the data while it reads, changes and replaces it, so two connection processes never lose each
//! other's writes. (The lock is on a file of its own because the data file's inode changes with
//! every replace: a lock on it would lock a file that no longer has the name.)

use verbosel_sys::fs::{OFlags, OpenHow, Resolve, openat2};
use verbosel_sys::fs_change::{self, Lock};
use verbosel_sys::io::{read, write_all};
use verbosel_sys::{BorrowedFd, Errno, OwnedFd, process};

/// Longest path beneath DIR a helper takes, in bytes (the temporary and lock names add a few).
pub const MAX_PATH: usize = 255;

/// Largest file a connection process may write beneath DIR: its `RLIMIT_FSIZE` when a data folder
/// is set (0 otherwise), and the limit the helpers check before writing (`EFBIG`), so that a
/// runaway write stops here instead of filling the disk.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// The suffix of the lock file [`DataFolder::update`] holds beside the data file.
const LOCK_SUFFIX: &[u8] = b".lock";

/// How files beneath DIR are walked to: never out of it, never through a magic link.
const BENEATH: Resolve = Resolve::BENEATH.union(Resolve::NO_MAGICLINKS);

/// The data folder, as a handler reaches it: [`crate::Request::data`].
#[derive(Clone, Copy, Debug)]
pub struct DataFolder<'a> {
    dir: BorrowedFd<'a>,
}

/// A NUL-terminated path in a stack buffer.
struct CPath {
    buf: [u8; MAX_PATH + 32],
}

impl CPath {
    /// `.`: DIR itself (which [`CPath::new`] refuses, as a handler has no need to name it).
    const DIR: CPath = CPath {
        buf: {
            let mut b = [0u8; MAX_PATH + 32];
            b[0] = b'.';
            b
        },
    };

    /// `rel` + `suffix`, checked: relative, no `.`/`..`/empty segment, no NUL.
    fn new(rel: &str, suffix: &[u8]) -> Result<CPath, Errno> {
        let rel = rel.as_bytes();
        let safe = !rel.is_empty()
            && rel.len() <= MAX_PATH
            && !rel.contains(&0)
            && rel
                .split(|&b| b == b'/')
                .all(|seg| !seg.is_empty() && seg != b"." && seg != b"..");
        if !safe {
            return Err(Errno::EINVAL);
        }
        let mut buf = [0u8; MAX_PATH + 32];
        let end = rel.len() + suffix.len();
        let dst = buf.get_mut(..end).ok_or(Errno::ENAMETOOLONG)?;
        let (a, b) = dst.split_at_mut(rel.len());
        a.copy_from_slice(rel);
        b.copy_from_slice(suffix);
        Ok(CPath { buf })
    }

    fn c(&self) -> &core::ffi::CStr {
        // `new` leaves at least one NUL after the path.
        core::ffi::CStr::from_bytes_until_nul(&self.buf).unwrap_or_default()
    }

    /// The folder part (`a/b` of `a/b/c`), or `None` for a name directly in DIR.
    fn parent(&self) -> Option<CPath> {
        let path = self.c().to_bytes();
        let slash = path.iter().rposition(|&b| b == b'/')?;
        let mut buf = [0u8; MAX_PATH + 32];
        buf.get_mut(..slash)?.copy_from_slice(path.get(..slash)?);
        Some(CPath { buf })
    }
}

/// The temporary name beside `rel` a replace writes first: unique per process, so two
/// processes replacing the same file without a lock never write into one temporary file.
fn temporary(rel: &str) -> Result<CPath, Errno> {
    let mut suffix = [0u8; 32];
    let mut digits = [0u8; verbosel_digits::DECIMAL_DIGITS];
    let pid = verbosel_digits::decimal(process::getpid() as u64, &mut digits);
    let mut n = 0;
    for part in [b".tmp.".as_slice(), pid] {
        suffix
            .get_mut(n..n + part.len())
            .ok_or(Errno::ENAMETOOLONG)?
            .copy_from_slice(part);
        n += part.len();
    }
    CPath::new(rel, suffix.get(..n).unwrap_or_default())
}

impl<'a> DataFolder<'a> {
    pub(crate) fn new(dir: BorrowedFd<'a>) -> DataFolder<'a> {
        DataFolder { dir }
    }

    /// Opens `rel` beneath DIR with `flags` (and mode 0600 when it creates).
    pub fn open(&self, rel: &str, flags: OFlags) -> Result<OwnedFd, Errno> {
        self.open_c(&CPath::new(rel, b"")?, flags)
    }

    fn open_c(&self, path: &CPath, flags: OFlags) -> Result<OwnedFd, Errno> {
        let mut how = OpenHow::new(flags.union(OFlags::CLOEXEC), BENEATH);
        if flags.contains(OFlags::CREAT) {
            how = how.with_mode(0o600);
        }
        openat2(self.dir, path.c(), &how)
    }

    /// Reads the whole of `rel` into `buf`: `ENOENT` if there is no such file, `EFBIG` if it is
    /// larger than `buf`.
    pub fn read<'b>(&self, rel: &str, buf: &'b mut [u8]) -> Result<&'b [u8], Errno> {
        let fd = self.open(rel, OFlags::RDONLY)?;
        read_all(fd.as_fd(), buf)
    }

    /// Replaces `rel` with `contents` atomically and durably: write a temporary file beside it,
    /// fsync it, rename it over `rel`, fsync the folder (rename(2), fsync(2)). A reader, or the
    /// next start after a crash, sees the old contents or the new, never a mix; when this
    /// returns `Ok`, the new contents survive a power cut. Two processes replacing one file at
    /// once each write their own temporary file, and the last rename wins: to build on what
    /// is there, use [`DataFolder::update`].
    pub fn replace(&self, rel: &str, contents: &[u8]) -> Result<(), Errno> {
        self.replace_parts(rel, &[contents])
    }

    /// As [`DataFolder::replace`], with the contents in parts (written in order).
    pub fn replace_parts(&self, rel: &str, parts: &[&[u8]]) -> Result<(), Errno> {
        let target = CPath::new(rel, b"")?;
        let total: u64 = parts.iter().map(|p| p.len() as u64).sum();
        if total > MAX_FILE {
            return Err(Errno::EFBIG);
        }
        let tmp = temporary(rel)?;
        let written = (|| {
            let flags = OFlags::WRONLY.union(OFlags::CREAT).union(OFlags::TRUNC);
            let fd = self.open_c(&tmp, flags)?;
            for part in parts {
                write_all(fd.as_fd(), part)?;
            }
            fs_change::fsync(fd.as_fd())
        })();
        let renamed =
            written.and_then(|()| fs_change::renameat2(self.dir, tmp.c(), self.dir, target.c(), 0));
        if let Err(e) = renamed {
            let _ = fs_change::unlinkat(self.dir, tmp.c(), 0);
            return Err(e);
        }
        self.sync_folder_of(&target)
    }

    /// fsync of the folder that holds `path`: what makes a rename in it durable.
    fn sync_folder_of(&self, path: &CPath) -> Result<(), Errno> {
        let folder = path.parent().unwrap_or(CPath::DIR);
        let fd = self.open_c(&folder, OFlags::RDONLY.union(OFlags::DIRECTORY))?;
        fs_change::fsync(fd.as_fd())
    }

    /// Runs `f` while holding the exclusive lock of `rel` (`flock` on `rel.lock`, created if
    /// need be), so that connection processes that change `rel` through here do so one at a
    /// time. The lock is released when `f` returns, or when the process dies.
    pub fn locked<R>(&self, rel: &str, f: impl FnOnce() -> R) -> Result<R, Errno> {
        let lock_path = CPath::new(rel, LOCK_SUFFIX)?;
        let lock = self.open_c(&lock_path, OFlags::RDWR.union(OFlags::CREAT))?;
        verbosel_sys::retry_on_intr(|| fs_change::flock(lock.as_fd(), Lock::Exclusive))?;
        let out = f();
        drop(lock);
        Ok(out)
    }

    /// Read-modify-write of `rel` under its lock: reads it into `buf` (empty if it does not
    /// exist yet), lets `change` write the new contents into `out` and say how many bytes, then
    /// replaces `rel` with them ([`DataFolder::replace`]). `change` returning `Err` leaves the
    /// file as it was and is passed back. No other process's `update` of `rel` runs in between,
    /// so none is lost.
    pub fn update<E>(
        &self,
        rel: &str,
        buf: &mut [u8],
        out: &mut [u8],
        change: impl FnOnce(&[u8], &mut [u8]) -> Result<usize, E>,
    ) -> Result<Result<usize, E>, Errno> {
        self.locked(rel, || {
            let current = match self.read(rel, buf) {
                Ok(c) => c,
                Err(Errno::ENOENT) => &[],
                Err(e) => return Err(e),
            };
            match change(current, out) {
                Ok(n) => {
                    let new = out.get(..n).ok_or(Errno::EFBIG)?;
                    self.replace(rel, new)?;
                    Ok(Ok(n))
                }
                Err(e) => Ok(Err(e)),
            }
        })?
    }

    /// Removes the file `rel`.
    pub fn remove(&self, rel: &str) -> Result<(), Errno> {
        fs_change::unlinkat(self.dir, CPath::new(rel, b"")?.c(), 0)
    }

    /// Renames `from` to `to` (both beneath DIR), replacing `to` if it exists.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), Errno> {
        let (from, to) = (CPath::new(from, b"")?, CPath::new(to, b"")?);
        fs_change::renameat2(self.dir, from.c(), self.dir, to.c(), 0)
    }

    /// Makes the folder `rel` (`EEXIST` if it is there).
    pub fn create_dir(&self, rel: &str) -> Result<(), Errno> {
        fs_change::mkdirat(self.dir, CPath::new(rel, b"")?.c(), 0o700)
    }

    /// DIR's descriptor, for calls of your own beneath it (`verbosel::raw::sys::fs::openat2`).
    pub fn dir(&self) -> BorrowedFd<'a> {
        self.dir
    }
}

/// Reads `fd` to its end into `buf`; `EFBIG` if it does not fit.
fn read_all<'b>(fd: BorrowedFd<'_>, buf: &'b mut [u8]) -> Result<&'b [u8], Errno> {
    let mut n = 0;
    loop {
        let Some(room) = buf.get_mut(n..) else {
            return Err(Errno::EFBIG);
        };
        if room.is_empty() {
            // Full: one more byte means it did not fit.
            let mut probe = [0u8; 1];
            return match verbosel_sys::retry_on_intr(|| read(fd, &mut probe))? {
                0 => Ok(buf.get(..n).unwrap_or_default()),
                _ => Err(Errno::EFBIG),
            };
        }
        match verbosel_sys::retry_on_intr(|| read(fd, room))? {
            0 => return Ok(buf.get(..n).unwrap_or_default()),
            got => n += got,
        }
    }
}

/// With the `alloc` feature: the same helpers with growing buffers.
#[cfg(feature = "alloc")]
impl DataFolder<'_> {
    /// Reads the whole of `rel` (at most [`MAX_FILE`] bytes): `ENOENT` if there is none.
    pub fn read_vec(&self, rel: &str) -> Result<alloc::vec::Vec<u8>, Errno> {
        let fd = self.open(rel, OFlags::RDONLY)?;
        read_vec_all(fd.as_fd())
    }

    /// [`DataFolder::update`] with the current contents as a slice (empty when there is no
    /// file yet) and the new ones as a vector `change` returns.
    pub fn update_vec<E>(
        &self,
        rel: &str,
        change: impl FnOnce(&[u8]) -> Result<alloc::vec::Vec<u8>, E>,
    ) -> Result<Result<(), E>, Errno> {
        self.locked(rel, || {
            let current = match self.read_vec(rel) {
                Ok(c) => c,
                Err(Errno::ENOENT) => alloc::vec::Vec::new(),
                Err(e) => return Err(e),
            };
            match change(&current) {
                Ok(new) => self.replace(rel, &new).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?
    }
}

#[cfg(feature = "alloc")]
fn read_vec_all(fd: BorrowedFd<'_>) -> Result<alloc::vec::Vec<u8>, Errno> {
    let mut out = alloc::vec::Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match verbosel_sys::retry_on_intr(|| read(fd, &mut chunk))? {
            0 => return Ok(out),
            n => {
                if out.len() as u64 + n as u64 > MAX_FILE {
                    return Err(Errno::EFBIG);
                }
                out.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verbosel_sys::fs::open_directory_path;

    fn folder() -> (std::path::PathBuf, OwnedFd) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "verbosel-data-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let c = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
        let fd = open_directory_path(&c).unwrap();
        (dir, fd)
    }

    #[test]
    fn paths_that_could_leave_the_folder_are_refused_before_the_kernel_sees_them() {
        let (dir, fd) = folder();
        let data = DataFolder::new(fd.as_fd());
        let long = "a".repeat(MAX_PATH + 1);
        for bad in [
            "",
            "/etc/passwd",
            "..",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a/.",
            "a\0b",
            &long,
        ] {
            assert_eq!(
                data.replace(bad, b"x").err(),
                Some(Errno::EINVAL),
                "{bad:?}"
            );
            assert_eq!(
                data.read(bad, &mut [0; 8]).err(),
                Some(Errno::EINVAL),
                "{bad:?}"
            );
        }
        // A symbolic link that leads out is refused by the kernel (RESOLVE_BENEATH).
        std::os::unix::fs::symlink("/etc", dir.join("out")).unwrap();
        assert_eq!(
            data.read("out/hostname", &mut [0; 64]).err(),
            Some(Errno::EXDEV)
        );
        assert_eq!(data.replace("out/x", b"x").err(), Some(Errno::EXDEV));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn replace_read_update_rename_remove() {
        let (dir, fd) = folder();
        let data = DataFolder::new(fd.as_fd());
        let mut buf = [0u8; 64];
        assert_eq!(data.read("n", &mut buf), Err(Errno::ENOENT));
        data.replace("n", b"41").unwrap();
        assert_eq!(data.read("n", &mut buf).unwrap(), b"41");
        data.replace_parts("n", &[b"4", b"2"]).unwrap();
        assert_eq!(std::fs::read(dir.join("n")).unwrap(), b"42");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["n".to_string()]);
        // A file larger than the buffer is said so.
        assert_eq!(data.read("n", &mut [0u8; 1]), Err(Errno::EFBIG));
        assert_eq!(data.read("n", &mut [0u8; 2]).unwrap(), b"42");
        // update: read, change, replace under the lock; an Err leaves the file alone.
        let (mut cur, mut out) = ([0u8; 32], [0u8; 32]);
        let r = data.update("n", &mut cur, &mut out, |old, new| {
            let v: u32 = core::str::from_utf8(old).unwrap().parse().unwrap();
            let s = (v + 1).to_string();
            new[..s.len()].copy_from_slice(s.as_bytes());
            Ok::<usize, ()>(s.len())
        });
        assert_eq!(r, Ok(Ok(2)));
        assert_eq!(std::fs::read(dir.join("n")).unwrap(), b"43");
        let r = data.update("n", &mut cur, &mut out, |_, _| Err::<usize, &str>("no"));
        assert_eq!(r, Ok(Err("no")));
        assert_eq!(std::fs::read(dir.join("n")).unwrap(), b"43");
        assert!(dir.join("n.lock").exists());
        // update of a file that is not there starts from nothing.
        let r = data.update("fresh", &mut cur, &mut out, |old, new| {
            assert!(old.is_empty());
            new[0] = b'1';
            Ok::<usize, ()>(1)
        });
        assert_eq!(r, Ok(Ok(1)));
        data.create_dir("sub").unwrap();
        data.replace("sub/x", b"in a folder").unwrap();
        data.rename("sub/x", "sub/y").unwrap();
        assert_eq!(std::fs::read(dir.join("sub/y")).unwrap(), b"in a folder");
        data.remove("sub/y").unwrap();
        assert_eq!(data.remove("sub/y"), Err(Errno::ENOENT));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

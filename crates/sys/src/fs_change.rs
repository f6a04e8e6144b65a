//! Changing files beneath a folder (`--data`): flush, lock, rename, make and remove, each
//! relative to a directory descriptor. Files are opened with [`crate::fs::openat2`].

use crate::arch::{self, Arg};
use crate::{BorrowedFd, Result, nr};
use core::ffi::CStr;

/// `int fsync(int fd);` — returns once the file's data and metadata are on the device; on a
/// directory, once its entries are (the step after a rename that makes it durable, fsync(2)).
pub fn fsync(fd: BorrowedFd<'_>) -> Result<()> {
    // SAFETY: integer arguments only.
    unsafe { arch::syscall1_readonly(nr::FSYNC, Arg::fd(fd)) }
        .result()
        .map(drop)
}

/// flock(2)'s operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// `LOCK_SH`: many holders at once.
    Shared = 1,
    /// `LOCK_EX`: one holder, no shared ones.
    Exclusive = 2,
    /// `LOCK_UN`: release (closing the last descriptor of the open file description does too).
    Unlock = 8,
}

/// `int flock(int fd, int operation);` — waits until the lock is granted. The lock belongs to
/// the open file description: descriptors opened separately (two processes, or two openat2
/// calls) exclude each other, and a process that dies releases it (flock(2)).
pub fn flock(fd: BorrowedFd<'_>, op: Lock) -> Result<()> {
    // SAFETY: integer arguments only.
    unsafe { arch::syscall2_readonly(nr::FLOCK, Arg::fd(fd), Arg::int(op as usize)) }
        .result()
        .map(drop)
}

/// `RENAME_NOREPLACE`: fail with `EEXIST` instead of replacing the target.
pub const RENAME_NOREPLACE: u32 = 1;

/// `int renameat2(int olddir, const char *old, int newdir, const char *new, unsigned flags);`
/// — atomically makes `new` name what `old` named, replacing any file there (unless
/// [`RENAME_NOREPLACE`]): a reader sees the old file or the new one, never a mix (rename(2)).
pub fn renameat2(
    old_dir: BorrowedFd<'_>,
    old: &CStr,
    new_dir: BorrowedFd<'_>,
    new: &CStr,
    flags: u32,
) -> Result<()> {
    // SAFETY: both paths are NUL-terminated and only read; the descriptors are borrowed, so open.
    unsafe {
        arch::syscall5_readonly(
            nr::RENAMEAT2,
            Arg::fd(old_dir),
            Arg::by_ref(old),
            Arg::fd(new_dir),
            Arg::by_ref(new),
            Arg::int(flags as usize),
        )
    }
    .result()
    .map(drop)
}

/// `int mkdirat(int dir, const char *path, mode_t mode);`
pub fn mkdirat(dir: BorrowedFd<'_>, path: &CStr, mode: u32) -> Result<()> {
    // SAFETY: the path is NUL-terminated and only read; `dir` is borrowed, so open.
    unsafe {
        arch::syscall3_readonly(
            nr::MKDIRAT,
            Arg::fd(dir),
            Arg::by_ref(path),
            Arg::int(mode as usize),
        )
    }
    .result()
    .map(drop)
}

/// `AT_REMOVEDIR`: [`unlinkat`] removes an empty directory instead of a file.
pub const AT_REMOVEDIR: u32 = 0x200;

/// `int unlinkat(int dir, const char *path, int flags);` — removes a name (a file, or with
/// [`AT_REMOVEDIR`] an empty directory).
pub fn unlinkat(dir: BorrowedFd<'_>, path: &CStr, flags: u32) -> Result<()> {
    // SAFETY: the path is NUL-terminated and only read; `dir` is borrowed, so open.
    unsafe {
        arch::syscall3_readonly(
            nr::UNLINKAT,
            Arg::fd(dir),
            Arg::by_ref(path),
            Arg::int(flags as usize),
        )
    }
    .result()
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Errno;
    use crate::fs::{OFlags, OpenHow, Resolve, open_directory_path, openat2};
    use crate::io::{read, write_all};

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("verbosel-fs-change-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn c(s: &str) -> std::ffi::CString {
        std::ffi::CString::new(s).unwrap()
    }

    #[test]
    fn make_write_sync_rename_lock_and_remove_beneath_a_folder() {
        let dir = temp_dir();
        let d = open_directory_path(&c(dir.to_str().unwrap())).unwrap();
        mkdirat(d.as_fd(), &c("sub"), 0o755).unwrap();
        assert_eq!(mkdirat(d.as_fd(), &c("sub"), 0o755), Err(Errno::EEXIST));
        let create = OpenHow::new(
            OFlags::WRONLY
                .union(OFlags::CREAT)
                .union(OFlags::TRUNC)
                .union(OFlags::CLOEXEC),
            Resolve::BENEATH,
        )
        .with_mode(0o644);
        // qemu-user 7.2 (`.ci/run`'s aarch64 step) has no openat2: the rest needs the file it
        // creates.
        if std::env::var("VERBOSEL_TEST_RUNNER").is_ok_and(|r| r.contains("qemu")) {
            eprintln!("NOT UNDER EMULATION: qemu-user has no openat2 (ENOSYS)");
            let made = openat2(d.as_fd(), &c("sub/new.tmp"), &create);
            assert_eq!(made.err(), Some(Errno::ENOSYS));
            return;
        }
        let f = openat2(d.as_fd(), &c("sub/new.tmp"), &create).unwrap();
        write_all(f.as_fd(), b"hello").unwrap();
        fsync(f.as_fd()).unwrap();
        drop(f);
        std::fs::write(dir.join("sub/target"), b"old").unwrap();
        renameat2(d.as_fd(), &c("sub/new.tmp"), d.as_fd(), &c("sub/target"), 0).unwrap();
        assert_eq!(std::fs::read(dir.join("sub/target")).unwrap(), b"hello");
        assert!(!dir.join("sub/new.tmp").exists());
        std::fs::write(dir.join("sub/other"), b"x").unwrap();
        assert_eq!(
            renameat2(
                d.as_fd(),
                &c("sub/other"),
                d.as_fd(),
                &c("sub/target"),
                RENAME_NOREPLACE
            ),
            Err(Errno::EEXIST)
        );
        // fsync of the folder itself (it needs a descriptor that is not O_PATH).
        let read_dir = OpenHow::new(
            OFlags::RDONLY
                .union(OFlags::DIRECTORY)
                .union(OFlags::CLOEXEC),
            Resolve::BENEATH,
        );
        let sub = openat2(d.as_fd(), &c("sub"), &read_dir).unwrap();
        fsync(sub.as_fd()).unwrap();
        // Two separate opens exclude each other; the first one's unlock lets the second in.
        let rw = OpenHow::new(OFlags::RDWR.union(OFlags::CLOEXEC), Resolve::BENEATH);
        let a = openat2(d.as_fd(), &c("sub/target"), &rw).unwrap();
        let b = openat2(d.as_fd(), &c("sub/target"), &rw).unwrap();
        flock(a.as_fd(), Lock::Exclusive).unwrap();
        let nb = 4; // LOCK_NB: ask without waiting, to see that the lock is held.
        // SAFETY: integer arguments only.
        let busy = unsafe {
            arch::syscall2_readonly(
                nr::FLOCK,
                Arg::fd(b.as_fd()),
                Arg::int(Lock::Exclusive as usize | nb),
            )
        }
        .result();
        assert_eq!(busy.map(drop), Err(Errno::EAGAIN));
        flock(a.as_fd(), Lock::Unlock).unwrap();
        flock(b.as_fd(), Lock::Shared).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(read(b.as_fd(), &mut buf), Ok(5));
        unlinkat(d.as_fd(), &c("sub/target"), 0).unwrap();
        unlinkat(d.as_fd(), &c("sub/other"), 0).unwrap();
        assert_eq!(unlinkat(d.as_fd(), &c("sub/target"), 0), Err(Errno::ENOENT));
        unlinkat(d.as_fd(), &c("sub"), AT_REMOVEDIR).unwrap();
        assert!(!dir.join("sub").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

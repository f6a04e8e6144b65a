//! Files: openat(2) and lseek(2) at start-up; openat2(2) beneath a directory descriptor,
//! statx(2) and getdents64(2) for the connection processes that serve a folder (`--root`) or
//! keep one (`--data`), which the sandbox allows only in those modes.
//!
//! The flags are typed, as rustix's are: [`OFlags`] for how a file is opened (their values
//! differ between x86_64 and aarch64 for `O_DIRECTORY` and `O_NOFOLLOW`), [`Resolve`] for how
//! openat2 may walk a path, [`AtFlags`] for statx.

use crate::arch::{self, Arg};
use crate::{BorrowedFd, Errno, OwnedFd, Result, nr};
use core::ffi::CStr;
use core::ops::BitOr;

const AT_FDCWD: isize = -100;
/// `O_RDONLY | O_CLOEXEC`.
pub const O_RDONLY_CLOEXEC: u32 = 0o2_000_000;
/// `O_RDWR | O_CLOEXEC`.
pub const O_RDWR_CLOEXEC: u32 = 0o2_000_002;

/// `int openat(AT_FDCWD, const char *path, int flags);`
pub fn open(path: &CStr, flags: u32) -> Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated and valid for the call; flags and mode are integers; the
    // kernel only reads the path.
    let fd = unsafe {
        arch::syscall4_readonly(
            nr::OPENAT,
            Arg::signed(AT_FDCWD),
            Arg::by_ref(path),
            Arg::int(flags as usize),
            Arg::int(0),
        )
    }
    .result()?;
    // SAFETY: openat succeeded: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw(fd as i32) })
}

/// The size of an open file: `lseek(fd, 0, SEEK_END)`.
pub fn size(fd: BorrowedFd<'_>) -> Result<u64> {
    const SEEK_END: usize = 2;
    // SAFETY: integer arguments only.
    unsafe { arch::syscall3_readonly(nr::LSEEK, Arg::fd(fd), Arg::int(0), Arg::int(SEEK_END)) }
        .result()
        .map(|n| n as u64)
}

/// Whether `fd` is seekable (a regular file or a block device): `lseek(fd, 0, SEEK_CUR)`, which
/// fails with ESPIPE on pipes, sockets and terminals and does not move the offset.
pub fn is_seekable(fd: BorrowedFd<'_>) -> bool {
    const SEEK_CUR: usize = 1;
    // SAFETY: integer arguments only.
    unsafe { arch::syscall3_readonly(nr::LSEEK, Arg::fd(fd), Arg::int(0), Arg::int(SEEK_CUR)) }
        .result()
        .is_ok()
}

/// Declares a flags type: a `u32`/`u64` newtype with named constants, `|` and `contains`.
macro_rules! flags {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
        pub struct $name($int);

        impl $name {
            /// No flag.
            pub const EMPTY: $name = $name(0);

            /// The value the kernel reads.
            #[inline]
            pub const fn bits(self) -> $int {
                self.0
            }

            /// Both sets of flags (`const`, for tables).
            #[inline]
            pub const fn union(self, other: $name) -> $name {
                $name(self.0 | other.0)
            }

            /// These flags, without `other`'s.
            #[inline]
            pub const fn difference(self, other: $name) -> $name {
                $name(self.0 & !other.0)
            }

            /// The flags in both.
            #[inline]
            pub const fn intersection(self, other: $name) -> $name {
                $name(self.0 & other.0)
            }

            /// Whether every flag of `other` is set here.
            #[inline]
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl BitOr for $name {
            type Output = $name;
            #[inline]
            fn bitor(self, other: $name) -> $name {
                self.union(other)
            }
        }
    };
}
pub(crate) use flags;

flags!(
    /// How a file is opened (open(2)'s `flags`). `RDONLY` is zero: it is what no access flag means.
    OFlags(u32)
);

impl OFlags {
    /// `O_RDONLY`.
    pub const RDONLY: OFlags = OFlags(0);
    /// `O_WRONLY`.
    pub const WRONLY: OFlags = OFlags(0o1);
    /// `O_RDWR`.
    pub const RDWR: OFlags = OFlags(0o2);
    /// `O_CREAT`: create the file if missing (then openat2 needs a mode).
    pub const CREAT: OFlags = OFlags(0o100);
    /// `O_EXCL`: with `CREAT`, fail with `EEXIST` if the name exists.
    pub const EXCL: OFlags = OFlags(0o200);
    /// `O_NOCTTY`.
    pub const NOCTTY: OFlags = OFlags(0o400);
    /// `O_TRUNC`.
    pub const TRUNC: OFlags = OFlags(0o1000);
    /// `O_APPEND`.
    pub const APPEND: OFlags = OFlags(0o2000);
    /// `O_NONBLOCK`.
    pub const NONBLOCK: OFlags = OFlags(0o4000);
    /// `O_CLOEXEC`.
    pub const CLOEXEC: OFlags = OFlags(0o2_000_000);
    /// `O_PATH`: a descriptor that names a place in the tree without opening the file for I/O
    /// (what Landlock rules and openat2's starting point take).
    pub const PATH: OFlags = OFlags(0o10_000_000);
    /// `O_DIRECTORY`: fail with `ENOTDIR` unless the path is a directory.
    #[cfg(target_arch = "x86_64")]
    pub const DIRECTORY: OFlags = OFlags(0o200_000);
    /// `O_DIRECTORY`: fail with `ENOTDIR` unless the path is a directory (arm64's value,
    /// `arch/arm64/include/uapi/asm/fcntl.h`).
    #[cfg(target_arch = "aarch64")]
    pub const DIRECTORY: OFlags = OFlags(0o40_000);
    /// `O_NOFOLLOW`: fail with `ELOOP` if the last component is a symbolic link.
    #[cfg(target_arch = "x86_64")]
    pub const NOFOLLOW: OFlags = OFlags(0o400_000);
    /// `O_NOFOLLOW` (arm64's value).
    #[cfg(target_arch = "aarch64")]
    pub const NOFOLLOW: OFlags = OFlags(0o100_000);
}

flags!(
    /// How openat2(2) may resolve a path (`struct open_how`'s `resolve`, linux/openat2.h).
    Resolve(u64)
);

impl Resolve {
    /// `RESOLVE_NO_XDEV`: no crossing of a mount point (bind mounts included).
    pub const NO_XDEV: Resolve = Resolve(0x01);
    /// `RESOLVE_NO_MAGICLINKS`: no `/proc/PID/fd/N`-style link, which names an open file rather
    /// than a path and so could reach anything the process (or another) has open.
    pub const NO_MAGICLINKS: Resolve = Resolve(0x02);
    /// `RESOLVE_NO_SYMLINKS`: no symbolic link at all, anywhere in the path (implies
    /// `NO_MAGICLINKS`).
    pub const NO_SYMLINKS: Resolve = Resolve(0x04);
    /// `RESOLVE_BENEATH`: every step must stay beneath the starting directory: an absolute path,
    /// a `..` above it, or a symbolic link that leads out fails with `EXDEV`.
    pub const BENEATH: Resolve = Resolve(0x08);
    /// `RESOLVE_IN_ROOT`: treat the starting directory as `/` (as chroot would).
    pub const IN_ROOT: Resolve = Resolve(0x10);
}

/// `struct open_how` (linux/openat2.h): three u64s on every architecture.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

impl OpenHow {
    /// Opens with `flags`, resolving as `resolve` says; mode 0, which openat2 requires unless
    /// the flags create a file.
    pub const fn new(flags: OFlags, resolve: Resolve) -> OpenHow {
        OpenHow {
            flags: flags.bits() as u64,
            mode: 0,
            resolve: resolve.bits(),
        }
    }

    /// The permission bits of a file `O_CREAT` makes (before the umask), such as `0o600`.
    pub const fn with_mode(self, mode: u32) -> OpenHow {
        OpenHow {
            mode: mode as u64,
            ..self
        }
    }
}

/// `int openat2(int dirfd, const char *path, struct open_how *how, size_t size);` — opens
/// `path` relative to `dir`. Unlike openat, it refuses unknown flags and a mode without
/// `O_CREAT` (`EINVAL`), and `how.resolve` can confine the walk to `dir` (openat2(2)).
pub fn openat2(dir: BorrowedFd<'_>, path: &CStr, how: &OpenHow) -> Result<OwnedFd> {
    // SAFETY: `path` is NUL-terminated and `how` a valid `struct open_how` whose size is passed
    // alongside; the kernel only reads both. `dir` is borrowed, so open.
    let fd = unsafe {
        arch::syscall4_readonly(
            nr::OPENAT2,
            Arg::fd(dir),
            Arg::by_ref(path),
            Arg::by_ref(how),
            Arg::int(size_of::<OpenHow>()),
        )
    }
    .result()?;
    // SAFETY: openat2 succeeded: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw(fd as i32) })
}

/// `open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)`: a directory as a place, the starting point
/// for [`openat2`] and what a Landlock rule names. Refuses anything but a directory
/// (`ENOTDIR`).
pub fn open_directory_path(path: &CStr) -> Result<OwnedFd> {
    open(
        path,
        OFlags::PATH
            .union(OFlags::DIRECTORY)
            .union(OFlags::CLOEXEC)
            .bits(),
    )
}

flags!(
    /// The `flags` of statx(2) and the other `*at` calls (linux/fcntl.h).
    AtFlags(u32)
);

impl AtFlags {
    /// `AT_SYMLINK_NOFOLLOW`: describe a symbolic link itself, not what it points to.
    pub const SYMLINK_NOFOLLOW: AtFlags = AtFlags(0x100);
    /// `AT_EMPTY_PATH`: with an empty path, describe the descriptor itself (fstat).
    pub const EMPTY_PATH: AtFlags = AtFlags(0x1000);
}

/// What kind of file (`S_IFMT` of the mode, inode(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link (seen only with `SYMLINK_NOFOLLOW`).
    Symlink,
    /// A device, FIFO or socket.
    Other,
}

/// A second and nanosecond timestamp (`struct statx_timestamp`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatxTimestamp {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: u32,
    reserved: i32,
}

/// `struct statx` (linux/stat.h): one layout on every architecture, unlike `struct stat`, and
/// 256 bytes, which the kernel fills in as far as it knows.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    mask: u32,
    blksize: u32,
    attributes: u64,
    /// Hard links.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Type and permission bits (`S_IFMT | 0o7777`).
    pub mode: u16,
    spare0: u16,
    /// The inode number: with the device, the file's identity.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// 512-byte blocks allocated (less than `size / 512` for a sparse file).
    pub blocks: u64,
    attributes_mask: u64,
    /// Last access.
    pub atime: StatxTimestamp,
    /// Creation.
    pub btime: StatxTimestamp,
    /// Last status change (also moves when the file is renamed over, or its links change).
    pub ctime: StatxTimestamp,
    /// Last modification of the contents.
    pub mtime: StatxTimestamp,
    rdev_major: u32,
    rdev_minor: u32,
    /// The device the file is on (major).
    pub dev_major: u32,
    /// The device the file is on (minor).
    pub dev_minor: u32,
    rest: [u64; 14],
}

const _: () = assert!(size_of::<Stat>() == 256);

impl Stat {
    const ZERO: Stat = Stat {
        mask: 0,
        blksize: 0,
        attributes: 0,
        nlink: 0,
        uid: 0,
        gid: 0,
        mode: 0,
        spare0: 0,
        ino: 0,
        size: 0,
        blocks: 0,
        attributes_mask: 0,
        atime: StatxTimestamp {
            sec: 0,
            nsec: 0,
            reserved: 0,
        },
        btime: StatxTimestamp {
            sec: 0,
            nsec: 0,
            reserved: 0,
        },
        ctime: StatxTimestamp {
            sec: 0,
            nsec: 0,
            reserved: 0,
        },
        mtime: StatxTimestamp {
            sec: 0,
            nsec: 0,
            reserved: 0,
        },
        rdev_major: 0,
        rdev_minor: 0,
        dev_major: 0,
        dev_minor: 0,
        rest: [0; 14],
    };

    /// The kind of file.
    pub fn file_type(&self) -> FileType {
        const S_IFMT: u16 = 0o170_000;
        match self.mode & S_IFMT {
            0o100_000 => FileType::Regular,
            0o040_000 => FileType::Directory,
            0o120_000 => FileType::Symlink,
            _ => FileType::Other,
        }
    }
}

/// `STATX_BASIC_STATS`: everything `struct stat` has.
const STATX_BASIC_STATS: u32 = 0x7ff;

/// `int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf);` —
/// what `path` relative to `dir` is (one component from [`DirEntries`] is the use here: statx
/// follows paths as openat does, with none of openat2's confinement).
pub fn stat_at(dir: BorrowedFd<'_>, path: &CStr, flags: AtFlags) -> Result<Stat> {
    let mut st = Stat::ZERO;
    // SAFETY: `path` is NUL-terminated and only read; `st` is a 256-byte `struct statx` we
    // exclusively borrow, which is all the kernel writes.
    unsafe {
        arch::syscall5(
            nr::STATX,
            Arg::fd(dir),
            Arg::by_ref(path),
            Arg::int(flags.bits() as usize),
            Arg::int(STATX_BASIC_STATS as usize),
            Arg::by_mut(&mut st),
        )
    }
    .result()?;
    Ok(st)
}

/// fstat(2), as statx(fd, "", AT_EMPTY_PATH) spells it on every architecture.
pub fn stat(fd: BorrowedFd<'_>) -> Result<Stat> {
    stat_at(fd, c"", AtFlags::EMPTY_PATH)
}

/// `ssize_t getdents64(int fd, void *dirp, size_t count);` — fills `buf` with as many
/// `struct linux_dirent64` records as fit, continuing where the last call stopped; `Ok(0)` at
/// the end. Read the records with [`DirEntries`]. `EINVAL` if `buf` cannot hold the next one.
pub fn getdents64(dir: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize> {
    let len = buf.len();
    // SAFETY: the kernel writes at most `len` bytes into memory we exclusively borrow.
    unsafe {
        arch::syscall3(
            nr::GETDENTS64,
            Arg::fd(dir),
            Arg::by_mut(buf),
            Arg::int(len),
        )
    }
    .result()
}

/// One entry of a directory, borrowed from the buffer [`getdents64`] filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntry<'a> {
    /// The inode number.
    pub ino: u64,
    /// `d_type`: `DT_REG` (8), `DT_DIR` (4), `DT_LNK` (10)…, or `DT_UNKNOWN` (0) on file
    /// systems that do not say (then ask [`stat_at`]).
    pub kind: u8,
    /// The name, without its NUL; never contains `/`. `.` and `..` are included.
    pub name: &'a [u8],
}

/// `d_type` values (dirent.h).
pub const DT_DIR: u8 = 4;
/// A regular file.
pub const DT_REG: u8 = 8;
/// A symbolic link.
pub const DT_LNK: u8 = 10;

/// The records in the first `n` bytes a [`getdents64`] call returned. A malformed record (which
/// the kernel never writes) ends the iteration instead of panicking.
#[derive(Clone, Debug)]
pub struct DirEntries<'a> {
    rest: &'a [u8],
}

impl<'a> DirEntries<'a> {
    /// The records in `filled` (the buffer up to getdents64's return value).
    pub fn new(filled: &'a [u8]) -> DirEntries<'a> {
        DirEntries { rest: filled }
    }
}

impl<'a> Iterator for DirEntries<'a> {
    type Item = DirEntry<'a>;

    fn next(&mut self) -> Option<DirEntry<'a>> {
        // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
        const NAME_AT: usize = 19;
        let head = self.rest.get(..NAME_AT)?;
        let ino = u64::from_ne_bytes(head.get(..8)?.try_into().ok()?);
        let reclen = u16::from_ne_bytes(head.get(16..18)?.try_into().ok()?) as usize;
        let kind = *head.get(18)?;
        let Some(record) = self.rest.get(..reclen).filter(|_| reclen > NAME_AT) else {
            self.rest = &[];
            return None;
        };
        self.rest = self.rest.get(reclen..).unwrap_or_default();
        let name = record.get(NAME_AT..)?;
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        Some(DirEntry {
            ino,
            kind,
            name: name.get(..end)?,
        })
    }
}

/// Maps the errors of a path that resolution refused to one answer: `true` for the errors that
/// mean "not here for you" (missing, not a directory, a forbidden link or escape, denied).
pub fn is_not_found(e: Errno) -> bool {
    matches!(
        e,
        Errno::ENOENT
            | Errno::ENOTDIR
            | Errno::EXDEV
            | Errno::ELOOP
            | Errno::EACCES
            | Errno::ENAMETOOLONG
            | Errno::EISDIR
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    /// A fresh folder under the temporary directory, removed when dropped.
    pub(crate) struct TempDir(pub std::path::PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "verbosel-sys-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        pub(crate) fn c(&self) -> CString {
            CString::new(self.0.as_os_str().as_bytes()).unwrap()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const READ_BENEATH: OpenHow = OpenHow::new(
        OFlags::RDONLY.union(OFlags::CLOEXEC),
        Resolve::BENEATH.union(Resolve::NO_MAGICLINKS),
    );

    #[test]
    fn openat2_beneath_refuses_every_way_out() {
        let t = TempDir::new("beneath");
        std::fs::create_dir(t.0.join("sub")).unwrap();
        std::fs::write(t.0.join("sub/in.txt"), b"inside").unwrap();
        std::fs::write(t.0.join("../verbosel-sys-outside.txt"), b"outside").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", t.0.join("abs")).unwrap();
        std::os::unix::fs::symlink("../", t.0.join("up")).unwrap();
        std::os::unix::fs::symlink("sub/in.txt", t.0.join("inner")).unwrap();
        let dir = open_directory_path(&t.c()).unwrap();
        let open = |p: &CStr| openat2(dir.as_fd(), p, &READ_BENEATH);

        let f = open(c"sub/in.txt").unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(crate::io::read(f.as_fd(), &mut buf), Ok(6));
        // A relative link that stays inside is followed.
        assert!(open(c"inner").is_ok());
        for escape in [
            c"/etc/passwd",
            c"../verbosel-sys-outside.txt",
            c"sub/../../verbosel-sys-outside.txt",
            c"abs",
            c"up/verbosel-sys-outside.txt",
            c"/proc/self/root/etc/passwd",
        ] {
            assert_eq!(open(escape).err(), Some(Errno::EXDEV), "{escape:?}");
        }
        // A magic link, reached from a directory that holds /proc: refused even where the walk
        // stays beneath.
        let proc_dir = open_directory_path(c"/proc/self").unwrap();
        let magic = openat2(proc_dir.as_fd(), c"fd/0", &READ_BENEATH).err();
        assert_eq!(magic, Some(Errno::ELOOP));
        assert_eq!(open(c"missing").err(), Some(Errno::ENOENT));
        // No symbolic link at all, when asked.
        let strict = OpenHow::new(OFlags::RDONLY, Resolve::BENEATH | Resolve::NO_SYMLINKS);
        assert_eq!(
            openat2(dir.as_fd(), c"inner", &strict).err(),
            Some(Errno::ELOOP)
        );
        let _ = std::fs::remove_file(t.0.join("../verbosel-sys-outside.txt"));
    }

    #[test]
    fn openat2_refuses_a_mode_without_creat_and_creates_with_one() {
        let t = TempDir::new("creat");
        let dir = open_directory_path(&t.c()).unwrap();
        let bad = OpenHow::new(OFlags::RDONLY, Resolve::BENEATH).with_mode(0o600);
        assert_eq!(openat2(dir.as_fd(), c"x", &bad).err(), Some(Errno::EINVAL));
        let create = OpenHow::new(
            OFlags::WRONLY | OFlags::CREAT | OFlags::EXCL | OFlags::CLOEXEC,
            Resolve::BENEATH,
        )
        .with_mode(0o600);
        let f = openat2(dir.as_fd(), c"x", &create).unwrap();
        assert_eq!(crate::io::write(f.as_fd(), b"abc"), Ok(3));
        assert_eq!(
            openat2(dir.as_fd(), c"x", &create).err(),
            Some(Errno::EEXIST)
        );
        assert_eq!(stat(f.as_fd()).unwrap().size, 3);
    }

    #[test]
    fn stat_describes_files_directories_and_links() {
        let t = TempDir::new("stat");
        std::fs::write(t.0.join("f"), vec![7u8; 5000]).unwrap();
        std::os::unix::fs::symlink("f", t.0.join("l")).unwrap();
        let dir = open_directory_path(&t.c()).unwrap();
        let f = openat2(dir.as_fd(), c"f", &READ_BENEATH).unwrap();
        let st = stat(f.as_fd()).unwrap();
        let std_meta = std::fs::metadata(t.0.join("f")).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(st.size, 5000);
        assert_eq!(st.ino, std_meta.ino());
        assert_eq!(st.mtime.sec, std_meta.mtime());
        assert_eq!(st.mtime.nsec as i64, std_meta.mtime_nsec());
        assert_eq!(st.file_type(), FileType::Regular);
        assert_eq!(stat(dir.as_fd()).unwrap().file_type(), FileType::Directory);
        let link = stat_at(dir.as_fd(), c"l", AtFlags::SYMLINK_NOFOLLOW).unwrap();
        assert_eq!(link.file_type(), FileType::Symlink);
        assert_eq!(
            stat_at(dir.as_fd(), c"l", AtFlags::EMPTY).unwrap().size,
            5000
        );
    }

    #[test]
    fn getdents64_lists_every_name_once() {
        let t = TempDir::new("dents");
        let mut want: Vec<Vec<u8>> = vec![b".".to_vec(), b"..".to_vec()];
        for i in 0..300 {
            let name = format!("file-{i:03}-{}", "x".repeat(i % 40));
            std::fs::write(t.0.join(&name), b"").unwrap();
            want.push(name.into_bytes());
        }
        std::fs::create_dir(t.0.join("sub")).unwrap();
        want.push(b"sub".to_vec());
        let dir = open(
            &t.c(),
            (OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC).bits(),
        )
        .unwrap();
        // A small buffer: several calls, each continuing where the last stopped.
        let mut buf = [0u8; 512];
        let mut got = Vec::new();
        loop {
            let n = getdents64(dir.as_fd(), &mut buf).unwrap();
            if n == 0 {
                break;
            }
            for e in DirEntries::new(&buf[..n]) {
                if e.name == b"sub" {
                    assert_eq!(e.kind, DT_DIR);
                }
                got.push(e.name.to_vec());
            }
        }
        got.sort();
        want.sort();
        assert_eq!(got, want);
        // Too small for one record.
        let mut tiny = [0u8; 8];
        let again = open(&t.c(), (OFlags::DIRECTORY | OFlags::CLOEXEC).bits()).unwrap();
        assert_eq!(getdents64(again.as_fd(), &mut tiny), Err(Errno::EINVAL));
    }

    #[test]
    fn dir_entries_stop_at_a_malformed_record() {
        // A record that claims to be shorter than its header, then one longer than the buffer.
        let mut rec = [0u8; 24];
        rec[16] = 3;
        assert_eq!(DirEntries::new(&rec).count(), 0);
        rec[16] = 200;
        assert_eq!(DirEntries::new(&rec).count(), 0);
        assert_eq!(DirEntries::new(&rec[..10]).count(), 0);
    }

    #[test]
    fn open_directory_path_refuses_a_file() {
        assert_eq!(
            open_directory_path(c"/etc/passwd").err(),
            Some(Errno::ENOTDIR)
        );
    }
}

//! Landlock (landlock(7)): a process takes away its own access to the file system, unprivileged,
//! for itself and every child it forks after. Three calls: landlock_create_ruleset(2) makes an
//! empty ruleset (a descriptor) that *handles* a set of access rights, which become forbidden
//! everywhere; landlock_add_rule(2) gives some of them back beneath one directory;
//! landlock_restrict_self(2) enforces the ruleset on the calling thread. Rules only ever add up
//! to less: a second ruleset can narrow the first, never widen it.
//!
//! Which rights a kernel knows grows with its Landlock ABI version ([`abi_version`]); a ruleset
//! that handles a right the kernel does not know fails with `EINVAL`, so handle
//! [`AccessFs::known_to`] the running ABI. Landlock checks a right when a file is opened (or
//! made, removed, truncated…): descriptors opened before the ruleset, such as the connection's
//! socket and the standard streams, stay usable. It does not check `stat`.
//!
//! ```text
//! let abi = landlock::abi_version()?;                      // ENOSYS/EOPNOTSUPP: no Landlock
//! let handled = AccessFs::known_to(abi);                   // forbid all it knows…
//! let ruleset = Ruleset::new(handled)?;
//! ruleset.allow_beneath(dir.as_fd(), AccessFs::READ.intersection(handled))?; // …but reading DIR
//! prctl(PR_SET_NO_NEW_PRIVS, 1)?;                          // required unless CAP_SYS_ADMIN
//! ruleset.restrict_self()?;                                // this thread and its children
//! ```
//!
//! The ruleset descriptor can be made once and enforced by many processes: a parent builds it at
//! start-up and each forked connection process makes only the one `landlock_restrict_self`.

use crate::arch::{self, Arg};
use crate::fs::flags;
use crate::{BorrowedFd, OwnedFd, Result, nr};
use core::ops::BitOr;

flags!(
    /// File-system access rights (`LANDLOCK_ACCESS_FS_*`, linux/landlock.h).
    AccessFs(u64)
);

impl AccessFs {
    /// `EXECUTE`: execute a file.
    pub const EXECUTE: AccessFs = AccessFs(1 << 0);
    /// `WRITE_FILE`: open a file for writing.
    pub const WRITE_FILE: AccessFs = AccessFs(1 << 1);
    /// `READ_FILE`: open a file for reading.
    pub const READ_FILE: AccessFs = AccessFs(1 << 2);
    /// `READ_DIR`: open a directory and list it.
    pub const READ_DIR: AccessFs = AccessFs(1 << 3);
    /// `REMOVE_DIR`: remove an empty directory, or rename one.
    pub const REMOVE_DIR: AccessFs = AccessFs(1 << 4);
    /// `REMOVE_FILE`: unlink or rename a file.
    pub const REMOVE_FILE: AccessFs = AccessFs(1 << 5);
    /// `MAKE_CHAR`: create a character device.
    pub const MAKE_CHAR: AccessFs = AccessFs(1 << 6);
    /// `MAKE_DIR`: create a directory.
    pub const MAKE_DIR: AccessFs = AccessFs(1 << 7);
    /// `MAKE_REG`: create a regular file (`O_CREAT`), or link or rename one into place.
    pub const MAKE_REG: AccessFs = AccessFs(1 << 8);
    /// `MAKE_SOCK`: create a UNIX socket.
    pub const MAKE_SOCK: AccessFs = AccessFs(1 << 9);
    /// `MAKE_FIFO`: create a named pipe.
    pub const MAKE_FIFO: AccessFs = AccessFs(1 << 10);
    /// `MAKE_BLOCK`: create a block device.
    pub const MAKE_BLOCK: AccessFs = AccessFs(1 << 11);
    /// `MAKE_SYM`: create a symbolic link.
    pub const MAKE_SYM: AccessFs = AccessFs(1 << 12);
    /// `REFER` (ABI 2): link or rename a file from one directory to another.
    pub const REFER: AccessFs = AccessFs(1 << 13);
    /// `TRUNCATE` (ABI 3): truncate a file (`O_TRUNC`, ftruncate(2)).
    pub const TRUNCATE: AccessFs = AccessFs(1 << 14);
    /// `IOCTL_DEV` (ABI 5): ioctl(2) on a device file.
    pub const IOCTL_DEV: AccessFs = AccessFs(1 << 15);

    /// Reading files and listing directories: what a folder served read-only needs.
    pub const READ: AccessFs = AccessFs::READ_FILE.union(AccessFs::READ_DIR);

    /// The rights that can be given on a file (not a directory): a rule on a file's descriptor
    /// with any other right fails with `EINVAL`.
    pub const FILE: AccessFs = AccessFs::EXECUTE
        .union(AccessFs::WRITE_FILE)
        .union(AccessFs::READ_FILE)
        .union(AccessFs::TRUNCATE)
        .union(AccessFs::IOCTL_DEV);

    /// Every right Landlock ABI `abi` knows (none for 0): ABI 1 has `EXECUTE`..`MAKE_SYM`, 2
    /// adds `REFER`, 3 `TRUNCATE`, 5 `IOCTL_DEV`; 4, 6 and 7 added network rights, scopes and
    /// logging, no file-system right.
    pub const fn known_to(abi: u32) -> AccessFs {
        let mut bits = 0;
        if abi >= 1 {
            bits = (1 << 13) - 1;
        }
        if abi >= 2 {
            bits |= AccessFs::REFER.0;
        }
        if abi >= 3 {
            bits |= AccessFs::TRUNCATE.0;
        }
        if abi >= 5 {
            bits |= AccessFs::IOCTL_DEV.0;
        }
        AccessFs(bits)
    }
}

/// `LANDLOCK_CREATE_RULESET_VERSION`: ask for the ABI version instead of making a ruleset.
const CREATE_RULESET_VERSION: usize = 1;
/// `LANDLOCK_RULE_PATH_BENEATH`.
const RULE_PATH_BENEATH: usize = 1;

/// `struct landlock_ruleset_attr` as of ABI 6: file-system rights, network rights (ABI 4),
/// scopes (ABI 6). A kernel that knows a shorter struct accepts this one as long as the fields
/// it does not know are zero (`copy_struct_from_user`), which they are: only file-system rights
/// are set here.
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

/// `struct landlock_path_beneath_attr`: packed, 12 bytes.
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

const _: () = assert!(size_of::<PathBeneathAttr>() == 12);

/// The highest Landlock ABI version the running kernel supports:
/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`. `ENOSYS` when the kernel
/// was built without Landlock, `EOPNOTSUPP` when it was not enabled at boot (`lsm=`).
pub fn abi_version() -> Result<u32> {
    // SAFETY: a NULL attribute with size 0 and the version flag: the kernel reads no memory.
    unsafe {
        arch::syscall3_readonly(
            nr::LANDLOCK_CREATE_RULESET,
            Arg::NULL,
            Arg::int(0),
            Arg::int(CREATE_RULESET_VERSION),
        )
    }
    .result()
    .map(|v| v as u32)
}

/// A ruleset being built, or built and ready to enforce: a descriptor.
#[derive(Debug)]
pub struct Ruleset {
    fd: OwnedFd,
    handled: AccessFs,
}

impl Ruleset {
    /// `landlock_create_ruleset(&attr, sizeof attr, 0)`: a ruleset that forbids every right in
    /// `handled` except where a rule gives it back. `ENOMSG` if `handled` is empty, `EINVAL` if it names a
    /// right the kernel does not know (see [`AccessFs::known_to`]). The descriptor is
    /// close-on-exec.
    pub fn new(handled: AccessFs) -> Result<Ruleset> {
        let attr = RulesetAttr {
            handled_access_fs: handled.bits(),
            handled_access_net: 0,
            scoped: 0,
        };
        // SAFETY: `attr` is a valid attribute struct whose size is passed alongside; the kernel
        // only reads it.
        let fd = unsafe {
            arch::syscall3_readonly(
                nr::LANDLOCK_CREATE_RULESET,
                Arg::by_ref(&attr),
                Arg::int(size_of::<RulesetAttr>()),
                Arg::int(0),
            )
        }
        .result()?;
        Ok(Ruleset {
            // SAFETY: the call succeeded: a new descriptor that nothing else owns.
            fd: unsafe { OwnedFd::from_raw(fd as i32) },
            handled,
        })
    }

    /// The rights this ruleset forbids unless a rule allows them.
    pub fn handled(&self) -> AccessFs {
        self.handled
    }

    /// `landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0)`: allows `access`
    /// on `parent` (best opened `O_PATH`, [`crate::fs::open_directory_path`]) and everything
    /// beneath it. `access` must be a subset of [`Ruleset::handled`] and, for a file rather
    /// than a directory, of [`AccessFs::FILE`] (`EINVAL` otherwise). The kernel keeps its own
    /// reference to the directory: `parent` may be closed afterwards.
    pub fn allow_beneath(&self, parent: BorrowedFd<'_>, access: AccessFs) -> Result<()> {
        let attr = PathBeneathAttr {
            allowed_access: access.bits(),
            parent_fd: parent.raw(),
        };
        // SAFETY: `attr` is a valid packed path-beneath attribute naming a borrowed (so open)
        // descriptor; the kernel only reads it.
        unsafe {
            arch::syscall4_readonly(
                nr::LANDLOCK_ADD_RULE,
                Arg::fd(self.fd.as_fd()),
                Arg::int(RULE_PATH_BENEATH),
                Arg::by_ref(&attr),
                Arg::int(0),
            )
        }
        .result()
        .map(drop)
    }

    /// `landlock_restrict_self(ruleset, 0)`: from now on the calling thread (verbosel's
    /// processes have one) and the processes it forks may only do what this ruleset (and any
    /// earlier one) allows. `EPERM` unless the thread has `PR_SET_NO_NEW_PRIVS` set
    /// ([`crate::process::prctl`]) or `CAP_SYS_ADMIN`. Borrowing: the same ruleset can be
    /// enforced again, by each forked process.
    pub fn restrict_self(&self) -> Result<()> {
        // SAFETY: integer arguments only; the ruleset descriptor is ours and open.
        unsafe {
            arch::syscall2_readonly(
                nr::LANDLOCK_RESTRICT_SELF,
                Arg::fd(self.fd.as_fd()),
                Arg::int(0),
            )
        }
        .result()
        .map(drop)
    }

    /// The ruleset's descriptor.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Errno;
    use crate::fs::{OFlags, OpenHow, Resolve, open, open_directory_path, openat2};
    use crate::process::{Exit, Fork, PR_SET_NO_NEW_PRIVS, fork_unchecked, prctl};

    /// Runs `child` in a forked process and returns how it ended. The child makes only system
    /// calls and ends with `exit_group`: the test harness's other threads hold locks the child's
    /// copy of memory would never see released, so it must not allocate or panic.
    fn in_child(child: impl FnOnce() -> i32) -> Exit {
        // SAFETY: the test harness has other threads; the child only makes system calls through
        // this crate (no locks, no allocation) and then exits, as fork(2)'s notes require.
        match unsafe { fork_unchecked() }.unwrap() {
            Fork::Child => crate::process::exit_group(child()),
            Fork::Parent(pid) => loop {
                let mut status = 0i32;
                // wait4 for this child only (the harness may have others).
                // SAFETY: the kernel writes one int into `status`; rusage is NULL.
                let r = unsafe {
                    arch::syscall4(
                        nr::WAIT4,
                        Arg::signed(pid as isize),
                        Arg::by_mut(&mut status),
                        Arg::int(0),
                        Arg::NULL,
                    )
                }
                .result();
                match r {
                    Ok(_) => {
                        return if status & 0x7f == 0 {
                            Exit::Code((status >> 8) & 0xff)
                        } else {
                            Exit::Signal(status & 0x7f)
                        };
                    }
                    Err(Errno::EINTR) => continue,
                    Err(e) => panic!("wait4: {e:?}"),
                }
            },
        }
    }

    fn abi() -> u32 {
        abi_version().expect("this kernel has Landlock (ABI 7 where the issue was filed)")
    }

    #[test]
    fn the_kernel_reports_an_abi_version() {
        let v = abi();
        assert!(v >= 1, "{v}");
        assert!(AccessFs::known_to(v).contains(AccessFs::READ));
        assert_eq!(AccessFs::known_to(0), AccessFs::EMPTY);
        assert_eq!(AccessFs::known_to(1).bits(), 0x1fff);
        assert_eq!(AccessFs::known_to(3).bits(), 0x7fff);
        assert_eq!(AccessFs::known_to(7).bits(), 0xffff);
    }

    #[test]
    fn a_ruleset_refuses_rights_it_cannot_handle() {
        assert_eq!(Ruleset::new(AccessFs::EMPTY).err(), Some(Errno::ENOMSG));
        assert_eq!(Ruleset::new(AccessFs(1 << 40)).err(), Some(Errno::EINVAL));
        let r = Ruleset::new(AccessFs::READ).unwrap();
        let dir = open_directory_path(c"/tmp").unwrap();
        // A right the ruleset does not handle cannot be given.
        assert_eq!(
            r.allow_beneath(dir.as_fd(), AccessFs::WRITE_FILE),
            Err(Errno::EINVAL)
        );
        assert_eq!(r.allow_beneath(dir.as_fd(), AccessFs::READ), Ok(()));
    }

    #[test]
    fn a_restricted_child_reads_beneath_its_folder_and_nothing_else() {
        let t = crate::fs::tests::TempDir::new("landlock-read");
        std::fs::create_dir(t.0.join("sub")).unwrap();
        std::fs::write(t.0.join("sub/in.txt"), b"inside").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", t.0.join("passwd")).unwrap();
        let path = t.c();
        let handled = AccessFs::known_to(abi());
        let ruleset = Ruleset::new(handled).unwrap();
        let dir = open_directory_path(&path).unwrap();
        ruleset
            .allow_beneath(dir.as_fd(), AccessFs::READ.intersection(handled))
            .unwrap();
        let mut inside = path.as_bytes().to_vec();
        inside.extend_from_slice(b"/sub/in.txt\0");
        let inside = core::ffi::CStr::from_bytes_with_nul(&inside).unwrap();

        // Exit codes: 0 all as expected, else the step that was not.
        let exit = in_child(|| {
            if prctl(PR_SET_NO_NEW_PRIVS, 1).is_err() || ruleset.restrict_self().is_err() {
                return 10;
            }
            let ro = OFlags::RDONLY | OFlags::CLOEXEC;
            // Inside, by absolute path and beneath the descriptor.
            if open(inside, ro.bits()).is_err() {
                return 11;
            }
            let how = OpenHow::new(ro, Resolve::EMPTY);
            if openat2(dir.as_fd(), c"sub/in.txt", &how).is_err() {
                return 12;
            }
            // Outside: by absolute path, and through a symbolic link inside the folder with no
            // RESOLVE_BENEATH to stop it (what a path-handling bug would amount to).
            if open(c"/etc/passwd", ro.bits()) != Err(Errno::EACCES) {
                return 13;
            }
            if openat2(dir.as_fd(), c"passwd", &how).err() != Some(Errno::EACCES) {
                return 14;
            }
            if openat2(dir.as_fd(), c"../", &how).err() != Some(Errno::EACCES) {
                return 15;
            }
            // No writing inside either: the rule gives back reading only.
            let w = OFlags::WRONLY | OFlags::CREAT | OFlags::CLOEXEC;
            if openat2(
                dir.as_fd(),
                c"new",
                &OpenHow::new(w, Resolve::EMPTY).with_mode(0o600),
            )
            .err()
                != Some(Errno::EACCES)
            {
                return 16;
            }
            // A ruleset can only narrow: a second, broader one leaves /etc closed.
            let Ok(wider) = Ruleset::new(AccessFs::READ) else {
                return 17;
            };
            let Ok(root) = open_directory_path(c"/") else {
                return 18;
            };
            if wider.allow_beneath(root.as_fd(), AccessFs::READ).is_err()
                || wider.restrict_self().is_err()
                || open(c"/etc/passwd", ro.bits()) != Err(Errno::EACCES)
            {
                return 19;
            }
            0
        });
        assert_eq!(exit, Exit::Code(0));
        // The parent is untouched.
        assert!(open(c"/etc/passwd", OFlags::RDONLY.union(OFlags::CLOEXEC).bits()).is_ok());
    }

    #[test]
    fn a_restricted_child_writes_only_where_allowed() {
        let t = crate::fs::tests::TempDir::new("landlock-write");
        std::fs::create_dir(t.0.join("data")).unwrap();
        std::fs::write(t.0.join("old"), b"x").unwrap();
        std::fs::write(t.0.join("data/old"), b"x").unwrap();
        let handled = AccessFs::known_to(abi());
        let ruleset = Ruleset::new(handled).unwrap();
        let top = open_directory_path(&t.c()).unwrap();
        let data = openat2(
            top.as_fd(),
            c"data",
            &OpenHow::new(
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Resolve::BENEATH,
            ),
        )
        .unwrap();
        let rw = AccessFs::READ
            | AccessFs::WRITE_FILE
            | AccessFs::MAKE_REG
            | AccessFs::REMOVE_FILE
            | AccessFs::TRUNCATE;
        ruleset
            .allow_beneath(data.as_fd(), rw.intersection(handled))
            .unwrap();
        let exit = in_child(|| {
            if prctl(PR_SET_NO_NEW_PRIVS, 1).is_err() || ruleset.restrict_self().is_err() {
                return 10;
            }
            let create = OpenHow::new(
                OFlags::WRONLY | OFlags::CREAT | OFlags::EXCL | OFlags::CLOEXEC,
                Resolve::BENEATH,
            )
            .with_mode(0o600);
            if openat2(data.as_fd(), c"new", &create).is_err() {
                return 11;
            }
            if openat2(top.as_fd(), c"new", &create).err() != Some(Errno::EACCES) {
                return 12;
            }
            let trunc = OpenHow::new(
                OFlags::WRONLY | OFlags::TRUNC | OFlags::CLOEXEC,
                Resolve::BENEATH,
            );
            if openat2(data.as_fd(), c"old", &trunc).is_err() {
                return 13;
            }
            if openat2(top.as_fd(), c"old", &trunc).err() != Some(Errno::EACCES) {
                return 14;
            }
            0
        });
        assert_eq!(exit, Exit::Code(0));
        assert!(t.0.join("data/new").exists());
        assert!(!t.0.join("new").exists());
    }
}

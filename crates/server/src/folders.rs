//! The folders a server opens at start-up, before the port is taken: `--root`'s, which it serves
//! read-only, and `--data`'s, which handlers write; and the one Landlock ruleset that confines
//! every connection process to them (a process can only narrow what an earlier ruleset allows,
//! never widen it, so both rules go in one). A folder that cannot be opened is a usage error
//! (exit 2); a kernel that cannot confine to it a refusal (exit 1, unless `--no-sandbox`).

use crate::config::Config;
use crate::files;
use crate::log;
use verbosel_sys::BorrowedFd;
use verbosel_sys::landlock::Ruleset;

/// What [`open`] set up.
pub(crate) struct Folders {
    /// `--root`'s folder, a source of files.
    #[cfg(feature = "site")]
    folder: Option<files::Folder>,
    #[cfg(not(feature = "site"))]
    folder: Option<NoFolder>,
    /// `--data`'s folder, open for the life of the process.
    pub(crate) data: Option<BorrowedFd<'static>>,
    /// The ruleset each connection process enforces on itself, when there is a folder and the
    /// sandbox is on.
    pub(crate) confine: Option<Ruleset>,
}

impl Folders {
    /// `--root`'s folder as a source of files, if given.
    pub(crate) fn served(&self) -> Option<&dyn files::FileSource> {
        self.folder.as_ref().map(|f| f as &dyn files::FileSource)
    }
}

/// Opens the folders `cfg` names and builds their ruleset; on failure, logs why and returns the
/// exit code.
pub(crate) fn open(cfg: &Config) -> Result<Folders, i32> {
    let folder = open_served(cfg)?;
    let data = open_data_folder(cfg)?;
    let root_dir = folder.as_ref().map(folder_dir);
    let confine = match (root_dir, data) {
        (None, None) => None,
        _ if !cfg.sandbox => None,
        (root_dir, data) => Some(confine(root_dir, data)?),
    };
    Ok(Folders {
        folder,
        data,
        confine,
    })
}

/// `--root`'s folder (with `--listing`), opened.
#[cfg(feature = "site")]
fn open_served(cfg: &Config) -> Result<Option<files::Folder>, i32> {
    match cfg.site.root.map(|dir| open_root(dir, cfg.site.listing)) {
        Some(Ok(folder)) => Ok(Some(folder)),
        Some(Err(e)) => {
            let dir = cfg.site.root.unwrap_or_default();
            log::error(&[b"invalid --root: ", dir, b" (", e.name().as_bytes(), b")"]);
            Err(2)
        }
        None if cfg.site.listing => {
            log::error(&[b"--listing lists folders of --root, which is not given"]);
            Err(2)
        }
        None => Ok(None),
    }
}

/// Without the `site` feature the command line has no `--root`; a `Config` that names one
/// anyway is refused.
#[cfg(not(feature = "site"))]
fn open_served(cfg: &Config) -> Result<Option<NoFolder>, i32> {
    match cfg.site.root.or(cfg.site.listing.then_some(b"")) {
        Some(_) => {
            log::error(&[
                b"--root and --listing: this binary was built without verbosel's `site` feature",
            ]);
            Err(2)
        }
        None => Ok(None),
    }
}

/// The data folder (`--data` or `App::data`), opened for the life of the process.
#[cfg(feature = "data")]
fn open_data_folder(cfg: &Config) -> Result<Option<BorrowedFd<'static>>, i32> {
    match cfg.data.map(open_data) {
        Some(Ok(dir)) => Ok(Some(dir)),
        Some(Err(e)) => {
            let dir = cfg.data.unwrap_or_default();
            log::error(&[b"invalid --data: ", dir, b" (", e.name().as_bytes(), b")"]);
            Err(2)
        }
        None => Ok(None),
    }
}

/// Without the `data` feature there is no `--data`; a `Config` that names a data folder anyway
/// is refused.
#[cfg(not(feature = "data"))]
fn open_data_folder(cfg: &Config) -> Result<Option<BorrowedFd<'static>>, i32> {
    match cfg.data {
        Some(_) => {
            log::error(&[
                b"a data folder: this binary was built without verbosel's `data` feature",
            ]);
            Err(2)
        }
        None => Ok(None),
    }
}

/// The ruleset for the folders given, or the logged refusal when this kernel cannot confine.
fn confine(root: Option<BorrowedFd<'_>>, data: Option<BorrowedFd<'_>>) -> Result<Ruleset, i32> {
    confinement(root, data).map_err(|e| {
        let which: &[u8] = match (root, data) {
            (Some(_), Some(_)) => b"--root and --data",
            (Some(_), None) => b"--root",
            _ => b"--data",
        };
        log::error(&[
            b"cannot confine connection processes to ",
            which,
            b" with Landlock (",
            e.name().as_bytes(),
            b"): this kernel has no Landlock, or it was not enabled at boot (lsm=...,landlock); --no-sandbox serves without it",
        ]);
        1
    })
}

/// What stands for the folder source in a binary built without it: never made.
#[cfg(not(feature = "site"))]
enum NoFolder {}

#[cfg(not(feature = "site"))]
impl files::FileSource for NoFolder {
    fn lookup<'a>(&'a self, _: &[u8], _: &'a mut [u8]) -> files::Lookup<'a> {
        match *self {}
    }
    fn not_found_page(&self) -> Option<files::Page<'_>> {
        match *self {}
    }
}

#[cfg(not(feature = "site"))]
fn folder_dir(folder: &NoFolder) -> BorrowedFd<'_> {
    match *folder {}
}

/// Opens `--root`'s folder (the path as the command line gave it, without a NUL).
#[cfg(feature = "site")]
fn open_root(dir: &[u8], listing: bool) -> verbosel_sys::Result<files::Folder> {
    with_nul(dir, |c| files::Folder::open(c, listing))
}

/// The descriptor of `--root`'s folder, which Landlock's rule names.
#[cfg(feature = "site")]
fn folder_dir(folder: &files::Folder) -> BorrowedFd<'_> {
    folder.dir()
}

#[cfg(feature = "data")]
/// Opens the data folder (the path as the command line or the app gave it, without a NUL) for
/// the life of the process: every connection process opens files beneath it.
fn open_data(dir: &[u8]) -> verbosel_sys::Result<BorrowedFd<'static>> {
    with_nul(
        dir,
        |c| Ok(verbosel_sys::fs::open_directory_path(c)?.leak()),
    )
}

/// Calls `open` with `dir` NUL-terminated; `ENAMETOOLONG` past [`crate::c_path::MAX_PATH`],
/// and for a path holding a NUL (which would name another one).
#[cfg(any(feature = "site", feature = "data"))]
fn with_nul<R>(
    dir: &[u8],
    open: impl FnOnce(&core::ffi::CStr) -> verbosel_sys::Result<R>,
) -> verbosel_sys::Result<R> {
    crate::c_path::with_c_path(dir, b"", open).unwrap_or(Err(verbosel_sys::Errno::ENAMETOOLONG))
}

/// The Landlock ruleset of a connection process with a folder to serve (`root`, `--root`)
/// and/or a data folder (`data`, `--data`): every file-system right this kernel's Landlock knows
/// is handled (so denied); reading files and folders is given back beneath `root`, and reading,
/// writing, creating, renaming and removing beneath `data`; nothing anywhere else. Fails with
/// `ENOSYS` or `EOPNOTSUPP` without Landlock.
fn confinement(
    root: Option<BorrowedFd<'_>>,
    data: Option<BorrowedFd<'_>>,
) -> verbosel_sys::Result<verbosel_sys::landlock::Ruleset> {
    use verbosel_sys::landlock::{AccessFs, Ruleset, abi_version};
    let handled = AccessFs::known_to(abi_version()?);
    let ruleset = Ruleset::new(handled)?;
    if let Some(root) = root {
        ruleset.allow_beneath(root, AccessFs::READ.intersection(handled))?;
    }
    if let Some(data) = data {
        let read_write = AccessFs::READ
            .union(AccessFs::WRITE_FILE)
            .union(AccessFs::TRUNCATE)
            .union(AccessFs::MAKE_REG)
            .union(AccessFs::MAKE_DIR)
            .union(AccessFs::REMOVE_FILE)
            .union(AccessFs::REMOVE_DIR)
            .union(AccessFs::REFER);
        ruleset.allow_beneath(data, read_write.intersection(handled))?;
    }
    Ok(ruleset)
}

//! The archive appended to the executable: a site added to a built binary with `zip` or Python's
//! `zipfile`, no Rust toolchain needed (issue 15; crates/zip/NOTES.md has the measurements).
//!
//! At start-up, before the first fork and before any sandbox, [`open`] maps `/proc/self/exe`
//! read-only once, finds the archive at its end and validates all of it (structure, then every
//! entry's data). A malformed archive stops the server with exit code 2 and the entry named:
//! nothing malformed ever reaches a connection process. The children share every page the
//! parent mapped and filled here, and per request only look entries up (a binary search): no
//! system call, so the sandbox needs nothing more.
//!
//! Deflated entries are inflated once, here, into memory the children share
//! ([`verbosel_zip::Unverified::verify_into`]), rather than per request: validation must inflate
//! every entry anyway to check its size and CRC-32, so the arena costs memory (the site's
//! inflated size, shared, so not per connection) and no start-up time, while inflating on demand
//! would cost each request that does not accept gzip `size / throughput` (~44 µs for the 16 KB
//! landing page at the ~366 MB/s NOTES.md measured: several whole keep-alive requests). A client
//! that accepts gzip gets the entry's own DEFLATE data in a gzip member, never recompressed.

use super::{Body, Bytes, File, FileSource, Lookup, Page};
use crate::log;
use verbosel_digits::{HEX_DIGITS, hex};
use verbosel_http::date::{IMF_FIXDATE_LEN, imf_fixdate};
use verbosel_sys::{BorrowedFd, Errno, fs, io::write_all, mapped};
use verbosel_zip::{Archive as Zip, Entry, Index, Limits, Method};

/// Where the running executable is: the kernel's link to the file this process was started from,
/// whatever its name or the working folder (proc(5)).
const SELF_EXE: &core::ffi::CStr = c"/proc/self/exe";

/// The archive's files, validated, in name order.
pub struct Archive {
    index: Index<'static>,
    /// Where the central directory starts in the executable, for `--list`.
    central: usize,
}

/// Why the archive was refused: printed by [`Refused::report`] before exit code 2.
pub struct Refused {
    problem: &'static str,
    entry: Option<&'static [u8]>,
}

impl Refused {
    fn new(problem: &'static str) -> Refused {
        Refused {
            problem,
            entry: None,
        }
    }

    /// One line on stderr: `PROGRAM: the archive appended to this executable is refused: entry
    /// "NAME": PROBLEM` (the name escaped, as it may hold any byte).
    pub fn report(&self) {
        let mut name = log::Line::new();
        if let Some(entry) = self.entry {
            name.put(b"entry \"").put_escaped(entry).put(b"\": ");
        }
        let name = name.bytes();
        let name = name.get(..name.len().saturating_sub(1)).unwrap_or_default();
        log::error(&[
            b"the archive appended to this executable is refused: ",
            name,
            self.problem.as_bytes(),
        ]);
    }
}

/// [`open`], reached through a pointer that only [`App::archive`](crate::App::archive) sets.
pub(crate) type OpenArchive = fn() -> Result<Option<Archive>, Refused>;

/// Finds and validates the archive at the end of the running executable. `Ok(None)` when there is
/// none (the usual case), or when the executable cannot be read (no /proc: said on stderr).
pub fn open() -> Result<Option<Archive>, Refused> {
    let exe = match map_self() {
        Ok(exe) => exe,
        Err(e) => {
            log::error(&[
                b"cannot read /proc/self/exe (",
                e.name().as_bytes(),
                b"): an archive appended to this executable, if any, is not served",
            ]);
            return Ok(None);
        }
    };
    let refused = |e: verbosel_zip::Error<'static>| Refused {
        problem: e.problem.reason(),
        entry: e.entry,
    };
    let Some(zip) = Zip::find(exe).map_err(refused)? else {
        return Ok(None);
    };
    let no_memory = || Refused::new("not enough memory to index it");
    let memory = mapped::zeroed_words(zip.index_words()).map_err(|_| no_memory())?;
    let unverified = zip.index(&Limits::DEFAULT, memory).map_err(refused)?;
    let arena = mapped::zeroed_bytes(unverified.inflated_len()).map_err(|_| no_memory())?;
    let index = unverified.verify_into(arena).map_err(refused)?;
    Ok(Some(Archive {
        index,
        central: zip.central_directory().start,
    }))
}

/// The whole executable, mapped read-only once.
fn map_self() -> Result<&'static [u8], Errno> {
    let fd = fs::open(SELF_EXE, fs::O_RDONLY_CLOEXEC)?;
    let len = fs::size(fd.as_fd())?;
    let len = usize::try_from(len).map_err(|_| Errno::ENOMEM)?;
    // The mapping outlives the descriptor, which closes here.
    mapped::file_readonly(fd.as_fd(), len)
}

impl Archive {
    /// The file a normalised path names, with a folder's `index.html` for a path ending in `/`.
    fn find(&self, path: &[u8]) -> Option<Entry<'static>> {
        if path.ends_with(b"/") {
            self.index.get_joined(path, b"index.html")
        } else {
            self.index.get(path)
        }
    }

    /// For `--list`: a line saying where the archive is and how many files it has.
    pub fn describe(&self, out: BorrowedFd<'_>) {
        let mut l = log::Line::new();
        l.put(b"# the archive appended to this executable: ")
            .num(self.index.len() as u64)
            .put(b" files, central directory at byte ")
            .num(self.central as u64);
        let _ = write_all(out, l.bytes());
    }
}

impl FileSource for Archive {
    fn lookup<'a>(&'a self, path: &[u8], text: &'a mut [u8]) -> Lookup<'a> {
        match self.find(path) {
            Some(entry) => file(entry, text).map_or(Lookup::Nothing, Lookup::File),
            None if !path.ends_with(b"/")
                && self.index.get_joined(path, b"/index.html").is_some() =>
            {
                Lookup::Folder
            }
            None => Lookup::Nothing,
        }
    }

    fn not_found_page(&self) -> Option<Page<'_>> {
        let entry = self.index.get(b"/404.html")?;
        Some(Page {
            mime: verbosel_mime::mime_for_bytes(entry.name).as_bytes(),
            body: Body::Bytes(Bytes::one(entry.identity?)),
        })
    }

    fn each_file(&self, f: &mut dyn FnMut(&[&[u8]], u64)) {
        for entry in self.index.iter() {
            f(&[b"/", entry.name], entry.size as u64);
        }
    }

    fn label(&self) -> &'static str {
        "appended archive"
    }
}

/// What is formatted per request into the lookup's text buffer: the ETag, the Last-Modified
/// date, and a deflated entry's gzip header and trailer.
const ETAG_MAX: usize = 2 + 8 + 1 + HEX_DIGITS + 1 + HEX_DIGITS;
const _: () = assert!(ETAG_MAX + IMF_FIXDATE_LEN + 10 + 8 <= super::LOOKUP_TEXT_CAPACITY);

/// An entry as a [`File`]; everything formatted goes into `text`. `None` only if `text` is too
/// small (never, by the assertion above) or a deflated entry was not inflated (never: the
/// archive is verified into an arena).
fn file<'t>(entry: Entry<'static>, text: &'t mut [u8]) -> Option<File<'t>> {
    let identity = entry.identity?;
    let mime = verbosel_mime::mime_for_bytes(entry.name);
    let (etag, text) = etag(&entry, text)?;
    let (date, text) = text.split_at_mut_checked(IMF_FIXDATE_LEN)?;
    date.copy_from_slice(&imf_fixdate(entry.modified));
    let gzip = match entry.gzip() {
        Some(member) if entry.method == Method::Deflated => {
            let [header, _, trailer] = member.parts();
            let (h, text) = text.split_at_mut_checked(header.len())?;
            h.copy_from_slice(header);
            let t = text.get_mut(..trailer.len())?;
            t.copy_from_slice(trailer);
            Some(Body::Bytes(Bytes::new(&[h, entry.data, t])?))
        }
        _ => None,
    };
    Some(File {
        mime: mime.as_bytes(),
        etag,
        last_modified: Some(date),
        modified_unix: Some(entry.modified),
        cache_control: verbosel_mime::cache_control_for(entry.name, mime).as_bytes(),
        identity: Body::Bytes(Bytes::one(identity)),
        gzip,
        gzip_unchecked: false,
    })
}

/// A strong ETag from what identifies the entry's bytes: CRC-32, size and modification time
/// (`"z1a2b3c4d-3ad7-675f1e00"`). Any change to the content changes the CRC-32 or the size but
/// for a one-in-2^32 chance, and a rebuilt archive usually changes the time too.
fn etag<'t>(entry: &Entry<'_>, text: &'t mut [u8]) -> Option<(&'t [u8], &'t mut [u8])> {
    let mut at = 0;
    let mut put = |text: &mut [u8], bytes: &[u8]| -> Option<()> {
        text.get_mut(at..at + bytes.len())?.copy_from_slice(bytes);
        at += bytes.len();
        Some(())
    };
    let mut digits = [0u8; HEX_DIGITS];
    put(text, b"\"z")?;
    let crc = hex(entry.crc32 as u64, &mut digits);
    // Eight digits always, so that the tag's parts cannot run into each other.
    put(text, &b"00000000"[..8 - crc.len().min(8)])?;
    put(text, crc)?;
    put(text, b"-")?;
    put(text, hex(entry.size as u64, &mut digits))?;
    put(text, b"-")?;
    put(text, hex(entry.modified, &mut digits))?;
    put(text, b"\"")?;
    let (etag, rest) = text.split_at_mut_checked(at)?;
    Some((etag, rest))
}

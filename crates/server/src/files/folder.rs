//! A folder given at run time (`--root DIR`): files read from the disk for each request.
//!
//! Three walls keep a request inside DIR, each enough on its own:
//!
//! 1. the server's path normaliser (`verbosel_http::normalize`) refuses `..` above the root,
//!    encoded slashes, backslashes and control bytes before any source is asked;
//! 2. every file is opened with openat2(2) relative to the descriptor of DIR that the parent
//!    opened at start-up, with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: an absolute path, a
//!    `..` that climbs out, a symbolic link that leads out (absolute, or relative and climbing)
//!    or a `/proc/…/fd` magic link fails in the kernel (`EXDEV`, `ELOOP`). A relative symbolic
//!    link that stays inside DIR is followed;
//! 3. each connection process restricts itself with Landlock before its first read (the ruleset
//!    is built by `App::run`), so that even a path the code above never forms, opened by any
//!    call, can read nothing outside DIR (`EACCES`).
//!
//! What a static server must get right, here: names with a segment starting with `.` (dotfiles
//! and dot-folders: `.git`, `.env`) are not found; a folder is its `index.html`; a folder named
//! without its slash is [`Lookup::Folder`] (the server redirects); `name.gz` beside `name` is
//! its gzip-coded body; `404.html` is the not-found page; the entity-tag is made of the file's
//! device, inode, size and modification time (in nanoseconds), and of the `.gz` sibling's
//! inode, size and time when there is one, so a change to either changes it. Everything is
//! `Cache-Control: no-cache`: the folder may change at any moment, so caches revalidate (a 304
//! costs two `statx`).
//!
//! Bodies are [`Body::Region`]s, sent with sendfile(2): memory stays flat whatever the size. A
//! file that shrinks while it is sent makes sendfile return 0 early, and the response writer
//! closes the connection rather than send fewer bytes than Content-Length promised.

use super::{Body, File, FileSource, Lookup, Page, Region};
use verbosel_digits::{HEX_DIGITS, hex};
use verbosel_sys::fs::{
    self, AtFlags, DT_DIR, DirEntries, FileType, OFlags, OpenHow, Resolve, Stat, getdents64,
};
use verbosel_sys::{BorrowedFd, Errno, OwnedFd};

pub use crate::c_path::MAX_PATH;
use crate::c_path::{c_path, with_c_path};

/// How files beneath DIR are opened: read-only, never a controlling terminal, and without
/// blocking (a FIFO placed in DIR would otherwise hold the open until a writer came); the walk
/// confined to DIR and free of magic links.
const OPEN_BENEATH: OpenHow = OpenHow::new(
    OFlags::RDONLY
        .union(OFlags::CLOEXEC)
        .union(OFlags::NOCTTY)
        .union(OFlags::NONBLOCK),
    Resolve::BENEATH.union(Resolve::NO_MAGICLINKS),
);

/// The Cache-Control of everything served from the folder (see the module's notes).
const CACHE_CONTROL: &[u8] = b"no-cache";

/// Bytes a listing page may take: a folder with more entries than fit gets the first ones and
/// a line saying the rest were left out.
pub const MAX_LISTING: usize = 64 * 1024;

/// A folder to serve, opened once at start-up.
pub struct Folder {
    /// DIR, opened `O_PATH | O_DIRECTORY`: the starting point of every openat2 and what the
    /// Landlock rule names.
    dir: OwnedFd,
    /// Whether a folder without `index.html` is listed (`--listing`).
    listing: bool,
}

impl Folder {
    /// Opens DIR (`ENOTDIR` if it is not a folder).
    pub fn open(path: &core::ffi::CStr, listing: bool) -> Result<Folder, Errno> {
        Ok(Folder {
            dir: fs::open_directory_path(path)?,
            listing,
        })
    }

    /// DIR's descriptor, for the Landlock rule.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// Opens `rel` (a path relative to DIR, without NUL) plus `suffix` beneath DIR; `None`
    /// when it does not exist, leaves DIR, or is too long.
    fn open_beneath(&self, rel: &[u8], suffix: &[u8]) -> Option<(OwnedFd, Stat)> {
        let fd = with_c_path(rel, suffix, |c| {
            fs::openat2(self.dir.as_fd(), c, &OPEN_BENEATH)
        })?
        .ok()?;
        let st = fs::stat(fd.as_fd()).ok()?;
        Some((fd, st))
    }

    /// A regular file beneath DIR, with its `.gz` sibling if that is a regular file too (looked
    /// for only when `gzip_wanted`).
    fn file<'a>(
        &self,
        rel: &[u8],
        (fd, st): (OwnedFd, &Stat),
        text: &'a mut [u8],
        gzip_wanted: bool,
    ) -> Lookup<'a> {
        let gzip = gzip_wanted
            .then(|| self.open_beneath(rel, b".gz"))
            .flatten()
            .filter(|(_, gz)| gz.file_type() == FileType::Regular);
        let (tag_buf, date_buf) = text.split_at_mut(text.len() / 2);
        let Some(etag) = entity_tag(st, gzip.as_ref().map(|(_, gz)| gz), tag_buf) else {
            return Lookup::Nothing;
        };
        let date = verbosel_http::date::imf_fixdate(st.mtime.sec.max(0) as u64);
        let Some(last_modified) = date_buf.get_mut(..date.len()) else {
            return Lookup::Nothing;
        };
        last_modified.copy_from_slice(&date);
        Lookup::File(File {
            mime: verbosel_mime::mime_for_bytes(rel).as_bytes(),
            etag,
            last_modified: Some(last_modified),
            modified_unix: Some(st.mtime.sec.max(0) as u64),
            cache_control: CACHE_CONTROL,
            identity: region(fd, st),
            gzip: gzip.map(|(fd, gz)| region(fd, &gz)),
            gzip_unchecked: !gzip_wanted,
        })
    }
}

impl FileSource for Folder {
    fn lookup<'a>(&'a self, path: &[u8], text: &'a mut [u8]) -> Lookup<'a> {
        self.lookup_for(path, text, true)
    }

    fn lookup_for<'a>(&'a self, path: &[u8], text: &'a mut [u8], gzip_wanted: bool) -> Lookup<'a> {
        let rel = path.strip_prefix(b"/").unwrap_or(path);
        if is_hidden(rel) {
            return Lookup::Nothing;
        }
        if rel.is_empty() || rel.ends_with(b"/") {
            return match self.open_beneath(rel, b"index.html") {
                Some((fd, st)) if st.file_type() == FileType::Regular => {
                    with_c_path(rel, b"index.html", |index| {
                        self.file(index.to_bytes(), (fd, &st), text, gzip_wanted)
                    })
                    .unwrap_or(Lookup::Nothing)
                }
                _ if self.listing && self.is_folder(rel) => Lookup::Listing,
                _ => Lookup::Nothing,
            };
        }
        match self.open_beneath(rel, b"") {
            Some((fd, st)) => match st.file_type() {
                FileType::Regular => self.file(rel, (fd, &st), text, gzip_wanted),
                FileType::Directory => Lookup::Folder,
                _ => Lookup::Nothing,
            },
            None => Lookup::Nothing,
        }
    }

    fn not_found_page(&self) -> Option<Page<'_>> {
        let (fd, st) = self
            .open_beneath(b"404.html", b"")
            .filter(|(_, st)| st.file_type() == FileType::Regular)?;
        Some(Page {
            mime: b"text/html; charset=utf-8",
            body: region(fd, &st),
        })
    }

    fn listing(&self, path: &[u8], out: &mut [u8]) -> Option<usize> {
        let rel = path.strip_prefix(b"/").unwrap_or(path);
        let dir = self.open_folder(rel)?;
        let mut page = ListingPage::new(out);
        page.put(b"<!doctype html>\n<meta charset=\"utf-8\">\n<title>Index of ");
        page.escaped(path);
        page.put(b"</title>\n<h1>Index of ");
        page.escaped(path);
        page.put(b"</h1>\n<ul>\n");
        if !rel.is_empty() {
            page.put(b"<li><a href=\"../\">../</a></li>\n");
        }
        let mut buf = [0u8; 4096];
        let mut left_out = 0u64;
        loop {
            let n = match getdents64(dir.as_fd(), &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for entry in DirEntries::new(buf.get(..n).unwrap_or_default()) {
                if entry.name.first() == Some(&b'.') {
                    continue;
                }
                let Some(st) = stat_entry(dir.as_fd(), entry.name) else {
                    continue;
                };
                let is_dir = entry.kind == DT_DIR || st.file_type() == FileType::Directory;
                if !is_dir && st.file_type() != FileType::Regular {
                    continue;
                }
                if !page.entry(entry.name, is_dir, st.size) {
                    left_out += 1;
                }
            }
        }
        page.close(left_out)
    }
}

impl Folder {
    /// Whether `rel` (empty for DIR itself, or ending in `/`) is a folder beneath DIR.
    fn is_folder(&self, rel: &[u8]) -> bool {
        self.open_folder(rel).is_some()
    }

    /// Opens the folder `rel` beneath DIR for reading its entries.
    fn open_folder(&self, rel: &[u8]) -> Option<OwnedFd> {
        let how = OpenHow::new(
            OFlags::RDONLY
                .union(OFlags::DIRECTORY)
                .union(OFlags::CLOEXEC),
            Resolve::BENEATH.union(Resolve::NO_MAGICLINKS),
        );
        let suffix: &[u8] = if rel.is_empty() { b"." } else { b"" };
        with_c_path(rel, suffix, |c| fs::openat2(self.dir.as_fd(), c, &how))?.ok()
    }
}

/// What a folder entry is, without following a symbolic link (a link is left out of the
/// listing: where it leads is for openat2 to judge when it is requested).
fn stat_entry(dir: BorrowedFd<'_>, name: &[u8]) -> Option<Stat> {
    let mut buf = [0u8; 256 + 1];
    let c = c_path(name, b"", &mut buf)?;
    fs::stat_at(dir, c, AtFlags::SYMLINK_NOFOLLOW).ok()
}

/// Whether any segment of `rel` starts with a dot: dotfiles and dot-folders are not served.
pub(crate) fn is_hidden(rel: &[u8]) -> bool {
    rel.split(|&b| b == b'/')
        .any(|seg| seg.first() == Some(&b'.'))
}

fn region(fd: OwnedFd, st: &Stat) -> Body<'static> {
    Body::Region(Region {
        fd,
        offset: 0,
        len: st.size,
    })
}

/// The strong entity-tag of a file (and its `.gz` sibling): hex numbers inside quotes,
/// `"dev-ino-size-mtime"` and, with a sibling, `-ino-size-mtime` of it. At most 5 + 7 × 16
/// characters.
fn entity_tag<'t>(st: &Stat, gz: Option<&Stat>, out: &'t mut [u8]) -> Option<&'t [u8]> {
    let mut n = 0;
    let mut put = |part: &[u8]| -> Option<()> {
        out.get_mut(n..n + part.len())?.copy_from_slice(part);
        n += part.len();
        Some(())
    };
    let nanos = |s: &Stat| (s.mtime.sec as u64).wrapping_mul(1_000_000_000) + s.mtime.nsec as u64;
    let dev = (u64::from(st.dev_major) << 32) | u64::from(st.dev_minor);
    let mut digits = [0u8; HEX_DIGITS];
    put(b"\"")?;
    put(hex(dev, &mut digits))?;
    for v in [st.ino, st.size, nanos(st)] {
        put(b"-")?;
        put(hex(v, &mut digits))?;
    }
    if let Some(gz) = gz {
        for v in [gz.ino, gz.size, nanos(gz)] {
            put(b"-")?;
            put(hex(v, &mut digits))?;
        }
    }
    put(b"\"")?;
    out.get(..n)
}

/// A listing page written into a fixed buffer, entries while they fit; room for the closing
/// lines is kept aside.
struct ListingPage<'o> {
    out: &'o mut [u8],
    len: usize,
}

/// Room kept for the closing lines of a listing ("N more entries…", the end of the list).
const LISTING_TAIL: usize = 96;

impl<'o> ListingPage<'o> {
    fn new(out: &'o mut [u8]) -> ListingPage<'o> {
        ListingPage { out, len: 0 }
    }

    fn put(&mut self, bytes: &[u8]) -> bool {
        match self.out.get_mut(self.len..self.len + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
                true
            }
            None => false,
        }
    }

    /// Text with `&`, `<`, `>`, `"` and `'` escaped (HTML's five), so a file named
    /// `<script>.html` is shown, never run.
    fn escaped(&mut self, text: &[u8]) -> bool {
        text.iter().all(|&b| match b {
            b'&' => self.put(b"&amp;"),
            b'<' => self.put(b"&lt;"),
            b'>' => self.put(b"&gt;"),
            b'"' => self.put(b"&quot;"),
            b'\'' => self.put(b"&#39;"),
            _ => self.put(&[b]),
        })
    }

    /// One `<li>`: the name as a link (percent-encoded, then escaped for the attribute) and as
    /// text, and the size in bytes for a file. `false`, with nothing written, if it does not
    /// fit before the tail's room.
    fn entry(&mut self, name: &[u8], is_dir: bool, size: u64) -> bool {
        let start = self.len;
        let mut encoded = [0u8; 3 * 256];
        let fits = verbosel_http::encode_path(name, &mut encoded).is_some_and(|href| {
            let mut digits = [0u8; verbosel_digits::DECIMAL_DIGITS];
            self.put(b"<li><a href=\"./")
                && self.escaped(href)
                && self.put(if is_dir { b"/\">" } else { b"\">" })
                && self.escaped(name)
                && self.put(if is_dir { b"/</a>" } else { b"</a> " })
                && (is_dir || self.put(verbosel_digits::decimal(size, &mut digits)))
                && self.put(if is_dir { b"</li>\n" } else { b" bytes</li>\n" })
                && self.len + LISTING_TAIL <= self.out.len()
        });
        if !fits {
            self.len = start;
        }
        fits
    }

    /// Ends the page; its length.
    fn close(mut self, left_out: u64) -> Option<usize> {
        self.put(b"</ul>\n");
        if left_out > 0 {
            let mut digits = [0u8; verbosel_digits::DECIMAL_DIGITS];
            self.put(b"<p>");
            self.put(verbosel_digits::decimal(left_out, &mut digits));
            self.put(b" more entries not shown.</p>\n");
        }
        Some(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_hidden() {
        for hidden in [&b".env"[..], b".git/config", b"a/.b/c", b"a/.htaccess"] {
            assert!(is_hidden(hidden), "{}", String::from_utf8_lossy(hidden));
        }
        for shown in [&b""[..], b"a.b", b"a/b.c/", b"x/y"] {
            assert!(!is_hidden(shown), "{}", String::from_utf8_lossy(shown));
        }
    }

    #[test]
    fn a_listing_escapes_names_and_stops_before_overflowing() {
        let mut out = [0u8; 512];
        let mut page = ListingPage::new(&mut out);
        assert!(page.entry(b"<script>.html", false, 12));
        assert!(page.entry(b"a \"b\" & c", true, 0));
        let len = page.close(0).unwrap();
        let html = core::str::from_utf8(&out[..len]).unwrap();
        assert!(
            html.contains(
                "<li><a href=\"./%3Cscript%3E.html\">&lt;script&gt;.html</a> 12 bytes</li>"
            ),
            "{html}"
        );
        assert!(html.contains("&quot;b&quot; &amp; c/</a>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        // Past the buffer: entries are left out whole and counted.
        let mut small = [0u8; 200];
        let mut page = ListingPage::new(&mut small);
        let mut left = 0;
        for i in 0..10 {
            if !page.entry(format!("file-{i}").as_bytes(), false, 1) {
                left += 1;
            }
        }
        assert!(left > 0);
        let len = page.close(left).unwrap();
        let html = core::str::from_utf8(&small[..len]).unwrap();
        assert!(
            html.ends_with(&format!("<p>{left} more entries not shown.</p>\n")),
            "{html}"
        );
    }

    #[test]
    fn entity_tags_change_with_either_file() {
        let st = |ino, size, sec| {
            let mut s = fs::stat(BorrowedFd::STDERR).unwrap();
            s.ino = ino;
            s.size = size;
            s.mtime.sec = sec;
            s
        };
        let tag = |a: &Stat, gz: Option<&Stat>| {
            let mut out = [0u8; 128];
            String::from_utf8(entity_tag(a, gz, &mut out).unwrap().to_vec()).unwrap()
        };
        let a = st(1, 10, 100);
        let gz = st(2, 5, 100);
        let plain = tag(&a, None);
        assert!(plain.starts_with('"') && plain.ends_with('"'));
        assert_ne!(plain, tag(&st(1, 10, 101), None));
        assert_ne!(plain, tag(&st(1, 11, 100), None));
        assert_ne!(plain, tag(&a, Some(&gz)));
        assert_ne!(tag(&a, Some(&gz)), tag(&a, Some(&st(2, 6, 100))));
        let worst = st(u64::MAX, u64::MAX, i64::MAX);
        assert!(tag(&worst, Some(&worst)).len() <= 5 + 7 * 16);
    }
}

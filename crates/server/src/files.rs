//! Serving files: the one interface every source of files implements ([`FileSource`]), and the
//! HTTP around it (GET and HEAD, validators, ranges, gzip, the folder redirect, the 404 page).
//!
//! A request that no route takes goes down the sources in order; the first that knows the path
//! answers. The list is built once at start-up, before any fork, and the connection knows none of
//! the sources by name: it asks the [`FileSources`] to serve it. A folder given at run time
//! (`--root`, the `folder` module, with the `site` feature) comes first, the compiled-in assets
//! (`verbosel-assets`, the `embedded` module) after it; a ZIP archive appended to the
//! executable implements the same trait.
//!
//! What a source decides, and what this module decides for all of them:
//!
//! | the source | this module |
//! |---|---|
//! | what a normalised path names: a file, a folder without its slash, nothing | percent-decoding and dot-segment removal before any lookup (traversal never reaches a source) |
//! | a file's MIME type, validators, cache policy and bodies (identity, and gzip if it has one) | preconditions (304, 412), `Range` (206, 416), `Accept-Encoding`, the headers |
//! | its 404 page | the 308 to the folder's URL, `405` for other methods, the plain 404 |

pub(crate) mod archive;
mod embedded;
#[cfg(feature = "site")]
mod folder;

#[cfg(feature = "site")]
pub use folder::{Folder, MAX_LISTING, MAX_PATH};

/// Bytes a listing page may take (`folder::MAX_LISTING` where the folder source is built).
#[cfg(not(feature = "site"))]
const MAX_LISTING: usize = 0;

use crate::log;
use crate::writer::{self, EMPTY, Length, ResponseWriter};
use verbosel_assets::{Conditions, ContentRange, Entity, MAX_ETAG_LEN, evaluate, gzip_etag};
use verbosel_http::{Method, RequestHead};
use verbosel_router::MethodSet;
use verbosel_sys::OwnedFd;

/// Sources one server can look in (compiled-in assets, a folder, an appended archive, one spare).
pub const MAX_SOURCES: usize = 4;

/// Pieces one in-memory body may have: a deflated ZIP entry sent to a gzip client is three
/// (a 10-byte gzip header, the raw DEFLATE stream from the mapping, an 8-byte trailer).
pub const MAX_FILE_PARTS: usize = 3;

/// Room a source gets per lookup for text it formats then (an ETag from inode, size and
/// mtime; a Last-Modified date): a strong ETag of three 16-digit hex numbers, an IMF-fixdate,
/// and room to spare.
pub const LOOKUP_TEXT_CAPACITY: usize = 256;

/// Room for the header lines of a file response: validators, cache policy, coding, range. A
/// source whose lines do not fit gets a logged 500, never a response without them.
pub const FILE_HEADERS_CAPACITY: usize = 512;

/// Longest `Location` the folder redirect builds; a longer one is a 414.
pub const MAX_REDIRECT: usize = 512;

/// A source of files: something that knows which files a URL path names.
///
/// # For implementers
///
/// - `lookup` gets a path that is already percent-decoded and normalised (it starts with `/`,
///   has no `.`, `..` or empty segment, no NUL, control byte or backslash), without the query.
///   A path ending in `/` names a folder: answer its index file, or [`Lookup::Nothing`]. A path
///   naming a folder without the trailing slash is [`Lookup::Folder`]: the server redirects
///   (308) to the path with the slash, so that relative links in the folder's page resolve.
/// - Everything in a [`File`] borrows from the source or from `text`, a scratch buffer of
///   [`LOOKUP_TEXT_CAPACITY`] bytes for what the source formats per request (an ETag, a date).
///   A body is bytes in memory ([`Body::Bytes`], up to [`MAX_FILE_PARTS`] pieces, written with
///   the head in one `writev`) or a region of a file the source opened for this request
///   ([`Body::Region`], sent with sendfile(2), closed when the response is done).
/// - `etag` must be a strong entity-tag with its quotes (RFC 9110 §8.8.3) that changes whenever
///   the identity bytes do; `gzip`, when present, must be the same content gzip-coded
///   (RFC 1952), or a client that asked for gzip gets other bytes than one that did not. The
///   gzip body is sent under its own tag, derived by the server ([`verbosel_assets::gzip_etag`]:
///   `"tag"` becomes `"tag-gzip"`), so `etag` must also change whenever the gzip bytes do.
/// - Lookups run in connection processes, after the sandbox is on: open, map or stat what is
///   needed before the first fork (the list is built at start-up), and widen the sandbox only for
///   the calls a lookup makes per request. Never panic: a source that cannot answer says
///   [`Lookup::Nothing`] (the next source or the 404 follows).
pub trait FileSource: Sync {
    /// What `path` names in this source.
    fn lookup<'a>(&'a self, path: &[u8], text: &'a mut [u8]) -> Lookup<'a>;

    /// As [`FileSource::lookup`], for a client that may take a gzip-coded body
    /// (`gzip_wanted`: it sent Accept-Encoding) or may not. A source for which finding the
    /// gzip-coded body costs something (a folder's `.gz` sibling is one more openat2 per request)
    /// may skip it when it is not wanted, and then sets [`File::gzip_unchecked`]. Sources whose
    /// gzip bodies are at hand keep this default.
    fn lookup_for<'a>(&'a self, path: &[u8], text: &'a mut [u8], gzip_wanted: bool) -> Lookup<'a> {
        let _ = gzip_wanted;
        self.lookup(path, text)
    }

    /// The page this source sends with a 404 (a site's `404.html`), if it has one. The first
    /// source in the list that has one provides it.
    fn not_found_page(&self) -> Option<Page<'_>>;

    /// Writes the HTML listing of the folder `path` (ending in `/`) into `out` and returns its
    /// length, for a source whose `lookup` answered [`Lookup::Listing`]; `None` if it cannot
    /// (then the server answers 404). Names must be escaped: the page is the server's, the names
    /// are anyone's. Sources that never list keep this default.
    fn listing(&self, _path: &[u8], _out: &mut [u8]) -> Option<usize> {
        None
    }

    /// For `--list`: calls `f` with each file's URL path (in pieces, concatenated) and size.
    /// A source that cannot enumerate its files (or does not want to) lists nothing.
    fn each_file(&self, f: &mut dyn FnMut(&[&[u8]], u64)) {
        let _ = f;
    }

    /// For `--list`: what this source is, in a few words (`compiled in`, `appended archive`).
    fn label(&self) -> &'static str {
        "files"
    }
}

/// What a [`FileSource`] found for a path. Made once per request on the stack and matched at
/// once (there is no heap to box a `File` into), so the size of the largest variant is no concern.
#[allow(clippy::large_enum_variant)]
pub enum Lookup<'a> {
    /// A file (or a folder's index file).
    File(File<'a>),
    /// A folder, named without its trailing slash: the server redirects (308) to the normalised
    /// path plus `/`, built by the server for every source, so no source can make an open
    /// redirect.
    Folder,
    /// A folder without an index file, which this source lists (`--listing`): the server asks
    /// [`FileSource::listing`] for the page.
    Listing,
    /// Not here.
    Nothing,
}

/// One file, with everything needed to answer a GET or HEAD for it.
pub struct File<'a> {
    /// Content-Type value, e.g. `text/html; charset=utf-8`.
    pub mime: &'a [u8],
    /// Strong entity-tag including its quotes.
    pub etag: &'a [u8],
    /// Last-Modified as an IMF-fixdate (RFC 9110 §5.6.7), if known.
    pub last_modified: Option<&'a [u8]>,
    /// The same instant in seconds since the Unix epoch, for If-Modified-Since and friends.
    pub modified_unix: Option<u64>,
    /// Cache-Control value.
    pub cache_control: &'a [u8],
    /// The file's bytes.
    pub identity: Body<'a>,
    /// The same bytes gzip-coded, if the source has them.
    pub gzip: Option<Body<'a>>,
    /// The source did not look for a gzip-coded body, since the client cannot take one
    /// ([`FileSource::lookup_for`]): the identity answer still says `Vary: Accept-Encoding`,
    /// as another client's answer might have been gzip-coded (RFC 9110 §12.5.5).
    pub gzip_unchecked: bool,
}

/// A page sent with an error status: only its type and bytes.
pub struct Page<'a> {
    /// Content-Type value.
    pub mime: &'a [u8],
    /// The page.
    pub body: Body<'a>,
}

/// A body a source provides.
pub enum Body<'a> {
    /// Bytes in memory (compiled in, or mapped), in up to [`MAX_FILE_PARTS`] pieces.
    Bytes(Bytes<'a>),
    /// A region of a file opened for this request, sent with sendfile(2). Neither opening
    /// files nor sendfile is in the connection processes' default allow-list: a source that
    /// returns regions adds what it calls (openat2, fstat, sendfile, close) to the sandbox.
    Region(Region),
}

/// Bytes in memory in up to [`MAX_FILE_PARTS`] pieces, sent in order.
#[derive(Clone, Copy)]
pub struct Bytes<'a> {
    parts: [&'a [u8]; MAX_FILE_PARTS],
    count: usize,
}

impl<'a> Bytes<'a> {
    /// One piece.
    pub const fn one(bytes: &'a [u8]) -> Bytes<'a> {
        Bytes {
            parts: [bytes, &[], &[]],
            count: 1,
        }
    }

    /// Several pieces; `None` for more than [`MAX_FILE_PARTS`].
    pub fn new(pieces: &[&'a [u8]]) -> Option<Bytes<'a>> {
        let mut b = Bytes {
            parts: [&[]; MAX_FILE_PARTS],
            count: 0,
        };
        for piece in pieces {
            *b.parts.get_mut(b.count)? = piece;
            b.count += 1;
        }
        Some(b)
    }

    /// The pieces.
    pub fn parts(&self) -> &[&'a [u8]] {
        self.parts.get(..self.count).unwrap_or_default()
    }

    /// The length of them all.
    pub fn len(&self) -> u64 {
        self.parts().iter().map(|p| p.len() as u64).sum()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes `start..=end` of the concatenation (a byte range).
    fn range(&self, start: u64, end: u64) -> Option<Bytes<'a>> {
        let mut out = Bytes {
            parts: [&[]; MAX_FILE_PARTS],
            count: 0,
        };
        let mut at = 0u64;
        for part in self.parts() {
            let (from, to) = (start.max(at), (end + 1).min(at + part.len() as u64));
            if from < to {
                let piece = part.get((from - at) as usize..(to - at) as usize)?;
                *out.parts.get_mut(out.count)? = piece;
                out.count += 1;
            }
            at += part.len() as u64;
        }
        (end < at && start <= end).then_some(out)
    }
}

/// `len` bytes from `offset` of an open file, owned for the response and closed after it.
pub struct Region {
    /// The open file.
    pub fd: OwnedFd,
    /// Where the bytes start.
    pub offset: u64,
    /// How many.
    pub len: u64,
}

impl Body<'_> {
    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len(),
            Body::Region(r) => r.len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sends this body (or bytes `start..=end` of it) as the response's, after a head with
    /// `status`, `ctype` and `lines`. A range outside the body sends nothing.
    fn send(
        &self,
        w: &mut ResponseWriter<'_>,
        (status, ctype, lines): (u16, &[u8], &[u8]),
        range: Option<(u64, u64)>,
    ) {
        match self {
            Body::Bytes(b) => {
                let b = match range {
                    Some((start, end)) => b.range(start, end).unwrap_or(Bytes::one(&[])),
                    None => *b,
                };
                w.write(
                    status,
                    Some(ctype),
                    Length::Fixed(b.len()),
                    lines,
                    b.parts(),
                )
            }
            Body::Region(r) => {
                let (offset, len) = match range {
                    Some((start, end)) if start <= end && end < r.len => {
                        (r.offset + start, end - start + 1)
                    }
                    Some(_) => (r.offset, 0),
                    None => (r.offset, r.len),
                };
                w.write_file_region(status, Some(ctype), lines, (r.fd.as_fd(), offset, len))
            }
        }
    }
}

/// The HTTP part of serving files, as a function: reached through this pointer, so an app that
/// serves no files does not carry its code.
pub(crate) type ServeFiles =
    fn(&FileSources<'_>, &RequestHead<'_, '_>, &mut ResponseWriter<'_>, &mut [u8]);

/// [`FileSources::set_fallback`] for a path no source has a file at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSuchFile;

/// [`FileSources::push`] past [`MAX_SOURCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManySources;

/// The sources a server looks in, in order, built once at start-up (before any fork).
pub struct FileSources<'s> {
    sources: [Option<&'s dyn FileSource>; MAX_SOURCES],
    serve: ServeFiles,
    /// The path a GET for a missing path gets when the client accepts HTML (`--fallback`).
    fallback: Option<&'s [u8]>,
}

impl<'s> FileSources<'s> {
    /// No sources yet; `serve` is [`serve`], passed in so that only apps with files link it.
    pub(crate) fn new(serve: ServeFiles) -> FileSources<'s> {
        FileSources {
            sources: [None; MAX_SOURCES],
            serve,
            fallback: None,
        }
    }

    /// Sets the page a GET for a missing path gets, with 200, when the client accepts
    /// text/html (a single-page app's `/index.html`). `Err(NoSuchFile)` unless one of the
    /// sources has a file there now: checked at start-up, so a typo is an error then and not a
    /// 404 later.
    pub fn set_fallback(&mut self, path: &'s [u8]) -> Result<(), NoSuchFile> {
        let mut text = [0u8; LOOKUP_TEXT_CAPACITY];
        let found = self
            .iter()
            .any(|s| matches!(s.lookup(path, &mut text), Lookup::File(_)));
        if !found {
            return Err(NoSuchFile);
        }
        self.fallback = Some(path);
        Ok(())
    }

    /// Adds a source after those already there; `Err(TooManySources)` when [`MAX_SOURCES`] are.
    pub fn push(&mut self, source: &'s dyn FileSource) -> Result<(), TooManySources> {
        let slot = self
            .sources
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(TooManySources)?;
        *slot = Some(source);
        Ok(())
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'s dyn FileSource> + '_ {
        self.sources.iter().map_while(|s| *s)
    }

    /// Answers a request no route took: from the first source that has the path, or 404.
    pub(crate) fn serve(
        &self,
        head: &RequestHead<'_, '_>,
        w: &mut ResponseWriter<'_>,
        scratch: &mut [u8],
    ) {
        (self.serve)(self, head, w, scratch)
    }
}

/// Serves a request from the sources: normalise the path, look it up in each source, answer.
#[inline(never)]
pub(crate) fn serve(
    files: &FileSources<'_>,
    head: &RequestHead<'_, '_>,
    w: &mut ResponseWriter<'_>,
    scratch: &mut [u8],
) {
    let raw_path = head.target.path().unwrap_or(b"/");
    // The scratch space (connection::SCRATCH) always has room for both.
    let Some((text, scratch)) = scratch.split_at_mut_checked(LOOKUP_TEXT_CAPACITY) else {
        return writer::error(w, 500, "no scratch space", b"");
    };
    // Room for the path (never longer normalised) and, after it, for list fields sent on
    // several lines and joined.
    let Some((path_buf, lists)) = scratch.split_at_mut_checked(raw_path.len()) else {
        return writer::error(w, 414, "path too long", b"");
    };
    // Percent-decoding and dot-segment removal into scratch space; anything that climbs above
    // the root is refused here and never looked up.
    let path = match verbosel_http::normalize(raw_path, path_buf) {
        Ok(p) => p,
        Err(e) => return writer::error(w, e.status(), e.reason(), b""),
    };
    // Without Accept-Encoding a client gets identity whatever a source has (see
    // verbosel_assets::evaluate), so a source need not look for gzip bodies.
    let gzip_wanted = head.header(b"accept-encoding").is_some();
    for source in files.iter() {
        // Matched by reference: a `File` is a few hundred bytes, and moving it out is a copy.
        match &source.lookup_for(path, text, gzip_wanted) {
            Lookup::File(file) => return answer_file(file, head, w, lists),
            Lookup::Folder => return redirect_to_folder(path, head.target.query(), w),
            Lookup::Listing => return listing(source, path, head, w),
            Lookup::Nothing => {}
        }
    }
    if let Some(fallback) = files.fallback.filter(|_| wants_html(head)) {
        for source in files.iter() {
            if let Lookup::File(file) = &source.lookup(fallback, text) {
                return answer_file(file, head, w, lists);
            }
        }
    }
    not_found(files, w)
}

/// Whether a request may get the `--fallback` page: a GET or HEAD whose Accept names
/// text/html, as a browser's navigation does. A script's fetch (`*/*`, `application/json`)
/// gets the 404 that tells it the truth.
fn wants_html(head: &RequestHead<'_, '_>) -> bool {
    matches!(head.method, Method::Get | Method::Head)
        && head.header(b"accept").is_some_and(|accept| {
            accept
                .windows(9)
                .any(|w| w.eq_ignore_ascii_case(b"text/html"))
        })
}

/// A folder's listing (`--listing`), written on the stack: only requests for a listing touch
/// those pages. Never cached, as the folder may change at any moment.
#[inline(never)]
fn listing(
    source: &dyn FileSource,
    path: &[u8],
    head: &RequestHead<'_, '_>,
    w: &mut ResponseWriter<'_>,
) {
    if !matches!(head.method, Method::Get | Method::Head) {
        return refuse_method(head, w);
    }
    let mut page = [0u8; MAX_LISTING];
    match source.listing(path, &mut page) {
        Some(len) => {
            let body = page.get(..len).unwrap_or_default();
            w.write(
                200,
                Some(b"text/html; charset=utf-8"),
                Length::Fixed(body.len() as u64),
                b"Cache-Control: no-cache\r\n",
                &[body],
            )
        }
        None => crate::answers::not_found(w),
    }
}

/// Longest URL path `--list` checks against earlier sources; a longer one is listed unchecked.
const LIST_PATH_CAPACITY: usize = 1024;

/// `--list`: one line per file, `PATH<TAB>BYTES<TAB>SOURCE`, in lookup order; a file an earlier
/// source also has is marked as hidden, since that source answers for it.
pub(crate) fn list(files: &FileSources<'_>, out: verbosel_sys::BorrowedFd<'_>) {
    let mut text = [0u8; LOOKUP_TEXT_CAPACITY];
    for (i, source) in files.iter().enumerate() {
        source.each_file(&mut |pieces, size| {
            let mut path = [0u8; LIST_PATH_CAPACITY];
            let mut len = 0;
            for p in pieces {
                if let Some(dst) = path.get_mut(len..len + p.len()) {
                    dst.copy_from_slice(p);
                }
                len += p.len();
            }
            let path = path.get(..len);
            let hidden = path.is_some_and(|path| {
                files
                    .iter()
                    .take(i)
                    .any(|earlier| matches!(earlier.lookup(path, &mut text), Lookup::File(_)))
            });
            let mut l = log::Line::new();
            for p in pieces {
                l.put_escaped(p);
            }
            l.put(b"\t")
                .num(size)
                .put(b"\t")
                .put(source.label().as_bytes());
            if hidden {
                l.put(b" (hidden: an earlier source has it)");
            }
            let _ = verbosel_sys::io::write_all(out, l.bytes());
        });
    }
}

/// The 404, with the first source's own page if one has it.
#[inline(never)]
pub(crate) fn not_found(files: &FileSources<'_>, w: &mut ResponseWriter<'_>) {
    match files.iter().find_map(|s| s.not_found_page()) {
        Some(page) => page
            .body
            .send(w, (404, page.mime, b"Cache-Control: no-cache\r\n"), None),
        None => crate::answers::not_found(w),
    }
}

/// A folder named without its trailing slash: 308 (it keeps the method, RFC 9110 §15.4.9) to
/// the same path with the slash. The Location is the normalised path, encoded again: never the
/// raw one, whose `//evil.example/..` a browser would read as another host (RFC 3986 §4.2).
fn redirect_to_folder(path: &[u8], query: Option<&[u8]>, w: &mut ResponseWriter<'_>) {
    let mut encoded = [0u8; MAX_REDIRECT];
    let Some(path) = verbosel_http::encode_path(path, &mut encoded) else {
        return writer::error(w, 414, "path too long to redirect", b"");
    };
    let mut loc = Lines::<MAX_REDIRECT>::new();
    loc.put(&[b"Location: ", path, b"/"]);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        loc.put(&[b"?", q]);
    }
    loc.put(&[b"\r\n"]);
    let Some(lines) = loc.lines() else {
        return writer::error(w, 414, "path too long to redirect", b"");
    };
    let body = b"moved: add a trailing slash\n";
    w.write(
        308,
        Some(b"text/plain; charset=utf-8"),
        Length::Fixed(body.len() as u64),
        lines,
        &[body],
    );
}

/// What a file or a listing answers to any method but GET and HEAD: 405 with `Allow`, or 204
/// with `Allow` for OPTIONS (RFC 9110 §9.3.7).
fn refuse_method(head: &RequestHead<'_, '_>, w: &mut ResponseWriter<'_>) {
    let mut set = MethodSet::default();
    set.insert(Method::Get);
    set.insert(Method::Options);
    let status = if head.method == Method::Options {
        204
    } else {
        405
    };
    crate::answers::allow(w, status, set)
}

/// The request's conditional, range and encoding fields. The list fields are read across all
/// their lines (RFC 9110 §5.3), joined in `lists`; `None` if one does not fit.
fn conditions<'o>(head: &'o RequestHead<'_, '_>, lists: &'o mut [u8]) -> Option<Conditions<'o>> {
    let (if_match, lists) = lists.split_at_mut(lists.len() / 3);
    let (if_none_match, accept_encoding) = lists.split_at_mut(lists.len() / 2);
    Some(Conditions {
        if_match: head.list(b"if-match", if_match).ok()?,
        if_none_match: head.list(b"if-none-match", if_none_match).ok()?,
        if_modified_since: head.header(b"if-modified-since"),
        if_unmodified_since: head.header(b"if-unmodified-since"),
        // RFC 9110 §14.2: Range is defined for GET only.
        range: head.header(b"range").filter(|_| head.method == Method::Get),
        if_range: head.header(b"if-range"),
        accept_encoding: head.list(b"accept-encoding", accept_encoding).ok()?,
    })
}

/// Answers GET or HEAD for a file; other methods get 405 (204 for OPTIONS) with `Allow`.
fn answer_file(
    file: &File<'_>,
    head: &RequestHead<'_, '_>,
    w: &mut ResponseWriter<'_>,
    lists: &mut [u8],
) {
    if !matches!(head.method, Method::Get | Method::Head) {
        return refuse_method(head, w);
    }
    let Some(c) = conditions(head, lists) else {
        return writer::error(w, 431, "a list field's lines are too long to combine", b"");
    };
    let entity = Entity {
        etag: file.etag,
        modified_unix: file.modified_unix,
        len: file.identity.len(),
        has_gzip: file.gzip.is_some(),
    };
    let d = evaluate(&entity, &c);
    // Each representation has its own tag: the gzip-coded one's is derived from the identity's.
    let mut gzip_tag = [0u8; MAX_ETAG_LEN];
    let etag = match d.gzip_etag {
        true => gzip_etag(file.etag, &mut gzip_tag).unwrap_or_default(),
        false => file.etag,
    };
    let mut lines = Lines::<FILE_HEADERS_CAPACITY>::new();
    // As few pieces as the lines allow: each is one copy.
    lines.put(&[b"ETag: ", etag]);
    // A 304 carries only what RFC 9110 §15.4.5 lists (ETag, Cache-Control, Vary; the writer adds
    // Date): no Last-Modified beside an ETag, no Accept-Ranges, Content-Type or Content-Length.
    let full = d.status != 304;
    if let Some(date) = file.last_modified.filter(|_| full) {
        lines.put(&[b"\r\nLast-Modified: ", date]);
    }
    lines.put(&[b"\r\nCache-Control: ", file.cache_control, b"\r\n"]);
    if full {
        lines.put(&[b"Accept-Ranges: bytes\r\n"]);
    }
    if d.vary_accept_encoding || file.gzip_unchecked {
        lines.put(&[b"Vary: Accept-Encoding\r\n"]);
    }
    if d.gzip {
        lines.put(&[b"Content-Encoding: gzip\r\n"]);
    }
    let mut cr = [0u8; ContentRange::MAX_LEN];
    if let Some(len) = d.content_range.encode(&mut cr) {
        lines.put(&[
            b"Content-Range: ",
            cr.get(..len).unwrap_or_default(),
            b"\r\n",
        ]);
    }
    let body = match (d.status, &file.gzip) {
        (200, Some(gz)) if d.gzip => Some(gz),
        (200 | 206, _) => Some(&file.identity),
        _ => None,
    };
    let Some(lines) = lines.lines() else {
        log::error(&[b"a file's header lines exceed FILE_HEADERS_CAPACITY"]);
        return writer::error(w, 500, "file headers too long", b"");
    };
    let ctype: Option<&[u8]> = match d.status {
        304 => None,
        416 => Some(b"text/plain; charset=utf-8"),
        _ => Some(file.mime),
    };
    match (body, ctype) {
        (Some(b), Some(ctype)) => b.send(w, (d.status, ctype, lines), d.range),
        _ => w.write(d.status, ctype, Length::Fixed(0), lines, EMPTY),
    }
}

/// Header lines built in a fixed buffer; once anything does not fit, [`Lines::lines`] is `None`
/// (a response never goes out with lines missing).
struct Lines<const N: usize> {
    buf: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Lines<N> {
    fn new() -> Self {
        Lines {
            buf: [0; N],
            len: 0,
            overflow: false,
        }
    }

    fn put(&mut self, parts: &[&[u8]]) {
        for p in parts {
            match self.buf.get_mut(self.len..self.len + p.len()) {
                Some(dst) => {
                    dst.copy_from_slice(p);
                    self.len += p.len();
                }
                None => self.overflow = true,
            }
        }
    }

    fn lines(&self) -> Option<&[u8]> {
        if self.overflow {
            None
        } else {
            self.buf.get(..self.len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verbosel_http::{Header, ParseLimits, Parsed, parse_request};
    use verbosel_sys::io::{O_CLOEXEC, pipe2, read};

    /// A source with one file, `/f`, whose bytes come in three pieces (as a ZIP entry to a gzip
    /// client would) or from a file on disk, and whose Cache-Control is as long as asked.
    struct Fake {
        cache_control: Vec<u8>,
        disk: Option<std::path::PathBuf>,
    }

    impl FileSource for Fake {
        fn lookup<'a>(&'a self, path: &[u8], text: &'a mut [u8]) -> Lookup<'a> {
            match path {
                b"/dir" => return Lookup::Folder,
                p if p.len() > 500 => return Lookup::Folder,
                b"/f" => {}
                _ => return Lookup::Nothing,
            }
            let etag = b"\"formatted-per-request\"";
            text[..etag.len()].copy_from_slice(etag);
            let identity = match &self.disk {
                Some(p) => {
                    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
                    let fd =
                        verbosel_sys::fs::open(&c, verbosel_sys::fs::O_RDONLY_CLOEXEC).unwrap();
                    Body::Region(Region {
                        fd,
                        offset: 2,
                        len: 10,
                    })
                }
                None => Body::Bytes(Bytes::new(&[b"0123", b"4567", b"89"]).unwrap()),
            };
            Lookup::File(File {
                mime: b"text/plain",
                etag: &text[..etag.len()],
                last_modified: None,
                modified_unix: None,
                cache_control: &self.cache_control,
                identity,
                gzip: Some(Body::Bytes(Bytes::one(b"gz"))),
                gzip_unchecked: false,
            })
        }

        fn not_found_page(&self) -> Option<Page<'_>> {
            None
        }
    }

    /// Serves `request` from `source`; returns what went to the client.
    fn exchange(source: &Fake, request: &str) -> String {
        let mut headers = [Header::EMPTY; 8];
        let Ok(Parsed::Complete((head, _))) =
            parse_request(request.as_bytes(), &mut headers, &ParseLimits::DEFAULT)
        else {
            panic!("{request:?}");
        };
        let (r, w) = pipe2(O_CLOEXEC).unwrap();
        let exchange = crate::writer::Exchange {
            head_only: head.method == Method::Head,
            keep_alive: true,
            http10: false,
        };
        let date = *b"Thu, 01 Jan 1970 00:00:00 GMT";
        let mut writer = ResponseWriter::new(w.as_fd(), date, (b"", &[]), 1000, exchange);
        let mut files = FileSources::new(serve);
        files.push(source).unwrap();
        let mut scratch = [0u8; 1024];
        files.serve(&head, &mut writer, &mut scratch);
        drop(w);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = read(r.as_fd(), &mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    fn fake(cache_control: usize) -> Fake {
        Fake {
            cache_control: vec![b'x'; cache_control],
            disk: None,
        }
    }

    #[test]
    fn a_body_in_pieces_is_sent_whole_and_ranged_across_them() {
        let whole = exchange(&fake(8), "GET /f HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(whole.starts_with("HTTP/1.1 200 OK\r\n"), "{whole}");
        assert!(
            whole.contains("\r\nETag: \"formatted-per-request\"\r\n"),
            "{whole}"
        );
        assert!(whole.ends_with("\r\n\r\n0123456789"), "{whole}");
        let part = exchange(
            &fake(8),
            "GET /f HTTP/1.1\r\nHost: h\r\nRange: bytes=3-8\r\n\r\n",
        );
        assert!(part.starts_with("HTTP/1.1 206 "), "{part}");
        assert!(part.contains("Content-Range: bytes 3-8/10\r\n"), "{part}");
        assert!(part.ends_with("\r\n\r\n345678"), "{part}");
        let head = exchange(&fake(8), "HEAD /f HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(head.contains("Content-Length: 10\r\n") && head.ends_with("\r\n\r\n"));
    }

    #[test]
    fn list_fields_are_read_across_their_lines_each() {
        let tag = "\"formatted-per-request\"";
        // (field lines, status, gzip-coded)
        let cases: &[(String, &str, bool)] = &[
            (
                format!("If-Match: \"a\"\r\nIf-Match: {tag}\r\n"),
                "200",
                false,
            ),
            (
                "If-Match: \"a\"\r\nIf-Match: \"b\"\r\n".into(),
                "412",
                false,
            ),
            (
                format!("If-None-Match: \"a\"\r\nIf-None-Match: {tag}\r\n"),
                "304",
                false,
            ),
            (
                "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n".into(),
                "200",
                false,
            ),
            (
                "Accept-Encoding: br\r\nAccept-Encoding: gzip\r\n".into(),
                "200",
                true,
            ),
            (
                "Accept-Encoding: gzip;q=0\r\nAccept-Encoding: br\r\n".into(),
                "200",
                false,
            ),
        ];
        for (fields, status, gzip) in cases {
            let out = exchange(
                &fake(8),
                &format!("GET /f HTTP/1.1\r\nHost: h\r\n{fields}\r\n"),
            );
            assert!(
                out.starts_with(&format!("HTTP/1.1 {status} ")),
                "{fields:?}: {out}"
            );
            assert_eq!(
                out.contains("Content-Encoding: gzip"),
                *gzip,
                "{fields:?}: {out}"
            );
        }
    }

    #[test]
    fn a_region_of_an_open_file_is_sent_with_sendfile() {
        let path = std::env::temp_dir().join(format!("verbosel-region-{}", std::process::id()));
        std::fs::write(&path, b"..0123456789..").unwrap();
        let source = Fake {
            cache_control: b"no-cache".to_vec(),
            disk: Some(path.clone()),
        };
        let whole = exchange(&source, "GET /f HTTP/1.1\r\nHost: h\r\n\r\n");
        let part = exchange(
            &source,
            "GET /f HTTP/1.1\r\nHost: h\r\nRange: bytes=-4\r\n\r\n",
        );
        let _ = std::fs::remove_file(&path);
        assert!(whole.contains("Content-Length: 10\r\n"), "{whole}");
        assert!(whole.ends_with("\r\n\r\n0123456789"), "{whole}");
        assert!(part.contains("Content-Range: bytes 6-9/10\r\n"), "{part}");
        assert!(part.ends_with("\r\n\r\n6789"), "{part}");
    }

    #[test]
    fn header_lines_that_do_not_fit_are_a_500_never_dropped() {
        let fits = exchange(
            &fake(FILE_HEADERS_CAPACITY - 200),
            "GET /f HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        assert!(fits.starts_with("HTTP/1.1 200 "), "{fits}");
        let over = exchange(
            &fake(FILE_HEADERS_CAPACITY),
            "GET /f HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        assert!(over.starts_with("HTTP/1.1 500 "), "{over}");
        assert!(!over.contains("xxxx"), "{over}");
    }

    #[test]
    fn limits_are_refused_not_stretched() {
        // Past MAX_SOURCES, and past MAX_FILE_PARTS pieces.
        let source = fake(8);
        let mut files = FileSources::new(serve);
        for _ in 0..MAX_SOURCES {
            assert_eq!(files.push(&source), Ok(()));
        }
        assert_eq!(files.push(&source), Err(TooManySources));
        assert!(Bytes::new(&[b"a", b"b", b"c"]).is_some());
        assert!(Bytes::new(&[b"a", b"b", b"c", b"d"]).is_none());
        // A redirect whose Location would pass MAX_REDIRECT is a 414, never a cut Location.
        let long = format!(
            "GET /{} HTTP/1.1\r\nHost: h\r\n\r\n",
            "d".repeat(MAX_REDIRECT)
        );
        let answer = exchange(&source, &long);
        assert!(answer.starts_with("HTTP/1.1 414 "), "{answer}");
    }

    #[test]
    fn a_folder_is_redirected_and_nothing_is_a_404() {
        let folder = exchange(&fake(8), "GET /dir?a=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(folder.starts_with("HTTP/1.1 308 "), "{folder}");
        assert!(folder.contains("\r\nLocation: /dir/?a=1\r\n"), "{folder}");
        let none = exchange(&fake(8), "GET /nothing HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(none.starts_with("HTTP/1.1 404 "), "{none}");
        let other = exchange(&fake(8), "DELETE /f HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(other.starts_with("HTTP/1.1 405 ") && other.contains("Allow: GET, HEAD, OPTIONS"));
    }

    #[test]
    fn each_representation_has_its_own_etag_and_a_304_carries_only_its_fields() {
        let identity = exchange(&fake(8), "GET /f HTTP/1.1\r\nHost: h\r\n\r\n");
        assert!(identity.contains("\r\nETag: \"formatted-per-request\"\r\n"));
        let gzip = exchange(
            &fake(8),
            "GET /f HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n",
        );
        assert!(gzip.contains("\r\nContent-Encoding: gzip\r\n"), "{gzip}");
        assert!(
            gzip.contains("\r\nETag: \"formatted-per-request-gzip\"\r\n"),
            "{gzip}"
        );
        // Each tag validates its own representation only.
        let cases = [
            ("", "\"formatted-per-request\"", "304"),
            (
                "Accept-Encoding: gzip\r\n",
                "\"formatted-per-request-gzip\"",
                "304",
            ),
            (
                "Accept-Encoding: gzip\r\n",
                "\"formatted-per-request\"",
                "200",
            ),
            ("", "\"formatted-per-request-gzip\"", "200"),
        ];
        for (ae, tag, status) in cases {
            let out = exchange(
                &fake(8),
                &format!("GET /f HTTP/1.1\r\nHost: h\r\n{ae}If-None-Match: {tag}\r\n\r\n"),
            );
            assert!(
                out.starts_with(&format!("HTTP/1.1 {status} ")),
                "{ae}{tag}: {out}"
            );
            if status == "304" {
                assert!(out.contains(&format!("\r\nETag: {tag}\r\n")), "{out}");
                // RFC 9110 §15.4.5: Date, ETag, Cache-Control, Vary; no body and no other
                // representation metadata.
                let names: Vec<&str> = out
                    .trim_end()
                    .lines()
                    .skip(1)
                    .map(|l| l.split(':').next().unwrap())
                    .collect();
                assert_eq!(
                    names,
                    [
                        "Date",
                        "Server",
                        "X-Powered-By",
                        "ETag",
                        "Cache-Control",
                        "Vary"
                    ],
                    "{out}"
                );
                assert!(out.ends_with("\r\n\r\n"), "{out}");
            }
        }
    }
}

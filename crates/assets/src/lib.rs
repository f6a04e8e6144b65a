//! Serving embedded static files: the runtime half of verbosel's asset support.
//!
//! A build script (crate `verbosel-build`) turns a folder into a sorted, `'static` table of
//! [`Asset`]s with precomputed validators and gzip variants. At run time the server calls two pure
//! functions and writes what they say:
//!
//! 1. [`Assets::lookup`] maps a normalised request path to an asset, a redirect to the folder
//!    form of the path, or nothing;
//! 2. [`respond`] evaluates the request's conditional headers (RFC 9110 §13), Range (§14) and
//!    Accept-Encoding (§12.5.3) against the asset and returns a [`Reply`]: status, body slice and
//!    which headers to add.
//!
//! Nothing here allocates, performs I/O or panics; all inputs are raw header bytes.
//!
//! # Which headers to send for a [`Reply`]
//!
//! For every status: `ETag: {asset.etag}` (or, if [`Reply::gzip_etag`], the gzip-coded
//! representation's own tag, [`gzip_etag`]), `Cache-Control: {asset.cache_control}`, plus
//! `Vary: Accept-Encoding` if [`Reply::vary_accept_encoding`]. Then by status:
//! - 200: `Last-Modified: {asset.last_modified}`, `Content-Type: {asset.mime}`,
//!   `Content-Length: {body.len()}`, `Accept-Ranges: bytes`, and `Content-Encoding: gzip` if
//!   [`Reply::gzip`].
//! - 206: `Last-Modified`, `Content-Type`, `Content-Length: {body.len()}`, and `Content-Range`
//!   from [`Reply::content_range`] (see [`ContentRange::encode`]).
//! - 304: only those first fields (RFC 9110 §15.4.5: the validators and cache fields a 200
//!   would carry; no Content-Type, no Content-Length, and no Last-Modified beside an ETag).
//! - 412: `Content-Length: 0`.
//! - 416: `Content-Range: bytes */{total}` and `Content-Length: 0` (§15.5.17).
//!
//! For HEAD, send the same fields as GET but not the body (and pass `range: None`: §14.2 defines
//! Range for GET only).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod date;
mod encoding;
mod etag;
mod range;

pub use date::http_date_to_unix;

use core::cmp::Ordering;
use etag::Comparison;
use range::RangeRequest;

/// One embedded file and everything needed to serve it, computed at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// URL path, absolute and normalised: `/index.html`, `/docs/guide.html`.
    pub path: &'static str,
    /// Content-Type value, e.g. `text/html; charset=utf-8`.
    pub mime: &'static str,
    /// Strong entity-tag including its quotes, e.g. `"3f9a1c2b0d4e5f60"` (RFC 9110 §8.8.3).
    pub etag: &'static str,
    /// Last-Modified value as an IMF-fixdate (RFC 9110 §5.6.7).
    pub last_modified: &'static str,
    /// The same instant as `last_modified`, in seconds since the Unix epoch, for comparisons.
    pub modified_unix: u64,
    /// The file's bytes (identity coding).
    pub body: &'static [u8],
    /// The gzip-coded bytes, when the file is compressible and gzip made it meaningfully smaller.
    pub gzip: Option<&'static [u8]>,
    /// Cache-Control value.
    pub cache_control: &'static str,
}

/// A site's asset table.
#[derive(Debug, Clone, Copy)]
pub struct Assets {
    /// All files, sorted by `path` bytewise (the generator guarantees it; lookups binary-search).
    pub files: &'static [Asset],
    /// The page to send with status 404 (the site's top-level `404.html`), if any.
    pub not_found: Option<&'static Asset>,
}

/// The outcome of [`Assets::lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The path names this file (or a folder whose `index.html` this is).
    Found(&'a Asset),
    /// The path names a folder but lacks the trailing slash: answer 308 Permanent Redirect with
    /// `Location:` the path plus `/` (and the query, if any). Relative links in the folder's page
    /// resolve against the URL with the slash, so serving the page at the slashless URL would
    /// break them.
    RedirectToDir,
    /// No such file or folder: send [`Assets::not_found`] with status 404, or a plain 404.
    NotFound,
}

impl Assets {
    /// A table with no files.
    pub const fn empty() -> Self {
        Assets {
            files: &[],
            not_found: None,
        }
    }

    /// Finds what a request path names.
    ///
    /// `normalized_path` must already be percent-decoded and free of dot-segments, without the
    /// query (verbosel-http's path normalisation gives exactly that). `/` and `/docs/` name the
    /// folder's `index.html`; `/docs`, when `/docs/index.html` exists, gives
    /// [`Lookup::RedirectToDir`]. Paths not starting with `/` are never found.
    pub fn lookup(&self, normalized_path: &[u8]) -> Lookup<'static> {
        if normalized_path.first() != Some(&b'/') {
            return Lookup::NotFound;
        }
        if normalized_path.ends_with(b"/") {
            return match self.find(normalized_path, b"index.html") {
                Some(asset) => Lookup::Found(asset),
                None => Lookup::NotFound,
            };
        }
        if let Some(asset) = self.find(normalized_path, b"") {
            return Lookup::Found(asset);
        }
        if self.find(normalized_path, b"/index.html").is_some() {
            return Lookup::RedirectToDir;
        }
        Lookup::NotFound
    }

    /// The file whose path is exactly `path`, with no folder-index handling.
    pub fn get(&self, path: &[u8]) -> Option<&'static Asset> {
        self.find(path, b"")
    }

    /// Binary search for the path `prefix ++ suffix`, compared without building it.
    fn find(&self, prefix: &[u8], suffix: &[u8]) -> Option<&'static Asset> {
        let files: &'static [Asset] = self.files;
        files
            .binary_search_by(|asset| compare_joined(asset.path.as_bytes(), prefix, suffix))
            .ok()
            .and_then(|i| files.get(i))
    }
}

/// Orders `a` against the concatenation `prefix ++ suffix`, bytewise.
fn compare_joined(a: &[u8], prefix: &[u8], suffix: &[u8]) -> Ordering {
    let (head, tail) = a.split_at(a.len().min(prefix.len()));
    match head.cmp(&prefix[..head.len()]) {
        Ordering::Equal if head.len() < prefix.len() => Ordering::Less,
        Ordering::Equal => tail.cmp(suffix),
        unequal => unequal,
    }
}

/// The request header values that decide the response, raw as received (surrounding whitespace is
/// tolerated). `None` means the header is absent. If a list-valued header occurs more than once,
/// pass the values joined with `, ` (RFC 9110 §5.3); for the single-valued date headers such a
/// list is not a valid date, and the header is then ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conditions<'a> {
    /// `If-Match` (RFC 9110 §13.1.1).
    pub if_match: Option<&'a [u8]>,
    /// `If-None-Match` (§13.1.2).
    pub if_none_match: Option<&'a [u8]>,
    /// `If-Modified-Since` (§13.1.3).
    pub if_modified_since: Option<&'a [u8]>,
    /// `If-Unmodified-Since` (§13.1.4).
    pub if_unmodified_since: Option<&'a [u8]>,
    /// `Range` (§14.2). Pass `None` for HEAD: Range is defined for GET only.
    pub range: Option<&'a [u8]>,
    /// `If-Range` (§13.1.5).
    pub if_range: Option<&'a [u8]>,
    /// `Accept-Encoding` (§12.5.3).
    pub accept_encoding: Option<&'a [u8]>,
}

/// The Content-Range to send (RFC 9110 §14.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRange {
    /// No Content-Range header.
    None,
    /// `bytes {start}-{end}/{total}` for a 206; `end` is inclusive.
    Bytes {
        /// First byte position.
        start: u64,
        /// Last byte position, inclusive.
        end: u64,
        /// Length of the whole representation.
        total: u64,
    },
    /// `bytes */{total}` for a 416.
    Unsatisfied {
        /// Length of the whole representation.
        total: u64,
    },
}

impl ContentRange {
    /// The longest field value [`ContentRange::encode`] writes: `bytes ` and three 20-digit
    /// numbers with their separators.
    pub const MAX_LEN: usize = 6 + 20 + 1 + 20 + 1 + 20;

    /// Writes the Content-Range field value into `out` and returns its length, or `None` for
    /// [`ContentRange::None`] or if `out` is too small ([`ContentRange::MAX_LEN`] bytes always
    /// suffice).
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let mut w = Writer { out, len: 0 };
        match *self {
            ContentRange::None => return None,
            ContentRange::Bytes { start, end, total } => {
                w.bytes(b"bytes ")?;
                w.number(start)?;
                w.bytes(b"-")?;
                w.number(end)?;
                w.bytes(b"/")?;
                w.number(total)?;
            }
            ContentRange::Unsatisfied { total } => {
                w.bytes(b"bytes */")?;
                w.number(total)?;
            }
        }
        Some(w.len)
    }
}

struct Writer<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, b: &[u8]) -> Option<()> {
        self.out
            .get_mut(self.len..self.len + b.len())?
            .copy_from_slice(b);
        self.len += b.len();
        Some(())
    }

    fn number(&mut self, n: u64) -> Option<()> {
        let mut digits = [0u8; verbosel_digits::DECIMAL_DIGITS];
        self.bytes(verbosel_digits::decimal(n, &mut digits))
    }
}

/// What to answer to a GET or HEAD for an asset. See the crate documentation for the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// 200, 206, 304, 412 or 416.
    pub status: u16,
    /// Exactly the bytes to send as the body of a GET (empty for 304, 412 and 416).
    pub body: &'static [u8],
    /// The body is the gzip variant: send `Content-Encoding: gzip`.
    pub gzip: bool,
    /// The Content-Range header to send, if any.
    pub content_range: ContentRange,
    /// Send `Vary: Accept-Encoding`: the asset has a gzip variant, so the answer depends on that
    /// header, whichever variant this one is (RFC 9110 §12.5.5). Also on 304s, so caches keep the
    /// right key (§15.4.5).
    pub vary_accept_encoding: bool,
    /// The selected representation is the gzip-coded one: its `ETag` is [`gzip_etag`] of the
    /// asset's, not the asset's own (see [`Decision::gzip_etag`]).
    pub gzip_etag: bool,
}

/// What is added inside the quotes of a file's entity-tag to make its gzip-coded
/// representation's: `"3f9a1c2b"` becomes `"3f9a1c2b-gzip"`. Two representations of one
/// resource must not share a strong tag (RFC 9110 §8.8.3: a cache holding the gzip body could
/// otherwise answer a client that cannot decode it), and the gzip body is a function of the
/// identity bytes, so the tag can be derived rather than stored.
pub const GZIP_ETAG_SUFFIX: &[u8] = b"-gzip";

/// Longest entity-tag [`evaluate`] derives a gzip tag from. A source's tags are a few dozen
/// bytes; a longer one is treated as having no gzip variant rather than sharing its tag.
pub const MAX_ETAG_LEN: usize = 128;

/// The gzip-coded representation's entity-tag for the identity tag `etag`: [`GZIP_ETAG_SUFFIX`]
/// before its closing quote, written into `out`. `None` if `etag` is not a quoted entity-tag or
/// the result does not fit.
pub fn gzip_etag<'o>(etag: &[u8], out: &'o mut [u8; MAX_ETAG_LEN]) -> Option<&'o [u8]> {
    let open = etag.strip_suffix(b"\"")?;
    if !open.ends_with(b"\"") && open.contains(&b'"') {
        let len = open.len() + GZIP_ETAG_SUFFIX.len() + 1;
        let dst = out.get_mut(..len)?;
        let (head, rest) = dst.split_at_mut(open.len());
        head.copy_from_slice(open);
        let (suffix, quote) = rest.split_at_mut(GZIP_ETAG_SUFFIX.len());
        suffix.copy_from_slice(GZIP_ETAG_SUFFIX);
        quote.copy_from_slice(b"\"");
        return out.get(..len);
    }
    None
}

/// What decides a response to a GET or HEAD, for any source of files: the selected
/// representation's validators and length, and whether a gzip-coded variant exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity<'a> {
    /// Strong entity-tag including its quotes (RFC 9110 §8.8.3).
    pub etag: &'a [u8],
    /// Last modification, in seconds since the Unix epoch, if the source knows it.
    pub modified_unix: Option<u64>,
    /// Length of the identity-coded body.
    pub len: u64,
    /// Whether a gzip-coded variant can be sent.
    pub has_gzip: bool,
}

/// The answer [`evaluate`] decides, before any body is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// 200, 206, 304, 412 or 416.
    pub status: u16,
    /// Send the gzip variant (with `Content-Encoding: gzip`).
    pub gzip: bool,
    /// For a 206: the first and last byte (inclusive) of the identity body to send.
    pub range: Option<(u64, u64)>,
    /// The Content-Range header to send, if any.
    pub content_range: ContentRange,
    /// Send `Vary: Accept-Encoding` (see [`Reply::vary_accept_encoding`]).
    pub vary_accept_encoding: bool,
    /// The selected representation is the gzip-coded one (the client accepts gzip and asked for
    /// no range): send [`gzip_etag`] of [`Entity::etag`] as its `ETag`. Also on 304 and 412,
    /// whose conditions were compared against that tag.
    pub gzip_etag: bool,
}

/// Decides the response to a GET or HEAD for `entity`.
///
/// Preconditions are evaluated in the order of RFC 9110 §13.2.2:
/// 1. `If-Match` (strong comparison, `*` matches) false → 412;
/// 2. else, without `If-Match`, `If-Unmodified-Since` false (modified after the date) → 412;
/// 3. `If-None-Match` (weak comparison) true → 304;
/// 4. else, without `If-None-Match`, `If-Modified-Since` false (not modified since) → 304;
/// 5. `Range` with a true (or absent) `If-Range` → 206, or 416 if unsatisfiable.
///
/// An invalid date is ignored (§13.1.3, §13.1.4), as are the date conditions when the
/// modification time is unknown. Otherwise 200, gzip-coded if there is a gzip variant and
/// Accept-Encoding prefers it. Ranges always apply to the identity body: a 206 is never
/// gzip-coded, so the byte positions mean the same for every client.
pub fn evaluate(entity: &Entity<'_>, c: &Conditions<'_>) -> Decision {
    let mut gzip_tag = [0u8; MAX_ETAG_LEN];
    let gzip_tag = match entity.has_gzip {
        true => gzip_etag(entity.etag, &mut gzip_tag),
        false => None,
    };
    let vary = gzip_tag.is_some();
    // The representation is selected first (§12.5.3, §14.2), and the preconditions are
    // evaluated against its validator (§13.1.1, §13.1.2): a range request gets the identity
    // body, whose byte positions mean the same to every client; otherwise a client that accepts
    // gzip gets the gzip-coded body, under its own tag.
    let ranged = c.range.is_some_and(|field| {
        c.if_range.is_none_or(|v| if_range_holds(v, entity))
            && matches!(range::parse(field), RangeRequest::One(_))
    });
    let selected_gzip =
        gzip_tag.filter(|_| !ranged && c.accept_encoding.is_some_and(encoding::accepts_gzip));
    let tag = selected_gzip.unwrap_or(entity.etag);
    let no_body = |status| Decision {
        status,
        gzip: false,
        range: None,
        content_range: ContentRange::None,
        vary_accept_encoding: vary,
        gzip_etag: selected_gzip.is_some(),
    };
    let modified = entity.modified_unix;

    if let Some(field) = c.if_match {
        if !etag::list_matches(field, tag, Comparison::Strong) {
            return no_body(412);
        }
    } else if let (Some(date), Some(modified)) =
        (c.if_unmodified_since.and_then(parse_date), modified)
        && modified > date
    {
        return no_body(412);
    }

    if let Some(field) = c.if_none_match {
        if etag::list_matches(field, tag, Comparison::Weak) {
            return no_body(304);
        }
    } else if let (Some(date), Some(modified)) =
        (c.if_modified_since.and_then(parse_date), modified)
        && modified <= date
    {
        return no_body(304);
    }

    // If-Range without Range is ignored (§13.1.5), so it is only looked at here.
    if let Some(field) = c.range.filter(|_| ranged)
        && let RangeRequest::One(spec) = range::parse(field)
    {
        let total = entity.len;
        return match spec.resolve(total) {
            Some((start, end)) => Decision {
                status: 206,
                gzip: false,
                range: Some((start, end)),
                content_range: ContentRange::Bytes { start, end, total },
                vary_accept_encoding: vary,
                gzip_etag: false,
            },
            None => Decision {
                content_range: ContentRange::Unsatisfied { total },
                ..no_body(416)
            },
        };
    }

    Decision {
        gzip: selected_gzip.is_some(),
        ..no_body(200)
    }
}

/// Decides the response to a GET or HEAD for an embedded `asset` ([`evaluate`], then the body
/// slice it names).
pub fn respond(asset: &'static Asset, c: &Conditions) -> Reply {
    let entity = Entity {
        etag: asset.etag.as_bytes(),
        modified_unix: Some(asset.modified_unix),
        len: asset.body.len() as u64,
        has_gzip: asset.gzip.is_some(),
    };
    let d = evaluate(&entity, c);
    let body = match (d.status, d.range, asset.gzip) {
        (206, Some((start, end)), _) => slice(asset.body, start, end),
        (200, _, Some(gz)) if d.gzip => Some(gz),
        (200, _, _) => Some(asset.body),
        _ => Some(&[][..]),
    };
    Reply {
        status: d.status,
        body: body.unwrap_or_default(),
        gzip: d.gzip,
        content_range: d.content_range,
        vary_accept_encoding: d.vary_accept_encoding,
        gzip_etag: d.gzip_etag,
    }
}

fn parse_date(field: &[u8]) -> Option<u64> {
    http_date_to_unix(etag::trim_ows(field))
}

/// If-Range (§13.1.5): an entity-tag must match strongly; a date must equal Last-Modified exactly.
fn if_range_holds(field: &[u8], entity: &Entity<'_>) -> bool {
    let field = etag::trim_ows(field);
    if field.starts_with(b"\"") || field.starts_with(b"W/") {
        return match etag::entity_tag(field) {
            Some((tag, [])) => etag::tags_match(tag, entity.etag, Comparison::Strong),
            _ => false,
        };
    }
    entity.modified_unix.is_some() && http_date_to_unix(field) == entity.modified_unix
}

fn slice(body: &'static [u8], start: u64, end: u64) -> Option<&'static [u8]> {
    let start = usize::try_from(start).ok()?;
    let end = usize::try_from(end).ok()?;
    body.get(start..=end)
}

#[cfg(test)]
mod tests;

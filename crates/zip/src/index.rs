//! The index of a validated archive: one fixed-size slot of `u64` words per entry in memory the
//! caller provides, files sorted by name for binary search (O(log n) per lookup), folders after
//! them.
//!
//! The memory is plain words so that any source serves: an array on the stack, a `Vec` in a
//! test, or an anonymous mapping the server makes before it forks (its children then share the
//! index copy-on-write and never write it).

use crate::gzip::GzipMember;
use crate::inflate::{InflateError, inflate};
use core::cmp::Ordering;

/// `u64` words per entry in the index memory.
pub const SLOT_WORDS: usize = 8;

pub(crate) type Words = [u64; SLOT_WORDS];

/// How an entry's data is stored (APPNOTE 4.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Method 0: the bytes as they are.
    Stored,
    /// Method 8: a raw DEFLATE stream (RFC 1951).
    Deflated,
}

/// Everything about one entry, as the validator found it. Positions are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) name_at: usize,
    pub(crate) name_len: u16,
    pub(crate) method: Method,
    pub(crate) folder: bool,
    pub(crate) crc32: u32,
    pub(crate) data_at: usize,
    pub(crate) data_len: usize,
    pub(crate) size: usize,
    pub(crate) modified: u64,
    /// The local header's first byte and the end of the data descriptor (or data): the span no
    /// other entry may overlap. Needed only until the data is verified.
    pub(crate) span_start: usize,
    pub(crate) span_end: usize,
    /// Where the file's inflated bytes are in the arena, when they were inflated there. Encoded
    /// in the span's words, which are free by then.
    pub(crate) arena_at: Option<usize>,
}

/// Flag-word bits besides the name length (0..16) and the CRC-32 (32..64).
const DEFLATED: u64 = 1 << 16;
const FOLDER: u64 = 1 << 17;
const IN_ARENA: u64 = 1 << 18;

impl Slot {
    pub(crate) fn encode(&self) -> Words {
        let flags = u64::from(self.name_len)
            | if self.method == Method::Deflated {
                DEFLATED
            } else {
                0
            }
            | if self.folder { FOLDER } else { 0 }
            | if self.arena_at.is_some() { IN_ARENA } else { 0 }
            | (u64::from(self.crc32) << 32);
        let (span_start, span_end) = match self.arena_at {
            Some(at) => (at, 0),
            None => (self.span_start, self.span_end),
        };
        [
            self.name_at as u64,
            flags,
            self.data_at as u64,
            self.data_len as u64,
            self.size as u64,
            self.modified,
            span_start as u64,
            span_end as u64,
        ]
    }

    /// The inverse of [`Slot::encode`] (positions and sizes were `usize` when encoded).
    pub(crate) fn decode(w: &Words) -> Slot {
        let [
            name_at,
            flags,
            data_at,
            data_len,
            size,
            modified,
            span_start,
            span_end,
        ] = *w;
        let in_arena = flags & IN_ARENA != 0;
        Slot {
            name_at: name_at as usize,
            name_len: flags as u16,
            method: if flags & DEFLATED != 0 {
                Method::Deflated
            } else {
                Method::Stored
            },
            folder: flags & FOLDER != 0,
            crc32: (flags >> 32) as u32,
            data_at: data_at as usize,
            data_len: data_len as usize,
            size: size as usize,
            modified,
            span_start: if in_arena { 0 } else { span_start as usize },
            span_end: if in_arena { 0 } else { span_end as usize },
            arena_at: in_arena.then_some(span_start as usize),
        }
    }

    pub(crate) fn name<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        file.get(self.name_at..self.name_at + usize::from(self.name_len))
            .unwrap_or_default()
    }

    fn entry<'a>(&self, file: &'a [u8], arena: &'a [u8]) -> Entry<'a> {
        let data = file
            .get(self.data_at..self.data_at + self.data_len)
            .unwrap_or_default();
        let identity = match (self.method, self.arena_at) {
            (Method::Stored, _) => Some(data),
            (Method::Deflated, Some(at)) => arena.get(at..at + self.size),
            (Method::Deflated, None) => None,
        };
        Entry {
            name: self.name(file),
            method: self.method,
            data,
            identity,
            crc32: self.crc32,
            size: self.size,
            modified: self.modified,
        }
    }
}

/// One file of a validated archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The name as stored: a relative path, `docs/index.html`.
    pub name: &'a [u8],
    /// How `data` is stored.
    pub method: Method,
    /// The stored bytes, or the raw DEFLATE stream (exactly: validation checked that it ends
    /// where the data does), inside the file.
    pub data: &'a [u8],
    /// CRC-32 of the uncompressed bytes (checked).
    pub crc32: u32,
    /// Uncompressed size (checked).
    pub size: usize,
    /// The uncompressed bytes, when they are at hand without inflating: a stored file's data, or
    /// a deflated file's bytes in the arena of [`Unverified::verify_into`](crate::Unverified::verify_into).
    /// `None` for a deflated file verified with [`Unverified::verify`](crate::Unverified::verify):
    /// [`Entry::inflate_into`] then gives them.
    pub identity: Option<&'a [u8]>,
    /// Modification time, seconds since the Unix epoch: the extended timestamp if the entry has
    /// one, else its MS-DOS date and time read as UTC.
    pub modified: u64,
}

impl<'a> Entry<'a> {
    /// For a deflated entry, the gzip member that carries its own DEFLATE data (RFC 1952), to be
    /// sent as `Content-Encoding: gzip` without recompressing. `None` for a stored entry.
    pub fn gzip(&self) -> Option<GzipMember<'a>> {
        (self.method == Method::Deflated)
            .then(|| GzipMember::new(self.data, self.crc32, self.size as u64, self.modified))
    }

    /// Writes the uncompressed bytes to the start of `out`, which must hold [`Entry::size`]
    /// bytes ([`InflateError::OutputFull`] otherwise), and returns that size. Bytes of `out`
    /// past it may be overwritten (see [`inflate`]).
    pub fn inflate_into(&self, out: &mut [u8]) -> Result<usize, InflateError> {
        match self.identity {
            Some(bytes) => {
                let dst = out.get_mut(..bytes.len()).ok_or(InflateError::OutputFull)?;
                dst.copy_from_slice(bytes);
                Ok(bytes.len())
            }
            None => inflate(self.data, out).map(|done| done.written),
        }
    }
}

/// The validated archive's entries, for lookups. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Index<'a> {
    pub(crate) file: &'a [u8],
    /// Deflated files inflated at start, or empty.
    pub(crate) arena: &'a [u8],
    /// Files sorted by name, then folders.
    pub(crate) slots: &'a [Words],
    pub(crate) files: usize,
}

impl<'a> Index<'a> {
    /// Number of files (folder entries are validated but not served).
    pub fn len(&self) -> usize {
        self.files
    }

    /// Whether the archive has no files.
    pub fn is_empty(&self) -> bool {
        self.files == 0
    }

    /// The file a normalised request path names exactly: `/docs/index.html` finds the entry
    /// `docs/index.html`. A path not starting with `/` finds nothing.
    pub fn get(&self, path: &[u8]) -> Option<Entry<'a>> {
        self.get_joined(path, b"")
    }

    /// The file named by the path `prefix ++ suffix`, compared without building it: `("/docs/",
    /// "index.html")` for a folder's index page.
    pub fn get_joined(&self, prefix: &[u8], suffix: &[u8]) -> Option<Entry<'a>> {
        let prefix = prefix.strip_prefix(b"/")?;
        let files = self.slots.get(..self.files)?;
        let i = files
            .binary_search_by(|w| compare_joined(Slot::decode(w).name(self.file), prefix, suffix))
            .ok()?;
        files
            .get(i)
            .map(|w| Slot::decode(w).entry(self.file, self.arena))
    }

    /// The `i`-th file in name order.
    pub fn entry(&self, i: usize) -> Option<Entry<'a>> {
        self.slots
            .get(..self.files)?
            .get(i)
            .map(|w| Slot::decode(w).entry(self.file, self.arena))
    }

    /// Every file, in name order.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'a>> + 'a {
        let (file, arena) = (self.file, self.arena);
        self.slots
            .get(..self.files)
            .unwrap_or_default()
            .iter()
            .map(move |w| Slot::decode(w).entry(file, arena))
    }
}

/// Orders `a` against the concatenation `prefix ++ suffix`, bytewise.
fn compare_joined(a: &[u8], prefix: &[u8], suffix: &[u8]) -> Ordering {
    let (head, tail) = a.split_at(a.len().min(prefix.len()));
    match head.cmp(prefix.get(..head.len()).unwrap_or_default()) {
        Ordering::Equal if head.len() < prefix.len() => Ordering::Less,
        Ordering::Equal => tail.cmp(suffix),
        other => other,
    }
}

/// Sorts in place with no allocation and no panic path (core's sorts may panic on an
/// inconsistent order): heapsort, O(n log n) in the worst case.
pub(crate) fn heapsort(v: &mut [Words], less: impl Fn(&Words, &Words) -> bool) {
    let sift_down = |v: &mut [Words], mut root: usize| {
        loop {
            let mut child = 2 * root + 1;
            let Some(c) = v.get(child) else { return };
            if let Some(right) = v.get(child + 1)
                && less(c, right)
            {
                child += 1;
            }
            match (v.get(root), v.get(child)) {
                (Some(r), Some(c)) if less(r, c) => swap(v, root, child),
                _ => return,
            }
            root = child;
        }
    };
    for root in (0..v.len() / 2).rev() {
        sift_down(v, root);
    }
    for end in (1..v.len()).rev() {
        swap(v, 0, end);
        if let Some(heap) = v.get_mut(..end) {
            sift_down(heap, 0);
        }
    }
}

/// Swaps `v[a]` and `v[b]` (`a < b`) without `slice::swap`'s bounds-check panic: the split
/// makes the two places provably distinct and in bounds.
fn swap(v: &mut [Words], a: usize, b: usize) {
    if let Some((low, high)) = v.split_at_mut_checked(b)
        && let (Some(x), Some(y)) = (low.get_mut(a), high.first_mut())
    {
        core::mem::swap(x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip() {
        let slot = Slot {
            name_at: 123_456_789_012,
            name_len: 65_535,
            method: Method::Deflated,
            folder: true,
            crc32: 0xDEAD_BEEF,
            data_at: 1 << 40,
            data_len: 7,
            size: 1 << 33,
            modified: 1_715_949_004,
            span_start: 5,
            span_end: 6,
            arena_at: None,
        };
        assert_eq!(Slot::decode(&slot.encode()), slot);
        let inflated = Slot {
            span_start: 0,
            span_end: 0,
            arena_at: Some(1 << 35),
            ..slot
        };
        assert_eq!(Slot::decode(&inflated.encode()), inflated);
        let stored = Slot {
            method: Method::Stored,
            folder: false,
            ..slot
        };
        assert_eq!(Slot::decode(&stored.encode()), stored);
    }

    #[test]
    fn heapsort_sorts() {
        for n in 0..40u64 {
            let mut v: Vec<Words> = (0..n)
                .map(|i| [(i * 7919) % 23, i, 0, 0, 0, 0, 0, 0])
                .collect();
            heapsort(&mut v, |a, b| (a[0], a[1]) < (b[0], b[1]));
            assert!(
                v.windows(2)
                    .all(|w| (w[0][0], w[0][1]) <= (w[1][0], w[1][1])),
                "{n}"
            );
            assert_eq!(v.len() as u64, n);
        }
    }

    #[test]
    fn joined_comparison() {
        assert_eq!(
            compare_joined(b"docs/index.html", b"docs/", b"index.html"),
            Ordering::Equal
        );
        assert_eq!(compare_joined(b"docs", b"docs/", b""), Ordering::Less);
        assert_eq!(compare_joined(b"docs/a", b"docs/", b""), Ordering::Greater);
        assert_eq!(compare_joined(b"b", b"a", b"zz"), Ordering::Greater);
        assert_eq!(compare_joined(b"az", b"a", b"zz"), Ordering::Less);
    }
}

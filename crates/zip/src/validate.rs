//! Validating a whole archive once, at start, and building its index.
//!
//! In four passes, cheapest first, so that a malformed archive costs little before it is refused.
//! [`Archive::index`] makes the first three; [`Unverified::verify`] or [`Unverified::verify_into`]
//! the fourth (the second inflates every deflated file into memory the caller sized with
//! [`Unverified::inflated_len`], so that serving never inflates again); [`Archive::validate`] is
//! `index` then `verify`.
//! 1. every central directory record, and the local header and data descriptor it points to:
//!    flags, method, name, sizes against the limits, local against central; one slot each;
//! 2. sorted by position: no entry's bytes overlap another's (the central directory itself is
//!    past every entry's end by pass 1), which also refuses the "overlapping files" zip bombs
//!    that point many entries at one stream;
//! 3. sorted by name: no duplicate; the index is then in its final order;
//! 4. every entry's data: stored bytes have the declared CRC-32; a DEFLATE stream inflates, in a
//!    fixed window and stopped at its declared size, to exactly that size and CRC-32, and ends
//!    exactly where its data does (a gzip member built from the data must end in the trailer).

use crate::archive::Archive;
use crate::central::read_central;
use crate::crc32::crc32;
use crate::error::{Error, Problem};
use crate::index::{Index, Method, SLOT_WORDS, Slot, Words, heapsort};
use crate::inflate::{InflateError, inflate, inflate_check};
use crate::local::check_local;
use crate::name::{Named, check_name};
use crate::output::MIN_WINDOW_LEN;

/// At most this many entries: the index takes 64 bytes each (16 MiB at the limit) and validation
/// sorts them twice. A site with more files than this is unusual for one executable.
pub const MAX_ENTRIES: usize = 262_144;
/// At most this many bytes per entry once inflated: what a connection process may need to
/// inflate one entry into, or the server to hold it inflated.
pub const MAX_ENTRY_SIZE: u64 = 256 << 20;
/// At most this many bytes for all entries inflated: validation inflates all of them at start, so
/// this bounds the start-up time (24 ms for a 10 MB site here, NOTES.md: some 2.5 s at the limit)
/// and what inflating everything into shared memory would take.
pub const MAX_TOTAL_SIZE: u64 = 1 << 30;

/// Limits on what an archive may declare, each checked before any data is inflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries, files and folders together.
    pub max_entries: usize,
    /// Uncompressed bytes of one entry.
    pub max_entry_size: u64,
    /// Uncompressed bytes of all entries.
    pub max_total_size: u64,
}

impl Limits {
    /// [`MAX_ENTRIES`], [`MAX_ENTRY_SIZE`], [`MAX_TOTAL_SIZE`].
    pub const DEFAULT: Limits = Limits {
        max_entries: MAX_ENTRIES,
        max_entry_size: MAX_ENTRY_SIZE,
        max_total_size: MAX_TOTAL_SIZE,
    };
}

impl<'a> Archive<'a> {
    /// Validates the whole archive and builds its index in `memory` (at least
    /// [`Archive::index_words`] words), using `scratch` (at least
    /// [`MIN_WINDOW_LEN`](crate::MIN_WINDOW_LEN) bytes) to inflate each deflated entry through:
    /// [`Archive::index`], then [`Unverified::verify`].
    pub fn validate<'m>(
        &self,
        limits: &Limits,
        memory: &'m mut [u64],
        scratch: &mut [u8],
    ) -> Result<Index<'m>, Error<'m>>
    where
        'a: 'm,
    {
        if scratch.len() < MIN_WINDOW_LEN {
            return Err(Error::archive(Problem::ScratchTooSmall));
        }
        self.index(limits, memory)?.verify(scratch)
    }

    /// Checks the archive's structure and sorts its index into `memory` (at least
    /// [`Archive::index_words`] words), reading no entry's data yet.
    ///
    /// Refuses, naming the entry: encryption; methods other than stored and deflate; names that
    /// are empty, absolute, or have a backslash, NUL or control byte, or an empty, `.` or `..`
    /// segment; duplicates; entries whose bytes overlap one another or the central directory or
    /// run past the archive; a local header or data descriptor that disagrees with the central
    /// directory; sizes past `limits`; truncated or corrupt records. Zip64 records and fields,
    /// data descriptors, empty files and folder entries are handled. The data itself is checked
    /// by the [`Unverified`] this returns.
    pub fn index<'m>(
        &self,
        limits: &Limits,
        memory: &'m mut [u64],
    ) -> Result<Unverified<'m>, Error<'m>>
    where
        'a: 'm,
    {
        if self.entries > limits.max_entries {
            return Err(Error::archive(Problem::TooManyEntries));
        }
        let (slots, _) = memory.as_chunks_mut::<SLOT_WORDS>();
        let Some(slots) = slots.get_mut(..self.entries) else {
            return Err(Error::archive(Problem::IndexTooSmall));
        };
        self.read_records(limits, slots)?;
        self.check_overlaps(slots)?;
        let files = self.sort_by_name(slots)?;
        Ok(Unverified {
            file: self.file,
            slots,
            files,
        })
    }

    /// Pass 1: every record, in central directory order, into `slots`.
    fn read_records(&self, limits: &Limits, slots: &mut [Words]) -> Result<(), Error<'a>> {
        let file = self.file;
        let mut at = self.central_start;
        let mut total: u64 = 0;
        for (record, w) in slots.iter_mut().enumerate() {
            let c = read_central(file, at, self.central_end)
                .map_err(|(p, name)| Error::entry(p, record, name))?;
            let name = file
                .get(c.name_at..c.name_at + usize::from(c.name_len))
                .unwrap_or_default();
            let fail = |p| Error::entry(p, record, Some(name));
            let method = match c.method {
                0 => Method::Stored,
                8 => Method::Deflated,
                other => return Err(fail(Problem::UnsupportedMethod(other))),
            };
            let named = check_name(name).map_err(fail)?;
            if named == Named::Folder && c.uncompressed != 0 {
                return Err(fail(Problem::FolderWithData));
            }
            if c.uncompressed > limits.max_entry_size {
                return Err(fail(Problem::EntryTooLarge));
            }
            total = total.saturating_add(c.uncompressed);
            if total > limits.max_total_size {
                return Err(fail(Problem::ArchiveTooLarge));
            }
            if method == Method::Stored && c.compressed != c.uncompressed {
                return Err(fail(Problem::StoredSizeMismatch));
            }
            let header = usize::try_from(c.offset)
                .ok()
                .and_then(|offset| self.base.checked_add(offset))
                .ok_or(fail(Problem::PastArchiveEnd))?;
            let span = check_local(file, header, self.central_start, &c).map_err(fail)?;
            let size = usize::try_from(c.uncompressed).map_err(|_| fail(Problem::EntryTooLarge))?;
            *w = Slot {
                name_at: c.name_at,
                name_len: c.name_len,
                method,
                folder: named == Named::Folder,
                crc32: c.crc32,
                data_at: span.data,
                data_len: span.data_end - span.data,
                size,
                modified: c.modified,
                span_start: span.header,
                span_end: span.end,
                arena_at: None,
            }
            .encode();
            at = c.next;
        }
        if at != self.central_end {
            return Err(Error::archive(Problem::CentralDirectoryLength));
        }
        Ok(())
    }

    /// Pass 2: sorted by where each entry's bytes start, each must end before the next begins.
    fn check_overlaps(&self, slots: &mut [Words]) -> Result<(), Error<'a>> {
        heapsort(slots, |a, b| {
            Slot::decode(a).span_start < Slot::decode(b).span_start
        });
        let mut previous_end = 0;
        for (i, w) in slots.iter().enumerate() {
            let slot = Slot::decode(w);
            if i > 0 && slot.span_start < previous_end {
                return Err(Error::named(Problem::Overlap, slot.name(self.file)));
            }
            previous_end = slot.span_end;
        }
        Ok(())
    }

    /// Pass 3: files by name, then folders by name; returns the number of files.
    fn sort_by_name(&self, slots: &mut [Words]) -> Result<usize, Error<'a>> {
        let file = self.file;
        let key = |w: &Words| {
            let s = Slot::decode(w);
            (s.folder, s.name(file))
        };
        heapsort(slots, |a, b| key(a) < key(b));
        let mut previous: Option<&[u8]> = None;
        let mut files = 0;
        for w in slots.iter() {
            let (folder, name) = key(w);
            if previous == Some(name) {
                return Err(Error::named(Problem::Duplicate, name));
            }
            previous = Some(name);
            files += usize::from(!folder);
        }
        Ok(files)
    }
}

/// An archive whose structure is checked and whose index is sorted, but whose data is not yet:
/// see [`Archive::index`].
#[derive(Debug)]
pub struct Unverified<'m> {
    file: &'m [u8],
    slots: &'m mut [Words],
    files: usize,
}

impl<'m> Unverified<'m> {
    /// Bytes that [`Unverified::verify_into`] needs: the sizes of the deflated files together
    /// (at most [`Limits::max_total_size`]).
    pub fn inflated_len(&self) -> usize {
        self.slots
            .iter()
            .map(Slot::decode)
            .filter(|s| s.method == Method::Deflated)
            .map(|s| s.size)
            .fold(0, usize::saturating_add)
    }

    /// Pass 4 through a sliding window: every stored file has its CRC-32, every deflated one
    /// inflates, stopped at its declared size, to exactly that size and CRC-32, and its stream
    /// ends where its data does. `scratch` must be at least
    /// [`MIN_WINDOW_LEN`](crate::MIN_WINDOW_LEN) bytes. Deflated files are then served inflated
    /// on demand ([`Entry::identity`](crate::Entry::identity) is `None` for them).
    pub fn verify(self, scratch: &mut [u8]) -> Result<Index<'m>, Error<'m>> {
        if scratch.len() < MIN_WINDOW_LEN {
            return Err(Error::archive(Problem::ScratchTooSmall));
        }
        for w in self.slots.iter() {
            let slot = Slot::decode(w);
            check_data(self.file, &slot, scratch)
                .map_err(|p| Error::named(p, slot.name(self.file)))?;
        }
        Ok(Index {
            file: self.file,
            arena: &[],
            slots: self.slots,
            files: self.files,
        })
    }

    /// Pass 4 inflating every deflated file into `arena` (at least
    /// [`Unverified::inflated_len`] bytes; each file gets exactly its declared size, so a
    /// stream that would inflate past it is stopped there), with the same checks as
    /// [`Unverified::verify`]. Every file then has its uncompressed bytes at hand
    /// ([`Entry::identity`](crate::Entry::identity)); no request ever inflates. It costs about
    /// what `verify` does (measured in NOTES.md): inflating at start costs memory, not time.
    pub fn verify_into(self, arena: &'m mut [u8]) -> Result<Index<'m>, Error<'m>> {
        if arena.len() < self.inflated_len() {
            return Err(Error::archive(Problem::ArenaTooSmall));
        }
        let mut at = 0;
        for w in self.slots.iter_mut() {
            let mut slot = Slot::decode(w);
            let fail = |p| Error::named(p, slot.name(self.file));
            if slot.method == Method::Deflated {
                let out = arena
                    .get_mut(at..at + slot.size)
                    .ok_or(fail(Problem::ArenaTooSmall))?;
                inflate_exact(self.file, &slot, out).map_err(fail)?;
                slot.arena_at = Some(at);
                *w = slot.encode();
                at += slot.size;
            } else {
                check_data(self.file, &slot, &mut []).map_err(fail)?;
            }
        }
        Ok(Index {
            file: self.file,
            arena,
            slots: self.slots,
            files: self.files,
        })
    }
}

/// Pass 4 for a deflated file inflated whole into `out` (its declared size).
fn inflate_exact(file: &[u8], slot: &Slot, out: &mut [u8]) -> Result<(), Problem> {
    let data = file
        .get(slot.data_at..slot.data_at + slot.data_len)
        .ok_or(Problem::PastArchiveEnd)?;
    let done = inflate(data, out).map_err(|e| match e {
        InflateError::OutputFull => Problem::SizeMismatch,
        e => Problem::Corrupt(e),
    })?;
    if done.written != slot.size {
        return Err(Problem::SizeMismatch);
    }
    if done.consumed != data.len() {
        return Err(Problem::TrailingData);
    }
    if crc32(out) != slot.crc32 {
        return Err(Problem::CrcMismatch);
    }
    Ok(())
}

/// Pass 4 for one entry, through a window (`scratch`; a stored entry needs none).
fn check_data(file: &[u8], slot: &Slot, scratch: &mut [u8]) -> Result<(), Problem> {
    let data = file
        .get(slot.data_at..slot.data_at + slot.data_len)
        .ok_or(Problem::PastArchiveEnd)?;
    match slot.method {
        Method::Stored => {
            if crc32(data) != slot.crc32 {
                return Err(Problem::CrcMismatch);
            }
        }
        Method::Deflated => {
            let checked = inflate_check(data, scratch, slot.size).map_err(|e| match e {
                InflateError::OutputFull => Problem::SizeMismatch,
                e => Problem::Corrupt(e),
            })?;
            if checked.size != slot.size {
                return Err(Problem::SizeMismatch);
            }
            if checked.consumed != data.len() {
                return Err(Problem::TrailingData);
            }
            if checked.crc32 != slot.crc32 {
                return Err(Problem::CrcMismatch);
            }
        }
    }
    Ok(())
}

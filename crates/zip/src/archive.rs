//! Finding an archive at the end of a file (APPNOTE 4.3.16, 4.3.14, 4.3.15): the end of central
//! directory record, the Zip64 locator and end record before it if there are, and where the
//! central directory really is.
//!
//! An archive appended to a program comes in two layouts. Python's `zipfile` in append mode, and
//! InfoZIP after `zip -A`, count offsets from the start of the file. `cat program site.zip`
//! leaves them counted from the archive's own start. Like InfoZIP's unzip, the reader takes the
//! central directory to end where the end record (or Zip64 end record) begins, compares that
//! with the offset the record claims, and adds the difference (the [`Archive::base`]) to every
//! offset. Both layouts then read alike.

use crate::error::{Error, Problem};
use crate::extra::{SENTINEL16, SENTINEL32};
use crate::index::SLOT_WORDS;
use crate::le::{le16, le32, le64, record};

/// "PK\5\6", the end of central directory record (APPNOTE 4.3.16).
const END_SIGNATURE: u32 = 0x0605_4B50;
/// "PK\6\7", the Zip64 end of central directory locator (4.3.15).
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4B50;
/// "PK\6\6", the Zip64 end of central directory record (4.3.14).
const ZIP64_END_SIGNATURE: u32 = 0x0606_4B50;

/// Fixed part of the end record; a comment of up to 65,535 bytes follows it.
const END_LEN: usize = 22;
const MAX_COMMENT: usize = 65_535;
const ZIP64_LOCATOR_LEN: usize = 20;
/// Fixed part of the Zip64 end record (its "size" field counts from byte 12).
const ZIP64_END_LEN: usize = 56;
/// Fixed part of a central directory record: no archive has fewer bytes per entry.
pub(crate) const CENTRAL_LEN: usize = 46;

/// An archive found at the end of a file, not yet validated: see [`Archive::validate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Archive<'a> {
    pub(crate) file: &'a [u8],
    pub(crate) base: usize,
    pub(crate) central_start: usize,
    pub(crate) central_end: usize,
    pub(crate) entries: usize,
    pub(crate) zip64: bool,
}

impl<'a> Archive<'a> {
    /// Looks for an archive at the end of `file` (the whole executable).
    ///
    /// `Ok(None)`: no end of central directory record, the usual case for a program with nothing
    /// appended. When the last 22 bytes are not an end record, that takes a backward scan of the
    /// last 64 KiB (where a record with a comment would start). `Err`: an end record is there but
    /// the records it leads to are not a usable archive.
    pub fn find(file: &'a [u8]) -> Result<Option<Archive<'a>>, Error<'a>> {
        let Some(end) = find_end_record(file) else {
            return Ok(None);
        };
        Archive::at(file, end).map(Some)
    }

    fn at(file: &'a [u8], end: usize) -> Result<Archive<'a>, Error<'a>> {
        let err = |p| Err(Error::archive(p));
        let Some(r) = record::<END_LEN>(file, end) else {
            return err(Problem::CentralDirectoryOutsideFile);
        };
        let (disk, central_disk) = (le16(r, 4), le16(r, 6));
        let (disk_entries, entries) = (le16(r, 8), le16(r, 10));
        let (central_len, central_offset) = (le32(r, 12), le32(r, 16));

        let mut dir = Directory {
            disk: u32::from(disk),
            central_disk: u32::from(central_disk),
            disk_entries: u64::from(disk_entries),
            entries: u64::from(entries),
            central_len: u64::from(central_len),
            central_offset: u64::from(central_offset),
            // Without Zip64 records the central directory ends where the end record begins.
            central_end: end,
            zip64_base: None,
        };
        if let Some(locator) = end.checked_sub(ZIP64_LOCATOR_LEN)
            && let Some(l) = record::<ZIP64_LOCATOR_LEN>(file, locator)
            && le32(l, 0) == ZIP64_LOCATOR_SIGNATURE
        {
            let zip64 = read_zip64(file, locator, le32(l, 4), le64(l, 8), le32(l, 16))?;
            // Each field of the end record is either its sentinel or the Zip64 value itself.
            let agrees = (disk == SENTINEL16 || u32::from(disk) == zip64.disk)
                && (central_disk == SENTINEL16 || u32::from(central_disk) == zip64.central_disk)
                && (disk_entries == SENTINEL16 || u64::from(disk_entries) == zip64.disk_entries)
                && (entries == SENTINEL16 || u64::from(entries) == zip64.entries)
                && (central_len == SENTINEL32 || u64::from(central_len) == zip64.central_len)
                && (central_offset == SENTINEL32
                    || u64::from(central_offset) == zip64.central_offset);
            if !agrees {
                return err(Problem::Zip64Mismatch);
            }
            dir = zip64;
        }

        if dir.disk != 0 || dir.central_disk != 0 || dir.disk_entries != dir.entries {
            return err(Problem::MultiDisk);
        }
        let Some(central_start) = usize::try_from(dir.central_len)
            .ok()
            .and_then(|len| dir.central_end.checked_sub(len))
        else {
            return err(Problem::CentralDirectoryOutsideFile);
        };
        let Some(base) = usize::try_from(dir.central_offset)
            .ok()
            .and_then(|offset| central_start.checked_sub(offset))
        else {
            return err(Problem::CentralDirectoryMisplaced);
        };
        if dir.zip64_base.is_some_and(|b| b != base) {
            return err(Problem::Zip64Mismatch);
        }
        let central = dir.central_end - central_start;
        let entries = match usize::try_from(dir.entries) {
            Ok(n) if n <= central / CENTRAL_LEN => n,
            _ => return err(Problem::CentralDirectoryTooShort),
        };
        Ok(Archive {
            file,
            base,
            central_start,
            central_end: dir.central_end,
            entries,
            zip64: dir.zip64_base.is_some(),
        })
    }

    /// Entries the central directory declares (files and folders). Not more than the central
    /// directory's length allows (46 bytes each), so it can size memory before validation.
    pub fn entry_count(&self) -> usize {
        self.entries
    }

    /// `u64` words of index memory [`Archive::validate`] needs: [`SLOT_WORDS`] per entry.
    pub fn index_words(&self) -> usize {
        self.entries * SLOT_WORDS
    }

    /// Where the archive's offsets are counted from: 0 when from the start of the file (Python's
    /// append mode, `zip -A`), the archive's first byte when from its own start (`cat`).
    pub fn base(&self) -> usize {
        self.base
    }

    /// Byte range of the central directory in the file.
    pub fn central_directory(&self) -> core::ops::Range<usize> {
        self.central_start..self.central_end
    }

    /// Whether the archive has Zip64 end records.
    pub fn is_zip64(&self) -> bool {
        self.zip64
    }
}

/// The end record's fields, from the Zip64 end record when there is one.
struct Directory {
    disk: u32,
    central_disk: u32,
    disk_entries: u64,
    entries: u64,
    central_len: u64,
    central_offset: u64,
    /// Where the central directory must end: the end record, or the Zip64 end record.
    central_end: usize,
    /// With Zip64: the base the Zip64 end record's own position implies.
    zip64_base: Option<usize>,
}

/// Reads the Zip64 end record that the locator at `locator` points to. The record must end where
/// the locator begins (APPNOTE 4.3.6: they are consecutive). Its offset in the locator is counted
/// like every other offset, so in a `cat` layout it is off by the base: the record is looked for
/// first where the offset says, then right before the locator with no extensible data.
fn read_zip64<'a>(
    file: &[u8],
    locator: usize,
    record_disk: u32,
    record_offset: u64,
    total_disks: u32,
) -> Result<Directory, Error<'a>> {
    if record_disk != 0 || total_disks > 1 {
        return Err(Error::archive(Problem::MultiDisk));
    }
    let candidates = [
        usize::try_from(record_offset).ok(),
        locator.checked_sub(ZIP64_END_LEN),
    ];
    for at in candidates.into_iter().flatten() {
        let Some(r) = record::<ZIP64_END_LEN>(file, at) else {
            continue;
        };
        let ends_at_locator = usize::try_from(le64(r, 4))
            .ok()
            .and_then(|size| at.checked_add(12)?.checked_add(size))
            == Some(locator);
        if le32(r, 0) != ZIP64_END_SIGNATURE || !ends_at_locator {
            continue;
        }
        let Some(base) = usize::try_from(record_offset)
            .ok()
            .and_then(|offset| at.checked_sub(offset))
        else {
            continue;
        };
        return Ok(Directory {
            disk: le32(r, 16),
            central_disk: le32(r, 20),
            disk_entries: le64(r, 24),
            entries: le64(r, 32),
            central_len: le64(r, 40),
            central_offset: le64(r, 48),
            central_end: at,
            zip64_base: Some(base),
        });
    }
    Err(Error::archive(Problem::Zip64RecordMissing))
}

/// Where the end of central directory record starts: the last "PK\5\6" whose comment length
/// reaches exactly to the end of the file. The common case (no comment) is one comparison.
fn find_end_record(file: &[u8]) -> Option<usize> {
    let last = file.len().checked_sub(END_LEN)?;
    let is_end_record = |at: usize| {
        record::<END_LEN>(file, at).is_some_and(|r| {
            le32(r, 0) == END_SIGNATURE && at + END_LEN + usize::from(le16(r, 20)) == file.len()
        })
    };
    if is_end_record(last) {
        return Some(last);
    }
    let lowest = last.saturating_sub(MAX_COMMENT);
    let window = file.get(lowest..last)?;
    // Backwards, eight bytes at a time: a word is looked at closely only if it has a 0x05 followed
    // by a 0x06 (the signature's last two bytes), or a 0x05 in its last byte (whose 0x06 would be
    // in the next word). The test is the classic "has a zero byte" bit trick on the word XOR
    // 0x0505...05 and 0x0606...06; it can flag a byte next to a true match too, so flagged words
    // are then checked byte by byte for the whole signature.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LAST_BYTE: u64 = 0x80 << 56;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let [_, _, third, fourth] = END_SIGNATURE.to_le_bytes();
    let (third, fourth) = (u64::from(third) * ONES, u64::from(fourth) * ONES);
    let (head, words) = window.as_rchunks::<8>();
    let candidate = |i: usize| {
        let at = i.checked_sub(2)?;
        let found =
            window.get(at..at + 4)? == END_SIGNATURE.to_le_bytes() && is_end_record(lowest + at);
        found.then_some(lowest + at)
    };
    for (k, word) in words.iter().enumerate().rev() {
        let w = u64::from_le_bytes(*word);
        if zero_bytes(w ^ third) & ((zero_bytes(w ^ fourth) >> 8) | LAST_BYTE) != 0 {
            let base = head.len() + 8 * k;
            for i in (base..base + 8).rev() {
                if let Some(at) = candidate(i) {
                    return Some(at);
                }
            }
        }
    }
    (0..head.len()).rev().find_map(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_record_search() {
        // An empty archive is a bare end record.
        let empty = [
            0x50, 0x4B, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(find_end_record(&empty), Some(0));
        let mut program = vec![0x90u8; 1000];
        assert_eq!(find_end_record(&program), None);
        program.extend_from_slice(&empty);
        assert_eq!(find_end_record(&program), Some(1000));
        // With a comment: found by the scan; a signature whose comment length does not reach the
        // end is skipped.
        let mut with_comment = program.clone();
        with_comment[1000 + 20] = 5;
        with_comment.extend_from_slice(b"hello");
        assert_eq!(find_end_record(&with_comment), Some(1000));
        with_comment.push(b'!');
        assert_eq!(find_end_record(&with_comment), None);
        assert_eq!(find_end_record(&[]), None);
        assert_eq!(find_end_record(&empty[1..]), None);
    }

    #[test]
    fn an_empty_archive_after_a_program() {
        let mut file = vec![0x90u8; 4096];
        file.extend_from_slice(&[
            0x50, 0x4B, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        let a = Archive::find(&file).unwrap().unwrap();
        assert_eq!(a.entry_count(), 0);
        // Offset 0, found at 4096: counted from the archive's own start.
        assert_eq!(a.base(), 4096);
        assert_eq!(a.central_directory(), 4096..4096);
    }
}

//! Why an archive was refused, and which entry made it so.

use crate::inflate::InflateError;

/// What is wrong. [`Problem::reason`] says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The archive says it spans several disks (split archives are not served).
    MultiDisk,
    /// A Zip64 end-of-central-directory locator points at no Zip64 end record.
    Zip64RecordMissing,
    /// The Zip64 end record disagrees with the end record.
    Zip64Mismatch,
    /// The central directory would begin before the file does: the file is truncated.
    CentralDirectoryOutsideFile,
    /// The central directory's declared offset lies past where it actually is.
    CentralDirectoryMisplaced,
    /// The central directory is too short for the number of entries it declares.
    CentralDirectoryTooShort,
    /// The central directory's records do not end where its declared size does.
    CentralDirectoryLength,
    /// More entries than [`Limits::max_entries`](crate::Limits::max_entries).
    TooManyEntries,
    /// Entries inflate to more than [`Limits::max_total_size`](crate::Limits::max_total_size)
    /// together.
    ArchiveTooLarge,
    /// The caller's index memory is shorter than [`Archive::index_words`](crate::Archive::index_words).
    IndexTooSmall,
    /// The caller's scratch buffer is shorter than [`MIN_WINDOW_LEN`](crate::MIN_WINDOW_LEN).
    ScratchTooSmall,
    /// The caller's arena is shorter than
    /// [`Unverified::inflated_len`](crate::Unverified::inflated_len).
    ArenaTooSmall,
    /// A central directory record lacks its signature.
    CentralRecordInvalid,
    /// A central directory record runs past the end of the central directory.
    CentralRecordTruncated,
    /// An extra field runs past the end of its header's extra area.
    ExtraFieldInvalid,
    /// A field is 0xFFFFFFFF (or 0xFFFF) but the Zip64 extra field lacks its real value.
    Zip64FieldMissing,
    /// The entry is encrypted.
    Encrypted,
    /// A compression method other than stored (0) and deflate (8).
    UnsupportedMethod(u16),
    /// General purpose flag bit 5: compressed patched data.
    PatchedData,
    /// An empty name.
    NameEmpty,
    /// A name starting with `/`.
    NameAbsolute,
    /// A name with a backslash (a separator on Windows: `..\x` would climb out there).
    NameBackslash,
    /// A name with a NUL byte.
    NameNul,
    /// A name with another control character (0x01–0x1F, 0x7F).
    NameControl,
    /// A name with an empty segment (`a//b`).
    NameEmptySegment,
    /// A name with a `.` segment.
    NameDotSegment,
    /// A name with a `..` segment.
    NameParentSegment,
    /// A folder entry (name ending in `/`) with a non-zero size.
    FolderWithData,
    /// A second entry with the same name.
    Duplicate,
    /// An entry inflating to more than [`Limits::max_entry_size`](crate::Limits::max_entry_size).
    EntryTooLarge,
    /// A stored entry whose compressed and uncompressed sizes differ.
    StoredSizeMismatch,
    /// No local header signature where the central directory says the entry starts.
    LocalHeaderMissing,
    /// The local header names the entry differently.
    LocalNameMismatch,
    /// The local header gives another compression method.
    LocalMethodMismatch,
    /// The local header disagrees on whether a data descriptor follows the data.
    LocalFlagsMismatch,
    /// The local header gives other sizes.
    LocalSizeMismatch,
    /// The local header gives another CRC-32.
    LocalCrcMismatch,
    /// The data descriptor after the data disagrees with the central directory.
    DataDescriptorMismatch,
    /// The local header, data or data descriptor runs into the central directory or past it.
    PastArchiveEnd,
    /// The entry's local header, data or data descriptor overlaps another entry's.
    Overlap,
    /// The DEFLATE data is not a valid stream.
    Corrupt(InflateError),
    /// The DEFLATE stream ends before the entry's compressed data does.
    TrailingData,
    /// The data inflates to another size than declared (a deflated entry that would inflate
    /// past its declared size is stopped there).
    SizeMismatch,
    /// The data's CRC-32 is not the declared one.
    CrcMismatch,
}

impl Problem {
    /// A short description, for messages: "zip: {entry}: {reason}".
    pub fn reason(self) -> &'static str {
        match self {
            Problem::MultiDisk => "the archive spans several disks",
            Problem::Zip64RecordMissing => "the Zip64 locator points at no Zip64 end record",
            Problem::Zip64Mismatch => "the Zip64 end record disagrees with the end record",
            Problem::CentralDirectoryOutsideFile => {
                "the central directory would start before the file: truncated"
            }
            Problem::CentralDirectoryMisplaced => {
                "the central directory's offset lies past where it is"
            }
            Problem::CentralDirectoryTooShort => {
                "the central directory is too short for its number of entries"
            }
            Problem::CentralDirectoryLength => {
                "the central directory's records do not fill its declared size"
            }
            Problem::TooManyEntries => "more entries than the limit",
            Problem::ArchiveTooLarge => "the entries together inflate past the limit",
            Problem::IndexTooSmall => "the index memory is too small",
            Problem::ScratchTooSmall => "the scratch buffer is too small",
            Problem::ArenaTooSmall => "the memory for inflated files is too small",
            Problem::CentralRecordInvalid => "no central directory record signature",
            Problem::CentralRecordTruncated => "the central directory record is truncated",
            Problem::ExtraFieldInvalid => "an extra field runs past its header",
            Problem::Zip64FieldMissing => "the Zip64 extra field lacks a size or offset",
            Problem::Encrypted => "encrypted",
            Problem::UnsupportedMethod(_) => {
                "compression method is neither stored (0) nor deflate (8)"
            }
            Problem::PatchedData => "compressed patched data (flag bit 5) is not supported",
            Problem::NameEmpty => "empty name",
            Problem::NameAbsolute => "the name is absolute (starts with /)",
            Problem::NameBackslash => "the name has a backslash",
            Problem::NameNul => "the name has a NUL byte",
            Problem::NameControl => "the name has a control character",
            Problem::NameEmptySegment => "the name has an empty segment (//)",
            Problem::NameDotSegment => "the name has a . segment",
            Problem::NameParentSegment => "the name has a .. segment",
            Problem::FolderWithData => "a folder entry with data",
            Problem::Duplicate => "a second entry with this name",
            Problem::EntryTooLarge => "declared size is past the per-entry limit",
            Problem::StoredSizeMismatch => "stored, but its two sizes differ",
            Problem::LocalHeaderMissing => "no local header where the central directory points",
            Problem::LocalNameMismatch => "the local header gives another name",
            Problem::LocalMethodMismatch => "the local header gives another compression method",
            Problem::LocalFlagsMismatch => "the local header disagrees on the data descriptor",
            Problem::LocalSizeMismatch => "the local header gives other sizes",
            Problem::LocalCrcMismatch => "the local header gives another CRC-32",
            Problem::DataDescriptorMismatch => {
                "the data descriptor disagrees with the central directory"
            }
            Problem::PastArchiveEnd => "its data runs into the central directory or past it",
            Problem::Overlap => "its data overlaps another entry's",
            Problem::Corrupt(e) => e.reason(),
            Problem::TrailingData => "its DEFLATE stream ends before its data does",
            Problem::SizeMismatch => "it does not inflate to its declared size",
            Problem::CrcMismatch => "its CRC-32 is not the declared one",
        }
    }
}

/// An archive refused: the problem, and the entry it is about when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error<'a> {
    /// What is wrong.
    pub problem: Problem,
    /// The entry's name as stored, when the problem is one entry's and its name could be read.
    pub entry: Option<&'a [u8]>,
    /// The entry's position in the central directory, from 0, for problems found while reading
    /// the records (the later passes work in sorted order and name the entry only).
    pub record: Option<usize>,
}

impl<'a> Error<'a> {
    pub(crate) fn archive(problem: Problem) -> Self {
        Error {
            problem,
            entry: None,
            record: None,
        }
    }

    pub(crate) fn named(problem: Problem, name: &'a [u8]) -> Self {
        Error {
            problem,
            entry: Some(name),
            record: None,
        }
    }

    pub(crate) fn entry(problem: Problem, record: usize, name: Option<&'a [u8]>) -> Self {
        Error {
            problem,
            entry: name,
            record: Some(record),
        }
    }
}

//! A central directory record (APPNOTE 4.3.12, 4.4): what the archive says about one entry.

use crate::archive::CENTRAL_LEN;
use crate::dostime::{dos_to_unix, extended_timestamp};
use crate::error::Problem;
use crate::extra::{EXTENDED_TIMESTAMP, Fields, ZIP64, widen};
use crate::le::{le16, le32, record, span};

/// "PK\1\2".
const CENTRAL_SIGNATURE: u32 = 0x0201_4B50;

/// General purpose flag bits (APPNOTE 4.4.4).
pub(crate) const FLAG_ENCRYPTED: u16 = 1 << 0;
pub(crate) const FLAG_DESCRIPTOR: u16 = 1 << 3;
pub(crate) const FLAG_PATCHED: u16 = 1 << 5;
pub(crate) const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
/// Bit 13: the local headers' fields are masked (central directory encryption, 4.4.4 and 7.2).
pub(crate) const FLAG_MASKED_HEADERS: u16 = 1 << 13;
/// Method 99 marks WinZip AES encryption (APPNOTE 4.4.5).
const METHOD_AES: u16 = 99;

/// One record, with Zip64 values in place of sentinels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Central {
    /// Where the name is in the file, and its length.
    pub(crate) name_at: usize,
    pub(crate) name_len: u16,
    pub(crate) flags: u16,
    pub(crate) method: u16,
    pub(crate) crc32: u32,
    pub(crate) compressed: u64,
    pub(crate) uncompressed: u64,
    /// Local header offset, as counted by the archive (add the base).
    pub(crate) offset: u64,
    pub(crate) modified: u64,
    /// Where the next record starts.
    pub(crate) next: usize,
}

/// The record at `at`, which must end by `end` (the end of the central directory). On error,
/// the name too when it could be read, to name the entry.
pub(crate) fn read_central(
    file: &[u8],
    at: usize,
    end: usize,
) -> Result<Central, (Problem, Option<&[u8]>)> {
    let within = file.get(..end).unwrap_or_default();
    let r = record::<CENTRAL_LEN>(within, at).ok_or((Problem::CentralRecordTruncated, None))?;
    if le32(r, 0) != CENTRAL_SIGNATURE {
        return Err((Problem::CentralRecordInvalid, None));
    }
    let flags = le16(r, 8);
    let method = le16(r, 10);
    let (time, date) = (le16(r, 12), le16(r, 14));
    let crc32 = le32(r, 16);
    let (compressed, uncompressed) = (le32(r, 20), le32(r, 24));
    let name_len = le16(r, 28);
    let (extra_len, comment_len) = (usize::from(le16(r, 30)), usize::from(le16(r, 32)));
    let disk = le16(r, 34);
    let offset = le32(r, 42);

    let name_at = at + CENTRAL_LEN;
    let name = span(within, name_at, usize::from(name_len))
        .ok_or((Problem::CentralRecordTruncated, None))?;
    let fail = |p| (p, Some(name));
    let extra_at = name_at + usize::from(name_len);
    let extra = span(within, extra_at, extra_len).ok_or(fail(Problem::CentralRecordTruncated))?;
    let next = extra_at + extra_len + comment_len;
    if next > end {
        return Err(fail(Problem::CentralRecordTruncated));
    }

    if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS) != 0
        || method == METHOD_AES
    {
        return Err(fail(Problem::Encrypted));
    }
    if flags & FLAG_PATCHED != 0 {
        return Err(fail(Problem::PatchedData));
    }
    let zip64 = Fields::strict(extra).find(ZIP64).map_err(fail)?;
    let wide = widen(uncompressed, compressed, offset, disk, zip64).map_err(fail)?;
    if wide.disk != 0 {
        return Err(fail(Problem::MultiDisk));
    }
    let modified = Fields::strict(extra)
        .find(EXTENDED_TIMESTAMP)
        .map_err(fail)?
        .and_then(extended_timestamp)
        .unwrap_or_else(|| dos_to_unix(date, time));
    Ok(Central {
        name_at,
        name_len,
        flags,
        method,
        crc32,
        compressed: wide.compressed,
        uncompressed: wide.uncompressed,
        offset: wide.offset,
        modified,
        next,
    })
}

//! A local file header (APPNOTE 4.3.7) and the data descriptor (4.3.9) after the data: they must
//! agree with the central directory, which is what the reader trusts.

use crate::central::{Central, FLAG_DESCRIPTOR, FLAG_ENCRYPTED, FLAG_STRONG_ENCRYPTION};
use crate::error::Problem;
use crate::extra::{Fields, SENTINEL32, ZIP64, widen};
use crate::le::{le16, le32, record, span, u32_at, u64_at};

/// "PK\3\4".
const LOCAL_SIGNATURE: u32 = 0x0403_4B50;
/// "PK\7\8": the optional signature of a data descriptor (APPNOTE 4.3.9.3).
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4B50;
const LOCAL_LEN: usize = 30;

/// Where an entry's bytes are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) header: usize,
    pub(crate) data: usize,
    pub(crate) data_end: usize,
    /// After the data descriptor, if any.
    pub(crate) end: usize,
}

/// Checks the local header at `header` against `c`; everything must end by `limit` (the start
/// of the central directory).
pub(crate) fn check_local(
    file: &[u8],
    header: usize,
    limit: usize,
    c: &Central,
) -> Result<Span, Problem> {
    let within = file.get(..limit).unwrap_or_default();
    let r = record::<LOCAL_LEN>(within, header).ok_or(Problem::PastArchiveEnd)?;
    if le32(r, 0) != LOCAL_SIGNATURE {
        return Err(Problem::LocalHeaderMissing);
    }
    let flags = le16(r, 6);
    let method = le16(r, 8);
    let crc32 = le32(r, 14);
    let (compressed, uncompressed) = (le32(r, 18), le32(r, 22));
    let (name_len, extra_len) = (usize::from(le16(r, 26)), usize::from(le16(r, 28)));

    let name_at = header + LOCAL_LEN;
    let name = span(within, name_at, name_len).ok_or(Problem::PastArchiveEnd)?;
    let central_name = span(file, c.name_at, usize::from(c.name_len)).unwrap_or_default();
    if name != central_name {
        return Err(Problem::LocalNameMismatch);
    }
    if method != c.method {
        return Err(Problem::LocalMethodMismatch);
    }
    if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) != 0 {
        return Err(Problem::Encrypted);
    }
    if (flags ^ c.flags) & FLAG_DESCRIPTOR != 0 {
        return Err(Problem::LocalFlagsMismatch);
    }
    let extra = span(within, name_at + name_len, extra_len).ok_or(Problem::PastArchiveEnd)?;
    // Local headers are read leniently: some tools pad them with bytes that are no field.
    let zip64 = Fields::lenient(extra).find(ZIP64)?;
    let local = widen(uncompressed, compressed, 0, 0, zip64)?;

    let data = name_at + name_len + extra_len;
    let data_end = usize::try_from(c.compressed)
        .ok()
        .and_then(|len| data.checked_add(len))
        .filter(|&end| end <= limit)
        .ok_or(Problem::PastArchiveEnd)?;

    let descriptor = c.flags & FLAG_DESCRIPTOR != 0;
    // Without a data descriptor the local values are the real ones. With one, the writer did not
    // know them when it wrote the header: each is 0, or already right (InfoZIP writes the size).
    let agrees = |local: u64, central: u64| local == central || (descriptor && local == 0);
    if !agrees(u64::from(crc32), u64::from(c.crc32)) {
        return Err(Problem::LocalCrcMismatch);
    }
    if !agrees(local.compressed, c.compressed) || !agrees(local.uncompressed, c.uncompressed) {
        return Err(Problem::LocalSizeMismatch);
    }
    let end = if descriptor {
        let zip64_sizes = zip64.is_some() || compressed == SENTINEL32 || uncompressed == SENTINEL32;
        data_end + descriptor_len(within, data_end, c, zip64_sizes)?
    } else {
        data_end
    };
    Ok(Span {
        header,
        data,
        data_end,
        end,
    })
}

/// Length of the data descriptor at `at`: CRC-32, compressed size, uncompressed size, perhaps
/// after a signature (APPNOTE 4.3.9.3: writers may omit it), with 8-byte sizes when the entry
/// uses Zip64 (4.3.9.2). Each arrangement is tried, the expected width first; one must hold the
/// central directory's values.
fn descriptor_len(bytes: &[u8], at: usize, c: &Central, zip64: bool) -> Result<usize, Problem> {
    let widths = if zip64 { [8, 4] } else { [4, 8] };
    for width in widths {
        for signed in [true, false] {
            let mut p = at;
            if signed {
                if u32_at(bytes, p) != Some(DESCRIPTOR_SIGNATURE) {
                    continue;
                }
                p += 4;
            }
            let size = |q: usize| {
                if width == 8 {
                    u64_at(bytes, q)
                } else {
                    u32_at(bytes, q).map(u64::from)
                }
            };
            if u32_at(bytes, p) == Some(c.crc32)
                && size(p + 4) == Some(c.compressed)
                && size(p + 4 + width) == Some(c.uncompressed)
            {
                return Ok(p + 4 + 2 * width - at);
            }
        }
    }
    Err(Problem::DataDescriptorMismatch)
}

//! Little-endian fields of ZIP records (APPNOTE 4.4: "all values are stored in little-endian byte
//! order"), read without a panic path: out-of-range reads are `None` or, inside a record already
//! known to be whole, 0.

/// The `N`-byte record at `at`, if the bytes are there.
pub(crate) fn record<const N: usize>(bytes: &[u8], at: usize) -> Option<&[u8; N]> {
    bytes.get(at..)?.first_chunk::<N>()
}

/// The `len` bytes at `at`, if they are there.
pub(crate) fn span(bytes: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    bytes.get(at..at.checked_add(len)?)
}

pub(crate) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    record::<2>(bytes, at).map(|b| u16::from_le_bytes(*b))
}

pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    record::<4>(bytes, at).map(|b| u32::from_le_bytes(*b))
}

pub(crate) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    record::<8>(bytes, at).map(|b| u64::from_le_bytes(*b))
}

/// A field of a whole record, at a constant offset inside it (0 never happens in practice: the
/// offsets are the format's, the record's length is checked when it is taken).
pub(crate) fn le16<const N: usize>(record: &[u8; N], at: usize) -> u16 {
    u16_at(record, at).unwrap_or(0)
}

pub(crate) fn le32<const N: usize>(record: &[u8; N], at: usize) -> u32 {
    u32_at(record, at).unwrap_or(0)
}

pub(crate) fn le64<const N: usize>(record: &[u8; N], at: usize) -> u64 {
    u64_at(record, at).unwrap_or(0)
}

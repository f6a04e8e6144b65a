//! A gzip member (RFC 1952 §2.3) around DEFLATE data that is already compressed: a ZIP entry's
//! own stream, sent to a client that accepts gzip without inflating or recompressing it.

/// ID1, ID2 (§2.3.1).
const MAGIC: [u8; 2] = [0x1F, 0x8B];
/// CM = 8: DEFLATE, the only method defined.
const METHOD_DEFLATE: u8 = 8;
/// XFL = 0: the compressor's level is not known (the archive's writer chose it).
const XFL_UNKNOWN: u8 = 0;
/// OS = 255: unknown. The bytes then do not depend on the machine that made them.
const OS_UNKNOWN: u8 = 255;

/// Bytes before the DEFLATE data: no FEXTRA, FNAME, FCOMMENT or FHCRC (FLG = 0).
pub const GZIP_HEADER_LEN: usize = 10;
/// Bytes after it: CRC32 and ISIZE.
pub const GZIP_TRAILER_LEN: usize = 8;

/// One gzip member as three parts, ready for a single `writev`: header, the DEFLATE bytes as
/// they are in the archive, trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GzipMember<'a> {
    /// ID1 ID2 CM FLG MTIME(4) XFL OS.
    pub header: [u8; GZIP_HEADER_LEN],
    /// The raw DEFLATE stream.
    pub deflate: &'a [u8],
    /// CRC-32 of the uncompressed data, then its size modulo 2^32, both little-endian.
    pub trailer: [u8; GZIP_TRAILER_LEN],
}

impl<'a> GzipMember<'a> {
    /// The member for a DEFLATE stream whose uncompressed data has this CRC-32 and size.
    /// `mtime` is seconds since the Unix epoch (§2.3.1 MTIME); 0, or a time past 2106 (which
    /// MTIME cannot hold), is sent as 0, "no time stamp".
    pub fn new(deflate: &'a [u8], crc32: u32, size: u64, mtime: u64) -> Self {
        let mtime = u32::try_from(mtime).unwrap_or(0).to_le_bytes();
        let header = [
            MAGIC[0],
            MAGIC[1],
            METHOD_DEFLATE,
            0,
            mtime[0],
            mtime[1],
            mtime[2],
            mtime[3],
            XFL_UNKNOWN,
            OS_UNKNOWN,
        ];
        let crc = crc32.to_le_bytes();
        // ISIZE is the size modulo 2^32 (§2.3.1).
        let isize = (size as u32).to_le_bytes();
        let trailer = [
            crc[0], crc[1], crc[2], crc[3], isize[0], isize[1], isize[2], isize[3],
        ];
        GzipMember {
            header,
            deflate,
            trailer,
        }
    }

    /// The three parts in order.
    pub fn parts(&self) -> [&[u8]; 3] {
        [&self.header, self.deflate, &self.trailer]
    }

    /// Length of the whole member (for Content-Length and ranges).
    pub fn len(&self) -> usize {
        GZIP_HEADER_LEN + self.deflate.len() + GZIP_TRAILER_LEN
    }

    /// Never: a member always has a header and a trailer (clippy wants the pair with `len`).
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc32::crc32;

    #[test]
    fn fields_follow_rfc_1952() {
        let m = GzipMember::new(&[0x03, 0x00], crc32(b""), 0, 0x0102_0304);
        assert_eq!(m.header, [0x1F, 0x8B, 8, 0, 4, 3, 2, 1, 0, 255]);
        assert_eq!(m.trailer, [0; 8]);
        assert_eq!(m.len(), 20);
        let big = GzipMember::new(&[], 0xAABB_CCDD, (1 << 32) + 5, 1 << 33);
        assert_eq!(big.trailer, [0xDD, 0xCC, 0xBB, 0xAA, 5, 0, 0, 0]);
        assert_eq!(&big.header[4..8], &[0, 0, 0, 0]);
        assert_eq!(big.parts().concat().len(), big.len());
    }
}

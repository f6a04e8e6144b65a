//! The fixed tables of the DEFLATE format (RFC 1951 §3.2.5–§3.2.7), shared by this crate's
//! inflater and the build helper's encoder.

/// Largest back-reference distance (§3.2.5: distances 1..=32768); also the window an inflater
/// must keep.
pub const WINDOW_SIZE: usize = 32 * 1024;
/// Longest copy a length code can express (§3.2.5).
pub const MAX_MATCH: usize = 258;
/// The literal/length symbol that ends a block (§3.2.5).
pub const END_OF_BLOCK: u16 = 256;

/// Length codes 257..=285: base length (§3.2.5).
pub const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
/// Length codes 257..=285: number of extra bits (§3.2.5).
pub const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Distance codes 0..=29: base distance (§3.2.5).
pub const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
/// Distance codes 0..=29: number of extra bits (§3.2.5).
pub const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The order in which code-length code lengths are transmitted (§3.2.7), rarest last so that
/// trailing zeros can be cut off with HCLEN.
pub const CODELEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Code lengths of the fixed literal/length code (§3.2.6): 0–143 eight bits, 144–255 nine,
/// 256–279 seven, 280–287 eight.
pub const FIXED_LITLEN_LENGTHS: [u8; 288] = {
    let mut l = [8u8; 288];
    let mut i = 144;
    while i < 256 {
        l[i] = 9;
        i += 1;
    }
    while i < 280 {
        l[i] = 7;
        i += 1;
    }
    l
};

/// Code lengths of the fixed distance code (§3.2.6): all 30 (and the two unused) five bits.
pub const FIXED_DIST_LENGTHS: [u8; 32] = [5; 32];

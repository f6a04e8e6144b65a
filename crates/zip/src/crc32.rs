//! CRC-32 as ZIP (APPNOTE 4.4.7) and gzip (RFC 1952 §8) use it: the reflected IEEE 802.3
//! polynomial, initial value and final XOR all ones.
//!
//! Table-driven, eight bytes per step ("slicing-by-8"): table `k` holds the remainder of a byte
//! followed by `k` zero bytes, so eight lookups combine eight bytes at once. Validation hashes
//! every byte of an archive at start; this is about three times the speed of one byte per step
//! for 7 KiB more tables (NOTES.md).

/// The IEEE polynomial x^32 + x^26 + ... + 1 in reflected (LSB-first) bit order.
const POLYNOMIAL: u32 = 0xEDB8_8320;

/// Remainder of every byte value, computed at compile time.
const BYTE_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                POLYNOMIAL ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// `TABLES[k][b]`: the remainder of byte `b` followed by `k` zero bytes.
static TABLES: [[u32; 256]; 8] = {
    let mut tables = [BYTE_TABLE; 8];
    let mut k = 1;
    while k < 8 {
        let mut n = 0;
        while n < 256 {
            let previous = tables[k - 1][n];
            tables[k][n] = (previous >> 8) ^ BYTE_TABLE[(previous & 0xFF) as usize];
            n += 1;
        }
        k += 1;
    }
    tables
};

/// CRC-32 of `data` (the value stored in a ZIP header and in a gzip member's trailer).
pub fn crc32(data: &[u8]) -> u32 {
    crc32_update(0, data)
}

/// Continues a CRC-32: `crc32_update(crc32(a), b) == crc32(a ++ b)`.
pub fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    // The register holds the complement between calls so that the public value is the finished CRC.
    let mut c = !crc;
    let (words, tail) = data.as_chunks::<8>();
    let t = &TABLES;
    for word in words {
        let [a, b, c2, d, e, f, g, h] = *word;
        let low = c ^ u32::from_le_bytes([a, b, c2, d]);
        let byte = |v: u32, shift: u32| ((v >> shift) & 0xFF) as usize;
        c = t[7][byte(low, 0)]
            ^ t[6][byte(low, 8)]
            ^ t[5][byte(low, 16)]
            ^ t[4][byte(low, 24)]
            ^ t[3][usize::from(e)]
            ^ t[2][usize::from(f)]
            ^ t[1][usize::from(g)]
            ^ t[0][usize::from(h)];
    }
    for &byte in tail {
        c = t[0][((c ^ u32::from(byte)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values() {
        // "123456789" is the catalogue check value for CRC-32/ISO-HDLC.
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for split in [0, 1, 17, 500, 999, 1000] {
            let (a, b) = data.split_at(split);
            assert_eq!(crc32_update(crc32(a), b), crc32(&data));
        }
        // Eight bytes per step agrees with one byte per step, at every length and alignment.
        let bytewise = |data: &[u8]| {
            let mut c = !0u32;
            for &b in data {
                c = BYTE_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
            }
            !c
        };
        for start in 0..8 {
            for end in start..data.len().min(start + 40) {
                assert_eq!(crc32(&data[start..end]), bytewise(&data[start..end]));
            }
        }
        assert_eq!(crc32(&data), bytewise(&data));
    }
}

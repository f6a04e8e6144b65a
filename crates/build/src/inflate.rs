//! A small DEFLATE/gzip decoder for the tests only (RFC 1951 §3.2, RFC 1952 §2), so that the encoder's
//! tests mean something even where no system `gzip` is installed. Clarity over speed: Huffman codes
//! are decoded one bit at a time from canonical code counts.

use crate::crc32::crc32;
use crate::deflate::{DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA};

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u32,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Result<u32, &'static str> {
        let byte = *self.data.get(self.pos).ok_or("unexpected end of input")?;
        let b = u32::from(byte >> self.bit) & 1;
        self.bit += 1;
        if self.bit == 8 {
            self.bit = 0;
            self.pos += 1;
        }
        Ok(b)
    }

    /// `n` bits, least significant first (§3.1.1).
    fn bits(&mut self, n: u32) -> Result<u32, &'static str> {
        let mut v = 0;
        for i in 0..n {
            v |= self.bit()? << i;
        }
        Ok(v)
    }

    fn align(&mut self) {
        if self.bit != 0 {
            self.bit = 0;
            self.pos += 1;
        }
    }
}

/// A canonical code as counts per length and the symbols in code order (§3.2.2).
struct Decoder {
    count: [u16; 16],
    symbols: Vec<u16>,
}

impl Decoder {
    fn new(lengths: &[u8]) -> Result<Decoder, &'static str> {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[usize::from(l)] += 1;
        }
        count[0] = 0;
        // Reject over-subscribed codes: at each length no more codes than remain available.
        let mut left = 1i32;
        for &c in &count[1..] {
            left = left * 2 - i32::from(c);
            if left < 0 {
                return Err("over-subscribed code");
            }
        }
        let mut symbols = Vec::new();
        for len in 1..16u8 {
            for (sym, &l) in lengths.iter().enumerate() {
                if l == len {
                    symbols.push(sym as u16);
                }
            }
        }
        Ok(Decoder { count, symbols })
    }

    fn decode(&self, r: &mut BitReader) -> Result<usize, &'static str> {
        // `first` is the first code of the current length, `index` the position of its symbol.
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= r.bit()? as i32;
            let count = i32::from(self.count[len]);
            if code - first < count {
                return Ok(usize::from(self.symbols[(index + code - first) as usize]));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err("invalid Huffman code")
    }
}

/// Decodes a raw DEFLATE stream; the whole input must be consumed up to the final block's padding.
pub fn inflate(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut r = BitReader {
        data,
        pos: 0,
        bit: 0,
    };
    let mut out = Vec::new();
    loop {
        let last = r.bit()? == 1;
        match r.bits(2)? {
            0 => {
                r.align();
                let header = data
                    .get(r.pos..r.pos + 4)
                    .ok_or("truncated stored header")?;
                let len = u16::from_le_bytes([header[0], header[1]]);
                let nlen = u16::from_le_bytes([header[2], header[3]]);
                if len != !nlen {
                    return Err("stored LEN/NLEN mismatch");
                }
                r.pos += 4;
                let body = data
                    .get(r.pos..r.pos + usize::from(len))
                    .ok_or("truncated stored block")?;
                out.extend_from_slice(body);
                r.pos += usize::from(len);
            }
            1 => {
                let mut l = [8u8; 288];
                l[144..256].fill(9);
                l[256..280].fill(7);
                inflate_block(
                    &mut r,
                    &mut out,
                    &Decoder::new(&l)?,
                    &Decoder::new(&[5; 30])?,
                )?;
            }
            2 => {
                let hlit = r.bits(5)? as usize + 257;
                let hdist = r.bits(5)? as usize + 1;
                let hclen = r.bits(4)? as usize + 4;
                const ORDER: [usize; 19] = [
                    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                ];
                let mut cl = [0u8; 19];
                for &sym in &ORDER[..hclen] {
                    cl[sym] = r.bits(3)? as u8;
                }
                let cl = Decoder::new(&cl)?;
                let mut lengths = Vec::with_capacity(hlit + hdist);
                while lengths.len() < hlit + hdist {
                    let sym = cl.decode(&mut r)?;
                    let (value, repeat) = match sym {
                        0..=15 => (sym as u8, 1),
                        16 => (
                            *lengths.last().ok_or("repeat with no previous length")?,
                            3 + r.bits(2)?,
                        ),
                        17 => (0, 3 + r.bits(3)?),
                        _ => (0, 11 + r.bits(7)?),
                    };
                    for _ in 0..repeat {
                        lengths.push(value);
                    }
                }
                if lengths.len() != hlit + hdist {
                    return Err("code lengths overrun");
                }
                if lengths[256] == 0 {
                    return Err("no end-of-block code");
                }
                let litlen = Decoder::new(&lengths[..hlit])?;
                let dist = Decoder::new(&lengths[hlit..])?;
                inflate_block(&mut r, &mut out, &litlen, &dist)?;
            }
            _ => return Err("reserved block type"),
        }
        if last {
            break;
        }
    }
    r.align();
    if r.pos != data.len() {
        return Err("trailing bytes after the final block");
    }
    Ok(out)
}

fn inflate_block(
    r: &mut BitReader,
    out: &mut Vec<u8>,
    litlen: &Decoder,
    dist: &Decoder,
) -> Result<(), &'static str> {
    loop {
        let sym = litlen.decode(r)?;
        match sym {
            0..=255 => out.push(sym as u8),
            256 => return Ok(()),
            257..=285 => {
                let i = sym - 257;
                let len =
                    usize::from(LENGTH_BASE[i]) + r.bits(u32::from(LENGTH_EXTRA[i]))? as usize;
                let d = dist.decode(r)?;
                if d >= 30 {
                    return Err("invalid distance code");
                }
                let distance =
                    usize::from(DIST_BASE[d]) + r.bits(u32::from(DIST_EXTRA[d]))? as usize;
                if distance > out.len() {
                    return Err("distance before start of output");
                }
                for _ in 0..len {
                    out.push(out[out.len() - distance]);
                }
            }
            _ => return Err("invalid literal/length code"),
        }
    }
}

/// Decodes a single-member gzip file and checks its CRC-32 and ISIZE (RFC 1952 §2.3).
pub fn gunzip(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    if data.len() < 18 || data[0] != 0x1F || data[1] != 0x8B || data[2] != 8 {
        return Err("not a gzip member");
    }
    if data[3] != 0 {
        return Err("unexpected header flags");
    }
    let body = &data[10..data.len() - 8];
    let out = inflate(body)?;
    let trailer = &data[data.len() - 8..];
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let isize = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    if crc != crc32(&out) {
        return Err("CRC-32 mismatch");
    }
    if isize != out.len() as u32 {
        return Err("ISIZE mismatch");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_hand_made_streams() {
        // A stored block holding "hi": BFINAL=1 BTYPE=00, LEN=2, NLEN=!2.
        assert_eq!(
            inflate(&[0x01, 0x02, 0x00, 0xFD, 0xFF, b'h', b'i']).as_deref(),
            Ok(&b"hi"[..])
        );
        // Fixed-code block for "a": literal 'a' (0x61) is code 0x30+0x61 in 8 bits, then EOB.
        // Produced by `printf a | gzip -9` (bytes after the 10-byte header).
        assert_eq!(inflate(&[0x4B, 0x04, 0x00]).as_deref(), Ok(&b"a"[..]));
        assert!(inflate(&[0x01, 0x02, 0x00, 0xFD, 0xFE, b'h', b'i']).is_err());
        assert!(inflate(&[0x07]).is_err());
    }
}

//! Canonical Huffman codes (RFC 1951 §3.2.2) built from code lengths, and decoding one symbol.
//!
//! Codes of up to [`FAST_BITS`] bits are decoded with one table lookup indexed by the next bits of
//! the stream; longer codes (rare symbols: a code of length L covers 2^-L of the input) walk the
//! canonical code length by length.

use crate::bits::Bits;
use crate::inflate::InflateError;

/// Bits resolved by one lookup. 10 covers every code of the fixed literal/length code (at most 9
/// bits) and nearly every symbol of real dynamic codes, with a 2 KiB table.
const FAST_BITS: u32 = 10;
const FAST_SIZE: usize = 1 << FAST_BITS;
/// Longest code (§3.2.7: lengths are 0..=15).
const MAX_BITS: usize = 15;
/// Largest alphabet: literal/length symbols 0..=287 (§3.2.5).
pub(crate) const MAX_SYMBOLS: usize = 288;

/// Which code a table is for: they differ in which incomplete codes RFC 1951 lets through.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The code-length code of a dynamic block header (§3.2.7).
    CodeLengths,
    /// The literal/length or the distance code.
    Data,
}

pub(crate) struct Huffman {
    /// Indexed by the next FAST_BITS bits of the stream: `length << 9 | symbol`, or 0 when the
    /// code is longer than FAST_BITS (or is no code at all).
    fast: [u16; FAST_SIZE],
    /// Number of codes of each length.
    count: [u16; MAX_BITS + 1],
    /// Symbols in canonical code order: by length, then by symbol value.
    symbols: [u16; MAX_SYMBOLS],
}

impl Huffman {
    pub(crate) const fn new() -> Self {
        Huffman {
            fast: [0; FAST_SIZE],
            count: [0; MAX_BITS + 1],
            symbols: [0; MAX_SYMBOLS],
        }
    }

    /// Builds the code whose symbol `i` has code length `lengths[i]` (0: unused).
    ///
    /// An over-subscribed set of lengths (more codes than bit patterns) is refused. An incomplete
    /// one is refused too, except for a data code with a single code of length 1 (§3.2.7 allows a
    /// distance code with one code; zlib accepts the same for the literal/length code) or with no
    /// codes at all (a block with no distances); decoding a missing pattern is then an error.
    pub(crate) fn build(&mut self, lengths: &[u8], kind: Kind) -> Result<(), InflateError> {
        self.count = [0; MAX_BITS + 1];
        for &len in lengths {
            if let Some(c) = self.count.get_mut(usize::from(len)) {
                *c += 1;
            }
        }
        self.count[0] = 0;

        let mut left: i32 = 1;
        let mut longest = 0;
        for (len, &c) in self.count.iter().enumerate().skip(1) {
            left = (left << 1) - i32::from(c);
            if left < 0 {
                return Err(InflateError::OversubscribedCode);
            }
            if c > 0 {
                longest = len;
            }
        }
        let allowed_incomplete = kind == Kind::Data && longest <= 1;
        if left > 0 && !allowed_incomplete {
            return Err(InflateError::IncompleteCode);
        }

        // Where each length's symbols start in `symbols`.
        let mut next = [0u16; MAX_BITS + 2];
        for len in 1..=MAX_BITS {
            next[len + 1] = next[len] + self.count[len];
        }
        for (symbol, &len) in lengths.iter().enumerate().take(MAX_SYMBOLS) {
            if len == 0 || usize::from(len) > MAX_BITS {
                continue;
            }
            if let Some(at) = next.get_mut(usize::from(len))
                && let Some(slot) = self.symbols.get_mut(usize::from(*at))
            {
                *slot = symbol as u16;
                *at += 1;
            }
        }

        // Canonical codes are consecutive within a length (§3.2.2); the stream sends each code
        // most significant bit first, so the table is indexed by the code's bits reversed.
        self.fast = [0; FAST_SIZE];
        let mut code: u32 = 0;
        let mut index = 0usize;
        for len in 1..=FAST_BITS as usize {
            for _ in 0..self.count[len] {
                let symbol = self.symbols.get(index).copied().unwrap_or(0);
                let entry = (len as u16) << 9 | symbol;
                let mut at = (code.reverse_bits() >> (32 - len)) as usize;
                while let Some(slot) = self.fast.get_mut(at) {
                    *slot = entry;
                    at += 1 << len;
                }
                code += 1;
                index += 1;
            }
            code <<= 1;
        }
        Ok(())
    }

    /// Decodes one symbol. The reader must hold at least 15 bits (a refill guarantees it).
    #[inline(always)]
    pub(crate) fn decode(&self, bits: &mut Bits) -> Result<u16, InflateError> {
        let entry = self.fast[(bits.register() as usize) & (FAST_SIZE - 1)];
        if entry != 0 {
            bits.consume(u32::from(entry >> 9));
            return Ok(entry & 0x1FF);
        }
        let (symbol, len) = self.decode_long(bits.register())?;
        bits.consume(len);
        Ok(symbol)
    }

    /// Walks the canonical code one bit at a time: at each length, the codes of that length are
    /// the `count` values starting at `first`. Returns the symbol and its code's length. (It takes
    /// the bits by value so that the reader's state never leaves registers in the hot loop.)
    #[cold]
    #[inline(never)]
    fn decode_long(&self, register: u64) -> Result<(u16, u32), InflateError> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..=MAX_BITS {
            code |= ((register >> (len - 1)) & 1) as i32;
            let count = i32::from(self.count[len]);
            if code - first < count {
                let at = (index + code - first) as usize;
                let symbol = self.symbols.get(at).ok_or(InflateError::InvalidCode)?;
                return Ok((*symbol, len as u32));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(InflateError::InvalidCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfc1951::FIXED_LITLEN_LENGTHS;

    /// Writes `code` of `len` bits most significant first into an LSB-first byte stream.
    fn push_code(out: &mut Vec<bool>, code: u32, len: u32) {
        for i in (0..len).rev() {
            out.push(code >> i & 1 == 1);
        }
    }

    fn pack(bits: &[bool]) -> Vec<u8> {
        let mut out = vec![0u8; bits.len().div_ceil(8) + 8];
        for (i, &b) in bits.iter().enumerate() {
            if b {
                out[i / 8] |= 1 << (i % 8);
            }
        }
        out
    }

    #[test]
    fn decodes_every_symbol_of_the_fixed_code_and_of_a_long_code() {
        // The fixed code's canonical codes (§3.2.6): 0-143 from 0x30, 144-255 from 0x190,
        // 256-279 from 0, 280-287 from 0xC0.
        let mut stream = Vec::new();
        for sym in 0..288u32 {
            let (code, len) = match sym {
                0..=143 => (0x30 + sym, 8),
                144..=255 => (0x190 + sym - 144, 9),
                256..=279 => (sym - 256, 7),
                _ => (0xC0 + sym - 280, 8),
            };
            push_code(&mut stream, code, len);
        }
        let mut h = Huffman::new();
        h.build(&FIXED_LITLEN_LENGTHS, Kind::Data).unwrap();
        let bytes = pack(&stream);
        let mut bits = Bits::new(&bytes);
        for sym in 0..288u16 {
            bits.refill().unwrap();
            assert_eq!(h.decode(&mut bits), Ok(sym));
        }

        // Lengths 1, 2, ..., 14, 15, 15: codes longer than FAST_BITS take the slow path.
        let mut lengths: Vec<u8> = (1..=15).collect();
        lengths.push(15);
        h.build(&lengths, Kind::Data).unwrap();
        let mut stream = Vec::new();
        let mut code = 0u32;
        for (i, &len) in lengths.iter().enumerate() {
            if i > 0 && len > lengths[i - 1] {
                code <<= 1;
            }
            push_code(&mut stream, code, u32::from(len));
            code += 1;
        }
        let bytes = pack(&stream);
        let mut bits = Bits::new(&bytes);
        for sym in 0..lengths.len() as u16 {
            bits.refill().unwrap();
            assert_eq!(h.decode(&mut bits), Ok(sym));
        }
    }

    #[test]
    fn refuses_over_subscribed_and_incomplete_codes() {
        let mut h = Huffman::new();
        assert_eq!(
            h.build(&[1, 1, 1], Kind::Data),
            Err(InflateError::OversubscribedCode)
        );
        assert_eq!(
            h.build(&[2, 2, 2], Kind::Data),
            Err(InflateError::IncompleteCode)
        );
        assert_eq!(
            h.build(&[1], Kind::CodeLengths),
            Err(InflateError::IncompleteCode)
        );
        // One code of one bit, and no code at all, are allowed for data codes; the missing
        // pattern then fails to decode.
        assert_eq!(h.build(&[0, 1], Kind::Data), Ok(()));
        let mut bits = Bits::new(&[0b10]);
        bits.refill().unwrap();
        assert_eq!(h.decode(&mut bits), Ok(1));
        assert_eq!(h.decode(&mut bits), Err(InflateError::InvalidCode));
        assert_eq!(h.build(&[0; 30], Kind::Data), Ok(()));
    }
}

//! Reading a DEFLATE stream's bits: least significant bit of each byte first (RFC 1951 §3.1.1).
//!
//! The reader keeps up to 63 bits in a 64-bit register and refills it eight bytes at a time while
//! the input has eight left. Past the end it feeds zero bytes and counts them, so that a decoder
//! never needs a bounds check per bit: consuming any of those zeros means the stream was
//! truncated, which [`Bits::refill`] and [`Bits::finish`] report.

use crate::inflate::InflateError;

#[derive(Clone, Copy)]
pub(crate) struct Bits<'i> {
    input: &'i [u8],
    /// Next input byte to load into the register.
    pos: usize,
    /// Bits not yet consumed, the next one in bit 0. Bits above `count` are either zero or
    /// copies of the input bytes at `pos..` (the eight-byte refill loads more than it counts),
    /// so OR-ing those bytes in again changes nothing.
    register: u64,
    count: u32,
    /// Zero bytes loaded past the end of the input.
    padding: u32,
}

/// Bits the register holds after a refill, at least: one literal/length code with its extra bits
/// and one distance code with its extra bits (15 + 5 + 15 + 13 = 48) fit.
pub(crate) const REFILLED: u32 = 56;

impl<'i> Bits<'i> {
    pub(crate) fn new(input: &'i [u8]) -> Self {
        Bits {
            input,
            pos: 0,
            register: 0,
            count: 0,
            padding: 0,
        }
    }

    /// Tops the register up to at least [`REFILLED`] bits.
    #[inline(always)]
    pub(crate) fn refill(&mut self) -> Result<(), InflateError> {
        if self.count >= REFILLED {
            return Ok(());
        }
        if let Some(word) = self
            .input
            .get(self.pos..)
            .and_then(|s| s.first_chunk::<8>())
        {
            self.register |= u64::from_le_bytes(*word) << self.count;
            // Whole bytes that fit below bit 64; `count | 56` is `count + 8 * that`.
            self.pos += ((63 - self.count) >> 3) as usize;
            self.count |= 56;
            Ok(())
        } else {
            // By value: the hot path's state never has its address taken, so it stays in
            // registers.
            *self = self.refilled_slowly()?;
            Ok(())
        }
    }

    #[cold]
    #[inline(never)]
    fn refilled_slowly(mut self) -> Result<Self, InflateError> {
        while self.count < REFILLED {
            let byte = match self.input.get(self.pos) {
                Some(&b) => {
                    self.pos += 1;
                    b
                }
                None => {
                    self.padding += 1;
                    0
                }
            };
            self.register |= u64::from(byte) << self.count;
            self.count += 8;
        }
        self.check_overrun()?;
        Ok(self)
    }

    /// Padding bytes are the last loaded, so they sit above every real bit: once fewer bits remain
    /// than padding was loaded, some padding has been consumed as if it were data.
    pub(crate) fn check_overrun(&self) -> Result<(), InflateError> {
        if self.padding * 8 > self.count {
            Err(InflateError::Truncated)
        } else {
            Ok(())
        }
    }

    /// The next `n` bits (`n <= count`), without consuming them.
    #[inline(always)]
    pub(crate) fn peek(&self, n: u32) -> u32 {
        (self.register & ((1u64 << n) - 1)) as u32
    }

    #[inline(always)]
    pub(crate) fn register(&self) -> u64 {
        self.register
    }

    #[inline(always)]
    pub(crate) fn consume(&mut self, n: u32) {
        self.register >>= n;
        self.count -= n;
    }

    /// The next `n` bits as a number, first bit least significant (`n <= count`, `n <= 32`).
    #[inline(always)]
    pub(crate) fn take(&mut self, n: u32) -> u32 {
        let v = self.peek(n);
        self.consume(n);
        v
    }

    /// Skips to the next byte boundary (§3.2.4: a stored block's LEN starts there).
    pub(crate) fn align(&mut self) {
        self.consume(self.count % 8);
    }

    /// After [`Bits::align`]: gives back the register's whole bytes to the input and returns the
    /// remaining input from the current byte, for a stored block to copy directly.
    pub(crate) fn unload(&mut self) -> Result<&'i [u8], InflateError> {
        self.check_overrun()?;
        let buffered = (self.count / 8 - self.padding) as usize;
        let at = self.pos - buffered;
        self.pos = at;
        self.register = 0;
        self.count = 0;
        self.padding = 0;
        Ok(self.input.get(at..).unwrap_or_default())
    }

    /// Consumes `n` bytes of what [`Bits::unload`] returned.
    pub(crate) fn skip_bytes(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.input.len());
    }

    /// At the end of the final block: the bytes the stream occupied, its last partial byte
    /// included (§3.2.3: the final block's padding bits are unused).
    pub(crate) fn finish(&mut self) -> Result<usize, InflateError> {
        self.align();
        self.check_overrun()?;
        Ok(self.pos - (self.count / 8 - self.padding) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_come_least_significant_first_across_refills() {
        let input: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        let mut bits = Bits::new(&input);
        // Read the whole input in odd-sized pieces and rebuild it.
        let mut out = Vec::new();
        let (mut acc, mut have) = (0u64, 0u32);
        for step in [1u32, 7, 13, 3, 9, 16, 5].iter().cycle() {
            bits.refill().unwrap();
            let n = (*step).min(input.len() as u32 * 8 - (out.len() as u32 * 8 + have));
            if n == 0 {
                break;
            }
            acc |= u64::from(bits.take(n)) << have;
            have += n;
            while have >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                have -= 8;
            }
        }
        assert_eq!(out, input);
        assert_eq!(bits.finish(), Ok(40));
    }

    #[test]
    fn consuming_past_the_end_is_truncation() {
        let mut bits = Bits::new(&[0xFF, 0xFF]);
        bits.refill().unwrap();
        bits.take(16);
        assert_eq!(bits.finish(), Ok(2));
        bits.take(1);
        assert_eq!(bits.finish(), Err(InflateError::Truncated));
    }

    #[test]
    fn unload_returns_the_unread_bytes() {
        let input = [0b101u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        let mut bits = Bits::new(&input);
        bits.refill().unwrap();
        bits.take(3);
        bits.align();
        bits.take(16);
        assert_eq!(bits.unload(), Ok(&input[3..]));
        bits.skip_bytes(4);
        bits.refill().unwrap();
        assert_eq!(bits.take(8), 7);
        assert_eq!(bits.finish(), Ok(8));
    }
}

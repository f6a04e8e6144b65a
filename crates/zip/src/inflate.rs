//! A raw DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks.
//!
//! It never allocates and never writes past the output it is given: [`inflate`] fills a buffer
//! that must hold the whole result, [`inflate_check`] streams through a fixed window and returns
//! only the size and CRC-32. Either way the work is bounded by the input's length plus the
//! output's (every symbol either consumes input or produces output), so a stream that claims to
//! be small but inflates without end costs no more than the room it was given.

use crate::bits::Bits;
use crate::huffman::{Huffman, Kind, MAX_SYMBOLS};
use crate::output::{MIN_WINDOW_LEN, Output};
use crate::rfc1951::{
    CODELEN_ORDER, DIST_BASE, DIST_EXTRA, END_OF_BLOCK, FIXED_DIST_LENGTHS, FIXED_LITLEN_LENGTHS,
    LENGTH_BASE, LENGTH_EXTRA,
};

/// Why a DEFLATE stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflateError {
    /// The input ends before the final block does.
    Truncated,
    /// A block header has BTYPE 11 (§3.2.3: reserved).
    ReservedBlockType,
    /// A stored block's LEN is not the complement of its NLEN (§3.2.4).
    StoredLengthMismatch,
    /// A dynamic header declares more than 286 literal/length or 30 distance codes (§3.2.7).
    TooManyCodes,
    /// A set of code lengths describes more codes than bit patterns exist.
    OversubscribedCode,
    /// A set of code lengths leaves bit patterns unused where RFC 1951 allows none.
    IncompleteCode,
    /// Code-length symbol 16 ("repeat the previous length") comes first.
    RepeatWithoutLength,
    /// The code lengths run past the number the header declared.
    TooManyLengths,
    /// The literal/length code has no code for end-of-block (symbol 256).
    NoEndOfBlock,
    /// The bits at this point are no code of the current Huffman code.
    InvalidCode,
    /// Literal/length symbol 286 or 287, or distance symbol 30 or 31 (§3.2.6: never used).
    InvalidSymbol,
    /// A back-reference reaches before the start of the output.
    DistanceTooFar,
    /// The output would be longer than the room given (the buffer, or the limit).
    OutputFull,
    /// The streaming window is shorter than [`MIN_WINDOW_LEN`](crate::MIN_WINDOW_LEN).
    WindowTooSmall,
}

impl InflateError {
    /// A short description, for messages.
    pub fn reason(self) -> &'static str {
        match self {
            InflateError::Truncated => "the DEFLATE stream is truncated",
            InflateError::ReservedBlockType => "a DEFLATE block has the reserved type 3",
            InflateError::StoredLengthMismatch => "a stored block's LEN and NLEN disagree",
            InflateError::TooManyCodes => "a dynamic block declares too many codes",
            InflateError::OversubscribedCode => "a Huffman code is over-subscribed",
            InflateError::IncompleteCode => "a Huffman code is incomplete",
            InflateError::RepeatWithoutLength => "a code-length repeat has nothing to repeat",
            InflateError::TooManyLengths => "code lengths run past the declared count",
            InflateError::NoEndOfBlock => "a dynamic block has no end-of-block code",
            InflateError::InvalidCode => "invalid Huffman code",
            InflateError::InvalidSymbol => "invalid length or distance symbol",
            InflateError::DistanceTooFar => "a back-reference reaches before the output's start",
            InflateError::OutputFull => "the output is longer than the room for it",
            InflateError::WindowTooSmall => "the inflate window is too small",
        }
    }
}

/// What [`inflate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inflated {
    /// Input bytes the stream occupied, up to and including the final block's last byte.
    pub consumed: usize,
    /// Bytes written at the start of the output.
    pub written: usize,
}

/// What [`inflate_check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Input bytes the stream occupied, up to and including the final block's last byte.
    pub consumed: usize,
    /// Bytes the stream inflates to.
    pub size: usize,
    /// CRC-32 of those bytes.
    pub crc32: u32,
}

/// Inflates the raw DEFLATE stream at the start of `input` into `out`, which must be long enough
/// for all of it ([`InflateError::OutputFull`] otherwise). Bytes in `out` after
/// [`Inflated::written`] may have been overwritten (up to 7 of them: copies move whole words
/// when there is room).
pub fn inflate(input: &[u8], out: &mut [u8]) -> Result<Inflated, InflateError> {
    let mut output = Output::flat(out);
    let consumed = run(input, &mut output)?;
    let (written, _) = output.finish();
    Ok(Inflated { consumed, written })
}

/// Inflates the raw DEFLATE stream at the start of `input` without keeping the result, using
/// `window` (at least [`MIN_WINDOW_LEN`](crate::MIN_WINDOW_LEN) bytes) as scratch, and refusing
/// more than `limit` bytes of output ([`InflateError::OutputFull`]). Returns its size and CRC-32:
/// how a ZIP entry is checked against its declared size and CRC in bounded memory and time.
pub fn inflate_check(
    input: &[u8],
    window: &mut [u8],
    limit: usize,
) -> Result<Checked, InflateError> {
    if window.len() < MIN_WINDOW_LEN {
        return Err(InflateError::WindowTooSmall);
    }
    let mut output = Output::streaming(window, limit);
    let consumed = run(input, &mut output)?;
    let (size, crc) = output.finish();
    Ok(Checked {
        consumed,
        size,
        crc32: crc.unwrap_or(0),
    })
}

/// The two codes of the current block.
struct Codes {
    litlen: Huffman,
    dist: Huffman,
}

fn run(input: &[u8], out: &mut Output) -> Result<usize, InflateError> {
    let mut bits = Bits::new(input);
    match blocks(&mut bits, out) {
        Ok(()) => bits.finish(),
        // Bits read past the end are zeros, which can look like anything: a stream that ran out
        // is reported as truncated, whatever those zeros then seemed to say.
        Err(e) => Err(bits.check_overrun().err().unwrap_or(e)),
    }
}

fn blocks(bits: &mut Bits, out: &mut Output) -> Result<(), InflateError> {
    let mut codes = Codes {
        litlen: Huffman::new(),
        dist: Huffman::new(),
    };
    // Which codes `codes` holds, so consecutive fixed blocks build them once.
    let mut holds_fixed = false;
    loop {
        bits.refill()?;
        let header = bits.take(3);
        match header >> 1 {
            0 => stored(bits, out)?,
            1 => {
                if !holds_fixed {
                    codes.litlen.build(&FIXED_LITLEN_LENGTHS, Kind::Data)?;
                    codes.dist.build(&FIXED_DIST_LENGTHS, Kind::Data)?;
                    holds_fixed = true;
                }
                block(bits, out, &codes)?;
            }
            2 => {
                holds_fixed = false;
                dynamic_header(bits, &mut codes)?;
                block(bits, out, &codes)?;
            }
            _ => return Err(InflateError::ReservedBlockType),
        }
        if header & 1 == 1 {
            return Ok(());
        }
    }
}

/// A stored block (§3.2.4): to the byte boundary, LEN, NLEN, then LEN bytes as they are.
fn stored(bits: &mut Bits, out: &mut Output) -> Result<(), InflateError> {
    bits.align();
    let len = bits.take(16);
    let nlen = bits.take(16);
    if len != !nlen & 0xFFFF {
        return Err(InflateError::StoredLengthMismatch);
    }
    let rest = bits.unload()?;
    let body = rest.get(..len as usize).ok_or(InflateError::Truncated)?;
    out.extend(body)?;
    bits.skip_bytes(body.len());
    Ok(())
}

/// Reads a dynamic block's code definitions (§3.2.7) into `codes`.
fn dynamic_header(bits: &mut Bits, codes: &mut Codes) -> Result<(), InflateError> {
    let hlit = bits.take(5) as usize + 257;
    let hdist = bits.take(5) as usize + 1;
    let hclen = bits.take(4) as usize + 4;
    if hlit > 286 || hdist > 30 {
        return Err(InflateError::TooManyCodes);
    }
    let mut codelen_lengths = [0u8; 19];
    for &symbol in CODELEN_ORDER.iter().take(hclen) {
        bits.refill()?;
        if let Some(l) = codelen_lengths.get_mut(symbol) {
            *l = bits.take(3) as u8;
        }
    }
    // The distance table is free until the end of the header: it decodes the code lengths.
    let codelen = &mut codes.dist;
    codelen.build(&codelen_lengths, Kind::CodeLengths)?;

    let mut lengths = [0u8; MAX_SYMBOLS + 32];
    let total = hlit + hdist;
    let mut n = 0;
    while n < total {
        bits.refill()?;
        let symbol = codelen.decode(bits)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = n
                    .checked_sub(1)
                    .and_then(|p| lengths.get(p))
                    .ok_or(InflateError::RepeatWithoutLength)?;
                (*previous, 3 + bits.take(2) as usize)
            }
            17 => (0, 3 + bits.take(3) as usize),
            _ => (0, 11 + bits.take(7) as usize),
        };
        let run = lengths
            .get_mut(n..n + repeat)
            .filter(|_| n + repeat <= total)
            .ok_or(InflateError::TooManyLengths)?;
        run.fill(value);
        n += repeat;
    }
    let (litlen_lengths, rest) = lengths.split_at(hlit.min(MAX_SYMBOLS));
    if litlen_lengths.get(usize::from(END_OF_BLOCK)) == Some(&0) {
        return Err(InflateError::NoEndOfBlock);
    }
    codes.litlen.build(litlen_lengths, Kind::Data)?;
    codes
        .dist
        .build(rest.get(..hdist).unwrap_or_default(), Kind::Data)?;
    Ok(())
}

/// Decodes one compressed block's symbols (§3.2.5) up to its end-of-block.
fn block(bits: &mut Bits, out: &mut Output, codes: &Codes) -> Result<(), InflateError> {
    // On local copies, the reader's and the output's state stay in registers: writes to the
    // output cannot alias them.
    let mut local = *bits;
    let mut output = core::mem::replace(out, Output::flat(&mut []));
    let result = symbols(&mut local, &mut output, codes);
    *bits = local;
    *out = output;
    result
}

#[inline(always)]
fn symbols(bits: &mut Bits, out: &mut Output, codes: &Codes) -> Result<(), InflateError> {
    loop {
        bits.refill()?;
        let mut symbol = codes.litlen.decode(bits)?;
        if symbol < 256 {
            // A refill leaves at least 56 bits: room for a second code (15 bits at most) without
            // another. Literal runs are most of the symbols in text.
            out.literal(symbol as u8)?;
            symbol = codes.litlen.decode(bits)?;
            if symbol < 256 {
                out.literal(symbol as u8)?;
                continue;
            }
            // At least 26 bits left; a length's and distance's codes and extra bits take 48.
            bits.refill()?;
        }
        if symbol == END_OF_BLOCK {
            return Ok(());
        }
        let i = usize::from(symbol - 257);
        let (Some(&base), Some(&extra)) = (LENGTH_BASE.get(i), LENGTH_EXTRA.get(i)) else {
            return Err(InflateError::InvalidSymbol);
        };
        let len = usize::from(base) + bits.take(u32::from(extra)) as usize;
        let d = usize::from(codes.dist.decode(bits)?);
        let (Some(&base), Some(&extra)) = (DIST_BASE.get(d), DIST_EXTRA.get(d)) else {
            return Err(InflateError::InvalidSymbol);
        };
        let distance = usize::from(base) + bits.take(u32::from(extra)) as usize;
        out.copy(distance, len)?;
    }
}

#[cfg(test)]
#[path = "inflate_tests.rs"]
mod tests;

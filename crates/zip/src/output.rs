//! Where inflated bytes go: the caller's buffer, either holding the whole output (flat) or used as
//! a sliding window whose older bytes are hashed and dropped (streaming), so that an entry of any
//! declared size can be checked in fixed memory.
//!
//! Back-references reach at most 32 KiB back (RFC 1951 §3.2.5), so a streaming window keeps that
//! much when it slides.

use crate::crc32::crc32_update;
use crate::inflate::InflateError;
use crate::rfc1951::{MAX_MATCH, WINDOW_SIZE};

/// The smallest streaming buffer: the 32 KiB a slide keeps, as much again so that a slide drops at
/// least what it keeps (the move is then a copy between disjoint halves), and one longest match.
pub const MIN_WINDOW_LEN: usize = 2 * WINDOW_SIZE + MAX_MATCH;

/// Bytes a short copy may write past its end (it copies whole 8-byte words when the buffer has
/// room for the overshoot; later output overwrites it).
const WORD: usize = 8;

pub(crate) struct Output<'o> {
    buf: &'o mut [u8],
    /// Bytes written to `buf` (after the last slide).
    pos: usize,
    /// Writes stay below this: the buffer's end, or where the limit falls when streaming.
    end: usize,
    stream: Option<Stream>,
}

struct Stream {
    /// Most bytes the whole output may have.
    limit: usize,
    /// Bytes already hashed and slid out of the buffer.
    dropped: usize,
    /// CRC-32 of the dropped bytes.
    crc: u32,
}

impl<'o> Output<'o> {
    pub(crate) fn flat(buf: &'o mut [u8]) -> Self {
        let end = buf.len();
        Output {
            buf,
            pos: 0,
            end,
            stream: None,
        }
    }

    /// `buf` must be at least [`MIN_WINDOW_LEN`] long.
    pub(crate) fn streaming(buf: &'o mut [u8], limit: usize) -> Self {
        let end = buf.len().min(limit);
        Output {
            buf,
            pos: 0,
            end,
            stream: Some(Stream {
                limit,
                dropped: 0,
                crc: 0,
            }),
        }
    }

    /// Bytes written in all, and the CRC-32 of them when streaming.
    pub(crate) fn finish(self) -> (usize, Option<u32>) {
        match self.stream {
            None => (self.pos, None),
            Some(s) => {
                let tail = self.buf.get(..self.pos).unwrap_or_default();
                (s.dropped + self.pos, Some(crc32_update(s.crc, tail)))
            }
        }
    }

    #[inline(always)]
    pub(crate) fn literal(&mut self, byte: u8) -> Result<(), InflateError> {
        if self.pos >= self.end {
            self.make_room(1)?;
        }
        // `end` never exceeds the buffer's length; the check below is the compiler's proof.
        let slot = self.buf.get_mut(self.pos).ok_or(InflateError::OutputFull)?;
        *slot = byte;
        self.pos += 1;
        Ok(())
    }

    /// Appends `len` bytes copied from `distance` bytes back (§3.2.3: the copy may overlap
    /// itself, repeating the last `distance` bytes).
    #[inline(always)]
    pub(crate) fn copy(&mut self, distance: usize, len: usize) -> Result<(), InflateError> {
        if len > self.end - self.pos {
            self.make_room(len)?;
        }
        if distance > self.pos || distance == 0 {
            return Err(InflateError::DistanceTooFar);
        }
        let from = self.pos - distance;
        let stop = self.pos + len;
        if distance >= WORD && stop + WORD <= self.buf.len() {
            // Word by word: each word's source lies wholly before its destination, so it is
            // already final; the last word may run up to 7 bytes past `stop`.
            let (mut src, mut dst) = (from, self.pos);
            while dst < stop {
                let word = self
                    .buf
                    .get(src..)
                    .and_then(|s| s.first_chunk::<WORD>())
                    .copied();
                let target = self
                    .buf
                    .get_mut(dst..)
                    .and_then(|s| s.first_chunk_mut::<WORD>());
                if let (Some(word), Some(target)) = (word, target) {
                    *target = word;
                }
                src += WORD;
                dst += WORD;
            }
        } else {
            self.copy_exact(from, len);
        }
        self.pos = stop;
        Ok(())
    }

    /// The general copy (near the end of the buffer, or for distances under a word).
    fn copy_exact(&mut self, from: usize, len: usize) {
        let distance = self.pos - from;
        let Some((done, rest)) = self.buf.split_at_mut_checked(self.pos) else {
            return;
        };
        let Some(dst) = rest.get_mut(..len) else {
            return;
        };
        if distance >= len {
            if let Some(src) = done.get(from..from + len) {
                dst.copy_from_slice(src);
            }
        } else if distance == 1 {
            dst.fill(done.last().copied().unwrap_or(0));
        } else if let Some(src) = done.get(from..) {
            // Lay down one period, then double what is laid down: its length stays a multiple
            // of the period, so each copy continues the pattern in phase.
            let mut filled = src.len();
            if let Some(first) = dst.get_mut(..filled) {
                first.copy_from_slice(src);
            }
            while filled < len {
                let n = filled.min(len - filled);
                if let Some((laid, todo)) = dst.split_at_mut_checked(filled)
                    && let (Some(s), Some(d)) = (laid.get(..n), todo.get_mut(..n))
                {
                    d.copy_from_slice(s);
                }
                filled += n;
            }
        }
    }

    /// Appends input bytes as they are (a stored block, §3.2.4).
    pub(crate) fn extend(&mut self, mut bytes: &[u8]) -> Result<(), InflateError> {
        while !bytes.is_empty() {
            if self.pos >= self.end {
                self.make_room(1)?;
            }
            let n = bytes.len().min(self.end - self.pos);
            let (now, later) = bytes.split_at(n);
            if let Some(dst) = self.buf.get_mut(self.pos..self.pos + n) {
                dst.copy_from_slice(now);
            }
            self.pos += n;
            bytes = later;
        }
        Ok(())
    }

    /// Makes room for `need` more bytes by sliding a streaming window, or fails.
    #[inline(always)]
    fn make_room(&mut self, need: usize) -> Result<(), InflateError> {
        // By value, like the bit reader's refill: the hot loop's copy of this state never has its
        // address taken, so it stays in registers.
        let taken = core::mem::replace(self, Output::flat(&mut []));
        *self = taken.with_room(need)?;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn with_room(mut self, need: usize) -> Result<Self, InflateError> {
        let Some(s) = self.stream.as_mut() else {
            return Err(InflateError::OutputFull);
        };
        if s.dropped + self.pos + need > s.limit {
            return Err(InflateError::OutputFull);
        }
        let keep = self.pos.min(WINDOW_SIZE);
        let drop = self.pos - keep;
        let Some((old, recent)) = self.buf.split_at_mut_checked(drop) else {
            return Err(InflateError::OutputFull);
        };
        s.crc = crc32_update(s.crc, old);
        // MIN_WINDOW_LEN makes drop >= keep: the kept bytes move into the hashed ones' place.
        match (old.get_mut(..keep), recent.get(..keep)) {
            (Some(dst), Some(src)) => dst.copy_from_slice(src),
            _ => return Err(InflateError::WindowTooSmall),
        }
        s.dropped += drop;
        self.pos = keep;
        self.end = self.buf.len().min(s.limit - s.dropped);
        if need > self.end - self.pos {
            return Err(InflateError::WindowTooSmall);
        }
        Ok(self)
    }
}

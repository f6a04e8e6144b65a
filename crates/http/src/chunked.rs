//! Incremental, in-place decoding of the chunked transfer coding
//! (RFC 9112 §7.1).
//!
//! The server keeps a request's body bytes in one buffer, `buf[body_start..filled]`,
//! and appends to it as it reads. [`ChunkedDecoder::decode`] walks the new
//! bytes and moves chunk data down so the decoded body accumulates at
//! `buf[body_start..body_start + decoded]`. Output never overtakes input: the
//! data of a chunk always sits behind its own size line, so the write position
//! is at or before the read position and no byte is overwritten before it is
//! read. Decoding is a byte-driven state machine, so feeding the input one
//! byte at a time gives the same result as feeding it at once.
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-size   = 1*HEXDIG
//! last-chunk   = 1*("0") [ chunk-ext ] CRLF
//! chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! ```

use crate::buffer::move_down;
use crate::chars::{TCHAR, is_field_value_char, is_ows, is_tchar};
use verbosel_digits::hex_value;

/// Most hex digits in a chunk-size, leading zeros included: 16 digits hold any
/// `u64`, so more can only be an overflow or padding meant to stall the parser.
pub const MAX_CHUNK_SIZE_DIGITS: u8 = 16;

/// Most bytes of chunk extensions on one chunk line. Extensions carry no
/// meaning for this server (RFC 9112 §7.1.1 lets it ignore them); the bound
/// stops a client from sending endless extension bytes that produce no body.
pub const MAX_CHUNK_EXTENSIONS: usize = 4 * 1024;

/// Most bytes in the trailer section, final CRLF included. Trailers are
/// validated and discarded; the same order of size as one large header field.
pub const MAX_TRAILER_SECTION: usize = 8 * 1024;

/// Where the decoder is in the chunked grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading chunk-size hex digits.
    Size,
    /// After the size or an extension value, in BWS before the next `;`.
    ExtBws,
    /// After `;`, in BWS before an extension name.
    ExtBeforeName,
    /// In an extension name.
    ExtName,
    /// In BWS after an extension name.
    ExtAfterName,
    /// After `=`, in BWS before the value.
    ExtBeforeValue,
    /// In a token extension value.
    ExtToken,
    /// Inside a quoted-string extension value.
    ExtQuoted,
    /// After a backslash inside a quoted-string.
    ExtQuotedPair,
    /// After the closing quote of a quoted-string value.
    ExtAfterQuoted,
    /// After the CR that ends the chunk line.
    SizeLf,
    /// Copying chunk data.
    Data,
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// At the start of a trailer field line or the final CRLF.
    TrailerStart,
    /// In a trailer field name.
    TrailerName,
    /// In a trailer field value.
    TrailerValue,
    /// After the CR ending a trailer field line.
    TrailerLf,
    /// After the CR of the final empty line.
    FinalLf,
    /// The body is complete.
    Done,
    /// A previous call failed; the error is sticky.
    Failed(ChunkError),
}

/// Progress reported by [`ChunkedDecoder::decode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunked {
    /// All input up to `filled` is consumed; read more and call again.
    NeedMore,
    /// The body is complete.
    Done {
        /// The decoded body is `buf[body_start..body_start + body_len]`.
        body_len: usize,
        /// Offset of the first byte after the trailer section, where a
        /// pipelined request may begin.
        end: usize,
    },
}

/// Why a chunked body was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChunkError {
    /// A chunk-size is missing or contains a non-hex byte (RFC 9112 §7.1).
    BadChunkSize,
    /// A chunk-size has more than [`MAX_CHUNK_SIZE_DIGITS`] digits, so it
    /// could overflow.
    ChunkSizeTooLong,
    /// A chunk extension does not match `chunk-ext` (RFC 9112 §7.1.1).
    BadExtension,
    /// A chunk line has more than [`MAX_CHUNK_EXTENSIONS`] bytes of extensions.
    ExtensionTooLong,
    /// Chunk data is not followed by CRLF (RFC 9112 §7.1).
    MissingDataCrlf,
    /// A LF not preceded by CR (RFC 9112 §2.2).
    BareLf,
    /// A CR not followed by LF (RFC 9112 §2.2).
    BareCr,
    /// A trailer field line is not a valid field line (RFC 9112 §7.1.2, §5).
    BadTrailer,
    /// The trailer section exceeds [`MAX_TRAILER_SECTION`].
    TrailerTooLarge,
    /// The decoded body would exceed the caller's maximum (RFC 9110 §15.5.14: 413).
    BodyTooLarge,
}

impl ChunkError {
    /// The status code to answer with: 400, 413 or 431.
    pub fn status(self) -> u16 {
        match self {
            ChunkError::BodyTooLarge => 413,
            ChunkError::TrailerTooLarge => 431,
            _ => 400,
        }
    }

    /// A short human explanation for the error response body.
    pub fn reason(self) -> &'static str {
        match self {
            ChunkError::BadChunkSize => "invalid chunk size",
            ChunkError::ChunkSizeTooLong => "chunk size too long",
            ChunkError::BadExtension => "invalid chunk extension",
            ChunkError::ExtensionTooLong => "chunk extensions too long",
            ChunkError::MissingDataCrlf => "chunk data not followed by CRLF",
            ChunkError::BareLf => "line ends with LF without CR",
            ChunkError::BareCr => "CR not followed by LF",
            ChunkError::BadTrailer => "invalid trailer field",
            ChunkError::TrailerTooLarge => "trailer section too large",
            ChunkError::BodyTooLarge => "request body too large",
        }
    }
}

impl core::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

/// An incremental chunked-body decoder working in place in the caller's buffer.
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    state: State,
    /// Offset of the first body byte; the decoded body starts here.
    body_start: usize,
    /// Where the next decoded byte goes.
    out: usize,
    /// The next input byte to read.
    pos: usize,
    /// The chunk-size being read, then the data bytes left in the chunk.
    size: u64,
    /// Hex digits read in the current chunk-size.
    digits: u8,
    /// Extension bytes seen on the current chunk line.
    ext_len: usize,
    /// Bytes of trailer section seen so far.
    trailer_len: usize,
}

impl ChunkedDecoder {
    /// A decoder for a body starting at `buf[body_start]`.
    pub fn new(body_start: usize) -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size,
            body_start,
            out: body_start,
            pos: body_start,
            size: 0,
            digits: 0,
            ext_len: 0,
            trailer_len: 0,
        }
    }

    /// Bytes of body decoded so far, at `buf[body_start..body_start + n]`.
    pub fn decoded_len(&self) -> usize {
        self.out - self.body_start
    }

    /// Offset of the next undecoded input byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Decodes the input in `buf[position()..filled]`.
    ///
    /// `filled` is how much of `buf` holds received bytes (clamped to
    /// `buf.len()`). `max_body` bounds the decoded size; a chunk that would
    /// exceed it fails with [`ChunkError::BodyTooLarge`] as soon as its size
    /// is read, before its data arrives. After an error, every later call
    /// returns the same error; after [`Chunked::Done`], the same `Done`.
    pub fn decode(
        &mut self,
        buf: &mut [u8],
        filled: usize,
        max_body: u64,
    ) -> Result<Chunked, ChunkError> {
        let filled = filled.min(buf.len());
        loop {
            match self.state {
                State::Done => {
                    return Ok(Chunked::Done {
                        body_len: self.decoded_len(),
                        end: self.pos,
                    });
                }
                State::Failed(e) => return Err(e),
                _ => {}
            }
            if self.pos >= filled {
                return Ok(Chunked::NeedMore);
            }
            if self.state == State::Data {
                let available = filled - self.pos;
                let n = usize::try_from(self.size).map_or(available, |s| s.min(available));
                // `out <= pos` and `pos + n <= filled <= buf.len()`: the move cannot fail.
                if !move_down(buf, self.out, self.pos, self.pos + n) {
                    self.state = State::Failed(ChunkError::BodyTooLarge);
                    return Err(ChunkError::BodyTooLarge);
                }
                self.out += n;
                self.pos += n;
                self.size -= n as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            let b = buf[self.pos];
            self.pos += 1;
            match self.step(b, max_body) {
                Ok(next) => self.state = next,
                Err(e) => {
                    self.state = State::Failed(e);
                    return Err(e);
                }
            }
        }
    }

    /// Moves the undecoded input `buf[position()..filled]` down to directly
    /// after the decoded body, returning the new `filled`. Use it when the
    /// buffer is full after [`Chunked::NeedMore`] to make room for reading.
    /// Does nothing once the body is done or failed.
    pub fn compact(&mut self, buf: &mut [u8], filled: usize) -> usize {
        let filled = filled.min(buf.len());
        if matches!(self.state, State::Done | State::Failed(_)) {
            return filled;
        }
        // `out <= pos`, so with input pending both ranges lie inside `buf`.
        let pending = filled.saturating_sub(self.pos);
        if pending > 0 && !move_down(buf, self.out, self.pos, filled) {
            return filled;
        }
        self.pos = self.out;
        self.out + pending
    }

    /// One byte of the grammar outside chunk data: the limits on extensions and trailers
    /// first, then the part of the grammar the state is in.
    fn step(&mut self, b: u8, max_body: u64) -> Result<State, ChunkError> {
        use State::*;
        if self.in_extension() {
            self.ext_len += 1;
            if self.ext_len > MAX_CHUNK_EXTENSIONS {
                return Err(ChunkError::ExtensionTooLong);
            }
        }
        if self.in_trailer() {
            self.trailer_len += 1;
            if self.trailer_len > MAX_TRAILER_SECTION {
                return Err(ChunkError::TrailerTooLarge);
            }
        }
        match self.state {
            Size => self.size_byte(b, max_body),
            ExtBws | ExtBeforeName | ExtName | ExtAfterName | ExtBeforeValue | ExtToken
            | ExtAfterQuoted | ExtQuoted | ExtQuotedPair => self.extension_byte(b),
            SizeLf | DataCr | DataLf => self.line_end_byte(b),
            TrailerStart | TrailerName | TrailerValue | TrailerLf | FinalLf => self.trailer_byte(b),
            // `decode` handles these without calling `step`.
            Data | Done | Failed(_) => Ok(self.state),
        }
    }

    /// `chunk-size = 1*HEXDIG`, refused as soon as it exceeds what the body may still hold.
    fn size_byte(&mut self, b: u8, max_body: u64) -> Result<State, ChunkError> {
        use State::*;
        if let Some(d) = hex_value(b) {
            self.digits += 1;
            if self.digits > MAX_CHUNK_SIZE_DIGITS {
                return Err(ChunkError::ChunkSizeTooLong);
            }
            self.size = (self.size << 4) | u64::from(d);
            let room = max_body.saturating_sub(self.decoded_len() as u64);
            if self.size > room {
                return Err(ChunkError::BodyTooLarge);
            }
            return Ok(Size);
        }
        if self.digits == 0 {
            return Err(ChunkError::BadChunkSize);
        }
        match b {
            b';' => Ok(ExtBeforeName),
            b' ' | b'\t' => Ok(ExtBws),
            b'\r' => Ok(SizeLf),
            b'\n' => Err(ChunkError::BareLf),
            _ => Err(ChunkError::BadChunkSize),
        }
    }

    /// `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`
    /// (RFC 9112 §7.1.1), validated and ignored.
    fn extension_byte(&self, b: u8) -> Result<State, ChunkError> {
        use State::*;
        Ok(match self.state {
            ExtBws => match b {
                b' ' | b'\t' => ExtBws,
                b';' => ExtBeforeName,
                _ => return Err(ChunkError::BadExtension),
            },
            ExtBeforeName => match b {
                b' ' | b'\t' => ExtBeforeName,
                _ if is_tchar(b) => ExtName,
                _ => return Err(ChunkError::BadExtension),
            },
            ExtName => match b {
                _ if is_tchar(b) => ExtName,
                b'=' => ExtBeforeValue,
                b';' => ExtBeforeName,
                b' ' | b'\t' => ExtAfterName,
                b'\r' => SizeLf,
                b'\n' => return Err(ChunkError::BareLf),
                _ => return Err(ChunkError::BadExtension),
            },
            ExtAfterName => match b {
                b' ' | b'\t' => ExtAfterName,
                b'=' => ExtBeforeValue,
                b';' => ExtBeforeName,
                _ => return Err(ChunkError::BadExtension),
            },
            ExtBeforeValue => match b {
                b' ' | b'\t' => ExtBeforeValue,
                b'"' => ExtQuoted,
                _ if is_tchar(b) => ExtToken,
                _ => return Err(ChunkError::BadExtension),
            },
            ExtToken | ExtAfterQuoted => match b {
                _ if self.state == ExtToken && TCHAR.has(b) => ExtToken,
                b';' => ExtBeforeName,
                b' ' | b'\t' => ExtBws,
                b'\r' => SizeLf,
                b'\n' => return Err(ChunkError::BareLf),
                _ => return Err(ChunkError::BadExtension),
            },
            // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
            // (RFC 9110 §5.6.4); qdtext excludes `"`, `\` and CTLs but DEL.
            ExtQuoted => match b {
                b'"' => ExtAfterQuoted,
                b'\\' => ExtQuotedPair,
                _ if is_field_value_char(b) => ExtQuoted,
                _ => return Err(ChunkError::BadExtension),
            },
            ExtQuotedPair if is_field_value_char(b) => ExtQuoted,
            _ => return Err(ChunkError::BadExtension),
        })
    }

    /// The CRLF after a chunk-size line and after chunk data.
    fn line_end_byte(&mut self, b: u8) -> Result<State, ChunkError> {
        use State::*;
        match (self.state, b) {
            (SizeLf, b'\n') => {
                self.digits = 0;
                self.ext_len = 0;
                Ok(if self.size == 0 { TrailerStart } else { Data })
            }
            (DataCr, b'\r') => Ok(DataLf),
            (DataCr, b'\n') => Err(ChunkError::BareLf),
            (DataCr, _) => Err(ChunkError::MissingDataCrlf),
            (DataLf, b'\n') => Ok(Size),
            _ => Err(ChunkError::BareCr),
        }
    }

    /// `trailer-section = *( field-line CRLF )`, validated like the header section
    /// (RFC 9112 §7.1.2, §5) and then discarded, and the final CRLF.
    fn trailer_byte(&self, b: u8) -> Result<State, ChunkError> {
        use State::*;
        match (self.state, b) {
            (TrailerStart, b'\r') => Ok(FinalLf),
            (TrailerStart | TrailerName, _) if is_tchar(b) => Ok(TrailerName),
            (TrailerStart, b'\n') => Err(ChunkError::BareLf),
            (TrailerName, b':') => Ok(TrailerValue),
            (TrailerStart | TrailerName, _) => Err(ChunkError::BadTrailer),
            (TrailerValue, b'\r') => Ok(TrailerLf),
            (TrailerValue, b'\n') => Err(ChunkError::BareLf),
            (TrailerValue, _) if is_field_value_char(b) || is_ows(b) => Ok(TrailerValue),
            (TrailerValue, _) => Err(ChunkError::BadTrailer),
            (TrailerLf, b'\n') => Ok(TrailerStart),
            (FinalLf, b'\n') => Ok(Done),
            _ => Err(ChunkError::BareCr),
        }
    }

    fn in_extension(&self) -> bool {
        use State::*;
        matches!(
            self.state,
            ExtBws
                | ExtBeforeName
                | ExtName
                | ExtAfterName
                | ExtBeforeValue
                | ExtToken
                | ExtQuoted
                | ExtQuotedPair
                | ExtAfterQuoted
        )
    }

    fn in_trailer(&self) -> bool {
        use State::*;
        matches!(
            self.state,
            TrailerStart | TrailerName | TrailerValue | TrailerLf | FinalLf
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_rng::XorShift;

    const NO_LIMIT: u64 = u64::MAX;

    /// Decodes `input` (placed after a 3-byte fake head) in one call.
    fn one_shot(input: &[u8], max_body: u64) -> Result<(Vec<u8>, usize), ChunkError> {
        let mut buf = b"HDR".to_vec();
        buf.extend_from_slice(input);
        let mut dec = ChunkedDecoder::new(3);
        let filled = buf.len();
        match dec.decode(&mut buf, filled, max_body)? {
            Chunked::Done { body_len, end } => Ok((buf[3..3 + body_len].to_vec(), end - 3)),
            Chunked::NeedMore => panic!("complete test input needs more"),
        }
    }

    /// Decodes `input` revealing `step` more bytes per call; `Ok(None)` if
    /// the input ran out first.
    fn stepwise(
        input: &[u8],
        max_body: u64,
        mut next_step: impl FnMut() -> usize,
        compact: bool,
    ) -> Result<Option<(Vec<u8>, usize)>, ChunkError> {
        // The buffer holds only what has "arrived", like a server's read buffer.
        let mut buf = vec![0u8; 3 + input.len()];
        buf[..3].copy_from_slice(b"HDR");
        let mut dec = ChunkedDecoder::new(3);
        let mut filled = 3;
        let mut fed = 0;
        loop {
            match dec.decode(&mut buf, filled, max_body)? {
                Chunked::Done { body_len, end } => {
                    // `end` is relative to where the input now sits.
                    let consumed = fed - (filled - end);
                    return Ok(Some((buf[3..3 + body_len].to_vec(), consumed)));
                }
                Chunked::NeedMore => {}
            }
            if fed == input.len() {
                return Ok(None);
            }
            if compact {
                filled = dec.compact(&mut buf, filled);
            }
            let n = next_step().clamp(1, input.len() - fed);
            buf[filled..filled + n].copy_from_slice(&input[fed..fed + n]);
            filled += n;
            fed += n;
        }
    }

    /// Valid chunked bodies: (input, decoded body, bytes consumed).
    const VALID: &[(&[u8], &[u8], usize)] = &[
        (b"0\r\n\r\n", b"", 5),
        (b"000\r\n\r\n", b"", 7),
        (b"5\r\nhello\r\n0\r\n\r\n", b"hello", 15),
        (
            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            b"hello world",
            26,
        ),
        (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789", 20),
        (b"a\r\n0123456789\r\n0\r\n\r\n", b"0123456789", 20),
        (b"00005\r\nhello\r\n0\r\n\r\n", b"hello", 19),
        (b"1\r\n\r\r\n1\r\n\n\r\n0\r\n\r\n", b"\r\n", 17),
        (b"3\r\n\x00\xff\r\r\n0\r\n\r\n", b"\x00\xff\r", 13),
        // Extensions (RFC 9112 §7.1.1), ignored.
        (b"5;a\r\nhello\r\n0\r\n\r\n", b"hello", 17),
        (b"5;a=b\r\nhello\r\n0\r\n\r\n", b"hello", 19),
        (b"5;a=b;c;d=e\r\nhello\r\n0\r\n\r\n", b"hello", 25),
        (b"5 ;a\r\nhello\r\n0\r\n\r\n", b"hello", 18),
        (b"5\t; a = b ;c\r\nhello\r\n0\r\n\r\n", b"hello", 26),
        (b"5;a=\"q s\"\r\nhello\r\n0\r\n\r\n", b"hello", 23),
        (b"5;a=\"\\\"\\\\\"\r\nhello\r\n0\r\n\r\n", b"hello", 24),
        (b"5;a=\"\"\r\nhello\r\n0\r\n\r\n", b"hello", 20),
        (b"5;a=\"x\" ;b\r\nhello\r\n0\r\n\r\n", b"hello", 24),
        (b"0;last\r\n\r\n", b"", 10),
        // Trailer fields (RFC 9112 §7.1.2), validated then discarded.
        (b"0\r\nX: y\r\n\r\n", b"", 11),
        (b"0\r\nX:y\r\nExpires: never \t\r\n\r\n", b"", 28),
        (b"0\r\nX:\r\n\r\n", b"", 9),
        (b"2\r\nab\r\n0\r\nA: 1\r\nB: 2\r\n\r\n", b"ab", 24),
    ];

    #[test]
    fn valid_bodies_one_shot() {
        for &(input, body, consumed) in VALID {
            let ctx = String::from_utf8_lossy(input);
            assert_eq!(
                one_shot(input, NO_LIMIT),
                Ok((body.to_vec(), consumed)),
                "{ctx:?}"
            );
            // Bytes after the body (a pipelined request) are left alone.
            let mut more = input.to_vec();
            more.extend_from_slice(b"GET / HTTP/1.1\r\n");
            assert_eq!(one_shot(&more, NO_LIMIT), Ok((body.to_vec(), consumed)));
        }
    }

    #[test]
    fn byte_at_a_time_equals_one_shot() {
        for &(input, body, consumed) in VALID {
            for compact in [false, true] {
                assert_eq!(
                    stepwise(input, NO_LIMIT, || 1, compact),
                    Ok(Some((body.to_vec(), consumed))),
                    "{:?}",
                    String::from_utf8_lossy(input)
                );
            }
        }
        for &(input, err) in INVALID {
            assert_eq!(stepwise(input, NO_LIMIT, || 1, false), Err(err));
            assert_eq!(stepwise(input, NO_LIMIT, || 1, true), Err(err));
        }
    }

    #[test]
    fn every_strict_prefix_needs_more() {
        for &(input, ..) in VALID {
            for end in 0..input.len().min(VALID_PREFIX_LIMIT) {
                let mut buf = input[..end].to_vec();
                let mut dec = ChunkedDecoder::new(0);
                let filled = buf.len();
                let got = dec.decode(&mut buf, filled, NO_LIMIT);
                let done_early = matches!(got, Ok(Chunked::Done { end: e, .. }) if e <= end);
                assert!(
                    got == Ok(Chunked::NeedMore) || done_early,
                    "{:?}: {got:?}",
                    String::from_utf8_lossy(&input[..end])
                );
            }
        }
    }
    const VALID_PREFIX_LIMIT: usize = 1 << 16;

    /// Invalid chunked bodies and the error each must give.
    const INVALID: &[(&[u8], ChunkError)] = &[
        (b"\r\n", ChunkError::BadChunkSize),
        (b";a\r\n", ChunkError::BadChunkSize),
        (b" 5\r\nhello\r\n0\r\n\r\n", ChunkError::BadChunkSize),
        (b"-5\r\nhello\r\n0\r\n\r\n", ChunkError::BadChunkSize),
        (b"+5\r\nhello\r\n0\r\n\r\n", ChunkError::BadChunkSize),
        (b"0x5\r\nhello\r\n0\r\n\r\n", ChunkError::BadChunkSize),
        (b"5g\r\nhello\r\n0\r\n\r\n", ChunkError::BadChunkSize),
        (b"5\x00\r\nhello\r\n0\r\n\r\n", ChunkError::BadChunkSize),
        (b"5\n", ChunkError::BareLf),
        (b"5\rx", ChunkError::BareCr),
        (b"5;a\n", ChunkError::BareLf),
        (b"5;a=b\n", ChunkError::BareLf),
        (b"10000000000000000\r\n", ChunkError::ChunkSizeTooLong),
        (b"00000000000000000\r\n", ChunkError::ChunkSizeTooLong),
        (b"5 \r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;=b\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;a=\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;a b\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;a=b c\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;a=\"b\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (
            b"5;a=\"b\"c\r\nhello\r\n0\r\n\r\n",
            ChunkError::BadExtension,
        ),
        (
            b"5;a=\"\x00\"\r\nhello\r\n0\r\n\r\n",
            ChunkError::BadExtension,
        ),
        (
            b"5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n",
            ChunkError::BadExtension,
        ),
        (b"5;a@b\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5;a=b@\r\nhello\r\n0\r\n\r\n", ChunkError::BadExtension),
        (b"5\r\nhelloX\r\n0\r\n\r\n", ChunkError::MissingDataCrlf),
        (b"5\r\nhello0\r\n\r\n", ChunkError::MissingDataCrlf),
        (b"5\r\nhello\n0\r\n\r\n", ChunkError::BareLf),
        (b"5\r\nhello\rX0\r\n\r\n", ChunkError::BareCr),
        (b"5\r\nhell\r\n0\r\n\r\n", ChunkError::BareLf),
        (b"5\r\nhelloo\r\n0\r\n\r\n", ChunkError::MissingDataCrlf),
        (b"0\r\n\n", ChunkError::BareLf),
        (b"0\r\n\rX", ChunkError::BareCr),
        (b"0\r\nX: y\n\r\n", ChunkError::BareLf),
        (b"0\r\nX: y\rZ\r\n", ChunkError::BareCr),
        (b"0\r\n: y\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\nX : y\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\n X: y\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\nX: y\r\n z\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\nX\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\nX: \x00\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\nX: \x7f\r\n\r\n", ChunkError::BadTrailer),
        (b"0\r\nX(: y\r\n\r\n", ChunkError::BadTrailer),
    ];

    #[test]
    fn invalid_bodies() {
        for &(input, err) in INVALID {
            assert_eq!(
                one_shot(input, NO_LIMIT),
                Err(err),
                "{:?}",
                String::from_utf8_lossy(input)
            );
            assert!(matches!(err.status(), 400 | 413 | 431));
        }
    }

    #[test]
    fn a_body_start_past_the_buffer_does_not_panic() {
        let mut buf = [0u8; 4];
        let mut dec = ChunkedDecoder::new(100);
        assert_eq!(dec.decode(&mut buf, 4, NO_LIMIT), Ok(Chunked::NeedMore));
        assert_eq!(dec.compact(&mut buf, 4), 100);
        assert_eq!(dec.decode(&mut buf, 200, NO_LIMIT), Ok(Chunked::NeedMore));
    }

    #[test]
    fn errors_are_sticky() {
        let mut buf = b"zz\r\n".to_vec();
        let mut dec = ChunkedDecoder::new(0);
        assert_eq!(
            dec.decode(&mut buf, 4, NO_LIMIT),
            Err(ChunkError::BadChunkSize)
        );
        assert_eq!(
            dec.decode(&mut buf, 4, NO_LIMIT),
            Err(ChunkError::BadChunkSize)
        );
    }

    #[test]
    fn done_is_stable() {
        let mut buf = b"1\r\na\r\n0\r\n\r\nGET".to_vec();
        let mut dec = ChunkedDecoder::new(0);
        let done = Chunked::Done {
            body_len: 1,
            end: 11,
        };
        assert_eq!(dec.decode(&mut buf, 14, NO_LIMIT), Ok(done));
        assert_eq!(dec.decode(&mut buf, 14, NO_LIMIT), Ok(done));
        assert_eq!(&buf[..1], b"a");
        assert_eq!(&buf[11..], b"GET");
    }

    #[test]
    fn max_body_is_413_as_soon_as_a_size_is_known() {
        let input = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assert_eq!(one_shot(input, 11), Ok((b"hello world".to_vec(), 26)));
        assert_eq!(one_shot(input, 10), Err(ChunkError::BodyTooLarge));
        assert_eq!(ChunkError::BodyTooLarge.status(), 413);
        // The size line alone is enough to refuse; no data has to arrive.
        let mut buf = b"5\r\nhello\r\n6".to_vec();
        let mut dec = ChunkedDecoder::new(0);
        assert_eq!(dec.decode(&mut buf, 11, 10), Err(ChunkError::BodyTooLarge));
        let mut huge = b"ffffffffffffffff".to_vec();
        let mut dec = ChunkedDecoder::new(0);
        assert_eq!(
            dec.decode(&mut huge, 16, 1 << 20),
            Err(ChunkError::BodyTooLarge)
        );
        // With no limit the largest 16-digit size is accepted as a size.
        let mut dec = ChunkedDecoder::new(0);
        let mut line = b"ffffffffffffffff\r\n".to_vec();
        assert_eq!(dec.decode(&mut line, 18, NO_LIMIT), Ok(Chunked::NeedMore));
        assert_eq!(one_shot(b"0\r\n\r\n", 0), Ok((vec![], 5)));
    }

    #[test]
    fn extension_and_trailer_bounds() {
        let mut long_ext = b"1;a=".to_vec();
        long_ext.resize(4 + MAX_CHUNK_EXTENSIONS, b'x');
        long_ext.extend_from_slice(b"\r\nz\r\n0\r\n\r\n");
        assert_eq!(
            one_shot(&long_ext, NO_LIMIT),
            Err(ChunkError::ExtensionTooLong)
        );
        let mut ok_ext = b"1;a=".to_vec();
        ok_ext.resize(MAX_CHUNK_EXTENSIONS, b'x');
        ok_ext.extend_from_slice(b"\r\nz\r\n0\r\n\r\n");
        assert_eq!(one_shot(&ok_ext, NO_LIMIT).map(|r| r.0), Ok(b"z".to_vec()));
        // The bound is per chunk line: many lines may each use it.
        let mut many = Vec::new();
        for _ in 0..3 {
            many.extend_from_slice(&ok_ext[..ok_ext.len() - 5]);
        }
        many.extend_from_slice(b"0\r\n\r\n");
        assert_eq!(one_shot(&many, NO_LIMIT).map(|r| r.0), Ok(b"zzz".to_vec()));

        let mut trailer = b"0\r\nX: ".to_vec();
        trailer.resize(3 + MAX_TRAILER_SECTION, b't');
        trailer.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            one_shot(&trailer, NO_LIMIT),
            Err(ChunkError::TrailerTooLarge)
        );
        let mut trailer = b"0\r\nX: ".to_vec();
        trailer.resize(3 + MAX_TRAILER_SECTION - 4, b't');
        trailer.extend_from_slice(b"\r\n\r\n");
        assert!(one_shot(&trailer, NO_LIMIT).is_ok());
    }

    #[test]
    fn compaction_makes_room_and_keeps_the_body() {
        // A 24-byte buffer decodes a 40-byte chunked body by compacting.
        let input = b"4\r\nabcd\r\n4;x=y\r\nefgh\r\n4\r\nijkl\r\n0\r\n\r\n";
        let mut buf = [0u8; 24];
        let mut dec = ChunkedDecoder::new(0);
        let mut filled = 0;
        let mut fed = 0;
        let result = loop {
            match dec.decode(&mut buf, filled, NO_LIMIT).unwrap() {
                Chunked::Done { body_len, .. } => break buf[..body_len].to_vec(),
                Chunked::NeedMore => {}
            }
            filled = dec.compact(&mut buf, filled);
            let n = (buf.len() - filled).min(input.len() - fed);
            assert!(n > 0, "no room and no progress");
            buf[filled..filled + n].copy_from_slice(&input[fed..fed + n]);
            filled += n;
            fed += n;
        };
        assert_eq!(result, b"abcdefghijkl");
    }

    #[test]
    fn property_random_splits_match_one_shot() {
        let mut rng = XorShift(0x0123_4567_89AB_CDEF);
        for _ in 0..3_000 {
            // Build a random valid body, sometimes corrupted.
            let mut input = Vec::new();
            let mut body = Vec::new();
            for _ in 0..rng.below(5) {
                let len = 1 + rng.below(40);
                let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                let size = if rng.below(2) == 0 {
                    format!("{len:x}")
                } else {
                    format!("{len:X}")
                };
                input.extend_from_slice(size.as_bytes());
                if rng.below(3) == 0 {
                    input.extend_from_slice(b" ; n=\"v\\\"\"");
                }
                input.extend_from_slice(b"\r\n");
                input.extend_from_slice(&data);
                input.extend_from_slice(b"\r\n");
                body.extend_from_slice(&data);
            }
            input.extend_from_slice(b"0\r\n");
            if rng.below(3) == 0 {
                input.extend_from_slice(b"Trailer-Field: x\r\n");
            }
            input.extend_from_slice(b"\r\n");
            let consumed = input.len();
            let corrupt = rng.below(4) == 0;
            if corrupt {
                let at = rng.below(input.len());
                input[at] = rng.next() as u8;
            }

            let max_body = if rng.below(5) == 0 {
                rng.below(100) as u64
            } else {
                NO_LIMIT
            };
            let whole = one_shot_or_need_more(&input, max_body);
            let compact = rng.below(2) == 0;
            let mut steps = XorShift(rng.next() | 1);
            let split = stepwise(&input, max_body, || 1 + steps.below(9), compact);
            assert_eq!(split, whole, "{:?}", String::from_utf8_lossy(&input));
            if !corrupt && body.len() as u64 <= max_body {
                assert_eq!(whole, Ok(Some((body, consumed))));
            }
        }
    }

    fn one_shot_or_need_more(
        input: &[u8],
        max_body: u64,
    ) -> Result<Option<(Vec<u8>, usize)>, ChunkError> {
        let mut buf = b"HDR".to_vec();
        buf.extend_from_slice(input);
        let mut dec = ChunkedDecoder::new(3);
        let filled = buf.len();
        Ok(match dec.decode(&mut buf, filled, max_body)? {
            Chunked::Done { body_len, end } => Some((buf[3..3 + body_len].to_vec(), end - 3)),
            Chunked::NeedMore => None,
        })
    }
}

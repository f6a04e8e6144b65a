//! A DEFLATE encoder (RFC 1951), written from the specification.
//!
//! Two stages:
//! 1. LZ77 (RFC 1951 §1.5, §4): hash chains over the last 32 KiB find the longest earlier copy of the
//!    bytes at each position; *lazy* matching looks one byte further before committing, because a
//!    longer match starting one byte later often saves more than the literal it costs.
//! 2. Block coding (§3.2): the symbols are cut into blocks; each block is written with whichever of
//!    dynamic Huffman codes (§3.2.7), the fixed codes (§3.2.6) or stored bytes (§3.2.4) is smallest.
//!    Dynamic codes are length-limited (15 bits, 7 for the code-length alphabet) with the
//!    package-merge algorithm, which gives optimal limited-length codes.
//!
//! The input is entirely in memory (a build script embeds files), so positions are absolute and the
//! encoder has no streaming state.

// The format's tables (§3.2.5–§3.2.7) are shared with the inflater that reads this output.
use verbosel_zip::rfc1951::{
    CODELEN_ORDER, DIST_BASE, DIST_EXTRA, FIXED_DIST_LENGTHS, FIXED_LITLEN_LENGTHS, LENGTH_BASE,
    LENGTH_EXTRA, MAX_MATCH, WINDOW_SIZE,
};

const WINDOW_MASK: usize = WINDOW_SIZE - 1;
/// Shortest copy a length code can express (§3.2.5).
const MIN_MATCH: usize = 3;

/// Bits of the 3-byte hash that selects a chain head. 2^15 heads for a 2^15 window keeps chains short.
const HASH_BITS: u32 = 15;
const HASH_SIZE: usize = 1 << HASH_BITS;
/// Candidates examined per position at most; bounds time on inputs with many equal prefixes. On the
/// sample pages, 4096 (gzip -9's figure) made files smaller by under 0.01% and was slower.
const MAX_CHAIN: usize = 1024;
/// When the pending match is already this long, search only a quarter of the chain for a longer one.
/// Measured on the sample pages: no loss in size, and a third less time on repetitive text.
const GOOD_MATCH: usize = 8;
/// Stop searching once a match this long is found.
const NICE_MATCH: usize = MAX_MATCH;
/// A pending match this long is taken without looking one byte further.
const MAX_LAZY: usize = MAX_MATCH;
/// A 3-byte match farther than this usually costs more bits (length + long distance code + extra bits)
/// than three literals, so it is dropped.
const TOO_FAR: usize = 4096;

/// Symbols per block. Smaller blocks adapt their codes to local statistics; each dynamic header costs
/// roughly 60–90 bytes, so blocks much smaller than this lose more than they gain.
const BLOCK_SYMBOLS: usize = 16 * 1024;
/// A stored block holds at most 65,535 bytes (§3.2.4: LEN is 16 bits).
const MAX_STORED: usize = 65_535;

/// Literal/length alphabet: 0..=255 literals, 256 end-of-block, 257..=285 lengths (§3.2.5).
const LITLEN_SYMBOLS: usize = 286;
const END_OF_BLOCK: usize = verbosel_zip::rfc1951::END_OF_BLOCK as usize;
/// Distance alphabet size (§3.2.5); codes 30 and 31 never occur.
const DIST_SYMBOLS: usize = 30;
/// Code-length alphabet size (§3.2.7).
const CODELEN_SYMBOLS: usize = 19;
/// Code lengths are limited to 15 bits, lengths of the code-length code to 7 (§3.2.7: HCLEN fields are
/// 3 bits).
const MAX_CODE_BITS: u32 = 15;
const MAX_CODELEN_BITS: u32 = 7;

/// Index into `LENGTH_BASE` for every match length 0..=258 (entries below 3 unused).
const LENGTH_INDEX: [u8; MAX_MATCH + 1] = {
    let mut table = [0u8; MAX_MATCH + 1];
    let mut code = 0;
    while code < 29 {
        let base = LENGTH_BASE[code] as usize;
        let mut k = 0;
        while k < (1usize << LENGTH_EXTRA[code]) && base + k <= MAX_MATCH {
            table[base + k] = code as u8;
            k += 1;
        }
        code += 1;
    }
    // Length 258 is also reachable as 227 + 31 with code 284, but §3.2.5 gives it its own code 285,
    // which costs no extra bits; the loop above wrote 285 last, so it stands.
    table
};

/// Distance code for a distance 1..=32768. Codes come in pairs per power of two: beyond 4, the top
/// set bit of `distance - 1` picks the pair and the bit below it picks the member.
fn dist_code(distance: usize) -> usize {
    if distance <= 4 {
        return distance - 1;
    }
    let x = (distance - 1) as u32;
    let top = 31 - x.leading_zeros();
    (2 * top + ((x >> (top - 1)) & 1)) as usize
}

/// One LZ77 output symbol: a literal byte (`distance == 0`) or a copy of `length` bytes from
/// `distance` bytes back.
#[derive(Clone, Copy, Debug)]
struct Token {
    length_or_literal: u16,
    distance: u16,
}

/// Compresses `data` into a raw DEFLATE stream (no zlib or gzip framing). Deterministic: the same
/// input always gives the same bytes.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut blocks = BlockWriter {
        data,
        out: BitWriter::with_capacity(data.len() / 3 + 64),
        tokens: Vec::with_capacity(BLOCK_SYMBOLS),
        block_start: 0,
        position: 0,
    };
    let mut matcher = Matcher::new(data);
    let n = data.len();

    // Lazy evaluation (the idea of RFC 1951 §4's "lazy matching"): the match found at position i-1 is
    // held back while position i is searched; if i offers a longer match, i-1 becomes a literal.
    let mut i = 0;
    let mut pending = false; // a decision about position i-1 is outstanding
    let mut prev_len = 0;
    let mut prev_dist = 0;
    while i < n {
        matcher.insert(i);
        let (mut len, dist) = if prev_len < MAX_LAZY {
            matcher.longest_match(i, prev_len)
        } else {
            (0, 0)
        };
        if len == MIN_MATCH && dist > TOO_FAR {
            len = 0;
        }
        if pending && prev_len >= MIN_MATCH && len <= prev_len {
            blocks.push_match(prev_len, prev_dist);
            let end = i - 1 + prev_len;
            // Positions inside the copy are still hashed so later data can refer to them.
            for j in i + 1..end {
                matcher.insert(j);
            }
            i = end;
            pending = false;
            prev_len = 0;
        } else {
            if pending {
                blocks.push_literal(data[i - 1]);
            }
            pending = true;
            prev_len = len;
            prev_dist = dist;
            i += 1;
        }
    }
    if pending {
        // At the last byte no match fits (it would need 3 bytes), so the held position is a literal.
        debug_assert!(prev_len < MIN_MATCH);
        blocks.push_literal(data[n - 1]);
    }
    blocks.finish()
}

/// Hash chains over the input: `head[h]` is the latest position whose next three bytes hash to `h`,
/// `prev[p % WINDOW_SIZE]` the position before `p` with the same hash. Positions are stored plus one
/// so that zero means "none".
struct Matcher<'a> {
    data: &'a [u8],
    head: Vec<u32>,
    prev: Vec<u32>,
}

impl<'a> Matcher<'a> {
    fn new(data: &'a [u8]) -> Self {
        Matcher {
            data,
            head: vec![0; HASH_SIZE],
            prev: vec![0; WINDOW_SIZE],
        }
    }

    fn hash(&self, pos: usize) -> usize {
        let d = self.data;
        let v = u32::from(d[pos]) | u32::from(d[pos + 1]) << 8 | u32::from(d[pos + 2]) << 16;
        // Multiplicative hashing spreads the 24 input bits over the top HASH_BITS bits.
        (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
    }

    fn insert(&mut self, pos: usize) {
        if pos + MIN_MATCH <= self.data.len() {
            let h = self.hash(pos);
            self.prev[pos & WINDOW_MASK] = self.head[h];
            self.head[h] = pos as u32 + 1;
        }
    }

    /// Longest match for `pos` (which must already be inserted) that is longer than `prev_len`;
    /// `(0, 0)` if none.
    fn longest_match(&self, pos: usize, prev_len: usize) -> (usize, usize) {
        let data = self.data;
        let max_len = MAX_MATCH.min(data.len() - pos);
        if max_len < MIN_MATCH || prev_len >= max_len {
            return (0, 0);
        }
        let mut best_len = prev_len.max(MIN_MATCH - 1);
        let mut best_dist = 0;
        let mut chain = if prev_len >= GOOD_MATCH {
            MAX_CHAIN / 4
        } else {
            MAX_CHAIN
        };
        let lowest = pos.saturating_sub(WINDOW_SIZE);
        let mut link = self.prev[pos & WINDOW_MASK] as usize;
        while link != 0 && chain > 0 {
            let cand = link - 1;
            if cand < lowest || cand >= pos {
                break;
            }
            // Cheap rejection first: a longer match must at least agree at the current best length.
            if data[cand + best_len] == data[pos + best_len] && data[cand] == data[pos] {
                let len = common_prefix(data, cand, pos, max_len);
                if len > best_len {
                    best_len = len;
                    best_dist = pos - cand;
                    if len >= NICE_MATCH.min(max_len) {
                        break;
                    }
                }
            }
            let next = self.prev[cand & WINDOW_MASK] as usize;
            // Chains run strictly backwards; a link that does not was overwritten by a position one
            // window later (the prev array is a ring), so the chain ends here.
            if next == 0 || next > cand {
                break;
            }
            link = next;
            chain -= 1;
        }
        if best_dist == 0 {
            (0, 0)
        } else {
            (best_len, best_dist)
        }
    }
}

/// Number of equal bytes at `a` and `b` (a < b), at most `max`, compared eight at a time.
fn common_prefix(data: &[u8], a: usize, b: usize, max: usize) -> usize {
    let mut len = 0;
    while len + 8 <= max {
        let x = read_u64(data, a + len) ^ read_u64(data, b + len);
        if x != 0 {
            return len + (x.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    while len < max && data[a + len] == data[b + len] {
        len += 1;
    }
    len
}

fn read_u64(data: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&data[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Writes bits least-significant first, as §3.1.1 packs them into bytes.
struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter {
    fn with_capacity(capacity: usize) -> Self {
        BitWriter {
            bytes: Vec::with_capacity(capacity),
            acc: 0,
            bits: 0,
        }
    }

    /// Appends the low `count` (≤ 32) bits of `value`.
    fn put(&mut self, value: u32, count: u32) {
        debug_assert!(count <= 32 && (count == 32 || value >> count == 0));
        self.acc |= u64::from(value) << self.bits;
        self.bits += count;
        if self.bits >= 32 {
            self.bytes
                .extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.bits -= 32;
        }
    }

    /// Total bits written so far.
    fn bit_len(&self) -> u64 {
        self.bytes.len() as u64 * 8 + u64::from(self.bits)
    }

    /// Pads with zero bits to a byte boundary (stored blocks start byte-aligned, §3.2.4).
    fn align(&mut self) {
        while self.bits > 0 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.bits = self.bits.saturating_sub(8);
        }
        self.acc = 0;
    }

    fn into_bytes(mut self) -> Vec<u8> {
        self.align();
        self.bytes
    }
}

/// A prefix code ready for writing: per symbol its length and its bits reversed, because Huffman
/// codes are packed starting with the most significant bit (§3.1.1) into an LSB-first stream.
struct Code {
    lengths: Vec<u8>,
    reversed: Vec<u16>,
}

impl Code {
    /// Canonical code for the given lengths (§3.2.2).
    fn from_lengths(lengths: &[u8]) -> Code {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[usize::from(l)] += 1;
        }
        count[0] = 0;
        let mut next = [0u16; 16];
        let mut code = 0u16;
        for bits in 1..16 {
            code = (code + count[bits - 1]) << 1;
            next[bits] = code;
        }
        let mut reversed = vec![0u16; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l > 0 {
                let c = next[usize::from(l)];
                next[usize::from(l)] += 1;
                reversed[sym] = c.reverse_bits() >> (16 - u32::from(l));
            }
        }
        Code {
            lengths: lengths.to_vec(),
            reversed,
        }
    }

    fn put(&self, out: &mut BitWriter, sym: usize) {
        out.put(u32::from(self.reversed[sym]), u32::from(self.lengths[sym]));
    }

    /// Bits needed to write every symbol `freq[sym]` times (code bits only).
    fn cost(&self, freq: &[u32]) -> u64 {
        freq.iter()
            .zip(&self.lengths)
            .map(|(&f, &l)| u64::from(f) * u64::from(l))
            .sum()
    }
}

/// Optimal code lengths no longer than `limit` for the given frequencies, by package-merge
/// (Larmore & Hirschberg, 1990): every symbol's length is the number of times its leaf is chosen
/// among the 2n−2 cheapest items of the final merged list.
///
/// At least two symbols always get a code: a one-symbol code of length 1 is legal but "incomplete",
/// which some decoders reject; giving a second (unused) symbol the other 1-bit code keeps it complete.
fn limited_code_lengths(freq: &[u32], limit: u32) -> Vec<u8> {
    let mut lengths = vec![0u8; freq.len()];
    let mut leaves: Vec<(u64, usize)> = freq
        .iter()
        .enumerate()
        .filter(|&(_, &f)| f > 0)
        .map(|(sym, &f)| (u64::from(f), sym))
        .collect();
    if leaves.len() < 2 {
        let used = leaves.first().map_or(0, |&(_, sym)| sym);
        lengths[used] = 1;
        lengths[if used == 0 { 1 } else { 0 }] = 1;
        return lengths;
    }
    leaves.sort_unstable();
    let n = leaves.len();
    debug_assert!(n <= 1 << limit);

    #[derive(Clone, Copy)]
    enum Item {
        Leaf(usize),
        /// Two adjacent items of the previous (deeper) list, by index.
        Package(usize),
    }
    // levels[0] holds only leaves; each next list merges the leaves with pairs from the one before.
    let mut levels: Vec<Vec<(u64, Item)>> = Vec::with_capacity(limit as usize);
    levels.push(
        leaves
            .iter()
            .enumerate()
            .map(|(i, &(w, _))| (w, Item::Leaf(i)))
            .collect(),
    );
    let wanted = 2 * n - 2;
    for _ in 1..limit {
        let prev = &levels[levels.len() - 1];
        let mut merged = Vec::with_capacity(wanted);
        let mut li = 0;
        let mut pi = 0;
        // Items past the first 2n-2 of a list can never be chosen, so lists are cut there.
        while merged.len() < wanted {
            let package = (pi + 1 < prev.len()).then(|| prev[pi].0 + prev[pi + 1].0);
            match (leaves.get(li), package) {
                (Some(&(lw, _)), Some(pw)) if lw <= pw => {
                    merged.push((lw, Item::Leaf(li)));
                    li += 1;
                }
                (_, Some(pw)) => {
                    merged.push((pw, Item::Package(pi)));
                    pi += 2;
                }
                (Some(&(lw, _)), None) => {
                    merged.push((lw, Item::Leaf(li)));
                    li += 1;
                }
                (None, None) => break,
            }
        }
        levels.push(merged);
    }
    let top = levels.len() - 1;
    let mut stack: Vec<(usize, usize)> = (0..wanted.min(levels[top].len()))
        .map(|i| (top, i))
        .collect();
    while let Some((level, index)) = stack.pop() {
        match levels[level][index].1 {
            Item::Leaf(i) => lengths[leaves[i].1] += 1,
            Item::Package(i) => {
                stack.push((level - 1, i));
                stack.push((level - 1, i + 1));
            }
        }
    }
    lengths
}

/// Run-length encodes the concatenated code lengths with symbols 16 (repeat previous 3–6 times,
/// 2 extra bits), 17 (3–10 zeros, 3 bits) and 18 (11–138 zeros, 7 bits) (§3.2.7). Returns
/// (symbol, extra-bits value) pairs.
fn rle_code_lengths(lengths: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lengths.len() {
        let value = lengths[i];
        let mut run = lengths[i..].iter().take_while(|&&l| l == value).count();
        i += run;
        if value == 0 {
            while run >= 11 {
                let r = run.min(138);
                out.push((18, (r - 11) as u8));
                run -= r;
            }
            if run >= 3 {
                out.push((17, (run - 3) as u8));
                run = 0;
            }
        } else {
            // 16 repeats the previous length, so the value itself is sent once first.
            out.push((value, 0));
            run -= 1;
            while run >= 3 {
                let r = run.min(6);
                out.push((16, (r - 3) as u8));
                run -= r;
            }
        }
        out.extend(std::iter::repeat_n((value, 0), run));
    }
    out
}

/// Extra bits carried by a code-length symbol.
fn codelen_extra_bits(sym: u8) -> u32 {
    match sym {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    }
}

/// Everything needed to write one dynamic block header and its symbols.
struct DynamicCodes {
    litlen: Code,
    dist: Code,
    codelen: Code,
    hlit: usize,
    hdist: usize,
    hclen: usize,
    rle: Vec<(u8, u8)>,
    header_bits: u64,
}

impl DynamicCodes {
    fn build(litlen_freq: &[u32], dist_freq: &[u32]) -> DynamicCodes {
        let litlen = Code::from_lengths(&limited_code_lengths(litlen_freq, MAX_CODE_BITS));
        let dist = Code::from_lengths(&limited_code_lengths(dist_freq, MAX_CODE_BITS));
        // HLIT ≥ 257 and HDIST ≥ 1 (§3.2.7): trailing unused codes are simply not sent.
        let hlit = 257.max(
            litlen
                .lengths
                .iter()
                .rposition(|&l| l > 0)
                .map_or(0, |p| p + 1),
        );
        let hdist = 1.max(
            dist.lengths
                .iter()
                .rposition(|&l| l > 0)
                .map_or(0, |p| p + 1),
        );
        // The two length sequences form one sequence for run-length coding (§3.2.7), so a run may
        // continue from the literal/length lengths into the distance lengths.
        let mut all = litlen.lengths[..hlit].to_vec();
        all.extend_from_slice(&dist.lengths[..hdist]);
        let rle = rle_code_lengths(&all);
        let mut codelen_freq = [0u32; CODELEN_SYMBOLS];
        for &(sym, _) in &rle {
            codelen_freq[usize::from(sym)] += 1;
        }
        let codelen = Code::from_lengths(&limited_code_lengths(&codelen_freq, MAX_CODELEN_BITS));
        let hclen = 4.max(
            CODELEN_ORDER
                .iter()
                .rposition(|&s| codelen.lengths[s] > 0)
                .map_or(0, |p| p + 1),
        );
        let rle_bits: u64 = rle
            .iter()
            .map(|&(sym, _)| {
                u64::from(codelen.lengths[usize::from(sym)]) + u64::from(codelen_extra_bits(sym))
            })
            .sum();
        let header_bits = 3 + 5 + 5 + 4 + 3 * hclen as u64 + rle_bits;
        DynamicCodes {
            litlen,
            dist,
            codelen,
            hlit,
            hdist,
            hclen,
            rle,
            header_bits,
        }
    }

    fn write_header(&self, out: &mut BitWriter, last: bool) {
        out.put(u32::from(last), 1);
        out.put(0b10, 2); // BTYPE 10: dynamic Huffman codes
        out.put((self.hlit - 257) as u32, 5);
        out.put((self.hdist - 1) as u32, 5);
        out.put((self.hclen - 4) as u32, 4);
        for &sym in &CODELEN_ORDER[..self.hclen] {
            out.put(u32::from(self.codelen.lengths[sym]), 3);
        }
        for &(sym, extra) in &self.rle {
            self.codelen.put(out, usize::from(sym));
            let extra_bits = codelen_extra_bits(sym);
            if extra_bits > 0 {
                out.put(u32::from(extra), extra_bits);
            }
        }
    }
}

/// Collects tokens and writes them as blocks.
struct BlockWriter<'a> {
    data: &'a [u8],
    out: BitWriter,
    tokens: Vec<Token>,
    /// Input offset where the current block's bytes begin (for a stored block).
    block_start: usize,
    /// Input offset just past the bytes covered by `tokens`.
    position: usize,
}

impl BlockWriter<'_> {
    fn push_literal(&mut self, byte: u8) {
        self.tokens.push(Token {
            length_or_literal: u16::from(byte),
            distance: 0,
        });
        self.position += 1;
        self.maybe_flush();
    }

    fn push_match(&mut self, length: usize, distance: usize) {
        debug_assert!((MIN_MATCH..=MAX_MATCH).contains(&length));
        debug_assert!((1..=WINDOW_SIZE).contains(&distance));
        self.tokens.push(Token {
            length_or_literal: length as u16,
            distance: distance as u16,
        });
        self.position += length;
        self.maybe_flush();
    }

    fn maybe_flush(&mut self) {
        if self.tokens.len() >= BLOCK_SYMBOLS {
            self.flush(false);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.flush(true);
        self.out.into_bytes()
    }

    /// Writes the buffered tokens as one block in the cheapest of the three encodings.
    fn flush(&mut self, last: bool) {
        let mut litlen_freq = [0u32; LITLEN_SYMBOLS];
        let mut dist_freq = [0u32; DIST_SYMBOLS];
        let mut extra_bits = 0u64;
        for t in &self.tokens {
            if t.distance == 0 {
                litlen_freq[usize::from(t.length_or_literal)] += 1;
            } else {
                let li = usize::from(LENGTH_INDEX[usize::from(t.length_or_literal)]);
                let di = dist_code(usize::from(t.distance));
                litlen_freq[257 + li] += 1;
                dist_freq[di] += 1;
                extra_bits += u64::from(LENGTH_EXTRA[li]) + u64::from(DIST_EXTRA[di]);
            }
        }
        litlen_freq[END_OF_BLOCK] = 1;

        let dynamic = DynamicCodes::build(&litlen_freq, &dist_freq);
        let dynamic_bits = dynamic.header_bits
            + dynamic.litlen.cost(&litlen_freq)
            + dynamic.dist.cost(&dist_freq)
            + extra_bits;

        let fixed_litlen = Code::from_lengths(&FIXED_LITLEN_LENGTHS);
        let fixed_dist = Code::from_lengths(&FIXED_DIST_LENGTHS[..DIST_SYMBOLS]);
        let fixed_bits =
            3 + fixed_litlen.cost(&litlen_freq) + fixed_dist.cost(&dist_freq) + extra_bits;

        let raw = &self.data[self.block_start..self.position];
        let stored_bits = self.stored_cost(raw.len());

        if stored_bits < dynamic_bits.min(fixed_bits) {
            self.write_stored(last);
        } else if fixed_bits <= dynamic_bits {
            self.out.put(u32::from(last), 1);
            self.out.put(0b01, 2); // BTYPE 01: fixed Huffman codes
            self.write_tokens(&fixed_litlen, &fixed_dist);
        } else {
            dynamic.write_header(&mut self.out, last);
            self.write_tokens(&dynamic.litlen, &dynamic.dist);
        }
        self.tokens.clear();
        self.block_start = self.position;
    }

    /// Exact size of `len` bytes as stored blocks from the current bit position: each block is a
    /// 3-bit header, padding to a byte, LEN and NLEN, then the bytes (§3.2.4).
    fn stored_cost(&self, len: usize) -> u64 {
        let blocks = len.div_ceil(MAX_STORED).max(1) as u64;
        let first_pad = (8 - (self.out.bit_len() + 3) % 8) % 8;
        // After the first block the stream is byte-aligned, so each further header pads by 5 bits.
        first_pad + (blocks - 1) * 5 + blocks * (3 + 32) + 8 * len as u64
    }

    fn write_stored(&mut self, last: bool) {
        let raw = &self.data[self.block_start..self.position];
        let mut chunks: Vec<&[u8]> = raw.chunks(MAX_STORED).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        let count = chunks.len();
        for (k, chunk) in chunks.into_iter().enumerate() {
            self.out.put(u32::from(last && k + 1 == count), 1);
            self.out.put(0b00, 2); // BTYPE 00: no compression
            self.out.align();
            let len = chunk.len() as u16;
            self.out.put(u32::from(len), 16);
            self.out.put(u32::from(!len), 16);
            debug_assert_eq!(self.out.bits, 0);
            self.out.bytes.extend_from_slice(chunk);
        }
    }

    fn write_tokens(&mut self, litlen: &Code, dist: &Code) {
        for t in &self.tokens {
            if t.distance == 0 {
                litlen.put(&mut self.out, usize::from(t.length_or_literal));
            } else {
                let length = usize::from(t.length_or_literal);
                let li = usize::from(LENGTH_INDEX[length]);
                litlen.put(&mut self.out, 257 + li);
                if LENGTH_EXTRA[li] > 0 {
                    let extra = (length - usize::from(LENGTH_BASE[li])) as u32;
                    self.out.put(extra, u32::from(LENGTH_EXTRA[li]));
                }
                let distance = usize::from(t.distance);
                let di = dist_code(distance);
                dist.put(&mut self.out, di);
                if DIST_EXTRA[di] > 0 {
                    let extra = (distance - usize::from(DIST_BASE[di])) as u32;
                    self.out.put(extra, u32::from(DIST_EXTRA[di]));
                }
            }
        }
        litlen.put(&mut self.out, END_OF_BLOCK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;
    use crate::testdata::inflate;

    #[test]
    fn length_and_distance_tables_match_the_rfc_ranges() {
        // Each code's range ends where the next begins (§3.2.5), except 284/285 around length 258.
        for i in 0..27 {
            assert_eq!(
                LENGTH_BASE[i] + (1 << LENGTH_EXTRA[i]),
                LENGTH_BASE[i + 1],
                "length code {}",
                257 + i
            );
        }
        for i in 0..29 {
            assert_eq!(
                u32::from(DIST_BASE[i]) + (1 << DIST_EXTRA[i]),
                u32::from(DIST_BASE[i + 1])
            );
        }
        assert_eq!(u32::from(DIST_BASE[29]) + (1 << DIST_EXTRA[29]), 32769);
        assert_eq!(LENGTH_INDEX[3], 0);
        assert_eq!(LENGTH_INDEX[257], 27);
        assert_eq!(LENGTH_INDEX[258], 28);
    }

    #[test]
    fn dist_code_agrees_with_the_table_for_every_distance() {
        for d in 1..=WINDOW_SIZE {
            let c = dist_code(d);
            let base = usize::from(DIST_BASE[c]);
            assert!(base <= d && d < base + (1 << DIST_EXTRA[c]), "distance {d}");
        }
    }

    fn kraft_sum(lengths: &[u8]) -> f64 {
        lengths
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 0.5f64.powi(i32::from(l)))
            .sum()
    }

    #[test]
    fn package_merge_respects_the_limit_and_gives_complete_codes() {
        // Fibonacci frequencies force an unbounded Huffman code to depth n-1.
        let mut fib = vec![1u32, 1];
        while fib.len() < 30 {
            let k = fib.len();
            fib.push(fib[k - 1] + fib[k - 2]);
        }
        for limit in [7, 15] {
            let l = limited_code_lengths(&fib, limit);
            assert!(l.iter().all(|&x| x >= 1 && u32::from(x) <= limit));
            assert_eq!(kraft_sum(&l), 1.0);
        }
        // With room to spare it is an ordinary Huffman code: {1,1,2,4} → lengths 3,3,2,1.
        assert_eq!(limited_code_lengths(&[1, 1, 2, 4], 15), vec![3, 3, 2, 1]);
        // One or no used symbol still yields two 1-bit codes.
        assert_eq!(limited_code_lengths(&[0, 0, 5], 15), vec![1, 0, 1]);
        assert_eq!(limited_code_lengths(&[0, 0, 0], 15), vec![1, 1, 0]);
    }

    #[test]
    fn package_merge_is_optimal_on_small_cases() {
        // Compare with an exhaustive search over length vectors satisfying Kraft's equality.
        fn best(freq: &[u32], limit: u8) -> u64 {
            fn go(freq: &[u32], limit: u8, i: usize, kraft: f64, cost: u64, best: &mut u64) {
                if kraft > 1.0 + 1e-9 {
                    return;
                }
                if i == freq.len() {
                    if (kraft - 1.0).abs() < 1e-9 {
                        *best = (*best).min(cost);
                    }
                    return;
                }
                for l in 1..=limit {
                    let c = cost + u64::from(freq[i]) * u64::from(l);
                    go(
                        freq,
                        limit,
                        i + 1,
                        kraft + 0.5f64.powi(i32::from(l)),
                        c,
                        best,
                    );
                }
            }
            let mut b = u64::MAX;
            go(freq, limit, 0, 0.0, 0, &mut b);
            b
        }
        let cases: [&[u32]; 4] = [
            &[1, 2, 3, 4, 5],
            &[1, 1, 1, 1, 1, 100],
            &[7, 3, 3, 1, 1, 1],
            &[1, 1, 2, 3, 5, 8, 13],
        ];
        for freq in cases {
            for limit in [3u8, 4, 6] {
                if freq.len() > 1 << limit {
                    continue;
                }
                let l = limited_code_lengths(freq, u32::from(limit));
                let cost: u64 = freq
                    .iter()
                    .zip(&l)
                    .map(|(&f, &l)| u64::from(f) * u64::from(l))
                    .sum();
                assert_eq!(cost, best(freq, limit), "{freq:?} limit {limit}");
            }
        }
    }

    #[test]
    fn run_length_coding_of_code_lengths() {
        let expand = |rle: &[(u8, u8)]| {
            let mut out: Vec<u8> = Vec::new();
            for &(sym, extra) in rle {
                match sym {
                    16 => {
                        let last = *out.last().unwrap();
                        out.extend(std::iter::repeat_n(last, 3 + usize::from(extra)));
                    }
                    17 => out.extend(std::iter::repeat_n(0, 3 + usize::from(extra))),
                    18 => out.extend(std::iter::repeat_n(0, 11 + usize::from(extra))),
                    v => out.push(v),
                }
            }
            out
        };
        let mut input = vec![8u8; 20];
        input.extend([0; 200]);
        input.extend([5, 5, 0, 0, 7, 7, 7, 7]);
        input.extend([0; 12]);
        let rle = rle_code_lengths(&input);
        assert_eq!(expand(&rle), input);
        assert!(rle.len() < 15, "{rle:?}");
    }

    #[test]
    fn empty_input_is_one_fixed_block_with_end_of_block() {
        // BFINAL=1, BTYPE=01, then the 7-bit all-zero code of symbol 256: two bytes 03 00.
        assert_eq!(deflate(b""), vec![0x03, 0x00]);
    }

    #[test]
    fn round_trips_through_the_test_inflater() {
        for (name, input) in testdata::inputs() {
            let packed = deflate(&input);
            assert_eq!(inflate(&packed).as_deref(), Ok(&input[..]), "{name}");
        }
    }

    #[test]
    fn incompressible_data_costs_little_more_than_stored() {
        let input = testdata::random_bytes(200_000, 7);
        let packed = deflate(&input);
        // Random bytes have almost no matches, so a block closes about every BLOCK_SYMBOLS bytes, and
        // each is then stored at a cost of 5 bytes of framing (§3.2.4).
        let blocks = input.len().div_ceil(BLOCK_SYMBOLS);
        assert!(
            packed.len() <= input.len() + 5 * blocks + 1,
            "{}",
            packed.len()
        );
    }

    #[test]
    fn long_runs_compress_to_almost_nothing() {
        let input = vec![b'x'; 1_000_000];
        let packed = deflate(&input);
        assert!(packed.len() < 2_000, "{}", packed.len());
    }

    #[test]
    fn stored_blocks_split_at_65535_bytes() {
        // A block covering more than 65,535 input bytes must become several stored blocks.
        let data = testdata::random_bytes(150_000, 9);
        let mut blocks = BlockWriter {
            data: &data,
            out: BitWriter::with_capacity(0),
            tokens: Vec::new(),
            block_start: 0,
            position: data.len(),
        };
        blocks.write_stored(true);
        let packed = blocks.out.into_bytes();
        assert_eq!(packed.len(), data.len() + 3 * 5);
        assert_eq!(inflate(&packed).as_deref(), Ok(&data[..]));
    }

    #[test]
    fn deterministic() {
        let input = testdata::generated_text(50_000);
        assert_eq!(deflate(&input), deflate(&input));
    }
}

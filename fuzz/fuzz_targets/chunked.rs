//! Decode arbitrary bytes as a chunked body, in one call and in random
//! splits (with compaction), and require the same outcome.

#![no_main]

use libfuzzer_sys::fuzz_target;
use verbosel_http::{ChunkError, Chunked, ChunkedDecoder};

type Outcome = Result<Option<(Vec<u8>, usize)>, ChunkError>;

fn one_shot(input: &[u8], max_body: u64) -> Outcome {
    let mut buf = input.to_vec();
    let mut dec = ChunkedDecoder::new(0);
    let filled = buf.len();
    Ok(match dec.decode(&mut buf, filled, max_body)? {
        Chunked::Done { body_len, end } => {
            assert!(body_len <= end && end <= input.len());
            Some((buf[..body_len].to_vec(), end))
        }
        Chunked::NeedMore => None,
    })
}

fn split(input: &[u8], max_body: u64, steps: &[u8], compact: bool) -> Outcome {
    let mut buf = vec![0u8; input.len()];
    let mut dec = ChunkedDecoder::new(0);
    let mut filled = 0;
    let mut fed = 0;
    let mut step = 0;
    loop {
        if let Chunked::Done { body_len, end } = dec.decode(&mut buf, filled, max_body)? {
            return Ok(Some((buf[..body_len].to_vec(), fed - (filled - end))));
        }
        if fed == input.len() {
            return Ok(None);
        }
        if compact {
            filled = dec.compact(&mut buf, filled);
        }
        let n = usize::from(steps.get(step % steps.len().max(1)).copied().unwrap_or(1))
            .clamp(1, input.len() - fed);
        step += 1;
        buf[filled..filled + n].copy_from_slice(&input[fed..fed + n]);
        filled += n;
        fed += n;
    }
}

fuzz_target!(|data: &[u8]| {
    // First byte: limit and mode; next 8: split sizes; the rest: the body.
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (steps, input) = rest.split_at(rest.len().min(8));
    let max_body = if mode & 1 == 0 {
        u64::MAX
    } else {
        u64::from(mode) * 4
    };
    let compact = mode & 2 != 0;
    let whole = one_shot(input, max_body);
    assert_eq!(split(input, max_body, steps, compact), whole);
});

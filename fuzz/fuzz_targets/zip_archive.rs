//! Read arbitrary bytes as an executable with an archive appended, and as a raw DEFLATE stream.
//!
//! The reader never panics and never reads outside its input; when it accepts an archive, every
//! file's data lies inside the input, inflates to exactly its declared size and CRC-32, gives a
//! gzip member of the right length, and is found again by its path; verifying through the window
//! and inflating into an arena agree. The inflater's two entry points agree on every stream.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use verbosel_zip::{Archive, Limits, MIN_WINDOW_LEN, crc32, inflate, inflate_check};

/// Output room for a raw stream: past the window, so that streaming slides.
const ROOM: usize = 1 << 17;

thread_local! {
    // Reused across runs: zeroing them for every input would cost more than most inputs.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0u8; MIN_WINDOW_LEN]);
    static OUT: RefCell<Vec<u8>> = RefCell::new(vec![0u8; ROOM]);
}

fuzz_target!(|data: &[u8]| {
    SCRATCH.with_borrow_mut(|scratch| {
        check_archive(data, scratch);
        OUT.with_borrow_mut(|out| check_inflate(data, scratch, out));
    });
});

fn check_archive(data: &[u8], scratch: &mut [u8]) {
    let Ok(Some(archive)) = Archive::find(data) else {
        return;
    };
    let central = archive.central_directory();
    assert!(central.start <= central.end && central.end <= data.len());
    let mut memory = vec![0u64; archive.index_words()];
    let mut arena_memory = vec![0u64; archive.index_words()];
    let windowed = archive.validate(&Limits::DEFAULT, &mut memory, scratch);
    let mut arena = Vec::new();
    let into_arena = archive.index(&Limits::DEFAULT, &mut arena_memory).and_then(|u| {
        arena.resize(u.inflated_len(), 0);
        u.verify_into(&mut arena)
    });
    let (index, arena_index) = match (windowed, into_arena) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            return;
        }
        (a, b) => panic!("through the window {a:?}, into the arena {b:?}"),
    };
    assert_eq!(index.len(), arena_index.len());
    let input = data.as_ptr_range();
    for (entry, inflated) in index.iter().zip(arena_index.iter()) {
        let slice = entry.data.as_ptr_range();
        assert!(input.start <= slice.start && slice.end <= input.end);
        assert!(entry.name.as_ptr_range().end <= input.end);
        let mut out = vec![0u8; entry.size];
        assert_eq!(entry.inflate_into(&mut out), Ok(entry.size));
        assert_eq!(crc32(&out), entry.crc32);
        assert_eq!(inflated.identity, Some(&out[..]));
        assert_eq!((inflated.name, inflated.data), (entry.name, entry.data));
        if let Some(member) = entry.gzip() {
            assert_eq!(member.len(), entry.data.len() + 18);
        }
        let mut path = b"/".to_vec();
        path.extend_from_slice(entry.name);
        assert_eq!(index.get(&path), Some(entry));
    }
}

fn check_inflate(data: &[u8], scratch: &mut [u8], out: &mut [u8]) {
    let flat = inflate(data, out);
    let checked = inflate_check(data, scratch, ROOM);
    match (flat, checked) {
        (Ok(f), Ok(c)) => {
            assert!(f.consumed <= data.len());
            assert_eq!((f.consumed, f.written), (c.consumed, c.size));
            assert_eq!(crc32(&out[..f.written]), c.crc32);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (f, c) => panic!("inflate {f:?} but inflate_check {c:?}"),
    }
}

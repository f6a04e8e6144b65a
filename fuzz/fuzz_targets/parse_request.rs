//! Parse arbitrary bytes as a request head, then frame it.
//!
//! Invariants: no panic; a complete head's body offset is in bounds and ends
//! with CRLF; every strict prefix of a complete head parses as `Partial`
//! (checked on a few cut points per input to stay fast); framing never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use verbosel_http::{Header, ParseLimits, Parsed, analyze, parse_request};

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits {
        max_request_line: 512,
        max_head: 2048,
        max_headers: 16,
    };
    let mut headers = [Header::EMPTY; 16];
    let Ok(Parsed::Complete((head, offset))) = parse_request(data, &mut headers, &limits) else {
        return;
    };
    assert!(offset <= data.len());
    assert_eq!(&data[offset - 2..offset], b"\r\n");
    let _ = analyze(&head);
    let owned = head;

    // A strict prefix of a complete head is never an error.
    for cut in [0, offset / 3, offset / 2, offset - 1] {
        let mut again = [Header::EMPTY; 16];
        let r = parse_request(&data[..cut], &mut again, &limits);
        assert_eq!(r, Ok(Parsed::Partial), "prefix of {cut} bytes");
    }
    // The head alone parses to the same result.
    let mut again = [Header::EMPTY; 16];
    match parse_request(&data[..offset], &mut again, &limits) {
        Ok(Parsed::Complete((h, o))) => {
            assert_eq!(o, offset);
            assert_eq!(h, owned);
        }
        other => panic!("head alone: {other:?}"),
    }
});

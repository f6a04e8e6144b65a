//! Normalise arbitrary paths; a success must be safe to join to a root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use verbosel_http::{form_decode, normalize, percent_decode, query_pairs};

fuzz_target!(|data: &[u8]| {
    let mut out = vec![0u8; data.len()];
    if let Ok(path) = normalize(data, &mut out) {
        assert!(path.starts_with(b"/"), "does not start with /");
        assert!(path.len() <= data.len(), "longer than input");
        for segment in path.split(|&b| b == b'/') {
            assert!(segment != b"..", "contains a .. segment");
            assert!(segment != b".", "contains a . segment");
        }
        assert!(!path.windows(2).any(|w| w == b"//"), "contains //");
        assert!(
            !path.iter().any(|&b| b == 0 || b == b'\\'),
            "NUL or backslash"
        );
    }
    let mut out = vec![0u8; data.len()];
    if let Ok(decoded) = percent_decode(data, &mut out) {
        assert!(decoded.len() <= data.len());
    }
    let mut out = vec![0u8; data.len()];
    let _ = form_decode(data, &mut out);
    for (name, value) in query_pairs(data) {
        assert!(!name.contains(&b'&') && !value.contains(&b'&'));
        assert!(!name.contains(&b'='));
    }
});

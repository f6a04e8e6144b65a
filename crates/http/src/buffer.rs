//! Moving bytes inside a receive buffer: de-chunking a body in place, and bringing a pipelined
//! request to the front after the one before it is answered.

/// Moves `buf[from..to]` down to start at `dest` (`dest <= from`), as `copy_within` would, and
/// returns whether the ranges were valid (nothing moves if not). The bytes from `dest` to `from`,
/// already consumed, end up after the moved ones. A rotation rather than `copy_within`: the
/// callers' checks make its bound provable, so no panic path (and no `core::fmt`) is linked.
pub fn move_down(buf: &mut [u8], dest: usize, from: usize, to: usize) -> bool {
    match (buf.get_mut(dest..to), from.checked_sub(dest)) {
        (Some(window), Some(gap)) if gap <= window.len() => {
            window.rotate_left(gap);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn move_down_moves_like_copy_within_and_refuses_bad_ranges() {
        // (dest, from, to) → the moved bytes at dest, or None when refused.
        let cases: &[(usize, usize, usize, Option<&[u8]>)] = &[
            (0, 3, 8, Some(b"defgh")),
            (2, 3, 8, Some(b"defgh")),
            (0, 0, 8, Some(b"abcdefgh")),
            (5, 5, 5, Some(b"")),
            (4, 3, 8, None), // dest above from
            (0, 3, 9, None), // past the end
            (0, 9, 8, None), // from above to
        ];
        for &(dest, from, to, want) in cases {
            let mut buf = *b"abcdefgh";
            let moved = move_down(&mut buf, dest, from, to);
            match want {
                Some(w) => {
                    assert!(moved, "{dest} {from} {to}");
                    assert_eq!(&buf[dest..dest + w.len()], w, "{dest} {from} {to}");
                }
                None => {
                    assert!(!moved, "{dest} {from} {to}");
                    assert_eq!(&buf, b"abcdefgh");
                }
            }
        }
    }
}

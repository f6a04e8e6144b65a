//! Paths as the kernel takes them: NUL-terminated, built on the stack from the bytes the command
//! line or a request gave (`--root`'s and `--data`'s folders at start-up, a file beneath
//! `--root` for each request).

use core::ffi::CStr;

/// Longest path (in bytes) built here: `PATH_MAX`, the kernel's own limit (`ENAMETOOLONG`
/// beyond), with room for the `index.html` or `.gz` added to a requested name.
pub const MAX_PATH: usize = 4096;

/// Names shorter than this are built in a buffer of this size (see [`with_c_path`]).
const SHORT_PATH: usize = 256;

/// Calls `f` with `rel` + `suffix` as a NUL-terminated name on the stack; `None` if it is longer
/// than [`MAX_PATH`] or holds a NUL. Most names are short, and they get a small buffer: zeroing
/// one of [`MAX_PATH`] bytes for every open showed in a profile of `--root` (memset, 4% of the
/// CPU).
pub(crate) fn with_c_path<R>(rel: &[u8], suffix: &[u8], f: impl FnOnce(&CStr) -> R) -> Option<R> {
    if rel.len() + suffix.len() < SHORT_PATH {
        let mut buf = [0u8; SHORT_PATH];
        c_path(rel, suffix, &mut buf).map(f)
    } else {
        let mut buf = [0u8; MAX_PATH + 1];
        c_path(rel, suffix, &mut buf).map(f)
    }
}

/// `rel` and `suffix` as a NUL-terminated path in `buf`; `None` if it does not fit, is longer
/// than [`MAX_PATH`], or holds a NUL (which would name another path).
pub(crate) fn c_path<'b>(rel: &[u8], suffix: &[u8], buf: &'b mut [u8]) -> Option<&'b CStr> {
    let len = rel.len() + suffix.len();
    if len > MAX_PATH || rel.contains(&0) || suffix.contains(&0) {
        return None;
    }
    buf.get_mut(..rel.len())?.copy_from_slice(rel);
    buf.get_mut(rel.len()..len)?.copy_from_slice(suffix);
    *buf.get_mut(len)? = 0;
    CStr::from_bytes_with_nul(buf.get(..=len)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_short_and_long_and_refused() {
        let got = |rel: &[u8], suffix: &[u8]| with_c_path(rel, suffix, |c| c.to_bytes().to_vec());
        assert_eq!(got(b"docs/a", b".gz"), Some(b"docs/a.gz".to_vec()));
        let long = vec![b'a'; MAX_PATH - 3];
        let mut want = long.clone();
        want.extend_from_slice(b".gz");
        assert_eq!(got(&long, b".gz"), Some(want));
        assert_eq!(got(&long, b".gz!"), None);
        assert_eq!(got(b"a\0b", b""), None);
        assert_eq!(got(b"", b""), Some(Vec::new()));
    }
}

//! Which entry names may be served: relative paths of plain segments, so that a name can never
//! mean anything outside the site (APPNOTE 4.4.17: names are relative, `/` separated, no drive or
//! device letter). The server compares request paths with names byte for byte, and a later
//! source (a folder at run time) may map names to files: both need names that cannot climb out.

use crate::error::Problem;

/// What a valid name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Named {
    File,
    /// The name ends in `/` (APPNOTE 4.4.17.1: a directory).
    Folder,
}

/// Checks an entry name: not empty, not absolute, no backslash, NUL or other control character,
/// no empty, `.` or `..` segment. A folder's one trailing `/` is allowed.
pub(crate) fn check_name(name: &[u8]) -> Result<Named, Problem> {
    if name.is_empty() {
        return Err(Problem::NameEmpty);
    }
    if name.first() == Some(&b'/') {
        return Err(Problem::NameAbsolute);
    }
    for &b in name {
        match b {
            0 => return Err(Problem::NameNul),
            b'\\' => return Err(Problem::NameBackslash),
            0x01..=0x1F | 0x7F => return Err(Problem::NameControl),
            _ => {}
        }
    }
    let (path, named) = match name.strip_suffix(b"/") {
        Some(folder) => (folder, Named::Folder),
        None => (name, Named::File),
    };
    for segment in path.split(|&b| b == b'/') {
        match segment {
            b"" => return Err(Problem::NameEmptySegment),
            b"." => return Err(Problem::NameDotSegment),
            b".." => return Err(Problem::NameParentSegment),
            _ => {}
        }
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let cases: &[(&[u8], Result<Named, Problem>)] = &[
            (b"index.html", Ok(Named::File)),
            (b"docs/guide.html", Ok(Named::File)),
            (b"docs/", Ok(Named::Folder)),
            (b"a/b/c/", Ok(Named::Folder)),
            (b"...", Ok(Named::File)),
            (b"..a/.b/c..", Ok(Named::File)),
            (b"caf\xc3\xa9.html", Ok(Named::File)),
            (b"", Err(Problem::NameEmpty)),
            (b"/", Err(Problem::NameAbsolute)),
            (b"/etc/passwd", Err(Problem::NameAbsolute)),
            (b"..", Err(Problem::NameParentSegment)),
            (b"../x", Err(Problem::NameParentSegment)),
            (b"a/../../x", Err(Problem::NameParentSegment)),
            (b"a/..", Err(Problem::NameParentSegment)),
            (b"../", Err(Problem::NameParentSegment)),
            (b"./x", Err(Problem::NameDotSegment)),
            (b"a/./b", Err(Problem::NameDotSegment)),
            (b"./", Err(Problem::NameDotSegment)),
            (b"a//b", Err(Problem::NameEmptySegment)),
            (b"a//", Err(Problem::NameEmptySegment)),
            (b"a\\..\\b", Err(Problem::NameBackslash)),
            (b"..\\x", Err(Problem::NameBackslash)),
            (b"a\0b", Err(Problem::NameNul)),
            (b"a\r\nSet-Cookie: x", Err(Problem::NameControl)),
            (b"a\x7f", Err(Problem::NameControl)),
        ];
        for &(name, want) in cases {
            assert_eq!(
                check_name(name),
                want,
                "{:?}",
                String::from_utf8_lossy(name)
            );
        }
    }
}

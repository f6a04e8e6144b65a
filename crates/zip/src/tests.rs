//! Whole archives: the fixtures Python's zipfile and InfoZIP wrote (testdata/make_fixtures.py),
//! archives the test writer builds, and a table of malformed ones, each refused with its entry
//! named.

use crate::testdata::{fixture_css, fixture_noise, fixture_text};
use crate::testzip::{DOS_UNIX, Options, TestEntry, Written, entry, write};
use crate::*;

/// What a test wants to know about one file of a validated archive.
#[derive(Debug, PartialEq)]
struct File {
    name: String,
    method: Method,
    size: usize,
    modified: u64,
    content: Vec<u8>,
}

/// Finds and validates with the default limits, and inflates every file.
fn read(bytes: &[u8]) -> Result<Vec<File>, (Problem, Option<String>)> {
    read_with(bytes, &Limits::DEFAULT)
}

/// Validates both ways (through the window, and inflating into an arena), which must agree.
fn read_with(bytes: &[u8], limits: &Limits) -> Result<Vec<File>, (Problem, Option<String>)> {
    let windowed = read_one_way(bytes, limits, false);
    let into_arena = read_one_way(bytes, limits, true);
    assert_eq!(windowed, into_arena);
    windowed
}

fn read_one_way(
    bytes: &[u8],
    limits: &Limits,
    arena: bool,
) -> Result<Vec<File>, (Problem, Option<String>)> {
    let named = |e: Error| {
        (
            e.problem,
            e.entry.map(|n| String::from_utf8_lossy(n).into_owned()),
        )
    };
    let archive = Archive::find(bytes).map_err(named)?.expect("an archive");
    let mut memory = vec![0u64; archive.index_words()];
    let mut scratch = vec![0u8; MIN_WINDOW_LEN];
    let mut inflated = Vec::new();
    let unverified = archive.index(limits, &mut memory).map_err(named)?;
    let index = if arena {
        inflated.resize(unverified.inflated_len(), 0);
        unverified.verify_into(&mut inflated)
    } else {
        unverified.verify(&mut scratch)
    }
    .map_err(named)?;
    Ok(index
        .iter()
        .map(|e| {
            let mut content = vec![0u8; e.size];
            assert_eq!(e.inflate_into(&mut content), Ok(e.size));
            assert_eq!(crc32(&content), e.crc32);
            match (e.method, e.identity) {
                (Method::Stored, identity) => assert_eq!(identity, Some(e.data)),
                (Method::Deflated, Some(bytes)) => assert!(arena && bytes == content),
                (Method::Deflated, None) => assert!(!arena),
            }
            File {
                name: String::from_utf8_lossy(e.name).into_owned(),
                method: e.method,
                size: e.size,
                modified: e.modified,
                content,
            }
        })
        .collect())
}

fn names(files: &[File]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

const PYTHON_SITE: [&str; 6] = [
    "404.html",
    "docs/index.html",
    "empty.txt",
    "index.html",
    "logo.png",
    "style.css",
];

/// The contents make_fixtures.py's `site()` wrote.
fn check_python_site(files: &[File]) {
    assert_eq!(names(files), PYTHON_SITE);
    let by = |n: &str| files.iter().find(|f| f.name == n).unwrap();
    assert_eq!(by("index.html").content, fixture_text(200));
    assert_eq!(by("index.html").method, Method::Deflated);
    assert_eq!(by("docs/index.html").content, fixture_text(20));
    assert_eq!(by("style.css").content, fixture_css());
    assert_eq!(by("logo.png").content, fixture_noise(2048, 1));
    assert_eq!(by("logo.png").method, Method::Stored);
    assert_eq!(by("empty.txt").size, 0);
    // Python writes the MS-DOS time only: 2024-05-17 12:30:04, read as UTC.
    assert!(files.iter().all(|f| f.modified == DOS_UNIX), "{files:?}");
}

#[test]
fn python_zipfile_archives() {
    let plain = include_bytes!("../testdata/python_site.zip");
    check_python_site(&read(plain).unwrap());
    assert_eq!(Archive::find(plain).unwrap().unwrap().base(), 0);

    // Append mode on a program: offsets from the start of the file.
    let appended = include_bytes!("../testdata/python_appended.bin");
    check_python_site(&read(appended).unwrap());
    assert_eq!(Archive::find(appended).unwrap().unwrap().base(), 0);

    // `cat program site.zip`: offsets from the archive's start, corrected by the base.
    let cat = include_bytes!("../testdata/python_cat.bin");
    check_python_site(&read(cat).unwrap());
    assert_eq!(Archive::find(cat).unwrap().unwrap().base(), 3004);

    // Append mode again on a program that has an archive: one more entry.
    let twice = read(include_bytes!("../testdata/python_appended_twice.bin")).unwrap();
    assert_eq!(twice.len(), 7);
    assert_eq!(
        twice
            .iter()
            .find(|f| f.name == "more.html")
            .unwrap()
            .content,
        fixture_text(5)
    );

    // Data descriptors (written to a stream that cannot seek), with an empty file.
    let descriptor = read(include_bytes!("../testdata/python_descriptor.zip")).unwrap();
    assert_eq!(names(&descriptor), ["empty.txt", "index.html", "style.css"]);
    assert_eq!(descriptor[1].content, fixture_text(200));

    // Zip64 extra fields everywhere and Zip64 end records.
    let zip64_bytes = include_bytes!("../testdata/python_zip64.zip");
    assert!(Archive::find(zip64_bytes).unwrap().unwrap().is_zip64());
    check_python_site(&read(zip64_bytes).unwrap());
    // force_zip64: a Zip64 field in the local header only.
    let forced = read(include_bytes!("../testdata/python_force_zip64.zip")).unwrap();
    assert_eq!(forced[0].content, fixture_text(200));

    // An archive comment, and a UTF-8 name.
    let comment = read(include_bytes!("../testdata/python_comment.zip")).unwrap();
    assert_eq!(names(&comment), ["caf\u{e9}.html"]);
}

#[test]
fn infozip_archives() {
    // InfoZIP adds the extended timestamp: the Unix time itself.
    for fixture in [
        &include_bytes!("../testdata/infozip_site.zip")[..],
        include_bytes!("../testdata/infozip_zip64.zip"),
        include_bytes!("../testdata/infozip_adjusted.bin"),
    ] {
        let files = read(fixture).unwrap();
        assert_eq!(names(&files), ["index.html", "style.css"]);
        assert_eq!(files[0].content, fixture_text(200));
        assert_eq!(files[1].content, fixture_css());
        assert!(files.iter().all(|f| f.modified == DOS_UNIX));
    }
    assert!(
        Archive::find(include_bytes!("../testdata/infozip_zip64.zip"))
            .unwrap()
            .unwrap()
            .is_zip64()
    );
    // `zip -A` made the offsets count from the start of the file.
    assert_eq!(
        Archive::find(include_bytes!("../testdata/infozip_adjusted.bin"))
            .unwrap()
            .unwrap()
            .base(),
        0
    );
    // Written to a pipe: data descriptors, and a larger deflated file.
    let stream = read(include_bytes!("../testdata/infozip_stream.zip")).unwrap();
    assert_eq!(names(&stream), ["big.txt", "index.html", "style.css"]);
    assert_eq!(stream[0].content, fixture_text(400).repeat(3));
}

#[test]
fn lookups_by_normalised_path() {
    let bytes = include_bytes!("../testdata/python_site.zip");
    let archive = Archive::find(bytes).unwrap().unwrap();
    assert_eq!(archive.entry_count(), 7);
    let mut memory = vec![0u64; archive.index_words()];
    let mut scratch = vec![0u8; MIN_WINDOW_LEN];
    let index = archive
        .validate(&Limits::DEFAULT, &mut memory, &mut scratch)
        .unwrap();
    // The folder entry is validated, not served.
    assert_eq!(index.len(), 6);
    assert_eq!(index.get(b"/index.html").unwrap().name, b"index.html");
    assert_eq!(
        index.get(b"/docs/index.html").unwrap().size,
        fixture_text(20).len()
    );
    assert_eq!(
        index.get_joined(b"/docs/", b"index.html").unwrap().name,
        b"docs/index.html"
    );
    assert_eq!(
        index.get_joined(b"/", b"index.html").unwrap().name,
        b"index.html"
    );
    for missing in [
        &b"/docs/"[..],
        b"/docs",
        b"index.html",
        b"/",
        b"",
        b"/nope.html",
        b"/index.htm",
    ] {
        assert_eq!(
            index.get(missing),
            None,
            "{:?}",
            String::from_utf8_lossy(missing)
        );
    }
    for (i, name) in PYTHON_SITE.iter().enumerate() {
        assert_eq!(index.entry(i).unwrap().name, name.as_bytes());
        let path = format!("/{name}");
        assert_eq!(index.get(path.as_bytes()).unwrap().name, name.as_bytes());
    }
    assert_eq!(index.entry(6), None);
    // Every data slice lies inside the file.
    let file = bytes.as_ptr_range();
    for e in index.iter() {
        let data = e.data.as_ptr_range();
        assert!(file.start <= data.start && data.end <= file.end);
    }
}

#[test]
fn gzip_member_of_a_deflated_entry() {
    let bytes = include_bytes!("../testdata/python_site.zip");
    let archive = Archive::find(bytes).unwrap().unwrap();
    let mut memory = vec![0u64; archive.index_words()];
    let mut scratch = vec![0u8; MIN_WINDOW_LEN];
    let index = archive
        .validate(&Limits::DEFAULT, &mut memory, &mut scratch)
        .unwrap();
    let page = index.get(b"/index.html").unwrap();
    let member = page.gzip().unwrap();
    // The DEFLATE payload is the archive's own bytes, not a copy.
    assert_eq!(member.deflate.as_ptr(), page.data.as_ptr());
    let whole = member.parts().concat();
    assert_eq!(whole.len(), member.len());
    // RFC 1952 §2.3: header, stream, CRC-32, ISIZE; read back with our inflater.
    assert_eq!(&whole[..4], &[0x1F, 0x8B, 8, 0]);
    assert_eq!(
        u32::from_le_bytes(whole[4..8].try_into().unwrap()),
        DOS_UNIX as u32
    );
    let body = &whole[10..whole.len() - 8];
    let mut out = vec![0u8; page.size];
    assert_eq!(inflate(body, &mut out).unwrap().consumed, body.len());
    assert_eq!(out, fixture_text(200));
    let trailer = &whole[whole.len() - 8..];
    assert_eq!(trailer[..4], crc32(&out).to_le_bytes());
    assert_eq!(trailer[4..], (out.len() as u32).to_le_bytes());
    // gzip -dc agrees, where it is installed (it is on Debian's base system).
    if let Ok(mut child) = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&whole).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, fixture_text(200));
    } else {
        eprintln!("SKIPPED: gzip is not installed; checked with our own inflater only");
    }
    assert_eq!(index.get(b"/logo.png").unwrap().gzip(), None);
}

#[test]
fn no_archive_and_empty_archives() {
    let program = crate::testdata::random_bytes(200_000, 11);
    assert_eq!(Archive::find(&program), Ok(None));
    assert_eq!(Archive::find(b""), Ok(None));
    // A bare end record after a program (what a release binary could ship with), in both
    // layouts: no entries, a valid empty index.
    for from_file_start in [true, false] {
        let w = write(
            &[],
            &Options {
                prefix: program.clone(),
                from_file_start,
                ..Options::default()
            },
        );
        assert_eq!(read(&w.bytes), Ok(vec![]));
    }
}

#[test]
fn written_archives_in_every_layout() {
    let site = || {
        vec![
            entry("index.html", &fixture_text(100), 8),
            entry("a/b/c.css", &fixture_css(), 8),
            entry("img.png", &fixture_noise(5000, 2), 0),
            entry("empty.txt", b"", 0),
            entry("empty-deflated.txt", b"", 8),
            entry("docs/", b"", 0),
            entry("big.txt", &fixture_text(3000), 8),
        ]
    };
    let with = |f: fn(&mut TestEntry)| {
        let mut s = site();
        s.iter_mut().for_each(f);
        s
    };
    let variants: Vec<(&str, Vec<TestEntry>, Options)> = vec![
        ("plain", site(), Options::default()),
        (
            "cat layout",
            site(),
            Options {
                from_file_start: false,
                ..Options::default()
            },
        ),
        (
            "zip64",
            with(|e| e.zip64 = true),
            Options {
                zip64_end: true,
                ..Options::default()
            },
        ),
        (
            "zip64, cat layout",
            with(|e| e.zip64 = true),
            Options {
                zip64_end: true,
                from_file_start: false,
                ..Options::default()
            },
        ),
        (
            "descriptors",
            with(|e| e.descriptor = true),
            Options::default(),
        ),
        (
            "zip64 descriptors",
            with(|e| {
                e.descriptor = true;
                e.zip64 = true
            }),
            Options::default(),
        ),
        (
            "timestamps",
            with(|e| e.mtime = Some(1_000_000_000)),
            Options::default(),
        ),
        (
            "comment",
            site(),
            Options {
                comment: vec![b'#'; 65_535],
                ..Options::default()
            },
        ),
        (
            "no program",
            site(),
            Options {
                prefix: Vec::new(),
                ..Options::default()
            },
        ),
    ];
    for (name, entries, options) in variants {
        let w = write(&entries, &options);
        let files = read(&w.bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let mut want: Vec<&TestEntry> =
            entries.iter().filter(|e| !e.name.ends_with(b"/")).collect();
        want.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(files.len(), want.len(), "{name}");
        for (f, e) in files.iter().zip(want) {
            assert_eq!(f.name.as_bytes(), e.name, "{name}");
            assert!(f.content == e.data, "{name}: {}", f.name);
            let modified = e.mtime.map_or(DOS_UNIX, |t| t as u64);
            assert_eq!(f.modified, modified, "{name}: {}", f.name);
        }
    }
}

/// One way to break an archive, and what the reader must say.
struct Broken {
    what: &'static str,
    entries: Vec<TestEntry>,
    options: Options,
    /// Applied to the written archive.
    breaks: fn(&mut Written),
    problem: Problem,
    /// The entry the error names (None: the archive as a whole).
    entry: Option<&'static str>,
}

fn two(name: &str) -> Vec<TestEntry> {
    vec![
        entry("index.html", &fixture_text(50), 8),
        entry(name, &fixture_text(30), 8),
    ]
}

fn nothing(_: &mut Written) {}

#[test]
fn malformed_archives_are_refused_with_the_entry_named() {
    let cases: Vec<Broken> = vec![
        Broken {
            what: "parent segment",
            entries: two("../etc/passwd"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameParentSegment,
            entry: Some("../etc/passwd"),
        },
        Broken {
            what: "parent segment inside",
            entries: two("a/../../b"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameParentSegment,
            entry: Some("a/../../b"),
        },
        Broken {
            what: "absolute",
            entries: two("/etc/passwd"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameAbsolute,
            entry: Some("/etc/passwd"),
        },
        Broken {
            what: "backslash",
            entries: two("..\\win.ini"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameBackslash,
            entry: Some("..\\win.ini"),
        },
        Broken {
            what: "NUL",
            entries: two("a\0.html"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameNul,
            entry: Some("a\0.html"),
        },
        Broken {
            what: "empty segment",
            entries: two("a//b.html"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameEmptySegment,
            entry: Some("a//b.html"),
        },
        Broken {
            what: "dot segment",
            entries: two("./a.html"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameDotSegment,
            entry: Some("./a.html"),
        },
        Broken {
            what: "empty name",
            entries: two(""),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameEmpty,
            entry: Some(""),
        },
        Broken {
            what: "control character",
            entries: two("a\r\nb"),
            options: Options::default(),
            breaks: nothing,
            problem: Problem::NameControl,
            entry: Some("a\r\nb"),
        },
        Broken {
            what: "duplicate",
            entries: vec![
                entry("a.html", b"one", 8),
                entry("b.html", b"two", 0),
                entry("a.html", b"three", 0),
            ],
            options: Options::default(),
            breaks: nothing,
            problem: Problem::Duplicate,
            entry: Some("a.html"),
        },
        Broken {
            what: "folder with data",
            entries: vec![entry("docs/", b"data", 0)],
            options: Options::default(),
            breaks: nothing,
            problem: Problem::FolderWithData,
            entry: Some("docs/"),
        },
        Broken {
            what: "encrypted (flag bit 0)",
            entries: two("secret.html"),
            options: Options::default(),
            breaks: |w| {
                let c = w.centrals[1];
                w.put16(c + 8, 1);
            },
            problem: Problem::Encrypted,
            entry: Some("secret.html"),
        },
        Broken {
            what: "AES (method 99)",
            entries: two("aes.html"),
            options: Options::default(),
            breaks: |w| {
                let c = w.centrals[1];
                w.put16(c + 10, 99);
            },
            problem: Problem::Encrypted,
            entry: Some("aes.html"),
        },
        Broken {
            what: "LZMA (method 14)",
            entries: vec![entry("a.html", b"x", 14)],
            options: Options::default(),
            breaks: nothing,
            problem: Problem::UnsupportedMethod(14),
            entry: Some("a.html"),
        },
        Broken {
            what: "two records share one local header (overlapping-files bomb)",
            entries: vec![
                entry("a.html", &fixture_text(50), 8),
                entry("b.html", &fixture_text(30), 8),
            ],
            options: Options::default(),
            breaks: |w| {
                // Entry 1's central record becomes a copy of entry 0's (same name length).
                let (c0, c1) = (w.centrals[0], w.centrals[1]);
                let record: Vec<u8> = w.bytes[c0..c0 + 46 + 6].to_vec();
                w.bytes[c1..c1 + 46 + 6].copy_from_slice(&record);
            },
            problem: Problem::Overlap,
            entry: Some("a.html"),
        },
        Broken {
            what: "data overlaps the next entry",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                // Entry 0's compressed size reaches into entry 1's local header.
                let (l0, c0) = (w.locals[0], w.centrals[0]);
                let grown = w.get32(c0 + 20) + 10;
                w.put32(l0 + 18, grown);
                w.put32(c0 + 20, grown);
            },
            problem: Problem::Overlap,
            entry: Some("b.html"),
        },
        Broken {
            what: "data runs into the central directory",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let (l1, c1) = (w.locals[1], w.centrals[1]);
                let grown = w.get32(c1 + 20) + 1;
                w.put32(l1 + 18, grown);
                w.put32(c1 + 20, grown);
            },
            problem: Problem::PastArchiveEnd,
            entry: Some("b.html"),
        },
        Broken {
            what: "local header offset past the archive",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                w.put32(c1 + 42, 0x7FFF_0000);
            },
            problem: Problem::PastArchiveEnd,
            entry: Some("b.html"),
        },
        Broken {
            what: "no local header where the central directory points",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                let v = w.get32(c1 + 42);
                w.put32(c1 + 42, v + 1);
            },
            problem: Problem::LocalHeaderMissing,
            entry: Some("b.html"),
        },
        Broken {
            what: "local name differs",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let l1 = w.locals[1];
                w.bytes[l1 + 30] = b'c';
            },
            problem: Problem::LocalNameMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "local method differs",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let l1 = w.locals[1];
                w.put16(l1 + 8, 0);
            },
            problem: Problem::LocalMethodMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "local CRC differs",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let l1 = w.locals[1];
                let v = w.get32(l1 + 14);
                w.put32(l1 + 14, v ^ 1);
            },
            problem: Problem::LocalCrcMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "local size differs",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let l1 = w.locals[1];
                let v = w.get32(l1 + 22);
                w.put32(l1 + 22, v + 1);
            },
            problem: Problem::LocalSizeMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "data descriptor differs",
            entries: vec![
                entry("index.html", b"x", 0),
                TestEntry {
                    descriptor: true,
                    ..entry("b.html", &fixture_text(30), 8)
                },
            ],
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                let at = w.data[1] + w.get32(c1 + 20) as usize + 4;
                let v = w.get32(at);
                w.put32(at, v ^ 1);
            },
            problem: Problem::DataDescriptorMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "declared size smaller than the stream inflates to (bomb)",
            entries: two("bomb.html"),
            options: Options::default(),
            breaks: |w| {
                let (l, c) = (w.locals[1], w.centrals[1]);
                w.put32(l + 22, 100);
                w.put32(c + 24, 100);
            },
            problem: Problem::SizeMismatch,
            entry: Some("bomb.html"),
        },
        Broken {
            what: "declared size larger than the stream inflates to",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let (l, c) = (w.locals[1], w.centrals[1]);
                let v = w.get32(c + 24) + 1;
                w.put32(l + 22, v);
                w.put32(c + 24, v);
            },
            problem: Problem::SizeMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "CRC-32 wrong in both headers",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let (l, c) = (w.locals[1], w.centrals[1]);
                let v = w.get32(c + 16) ^ 0x100;
                w.put32(l + 14, v);
                w.put32(c + 16, v);
            },
            problem: Problem::CrcMismatch,
            entry: Some("b.html"),
        },
        Broken {
            what: "stored entry's bytes changed",
            entries: vec![
                entry("index.html", b"x", 0),
                entry("img.png", &fixture_noise(100, 1), 0),
            ],
            options: Options::default(),
            breaks: |w| {
                let d = w.data[1];
                w.bytes[d + 50] ^= 1;
            },
            problem: Problem::CrcMismatch,
            entry: Some("img.png"),
        },
        Broken {
            what: "stored entry with two sizes",
            entries: vec![
                entry("index.html", b"x", 0),
                entry("img.png", &fixture_noise(100, 1), 0),
            ],
            options: Options::default(),
            breaks: |w| {
                let (l, c) = (w.locals[1], w.centrals[1]);
                w.put32(l + 22, 99);
                w.put32(c + 24, 99);
            },
            problem: Problem::StoredSizeMismatch,
            entry: Some("img.png"),
        },
        Broken {
            what: "corrupt DEFLATE (reserved block type)",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let d = w.data[1];
                w.bytes[d] |= 0b110;
            },
            problem: Problem::Corrupt(InflateError::ReservedBlockType),
            entry: Some("b.html"),
        },
        Broken {
            what: "DEFLATE stream shorter than its data",
            entries: vec![entry("index.html", b"x", 0), entry("b.html", b"", 8)],
            options: Options::default(),
            breaks: |w| {
                // Move the central directory one byte on and grow the entry by that byte.
                let (l, c, d) = (w.locals[1], w.centrals[1], w.data[1]);
                w.bytes.insert(d + 2, 0);
                w.put32(l + 22 - 4, 3);
                w.put32(c + 1 + 20, 3);
                let e = w.end_record + 1;
                let v = w.get32(e + 16);
                w.put32(e + 16, v + 1);
            },
            problem: Problem::TrailingData,
            entry: Some("b.html"),
        },
        Broken {
            what: "truncated: the central directory starts before the file",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let e = w.end_record;
                w.put32(e + 12, w.bytes.len() as u32);
            },
            problem: Problem::CentralDirectoryOutsideFile,
            entry: None,
        },
        Broken {
            what: "truncated: the start of the file cut off",
            entries: two("b.html"),
            options: Options {
                prefix: Vec::new(),
                ..Options::default()
            },
            breaks: |w| {
                w.bytes.drain(..10);
            },
            problem: Problem::CentralDirectoryMisplaced,
            entry: None,
        },
        Broken {
            what: "central record truncated",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                w.put16(c1 + 28, 200);
            },
            problem: Problem::CentralRecordTruncated,
            entry: None,
        },
        Broken {
            what: "central record without its signature",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                w.bytes[c1] = b'X';
            },
            problem: Problem::CentralRecordInvalid,
            entry: None,
        },
        Broken {
            what: "more entries declared than records",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let e = w.end_record;
                w.put16(e + 8, 3);
                w.put16(e + 10, 3);
            },
            problem: Problem::CentralDirectoryTooShort,
            entry: None,
        },
        Broken {
            what: "fewer entries declared than records",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let e = w.end_record;
                w.put16(e + 8, 1);
                w.put16(e + 10, 1);
            },
            problem: Problem::CentralDirectoryLength,
            entry: None,
        },
        Broken {
            what: "split archive",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let e = w.end_record;
                w.put16(e + 4, 1);
            },
            problem: Problem::MultiDisk,
            entry: None,
        },
        Broken {
            what: "Zip64 field missing",
            entries: two("b.html"),
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                w.put32(c1 + 24, u32::MAX);
            },
            problem: Problem::Zip64FieldMissing,
            entry: Some("b.html"),
        },
        Broken {
            what: "Zip64 end record disagrees",
            entries: two("b.html"),
            options: Options {
                zip64_end: true,
                ..Options::default()
            },
            breaks: |w| {
                let e = w.end_record;
                w.put16(e + 10, 1);
                w.put16(e + 8, 1);
            },
            problem: Problem::Zip64Mismatch,
            entry: None,
        },
        Broken {
            what: "Zip64 locator points at nothing",
            entries: two("b.html"),
            options: Options {
                zip64_end: true,
                ..Options::default()
            },
            breaks: |w| {
                let r = w.end_record - 20 - 56;
                w.bytes[r] = b'X';
            },
            problem: Problem::Zip64RecordMissing,
            entry: None,
        },
        Broken {
            what: "declared size past the per-entry limit (256 MiB)",
            entries: two("huge.bin"),
            options: Options::default(),
            breaks: |w| {
                let (l, c) = (w.locals[1], w.centrals[1]);
                let v = (MAX_ENTRY_SIZE + 1) as u32;
                w.put32(l + 22, v);
                w.put32(c + 24, v);
            },
            problem: Problem::EntryTooLarge,
            entry: Some("huge.bin"),
        },
        Broken {
            what: "extra field runs past its area",
            entries: vec![
                entry("index.html", b"x", 0),
                TestEntry {
                    mtime: Some(5),
                    ..entry("b.html", b"y", 0)
                },
            ],
            options: Options::default(),
            breaks: |w| {
                let c1 = w.centrals[1];
                let at = c1 + 46 + 6 + 2;
                w.put16(at, 200);
            },
            problem: Problem::ExtraFieldInvalid,
            entry: Some("b.html"),
        },
    ];
    assert!(cases.len() >= 12);
    for case in cases {
        let mut w = write(&case.entries, &case.options);
        (case.breaks)(&mut w);
        let got = read(&w.bytes);
        let want = Err((case.problem, case.entry.map(String::from)));
        assert_eq!(
            got.map(|f| names(&f).join(",")),
            want.map(|_: ()| String::new()),
            "{}",
            case.what
        );
        // Every problem has words for the message.
        assert!(!case.problem.reason().is_empty());
    }
}

#[test]
fn fixtures_that_are_refused() {
    let cases: [(&[u8], Problem, &str); 2] = [
        (
            include_bytes!("../testdata/infozip_encrypted.zip"),
            Problem::Encrypted,
            "index.html",
        ),
        (
            include_bytes!("../testdata/infozip_bzip2.zip"),
            Problem::UnsupportedMethod(12),
            "big.txt",
        ),
    ];
    for (bytes, problem, name) in cases {
        assert_eq!(
            read(bytes),
            Err((problem, Some(name.to_string()))),
            "{name}"
        );
    }
}

#[test]
fn limits_and_caller_memory() {
    let entries = vec![
        entry("a.html", &fixture_text(100), 8),
        entry("b.html", &fixture_text(100), 8),
    ];
    let w = write(&entries, &Options::default());
    let size = fixture_text(100).len() as u64;
    let limits = |e: usize, one: u64, all: u64| Limits {
        max_entries: e,
        max_entry_size: one,
        max_total_size: all,
    };
    assert!(read_with(&w.bytes, &limits(2, size, 2 * size)).is_ok());
    assert_eq!(
        read_with(&w.bytes, &limits(1, size, 2 * size)),
        Err((Problem::TooManyEntries, None))
    );
    assert_eq!(
        read_with(&w.bytes, &limits(2, size - 1, 2 * size)),
        Err((Problem::EntryTooLarge, Some("a.html".into())))
    );
    assert_eq!(
        read_with(&w.bytes, &limits(2, size, 2 * size - 1)),
        Err((Problem::ArchiveTooLarge, Some("b.html".into())))
    );

    let archive = Archive::find(&w.bytes).unwrap().unwrap();
    assert_eq!(archive.index_words(), 2 * SLOT_WORDS);
    // The arena for inflating at start: both files' sizes, and not a byte less.
    let mut memory = vec![0u64; archive.index_words()];
    let unverified = archive.index(&Limits::DEFAULT, &mut memory).unwrap();
    assert_eq!(unverified.inflated_len(), 2 * size as usize);
    let mut arena = vec![0u8; 2 * size as usize - 1];
    assert_eq!(
        unverified
            .verify_into(&mut arena)
            .map(|_| ())
            .unwrap_err()
            .problem,
        Problem::ArenaTooSmall
    );
    let mut memory = vec![0u64; archive.index_words() - 1];
    let mut scratch = vec![0u8; MIN_WINDOW_LEN];
    assert_eq!(
        archive
            .validate(&Limits::DEFAULT, &mut memory, &mut scratch)
            .map(|_| ())
            .unwrap_err()
            .problem,
        Problem::IndexTooSmall
    );
    let mut memory = vec![0u64; archive.index_words()];
    let mut scratch = vec![0u8; MIN_WINDOW_LEN - 1];
    assert_eq!(
        archive
            .validate(&Limits::DEFAULT, &mut memory, &mut scratch)
            .map(|_| ())
            .unwrap_err()
            .problem,
        Problem::ScratchTooSmall
    );
    // MAX_ENTRIES itself: a Zip64 end record declaring one more entry than the limit, with a
    // central directory long enough to be believed, is refused before any record is read.
    let count = MAX_ENTRIES + 1;
    let many = vec![entry("a", b"", 0)];
    let mut w = write(
        &many,
        &Options {
            zip64_end: true,
            ..Options::default()
        },
    );
    // Declare MAX_ENTRIES + 1 entries in the Zip64 end record, and pad the central directory.
    let record = w.end_record - 20 - 56;
    let pad = vec![0u8; count * 46];
    w.bytes
        .splice(w.central_start..w.central_start, pad.iter().copied());
    let shift = pad.len();
    let record = record + shift;
    w.bytes[record + 24..record + 32].copy_from_slice(&(count as u64).to_le_bytes());
    w.bytes[record + 32..record + 40].copy_from_slice(&(count as u64).to_le_bytes());
    let len =
        u64::from_le_bytes(w.bytes[record + 40..record + 48].try_into().unwrap()) + shift as u64;
    w.bytes[record + 40..record + 48].copy_from_slice(&len.to_le_bytes());
    let locator = record + 56;
    let rec_off =
        u64::from_le_bytes(w.bytes[locator + 8..locator + 16].try_into().unwrap()) + shift as u64;
    w.bytes[locator + 8..locator + 16].copy_from_slice(&rec_off.to_le_bytes());
    let archive = Archive::find(&w.bytes).unwrap().unwrap();
    assert_eq!(archive.entry_count(), count);
    let mut scratch = vec![0u8; MIN_WINDOW_LEN];
    assert_eq!(
        archive
            .validate(&Limits::DEFAULT, &mut [], &mut scratch)
            .map(|_| ())
            .unwrap_err()
            .problem,
        Problem::TooManyEntries
    );
}

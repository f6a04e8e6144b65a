//! The asset-table generator: turns a folder (plus generated files) into Rust source that a binary
//! `include!`s, so the whole site is inside the executable.
//!
//! Each body, and its gzip variant where that pays, is written as a file next to the generated source
//! and pulled in with `include_bytes!`, which keeps the generated source short and fast to compile.

use crate::gzip::gzip;
use crate::httpdate::http_date;
use crate::sha256::{sha256, to_hex};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use verbosel_mime::{is_compressible, mime_for};

/// A gzip variant is kept only if it saves at least this share of the body: below that, the cost of
/// a second copy in the binary and of `Vary: Accept-Encoding` fragmenting caches is not worth it.
const GZIP_MIN_SAVING_PERCENT: usize = 5;

/// Hex digits of the SHA-256 kept in an ETag: 64 bits make an accidental collision between two
/// versions of one file practically impossible, and the header stays short.
const ETAG_HEX_DIGITS: usize = 16;

/// The runtime module the generated code names by default (the facade's re-export).
const DEFAULT_RUNTIME: &str = "verbosel::assets";

/// An embedded site under construction. See the crate documentation for a `build.rs` example.
#[derive(Debug, Clone)]
pub struct Site {
    source: Option<PathBuf>,
    files: BTreeMap<String, SiteFile>,
    runtime: String,
}

#[derive(Debug, Clone)]
struct SiteFile {
    body: Vec<u8>,
    /// The source file's modification time; `None` for content made by the build script.
    mtime: Option<u64>,
    /// Set when the build script generated or rewrote the content, which makes it new as of now.
    changed_by_build: bool,
}

impl Default for Site {
    fn default() -> Self {
        Self::new()
    }
}

impl Site {
    /// An empty site; add content with [`Site::add_file`].
    pub fn new() -> Site {
        Site {
            source: None,
            files: BTreeMap::new(),
            runtime: DEFAULT_RUNTIME.to_string(),
        }
    }

    /// Reads every file under `dir`, recursively and in sorted order, skipping names that start with
    /// a dot (`.git`, `.DS_Store`, editor swap files). `www/docs/index.html` becomes the URL path
    /// `/docs/index.html`.
    ///
    /// Prints `cargo::rerun-if-changed=` for the folder (Cargo then notices added and removed files)
    /// and for every file read.
    ///
    /// # Errors
    /// Any I/O error while walking, and file names that are not UTF-8 (they have no URL path).
    pub fn from_dir(dir: impl AsRef<Path>) -> io::Result<Site> {
        let dir = dir.as_ref();
        println!("cargo::rerun-if-changed={}", dir.display());
        let mut site = Site::new();
        site.source = Some(dir.to_path_buf());
        site.walk(dir, "")?;
        Ok(site)
    }

    fn walk(&mut self, dir: &Path, url_prefix: &str) -> io::Result<()> {
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().into_string().map_err(|name| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("file name is not UTF-8: {name:?} in {}", dir.display()),
                )
            })?;
            if !name.starts_with('.') {
                entries.push((name, entry.path()));
            }
        }
        entries.sort();
        for (name, path) in entries {
            // `fs::metadata` follows symbolic links, so a linked file or folder is embedded.
            let meta = fs::metadata(&path)?;
            let url = format!("{url_prefix}/{name}");
            if meta.is_dir() {
                self.walk(&path, &url)?;
            } else if meta.is_file() {
                println!("cargo::rerun-if-changed={}", path.display());
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs());
                self.files.insert(
                    url,
                    SiteFile {
                        body: fs::read(&path)?,
                        mtime: Some(mtime),
                        changed_by_build: false,
                    },
                );
            }
        }
        Ok(())
    }

    /// Adds (or replaces) a file with content made by the build script, e.g. `/bench.json`.
    /// Its Last-Modified is `SOURCE_DATE_EPOCH` if set, else the time of the build.
    ///
    /// # Panics
    /// If `url_path` is not an absolute, normalised path (`/a/b.txt`: no empty, `.` or `..`
    /// segments, no trailing slash), since a normalised request path could never name it.
    pub fn add_file(&mut self, url_path: &str, body: impl Into<Vec<u8>>) -> &mut Site {
        assert!(
            is_normalized_file_path(url_path),
            "verbosel-build: add_file path must look like \"/dir/name.ext\", got {url_path:?}"
        );
        self.files.insert(
            url_path.to_string(),
            SiteFile {
                body: body.into(),
                mtime: None,
                changed_by_build: true,
            },
        );
        self
    }

    /// Replaces every occurrence of `placeholder` in the file at `url_path` with `value`: build-time
    /// text substitution. The file's Last-Modified becomes the build time (or `SOURCE_DATE_EPOCH`),
    /// because its content now depends on more than the file.
    ///
    /// # Panics
    /// If there is no such file, it is not UTF-8, or the placeholder does not occur: a silent no-op
    /// would ship a page with the placeholder still in it.
    pub fn replace_in(&mut self, url_path: &str, placeholder: &str, value: &str) -> &mut Site {
        let file = self
            .files
            .get_mut(url_path)
            .unwrap_or_else(|| panic!("verbosel-build: replace_in: no file {url_path:?}"));
        let text = std::str::from_utf8(&file.body)
            .unwrap_or_else(|_| panic!("verbosel-build: replace_in: {url_path:?} is not UTF-8"));
        assert!(
            text.contains(placeholder),
            "verbosel-build: replace_in: {placeholder:?} does not occur in {url_path:?}"
        );
        file.body = text.replace(placeholder, value).into_bytes();
        file.changed_by_build = true;
        self
    }

    /// Sets the module path the generated code uses for `Asset` and `Assets`. The default,
    /// `verbosel::assets`, suits users of the `verbosel` facade; code depending on
    /// `verbosel-assets` directly uses `"verbosel_assets"`.
    pub fn runtime_path(&mut self, path: &str) -> &mut Site {
        self.runtime = path.to_string();
        self
    }

    /// URL paths of the files in the site, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Writes the asset table to `out` (normally `$OUT_DIR/assets.rs`) and the bodies to the folder
    /// `<out without extension>-bodies/` beside it. Include the result with
    /// `include!(concat!(env!("OUT_DIR"), "/assets.rs"));`, which defines `pub static ASSETS`.
    ///
    /// Last-Modified comes from `SOURCE_DATE_EPOCH` when set (reproducible builds,
    /// <https://reproducible-builds.org/specs/source-date-epoch/>), else from each file's mtime.
    ///
    /// # Errors
    /// I/O errors, and a `SOURCE_DATE_EPOCH` that is not a non-negative integer.
    pub fn write_rust(&self, out: impl AsRef<Path>) -> io::Result<()> {
        let out = out.as_ref();
        println!("cargo::rerun-if-env-changed=SOURCE_DATE_EPOCH");
        let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) => Some(v.trim().parse::<u64>().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("SOURCE_DATE_EPOCH is not a number of seconds: {v:?}"),
                )
            })?),
            Err(_) => None,
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());

        let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("assets");
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let bodies = parent.join(format!("{stem}-bodies"));
        // Start from an empty folder so that files removed from the site leave nothing behind.
        if bodies.exists() {
            fs::remove_dir_all(&bodies)?;
        }
        fs::create_dir_all(&bodies)?;
        let bodies = fs::canonicalize(&bodies)?;

        let rt = &self.runtime;
        let mut entries = String::new();
        let mut not_found = None;
        for (index, (path, file)) in self.files.iter().enumerate() {
            let modified = match (source_date_epoch, file.mtime) {
                (Some(t), _) => t,
                (None, Some(mtime)) if !file.changed_by_build => mtime,
                _ => now,
            };
            let mime = mime_for(path);
            let body_file = bodies.join(format!("{index:04}.body"));
            fs::write(&body_file, &file.body)?;
            let gzip_file = if is_compressible(mime) {
                // MTIME 0 ("no time stamp", RFC 1952 §2.3.1): Last-Modified already carries the
                // time, and the bytes then depend on the content alone.
                let packed = gzip(&file.body, 0);
                let worthwhile =
                    packed.len() * 100 <= file.body.len() * (100 - GZIP_MIN_SAVING_PERCENT);
                if worthwhile {
                    let gz = bodies.join(format!("{index:04}.gz"));
                    fs::write(&gz, &packed)?;
                    Some(gz)
                } else {
                    None
                }
            } else {
                None
            };
            if path == "/404.html" {
                not_found = Some(index);
            }
            let gzip_expr = match &gzip_file {
                Some(gz) => format!("Some(include_bytes!({}))", rust_str(&path_str(gz)?)),
                None => "None".to_string(),
            };
            // `write!` to a String cannot fail.
            let _ = write!(
                entries,
                "    {rt}::Asset {{
        path: {path},
        mime: {mime},
        etag: {etag},
        last_modified: {last_modified},
        modified_unix: {modified},
        body: include_bytes!({body}),
        gzip: {gzip_expr},
        cache_control: {cache},
    }},
",
                path = rust_str(path),
                mime = rust_str(mime),
                etag = rust_str(&etag_for(&file.body)),
                last_modified = rust_str(&http_date(modified)),
                body = rust_str(&path_str(&body_file)?),
                cache = rust_str(cache_control_for(path, mime)),
            );
        }

        let origin = match &self.source {
            Some(dir) => format!(" from `{}`", dir.display()),
            None => String::new(),
        };
        let not_found = match not_found {
            Some(i) => format!("Some(&VERBOSEL_ASSET_FILES[{i}])"),
            None => "None".to_string(),
        };
        let count = self.files.len();
        let source = format!(
            "// @generated by verbosel-build{origin}. Do not edit: change the files and rebuild.

/// The embedded site: {count} files sorted by path (the lookup is a binary search).
pub static ASSETS: {rt}::Assets = {rt}::Assets {{
    files: &VERBOSEL_ASSET_FILES,
    not_found: {not_found},
}};

static VERBOSEL_ASSET_FILES: [{rt}::Asset; {count}] = [
{entries}];
"
        );
        fs::write(out, source)
    }
}

/// Strong entity-tag (RFC 9110 §8.8.3): derived from the bytes alone, so every build of the same
/// content gives the same tag and any change gives a new one.
fn etag_for(body: &[u8]) -> String {
    let hex = to_hex(&sha256(body));
    format!("\"{}\"", &hex[..ETAG_HEX_DIGITS])
}

/// Cache-Control by kind of file: the policy the server applies to an appended archive too.
fn cache_control_for(path: &str, mime: &str) -> &'static str {
    verbosel_mime::cache_control_for(path.as_bytes(), mime)
}

fn is_normalized_file_path(path: &str) -> bool {
    path.strip_prefix('/').is_some_and(|rest| {
        rest.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
    })
}

/// A Rust string literal for `s`. `Debug` for `str` writes exactly that: quotes and escapes.
fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

fn path_str(path: &Path) -> io::Result<String> {
    path.to_str().map(str::to_string).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("output path is not UTF-8: {}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_by_kind() {
        use verbosel_mime::{CACHE_DEFAULT, CACHE_FINGERPRINTED, CACHE_HTML};
        assert_eq!(
            cache_control_for("/index.html", mime_for("/index.html")),
            CACHE_HTML
        );
        assert_eq!(
            cache_control_for("/p.3f9a1c2b.html", mime_for("/p.3f9a1c2b.html")),
            CACHE_HTML,
            "HTML is never immutable: its URL is the one users type"
        );
        assert_eq!(
            cache_control_for("/app.3f9a1c2b.js", mime_for("/app.3f9a1c2b.js")),
            CACHE_FINGERPRINTED
        );
        assert_eq!(
            cache_control_for("/dir.12345678.x/app.js", mime_for("/app.js")),
            CACHE_DEFAULT,
            "only the file name counts"
        );
        assert_eq!(cache_control_for("/logo.png", "image/png"), CACHE_DEFAULT);
    }

    #[test]
    fn etag_is_quoted_sha256_prefix() {
        // SHA-256("abc") = ba7816bf8f01cfea...
        assert_eq!(etag_for(b"abc"), "\"ba7816bf8f01cfea\"");
    }

    #[test]
    fn normalized_paths() {
        assert!(is_normalized_file_path("/bench.json"));
        assert!(is_normalized_file_path("/a/b/c.txt"));
        for bad in ["bench.json", "/", "/a/", "//a", "/a//b", "/./a", "/a/../b"] {
            assert!(!is_normalized_file_path(bad), "{bad}");
        }
    }

    #[test]
    #[should_panic(expected = "does not occur")]
    fn replace_in_missing_placeholder_panics() {
        let mut site = Site::new();
        site.add_file("/index.html", "hello");
        site.replace_in("/index.html", "@@X@@", "1");
    }

    #[test]
    fn replace_in_replaces_every_occurrence() {
        let mut site = Site::new();
        site.add_file("/index.html", "@@N@@ and @@N@@");
        site.replace_in("/index.html", "@@N@@", "42");
        assert_eq!(site.files["/index.html"].body, b"42 and 42");
    }
}

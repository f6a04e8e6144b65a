//! The compiled-in source: a folder embedded at build time (`verbosel-build` writes the table,
//! `verbosel-assets` looks paths up in it). Everything is `'static` data in the binary; a lookup
//! is a binary search and touches no file system.

use super::{Body, Bytes, File, FileSource, Lookup, Page};
use verbosel_assets::{Asset, Assets};

impl FileSource for Assets {
    fn lookup<'a>(&'a self, path: &[u8], _text: &'a mut [u8]) -> Lookup<'a> {
        match Assets::lookup(self, path) {
            verbosel_assets::Lookup::Found(asset) => Lookup::File(file(asset)),
            verbosel_assets::Lookup::RedirectToDir => Lookup::Folder,
            verbosel_assets::Lookup::NotFound => Lookup::Nothing,
        }
    }

    fn not_found_page(&self) -> Option<Page<'_>> {
        self.not_found.map(|page| Page {
            mime: page.mime.as_bytes(),
            body: Body::Bytes(Bytes::one(page.body)),
        })
    }

    fn each_file(&self, f: &mut dyn FnMut(&[&[u8]], u64)) {
        for asset in self.files {
            f(&[asset.path.as_bytes()], asset.body.len() as u64);
        }
    }

    fn label(&self) -> &'static str {
        "compiled in"
    }
}

fn file(asset: &'static Asset) -> File<'static> {
    File {
        mime: asset.mime.as_bytes(),
        etag: asset.etag.as_bytes(),
        last_modified: Some(asset.last_modified.as_bytes()),
        modified_unix: Some(asset.modified_unix),
        cache_control: asset.cache_control.as_bytes(),
        identity: Body::Bytes(Bytes::one(asset.body)),
        gzip: asset.gzip.map(|gz| Body::Bytes(Bytes::one(gz))),
        gzip_unchecked: false,
    }
}

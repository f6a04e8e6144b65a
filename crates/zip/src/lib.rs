//! A ZIP archive appended to an executable, served as a site: finding it, validating it whole,
//! looking its entries up; and the pieces that serving needs, a raw DEFLATE inflater (RFC 1951),
//! CRC-32 and gzip framing (RFC 1952) around an entry's own DEFLATE data.
//!
//! Pure: everything takes bytes and caller-provided memory and returns values. No allocation,
//! no I/O, no `unsafe`, no panic path.
//!
//! # At start (before the first fork)
//!
//! ```
//! use verbosel_zip::{Archive, Limits, MIN_WINDOW_LEN};
//!
//! # let executable: &[u8] = &[0x7F, b'E', b'L', b'F', 0x50, 0x4B, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
//! // `executable`: the whole file, mapped read-only.
//! match Archive::find(executable) {
//!     Ok(None) => { /* nothing appended: the usual case */ }
//!     Ok(Some(archive)) => {
//!         // The server maps `archive.index_words()` words; a Vec stands in for that here.
//!         let mut memory = vec![0u64; archive.index_words()];
//!         let unverified = archive.index(&Limits::DEFAULT, &mut memory).unwrap();
//!         // Either inflate every deflated file now into memory the children will share...
//!         let mut arena = vec![0u8; unverified.inflated_len()];
//!         let index = unverified.verify_into(&mut arena).unwrap();
//!         // ...or check the data through a window and inflate on demand:
//!         // let mut scratch = vec![0u8; MIN_WINDOW_LEN];
//!         // let index = unverified.verify(&mut scratch).unwrap();
//!         // (`archive.validate(limits, memory, scratch)` is `index` then `verify`.)
//!
//!         // Per request:
//!         if let Some(entry) = index.get(b"/index.html") {
//!             let _ = (entry.identity, entry.gzip());
//!         }
//!     }
//!     Err(e) => { /* exit 2: "zip: {e.entry}: {e.problem.reason()}" */ }
//! }
//! # let _ = MIN_WINDOW_LEN;
//! ```
//!
//! # Per request
//!
//! [`Index::get`] (or [`Index::get_joined`] for a folder's `index.html`) gives an [`Entry`]:
//! name, [`Method`], the data slice inside the file, the uncompressed bytes when they are at hand
//! ([`Entry::identity`]), CRC-32, size and modification time. A deflated entry goes to a client
//! that accepts gzip as [`Entry::gzip`]'s three parts in one `writev`; to one that does not, as
//! its identity bytes, or through [`Entry::inflate_into`] when it was not inflated at start.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod archive;
mod bits;
mod central;
mod crc32;
mod dostime;
mod error;
mod extra;
mod gzip;
mod huffman;
mod index;
mod inflate;
mod le;
mod local;
mod name;
mod output;
pub mod rfc1951;
mod validate;

#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testzip;

pub use archive::Archive;
pub use crc32::{crc32, crc32_update};
pub use error::{Error, Problem};
pub use gzip::{GZIP_HEADER_LEN, GZIP_TRAILER_LEN, GzipMember};
pub use index::{Entry, Index, Method, SLOT_WORDS};
pub use inflate::{Checked, InflateError, Inflated, inflate, inflate_check};
pub use output::MIN_WINDOW_LEN;
pub use validate::{Limits, MAX_ENTRIES, MAX_ENTRY_SIZE, MAX_TOTAL_SIZE, Unverified};

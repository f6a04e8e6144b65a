//! Build-time helpers for verbosel: embed a folder of static files into the binary.
//!
//! This crate runs inside a `build.rs` (std is available there) and, like the rest of verbosel, uses
//! no crates. It carries its own SHA-256, DEFLATE encoder and gzip writer, and shares with the run
//! time the MIME table (`verbosel-mime`) and CRC-32 and the DEFLATE tables (`verbosel-zip`, whose
//! inflater its tests read the encoder's output with), so that the served bodies, their precompressed variants and their validators are all computed at build time
//! and the server only looks things up.
//!
//! ```no_run
//! // build.rs
//! fn main() -> std::io::Result<()> {
//!     let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
//!     let mut site = verbosel_build::Site::from_dir("www")?;
//!     site.add_file("/bench.json", b"{}".to_vec());
//!     site.write_rust(out_dir.join("assets.rs"))
//! }
//! ```
//! and in the binary: `include!(concat!(env!("OUT_DIR"), "/assets.rs"));`, which defines
//! `pub static ASSETS: verbosel::assets::Assets`.
//!
//! Build scripts are compiled without optimisation by default, and DEFLATE is the slow part; add
//! this to the workspace's Cargo.toml:
//! ```toml
//! [profile.dev.build-override]
//! opt-level = 3
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bench;
mod deflate;
mod gzip;
mod httpdate;
pub mod json;
mod sha256;
mod site;

#[cfg(test)]
mod testdata;

pub use deflate::deflate;
pub use gzip::gzip;
pub use httpdate::http_date;
pub use sha256::{Sha256, sha256, to_hex};
pub use site::Site;
pub use verbosel_mime::{is_compressible, mime_for};
pub use verbosel_zip::{crc32, crc32_update};

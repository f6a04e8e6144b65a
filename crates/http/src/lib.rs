//! Pure HTTP/1.1 request-side handling for verbosel.
//!
//! Everything here takes bytes and returns values: no allocation, no I/O, no
//! `unsafe`. Parsed items borrow from the caller's buffer (zero-copy).
//!
//! - [`request_head`]: the request-line and header-section parser
//!   ([`parse_request`]), strict per RFC 9112 §2–§5.
//! - [`framing`]: how the message body is delimited once the head is complete
//!   (RFC 9112 §6, RFC 9110 §7.2, §10.1.1): [`analyze`].
//! - [`chunked`]: an incremental, in-place chunked-body decoder (RFC 9112 §7.1).
//! - [`path`]: percent-decoding and dot-segment removal (RFC 3986 §2.1,
//!   §5.2.4) for routing and static files.
//! - [`form`]: query strings and form values (`a=1&b=two+words`), form bodies by name.
//! - [`cookie`]: the `Cookie` header's pairs and a `Set-Cookie` writer (RFC 6265).
//! - [`chars`]: the byte classes the grammars above are built on.
//! - [`buffer`]: moving received bytes within the caller's buffer, with no panic path.
//! - [`response_head`], [`status`], [`date`]: the response side — a head writer into a
//!   caller's buffer, reason phrases, and the IMF-fixdate format.
//!
//! Every error type maps to the status code the server should answer with
//! (`status()`) and a short human text for the response body (`reason()`).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod authority;
pub mod buffer;
pub mod chars;
pub mod chunked;
pub mod cookie;
pub mod date;
pub mod form;
pub mod framing;
pub mod path;
pub mod request_head;
pub mod response_head;
pub mod status;
#[cfg(test)]
mod test_rng;

pub use buffer::move_down;
pub use chunked::{ChunkError, Chunked, ChunkedDecoder};
pub use cookie::{CookieError, SameSite, SetCookie, cookie_pairs, find_cookie};
pub use form::{FormError, QueryPairs, form_decode, form_value, query_pairs};
pub use framing::{Body, Framing, FramingError, analyze};
pub use path::{PathError, encode_path, normalize, percent_decode};
pub use request_head::{
    Header, ListTooLong, Method, ParseError, ParseLimits, Parsed, RequestHead, Target, Version,
    parse_request,
};

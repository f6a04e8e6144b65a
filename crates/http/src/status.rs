//! Status codes and their reason phrases (RFC 9110 §15). The reason phrase is informational
//! only (RFC 9112 §4) but clients log it, so it is the registered one.

/// The registered reason phrase for `code`, or `""` for codes this server never sends.
pub fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// True for statuses whose responses never carry content (RFC 9110 §6.4.1: 1xx, 204, 304).
pub fn forbids_body(code: u16) -> bool {
    code < 200 || code == 204 || code == 304
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_the_server_sends_has_a_phrase() {
        for code in [400, 404, 405, 408, 411, 413, 414, 417, 431, 500, 501, 505] {
            assert!(!reason(code).is_empty(), "{code}");
        }
        assert!(forbids_body(204) && forbids_body(304) && forbids_body(100));
        assert!(!forbids_body(200) && !forbids_body(404));
    }
}

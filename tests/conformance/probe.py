#!/usr/bin/env python3
"""A quick, independent HTTP/1.1 conformance probe for a server on 127.0.0.1.

    python3 tests/conformance/probe.py PORT [--strict] [--post-path /path] [--json] [-v]

Sends ~150 raw request vectors (valid and malformed) one connection each, half-closes, reads to
the close, and parses what came back as a strict client: every response must have a valid
status line and field lines (CRLF only), be framed by Content-Length or chunked (never both),
carry Date on 2xx-4xx, have no body on HEAD/204/304/1xx, and the body must be exactly as long
as announced. Then each vector's own expectation is checked: the status (class) of each final
response, how many responses came back, that a protocol error (400, 408, 411, 413, 414, 417,
431, 501, 505) is the last response and says `Connection: close`, and that nothing is answered
for nothing.

Expectations follow RFC 9110/9112: where the RFC lets a server choose (say, replace a bare CR
with SP or reject the message), both answers pass. `--strict` additionally applies the stricter
policy of a server that rejects everything the RFC lets it reject (verbosel's stated policy).

`--post-path` names a path that accepts POST with a JSON-object body (verbosel's api example:
/api/items). Without it, POST goes to "/" and is usually refused with 405, which is fine: the
chunked vectors pipeline a GET after the body, so a server that mis-frames the body is caught
either way.

Standard library only. Prints PASS/FAIL per vector and "N passed, M failed".
"""

import argparse
import re
import socket
import sys
import time

ERROR_CLOSE = {400, 408, 411, 413, 414, 417, 431, 501, 505}
TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
READ_TIMEOUT = 5.0

# ---------------------------------------------------------------------------------------------
# Strict response parsing


class Bad(Exception):
    pass


def parse_responses(data, methods):
    """Splits `data` into responses. `methods[i]` is the method of the i-th request (HEAD has no
    response body). Returns a list of dicts; raises Bad on any framing or syntax error."""
    out = []
    pos = 0
    idx = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            raise Bad("truncated response head: %r" % data[pos : pos + 80])
        head = data[pos:end]
        stripped = head.replace(b"\r\n", b"")
        if b"\n" in stripped or b"\r" in stripped:
            raise Bad("bare CR or LF in a response head")
        lines = head.split(b"\r\n")
        m = re.fullmatch(rb"HTTP/1\.([01]) ([1-5]\d\d) ([\t !-~\x80-\xff]*)", lines[0])
        if not m:
            raise Bad("bad status line %r" % lines[0][:80])
        status = int(m.group(2))
        headers = []
        for line in lines[1:]:
            hm = re.fullmatch(rb"(" + TOKEN + rb"):[ \t]*(.*?)[ \t]*", line, re.S)
            if not hm:
                raise Bad("bad field line %r" % line[:80])
            if re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", hm.group(2)):
                raise Bad("control byte in field value %r" % line[:80])
            headers.append((hm.group(1).decode().lower(), hm.group(2).decode("latin-1")))
        pos = end + 4
        h = {}
        for n, v in headers:
            h.setdefault(n, []).append(v)
        cls = [x.strip() for v in h.get("content-length", []) for x in v.split(",")]
        te = h.get("transfer-encoding")
        if cls and te:
            raise Bad("both Content-Length and Transfer-Encoding")
        if cls:
            if not all(re.fullmatch(r"\d+", c) for c in cls) or len(set(int(c) for c in cls)) != 1:
                raise Bad("bad Content-Length %r" % cls)
        r = {"status": status, "headers": h, "body": b"", "raw_head": head}
        if 100 <= status < 200:
            if cls or te:
                raise Bad("framing headers on a %d" % status)
            r["interim"] = True
            out.append(r)
            continue
        if 200 <= status < 500 and "date" not in h:
            raise Bad("no Date on a %d (RFC 9110 §6.6.1)" % status)
        if status == 204 and (cls or te):
            raise Bad("Content-Length or Transfer-Encoding on a 204 (RFC 9110 §8.6, RFC 9112 §6.1)")
        is_head = idx < len(methods) and methods[idx] == "HEAD"
        idx += 1
        if is_head or status in (204, 304):
            out.append(r)
            continue
        if te:
            codings = [c.strip().lower() for v in te for c in v.split(",")]
            if codings[-1] != "chunked":
                raise Bad("response Transfer-Encoding %r" % te)
            body = b""
            while True:
                le = data.find(b"\r\n", pos)
                if le < 0:
                    raise Bad("truncated chunk size")
                size_s = data[pos:le].split(b";")[0]
                if not re.fullmatch(rb"[0-9A-Fa-f]+", size_s):
                    raise Bad("bad chunk size %r" % data[pos:le])
                size = int(size_s, 16)
                pos = le + 2
                if size == 0:
                    while True:  # trailer section
                        le = data.find(b"\r\n", pos)
                        if le < 0:
                            raise Bad("truncated trailer")
                        line = data[pos:le]
                        pos = le + 2
                        if not line:
                            break
                    break
                if len(data) < pos + size + 2 or data[pos + size : pos + size + 2] != b"\r\n":
                    raise Bad("bad chunk data")
                body += data[pos : pos + size]
                pos += size + 2
            r["body"] = body
        elif cls:
            n = int(cls[0])
            if len(data) - pos < n:
                raise Bad("body shorter (%d) than Content-Length %d" % (len(data) - pos, n))
            r["body"] = data[pos : pos + n]
            pos += n
        else:
            raise Bad("a %d response framed only by the close" % status)
        out.append(r)
    return out


def says_close(r):
    return any(
        t.strip().lower() == "close" for v in r["headers"].get("connection", []) for t in v.split(",")
    )


def matches(status, pattern):
    for alt in pattern.split("|"):
        if alt.endswith("xx"):
            if status // 100 == int(alt[0]):
                return True
        elif alt.isdigit() and status == int(alt):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Vectors
#
# Each vector: (name, request bytes, expectation, options)
#   expectation: a list of alternatives; each alternative is a list of status patterns, one per
#                final response, e.g. [["2xx"]], [["400"]], [["405", "200"], ["405"]].
#                [] inside the list means "no response at all" is acceptable.
#   options:     methods=[...] (request methods in order, for HEAD), strict=<expectation used
#                with --strict>, announce_close=True (when the server answers fewer requests
#                than were sent, the last answer must say Connection: close), no_interim=True
#                (no 1xx may be sent), app_errors=True (an application-level 4xx that keeps the
#                connection is acceptable).

V = []


def vec(name, raw, expect, **opts):
    V.append((name, raw, expect, opts))


def req(method="GET", target="/", version="HTTP/1.1", headers=None, body=b"", host=b"t"):
    hs = b""
    if host is not None:
        hs += b"Host: " + host + b"\r\n"
    for h in headers or []:
        hs += h + b"\r\n"
    return method.encode() + b" " + target + b" " + version.encode() + b"\r\n" + hs + b"\r\n" + body


def build(post_path, get_path):
    G = get_path
    P = post_path
    ok = [["2xx"]]
    bad = [["400"]]
    # RFC 9112 §3 lets a recipient split the request-line on any whitespace (a robustness
    # exception to the SHOULD-400 of §2.2): both answers pass, --strict wants 400.
    lax = [["400"], ["2xx"]]
    JSON = b'{"a":1}'
    tail_get = b"GET " + G + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    # A POST, then a GET pipelined behind it: answered 2 times if the body was framed right and
    # the connection kept, once (with close) if the server did not read the body.
    post_ok = [["2xx|405|404", "2xx"], ["2xx|405|404"]]
    post_bad = [["400"], ["400|405|404|411|413|501"]]

    # --- Valid requests -------------------------------------------------------------------
    vec("simple GET", req(target=G), ok)
    vec("HTTP/1.0 GET without Host", req(target=G, version="HTTP/1.0", host=None), ok)
    vec("HEAD has no body", req("HEAD", G), ok, methods=["HEAD"])
    vec("query string", req(target=G + b"?a=b&c=%20d&e"), ok)
    vec("question marks and slashes in the query", req(target=G + b"??a=/b?c"), ok)
    vec(
        "typical browser request",
        req(
            target=G,
            headers=[
                b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                b"Accept-Language: en-US,en;q=0.5",
                b"Accept-Encoding: gzip, deflate, br, zstd",
                b"Connection: keep-alive",
                b"Upgrade-Insecure-Requests: 1",
                b"Sec-Fetch-Dest: document",
                b"Sec-Fetch-Mode: navigate",
                b"Sec-Fetch-Site: none",
                b"Priority: u=0, i",
            ],
        ),
        ok,
    )
    vec("Host with port", req(target=G, host=b"t:8080"), ok)
    vec("Host IPv6 literal", req(target=G, host=b"[::1]:80"), ok)
    vec("Host IPv4", req(target=G, host=b"127.0.0.1"), ok)
    vec("Host reg-name with underscore", req(target=G, host=b"my_host.example"), ok)
    vec("Host with empty port", req(target=G, host=b"t:"), [["2xx"], ["400"]])
    vec("empty Host value", req(target=G, host=b""), [["2xx"], ["400"]])
    vec("field value with tabs", req(target=G, headers=[b"X-T:\tv\t"]), ok)
    vec("field value with obs-text", req(target=G, headers=[b"X-T: caf\xc3\xa9 \xff"]), ok)
    vec("field name of every tchar", req(target=G, headers=[b"!#$%&'*+-.^_`|~09azAZ: v"]), ok)
    vec("field name case-insensitive Host", req(target=G, host=None, headers=[b"hOsT: t"]), ok)
    vec("empty field value", req(target=G, headers=[b"X-Empty:"]), ok)
    vec("field without space after colon", req(target=G, headers=[b"X-A:b"]), ok)
    vec("4 KiB field value", req(target=G, headers=[b"X-Big: " + b"v" * 4096]), ok)
    vec("50 fields", req(target=G, headers=[b"X-F%d: v" % i for i in range(50)]), ok)
    vec("one leading CRLF", b"\r\n" + req(target=G), ok)
    vec("two leading CRLFs", b"\r\n\r\n" + req(target=G), ok)
    vec("many leading CRLFs", b"\r\n" * 10 + req(target=G), [["2xx"], ["400"]])
    vec("leading bare LF", b"\n" + req(target=G), [["2xx"], ["400"]], strict=bad)
    vec("Content-Length 0 on GET", req(target=G, headers=[b"Content-Length: 0"]), ok)
    vec(
        "GET with a body, then a pipelined GET",
        req(target=G, headers=[b"Content-Length: 5"], body=b"hello") + tail_get,
        [["2xx", "2xx"]],
    )
    vec("Content-Length with leading zeros", req(target=G, headers=[b"Content-Length: 005"], body=b"hello") + tail_get, [["2xx", "2xx"], ["400"]])
    vec("absolute-form", req(target=b"http://t" + G), ok)
    vec("absolute-form, uppercase scheme", req(target=b"HTTP://t" + G), ok)
    vec("absolute-form with port", req(target=b"http://t:80" + G), ok)
    vec("absolute-form overrides a different Host", req(target=b"http://t" + G, host=b"other"), ok)
    vec("absolute-form with empty path", req(target=b"http://t"), [["2xx|3xx|404"]])
    vec("OPTIONS asterisk-form", req("OPTIONS", b"*"), [["2xx|405|501"]])
    vec("OPTIONS origin-form", req("OPTIONS", G), [["2xx|405|501"]])
    vec("HTTP/1.2 is answered as 1.1", req(target=G, version="HTTP/1.2"), [["2xx"], ["505"]], strict=ok)
    vec("Connection with several options", req(target=G, headers=[b"Connection: keep-alive, Upgrade", b"Upgrade: foo"]), [["2xx|101"]])
    vec("percent-encoded path", req(target=G + b"?q=%00%ff"), ok)
    vec("Expect 100-continue with the body sent at once", req("POST", P, headers=[b"Expect: 100-continue", b"Content-Length: 7"], body=JSON), [["2xx|405|404"]])
    vec(
        "Expect 100-continue in HTTP/1.0 gets no 100",
        req("POST", P, version="HTTP/1.0", headers=[b"Expect: 100-continue", b"Content-Length: 7"], body=JSON),
        [["2xx|405|404"]],
        no_interim=True,
    )
    vec("Expect of something else", req(target=G, headers=[b"Expect: something-else"]), [["417"], ["2xx"]], strict=[["417"]])

    # --- Keep-alive and pipelining ----------------------------------------------------------
    g = req(target=G)
    vec("3 pipelined GETs", g + g + tail_get, [["2xx", "2xx", "2xx"]])
    vec(
        "10 pipelined GET/HEAD",
        (g + req("HEAD", G)) * 4 + g + tail_get,
        [["2xx"] * 10],
        methods=["GET", "HEAD"] * 4 + ["GET", "GET"],
    )
    vec(
        "HTTP/1.0 keep-alive pipelined",
        req(target=G, version="HTTP/1.0", host=None, headers=[b"Connection: keep-alive"]) * 2
        + req(target=G, version="HTTP/1.0", host=None),
        [["2xx", "2xx", "2xx"]],
    )
    vec("HTTP/1.0 closes by default", req(target=G, version="HTTP/1.0", host=None) + g, [["2xx"]])
    vec("Connection: close on the first of two", req(target=G, headers=[b"Connection: close"]) + g, [["2xx"]])
    vec("Connection: CLOSE uppercase", req(target=G, headers=[b"Connection: CLOSE"]) + g, [["2xx"]])
    vec("Connection: keep-alive, close", req(target=G, headers=[b"Connection: keep-alive, close"]) + g, [["2xx"]])
    vec("pipelined garbage after a request", g + b"GARBAGE\r\n\r\n", [["2xx", "400"], ["2xx"]])
    vec("pipelined binary after a request", g + b"\x00\x01\x02\xff\r\n\r\n", [["2xx", "400"], ["2xx"]])
    vec(
        "POST with Content-Length body then a GET",
        req("POST", P, headers=[b"Content-Length: 7", b"Content-Type: application/json"], body=JSON) + tail_get,
        post_ok,
        announce_close=True,
    )
    vec("request after an error is not answered", req(target=G, version="HTTP/9.9") + g, [["505|400"]])
    vec("request after a 400 is not answered", req(target=G, headers=[b"X : y"]) + g, bad)

    # --- Request-line -----------------------------------------------------------------------
    vec("lowercase method", req("get", G), [["400|405|501"]])
    vec("unknown method", req("BREW", G), [["405|501"]])
    vec("long unknown method", req("X" * 200, G), [["400|405|501"]])
    vec("method with a non-token byte", req("GE(T", G), bad)
    vec("method with a NUL", b"GE\x00T / HTTP/1.1\r\nHost: t\r\n\r\n", bad)
    vec("two spaces after the method", b"GET  " + G + b" HTTP/1.1\r\nHost: t\r\n\r\n", lax, strict=bad)
    vec("tab instead of space", b"GET\t" + G + b"\tHTTP/1.1\r\nHost: t\r\n\r\n", lax, strict=bad)
    vec("leading space", b" GET " + G + b" HTTP/1.1\r\nHost: t\r\n\r\n", lax, strict=bad)
    vec("no version (HTTP/0.9 style)", b"GET " + G + b"\r\n\r\n", [["400|505"], []])
    vec("trailing space after the version", b"GET " + G + b" HTTP/1.1 \r\nHost: t\r\n\r\n", lax, strict=bad)
    vec("version with trailing junk", b"GET " + G + b" HTTP/1.1x\r\nHost: t\r\n\r\n", bad)
    vec("version 1.10", b"GET " + G + b" HTTP/1.10\r\nHost: t\r\n\r\n", [["400|505"]])
    vec("version without minor", b"GET " + G + b" HTTP/1\r\nHost: t\r\n\r\n", [["400|505"]])
    vec("lowercase version", b"GET " + G + b" http/1.1\r\nHost: t\r\n\r\n", bad)
    vec("version HTTP/2.0", req(target=G, version="HTTP/2.0"), [["505"]], strict=[["505"]])
    vec("version HTTP/3.0", req(target=G, version="HTTP/3.0"), [["505"]])
    vec("version HTTP/0.9", req(target=G, version="HTTP/0.9"), [["505|400"]])
    vec("HTTP/2 connection preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", [["400|405|501|505"], []])
    vec("bare LF line endings", b"GET " + G + b" HTTP/1.1\nHost: t\n\n", [["2xx"], ["400"]], strict=bad)
    vec("bare CR in the request-line", b"GET " + G + b" HTTP/1.1\rHost: t\r\n\r\n", bad)
    vec("space inside the target", b"GET /a b HTTP/1.1\r\nHost: t\r\n\r\n", bad)
    vec("NUL in the target", b"GET /\x00 HTTP/1.1\r\nHost: t\r\n\r\n", bad)
    vec("raw UTF-8 in the target", b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n", [["400|301"]])
    vec("DEL in the target", b"GET /\x7f HTTP/1.1\r\nHost: t\r\n\r\n", bad)
    vec("fragment in the target", b"GET " + G + b"#frag HTTP/1.1\r\nHost: t\r\n\r\n", [["400|301"]])
    vec("quote and angle brackets in the target", b'GET /"<x> HTTP/1.1\r\nHost: t\r\n\r\n', [["400|301"]])
    vec("target without a leading slash", req(target=b"index.html"), bad)
    vec("asterisk-form with GET", req(target=b"*"), bad)
    vec("authority-form with GET", req(target=b"t:80"), bad)
    vec("CONNECT authority-form", req("CONNECT", b"t:443", host=b"t:443"), [["405|501|400"]])
    vec("CONNECT origin-form", req("CONNECT", b"/"), [["400|405|501"]])
    vec("CONNECT without a port", req("CONNECT", b"t", host=b"t"), [["400|405|501"]])
    vec("absolute-form with an unknown scheme", req(target=b"ftp://t/"), [["400|421"]])
    vec("absolute-form with one slash", req(target=b"http:/t/"), bad)
    vec("absolute-form with empty authority", req(target=b"http:///"), bad)
    vec("absolute-form with userinfo", req(target=b"http://u:p@t/"), [["400"], ["2xx"]], strict=bad)
    vec("absolute-form without Host in 1.1", req(target=b"http://t" + G, host=None), bad)
    vec("10 KiB target", req(target=G + b"?q=" + b"a" * 10240), [["414"]])
    vec("100 KiB target", req(target=G + b"?q=" + b"a" * 102400), [["414|400|431"]])
    vec("only spaces", b"   \r\n\r\n", bad)
    vec("request-line only, no empty line (closed)", b"GET " + G + b" HTTP/1.1\r\n", [[], ["400"]])

    # --- Field lines -----------------------------------------------------------------------
    vec("space before the colon", req(target=G, headers=[b"X-A : b"]), bad)
    vec("tab before the colon", req(target=G, headers=[b"X-A\t: b"]), bad)
    vec("space before the colon in Host", b"GET " + G + b" HTTP/1.1\r\nHost : t\r\n\r\n", bad)
    vec("obs-fold", req(target=G, headers=[b"X-A: b", b" c"]), [["400"], ["2xx"]], strict=bad)
    vec("obs-fold with tab", req(target=G, headers=[b"X-A: b", b"\tc"]), [["400"], ["2xx"]], strict=bad)
    vec("whitespace line before the first field", b"GET " + G + b" HTTP/1.1\r\n Host: t\r\nHost: t\r\n\r\n", [["400"], ["2xx"]], strict=bad)
    vec("field line without a colon", req(target=G, headers=[b"X-A b"]), bad)
    vec("empty field name", req(target=G, headers=[b": b"]), bad)
    vec("field name with a space", req(target=G, headers=[b"X A: b"]), bad)
    vec("field name with @", req(target=G, headers=[b"X@A: b"]), bad)
    vec("field name with a non-ASCII byte", req(target=G, headers=[b"X\xc3\xa9: b"]), bad)
    vec("field name with a NUL", req(target=G, headers=[b"X\x00A: b"]), bad)
    vec("NUL in a field value", req(target=G, headers=[b"X-A: a\x00b"]), [["400"], ["2xx"]], strict=bad)
    vec("bare CR in a field value", req(target=G, headers=[b"X-A: a\rb"]), [["400"], ["2xx"]], strict=bad)
    vec("control byte in a field value", req(target=G, headers=[b"X-A: a\x01b"]), [["400"], ["2xx"]], strict=bad)
    vec("DEL in a field value", req(target=G, headers=[b"X-A: a\x7fb"]), [["400"], ["2xx"]], strict=bad)
    vec("bare LF ending a field line", b"GET " + G + b" HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n", [["400"], ["2xx"]], strict=bad)
    vec("head cut off (closed)", b"GET " + G + b" HTTP/1.1\r\nHost: t\r\nX-A: b", [[], ["400"]])
    # No field-count limit is mandated (RFC 6585 §5 makes 431 available, not required).
    vec("200 fields", req(target=G, headers=[b"X-F%d: v" % i for i in range(200)]), [["431|400"], ["2xx"]], strict=[["431|400"]])
    vec("64 KiB field", req(target=G, headers=[b"X-Big: " + b"v" * 65536]), [["431|400"]])
    vec("missing Host in 1.1", req(target=G, host=None), bad)
    vec("two Host fields", req(target=G, headers=[b"Host: u"]), bad)
    vec("two identical Host fields", req(target=G, headers=[b"Host: t"]), bad)
    vec("Host list", req(target=G, host=b"t, u"), bad)
    vec("Host with a space", req(target=G, host=b"a b"), bad)
    vec("Host with userinfo", req(target=G, host=b"u@t"), bad)
    vec("Host with a path", req(target=G, host=b"t/x"), bad)
    vec("Host with a bad port", req(target=G, host=b"t:abc"), bad)
    vec("Host with an unclosed IPv6 bracket", req(target=G, host=b"[::1"), bad)
    vec("Host with a NUL", req(target=G, host=b"t\x00"), bad)

    # --- Content-Length / Transfer-Encoding -------------------------------------------------
    def post(headers, body=b"", more=tail_get):
        return req("POST", P, headers=headers, body=body) + more

    vec("Content-Length not a number", post([b"Content-Length: abc"], JSON), bad)
    vec("Content-Length negative", post([b"Content-Length: -7"], JSON), bad)
    vec("Content-Length with plus sign", post([b"Content-Length: +7"], JSON), bad)
    vec("Content-Length with inner space", post([b"Content-Length: 1 0"], JSON), bad)
    vec("Content-Length hex", post([b"Content-Length: 0x7"], JSON), bad)
    vec("Content-Length empty", post([b"Content-Length:"], JSON), bad)
    vec("Content-Length overflowing", post([b"Content-Length: 99999999999999999999999999"], JSON), [["400|413"]])
    vec("Content-Length 2^64", post([b"Content-Length: 18446744073709551616"], JSON), [["400|413"]])
    vec("Content-Length huge but valid (body never sent)", post([b"Content-Length: 100000000000"], JSON), [["413|400|405|404"]], announce_close=True)
    vec("two different Content-Length fields", post([b"Content-Length: 7", b"Content-Length: 8"], JSON), bad)
    vec("Content-Length list of different values", post([b"Content-Length: 7, 8"], JSON), bad)
    vec("two identical Content-Length fields", post([b"Content-Length: 7", b"Content-Length: 7"], JSON), post_ok + [["400"]], announce_close=True)
    vec("Content-Length list of identical values", post([b"Content-Length: 7, 7"], JSON), post_ok + [["400"]], announce_close=True)
    vec(
        "Content-Length and chunked (CL.TE)",
        post([b"Content-Length: 4", b"Transfer-Encoding: chunked"], b"7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        [["4xx|2xx"]],
    )
    vec(
        "chunked and Content-Length (TE.CL)",
        post([b"Transfer-Encoding: chunked", b"Content-Length: 4"], b"7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        [["4xx|2xx"]],
    )
    vec("chunked in HTTP/1.0", req("POST", P, version="HTTP/1.0", host=None, headers=[b"Transfer-Encoding: chunked"], body=b"7\r\n" + JSON + b"\r\n0\r\n\r\n") + tail_get, [["4xx|2xx"]])
    vec("Transfer-Encoding gzip only", post([b"Transfer-Encoding: gzip"], JSON), bad)
    vec("Transfer-Encoding chunked, gzip", post([b"Transfer-Encoding: chunked, gzip"], b"0\r\n\r\n"), bad)
    vec("Transfer-Encoding gzip, chunked", post([b"Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n"), [["501"]], strict=[["501"]])
    vec("Transfer-Encoding over two lines", post([b"Transfer-Encoding: gzip", b"Transfer-Encoding: chunked"], b"0\r\n\r\n"), [["501|400"]], strict=[["501"]])
    vec("Transfer-Encoding chunked twice", post([b"Transfer-Encoding: chunked, chunked"], b"0\r\n\r\n"), [["400|501"]], strict=bad)
    vec("Transfer-Encoding xchunked", post([b"Transfer-Encoding: xchunked"], b"0\r\n\r\n"), [["400|501"]], strict=bad)
    vec("Transfer-Encoding empty", post([b"Transfer-Encoding:"], b"0\r\n\r\n"), [["400|501"]])
    vec("Transfer-Encoding identity", post([b"Transfer-Encoding: identity"], JSON), [["400|501"]])
    vec("Transfer-Encoding with a parameter on chunked", post([b"Transfer-Encoding: chunked;q=1"], b"0\r\n\r\n"), [["400|501"]])
    vec("Transfer-Encoding name with space before colon", post([b"Transfer-Encoding : chunked"], b"0\r\n\r\n"), bad)
    vec("POST without length", req("POST", P) + tail_get, [["411|405|404|400|2xx", "2xx"], ["411|405|404|400"]], announce_close=True)

    # --- Chunked bodies (a GET is pipelined after each body) ---------------------------------
    TE = [b"Transfer-Encoding: chunked", b"Content-Type: application/json"]
    chunk_ok = [
        ("chunked simple", b"7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunked in three chunks", b"2\r\n{\"\r\n4\r\na\":1\r\n1\r\n}\r\n0\r\n\r\n"),
        ("chunk size with leading zeros", b"0007\r\n" + JSON + b"\r\n000\r\n\r\n"),
        ("chunk size uppercase hex", b"A\r\n{\"ab\":123}\r\n0\r\n\r\n"),
        ("chunk size lowercase hex", b"a\r\n{\"ab\":123}\r\n0\r\n\r\n"),
        ("chunk extension", b"7;name=value\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk extension without value", b"7;name\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk extension with quoted value", b'7;n="a \\"q\\" ;x"\r\n' + JSON + b"\r\n0\r\n\r\n"),
        ("several chunk extensions", b"7;a=1;b=2\r\n" + JSON + b"\r\n0;c=3\r\n\r\n"),
        ("chunk extension with BWS", b"7 ; a = 1\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("trailer field", b"7\r\n" + JSON + b"\r\n0\r\nX-Trailer: 1\r\n\r\n"),
        ("two trailer fields", b"7\r\n" + JSON + b"\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n"),
    ]
    for name, body in chunk_ok:
        vec(name, post(TE, body), post_ok, announce_close=True)
    # An application may refuse an empty body with its own 400 and keep the connection.
    vec("chunked empty body", post(TE, b"0\r\n\r\n"), [["2xx|4xx", "2xx"], ["2xx|4xx"]], announce_close=True, app_errors=True)
    chunk_bad = [
        ("chunk size with 0x prefix", b"0x7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size negative", b"-7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size with plus", b"+7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size with underscore", b"0_7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size not hex", b"G\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size empty", b"\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size overflowing 64 bits", b"1" + b"0" * 16 + b"\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk size of 32 hex digits", b"f" * 32 + b"\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk data longer than its size", b"3\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk data shorter than its size", b"9\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk data without CRLF", b"7\r\n" + JSON + b"0\r\n\r\n"),
        ("LF-only chunk lines", b"7\n" + JSON + b"\n0\n\n"),
        ("LF-only after chunk data", b"7\r\n" + JSON + b"\n0\r\n\r\n"),
        ("bare CR after chunk size", b"7\r" + JSON + b"\r\n0\r\n\r\n"),
        ("space inside chunk size", b"0 7\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("NUL after chunk size", b"7\x00\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk extension without name", b"7;\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk extension with a space in the name", b"7;a b=c\r\n" + JSON + b"\r\n0\r\n\r\n"),
        ("chunk extension with unclosed quote", b'7;a="b\r\n' + JSON + b"\r\n0\r\n\r\n"),
        ("trailer with space before colon", b"7\r\n" + JSON + b"\r\n0\r\nX-A : 1\r\n\r\n"),
        ("trailer without colon", b"7\r\n" + JSON + b"\r\n0\r\nX-A\r\n\r\n"),
        ("trailer obs-fold", b"7\r\n" + JSON + b"\r\n0\r\nX-A: 1\r\n 2\r\n\r\n"),
    ]
    for name, body in chunk_bad:
        vec(name, post(TE, body), post_bad, announce_close=True)
    vec("chunked body cut off (closed)", req("POST", P, headers=TE, body=b"7\r\n{\"a"), [[], ["400|405|404|408"]])
    vec("chunked body without last chunk (closed)", req("POST", P, headers=TE, body=b"7\r\n" + JSON + b"\r\n"), [[], ["400|405|404|408"]])
    vec("chunked body without final CRLF (closed)", req("POST", P, headers=TE, body=b"7\r\n" + JSON + b"\r\n0\r\n"), [[], ["400|405|404|408"]])
    inner = b'{"x":"\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n"}'
    vec(
        "smuggled request in a chunk is data, not a request",
        post(TE, b"%x\r\n" % len(inner) + inner + b"\r\n0\r\n\r\n"),
        [["2xx|4xx", "2xx"], ["2xx|4xx"]],
        announce_close=True,
    )

    # --- Nothing, or not HTTP -----------------------------------------------------------------
    vec("nothing sent", b"", [[]])
    vec("only CRLF", b"\r\n", [[], ["400"]])
    vec("only CRLFs", b"\r\n\r\n\r\n", [[], ["400"]])
    vec("binary garbage", bytes(range(256)), [[], ["400"]])
    vec("TLS ClientHello", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 40, [[], ["400"]])
    vec("NUL first", b"\x00GET / HTTP/1.1\r\nHost: t\r\n\r\n", [[], ["400"]])


# ---------------------------------------------------------------------------------------------
# Running


def exchange(port, raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reset = False
    try:
        if raw:
            s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        reset = True
    data = b""
    deadline = time.monotonic() + READ_TIMEOUT
    closed = False
    while time.monotonic() < deadline:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            reset = True
            closed = True
            break
        except socket.timeout:
            break
        if not b:
            closed = True
            break
        data += b
    s.close()
    return data, closed, reset


def default_methods(raw):
    """The methods of the requests in `raw`, as far as they can be told (for HEAD framing)."""
    return [m.decode() for m in re.findall(rb"(?:^|\r\n\r\n)([A-Z]+) [^ \r\n]+ HTTP/", raw)]


def check(port, name, raw, expect, opts, strict):
    if strict and "strict" in opts:
        expect = opts["strict"]
    data, closed, reset = exchange(port, raw)
    if not closed:
        return "server did not close within %.0fs after the client half-closed" % READ_TIMEOUT
    try:
        rs = parse_responses(data, opts.get("methods") or default_methods(raw))
    except Bad as e:
        return "malformed response: %s; got %r" % (e, data[:200])
    interim = [r for r in rs if r.get("interim")]
    finals = [r for r in rs if not r.get("interim")]
    if interim and opts.get("no_interim"):
        return "an interim %d was sent" % interim[0]["status"]
    statuses = [r["status"] for r in finals]
    ok_alt = None
    for alt in expect:
        if len(alt) == len(statuses) and all(matches(s, p) for s, p in zip(statuses, alt)):
            ok_alt = alt
            break
    if ok_alt is None:
        return "got %s, expected %s" % (statuses or "no response", " or ".join(str(a) for a in expect) or "[]")
    for i, r in enumerate(finals):
        if r["status"] in ERROR_CLOSE and not (opts.get("app_errors") and i < len(finals) - 1):
            if not says_close(r):
                return "%d without Connection: close" % r["status"]
            if i != len(finals) - 1:
                return "a response followed a %d" % r["status"]
            if len(r["body"]) > 1024:
                return "%d body of %d bytes is not short" % (r["status"], len(r["body"]))
    if opts.get("announce_close") and finals:
        sent = len(default_methods(raw))
        last = finals[-1]
        if len(finals) < sent and not says_close(last) and b"HTTP/1.0" not in raw.split(b"\r\n", 1)[0]:
            return "answered %d of %d requests, then closed without saying Connection: close" % (len(finals), sent)
    if reset and not rs and expect != [[]] and [] not in expect:
        return "connection reset"
    return statuses


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--strict", action="store_true", help="apply the strict policy where the RFC allows a choice")
    ap.add_argument("--post-path", default="/", help="a path that accepts POST with a JSON object body")
    ap.add_argument("--get-path", default="/", help="a path that answers GET with 200")
    ap.add_argument("-v", action="store_true", help="print the request of every failing vector")
    a = ap.parse_args()
    build(a.post_path.encode(), a.get_path.encode())
    passed = failed = 0
    for name, raw, expect, opts in V:
        why = check(a.port, name, raw, expect, opts, a.strict)
        if isinstance(why, list):
            passed += 1
            print("PASS  %s %s" % (name, why))
        else:
            failed += 1
            print("FAIL  %s: %s" % (name, why))
            if a.v:
                print("      request: %r" % raw[:300])
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

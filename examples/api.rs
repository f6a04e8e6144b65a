//! A small JSON API: path parameters, query parameters, a POST body echo, 201 and 400.
//!
//! ```text
//! GET  /api/items            → 200 the list
//! GET  /api/items/:id        → 200 {"id":"…"}; 404 for a non-numeric id
//! GET  /api/search?q=…       → 200 {"q":"…"} (decoded, JSON-escaped); 400 if q is not UTF-8
//! GET  /api/items.ndjson      → 200 the list, streamed one JSON object per line (chunked to
//!                               HTTP/1.1 clients, ended by closing the connection for HTTP/1.0)
//! POST /api/items            → 201 with Location, echoing the JSON object it was sent; 400 otherwise
//! ```
#![no_std]
#![no_main]

use verbosel::{App, Request, Response, Sent, get, json_escape, post};

fn list(_req: &Request, res: Response) -> Sent {
    res.json(r#"{"items":[{"id":"1","name":"socket"},{"id":"2","name":"bind"},{"id":"3","name":"listen"}]}"#)
}

fn stream(_req: &Request, res: Response) -> Sent {
    let mut body = res.stream("application/x-ndjson");
    for line in [
        "{\"id\":\"1\",\"name\":\"socket\"}\n",
        "{\"id\":\"2\",\"name\":\"bind\"}\n",
        "{\"id\":\"3\",\"name\":\"listen\"}\n",
    ] {
        body.write(line.as_bytes());
    }
    body.finish()
}

fn item(req: &Request, res: Response) -> Sent {
    let id = req.param("id").unwrap_or("");
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return res.status(404).json(r#"{"error":"no such item"}"#);
    }
    res.json_parts(&[b"{\"id\":\"", id.as_bytes(), b"\"}"])
}

fn search(req: &Request, res: Response) -> Sent {
    let q = match req.query("q") {
        None => "",
        Some(Ok(q)) => q,
        Some(Err(_)) => return res.status(400).json(r#"{"error":"q is not valid UTF-8"}"#),
    };
    let mut buf = [0u8; 1024];
    match json_escape(q, &mut buf) {
        Some(q) => res.json_parts(&[b"{\"q\":\"", q.as_bytes(), b"\"}"]),
        None => res.status(400).json(r#"{"error":"query too long"}"#),
    }
}

fn create(req: &Request, res: Response) -> Sent {
    let body = req.body();
    let looks_like_object = body.first() == Some(&b'{') && body.last() == Some(&b'}');
    if !looks_like_object || core::str::from_utf8(body).is_err() {
        return res.status(400).json(r#"{"error":"send a JSON object"}"#);
    }
    res.status(201)
        .header("Location", "/api/items/4")
        .json_parts(&[b"{\"created\":", body, b"}"])
}

static APP: App = App::new(&[
    get("/api/items", list),
    get("/api/items.ndjson", stream),
    get("/api/items/:id", item),
    get("/api/search", search),
    post("/api/items", create),
])
.name("api", "0.1.0");

verbosel::main!(|env| APP.run(env));

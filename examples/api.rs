//! A small JSON API: path parameters, query parameters, a POST body echo, 201 and 400.
//!
//! ```text
//! GET  /api/items            → 200 the list
//! GET  /api/items/:id        → 200 {"id":"…"}; 404 for a non-numeric id
//! GET  /api/search?q=…       → 200 {"q":"…"} (decoded, JSON-escaped); 400 if q is not UTF-8
//! GET  /api/items.ndjson      → 200 the list, streamed one JSON object per line (chunked to
//!                               HTTP/1.1 clients, ended by closing the connection for HTTP/1.0)
//! POST /api/items            → 201 with Location, echoing the JSON object it was sent; 400 otherwise
//! POST /api/form             → 200 {"name":…,"message":…} from an HTML form's body; 400 with a reason
//! GET  /api/theme            → 200 the `theme` cookie's value, or `light`
//! POST /api/theme            → 204 and a Set-Cookie for the form's `theme`; 400 if no cookie can hold it
//! ```
#![no_std]
#![no_main]

use verbosel::{
    App, FormError, Request, Response, SameSite, Sent, SetCookie, get, json_escape, post,
};

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

/// Room for one decoded form field: no allocator, so a buffer on the stack.
const FIELD: usize = 512;

/// A form field, or the 400 that says why it cannot be had.
fn field<'o>(req: &Request, name: &str, out: &'o mut [u8]) -> Result<&'o str, &'static str> {
    match req.form(name, out) {
        Some(Ok(v)) => Ok(v),
        None => Err("a field is missing"),
        Some(Err(FormError::TooLong)) => Err("a field is too long"),
        Some(Err(e)) => Err(e.reason()),
    }
}

fn form(req: &Request, res: Response) -> Sent {
    let (mut name, mut message) = ([0u8; FIELD], [0u8; FIELD]);
    let (name, message) = match (
        field(req, "name", &mut name),
        field(req, "message", &mut message),
    ) {
        (Ok(n), Ok(m)) => (n, m),
        (Err(why), _) | (_, Err(why)) => return res.status(400).text_parts(&[why, "\n"]),
    };
    let (mut n, mut m) = ([0u8; FIELD * 6], [0u8; FIELD * 6]);
    match (json_escape(name, &mut n), json_escape(message, &mut m)) {
        (Some(n), Some(m)) => res.json_parts(&[
            b"{\"name\":\"",
            n.as_bytes(),
            b"\",\"message\":\"",
            m.as_bytes(),
            b"\"}",
        ]),
        _ => res.status(400).text("a field is too long\n"),
    }
}

fn theme(req: &Request, res: Response) -> Sent {
    match req.cookie("theme") {
        Some(Ok(t)) => res.text_parts(&[t, "\n"]),
        Some(Err(_)) => res.status(400).text("the theme cookie is not UTF-8\n"),
        None => res.text("light\n"),
    }
}

fn set_theme(req: &Request, res: Response) -> Sent {
    let mut buf = [0u8; FIELD];
    let value = match field(req, "theme", &mut buf) {
        Ok(v) => v,
        Err(why) => return res.status(400).text_parts(&[why, "\n"]),
    };
    let cookie = SetCookie::new("theme", value)
        .path("/")
        .max_age(365 * 24 * 3600)
        .http_only()
        .same_site(SameSite::Lax);
    // Refused values (a space, a `;`…) are the client's mistake here: a 400, not a 500.
    if let Err(e) = cookie.check() {
        return res.status(400).text_parts(&[e.reason(), "\n"]);
    }
    res.status(204).cookie(&cookie).empty()
}

static APP: App = App::new(&[
    get("/api/items", list),
    get("/api/items.ndjson", stream),
    get("/api/items/:id", item),
    get("/api/search", search),
    post("/api/items", create),
    post("/api/form", form),
    get("/api/theme", theme),
    post("/api/theme", set_theme),
])
.name("api", "0.1.0");

verbosel::main!(|env| APP.run(env));

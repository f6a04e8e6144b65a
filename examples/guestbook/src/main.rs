//! A guestbook: an HTML page and a JSON API, its entries kept in the data folder, JSON read and
//! written by serde and serde_json from crates.io (their `no_std` + `alloc` builds, with
//! verbosel's `alloc` feature).
//!
//! ```text
//! GET  /               → 200 the page: every entry, newest first, and a form
//! POST /entries        → 303 to / after adding the form's name and message; 400 with a reason
//! GET  /api/entries    → 200 every entry as a JSON array, oldest first
//! POST /api/entries    → 201 {"id":…,"name":…,"message":…} for a body {"name":…,"message":…};
//!                        400 {"error":…} when it is not JSON, too large, or of the wrong shape
//! ```
//!
//! Run it with a folder it may write: `guestbook --data /var/lib/guestbook` (`App::data` sets
//! `guestbook-data` in the working directory by default). Each entry is added under the data
//! file's lock and written by an atomic replace, so entries from connections served at once are
//! all kept, and a crash leaves the file as it was before or after an entry, never torn.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use verbosel::raw::sys::Errno;
use verbosel::{App, DataFolder, Request, Response, Sent, get, post};

/// The file in the data folder that holds every entry, as one JSON array.
const ENTRIES: &str = "entries.json";

/// Largest request body the API reads, in bytes: an entry is a name and a message, so anything
/// larger is a mistake or an abuse, refused with a 400 that says so (the server's own
/// `--max-body` refuses far larger ones with 413 before the handler runs).
const MAX_BODY: usize = 4096;

/// Longest name, in characters.
const MAX_NAME: usize = 100;

/// Longest message, in characters.
const MAX_MESSAGE: usize = 1000;

/// Most entries the book keeps: each POST rewrites the whole file, so it must stay small
/// (10,000 entries of the largest size are about 11 MB, under the data folder's 16 MiB per file).
const MAX_ENTRIES: usize = 10_000;

/// A stored entry.
#[derive(Serialize, Deserialize)]
struct Entry {
    id: u64,
    name: String,
    message: String,
}

/// What a client sends: exactly these two fields, both strings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEntry {
    name: String,
    message: String,
}

/// A failure to report: the status and why.
type Refusal = (u16, String);

/// Checks an entry's fields (trimmed): not empty, not too long.
fn validate(name: &str, message: &str) -> Result<(), Refusal> {
    let bad = |why: &str| Err((400, String::from(why)));
    match (name.trim().chars().count(), message.trim().chars().count()) {
        (0, _) => bad("the name is empty"),
        (_, 0) => bad("the message is empty"),
        (n, _) if n > MAX_NAME => bad("the name is longer than 100 characters"),
        (_, m) if m > MAX_MESSAGE => bad("the message is longer than 1000 characters"),
        _ => Ok(()),
    }
}

/// Adds an entry under the data file's lock; returns it as JSON.
fn add(data: &DataFolder<'_>, name: &str, message: &str) -> Result<Vec<u8>, Refusal> {
    validate(name, message)?;
    let mut created = Vec::new();
    let updated = data.update_vec(ENTRIES, |old| {
        let mut entries: Vec<Entry> = if old.is_empty() {
            Vec::new()
        } else {
            serde_json::from_slice(old)
                .map_err(|e| (500, format!("the stored entries do not parse: {e}")))?
        };
        if entries.len() >= MAX_ENTRIES {
            return Err((507, String::from("the guestbook is full")));
        }
        let entry = Entry {
            id: entries.last().map_or(1, |e| e.id + 1),
            name: String::from(name.trim()),
            message: String::from(message.trim()),
        };
        created = serde_json::to_vec(&entry).map_err(|e| (500, format!("{e}")))?;
        entries.push(entry);
        serde_json::to_vec(&entries).map_err(|e| (500, format!("{e}")))
    });
    match updated {
        Ok(Ok(())) => Ok(created),
        Ok(Err(refusal)) => Err(refusal),
        Err(e) => Err((500, format!("cannot store the entry: {}", e.name()))),
    }
}

/// Every entry, oldest first (none before the first POST).
fn entries(data: &DataFolder<'_>) -> Result<Vec<Entry>, Refusal> {
    match data.read_vec(ENTRIES) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| (500, format!("the stored entries do not parse: {e}"))),
        Err(Errno::ENOENT) => Ok(Vec::new()),
        Err(e) => Err((500, format!("cannot read the entries: {}", e.name()))),
    }
}

/// `{"error": why}`.
fn error_json(res: Response, (status, why): Refusal) -> Sent {
    #[derive(Serialize)]
    struct Error<'a> {
        error: &'a str,
    }
    let body = serde_json::to_vec(&Error { error: &why }).unwrap_or_default();
    res.status(status).json_owned(body)
}

fn api_create(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return error_json(res, (500, String::from("no data folder")));
    };
    let body = req.body();
    if body.len() > MAX_BODY {
        let why = format!("the body is {} bytes, more than {MAX_BODY}", body.len());
        return error_json(res, (400, why));
    }
    // serde's derived structs also accept an array of their fields (`["Ada","hi"]`): the API
    // takes an object only.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !body.is_empty()
        && !is_object
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
    {
        return error_json(
            res,
            (
                400,
                String::from("not a guestbook entry: send a JSON object"),
            ),
        );
    }
    let new: NewEntry = match serde_json::from_slice(body) {
        Ok(n) => n,
        Err(e) => return error_json(res, (400, format!("not a guestbook entry: {e}"))),
    };
    match add(&data, &new.name, &new.message) {
        Ok(entry) => res.status(201).json_owned(entry),
        Err(refusal) => error_json(res, refusal),
    }
}

fn api_list(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return error_json(res, (500, String::from("no data folder")));
    };
    // The file is the array: send it as stored, or [] before the first entry.
    match data.read_vec(ENTRIES) {
        Ok(bytes) => res.json_owned(bytes),
        Err(Errno::ENOENT) => res.json("[]"),
        Err(e) => error_json(res, (500, format!("cannot read the entries: {}", e.name()))),
    }
}

/// Text for HTML element content and attribute values.
fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

const PAGE_HEAD: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Guestbook</title></head><body>\n<h1>Guestbook</h1>\n\
<form method=\"post\" action=\"/entries\">\
<p><label>Name <input name=\"name\" maxlength=\"100\" required></label></p>\
<p><label>Message <textarea name=\"message\" maxlength=\"1000\" required></textarea></label></p>\
<p><button>Sign</button></p></form>\n";

fn page(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return res.status(500).text("no data folder\n");
    };
    let list = match entries(&data) {
        Ok(l) => l,
        Err((status, why)) => return res.status(status).text_owned(why),
    };
    let mut html = String::from(PAGE_HEAD);
    html.push_str(&format!("<p>{} entries</p>\n<ol reversed>\n", list.len()));
    for e in list.iter().rev() {
        html.push_str("<li><strong>");
        escape_html(&e.name, &mut html);
        html.push_str("</strong>: ");
        escape_html(&e.message, &mut html);
        html.push_str("</li>\n");
    }
    html.push_str("</ol>\n</body></html>\n");
    res.html_owned(html)
}

fn form_create(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return res.status(500).text("no data folder\n");
    };
    let (mut name, mut message) = (
        alloc::vec![0u8; req.body().len()],
        alloc::vec![0u8; req.body().len()],
    );
    let (name, message) = match (
        req.form("name", &mut name),
        req.form("message", &mut message),
    ) {
        (Some(Ok(n)), Some(Ok(m))) => (n, m),
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            return res.status(400).text_parts(&[e.reason(), "\n"]);
        }
        _ => {
            return res
                .status(400)
                .text("the form needs a name and a message\n");
        }
    };
    match add(&data, name, message) {
        Ok(_) => res.redirect(303, "/"),
        Err((status, why)) => res.status(status).text_owned(why + "\n"),
    }
}

static APP: App = App::new(&[
    get("/", page),
    post("/entries", form_create),
    get("/api/entries", api_list),
    post("/api/entries", api_create),
])
.name("guestbook", "0.1.0")
.data("guestbook-data");

verbosel::main!(|env| APP.run(env));

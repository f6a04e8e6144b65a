//! examples/guestbook's JSON API written with actix-web and serde_json, for bench/guestbook.sh.
//!
//! Usage: `actix-guestbook PORT DATA_DIR`. `GET /api/entries` answers the stored array;
//! `POST /api/entries` takes `{"name":…,"message":…}` and answers 201 with the entry, or 400
//! with `{"error":…}`. The storage is the guestbook's: one JSON array in DATA_DIR/entries.json,
//! read, extended and replaced atomically (temporary file, fsync, rename, fsync of the folder)
//! under a lock, on one worker thread, keep-alive on.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::{Deserialize, Serialize};

const KEEP_ALIVE: Duration = Duration::from_secs(65);
const MAX_BODY: usize = 4096;
const MAX_NAME: usize = 100;
const MAX_MESSAGE: usize = 1000;
const MAX_ENTRIES: usize = 10_000;

#[derive(Serialize, Deserialize)]
struct Entry {
    id: u64,
    name: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEntry {
    name: String,
    message: String,
}

struct Store {
    dir: PathBuf,
    lock: Mutex<()>,
}

fn error(status: u16, why: String) -> HttpResponse {
    #[derive(Serialize)]
    struct Error {
        error: String,
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/json")
        .body(serde_json::to_vec(&Error { error: why }).unwrap())
}

fn replace(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(name))?;
    fs::File::open(dir)?.sync_all()
}

async fn list(store: web::Data<Store>) -> HttpResponse {
    match fs::read(store.dir.join("entries.json")) {
        Ok(bytes) => HttpResponse::Ok().content_type("application/json").body(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            HttpResponse::Ok().content_type("application/json").body("[]")
        }
        Err(e) => error(500, format!("cannot read the entries: {e}")),
    }
}

async fn create(store: web::Data<Store>, body: web::Bytes) -> HttpResponse {
    if body.len() > MAX_BODY {
        return error(400, format!("the body is {} bytes, more than {MAX_BODY}", body.len()));
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return error(400, "not a guestbook entry: send a JSON object".into());
    }
    let new: NewEntry = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => return error(400, format!("not a guestbook entry: {e}")),
    };
    let (name, message) = (new.name.trim(), new.message.trim());
    match (name.chars().count(), message.chars().count()) {
        (0, _) => return error(400, "the name is empty".into()),
        (_, 0) => return error(400, "the message is empty".into()),
        (n, _) if n > MAX_NAME => return error(400, "the name is too long".into()),
        (_, m) if m > MAX_MESSAGE => return error(400, "the message is too long".into()),
        _ => {}
    }
    let _held = store.lock.lock().unwrap();
    let path = store.dir.join("entries.json");
    let mut entries: Vec<Entry> = match fs::read(&path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => return error(500, format!("the stored entries do not parse: {e}")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return error(500, format!("cannot read the entries: {e}")),
    };
    if entries.len() >= MAX_ENTRIES {
        return error(507, "the guestbook is full".into());
    }
    let entry = Entry {
        id: entries.last().map_or(1, |e| e.id + 1),
        name: name.to_owned(),
        message: message.to_owned(),
    };
    let created = serde_json::to_vec(&entry).unwrap();
    entries.push(entry);
    if let Err(e) = replace(&store.dir, "entries.json", &serde_json::to_vec(&entries).unwrap()) {
        return error(500, format!("cannot store the entry: {e}"));
    }
    HttpResponse::Created()
        .content_type("application/json")
        .body(created)
}

fn usage() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "usage: actix-guestbook PORT DATA_DIR",
    )
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).ok_or_else(usage)?;
    let dir = PathBuf::from(args.next().ok_or_else(usage)?);
    let store = web::Data::new(Store {
        dir,
        lock: Mutex::new(()),
    });
    HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            // 64 KiB, as verbosel's default --max-body: larger bodies are a 413 in both.
            .app_data(web::PayloadConfig::new(64 * 1024))
            .route("/api/entries", web::get().to(list))
            .route("/api/entries", web::post().to(create))
    })
    .workers(1)
    .keep_alive(KEEP_ALIVE)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

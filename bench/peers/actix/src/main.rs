//! actix-web hello server for the verbosel benchmarks.
//!
//! Usage: `actix-hello PORT PAGE_FILE`. Serves `GET /` with the 13-byte body
//! `Hello, World!` (text/plain) and `GET /index.html` with the bytes of PAGE_FILE
//! (text/html), on 127.0.0.1 with one worker thread, keep-alive on.

use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};

/// Matches verbosel's default idle keep-alive timeout, so idle connections held by the
/// per-connection memory test are not closed under it (actix's own default is 5 s).
const KEEP_ALIVE: Duration = Duration::from_secs(65);

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body("Hello, World!")
}

async fn page(body: web::Data<web::Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html")
        .body(body.get_ref().clone())
}

fn usage() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "usage: actix-hello PORT PAGE_FILE",
    )
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).ok_or_else(usage)?;
    let file = args.next().ok_or_else(usage)?;
    let body = web::Data::new(web::Bytes::from(std::fs::read(file)?));
    HttpServer::new(move || {
        App::new()
            .app_data(body.clone())
            .route("/", web::get().to(hello))
            .route("/index.html", web::get().to(page))
    })
    .workers(1)
    .keep_alive(KEEP_ALIVE)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

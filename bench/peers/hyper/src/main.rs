//! hyper hello server for the verbosel benchmarks.
//!
//! Usage: `hyper-hello PORT PAGE_FILE`. Serves `GET /` with the 13-byte body
//! `Hello, World!` (text/plain) and `GET /index.html` with the bytes of PAGE_FILE
//! (text/html), on 127.0.0.1 from a current-thread tokio runtime, keep-alive on.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

fn respond(req: &Request<Incoming>, page: &Bytes) -> Response<Full<Bytes>> {
    let (status, kind, body) = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => (
            StatusCode::OK,
            "text/plain",
            Bytes::from_static(b"Hello, World!"),
        ),
        (&Method::GET, "/index.html") => (StatusCode::OK, "text/html", page.clone()),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from_static(b"Not Found"),
        ),
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, hyper::header::HeaderValue::from_static(kind));
    resp
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .ok_or("usage: hyper-hello PORT PAGE_FILE")?
        .parse()?;
    let file = args.next().ok_or("usage: hyper-hello PORT PAGE_FILE")?;
    let page = Bytes::from(std::fs::read(file)?);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        // Small responses go out at once instead of waiting on Nagle (RFC 896); nginx,
        // Go and Node set the same on their connections.
        stream.set_nodelay(true)?;
        let page = page.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let resp = respond(&req, &page);
                async move { Ok::<_, Infallible>(resp) }
            });
            // A client that resets mid-response is not the server's failure; nothing to report.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

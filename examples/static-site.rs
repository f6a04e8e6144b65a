//! A whole folder compiled into the binary: `examples/static-site/www` is embedded at build time
//! (build.rs), with strong ETags, gzip copies and cache policy computed then; at run time there
//! is no filesystem to reach, so path traversal has nothing to find.
#![no_std]
#![no_main]

use verbosel::{App, Request, Response, Sent, get};

mod www {
    include!(concat!(env!("OUT_DIR"), "/static-site.rs"));
}

fn healthz(_req: &Request, res: Response) -> Sent {
    res.text("ok")
}

static APP: App = App::new(&[get("/healthz", healthz)])
    .name("static-site", "0.1.0")
    .assets(&www::ASSETS);

verbosel::main!(|env| APP.run(env));

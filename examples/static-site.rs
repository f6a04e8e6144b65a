//! A whole folder compiled into the binary: `examples/static-site/www` is embedded at build time
//! (build.rs), with strong ETags, gzip copies and cache policy computed then; at run time there
//! is no filesystem to reach, so path traversal has nothing to find.
#![no_std]
#![no_main]

use verbosel::App;

mod www {
    include!(concat!(env!("OUT_DIR"), "/static-site.rs"));
}

// No routes: every path is a file (and /healthz is built in).
static APP: App = App::new(&[])
    .name("static-site", "0.1.0")
    .assets(&www::ASSETS);

verbosel::main!(|env| APP.run(env));

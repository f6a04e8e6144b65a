#![no_std]
#![no_main]

use verbosel::{App, Request, Response, Sent, get};

fn hello(req: &Request, res: Response) -> Sent {
    res.text_parts(&["Hello, ", req.param("name").unwrap_or("world"), "!\n"])
}

static APP: App = App::new(&[get("/hello/:name", hello)]);

verbosel::main!(|env| APP.run(env));

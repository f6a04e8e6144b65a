//! The smallest verbosel app: `GET /` says hello, `GET /hello/:name` greets by name.
#![no_std]
#![no_main]

use verbosel::{App, Request, Response, Sent, get};

fn index(_req: &Request, res: Response) -> Sent {
    res.text("Hello, World!")
}

fn hello(req: &Request, res: Response) -> Sent {
    // The parameter arrives percent-decoded: /hello/Ada%20Lovelace → "Ada Lovelace".
    res.text_parts(&["Hello, ", req.param("name").unwrap_or(""), "!"])
}

static APP: App = App::new(&[get("/", index), get("/hello/:name", hello)]).name("hello", "0.1.0");

verbosel::main!(|env| APP.run(env));

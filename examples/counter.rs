//! A counter kept in a data folder (`--data DIR`): every `POST /count` adds one to the number
//! in DIR/counter under its lock, so connection processes running at once never lose a count.
//! No allocator: the file is read and written through buffers on the stack.
//!
//! ```text
//! POST /count   → 200 the new count
//! GET  /count   → 200 the count (0 before the first POST)
//! ```
#![no_std]
#![no_main]

use verbosel::raw::digits::{DECIMAL_DIGITS, decimal};
use verbosel::{App, Request, Response, Sent, get, post};

/// The count in the file's text (`""` is 0); `None` if it is not a number.
fn parse(text: &[u8]) -> Option<u64> {
    core::str::from_utf8(text)
        .ok()?
        .trim()
        .parse()
        .ok()
        .or(text.is_empty().then_some(0))
}

fn increment(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return res.status(500).text("start me with --data DIR\n");
    };
    let (mut current, mut new) = ([0u8; 32], [0u8; DECIMAL_DIGITS]);
    let updated = data.update("counter", &mut current, &mut new, |old, out| {
        let n = parse(old).ok_or("the counter file is not a number")? + 1;
        let mut digits = [0u8; DECIMAL_DIGITS];
        let text = decimal(n, &mut digits);
        out[..text.len()].copy_from_slice(text);
        Ok(text.len())
    });
    match updated {
        Ok(Ok(len)) => res.text_parts(&[core::str::from_utf8(&new[..len]).unwrap_or(""), "\n"]),
        Ok(Err(why)) => res.status(500).text_parts(&[why, "\n"]),
        Err(e) => res
            .status(500)
            .text_parts(&["cannot update the counter: ", e.name(), "\n"]),
    }
}

fn show(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return res.status(500).text("start me with --data DIR\n");
    };
    let mut buf = [0u8; 32];
    let text = match data.read("counter", &mut buf) {
        Ok(t) => t,
        Err(e) if e == verbosel::raw::sys::Errno::ENOENT => b"0",
        Err(e) => {
            return res
                .status(500)
                .text_parts(&["cannot read the counter: ", e.name(), "\n"]);
        }
    };
    res.text_parts(&[core::str::from_utf8(text).unwrap_or("?"), "\n"])
}

static APP: App =
    App::new(&[get("/count", show), post("/count", increment)]).name("counter", "0.1.0");

verbosel::main!(|env| APP.run(env));

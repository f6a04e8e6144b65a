//! A deliberately misbehaving app, for the tests of the sandbox and of panics. Each route tries
//! something a connection process must not be able to do. Not an example to follow.
#![no_std]
#![no_main]

use verbosel::raw::sys::{fs, net, process};
use verbosel::{App, Request, Response, Sent, get};

fn ok(_req: &Request, res: Response) -> Sent {
    res.text("ok")
}

fn open(_req: &Request, res: Response) -> Sent {
    let r = fs::open(c"/etc/passwd", fs::O_RDONLY_CLOEXEC);
    res.text(if r.is_ok() {
        "opened /etc/passwd"
    } else {
        "open failed"
    })
}

fn exec(_req: &Request, res: Response) -> Sent {
    let _ = process::execve(c"/bin/sh");
    res.text("execve returned")
}

fn socket(_req: &Request, res: Response) -> Sent {
    let r = net::socket(net::AF_INET, net::SOCK_STREAM, 0);
    res.text(if r.is_ok() {
        "socket opened"
    } else {
        "socket failed"
    })
}

fn fork(_req: &Request, res: Response) -> Sent {
    match process::fork() {
        Ok(process::Fork::Child) => process::exit_group(0),
        _ => res.text("forked"),
    }
}

/// fork as a libc spells it: clone(2) with SIGCHLD.
fn clone(_req: &Request, res: Response) -> Sent {
    match process::clone_fork() {
        Ok(process::Fork::Child) => process::exit_group(0),
        Ok(process::Fork::Parent(_)) => res.text("cloned"),
        Err(e) => res.text(e.name()),
    }
}

/// prctl(PR_SET_DUMPABLE): a connection process changes nothing about itself after lock-down.
fn prctl(_req: &Request, res: Response) -> Sent {
    let _ = process::prctl(process::PR_SET_DUMPABLE, 1);
    res.text("prctl returned")
}

fn panics(_req: &Request, _res: Response) -> Sent {
    panic!("this handler panics on purpose")
}

fn panics_mid_stream(_req: &Request, res: Response) -> Sent {
    let mut s = res.stream("text/plain");
    s.write(b"partial ");
    panic!("this handler panics after starting its response")
}

/// A header value with CR/LF in it: it must not reach the client, and the handler's author must
/// find out (a 500 and a line on stderr).
fn bad_header(_req: &Request, res: Response) -> Sent {
    res.header("X-Note", "a\r\nSet-Cookie: injected=1")
        .text("sent anyway")
}

/// A cookie value that would inject a header, set without checking it first.
fn bad_cookie(_req: &Request, res: Response) -> Sent {
    res.cookie(&verbosel::SetCookie::new("a", "1\r\nX-Injected: 1"))
        .text("sent anyway")
}

/// More header lines than the response has room for.
fn many_headers(_req: &Request, res: Response) -> Sent {
    let mut res = res;
    for _ in 0..40 {
        res = res.header("X-Padding", "0123456789012345678901234567890123456789");
    }
    res.text("sent anyway")
}

/// A response head larger than the writer's buffer.
fn huge_head(_req: &Request, res: Response) -> Sent {
    const LONG: &str = concat!(
        "text/plain; x=",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
        "0123456789012345678901234567890123456789012345678901234567890123",
    );
    res.send(LONG, b"sent anyway")
}

/// Uses ?ms=N milliseconds of CPU time (process CPU clock), however loaded the machine is.
fn burn(req: &Request, res: Response) -> Sent {
    use verbosel::raw::sys::time::clock_gettime;
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let ms: u64 = req
        .query("ms")
        .and_then(|v| v.ok()?.parse().ok())
        .unwrap_or(100);
    let end = clock_gettime(CLOCK_PROCESS_CPUTIME_ID).as_millis() + ms;
    while clock_gettime(CLOCK_PROCESS_CPUTIME_ID).as_millis() < end {}
    res.text("burnt")
}

fn spin(_req: &Request, _res: Response) -> Sent {
    let mut x: u64 = 0;
    loop {
        x = core::hint::black_box(x.wrapping_add(1));
    }
}

fn sleep(req: &Request, res: Response) -> Sent {
    // Busy-waits (no sleeping syscall is allowed) for ?ms=N milliseconds: a slow handler.
    let ms: u64 = req
        .query("ms")
        .and_then(|v| v.ok()?.parse().ok())
        .unwrap_or(1000);
    let end = verbosel::raw::sys::time::monotonic().as_millis() + ms;
    while verbosel::raw::sys::time::monotonic().as_millis() < end {}
    res.text("slept")
}

static APP: App = App::new(&[
    get("/ok", ok),
    get("/open", open),
    get("/exec", exec),
    get("/socket", socket),
    get("/fork", fork),
    get("/clone", clone),
    get("/prctl", prctl),
    get("/panic", panics),
    get("/panic-mid-stream", panics_mid_stream),
    get("/spin", spin),
    get("/burn", burn),
    get("/bad-header", bad_header),
    get("/bad-cookie", bad_cookie),
    get("/many-headers", many_headers),
    get("/huge-head", huge_head),
    get("/sleep", sleep),
])
.name("misbehave", "0.1.0");

verbosel::main!(|env| {
    if env.arg(1) == Some(b"--panic-now") {
        panic!("panicked at start-up on purpose");
    }
    APP.run(env)
});

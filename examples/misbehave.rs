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

/// openat2(2) of the path in `?path=` with no RESOLVE_* flag at all, as a bug in our own path
/// handling would: with `--root DIR`, the sandbox allows openat2 (the folder source uses it),
/// so this is what Landlock alone must stop outside DIR. Answers the errno's name or "opened".
fn openat2(req: &Request, res: Response) -> Sent {
    let Some(Ok(path)) = req.query("path") else {
        return res.text("no ?path=");
    };
    let mut buf = [0u8; 512];
    let Some(dst) = buf.get_mut(..path.len()) else {
        return res.text("path too long");
    };
    dst.copy_from_slice(path.as_bytes());
    let Ok(c) = core::ffi::CStr::from_bytes_until_nul(&buf) else {
        return res.text("path too long");
    };
    let how = fs::OpenHow::new(fs::OFlags::RDONLY | fs::OFlags::CLOEXEC, fs::Resolve::EMPTY);
    // An absolute path ignores the directory descriptor (openat2(2)).
    match fs::openat2(verbosel::raw::sys::BorrowedFd::STDIN, c, &how) {
        Ok(_) => res.text("opened"),
        Err(e) => res.text(e.name()),
    }
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

/// A response head larger than the writer's buffer (`HEAD_CAPACITY`, 2048 bytes).
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

/// With `--data DIR`: tries to create the file `?to=` (an absolute path, or one with `..`)
/// through the data folder's own calls, in three ways, and says what each got:
/// `helper` the data folder's helper (refused before the kernel: EINVAL), `beneath` openat2
/// with RESOLVE_BENEATH from DIR (the kernel: EXDEV), `raw` openat2 from DIR with no resolve
/// flag at all (only Landlock stands in the way: EACCES).
fn escape(req: &Request, res: Response) -> Sent {
    let Some(data) = req.data() else {
        return res.status(500).text("no data folder");
    };
    let Some(Ok(to)) = req.query("to") else {
        return res.status(400).text("?to=PATH");
    };
    let mut buf = [0u8; 512];
    let Some(c) = buf
        .get_mut(..to.len())
        .map(|d| d.copy_from_slice(to.as_bytes()))
        .and_then(|()| core::ffi::CStr::from_bytes_until_nul(&buf).ok())
    else {
        return res.status(400).text("path too long");
    };
    let create = fs::OFlags::WRONLY
        .union(fs::OFlags::CREAT)
        .union(fs::OFlags::CLOEXEC);
    let name = |r: Result<verbosel::raw::sys::OwnedFd, verbosel::raw::sys::Errno>| match r {
        Ok(_) => "CREATED",
        Err(e) => e.name(),
    };
    let helper = match data.replace(to, b"escaped") {
        Ok(()) => "CREATED",
        Err(e) => e.name(),
    };
    let how = fs::OpenHow::new(create, fs::Resolve::BENEATH).with_mode(0o600);
    let beneath = name(fs::openat2(data.dir(), c, &how));
    let how = fs::OpenHow::new(create, fs::Resolve::EMPTY).with_mode(0o600);
    let raw = name(fs::openat2(data.dir(), c, &how));
    res.text_parts(&[
        "helper ",
        helper,
        "\nbeneath ",
        beneath,
        "\nraw ",
        raw,
        "\n",
    ])
}

/// With `--data DIR`: opens a path with openat(2), which no connection process may call: the
/// sandbox kills the process (SIGSYS).
fn open_outside(req: &Request, res: Response) -> Sent {
    let _ = req;
    let r = fs::open(c"/tmp/verbosel-open-outside", fs::O_RDWR_CLOEXEC);
    res.text(if r.is_ok() { "opened" } else { "open failed" })
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
    get("/openat2", openat2),
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
    get("/escape", escape),
    get("/open-outside", open_outside),
])
.name("misbehave", "0.1.0");

verbosel::main!(|env| {
    if env.arg(1) == Some(b"--panic-now") {
        panic!("panicked at start-up on purpose");
    }
    APP.run(env)
});

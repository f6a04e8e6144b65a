//! The landing site over real TCP: status, headers, body, 404, health, one child per connection.

mod support;
use std::io::{Read, Write};
use std::time::Duration;
use support::{Response, Server, TIMEOUT, proc_state, wait_until};

#[test]
fn serves_the_landing_page_with_the_promised_headers() {
    let s = Server::start("verbosel", &["--quiet"]);
    let r = s.get("/");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("server"), Some("verbosel"));
    assert_eq!(r.header("x-powered-by"), Some("raw-syscalls"));
    assert_eq!(
        r.header("content-length")
            .map(|l| l.parse::<usize>().unwrap()),
        Some(r.body.len())
    );
    assert!(
        r.header("date")
            .is_some_and(|d| d.ends_with(" GMT") && d.len() == 29)
    );
    let page = r.text();
    assert!(page.contains("The Web Framework That Refuses to Abstract"));
    assert!(page.contains("0 dependencies. 0 runtime. 0 compromise. Just syscalls."));
    assert!(!page.contains("@@"), "an unfilled placeholder");
}

#[test]
fn healthz_answers_ok_in_plain_text() {
    let s = Server::start("verbosel", &["--quiet"]);
    let r = s.get("/healthz");
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
}

#[test]
fn unknown_paths_get_the_segfault_page() {
    let s = Server::start("verbosel", &["--quiet"]);
    let r = s.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("404 - SEGFAULT"), "{}", r.text());
}

#[test]
fn two_simultaneous_connections_get_two_processes_and_leave_no_zombies() {
    let s = Server::start("verbosel", &["--quiet"]);
    let mut a = s.connect();
    let mut b = s.connect();
    let stats = |c: &mut std::net::TcpStream| {
        c.write_all(b"GET /stats.json HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let mut got = 0;
        loop {
            got += c.read(&mut buf[got..]).unwrap();
            if let Some(r) = Response::parse(&buf[..got]) {
                return r.text();
            }
        }
    };
    let pid_of = |json: &str| -> i32 {
        json.split("\"pid\":")
            .nth(1)
            .unwrap()
            .trim_end_matches('}')
            .parse()
            .unwrap()
    };
    let (pa, pb) = (pid_of(&stats(&mut a)), pid_of(&stats(&mut b)));
    assert_ne!(pa, pb, "both connections were served by one process");
    assert!(s.children().contains(&pa) && s.children().contains(&pb));
    drop((a, b));
    for _ in 0..200 {
        assert_eq!(s.get("/healthz").status, 200);
    }
    // Each exited process is reaped at the parent's next turn: none stays a zombie.
    let no_zombie = || {
        [pa, pb]
            .into_iter()
            .chain(s.children())
            .all(|pid| proc_state(pid) != Some('Z'))
    };
    assert!(
        wait_until(TIMEOUT, no_zombie),
        "zombies among {:?}",
        [pa, pb].into_iter().chain(s.children()).collect::<Vec<_>>()
    );
}

#[test]
fn every_app_answers_healthz() {
    for bin in ["examples/hello", "examples/api", "examples/static-site"] {
        let s = Server::start(bin, &["--quiet"]);
        let r = s.get("/healthz");
        assert_eq!((r.status, r.text().as_str()), (200, "ok"), "{bin}");
        let st = std::process::Command::new(support::bin(bin))
            .args(["--healthcheck", "--port", &s.port.to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "{bin} --healthcheck");
    }
}

#[test]
fn a_reader_that_never_reads_is_cut_off_at_the_send_deadline() {
    // Many pipelined requests for the page, never read: the responses fill both socket buffers
    // and the writer blocks. The whole response write has a deadline, not each write call.
    let s = Server::start(
        "verbosel",
        &["--quiet", "--spare", "0", "--send-timeout", "2"],
    );
    let mut c = s.connect();
    let one = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    let burst: Vec<u8> = one.iter().copied().cycle().take(one.len() * 2000).collect();
    let _ = c.write_all(&burst);
    // Wait for the connection's process to exist (accept and fork take a moment)…
    assert!(
        wait_until(TIMEOUT, || !s.children().is_empty()),
        "no connection process appeared"
    );
    // …then for it to give up on this client, 2 s after its writes stopped making progress.
    let start = std::time::Instant::now();
    let mut busy = true;
    while start.elapsed() < Duration::from_secs(20) {
        busy = !s.children().is_empty();
        if !busy {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !busy,
        "the connection process still writes to a client that never reads"
    );
    assert!(
        start.elapsed() >= Duration::from_millis(1500),
        "gone before its deadline: {:?}",
        start.elapsed()
    );
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "cut off only after {:?}",
        start.elapsed()
    );
}

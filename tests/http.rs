//! The landing site over real TCP: status, headers, body, 404, health, one child per connection.

mod support;
use std::io::{Read, Write};
use std::time::Duration;
use support::{Response, Server, proc_state};

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
    std::thread::sleep(Duration::from_millis(300));
    for pid in [pa, pb].into_iter().chain(s.children()) {
        assert_ne!(proc_state(pid), Some('Z'), "zombie {pid}");
    }
}

//! The data folder (`--data DIR`): connection processes that update one file at once lose no
//! write, and a handler cannot reach past DIR, by any of three ways, each stopped by its own
//! wall (the helpers' path check, openat2's RESOLVE_BENEATH, Landlock), nor by a call the
//! sandbox does not allow (SIGSYS).

mod support;
use std::io::Write;
use std::path::{Path, PathBuf};
use support::{Server, TIMEOUT, read_response, wait_until};

/// A fresh folder for one test, writable by the user the server runs as (as root, the server
/// drops to 65534:65534 after binding).
fn fresh_folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("verbosel-data-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if support::is_root() {
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    }
    dir
}

fn counter(dir: &Path) -> Server {
    Server::start(
        "examples/counter",
        &["--quiet", "--data", dir.to_str().unwrap()],
    )
}

fn post_count(c: &mut std::net::TcpStream) -> (u16, String) {
    c.write_all(b"POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let r = read_response(c);
    (r.status, r.text())
}

#[test]
fn many_connection_processes_increment_one_counter_and_no_count_is_lost() {
    const CONNECTIONS: usize = 50;
    const EACH: usize = 20;
    let dir = fresh_folder("counter");
    let s = counter(&dir);
    assert_eq!(s.get("/count").text(), "0\n");
    // 50 connections at once, each its own process, each adding 20: every answer is a count no
    // other request got, and the last is the total.
    let seen: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CONNECTIONS)
            .map(|_| {
                let mut c = s.connect();
                scope.spawn(move || {
                    (0..EACH)
                        .map(|_| {
                            let (status, body) = post_count(&mut c);
                            assert_eq!(status, 200, "{body}");
                            body.trim().parse::<u64>().unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    let want: Vec<u64> = (1..=(CONNECTIONS * EACH) as u64).collect();
    assert_eq!(sorted, want, "a count was lost or given twice");
    assert_eq!(s.get("/count").text(), format!("{}\n", CONNECTIONS * EACH));
    assert_eq!(
        std::fs::read_to_string(dir.join("counter")).unwrap(),
        (CONNECTIONS * EACH).to_string()
    );
    // Nothing but the data and its lock is left in the folder (no temporary file).
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["counter", "counter.lock"]);
    // A restart finds the count where it was.
    drop(s);
    let s = counter(&dir);
    let mut c = s.connect();
    assert_eq!(
        post_count(&mut c),
        (200, format!("{}\n", CONNECTIONS * EACH + 1))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_handler_cannot_reach_outside_the_data_folder() {
    let dir = fresh_folder("inside");
    let outside = fresh_folder("outside");
    let s = Server::start(
        "examples/misbehave",
        &["--quiet", "--data", dir.to_str().unwrap()],
    );
    let target = outside.join("escaped");
    let relative = format!(
        "../{}/escaped",
        outside.file_name().unwrap().to_str().unwrap()
    );
    for to in [target.to_str().unwrap(), relative.as_str()] {
        let r = s.get(&format!("/escape?to={to}"));
        // The helper refuses the path itself; openat2 beneath DIR refuses to leave it (EXDEV);
        // and openat2 with no resolve restriction at all, from DIR, is stopped by Landlock.
        assert_eq!(
            (r.status, r.text().as_str()),
            (200, "helper EINVAL\nbeneath EXDEV\nraw EACCES\n"),
            "{to}"
        );
        assert!(!target.exists(), "{to}: a file was created outside DIR");
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // A call outside the data folder's list (openat) kills the connection's process.
    let raw = s.exchange(b"GET /open-outside HTTP/1.1\r\nHost: t\r\n\r\n");
    assert!(raw.is_empty(), "{:?}", String::from_utf8_lossy(&raw));
    assert!(
        wait_until(TIMEOUT, || s
            .stderr_text()
            .contains("killed by the sandbox")),
        "{}",
        s.stderr_text()
    );
    assert_eq!(s.get("/ok").status, 200);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&outside);
}

/// `--root` and `--data` at once: one Landlock ruleset holds both rules (a second ruleset could
/// only narrow the first), so the served folder is readable and not writable, and the data
/// folder is both.
#[test]
fn with_root_and_data_the_folder_is_read_only_and_the_data_folder_writable() {
    let root = fresh_folder("served");
    std::fs::write(root.join("page.txt"), "served from --root\n").unwrap();
    let data = fresh_folder("kept");
    let s = Server::start(
        "examples/misbehave",
        &[
            "--quiet",
            "--root",
            root.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
    );
    let r = s.get("/page.txt");
    assert_eq!((r.status, r.text().as_str()), (200, "served from --root\n"));
    // A write into the served folder: refused by the helper's path check, by RESOLVE_BENEATH,
    // and (with no resolve flag) by Landlock, which allows only reading there.
    let into_root = root.join("written");
    let r = s.get(&format!("/escape?to={}", into_root.to_str().unwrap()));
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "helper EINVAL\nbeneath EXDEV\nraw EACCES\n")
    );
    assert!(
        !into_root.exists(),
        "a file was created in the --root folder"
    );
    // Beneath the data folder the same three ways create the file.
    let r = s.get("/escape?to=kept.txt");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "helper CREATED\nbeneath CREATED\nraw CREATED\n")
    );
    assert!(data.join("kept.txt").exists());
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn without_a_data_folder_handlers_have_none_and_a_bad_one_stops_the_start() {
    let s = Server::start("examples/counter", &["--quiet"]);
    let r = s.get("/count");
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, "start me with --data DIR\n")
    );
    let file = std::env::temp_dir().join(format!("verbosel-data-file-{}", std::process::id()));
    std::fs::write(&file, b"not a folder").unwrap();
    for (dir, why) in [
        (file.to_str().unwrap(), "ENOTDIR"),
        ("/nonexistent/verbosel", "ENOENT"),
    ] {
        let out = support::command("examples/counter")
            .args(["--data", dir, "--port", "0"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{dir}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("invalid --data: {dir} ({why})")),
            "{err}"
        );
    }
    let _ = std::fs::remove_file(&file);
}

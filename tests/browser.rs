//! A real browser loads the landing page from the running binary: headless Chromium renders it,
//! the test checks the DOM for the title and every section, keeps a screenshot as an artefact
//! (target/artifacts/landing.png), and reads Chromium's network log to prove the page asked for
//! nothing but this server. Skipped, with a message, where Chromium is not installed (`.ci/run`
//! installs Debian's `chromium`).

mod support;
use std::path::PathBuf;
use std::process::Command;
use support::Server;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {name}"))
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

/// Flags for a headless run on a closed network (no background requests to Google's services).
fn headless(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

#[test]
fn chromium_renders_every_section_and_asks_only_this_server() {
    let Some(chrome) = chromium() else {
        support::skipped("chromium is not installed (apt-get install chromium)");
        return;
    };
    let s = Server::start("verbosel", &["--quiet"]);
    let url = format!("http://127.0.0.1:{}/", s.port);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let artifacts = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let profile = artifacts.join("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let netlog = artifacts.join("netlog.json");
    let shot = artifacts.join("landing.png");

    // The DOM after scripts ran (the terminal typing and the live stats fetch).
    let dom = Command::new(&chrome)
        .args(headless(&profile))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(
        dom.contains("<title>verbosel — The Web Framework That Refuses to Abstract</title>"),
        "title missing:\n{dom}"
    );
    for id in [
        "hero",
        "stats",
        "features",
        "source",
        "benchmarks",
        "deploy",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "section #{id} missing"
        );
    }
    assert!(dom.contains("<footer"), "footer missing");
    assert!(dom.contains("0 dependencies. 0 runtime. 0 compromise. Just syscalls."));
    // The live stats were fetched from the server and filled in (a pid from /stats.json).
    assert!(
        dom.contains("served by pid"),
        "the stats bar did not show the live pid"
    );

    // Every request the page itself initiated went to this server. (Chromium's own background
    // requests have no page origin as initiator; they are not the page's doing.)
    let log = std::fs::read_to_string(&netlog).expect("net log");
    let origin = format!("http://127.0.0.1:{}", s.port);
    let page_requests: Vec<String> = log
        .split("\"params\":{")
        .skip(1)
        // An event is {"params":{…},"phase":…}; values may contain braces, so cut at "phase".
        .map(|p| &p[..p.find("},\"phase\"").unwrap_or(p.len())])
        .filter(|p| p.contains(&format!("\"initiator\":\"{origin}\"")))
        .filter_map(|p| {
            p.split("\"url\":\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_string)
        })
        .collect();
    assert!(
        page_requests.iter().any(|u| u.ends_with("/style.css")),
        "no stylesheet request seen: {page_requests:?}"
    );
    assert!(
        page_requests.iter().any(|u| u.ends_with("/stats.json")),
        "no stats request seen: {page_requests:?}"
    );
    for u in &page_requests {
        assert!(
            u.starts_with(&format!("{origin}/")),
            "the page requested something outside the server: {u}"
        );
    }

    // The screenshot, kept as an artefact.
    let _ = std::fs::remove_dir_all(&profile);
    let status = Command::new(&chrome)
        .args(headless(&profile))
        .args(["--virtual-time-budget=5000", "--window-size=1280,2600"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .status()
        .expect("screenshot");
    assert!(status.success());
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 20_000, "suspiciously small screenshot");
}

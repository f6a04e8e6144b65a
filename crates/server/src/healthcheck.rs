//! `--healthcheck`: the health check for an image with no curl. Connects to the local server,
//! sends `GET /healthz`, and succeeds only on a `200` status line.

use crate::config::Config;
use verbosel_sys::net::{self, SocketAddr};
use verbosel_sys::{io, time};

/// How long the whole check may take: a container runtime's check interval is typically 30 s,
/// a live server answers in a millisecond.
pub const HEALTHCHECK_TIMEOUT_MS: u64 = 5000;

/// Returns the exit code: 0 healthy, 1 not.
#[inline(never)]
pub(crate) fn run(cfg: &Config) -> i32 {
    // The wildcard addresses are not addresses to connect to: use loopback.
    let target = match cfg.bind {
        SocketAddr::V4([0, 0, 0, 0], p) => SocketAddr::V4([127, 0, 0, 1], p),
        SocketAddr::V6(ip, p, _) if ip == [0; 16] => SocketAddr::V4([127, 0, 0, 1], p),
        other => other,
    };
    let Ok(fd) = net::socket(target.family(), net::SOCK_STREAM | net::SOCK_CLOEXEC, 0) else {
        return 1;
    };
    let _ = net::set_timeout(fd.as_fd(), net::SO_RCVTIMEO, HEALTHCHECK_TIMEOUT_MS);
    let _ = net::set_timeout(fd.as_fd(), net::SO_SNDTIMEO, HEALTHCHECK_TIMEOUT_MS);
    if net::connect(fd.as_fd(), &target).is_err() {
        return 1;
    }
    if io::write_all(
        fd.as_fd(),
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .is_err()
    {
        return 1;
    }
    let start = time::monotonic_ms();
    let mut buf = [0u8; 16];
    let mut got = 0;
    while got < 12 && time::monotonic_ms() - start < HEALTHCHECK_TIMEOUT_MS {
        match io::read(fd.as_fd(), &mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    if got >= 12 && &buf[..9] == b"HTTP/1.1 " && &buf[9..12] == b"200" {
        0
    } else {
        1
    }
}

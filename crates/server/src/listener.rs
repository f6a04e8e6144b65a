//! The listening socket: bound here, or handed over by systemd (sd_listen_fds(3)).

use crate::config::Config;
use verbosel_rt::Env;
use verbosel_sys::net::{self, SocketAddr};
use verbosel_sys::{Errno, OwnedFd, process};

/// The accept queue's length, the kernel's default `somaxconn` (it clamps larger values). When
/// every connection process is busy, this queue is where new connections wait.
pub const BACKLOG: u32 = 1024;

/// How long the kernel holds a connection whose client has sent nothing before handing it to
/// accept() anyway (TCP_DEFER_ACCEPT, tcp(7)). Linux rounds it up to whole SYN-ACK retransmissions
/// (the first after 1 s), so a silent client is accepted after about a second and then gets the
/// ordinary head timeout: it is delayed, never lost.
pub const DEFER_ACCEPT_SECS: i32 = 1;

/// Opens the listener, or takes the one systemd passed. Returns it and whether it was passed.
pub(crate) fn open(cfg: &Config, env: &Env) -> Result<(OwnedFd, bool), (&'static str, Errno)> {
    if let (Some(pid), Some(n)) = (env.var(b"LISTEN_PID"), env.var(b"LISTEN_FDS"))
        && parse(pid) == Some(process::getpid() as u64)
        && parse(n).unwrap_or(0) >= 1
    {
        // fd 3 (SD_LISTEN_FDS_START), if it was inherited: verbosel_rt recorded it at start-up.
        let fd = verbosel_rt::take_listen_fd()
            .ok_or(("cannot configure the socket from systemd", Errno::EBADF))?;
        tune(&fd, cfg).map_err(|e| ("cannot configure the socket from systemd", e))?;
        return Ok((fd, true));
    }
    let family = cfg.bind.family();
    let fd =
        net::socket(family, net::SOCK_STREAM | net::SOCK_CLOEXEC, 0).map_err(|e| ("socket", e))?;
    // Rebind at once after a restart, while old connections linger in TIME_WAIT.
    net::setsockopt_int(fd.as_fd(), net::SOL_SOCKET, net::SO_REUSEADDR, 1)
        .map_err(|e| ("SO_REUSEADDR", e))?;
    if let SocketAddr::V6(ip, _, _) = cfg.bind {
        // `[::]` serves IPv4 too (as mapped addresses); a specific IPv6 address only itself.
        let v6only = if ip == [0; 16] { 0 } else { 1 };
        net::setsockopt_int(fd.as_fd(), net::IPPROTO_IPV6, net::IPV6_V6ONLY, v6only)
            .map_err(|e| ("IPV6_V6ONLY", e))?;
    }
    net::bind(fd.as_fd(), &cfg.bind).map_err(|e| ("cannot bind", e))?;
    // Before listen(): the first connection already gets every option.
    tune(&fd, cfg).map_err(|e| ("setsockopt", e))?;
    net::listen(fd.as_fd(), BACKLOG).map_err(|e| ("listen", e))?;
    Ok((fd, false))
}

/// Options set once on the listener and inherited by every accepted socket (tcp(7), socket(7)),
/// so a connection process starts with them at no cost of its own.
fn tune(fd: &OwnedFd, cfg: &Config) -> verbosel_sys::Result<()> {
    // Responses are written whole in one call: send them now, no Nagle delay.
    net::setsockopt_int(fd.as_fd(), net::IPPROTO_TCP, net::TCP_NODELAY, 1)?;
    // accept() returns a connection only once its request has begun to arrive (tcp(7)): the
    // process that takes it reads at once instead of sleeping a second time, and a client that
    // connects and says nothing holds no process until the kernel gives up deferring.
    net::setsockopt_int(
        fd.as_fd(),
        net::IPPROTO_TCP,
        net::TCP_DEFER_ACCEPT,
        DEFER_ACCEPT_SECS,
    )?;
    // A first read waits at most the head timeout; a stuck write at most the send timeout.
    net::set_timeout(fd.as_fd(), net::SO_RCVTIMEO, cfg.header_timeout_ms)?;
    net::set_timeout(fd.as_fd(), net::SO_SNDTIMEO, cfg.send_timeout_ms)
}

fn parse(s: &[u8]) -> Option<u64> {
    crate::cli::number(s, 0, u64::MAX)
}

//! Sockets: socket(2), bind(2), listen(2), accept4(2), connect(2), setsockopt(2), shutdown(2).

use crate::arch::{self, Arg};
use crate::{BorrowedFd, Errno, OwnedFd, Result, nr};

/// `AF_INET`, IPv4 (ip(7)).
pub const AF_INET: u16 = 2;
/// `AF_INET6`, IPv6 (ipv6(7)).
pub const AF_INET6: u16 = 10;
/// `SOCK_STREAM`: TCP.
pub const SOCK_STREAM: u32 = 1;
/// `SOCK_CLOEXEC`: close across execve (never leak a socket into another program).
pub const SOCK_CLOEXEC: u32 = 0o2_000_000;
/// `SOCK_NONBLOCK`.
pub const SOCK_NONBLOCK: u32 = 0o4_000;
/// `SOL_SOCKET` option level (socket(7)).
pub const SOL_SOCKET: u32 = 1;
/// `SO_REUSEADDR`: rebind while old connections sit in TIME_WAIT.
pub const SO_REUSEADDR: u32 = 2;
/// `SO_RCVTIMEO` (the 64-bit `struct timeval` form, on x86_64 and aarch64 alike): reads block at
/// most this long.
pub const SO_RCVTIMEO: u32 = 20;
/// `SO_SNDTIMEO`: writes block at most this long.
pub const SO_SNDTIMEO: u32 = 21;
/// `IPPROTO_TCP` option level (tcp(7)).
pub const IPPROTO_TCP: u32 = 6;
/// `IPPROTO_IPV6` option level (ipv6(7)).
pub const IPPROTO_IPV6: u32 = 41;
/// `TCP_NODELAY`: send small responses at once instead of waiting for Nagle's algorithm.
pub const TCP_NODELAY: u32 = 1;
/// `TCP_DEFER_ACCEPT`: wake accept() only when the first data has arrived.
pub const TCP_DEFER_ACCEPT: u32 = 9;
/// `IPV6_V6ONLY`: 0 makes an `[::]` socket dual-stack (IPv4-mapped addresses).
pub const IPV6_V6ONLY: u32 = 26;
/// `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR` for [`shutdown`].
pub const SHUT_WR: u32 = 1;

/// An IPv4 or IPv6 socket address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketAddr {
    /// IPv4 address and port.
    V4([u8; 4], u16),
    /// IPv6 address, port and scope id (for link-local addresses).
    V6([u8; 16], u16, u32),
}

impl SocketAddr {
    /// The port.
    pub fn port(&self) -> u16 {
        match *self {
            SocketAddr::V4(_, p) | SocketAddr::V6(_, p, _) => p,
        }
    }

    /// Returns the address with another port.
    pub fn with_port(self, port: u16) -> SocketAddr {
        match self {
            SocketAddr::V4(a, _) => SocketAddr::V4(a, port),
            SocketAddr::V6(a, _, s) => SocketAddr::V6(a, port, s),
        }
    }

    /// The address family.
    pub fn family(&self) -> u16 {
        match self {
            SocketAddr::V4(..) => AF_INET,
            SocketAddr::V6(..) => AF_INET6,
        }
    }

    fn encode(&self) -> (RawAddr, u32) {
        let mut raw = RawAddr([0; 28]);
        match *self {
            SocketAddr::V4(ip, port) => {
                // struct sockaddr_in { sa_family_t; in_port_t (big-endian); struct in_addr; pad[8] }
                raw.0[0..2].copy_from_slice(&AF_INET.to_ne_bytes());
                raw.0[2..4].copy_from_slice(&port.to_be_bytes());
                raw.0[4..8].copy_from_slice(&ip);
                (raw, 16)
            }
            SocketAddr::V6(ip, port, scope) => {
                // struct sockaddr_in6 { family; port (BE); flowinfo; struct in6_addr; scope_id }
                raw.0[0..2].copy_from_slice(&AF_INET6.to_ne_bytes());
                raw.0[2..4].copy_from_slice(&port.to_be_bytes());
                raw.0[8..24].copy_from_slice(&ip);
                raw.0[24..28].copy_from_slice(&scope.to_ne_bytes());
                (raw, 28)
            }
        }
    }

    fn decode(raw: &RawAddr) -> Option<SocketAddr> {
        let family = u16::from_ne_bytes([raw.0[0], raw.0[1]]);
        let port = u16::from_be_bytes([raw.0[2], raw.0[3]]);
        match family {
            AF_INET => Some(SocketAddr::V4(
                [raw.0[4], raw.0[5], raw.0[6], raw.0[7]],
                port,
            )),
            AF_INET6 => {
                let mut ip = [0u8; 16];
                ip.copy_from_slice(&raw.0[8..24]);
                let scope = u32::from_ne_bytes([raw.0[24], raw.0[25], raw.0[26], raw.0[27]]);
                Some(SocketAddr::V6(ip, port, scope))
            }
            _ => None,
        }
    }
}

/// Room for a `sockaddr_in6`, the largest address we use.
#[repr(C, align(4))]
struct RawAddr([u8; 28]);

/// `int socket(int domain, int type, int protocol);`
pub fn socket(domain: u16, ty: u32, protocol: u32) -> Result<OwnedFd> {
    // SAFETY: integer arguments only.
    let fd = unsafe {
        arch::syscall3_readonly(
            nr::SOCKET,
            Arg::int(domain as usize),
            Arg::int(ty as usize),
            Arg::int(protocol as usize),
        )
    }
    .result()?;
    // SAFETY: socket succeeded: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw(fd as i32) })
}

/// `int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);`
pub fn bind(fd: BorrowedFd<'_>, addr: &SocketAddr) -> Result<()> {
    let (raw, len) = addr.encode();
    // SAFETY: `raw` is a valid sockaddr of `len` bytes for the call's duration; the kernel only
    // reads it.
    unsafe {
        arch::syscall3_readonly(
            nr::BIND,
            Arg::fd(fd),
            Arg::by_ref(&raw),
            Arg::int(len as usize),
        )
    }
    .result()
    .map(drop)
}

/// `int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);`
pub fn connect(fd: BorrowedFd<'_>, addr: &SocketAddr) -> Result<()> {
    let (raw, len) = addr.encode();
    // SAFETY: as for `bind`.
    unsafe {
        arch::syscall3_readonly(
            nr::CONNECT,
            Arg::fd(fd),
            Arg::by_ref(&raw),
            Arg::int(len as usize),
        )
    }
    .result()
    .map(drop)
}

/// `int listen(int sockfd, int backlog);`
pub fn listen(fd: BorrowedFd<'_>, backlog: u32) -> Result<()> {
    // SAFETY: integer arguments only.
    unsafe { arch::syscall2_readonly(nr::LISTEN, Arg::fd(fd), Arg::int(backlog as usize)) }
        .result()
        .map(drop)
}

/// `int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);`
/// Returns the connection and the peer's address.
#[inline]
pub fn accept4(fd: BorrowedFd<'_>, flags: u32) -> Result<(OwnedFd, Option<SocketAddr>)> {
    let mut raw = RawAddr([0; 28]);
    let mut len: u32 = 28;
    // SAFETY: the kernel writes at most `len` (28) bytes into `raw` and updates `len`.
    let conn = unsafe {
        arch::syscall4(
            nr::ACCEPT4,
            Arg::fd(fd),
            Arg::by_mut(&mut raw),
            Arg::by_mut(&mut len),
            Arg::int(flags as usize),
        )
    }
    .result()?;
    // SAFETY: accept4 succeeded: a new descriptor that nothing else owns.
    let conn = unsafe { OwnedFd::from_raw(conn as i32) };
    Ok((conn, SocketAddr::decode(&raw)))
}

/// `int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen);` — which port did
/// the kernel pick for port 0?
pub fn getsockname(fd: BorrowedFd<'_>) -> Result<SocketAddr> {
    let mut raw = RawAddr([0; 28]);
    let mut len: u32 = 28;
    // SAFETY: as for `accept4`.
    unsafe {
        arch::syscall3(
            nr::GETSOCKNAME,
            Arg::fd(fd),
            Arg::by_mut(&mut raw),
            Arg::by_mut(&mut len),
        )
    }
    .result()?;
    SocketAddr::decode(&raw).ok_or(Errno::EAFNOSUPPORT)
}

/// `setsockopt` with an `int` value.
pub fn setsockopt_int(fd: BorrowedFd<'_>, level: u32, name: u32, value: i32) -> Result<()> {
    // SAFETY: `value` is a valid int for the call's duration; optlen is its size; the kernel
    // only reads it.
    unsafe {
        arch::syscall5_readonly(
            nr::SETSOCKOPT,
            Arg::fd(fd),
            Arg::int(level as usize),
            Arg::int(name as usize),
            Arg::by_ref(&value),
            Arg::int(size_of::<i32>()),
        )
    }
    .result()
    .map(drop)
}

/// `setsockopt(SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO)` with a `struct timeval` built from
/// milliseconds. Zero means "block forever" (socket(7)), so callers pass at least 1 ms.
#[inline(never)] // called at every deadline; the timeval conversion is not worth copying there
pub fn set_timeout(fd: BorrowedFd<'_>, name: u32, millis: u64) -> Result<()> {
    let tv: [i64; 2] = [(millis / 1000) as i64, ((millis % 1000) * 1000) as i64];
    // SAFETY: `tv` is a valid `struct timeval` (two longs on both architectures) for the call's
    // duration; the kernel only reads it.
    unsafe {
        arch::syscall5_readonly(
            nr::SETSOCKOPT,
            Arg::fd(fd),
            Arg::int(SOL_SOCKET as usize),
            Arg::int(name as usize),
            Arg::by_ref(&tv),
            Arg::int(size_of::<[i64; 2]>()),
        )
    }
    .result()
    .map(drop)
}

/// `int shutdown(int sockfd, int how);`
pub fn shutdown(fd: BorrowedFd<'_>, how: u32) -> Result<()> {
    // SAFETY: integer arguments only.
    unsafe { arch::syscall2_readonly(nr::SHUTDOWN, Arg::fd(fd), Arg::int(how as usize)) }
        .result()
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_the_kernel_layout() {
        for a in [
            SocketAddr::V4([127, 0, 0, 1], 8080),
            SocketAddr::V6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 443, 0),
        ] {
            let (raw, _) = a.encode();
            assert_eq!(SocketAddr::decode(&raw), Some(a));
        }
    }

    #[test]
    fn listen_accept_connect_over_loopback() {
        let l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap();
        setsockopt_int(l.as_fd(), SOL_SOCKET, SO_REUSEADDR, 1).unwrap();
        bind(l.as_fd(), &SocketAddr::V4([127, 0, 0, 1], 0)).unwrap();
        listen(l.as_fd(), 8).unwrap();
        let addr = getsockname(l.as_fd()).unwrap();
        assert_ne!(addr.port(), 0);
        let c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0).unwrap();
        connect(c.as_fd(), &addr).unwrap();
        let (s, peer) = accept4(l.as_fd(), SOCK_CLOEXEC).unwrap();
        assert!(matches!(peer, Some(SocketAddr::V4([127, 0, 0, 1], _))));
        crate::io::write_all(c.as_fd(), b"ping").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(crate::io::read(s.as_fd(), &mut buf), Ok(4));
        set_timeout(s.as_fd(), SO_RCVTIMEO, 10).unwrap();
        assert_eq!(crate::io::read(s.as_fd(), &mut buf), Err(Errno::EAGAIN));
    }
}

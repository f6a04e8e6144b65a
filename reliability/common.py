"""Shared helpers for the reliability harnesses (Python 3 standard library only).

Every harness starts its own server on 127.0.0.1 with --port 0, parses the port and pid from the
"NAME: listening on ADDR:PORT, pid N, ..." line the server prints on stderr, and stops it by pid.
"""

import os
import re
import signal
import socket
import subprocess
import threading
import time

LISTEN_RE = re.compile(rb"listening on (\S+):(\d+), pid (\d+)")


class Server:
    """A server process started by a harness, with its stderr collected in memory."""

    def __init__(self, argv, preexec_fn=None, wrapper=(), startup_timeout=10.0):
        self.argv = list(wrapper) + list(argv)
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=preexec_fn,
        )
        self.lines = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.port = None
        self.pid = None
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._ready.wait(startup_timeout) or self.port is None:
            self.stop()
            raise RuntimeError("server did not report its port: %r" % self.log_text())

    def _read_stderr(self):
        for raw in self.proc.stderr:
            with self._lock:
                self.lines.append((time.monotonic(), raw.rstrip(b"\n")))
            if self.port is None:
                m = LISTEN_RE.search(raw)
                if m:
                    self.port = int(m.group(2))
                    self.pid = int(m.group(3))
                    self._ready.set()
        self._ready.set()

    def log(self):
        with self._lock:
            return [l for (_, l) in self.lines]

    def log_text(self):
        return "\n".join(l.decode(errors="replace") for l in self.log())

    def count(self, needle):
        return sum(1 for l in self.log() if needle.encode() in l)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=15.0):
        """SIGTERM by pid (graceful shutdown), then SIGKILL if it overstays."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(2)
        return self.proc.returncode


def children(ppid):
    """(pid, state) of every process whose parent is ppid, from /proc/*/stat."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after the last ')'.
        rest = data[data.rfind(b")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == ppid:
            out.append((int(name), rest[0].decode()))
    return out


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def pss_kb(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def read_response(sock, buf=b"", head_only=False):
    """Reads one HTTP/1.1 response framed by Content-Length. Returns (status, headers, body, rest).
    Raises OSError/ValueError on a short or malformed answer."""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise ValueError("connection closed before the response head (%d bytes)" % len(buf))
        buf += d
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ValueError("bad status line %r" % lines[0][:80])
    status = int(parts[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower()] = v.strip()
    n = 0 if head_only else int(headers.get(b"content-length", b"0"))
    while len(buf) < n:
        d = sock.recv(65536)
        if not d:
            raise ValueError("connection closed in the body (%d of %d bytes)" % (len(buf), n))
        buf += d
    return status, headers, buf[:n], buf[n:]


def get(port, path="/", timeout=5.0, close=True):
    """One GET on a fresh connection. Returns (status, body, seconds)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
                  % (path.encode(), b"Connection: close\r\n" if close else b""))
        status, _, body, _ = read_response(s)
    return status, body, time.monotonic() - t0


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def raise_nofile(want):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = min(want, hard)
    if soft < new:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def child_pids(ppid):
    """Children of a single-threaded process, from /proc/PID/task/PID/children (cheap)."""
    try:
        with open("/proc/%d/task/%d/children" % (ppid, ppid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def held_ports(server_pid, server_port):
    """Client ports of the TCP connections to server_port that the server (parent or a child)
    still holds a socket for. Sockets come from `ss -e` (netlink, filtered in the kernel: cheap
    even with tens of thousands of TIME_WAIT entries); owners from /proc/PID/fd."""
    inodes = set()
    for pid in [server_pid] + child_pids(server_pid):
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    out = subprocess.run(["ss", "-tnHe", "state", "all", "( sport = :%d )" % server_port],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    held = set()
    for line in out.splitlines():
        p = line.split()
        ino = next((x[4:] for x in p if x.startswith("ino:")), None)
        addrs = [x for x in p if x.count(":") == 1 and x[0].isdigit()]
        if ino is not None and ino in inodes and len(addrs) >= 2 and addrs[1].rsplit(":", 1)[1].isdigit():
            held.add(int(addrs[1].rsplit(":", 1)[1]))
    return held

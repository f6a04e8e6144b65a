#!/usr/bin/env python3
"""C10k: 10,000 concurrent keep-alive connections to one server, each answered, all held open at
once while the server's total memory is measured (sum of Pss from /proc/PID/smaps_rollup over the
parent and every child: shared pages are divided among the processes sharing them, so the sum is
the memory the server really costs). Then everything is closed and the server must have reaped
every child. Loopback only; bounded by --deadline seconds.

Usage: c10k.py [--conns 10000] [--batch 500] [SERVER [-- FLAGS...]]
Default SERVER: target/release/examples/hello, run with --max-conns 12000 --quiet
--idle-timeout 600 (so no connection is closed as idle while they are counted).
"""

import argparse
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0])
    return out


def breakdown(pid):
    """Pss by mapping of one process (from /proc/PID/smaps), largest first."""
    rows, name = [], None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            first = line.split()[0]
            if "-" in first and not first.endswith(":"):
                parts = line.split()
                name = "%s %s" % (parts[0], parts[5] if len(parts) > 5 else "[anon]")
            elif first == "Pss:" and int(line.split()[1]) > 0:
                rows.append((int(line.split()[1]), name))
    return sorted(rows, reverse=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("server", nargs="?", default="target/release/examples/hello")
    ap.add_argument("flags", nargs="*")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--deadline", type=float, default=300.0)
    ap.add_argument("--path", default="/")
    ap.add_argument("--expect", default="Hello, World!")
    a = ap.parse_args()
    t_start = time.monotonic()
    end = t_start + a.deadline
    soft, hard = common.raise_nofile(20000)
    if soft < a.conns + 100:
        print("RLIMIT_NOFILE %d/%d is too low for %d connections" % (soft, hard, a.conns))
        return 2
    argv = [a.server, "--bind", "127.0.0.1", "--port", "0", "--max-conns", "12000", "--quiet",
            "--idle-timeout", "600"] + a.flags
    # The server inherits our raised RLIMIT_NOFILE (its parent holds no connection fds, but the
    # limit costs nothing).
    srv = common.Server(argv)
    port, spid = srv.port, srv.pid
    print("c10k.py %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    print("server: %s (pid %d, port %d); client RLIMIT_NOFILE %d" % (" ".join(argv), spid, port, soft))
    mem0 = meminfo()
    # The spare pool ramps up (one spare first, the rest a moment later): let it fill before the
    # idle figure is taken.
    t_idle = time.monotonic()
    while len(common.child_pids(spid)) < 8 and time.monotonic() - t_idle < 3.0:
        time.sleep(0.05)
    time.sleep(0.2)
    idle_pss = common.pss_kb(spid) + sum(common.pss_kb(p) for p in common.child_pids(spid))
    print("idle server (parent + %d spares): total PSS %d KB" % (len(common.child_pids(spid)), idle_pss))
    req = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % a.path.encode()
    want = a.expect.encode()
    socks = []
    answered = 0
    bad = []
    sel = selectors.DefaultSelector()
    t_open = time.monotonic()
    while len(socks) < a.conns and time.monotonic() < end:
        batch = []
        for _ in range(min(a.batch, a.conns - len(socks))):
            s = socket.socket()
            s.settimeout(10)
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(req)
            except OSError as e:
                bad.append("connect/send: %r" % e)
                s.close()
                continue
            s.setblocking(False)
            batch.append(s)
            sel.register(s, selectors.EVENT_READ, b"")
        # Read every answer of this batch.
        waiting = len(batch)
        bend = min(end, time.monotonic() + 60)
        while waiting and time.monotonic() < bend:
            for key, _ in sel.select(1.0):
                s = key.fileobj
                try:
                    d = s.recv(4096)
                except OSError as e:
                    bad.append("recv: %r" % e)
                    sel.unregister(s)
                    waiting -= 1
                    continue
                if not d:
                    bad.append("closed before the answer (%d bytes)" % len(key.data))
                    sel.unregister(s)
                    waiting -= 1
                    continue
                buf = key.data + d
                if b"\r\n\r\n" in buf:
                    head, _, body = buf.partition(b"\r\n\r\n")
                    n = int(next((l.split(b":", 1)[1] for l in head.split(b"\r\n")
                                  if l.lower().startswith(b"content-length:")), b"-1"))
                    if len(body) >= n:
                        if head.startswith(b"HTTP/1.1 200") and body[:n] == want:
                            answered += 1
                        else:
                            bad.append("wrong answer %r" % buf[:60])
                        sel.unregister(s)
                        waiting -= 1
                        continue
                sel.modify(s, selectors.EVENT_READ, buf)
        for key in list(sel.get_map().values()):
            sel.unregister(key.fileobj)
            bad.append("no answer within 60 s")
        socks.extend(batch)
        print("  %5d connections open, %5d answered (%.1f s)" % (len(socks), answered, time.monotonic() - t_open),
              flush=True)
    t_all = time.monotonic() - t_open
    # All open at once? Any that the server closed would be readable (EOF) now.
    time.sleep(1.0)
    probe = selectors.DefaultSelector()
    for s in socks:
        probe.register(s, selectors.EVENT_READ)
    closed = len(probe.select(0))
    probe.close()
    kids = common.child_pids(spid)
    t_m = time.monotonic()
    parent_pss = common.pss_kb(spid)
    child_pss = []
    for p in kids:
        try:
            child_pss.append(common.pss_kb(p))
        except OSError:
            pass
    t_m = time.monotonic() - t_m
    total = parent_pss + sum(child_pss)
    mem1 = meminfo()
    print()
    print("%d of %d answered (%d errors%s); %d of %d still open when measured; %.1f s to open and answer all"
          % (answered, a.conns, len(bad), (": " + "; ".join(sorted(set(bad))[:3])) if bad else "", len(socks) - closed,
             a.conns, t_all))
    print("server processes: parent + %d children (connections + spares)" % len(kids))
    print("total PSS: %.1f MB (%.1f KB per connection)  [parent %d KB; children sum %d KB, min %d KB, max %d KB each; "
          "measured in %.1f s]" % (total / 1024.0, total / float(a.conns), parent_pss, sum(child_pss),
                                   min(child_pss), max(child_pss), t_m))
    sample = next((p for p in kids if common.pss_kb(p) == max(child_pss)), kids[-1])
    print("one connection process (pid %d), Pss by mapping: %s" % (
        sample, "; ".join("%s %d KB" % (n, k) for k, n in breakdown(sample))))
    print("kernel memory outside PSS, /proc/meminfo before -> while held (machine-wide, other work included): "
          + ", ".join("%s %d -> %d MB" % (k, mem0[k] // 1024, mem1[k] // 1024)
                      for k in ("PageTables", "KernelStack", "SUnreclaim")))
    # Also: what the kernel holds for the sockets is not in PSS; report the socket memory line.
    with open("/proc/net/sockstat") as f:
        print("kernel /proc/net/sockstat while held: " + " | ".join(l.strip() for l in f if l.startswith("TCP")))
    # Close everything; every child must be reaped.
    t_c = time.monotonic()
    for s in socks:
        s.close()
    zombies_seen = 0
    while time.monotonic() < min(end + 60, t_c + 60):
        kids = common.children(spid)
        busy = len(kids)
        if busy <= 8:
            break
        time.sleep(0.5)
    time.sleep(1.0)
    kids = common.children(spid)
    zombies = [p for p, st in kids if st == "Z"]
    ok_after = common.get(port, "/")[0] == 200
    alive = srv.alive()
    rc = srv.stop()
    print("after closing all: %d children left (spares) %.1f s later, %d zombies; server alive %s; GET / -> %s; "
          "exit code after SIGTERM %s" % (len(kids), time.monotonic() - t_c, len(zombies), alive,
                                          200 if ok_after else "fail", rc))
    ok = answered == a.conns and closed == 0 and not zombies and alive
    print("RESULT: %s (goal: total PSS under 150 MB: %s)" % ("PASS" if ok else "FAIL",
                                                              "met" if total < 150 * 1024 else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

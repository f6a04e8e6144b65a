#!/usr/bin/env python3
"""Soak: a bounded run of mixed load against one server, every response checked, the parent
watched for leaks.

Load: keep-alive threads (up to 100 requests per connection, then a new connection) and
new-connection threads (Connection: close, one request per connection), each paced so the whole
run stays at about --rate requests per second (the machine is shared). Paths alternate between
/ (the body length must equal Content-Length and the reference length fetched at the start) and
/healthz (body must be "ok").

Every 10 s: zombie children of the parent (a zombie still there 1 s later counts as stuck), the
parent's open fds (/proc/PID/fd) and VmRSS.

Usage: soak.py [--minutes 10 | --quick] [--rate 200] [SERVER [-- FLAGS...]]
Default SERVER: target/release/verbosel (run from the repository root).
"""

import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("server", nargs="?", default="target/release/verbosel")
    ap.add_argument("flags", nargs="*", help="extra server flags (after --)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true", help="1-minute run")
    ap.add_argument("--rate", type=float, default=200.0, help="target requests per second, all threads")
    ap.add_argument("--keepalive-threads", type=int, default=2)
    ap.add_argument("--close-threads", type=int, default=2)
    ap.add_argument("--sample-every", type=float, default=10.0)
    a = ap.parse_args()
    minutes = 1.0 if a.quick else a.minutes
    duration = minutes * 60.0

    argv = [a.server, "--bind", "127.0.0.1", "--port", "0", "--quiet"] + a.flags
    srv = common.Server(argv)
    port, ppid = srv.port, srv.pid
    print("soak: %s (parent pid %d, port %d), %.1f min, target %.0f req/s, %d keep-alive + %d "
          "new-connection threads, started %s" % (" ".join(argv), ppid, port, minutes, a.rate,
          a.keepalive_threads, a.close_threads, time.strftime("%Y-%m-%d %H:%M:%S %Z")), flush=True)

    st, ref, _ = common.get(port, "/")
    if st != 200:
        print("reference GET / answered %d" % st)
        srv.stop()
        return 1
    expected = {"/": len(ref), "/healthz": 2}
    print("reference: GET / -> %d bytes" % len(ref), flush=True)

    stop = threading.Event()
    lock = threading.Lock()
    totals = {"requests": 0, "failed": 0, "connections": 0}
    errors = []

    def record(ok, why=None):
        with lock:
            totals["requests"] += 1
            if not ok:
                totals["failed"] += 1
                if len(errors) < 20:
                    errors.append("%.1fs %s" % (time.monotonic() - t_start, why))

    def check(status, body, path):
        if status != 200:
            return "status %d for %s" % (status, path)
        if len(body) != expected[path]:
            return "body %d bytes for %s, expected %d" % (len(body), path, expected[path])
        if path == "/healthz" and body != b"ok":
            return "healthz body %r" % body[:20]
        return None

    nthreads = a.keepalive_threads + a.close_threads
    interval = nthreads / a.rate  # seconds between requests, per thread

    def pace(next_t):
        now = time.monotonic()
        if next_t > now:
            stop.wait(next_t - now)
        return max(next_t, now - 1.0) + interval

    def keepalive_worker(k):
        paths = ["/", "/healthz"]
        i = k
        next_t = time.monotonic()
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
            except OSError as e:
                record(False, "connect: %r" % e)
                next_t = pace(next_t)
                continue
            with lock:
                totals["connections"] += 1
            rest = b""
            try:
                for _ in range(100):
                    if stop.is_set():
                        break
                    path = paths[i % 2]
                    i += 1
                    s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path.encode())
                    status, _, body, rest = common.read_response(s, rest)
                    why = check(status, body, path)
                    record(why is None, why)
                    next_t = pace(next_t)
            except (OSError, ValueError) as e:
                record(False, "keep-alive: %r" % e)
            finally:
                s.close()

    def close_worker(k):
        paths = ["/", "/healthz"]
        i = k
        next_t = time.monotonic()
        while not stop.is_set():
            path = paths[i % 2]
            i += 1
            try:
                status, body, _ = common.get(port, path, timeout=10)
                why = check(status, body, path)
                record(why is None, why)
            except (OSError, ValueError) as e:
                record(False, "new-connection %s: %r" % (path, e))
            with lock:
                totals["connections"] += 1
            next_t = pace(next_t)

    samples = []

    def sample():
        kids = common.children(ppid)
        zombies = [p for p, s in kids if s == "Z"]
        stuck = []
        if zombies:
            time.sleep(1.0)
            now = dict(common.children(ppid))
            stuck = [p for p in zombies if now.get(p) == "Z"]
        with lock:
            req = totals["requests"]
        s = {
            "t": time.monotonic() - t_start,
            "children": len(kids),
            "zombies": len(zombies),
            "stuck": len(stuck),
            "fds": common.fd_count(ppid),
            "rss": common.status_kb(ppid, "VmRSS"),
            "requests": req,
        }
        samples.append(s)
        print("  t=%5.0fs requests=%8d children=%4d zombies=%d stuck=%d parent fds=%d VmRSS=%d kB"
              % (s["t"], req, s["children"], s["zombies"], s["stuck"], s["fds"], s["rss"]), flush=True)

    t_start = time.monotonic()
    threads = [threading.Thread(target=keepalive_worker, args=(k,), daemon=True)
               for k in range(a.keepalive_threads)]
    threads += [threading.Thread(target=close_worker, args=(k,), daemon=True)
                for k in range(a.close_threads)]
    for t in threads:
        t.start()
    end = t_start + duration
    next_sample = t_start
    while time.monotonic() < end:
        if time.monotonic() >= next_sample:
            sample()
            next_sample += a.sample_every
        time.sleep(min(0.5, max(0.0, min(end, next_sample) - time.monotonic())))
    stop.set()
    for t in threads:
        t.join(15)
    elapsed = time.monotonic() - t_start
    time.sleep(2.0)
    sample()  # after the load: every connection child should be gone
    final = samples[-1]
    alive = srv.alive()
    rc = srv.stop()
    during = samples[:-1]

    print()
    print("soak finished %s after %.1f s" % (time.strftime("%Y-%m-%d %H:%M:%S %Z"), elapsed))
    print("total requests: %d (%.0f req/s) on %d connections" % (
        totals["requests"], totals["requests"] / elapsed, totals["connections"]))
    print("failed requests: %d" % totals["failed"])
    for e in errors:
        print("  " + e)
    print("zombies seen: %d stuck (still zombies 1 s later), %d transient (exited, reaped within 1 s) "
          "over %d samples" % (sum(s["stuck"] for s in samples), sum(s["zombies"] - s["stuck"] for s in samples),
                               len(samples)))
    print("parent fd count first/last: %d / %d (min %d, max %d)" % (
        during[0]["fds"], during[-1]["fds"], min(s["fds"] for s in during), max(s["fds"] for s in during)))
    print("parent VmRSS first/last: %d kB / %d kB (min %d, max %d)" % (
        during[0]["rss"], during[-1]["rss"], min(s["rss"] for s in during), max(s["rss"] for s in during)))
    half = during[len(during) // 2:]
    print("parent VmRSS over the second half: %d kB at t=%.0fs -> %d kB at t=%.0fs (min %d, max %d)" % (
        half[0]["rss"], half[0]["t"], half[-1]["rss"], half[-1]["t"],
        min(s["rss"] for s in half), max(s["rss"] for s in half)))
    print("parent fds over the second half: %d -> %d" % (half[0]["fds"], half[-1]["fds"]))
    print("after the load: %d children (the spares), %d zombies, parent fds %d" % (
        final["children"], final["zombies"], final["fds"]))
    print("server alive until stopped: %s; exit code after SIGTERM: %s" % (alive, rc))
    ok = (totals["failed"] == 0 and sum(s["stuck"] for s in samples) == 0 and alive
          and during[0]["fds"] == during[-1]["fds"])
    print("RESULT: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

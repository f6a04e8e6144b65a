#!/usr/bin/env python3
"""Slow clients against one server, on loopback, bounded in time (Python 3 standard library only).

Starts the server itself, then for --window seconds keeps open:
  * --slowloris N connections trickling a request head one byte every --trickle seconds, never
    finishing it;
  * --slow-body N uploads: a whole POST head with Content-Length 100000, then --body-rate bytes
    per second;
  * --slow-readers N connections that send --pipeline pipelined GET --reader-path requests at once
    (with a 4 KiB receive buffer) and never read a byte, so the server's writes block (1000 x the
    14 KB landing page is far more than the 4 MiB the kernel will buffer, tcp_wmem max);
while a probe process sends GET --probe-path (default /healthz) on a fresh connection every 50 ms and records latency.
A connection the server cuts is replaced at once, so the pressure stays on for the whole window.

When is a connection "cut"? When no server process holds its socket any more: every 0.25 s the
harness maps the server's sockets (/proc/PID/fd of the parent and its children) to client ports
(`ss -e`). That is the server's close, whatever the client does. The client side also
records when it received the first byte of an answer (the 408) and the FIN.

--after-fin says what a slow client does once the server has answered and half-closed:
  trickle  keeps sending as before (an attacker, or slowhttptest, does this) [default]
  silent   sends nothing more once an answer byte arrives, and waits for the server to close.

Bounds checked (every connection whose first byte was sent at least bound + 1 s before the
harness stops watching):
  slowloris  server close <= header-timeout + 2 s lingering close + 1 s slack, from first byte
  slow body  server close <= body-timeout   + 2 s lingering close + 1 s slack, from end of head
  slow read  server close <= send-timeout   + 2 s lingering close + 1 s slack, from the request
(the server runs with --header-timeout 5 --body-timeout 5 --send-timeout 5 unless told otherwise;
--send-timeout bounds the writing of one response, from the write that first found the client's
window full)

Usage: slowloris.py [options] [SERVER [-- SERVER FLAGS...]]   (default target/release/verbosel)
"""

import argparse
import errno
import multiprocessing
import os
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

LINGER_S = 2.0      # response::linger in crates/server/src/response.rs: a total deadline
SLACK_S = 1.0


def probe_main(port, interval, stop_at, conn, path="/healthz"):
    """Runs in its own process, so the harness's own work cannot delay it (no shared GIL)."""
    lat, fails = [], []
    next_t = time.monotonic()
    while time.monotonic() < stop_at:
        t = time.monotonic()
        try:
            status, body, secs = common.get(port, path, timeout=2.0)
            if status == 200 and (body == b"ok" or path != "/healthz"):
                lat.append(secs)
            else:
                fails.append("%.2f status %d" % (t, status))
        except (OSError, ValueError) as e:
            fails.append("%.2f %r" % (t, e))
        next_t += interval
        d = next_t - time.monotonic()
        if d > 0:
            time.sleep(d)
        else:
            next_t = time.monotonic()
    conn.send((lat, fails))
    conn.close()


class Slow:
    __slots__ = ("kind", "sock", "port", "t_first", "t_head_end", "next_send", "payload", "idx",
                 "t_answer", "answer", "t_fin", "t_server_close", "t_client_err", "seen_held",
                 "done", "bound", "ref")

    def __init__(self, kind, sock, bound, ref):
        self.kind, self.sock, self.bound, self.ref = kind, sock, bound, ref
        self.port = sock.getsockname()[1]
        self.t_first = self.t_head_end = None
        self.next_send = 0.0
        self.payload, self.idx = b"", 0
        self.t_answer = self.answer = self.t_fin = None
        self.t_server_close = self.t_client_err = None
        self.seen_held = False
        self.done = False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("server", nargs="?", default="target/release/verbosel")
    ap.add_argument("flags", nargs="*")
    ap.add_argument("--slowloris", type=int, default=256)
    ap.add_argument("--slow-body", type=int, default=32)
    ap.add_argument("--slow-readers", type=int, default=16)
    ap.add_argument("--header-timeout", type=int, default=5)
    ap.add_argument("--body-timeout", type=int, default=5)
    ap.add_argument("--send-timeout", type=int, default=5,
                    help="the server's --send-timeout (its default is 30)")
    ap.add_argument("--window", type=float, default=40.0, help="seconds of attack")
    ap.add_argument("--trickle", type=float, default=1.0, help="seconds between slowloris bytes")
    ap.add_argument("--body-rate", type=int, default=3, help="slow-body bytes per second")
    ap.add_argument("--slow-body-path", default="/")
    ap.add_argument("--reader-path", default="/")
    ap.add_argument("--pipeline", type=int, default=1000)
    ap.add_argument("--after-fin", choices=["trickle", "silent"], default="trickle")
    ap.add_argument("--probe-interval", type=float, default=0.05)
    ap.add_argument("--probe-path", default="/healthz",
                    help="GET on a fresh connection (every app answers /healthz)")
    a = ap.parse_args()
    common.raise_nofile(8192)

    argv = [a.server, "--bind", "127.0.0.1", "--port", "0", "--quiet",
            "--header-timeout", str(a.header_timeout), "--body-timeout", str(a.body_timeout),
            "--send-timeout", str(a.send_timeout)] + a.flags
    srv = common.Server(argv)
    port, spid = srv.port, srv.pid
    bound = {
        "slowloris": a.header_timeout + LINGER_S + SLACK_S,
        "slow-body": a.body_timeout + LINGER_S + SLACK_S,
        "slow-reader": a.send_timeout + LINGER_S + SLACK_S,
    }
    print("slowloris.py %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    print("server: %s (pid %d, port %d)" % (" ".join(argv), spid, port))
    print("attack: %d slowloris (1 byte / %.1f s), %d slow-body (Content-Length 100000, %d B/s to %s), "
          "%d slow readers (%d pipelined GET %s, never read); window %.0f s; after the server's FIN: %s"
          % (a.slowloris, a.trickle, a.slow_body, a.body_rate, a.slow_body_path, a.slow_readers,
             a.pipeline, a.reader_path, a.window, a.after_fin))
    print("bounds (server close, measured from the client's first byte; slow body from the end of its head):")
    print("  slowloris   %.0f s = header-timeout %d + lingering close %.0f + slack %.0f"
          % (bound["slowloris"], a.header_timeout, LINGER_S, SLACK_S))
    print("  slow body   %.0f s = body-timeout %d + lingering close %.0f + slack %.0f"
          % (bound["slow-body"], a.body_timeout, LINGER_S, SLACK_S))
    print("  slow reader %.0f s = send-timeout %d + lingering close %.0f + slack %.0f"
          % (bound["slow-reader"], a.send_timeout, LINGER_S, SLACK_S))
    sys.stdout.flush()

    # Baseline probe, before any slow client.
    base = []
    for _ in range(40):
        try:
            base.append(common.get(port, a.probe_path, timeout=2.0)[2])
        except (OSError, ValueError):
            pass
        time.sleep(a.probe_interval)
    base.sort()

    sel = selectors.DefaultSelector()
    conns = []
    live = {"slowloris": 0, "slow-body": 0, "slow-reader": 0}
    want = {"slowloris": a.slowloris, "slow-body": a.slow_body, "slow-reader": a.slow_readers}
    serial = [0]

    def head_bytes(n):
        # An endless, never-finished request head: "X-Pad-N: N" fields, one byte at a time.
        out = [b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris.py\r\n"]
        for i in range(n):
            out.append(b"X-Pad-%d: %d\r\n" % (i, i))
        return b"".join(out)

    loris_payload = head_bytes(400)
    body_head = (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n" % a.slow_body_path.encode())
    body_payload = b"{" + b"\"a\":1," * 20000
    reader_req = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % a.reader_path.encode()

    def open_one(kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if kind == "slow-reader":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        c = Slow(kind, s, bound[kind], serial[0])
        serial[0] += 1
        now = time.monotonic()
        if kind == "slowloris":
            c.payload = loris_payload
            s.send(c.payload[:1])
            c.idx = 1
            c.t_first = now
            c.next_send = now + a.trickle
        elif kind == "slow-body":
            s.sendall(body_head)
            c.payload = body_payload
            c.t_first = c.t_head_end = time.monotonic()
            c.next_send = c.t_head_end + 1.0
        else:
            s.setblocking(True)
            s.sendall(reader_req * a.pipeline)
            s.setblocking(False)
            c.t_first = now
            c.next_send = float("inf")  # never sends again, never reads
        if kind != "slow-reader":
            sel.register(s, selectors.EVENT_READ, c)
        conns.append(c)
        live[kind] += 1
        return c

    def finish(c):
        if c.done:
            return
        c.done = True
        live[c.kind] -= 1
        if c.kind != "slow-reader":
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
        c.sock.close()

    stop_probe_at = None
    samples = []  # (t, held slowloris, held slow-body, held slow-reader, server children)
    t0 = time.monotonic()
    attack_end = t0 + a.window
    watch_end = attack_end + max(bound.values()) + 2.0
    opening = True
    # Open the first wave.
    for kind in ("slowloris", "slow-body", "slow-reader"):
        for _ in range(want[kind]):
            try:
                open_one(kind)
            except OSError as e:
                print("open %s failed: %r" % (kind, e))
    ramp = time.monotonic() - t0
    parent_end, child_end = multiprocessing.Pipe(False)
    probe_start = time.monotonic()
    stop_probe_at = attack_end
    probe = multiprocessing.Process(target=probe_main,
                                    args=(port, a.probe_interval, stop_probe_at, child_end, a.probe_path))
    probe.start()

    next_sample = time.monotonic()
    by_port = {}
    while True:
        now = time.monotonic()
        if now >= watch_end:
            break
        if now >= attack_end:
            opening = False
        # Who does the server still hold?
        if now >= next_sample:
            next_sample = now + 0.25
            try:
                held = common.held_ports(spid, port)
            except OSError:
                held = set()
            by_port = {c.port: c for c in conns if not c.done}
            counts = {"slowloris": 0, "slow-body": 0, "slow-reader": 0}
            for c in list(by_port.values()):
                if c.port in held:
                    c.seen_held = True
                    counts[c.kind] += 1
                elif c.t_server_close is None and (c.seen_held or now - c.t_first > 0.5):
                    c.t_server_close = now
                    finish(c)
            samples.append((now - t0, counts["slowloris"], counts["slow-body"], counts["slow-reader"],
                            len(common.child_pids(spid))))
            if opening:
                for kind in want:
                    while live[kind] < want[kind]:
                        try:
                            open_one(kind)
                        except OSError as e:
                            print("reopen %s failed: %r" % (kind, e))
                            break
        # Trickle.
        for c in conns:
            if c.done or c.kind == "slow-reader" or now < c.next_send:
                continue
            if (c.t_answer is not None or c.t_fin is not None) and a.after_fin == "silent":
                c.next_send = float("inf")
                continue
            step = 1 if c.kind == "slowloris" else a.body_rate
            chunk = c.payload[c.idx:c.idx + step]
            if not chunk:
                c.next_send = float("inf")
                continue
            try:
                c.sock.send(chunk)
                c.idx += len(chunk)
            except BlockingIOError:
                pass
            except OSError as e:
                if c.t_client_err is None:
                    c.t_client_err = now
            c.next_send = now + (a.trickle if c.kind == "slowloris" else 1.0)
        # Answers and FINs.
        timeout = max(0.0, min(next_sample, min((c.next_send for c in conns if not c.done), default=next_sample)) - time.monotonic())
        for key, _ in sel.select(min(timeout, 0.25)):
            c = key.data
            try:
                d = c.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                if c.t_client_err is None:
                    c.t_client_err = time.monotonic()
                sel.unregister(c.sock)
                continue
            if d:
                if c.t_answer is None:
                    c.t_answer = time.monotonic()
                    c.answer = d.split(b"\r\n", 1)[0].decode(errors="replace")
            else:
                if c.t_fin is None:
                    c.t_fin = time.monotonic()
                sel.unregister(c.sock)
    # Stop watching: close what is left.
    t_watch_end = time.monotonic()
    for c in conns:
        if not c.done:
            finish(c)
    lat, fails = parent_end.recv()
    probe.join()
    time.sleep(3.0)
    kids_after = common.children(spid)
    healthy_after = common.get(port, a.probe_path)[0]
    alive = srv.alive()
    srv.stop()

    # Report.
    lat.sort()
    print()
    print("ramp: %d slow connections opened in %.2f s" % (a.slowloris + a.slow_body + a.slow_readers, ramp))
    print("baseline probe (no attack, %d requests): p50 %.1f ms  p99 %.1f ms  max %.1f ms"
          % (len(base), common.percentile(base, 50) * 1e3, common.percentile(base, 99) * 1e3, base[-1] * 1e3))
    print("probe under attack (%d requests over %.0f s, GET %s on a fresh connection every %.0f ms):"
          % (len(lat) + len(fails), stop_probe_at - probe_start, a.probe_path, a.probe_interval * 1e3))
    if lat:
        print("  p50 %.1f ms  p99 %.1f ms  max %.1f ms  failures %d"
              % (common.percentile(lat, 50) * 1e3, common.percentile(lat, 99) * 1e3, lat[-1] * 1e3, len(fails)))
    for f in fails[:10]:
        print("  failure: " + f)
    during = [s for s in samples if probe_start - t0 <= s[0] <= stop_probe_at - t0]
    if during:
        print("held by the server during the probe window (sampled every 0.25 s): slowloris min %d / mean %.0f / "
              "max %d, slow-body min %d / max %d, slow readers min %d / max %d; server processes max %d"
              % (min(s[1] for s in during), sum(s[1] for s in during) / len(during), max(s[1] for s in during),
                 min(s[2] for s in during),
                 max(s[2] for s in during), min(s[3] for s in during), max(s[3] for s in during),
                 max(s[4] for s in during)))
    all_ok = True
    for kind in ("slowloris", "slow-body", "slow-reader"):
        cs = [c for c in conns if c.kind == kind]
        if not cs:
            continue
        due = [c for c in cs if c.t_first + c.bound + SLACK_S <= t_watch_end]
        cut = sorted(c.t_server_close - c.t_first for c in due if c.t_server_close is not None)
        late = [c for c in due if c.t_server_close is None or c.t_server_close - c.t_first > c.bound]
        never = [c for c in due if c.t_server_close is None]
        answers = {}
        for c in cs:
            answers[c.answer or "(no answer)"] = answers.get(c.answer or "(no answer)", 0) + 1
        ans_t = sorted(c.t_answer - c.t_first for c in cs if c.t_answer is not None)
        fin_t = sorted(c.t_fin - c.t_first for c in cs if c.t_fin is not None)
        print("%s: %d connections (%d due for a cut before the harness stopped watching)" % (kind, len(cs), len(due)))
        print("  answers: %s" % ", ".join("%s x%d" % kv for kv in sorted(answers.items())))
        if ans_t:
            print("  answer after first byte: min %.2f s, max %.2f s" % (ans_t[0], ans_t[-1]))
        if fin_t:
            print("  server FIN after first byte: min %.2f s, max %.2f s" % (fin_t[0], fin_t[-1]))
        if cut:
            print("  server close (no server process holds the socket) after first byte: min %.2f s, "
                  "p50 %.2f s, max %.2f s" % (cut[0], common.percentile(cut, 50), cut[-1]))
        print("  bound %.0f s: %d of %d due connections cut within it; %d still held when the harness "
              "stopped watching (%.0f s after the attack window)"
              % (c.bound if False else bound[kind], len(due) - len(late), len(due), len(never),
                 t_watch_end - attack_end))
        if late:
            all_ok = False
    print("after: server alive %s, %d child processes (spares), GET %s -> %d"
          % (alive, len(kids_after), a.probe_path, healthy_after))
    p99_ok = bool(lat) and common.percentile(lat, 99) < 0.1 and not fails
    print("RESULT: probe p99 < 100 ms and no probe failure: %s; every slow connection cut within its bound: %s"
          % ("PASS" if p99_ok else "FAIL", "PASS" if all_ok else "FAIL"))
    return 0 if (p99_ok and all_ok) else 1


if __name__ == "__main__":
    sys.exit(main())

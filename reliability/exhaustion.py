#!/usr/bin/env python3
"""Resource exhaustion, one scenario at a time, each on its own server started here (loopback,
bounded in time). For each: the server survives, logs the trouble once (the log lines are
counted), and serves again without a restart once the pressure is gone.

  fd       fd exhaustion of the parent, --spare 0, under `prlimit --nofile=32:32`: more
           connections than fds held open; then the parent's soft limit is lowered below what
           accept() needs (prlimit --pid) while clients keep connecting, and raised again.
  fd-spare the same in the default spare-pool mode: the parent's soft limit is lowered so that
           newly forked spares cannot accept(), while clients wait; then raised again. Run with
           --no-sandbox: a sandboxed spare sets its own RLIMIT_NOFILE (16) before accept(), so
           the parent's limit no longer reaches it; the supervisor path under test (a spare's
           accept fails, the parent logs once and backs off) is the same either way.
  nproc    processes: the server runs as an unprivileged uid (setpriv) under `prlimit --nproc=N`;
           more connections than N are held open (--spare 0 and the default spare pool).
  cpu      a child that hits its resource limit: GET /spin on examples/misbehave (an endless
           loop) until RLIMIT_CPU (60 s of CPU) kills it, while other requests are served.
           No misbehave route allocates memory (the framework has no heap), so RLIMIT_AS
           cannot be reached from a request; this is the CPU limit instead.
  backlog  a full accept backlog: --max-conns 2, both slots held by idle keep-alive
           connections, 2000 connection attempts, then the slots are released.
  hard-limit  the server started under a hard RLIMIT_NOFILE (8) below the sandbox's own (16): a
           connection process cannot enter the sandbox. Must: refuse to start with one line, or
           run and log the trouble once without a fork storm (spare pool and --spare 0).

Usage: exhaustion.py [--bin-dir target/release] [fd fd-spare nproc cpu backlog hard-limit ...]
"""

import argparse
import errno
import os
import selectors
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

RESULTS = []


def verdict(name, ok, detail):
    RESULTS.append((name, ok, detail))
    print("%s: %s - %s" % (name, "PASS" if ok else "FAIL", detail), flush=True)


def hold(port, n, timeout=5.0):
    """n connections, each after one answered keep-alive request, kept open. Returns (held
    sockets, answers by status, errors)."""
    held, statuses, errs = [], {}, []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            st, _, _, _ = common.read_response(s)
            statuses[st] = statuses.get(st, 0) + 1
            if st == 200:
                held.append(s)
            else:
                s.close()
        except (OSError, ValueError) as e:
            errs.append(repr(e))
    return held, statuses, errs


def cpu_ticks(pid):
    """utime + stime of one process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid, "rb") as f:
        rest = f.read().rsplit(b")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


# The supervisor logs "recovered" at the first success at least this long after the last
# failure (TROUBLE_QUIET_MS in crates/server/src/supervisor.rs), so that one success between two
# failures is not a recovery. The harness waits this long, plus slack, before its last request.
QUIET_S = 1.0


def settle(port, path="/healthz"):
    """Waits out the quiet period, then one more request, which lets the server log recovery."""
    time.sleep(QUIET_S + 0.5)
    try:
        return common.get(port, path, timeout=3)[0] == 200
    except (OSError, ValueError):
        return False


def healthz(port, tries=50, path="/healthz"):
    """First 200 on `path` within `tries` attempts, 100 ms apart: (ok, seconds)."""
    t0 = time.monotonic()
    for _ in range(tries):
        try:
            if common.get(port, path, timeout=2.0)[0] == 200:
                return True, time.monotonic() - t0
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    return False, time.monotonic() - t0


def show_log(srv, needles):
    lines = [l.decode(errors="replace") for l in srv.log()]
    for l in lines:
        if any(n in l for n in needles):
            print("    log: " + l)
    return lines


def prlimit_pid(pid, spec):
    """prlimit --pid as the target's own uid: the server dropped to 65534 after binding, and
    changing another user's limits needs CAP_SYS_RESOURCE, which this container lacks; a process
    may lower, and raise up to the hard limit, the soft limits of its own uid's processes."""
    uid = common.status_kb(pid, "Uid")  # first field: real uid
    gid = common.status_kb(pid, "Gid")
    subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups",
                    "prlimit", "--pid", str(pid), spec], check=True)


def scenario_fd(bins):
    print("\n== fd: parent under prlimit --nofile=32:32, --spare 0 ==")
    srv = common.Server([bins + "/verbosel", "--bind", "127.0.0.1", "--port", "0", "--quiet", "--spare", "0"],
                        wrapper=["prlimit", "--nofile=32:32"])
    try:
        base = common.fd_count(srv.pid)
        print("  parent pid %d, open fds at start: %d (limit 32)" % (srv.pid, base))
        held, st, errs = hold(srv.port, 100)
        fds = common.fd_count(srv.pid)
        print("  100 connections opened and held: answers %s, errors %d; parent fds now %d" % (st, len(errs), fds))
        part1 = len(held) == 100 and fds == base
        for s in held:
            s.close()
        # Now make accept() itself fail: the soft limit at the fds already open.
        prlimit_pid(srv.pid, "--nofile=%d:32" % base)
        print("  parent soft RLIMIT_NOFILE lowered to %d (its open fds): accept() must fail with EMFILE" % base)
        t_low = time.monotonic()
        ticks0 = cpu_ticks(srv.pid)
        waiting = []
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            waiting.append(s)
        time.sleep(3.0)
        hz = os.sysconf("SC_CLK_TCK")
        busy = (cpu_ticks(srv.pid) - ticks0) / float(hz) / (time.monotonic() - t_low)
        print("  parent CPU use while accept() fails: %.0f%% of one core (the back-off should make this ~0)"
              % (busy * 100))
        failures_logged = srv.count("accept failed")
        print("  50 connections made during 3 s at the limit; server alive: %s; 'accept failed' lines: %d"
              % (srv.alive(), failures_logged))
        prlimit_pid(srv.pid, "--nofile=32:32")
        print("  soft limit raised back to 32 (no restart)")
        answered = 0
        for s in waiting:
            try:
                s.settimeout(10)
                st, _, body, _ = common.read_response(s)
                answered += st == 200
            except (OSError, ValueError):
                pass
            s.close()
        ok_after, secs = healthz(srv.port)
        ok_after = settle(srv.port) and ok_after
        time.sleep(0.2)
        lines = show_log(srv, ["failed", "recovered"])
        n_fail = sum("accept failed" in l for l in lines)
        n_rec = sum("recovered" in l for l in lines)
        print("  the 50 queued connections answered 200 after the limit was raised: %d; new GET /healthz ok: %s"
              % (answered, ok_after))
        verdict("fd", part1 and srv.alive() and n_fail == 1 and n_rec == 1 and answered == 50 and ok_after
                and busy < 0.2,
                "100 connections held with limit 32 (parent fds stayed %d); EMFILE logged %d time(s), recovery "
                "logged %d time(s); %d/50 queued requests answered after the limit was restored; parent CPU "
                "while failing %.0f%% of a core (must be < 20%%: back-off)"
                % (base, n_fail, n_rec, answered, busy * 100) if part1 else "holding 100 connections failed: %s %s" % (st, errs[:3]))
    finally:
        srv.stop()


def scenario_fd_spare(bins):
    print("\n== fd-spare: the spare pool (default mode) when a spare's accept() fails with EMFILE ==")
    # --no-sandbox: a sandboxed spare sets RLIMIT_NOFILE to 16 for itself before it accepts, so
    # lowering the parent's limit would not reach it (see the module docstring).
    srv = common.Server([bins + "/verbosel", "--bind", "127.0.0.1", "--port", "0", "--quiet", "--no-sandbox"])
    try:
        time.sleep(0.5)
        n = common.fd_count(srv.pid)
        # A new spare holds 0-2, the listener and the pipe's write end: with the soft limit two
        # below the parent's count, the fd accept() would return is over the limit.
        prlimit_pid(srv.pid, "--nofile=%d:1024" % (n - 2))
        print("  parent fds %d; soft RLIMIT_NOFILE lowered to %d: spares forked from now on cannot accept"
              % (n, n - 2))
        # Log lines are counted from here: the first failure comes as soon as the pool is
        # topped up, while the held connections below are still being opened.
        lines0 = len(srv.log())
        forks0 = int(open("/proc/loadavg").read().split()[-1])
        # The 8 spares forked before keep the old limit: give each a connection to hold.
        held, st, _ = hold(srv.port, 8)
        t0 = time.monotonic()
        ticks0 = cpu_ticks(srv.pid)
        waiting = []
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            waiting.append(s)
        time.sleep(3.0)
        busy = (cpu_ticks(srv.pid) - ticks0) / float(os.sysconf("SC_CLK_TCK")) / (time.monotonic() - t0)
        new_lines = srv.log()[lines0:]
        forks = (int(open("/proc/loadavg").read().split()[-1]) - forks0) % int(open("/proc/sys/kernel/pid_max").read())
        print("  limit lowered, 8 connections held, then 3 s with 5 clients waiting: %d log lines, parent CPU "
              "%.0f%% of a core, server alive %s; %d processes created machine-wide meanwhile (last pid in "
              "/proc/loadavg; other work included)" % (len(new_lines), busy * 100, srv.alive(), forks))
        for l in new_lines[:3]:
            print("    log: " + l.decode(errors="replace"))
        prlimit_pid(srv.pid, "--nofile=1024:1024")
        answered = 0
        for s in waiting:
            s.settimeout(10)
            try:
                answered += common.read_response(s)[0] == 200
            except (OSError, ValueError):
                pass
            s.close()
        for h in held:
            h.close()
        ok_after, _ = healthz(srv.port)
        ok_after = settle(srv.port) and ok_after
        time.sleep(0.2)
        lines = show_log(srv, ["failed", "recovered", "exited"])
        n_fail = sum("accept failed" in l for l in lines)
        n_rec = sum("recovered" in l for l in lines)
        print("  limit restored: %d/5 waiting requests answered; GET /healthz ok: %s" % (answered, ok_after))
        verdict("fd-spare", srv.alive() and n_fail == 1 and n_rec == 1 and len(new_lines) <= 2 and busy < 0.2
                and answered == 5 and ok_after,
                "%d log lines while the limit was low (must be <= 2); EMFILE logged %d time(s), recovery %d time(s); parent CPU "
                "%.0f%% (must be < 20%%); %d/5 answered after the limit was restored"
                % (len(new_lines), n_fail, n_rec, busy * 100, answered))
    finally:
        srv.stop()


def scenario_nproc(bins, spare, uid=54321, nproc=20):
    print("\n== nproc: uid %d, prlimit --nproc=%d, --spare %d ==" % (uid, nproc, spare))
    others = subprocess.run(["pgrep", "-c", "-U", str(uid)], stdout=subprocess.PIPE, text=True).stdout.strip()
    print("  processes already running as uid %d: %s (a dedicated uid: 65534 is shared with every other "
          "server on this machine that was started as root, and RLIMIT_NPROC counts them all)" % (uid, others or "0"))
    srv = common.Server([bins + "/verbosel", "--bind", "127.0.0.1", "--port", "0", "--quiet", "--spare", str(spare)],
                        wrapper=["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
                                 "prlimit", "--nproc=%d:%d" % (nproc, nproc)])
    try:
        want = nproc + 10
        conns = []
        for _ in range(want):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            conns.append(s)
        time.sleep(3.0)
        held, refused, queued = [], {}, []
        for s in conns:
            s.settimeout(0.2)
            try:
                st, _, _, _ = common.read_response(s)
            except socket.timeout:
                queued.append(s)
                continue
            except (OSError, ValueError) as e:
                refused[repr(e)] = refused.get(repr(e), 0) + 1
                s.close()
                continue
            if st == 200:
                held.append(s)
            else:
                refused[st] = refused.get(st, 0) + 1
                s.close()
        kids = len(common.child_pids(srv.pid))
        print("  %d connections, each with a request, 3 s later: %d answered 200 and held open (idle keep-alive), "
              "turned away %s, %d waiting in the backlog; server children %d, alive %s"
              % (want, len(held), refused or "none", len(queued), kids, srv.alive()))
        alive = srv.alive()
        for s in held:
            s.close()
        served_late = 0
        for s in queued:
            s.settimeout(10)
            try:
                served_late += common.read_response(s)[0] == 200
            except (OSError, ValueError):
                pass
            s.close()
        if queued:
            print("  held connections closed: %d of the %d waiting were answered 200" % (served_late, len(queued)))
        ok_after, secs = healthz(srv.port)
        after = 0
        for _ in range(20):
            try:
                after += common.get(srv.port, "/healthz", timeout=3)[0] == 200
            except (OSError, ValueError):
                pass
        after -= not settle(srv.port)
        time.sleep(0.3)
        lines = show_log(srv, ["failed", "recovered"])
        n_fail = sum("fork failed" in l for l in lines)
        n_rec = sum("recovered" in l for l in lines)
        nrefused = sum(refused.values())
        verdict("nproc (--spare %d)" % spare,
                alive and len(held) + nrefused + served_late == want and n_fail == 1 and n_rec == 1 and after == 20,
                "%d held, %d turned away (%s), %d waited and were served after the release; fork failure logged "
                "%d time(s), recovery %d time(s); afterwards %d/20 requests answered"
                % (len(held), nrefused, refused or "-", served_late, n_fail, n_rec, after))
    finally:
        srv.stop()


def scenario_cpu(bins, limit_wall=300.0):
    print("\n== cpu: examples/misbehave GET /spin until RLIMIT_CPU (60 s of CPU) ==")
    srv = common.Server([bins + "/misbehave", "--bind", "127.0.0.1", "--port", "0", "--quiet"])
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=limit_wall)
        s.sendall(b"GET /spin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        t0 = time.monotonic()
        served, probes = 0, 0
        end_how = None
        s.settimeout(5.0)
        while time.monotonic() - t0 < limit_wall:
            try:
                d = s.recv(4096)
                end_how = "closed with %d bytes" % len(d) if d else "closed without an answer"
                break
            except socket.timeout:
                pass
            except OSError as e:
                end_how = repr(e)
                break
            probes += 1
            try:
                served += common.get(srv.port, "/ok", timeout=3)[0] == 200
            except (OSError, ValueError):
                pass
        wall = time.monotonic() - t0
        time.sleep(0.3)
        lines = show_log(srv, ["connection process", "failed"])
        killed = [l for l in lines if "killed by signal" in l]
        ok_after, _ = healthz(srv.port, path="/ok")
        print("  spinning connection ended after %.0f s wall: %s; meanwhile %d/%d GET /ok answered"
              % (wall, end_how, served, probes))
        verdict("cpu", srv.alive() and len(killed) == 1 and served == probes and ok_after,
                "the spinning child was killed after %.0f s wall (%s), logged once: %r; %d/%d other requests "
                "answered meanwhile; server serves after" % (wall, end_how, killed[:1], served, probes))
    finally:
        srv.stop()


def scenario_backlog(bins, attempts=2000, hold_secs=5.0, limit_wall=90.0):
    print("\n== backlog: --max-conns 2, both slots held, %d connection attempts ==" % attempts)
    common.raise_nofile(attempts + 200)
    srv = common.Server([bins + "/verbosel", "--bind", "127.0.0.1", "--port", "0", "--quiet", "--max-conns", "2"])
    try:
        holders, st, errs = hold(srv.port, 2)
        print("  2 idle keep-alive connections hold both slots: %s" % st)
        sel = selectors.DefaultSelector()
        req = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        state = {}
        t0 = time.monotonic()
        for i in range(attempts):
            s = socket.socket()
            s.setblocking(False)
            r = s.connect_ex(("127.0.0.1", srv.port))
            state[s] = {"buf": b"", "sent": False, "t": None, "err": None if r in (0, errno.EINPROGRESS) else r}
            if state[s]["err"] is None:
                sel.register(s, selectors.EVENT_WRITE)
        released = False
        done = {"answered": 0, "refused": 0, "reset": 0, "other": 0}
        pending = sum(1 for v in state.values() if v["err"] is None)
        first_answer = None
        while pending and time.monotonic() - t0 < limit_wall:
            if not released and time.monotonic() - t0 >= hold_secs:
                queued = int(subprocess.run(["ss", "-ltnH", "( sport = :%d )" % srv.port], stdout=subprocess.PIPE,
                                            text=True).stdout.split()[1])
                print("  after %.0f s at the limit: %d answered, accept queue holds %d (listen backlog 1024), "
                      "server alive %s; releasing the 2 slots" % (hold_secs, done["answered"], queued, srv.alive()))
                for h in holders:
                    h.close()
                released = True
                t_rel = time.monotonic()
            for key, ev in sel.select(0.2):
                s, v = key.fileobj, state[key.fileobj]
                if ev & selectors.EVENT_WRITE and not v["sent"]:
                    e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if e:
                        done["refused" if e == errno.ECONNREFUSED else "other"] += 1
                        sel.unregister(s); s.close(); pending -= 1
                        continue
                    try:
                        s.send(req)
                    except OSError:
                        done["other"] += 1
                        sel.unregister(s); s.close(); pending -= 1
                        continue
                    v["sent"] = True
                    sel.modify(s, selectors.EVENT_READ)
                    continue
                try:
                    d = s.recv(65536)
                except ConnectionResetError:
                    done["reset"] += 1
                    sel.unregister(s); s.close(); pending -= 1
                    continue
                except OSError:
                    done["other"] += 1
                    sel.unregister(s); s.close(); pending -= 1
                    continue
                if d:
                    v["buf"] += d
                    continue
                if v["buf"].startswith(b"HTTP/1.1 200"):
                    done["answered"] += 1
                    if first_answer is None:
                        first_answer = time.monotonic()
                elif v["buf"].startswith(b"HTTP/1.1 503"):
                    done["refused"] += 1
                else:
                    done["other"] += 1
                sel.unregister(s); s.close(); pending -= 1
        drain = time.monotonic() - t_rel if released else float("nan")
        for s in list(state):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        ok_after, _ = healthz(srv.port)
        kids = len(common.child_pids(srv.pid))
        lines = show_log(srv, ["failed", "recovered", "connection process"])
        print("  %d attempts: %s, %d unfinished after %.0f s; all done %.1f s after the release"
              % (attempts, done, pending, limit_wall, drain))
        verdict("backlog", srv.alive() and done["answered"] + done["refused"] == attempts and pending == 0 and ok_after,
                "%d/%d answered 200, %d refused cleanly (503/RST/ECONNREFUSED), %d other, %d unfinished; %d log "
                "lines; GET /healthz afterwards ok: %s; %d child processes after"
                % (done["answered"], attempts, done["refused"] + done["reset"], done["other"], pending,
                   len([l for l in lines if l.strip() and "listening" not in l]), ok_after, kids))
    finally:
        srv.stop()


def scenario_hard_limit(bins, nofile=8):
    for extra in ([], ["--spare", "0"]):
        print("\n== hard-limit: prlimit --nofile=%d:%d, below the sandbox's RLIMIT_NOFILE (16)%s =="
              % (nofile, nofile, ", " + " ".join(extra) if extra else ""))
        try:
            srv = common.Server([bins + "/verbosel", "--bind", "127.0.0.1", "--port", "0", "--quiet"] + extra,
                                wrapper=["prlimit", "--nofile=%d:%d" % (nofile, nofile)])
        except RuntimeError as e:
            # Refused to start: fine, if it said why in a line or two.
            msg = str(e)
            verdict("hard-limit", msg.count("\\n") <= 2, "refused to start: %s" % msg[:300])
            continue
        try:
            t0 = time.monotonic()
            ticks0 = cpu_ticks(srv.pid)
            time.sleep(3.0)
            busy = (cpu_ticks(srv.pid) - ticks0) / float(os.sysconf("SC_CLK_TCK")) / (time.monotonic() - t0)
            n3 = len(srv.log()) - 1
            try:
                st = common.get(srv.port, "/healthz", timeout=2.0)[0]
            except (OSError, ValueError) as e:
                st = repr(e)
            time.sleep(0.2)
            lines = [l.decode(errors="replace") for l in srv.log()[1:]]
            kinds = {}
            for l in lines:
                k = l.split(" process ")[0] if " process " in l else l
                kinds[k] = kinds.get(k, 0) + 1
            print("  3 s after start: %d log lines (besides 'listening'), parent CPU %.0f%%; then GET /healthz -> %s"
                  % (n3, busy * 100, st))
            print("  log lines by kind, counted when it was stopped:")
            for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])[:3]:
                print("    log x%d: %s" % (v, k))
            verdict("hard-limit%s" % (" (" + " ".join(extra) + ")" if extra else ""),
                    (not srv.alive() and n3 <= 2) or (st == 200 and n3 <= 2 and busy < 0.2),
                    "server alive %s, %d log lines in 3 s, parent CPU %.0f%%, GET /healthz -> %s (must: refuse to "
                    "start with one line, or serve with the trouble logged once)" % (srv.alive(), n3, busy * 100, st))
        finally:
            srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", default="target/release")
    ap.add_argument("scenarios", nargs="*", default=["fd", "fd-spare", "nproc", "backlog", "cpu", "hard-limit"])
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root: prlimit --pid on the server, setpriv to another uid")
        return 2
    ex = a.bin_dir if os.path.exists(a.bin_dir + "/misbehave") else a.bin_dir + "/examples"
    print("exhaustion.py %s, binaries from %s" % (time.strftime("%Y-%m-%d %H:%M:%S %Z"), a.bin_dir))
    for name in a.scenarios:
        if name == "fd":
            scenario_fd(a.bin_dir)
        elif name == "fd-spare":
            scenario_fd_spare(a.bin_dir)
        elif name == "nproc":
            scenario_nproc(a.bin_dir, 0)
            scenario_nproc(a.bin_dir, 8)
        elif name == "cpu":
            scenario_cpu(ex)
        elif name == "backlog":
            scenario_backlog(a.bin_dir)
        elif name == "hard-limit":
            scenario_hard_limit(a.bin_dir)
    print("\nsummary:")
    for name, ok, detail in RESULTS:
        print("  %-18s %s" % (name, "PASS" if ok else "FAIL"))
    return 0 if all(ok for _, ok, _ in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())

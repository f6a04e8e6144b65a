#!/usr/bin/env bash
# examples/guestbook against the same API written with actix-web and serde_json
# (bench/peers/actix-guestbook), side by side in alternating rounds: GET /api/entries of a
# 100-entry book, and POST /api/entries (each one parsed, appended under the lock and written by
# an atomic, fsynced replace). Writes bench/results/guestbook.md.
#   bench/guestbook.sh     (ROUNDS=5 GETS=20000 POSTS=500 by default; needs h2load, curl, cargo
#                           and crates.io or a cargo cache with actix-web, serde, serde_json)
# h2load sends a fixed number of requests over HTTP/1.1 keep-alive connections, so every server
# appends the same number of entries in a POST round, whatever its speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-5}
GETS=${GETS:-20000}
POSTS=${POSTS:-500}
cd "$root"
(cd examples/guestbook && CARGO_TARGET_DIR="$root/target/guestbook" cargo build --release --locked --quiet)
(cd bench/peers && cargo build --release --quiet -p actix-guestbook)
work=$(mktemp -d)
cp target/guestbook/release/guestbook "$work/verbosel-guestbook"
cp bench/peers/target/release/actix-guestbook "$work/actix-guestbook"
# The book both GET rounds read: 100 entries, as the guestbook writes them.
python3 - "$work/seed.json" <<'PY'
import json, sys
entries = [{"id": i, "name": f"guest {i}", "message": f"message number {i}, a sentence of ordinary length."} for i in range(1, 101)]
open(sys.argv[1], "w").write(json.dumps(entries, separators=(",", ":")))
PY
printf '%s' '{"name":"bench","message":"a message of ordinary length, posted by the benchmark."}' >"$work/post.json"
servers=(verbosel actix)
declare -A results
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # server dir port -> pid
	case $1 in
	verbosel) "$work/verbosel-guestbook" --bind 127.0.0.1 --port "$3" --quiet --data "$2" >/dev/null 2>&1 & ;;
	actix) "$work/actix-guestbook" "$3" "$2" >/dev/null 2>&1 & ;;
	esac
	echo $!
}
run() { # server test -> "req/s mean_latency"
	local dir port pid out
	dir=$(mktemp -d -p "$work")
	cp "$work/seed.json" "$dir/entries.json"
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$dir"
	port=$(freeport)
	pid=$(start "$1" "$dir" "$port")
	for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/entries" >/dev/null && break; sleep 0.05; done
	case $2 in
	get) out=$(h2load --h1 -n "$GETS" -c 50 "http://127.0.0.1:$port/api/entries") ;;
	post) out=$(h2load --h1 -n "$POSTS" -c 10 -d "$work/post.json" -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/entries") ;;
	esac
	local ok count
	ok=$(awk '/^status codes:/ {print $3}' <<<"$out") # 2xx: 200 for GET, 201 for POST
	count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$dir/entries.json")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	local want=$([ "$2" = get ] && echo "$GETS" || echo "$POSTS")
	local entries=$([ "$2" = get ] && echo 100 || echo $((100 + POSTS)))
	if [ "$ok" != "$want" ] || [ "$count" != "$entries" ]; then
		echo "FAIL: $1 $2: $ok of $want answered 2xx, $count entries stored (want $entries)" >&2
		echo "$out" >&2
		exit 1
	fi
	rm -rf "$dir"
	awk '/^finished in/ {rps=$4} /^time for request:/ {mean=$6} END {print int(rps), mean}' <<<"$out"
}
for r in $(seq 1 "$ROUNDS"); do
	for t in get post; do
		for s in "${servers[@]}"; do
			read -r rps mean <<<"$(run "$s" "$t")"
			results["$t|$s"]+="$rps "
			results["lat|$t|$s"]+="$mean "
			echo "round $r $t $s: $rps req/s, mean $mean" >&2
		done
	done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
median_time() { # h2load prints 1.23ms or 456us: the median, in its own unit
	tr ' ' '\n' | grep -v '^$' | awk '{v=$1; u=v; sub(/[0-9.]+/,"",u); x=v+0; if (u=="ms") x*=1000; if (u=="s") x*=1000000; print x, v}' | sort -n | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
{
	echo "# The guestbook against actix-web, $(date -u +%Y-%m-%d)"
	echo
	echo "\`bench/guestbook.sh\` (ROUNDS=$ROUNDS GETS=$GETS POSTS=$POSTS), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end, commit $(git rev-parse --short HEAD)."
	echo "verbosel: \`examples/guestbook --quiet --data DIR\` (a process per connection, sandboxed); actix-web: \`bench/peers/actix-guestbook\`"
	echo "(1 worker). Both keep the book as one JSON array in DIR/entries.json, seeded with 100 entries, and add an entry by"
	echo "reading, parsing, appending and replacing it atomically (temporary file, fsync, rename, fsync of the folder) under a lock."
	echo "h2load --h1 on the same machine: GET with 50 keep-alive connections, POST with 10; medians of alternating rounds;"
	echo "ratios are verbosel / actix-web (above 1: verbosel serves more)."
	echo
	echo "| request | verbosel (req/s) | actix-web (req/s) | verbosel / actix-web | mean latency, verbosel | mean latency, actix-web |"
	echo "|---|--:|--:|--:|--:|--:|"
	for t in get post; do
		v=$(median <<<"${results["$t|verbosel"]}")
		a=$(median <<<"${results["$t|actix"]}")
		name=$([ "$t" = get ] && echo "\`GET /api/entries\` (100 entries, 50 connections)" || echo "\`POST /api/entries\` (10 connections)")
		echo "| $name | $v | $a | $(ratio "$v" "$a") | $(median_time <<<"${results["lat|$t|verbosel"]}") | $(median_time <<<"${results["lat|$t|actix"]}") |"
	done
	echo
	echo "Rounds (req/s): $(for t in get post; do for s in "${servers[@]}"; do printf '%s %s: %s; ' "$t" "$s" "${results["$t|$s"]}"; done; done)"
} >bench/results/guestbook.md
cat bench/results/guestbook.md
rm -rf "$work"

#!/usr/bin/env bash
# Two servers side by side, alternating short wrk rounds against each, for a ratio that the full
# run's three rounds can leave in the noise of a shared machine (bench/run.sh is the full
# comparison; this is the close look at one pair).
#
#   bench/pair.sh PATH NAME_A 'COMMAND A' NAME_B 'COMMAND B'   → Markdown on stdout
#   ROUNDS=9 DURATION=4 CONNECTIONS=50 bench/pair.sh /index.html compiled-in 'target/release/verbosel' \
#       root 'target/release/verbosel --root /tmp/www'
#
# Each command is started with `--port 0 --bind 127.0.0.1 --quiet` appended; its port is read from
# the start-up line. Both stop (SIGTERM, by PID) when the script ends. Needs wrk.
set -euo pipefail
[ $# = 5 ] || { sed -n '2,12p' "$0"; exit 2; }
path=$1 name_a=$2 cmd_a=$3 name_b=$4 cmd_b=$5
ROUNDS=${ROUNDS:-9} DURATION=${DURATION:-4} CONNECTIONS=${CONNECTIONS:-50}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
start() { # NAME COMMAND: starts it in the background, its start-up line in $work/NAME.err
	# shellcheck disable=SC2086
	$2 --port 0 --bind 127.0.0.1 --quiet >/dev/null 2>"$work/$1.err" &
	pids+=($!)
	for _ in $(seq 100); do
		grep -q 'listening on' "$work/$1.err" 2>/dev/null && return
		sleep 0.05
	done
	echo "pair.sh: $1 did not start: $(cat "$work/$1.err")" >&2
	exit 1
}
port() { grep -o 'listening on [^,]*' "$work/$1.err" | grep -o '[0-9]*$'; }
start a "$cmd_a"
start b "$cmd_b"
port_a=$(port a)
port_b=$(port b)
rate() { wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$1$path" | awk '/Requests\/sec/ { print $2 }'; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$ROUNDS"); do
	echo "$r $(rate "$port_a") $(rate "$port_b")"
done >"$work/rounds"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "## $name_b against $name_a, GET $path"
echo
echo "\`bench/pair.sh\` (ROUNDS=$ROUNDS DURATION=$DURATION CONNECTIONS=$CONNECTIONS), $(date -u +%Y-%m-%d), commit $(git -C "$(dirname "$0")" rev-parse --short HEAD), $(nproc) cores, load average $load_before before, $load_after after."
echo "A: \`$cmd_a\`; B: \`$cmd_b\`. wrk -t1 -c$CONNECTIONS, keep-alive, alternating rounds."
echo
python3 - "$work/rounds" "$name_a" "$name_b" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
a = [float(r[1]) for r in rows]
b = [float(r[2]) for r in rows]
print(f"| | {sys.argv[2]} | {sys.argv[3]} | ratio |")
print("|---|--:|--:|--:|")
print(f"| median req/s | {statistics.median(a):,.0f} | {statistics.median(b):,.0f} | {statistics.median(b) / statistics.median(a):.2f}x |")
print(f"| median of the per-round ratios | | | {statistics.median(y / x for x, y in zip(a, b)):.2f}x |")
print()
print("Rounds (req/s): " + "; ".join(f"{x:,.0f} / {y:,.0f}" for x, y in zip(a, b)))
PY

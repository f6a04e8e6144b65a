#!/usr/bin/env bash
# The process-model choice, measured: fork after accept (--spare 0) against the spare pool
# (--spare 8, the default) and against --reuse 100, side by side in alternating rounds, with the
# same load generator as bench/run.sh. Writes bench/results/modes.md.
#   bench/modes.sh            (ROUNDS=3 DURATION=5 by default; needs wrk and gcc)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
cd "$root"
cargo build --release --examples --quiet
hello=$(mktemp -d)/hello
cp target/release/examples/hello "$hello"
probe=$(mktemp -d)/probe
gcc -O2 -o "$probe" bench/tools/probe.c
declare -A results
modes=("--spare 0" "--spare 8" "--reuse 100")
run() { # mode test -> req/s
	local port pid out
	port=$("$probe" freeport)
	# shellcheck disable=SC2086
	"$hello" --bind 127.0.0.1 --port "$port" --quiet $1 2>/dev/null &
	pid=$!
	sleep 0.3
	case $2 in
	close) out=$(wrk -t1 -c50 -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:$port/") ;;
	keepalive) out=$(wrk -t1 -c50 -d"${DURATION}s" "http://127.0.0.1:$port/") ;;
	esac
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk '/Requests\/sec/ {print int($2)}' <<<"$out"
}
for r in $(seq 1 "$ROUNDS"); do
	for t in close keepalive; do
		for m in "${modes[@]}"; do
			v=$(run "$m" "$t")
			results["$t|$m"]+="$v "
			echo "round $r $t [$m]: $v req/s" >&2
		done
	done
done
for m in "${modes[@]}"; do
	port=$("$probe" freeport)
	# shellcheck disable=SC2086
	results["cold|$m"]=$("$probe" coldstart "$port" 21 "$hello" --bind 127.0.0.1 --port "$port" --quiet $m 2>/dev/null | awk '/median_us/ {print $2}')
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
{
	echo "# Process models side by side, $(date -u +%Y-%m-%d)"
	echo
	echo "\`bench/modes.sh\` (ROUNDS=$ROUNDS DURATION=$DURATION), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end,"
	echo "commit $(git rev-parse --short HEAD); \`examples/hello --quiet\` with each mode, wrk -t1 -c50, medians of alternating rounds."
	echo
	echo "| mode | new connection per request (req/s) | keep-alive (req/s) | cold start (median of 21) |"
	echo "|---|--:|--:|--:|"
	for m in "${modes[@]}"; do
		echo "| \`$m\` | $(median <<<"${results["close|$m"]}") | $(median <<<"${results["keepalive|$m"]}") | ${results["cold|$m"]} µs |"
	done
	echo
	echo "Rounds: $(for m in "${modes[@]}"; do printf '%s close %s/ keep-alive %s; ' "$m" "${results["close|$m"]}" "${results["keepalive|$m"]}"; done)"
} >bench/results/modes.md
cat bench/results/modes.md

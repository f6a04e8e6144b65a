#!/bin/sh
# Debian's slowhttptest (apt install slowhttptest) against a server started here on 127.0.0.1,
# --header-timeout 5 --body-timeout 5 --send-timeout 5: slowloris (-H), slow body (-B) and slow
# read (-X), each a bounded run (-l seconds), 256 connections opened at 128/s, follow-up data
# every 2 s. Prints
# slowhttptest's status every 5 s (pending / connected / error / closed / service available),
# how its test ended, and the server's child count after it.
# The slow-read run lasts SECONDS + 15, well past the 5 s send timeout.
# Usage: reliability/slowhttptest.sh [SERVER [SECONDS [PATH [MODES [SERVER FLAGS...]]]]]
#   default: target/release/verbosel 30 / "H B X"
#   slow body against a route that takes a body:
#   reliability/slowhttptest.sh target/release/examples/api 30 /api/items B --max-body 1048576
set -eu
server=${1:-target/release/verbosel}
secs=${2:-30}
path=${3:-/}
modes=${4:-H B X}
if [ $# -gt 4 ]; then shift 4; else set --; fi
out=$(mktemp -d)
"$server" --bind 127.0.0.1 --port 0 --quiet --header-timeout 5 --body-timeout 5 --send-timeout 5 "$@" \
    2>"$out/server.err" &
spid=$!
trap 'kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; rm -rf "$out"' EXIT
port=
for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\), pid.*/\1/p' "$out/server.err")
    [ -n "$port" ] && break
    sleep 0.2
done
echo "server: $server --header-timeout 5 --body-timeout 5 --send-timeout 5 $* (pid $spid, port $port); $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
for mode in $modes; do
    len=$secs
    case $mode in
        H) extra="-H -i 2 -x 10" ;;
        B) extra="-B -i 2 -x 10 -s 100000" ;;
        X) extra="-X -k 10 -n 2 -w 1 -y 64 -z 16"; len=$((secs + 15)) ;;
        *) echo "unknown mode $mode"; exit 2 ;;
    esac
    echo
    echo "== slowhttptest -c 256 -r 128 -l $len -p 3 $extra -u http://127.0.0.1:$port$path"
    timeout $((len + 60)) slowhttptest -c 256 -r 128 -l "$len" -p 3 $extra -u "http://127.0.0.1:$port$path" \
        >"$out/run.txt" 2>&1 || true
    sed 's/\x1b\[[0-9;]*[a-zA-Z]//g' "$out/run.txt" | tr -d '\r' | awk '
        /slow HTTP test status on/ { n = $6; gsub(/[^0-9]/, "", n); keep = (n % 5 == 0); line = "  second " n; next }
        /^(pending|connected|error|closed):/ { if (keep) { gsub(/ +/, " "); line = line ", " $0 }; next }
        /^service available:/ { if (keep) { gsub(/ +/, " "); print line ", " $0 }; next }
        /Test ended|Exit status/ { print "  " $0 }'
    echo "  server children right after: $(wc -w < /proc/$spid/task/$spid/children) (8 = the spares)"
    sleep 10
    echo "  server children 10 s later: $(wc -w < /proc/$spid/task/$spid/children)"
done

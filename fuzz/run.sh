#!/usr/bin/env bash
# Run fuzz targets for a fixed time each, on one core (a single libFuzzer
# process; no -jobs, whose workers log to files), and print how many
# executions each did (from libFuzzer's final "Done N runs" line).
#
#   fuzz/run.sh [TARGET|all] [SECONDS]     (default: all 60)
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# New corpus entries land in fuzz/corpus/TARGET; crashes in fuzz/artifacts/TARGET.
set -euo pipefail
cd "$(dirname "$0")"

target="${1:-all}"
seconds="${2:-60}"
if [ "$target" = all ]; then
    targets=(parse_request chunked path_normalize router zip_archive)
else
    targets=("$target")
fi

for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="$(mktemp)"
    cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 \
        >"$log" 2>&1 || { tail -n 40 "$log"; echo "$t: FAILED"; exit 1; }
    runs="$(grep -Eo 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -Eo '[0-9]+' || echo '?')"
    echo "$t: $runs executions in ${seconds}s"
    rm -f "$log"
done

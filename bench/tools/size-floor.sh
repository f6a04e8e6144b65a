#!/usr/bin/env bash
# What `hello` would weigh without each feature that every verbosel app carries: a measurement,
# not a product build. In a scratch worktree of HEAD, the patches in bench/tools/size-floor/ are
# applied one after another (each makes one feature dead code so the linker drops it: the CLI,
# the access log, the sandbox, the spare pool, the operations features, request bodies); hello is
# rebuilt after each. Then the code left is charged to its source files.
#
#   bench/tools/size-floor.sh          → Markdown on stdout (size.sh appends it to size.md)
#
# A patch that no longer applies stops the script: regenerate it against the current code.
# Needs git, binutils (objdump) and python3. Takes a few minutes (one release build per step).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$scratch/tree" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
git -C "$root" worktree add -q --detach "$scratch/tree" HEAD
cd "$scratch/tree"

build() {
	# A patch that applies but no longer compiles must stop the script, not repeat the last size.
	if ! CARGO_TARGET_DIR="$scratch/target" cargo build --release --example hello --no-default-features -q 2>"$scratch/build.err"; then
		echo "size-floor: hello does not build with the patches so far; regenerate the last one" >&2
		cat "$scratch/build.err" >&2
		exit 1
	fi
	stat -c %s "$scratch/target/release/examples/hello"
}

echo "Measured by \`bench/tools/size-floor.sh\` on commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d)."
echo "Each row leaves out one more feature (cumulative), by the patch named in bench/tools/size-floor/:"
echo "these are experiments, not configurations verbosel offers. The first row takes out the flag"
echo "parser, the help text, the address parser and --healthcheck's client, and with them whatever"
echo "the compiler can fold once the configuration is a constant instead of read at run time."
echo
echo '| left out (cumulative) | hello, bytes | saved |'
echo '|---|--:|--:|'
prev=$(build)
echo "| nothing (hello as built) | $prev | |"
for patch in "$root"/bench/tools/size-floor/*.patch; do
	name=$(basename "$patch" .patch)
	if ! git apply "$patch"; then
		echo "size-floor: $name no longer applies to this code; regenerate it" >&2
		exit 1
	fi
	now=$(build)
	echo "| ${name#*-} | $now | $((prev - now)) |"
	prev=$now
done
echo
echo "Even the last row, with every one of those features gone, is $((prev - 16384)) bytes over 16 KiB (16,384 bytes)."
echo
echo "Where the code of that last build goes, by source file (bench/tools/bytes_by_source.py):"
echo
CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
	CARGO_TARGET_DIR="$scratch/target-lines" cargo build --release --example hello --no-default-features -q 2>/dev/null
python3 "$root/bench/tools/bytes_by_source.py" "$scratch/target-lines/release/examples/hello" 20

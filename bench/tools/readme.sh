#!/usr/bin/env bash
# Copies the tables of bench/results/latest.md into README.md between the bench markers, and
# the size table of bench/results/size.md (every binary, x86_64 and aarch64) between the sizes
# markers, so the README quotes them verbatim (tests/docs.rs checks that it does).
# Usage: bench/tools/readme.sh   (from anywhere; bench/run.sh calls it after a run)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
python3 - "$root/README.md" "$root/bench/results/latest.md" "$root/bench/results/size.md" <<'PY'
import sys
readme_path, table_path, size_path = sys.argv[1:4]
readme = open(readme_path).read()
table = open(table_path).read()
# The README has its own heading; drop the table file's title line.
body = table.split("\n", 1)[1].strip() if table.startswith("# ") else table.strip()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
a, b = readme.index(begin) + len(begin), readme.index(end)
readme = readme[:a] + "\n" + body + "\n" + readme[b:]
# The size table, markers and all.
sizes = open(size_path).read()
begin, end = "<!-- sizes:begin -->", "<!-- sizes:end -->"
block = sizes[sizes.index(begin):sizes.index(end) + len(end)]
a, b = readme.index(begin), readme.index(end) + len(end)
readme = readme[:a] + block + readme[b:]
open(readme_path, "w").write(readme)
PY

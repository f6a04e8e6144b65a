#!/usr/bin/env python3
"""Machine-code bytes of a binary by the source file they were compiled from.

    bytes_by_source.py BINARY [ROWS]   → a Markdown table on stdout

BINARY must keep its line tables (build with CARGO_PROFILE_RELEASE_DEBUG=line-tables-only and
CARGO_PROFILE_RELEASE_STRIP=false). Each instruction is charged to the innermost source line the
line table gives for it that is verbosel's own (crates/, examples/, site/): code inlined from the
parser into the connection loop counts as the parser's, and the standard library's slice and
iterator code counts for the line that used it. Unlike symbol sizes (nm), this survives LTO's
inlining. Needs objdump (binutils).
"""

import collections
import re
import subprocess
import sys

binary = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 25
listing = subprocess.run(
    ["objdump", "-d", "-l", "--inlines", "--no-show-raw-insn", binary],
    check=True, capture_output=True, text=True,
).stdout

OURS = re.compile(r"/(crates|examples|site)/")


def owner(frames):
    """The innermost frame in our own code, else the innermost at all."""
    for path in frames:
        if OURS.search(path):
            return path
    return frames[0] if frames else None


primary, chain, after_insn = None, [], True
addresses = []  # (address, source file or None)
for line in listing.splitlines():
    m = re.match(r"^inlined by (\S+\.rs):\d+", line)
    if m:
        if after_insn:  # objdump repeats the chain before each instruction
            chain, after_insn = [], False
        chain.append(m.group(1))
        continue
    m = re.match(r"^(\S+\.rs):\d+", line)
    if m:
        primary, chain, after_insn = m.group(1), [], False
        continue
    m = re.match(r"^\s+([0-9a-f]+):\s", line)
    if m:
        addresses.append((int(m.group(1), 16), owner(([primary] if primary else []) + chain)))
        after_insn = True
    elif re.match(r"^[0-9a-f]+ <.*>:$", line):
        primary, chain = None, []  # a new symbol: do not carry the last function's line into it

by_file = collections.Counter()
for (here, where), (after, _) in zip(addresses, addresses[1:]):
    size = after - here
    if size < 16:  # an instruction, not the gap between two sections
        by_file[where or "(no line information)"] += size


def short(path):
    # /…/crates/http/src/request.rs → crates/http/src/request.rs; the standard library by crate path.
    m = re.search(r"(crates|examples|site)/.*", path)
    if m:
        return m.group(0)
    m = re.search(r"library/(.*)", path)
    return m.group(1) if m else path


total = sum(by_file.values())
print("| source file | code bytes | share |")
print("|---|--:|--:|")
for path, size in by_file.most_common(rows):
    print(f"| `{short(path)}` | {size} | {100 * size / total:.1f}% |")
rest = total - sum(size for _, size in by_file.most_common(rows))
if rest:
    print(f"| everything else | {rest} | {100 * rest / total:.1f}% |")
print(f"| **all code** | **{total}** | |")

#!/usr/bin/env python3
"""Writes the ZIP and DEFLATE fixtures that crates/zip's tests read (include_bytes!).

    python3 crates/zip/testdata/make_fixtures.py      # rewrites crates/zip/testdata/*.zip, *.bin

The outputs are committed, so `cargo test` needs neither Python nor InfoZIP; this script says how
each was made and remakes them. Python's zipfile and zlib, and InfoZIP's `zip` (Debian package
`zip`) write them; dates are fixed so that a rerun gives the same bytes with the same tools.
Contents come from simple formulas that the Rust tests repeat (see `fixture_text` there).
"""
import io
import os
import shutil
import struct
import subprocess
import tempfile
import time
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATE = (2024, 5, 17, 12, 30, 4)
UNIX = 1715949004  # DATE as UTC


def text(n):
    """Pseudo-HTML: n numbered paragraphs (the Rust tests build the same bytes)."""
    head = "<!doctype html>\n<title>fixture</title>\n"
    body = "".join(
        f"<p>paragraph {i}: the quick brown fox jumps over the lazy dog</p>\n" for i in range(n)
    )
    return (head + body).encode()


def noise(n, seed):
    """Incompressible bytes from a 31-bit LCG (the Rust tests build the same bytes)."""
    out = bytearray()
    x = seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((x >> 16) & 0xFF)
    return bytes(out)


CSS = b"body{margin:0}\n" + b"".join(b".c%d{color:#%06x}\n" % (i, i * 2654435761 % 0xFFFFFF) for i in range(100))
FAKE_BINARY = b"\x7fELF" + noise(3000, 7)  # what a program looks like to the reader: bytes


def site(zf, stored_png=True):
    def add(name, data, method=zipfile.ZIP_DEFLATED):
        info = zipfile.ZipInfo(name, DATE)
        info.compress_type = method
        info.external_attr = 0o644 << 16
        zf.writestr(info, data)

    add("index.html", text(200))
    add("style.css", CSS)
    add("logo.png", noise(2048, 1), zipfile.ZIP_STORED if stored_png else zipfile.ZIP_DEFLATED)
    add("empty.txt", b"")
    folder = zipfile.ZipInfo("docs/", DATE)
    folder.external_attr = (0o40755 << 16) | 0x10
    zf.writestr(folder, b"")
    add("docs/index.html", text(20))
    add("404.html", b"<!doctype html>\n<title>Not found</title>\n<p>No such page.</p>\n")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def python_fixtures():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        site(zf)
    write("python_site.zip", buf.getvalue())
    plain = buf.getvalue()

    # Append mode on a file that is not an archive: a new archive at its end, offsets counted
    # from the start of the file.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bin")
        with open(path, "wb") as f:
            f.write(FAKE_BINARY)
        with zipfile.ZipFile(path, "a") as zf:
            site(zf)
        with open(path, "rb") as f:
            write("python_appended.bin", f.read())
        # Append mode again, on the file that now has an archive: one more file.
        with zipfile.ZipFile(path, "a") as zf:
            info = zipfile.ZipInfo("more.html", DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text(5))
        with open(path, "rb") as f:
            write("python_appended_twice.bin", f.read())

    # `cat binary site.zip`: offsets still counted from the archive's own start.
    write("python_cat.bin", FAKE_BINARY + plain)

    # Written to a stream that cannot seek: sizes and CRC follow each entry's data in a data
    # descriptor (general purpose flag bit 3).
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.out = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.out += b
            return len(b)

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w") as zf:
        for name, data in [("index.html", text(200)), ("empty.txt", b""), ("style.css", CSS)]:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as w:
                w.write(data)
    write("python_descriptor.zip", bytes(stream.out))

    # Zip64 everywhere: with the module's limits lowered, zipfile writes Zip64 extra fields in
    # the local and central headers and a Zip64 end-of-central-directory record and locator,
    # exactly as it would past 4 GiB or 65,535 entries.
    saved = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 10, 2
    try:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            site(zf)
        write("python_zip64.zip", buf.getvalue())
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved

    # force_zip64: a Zip64 extra field in the local header only.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("index.html", DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as w:
            w.write(text(200))
    write("python_force_zip64.zip", buf.getvalue())

    # An archive comment (the end record is then not the last 22 bytes), and a UTF-8 name.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("caf\u00e9.html", DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, text(3))
        zf.comment = b"made by make_fixtures.py " * 40
    write("python_comment.zip", buf.getvalue())


def infozip_fixtures():
    if shutil.which("zip") is None:
        raise SystemExit("InfoZIP `zip` is needed: apt-get install zip")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "site")
        os.mkdir(src)
        files = {"index.html": text(200), "style.css": CSS, "big.txt": text(400) * 3}
        for name, data in files.items():
            with open(os.path.join(src, name), "wb") as f:
                f.write(data)
            os.utime(os.path.join(src, name), (UNIX, UNIX))

        def run(*args, **kw):
            env = dict(os.environ, TZ="UTC")
            return subprocess.run(args, cwd=src, check=True, env=env, **kw)

        def make(out, *args):
            path = os.path.join(tmp, out)
            run("zip", "-q", "-X", *args, path, "index.html", "style.css")
            with open(path, "rb") as f:
                return f.read()

        # -X leaves out the uid/gid extra field; the extended timestamp (0x5455) stays.
        write("infozip_site.zip", make("a.zip"))
        # -fz: Zip64 records and extra fields although nothing needs them.
        write("infozip_zip64.zip", make("b.zip", "-fz"))
        # Writing to a pipe: local headers without sizes, data descriptors after the data.
        piped = run("zip", "-q", "-X", "-", "index.html", "style.css", "big.txt", stdout=subprocess.PIPE)
        write("infozip_stream.zip", piped.stdout)
        # Encryption (traditional PKWARE) and bzip2 (method 12): both refused by the reader. (The
        # encryption header is random: this one file differs on every run.)
        write("infozip_encrypted.zip", make("c.zip", "-P", "secret"))
        path = os.path.join(tmp, "d.zip")
        run("zip", "-q", "-X", "-Z", "bzip2", path, "big.txt")
        with open(path, "rb") as f:
            write("infozip_bzip2.zip", f.read())
        # `cat binary site.zip > out && zip -A out`: InfoZIP rewrites the offsets to count from
        # the start of the file.
        path = os.path.join(tmp, "e.bin")
        with open(path, "wb") as f:
            f.write(FAKE_BINARY + make("e.zip"))
        run("zip", "-q", "-A", path)
        with open(path, "rb") as f:
            write("infozip_adjusted.bin", f.read())


def zlib_streams():
    """Raw DEFLATE streams from zlib at every strategy and several levels, window sizes and flush
    patterns, each with the size and CRC-32 of what it inflates to:
    records of name length (u8), name, size (u32), CRC-32 (u32), stream length (u32), stream."""
    inputs = {
        "text": text(150),
        "noise": noise(4096, 3),
        "zeros": bytes(100_000),
        "empty": b"",
        "one": b"x",
        "mixed": text(40) + noise(3000, 5) + bytes(5000) + text(40),
    }
    settings = [
        ("level0", 0, zlib.Z_DEFAULT_STRATEGY, -15),
        ("level1", 1, zlib.Z_DEFAULT_STRATEGY, -15),
        ("level6", 6, zlib.Z_DEFAULT_STRATEGY, -15),
        ("level9", 9, zlib.Z_DEFAULT_STRATEGY, -15),
        ("filtered", 6, zlib.Z_FILTERED, -15),
        ("huffman", 6, zlib.Z_HUFFMAN_ONLY, -15),
        ("rle", 6, zlib.Z_RLE, -15),
        ("fixed", 6, zlib.Z_FIXED, -15),
        ("window512", 9, zlib.Z_DEFAULT_STRATEGY, -9),
    ]
    out = bytearray()
    for iname, data in inputs.items():
        for sname, level, strategy, wbits in settings:
            for flush in ("whole", "sync"):
                if iname in ("noise", "zeros") and sname not in ("level6", "fixed", "level0"):
                    continue  # keep the fixture small: these compress alike at every setting
                if sname == "level0" and iname in ("text", "zeros"):
                    continue  # stored blocks as big as the input: "mixed" and "noise" show them
                c = zlib.compressobj(level, zlib.DEFLATED, wbits, 9, strategy)
                if flush == "whole":
                    stream = c.compress(data) + c.flush()
                else:
                    # Sync and full flushes every 1000 bytes: empty stored blocks mid-stream, and
                    # after a full flush no reference reaches back across it.
                    stream = b""
                    for k, i in enumerate(range(0, len(data), 1000)):
                        stream += c.compress(data[i : i + 1000])
                        stream += c.flush(zlib.Z_FULL_FLUSH if k % 2 else zlib.Z_SYNC_FLUSH)
                    stream += c.flush()
                name = f"{iname}-{sname}-{flush}".encode()
                out += bytes([len(name)]) + name
                out += struct.pack("<III", len(data), zlib.crc32(data), len(stream)) + stream
    write("zlib_streams.bin", bytes(out))


if __name__ == "__main__":
    os.environ["TZ"] = "UTC"
    time.tzset()
    python_fixtures()
    infozip_fixtures()
    zlib_streams()
    for name in sorted(os.listdir(HERE)):
        if not name.endswith(".py"):
            print(f"{os.path.getsize(os.path.join(HERE, name)):>8}  {name}")

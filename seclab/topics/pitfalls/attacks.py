"""Python pitfalls: public payloads, archive building and the attack drivers that judge success.

Archives are described as plain data (so that they can sit in a JSON corpus and be built
inside whichever process runs the code under test): a list of members, each a dict with
``name`` and optionally ``type`` (``file``, ``dir``, ``symlink``, ``hardlink``, ``fifo``,
``chr``, ``blk``), ``data`` (text), ``zeros`` (that many zero bytes instead), ``mode`` and
``link``; a last member may have ``declared``, a size its header claims while only ``data``
follows (the archive is cut there: the cheap way to declare 100 MiB of content). ``{outside}`` in a name or link stands for the absolute path of a folder next
to the destination, so an absolute-name attack can aim at a place the judge watches.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import lzma
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seclab.attacks import AttackResult

_TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
          "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE}


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, read lazily (a compression bomb is built without holding it in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def _declare(archive: bytes, declared: int, kept: int) -> bytes:
    """``archive`` whose last member's header claims ``declared`` bytes, cut after ``kept`` bytes of its data."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        offset = tar.getmembers()[-1].offset
    header = bytearray(archive[offset:offset + tarfile.BLOCKSIZE])
    header[124:136] = b"%011o\0" % declared
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return archive[:offset] + bytes(header) + archive[offset + tarfile.BLOCKSIZE:offset + tarfile.BLOCKSIZE + kept]


def build_archive(path: str | os.PathLike[str], members: list[dict[str, Any]], compression: str = "",
                  outside: str = "") -> None:
    """Write a tar archive of ``members`` (see the module docstring) to ``path``."""
    if members and "declared" in members[-1]:
        plain = io.BytesIO()
        _write_members(plain, members, "", outside)
        kept = len(str(members[-1].get("data", "")).encode("utf-8"))
        data = _declare(plain.getvalue(), int(members[-1]["declared"]), kept)
        compressors = {"": lambda raw: raw, "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
        Path(path).write_bytes(compressors[compression](data))
        return
    if compression == "gz" and any("zeros" in member for member in members):
        Path(path).write_bytes(_gzip_bomb(members, outside))
        return
    with open(path, "wb") as stream:
        _write_members(stream, members, compression, outside)


_MIB = 1024 * 1024


def _gzip_bomb(members: list[dict[str, Any]], outside: str) -> bytes:
    """A .tar.gz of ``members`` built as concatenated gzip members, one per MiB of zeros reused:
    100 MiB of content in about 100 KB, without compressing 100 MiB."""
    one_mib = gzip.compress(bytes(_MIB), compresslevel=1)
    pieces = []
    for member in members:
        header = io.BytesIO()
        _write_members(header, [{**member, "zeros": 0} if "zeros" in member else member], "", outside)
        with tarfile.open(fileobj=io.BytesIO(header.getvalue())) as tar:
            first = tar.getmembers()[0]
        size = int(member.get("zeros", 0))
        if "zeros" in member:
            info = tarfile.TarInfo(first.name)
            info.mode, info.mtime, info.size = first.mode, first.mtime, size
            pieces.append(gzip.compress(info.tobuf(tarfile.GNU_FORMAT), compresslevel=1))
            pieces += [one_mib] * (size // _MIB)
            tail = size % _MIB + (-size % tarfile.BLOCKSIZE)
            pieces.append(gzip.compress(bytes(tail), compresslevel=1))
        else:
            pieces.append(gzip.compress(header.getvalue()[:first.offset_data + first.size
                                                          + (-first.size % tarfile.BLOCKSIZE)], compresslevel=1))
    pieces.append(gzip.compress(bytes(tarfile.RECORDSIZE), compresslevel=1))
    return b"".join(pieces)


def _write_members(stream: Any, members: list[dict[str, Any]], compression: str, outside: str) -> None:
    mode = f"w:{compression}" if compression else "w"
    options: dict[str, Any] = {"compresslevel": 1} if compression in ("gz", "bz2") else {}
    with tarfile.open(fileobj=stream, mode=mode, format=tarfile.GNU_FORMAT, **options) as tar:  # type: ignore[call-overload]
        for member in members:
            info = tarfile.TarInfo(str(member["name"]).replace("{outside}", outside))
            info.type = _TYPES[member.get("type", "file")]
            info.mode = int(member.get("mode", 0o755 if info.type == tarfile.DIRTYPE else 0o644))
            info.mtime = 1_700_000_000
            info.linkname = str(member.get("link", "")).replace("{outside}", outside)
            content: Any = None
            if info.type == tarfile.REGTYPE:
                if "zeros" in member:
                    info.size = int(member["zeros"])
                    content = io.BufferedReader(_Zeros(info.size))
                else:
                    data = str(member.get("data", "")).encode("utf-8")
                    info.size = len(data)
                    content = io.BytesIO(data)
            tar.addfile(info, content)


def build_many_files_archive(path: str | os.PathLike[str], count: int) -> None:
    """Write a plain tar archive of ``count`` empty files ``f00000``, ``f00001``, ... (fast: one header template)."""
    template = tarfile.TarInfo("f00000")
    template.mtime, template.mode = 1_700_000_000, 0o644
    header = bytearray(template.tobuf(tarfile.GNU_FORMAT))
    with open(path, "wb") as stream:
        for number in range(count):
            name = f"f{number:05}".encode()
            header[0:100] = name + bytes(100 - len(name))
            header[148:156] = b" " * 8
            header[148:156] = b"%06o\0 " % sum(header)
            stream.write(header)
        stream.write(bytes(tarfile.RECORDSIZE))


def archive_bytes(members: list[dict[str, Any]], compression: str = "") -> bytes:
    """The bytes of an archive of ``members``."""
    with tempfile.TemporaryDirectory(prefix="seclab-archive-") as folder:
        path = Path(folder) / "archive.tar"
        build_archive(path, members, compression)
        return path.read_bytes()


def archive_base64(members: list[dict[str, Any]], compression: str = "") -> str:
    """An archive of ``members`` as base64 text, the form the exploit challenge records."""
    return base64.b64encode(archive_bytes(members, compression)).decode("ascii")


# --- payloads --------------------------------------------------------------------------------------

ESCAPED = "escaped.txt"
#: archives that make a trusting extractor write ``escaped.txt`` next to its destination folder
ESCAPING_ARCHIVES: dict[str, list[dict[str, Any]]] = {
    "dot-dot name": [{"name": "report.txt", "data": "a harmless file\n"},
                     {"name": f"../{ESCAPED}", "data": "written outside the destination\n"}],
    "absolute name": [{"name": f"{{outside}}/{ESCAPED}", "data": "written through an absolute name\n"}],
    "symlink, then a file through it": [{"name": "innocent", "type": "symlink", "link": ".."},
                                        {"name": f"innocent/{ESCAPED}", "data": "written through a link\n"}],
}

#: the ordinary archive every extractor must handle
HONEST_ARCHIVE: list[dict[str, Any]] = [
    {"name": "docs", "type": "dir"},
    {"name": "docs/readme.txt", "data": "hello\n"},
    {"name": "./data/numbers.csv", "data": "1,2,3\n"},
]

#: usernames the lesson's checkers are asked about
TRICKY_USERNAMES: dict[str, str] = {
    "trailing newline": "alice\n",
    "Arabic-Indic digits": "bob\u0661\u0662\u0663",
    "Cyrillic a": "\u0430lice",
    "Kelvin sign": "\u212aelvin",
}


def redos_input(length: int) -> str:
    """A name that almost fits and fails at its very last character."""
    return "a" * length + "!"


# --- attack drivers --------------------------------------------------------------------------------

def escape_attack(extract: Callable[[str, str], Any], workdir: str | os.PathLike[str], name: str) -> AttackResult:
    """Extract the escaping archive ``name`` with ``extract`` in a fresh folder under ``workdir``.

    ``succeeded`` when a file appeared outside the destination folder.
    """
    base = Path(tempfile.mkdtemp(prefix="escape-", dir=workdir))
    dest, outside = base / "uploads", base / "outside"
    dest.mkdir()
    outside.mkdir()
    archive = base / "upload.tar"
    build_archive(archive, ESCAPING_ARCHIVES[name], outside=str(outside))
    try:
        extract(str(archive), str(dest))
        how = "extracted"
    except ValueError as error:
        how = f"refused: {error}"
    escaped = []
    for top, dirs, files in os.walk(base):
        dirs[:] = [name for name in dirs if Path(top, name) != dest]  # what stayed inside does not count
        escaped += [os.path.relpath(os.path.join(top, name), base) for name in files if name == ESCAPED]
    escaped.sort()
    return AttackResult(name, bool(escaped), f"{how}; outside the destination: {escaped or 'nothing'}")


def time_check(check: Callable[[str], Any], name: str) -> tuple[Any, float]:
    """``check(name)`` and the seconds it took."""
    started = time.perf_counter()
    verdict = check(name)
    return verdict, time.perf_counter() - started

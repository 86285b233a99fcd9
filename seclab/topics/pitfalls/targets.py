"""Python pitfalls: the lesson's twins, vulnerable and fixed.

* **Role checks.** ``vulnerable_require_admin`` checks with ``assert``, which ``python -O``
  removes; ``fixed_require_admin`` raises ``PermissionError`` and compares exact types.
* **Archive extraction.** ``vulnerable_extract`` trusts every member of a tar archive
  (CVE-2007-4559: ``../`` names, absolute names, links); ``fixed_extract`` checks every
  member before writing anything. ``replay_extract`` is what the exercise's grader runs
  inside its sandbox to replay a recorded archive against either twin.
* **Usernames.** ``vulnerable_username`` uses a backtracking-prone regular expression and
  ``$``; ``fixed_username`` checks the length first and uses ``fullmatch`` on ASCII classes.

``SERVABLE`` is empty: nothing in this lesson is a web app.
"""

from __future__ import annotations

import base64
import binascii
import lzma
import os
import posixpath
import re
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {}

# --- role checks --------------------------------------------------------------------------------


def vulnerable_require_admin(user: dict[str, Any]) -> None:
    """Admins only, checked with ``assert``: gone under ``python -O``."""
    assert user.get("role") == "admin", "admins only"  # the lesson's point: -O removes this  # nosec B101


def fixed_require_admin(user: dict[str, Any]) -> None:
    """Admins only: PermissionError unless the role is exactly the str ``"admin"``."""
    role = user.get("role")
    if type(role) is not str or role != "admin":
        raise PermissionError("admins only")


# --- archive extraction ------------------------------------------------------------------------

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 100 * 1024 * 1024
#: what a tar archive may be broken with, besides tarfile's own errors
_UNREADABLE = (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError)
_UNSAFE_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH


def vulnerable_extract(archive: str, dest: str) -> list[str]:
    """Extract every member of ``archive`` into ``dest``, trusting each one's name and type."""
    with tarfile.open(archive) as tar:
        names = sorted(member.name for member in tar.getmembers() if member.isfile())
        # the lesson's vulnerable twin, on purpose: every member is trusted (CVE-2007-4559)
        tar.extractall(dest, filter=tarfile.fully_trusted_filter)  # nosec B202
    return names


def _inside(root: str, path: str) -> bool:
    return os.path.commonpath([root, path]) == root


def checked_members(tar: tarfile.TarFile, root: str) -> list[tarfile.TarInfo]:
    """Every member of ``tar``, or ValueError if one of them must not be extracted into ``root``."""
    members: list[tarfile.TarInfo] = []
    total = 0
    for member in tar:
        members.append(member)
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"more than {MAX_MEMBERS} members")
        name = member.name
        if name.startswith("/") or os.path.isabs(name):
            raise ValueError(f"absolute name {name!r}")
        if ".." in name.split("/"):
            raise ValueError(f"'..' in {name!r}")
        if not (member.isfile() or member.isdir()):
            raise ValueError(f"{name!r} is not a regular file or a directory")
        if not _inside(root, os.path.realpath(os.path.join(root, name))):
            raise ValueError(f"{name!r} would land outside the destination")
        total += member.size if member.isfile() else 0
        if total > MAX_TOTAL_BYTES:
            raise ValueError(f"more than {MAX_TOTAL_BYTES} bytes of content")
    return members


def fixed_extract(archive: str, dest: str) -> list[str]:
    """Extract a tar archive into ``dest`` only if every member is safe; else ValueError, nothing written.

    Returns the extracted regular files, relative to ``dest``, normalised and sorted.
    """
    root = os.path.realpath(dest)
    try:
        with tarfile.open(archive) as tar:
            members = checked_members(tar, root)
            for member in members:  # read everything once: a broken archive fails before any write
                if member.isfile():
                    stream = tar.extractfile(member)
                    while stream is not None and stream.read(1 << 20):
                        pass
            tar.extractall(root, members=members, filter="data")
    except _UNREADABLE as error:
        raise ValueError(f"not a readable tar archive: {error}") from None
    made = {os.path.normpath(os.path.join(root, member.name)) for member in members}
    for path in set(made):  # folders tarfile made on the way count too
        while os.path.dirname(path) != root and _inside(root, os.path.dirname(path)):
            path = os.path.dirname(path)
            made.add(path)
    for path in made - {root}:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        if mode & _UNSAFE_BITS:
            os.chmod(path, mode & ~_UNSAFE_BITS)
    return sorted({posixpath.normpath(member.name) for member in members if member.isfile()})


# --- the exploit replay --------------------------------------------------------------------------

UPLOADS = "uploads"
ARCHIVE = "upload.tar"
MAX_ARCHIVE_BYTES = 1024 * 1024


class LeftTheReplayFolder(Exception):
    """A member would have been written outside the replay's own folder: stopped before it was."""


def _fence(folder: str, trusting: Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]
           ) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]:
    """A tar filter that lets ``trusting`` decide, but never writes outside ``folder`` (links resolved)."""
    root = os.path.realpath(folder)

    def fenced(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        target = os.path.join(dest, member.name)
        places = [target]
        if member.issym():
            places.append(os.path.join(os.path.dirname(target), member.linkname))
        if member.islnk():
            places.append(os.path.join(dest, member.linkname))
        if not all(_inside(root, os.path.realpath(place)) for place in places):
            raise LeftTheReplayFolder(member.name)
        return trusting(member, dest)

    return fenced


@contextmanager
def fenced_extraction(folder: str) -> Iterator[None]:
    """While active, a fully trusting tar extraction (``vulnerable_extract``) never writes outside ``folder``.

    The lesson's playground and the exploit replay run the vulnerable twin on archives
    anyone can type; the fence stops a member aimed at the rest of the machine before
    it is written (``LeftTheReplayFolder``), and lets escapes within ``folder`` happen.
    """
    trusting = tarfile.fully_trusted_filter
    tarfile.fully_trusted_filter = _fence(folder, trusting)  # type: ignore[assignment]
    try:
        yield
    finally:
        tarfile.fully_trusted_filter = trusting


def _files_outside(folder: str, dest: str) -> list[str]:
    found = []
    for top, dirs, files in os.walk(folder):
        if os.path.realpath(top) == os.path.realpath(dest):
            dirs[:] = []
            continue
        for name in files:
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path) and name != ARCHIVE:
                found.append(os.path.relpath(path, folder))
    return sorted(found)


def decode_archive(payload: str) -> bytes:
    """The bytes of a recorded archive (base64, standard or URL-safe, padding optional); ValueError else."""
    text = "".join(payload.split())
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the payload is not base64") from None
    if not raw or len(raw) > MAX_ARCHIVE_BYTES:
        raise ValueError(f"the archive must hold 1 to {MAX_ARCHIVE_BYTES} bytes")
    return raw


def replay_extract(twin: str, payload: str) -> dict[str, Any]:
    """Extract a recorded archive into ``uploads/`` of the current folder with one twin.

    The grader calls this inside its sandbox, in a fresh empty folder. Returns how the
    extraction ended and which regular files appeared outside ``uploads/`` (paths
    relative to the folder). A member that would leave the folder itself is stopped by a
    fence before it is written, and the replay says so (``fenced``).
    """
    folder = os.getcwd()
    dest = os.path.join(folder, UPLOADS)
    os.mkdir(dest)
    with open(os.path.join(folder, ARCHIVE), "wb") as stream:
        stream.write(decode_archive(payload))
    extractors = {"vulnerable": vulnerable_extract, "fixed": fixed_extract}
    extract = extractors[twin]
    result: dict[str, Any] = {"raised": None, "fenced": None}
    try:
        with fenced_extraction(folder):
            extract(os.path.join(folder, ARCHIVE), dest)
    except LeftTheReplayFolder as stopped:
        result["fenced"] = str(stopped)
    except Exception as error:  # a broken archive only ends its own replay
        result["raised"] = type(error).__name__
    result["outside"] = _files_outside(folder, dest)
    result["inside"] = sorted(os.path.relpath(os.path.join(top, name), dest)
                              for top, _dirs, files in os.walk(dest) for name in files)
    return result


# --- usernames ------------------------------------------------------------------------------------

#: nested quantifiers: on a long name with a bad last character, re tries every way to split it
VULNERABLE_USERNAME = re.compile(r"^([a-z]+_?)+[a-z0-9]*$")
FIXED_USERNAME = re.compile(r"[a-z][a-z0-9_]{2,31}")


def vulnerable_username(name: str) -> bool:
    """Letters in groups joined by underscores, then digits: backtracks exponentially, and ``$`` takes a newline."""
    return VULNERABLE_USERNAME.match(name) is not None and 3 <= len(name.rstrip("\n")) <= 32


def fixed_username(name: object) -> bool:
    """An ASCII lowercase letter, then 2-31 ASCII lowercase letters, digits or underscores; False otherwise."""
    return isinstance(name, str) and 3 <= len(name) <= 32 and FIXED_USERNAME.fullmatch(name) is not None

"""A Clean Environment: the public attacks on a requirements linter and on an artifact check.

* ``lint_evasion(checker)`` feeds requirements files that install something other than
  reviewed bytes (loose pins, URLs, VCS, editables, extra or plain-http indexes, weak or
  commented-out hashes) to a linter; it *succeeds* when the linter misses any problem
  the reference linter reports.
* ``collision_swap(verifier, folder)`` swaps a "reviewed" file for a different one with
  the same MD5, using the classic colliding blocks published by Wang and Yu (2004),
  against a lock entry written with ``md5:``; it succeeds when the verifier accepts the
  swapped file.
* ``memory_peak(verifier, folder, size)`` measures with ``tracemalloc`` how much memory a
  verifier needs to check a ``size``-byte file.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seclab.attacks import AttackResult
from seclab.topics.environment.targets import fixed_requirements_problems

_SHA = "--hash=sha256:" + "5e" * 32

#: Requirements files that each hide at least one way to install unreviewed code.
RISKY_FILES: dict[str, str] = {
    "loose pins": f"django===5.2.1 {_SHA}\nsix==1.* {_SHA}\nattrs==25.3.0,<26 {_SHA}\n",
    "weak or commented-out hashes": f"legacy==0.9 --hash=md5:{'d4' * 16}\nfancy==1.0  # {_SHA}\n",
    "direct URLs": "acme-billing @ https://files.acme.example/acme_billing-1.2.0-py3-none-any.whl\n"
                   "./dist/acme_utils-1.0.0.tar.gz\n",
    "VCS and editables": "-e git+https://github.com/acme/tool.git#egg=tool\ntool @ git+https://github.com/acme/tool\n",
    "index options": "--extra-index-url http://pypi.acme.example/simple\n--trusted-host pypi.acme.example\n"
                     f"acme-billing==1.2.0 {_SHA}\n",
}


def lint_evasion(checker: Callable[[str], Any]) -> AttackResult:
    """Succeeds when ``checker`` misses a problem (line, code) the reference linter finds in a risky file."""
    missed: list[str] = []
    total = 0
    for label, text in RISKY_FILES.items():
        wanted = {(finding["line"], finding["code"]) for finding in fixed_requirements_problems(text)}
        total += len(wanted)
        try:
            found = {(finding["line"], finding["code"]) for finding in checker(text)}
        except Exception:  # a linter that crashes has not checked the file: everything in it is missed
            found = set()
        missed += [f"{label}: line {line} {code}" for line, code in sorted(wanted - found)]
    if not missed:
        return AttackResult("the risky requirements files", False, f"found all {total} problems")
    shown = "; ".join(missed[:4]) + (" …" if len(missed) > 4 else "")
    return AttackResult("the risky requirements files", True, f"missed {len(missed)} of {total} problems: {shown}")


#: Two different 128-byte blocks with the same MD5 (Wang and Yu, "How to Break MD5 and Other Hash Functions", 2005).
MD5_COLLISION = (
    bytes.fromhex("d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f8955ad340609f4b30283e48883257141"
                  "5a085125e8f7cdc99fd91dbdf280373c5bd8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248"
                  "cda0e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70"),
    bytes.fromhex("d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f8955ad340609f4b30283e4888325f141"
                  "5a085125e8f7cdc99fd91dbd7280373c5bd8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248"
                  "cda0e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70"),
)
#: The same bytes after each block keep the MD5 equal (MD5 processes the blocks one after another).
COMMON_TAIL = b"\n# the rest of the archive is identical\n" * 16


def colliding_files(folder: Path) -> tuple[Path, Path]:
    """(the reviewed file, the swapped one): different bytes, the same MD5, different SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    reviewed, swapped = folder / "reviewed.bin", folder / "swapped.bin"
    reviewed.write_bytes(MD5_COLLISION[0] + COMMON_TAIL)
    swapped.write_bytes(MD5_COLLISION[1] + COMMON_TAIL)
    return reviewed, swapped


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def collision_swap(verifier: Callable[[str, list[str]], Any], folder: Path) -> AttackResult:
    """A lock entry ``md5:<digest of the reviewed file>``; succeeds when ``verifier`` accepts the swapped file."""
    reviewed, swapped = colliding_files(folder)
    lock_entry = f"md5:{md5_of(reviewed)}"
    try:
        verifier(str(swapped), [lock_entry])
    except ValueError as error:
        return AttackResult(lock_entry, False, f"refused: {error}")
    return AttackResult(lock_entry, True, "accepted a file whose bytes differ from the reviewed one (same MD5)")


def memory_peak(verifier: Callable[[str, list[str]], Any], folder: Path, size: int) -> int:
    """Bytes Python allocated at most while ``verifier`` checked a matching file of ``size`` bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"big-{size >> 20}MiB.whl"
    block = hashlib.sha256(b"block").digest() * 2048  # 64 KiB
    digest = hashlib.sha256()
    with path.open("wb") as file:
        for _ in range(size // len(block)):
            file.write(block)
            digest.update(block)
    tracemalloc.start()
    try:
        verifier(str(path), [f"sha256:{digest.hexdigest()}"])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        path.unlink()

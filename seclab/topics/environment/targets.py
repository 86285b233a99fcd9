"""A Clean Environment: a requirements-file linter and an artifact check, as vulnerable and fixed twins.

``fixed_requirements_problems`` and ``fixed_verify_artifact`` are the reference
solutions of exercise 11_environment. The naive twins are what a team writes first:
the linter looks for ``==`` and ``--hash`` in each physical line and knows nothing of
URLs, VCS, editables or index options; the verifier accepts any algorithm
``hashlib`` knows (MD5 included), reads the whole file into memory and compares with
``==``.

Requirements files are read the way pip reads them (``pip._internal.req.req_file``):
lines ending in ``\\`` are joined with the next one (a comment line ends the join),
then comments (``#`` at the start of a line or after whitespace) are removed and blank
lines dropped; a line's number is the number of its first physical line.

There is nothing to serve over HTTP in this lesson, so ``SERVABLE`` is empty.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {}

#: Every code ``requirements_problems`` can report, in the order the exercise explains them.
CODES = ("unpinned", "no-hash", "weak-hash", "direct-url", "vcs", "editable", "extra-index", "insecure-index",
         "trusted-host")
STRONG_HASHES = {"sha256": 64, "sha384": 96, "sha512": 128}  # pip's --hash algorithms, with their hex lengths
WEAK_HASHES = ("md5", "sha1")
VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
#: pip's archive file extensions (pip._internal.utils.filetypes.ARCHIVE_EXTENSIONS)
ARCHIVE_EXTENSIONS = (".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz",
                      ".tar.lz", ".tar.lzma")
CHUNK_BYTES = 1024 * 1024

_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's COMMENT_RE
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_NAME_AT = re.compile(r"\s*[A-Za-z0-9][A-Za-z0-9._\-]*\s*(\[[^\]]*\])?\s*@")
#: option spellings -> (canonical option, takes a value)
_OPTIONS = {
    "-e": "editable", "--editable": "editable",
    "-i": "index-url", "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links", "--find-links": "find-links",
    "--trusted-host": "trusted-host",
    "--hash": "hash",
    "-r": "requirement", "--requirement": "requirement",
    "-c": "constraint", "--constraint": "constraint",
}


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, content) of each logical line, as pip reads a requirements file.

    pip's ``join_lines`` then ``ignore_comments``: a line ending in ``\\`` continues on
    the next one unless it is itself a comment line; comments are cut off after joining;
    blank results are dropped.
    """
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.endswith("\\") or _COMMENT.match(line):
            if _COMMENT.match(line):
                line = " " + line  # a comment ends a continuation, and is cut off below
            if pending:
                pending.append(line)
                joined.append((first, "".join(pending)))
                pending = []
            else:
                joined.append((number, line))
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        joined.append((first, "".join(pending)))
    for number, line in joined:
        content = _COMMENT.sub("", line).strip()
        if content:
            yield number, content


def _split_options(content: str) -> tuple[str, list[tuple[str, str | None]]]:
    """(the requirement part, [(option, value)]): everything from the first word starting with ``-`` is options."""
    words = content.split()
    first_option = next((index for index, word in enumerate(words) if word.startswith("-")), len(words))
    requirement = " ".join(words[:first_option])
    options: list[tuple[str, str | None]] = []
    try:
        rest = shlex.split(" ".join(words[first_option:]))  # pip reads the options with shlex
    except ValueError:  # unbalanced quotes: pip would refuse the file; read the words as they are
        rest = words[first_option:]
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if not word.startswith("-"):
            continue  # a stray argument: pip ignores it too
        name, equals, value = word.partition("=")
        if name in _OPTIONS and equals:
            options.append((_OPTIONS[name], value))
        elif name in _OPTIONS:
            if index < len(rest):
                options.append((_OPTIONS[name], rest[index]))
                index += 1
            else:
                options.append((_OPTIONS[name], None))
        elif not word.startswith("--") and word[:2] in _OPTIONS and len(word) > 2:
            options.append((_OPTIONS[word[:2]], word[2:]))  # -ihttp://… : a short option with its value attached
    return requirement, options


def _location_kind(location: str) -> str | None:
    """"vcs", "direct-url" (a URL or an archive) or "path" for something that is not a project name, else None."""
    lowered = location.lower()
    if lowered.startswith(VCS_PREFIXES):
        return "vcs"
    if _URL.match(location):
        return "direct-url"
    if lowered.split("#", 1)[0].endswith(ARCHIVE_EXTENSIONS):
        return "direct-url"
    if "/" in location or "\\" in location or location.startswith("."):
        return "path"
    return None


def _is_pinned(requirement: Requirement) -> bool:
    specifiers = list(requirement.specifier)
    return (len(specifiers) == 1 and specifiers[0].operator == "=="
            and not specifiers[0].version.endswith(".*"))


def _requirement_codes(text: str) -> set[str]:
    """The codes of one requirement (without its options): unpinned, direct-url or vcs."""
    try:
        parsed: Requirement | None = Requirement(text)
    except InvalidRequirement:
        parsed = None
    if parsed is not None and parsed.url is not None:
        return {"vcs"} if parsed.url.strip().lower().startswith(VCS_PREFIXES) else {"direct-url"}
    if parsed is None and _NAME_AT.match(text):
        url = text.split("@", 1)[1].strip()
        return {"vcs"} if url.lower().startswith(VCS_PREFIXES) else {"direct-url"}
    kind = _location_kind(text.split(";", 1)[0].strip())
    if kind in ("vcs", "direct-url"):
        return {str(kind)}
    if kind == "path":
        return set()
    if parsed is None or not _is_pinned(parsed):
        return {"unpinned"}  # not pinned, or not even a requirement pip could read: never "fine"
    return set()


def fixed_requirements_problems(text: str) -> list[dict[str, Any]]:
    """Findings ``{"line", "code"}`` for a pip requirements file, sorted by (line, code); the reference solution."""
    findings: set[tuple[int, str]] = set()
    for number, content in logical_lines(text):
        requirement, options = _split_options(content)
        codes: set[str] = set()
        hashes = [value.split(":", 1)[0].lower() for option, value in options if option == "hash" and value]
        editables = [value for option, value in options if option == "editable" and value]
        for option, value in options:
            url = (value or "").lower()
            if option == "extra-index-url":
                codes.add("extra-index")
            if option == "trusted-host":
                codes.add("trusted-host")
            if option in ("index-url", "extra-index-url", "find-links") and url.startswith("http://"):
                codes.add("insecure-index")
        if any(algorithm in WEAK_HASHES for algorithm in hashes):
            codes.add("weak-hash")
        is_requirement = bool(requirement) or bool(editables)
        if requirement:
            codes |= _requirement_codes(requirement)
        elif editables:
            codes.add("editable")
            kind = _location_kind(editables[0])
            if kind in ("vcs", "direct-url"):
                codes.add(str(kind))
        if is_requirement and not any(algorithm in STRONG_HASHES for algorithm in hashes):
            codes.add("no-hash")
        findings |= {(number, code) for code in codes}
    return [{"line": number, "code": code} for number, code in sorted(findings)]


def naive_requirements_problems(text: str) -> list[dict[str, Any]]:
    """The first version a team writes: a line with ``==`` is pinned, one with ``--hash`` (or hashes on the
    continuation lines after it) is hashed; option lines are skipped."""
    lines = text.splitlines()
    findings = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        continued = number > 1 and lines[number - 2].rstrip().endswith("\\")
        if not stripped or stripped.startswith(("#", "-")) or continued:
            continue
        if "==" not in stripped:
            findings.append({"line": number, "code": "unpinned"})
        block = [stripped]
        following = number
        while block[-1].endswith("\\") and following < len(lines):
            block.append(lines[following].strip())
            following += 1
        if "--hash" not in " ".join(block):
            findings.append({"line": number, "code": "no-hash"})
    return sorted(findings, key=lambda finding: (finding["line"], finding["code"]))


def _parsed_hashes(hashes: Any) -> list[tuple[str, str]]:
    """[(algorithm, hex digest)]: ValueError for an empty list and for any entry that is not a strong pip hash."""
    if not isinstance(hashes, (list, tuple)) or not hashes:
        raise ValueError("give at least one hash, as a list of 'algorithm:hex' strings")
    parsed = []
    for entry in hashes:
        if not isinstance(entry, str):
            raise ValueError(f"not a hash string: {entry!r}")
        algorithm, colon, digest = entry.partition(":")
        if not colon or algorithm not in STRONG_HASHES:
            raise ValueError(f"only sha256, sha384 and sha512 hashes are accepted, not {entry!r}")
        if len(digest) != STRONG_HASHES[algorithm] or not re.fullmatch(r"[0-9a-f]+", digest):
            raise ValueError(f"a {algorithm} digest is {STRONG_HASHES[algorithm]} lower-case hex digits: {entry!r}")
        parsed.append((algorithm, digest))
    return parsed


def fixed_verify_artifact(path: str, hashes: list[str]) -> None:
    """Return when the file's digest matches one of ``hashes`` (pip's ``algo:hex``), else ValueError; the reference solution."""
    wanted = _parsed_hashes(hashes)
    digests = {algorithm: hashlib.new(algorithm) for algorithm, _ in wanted}
    with open(path, "rb") as artifact:
        for chunk in iter(lambda: artifact.read(CHUNK_BYTES), b""):
            for digest in digests.values():
                digest.update(chunk)
    computed = {algorithm: digest.hexdigest() for algorithm, digest in digests.items()}
    if not any([hmac.compare_digest(computed[algorithm], digest) for algorithm, digest in wanted]):
        raise ValueError(f"{Path(path).name}: no hash matches: the file is not the one that was reviewed")


def naive_verify_artifact(path: str, hashes: list[str]) -> None:
    """The first version a team writes: any algorithm hashlib knows, the whole file in memory, ``==``."""
    data = Path(path).read_bytes()
    for entry in hashes:
        algorithm, _, digest = entry.partition(":")
        if hashlib.new(algorithm, data).hexdigest() == digest:
            return
    raise ValueError("no hash matches")

"""Spec of exercise 11_environment: requirements_problems and verify_artifact.

``requirements_problems`` is called directly with the text of a requirements file; the
expected findings are what the reference solution (``targets.fixed_requirements_problems``)
returns. Corpus keys name the failure category; each entry is the text of a file.

``verify_artifact`` needs a file on disk, which cannot cross into the grading sandbox,
so its cases are scenarios: the case carries the file's contents (a str, written as
UTF-8, or ``{"hex": ...}``) and the hash list, and the scenario writes the file in a
fresh temporary folder of whichever process runs the learner's code. In the hash list
``{sha256}`` (any hashlib algorithm name in braces) stands for the file's real digest
and ``{other:sha256}`` for the digest of different bytes (``{upper:sha256}``: the real one in upper case), so the corpus stays readable.
Two more scenarios count the calls of ``hmac.compare_digest`` and measure, with
``tracemalloc``, how much memory the check of a large file takes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import tracemalloc
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Expectation, Part, compare_digest_calls, raises, returns_exactly, satisfies
from seclab.topics.environment.targets import STRONG_HASHES, fixed_requirements_problems

PARTS = {
    part.name: part
    for part in [
        Part("requirements_problems.works", "requirements_problems",
             "requirements_problems reports unpinned and unhashed requirements, reading the file as pip does"),
        Part("requirements_problems.attack", "requirements_problems",
             "requirements_problems sees loose pins, weak hashes, URLs, VCS, editables and risky index options"),
        Part("verify_artifact.works", "verify_artifact",
             "verify_artifact accepts the reviewed file and refuses different bytes"),
        Part("verify_artifact.attack", "verify_artifact",
             "verify_artifact refuses weak, unknown and malformed hashes, compares in constant time and reads in "
             "chunks"),
    ]
}

HINTS = {
    "clean": "A file where every requirement is `name==version` with a `--hash=sha256:…` (or sha384/sha512) has "
             "no findings: return []. Comments, blank lines and -r/-c lines never produce a finding.",
    "unpinned": "A named requirement without exactly one `==` to a full version is 'unpinned' (`flask`, "
                "`requests>=2.31`, `Django ~= 5.0`); `Django == 5.0.3` with spaces is pinned. Parse it with "
                "packaging.requirements.Requirement and look at list(req.specifier).",
    "no-hash": "Every requirement (named, URL, VCS, path or editable) without a `--hash` of sha256, sha384 or "
               "sha512 gets 'no-hash'. The hashes usually sit on continuation lines after a `\\`.",
    "file-format": "Read the file as pip does: join a line ending in `\\` with the next (unless the line is a "
                   "comment), then cut comments (`#` at the start or after whitespace), skip blank lines; the line "
                   "number is the first physical line of the joined line. Sort by (line, code), each code once per "
                   "line.",
    "loose-pin": "'==' in the text is not a pin: `===1.0` (arbitrary equality), `==1.*` (a wildcard) and "
                 "`==1.0,<2` (two specifiers) are all 'unpinned'. Exactly one specifier, operator '==', version "
                 "not ending in '.*'.",
    "weak-hash": "A `--hash` whose algorithm is md5 or sha1 is 'weak-hash'; if the line has no sha256/384/512 hash "
                 "besides, it is also 'no-hash'. Cut comments first: a `--hash` inside a comment does not count.",
    "direct-url": "`name @ https://…`, a bare URL (`https://…/pkg.whl`, `file:///…`) and a path to an archive "
                  "(`./dist/pkg-1.0.tar.gz`, `pkg-1.0-py3-none-any.whl`: .whl .zip .tar.gz .tgz .tar .tar.bz2 "
                  ".tbz .tar.xz .txz .tlz .tar.lz .tar.lzma) are 'direct-url', and never 'unpinned'.",
    "vcs": "A requirement starting with git+, hg+, svn+ or bzr+ (in any case), also after `name @`, is 'vcs' "
           "(not 'direct-url', not 'unpinned').",
    "editable": "`-e X` / `--editable X` / `--editable=X` is 'editable' (and 'no-hash', and 'vcs' when X is a VCS "
                "URL); it is never 'unpinned'.",
    "index-options": "`--extra-index-url` is 'extra-index' (whatever its URL); `-i`/`--index-url`/"
                     "`--extra-index-url`/`-f`/`--find-links` with an http:// URL (scheme in any case) is "
                     "'insecure-index'; `--trusted-host` is 'trusted-host'. Accept `--opt value`, `--opt=value` "
                     "and `-ivalue`; one line may hold several options.",
    "match": "Return None when the file's digest equals one of the entries: hash the file with the entry's "
             "algorithm (hashlib.new(algorithm)) and compare the hexdigest (lower case) with the entry's hex part.",
    "mismatch": "When no entry matches the file's bytes, raise ValueError.",
    "empty": "An empty list of hashes must raise ValueError: nothing to compare with is not a pass.",
    "weak-algorithm": "md5 and sha1 entries raise ValueError, even when they match, and even when another entry "
                      "matches: anyone can make a second file with the same MD5 or SHA-1.",
    "unknown-algorithm": "Only exactly 'sha256', 'sha384' and 'sha512' (lower case, as pip writes them) are allowed; "
                         "sha224, blake2b, sha3_256, 'SHA256' and the like raise ValueError.",
    "malformed": "Each entry is a str 'algorithm:hex' with exactly 64/96/128 lower-case hex digits for "
                 "sha256/384/512 (re.fullmatch('[0-9a-f]+', hex)); anything else (no colon, wrong length, spaces, "
                 "upper case, not a str) raises ValueError, even when another entry matches. Check every entry "
                 "before you look at the file.",
    "timing": "Compare the digests with hmac.compare_digest(computed, expected), not with ==.",
    "memory": "Read the file in chunks (for example 64 KiB or 1 MiB at a time, or hashlib.file_digest) and feed "
              "each chunk to the hash objects: a whole-file read() needs as much memory as the file is big.",
}

REQUIREMENTS_KEYS = {
    "clean": "requirements_problems.works", "unpinned": "requirements_problems.works",
    "no_hash": "requirements_problems.works", "file_format": "requirements_problems.works",
    "loose_pin": "requirements_problems.attack", "weak_hash": "requirements_problems.attack",
    "direct_url": "requirements_problems.attack", "vcs": "requirements_problems.attack",
    "editable": "requirements_problems.attack", "index_options": "requirements_problems.attack",
}
ARTIFACT_KEYS = {
    "match": "verify_artifact.works", "mismatch": "verify_artifact.works",
    "empty": "verify_artifact.attack", "weak_algorithm": "verify_artifact.attack",
    "unknown_algorithm": "verify_artifact.attack", "malformed": "verify_artifact.attack",
}
#: tracemalloc's peak while the large file is checked, and how much more than for the small file, at most
MEMORY_PEAK_BYTES = 16 * 1024 * 1024
MEMORY_GROWTH_BYTES = 4 * 1024 * 1024
SMALL_FILE_BYTES = 1024 * 1024
LARGE_FILE_BYTES = 12 * 1024 * 1024  # the grading sandbox allows files of up to 16 MiB


# --- files for verify_artifact, made wherever the learner's code runs --------------------------

class PreparationFailed(RuntimeError):
    """The grader's own preparation of a case failed (never the learner's fault, never a ValueError)."""


def content_bytes(content: Any) -> bytes:
    """A corpus file's bytes: a str as UTF-8, or ``{"hex": ...}``."""
    if isinstance(content, dict):
        return bytes.fromhex(str(content["hex"]))
    return str(content).encode("utf-8")


_PLACEHOLDER = re.compile(r"\{(other:|upper:)?([a-z0-9_]+)\}")


def resolved_hashes(data: bytes, templates: Any) -> Any:
    """``templates`` with ``{algo}`` replaced by the digest of ``data`` and ``{other:algo}`` by that of other bytes."""
    if not isinstance(templates, list):
        return templates

    def fill(match: re.Match[str]) -> str:
        source = data + b"\x00 not the reviewed file" if match.group(1) == "other:" else data
        digest = hashlib.new(match.group(2), source).hexdigest()
        return digest.upper() if match.group(1) == "upper:" else digest

    return [_PLACEHOLDER.sub(fill, entry) if isinstance(entry, str) else entry for entry in templates]


def _with_file(data: bytes, use: Callable[[str], Any]) -> Any:
    folder = tempfile.mkdtemp(prefix="seclab-artifact-")
    try:
        path = os.path.join(folder, "package-1.0-py3-none-any.whl")
        try:
            with open(path, "wb") as artifact:
                artifact.write(data)
        except OSError as error:
            raise PreparationFailed(f"cannot write the test file: {error}") from error
        return use(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _artifact(namespace: dict[str, Any], content: Any, templates: Any) -> Any:
    try:
        data = content_bytes(content)
        hashes = resolved_hashes(data, templates)
    except Exception as error:
        raise PreparationFailed(f"{type(error).__name__}: {error}") from error
    return _with_file(data, lambda path: namespace["verify_artifact"](path, hashes))


def _compare_digest_calls(namespace: dict[str, Any], content: Any, algorithm: str) -> dict[str, Any]:
    """Count the calls of hmac.compare_digest (under any name it has anywhere) while a matching file is checked."""
    data = content_bytes(content)
    hashes = [f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"]
    calls = compare_digest_calls(namespace, "verify_artifact",
                                 lambda: _with_file(data, lambda path: namespace["verify_artifact"](path, hashes)))
    return {"compare_digest_calls": calls}


def _pattern(size: int) -> bytes:
    """``size`` bytes that do not compress to nothing (a SHA-256 counter stream, cut to size)."""
    block = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(2048))  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def _peak_bytes(namespace: dict[str, Any], size: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="seclab-artifact-")
    try:
        path = os.path.join(folder, "big-1.0-py3-none-any.whl")
        digest = hashlib.sha256()
        try:
            with open(path, "wb") as artifact:
                chunk = _pattern(64 * 1024)
                for _ in range(size // len(chunk)):
                    artifact.write(chunk)
                    digest.update(chunk)
        except OSError as error:
            raise PreparationFailed(f"cannot write the test file: {error}") from error
        hashes = [f"sha256:{digest.hexdigest()}"]
        tracemalloc.start()
        try:
            namespace["verify_artifact"](path, hashes)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return {"peak": peak}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _memory(namespace: dict[str, Any], small: int, large: int) -> dict[str, Any]:
    """tracemalloc's peak while verify_artifact checks a ``small`` and a ``large`` file (both must match)."""
    return {"small": _peak_bytes(namespace, small)["peak"], "large": _peak_bytes(namespace, large)["peak"]}


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {"file": _artifact, "compare_digest": _compare_digest_calls,
                                           "memory": _memory}


# --- expected outcomes ------------------------------------------------------------------------

def expected_artifact(content: Any, templates: Any) -> Expectation:
    """Return None or raise ValueError, as the reference solution does with these bytes and hashes."""
    data = content_bytes(content)
    hashes = resolved_hashes(data, templates)
    if not isinstance(hashes, list) or not hashes:
        return raises("ValueError")
    for entry in hashes:
        algorithm, colon, digest = entry.partition(":") if isinstance(entry, str) else ("", "", "")
        if (not colon or algorithm not in STRONG_HASHES or len(digest) != STRONG_HASHES[algorithm]
                or not re.fullmatch(r"[0-9a-f]+", digest)):
            return raises("ValueError")
    if any(hashlib.new(entry.split(":")[0], data).hexdigest() == entry.split(":")[1] for entry in hashes):
        return Expectation(lambda outcome: "value" in outcome and outcome["value"] is None, "return None")
    return raises("ValueError")


_COMPARES = satisfies(lambda probe: probe["compare_digest_calls"] >= 1,
                      "the digests compared with hmac.compare_digest")
_CHUNKED = satisfies(lambda probe: probe["large"] < MEMORY_PEAK_BYTES
                     and probe["large"] - probe["small"] < MEMORY_GROWTH_BYTES,
                     f"return None for a {LARGE_FILE_BYTES >> 20} MiB file with less than {MEMORY_PEAK_BYTES >> 20} "
                     f"MiB of Python memory, growing by less than {MEMORY_GROWTH_BYTES >> 20} MiB over a "
                     f"{SMALL_FILE_BYTES >> 20} MiB file",
                     lambda outcome: (f"used {outcome['value']['large'] / 2**20:.1f} MiB for the large file and "
                                      f"{outcome['value']['small'] / 2**20:.1f} MiB for the small one"
                                      if "value" in outcome else str(outcome.get("raised", outcome))))


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for key, part in REQUIREMENTS_KEYS.items():
        category = "index-options" if key == "index_options" else key.replace("_", "-")
        for text in corpus.get(key, []):
            found.append(Case(part, category, "requirements_problems", (text,),
                              returns_exactly(fixed_requirements_problems(text)), public=public))
    for key, part in ARTIFACT_KEYS.items():
        for content, templates in corpus.get(key, []):
            found.append(Case(part, key.replace("_", "-"), "verify_artifact", (content, templates),
                              expected_artifact(content, templates), public=public, scenario="file"))
    for content, algorithm in corpus.get("timing", []):
        found.append(Case("verify_artifact.attack", "timing", "verify_artifact", (content, algorithm), _COMPARES,
                          public=public, scenario="compare_digest"))
    for small, large in corpus.get("memory", []):
        found.append(Case("verify_artifact.attack", "memory", "verify_artifact", (small, large), _CHUNKED,
                          public=public, scenario="memory"))
    return found


_LOCKED = """\
# This file was autogenerated by uv via the following command:
#    uv pip compile --generate-hashes requirements.in
django==5.2.1 \\
    --hash=sha256:57fe1f1b59462caed092c80b3dd324fd92161b620d59a9ba9181c34746c97284 \\
    --hash=sha256:a9b680e84f9a0e71da83e399f1e922e1ab37b2173ced046b541c72e1589f8f0f
    # via -r requirements.in
sqlparse==0.5.3 \\
    --hash=sha256:09f67787f56a0b16ecdbde1bfc7f5d9c3371ca683cfeaa8e6ff60b4807ec9272
    # via django
"""


def public_corpus() -> dict[str, list[Any]]:
    sha = "--hash=sha256:" + "ab" * 32
    return {
        "clean": [
            _LOCKED,
            "",
            f"# only comments\n\n   # and blank lines\n-r base.txt\n-c constraints.txt\nflask==3.1.1 {sha}\n",
            f"Django == 5.0.3 {sha}\nrequests[socks]==2.32.4 --hash sha512:{'0f' * 64}\n",
            f"pyyaml==6.0.2 ; python_version >= '3.8' {sha}\n--require-hashes\n--index-url https://pypi.org/simple\n",
        ],
        "unpinned": [
            "flask\n",
            f"requests>=2.31 {sha}\nDjango~=5.0 {sha}\nidna!=3.6 {sha}\nattrs<24 {sha}\n",
            f"pyyaml\nsix==1.16.0 {sha}\n",
        ],
        "no_hash": [
            "flask==3.1.1\n",
            f"django==5.2.1 \\\n    {sha}\nsqlparse==0.5.3\nasgiref==3.8.1\n",
        ],
        "file_format": [
            f"# comment\n\nflask==3.1.1 \\\n   {sha}\n\n\nrequests  # pinned later\n",
            f"six==1.16.0 \\\n    # a comment line ends the continuation\n    {sha}\nidna==3.10 {sha}\n",
            "a==1.0 \\\n  \\\n  --hash=sha256:" + "cd" * 32 + "\nb\n",
        ],
        "loose_pin": [
            f"idna===3.7 {sha}\n",
            f"six==1.* {sha}\n",
            f"attrs==23.1.0,<24 {sha}\n",
        ],
        "weak_hash": [
            "old-lib==1.0 --hash=md5:" + "0" * 32 + "\n",
            f"mixed==1.0 --hash=sha1:{'1' * 40} {sha}\n",
            f"fancy==1.0  # {sha}\n",
        ],
        "direct_url": [
            "acme @ https://files.acme.example/acme-1.0.tar.gz\n",
            f"https://files.acme.example/acme-1.0-py3-none-any.whl {sha}\n",
            "./dist/acme-1.0.tar.gz\n",
        ],
        "vcs": [
            "git+https://github.com/acme/tool.git@v1.0#egg=tool\n",
            "tool @ git+https://github.com/acme/tool@1f2e3d4\n",
        ],
        "editable": [
            "-e .\n",
            "--editable git+https://github.com/acme/tool.git#egg=tool\n",
        ],
        "index_options": [
            "--extra-index-url https://pypi.acme.example/simple\nacme-billing==1.2.0\n",
            "--index-url http://mirror.acme.example/simple\n--trusted-host mirror.acme.example\n",
            "-f http://wheels.acme.example/\n",
        ],
        "match": [
            ["the reviewed wheel", ["sha256:{sha256}"]],
            ["the reviewed wheel", ["sha384:{sha384}"]],
            [{"hex": "00ff10"}, ["sha256:{other:sha256}", "sha512:{sha512}"]],
        ],
        "mismatch": [
            ["the swapped wheel", ["sha256:{other:sha256}"]],
            ["the swapped wheel", ["sha256:{other:sha256}", "sha512:{other:sha512}"]],
        ],
        "empty": [["the reviewed wheel", []]],
        "weak_algorithm": [
            ["the reviewed wheel", ["md5:{md5}"]],
            ["the reviewed wheel", ["sha256:{sha256}", "sha1:{sha1}"]],
        ],
        "unknown_algorithm": [
            ["the reviewed wheel", ["sha224:{sha224}"]],
            ["the reviewed wheel", ["SHA256:{sha256}"]],
        ],
        "malformed": [
            ["the reviewed wheel", ["sha256{sha256}"]],
            ["the reviewed wheel", ["sha256:{sha256}", "sha256:abc"]],
            ["the reviewed wheel", ["sha256: {sha256}"]],
            ["the reviewed wheel", ["sha256:{upper:sha256}"]],
        ],
        "timing": [["the reviewed wheel", "sha256"]],
        "memory": [[SMALL_FILE_BYTES, LARGE_FILE_BYTES]],
    }

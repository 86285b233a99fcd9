"""Spec of exercise 12_pitfalls: require_admin, safe_extract, parse_config, valid_username and the tar exploit.

The grading sandbox runs this exercise under ``python -O`` (``INTERPRETER_OPTIONS``), so an
``assert`` in ``require_admin`` is gone there, as it would be in production. ``check()``
runs in the learner's kernel, where asserts still run; its ``optimized`` scenario
therefore recompiles ``require_admin`` from its source with asserts removed (what ``-O``
does) before calling it.

Archives, users with unusual role objects, hostile YAML and timed usernames cannot cross
the sandbox as JSON, so those cases are scenarios that build their inputs from plain
data wherever the learner's code runs.
"""

from __future__ import annotations

import inspect
import math
import os
import posixpath
import shutil
import signal
import stat
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seclab.spec import Case, Expectation, Part, in_empty_folder, raises, returns_exactly, satisfies
from seclab.topics.pitfalls import attacks

EXERCISE = "12_pitfalls"
#: the grading sandbox runs under -O: assert statements are removed, as in an optimised deployment
INTERPRETER_OPTIONS = ("-O",)

PARTS = {
    part.name: part
    for part in [
        Part("require_admin.works", "require_admin", "require_admin lets admins through and stops everyone else"),
        Part("require_admin.attack", "require_admin",
             "require_admin holds under python -O and against look-alike and non-str roles"),
        Part("safe_extract.works", "safe_extract", "safe_extract extracts honest archives and lists their files"),
        Part("safe_extract.attack", "safe_extract",
             "safe_extract refuses escaping, linking, special and oversized archives, writing nothing"),
        Part("parse_config.works", "parse_config", "parse_config returns what yaml.safe_load reads from a mapping"),
        Part("parse_config.attack", "parse_config",
             "parse_config refuses other documents, Python tags and YAML errors with ValueError, running nothing"),
        Part("valid_username.works", "valid_username", "valid_username accepts good names and rejects plain bad ones"),
        Part("valid_username.attack", "valid_username",
             "valid_username rejects newline, Unicode and non-str tricks, never raises, answers in linear time"),
    ]
}

HINTS = {
    "admin": "A user whose role is exactly the str 'admin' passes: return None (no exception).",
    "not-admin": "Everyone else gets PermissionError: raise PermissionError(...) yourself, in an if statement.",
    "assert-vanishes": "python -O removes assert statements, so an assert-based check lets everyone in. "
                       "Use `if ...: raise PermissionError(...)`.",
    "lookalike-role": "Compare exactly: role == 'admin' with no .lower(), .strip() or normalisation; "
                      "'Admin', ' admin', 'admin\\n' and look-alike letters are other roles.",
    "wrong-type": "Check the type first: type(role) is str. A list, bytes, a str subclass or an object whose __eq__ "
                  "always says True must not pass, and nothing may raise anything but PermissionError.",
    "other-keys": "Only the key 'role' counts: is_admin, roles or admin keys give no rights.",
    "honest-archive": "Extract regular files and folders into dest and return the files' paths relative to dest: "
                      "posixpath.normpath(member.name) (so './a' is 'a'), no folders, sorted. "
                      "tarfile.open(archive) detects gz, bz2 and xz itself.",
    "symlinked-dest": "dest itself may be a symlink: compare against os.path.realpath(dest), and resolve each "
                      "target with os.path.realpath too, or every member looks outside.",
    "modes": "Clear setuid, setgid and world-writable bits: filter='data' does it for files; chmod folders "
             "yourself (mode & ~(stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH)).",
    "absolute-name": "Refuse members whose name starts with '/', before anything is extracted.",
    "dot-dot": "Refuse any member with a '..' component in its name ('a/../b' too), before anything is extracted.",
    "outside-dest": "Resolve os.path.realpath(os.path.join(realpath(dest), name)) for every member; a symlink "
                    "already inside dest can lead outside. Compare with os.path.commonpath, not str.startswith "
                    "('/srv/up' is a prefix of '/srv/up-evil').",
    "link-or-special": "Only member.isfile() and member.isdir() may pass: refuse symlinks, hard links, devices and "
                       "FIFOs (the whole archive).",
    "too-many-members": "Count members while reading and refuse more than 10,000 before extracting.",
    "too-large": "Add up member.size of the regular files and refuse more than 100 MiB (100 * 1024 * 1024 bytes) "
                 "before extracting: a small compressed file can hold gigabytes of zeros.",
    "all-or-nothing": "Check every member first and only then extract: a refused archive must leave dest untouched.",
    "unreadable": "tarfile raises tarfile.ReadError (not a ValueError) for files that are no tar archive, and "
                  "gzip/lzma/EOF errors for broken ones: catch them and raise ValueError.",
    "mapping": "Return yaml.safe_load(text) when it is a dict whose keys are all str.",
    "not-a-mapping": "The top level must be a dict with str keys: a list, a scalar, an empty document (None) or "
                     "a key like 1, true or null is a ValueError.",
    "python-tag": "Use yaml.safe_load, never yaml.load with Loader/UnsafeLoader/FullLoader: !!python/... tags "
                  "(also spelled through %TAG) must never run. safe_load raises yaml.YAMLError: turn it into "
                  "ValueError.",
    "yaml-error": "yaml.YAMLError (syntax errors, unknown tags, several documents) is not a ValueError: catch it "
                  "and raise ValueError.",
    "good-name": "3 to 32 characters: one ASCII lowercase letter, then ASCII lowercase letters, digits or '_'.",
    "bad-name": "Too short, too long, an uppercase letter, a leading digit or underscore, a space: all False.",
    "trailing-newline": "re.match(r'^...$') accepts a trailing '\\n' because $ matches before it: use re.fullmatch "
                        "(or \\Z).",
    "unicode": "\\d, \\w and str.isdigit()/isalnum() accept non-ASCII digits and letters, and re.IGNORECASE maps "
               "the Kelvin sign to k: write the classes out, [a-z0-9_], without IGNORECASE.",
    "not-a-str": "Return False for anything that is not a str (None, numbers, bytes, lists), without raising.",
    "redos": "Check len(name) first and avoid nested quantifiers like ([a-z]+_?)+: a 100,000-character name must "
             "be answered within 50 ms.",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


class PreparationFailed(RuntimeError):
    """The grader's own preparation of a case failed (a corpus or spec bug, never the learner's)."""


# --- require_admin ----------------------------------------------------------------------------------

class _AlwaysEqual(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


class _Role(str):
    """A str subclass: equal to 'admin', but not a str."""


def _role_object(kind: str, text: str) -> Any:
    makers: dict[str, Callable[[], Any]] = {
        "bytes": lambda: text.encode(), "bytearray": lambda: bytearray(text.encode()),
        "str-subclass": lambda: _Role(text), "always-equal": lambda: _AlwaysEqual(text),
        "tuple": lambda: (text,), "set": lambda: {text},
    }
    return makers[kind]()


def _odd_role(namespace: dict[str, Any], kind: str, text: str) -> Any:
    user = {"name": "mallory", "role": _role_object(kind, text)}
    return namespace["require_admin"](user)


def _optimized(namespace: dict[str, Any], user: dict[str, Any]) -> Any:
    """Call require_admin as python -O would run it: already so in the sandbox, recompiled in a kernel."""
    function = namespace["require_admin"]
    if not sys_optimized():
        function = _without_asserts(function)
    return function(user)


def sys_optimized() -> bool:
    import sys

    return bool(sys.flags.optimize)


def _without_asserts(function: Any) -> Any:
    """``function`` compiled again from its source with assert statements removed; itself if that fails."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
        code = compile(source, f"<{function.__name__} under -O>", "exec", optimize=1)
        scope = dict(function.__globals__)
        exec(code, scope)  # the learner's own function, recompiled as python -O would  # nosec B102
        return scope[function.__name__]
    except Exception:  # no source (built in a string, a lambda): judge it as it is
        return function


# --- safe_extract ---------------------------------------------------------------------------------

def _listing(folder: Path) -> list[str]:
    found = []
    for top, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            path = Path(top) / name
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
            found.append(f"{path.relative_to(folder).as_posix()}:{kind}")
    return sorted(found)


def _extract(namespace: dict[str, Any], archive: dict[str, Any]) -> dict[str, Any]:
    """Build ``archive`` in a fresh folder, call safe_extract(archive, dest) and report what happened.

    ``archive`` holds ``members`` (or ``raw_hex``, bytes that are no archive, or ``many``,
    that many empty files), ``compression``, ``truncate`` (keep only that many bytes),
    ``dest_symlink`` (dest is a symlink to the real folder) and ``prepare`` (entries made
    in dest before the call: ``{"name", "link"}`` symlinks or ``{"name"}`` folders).
    """
    base = Path(tempfile.mkdtemp(prefix="seclab-extract-"))
    previous_umask = os.umask(0o022)
    try:
        real, outside = base / "uploads", base / "outside"
        real.mkdir()
        outside.mkdir()
        (base / "uploads-evil").mkdir()
        dest = real
        if archive.get("dest_symlink"):
            dest = base / "dest-link"
            dest.symlink_to(real)
        path = base / "upload.tar"
        try:
            if "raw_hex" in archive:
                path.write_bytes(bytes.fromhex(archive["raw_hex"]))
            elif "many" in archive:
                attacks.build_many_files_archive(path, int(archive["many"]))
            else:
                attacks.build_archive(path, archive["members"], archive.get("compression", ""), outside=str(outside))
                if "truncate" in archive:
                    path.write_bytes(path.read_bytes()[: int(archive["truncate"])])
            for entry in archive.get("prepare", []):
                if "link" in entry:
                    (real / entry["name"]).symlink_to(str(entry["link"]).replace("{outside}", str(outside)))
                else:
                    (real / entry["name"]).mkdir()
        except Exception as error:
            raise PreparationFailed(f"{type(error).__name__}: {error}") from error
        before = _listing(real)
        report: dict[str, Any] = {}  # the facts feedback shows first come first
        try:
            report["value"] = namespace["safe_extract"](str(path), str(dest))
        except Exception as error:  # the learner's code may raise anything
            report["raised"] = type(error).__name__
            report["value_error"] = isinstance(error, ValueError)
        report["dest_unchanged"] = _listing(real) == before
        report["written_outside"] = [entry for entry in _listing(base)
                                     if not entry.startswith(("uploads/", "uploads:")) and entry not in
                                     ("outside:dir", "uploads-evil:dir", "upload.tar:file", "dest-link:link")]
        report["files"] = {}
        report["unsafe_modes"] = []
        for top, dirs, files in os.walk(real):
            for name in dirs + files:
                item = Path(top) / name
                if item.is_symlink():
                    continue
                relative = item.relative_to(real).as_posix()
                if stat.S_IMODE(item.lstat().st_mode) & (stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH):
                    report["unsafe_modes"].append(relative)
                if item.is_file() and item.stat().st_size <= 4096:
                    report["files"][relative] = item.read_text(errors="replace")
        return report
    finally:
        os.umask(previous_umask)
        shutil.rmtree(base, ignore_errors=True)


def expected_files(members: list[dict[str, Any]]) -> dict[str, str]:
    """The files an honest archive of ``members`` puts into dest, with their text."""
    return {posixpath.normpath(member["name"]): str(member.get("data", "")) for member in members
            if member.get("type", "file") == "file"}


def _extracts(members: list[dict[str, Any]]) -> Expectation:
    files = expected_files(members)

    def judge(report: dict[str, Any]) -> bool:
        return (report.get("value") == sorted(files) and type(report.get("value")) is list
                and all(report["files"].get(name) == text for name, text in files.items())
                and not report["written_outside"] and not report["unsafe_modes"])

    def explain(outcome: dict[str, Any]) -> str:
        report = outcome.get("value", {})
        if "raised" in report:
            return f"raised {report['raised']}"
        if report.get("unsafe_modes"):
            return f"left setuid, setgid or world-writable bits on {report['unsafe_modes'][:3]}"
        return f"returned {report.get('value')!r}; files in dest: {sorted(report.get('files', {}))}"

    return satisfies(judge, f"return {sorted(files)} and extract exactly those files, with safe modes", explain)


def _refuses(report: dict[str, Any]) -> bool:
    return bool(report.get("value_error")) and report["dest_unchanged"] and not report["written_outside"]


def _explain_refusal(outcome: dict[str, Any]) -> str:
    report = outcome.get("value", {})
    said = f"raised {report['raised']}" if "raised" in report else f"returned {report.get('value')!r}"
    if report.get("written_outside"):
        return f"{said}; something was written outside dest"
    if not report.get("dest_unchanged", True):
        return f"{said}; dest was changed"
    return said


_REFUSES = satisfies(_refuses, "raise ValueError and write nothing, inside dest or outside it", _explain_refusal)
_UNREADABLE = satisfies(lambda report: bool(report.get("value_error")) and not report["written_outside"],
                        "raise ValueError", _explain_refusal)


# --- parse_config ---------------------------------------------------------------------------------

def _runs_nothing(namespace: dict[str, Any], text: str) -> dict[str, Any]:
    """Call parse_config in a fresh empty folder; report how it ended and which files appeared there."""
    return in_empty_folder(lambda: namespace["parse_config"](text), "seclab-parse-config-")


_RUNS_NOTHING = satisfies(lambda result: "ValueError" in result["raised"] and result["files"] == [],
                          "ValueError, and no file created",
                          lambda outcome: (f"raised {outcome['value']['raised'][0]}" if outcome["value"]["raised"]
                                           else "returned normally") + (
                              "; the document ran code and created a file" if outcome["value"]["files"] else ""))


# --- valid_username -------------------------------------------------------------------------------

class _TooSlow(BaseException):
    pass


def _timed(namespace: dict[str, Any], name: str, budget: float = 1.0) -> dict[str, Any]:
    """valid_username(name) and its best time of up to three tries, each interrupted after ``budget`` seconds."""
    function = namespace["valid_username"]
    best, value = math.inf, None
    in_main = threading.current_thread() is threading.main_thread()

    def stop(_signum: int, _frame: Any) -> None:
        raise _TooSlow()

    for _attempt in range(3):
        previous = signal.signal(signal.SIGALRM, stop) if in_main else None
        started = time.perf_counter()
        try:
            if in_main:
                signal.setitimer(signal.ITIMER_REAL, budget)
            value = function(name)
        except _TooSlow:
            return {"value": None, "seconds": budget, "interrupted": True}
        finally:
            if in_main:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        best = min(best, time.perf_counter() - started)
        if best <= LINEAR_SECONDS:
            break
    return {"value": value if type(value) is bool else repr(value)[:40], "seconds": round(best, 4),
            "interrupted": False}


LINEAR_SECONDS = 0.05


def _is_bytes_name(namespace: dict[str, Any], text: str) -> Any:
    return namespace["valid_username"](text.encode())


_FAST_FALSE = satisfies(lambda probe: probe["value"] is False and probe["seconds"] <= LINEAR_SECONDS,
                        f"False within {LINEAR_SECONDS * 1000:g} ms",
                        lambda outcome: ("still running after 1 s" if outcome["value"]["interrupted"]
                                         else f"returned {outcome['value']['value']!r} after "
                                              f"{outcome['value']['seconds'] * 1000:.0f} ms"))

SCENARIOS: dict[str, Callable[..., Any]] = {
    "odd_role": _odd_role, "optimized": _optimized, "extract": _extract, "runs_nothing": _runs_nothing,
    "timed": _timed, "bytes_name": _is_bytes_name,
}


# --- the cases ------------------------------------------------------------------------------------

def _yaml_value(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []

    def add(part: str, category: str, args: tuple[Any, ...], expect: Expectation, scenario: str | None = None) -> None:
        found.append(Case(part, category, part.split(".")[0], args, expect, public=public, scenario=scenario))

    for user in corpus.get("admins", []):
        add("require_admin.works", "admin", (user,), returns(None))
    for user in corpus.get("not_admins", []):
        add("require_admin.works", "not-admin", (user,), raises("PermissionError"))
        add("require_admin.attack", "assert-vanishes", (user,), raises("PermissionError"), "optimized")
    for user in corpus.get("lookalike_roles", []):
        add("require_admin.attack", "lookalike-role", (user,), raises("PermissionError"))
    for user in corpus.get("wrong_type_roles", []):
        add("require_admin.attack", "wrong-type", (user,), raises("PermissionError"))
    for kind, text in corpus.get("odd_role_objects", []):
        add("require_admin.attack", "wrong-type", (kind, text), raises("PermissionError"), "odd_role")
    for user in corpus.get("other_keys", []):
        add("require_admin.attack", "other-keys", (user,), raises("PermissionError"))

    for category, archive in corpus.get("archives_ok", []):
        add("safe_extract.works" if category == "honest-archive" else "safe_extract.attack", category, (archive,),
            _extracts(archive["members"]), "extract")
    for category, archive in corpus.get("archives_refused", []):
        add("safe_extract.attack", category, (archive,), _REFUSES, "extract")
    for archive in corpus.get("archives_unreadable", []):
        add("safe_extract.attack", "unreadable", (archive,), _UNREADABLE, "extract")

    for text in corpus.get("configs_ok", []):
        add("parse_config.works", "mapping", (text,), returns_exactly(_yaml_value(text)))
    for text in corpus.get("configs_not_mapping", []):
        add("parse_config.attack", "not-a-mapping", (text,), raises("ValueError"))
    for text in corpus.get("configs_python", []):
        add("parse_config.attack", "python-tag", (text,), _RUNS_NOTHING, "runs_nothing")
    for text in corpus.get("configs_broken", []):
        add("parse_config.attack", "yaml-error", (text,), raises("ValueError"))

    for name in corpus.get("usernames_good", []):
        add("valid_username.works", "good-name", (name,), returns_exactly(True))
    for name in corpus.get("usernames_bad", []):
        add("valid_username.works", "bad-name", (name,), returns_exactly(False))
    for category, names in (("trailing-newline", "usernames_newline"), ("unicode", "usernames_unicode"),
                            ("not-a-str", "usernames_not_str")):
        for name in corpus.get(names, []):
            add("valid_username.attack", category, (name,), returns_exactly(False))
    for text in corpus.get("usernames_bytes", []):
        add("valid_username.attack", "not-a-str", (text,), returns_exactly(False), "bytes_name")
    for piece, count, tail in corpus.get("usernames_redos", []):
        add("valid_username.attack", "redos", (str(piece) * int(count) + str(tail),), _FAST_FALSE, "timed")
    return found


def returns(expected: Any) -> Expectation:
    return returns_exactly(expected)


def _file(name: str, data: str = "x\n", **extra: Any) -> dict[str, Any]:
    return {"name": name, "data": data, **extra}


def public_corpus() -> dict[str, list[Any]]:
    escaping = attacks.ESCAPING_ARCHIVES
    return {
        "admins": [{"name": "ada", "role": "admin"}, {"role": "admin"}],
        "not_admins": [{"name": "bob", "role": "user"}, {"name": "eve"}, {}, {"role": None}],
        "lookalike_roles": [{"role": "Admin"}, {"role": "admin "}, {"role": "admin\n"}, {"role": "\u0430dmin"},
                            {"role": "administrator"}],
        "wrong_type_roles": [{"role": ["admin"]}, {"role": {"admin": True}}, {"role": True}, {"role": 1}],
        "odd_role_objects": [["bytes", "admin"], ["str-subclass", "admin"], ["always-equal", "user"]],
        "other_keys": [{"is_admin": True}, {"roles": ["admin"]}, {"admin": "admin"}],
        "archives_ok": [
            ["honest-archive", {"members": list(attacks.HONEST_ARCHIVE)}],
            ["honest-archive", {"members": [_file("a.txt", "alpha\n"), _file("b/c/d.txt", "deep\n")],
                                "compression": "gz"}],
            ["honest-archive", {"members": [_file("only.txt", "xz\n")], "compression": "xz"}],
            ["symlinked-dest", {"members": [_file("notes.txt", "via a link\n")], "dest_symlink": True}],
            ["modes", {"members": [{"name": "bin", "type": "dir", "mode": 0o2777},
                                   _file("bin/tool", "#!/bin/sh\n", mode=0o4777)]}],
        ],
        "archives_refused": [
            ["dot-dot", {"members": escaping["dot-dot name"]}],
            ["dot-dot", {"members": [_file("a/../b.txt")]}],
            ["absolute-name", {"members": escaping["absolute name"]}],
            ["link-or-special", {"members": escaping["symlink, then a file through it"]}],
            ["link-or-special", {"members": [_file("ok.txt"), {"name": "inside-link", "type": "symlink",
                                                               "link": "ok.txt"}]}],
            ["link-or-special", {"members": [_file("ok.txt"), {"name": "hard", "type": "hardlink",
                                                               "link": "ok.txt"}]}],
            ["link-or-special", {"members": [{"name": "pipe", "type": "fifo"}]}],
            ["outside-dest", {"members": [_file("ok.txt"), _file("escape/pwned.txt")],
                              "prepare": [{"name": "escape", "link": "../outside"}]}],
            ["all-or-nothing", {"members": [_file("first.txt"), _file("second.txt"), _file("../last.txt")]}],
            ["too-many-members", {"many": 10_001}],
            ["too-large", {"members": [{"name": "zeros.bin", "zeros": 100 * 1024 * 1024 + 1}], "compression": "gz"}],
        ],
        "archives_unreadable": [
            {"raw_hex": b"this is not a tar archive, only text".hex()},
            {"raw_hex": ""},
        ],
        "configs_ok": [
            "name: demo\nport: 8080\ndebug: false\n",
            "# a comment first\nservers:\n  - host: a.example\n    weight: 1.5\n  - host: b.example\nowner: null\n",
            "{}",
            "base: &base {timeout: 5}\nservice:\n  <<: *base\n  retries: 3\nflag: yes\n",
        ],
        "configs_not_mapping": ["", "# only a comment\n", "- a\n- b\n", "just text\n", "1: one\n", "true: yes\n"],
        "configs_python": [
            '!!python/object/apply:os.system ["touch pwned"]\n',
            "settings: !!python/object/apply:builtins.open [pwned, w]\n",
            "%TAG !py! tag:yaml.org,2002:python/\n---\nrun: !py!object/apply:os.system [touch pwned]\n",
            "point: !!python/tuple [1, 2]\n",
        ],
        "configs_broken": ["key: [1, 2\n", "a: b\n---\nc: d\n", "value: !custom 1\n", "a: 'unterminated\n"],
        "usernames_good": ["alice", "bob_99", "abc", "a" + "b" * 31, "x_y_z"],
        "usernames_bad": ["ab", "a" * 33, "Alice", "1abc", "_abc", "ali ce", "", "al-ice"],
        "usernames_newline": ["alice\n", "bob_99\n"],
        "usernames_unicode": list(attacks.TRICKY_USERNAMES.values())[1:] + ["\u017fam"],
        "usernames_not_str": [None, 12345, ["alice"], {"name": "alice"}, True],
        "usernames_bytes": ["alice"],
        "usernames_redos": [["a", 100_000, "!"], ["a_", 50_000, "!"]],
    }


# --- the exploit challenge --------------------------------------------------------------------------

MAX_PAYLOAD_CHARACTERS = 1_500_000


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded base64 tar archive against both extractors.

    Each replay runs inside the grading sandbox, in a fresh empty temporary folder (see
    ``seclab.grading.replay``), extracting into ``uploads/`` there; the archive is never
    opened in this process. It works on a twin when a regular file appears in that
    folder outside ``uploads/``.
    """
    from seclab.grading.replay import replay_in_sandbox

    if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_PAYLOAD_CHARACTERS:
        return {"vulnerable": False, "fixed": False}
    results = {}
    for twin in ("vulnerable", "fixed"):
        replay = replay_in_sandbox(EXERCISE, "seclab.topics.pitfalls.targets", "replay_extract", [twin, payload])
        value = replay.outcome.get("value")
        results[twin] = isinstance(value, dict) and bool(value.get("outside"))
    return results

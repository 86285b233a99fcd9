"""Match pinned requirements against advisories in the OSV format, offline.

``vulnerable_pins(requirements, advisories)`` is the course's reference matcher: lesson 06
builds it (it is also the reference solution of exercise 06_supply_chain) and lesson 11
reuses it to audit the course's own lock file against ``load_advisories()``, the
snapshot of real advisories shipped beside this module (``advisories.json``).

Requirements are read the way pip reads a requirements file (comments, option lines,
``\\`` continuations, per-requirement ``--hash`` options); names are compared after
PEP 503 normalisation and versions by PEP 440 (``packaging``); advisories are evaluated
as the OSV schema says (``affected[].versions`` and ``ECOSYSTEM`` ranges of ``PyPI``
entries, events sorted by version).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SNAPSHOT_PATH = Path(__file__).with_name("advisories.json")
UNPINNED = "UNPINNED"
#: pip's comment rule: ``#`` at the start of a line or after whitespace (not inside a URL)
_COMMENT = re.compile(r"(^|\s+)#.*$")


@cache
def _snapshot() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8"))
    return data


def load_advisories() -> list[dict[str, Any]]:
    """The shipped advisory snapshot: a fresh list of OSV records (safe to modify)."""
    return json.loads(json.dumps(_snapshot()["advisories"]))


def snapshot_description() -> str:
    """Where the snapshot comes from and what was left out of it."""
    return str(_snapshot()["description"])


@dataclass(frozen=True)
class Pin:
    """One requirement of a requirements file: its PEP 503 name and pinned version (or None)."""

    name: str
    version: str | None
    line: str


def requirement_lines(requirements: str) -> Iterator[str]:
    """The requirement part of each logical line, as pip sees it.

    Lines ending in ``\\`` are joined with the next one (a comment line after them ends
    the continuation and stays a comment, as in pip); comments, blank lines and
    option lines (``-r``, ``-c``, ``-i``, ``-e``, ``--hash`` … anything starting with
    ``-``) are dropped, and so are the options after a requirement (``--hash=…``).
    """
    pending: list[str] = []
    logical: list[str] = []
    for line in requirements.splitlines():
        if line.endswith("\\") and not _COMMENT.match(line):
            pending.append(line[:-1])
            continue
        if pending and _COMMENT.match(line):
            line = " " + line  # as pip does: a comment line ends the continuation and stays a comment
        logical.append("".join(pending) + line)
        pending = []
    if pending:
        logical.append("".join(pending))
    for line in logical:
        text = _COMMENT.sub("", line).strip()
        if not text or text.startswith("-"):
            continue
        words = text.split()
        first_option = next((i for i, word in enumerate(words) if word.startswith("-")), len(words))
        yield " ".join(words[:first_option])


def parse_pins(requirements: str) -> list[Pin]:
    """Every requirement of the file; ``version`` is set only for an exact ``==`` pin.

    ValueError for a line that is not a valid requirement: an auditor must not skip
    what it cannot read.
    """
    pins = []
    for text in requirement_lines(requirements):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise ValueError(f"not a requirement: {text!r} ({error})") from None
        specifiers = list(requirement.specifier)
        version = None
        if requirement.url is None and len(specifiers) == 1:
            only = specifiers[0]
            if only.operator == "==" and not only.version.endswith(".*"):
                version = only.version
        pins.append(Pin(canonicalize_name(requirement.name), version, text))
    return pins


def _version(text: Any) -> Version | None:
    if not isinstance(text, str):
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _event_version(kind: str, text: Any) -> Version | None:
    """The version of an event; ``introduced: "0"`` sorts before every version."""
    if kind == "introduced" and text == "0":
        return Version("0.dev0")  # the lowest version there is (epoch 0, release 0, dev 0)
    return _version(text)


def _events(range_: Mapping[str, Any]) -> list[tuple[Version, str, str]]:
    """(version, kind, as written) of a range's introduced/fixed/last_affected events, by version."""
    found = []
    for event in range_.get("events", []):
        for kind in ("introduced", "fixed", "last_affected"):
            if kind in event:
                version = _event_version(kind, event[kind])
                if version is not None:
                    found.append((version, kind, str(event[kind])))
    return sorted(found, key=lambda item: item[0])


def in_range(version: Version, range_: Mapping[str, Any]) -> bool:
    """True when ``version`` lies in one OSV ``ECOSYSTEM`` range (the OSV evaluation rule)."""
    if range_.get("type") != "ECOSYSTEM":
        return False
    affected = False
    for event_version, kind, _written in _events(range_):
        if kind == "introduced":
            if version >= event_version:
                affected = True
        elif kind == "fixed" and version >= event_version:
            affected = False
        elif kind == "last_affected" and version > event_version:
            affected = False
    return affected


def affects(entry: Mapping[str, Any], version: Version) -> bool:
    """True when one ``affected[]`` entry lists ``version`` or has it in an ECOSYSTEM range."""
    listed = any(_version(text) == version for text in entry.get("versions") or [])
    return listed or any(in_range(version, range_) for range_ in entry.get("ranges") or [])


def entries_for(advisory: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    """The advisory's ``PyPI`` entries for the PEP 503 name ``name``."""
    entries = []
    for entry in advisory.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") == "PyPI" and isinstance(package.get("name"), str) \
                and canonicalize_name(package["name"]) == name:
            entries.append(entry)
    return entries


def lowest_fix_above(entries: list[Mapping[str, Any]], version: Version) -> str | None:
    """The lowest ``fixed`` event above ``version`` in the entries' ECOSYSTEM ranges, as written."""
    fixes = [(fixed, written) for entry in entries for range_ in entry.get("ranges") or []
             if range_.get("type") == "ECOSYSTEM"
             for fixed, kind, written in _events(range_) if kind == "fixed" and fixed > version]
    return min(fixes, key=lambda item: item[0])[1] if fixes else None


def vulnerable_pins(requirements: str, advisories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings ``{"name", "version", "id", "fixed"}`` for a pip requirements file, sorted by (name, id).

    One finding per (requirement, advisory) that affects the requirement's pinned
    version; ``name`` is PEP 503-normalised, ``version`` as written in the requirement,
    ``fixed`` the lowest fixed version above it as written in the advisory (or None).
    A requirement that is not exactly one ``==`` to a full version (no specifier, ``>=``,
    ``~=``, ``===``, ``==1.*``, several specifiers, ``name @ url``) gives one finding with
    ``id`` "UNPINNED" and ``version``/``fixed`` None. Markers are not evaluated.
    ValueError for a line that is not a valid requirement.

    Lesson 11 calls this with ``load_advisories()`` to audit the course's own lock file.
    """
    findings = []
    for pin in parse_pins(requirements):
        if pin.version is None:
            findings.append({"name": pin.name, "version": None, "id": UNPINNED, "fixed": None})
            continue
        version = Version(pin.version)
        for advisory in advisories:
            entries = entries_for(advisory, pin.name)
            if any(affects(entry, version) for entry in entries):
                findings.append({"name": pin.name, "version": pin.version, "id": str(advisory.get("id")),
                                 "fixed": lowest_fix_above(entries, version)})
    return sorted(findings, key=lambda finding: (finding["name"], finding["id"]))


def advisory_by_id(advisories: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The advisories keyed by their OSV id."""
    return {str(advisory["id"]): advisory for advisory in advisories}


def describe_advisory(advisory: Mapping[str, Any]) -> str:
    """A few readable lines about an OSV record: id, aliases, summary, and its PyPI ranges."""
    lines = [f"{advisory.get('id')}  ({', '.join(advisory.get('aliases', [])) or 'no aliases'})",
             f"  {advisory.get('summary', '')}"]
    for entry in advisory.get("affected") or []:
        package = entry.get("package") or {}
        for range_ in entry.get("ranges") or []:
            events = ", ".join(f"{kind} {value}" for event in range_.get("events", []) for kind, value in event.items())
            lines.append(f"  {package.get('ecosystem')} {package.get('name')}  {range_.get('type')}: {events}")
        if entry.get("versions"):
            listed = entry["versions"]
            shown = ", ".join(listed[:6]) + (f", … ({len(listed)} in all)" if len(listed) > 6 else "")
            lines.append(f"  versions listed: {shown}")
    return "\n".join(lines)

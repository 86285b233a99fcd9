"""Vulnerable and Outdated Components: public payloads and the attack drivers that judge success.

* ``LEGACY_REQUIREMENTS`` — the shop's requirements file, pinned in 2019 and never updated.
* ``audit_evasion(matcher)`` — does a matcher let known-vulnerable pins through (compared
  with the reference matcher on the same file and advisories)?
* ``confusion_attack(resolver, name, version)`` — publish ``name`` ``version`` on the
  public index and run ACME's build: does it install the attacker's package in place
  of one of ACME's internal ones?
* ``PIN_CASES``, ``TYPOSQUAT_CASES``, ``RESOLVE_CASES`` — the exercise's public cases
  (the hidden ones are in autograder/hidden/06_supply_chain.json).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from packaging.utils import canonicalize_name

from seclab.attacks import AttackResult
from seclab.topics.supply_chain import advisories as osv
from seclab.topics.supply_chain import targets

LEGACY_REQUIREMENTS = """\
# The shop's requirements, pinned in spring 2019 ("it works, don't touch it").
Django==2.2.0
Jinja2==2.10
PyYAML==5.1
requests==2.19.1
urllib3==1.24.1
Pillow==6.0.0
"""


def audit_evasion(matcher: Callable[[str, list[dict[str, Any]]], list[dict[str, Any]]],
                  requirements: str = LEGACY_REQUIREMENTS,
                  advisories: list[dict[str, Any]] | None = None) -> AttackResult:
    """Succeeds when ``matcher`` misses findings the reference matcher reports (vulnerable pins slip through)."""
    records = osv.load_advisories() if advisories is None else advisories
    expected = {(finding["name"], finding["id"]) for finding in osv.vulnerable_pins(requirements, records)}
    reported = {(str(canonicalize_name(str(finding["name"]))), str(finding["id"]))
                for finding in matcher(requirements, records)}
    missed = sorted(expected - reported)
    evidence = (f"missed {len(missed)} of {len(expected)} known vulnerabilities: "
                + ", ".join(f"{name} {advisory}" for name, advisory in missed[:6])
                + (" …" if len(missed) > 6 else "")) if missed else f"all {len(expected)} known vulnerabilities reported"
    return AttackResult(payload="the legacy requirements file", succeeded=bool(missed), evidence=evidence)


def confusion_attack(resolver: targets.Resolver, name: str, version: str) -> AttackResult:
    """Publish ``name`` ``version`` on the public index, then run ACME's build with ``resolver``."""
    public = targets.publish(targets.PUBLIC_INDEX, name, version)
    plan = targets.build_plan(resolver, public)
    hijacked = [package for package, (source, installed) in plan.items()
                if canonicalize_name(package) in targets.INTERNAL_NAMES
                and canonicalize_name(package) == canonicalize_name(name)
                and source == "public" and installed == version]
    evidence = "; ".join(f"{package} {installed} from the {source} index" for package, (source, installed) in plan.items())
    return AttackResult(payload=f"{name}=={version}", succeeded=bool(hijacked), evidence=evidence)


def advisory(osv_id: str, package: str, *ranges: list[tuple[str, str]], versions: list[str] | None = None,
             ecosystem: str = "PyPI", range_type: str = "ECOSYSTEM") -> dict[str, Any]:
    """A small OSV record for the exercise's cases (``ranges`` as lists of (event, version))."""
    entry: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": package}}
    if ranges:
        entry["ranges"] = [{"type": range_type, "events": [{kind: value} for kind, value in events]}
                           for events in ranges]
    if versions is not None:
        entry["versions"] = versions
    return {"id": osv_id, "affected": [entry]}


def _snapshot_record(osv_id: str) -> dict[str, Any]:
    return osv.advisory_by_id(osv.load_advisories())[osv_id]


_FLASK = advisory("DEMO-2021-0001", "flask", [("introduced", "0"), ("fixed", "2.2.5")])
_CLICK = advisory("DEMO-2021-0002", "click", [("introduced", "7.0"), ("fixed", "7.1.2")])

#: Public cases of vulnerable_pins: (part, category, requirements, advisories or "snapshot").
PIN_CASES: list[dict[str, Any]] = [
    {"part": "works", "category": "findings", "requirements": "flask==2.0.0\nclick==8.0.0\n",
     "advisories": [_FLASK, _CLICK]},
    {"part": "works", "category": "findings", "requirements": "flask==2.2.5\nclick==7.0\n",
     "advisories": [_FLASK, _CLICK]},
    {"part": "works", "category": "findings", "requirements": "zeta==1.0\nalpha==1.0\n",
     "advisories": [advisory("DEMO-3", "zeta", [("introduced", "0"), ("fixed", "2.0")]),
                    advisory("DEMO-2", "alpha", [("introduced", "0"), ("fixed", "1.5")]),
                    advisory("DEMO-1", "alpha", [("introduced", "1.0"), ("fixed", "1.1")])]},
    {"part": "works", "category": "fixed", "requirements": "gamma==3.0\n",
     "advisories": [advisory("DEMO-4", "gamma", [("introduced", "2.0")])]},
    {"part": "works", "category": "findings", "requirements": "# pinned in 2021\n\nflask==2.0.0  # web\n\n",
     "advisories": [_FLASK]},
    {"part": "works", "category": "findings",
     "requirements": "-r base.txt\n--index-url https://pypi.org/simple\nflask==2.0.0\n", "advisories": [_FLASK]},
    {"part": "works", "category": "unpinned", "requirements": "flask\nclick>=8.0\n", "advisories": [_FLASK, _CLICK]},
    {"part": "works", "category": "findings", "requirements": LEGACY_REQUIREMENTS.lower(), "advisories": "snapshot"},
    {"part": "attack", "category": "names", "requirements": LEGACY_REQUIREMENTS, "advisories": "snapshot"},
    {"part": "attack", "category": "names", "requirements": "Zope.Interface==4.0\n",
     "advisories": [advisory("DEMO-5", "zope-interface", [("introduced", "0"), ("fixed", "5.0")])]},
    {"part": "attack", "category": "versions", "requirements": "urllib3==1.26.5\n",
     "advisories": [_snapshot_record("PYSEC-2023-192")]},
    {"part": "attack", "category": "versions", "requirements": "jinja2==2.10\n",
     "advisories": [_snapshot_record("PYSEC-2019-220"), _snapshot_record("PYSEC-2019-217")]},
    {"part": "attack", "category": "versions", "requirements": "delta==2.0\nepsilon==1.0rc1\n",
     "advisories": [advisory("DEMO-6", "delta", [("introduced", "2.0.0"), ("fixed", "2.0.1")]),
                    advisory("DEMO-7", "epsilon", [("introduced", "0"), ("fixed", "1.0")])]},
    {"part": "attack", "category": "ranges", "requirements": "urllib3==2.0.4\n",
     "advisories": [_snapshot_record("PYSEC-2023-192")]},
    {"part": "attack", "category": "ranges", "requirements": "Django==3.2.5\n",
     "advisories": [_snapshot_record("PYSEC-2022-190")]},
    {"part": "attack", "category": "ranges", "requirements": "theta==1.4\niota==1.4.1\n",
     "advisories": [advisory("DEMO-8", "theta", [("introduced", "1.0"), ("last_affected", "1.4")]),
                    advisory("DEMO-9", "iota", [("introduced", "1.0"), ("last_affected", "1.4")])]},
    {"part": "attack", "category": "osv", "requirements": "kappa==1.0\n",
     "advisories": [advisory("DEMO-10", "kappa", [("introduced", "0"), ("fixed", "2.0")], ecosystem="npm"),
                    advisory("DEMO-11", "kappa", [("introduced", "0"), ("fixed", "0.5")], versions=["0.9", "1.0"])]},
    {"part": "attack", "category": "fixed", "requirements": "urllib3==2.0.3\n",
     "advisories": [_snapshot_record("GHSA-34jh-p97f-mpxf")]},
    {"part": "attack", "category": "file-format",
     "requirements": "flask==2.0.0 \\\n    --hash=sha256:2f3c9bd53d48e5fbc4a3ec1e11ae97cdc0c6ecab5bce6aef3e2d6ef1d6fd7a54 \\\n"
                     "    --hash=sha256:0a2d60b67e3a1a8a0bfd0b95f38e0d8b0e5e4d0eb13e63a6e1f3b98a1f2c6b57\n"
                     "requests[socks]==2.19.1 ; python_version < \"3.8\"\n",
     "advisories": [_FLASK, _snapshot_record("PYSEC-2018-28")]},
    {"part": "attack", "category": "unpinned",
     "requirements": "flask===2.0.0\nclick==8.*\njinja2==3.0.0,<4\nrequests @ https://example.org/requests-2.19.1.tar.gz\n",
     "advisories": [_FLASK, _CLICK, _snapshot_record("PYSEC-2018-28")]},
    {"part": "attack", "category": "invalid", "requirements": "flask=2.0.0\n", "advisories": [_FLASK]},
]

#: Public cases of typosquat_of: name, popular list.
_SAMPLE = ["requests", "urllib3", "python-dateutil", "setuptools", "jellyfish", "numpy", "six", "django"]
TYPOSQUAT_CASES: list[dict[str, Any]] = [
    {"part": "works", "category": "popular", "name": "requests", "popular": _SAMPLE},
    {"part": "works", "category": "one-edit", "name": "reqests", "popular": _SAMPLE},
    {"part": "works", "category": "one-edit", "name": "urlib3", "popular": _SAMPLE},
    {"part": "works", "category": "one-edit", "name": "jellyfisj", "popular": _SAMPLE},
    {"part": "works", "category": "one-edit", "name": "setuptoolss", "popular": _SAMPLE},
    {"part": "works", "category": "unrelated", "name": "flask-login", "popular": _SAMPLE},
    {"part": "works", "category": "short", "name": "sax", "popular": _SAMPLE},
    {"part": "works", "category": "order", "name": "pandaz", "popular": ["pandas", "panda"]},
    {"part": "works", "category": "order", "name": "pandaz", "popular": ["panda", "pandas"]},
    {"part": "works", "category": "as-written", "name": "djanga", "popular": ["Django", "flask"]},
    {"part": "attack", "category": "normalisation", "name": "jeIlyfish", "popular": _SAMPLE},
    {"part": "attack", "category": "normalisation", "name": "Python_DateUtil", "popular": _SAMPLE},
    {"part": "attack", "category": "normalisation", "name": "typing-extensions", "popular": ["Typing_Extensions"]},
    {"part": "attack", "category": "normalisation", "name": "at__trs", "popular": ["attrs"]},
    {"part": "attack", "category": "transposition", "name": "reqeusts", "popular": _SAMPLE},
    {"part": "attack", "category": "wrapper", "name": "python-requests", "popular": _SAMPLE},
    {"part": "attack", "category": "wrapper", "name": "py-six", "popular": _SAMPLE},
    {"part": "attack", "category": "wrapper", "name": "numpy-python", "popular": _SAMPLE},
    {"part": "attack", "category": "one-edit", "name": "python3-dateutil", "popular": _SAMPLE},
]

_INTERNAL_NAMES = sorted(targets.INTERNAL_NAMES)
#: Public cases of resolve_source: name, internal index, public index, internal names (a list here; a set is passed).
RESOLVE_CASES: list[dict[str, Any]] = [
    {"part": "works", "category": "resolve", "name": "acme-billing", "internal": targets.INTERNAL_INDEX,
     "public": targets.PUBLIC_INDEX, "internal_names": _INTERNAL_NAMES},
    {"part": "works", "category": "resolve", "name": "requests", "internal": targets.INTERNAL_INDEX,
     "public": targets.PUBLIC_INDEX, "internal_names": _INTERNAL_NAMES},
    {"part": "works", "category": "resolve", "name": "acme-auth", "internal": targets.INTERNAL_INDEX,
     "public": targets.PUBLIC_INDEX, "internal_names": _INTERNAL_NAMES},
    {"part": "works", "category": "final-releases", "name": "acme-ledger", "internal": targets.INTERNAL_INDEX,
     "public": targets.PUBLIC_INDEX, "internal_names": _INTERNAL_NAMES},
    {"part": "works", "category": "final-releases", "name": "tool", "internal": {},
     "public": {"tool": ["1.9.0", "1.10.0", "1.10.0.post1", "2.0.0b1"]}, "internal_names": []},
    {"part": "works", "category": "missing", "name": "left-pad", "internal": targets.INTERNAL_INDEX,
     "public": targets.PUBLIC_INDEX, "internal_names": _INTERNAL_NAMES},
    {"part": "attack", "category": "confusion", "name": "acme-billing", "internal": targets.INTERNAL_INDEX,
     "public": targets.publish(targets.PUBLIC_INDEX, "acme-billing", "99.0.0"), "internal_names": _INTERNAL_NAMES},
    {"part": "attack", "category": "confusion", "name": "acme-auth", "internal": targets.INTERNAL_INDEX,
     "public": targets.publish(targets.PUBLIC_INDEX, "acme-auth", "2.1.0.post1"), "internal_names": _INTERNAL_NAMES},
    {"part": "attack", "category": "no-fallback", "name": "acme-payroll", "internal": targets.INTERNAL_INDEX,
     "public": {"acme-payroll": ["1.0.0"]}, "internal_names": [*_INTERNAL_NAMES, "acme-payroll"]},
    {"part": "attack", "category": "index-names", "name": "ACME_Billing", "internal": {"acme-billing": ["1.2.0"]},
     "public": {"Acme.Billing": ["99.0.0"]}, "internal_names": ["acme-billing"]},
    {"part": "attack", "category": "invalid-versions", "name": "acme-billing",
     "internal": {"acme-billing": ["1.2.0", "latest", "v9000-final"]}, "public": {},
     "internal_names": ["acme-billing"]},
]

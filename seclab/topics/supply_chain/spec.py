"""Spec of exercise 06_supply_chain: vulnerable_pins, typosquat_of, resolve_source.

Corpus entries are JSON objects naming their part ("works" or "attack") and failure
category, with the arguments: ``requirements`` and ``advisories`` (a list of OSV
records, or "snapshot" for the course's shipped snapshot, loaded inside the process
that runs the learner's code); ``name`` and ``popular``; ``name``, ``internal``,
``public`` and ``internal_names`` (passed as a set). Expected values come from the
reference solutions in the topic package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part, raises, returns
from seclab.topics.supply_chain import attacks
from seclab.topics.supply_chain.advisories import load_advisories, vulnerable_pins
from seclab.topics.supply_chain.names import typosquat_of
from seclab.topics.supply_chain.targets import (
    INTERNAL_INDEX,
    INTERNAL_NAMES,
    PUBLIC_INDEX,
    fixed_resolve,
    fixed_resolver,
    vulnerable_resolve,
)

PARTS = {
    part.name: part
    for part in [
        Part("vulnerable_pins.works", "vulnerable_pins",
             "vulnerable_pins reports the advisories that affect plainly pinned requirements"),
        Part("vulnerable_pins.attack", "vulnerable_pins",
             "vulnerable_pins lets no vulnerable pin slip through (names, versions, OSV ranges, pip's file format)"),
        Part("typosquat_of.works", "typosquat_of", "typosquat_of spots one-letter lookalikes of popular names"),
        Part("typosquat_of.attack", "typosquat_of",
             "typosquat_of sees through case, separators, swapped letters and python-/-py wrappers"),
        Part("resolve_source.works", "resolve_source",
             "resolve_source picks the highest final release from the right index"),
        Part("resolve_source.attack", "resolve_source",
             "resolve_source never takes an internal name from the public index (no dependency confusion)"),
    ]
}

HINTS = {
    "findings": "Return one dict per (requirement, advisory) with exactly the keys name, version, id and fixed, "
                "sorted by (name, id); an empty list when nothing is affected.",
    "fixed": "fixed is the lowest fixed event above the pinned version, across all ECOSYSTEM ranges of all the "
             "advisory's PyPI entries for the package, as written in the advisory; None when there is none.",
    "unpinned": "Only a requirement with exactly one specifier, == to a full version, is checked. Everything else "
                "(no specifier, >=, ~=, ===, ==1.*, ==1.0,<2, name @ url) gives one finding "
                "{'name': ..., 'version': None, 'id': 'UNPINNED', 'fixed': None}.",
    "names": "Compare names after PEP 503 normalisation on both sides (packaging.utils.canonicalize_name: "
             "Django, django and DJANGO, zope.interface and zope-interface are the same project).",
    "versions": "Compare versions as packaging.version.Version objects, never as strings: 1.26.5 < 1.26.17, "
                "2.10 > 2.8.1, 2.0 == 2.0.0, 1.0rc1 < 1.0, 1.0.dev1 < 1.0 < 1.0.post1.",
    "ranges": "Sort a range's events by version before walking them (introduced '0' first): introduced is "
              "inclusive, fixed exclusive, last_affected inclusive, and one range may hold several pairs.",
    "osv": "Only affected entries whose package.ecosystem is exactly 'PyPI' count, and only ECOSYSTEM ranges; "
           "a version listed in the entry's versions is affected too; skip strings that are not valid versions.",
    "file-format": "Read the file as pip does: join lines ending in a backslash with the next, drop comments "
                   "(# at the start or after whitespace), blank lines and lines starting with -, and cut a "
                   "requirement at its first option (--hash=...). Extras and markers belong to the requirement.",
    "invalid": "Raise ValueError for a line that is not a valid requirement (packaging.requirements.Requirement "
               "raises InvalidRequirement): an auditor must not skip what it cannot read.",
    "popular": "A name that is itself in popular (after normalisation) imitates nothing: return None.",
    "one-edit": "Two names of at least 5 characters at optimal-string-alignment distance 1 (one insertion, "
                "deletion, substitution or swap of neighbours): return the popular entry.",
    "unrelated": "Return None for a name that is neither one edit away from a popular name nor a wrapper of one.",
    "short": "The one-edit rule needs both names to have at least 5 characters (after normalisation); shorter "
             "names are too close to each other to judge.",
    "order": "Go through popular in list order and return the first entry the name imitates.",
    "as-written": "Return the popular entry as written in the list, not its normalised form.",
    "normalisation": "Normalise every name first (PEP 503: lower-case, runs of - _ . become one -), the popular "
                     "entries too, and count lengths after normalising.",
    "transposition": "Swapping two neighbouring letters (reqeusts) is one edit in the optimal string alignment "
                     "distance, not two: add the transposition step to Levenshtein's recurrence.",
    "wrapper": "A name that is a popular name with one prefix python-, python3- or py-, or one suffix -python "
               "or -py, added imitates it, whatever the lengths.",
    "resolve": "A name in internal_names comes from the internal index, any other from the public one: return "
               "(index, version) as a tuple, the version as written in that index.",
    "final-releases": "Pick the highest version by PEP 440 (packaging.version.Version), skipping pre-releases and "
                      "dev releases (post-releases count) and strings that are not versions.",
    "missing": "Raise ValueError when the index the name must come from has no installable version of it.",
    "confusion": "Never look at the public index for an internal name, however high the public version is.",
    "no-fallback": "An internal name missing from the internal index is an error (ValueError), not a reason to "
                   "try the public index: that fallback is exactly what the attacker waits for.",
    "index-names": "Normalise the name, every key of both indexes and every entry of internal_names with "
                   "canonicalize_name before comparing: ACME_Billing, Acme.Billing and acme-billing are one project.",
    "invalid-versions": "Skip strings that are not valid PEP 440 versions (Version raises InvalidVersion).",
}


# --- running a case inside the process that runs the learner's code ---------------------

def _with_snapshot(namespace: dict[str, Any], requirements: str) -> Any:
    """vulnerable_pins(requirements, the course's advisory snapshot)."""
    return namespace["vulnerable_pins"](requirements, load_advisories())


def _with_name_set(namespace: dict[str, Any], name: str, internal: dict[str, list[str]],
                   public: dict[str, list[str]], internal_names: list[str]) -> Any:
    """resolve_source with internal_names as a set; the answer must be a tuple."""
    result = namespace["resolve_source"](name, internal, public, set(internal_names))
    if type(result) is not tuple:
        raise TypeError(f"resolve_source must return a tuple (index, version), not a {type(result).__name__}")
    return result


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {
    "the course's advisory snapshot": _with_snapshot,
    "internal_names as a set": _with_name_set,
}


class _Case(Case):
    """A case whose call is shown with long arguments shortened (advisory lists, indexes)."""

    def shown_call(self) -> str:
        shown = []
        for arg in self.args:
            text = repr(arg)
            shown.append(text if len(text) <= 70 else text[:60] + " … " + text[-6:])
        call = f"{self.function}({', '.join(shown)})"
        return f"{call} [{self.scenario}]" if self.scenario else call


def _expect(reference: Callable[..., Any], *args: Any) -> Any:
    try:
        value = reference(*args)
    except ValueError:
        return raises("ValueError")
    return returns(json.loads(json.dumps(value)))


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for item in corpus.get("vulnerable_pins", []):
        part, category, requirements = f"vulnerable_pins.{item['part']}", item["category"], item["requirements"]
        if item["advisories"] == "snapshot":
            found.append(_Case(part, category, "vulnerable_pins", (requirements,),
                               _expect(vulnerable_pins, requirements, load_advisories()), public=public,
                               scenario="the course's advisory snapshot"))
        else:
            found.append(_Case(part, category, "vulnerable_pins", (requirements, item["advisories"]),
                               _expect(vulnerable_pins, requirements, item["advisories"]), public=public))
    for item in corpus.get("typosquat_of", []):
        found.append(_Case(f"typosquat_of.{item['part']}", item["category"], "typosquat_of",
                           (item["name"], item["popular"]), _expect(typosquat_of, item["name"], item["popular"]),
                           public=public))
    for item in corpus.get("resolve_source", []):
        args = (item["name"], item["internal"], item["public"], list(item["internal_names"]))
        found.append(_Case(f"resolve_source.{item['part']}", item["category"], "resolve_source", args,
                           _expect(fixed_resolve, args[0], args[1], args[2], set(args[3])), public=public,
                           scenario="internal_names as a set"))
    return found


def public_corpus() -> dict[str, list[Any]]:
    return {"vulnerable_pins": json.loads(json.dumps(attacks.PIN_CASES)),
            "typosquat_of": json.loads(json.dumps(attacks.TYPOSQUAT_CASES)),
            "resolve_source": json.loads(json.dumps(attacks.RESOLVE_CASES))}


# --- the exploit challenge ----------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded upload ``{"name": ..., "version": ...}`` against ACME's two builds.

    It works when publishing that package on the public index makes the build install it
    in place of one of ACME's internal packages.
    """
    if not isinstance(payload, dict) or set(payload) != {"name", "version"}:
        return {"vulnerable": False, "fixed": False}
    name, version = payload["name"], payload["version"]
    if not (isinstance(name, str) and isinstance(version, str) and 0 < len(name) <= 100 and 0 < len(version) <= 50):
        return {"vulnerable": False, "fixed": False}
    return {"vulnerable": attacks.confusion_attack(vulnerable_resolve, name, version).succeeded,
            "fixed": attacks.confusion_attack(fixed_resolver(INTERNAL_NAMES), name, version).succeeded}


__all__ = ["HINTS", "INTERNAL_INDEX", "PARTS", "PUBLIC_INDEX", "cases", "exploit_works", "public_corpus"]

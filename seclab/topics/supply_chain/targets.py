"""Vulnerable and Outdated Components: the company's build, as vulnerable and fixed twins.

ACME builds its shop from two package indexes: its own internal index (packages named
``acme-…``) and the public one. The vulnerable build resolves every package the way
``pip install --extra-index-url`` does, taking the highest version found on *any*
index; the fixed build takes an internal name only from the internal index
(``fixed_resolve``, the reference solution of the exercise's ``resolve_source``).
Indexes here are plain data, ``{project name: [version strings]}``; ``indexes.py``
serves them to real pip over loopback.

``SERVABLE`` has the loopback services a learner can point real tools at from a
terminal: the OSV API over the course's advisory snapshot, and the two indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

Index = Mapping[str, list[str]]

#: ACME's internal index: its own packages, never published to the public index.
INTERNAL_INDEX: dict[str, list[str]] = {
    "acme-billing": ["1.0.0", "1.1.0", "1.2.0", "1.3.0rc1"],
    "acme-ledger": ["0.9.0", "1.0.0", "1.0.1.dev4"],
    "acme-auth": ["2.0.0", "2.0.1", "2.1.0"],
}
#: The names ACME owns: they must only ever come from the internal index.
INTERNAL_NAMES = {"acme-billing", "acme-ledger", "acme-auth"}
#: A small stand-in for the public index (PyPI). Somebody already published an unrelated
#: ``acme-auth`` there, with a lower version than ACME's.
PUBLIC_INDEX: dict[str, list[str]] = {
    "requests": ["2.31.0", "2.32.3", "2.32.4"],
    "urllib3": ["1.26.20", "2.2.3", "2.5.0"],
    "pyyaml": ["6.0.1", "6.0.2"],
    "acme-auth": ["0.0.1"],
}
#: What the shop's build installs (no versions pinned: the newest one wins).
BUILD_REQUIREMENTS = ["acme-billing", "acme-ledger", "acme-auth", "requests", "pyyaml"]


def final_versions(versions: Iterable[str]) -> list[tuple[Version, str]]:
    """(parsed, as written) for every valid version that is neither a pre- nor a dev release."""
    found = []
    for text in versions:
        try:
            version = Version(text)
        except (InvalidVersion, TypeError):
            continue
        if not version.is_prerelease and not version.is_devrelease:
            found.append((version, text))
    return found


def versions_of(name: str, index: Index) -> list[str]:
    """Every version ``index`` lists for ``name`` (PEP 503: ``Acme_Billing`` is ``acme-billing``)."""
    wanted = canonicalize_name(name)
    return [version for project, versions in index.items() if canonicalize_name(project) == wanted
            for version in versions]


def _highest(name: str, index: Index) -> tuple[Version, str] | None:
    candidates = final_versions(versions_of(name, index))
    return max(candidates, key=lambda item: item[0]) if candidates else None


def vulnerable_resolve(name: str, internal: Index, public: Index) -> tuple[str, str]:
    """pip with ``--extra-index-url``: the highest final version on either index wins.

    On equal versions the internal index wins. ValueError when neither has one.
    """
    found = [(best[0], 0 if source == "internal" else -1, source, best[1])
             for source, index in (("internal", internal), ("public", public))
             if (best := _highest(name, index)) is not None]
    if not found:
        raise ValueError(f"no installable version of {name!r} on any index")
    _version, _priority, source, written = max(found, key=lambda item: (item[0], item[1]))
    return source, written


def fixed_resolve(name: str, internal: Index, public: Index, internal_names: set[str]) -> tuple[str, str]:
    """The index ("internal" or "public") and version pip should install for ``name``.

    A name in ``internal_names`` comes only from the internal index, whatever the public
    one offers; any other name only from the public index. The version is the highest
    valid final (or post) release, as written in the index. ValueError when that index
    has none. Names are compared after PEP 503 normalisation.
    """
    owned = {canonicalize_name(owned_name) for owned_name in internal_names}
    source, index = ("internal", internal) if canonicalize_name(name) in owned else ("public", public)
    best = _highest(name, index)
    if best is None:
        raise ValueError(f"the {source} index has no installable version of {name!r}")
    return source, best[1]


Resolver = Callable[[str, Index, Index], tuple[str, str]]


def fixed_resolver(internal_names: set[str] = INTERNAL_NAMES) -> Resolver:
    """``fixed_resolve`` with ACME's internal names, shaped like ``vulnerable_resolve``."""
    return lambda name, internal, public: fixed_resolve(name, internal, public, internal_names)


def build_plan(resolver: Resolver, public: Index = PUBLIC_INDEX, internal: Index = INTERNAL_INDEX,
               requirements: Iterable[str] = BUILD_REQUIREMENTS) -> dict[str, tuple[str, str]]:
    """What the shop's build installs: ``{package: (index, version)}`` for each requirement."""
    return {name: resolver(name, internal, public) for name in requirements}


def publish(public: Index, name: str, version: str) -> dict[str, list[str]]:
    """A copy of ``public`` with ``version`` of ``name`` uploaded (anyone may upload a new name)."""
    updated = {project: list(versions) for project, versions in public.items()}
    key = next((project for project in updated if canonicalize_name(project) == canonicalize_name(name)), name)
    updated.setdefault(key, []).append(version)
    return updated


def _osv_app() -> Any:
    from seclab.topics.supply_chain.osv_api import osv_api_app

    return osv_api_app()


def _index_app(which: str) -> Callable[[], Any]:
    def factory() -> Any:
        from seclab.topics.supply_chain.indexes import demo_index_app

        return demo_index_app(which)

    return factory


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "osv-snapshot": ("OSV query API over the course's advisory snapshot, for pip-audit -s osv --osv-url (lesson 06)",
                     _osv_app),
    "acme-internal-index": ("ACME's internal package index, PEP 503 simple API at /simple/ (lesson 06)", _index_app("internal")),
    "public-index": ("a stand-in public index where an attacker published acme-billing 99.0.0 (lesson 06)", _index_app("public")),
}

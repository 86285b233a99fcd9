"""Security headers: the rules lesson 05 measures real responses with and its exercise is graded by.

Five headers tell a browser to hold back (HSTS, nosniff, frame denial, referrer policy,
CSP); three only tell an attacker which software, and which version, runs the site.
``audit(headers)`` judges a response's headers against both lists; ``value_problems``
judges one managed header's value. Header names are compared in any letter case, as
HTTP does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: The hardening headers, spelled as the exercise sets them.
MANAGED = ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
           "Content-Security-Policy")

#: Headers that only advertise the server's software and version.
DISCLOSING = ("Server", "X-Powered-By", "X-AspNet-Version")

#: One year, the minimum the HSTS preload list (and the exercise) asks for.
HSTS_MIN_MAX_AGE = 31_536_000

REFERRER_POLICIES = frozenset({"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"})

_UNSAFE_KEYWORDS = frozenset({"'unsafe-inline'", "'unsafe-eval'"})
_SCHEME_ONLY = re.compile(r"[a-z][a-z0-9+.-]*:")
_HSTS_MAX_AGE = re.compile(r'"?([0-9]+)"?')


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` in any letter case, or None when absent."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def hsts_problems(value: str) -> list[str]:
    """What keeps a Strict-Transport-Security value from holding for a year, subdomains included."""
    directives: dict[str, str] = {}
    for part in value.split(";"):
        name, _, argument = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in directives:
            return [f"directive {name} appears twice (browsers then ignore the whole header)"]
        directives[name] = argument.strip()
    problems = []
    max_age = _HSTS_MAX_AGE.fullmatch(directives.get("max-age", ""))
    if max_age is None:
        problems.append("no valid max-age")
    elif int(max_age[1]) < HSTS_MIN_MAX_AGE:
        problems.append(f"max-age={max_age[1]} is shorter than a year ({HSTS_MIN_MAX_AGE})")
    if "includesubdomains" not in directives:
        problems.append("no includeSubDomains")
    return problems


def csp_directives(value: str) -> list[tuple[str, list[str]]]:
    """A Content-Security-Policy as (directive name, source tokens), names and keywords lower-cased."""
    parsed = []
    for part in value.split(";"):
        tokens = part.split()
        if tokens:
            parsed.append((tokens[0].lower(), [token.lower() for token in tokens[1:]]))
    return parsed


def _wildcard_host(source: str) -> bool:
    """``*`` alone or in the host of a source (``*.example.com``, ``https://*.cdn.example``).

    A ``*`` port (``https://api.example:*``) or one in a path names no other hosts.
    """
    host_and_rest = source.split("://", 1)[1] if "://" in source else source
    return "*" in re.split(r"[:/]", host_and_rest, maxsplit=1)[0]


def unsafe_source(token: str) -> str | None:
    """Why a CSP source token lets too much in, or None: unsafe keywords, wildcards, bare schemes."""
    if token in _UNSAFE_KEYWORDS:
        return f"{token} allows script the page did not mean to run"
    if _wildcard_host(token):
        return f"wildcard source {token}"
    if _SCHEME_ONLY.fullmatch(token):
        return f"scheme-only source {token} allows any host"
    return None


def csp_problems(value: str) -> list[str]:
    """What keeps a CSP from being strict: default-src 'self' or 'none', frame-ancestors 'none', nothing unsafe."""
    directives = csp_directives(value)
    first: dict[str, list[str]] = {}
    for name, sources in directives:
        first.setdefault(name, sources)  # browsers ignore a repeated directive
    problems = []
    default = first.get("default-src")
    if default is None:
        problems.append("no default-src")
    elif default != ["'none'"] and "'self'" not in default:
        problems.append("default-src is neither 'self' nor 'none'")
    if first.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    for name, sources in directives:
        for token in sources:
            reason = unsafe_source(token)
            if reason:
                problems.append(f"{name}: {reason}")
    return problems


def value_problems(name: str, value: str) -> list[str]:
    """What is wrong with the value of the managed header ``name`` ([] when it is right)."""
    canonical = name.lower()
    stripped = value.strip()
    if canonical == "strict-transport-security":
        return hsts_problems(value)
    if canonical == "x-content-type-options":
        return [] if stripped.lower() == "nosniff" else ["must be nosniff"]
    if canonical == "x-frame-options":
        return [] if stripped.upper() == "DENY" else ["must be DENY"]
    if canonical == "referrer-policy":
        return [] if stripped in REFERRER_POLICIES else [f"must be one of {', '.join(sorted(REFERRER_POLICIES))}"]
    if canonical == "content-security-policy":
        return csp_problems(value)
    raise ValueError(f"{name} is not a managed header")


@dataclass(frozen=True)
class HeaderVerdict:
    """One row of a header audit."""

    name: str
    value: str | None
    ok: bool
    why: str


def audit(headers: Mapping[str, str]) -> list[HeaderVerdict]:
    """Judge a response's headers: the five hardening headers, then the three that disclose software."""
    verdicts = []
    for name in MANAGED:
        value = header_value(headers, name)
        if value is None:
            verdicts.append(HeaderVerdict(name, None, False, "missing"))
            continue
        problems = value_problems(name, value)
        verdicts.append(HeaderVerdict(name, value, not problems, "; ".join(problems) or "good"))
    for name in DISCLOSING:
        value = header_value(headers, name)
        verdicts.append(HeaderVerdict(name, value, value is None,
                                      "absent" if value is None else "tells attackers what software runs here"))
    return verdicts

"""Package names: PEP 503 normalisation, edit distance, and typosquat detection.

``typosquat_of(name, popular)`` is the reference solution of exercise 06_supply_chain:
it names the popular package that ``name`` imitates, by one edit (optimal string
alignment distance 1, both names at least 5 characters) or by a ``python-``/``py-``
style wrapper around the real name. ``TYPOSQUAT_INCIDENTS`` lists real cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import canonicalize_name

WRAPPER_PREFIXES = ("python-", "python3-", "py-")
WRAPPER_SUFFIXES = ("-python", "-py")
MIN_LENGTH_FOR_EDITS = 5


def normalize(name: str) -> str:
    """PEP 503: runs of ``-``, ``_`` and ``.`` become one ``-``, letters lower-case."""
    return str(canonicalize_name(name))


def osa_distance(a: str, b: str) -> int:
    """Damerau–Levenshtein distance in its optimal-string-alignment form.

    Insertions, deletions, substitutions and transpositions of two adjacent characters
    cost 1 each; no substring is edited twice.
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def unwrapped(name: str) -> set[str]:
    """``name`` (normalised) without one wrapper prefix or suffix such as ``python-`` or ``-py``."""
    found = {name[len(prefix):] for prefix in WRAPPER_PREFIXES if name.startswith(prefix)}
    found |= {name[: -len(suffix)] for suffix in WRAPPER_SUFFIXES if name.endswith(suffix)}
    return found


def imitates(name: str, popular: str) -> bool:
    """Does normalised ``name`` imitate normalised ``popular`` (one edit, or a wrapper)?"""
    if name == popular:
        return False
    one_edit = (len(name) >= MIN_LENGTH_FOR_EDITS and len(popular) >= MIN_LENGTH_FOR_EDITS
                and osa_distance(name, popular) == 1)
    return one_edit or popular in unwrapped(name)


def typosquat_of(name: str, popular: list[str]) -> str | None:
    """The first entry of ``popular`` (as written there) that ``name`` imitates, or None.

    Names are compared after PEP 503 normalisation; a name that is itself popular
    imitates nothing.
    """
    wanted = normalize(name)
    normalised = [normalize(entry) for entry in popular]
    if wanted in normalised:
        return None
    return next((entry for entry, candidate in zip(popular, normalised, strict=True)
                 if imitates(wanted, candidate)), None)


@dataclass(frozen=True)
class Incident:
    """A real malicious package that imitated a popular one."""

    malicious: str
    imitated: str
    year: int
    what: str


TYPOSQUAT_INCIDENTS = [
    Incident("urlib3", "urllib3", 2017, "one of ten packages Slovakia's NBU reported in September 2017: "
             "installed the real code and sent the user and host name to a remote server"),
    Incident("urllib", "urllib3", 2017, "same campaign; also borrows the name of a standard-library module"),
    Incident("setup-tools", "setuptools", 2017, "same campaign"),
    Incident("acqusition", "acquisition", 2017, "same campaign"),
    Incident("jeIlyfish", "jellyfish", 2019, "a capital I instead of the first l; hid code that stole SSH and GPG keys, "
             "found in December 2019 about a year after its upload"),
    Incident("python3-dateutil", "python-dateutil", 2019, "imported jeIlyfish; reported on 1 December 2019 "
             "and removed from PyPI the same day"),
]

#: Popular PyPI projects the course checks new names against (a small, fixed sample).
POPULAR = [
    "requests", "urllib3", "python-dateutil", "setuptools", "jellyfish", "acquisition", "numpy", "pandas",
    "django", "flask", "jinja2", "pyyaml", "pillow", "cryptography", "colorama", "boto3", "certifi",
    "idna", "packaging", "six", "typing-extensions", "pip", "wheel", "pytest", "beautifulsoup4",
]

"""Build tiny, real wheels (PEP 427) for the lesson's package indexes, byte for byte reproducible.

A wheel is a zip file: the package's modules plus a ``*.dist-info`` folder with
``METADATA``, ``WHEEL`` and ``RECORD`` (a hash of every file). pip installs what
``build_wheel`` writes exactly as it installs a wheel from PyPI. Fixed timestamps make
the same inputs give the same bytes, so a hash written down once stays valid.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name

_TIMESTAMP = (2020, 1, 1, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def distribution_name(name: str) -> str:
    """The name as it appears in file names: ``acme-billing`` → ``acme_billing``."""
    return str(canonicalize_name(name)).replace("-", "_")


def wheel_filename(name: str, version: str) -> str:
    return f"{distribution_name(name)}-{version}-py3-none-any.whl"


def build_wheel(folder: Path, name: str, version: str, module_source: str, summary: str = "") -> Path:
    """Write a pure-Python wheel of ``name`` ``version`` whose package's ``__init__.py`` is ``module_source``."""
    dist = distribution_name(name)
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if summary:
        metadata += f"Summary: {summary}\n"
    files = {
        f"{dist}/__init__.py": module_source.encode("utf-8"),
        f"{info}/METADATA": metadata.encode("utf-8"),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: seclab\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / wheel_filename(name, version)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            entry = zipfile.ZipInfo(member, _TIMESTAMP)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return path


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file, as pip's ``--hash=sha256:…`` wants it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

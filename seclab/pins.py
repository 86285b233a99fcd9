"""Keep environment.yml (Binder) pinned exactly as requirements.txt (pip, with hashes).

``python -m seclab.pins`` rewrites environment.yml from requirements.txt; ``make lock``
runs it after regenerating requirements.txt, and a test fails when the two disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from seclab.course import REPO_ROOT

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")
PYTHON_VERSION = "3.11"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(requirements: Path = REPO_ROOT / "requirements.txt") -> list[str]:
    """``name==version[; marker]`` for every pinned requirement, in file order."""
    pins = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pin = f"{canonical(match['name'])}=={match['version']}"
            pins.append(f"{pin}; {match['marker'].strip()}" if match["marker"] else pin)
    if not pins:
        raise ValueError(f"{requirements} pins nothing; regenerate it with `make lock`")
    return pins


def environment_yml(pins: list[str]) -> str:
    """The Binder/conda environment: Python plus the same pins, installed by pip."""
    lines = [
        "# Generated from requirements.txt by `python -m seclab.pins` (make lock): do not edit.",
        "# Binder builds this; binder/postBuild then installs the course package.",
        "name: safer-python",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON_VERSION}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f'      - "{pin}"' for pin in pins]
    return "\n".join(lines) + "\n"


def main() -> int:
    target = REPO_ROOT / "environment.yml"
    target.write_text(environment_yml(read_pins()), encoding="utf-8")
    print(f"wrote {target.relative_to(REPO_ROOT)} with {len(read_pins())} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())

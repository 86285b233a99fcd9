"""Make the course read-only for a process that runs a learner's code.

On Linux, as root (CI, a grading server), the process gets its own mount namespace in
which the course folder, the repository and the Python environment are re-mounted
read-only: the learner's code can still write its own temporary folder, but not the
gradebook, other students' submissions, the instructor's sources or the grader's code.
Elsewhere it does nothing and says so; the class grader then falls back to checking
those files for changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def make_read_only(paths: list[str]) -> bool:
    """Re-mount ``paths`` read-only in a new mount namespace of this process.

    Returns False (changing nothing) where that is not possible: not Linux, not root,
    or namespaces not allowed.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not os.path.exists("/proc/self/ns/mnt"):
        return False
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS) != 0:
        return False
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    for path in paths:
        target = os.fsencode(path)
        if libc.mount(target, target, None, _MS_BIND | _MS_REC, None) != 0:
            return False
        if libc.mount(None, target, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY, None) != 0:
            return False
    return True


def protected_paths(course_root: str | None = None) -> list[str]:
    """The folders a learner's code must not change: course, repository, environment."""
    import sys

    from seclab.course import REPO_ROOT

    found = {str(REPO_ROOT), os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    found.update(path for path in os.environ.get("SECLAB_PROTECT", "").split(os.pathsep) if path)
    if course_root:
        found.add(os.path.realpath(course_root))
    # a folder inside another is covered by the outer bind mount
    return sorted(path for path in found
                  if not any(path != other and path.startswith(other + os.sep) for other in found))

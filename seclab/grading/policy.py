"""The sandbox policy: the one place that says how learner code runs during grading.

Everything that runs a learner's code for the grader — the class grader's kernel
(``seclab.grading.kernel``), the isolated verifier (``seclab.grading.sandbox``) and
exploit replays — gets its limits, environment and view of the file system from here.

Confinement uses bubblewrap (``bwrap``, Debian package ``bubblewrap``): a fresh mount,
PID, network (loopback only), IPC and UTS namespace; a file system made only of the
operating system, the Python installation and the ``seclab`` package (read-only), an
empty private ``/tmp`` and the one folder the run may write; no capabilities,
``no_new_privs``, and an unprivileged user id of its own. The course root, the
repository's ``autograder/`` (sources, hidden corpora, submissions, gradebook), the
instructor's temporary folders and every other student's files are simply not there.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess  # probes bwrap with a fixed argv  # nosec B404
import sys
from dataclasses import dataclass
from pathlib import Path

import seclab
from seclab.course import REPO_ROOT

#: how to install the sandboxing tool, for messages
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap)"
#: ``SECLAB_SANDBOX``: ``auto`` (default: bwrap when it works), ``bwrap`` (required) or ``none``
MODE_VARIABLE = "SECLAB_SANDBOX"
#: set inside a sandbox, so that code there does not try to nest another one
CONFINED_VARIABLE = "SECLAB_CONFINED"
#: the wall clock one submission may take in the class grader, everything included
SUBMISSION_SECONDS = 600.0
#: intake limits of a submission folder
NOTEBOOK_BYTES = 20 * 1024 * 1024
ANSWERS_BYTES = 1024 * 1024
#: inside a sandbox: its own empty temporary folders (fresh tmpfs mounts, not the host's)
SANDBOX_TMP = "/tmp"  # nosec B108 - a private tmpfs inside the sandbox
SANDBOX_SHM = "/dev/shm"  # nosec B108 - a private tmpfs inside the sandbox
#: first unprivileged user id handed to sandboxes (each sandbox gets its own)
UID_BASE = 200_000


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed process tree."""

    seconds: float        # wall clock per cell (kernel) or per call (verifier)
    load_seconds: float   # wall clock to load a program (verifier) or to start (kernel)
    memory_bytes: int     # address space per process
    cpu_seconds: int      # CPU time per process
    file_bytes: int       # largest file it may write
    processes: int        # processes and threads of its user
    tmp_bytes: int        # size of its private /tmp


#: the isolated verifier: one call of a learner's function
VERIFIER = Limits(seconds=5.0, load_seconds=30.0, memory_bytes=1024 ** 3, cpu_seconds=120,
                  file_bytes=16 * 1024 ** 2, processes=64, tmp_bytes=256 * 1024 ** 2)
#: a program cell while the verifier loads the program
VERIFIER_CELL_SECONDS = 5.0
#: an exploit replay (servers may start): one call
REPLAY = Limits(seconds=30.0, load_seconds=30.0, memory_bytes=1024 ** 3, cpu_seconds=120,
                file_bytes=16 * 1024 ** 2, processes=64, tmp_bytes=256 * 1024 ** 2)
#: the class grader's kernel: one notebook cell
KERNEL = Limits(seconds=60.0, load_seconds=60.0, memory_bytes=3 * 1024 ** 3, cpu_seconds=300,
                file_bytes=64 * 1024 ** 2, processes=64, tmp_bytes=512 * 1024 ** 2)
#: times a notebook may end its kernel before grading of that notebook stops
KERNEL_MAX_RESTARTS = 3
#: times a program may end the verifier while loading
VERIFIER_MAX_SKIPPED_CELLS = 3


def environment(home: str, kernel: bool = False, confined: bool = False) -> dict[str, str]:
    """The whole environment of sandboxed code: no tokens, keys, paths or instructor settings."""
    found = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
             "MALLOC_ARENA_MAX": "2", "TMPDIR": SANDBOX_TMP if confined else home}
    if kernel:
        found.update({"NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg"})
    if confined:
        found[CONFINED_VARIABLE] = "1"
    return found


def set_limits(limits: Limits, processes: bool) -> None:
    """Apply ``limits`` to the calling process (about to run, or to start, learner code).

    The process limit counts every process of the user, so it is only set where the code
    runs as a user id of its own (``processes``): confined, as root.
    """
    import resource

    pairs = [(resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
             (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_CORE, 0)]
    if processes:
        pairs.append((resource.RLIMIT_NPROC, limits.processes))
    for kind, value in pairs:
        resource.setrlimit(kind, (value, value))


# --- what the sandbox may see ------------------------------------------------------------

def protected_paths(course_root: str | Path | None = None) -> list[str]:
    """Folders learner code must never see: the repository's autograder/, its history, the course root."""
    found = {str(REPO_ROOT / "autograder"), str(REPO_ROOT / ".git")}
    if course_root is not None:
        found.add(os.path.realpath(course_root))
    hidden = os.environ.get("SECLAB_HIDDEN_CORPUS_DIR")
    if hidden:
        found.add(os.path.realpath(hidden))
    return sorted(found)


def visible_paths() -> list[str]:
    """What a sandbox sees read-only besides the operating system: Python, its packages, ``seclab``."""
    package = Path(seclab.__file__).resolve().parent
    found = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), str(package)}
    manifest = package.parent / "course.toml"
    if manifest.is_file():
        found.add(str(manifest))
    for path in sys.path:  # site-packages outside the prefixes (rare: a user site, PYTHONPATH)
        real = os.path.realpath(path) if path else ""
        if real and os.path.isdir(real) and "site-packages" in real:
            found.add(real)
    protected = protected_paths()
    return sorted(path for path in found
                  if not any(path == p or path.startswith(p + os.sep) for p in protected))


def _bwrap() -> str | None:
    return shutil.which("bwrap") or ("/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else None)


def _setpriv() -> str | None:
    return shutil.which("setpriv")


def _system_mounts() -> list[str]:
    args: list[str] = []
    for name in ("/usr", "/etc", "/opt"):
        if os.path.isdir(name):
            args += ["--ro-bind", name, name]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def bwrap_prefix(limits: Limits, writable: list[str], uid: int | None, keep_setuid: bool = False,
                 chdir: str = "/") -> list[str]:
    """The ``bwrap … --`` prefix of a confined command.

    As root, the command starts as root *inside* the sandbox with no capabilities but
    SETUID/SETGID/KILL when ``keep_setuid`` (the kernel's fork server, which drops to a fresh
    user id per notebook), otherwise it is started through ``setpriv`` as ``uid``.
    Without root, bwrap's user namespace maps the caller's own unprivileged id.
    """
    bwrap = _bwrap()
    if bwrap is None:
        raise FileNotFoundError("bwrap")
    args = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox",
            *_system_mounts(), "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", SANDBOX_TMP,
            "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", SANDBOX_SHM]
    made = {"/", SANDBOX_TMP, "/dev", "/proc", "/usr", "/etc", "/opt"}
    for path in [*visible_paths(), *writable]:  # parents readable by the sandbox's user, whatever the umask
        for parent in reversed(Path(path).parents):
            if str(parent) not in made and not any(str(parent).startswith(m + "/") for m in ("/usr", "/etc", "/opt")):
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
    for path in visible_paths():
        args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    args += ["--chdir", chdir]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        if keep_setuid:  # and CAP_KILL: it must be able to end the notebook's processes
            return [*args, "--cap-add", "CAP_KILL", "--"]
        args += ["--cap-add", "CAP_SETPCAP"]  # for setpriv to empty the bounding set
        setpriv = _setpriv()
        if setpriv is None or uid is None:
            raise FileNotFoundError("setpriv")
        return [*args, "--", setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return [*args, "--unshare-user", "--disable-userns", "--cap-drop", "ALL", "--"]


_uids = itertools.count()


def next_uid() -> int:
    """A user id no other sandbox of this machine's graders is likely to hold at the same time."""
    return UID_BASE + (os.getpid() % 40_000) * 50 + next(_uids) % 50


def own_user() -> bool:
    """Whether confined code runs as a user id of its own (so a per-user process limit is meaningful)."""
    return os.geteuid() == 0


def nested() -> bool:
    """True inside a sandbox: code there runs helpers as plain child processes."""
    return os.environ.get(CONFINED_VARIABLE) == "1"


@functools.cache
def confinement() -> tuple[bool, str]:
    """(works, why not): can this machine confine learner code with bwrap?"""
    if not sys.platform.startswith("linux"):
        return False, f"confinement needs Linux namespaces; this is {sys.platform}"
    if _bwrap() is None:
        return False, f"bwrap (bubblewrap) is not installed: {INSTALL_HINT}"
    if os.geteuid() == 0 and _setpriv() is None:
        return False, "setpriv (util-linux) is missing"
    try:
        argv = bwrap_prefix(VERIFIER, [], next_uid()) + [sys.executable, "-I", "-c", "pass"]
        probe = subprocess.run(argv, capture_output=True, timeout=60, env=environment(SANDBOX_TMP, confined=True),  # noqa: S603  # nosec B603
                               check=False, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"bwrap could not start: {error}"
    if probe.returncode != 0:
        detail = probe.stderr.decode(errors="replace").strip().splitlines()
        return False, f"bwrap cannot create namespaces here ({detail[-1] if detail else probe.returncode})"
    return True, ""


def use_bwrap() -> bool:
    """Whether sandboxes started now are confined with bwrap (``SECLAB_SANDBOX`` decides; auto by default)."""
    mode = os.environ.get(MODE_VARIABLE, "auto")
    if mode == "none" or nested():
        return False
    works, why = confinement()
    if mode == "bwrap" and not works:
        from seclab.errors import ConfinementError

        raise ConfinementError(why)
    return works


def give_to(path: str | Path, uid: int | None) -> None:
    """Make ``path`` (a sandbox's own folder) writable by ``uid`` (root only)."""
    if uid is not None and os.geteuid() == 0:
        os.chown(path, uid, uid)
        os.chmod(path, 0o711)  # nosec B103 - bwrap enters it before it drops to uid; others cannot list it

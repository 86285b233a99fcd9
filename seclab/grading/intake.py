"""Finding and accepting work: submission folders, what of them may be graded, resume markers.

A submission folder may hold only the assignment's notebooks, ``seclab_answers.json``
and nbgrader's ``timestamp.txt`` and ``submission_secret.txt`` (which ``release_feedback``
needs to find the learner's feedback again): regular files (no symbolic links, devices or pipes)
within ``policy.NOTEBOOK_BYTES`` / ``policy.ANSWERS_BYTES``, the answers a JSON object.
Anything else is refused with a note naming it, and only the validated bytes go on to
grading, ``autograded/`` and ``feedback/``. Digests are of what is in the folder (a link
is digested as its target's name, never followed), and a graded submission gets a
done-marker holding the digest, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from seclab.answers import ANSWERS_FILE
from seclab.grading import policy

GRADER_VERSION = "2"
DONE_MARKER = ".seclab-graded"
TIMESTAMP_FILE = "timestamp.txt"
SUBMISSION_SECRET_FILE = "submission_secret.txt"  # nosec B105 - a file name nbgrader writes, not a secret
TIMESTAMP_BYTES = 1024
#: left out without a note: Jupyter's own autosave folder
QUIETLY_IGNORED = {".ipynb_checkpoints"}


@dataclass
class Intake:
    """The validated files of one submission (name -> bytes) and what was refused."""

    files: dict[str, bytes] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def submission_folders(course: Path, assignment: str) -> dict[str, Path]:
    """student id -> their submitted folder for ``assignment`` (real folders only, no links)."""
    found = {}
    submitted = course / "submitted"
    if submitted.is_dir() and not submitted.is_symlink():
        for student in sorted(submitted.iterdir()):
            folder = student / assignment
            if not student.is_symlink() and not folder.is_symlink() and folder.is_dir():
                found[student.name] = folder
    return found


def _read_regular(path: Path, limit: int) -> bytes | str:
    """The bytes of the regular file ``path`` (never through a link), or why it is refused."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        return "is a symbolic link" if os.path.islink(path) else f"cannot be read ({error.strerror})"
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_size > limit:
            return f"is larger than {limit // (1024 * 1024) or 1} MB"
        data = handle.read(limit + 1)
    if len(data) > limit:
        return f"is larger than {limit // (1024 * 1024) or 1} MB"
    return data


def read_submission(folder: Path, notebook_ids: list[str]) -> Intake:
    """Validate ``folder``; the files that may be graded and a note per refused entry."""
    limits = {f"{notebook_id}.ipynb": policy.NOTEBOOK_BYTES for notebook_id in notebook_ids}
    limits[ANSWERS_FILE] = policy.ANSWERS_BYTES
    limits[TIMESTAMP_FILE] = limits[SUBMISSION_SECRET_FILE] = TIMESTAMP_BYTES
    intake = Intake()
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name in QUIETLY_IGNORED and entry.is_dir(follow_symlinks=False):
            continue
        if entry.name not in limits:
            kind = "symbolic link" if entry.is_symlink() else "folder" if entry.is_dir() else "file"
            intake.refused.append(f"refused {entry.name!r}: a {kind} that is not part of the submission "
                                  f"(only the notebook and {ANSWERS_FILE} are graded)")
            continue
        data = _read_regular(Path(entry.path), limits[entry.name])
        if isinstance(data, str):
            intake.refused.append(f"refused {entry.name!r}: it {data}")
            continue
        if entry.name == ANSWERS_FILE:
            try:
                answers = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                answers = None
            if not isinstance(answers, dict) or not all(isinstance(key, str) for key in answers):
                intake.refused.append(f"refused {entry.name!r}: it is not a JSON object of recorded answers")
                continue
        intake.files[entry.name] = data
    return intake


def tree_digest(folder: Path) -> str:
    """A digest of every entry (names, bytes; a link's target name, unfollowed) below ``folder``."""
    digest = hashlib.sha256()
    if not folder.exists():
        return ""
    for root, folders, files in os.walk(folder):  # os.walk does not follow links to folders
        folders.sort()
        for name in sorted(files) + [f for f in folders if os.path.islink(os.path.join(root, f))]:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder).encode()
            try:
                if os.path.islink(path):
                    content = b"link:" + os.readlink(path).encode()
                elif stat.S_ISREG(os.lstat(path).st_mode):
                    with open(path, "rb") as handle:
                        content = handle.read()
                else:
                    content = b"special"
            except OSError:
                content = b"unreadable"
            digest.update(relative + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def course_digests(course: Path, assignment: str) -> dict[str, str]:
    """Digests of what grading must not change: the course folder (grader outputs aside), hidden corpora, config.

    The gradebook, ``autograded/``, ``feedback/``, ``release/`` and the grades export are
    the grader's own outputs; everything else of the course root is compared.
    """
    from seclab.grading import HIDDEN_CORPUS_DIR

    outputs = {"gradebook.db", "gradebook.db-journal", "autograded", "feedback", "release", "grades.csv",
               "submitted"}
    digests = {}
    for entry in sorted(course.iterdir()):
        if entry.name not in outputs:
            digests[entry.name] = tree_digest(entry) if entry.is_dir() else _file_digest(entry)
    hidden = Path(os.environ.get("SECLAB_HIDDEN_CORPUS_DIR", HIDDEN_CORPUS_DIR))
    digests["hidden corpora"] = tree_digest(hidden)
    return digests


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(b"link:" + os.readlink(path).encode() if path.is_symlink()
                              else path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def marker(course: Path, assignment: str, student: str) -> Path:
    """The done-marker of one graded submission."""
    return course / "autograded" / student / assignment / DONE_MARKER


def already_graded(course: Path, assignment: str, student: str, digest: str) -> bool:
    """Whether this very submission was graded by this grader version."""
    try:
        return marker(course, assignment, student).read_text() == f"{GRADER_VERSION}:{digest}"
    except (FileNotFoundError, NotADirectoryError):
        return False


def mark_graded(course: Path, assignment: str, student: str, digest: str) -> None:
    marker(course, assignment, student).write_text(f"{GRADER_VERSION}:{digest}")

"""Set up and run a Safer Python class on one JupyterHub server (run as root).

Usage: python deploy/jupyterhub/hub.py setup [--root DIR] [--share-python]
       python deploy/jupyterhub/hub.py add-user NAME [--instructor] [--root DIR] [--home-base DIR]
       python deploy/jupyterhub/hub.py remove-user NAME
       python deploy/jupyterhub/hub.py start [--root DIR]

``make hub`` runs setup then start; ``make hub-user NAME=ada [ROLE=instructor]`` adds a
person. Learners and instructors are Unix accounts in the groups ``<class>-learners`` and
``<class>-instructors`` (class from $SECLAB_CLASS, default ``safer-python``); the hub lets
exactly those log in. See docs/teaching-at-scale.md.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import shutil
import subprocess  # nosec B404
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent
COURSE_ID = "safer-python"
COURSE_FOLDER = "safer-python-course"  # the instructor's nbgrader course, in their home
DEFAULT_ROOT = Path("/srv/safer-python")


class HubSetupError(Exception):
    """Something the person running the command must fix; the message says what."""


def class_name() -> str:
    return os.environ.get("SECLAB_CLASS", "safer-python")


def groups() -> tuple[str, str]:
    """(learners group, instructors group)."""
    return f"{class_name()}-learners", f"{class_name()}-instructors"


def say(message: str) -> None:
    print(f"hub: {message}", flush=True)


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a system tool; a failure raises HubSetupError with its output."""
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]  # nosec B603
    if result.returncode:
        raise HubSetupError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result


def require_root() -> None:
    if os.geteuid() != 0:
        raise HubSetupError("run this as root (sudo): the hub creates accounts and starts servers as them")


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# --- setup -----------------------------------------------------------------------------------

def install_proxy() -> Path:
    """configurable-http-proxy from the pinned package-lock.json (npm ci)."""
    proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
    if proxy.exists():
        return proxy
    npm = shutil.which("npm")
    if npm is None:
        raise HubSetupError("npm is missing: install Node.js 20 or newer with npm (apt-get install nodejs npm)")
    say("installing configurable-http-proxy (npm ci, pinned by package-lock.json) …")
    run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE)
    return proxy


def nbgrader_config(exchange: str) -> str:
    """The class's nbgrader settings for every account (also used on Kubernetes)."""
    return ("# The class's nbgrader settings for every account (deploy/jupyterhub/hub.py).\n"
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {exchange!r}\n")


def _readable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def write_system_config(root: Path) -> None:
    """nbgrader for everyone: the course id and the exchange (the learner view is binder/learner/)."""
    system = root / "etc" / "jupyter"
    system.mkdir(parents=True, exist_ok=True)
    (system / "nbgrader_config.py").write_text(nbgrader_config(str(root / "exchange")), encoding="utf-8")
    _readable(system)


def share_python(paths: list[Path]) -> list[tuple[Path, int]]:
    """Let every account traverse to the interpreter and the course (o+x on parent folders).

    Python installed under /root (pyenv) or a clone in a private home is otherwise out of
    the learners' reach. Returns (folder, old mode) for what was changed.
    """
    changed = []
    for target in paths:
        for folder in [target, *target.parents]:
            mode = folder.stat().st_mode & 0o7777
            if not mode & 0o001:
                folder.chmod(mode | 0o001)
                changed.append((folder, mode))
    for folder, mode in changed:
        say(f"made {folder} traversable for every account (was {oct(mode)})")
    return changed


def setup(root: Path, share: bool) -> None:
    require_root()
    say(f"class folder {root}")
    install_proxy()
    (root / "hub").mkdir(parents=True, exist_ok=True)
    (root / "hub").chmod(0o700)
    exchange = root / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)  # nbgrader: everyone writes here; sticky, so nobody removes another's folder
    write_system_config(root)
    root.chmod(0o755)
    # The repository's autograder/ holds solutions and hidden corpora: instructors get their
    # own copy (add-user --instructor); learners must not read this one.
    (REPO / "autograder").chmod(0o700)
    if share:
        share_python([Path(sys.base_prefix).resolve(), REPO])
    say("set up: add people with `make hub-user NAME=... [ROLE=instructor]`, then `make hub`")


# --- accounts ---------------------------------------------------------------------------------

def quiet_lab_settings(home: Path) -> None:
    """No 'Would you like to receive official Jupyter news?' prompt: nothing is fetched anyway."""
    write_json(home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
               / "notification.jupyterlab-settings", {"fetchNews": "false", "checkForUpdates": False})


def instructor_course(home: Path, root: Path) -> Path:
    """The instructor's private nbgrader course: sources, hidden corpora, config, gradebook."""
    course = home / COURSE_FOLDER
    if not course.exists():
        course.mkdir()
        for part in ("source", "hidden"):
            shutil.copytree(REPO / "autograder" / part, course / part)
        config = (REPO / "autograder" / "nbgrader_config.py").read_text(encoding="utf-8")
        config += f"\n# Added by deploy/jupyterhub/hub.py: the class's exchange.\nc.Exchange.root = {str(root / 'exchange')!r}\n"
        (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
    (home / ".jupyter").mkdir(exist_ok=True)
    (home / ".jupyter" / "nbgrader_config.py").write_text(
        "# formgrader and nbgrader commands find the course from anywhere\n"
        f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}\n", encoding="utf-8")
    return course


def add_user(name: str, instructor: bool, root: Path, home_base: Path) -> None:
    require_root()
    learners, instructors = groups()
    for group in (learners, instructors):
        run(["groupadd", "-f", group])
    group = instructors if instructor else learners
    try:
        home = Path(pwd.getpwnam(name).pw_dir)
        run(["usermod", "-aG", group, name])
        say(f"{name} exists; added to {group}")
    except KeyError:
        home = home_base / name
        home_base.mkdir(parents=True, exist_ok=True)
        run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
             "--user-group", "--groups", group, name])
        say(f"created account {name} in {group} (set a password with `passwd {name}` for PAM logins)")
    home.chmod(0o700)  # nobody reads another person's work
    quiet_lab_settings(home)
    if instructor:
        course = instructor_course(home, root)
        say(f"{name}'s course: {course} (release with `nbgrader release_assignment ID` there)")
    run(["chown", "-R", f"{name}:{name}", str(home)])


def remove_user(name: str) -> None:
    require_root()
    if not any(name in grp.getgrnam(group).gr_mem for group in groups() if _group_exists(group)):
        raise HubSetupError(f"{name} is not in this class's groups {groups()}: not removing it")
    subprocess.run(["pkill", "-KILL", "-u", name], check=False, capture_output=True)  # nosec B603 B607
    run(["userdel", "--remove", name])
    say(f"removed {name} and their home folder")


def _group_exists(group: str) -> bool:
    try:
        grp.getgrnam(group)
    except KeyError:
        return False
    return True


# --- start ------------------------------------------------------------------------------------

def start(root: Path) -> None:
    require_root()
    if not (root / "exchange").is_dir():
        raise HubSetupError(f"{root} is not set up: run `python deploy/jupyterhub/hub.py setup --root {root}` first")
    install_proxy()
    os.chdir(root / "hub")
    env = dict(os.environ, SECLAB_HUB_ROOT=str(root), PATH=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]))
    say(f"starting JupyterHub on http://127.0.0.1:{env.get('SECLAB_HUB_PORT', '8000')} (Ctrl-C stops it and every server)")
    os.execve(VENV_BIN / "jupyterhub", [str(VENV_BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")], env)  # nosec B606 - the hub replaces this process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python deploy/jupyterhub/hub.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    root_help = f"the class folder (default {DEFAULT_ROOT})"
    setup_parser = commands.add_parser("setup", help="install the proxy, the exchange and the nbgrader config")
    setup_parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help=root_help)
    setup_parser.add_argument("--share-python", action="store_true",
                              help="make the interpreter and the course traversable for every account (pyenv under /root)")
    user_parser = commands.add_parser("add-user", help="create a learner (or --instructor) account")
    user_parser.add_argument("name")
    user_parser.add_argument("--instructor", action="store_true")
    user_parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help=root_help)
    user_parser.add_argument("--home-base", type=Path, default=Path("/home"))
    remove_parser = commands.add_parser("remove-user", help="remove an account of the class and its home")
    remove_parser.add_argument("name")
    start_parser = commands.add_parser("start", help="start the hub on 127.0.0.1")
    start_parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help=root_help)
    args = parser.parse_args(argv)
    try:
        if args.command == "setup":
            setup(args.root.resolve(), args.share_python)
        elif args.command == "add-user":
            add_user(args.name, args.instructor, args.root.resolve(), args.home_base)
        elif args.command == "remove-user":
            remove_user(args.name)
        else:
            start(args.root.resolve())
    except HubSetupError as error:
        print(f"hub: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

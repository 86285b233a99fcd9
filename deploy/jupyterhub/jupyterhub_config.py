"""JupyterHub for a Safer Python class on one server (see docs/teaching-at-scale.md).

Start it with ``make hub`` (or ``python deploy/jupyterhub/hub.py start``), which sets the
environment below. Every learner and instructor is a Unix account in one of the class's
two groups, made by ``make hub-user``; each gets their own single-user JupyterLab
(LocalProcessSpawner) from the course's virtual environment.

Environment (all optional except where said):
  SECLAB_HUB_ROOT          the class folder made by ``hub.py setup`` (exchange, etc/, hub state)
  SECLAB_CLASS             group prefix: <class>-learners, <class>-instructors (default safer-python)
  SECLAB_HUB_PORT          public port of the proxy on 127.0.0.1 (default 8000)
  SECLAB_HUB_API_PORT      the hub's internal API port (default 8081)
  SECLAB_HUB_PROXY_API_PORT  configurable-http-proxy's API port (default 8001)
  SECLAB_HUB_AUTHENTICATOR pam (default: the accounts' Unix passwords) | native | shared-password
  SECLAB_HUB_SHARED_PASSWORD  the password for shared-password (tests only; required there)
  SECLAB_HUB_SERVICE_TOKEN an API token for the ``seclab-admin`` service (tests, scripts)

The hub listens on 127.0.0.1 only: put a TLS-terminating reverse proxy (nginx, Caddy) in
front of it to open it to a class.
"""

from __future__ import annotations

import grp
import os
import pwd
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by JupyterHub

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
ROOT = Path(os.environ.get("SECLAB_HUB_ROOT", "/srv/safer-python"))
CLASS = os.environ.get("SECLAB_CLASS", "safer-python")
LEARNERS_GROUP = f"{CLASS}-learners"
INSTRUCTORS_GROUP = f"{CLASS}-instructors"
SYSTEM_CONFIG = ROOT / "etc" / "jupyter"            # nbgrader_config.py for everyone
LEARNER_CONFIG = HERE.parents[1] / "binder" / "learner"  # hides nbgrader's instructor tools, as `make lab` does


def members(group: str) -> set[str]:
    """Accounts in ``group``, by supplementary or primary membership; empty if no such group."""
    try:
        entry = grp.getgrnam(group)
    except KeyError:
        return set()
    primary = {user.pw_name for user in pwd.getpwall() if user.pw_gid == entry.gr_gid}
    return set(entry.gr_mem) | primary


def in_class(username: str) -> bool:
    return username in members(LEARNERS_GROUP) | members(INSTRUCTORS_GROUP)


# --- network: loopback only ---------------------------------------------------------
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ.get("SECLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("SECLAB_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('SECLAB_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]

# --- state of the hub itself, private to root -----------------------------------------
c.JupyterHub.db_url = f"sqlite:///{ROOT / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(ROOT / "hub" / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(ROOT / "hub" / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server

# --- who may log in ------------------------------------------------------------------
AUTHENTICATOR = os.environ.get("SECLAB_HUB_AUTHENTICATOR", "pam")
if AUTHENTICATOR == "pam":
    # Production on one server: the accounts' own Unix passwords, class members only.
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {LEARNERS_GROUP, INSTRUCTORS_GROUP}
elif AUTHENTICATOR == "native":
    # Learners sign up and an instructor approves them (pip install jupyterhub-nativeauthenticator;
    # accounts still need a Unix user each, made with `make hub-user`).
    c.JupyterHub.authenticator_class = "native"
    c.Authenticator.allow_all = False
elif AUTHENTICATOR == "shared-password":
    from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

    class ClassSharedPasswordAuthenticator(SharedPasswordAuthenticator):
        """Test only: one shared password, and only accounts in the class's groups."""

        def check_allowed(self, username: str, authentication: object = None) -> bool:
            return in_class(username)

    password = os.environ.get("SECLAB_HUB_SHARED_PASSWORD", "")
    if len(password) < 16:
        sys.exit("SECLAB_HUB_SHARED_PASSWORD must hold at least 16 characters for the shared-password authenticator")
    c.JupyterHub.authenticator_class = ClassSharedPasswordAuthenticator
    c.SharedPasswordAuthenticator.user_password = password
else:
    sys.exit(f"SECLAB_HUB_AUTHENTICATOR={AUTHENTICATOR!r}: use pam, native or shared-password")

# --- an API token for scripts and the test (never in a file of the repository) ---------
SERVICE_TOKEN = os.environ.get("SECLAB_HUB_SERVICE_TOKEN")
if SERVICE_TOKEN:
    c.JupyterHub.services = [{"name": "seclab-admin", "api_token": SERVICE_TOKEN}]
    c.JupyterHub.load_roles = [{
        "name": "seclab-admin",
        "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"],
        "services": ["seclab-admin"],
    }]

# --- each person's JupyterLab -----------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# No news feed or update check: nothing is fetched from outside, nothing to click away.
c.Spawner.args = [
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
c.Spawner.mem_limit = os.environ.get("SECLAB_HUB_MEM_LIMIT", "2G")  # enforced on Kubernetes, a hint here


def pre_spawn_hook(spawner: object) -> None:
    """Learners see the Assignments tab only; instructors also get formgrader and create-assignment.

    nbgrader (the exchange root, the course id) is configured in SYSTEM_CONFIG for everyone;
    the learner view is one more config folder in front of it that switches the instructor
    extensions off.
    """
    name = spawner.user.name  # type: ignore[attr-defined]
    config_path = [str(SYSTEM_CONFIG)]
    if name not in members(INSTRUCTORS_GROUP):
        config_path.insert(0, str(LEARNER_CONFIG))
    spawner.environment.update({  # type: ignore[attr-defined]
        "JUPYTER_CONFIG_PATH": os.pathsep.join(config_path),
        # nbgrader runs alembic from PATH when it opens a gradebook
        "PATH": os.pathsep.join([str(VENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    })


c.Spawner.pre_spawn_hook = pre_spawn_hook

"""The deployment files agree with each other and with the course (deploy/, checked statically).

The single-server route runs for real in tests/test_hub.py; the Kubernetes route cannot run
here, so its files are parsed and held to the same pins and nbgrader settings.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from support import REPO
from traitlets.config import Config

KUBERNETES = REPO / "deploy" / "kubernetes"
JUPYTERHUB = REPO / "deploy" / "jupyterhub"


def _hub_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seclab_hub_script", JUPYTERHUB / "hub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hub = _hub_module()


def values() -> dict:
    return yaml.safe_load((KUBERNETES / "values.yaml").read_text(encoding="utf-8"))


def dockerfile() -> list[str]:
    return (KUBERNETES / "Dockerfile").read_text(encoding="utf-8").splitlines()


def hub_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    """deploy/jupyterhub/jupyterhub_config.py evaluated with this environment."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    path = JUPYTERHUB / "jupyterhub_config.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"),  # noqa: S102  # nosec B102 - our own file
         {"get_config": lambda: config, "__file__": str(path), "__name__": "jupyterhub_config"})
    return config


def test_the_image_installs_exactly_the_hash_checked_pins() -> None:
    lines = dockerfile()
    assert lines[[i for i, line in enumerate(lines) if line.startswith("FROM ")][0]].startswith("FROM python:3.11")
    installs = [line for line in lines if "pip install" in line]
    assert any("--require-hashes -r /opt/safer-python/requirements.txt" in line for line in installs), installs
    assert "COPY requirements.txt /opt/safer-python/requirements.txt" in lines
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs), installs


def test_the_image_carries_no_solutions_or_hidden_corpora() -> None:
    copied = [line.split()[1:-1] for line in dockerfile() if line.startswith("COPY ")]
    assert copied and not any(part.startswith("autograder") or part == "." for parts in copied for part in parts), copied


def test_kubernetes_and_one_server_share_the_nbgrader_settings() -> None:
    single = values()["singleuser"]
    config_file = single["extraFiles"]["nbgrader-config"]
    mount = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}["nbgrader-exchange"]
    assert config_file["stringData"] == hub.nbgrader_config(mount)
    assert config_file["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    assert hub.COURSE_ID == "safer-python"


def test_the_exchange_volume_is_the_shared_claim() -> None:
    claim = yaml.safe_load((KUBERNETES / "exchange-pvc.yaml").read_text(encoding="utf-8"))
    volumes = {v["name"]: v for v in values()["singleuser"]["storage"]["extraVolumes"]}
    assert volumes["nbgrader-exchange"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_every_learner_is_limited_and_idle_servers_are_culled() -> None:
    data = values()
    single = data["singleuser"]
    assert 0 < single["cpu"]["guarantee"] <= single["cpu"]["limit"] <= 2
    assert single["memory"]["limit"] == "2G" and single["memory"]["guarantee"] == "1G"
    assert data["cull"]["enabled"] is True and 0 < data["cull"]["timeout"] <= 4 * 3600
    assert single["networkPolicy"]["egressAllowRules"]["nonPrivateIPs"] is False


def test_learners_get_the_learner_view_on_kubernetes_too() -> None:
    hook = values()["hub"]["extraConfig"]["00-safer-python"]
    assert 'spawner.environment["JUPYTER_CONFIG_PATH"] = "/etc/jupyter-learner"' in hook
    assert "spawner.uid = 100000 + spawner.user.id" in hook  # nbgrader's exchange needs distinct ids
    assert "COPY binder/learner /etc/jupyter-learner" in dockerfile()


def test_the_learner_view_switches_off_real_instructor_plugins() -> None:
    learner = REPO / "binder" / "learner"
    page = json.loads((learner / "labconfig" / "page_config.json").read_text())
    server = json.loads((learner / "jupyter_server_config.d" / "nbgrader-learner.json").read_text())
    assert page["disabledExtensions"] == page["lockedExtensions"]
    disabled = set(page["disabledExtensions"])
    assert disabled == {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list",
                        "@jupyter/nbgrader:formgrader"}
    bundle = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    shipped = set(re.findall(r'"(@jupyter/nbgrader:[a-z-]+)"', "".join(p.read_text(errors="replace") for p in bundle.glob("*.js"))))
    assert disabled < shipped and "@jupyter/nbgrader:assignment-list" in shipped - disabled
    switches = server["ServerApp"]["jpserver_extensions"]
    assert not switches["nbgrader.server_extensions.formgrader"] and not switches["nbgrader.server_extensions.course_list"]
    assert switches["nbgrader.server_extensions.assignment_list"]


def test_the_hub_listens_on_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    config = hub_config(monkeypatch, SECLAB_HUB_AUTHENTICATOR="pam", SECLAB_HUB_PORT="18000")
    assert config.JupyterHub.ip == config.JupyterHub.hub_ip == "127.0.0.1"
    assert config.JupyterHub.port == 18000
    assert config.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert config.PAMAuthenticator.allowed_groups == {"safer-python-learners", "safer-python-instructors"}


def test_the_test_only_authenticator_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="at least 16"):
        hub_config(monkeypatch, SECLAB_HUB_AUTHENTICATOR="shared-password", SECLAB_HUB_SHARED_PASSWORD="short")
    with pytest.raises(SystemExit, match="use pam, native or shared-password"):
        hub_config(monkeypatch, SECLAB_HUB_AUTHENTICATOR="anyone")


def test_the_proxy_is_pinned_with_its_integrity() -> None:
    wanted = json.loads((JUPYTERHUB / "package.json").read_text())["dependencies"]["configurable-http-proxy"]
    lock = json.loads((JUPYTERHUB / "package-lock.json").read_text())
    entry = lock["packages"]["node_modules/configurable-http-proxy"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted) and entry["version"] == wanted
    assert all(package.get("integrity", "").startswith("sha512-")
               for name, package in lock["packages"].items() if name)

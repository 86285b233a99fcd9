"""The injection demo targets: the vulnerable twin falls to the attacks, the fixed one does not."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from seclab.attacks import injection as attacks
from seclab.targets import create, injection, running, servable_targets

TARGETS = servable_targets()


def test_vulnerable_login_falls_to_every_public_bypass():
    for payload in attacks.SQL_LOGIN_BYPASS:
        result = attacks.login_as_admin(injection.vulnerable_login, injection.make_user_db(), payload)
        assert result.succeeded, (payload, result.evidence)


def test_fixed_login_refuses_every_public_bypass():
    for payload in attacks.SQL_LOGIN_BYPASS:
        result = attacks.login_as_admin(injection.fixed_login, injection.make_user_db(), payload)
        assert not result.succeeded, payload


def test_fixed_login_still_lets_alice_in():
    user = injection.fixed_login(injection.make_user_db(), "alice", injection.DEMO_PASSWORDS["alice"])
    assert user == {"id": 1, "name": "alice", "role": "user"}


def test_admin_password_differs_between_databases():
    hashes = {injection.make_user_db().execute("SELECT password_hash FROM users WHERE name='admin'").fetchone()[0]
              for _ in range(3)}
    assert len(hashes) == 3


def test_union_payload_leaks_api_keys_only_from_vulnerable_lookup():
    conn = injection.make_user_db()
    keys = {row[0] for row in conn.execute("SELECT api_key FROM api_keys")}
    leaked = injection.vulnerable_get_user(conn, "0 UNION SELECT user_id, api_key, 1 FROM api_keys")
    assert {row["name"] for row in leaked} == keys
    with pytest.raises(ValueError):
        injection.fixed_get_user(conn, "0 UNION SELECT user_id, api_key, 1 FROM api_keys")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_twins_on_loopback():
    payload = urllib.request.quote("1 OR 1=1")
    with running("sqli-vulnerable") as vulnerable_url, running("sqli-fixed") as fixed_url:
        assert vulnerable_url.startswith("http://127.0.0.1:")
        status, rows = _get(f"{vulnerable_url}/user?id={payload}")
        assert status == 200 and len(rows) == 7
        status, body = _get(f"{fixed_url}/user?id={payload}")
        assert status == 400 and "error" in body
        assert _get(f"{fixed_url}/user?id=2") == (200, [{"id": 2, "name": "bob", "email": "bob@example.com"}])


def test_http_login_bypass_only_on_vulnerable_twin():
    data = json.dumps({"username": "admin' --", "password": "x"}).encode()
    headers = {"Content-Type": "application/json"}
    with running("sqli-vulnerable") as vulnerable_url, running("sqli-fixed") as fixed_url:
        request = urllib.request.Request(f"{vulnerable_url}/login", data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True, "user": "admin", "role": "admin"}
        request = urllib.request.Request(f"{fixed_url}/login", data=data, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 401


def test_server_is_gone_after_the_block():
    with running("sqli-fixed") as base_url:
        port = int(base_url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_unknown_target_names_the_known_ones():
    with pytest.raises(KeyError, match="sqli-vulnerable"):
        create("no-such-target")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_cli_serves_target_on_loopback(name):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "seclab.targets", "serve", name, "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        deadline = time.monotonic() + 10
        while True:
            try:
                status = _status(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.1)
        assert 200 <= status < 500, "the target answered with a server error"
        if name.startswith("sqli-"):
            assert _get(f"http://127.0.0.1:{port}/user?id=1") == (200, [{"id": 1, "name": "alice",
                                                                       "email": "alice@example.com"}])
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_cli_lists_targets():
    listed = subprocess.run([sys.executable, "-m", "seclab.targets", "list"], capture_output=True, text=True, check=True)
    assert all(name in listed.stdout for name in TARGETS)

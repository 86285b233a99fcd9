"""Topic injection (lesson 03): the twins fall to / resist the attacks, the playgrounds are thin views."""

import json
import urllib.error
import urllib.request

import pytest

from seclab import answers
from seclab.targets import running
from seclab.topics.injection import attacks
from seclab.topics.injection import targets as injection
from seclab.topics.injection import widgets as playgrounds


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


def test_lookup_report_marks_injection_and_compares_both_lookups():
    report = playgrounds.lookup_report("1 OR 1=1")
    assert report.injected
    assert report.query.endswith("WHERE id = 1 OR 1=1")
    assert len(report.vulnerable_rows) == 7
    assert report.fixed_rows == [] and report.fixed_error.startswith("rejected")


def test_lookup_report_for_a_plain_id_is_not_injected():
    report = playgrounds.lookup_report("2")
    assert not report.injected
    assert report.vulnerable_rows == report.fixed_rows == [{"id": 2, "name": "bob", "email": "bob@example.com"}]


def test_lookup_report_shows_database_errors():
    report = playgrounds.lookup_report("1; DROP TABLE users")
    assert report.vulnerable_error.startswith("database error")


def test_rendered_report_escapes_the_input():
    html = playgrounds.render_lookup_report(playgrounds.lookup_report("<b>1</b>"))
    assert "<b>1</b>" not in html and "&lt;b&gt;1&lt;/b&gt;" in html


def test_sql_playground_updates_when_the_input_changes():
    widget = playgrounds.sql_playground()
    text_box, output = widget.children
    text_box.value = "0 UNION SELECT user_id, api_key, 1 FROM api_keys"
    assert "sk_demo_" in output.value


def test_try_login_shows_bypass_on_vulnerable_twin_only():
    attempt = playgrounds.try_login("admin' --", "wrong")
    assert attempt.vulnerable_user["name"] == "admin" and attempt.fixed_user is None
    assert "admin' --" in attempt.query


def test_login_playground_records_the_username(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playgrounds.login_playground(record_key="exploit")
    username, _password, log_in, record_button, result = widget.children
    username.value = "admin' --"
    log_in.click()
    assert "logged in as <b>admin</b>" in result.value
    record_button.click()
    assert answers.recorded("exploit") == "admin' --"

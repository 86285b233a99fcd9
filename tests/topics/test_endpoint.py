"""Topic endpoint (lesson 13 Securing an Endpoint): the twins, the attacks, sqlmap and the playground.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
endpoint.roundtrip.json beside this file; here the article's own insecure version is
graded as well.
"""

import json
import urllib.parse

import pytest
from support import program_notebook

from seclab import grading
from seclab.server import http_request, serve_asgi
from seclab.topics.endpoint import attacks, spec, targets, widgets


@pytest.fixture()
def db_path(tmp_path):
    return targets.make_user_db(str(tmp_path / "users.db"))


def test_demo_database_is_the_same_every_time_and_has_one_admin(tmp_path):
    first = targets.make_user_db(str(tmp_path / "a.db"))
    second = targets.make_user_db(str(tmp_path / "b.db"))
    assert targets.table_rows(first) == targets.table_rows(second)
    assert [row[4] for row in targets.demo_users()].count("admin") == 1
    assert targets.admin_hash().startswith("scrypt$")


def test_fixed_app_answers_the_contract(db_path):
    app = targets.create_app(db_path)
    assert attacks.get_user(app, "3").body == {"id": 3, "name": "Root Admin", "email": "admin@example.test"}
    assert attacks.get_user(app, "99").body == {"detail": "user not found"}
    assert attacks.get_user(app, "-1").status == 404
    assert attacks.get_user(app, "abc").status == 422
    assert attacks.get_user(app, str(2**63)).status == 422
    assert attacks.send(app, "").status == 422


def test_union_injection_dumps_the_admin_hash_from_the_vulnerable_twin_only(db_path):
    assert attacks.dump_admin_hash(targets.vulnerable_app(db_path), targets.admin_hash()).succeeded
    assert not attacks.dump_admin_hash(targets.create_app(db_path), targets.admin_hash()).succeeded


def test_the_vulnerable_twins_errors_leak_the_query_and_a_traceback(db_path):
    reply = attacks.get_user(targets.vulnerable_app(db_path), attacks.ERROR_PAYLOAD)
    assert reply.status == 500
    found = attacks.leak_findings(reply.text, [], [attacks.ERROR_PAYLOAD], reply.headers)
    assert {"SQL text", "database error", "traceback"} <= set(found)
    assert not attacks.provoke_error(targets.create_app(db_path)).succeeded


def test_leak_findings_ignore_the_attackers_own_echoed_input():
    echoed = json.dumps({"detail": [{"msg": "Input should be a valid integer", "input": "1 UNION SELECT x FROM users"}]})
    assert attacks.leak_findings(echoed, ["scrypt$1$aaaaaaaaaaaaaaaaaaaa"], ["1 UNION SELECT x FROM users"]) == []
    assert attacks.leak_findings('{"name": "scrypt$1$aaaaaaaaaaaaaaaaaaaa"}', ["scrypt$1$aaaaaaaaaaaaaaaaaaaa"]) == [
        "password hash"]
    assert attacks.leak_findings("Python int too large to convert to SQLite INTEGER", []) == ["database error"]


def test_a_short_echoed_id_does_not_hide_a_leaked_hash():
    body = json.dumps({"id": 1, "name": "Alice", "password_hash": "scrypt$16384$8$1$0123456789abcdef0123456789abcdef$11"})
    assert attacks.leak_findings(body, ["scrypt$16384$8$1$0123456789abcdef0123456789abcdef$11"], ["1"]) == [
        "password hash"]


def test_a_select_star_endpoint_fails_the_leak_cases_on_an_honest_request():
    report = spec.request_report(lambda path: select_star_app(path), spec.CHECK_TABLE, "id=1")
    assert report["status"] == 200 and report["leaks"] == ["password hash"]
    assert not spec.cases({"leaks": [{"query": "id=1"}]})[0].expect.judge({"value": report})


def select_star_app(db_path):
    """The article's secure version, as FastAPI would run it: parameterized, typed, and returning SELECT *."""
    import sqlite3
    from contextlib import closing

    from fastapi import FastAPI, HTTPException

    app = FastAPI()

    @app.get("/user")
    def read_user(id: int):
        with closing(sqlite3.connect(db_path)) as connection:
            connection.row_factory = sqlite3.Row
            row = connection.execute("SELECT * FROM users WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise HTTPException(status_code=404, detail="user not found")
        return dict(row)

    return app


def test_uvicorn_serves_on_loopback_and_stops(db_path):
    with serve_asgi(targets.create_app(db_path)) as url:
        assert url.startswith("http://127.0.0.1:")
        reply = http_request("GET", f"{url}/user?id=1")
        assert reply.status == 200 and reply.json()["name"] == "Alice Example"
    with pytest.raises(OSError):
        http_request("GET", f"{url}/user?id=1", timeout=2)


@pytest.mark.grading
def test_sqlmap_dumps_the_vulnerable_twin_and_finds_nothing_in_the_fixed_one(db_path, tmp_path):
    with serve_asgi(targets.vulnerable_app(db_path)) as url:
        found = attacks.run_sqlmap(f"{url}/user?id=1", tmp_path / "vulnerable")
    assert found.injectable, attacks.sqlmap_lines(found)
    assert targets.admin_hash() in {row["password_hash"] for row in found.rows}
    with serve_asgi(targets.create_app(db_path)) as url:
        nothing = attacks.run_sqlmap(f"{url}/user?id=1", tmp_path / "fixed")
    assert not nothing.injectable and nothing.rows == []
    assert "do not appear to be injectable" in nothing.log


def test_run_sqlmap_refuses_other_hosts(tmp_path):
    with pytest.raises(ValueError):
        attacks.run_sqlmap("http://example.com/user?id=1", tmp_path)


@pytest.mark.grading
def test_the_articles_insecure_version_loses_the_injection_and_leak_points(tmp_path):
    article = (
        "def create_app(db_path):\n"
        "    app = FastAPI(debug=True)\n\n"
        "    @app.get('/user')\n"
        "    def get_user(id):\n"
        "        with closing(sqlite3.connect(db_path)) as connection:\n"
        "            row = connection.execute(f'SELECT id, name, email FROM users WHERE id = {id}').fetchone()\n"
        "        if row is None:\n"
        "            raise HTTPException(status_code=404, detail='user not found')\n"
        "        return {'id': row[0], 'name': row[1], 'email': row[2]}\n\n"
        "    return app\n"
    )
    results = grading.verify("13_endpoint", program_notebook(tmp_path, "13_endpoint", {"impl_create_app": article}))
    assert not results["create_app.injection"]["ok"] and not results["create_app.leaks"]["ok"]
    assert "injection" in results["create_app.injection"]["failed"]


def test_exploit_replay_needs_the_right_hash_and_a_request_that_shows_it():
    right = {"id": attacks.ADMIN_HASH_PAYLOAD, "password_hash": targets.admin_hash()}
    assert spec.exploit_works(right) == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works({**right, "password_hash": "scrypt$guess"}) == {"vulnerable": False, "fixed": False}
    assert spec.exploit_works({"id": "3", "password_hash": targets.admin_hash()})["vulnerable"] is False
    assert spec.exploit_works("not a dict") == {"vulnerable": False, "fixed": False}


def test_playground_shows_the_sql_text_and_both_replies():
    page = widgets.render_replies("1 OR 1=1", widgets.both_replies("1 OR 1=1"))
    assert "WHERE id = 1 OR 1=1" in page and "HTTP 200" in page and "HTTP 422" in page
    assert widgets.playground() is not None and widgets.exploit_playground() is not None


def test_both_twins_are_servable_from_a_terminal_on_a_fresh_demo_database():
    from seclab.targets import running

    for name in ("endpoint-vulnerable", "endpoint-fixed"):
        with running(name) as url:
            assert url.startswith("http://127.0.0.1:")
            reply = http_request("GET", f"{url}/user?id=1")
            assert reply.status == 200 and "alice" in reply.text.lower(), (name, reply.status, reply.text[:200])
    union = urllib.parse.quote(attacks.ADMIN_HASH_PAYLOAD)
    with running("endpoint-vulnerable") as url:
        leak = http_request("GET", f"{url}/user?id={union}")
    with running("endpoint-fixed") as url:
        refused = http_request("GET", f"{url}/user?id={union}")
    assert leak.status == 200 and "$" in leak.text, leak.text[:300]  # a password hash came back
    assert refused.status == 422 and "$" not in refused.text

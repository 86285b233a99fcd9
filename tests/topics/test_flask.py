"""Lesson 15 and exercise 15_flask: the members area's twins fall and hold as the lesson says,
the cookie tools read, crack and forge like Flask itself, the spec's scenarios judge what
they claim, and the playgrounds work.

The exercise's generic contract (instructor solution, vulnerable solution, exploit replay,
quiz keys) is checked by tests/test_exercise_contracts.py from flask.roundtrip.json.
"""

import json

import flask
import pytest
from support import SOURCE

from seclab.notebooks import solution_sources
from seclab.outcomes import run_case
from seclab.topics.flask import attacks, spec, targets
from seclab.topics.flask import widgets as playgrounds


@pytest.fixture()
def members():
    passwords, users = targets.demo_users()
    return passwords, targets.vulnerable_app(users), targets.fixed_app(users)


def alice_cookie(app, password, https=False):
    return attacks.session_cookie(attacks.login(app.test_client(), "alice", password, https))


# --- the cookie tools ---------------------------------------------------------------------------

def test_a_session_cookie_is_readable_without_the_key_and_its_key_cracks_offline(members):
    passwords, vulnerable, _fixed = members
    cookie = alice_cookie(vulnerable, passwords["alice"])
    assert attacks.decode_cookie(cookie) == {"user": "alice"}
    assert attacks.crack_key(cookie) == targets.TUTORIAL_SECRET_KEY
    assert attacks.crack_key(cookie, ["not-it", "nor-this"]) is None


def test_a_forged_cookie_is_exactly_what_flask_itself_accepts():
    app = flask.Flask("probe")
    app.secret_key = "a key for this test only"
    forged = attacks.forge_cookie({"user": "admin", "n": 1}, app.secret_key)
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer.loads(forged) == {"user": "admin", "n": 1}
    assert attacks.decode_cookie(forged) == {"user": "admin", "n": 1}


def test_compressed_cookies_are_read_too():
    big = {"notes": "x" * 500}
    forged = attacks.forge_cookie(big, "k")
    assert forged.startswith(".")  # itsdangerous compresses when that is shorter
    assert attacks.decode_cookie(forged) == big


@pytest.mark.parametrize("junk", ["", "!!!", ".not-zlib.x.y", "bm90IGpzb24.x.y"])
def test_junk_is_not_a_cookie(junk):
    with pytest.raises(ValueError):
        attacks.decode_cookie(junk)


# --- the twins ------------------------------------------------------------------------------

def test_forging_an_admin_session_works_on_the_vulnerable_twin_only(members):
    passwords, vulnerable, fixed = members
    cookie = alice_cookie(vulnerable, passwords["alice"])
    assert attacks.forge_admin_session(vulnerable, cookie).succeeded
    assert not attacks.forge_admin_session(fixed, cookie, https=True).succeeded
    fixed_cookie = alice_cookie(fixed, passwords["alice"], https=True)
    assert attacks.crack_key(fixed_cookie) is None


def test_a_flag_left_in_the_session_survives_the_next_login_on_the_vulnerable_twin_only(members):
    passwords, vulnerable, fixed = members
    assert attacks.leftover_privilege(vulnerable, passwords).succeeded
    assert not attacks.leftover_privilege(fixed, passwords, https=True).succeeded


def test_mass_assignment_works_on_the_vulnerable_twin_only(members):
    passwords, vulnerable, fixed = members
    assert attacks.mass_assignment(vulnerable, passwords).succeeded
    assert not attacks.mass_assignment(fixed, passwords, https=True).succeeded


def test_template_injection_leaks_the_key_on_the_vulnerable_twin_only(members):
    _passwords, vulnerable, fixed = members
    assert attacks.template_injection(vulnerable).succeeded
    result = attacks.template_injection(fixed, https=True)
    assert not result.succeeded and "{{ config" in result.evidence.replace("&#39;", "'")


def test_eval_writes_the_marker_on_the_vulnerable_twin_only(members, tmp_path):
    _passwords, vulnerable, fixed = members
    assert attacks.eval_injection(vulnerable, str(tmp_path / "a")).succeeded
    assert not attacks.eval_injection(fixed, str(tmp_path / "b"), https=True).succeeded


@pytest.mark.parametrize("expression, value", [("1+2*3", 7), ("-4/2", -2.0), ("(2+3)*4", 20)])
def test_the_safe_calculator_calculates(expression, value):
    assert targets.safe_calculate(expression) == value


@pytest.mark.parametrize("expression", ["__import__('os')", "a", "2**999999", "[1]", "1/0", "x" * 201, "1 +"])
def test_the_safe_calculator_refuses_everything_else(expression):
    with pytest.raises(ValueError):
        targets.safe_calculate(expression)


def test_the_fixed_twin_sends_every_security_header_and_redirects_http(members):
    passwords, _vulnerable, fixed = members
    client = fixed.test_client()
    reply = attacks.login(client, "alice", passwords["alice"], https=True)
    assert spec.header_problems(reply.headers) == []
    assert spec.cookie_problems(reply.headers.getlist("Set-Cookie")) == []
    plain = client.get("/me")
    assert plain.status_code == 302 and plain.headers["Location"] == "https://localhost/me"


def test_the_vulnerable_twin_sends_none_of_them(members):
    passwords, vulnerable, _fixed = members
    reply = attacks.login(vulnerable.test_client(), "alice", passwords["alice"])
    assert len(spec.header_problems(reply.headers)) == 4
    assert spec.cookie_problems(reply.headers.getlist("Set-Cookie"))


# --- the spec judges what it claims ------------------------------------------------------------

@pytest.mark.parametrize("headers, problems", [
    ({"Strict-Transport-Security": "max-age=31536000", "Content-Security-Policy": "default-src 'self'",
      "X-Content-Type-Options": "nosniff", "X-Frame-Options": "sameorigin"}, 0),
    ({"Strict-Transport-Security": "max-age=300", "Content-Security-Policy": "default-src 'self' https:",
      "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}, 2),
    ({"Content-Security-Policy": "script-src 'self'"}, 4),
])
def test_header_problems_are_counted(headers, problems):
    assert len(spec.header_problems(headers)) == problems


def test_cookie_problems_need_all_three_flags():
    assert spec.cookie_problems(["session=x; Secure; HttpOnly; Path=/; SameSite=Lax"]) == []
    assert spec.cookie_problems(["session=x; HttpOnly; Path=/; SameSite=Lax"]) == ["cookie session without Secure"]
    assert spec.cookie_problems(["session=x; Secure; HttpOnly; SameSite=Strict"])


def test_every_public_and_hidden_case_passes_the_reference_and_the_vulnerable_app_fails_the_attack_parts():
    hidden = json.loads((SOURCE.parent / "hidden" / "15_flask.json").read_text())
    vulnerable: dict = {}
    exec(  # the round trip's vulnerable solution, in this process  # noqa: S102
        "import flask\nfrom collections.abc import Mapping\nfrom typing import Any\n"
        + json.loads((SOURCE.parents[1] / "tests" / "topics" / "flask.roundtrip.json").read_text())
        ["vulnerable_solution"]["impl_create_app"], vulnerable)  # nosec B102 - our own test data
    failing_parts = set()
    for case in spec.cases(spec.public_corpus()) + spec.cases(hidden, public=False):
        outcome = run_case(spec, {"create_app": targets.fixed_create_app}, case.function, None, list(case.args),
                           case.scenario)
        assert case.expect.judge(outcome), (case.category, outcome)
        outcome = run_case(spec, vulnerable, case.function, None, list(case.args), case.scenario)
        if not case.expect.judge(outcome):
            failing_parts.add(case.part)
    assert failing_parts == {"create_app.secrets", "create_app.headers", "create_app.validation"}


def test_the_flow_scenario_names_the_step_that_failed():
    def no_validation(config):
        app = targets.fixed_create_app(config)
        app.view_functions["profile"] = lambda: ({"display_name": "x", "bio": ""}, 200)
        return app

    entry = spec.public_corpus()["validation"][0]
    problems = spec.SCENARIOS["flow"]({"create_app": no_validation}, entry)
    assert problems and problems[0].startswith("step 2 (POST https://localhost/profile")


def test_the_reference_solution_in_the_notebook_is_the_one_in_targets():
    solution = solution_sources(SOURCE / "15_flask" / "15_flask.ipynb")["impl_create_app"]
    for line in ["flask.session.clear()", "strict=True", 'extra="forbid"', "force_https=True",
                 "max_length=500", "len(secret_key) < 32"]:
        assert line in solution


def test_a_malformed_exploit_is_refused_without_a_request():
    for payload in [None, 42, "", "x" * 5000, "session=a b", {"cookie": "x"}]:
        assert spec.exploit_works(payload) == {"vulnerable": False, "fixed": False}


# --- the playgrounds --------------------------------------------------------------------------

def test_the_cookie_workbench_reads_and_judges_keys():
    cookie = playgrounds.guest_cookie()
    page = playgrounds.inspect_cookie(cookie, targets.TUTORIAL_SECRET_KEY)
    assert "alice" in page and "✓" in page
    assert "✗" in playgrounds.inspect_cookie(cookie, "wrong")
    assert "Not a Flask session cookie" in playgrounds.inspect_cookie("!!!")


def test_the_exploit_playground_reports_both_twins():
    cookie = playgrounds.guest_cookie()
    forged = attacks.forge_cookie({"user": "alice", "is_admin": True}, attacks.crack_key(cookie))
    page = playgrounds.try_admin_cookie(forged)
    assert page.count("✓ admin page") == 1 and page.count("✗ refused") == 1


def test_the_widgets_build():
    pytest.importorskip("ipywidgets")
    assert playgrounds.playground() is not None
    assert playgrounds.exploit_playground("exploit-test") is not None

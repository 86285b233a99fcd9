"""Lesson 07 Authentication Failures: the login twins, the attack drivers, the exercise spec and the playgrounds.

The exercise's generic contract (instructor solution, vulnerable solution, exploit replay,
quiz keys) is checked by tests/test_exercise_contracts.py from authentication.roundtrip.json.
Here: every clause of the contract is caught by some public or hidden case (one mutant of
the instructor's solution per clause), and the twins behave as the lesson says.
"""

import re
import time
import unicodedata
from functools import partial

import pytest
from support import SOURCE

from seclab import grading
from seclab.check import format_report, run_checks
from seclab.notebooks import solution_sources
from seclab.outcomes import run_case
from seclab.server import serve
from seclab.spec import load_spec
from seclab.topics.authentication import attacks, targets, widgets

EXERCISE = "07_authentication"
INSTRUCTOR = SOURCE / EXERCISE / f"{EXERCISE}.ipynb"
SPEC = load_spec(EXERCISE)
SETUP = "import random, re, secrets, time, unicodedata, uuid, hashlib\nfrom collections.abc import Callable\n"


def solution(cell: str) -> str:
    """The instructor's solution of an implementation cell, without nbgrader's markers."""
    text = solution_sources(INSTRUCTOR)[cell]
    return "\n".join(line for line in text.splitlines() if "### " not in line) + "\n"


def mutant(cell: str, *edits: tuple[str, str]) -> str:
    source = solution(cell)
    for old, new in edits:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


def define(source: str, name: str):
    namespace: dict = {}
    exec(compile(SETUP + source, "<learner cell>", "exec"), namespace)  # test fixtures written in this file
    return namespace[name]


def failures(function_name: str, implementation, public_only: bool = False) -> dict[str, set[str]]:
    """part -> categories of the cases ``implementation`` fails (public and hidden)."""
    cases = SPEC.cases(SPEC.public_corpus())
    if not public_only:
        cases += SPEC.cases(grading.hidden_corpus(EXERCISE), public=False)
    found: dict[str, set[str]] = {}
    for case in cases:
        if case.function != function_name:
            continue
        outcome = run_case(SPEC, {function_name: implementation}, case.function, case.fixture, list(case.args),
                           case.scenario)
        if not case.expect.judge(outcome):
            found.setdefault(case.part, set()).add(case.category)
    return found


# --- the reference solutions ------------------------------------------------------------------

@pytest.mark.parametrize("name, implementation", [
    ("LoginService", targets.LoginService), ("session_cookie", targets.session_cookie),
    ("password_problems", targets.password_problems)])
def test_the_library_reference_passes_every_case(name, implementation):
    assert failures(name, implementation) == {}


@pytest.mark.parametrize("cell, name", [
    ("impl_LoginService", "LoginService"), ("impl_session_cookie", "session_cookie"),
    ("impl_password_problems", "password_problems")])
def test_the_instructor_solution_passes_every_case(cell, name):
    assert failures(name, define(solution(cell), name)) == {}


# --- one mutant per clause of the LoginService contract ------------------------------------------

LOGIN_MUTANTS = {
    "no decoy: unknown usernames cost no verify": (
        [("matches = self.verify(self.decoy if stored is None else stored, password)",
          "matches = stored is not None and self.verify(stored, password)")], "enumeration"),
    "a made-up decoy of another kind": (
        [('self.decoy = next(iter(self.users.values()), "")',
          'self.decoy = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"')], "enumeration"),
    "the decoy's answer is believed": ([("if stored is not None and matches:", "if matches:")], "enumeration",
                                       "an unknown user logging in is also a plain bug"),
    "no verify while locked": (
        [("        matches = self.verify(self.decoy if stored is None else stored, password)  # once, always\n", ""),
         ("if stored is not None and matches:",
          "if stored is not None and self.verify(stored, password):")], "enumeration"),
    "no lockout at all": ([("if len(recent) >= limit:", "if False:")], "lockout"),
    "the lock lasts one second too long": ([("now < self.locked_until[kind].get(key, float(\"-inf\"))",
                                            "now <= self.locked_until[kind].get(key, float(\"-inf\"))")], "lockout"),
    "failures count for 900 s inclusive": ([("if now < moment + 900]", "if now <= moment + 900]")], "lockout"),
    "failures never expire": ([("if now < moment + 900]", "]")], "lockout"),
    "the lock is per username and ip, not per username": (
        [('keys = {"user": username, "ip": ip}', 'keys = {"user": (username, ip), "ip": ip}'),
         ('self.failures["user"].pop(username, None)', 'self.failures["user"].pop((username, ip), None)')],
        "lockout"),
    "no ip limit": ([('(("user", 5), ("ip", 20))', '(("user", 5), ("ip", 10**9))')], "throttle"),
    "ip limit of 25": ([('(("user", 5), ("ip", 20))', '(("user", 5), ("ip", 25))')], "throttle"),
    "unknown usernames are never locked": (
        [('for kind, limit in (("user", 5), ("ip", 20)):',
          'for kind, limit in ((("user", 5), ("ip", 20)) if stored is not None else (("ip", 20),)):')], "lockout"),
    "refused logins count as failures": (
        [("return None  # refused by a lock: counted nowhere", "matches = False")], "bookkeeping"),
    "success clears the ip's failures too": (
        [('self.failures["user"].pop(username, None)',
          'self.failures["user"].pop(username, None)\n            self.failures["ip"].pop(ip, None)')],
        "bookkeeping"),
    "success clears nothing": ([('self.failures["user"].pop(username, None)', "pass")], "bookkeeping"),
    "tokens from random": ([("token = secrets.token_urlsafe(32)",
                             "token = ''.join(random.choices('abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_', k=43))")], "tokens"),
    "short tokens": ([("secrets.token_urlsafe(32)", "secrets.token_urlsafe(15)")], "tokens"),
    "uuid4 tokens": ([("secrets.token_urlsafe(32)", "str(uuid.uuid4())")], "tokens"),
    "tokens derived from user and clock": (
        [("secrets.token_urlsafe(32)", "hashlib.sha256(f'{username}{now}{len(self.sessions)}'.encode()).hexdigest()")],
        "tokens", "a token that repeats after logout is also a plain bug"),
    "sessions never expire": ([("if now >= session[1] + 1800:", "if False:")], "expiry"),
    "session_user is not a use": ([("        session[1] = now\n", "")], "expiry"),
    "a session lasts to 1800 s inclusive": ([("if now >= session[1] + 1800:", "if now > session[1] + 1800:")],
                                            "expiry"),
}


@pytest.mark.parametrize("what", LOGIN_MUTANTS)
def test_each_clause_of_the_login_contract_is_caught(what):
    edits, category, *also_works = LOGIN_MUTANTS[what]
    found = failures("LoginService", define(mutant("impl_LoginService", *edits), "LoginService"))
    assert category in found.get("LoginService.attack", set()), found
    if not also_works:
        assert "LoginService.works" not in found, "an attack-side flaw must not cost the works point"


def test_logout_that_ends_nothing_fails_the_works_part():
    broken = define(mutant("impl_LoginService", ("self.sessions.pop(token, None)", "pass")), "LoginService")
    assert "login" in failures("LoginService", broken, public_only=True)["LoginService.works"]


def test_the_vulnerable_solution_fails_every_attack_category_of_the_login():
    from support import roundtrip_data

    source = roundtrip_data(EXERCISE)["vulnerable_solution"]["impl_LoginService"]
    found = failures("LoginService", define(source, "LoginService"))
    assert found == {"LoginService.attack": {"enumeration", "lockout", "throttle", "bookkeeping", "tokens", "expiry"}}


def test_a_failing_public_script_says_where_in_words():
    no_lockout = define(mutant("impl_LoginService", ("if len(recent) >= limit:", "if False:")), "LoginService")
    report = format_report(f"{EXERCISE}.LoginService", run_checks(f"{EXERCISE}.LoginService", no_lockout))
    assert "LoginService('lock-after-5')" in report
    assert "t=5: login('alice', <right password>, '10.0.0.9') returned a new token (T1), expected None" in report
    assert "Hint: Keep each username's failure times" in report


def test_an_unwritten_class_is_reported_as_not_written_yet():
    class LoginService:
        def __init__(self, users, verify, clock=time.monotonic):
            raise NotImplementedError()

    report = format_report(f"{EXERCISE}.LoginService", run_checks(f"{EXERCISE}.LoginService", LoginService))
    assert "not written yet" in report


def test_the_stand_in_verify_counts_and_refuses_foreign_hashes():
    kdf = SPEC._DemoKdf()
    stored = kdf.hash("pw")
    assert kdf.verify(stored, "pw") and not kdf.verify(stored, "other") and kdf.calls == 2
    with pytest.raises(ValueError):
        kdf.verify("$argon2id$v=19$m=19456,t=2,p=1$abc$def", "pw")
    assert SPEC._DemoKdf(strict=False).verify("", "pw") is False


# --- session_cookie and password_problems mutants ------------------------------------------------

COOKIE_MUTANTS = {
    "no validation": ([("    if not isinstance(token, str) or not re.fullmatch", "    if False and re.fullmatch")],
                      {"injection"}),
    "isalnum-style check": ([('not re.fullmatch(r"[A-Za-z0-9_-]+", token)',
                              'not token or not all(c.isalnum() or c in "-_" for c in token)')], {"injection"}),
    "\\w instead of ASCII": ([('r"[A-Za-z0-9_-]+"', 'r"[\\w-]+"')], {"injection"}),
    "re.match with $": ([('re.fullmatch(r"[A-Za-z0-9_-]+", token)', 're.match(r"[A-Za-z0-9_-]+$", token)')],
                        {"injection"}),
    "no HttpOnly": ([("; HttpOnly", "")], {"flags"}),
    "SameSite=None": ([("SameSite=Lax", "SameSite=None")], {"flags"}),
    "a Domain": ([("; Path=/", "; Path=/; Domain=example.com")], {"flags"}),
    "persistent": ([("; Path=/", "; Path=/; Max-Age=31536000")], {"flags"}),
    "Secure twice": ([("; Secure", "; Secure; Secure")], {"flags"}),
}


@pytest.mark.parametrize("what", COOKIE_MUTANTS)
def test_each_clause_of_the_cookie_contract_is_caught(what):
    edits, categories = COOKIE_MUTANTS[what]
    found = failures("session_cookie", define(mutant("impl_session_cookie", *edits), "session_cookie"))
    assert found == {"session_cookie.attack": categories}


def test_a_cookie_without_path_fails_the_works_part():
    broken = define(mutant("impl_session_cookie", ("; Path=/", "")), "session_cookie")
    assert failures("session_cookie", broken)["session_cookie.works"] == {"cookie"}


PROBLEM_MUTANTS = {
    "no NFKC": ([('text = unicodedata.normalize("NFKC", password)', "text = password"),
                 ('{unicodedata.normalize("NFKC", entry) for entry in breached}', "breached"),
                 ('name = unicodedata.normalize("NFKC", username).casefold()', "name = username.casefold()")],
                "password_problems.attack"),
    "lower() instead of casefold()": ([("name = unicodedata.normalize(\"NFKC\", username).casefold()",
                                        "name = unicodedata.normalize(\"NFKC\", username).lower()"),
                                       ("name in text.casefold()", "name in text.lower()")],
                                      "password_problems.attack"),
    "breached compared case-insensitively": (
        [('if text in {unicodedata.normalize("NFKC", entry) for entry in breached}:',
          'if text.casefold() in {unicodedata.normalize("NFKC", entry).casefold() for entry in breached}:')],
        "password_problems.works"),
    "a composition rule": ([("    return problems", "    if text.islower():\n        problems.append('no_capital')\n"
                             "    return problems")], "password_problems.works"),
    "minimum of 12": ([("if len(text) < 15:", "if len(text) < 12:")], "password_problems.works"),
    "the username as a regular expression": ([("name in text.casefold()", "re.search(name, text.casefold())")],
                                             "password_problems.works"),
    "usernames of any length": ([("if len(name) >= 3 and", "if")], "password_problems.works"),
    "a breached entry anywhere in the password": (
        [('if text in {unicodedata.normalize("NFKC", entry) for entry in breached}:',
          'if any(unicodedata.normalize("NFKC", entry) in text for entry in breached):')],
        "password_problems.works"),
}


@pytest.mark.parametrize("what", PROBLEM_MUTANTS)
def test_each_clause_of_the_password_contract_is_caught(what):
    edits, part = PROBLEM_MUTANTS[what]
    found = failures("password_problems", define(mutant("impl_password_problems", *edits), "password_problems"))
    assert part in found, found


def test_the_username_length_may_be_counted_before_or_after_normalising():
    """The issue says "a username of 3+ code points": the grader accepts either reading."""
    as_given = define(mutant("impl_password_problems", ("if len(name) >= 3", "if len(username) >= 3")),
                      "password_problems")
    assert failures("password_problems", as_given) == {}
    corpus, public = grading.hidden_corpus(EXERCISE), SPEC.public_corpus()
    for _password, username, _breached in (corpus["passwords"] + corpus["password_tricks"] + public["passwords"]
                                           + public["password_tricks"]):
        nfkc = unicodedata.normalize("NFKC", username)
        assert (len(username) >= 3) == (len(nfkc) >= 3) == (len(nfkc.casefold()) >= 3), username


def test_password_cases_do_not_depend_on_the_order_of_nfkc_and_casefold():
    corpus = grading.hidden_corpus(EXERCISE)
    public = SPEC.public_corpus()
    for password, username, _breached in (corpus["passwords"] + corpus["password_tricks"] + public["passwords"]
                                          + public["password_tricks"]):
        def one(text):
            return unicodedata.normalize("NFKC", text).casefold()

        def other(text):
            return unicodedata.normalize("NFKC", text.casefold())

        assert (one(username) in one(password)) == (other(username) in other(password)), (password, username)


# --- the exploit replay ------------------------------------------------------------------------

def test_exploit_replay_needs_exactly_the_existing_candidates():
    exact = sorted(SPEC.existing_candidates())
    assert exact == ["carol", "dave", "grace", "support"]
    assert SPEC.exploit_works(exact) == {"vulnerable": True, "fixed": False}
    for wrong in (exact[:-1], exact + ["admin"], [], "carol", [1, 2], ["carol", "dave", "grace", "support", "x"] * 5):
        assert SPEC.exploit_works(wrong) == {"vulnerable": False, "fixed": False}, wrong


def test_the_fixed_app_reveals_no_candidate_by_answer_or_work():
    fixed = attacks.probe_accounts(targets.create_app(False, clock=targets.ManualClock()), attacks.EXERCISE_CANDIDATES)
    assert fixed.exists == set() and len(set(fixed.answers.values())) == 1
    vulnerable = attacks.probe_accounts(targets.create_app(True, clock=targets.ManualClock()),
                                        attacks.EXERCISE_CANDIDATES)
    assert vulnerable.exists == SPEC.existing_candidates()


# --- the twins over HTTP -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def servers():
    vulnerable_clock, fixed_clock = targets.ManualClock(), targets.ManualClock()
    vulnerable_app = targets.create_app(True, clock=vulnerable_clock)
    fixed_app = targets.create_app(False, clock=fixed_clock)
    with serve(vulnerable_app) as vulnerable_url, serve(fixed_app) as fixed_url:
        assert vulnerable_url.startswith("http://127.0.0.1:") and fixed_url.startswith("http://127.0.0.1:")
        yield {"vulnerable": (vulnerable_url, vulnerable_app, vulnerable_clock),
               "fixed": (fixed_url, fixed_app, fixed_clock)}


def test_enumeration_by_message_and_by_work_only_on_the_vulnerable_login(servers):
    url, app, _clock = servers["vulnerable"]
    login = partial(attacks.http_login, url)
    assert attacks.enumerate_by_answers(login, attacks.LESSON_CANDIDATES).exists == {"alice", "bob"}
    assert attacks.enumerate_by_work(login, attacks.LESSON_CANDIDATES,
                                     lambda: app.config["VERIFY"].calls).exists == {"alice", "bob"}
    url, app, clock = servers["fixed"]
    login = partial(attacks.http_login, url)
    assert attacks.enumerate_by_answers(login, attacks.LESSON_CANDIDATES).exists == set()
    assert attacks.enumerate_by_work(login, attacks.LESSON_CANDIDATES, lambda: app.config["VERIFY"].calls).exists == set()
    clock.advance(900)


def test_brute_force_wins_on_the_vulnerable_login_and_is_locked_out_on_the_fixed_one(servers):
    url, _app, _clock = servers["vulnerable"]
    found = attacks.brute_force(partial(attacks.http_login, url), "bob", attacks.COMMON_PASSWORDS)
    assert found.taken_over == {"bob": "sunshine1"} and found.attempts == attacks.COMMON_PASSWORDS.index("sunshine1") + 1
    url, app, clock = servers["fixed"]
    locked = attacks.brute_force(partial(attacks.http_login, url), "bob", attacks.COMMON_PASSWORDS)
    assert not locked.succeeded and locked.attempts == len(attacks.COMMON_PASSWORDS)
    assert app.config["SERVICE"].is_locked(username="bob")
    clock.advance(targets.LOCK_SECONDS)
    assert attacks.http_login(url, "bob", "sunshine1").token


def test_session_fixation_and_logout_replay_work_only_on_the_vulnerable_login(servers):
    vulnerable_url = servers["vulnerable"][0]
    fixed_url, _app, clock = servers["fixed"]
    clock.advance(targets.LOCK_SECONDS)
    password = targets.DEMO_PASSWORDS["alice"]
    assert attacks.session_fixation(vulnerable_url, "alice", password).succeeded
    assert not attacks.session_fixation(fixed_url, "alice", password).succeeded
    assert attacks.replay_after_logout(vulnerable_url, "alice", password).succeeded
    replay = attacks.replay_after_logout(fixed_url, "alice", password)
    assert not replay.succeeded and "is dead" in replay.evidence


def test_fixed_cookie_is_hardened_and_the_vulnerable_one_is_not(servers):
    vulnerable = attacks.http_login(servers["vulnerable"][0], "dave", targets.DEMO_PASSWORDS["dave"])
    fixed = attacks.http_login(servers["fixed"][0], "dave", targets.DEMO_PASSWORDS["dave"])
    assert len(attacks.cookie_findings(vulnerable.set_cookie)) == 3
    assert attacks.cookie_findings(fixed.set_cookie) == []
    assert SPEC.cookie_hardened(fixed.set_cookie, fixed.token)


def test_idle_sessions_end_after_30_minutes_on_the_fixed_login(servers):
    url, _app, clock = servers["fixed"]
    token = attacks.http_login(url, "grace", targets.DEMO_PASSWORDS["grace"]).token
    clock.advance(targets.IDLE_TIMEOUT - 1)
    assert attacks.who_am_i(url, token) == "grace"
    clock.advance(targets.IDLE_TIMEOUT)
    assert attacks.who_am_i(url, token) is None


# --- stuffing and MFA (in process, many client addresses) ----------------------------------------

def test_credential_stuffing_against_lockouts_and_mfa():
    vulnerable = attacks.credential_stuffing(partial(attacks.client_login, targets.create_app(True)),
                                             attacks.LEAKED_CREDENTIALS)
    assert set(vulnerable.taken_over) == {"carol", "dave"}
    one_address = attacks.credential_stuffing(partial(attacks.client_login, targets.create_app(False)),
                                              attacks.LEAKED_CREDENTIALS)
    assert set(one_address.taken_over) == {"carol"}  # dave's pair comes after the 20th failure
    botnet = attacks.credential_stuffing(attacks.botnet_login(targets.create_app(False)), attacks.LEAKED_CREDENTIALS)
    assert set(botnet.taken_over) == {"carol", "dave"}
    clock = targets.ManualClock()
    mfa_app = targets.create_app(False, clock=clock, totp_clock=clock, mfa=True)
    assert not attacks.credential_stuffing(attacks.botnet_login(mfa_app), attacks.LEAKED_CREDENTIALS).succeeded
    code = targets.totp(mfa_app.config["TOTP_SECRETS"]["carol"], clock())
    assert attacks.client_login(mfa_app, "carol", "Winter2019!", code=code).token
    assert attacks.client_login(mfa_app, "carol", "Winter2019!", code=code).token is None  # each code once


def test_totp_matches_the_rfc_6238_test_vectors():
    secret = b"12345678901234567890"
    vectors = {59: "94287082", 1111111109: "07081804", 1111111111: "14050471", 1234567890: "89005924",
               2000000000: "69279037", 20000000000: "65353130"}
    for moment, code in vectors.items():
        assert targets.totp(secret, moment, digits=8) == code


def test_breached_list_holds_the_lists_passwords():
    assert "sunshine1" in attacks.BREACHED_PASSWORDS and "Winter2019!" in attacks.BREACHED_PASSWORDS
    assert targets.password_problems("Winter2019!", "carol", set(attacks.BREACHED_PASSWORDS)) == ["too_short", "breached"]
    assert targets.password_problems(targets.DEMO_PASSWORDS["alice"], "alice", set(attacks.BREACHED_PASSWORDS)) == []


def test_recovering_a_secret_from_a_leaky_comparison_takes_linear_guesses():
    secret, alphabet = "s3cr3t", "abcdefghijklmnopqrstuvwxyz0123456789"

    def leaky(guess):
        steps = 0
        for mine, theirs in zip(secret, guess, strict=True):
            steps += 1
            if mine != theirs:
                return False, steps
        return True, steps

    found, guesses = attacks.recover_by_work(leaky, alphabet, len(secret))
    assert found == secret and guesses <= len(alphabet) * len(secret)
    assert attacks.recover_by_work(lambda guess: (False, 1), alphabet, 3) == (None, 3 * len(alphabet))


def test_cookie_findings_name_each_missing_flag():
    findings = attacks.cookie_findings("session=x; Domain=example.com; Max-Age=60")
    assert [finding.split(":")[0].split(" ")[0] for finding in findings] == ["no", "no", "no", "Domain=example.com",
                                                                             "persistent"]


def test_login_targets_are_servable():
    from seclab.targets import servable_targets

    assert {"login-vulnerable", "login-fixed"} <= set(servable_targets())


def test_requests_go_to_loopback_only():
    with pytest.raises(ValueError):
        attacks.http_login("http://example.com", "alice", "x")


# --- the playgrounds -----------------------------------------------------------------------------

def test_login_lab_locks_the_fixed_app_only_and_unlocks_with_the_clock():
    lab = widgets.LoginLab()
    for guess in ("123456", "password", "qwerty", "letmein", "monkey"):
        lab.attempt("bob", guess)
    right = lab.attempt("bob", "sunshine1")
    assert right.vulnerable.status == 200 and right.fixed.status == 401
    assert lab.locks("bob", widgets.ADDRESSES[0]) == "locked: username 'bob'"
    lab.advance(900)
    assert lab.attempt("bob", "sunshine1").fixed.status == 200
    unknown = lab.attempt("nobody", "x")
    assert (unknown.vulnerable_hashes, unknown.fixed_hashes) == (0, 1)
    page = widgets.render_lab(lab, "bob", widgets.ADDRESSES[0])
    assert "15.0 min" in page and "no lock" in page and "&quot;" in page


def test_login_lab_answers_within_100_ms():
    lab = widgets.LoginLab()
    lab.attempt("alice", "warm-up")
    fastest = min(lab.attempt("alice", f"wrong-{n}").seconds for n in range(4))
    assert fastest <= 0.1, fastest


def test_login_playground_builds_and_logs_in():
    playground = widgets.login_playground()
    rows = playground.children[1].children
    rows[0].value, rows[1].value = "bob", "sunshine1"
    playground.children[2].children[0].click()
    assert "200" in playground.children[3].value


def test_timing_plot_shows_every_login_from_zero():
    figure = widgets.plot_timings({"left": {"alice": [0.020, 0.022], "nobody": [0.001]},
                                   "right": {"alice": [0.021], "nobody": [0.019, 0.030]}})
    left, right = figure.axes
    assert [len(line.get_xdata()) for line in left.lines] == [2, 1] and len(right.lines) == 2
    assert left.get_xlim()[0] == 0 and left.get_xlim()[1] >= 30


def test_exploit_playground_probes_and_records(tmp_path, monkeypatch):
    from seclab import answers

    monkeypatch.chdir(tmp_path)
    playground = widgets.exploit_playground(record_key="exploit")
    grid, row, log, save = playground.children[1], playground.children[2], playground.children[3], playground.children[4]
    row.children[0].value = "carol"
    row.children[2].click()
    assert "wrong password" in log.value
    for box in grid.children:
        box.value = box.description in ("carol", "grace")
    save.click()
    assert answers.recorded("exploit", tmp_path) == ["carol", "grace"]
    assert re.search(r"Recorded carol, grace", playground.children[5].value)

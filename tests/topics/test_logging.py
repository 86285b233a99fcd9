"""Lesson 09 Security Logging and Alerting Failures: the login service, its logs and readers, the
alert rules, the simulated day, the exercise spec's judges and the playgrounds.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
logging.roundtrip.json beside this file; here are the judges' finer points: each wrong
solution below must fail exactly the categories it gets wrong.
"""

import io
import json
import logging
import math
import random
import time
from collections import OrderedDict

import pytest
from support import SOURCE

from seclab import answers, grading
from seclab.check import format_report, run_checks
from seclab.notebooks import solution_sources
from seclab.outcomes import run_case
from seclab.spec import load_spec
from seclab.targets import running
from seclab.topics.logging import attacks, targets
from seclab.topics.logging import widgets as playground

EXERCISE = "09_logging"
SPEC = load_spec(EXERCISE)
INSTRUCTOR = SOURCE / EXERCISE / f"{EXERCISE}.ipynb"


def instructor_namespace() -> dict:
    """The instructor's setup and solution cells, run here."""
    namespace: dict = {"__name__": "instructor"}
    cells = solution_sources(INSTRUCTOR)
    setup = next(cell for cell in json.loads(INSTRUCTOR.read_text())["cells"]
                 if cell["metadata"].get("nbgrader", {}).get("grade_id") == "setup")
    exec(compile("".join(setup["source"]), "<setup>", "exec"), namespace)  # the course's own notebook
    for name in ("impl_log_event", "impl_detect_bruteforce"):
        exec(compile(cells[name], f"<{name}>", "exec"), namespace)  # the course's own notebook
    return namespace


REFERENCE = instructor_namespace()


def failing_categories(namespace: dict, function: str) -> set[str]:
    """Categories of the public and hidden cases of ``function`` that ``namespace`` fails (in process)."""
    corpora = [(SPEC.public_corpus(), True), (grading.hidden_corpus(EXERCISE), False)]
    failed = set()
    for corpus, public in corpora:
        for case in SPEC.cases(corpus, public):
            if case.function != function:
                continue
            outcome = run_case(SPEC, namespace, case.function, case.fixture, list(case.args), case.scenario)
            if not case.expect.judge(outcome):
                failed.add(case.category)
    return failed


def variant(**replacements) -> dict:
    """The reference namespace with some functions replaced."""
    return {**REFERENCE, **replacements}


# --- the login service and its plain-text log --------------------------------------------------

def test_login_service_reports_every_decision_to_its_audit_function():
    seen = []
    accounts = targets.demo_accounts()
    client = targets.create_login_app(seen.append, accounts).test_client()
    assert client.post("/login", json={"username": "alice", "password": "nope"}).status_code == 401
    reply = client.post("/login", data={"username": "alice", "password": accounts["alice"]})
    token = reply.get_json()["token"]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).get_json() == {"user": "alice"}
    assert client.get("/api/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert [(e.action, e.outcome, e.user) for e in seen] == [
        ("login", "failure", "alice"), ("login", "success", "alice"), ("api", "success", "alice"), ("api", "failure", "")]
    assert seen[0].form == {"username": "alice", "password": "nope"} and seen[2].headers["Authorization"].endswith(token)
    assert seen[0].ip == "127.0.0.1" and seen[0].path == "/login"


def test_unknown_users_and_non_string_fields_fail_like_wrong_passwords():
    seen = []
    client = targets.create_login_app(seen.append, {"alice": "pw-one-two"}).test_client()
    assert client.post("/login", json={"username": "mallory", "password": "pw-one-two"}).status_code == 401
    assert client.post("/login", json={"username": {"$ne": None}, "password": "x"}).status_code == 401
    assert [event.outcome for event in seen] == ["failure", "failure"]


def test_demo_accounts_are_fresh_except_alices_weak_password():
    first, second = targets.demo_accounts(), targets.demo_accounts()
    assert first["alice"] == second["alice"] == targets.ALICE_WEAK_PASSWORD in targets.COMMON_PASSWORDS
    assert first["admin"] != second["admin"] and first["admin"] not in targets.COMMON_PASSWORDS


def test_reader_believes_well_formed_lines_only():
    text = ("2025-06-01T09:30:00Z INFO login failure user=alice ip=198.51.100.1\n"
            "garbage\n"
            "2025-06-01T09:30:01Z INFO login success user=admin ip=10.0.0.1\r\n"
            "2025-06-01T09:30:02Z INFO login failure user=a b ip=198.51.100.1\n")
    entries = targets.read_login_log(text)
    assert [(e.outcome, e.user) for e in entries] == [("failure", "alice"), ("success", "admin")]
    assert targets.forged_admin_logins(entries) == [entries[1]]


@pytest.mark.parametrize("name", sorted(attacks.FORGING_PAYLOADS))
def test_every_line_break_forges_an_admin_login_on_the_vulnerable_log_only(name):
    payload = attacks.FORGING_PAYLOADS[name]
    assert attacks.forge_admin_login(targets.vulnerable_plain_audit, payload).succeeded
    fixed = attacks.forge_admin_login(targets.fixed_plain_audit, payload)
    assert not fixed.succeeded and len(targets.read_login_log(fixed.evidence)) == 1


def test_line_breaks_are_exactly_what_splitlines_splits_at():
    breaking = {chr(code) for code in range(0x110000) if len(f"a{chr(code)}b".splitlines()) == 2}
    assert breaking == set("".join(attacks.LINE_BREAKS.values())) - {"\r\n"} | {"\r", "\n"}


def test_escape_for_log_leaves_one_printable_token_and_is_unambiguous():
    rng = random.Random(9)
    alphabet = [chr(code) for code in [*range(0, 0x250), 0x85, 0xA0, 0x2028, 0x2029, 0x202E, 0xFEFF, 0x1F600, 0xE0001]]
    seen = {}
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        escaped = targets.escape_for_log(value)
        assert escaped.isprintable() and " " not in escaped and len(escaped.splitlines()) <= 1
        assert seen.setdefault(escaped, value) == value
    assert targets.escape_for_log("a b\\n\n\u2028é") == "a\\x20b\\\\n\\x0a\\u2028é"


def test_json_formatter_escapes_every_value_and_keeps_its_own_keys():
    stream = io.StringIO()
    logger = targets.stream_logger(stream, targets.JsonFormatter())
    logger.info("login.failure", extra={"fields": {"user": "x\u2028y\x85", "event": "spoofed", "when": {1, 2}}})
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["user"] == "x\u2028y\x85" and entry["event"] == "login.failure" and entry["when"] == "{1, 2}"
    assert targets.read_json_log(line + "\nnot json\n[1]\n") == [entry]


def test_stream_loggers_do_not_reach_the_root_logger(caplog):
    stream = io.StringIO()
    with caplog.at_level(logging.INFO):
        targets.stream_logger(stream).info("login failure user=x ip=y")
    assert caplog.records == [] and "user=x" in stream.getvalue()


def test_logging_targets_are_servable_and_log_to_stderr(capfd):
    with running("login-log-vulnerable") as base_url:
        from seclab.server import http_request

        http_request("POST", f"{base_url}/login", json_body={"username": "eve\nforged", "password": "x"})
    assert "user=eve\nforged" in capfd.readouterr().err


def test_guessing_finds_alices_weak_password_over_http():
    seen = []
    from seclab.server import serve

    with serve(targets.create_login_app(seen.append, targets.demo_accounts())) as base_url:
        result = attacks.guess_password(base_url, "alice")
        assert not attacks.guess_password(base_url, "admin").succeeded
    assert result.succeeded and result.payload == targets.ALICE_WEAK_PASSWORD
    assert sum(event.outcome == "success" for event in seen) == 1


# --- the alert rules and the simulated day --------------------------------------------------------

def test_detection_rules_match_the_contract_on_small_logs():
    fails = [{"ts": float(t), "ip": "a", "user": "u", "ok": False} for t in (0, 15, 30, 45, 60)]
    assert targets.detect_login_attacks(fails) == [{"kind": "ip", "key": "a", "ts": 60.0},
                                                   {"kind": "user", "key": "u", "ts": 60.0}]
    assert targets.detect_login_attacks(fails, window=59.75) == []
    stuffing = [{"ts": 1.0, "ip": "a", "user": name, "ok": False} for name in "vwxyz"]
    assert [a["kind"] for a in targets.detect_login_attacks(stuffing)] == ["ip", "stuffing"]
    assert [a["kind"] for a in targets.detect_login_attacks(stuffing[:1], threshold=1)] == ["ip", "stuffing", "user"]


def test_the_simulated_day_is_reproducible_and_its_truth_is_as_the_lesson_says():
    day = attacks.simulate_login_day()
    assert day.events == attacks.simulate_login_day().events and day.events != attacks.simulate_login_day(10).events
    assert all(event["ts"] * 4 == int(event["ts"] * 4) for event in day.events)
    report = playground.tuning_report()
    verdicts = {scenario.name: scenario.verdict for scenario in report.scenarios}
    assert verdicts == {"brute force": "caught", "distributed guessing": "caught", "credential stuffing": "caught",
                        "low and slow": "missed", "office after a password change": "false alarm",
                        "phone retrying an old password": "false alarm", "everyday logins": "quiet"}
    alerts = targets.detect_login_attacks(day.events)
    assert {"dmitri", "fatima", "george"} <= set(attacks.stuffing_successes(day, alerts))


def test_every_alert_of_any_setting_is_attributed_to_a_scenario():
    day = attacks.simulate_login_day()
    for threshold, window in ((1, 60.0), (2, 5.0), (3, 900.0)):
        for alert in targets.detect_login_attacks(day.events, threshold, window):
            day.scenario_of(alert)


# --- the exercise spec ----------------------------------------------------------------------------

def test_reference_passes_every_public_and_hidden_case_in_process():
    assert failing_categories(REFERENCE, "log_event") == set()
    assert failing_categories(REFERENCE, "detect_bruteforce") == set()


def test_hidden_corpus_is_larger_and_covers_every_category_of_the_public_one():
    public, hidden = SPEC.cases(SPEC.public_corpus()), SPEC.cases(grading.hidden_corpus(EXERCISE), public=False)
    assert len(hidden) > 3 * len(public)
    assert {case.category for case in public} <= {case.category for case in hidden}


def _json_dumps_logger(**options):
    def log_event(logger, event, **fields):
        if not isinstance(event, str) or not REFERENCE["re"].fullmatch(REFERENCE["EVENT_NAME"], event):
            raise ValueError(event)
        logger.info(json.dumps({"event": event, **fields}, **options))
    return log_event


def _reference_logger_wrapped(change):
    def log_event(logger, event, **fields):
        return REFERENCE["log_event"](change(logger), event, **fields)
    return log_event


class _AtWarning:
    def __init__(self, logger):
        self.logger = logger

    def info(self, message, *args):
        self.logger.warning(message, *args)


class _WithDebugToo:
    def __init__(self, logger):
        self.logger = logger

    def info(self, message, *args):
        self.logger.debug("about to log")
        self.logger.info(message, *args)


def _dollar_anchor(logger, event, **fields):
    if not isinstance(event, str) or not REFERENCE["re"].match(r"^[a-z0-9_.]+$", event):
        raise ValueError(event)
    return REFERENCE["log_event"](logger, event.rstrip("\n"), **fields)


def _top_level_redaction(logger, event, **fields):
    if not isinstance(event, str) or not REFERENCE["re"].fullmatch(REFERENCE["EVENT_NAME"], event):
        raise ValueError(event)
    words = REFERENCE["SENSITIVE_WORDS"]
    clean = {key: "[REDACTED]" if any(w in key.lower() for w in words) else value for key, value in fields.items()}
    try:
        logger.info(json.dumps({"event": event, **clean}, default=str))
    except (TypeError, ValueError):
        logger.info(json.dumps({"event": event}))


@pytest.mark.parametrize(("solution", "wrong"), [
    (_json_dumps_logger(ensure_ascii=False, default=str), {"line-injection", "redaction", "unencodable", "keys"}),
    (_json_dumps_logger(default=str), {"redaction", "unencodable", "keys"}),
    (_top_level_redaction, {"redaction", "unencodable", "keys"}),
    (_reference_logger_wrapped(_AtWarning), {"structured", "line-injection", "redaction", "unencodable", "keys"}),
    (_reference_logger_wrapped(_WithDebugToo),
     {"structured", "line-injection", "redaction", "unencodable", "keys"}),
    (_dollar_anchor, {"event-name"}),
], ids=["ensure_ascii_false", "no_redaction", "top_level_redaction", "warning_level", "two_records", "dollar_anchor"])
def test_wrong_log_event_solutions_fail_exactly_their_categories(solution, wrong):
    assert failing_categories(variant(log_event=solution), "log_event") == wrong


def test_an_extra_based_log_event_breaks_on_record_attribute_names():
    def log_event(logger, event, **fields):
        REFERENCE["log_event"](_Extra(logger, fields), event, **fields)

    class _Extra:
        def __init__(self, logger, fields):
            self.logger, self.fields = logger, fields

        def info(self, message):
            self.logger.info(message, extra=dict(self.fields))

    assert "structured" in failing_categories(variant(log_event=log_event), "log_event")


def test_walking_only_exact_dicts_or_a_global_seen_set_fails_the_hidden_cases():
    source = solution_sources(INSTRUCTOR)["impl_log_event"]
    exact_dicts = source.replace("if isinstance(value, dict):", "if type(value) is dict:")
    global_seen = source.replace("if id(value) in ancestors:", "if id(value) in seen:").replace(
        "inner = (*ancestors, id(value))", "seen.add(id(value)); inner = ()").replace(
        "    entry = {\"event\": event}", "    seen = set()\n    entry = {\"event\": event}")
    for changed, category in ((exact_dicts, "redaction"), (global_seen, "unencodable")):
        assert changed != source
        namespace = dict(REFERENCE)
        exec(compile(changed, "<variant>", "exec"), namespace)  # a variant of the course's own solution
        assert category in failing_categories(namespace, "log_event")


def test_non_str_keys_are_written_and_judged_as_str_not_repr():
    source = solution_sources(INSTRUCTOR)["impl_log_event"]
    as_repr = source.replace("name = key if isinstance(key, str) else str(key)",
                             "name = key if isinstance(key, str) else repr(key)")
    assert as_repr != source
    namespace = dict(REFERENCE)
    exec(compile(as_repr, "<variant>", "exec"), namespace)  # a variant of the course's own solution
    # Decimal('1.50'), datetime.date(2025, 6, 1) and objects: repr is not str; an X-Api-Key object key leaks
    assert failing_categories(namespace, "log_event") == {"keys", "redaction"}


def test_the_judge_tolerates_nan_as_json_writes_it_and_any_safe_value_for_cycles():
    expected = SPEC.expected_entry("x", SPEC.build({"n": {"$py": "float", "text": "nan"},
                                                    "loop": {"$py": "circular_list", "items": ["a"]}}))
    assert SPEC._same(expected, {"event": "x", "n": math.nan, "loop": "[[...]]"})
    assert SPEC._same(expected, {"event": "x", "n": "nan", "loop": "<unprintable>"})
    assert not SPEC._same(expected, {"event": "x", "n": None, "loop": "<unprintable>"})


def test_builders_make_the_values_they_describe():
    built = SPEC.build({"o": {"$py": "odict", "pairs": [["b", 1], ["a", 2]]}, "t": {"$py": "tuple", "items": [1]},
                        "k": {"$py": "dict", "pairs": [[{"$py": "tuple", "items": [1, 2]}, "x"]]},
                        "big": {"$py": "bigint", "digits": 5000}, "loop": {"$py": "circular_dict", "pairs": []}})
    assert isinstance(built["o"], OrderedDict) and list(built["o"]) == ["b", "a"] and built["t"] == (1,)
    assert built["k"] == {(1, 2): "x"} and built["loop"]["loop"] is built["loop"]
    with pytest.raises(ValueError):
        str(built["big"])
    assert SPEC.planted_secrets({"a": {"Password": "long-secret"}, "b": [{"token": ["in-a-list-1"]}], "c": "plain-text"}) \
        == {"long-secret", "in-a-list-1"}


def _detector(**changes):
    """The instructor's detect_bruteforce with textual changes to its source."""
    source = solution_sources(INSTRUCTOR)["impl_detect_bruteforce"]
    for old, new in changes.items():
        assert old in source
        source = source.replace(old, new)
    namespace = dict(REFERENCE)
    exec(compile(source, "<variant>", "exec"), namespace)  # a variant of the course's own solution
    return namespace


@pytest.mark.parametrize(("changes", "wrong", "exactly"), [
    ({"sorted(events, key=lambda event: event[\"ts\"])": "events"}, {"out-of-order", "unchanged"}, True),
    ({"for event in sorted(events, key=lambda event: event[\"ts\"]):":
      "events.sort(key=lambda event: event[\"ts\"])\n    for event in events:"}, {"out-of-order", "unchanged"}, True),
    ({"while ts - times[0] > window:": "while ts - times[0] >= window:",
      "while ts - tries[0][0] > window:": "while ts - tries[0][0] >= window:"}, {"window-edge", "first-reach"}, True),
    ({"        if event[\"ok\"]:\n            continue":
      "        if event[\"ok\"]:\n            recent[\"ip\", event[\"ip\"]].clear()\n"
      "            recent[\"user\", event[\"user\"]].clear()\n            continue"}, {"successes"}, False),
    ({"if (kind, key) not in alerted:": "if True:"}, {"once"}, False),
    ({"                alert(kind, key, ts)": "                alert(kind, key, times[0])"}, {"first-reach"}, False),
    ({"if len(users) >= threshold:": "if len(tries) >= threshold:"}, {"stuffing"}, False),
    ({"(found[\"ts\"], found[\"kind\"], found[\"key\"])": "found[\"ts\"]"}, {"alert-format"}, False),
    ({"(found[\"ts\"], found[\"kind\"], found[\"key\"])": "(found[\"ts\"], found[\"key\"], found[\"kind\"])"},
     {"alert-format"}, True),
    ({"while ts - times[0] > window:": "while times[0] + window < ts:",
      "while ts - tries[0][0] > window:": "while tries[0][0] + window < ts:"}, {"window-edge"}, True),
], ids=["given_order", "sorts_in_place", "strict_window", "reset_on_success", "repeats", "first_in_window",
        "tries_not_users", "sorted_by_ts_only", "sorted_by_key_before_kind", "first_plus_window_in_floats"])
def test_wrong_detectors_fail_their_categories(changes, wrong, exactly):
    failing = failing_categories(_detector(**changes), "detect_bruteforce")
    assert failing == wrong if exactly else wrong <= failing


def test_fixed_buckets_miss_bursts_across_a_boundary():
    def detect_bruteforce(events, threshold=5, window=60.0):
        shifted = [{**event, "ts": event["ts"] // window * window if window else event["ts"]} for event in events]
        found = REFERENCE["detect_bruteforce"](shifted, threshold, 0.0)
        return [{**alert, "ts": alert["ts"]} for alert in found]

    assert "sliding" in failing_categories(variant(detect_bruteforce=detect_bruteforce), "detect_bruteforce")


def test_check_shows_only_ticks_for_the_reference_and_short_calls_for_long_logs():
    for name in ("log_event", "detect_bruteforce"):
        report = format_report(f"{EXERCISE}.{name}", run_checks(f"{EXERCISE}.{name}", REFERENCE[name], REFERENCE))
        assert "✗" not in report and report.count("✓") == 2
    broken = variant(detect_bruteforce=lambda events, threshold=5, window=60.0: [])
    report = format_report(f"{EXERCISE}.detect_bruteforce",
                           run_checks(f"{EXERCISE}.detect_bruteforce", broken["detect_bruteforce"], broken))
    assert "✗" in report and "Hint:" in report
    assert max(len(line) for line in report.splitlines()) < 500


def test_check_explains_in_words_what_went_wrong():
    def log_event(logger, event, **fields):
        logger.info(json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))

    results = run_checks(f"{EXERCISE}.log_event", log_event, REFERENCE)
    explained = {result.case.expect.what_happened(result.outcome) for result in results if not result.passed}
    assert "the message contains '\\u2028' (U+2028), where some readers start a new line; it must stay escaped" \
        in explained
    assert "logged the secret 'Tr0ub4dor&3-demo'" in explained
    assert "accepted the event name and logged 1 record(s)" in explained
    assert "raised TypeError: keys must be str, int, float, bool or None, not tuple" in explained
    detect = REFERENCE["detect_bruteforce"]
    sorting = variant(detect_bruteforce=lambda events, *args, **kwargs: events.sort(key=lambda e: e["ts"])
                      or detect(events, *args, **kwargs))
    results = run_checks(f"{EXERCISE}.detect_bruteforce", sorting["detect_bruteforce"], sorting)
    explained = {result.case.expect.what_happened(result.outcome) for result in results if not result.passed}
    assert explained == {"changed the list of events it was given"}


def test_an_explanation_that_fails_falls_back_to_the_outcome():
    from seclab.spec import satisfies

    expectation = satisfies(bool, "something true", explain=lambda outcome: 1 / 0)
    assert expectation.what_happened({"value": 0}) == "returned 0"


def test_check_says_not_written_yet_for_the_released_stubs():
    def log_event(logger, event, **fields):
        raise NotImplementedError()

    report = format_report(f"{EXERCISE}.log_event", run_checks(f"{EXERCISE}.log_event", log_event, REFERENCE))
    assert "not written yet" in report


@pytest.mark.parametrize("payload", [None, "", 42, ["a\nb"], "x" * 3000, "admin", "admin x\tsuccess"])
def test_exploit_replay_refuses_payloads_that_do_not_forge(payload):
    assert SPEC.exploit_works(payload) == {"vulnerable": False, "fixed": False}


def test_exploit_replay_is_quick():
    started = time.perf_counter()
    assert SPEC.exploit_works(attacks.FORGING_PAYLOADS["LF"]) == {"vulnerable": True, "fixed": False}
    assert time.perf_counter() - started < 2


# --- the playgrounds -------------------------------------------------------------------------------

def test_tuning_report_recomputes_within_100_ms():
    playground.tuning_report()
    for threshold, window in ((1, 900.0), (5, 60.0), (40, 5.0)):
        started = time.perf_counter()
        html = playground.render_tuning_report(playground.tuning_report(threshold, window))
        assert time.perf_counter() - started < 0.1 and "attacks caught" in html


def test_tuning_playground_updates_on_every_control():
    widget = playground.playground()
    (threshold, window), (_label, *rules), output = [box.children for box in widget.children[:2]] + [widget.children[2]]
    threshold.value = 40
    assert "threshold 40, window 60 s" in output.value and "1 of 4 attacks caught, 0 false alarm" in output.value
    window.value = 900.0
    assert "window 900 s" in output.value and "3 of 4 attacks caught, 1 false alarm" in output.value
    for rule in rules:
        rule.value = False
    assert "rules: none" in output.value and "0 of 4 attacks caught, 0 false alarm" in output.value


def test_decode_escapes_reads_what_a_text_box_cannot_hold():
    assert playground.decode_escapes(r"a\nb\r\t\x41\u2028\U0001F600\\n\q") == "a\nb\r\tA\u2028\U0001F600\\n\\q"
    assert playground.decode_escapes(r"\U00110000") == r"\U00110000"


def test_forging_report_shows_the_forged_line_and_is_quick():
    playground.forging_report("warm up")
    started = time.perf_counter()
    report = playground.forging_report(r"x ip=1.2.3.4\u2028" + attacks.FORGED_TIME + " INFO login success user=admin")
    html = playground.render_forging_report(report)
    assert time.perf_counter() - started < 0.1
    assert report.forged_on_vulnerable and not report.forged_on_fixed
    assert "an admin login succeeded!" in html and "\\u2028" in html


def test_exploit_playground_records_the_decoded_username(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playground.exploit_playground(record_key="exploit")
    (username, attempt, save), result = widget.children[0].children, widget.children[1]
    username.value = r"eve\n" + attacks.FORGED_TIME + " INFO login success user=admin"
    attempt.click()
    assert "an admin login succeeded!" in result.value
    save.click()
    recorded = answers.recorded("exploit")
    assert recorded.startswith("eve\n") and SPEC.exploit_works(recorded) == {"vulnerable": True, "fixed": False}


def test_lesson_playground_has_no_record_button():
    widget = playground.exploit_playground(record_key=None)
    assert len(widget.children[0].children) == 2

"""Topic integrity (lesson 08, exercise 08_integrity): twins, attacks, spec and playgrounds do what they claim.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
integrity.roundtrip.json beside this file. Here: what is particular to this topic.
"""

import base64
import hashlib
import hmac
import json
import os
import pickle
import secrets
import time
from collections import Counter

import pytest
import yaml
from support import SOURCE

from seclab import answers, grading
from seclab.notebooks import solution_sources
from seclab.outcomes import run_case
from seclab.server import http_request, serve
from seclab.topics.integrity import attacks, spec, targets
from seclab.topics.integrity import widgets as playgrounds

INSTRUCTOR = SOURCE / "08_integrity" / "08_integrity.ipynb"


# --- the remember-me twins --------------------------------------------------------------------

def test_pickle_cookie_runs_code_in_the_vulnerable_loader_only(tmp_path):
    marker = tmp_path / "pwned"
    cookie = targets.b64url_encode(attacks.malicious_pickle(marker))
    with pytest.raises(AttributeError):  # the command ran; os.system's return value has no .name
        targets.vulnerable_load_pickle_cookie(cookie)
    assert marker.exists()
    marker.unlink()
    for safe_loader in (targets.load_unsigned_cookie, lambda c: targets.fixed_load_cookie(c, b"k" * 32)):
        with pytest.raises(ValueError):
            safe_loader(cookie)
    assert not marker.exists()


def test_honest_cookies_round_trip_in_every_twin():
    key = secrets.token_bytes(32)
    assert targets.vulnerable_load_pickle_cookie(targets.pickle_cookie("alice", "user")) == {"user": "alice",
                                                                                           "role": "user"}
    assert targets.load_unsigned_cookie(targets.unsigned_cookie("alice", "user")) == {"user": "alice", "role": "user"}
    assert targets.fixed_load_cookie(targets.signed_cookie("alice", "admin", key), key) == {"user": "alice",
                                                                                          "role": "admin"}


def test_signed_cookie_refuses_edits_other_keys_and_junk():
    key = secrets.token_bytes(32)
    cookie = targets.signed_cookie("alice", "user", key)
    payload, _, mac = cookie.rpartition(".")
    edited = targets.b64url_encode(targets.b64url_decode(payload).replace(b'"user"}', b'"admin"}'))
    for bad in (edited + "." + mac, cookie[:-2], "", "no-dot", payload + ".", "é." + mac):
        with pytest.raises(ValueError):
            targets.fixed_load_cookie(bad, key)
    with pytest.raises(ValueError):
        targets.fixed_load_cookie(cookie, secrets.token_bytes(32))


def test_strict_model_refuses_extra_fields_wrong_types_and_unknown_roles():
    for text in ('{"user": "alice", "role": "user", "admin": true}', '{"user": 1, "role": "user"}',
                 '{"user": "alice", "role": "root"}', '{"user": "", "role": "user"}', "[]"):
        with pytest.raises(ValueError):
            targets.load_unsigned_cookie(targets.b64url_encode(text.encode()))


def test_b64url_takes_standard_and_url_safe_base64_and_refuses_junk():
    data = bytes(range(256))
    assert targets.b64url_decode(targets.b64url_encode(data)) == data
    assert targets.b64url_decode(base64.b64encode(data).decode()) == data
    assert set(targets.b64url_encode(data)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for junk in ("!!", "é", "a", "AAA*"):
        with pytest.raises(ValueError):
            targets.b64url_decode(junk)


@pytest.mark.parametrize("name", ["remember-me-pickle", "remember-me-unsigned", "remember-me-signed"])
def test_servable_apps_log_alice_in_on_loopback(name):
    with serve(targets.SERVABLE[name][1]()) as url:
        assert url.startswith("http://127.0.0.1:")
        cookie = targets.login_cookie(url)
        assert targets.with_cookie(url, "/me", cookie) == (200, {"user": "alice", "role": "user"})
        assert targets.with_cookie(url, "/admin", cookie)[0] == 403
        assert http_request("POST", f"{url}/login", json_body={"username": "alice", "password": "x"}).status == 401
        assert targets.with_cookie(url, "/me", "garbage")[0] == 400


def test_pickle_app_runs_the_attackers_command_over_http(tmp_path):
    marker = tmp_path / "pwned"
    with serve(targets.SERVABLE["remember-me-pickle"][1]()) as url:
        status, _ = targets.with_cookie(url, "/me", targets.b64url_encode(attacks.malicious_pickle(marker)))
    assert status == 400 and marker.exists()


def test_edited_cookie_makes_admin_only_without_a_signature():
    admin = targets.unsigned_cookie("alice", "admin")
    with serve(targets.SERVABLE["remember-me-unsigned"][1]()) as unsigned_url:
        status, body = targets.with_cookie(unsigned_url, "/admin", admin)
        assert attacks.became_admin(status, body).succeeded
    with serve(targets.SERVABLE["remember-me-signed"][1]()) as signed_url:
        cookie = targets.login_cookie(signed_url)
        forged = admin + "." + cookie.rpartition(".")[2]
        status, body = targets.with_cookie(signed_url, "/admin", forged)
        assert not attacks.became_admin(status, body).succeeded


# --- MACs: length extension and timing ----------------------------------------------------------

@pytest.mark.parametrize("length", [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000])
def test_pure_sha256_is_sha256(length):
    message = os.urandom(length)
    assert attacks.pure_sha256(message) == hashlib.sha256(message).digest()


@pytest.mark.parametrize("key_length", [1, 16, 24, 55, 64, 100])
def test_length_extension_forges_a_valid_digest_without_the_key(key_length):
    key, message, suffix = os.urandom(key_length), b"user=alice&role=user", b"&role=admin"
    glue, forged = attacks.extend_sha256(hashlib.sha256(key + message).digest(), key_length + len(message), suffix)
    assert forged == hashlib.sha256(key + message + glue + suffix).digest()


def test_naive_token_falls_to_length_extension_and_hmac_token_does_not():
    key = secrets.token_bytes(21)

    def accepted_by(reader):
        def accepts(token):
            try:
                reader(key, token)
            except ValueError:
                return False
            return True
        return accepts

    naive = targets.naive_token(key, {"user": "alice", "role": "user"})
    forgery = attacks.forge_with_any_key_length(naive, b"&role=admin", accepted_by(targets.read_naive_token))
    assert forgery is not None and forgery.key_length == 21
    assert targets.read_naive_token(key, forgery.token)["role"] == "admin"
    strong = targets.hmac_token(key, {"user": "alice", "role": "user"})
    assert targets.read_hmac_token(key, strong) == {"user": "alice", "role": "user"}
    assert attacks.forge_with_any_key_length(strong, b"&role=admin", accepted_by(targets.read_hmac_token)) is None


def test_early_exit_compare_reports_how_far_it_got():
    assert attacks.early_exit_compare(b"abcd", b"abcd") == (True, 4)
    assert attacks.early_exit_compare(b"abcd", b"abXd") == (False, 3)
    assert attacks.early_exit_compare(b"abcd", b"Xbcd") == (False, 1)
    assert attacks.early_exit_compare(b"abcd", b"abc") == (False, 0)


def test_a_leaking_comparison_gives_the_mac_away_and_a_constant_one_does_not():
    mac = hmac.new(b"key", b"message", hashlib.sha256).digest()
    found, guesses = attacks.recover_mac_from_leak(lambda guess: attacks.early_exit_compare(mac, guess))
    assert found == mac and guesses <= 256 * 32
    with pytest.raises(ValueError):
        attacks.recover_mac_from_leak(lambda guess: (hmac.compare_digest(mac, guess), 32))


def test_equals_is_faster_on_an_early_difference_and_compare_digest_is_not():
    timings = attacks.time_comparisons()
    assert timings.equals_last > 20 * timings.equals_first
    assert 1 / 3 < timings.digest_last / timings.digest_first < 3


# --- YAML, updates, wheels -----------------------------------------------------------------------

def test_malicious_yaml_runs_only_with_the_unsafe_loader(tmp_path):
    marker = tmp_path / "pwned"
    document = attacks.malicious_yaml(marker)
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load(document)
    assert not marker.exists()
    assert yaml.load(document, Loader=yaml.UnsafeLoader)["theme"] == "dark"  # noqa: S506 - the point of the test
    assert marker.exists()


def test_release_key_signatures_verify_only_for_the_exact_bytes():
    release = targets.ReleaseKey()
    manifest = targets.make_manifest("2.0", "https://updates.example.com/app-2.0.whl", b"release")
    signature = release.sign(manifest)
    targets.verify_ed25519(release.public_key, signature, manifest)
    assert len(release.public_key) == 32 and len(signature) == 64
    for public_key, sig, message in [(release.public_key, signature, manifest + b" "),
                                     (targets.ReleaseKey().public_key, signature, manifest),
                                     (release.public_key[:-1], signature, manifest),
                                     (release.public_key, signature[:-1], manifest)]:
        with pytest.raises(ValueError):
            targets.verify_ed25519(public_key, sig, message)
    assert json.loads(manifest)["sha256"] == hashlib.sha256(b"release").hexdigest()


def test_mirror_serves_what_it_holds_and_download_stays_on_loopback():
    release, mirror = targets.ReleaseKey(), targets.UpdateMirror()
    manifest = mirror.publish(release, "1.4.0", b"app 1.4.0")
    with serve(mirror.app()) as url:
        assert targets.download(f"{url}/manifest.json", url) == manifest
        assert targets.download("https://updates.example.com/app-1.4.0.whl", url) == b"app 1.4.0"
        targets.verify_ed25519(release.public_key, targets.download(f"{url}/manifest.sig", url), manifest)
        for elsewhere in ("https://evil.example.net/app.whl", "http://192.0.2.1/app.whl"):
            with pytest.raises(ValueError):
                targets.download(elsewhere, url)
        with pytest.raises(ValueError):
            targets.download(f"{url}/missing.whl", url)


def test_pip_refuses_a_swapped_wheel_only_with_hashes(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    wheel = targets.build_wheel(index, "demo_helper", "1.0.0", "VALUE = 1\n")
    pinned, unpinned = tmp_path / "pinned.txt", tmp_path / "unpinned.txt"
    pinned.write_text(f"demo_helper==1.0.0 --hash=sha256:{targets.file_sha256(wheel)}\n")
    unpinned.write_text("demo_helper==1.0.0\n")
    assert targets.pip_dry_run(pinned, index).accepted
    targets.build_wheel(index, "demo_helper", "1.0.0", "VALUE = 'swapped'\n")
    assert targets.pip_dry_run(unpinned, index).accepted
    refused = targets.pip_dry_run(pinned, index)
    assert not refused.accepted and "DO NOT MATCH THE HASHES" in refused.message


# --- the spec -------------------------------------------------------------------------------------

def test_same_data_tells_types_apart():
    assert spec.same_data({"a": [1, 2.0, True, None]}, {"a": [1, 2.0, True, None]})
    for left, right in [(True, 1), (1, 1.0), (0.0, -0.0), ({"a": 1}, {"a": 1, "b": 2}), ([1], (1,)), ("1", 1)]:
        assert not spec.same_data(left, right), (left, right)


def test_every_changed_token_differs_and_substitutions_change_the_decoded_bytes():
    token = targets.signed_cookie("alice", "user", b"k" * 32)
    for family in ("substitute", "delete", "truncate", "extra"):
        changed = spec.changed_tokens(token, family)
        assert changed and token not in changed and len(changed) == len(set(changed))
    payload, _, mac = token.rpartition(".")
    for changed in spec.changed_tokens(token, "substitute"):
        new_payload, dot, new_mac = changed.rpartition(".")
        if dot and new_payload != payload:
            assert targets.b64url_decode(new_payload) != targets.b64url_decode(payload)
        elif dot:
            assert targets.b64url_decode(new_mac) != targets.b64url_decode(mac)


def test_wrong_keys_are_keys_hmac_tells_apart():
    for label in ("key A", "hex:01", "hex:" + "3c" * 100):
        key = spec.key_of(label)
        macs = {hmac.new(spec._wrong_key(key, variant), b"m", hashlib.sha256).digest()
                for variant in spec.WRONG_KEY_VARIANTS}
        assert hmac.new(key, b"m", hashlib.sha256).digest() not in macs


def _namespace(impl_sources: dict[str, str]) -> dict:
    """The instructor setup cell plus the given implementation cells, run in one namespace."""
    cells = json.loads(INSTRUCTOR.read_text())["cells"]
    setup = "".join(next(cell["source"] for cell in cells if cell["metadata"].get("nbgrader", {}).get("grade_id")
                         == "setup"))
    namespace: dict = {}
    exec(setup, namespace)  # the course's own notebook code  # noqa: S102
    for source in impl_sources.values():
        exec(source, namespace)  # noqa: S102
    return namespace


def _failing(namespace: dict, functions: set[str]) -> Counter:
    """(part, category) -> failed cases, over the public and hidden corpus, judged in this process."""
    cases = spec.cases(spec.public_corpus()) + spec.cases(grading.hidden_corpus("08_integrity"), public=False)
    failed: Counter = Counter()
    for case in cases:
        if case.function in functions:
            outcome = run_case(spec, namespace, case.function, case.fixture, list(case.args), case.scenario)
            if not case.expect.judge(outcome):
                failed[(case.part, case.category)] += 1
    return failed


@pytest.fixture(scope="module")
def reference():
    return solution_sources(INSTRUCTOR)


def test_reference_solution_passes_every_public_and_hidden_case(reference):
    namespace = _namespace({k: v for k, v in reference.items() if k.startswith("impl_")})
    assert _failing(namespace, {"sign", "unsign", "load_profile", "check_update"}) == Counter()


ITSDANGEROUS = '''
from itsdangerous import BadData, URLSafeSerializer


def _serializer(key):
    return URLSafeSerializer(key, salt="cookie", signer_kwargs={"digest_method": hashlib.sha256})


def sign(data, key):
    return _serializer(key).dumps(data)


def unsign(token, key):
    try:
        return _serializer(key).loads(token)
    except BadData as error:
        raise ValueError(str(error)) from None
'''


def test_an_itsdangerous_solution_passes_sign_and_unsign():
    assert _failing(_namespace({"impl": ITSDANGEROUS}), {"sign", "unsign"}) == Counter()


_SIGN_MAC = 'mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()'
_UNSIGN_MAC = 'expected = hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256).digest()'
WEAK_MACS = {
    "sha256(key + data)": (_SIGN_MAC.replace('hmac.new(key, payload.encode("ascii"), hashlib.sha256)',
                                             'hashlib.sha256(key + payload.encode("ascii"))'),
                           _UNSIGN_MAC.replace('hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256)',
                                               'hashlib.sha256(key + payload.encode("ascii", "replace"))')),
    "sha256(data + key)": (_SIGN_MAC.replace('hmac.new(key, payload.encode("ascii"), hashlib.sha256)',
                                             'hashlib.sha256(payload.encode("ascii") + key)'),
                           _UNSIGN_MAC.replace('hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256)',
                                               'hashlib.sha256(payload.encode("ascii", "replace") + key)')),
    "HMAC-SHA1": (_SIGN_MAC.replace("hashlib.sha256", "hashlib.sha1"), _UNSIGN_MAC.replace("hashlib.sha256", "hashlib.sha1")),
    "HMAC-MD5": (_SIGN_MAC.replace("hashlib.sha256", "hashlib.md5"), _UNSIGN_MAC.replace("hashlib.sha256", "hashlib.md5")),
    "HMAC-SHA256 cut to 8 bytes": (_SIGN_MAC.replace(".digest()", ".digest()[:8]"),
                                   _UNSIGN_MAC.replace(".digest()", ".digest()[:8]")),
}


@pytest.mark.parametrize("what", WEAK_MACS)
def test_a_mac_weaker_than_hmac_sha256_fails_only_the_weak_mac_check(reference, what):
    sign_mac, unsign_mac = WEAK_MACS[what]
    assert reference["impl_sign"].count(_SIGN_MAC) == 1 and reference["impl_unsign"].count(_UNSIGN_MAC) == 1
    weak = {**reference, "impl_sign": reference["impl_sign"].replace(_SIGN_MAC, sign_mac),
            "impl_unsign": reference["impl_unsign"].replace(_UNSIGN_MAC, unsign_mac)}
    assert set(_failing(_namespace(weak), {"sign", "unsign"})) == {("sign.attack", "weak-mac")}


def test_itsdangerous_with_its_sha1_default_fails_only_the_weak_mac_check():
    default_digest = ITSDANGEROUS.replace(', salt="cookie", signer_kwargs={"digest_method": hashlib.sha256}', "")
    assert default_digest != ITSDANGEROUS
    assert set(_failing(_namespace({"impl": default_digest}), {"sign", "unsign"})) == {("sign.attack", "weak-mac")}


def test_the_weak_mac_detector_passes_hmac_sha256_in_other_formats():
    key, data = spec.key_of("key A"), {"user": "alice", "role": "user"}
    payload = json.dumps(data).encode()
    full = hmac.new(key, payload, hashlib.sha256).digest()
    for token in (full.hex() + "." + payload.hex(), base64.urlsafe_b64encode(payload).decode() + "." + full.hex(),
                  "v1." + base64.urlsafe_b64encode(full).decode().rstrip("=") + "." + payload.hex()):
        assert spec.weak_mac(token, data, key) is None, token
    assert spec.weak_mac("v1." + hashlib.sha256(key + payload).hexdigest() + "." + payload.hex(), data, key)


def test_comparing_with_equals_fails_only_the_timing_check(reference):
    with_equals = reference["impl_unsign"].replace("if not hmac.compare_digest(_b64decode(mac), expected):",
                                                   "if _b64decode(mac) != expected:")
    assert with_equals != reference["impl_unsign"]
    failed = _failing(_namespace({**reference, "impl_unsign": with_equals}), {"sign", "unsign"})
    assert set(failed) == {("unsign.attack", "timing")}


def test_a_pydantic_only_profile_parser_fails_exactly_on_duplicate_keys(reference):
    pydantic_only = '''
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Profile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    age: int = Field(ge=0, le=150)
    email: str = Field(max_length=254)


def load_profile(raw):
    profile = Profile.model_validate_json(raw).model_dump()
    local, _, domain = profile["email"].partition("@")
    if not local or not domain or "@" in domain or any(c.isspace() for c in profile["email"]):
        raise ValueError("bad email")
    return profile
'''
    failed = _failing(_namespace({"impl": pydantic_only}), {"load_profile"})
    assert set(failed) == {("load_profile.attack", "duplicate-key")}


def test_json_loads_on_bytes_fails_the_encoding_checks(reference):
    on_bytes = reference["impl_load_profile"].replace('json.loads(raw.decode("utf-8"),', "json.loads(raw,")
    assert on_bytes != reference["impl_load_profile"]
    failed = _failing(_namespace({**reference, "impl_load_profile": on_bytes}), {"load_profile"})
    assert set(failed) == {("load_profile.attack", "encoding")}


def test_string_compared_versions_and_leaked_invalid_signature_are_caught(reference):
    as_strings = reference["impl_check_update"].replace('if Version(update["version"]) <= Version(installed):',
                                                        'if update["version"] <= installed:')
    leaks = reference["impl_check_update"].replace("except (InvalidSignature, ValueError, TypeError):",
                                                   "except (ValueError, TypeError):")
    assert as_strings != reference["impl_check_update"] != leaks
    strings_failed = _failing(_namespace({**reference, "impl_check_update": as_strings}), {"check_update"})
    assert {category for _part, category in strings_failed} >= {"valid-update", "rollback"}
    leaks_failed = _failing(_namespace({**reference, "impl_check_update": leaks}), {"check_update"})
    assert set(leaks_failed) == {("check_update.attack", "signature")}


def test_check_says_which_checks_wait_for_the_other_function(capsys, tmp_path, monkeypatch, reference):
    from seclab.check import check

    monkeypatch.chdir(tmp_path)
    namespace = _namespace({"impl_sign": reference["impl_sign"]})

    def unsign(token, key):
        raise NotImplementedError()

    namespace["unsign"] = unsign
    namespace["check"] = check
    exec('check("08_integrity.sign", sign)', namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "not written yet" not in out.splitlines()[0] and "so far" in out and "✗" not in out
    assert "also call unsign, which is not written yet" in out
    assert answers.recorded("check:08_integrity.sign") is None  # waiting, not failing
    exec('check("08_integrity.unsign", unsign)', namespace)  # noqa: S102
    assert "08_integrity.unsign: not written yet" in capsys.readouterr().out


# --- the exploit challenge, replayed only in the sandbox ------------------------------------------

def _base64_pickle(reduce_to) -> str:
    class Payload:
        def __reduce__(self):
            return reduce_to

    return base64.b64encode(pickle.dumps(Payload())).decode()


def test_exploit_replay_never_unpickles_in_the_graders_process(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    def refuse(*_args, **_kwargs):
        raise AssertionError("the grader's own process unpickled a payload")

    monkeypatch.setattr(pickle, "loads", refuse)
    payload = _base64_pickle((os.system, ("touch pwned",)))
    assert spec.exploit_works(payload) == {"vulnerable": True, "fixed": False}
    assert not (tmp_path / "pwned").exists()


def test_exploit_replay_takes_url_safe_base64_and_any_way_of_creating_the_file():
    opened = _base64_pickle((open, ("pwned", "w")))
    assert spec.exploit_works(opened.replace("+", "-").replace("/", "_").rstrip("=")) == {"vulnerable": True,
                                                                                          "fixed": False}


@pytest.mark.parametrize("payload", [
    _base64_pickle((os.system, ("touch not-pwned",))),
    base64.b64encode(pickle.dumps({"user": "alice", "role": "admin"})).decode(),
    "not base64 at all!",
    "",
    None,
    42,
    "A" * (spec.MAX_PAYLOAD_CHARACTERS + 1),
])
def test_payloads_that_do_not_create_pwned_do_not_win(payload):
    assert spec.exploit_works(payload) == {"vulnerable": False, "fixed": False}


def test_a_hanging_payload_costs_only_its_time_limit():
    started = time.monotonic()
    assert spec.exploit_works(_base64_pickle((time.sleep, (600,)))) == {"vulnerable": False, "fixed": False}
    from seclab.grading.policy import REPLAY

    assert time.monotonic() - started < REPLAY.seconds + 20  # one replay's limit (the fixed twin never sleeps)


# --- playgrounds -----------------------------------------------------------------------------------

def test_extension_report_forges_only_with_the_right_key_length():
    key = secrets.token_bytes(19)
    accepted = [length for length in range(1, 65)
                if playgrounds.extension_report("&role=admin", length, key).naive_accepted]
    assert accepted == [19]
    report = playgrounds.extension_report("&role=admin", 19, key)
    assert report.naive_result == {"user": "alice", "role": "admin"} and report.hmac_result is None
    html = playgrounds.render_extension_report(report)
    assert "accepted: user=alice, role=admin" in html and "refused" in html and "\\x80" in html


def test_extension_report_is_fast_enough_for_a_slider():
    key = secrets.token_bytes(16)
    started = time.perf_counter()
    for length in range(1, 21):
        playgrounds.render_extension_report(playgrounds.extension_report("&role=admin&x=" + "y" * 200, length, key))
    assert (time.perf_counter() - started) / 20 < 0.1


def test_extension_playground_recomputes_on_a_new_guess():
    widget = playgrounds.extension_playground(key_length_guess=1)
    append, guess, output = widget.children
    seen = set()
    for length in range(1, 65):
        guess.value = length
        seen.add("role=admin" in output.value and "accepted" in output.value)
    assert seen == {True, False}
    append.value = "&user=mallory"
    assert "mallory" in output.value


def test_look_inside_disassembles_without_running(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listing = playgrounds.look_inside(_base64_pickle((os.system, ("touch pwned",))))
    assert "system" in listing and "REDUCE" in listing and not (tmp_path / "pwned").exists()
    assert "base64" in playgrounds.look_inside("!!")
    assert "not a complete pickle" in playgrounds.look_inside("AAAA")


def test_exploit_playground_replays_and_records(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playgrounds.exploit_playground(record_key="exploit")
    box, buttons, result = widget.children
    inspect, replay, record_button = buttons.children
    box.value = _base64_pickle((os.system, ("touch pwned",)))
    inspect.click()
    assert "REDUCE" in result.value
    replay.click()
    assert "wins the challenge" in result.value
    record_button.click()
    assert answers.recorded("exploit") == box.value
    assert not (tmp_path / "pwned").exists()


def test_every_case_reaches_the_learners_code_before_anything_can_raise():
    """A ValueError of the grader's own would pass for the learner's: every case must get to their call."""

    class Reached(Exception):
        pass

    def reached(*_args):
        raise Reached()

    namespace = {name: reached for name in ("sign", "unsign", "load_profile", "check_update")}
    cases = spec.cases(spec.public_corpus()) + spec.cases(grading.hidden_corpus("08_integrity"), public=False)
    for case in cases:
        outcome = run_case(spec, namespace, case.function, case.fixture, list(case.args), case.scenario)
        raised = outcome["value"]["raised"] if case.scenario == "runs_nothing" else outcome.get("raised", ["?"])
        assert raised[0] in {"Reached", "PartnerFailed"}, (case.scenario, case.args, outcome)
        assert not case.expect.judge(outcome), (case.part, case.category)

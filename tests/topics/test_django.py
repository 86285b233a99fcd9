"""Topic django (lesson 14 Securing Django): the project, the twins, the attacks and the playgrounds.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
django.roundtrip.json beside this file.
"""

import copy
import secrets
import subprocess
import sys
import textwrap

import pytest

from seclab.topics.django import attacks, spec, widgets
from seclab.topics.django.project import development_settings, setup
from seclab.topics.django.settings_check import deploy_check, deploy_findings, reference_production_settings


@pytest.fixture(scope="module")
def demo():
    return setup()


def good_env(**extra):
    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "docs.example.com", **extra}


def test_setup_is_idempotent_and_seeds_the_demo_data(demo):
    from seclab.topics.django.project.documents.models import Document

    assert setup() == demo
    assert Document.objects.get(pk=demo.alice_doc).owner.username == "alice"
    assert not Document.objects.filter(pk=demo.missing_doc).exists()


def test_setup_takes_over_a_process_that_lesson_05_configured_first():
    script = textwrap.dedent("""
        from seclab.topics.misconfiguration.django_site import ensure_django, deploy_check as site_check
        ensure_django()
        from seclab.topics.django.project import setup
        from seclab.topics.django import attacks
        setup()
        assert attacks.read_others_document(True).succeeded and not attacks.read_others_document(False).succeeded
        assert "security.W018" in {w.id for w in site_check(DEBUG=True, ALLOWED_HOSTS=["*"])}
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_deploy_check_flags_the_development_settings_and_passes_the_reference(demo):
    found = set(deploy_check(development_settings()))
    assert {"security.W004", "security.W008", "security.W009", "security.W012", "security.W016",
            "security.W018", "security.W020"} <= found
    assert deploy_check(reference_production_settings(development_settings(), good_env())) == []
    assert all(finding.message for finding in deploy_findings(development_settings()))


def test_deploy_check_ignores_silenced_checks_and_reads_missing_keys_as_defaults(demo):
    silenced = {**development_settings(), "SILENCED_SYSTEM_CHECKS": ["security.W018"]}
    assert "security.W018" in deploy_check(silenced)
    without_middleware = {key: value for key, value in development_settings().items() if key != "MIDDLEWARE"}
    assert "security.W001" in deploy_check(without_middleware)  # no middleware at all, as Django's default


def test_reference_production_settings_refuses_weak_secrets_and_wildcard_hosts():
    base = development_settings()
    before = copy.deepcopy(base)
    for env in ({"DJANGO_ALLOWED_HOSTS": "docs.example.com"}, good_env(DJANGO_SECRET_KEY="x" * 60),
                good_env(DJANGO_SECRET_KEY="django-insecure-" + secrets.token_urlsafe(50)),
                good_env(DJANGO_SECRET_KEY_FALLBACKS="short"), good_env(DJANGO_ALLOWED_HOSTS="*.example.com"),
                good_env(DJANGO_ALLOWED_HOSTS=" , ")):
        with pytest.raises(ValueError):
            reference_production_settings(base, env)
    old = secrets.token_urlsafe(50)
    result = reference_production_settings(base, good_env(DJANGO_SECRET_KEY_FALLBACKS=f" {old} ,,",
                                                          DJANGO_ALLOWED_HOSTS="a.example, b.example"))
    assert result["SECRET_KEY_FALLBACKS"] == [old] and result["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert base == before and result["DEBUG"] is False


@pytest.mark.parametrize("attack", [attacks.read_others_document, attacks.search_injection, attacks.stored_xss,
                                    attacks.forged_post, attacks.poison_reset])
def test_each_attack_succeeds_on_the_vulnerable_twin_only(demo, attack):
    assert attack(True).succeeded
    assert not attack(False).succeeded


def test_the_fixed_twin_redirects_plain_http_and_sends_hsts(demo):
    plain, secure = widgets.explore(f"/documents/{demo.bob_doc}/", "bob", https=False, versions=("fixed",))[0], \
        widgets.explore(f"/documents/{demo.bob_doc}/", "bob", https=True, versions=("fixed",))[0]
    assert plain.status == 301 and dict(plain.headers)["Location"].startswith("https://")
    assert secure.status == 200 and "max-age=31536000" in dict(secure.headers)["Strict-Transport-Security"]


def test_the_reset_playground_shows_the_poisoned_link_and_the_refusal(demo):
    attempts = widgets.compare_resets("reset.attacker.example")
    assert attempts[0].poisoned and attempts[0].link_host == "reset.attacker.example"
    assert attempts[1].status == 400 and attempts[1].mails == 0
    shown = widgets.render_resets(attempts)
    assert "POISONED" in shown and "no mail sent" in shown


def test_the_request_playground_renders_both_twins_and_escapes_bodies(demo):
    shown = widgets.render_exchange(widgets.explore("/comments/preview/?text=<b>x</b>", "anonymous"))
    assert "<b>x</b>" not in shown and "&lt;b&gt;x&lt;/b&gt;" in shown
    assert shown.count("<tr>") == 3  # the header row and one per twin


def test_exploit_replay_needs_a_host_of_the_attackers():
    assert spec.exploit_works("reset.attacker.example") == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works("docs.example.com") == {"vulnerable": False, "fixed": False}
    for junk in ("", "bad host", None, 42, "x" * 400):
        assert spec.exploit_works(junk) == {"vulnerable": False, "fixed": False}


def test_comment_expectation_matches_djangos_linebreaksbr(demo):
    from django.template.defaultfilters import linebreaksbr

    for text in spec.public_corpus()["xss"] + spec.public_corpus()["text"]:
        assert spec.expected_comment(text) == f'<p class="comment">{linebreaksbr(text, autoescape=True)}</p>'

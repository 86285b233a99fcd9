"""Spec of exercise 14_django: production_settings, document_detail, render_comment.

Every case is a SCENARIO, run inside the process that runs the learner's code (the
grading sandbox, or the learner's kernel for ``check()``), where the exercise's setup
cell has set the course's Django project up (``project.setup()``, idempotent):

* ``production settings`` builds a settings dict from the project's development
  settings and a variant (``set`` / ``unset`` keys, ``drop_middleware``), calls
  ``production_settings(base, env)`` with ``env`` as a read-only mapping, and reports
  what came back: whether ``base`` changed, the keys that must come from the
  environment, the base keys that were not kept, and what ``check --deploy`` reports
  for the result (``settings_check.deploy_check``: defaults for unset keys,
  ``SILENCED_SYSTEM_CHECKS`` ignored);
* ``document request`` calls ``document_detail(request, doc_id)`` with a GET request
  from ``RequestFactory`` whose ``user`` is anonymous or a demo user, for a demo
  document, a new one made for the case, or a missing id, and reports the response
  (status, Location, JSON) or the exception;
* ``comment`` calls ``render_comment(text)`` and reports the text it returned.

Corpus entries (``public_corpus()`` and ``autograder/hidden/14_django.json``), per key:
``{"base": variant, "env": {...}}`` for the settings keys, ``{"user": name, "doc": ref}``
for the document keys (``ref``: ``"alice_doc"``, ``"bob_doc"``, ``"carol_doc"``,
``"missing"`` or ``{"owner": name, "title": ..., "body": ...}``; a user that does not
exist yet is made for the case, ``staff`` if its name starts with ``staff``), and a
string for the comment keys. The key names the failure category.
"""

from __future__ import annotations

import copy
import html
import types
from collections.abc import Callable
from typing import Any

from seclab.outcomes import NotPlainError, to_plain
from seclab.spec import Case, Expectation, Part, satisfies
from seclab.topics.django.settings_check import SECURITY_SETTINGS, reference_production_settings

PARTS = {
    part.name: part
    for part in [
        Part("production_settings.works", "production_settings",
             "production_settings returns a new settings dict with DEBUG off, the secret and hosts from the "
             "environment, and base otherwise kept and unchanged"),
        Part("production_settings.deploy", "production_settings",
             "check --deploy reports no warning or error for the result"),
        Part("production_settings.environment", "production_settings",
             "production_settings reads the secrets and hosts from the environment and refuses weak ones"),
        Part("document_detail.works", "document_detail",
             "document_detail returns the document as JSON to its owner and to staff"),
        Part("document_detail.attack", "document_detail",
             "document_detail sends anonymous users to the login page and hides other people's documents "
             "(Http404, like a missing one)"),
        Part("render_comment.works", "render_comment",
             'render_comment wraps the text in <p class="comment"> with <br> for line breaks'),
        Part("render_comment.attack", "render_comment", "render_comment escapes every HTML character (no XSS)"),
    ]
}

HINTS = {
    "settings": "Return a new dict (copy.deepcopy(base), then change the copy): DEBUG False, SECRET_KEY = "
                "env['DJANGO_SECRET_KEY'], ALLOWED_HOSTS and SECRET_KEY_FALLBACKS as lists from the environment, "
                "and every other setting of base as it was (middleware may only be added, never removed).",
    "deploy-check": "Run the deploy checks yourself on a variant of the settings (e.g. without SecurityMiddleware, "
                    "or with SESSION_COOKIE_SECURE = False): set the HTTPS, HSTS (with subdomains and preload), "
                    "cookie and X_FRAME_OPTIONS settings whatever base says, and add SecurityMiddleware (first), "
                    "CsrfViewMiddleware and XFrameOptionsMiddleware when they are missing. Silencing checks "
                    "does not count.",
    "missing-secret": "No DJANGO_SECRET_KEY (or an empty one): raise ValueError. Never fall back to a default key.",
    "weak-secret": "Refuse what Django's own check flags: fewer than 50 characters, fewer than 5 distinct "
                   "characters, or the 'django-insecure-' prefix (ValueError).",
    "fallbacks": "DJANGO_SECRET_KEY_FALLBACKS is optional and comma-separated: strip each item, skip empty ones, "
                 "hold each key to the same rule as the secret key (ValueError), and return them as a list "
                 "(an empty list when there are none).",
    "hosts": "DJANGO_ALLOWED_HOSTS is required and comma-separated: strip items, skip empty ones, raise "
             "ValueError when nothing is left or when any entry contains '*'.",
    "owner": "Return JsonResponse({'id': ..., 'title': ..., 'body': ...}) for the document's owner and for "
             "users with is_staff; for a missing document raise Http404 (get_object_or_404 does).",
    "anonymous": "Decorate the view with @login_required: anonymous users are redirected to the login page.",
    "other-user": "Look the document up among the ones the user may see (owner=request.user unless is_staff) "
                  "and raise Http404 otherwise: a 403 or a different message tells an attacker the id exists.",
    "text": "Render '<p class=\"comment\">{{ text|linebreaksbr }}</p>' with Django's template engine "
            "(autoescaping on): \\r\\n and \\r count as line breaks too.",
    "xss": "Never mark user text safe (mark_safe, |safe, SafeString, format_html with pre-built HTML): "
           "let autoescaping turn & < > \" ' into entities, then add the <br> tags.",
    "template-syntax": "Pass the text to the template as a variable; never build template source from it "
                       "(Template(f'...{text}...') runs {% tags %} an attacker writes).",
}

SETTINGS_KEYS = {
    "settings": "production_settings.works", "deploy_check": "production_settings.deploy",
    "missing_secret": "production_settings.environment",  # a part's name, not a secret  # nosec B105
    "weak_secret": "production_settings.environment",  # a part's name, not a secret  # nosec B105
    "fallbacks": "production_settings.environment", "hosts": "production_settings.environment",
}
DOCUMENT_KEYS = {"owner": "document_detail.works", "anonymous": "document_detail.attack",
                 "other_user": "document_detail.attack"}
COMMENT_KEYS = {"text": "render_comment.works", "xss": "render_comment.attack",
                "template_syntax": "render_comment.attack"}


# --- scenarios: run where the learner's code runs --------------------------------------------

def build_base(variant: dict[str, Any]) -> dict[str, Any]:
    """The project's development settings changed as ``variant`` says."""
    from seclab.topics.django.project import development_settings

    base = development_settings()
    for name in variant.get("unset", []):
        base.pop(name, None)
    base["MIDDLEWARE"] = [name for name in base["MIDDLEWARE"] if name not in variant.get("drop_middleware", [])]
    base.update(copy.deepcopy(variant.get("set", {})))
    return base


def _raised(error: BaseException) -> list[str]:
    return [klass.__name__ for klass in type(error).__mro__ if klass not in (Exception, BaseException, object)]


def _production_settings(namespace: dict[str, Any], variant: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    from seclab.topics.django.project import setup
    from seclab.topics.django.settings_check import deploy_check

    setup()
    base = build_base(variant)
    before = copy.deepcopy(base)
    try:
        result = namespace["production_settings"](base, types.MappingProxyType(dict(env)))
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's code may raise anything; it is part of the result
        return {"raised": _raised(error)}
    report: dict[str, Any] = {"raised": None, "base_unchanged": base == before}
    if type(result) is not dict:
        report["returned"] = type(result).__name__
        return report
    report["returned"] = "dict"
    report["new_dict"] = result is not base
    report["debug"] = result.get("DEBUG", True) is False
    report["secret_key"] = _plain(result.get("SECRET_KEY"))
    report["fallbacks"] = _plain(list(result.get("SECRET_KEY_FALLBACKS", [])))
    report["hosts"] = _plain(list(result.get("ALLOWED_HOSTS", [])))
    report["changed"] = sorted(name for name in before if name not in SECURITY_SETTINGS
                               and (name not in result or result[name] != before[name]))
    kept = [name for name in result.get("MIDDLEWARE", []) if name in before.get("MIDDLEWARE", [])]
    report["middleware_kept"] = kept == list(before.get("MIDDLEWARE", []))
    try:
        report["findings"] = deploy_check(result)
    except Exception as error:  # settings Django cannot even check
        report["findings"] = [f"cannot check: {type(error).__name__}"]
    return report


def _plain(value: Any) -> Any:
    try:
        return to_plain(value)
    except NotPlainError:
        return repr(value)[:200]


def _user(name: str) -> Any:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    user = users.objects.filter(username=name).first()
    if user is None:
        user = users.objects.create_user(name, f"{name}@docs.example.com", None)
        user.is_staff = name.startswith("staff")
        user.save()
    return user


def _document_request(namespace: dict[str, Any], who: str, ref: Any) -> dict[str, Any]:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from seclab.topics.django.project import setup
    from seclab.topics.django.project.documents.models import Document

    data = setup()
    if isinstance(ref, dict):
        document = Document.objects.create(owner=_user(ref["owner"]), title=ref["title"], body=ref.get("body", ""))
        doc_id, expected = document.id, {"id": document.id, "title": document.title, "body": document.body}
    elif ref == "missing":
        doc_id, expected = data.missing_doc, None
    else:
        document = Document.objects.get(pk=getattr(data, ref))
        doc_id, expected = document.id, {"id": document.id, "title": document.title, "body": document.body}
    request = RequestFactory().get(f"/documents/{doc_id}/")
    request.user = AnonymousUser() if who == "anonymous" else _user(who)
    report: dict[str, Any] = {"document": expected, "raised": None}
    try:
        response = namespace["document_detail"](request, doc_id)
    except NotImplementedError:
        raise
    except Exception as error:  # Http404 is what the contract asks for; anything else is reported
        report["raised"] = _raised(error)
        return report
    report["status"] = getattr(response, "status_code", None)
    report["location"] = str(response.get("Location", "")) if hasattr(response, "get") else ""
    report["json_response"] = type(response).__name__ == "JsonResponse"
    try:
        import json

        report["json"] = json.loads(response.content)
    except Exception:  # not JSON at all
        report["json"] = None
    return report


def _comment(namespace: dict[str, Any], text: str) -> dict[str, Any]:
    from seclab.topics.django.project import setup

    setup()
    value = namespace["render_comment"](text)
    if not isinstance(value, str):
        return {"type": type(value).__name__, "text": None}
    return {"type": "str", "text": str.__str__(value)}  # a SafeString is a str: compare its characters


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {"production settings": _production_settings,
                                           "document request": _document_request, "comment": _comment}


# --- expected outcomes -------------------------------------------------------------------

def expected_comment(text: str) -> str:
    """What ``render_comment(text)`` must return: escaped like Django's escape(), line breaks as <br>."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return '<p class="comment">' + html.escape(normalized).replace("\n", "<br>") + "</p>"


def _comment_expectation(text: str) -> Expectation:
    expected = expected_comment(text)
    return satisfies(lambda report: report["type"] == "str" and report["text"] == expected, f"return {expected!r}",
                     lambda outcome: f"returned {outcome['value']['text']!r}")


def _refused() -> Expectation:
    return satisfies(lambda report: "ValueError" in (report.get("raised") or ()), "raise ValueError", _explain_refusal)


def _explain_refusal(outcome: dict[str, Any]) -> str:
    report = outcome["value"]
    if report.get("raised"):
        return f"raised {report['raised'][0]}"
    return f"returned a {report.get('returned')} with ALLOWED_HOSTS {report.get('hosts')!r}"


def _settings_expectation(key: str, variant: dict[str, Any], env: dict[str, str]) -> Expectation:
    try:
        expected = reference_production_settings(build_base_outline(variant), env)
    except ValueError:
        return _refused()
    secret, fallbacks, hosts = expected["SECRET_KEY"], expected["SECRET_KEY_FALLBACKS"], expected["ALLOWED_HOSTS"]

    def from_env(report: dict[str, Any]) -> bool:
        return (report.get("raised") is None and report.get("returned") == "dict"
                and report["secret_key"] == secret and report["hosts"] == hosts and report["fallbacks"] == fallbacks)

    if key == "deploy_check":
        return satisfies(lambda report: report.get("returned") == "dict" and report["findings"] == [],
                         "return settings on which check --deploy reports nothing", _explain_findings)
    if key == "settings":
        def judge(report: dict[str, Any]) -> bool:
            return (from_env(report) and report["base_unchanged"] and report["new_dict"] and report["debug"]
                    and report["changed"] == [] and report["middleware_kept"])

        return satisfies(judge, f"return a new dict with DEBUG False, ALLOWED_HOSTS {hosts!r}, the secret key from "
                                "the environment, base's other settings kept and base itself unchanged",
                         _explain_settings)
    return satisfies(from_env, f"return settings with ALLOWED_HOSTS {hosts!r}, SECRET_KEY_FALLBACKS "
                               f"{_shown_keys(fallbacks)} and the secret key from the environment",
                     _explain_settings)


def build_base_outline(variant: dict[str, Any]) -> dict[str, Any]:
    """A stand-in for ``build_base`` where Django may not be set up: only what the expectation reads."""
    return {"MIDDLEWARE": [], **copy.deepcopy(variant.get("set", {}))}


def _shown_keys(keys: list[str]) -> str:
    return "[" + ", ".join(f"<{len(key)}-character key>" for key in keys) + "]"


def _explain_findings(outcome: dict[str, Any]) -> str:
    report = outcome["value"]
    if report.get("raised"):
        return f"raised {report['raised'][0]}"
    if report.get("returned") != "dict":
        return f"returned a {report.get('returned')}, not a dict"
    return f"check --deploy reported {', '.join(report['findings'])}"


def _explain_settings(outcome: dict[str, Any]) -> str:
    report = outcome["value"]
    if report.get("raised"):
        return f"raised {report['raised'][0]}"
    if report.get("returned") != "dict":
        return f"returned a {report.get('returned')}, not a dict"
    problems = []
    if not report["base_unchanged"]:
        problems.append("changed base (or a list or dict inside it)")
    if not report["new_dict"]:
        problems.append("returned base itself")
    if not report["debug"]:
        problems.append("left DEBUG not False")
    if report["changed"]:
        problems.append(f"did not keep {', '.join(report['changed'])}")
    if not report["middleware_kept"]:
        problems.append("removed or reordered base's middleware")
    problems.append(f"ALLOWED_HOSTS {report['hosts']!r}, {len(report['fallbacks'])} fallback key(s)")
    return "; ".join(problems)


def _document_expectation(key: str, who: str, ref: Any) -> Expectation:
    if who == "anonymous":
        def redirected(report: dict[str, Any]) -> bool:
            return (report["raised"] is None and report.get("status") == 302
                    and report.get("location", "").split("?")[0] == "/accounts/login/")

        return satisfies(redirected, "redirect to the login page (302 to /accounts/login/?next=...)",
                         _explain_response)
    owner = ref["owner"] if isinstance(ref, dict) else {"alice_doc": "alice", "bob_doc": "bob",
                                                         "carol_doc": "carol"}.get(ref)
    staff = who == "carol" or who.startswith("staff")
    if ref != "missing" and (owner == who or staff):
        def served(report: dict[str, Any]) -> bool:
            return bool(report["raised"] is None and report.get("status") == 200 and report.get("json_response")
                        and report.get("json") == report["document"])

        return satisfies(served, "return JsonResponse({'id', 'title', 'body'}) of the document", _explain_response)
    return satisfies(lambda report: "Http404" in (report["raised"] or ()), "raise Http404", _explain_response)


def _explain_response(outcome: dict[str, Any]) -> str:
    report = outcome["value"]
    if report["raised"]:
        return f"raised {report['raised'][0]}"
    shown = f"returned status {report.get('status')}"
    if report.get("location"):
        shown += f" to {report['location']}"
    if report.get("json") is not None:
        shown += f" with JSON {str(report['json'])[:80]}"
    return shown


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for key, part in SETTINGS_KEYS.items():
        for entry in corpus.get(key, []):
            variant, env = dict(entry.get("base", {})), dict(entry["env"])
            found.append(Case(part, key.replace("_", "-"), "production_settings", (variant, env),
                              _settings_expectation(key, variant, env), public=public, scenario="production settings"))
    for key, part in DOCUMENT_KEYS.items():
        for entry in corpus.get(key, []):
            found.append(Case(part, key.replace("_", "-"), "document_detail", (entry["user"], entry["doc"]),
                              _document_expectation(key, entry["user"], entry["doc"]), public=public,
                              scenario="document request"))
    for key, part in COMMENT_KEYS.items():
        for text in corpus.get(key, []):
            found.append(Case(part, key.replace("_", "-"), "render_comment", (text,), _comment_expectation(text),
                              public=public, scenario="comment"))
    return found


def _key(seed: str) -> str:
    """A strong-looking demo key (not secret: it is in the course) of 60 characters."""
    return (seed * 60)[:40] + "Qx7-Vb2_Lm9zR4tK8wYp"


GOOD = {"DJANGO_SECRET_KEY": _key("kT3vW9q"), "DJANGO_ALLOWED_HOSTS": "docs.example.com"}


def public_corpus() -> dict[str, list[Any]]:
    no_security = {"drop_middleware": ["django.middleware.security.SecurityMiddleware"]}
    return {
        "settings": [
            {"base": {}, "env": GOOD},
            {"base": {"set": {"DOCUMENTS_PER_PAGE": 25, "LOGIN_URL": "/login/"}},
             "env": {**GOOD, "DJANGO_ALLOWED_HOSTS": "docs.example.com,www.docs.example.com"}},
            {"base": no_security, "env": GOOD},
        ],
        "deploy_check": [
            {"base": {}, "env": GOOD},
            {"base": no_security, "env": GOOD},
            {"base": {"set": {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
                              "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0}}, "env": GOOD},
            {"base": {"set": {"SILENCED_SYSTEM_CHECKS": ["security.W004", "security.W008"]}}, "env": GOOD},
        ],
        "missing_secret": [
            {"base": {}, "env": {"DJANGO_ALLOWED_HOSTS": "docs.example.com"}},
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY": ""}},  # a weak key to refuse  # nosec B105
        ],
        "weak_secret": [
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY": "change-me"}},  # a weak key to refuse  # nosec B105
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY": "django-insecure-" + _key("p4Rt8s")}},
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY": "ab" * 40}},
        ],
        "fallbacks": [
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY_FALLBACKS": _key("oLd5Ke")}},
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY_FALLBACKS": f" {_key('oLd5Ke')} ,, {_key('oLdr2Z')} "}},
            {"base": {}, "env": {**GOOD, "DJANGO_SECRET_KEY_FALLBACKS": f"{_key('oLd5Ke')},short-old-key"}},
        ],
        "hosts": [
            {"base": {}, "env": {"DJANGO_SECRET_KEY": GOOD["DJANGO_SECRET_KEY"]}},
            {"base": {}, "env": {**GOOD, "DJANGO_ALLOWED_HOSTS": "*"}},
            {"base": {}, "env": {**GOOD, "DJANGO_ALLOWED_HOSTS": " docs.example.com , api.docs.example.com ,"}},
            {"base": {}, "env": {**GOOD, "DJANGO_ALLOWED_HOSTS": " , "}},
        ],
        "owner": [
            {"user": "alice", "doc": "alice_doc"},
            {"user": "bob", "doc": "bob_doc"},
            {"user": "carol", "doc": "alice_doc"},
            {"user": "alice", "doc": "missing"},
        ],
        "anonymous": [{"user": "anonymous", "doc": "alice_doc"}, {"user": "anonymous", "doc": "missing"}],
        "other_user": [{"user": "bob", "doc": "alice_doc"}, {"user": "alice", "doc": "carol_doc"}],
        "text": ["Looks good to me", "first line\nsecond line", "windows\r\nline\rmac", "", "Grüße aus Köln 👋"],
        "xss": ["<script>alert(1)</script>", '" onmouseover="alert(1)', "Tom & Jerry's <b>bold</b>",
                "</p><img src=x onerror=alert(1)>", "&lt;already escaped&gt;"],
        "template_syntax": ["{{ request }}", "{% now 'Y' %}"],
    }


# --- the exploit challenge ---------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded Host header against the vulnerable and the fixed project.

    Success: asking for alice's password reset with that Host makes the site e-mail a
    reset link that points to a host other than the site's own (Django's locmem mail
    backend, read in this process). The payload is a header value, never code: it is
    replayed here, through Django's test client, without a network.
    """
    from seclab.topics.django.targets import replay_host_header

    return replay_host_header(payload)

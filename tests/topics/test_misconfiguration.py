"""Topic misconfiguration (lesson 05): the twins fall to / resist the attacks, the judges and playgrounds work.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
misconfiguration.roundtrip.json beside this file.
"""

import functools
import json
import secrets
import subprocess
import sys
import textwrap
import time

import pytest
from werkzeug.debug import DebuggedApplication
from werkzeug.test import Client

from seclab import answers
from seclab.server import http_request, serve, serve_handler
from seclab.topics.misconfiguration import attacks, django_site, headers, sockets, spec, targets
from seclab.topics.misconfiguration import widgets as playgrounds

# --- default credentials -------------------------------------------------------------------


def test_default_password_falls_to_the_credential_list_and_a_chosen_one_does_not():
    with serve(targets.create_admin_panel("admin")) as vulnerable_url:
        found = attacks.try_default_credentials(vulnerable_url)
    assert found.succeeded and found.payload == "admin/admin"
    chosen = secrets.token_urlsafe(18)
    with serve(targets.create_admin_panel(chosen)) as fixed_url:
        assert not attacks.try_default_credentials(fixed_url).succeeded
        ok = http_request("POST", fixed_url + "/admin/login", json_body={"username": "admin", "password": chosen})
        assert ok.status == 200 and ok.json()["role"] == "admin"


def test_admin_panel_needs_a_password_and_rejects_non_string_fields():
    with pytest.raises(ValueError):
        targets.create_admin_panel("")
    client = targets.create_admin_panel("a password nobody knows").test_client()
    assert client.post("/admin/login", json={"username": "admin", "password": {"$ne": None}}).status_code == 400


# --- Werkzeug's debugger ------------------------------------------------------------------------


def _debugged_reports(key, **options):
    app = targets.create_reports_app(key)
    app.debug = True
    return targets.ServerLog(DebuggedApplication(app, evalex=True, **options))


def test_debugger_console_without_pin_runs_code_and_reads_the_secret_key(tmp_path):
    key = secrets.token_hex(8)
    marker = tmp_path / "marker.txt"
    with serve(_debugged_reports(key, pin_security=False)) as url:
        page = http_request("GET", url + "/report?year=abc")
        assert page.status == 500 and attacks.is_werkzeug_debug_page(page.text)
        assert attacks.debugger_error(page.text).startswith("ValueError: invalid literal for int()")
        assert "year = int(" in attacks.debugger_traceback(page.text)
        written = attacks.debugger_console(url, "/report?year=abc",
                                           f"__import__('pathlib').Path({str(marker)!r}).write_text('x')")
        stolen = attacks.debugger_console(url, "/report?year=abc", "__import__('flask').current_app.config['SECRET_KEY']")
    assert written.succeeded and marker.read_text() == "x"
    assert stolen.succeeded and key in stolen.evidence


def test_console_output_stays_out_of_the_calling_process_stdout(capsys):
    with serve(_debugged_reports("k", pin_security=False)) as url:
        result = attacks.debugger_console(url, "/report?year=abc", "print('from the console'); 6 * 7")
    assert result.succeeded and "from the console" in result.evidence and "42" in result.evidence
    assert "from the console" not in capsys.readouterr().out
    assert sys.stdout is not None and sys.displayhook is not None


def test_debugger_with_pin_refuses_the_console_but_still_shows_source():
    with serve(_debugged_reports("k")) as url:
        assert not attacks.debugger_console(url, "/report?year=abc", "1 + 1").succeeded
        assert "year = int(" in http_request("GET", url + "/report?year=abc").text


def test_debugger_console_trusts_whatever_host_header_the_client_claims():
    with serve(_debugged_reports("k", pin_security=False)) as url:
        assert not attacks.debugger_console(url, "/report?year=x", "1", headers={"Host": "evil.example"}).succeeded
        assert attacks.debugger_console(url, "/report?year=x", "1", headers={"Host": "127.0.0.1"}).succeeded


def test_reports_app_without_debug_shows_a_plain_error_and_logs_the_traceback():
    log = targets.ServerLog(targets.create_reports_app("k"))
    with serve(log) as url:
        page = http_request("GET", url + "/report?year=abc")
        assert not attacks.debugger_console(url, "/report?year=abc", "1 + 1").succeeded
    assert page.status == 500 and "year = int(" not in page.text
    assert "ValueError: invalid literal for int()" in log.text


# --- the exercise's shop --------------------------------------------------------------------------


def test_vulnerable_shop_leaks_the_token_in_its_debug_page_and_the_fixed_one_does_not():
    vulnerable, fixed = Client(targets.create_shop(vulnerable=True)), Client(targets.create_shop(vulnerable=False))
    leak = vulnerable.get("/stock/NOPE").get_data(as_text=True)
    assert targets.EXERCISE_API_TOKEN in attacks.debugger_error(leak)
    quiet = fixed.get("/stock/NOPE")
    assert quiet.status_code == 404 and targets.EXERCISE_API_TOKEN not in quiet.get_data(as_text=True)
    for client in (vulnerable, fixed):
        assert client.get("/stock/AB-12").get_json() == {"sku": "AB-12", "in_stock": True, "qty": 7}
        assert client.get("/internal/stock/AB-12").status_code == 401
        assert client.get("/internal/stock/AB-12",
                          headers={"X-Internal-Token": targets.EXERCISE_API_TOKEN}).status_code == 200


def test_fixed_shop_answers_502_and_logs_when_the_inventory_refuses(monkeypatch):
    real_inventory = targets.create_inventory_api
    monkeypatch.setattr(targets, "create_inventory_api", lambda token: real_inventory("another token"))
    shop = targets.create_shop(vulnerable=False)  # the inventory refuses the shop's token now
    reply = Client(shop).get("/stock/AB-12")
    assert reply.status_code == 502 and "unavailable" in reply.get_json()["error"]
    assert "inventory service answered 401" in shop.text


def test_shop_twins_answer_on_loopback_and_give_an_index():
    with serve(targets.create_shop(vulnerable=True)) as url:
        assert http_request("GET", url + "/").json()["skus"] == sorted(targets.STOCK)


def test_exploit_replay_needs_the_leaking_path_and_the_right_token():
    token = targets.EXERCISE_API_TOKEN
    assert spec.exploit_works({"path": "/stock/NO-SUCH", "token": token}) == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works({"path": "/stock/AB-12", "token": token}) == {"vulnerable": False, "fixed": False}
    assert spec.exploit_works({"path": "/stock/NO-SUCH", "token": token[:-1]})["vulnerable"] is False
    for junk in [None, "token", {"path": "stock", "token": token}, {"path": "/x" * 2000, "token": token},
                 {"path": "/stock/X", "token": ""}]:
        assert spec.exploit_works(junk) == {"vulnerable": False, "fixed": False}


def test_exploit_replay_is_quick():
    started = time.monotonic()
    spec.exploit_works({"path": "/stock/NO-SUCH", "token": targets.EXERCISE_API_TOKEN})
    assert time.monotonic() - started < 2


# --- Django --------------------------------------------------------------------------------------


def test_django_debug_pages_leak_url_patterns_and_local_variables_but_mask_settings():
    token = secrets.token_hex(16)
    with django_site.django_site(token, DEBUG=True, ALLOWED_HOSTS=["*"]) as site, serve(site.app) as url:
        missing = http_request("GET", url + "/nope")
        crash = http_request("GET", url + "/orders/3/export/?format=pdf")
        fine = http_request("GET", url + "/orders/3/export/")
    assert missing.status == 404 and "staff/backup-7f3a/" in missing.text
    assert crash.status == 500 and token in crash.text
    lines = attacks.readable_text(crash.text).splitlines()
    assert lines[lines.index("INTERNAL_API_TOKEN") + 1] == "'********************'"
    assert fine.status == 200 and fine.text.startswith("order_id,total")
    assert "KeyError: 'pdf'" in site.log


def test_django_without_debug_shows_generic_pages_and_restores_the_settings():
    from django.conf import settings

    token = secrets.token_hex(16)
    with django_site.django_site(token, DEBUG=False) as site, serve(site.app) as url:
        missing = http_request("GET", url + "/nope")
        crash = http_request("GET", url + "/orders/3/export/?format=pdf")
        assert settings.DEBUG is False and getattr(settings, django_site.TOKEN_SETTING) == token
    assert "staff/backup" not in missing.text and token not in crash.text and crash.status == 500
    assert not hasattr(settings, django_site.TOKEN_SETTING)


def test_ensure_django_is_idempotent_and_keeps_an_existing_configuration():
    from django.conf import settings

    django_site.ensure_django()
    configured = settings._wrapped
    django_site.ensure_django()
    assert settings.configured and settings._wrapped is configured


def test_django_site_works_where_another_lesson_configured_django_first():
    """In one process (as under pytest-xdist), whoever configures Django first wins; the site adapts."""
    script = textwrap.dedent("""
        import django
        from django.conf import settings
        settings.configure(
            DEBUG=False, SECRET_KEY="s" * 50, ALLOWED_HOSTS=["shop.example.com"], ROOT_URLCONF="their.urls",
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
            MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                        "django.contrib.auth.middleware.AuthenticationMiddleware"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
        django.setup()
        from werkzeug.test import Client
        from seclab.topics.misconfiguration import django_site
        with django_site.django_site("demo-token-123", DEBUG=True) as site:
            page = Client(site.app).get("/orders/1/export/?format=x", base_url="http://127.0.0.1")
        assert page.status_code == 500 and b"demo-token-123" in page.data, page.status_code
        assert settings.ROOT_URLCONF == "their.urls" and settings.DEBUG is False
        assert settings.ALLOWED_HOSTS == ["shop.example.com"] and len(settings.MIDDLEWARE) == 2
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_deploy_check_flags_debug_settings_and_passes_hardened_ones():
    found = {warning.id for warning in django_site.deploy_check(DEBUG=True, ALLOWED_HOSTS=["*"],
                                                                 SECRET_KEY="django-insecure-x")}
    assert {"security.W018", "security.W009", "security.W001"} <= found
    hardened = {
        "DEBUG": False, "ALLOWED_HOSTS": ["shop.example.com"], "SECRET_KEY": secrets.token_urlsafe(50),
        "MIDDLEWARE": ["django.middleware.security.SecurityMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
                       "django.middleware.clickjacking.XFrameOptionsMiddleware"],
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "X_FRAME_OPTIONS": "DENY",
    }
    assert django_site.deploy_check(**hardened) == []


# --- sockets ---------------------------------------------------------------------------------------


def test_proc_net_tcp_addresses_are_decoded():
    table = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
             "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1\n"
             "   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2\n"
             "   2: 0100007F:8B2A 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 3\n")
    listeners = sockets.parse_proc_net_tcp(table)
    assert [(listener.address, listener.port) for listener in listeners] == [("127.0.0.1", 8080), ("0.0.0.0", 80)]
    assert listeners[0].loopback_only and listeners[1].every_interface
    assert sockets.decode_address("00000000000000000000000001000000") == "::1"


@pytest.mark.skipif(not sockets.PROC_NET_TCP.exists(), reason="needs Linux /proc/net/tcp")
def test_a_loopback_server_shows_up_as_a_loopback_listener():
    with serve(targets.create_storefront()) as url:
        port = int(url.rsplit(":", 1)[1])
        assert [listener.address for listener in sockets.listeners_on_port(port)] == ["127.0.0.1"]


# --- headers ----------------------------------------------------------------------------------------

STRONG = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; img-src 'self'",
}


def test_audit_passes_strong_headers_and_flags_missing_and_disclosing_ones():
    assert all(verdict.ok for verdict in headers.audit(STRONG))
    verdicts = {verdict.name: verdict for verdict in headers.audit({"server": "nginx/1.18.0"})}
    assert verdicts["Server"].value == "nginx/1.18.0" and not verdicts["Server"].ok
    assert all(not verdicts[name].ok and verdicts[name].why == "missing" for name in headers.MANAGED)


@pytest.mark.parametrize("value, problem", [
    ("max-age=31535999; includeSubDomains", "shorter than a year"),
    ("max-age=63072000", "no includeSubDomains"),
    ("includeSubDomains", "no valid max-age"),
    ("max-age=63072000; max-age=63072000; includeSubDomains", "appears twice"),
])
def test_hsts_problems(value, problem):
    assert any(problem in found for found in headers.hsts_problems(value))


def test_hsts_accepts_quoted_max_age_any_case_and_preload():
    assert headers.hsts_problems('Max-Age="63072000"; INCLUDESUBDOMAINS; preload') == []


@pytest.mark.parametrize("csp", [
    "default-src 'self'",
    "default-src *; frame-ancestors 'none'",
    "default-src 'self'; frame-ancestors 'self'",
    "default-src 'self'; frame-ancestors 'none'; script-src 'self' 'unsafe-inline'",
    "default-src 'self'; frame-ancestors 'none'; script-src 'UNSAFE-EVAL'",
    "default-src 'self'; frame-ancestors 'none'; img-src https://*.example.com",
    "default-src 'self'; frame-ancestors 'none'; img-src *.example.com:443",
    "default-src 'self'; frame-ancestors 'none'; connect-src *",
    "default-src 'self'; frame-ancestors 'none'; img-src data:",
    "default-src 'self' https:; frame-ancestors 'none'",
    "default-src https://cdn.example.com; frame-ancestors 'none'",
    "script-src 'self'; frame-ancestors 'none'",
])
def test_weak_csps_are_refused(csp):
    assert headers.csp_problems(csp)


@pytest.mark.parametrize("csp", [
    "default-src 'self'; frame-ancestors 'none'",
    "DEFAULT-SRC 'SELF'; FRAME-ANCESTORS 'NONE'",
    "default-src 'none'; frame-ancestors 'none'; img-src 'self' https://img.example.com; report-uri /csp",
    "default-src 'self' https://cdn.example.com; frame-ancestors 'none'; script-src 'self' 'nonce-abc'",
    "default-src 'self'; frame-ancestors 'none'; connect-src https://api.example.com:*",
])
def test_strong_csps_pass(csp):
    assert headers.csp_problems(csp) == []


def test_other_managed_values():
    assert headers.value_problems("x-frame-options", " deny ") == []
    assert headers.value_problems("X-Frame-Options", "SAMEORIGIN")
    assert headers.value_problems("Referrer-Policy", "unsafe-url")
    assert headers.value_problems("X-Content-Type-Options", "NoSniff") == []
    with pytest.raises(ValueError):
        headers.value_problems("Server", "x")


def test_header_contract_judge_rejects_kept_variants_disclosure_and_changed_headers():
    given = {"content-security-policy": "default-src *", "SERVER": "x", "Vary": "Cookie"}
    good = {**STRONG, "Vary": "Cookie"}
    assert spec.header_contract_problems(given, good) == []
    assert spec.header_contract_problems(given, {**good, "content-security-policy": "default-src *"})
    assert spec.header_contract_problems(given, {**good, "SERVER": "x"})
    assert spec.header_contract_problems(given, {**STRONG})
    assert spec.header_contract_problems(given, {**good, "Permissions-Policy": "camera=()"}) == []
    weak = {**good, "Content-Security-Policy": "default-src 'self'"}
    assert spec.header_contract_problems(given, weak) and not spec.header_contract_problems(given, weak, strict=False)


# --- XML ----------------------------------------------------------------------------------------------


def test_xxe_and_xinclude_payloads_read_a_file_through_lxml(tmp_path):
    from lxml import etree

    secret = tmp_path / "secret.txt"
    secret.write_text("marker-123")
    resolving = etree.XMLParser(resolve_entities=True)  # the lesson's insecure parser
    assert etree.fromstring(attacks.xxe_order(secret), resolving).findtext("note") == "marker-123"
    root = etree.fromstring(attacks.xinclude_order(secret))
    root.getroottree().xinclude()
    assert root.findtext("note") == "marker-123"
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(attacks.entity_bomb_order(10), resolving)


def test_hostile_scenario_notices_reads_connections_and_silent_acceptance():
    def reads_file(data):
        from lxml import etree

        return {"note": etree.fromstring(data, etree.XMLParser(resolve_entities=True)).findtext("note")}

    def fetches_then_refuses(data):
        import re
        import socket

        port = int(re.search(rb"127\.0\.0\.1:(\d+)", data)[1])
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        raise ValueError("refused, but only after fetching the DTD")

    def refuses(data):
        raise ValueError("no")

    document = '<!DOCTYPE order [<!ENTITY x SYSTEM "{uri}">]><order><note>&x;</note></order>'
    network = '<!DOCTYPE order SYSTEM "{url}"><order/>'
    hostile = spec.SCENARIOS["hostile"]
    assert hostile({"parse_order_xml": reads_file}, document, "utf-8") == "read the marker file"
    assert hostile({"parse_order_xml": fetches_then_refuses}, network, "utf-8") == "connected to a URL in the document"
    assert hostile({"parse_order_xml": refuses}, document, "utf-8") == "refused"
    assert hostile({"parse_order_xml": lambda data: 1 / 0}, document, "utf-8") == \
        "raised ZeroDivisionError, not ValueError"
    assert spec.SCENARIOS["hostile"]({"parse_order_xml": lambda data: {}}, "<order/>", "utf-8") == \
        "returned without raising"


def test_every_hidden_case_has_a_hint_and_hostile_documents_are_attack_cases():
    from seclab.grading import hidden_corpus

    hidden = spec.cases(hidden_corpus("05_misconfiguration"), public=False)
    assert {case.category for case in hidden} <= set(spec.HINTS)
    assert all(case.part.endswith(".attack") for case in hidden if case.scenario == "hostile")
    assert all(case.scenario == "hostile" for case in hidden if case.part == "parse_order_xml.attack")


# --- directory listing --------------------------------------------------------------------------------


def test_http_server_listing_serves_dotenv_and_the_public_handler_does_not(tmp_path):
    project = targets.make_project_folder(tmp_path / "shop", "s" * 32, "p" * 16)
    with serve_handler(functools.partial(targets.QuietFileHandler, directory=project)) as url:
        assert ".env" in attacks.listed_names(url)
        theft = attacks.steal_dotenv(url)
    assert theft.succeeded and "SECRET_KEY=" + "s" * 32 in theft.evidence
    with serve_handler(functools.partial(targets.PublicFileHandler, directory=project)) as url:
        assert attacks.listed_names(url) == [] and not attacks.steal_dotenv(url).succeeded
        assert http_request("GET", url + "/public/../.env").status == 404
        assert http_request("GET", url + "/%2eenv").status == 404
        assert http_request("GET", url + "/public/style.css").status == 200


# --- playgrounds ------------------------------------------------------------------------------------


def test_header_lines_are_parsed_and_judged():
    text = "HTTP/1.1 200 OK\nServer: nginx\n\nX-Frame-Options: DENY\nnot a header\n"
    assert playgrounds.parse_header_lines(text) == {"Server": "nginx", "X-Frame-Options": "DENY"}
    report = playgrounds.header_report(text)
    assert "3 of 8 checks pass" in report and "&lt;" not in report


def test_header_report_escapes_values():
    assert "<script>" not in playgrounds.header_report("Server: <script>alert(1)</script>")


def test_header_playground_recomputes_quickly():
    widget = playgrounds.header_playground()
    box, output = widget.children
    started = time.perf_counter()
    box.value = "\n".join(f"{name}: {value}" for name, value in STRONG.items())
    assert time.perf_counter() - started < 0.1
    assert "8 of 8 checks pass" in output.value


def test_fetch_shop_page_shows_the_debugger_error_of_the_vulnerable_shop_only():
    leak = playgrounds.fetch_shop_page("stock/NOPE", vulnerable=True)
    assert leak.path == "/stock/NOPE" and leak.status == 500 and targets.EXERCISE_API_TOKEN in leak.error
    quiet = playgrounds.fetch_shop_page("/stock/NOPE", vulnerable=False)
    assert quiet.status == 404 and quiet.error == "" and targets.EXERCISE_API_TOKEN not in quiet.text
    html = playgrounds.render_shop_pages(leak, quiet)
    assert "Shop under the debugger" in html and "Fixed shop" in html


def test_exploit_playground_answers_a_request_quickly():
    widget = playgrounds.exploit_playground()
    (path, send), pages = widget.children[0].children, widget.children[1]
    send.click()  # the first request builds the two shops
    path.value = "/stock/NOPE"
    started = time.perf_counter()
    send.click()
    assert time.perf_counter() - started < 0.1
    assert targets.EXERCISE_API_TOKEN in pages.value


def test_exploit_playground_records_the_sent_path_and_the_token(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playgrounds.exploit_playground(record_key="exploit")
    (path, send), pages, (token, save), status = widget.children[0].children, widget.children[1], \
        widget.children[2].children, widget.children[3]
    save.click()
    assert "Send the request" in status.value and "exploit" not in answers.load_answers(tmp_path)
    path.value = "/stock/NOPE"
    send.click()
    assert "Shop under the debugger" in pages.value
    token.value = f"  {targets.EXERCISE_API_TOKEN} "
    save.click()
    recorded = answers.load_answers(tmp_path)["exploit"]
    assert recorded == {"path": "/stock/NOPE", "token": targets.EXERCISE_API_TOKEN}
    assert spec.exploit_works(recorded) == {"vulnerable": True, "fixed": False}
    assert json.dumps(recorded)

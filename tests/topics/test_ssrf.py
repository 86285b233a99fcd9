"""Lesson 10 and exercise 10_ssrf: the demo network stays on loopback, the previews fall and hold
as the lesson says, the spec judges resolver calls, and the playgrounds work.

The exercise's generic contract (instructor solution, vulnerable solution, exploit replay,
quiz keys) is checked by tests/test_exercise_contracts.py from ssrf.roundtrip.json.
"""

import ipaddress
import json
import socket
import time
import urllib.parse

import pytest
from support import SOURCE

from seclab import answers, grading
from seclab.errors import ResponseTooLarge
from seclab.notebooks import read_cells, solution_sources
from seclab.outcomes import run_case
from seclab.server import http_request, serve
from seclab.topics.ssrf import attacks, spec, targets
from seclab.topics.ssrf import widgets as playgrounds
from seclab.topics.ssrf.network import (
    AddressBook,
    FakeDNS,
    Rebinding,
    Service,
    TooManyRedirects,
    numeric_host,
    table_resolver,
)

NEVER_LEAK = ["fixed_preview"]


@pytest.fixture(scope="module")
def world():
    with targets.demo_world() as running_world:
        yield running_world


# --- the simulated network never leaves 127.0.0.1 --------------------------------------------

def test_every_demo_server_really_runs_on_loopback(world):
    network = world.network_map()
    assert {name for _addresses, name, _url in network} == {
        "public site", "metadata service", "admin console (loopback)"}
    for _addresses, _name, url in network:
        parts = urllib.parse.urlsplit(url)
        assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == ""


def test_the_address_book_takes_only_loopback_services_and_refuses_unknown_addresses(world):
    book = AddressBook()
    for url in ["http://10.0.0.1:80", "https://example.com", "http://127.0.0.1:80/path"]:
        with pytest.raises(ValueError):
            book.add(Service("elsewhere", url), ["8.8.8.8"])
    for address in ["8.8.8.8", "10.0.0.1", "fe80::1", "::127.0.0.1", "not-an-address"]:
        with pytest.raises(ConnectionRefusedError):
            world.book.route(address, 80)
    with pytest.raises(ConnectionRefusedError):
        world.book.route(targets.METADATA_IPV4, 22)


@pytest.mark.parametrize("address, service", [
    ("169.254.169.254", "metadata service"), ("::ffff:169.254.169.254", "metadata service"),
    ("64:ff9b::a9fe:a9fe", "metadata service"), ("2002:a9fe:a9fe::", "metadata service"),
    ("fd00:ec2::254", "metadata service"), ("127.0.0.1", "admin console (loopback)"),
    ("127.3.4.5", "admin console (loopback)"), ("0.0.0.0", "admin console (loopback)"),
    ("::", "admin console (loopback)"), ("::1", "admin console (loopback)"),
    ("93.184.216.34", "public site"), ("2606:2800:220:1:248:1893:25c8:1946", "public site"),
])
def test_the_address_book_delivers_like_a_real_network(world, address, service):
    assert world.book.route(address, 80).name == service


def test_no_real_dns_and_no_address_but_loopback_is_ever_used(world, monkeypatch):
    looked_up = []
    real_getaddrinfo = socket.getaddrinfo

    def watching_getaddrinfo(host, *args, **kwargs):
        looked_up.append(host)
        assert host == "127.0.0.1", f"the demo network looked up {host!r}"
        return real_getaddrinfo(host, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the demo network used a real resolver")

    monkeypatch.setattr(socket, "getaddrinfo", watching_getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", forbidden)
    monkeypatch.setattr(socket, "gethostbyname_ex", forbidden)
    for preview in targets.PREVIEWS.values():
        for _label, url in attacks.ALL_PAYLOADS:
            attacks.steal_secret(preview, url, world)
        for url in attacks.HONEST_URLS:
            attacks.steal_secret(preview, url, world)
    assert looked_up, "the previews sent requests"


def test_http_request_caps_the_body_and_ignores_proxy_settings(world, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://10.255.255.1:3128")
    base = world.book.route(targets.PUBLIC_IPV4, 80).base_url
    assert http_request("GET", base + "/", timeout=5).status == 200
    with pytest.raises(ResponseTooLarge):
        http_request("GET", base + "/huge", max_bytes=1000)
    assert http_request("GET", base + "/", max_bytes=100_000).status == 200


# --- fake DNS and the exercise's resolver ------------------------------------------------------

@pytest.mark.parametrize("host, address", [
    ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("0", "0.0.0.0"), ("::ffff:a9fe:a9fe", "::ffff:a9fe:a9fe"), ("example", None), ("1.2.3.4.5", None),
])
def test_numeric_hosts_are_read_as_getaddrinfo_reads_them(host, address):
    assert numeric_host(host) == address


def test_fake_dns_answers_from_its_zone_like_a_system_resolver():
    dns = FakeDNS({"localhost": ["127.0.0.1", "::1"], "flip.example": Rebinding(("8.8.8.8",), ("10.0.0.1",))})
    assert dns.resolve("LOCALHOST.") == ["127.0.0.1", "::1"]
    assert dns.resolve("\uff11\uff12\uff17.0.0.1") == ["127.0.0.1"]  # IDNA maps full-width digits
    assert dns.resolve("0x7f.1") == ["127.0.0.1"]
    with pytest.raises(socket.gaierror):
        dns.resolve("nowhere.example")
    assert [dns.resolve("flip.example"), dns.resolve("flip.example")] == [["8.8.8.8"], ["10.0.0.1"]]
    assert [str(query) for query in dns.log][-2:] == ["flip.example -> 8.8.8.8", "flip.example -> 10.0.0.1"]
    dns.reset()
    assert dns.log == [] and dns.resolve("flip.example") == ["8.8.8.8"]


def test_table_resolver_answers_raises_rebinds_and_records():
    resolve = table_resolver({"a.example": ["8.8.8.8"], "t.example": {"error": "timeout"},
                              "r.example": {"rebind": [["8.8.8.8"], ["127.0.0.1"]]}})
    answer = resolve("a.example")
    answer.append("127.0.0.1")
    assert resolve("a.example") == ["8.8.8.8"], "a fresh list on every call"
    with pytest.raises(TimeoutError):
        resolve("t.example")
    with pytest.raises(socket.gaierror):
        resolve("unknown.example")
    assert resolve("r.example") == ["8.8.8.8"] and resolve("r.example") == ["127.0.0.1"]
    assert resolve.calls == ["a.example", "a.example", "t.example", "unknown.example", "r.example", "r.example"]


# --- the previews fall and hold as the lesson says ---------------------------------------------

def test_the_open_preview_leaks_both_secrets(world):
    assert attacks.steal_metadata(targets.open_preview, attacks.METADATA_URL, world).succeeded
    assert attacks.steal_secret(targets.open_preview, attacks.ADMIN_URL, world).succeeded
    assert not attacks.steal_metadata(targets.open_preview, attacks.ADMIN_URL, world).succeeded


def test_the_blocklist_catches_plain_spellings_only(world):
    for url in attacks.PLAIN_INTERNAL_URLS:
        assert not attacks.steal_secret(targets.blocklist_preview, url, world).succeeded, url
    for label, url in attacks.BLOCKLIST_BYPASSES:
        assert attacks.steal_secret(targets.blocklist_preview, url, world).succeeded, label


def test_the_resolving_preview_falls_to_redirects_rebinding_and_nat64_only(world):
    leaked = {label for label, result in attacks.attack_table(targets.resolving_preview, attacks.ALL_PAYLOADS, world)
              if result.succeeded}
    assert leaked == {"open redirect on the public site", "DNS rebinding", "NAT64 IPv6"}


@pytest.mark.parametrize("version", NEVER_LEAK)
def test_the_fixed_preview_refuses_every_payload_and_still_shows_honest_pages(world, version):
    preview = targets.PREVIEWS[version]
    for label, url in attacks.ALL_PAYLOADS:
        assert not attacks.steal_secret(preview, url, world).succeeded, label
    for url in attacks.HONEST_URLS:
        world.dns.reset()
        summary = preview(url, world)
        assert summary["status"] == 200 and summary["title"], url


def test_the_fixed_preview_connects_to_the_address_it_checked(world):
    world.dns.reset()
    summary = targets.fixed_preview(attacks.REBINDING_URL, world)
    assert [query.answers for query in world.dns.log] == [(targets.PUBLIC_IPV4,)]
    assert summary["status"] == 404 and world.metadata_secret not in str(summary)


def test_the_fixed_preview_has_time_size_and_redirect_limits(world):
    base = "http://www.public.example"
    with pytest.raises(ResponseTooLarge):
        targets.fixed_preview(f"{base}/huge", world)
    assert len(world.client.get(f"{base}/huge").body) == targets.HUGE_PAGE_BYTES
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        targets.fixed_preview(f"{base}/slow?seconds=2", world)
    assert time.monotonic() - started < 1.8
    with pytest.raises(ValueError, match="redirects"):
        targets.fixed_preview(f"{base}/loop", world)
    with pytest.raises(TooManyRedirects):
        targets.open_preview(f"{base}/loop", world)


def test_an_allowlist_is_checked_on_every_hop(world):
    allowed = frozenset({"www.public.example"})
    assert targets.fixed_preview("http://www.public.example/moved", world, allowed)["title"] == "Kettle review"
    with pytest.raises(ValueError, match="not an allowed host"):
        targets.fixed_preview("http://public.example/", world, allowed)
    with pytest.raises(ValueError, match="not an allowed host"):
        targets.fixed_preview("http://www.public.example/go?to=http://public.example/", world, allowed)


def test_the_preview_web_service_answers_over_http(world):
    for preview, leaks in ((targets.blocklist_preview, True), (targets.fixed_preview, False)):
        with serve(targets.create_preview_app(preview, world)) as base_url:
            honest = http_request("GET", base_url + "/preview?url=" + urllib.parse.quote(attacks.HONEST_URLS[0]))
            attack_url = base_url + "/preview?url=" + urllib.parse.quote(attacks.NUMERIC_FORMS[0][1])
            attacked = http_request("GET", attack_url)
            refused = http_request("GET", base_url + "/preview?url=" + urllib.parse.quote(attacks.METADATA_URL))
        assert honest.status == 200 and honest.json()["title"] == targets.PUBLIC_TITLE
        assert (world.metadata_secret in attacked.text) is leaks
        assert refused.status == 400 and "refused" in refused.json()["error"]


# --- the exercise's spec ---------------------------------------------------------------------

def _all_cases():
    return spec.cases(spec.public_corpus()) + spec.cases(grading.hidden_corpus("10_ssrf"), public=False)


def _judge(function_namespace, case):
    return case.expect.judge(run_case(spec, function_namespace, case.function, case.fixture, list(case.args),
                                      case.scenario))


REFERENCE = {"check_url": targets.fixed_check_url, "next_hop": targets.fixed_next_hop}
ALWAYS_ACCEPTED = {"accept", "literal", "redirect"}
SOMETIMES_ACCEPTED = {"embedded-ipv4", "rebinding"}


def test_every_corpus_entry_sits_under_the_right_key():
    for case in _all_cases():
        outcome = run_case(spec, REFERENCE, case.function, None, list(case.args), case.scenario)["value"]
        accepted = outcome["raised"] is None
        if case.category in ALWAYS_ACCEPTED:
            assert accepted, case.shown_call()
        elif case.category not in SOMETIMES_ACCEPTED:
            assert not accepted, case.shown_call()
    both = {case.category: set() for case in _all_cases() if case.category in SOMETIMES_ACCEPTED}
    for case in _all_cases():
        if case.category in both:
            outcome = run_case(spec, REFERENCE, case.function, None, list(case.args), case.scenario)["value"]
            both[case.category].add(outcome["raised"] is None)
    assert all(seen == {True, False} for seen in both.values()), "accepted and refused cases in each"


def test_the_notebook_solution_is_the_reference_solution():
    namespace = {}
    exec(read_cells_setup(), namespace)  # the exercise's setup cell  # noqa: S102
    for source in solution_sources(SOURCE / "10_ssrf" / "10_ssrf.ipynb").values():
        if source.startswith("def "):
            exec(source, namespace)  # noqa: S102
    for case in _all_cases():
        mine = run_case(spec, namespace, case.function, None, list(case.args), case.scenario)["value"]
        reference = run_case(spec, REFERENCE, case.function, None, list(case.args), case.scenario)["value"]
        assert (mine["returned"], mine["resolve_calls"], mine["raised"] is None) == (
            reference["returned"], reference["resolve_calls"], reference["raised"] is None), case.shown_call()


def read_cells_setup() -> str:
    cells = read_cells(SOURCE / "10_ssrf" / "10_ssrf.ipynb")
    setup, = [cell for cell in cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup"]
    return "".join(setup["source"])


def _check_url_variant(**mistakes):
    """The reference check_url with one mistake, to see that the judge notices it."""
    def check_url(url, resolve):
        if mistakes.get("resolves_literals"):
            resolve(urllib.parse.urlsplit(url).hostname or "")
        if mistakes.get("resolves_twice") and not spec.is_literal_host(url):
            address = targets.fixed_check_url(url, resolve)
            return resolve(urllib.parse.urlsplit(url).hostname)[0] if address else address
        return targets.fixed_check_url(url, resolve)
    return check_url


@pytest.mark.parametrize("mistake, category", [
    ("resolves_literals", "literal"), ("resolves_literals", "internal-literal"), ("resolves_twice", "rebinding"),
])
def test_the_judge_counts_resolver_calls(mistake, category):
    namespace = {"check_url": _check_url_variant(**{mistake: True})}
    found = [case for case in spec.cases(spec.public_corpus()) if case.category == category]
    assert found and not all(_judge(namespace, case) for case in found)


def test_nat64_means_64_ff9b_slash_96_only():
    def check_url(url, resolve):  # judges all of 64:ff9b::/32 by its last 32 bits
        address = targets.fixed_check_url(url, resolve)
        parsed = ipaddress.ip_address(address)
        inner = ipaddress.IPv4Address(int(parsed) & 0xFFFF_FFFF)
        if parsed in ipaddress.ip_network("64:ff9b::/32") and not inner.is_global:
            raise ValueError(address)
        return address

    found = [case for case in spec.cases(grading.hidden_corpus("10_ssrf"), public=False)
             if case.category == "embedded-ipv4"]
    assert not all(_judge({"check_url": check_url}, case) for case in found)


def test_the_judge_wants_a_tuple_from_next_hop_and_a_str_from_check_url():
    class Text(str):
        pass

    cases = spec.cases(spec.public_corpus())
    as_list = {"next_hop": lambda *args: list(targets.fixed_next_hop(*args))}
    assert not any(_judge(as_list, case) for case in cases if case.category == "redirect")
    subclass = {"check_url": lambda *args: Text(targets.fixed_check_url(*args))}
    assert not any(_judge(subclass, case) for case in cases if case.category == "accept")


def test_a_scenario_lets_not_implemented_through_for_check():
    def check_url(url, resolve):
        raise NotImplementedError()

    outcome = run_case(spec, {"check_url": check_url}, "check_url", None, ["http://x/", {}], "fake DNS")
    assert "NotImplementedError" in outcome["raised"]


def test_every_clause_is_probed_by_public_and_hidden_cases():
    public = {case.category for case in spec.cases(spec.public_corpus())}
    hidden = {case.category for case in spec.cases(grading.hidden_corpus("10_ssrf"), public=False)}
    assert public == hidden == set(spec.HINTS)


@pytest.mark.parametrize("payload, expected", [
    (attacks.NUMERIC_FORMS[0][1], {"vulnerable": True, "fixed": False}),
    (attacks.OPEN_REDIRECT_URL, {"vulnerable": True, "fixed": False}),
    ("http://metadata.attacker.example" + targets.CREDENTIALS_PATH, {"vulnerable": True, "fixed": False}),
    (attacks.METADATA_URL, {"vulnerable": False, "fixed": False}),
    (attacks.ADMIN_URL.replace("127.0.0.1", "127.1"), {"vulnerable": False, "fixed": False}),
    ("http://www.public.example/", {"vulnerable": False, "fixed": False}),
    (["not", "a", "url"], {"vulnerable": False, "fixed": False}),
    ("http://x/" + "a" * 3000, {"vulnerable": False, "fixed": False}),
])
def test_exploit_is_replayed_in_a_fresh_network(payload, expected):
    assert spec.exploit_works(payload) == expected


def test_exploit_replay_is_bounded_in_time():
    started = time.monotonic()
    spec.exploit_works("http://www.public.example/slow?seconds=60")
    assert time.monotonic() - started < targets.MAX_SLOW_SECONDS + targets.TIMEOUT_SECONDS + 2


# --- playgrounds -------------------------------------------------------------------------------

def test_comparison_shows_each_preview_its_queries_and_requests(world):
    runs = playgrounds.compare_previews(attacks.REBINDING_URL, world)
    assert [run.version for run in runs] == list(playgrounds.LESSON_VERSIONS)
    verdicts = {run.version: run.result.succeeded for run in runs}
    assert verdicts == {"open_preview": False, "blocklist_preview": False, "resolving_preview": True,
                        "fixed_preview": False}
    resolving = runs[2]
    assert len(resolving.queries) == 2 and resolving.hops[-1].service == "metadata service"
    page = playgrounds.render_comparison(runs)
    assert page.count("<tr>") == 5 and "LEAKED" in page and "metadata service" in page


def test_comparison_escapes_what_it_shows(world):
    page = playgrounds.render_comparison(playgrounds.compare_previews("http://<script>/", world))
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_playground_recomputes_within_100_ms(world):
    playgrounds.compare_previews(attacks.OPEN_REDIRECT_URL, world)  # warm up
    for url in [attacks.OPEN_REDIRECT_URL, attacks.REBINDING_URL, attacks.HONEST_URLS[0]]:
        started = time.perf_counter()
        playgrounds.render_comparison(playgrounds.compare_previews(url, world))
        assert time.perf_counter() - started < 0.1, url


def test_lesson_playground_updates_on_a_new_url(world):
    widget = playgrounds.preview_playground(world)
    controls, output = widget.children
    box, _go = controls.children
    assert output.value.count("LEAKED") == 1  # only the open preview falls to the plain metadata URL
    box.value = attacks.OPEN_REDIRECT_URL
    assert output.value.count("LEAKED") == 3


def test_exploit_playground_records_the_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playgrounds.exploit_playground(record_key="exploit")
    controls, output = widget.children
    box, _go, save = controls.children
    box.value = attacks.IPV6_FORMS[2][1]
    assert "LEAKED" in output.value
    save.click()
    assert answers.load_answers() == {"exploit": attacks.IPV6_FORMS[2][1]}
    assert json.loads((tmp_path / answers.ANSWERS_FILE).read_text())["exploit"] == attacks.IPV6_FORMS[2][1]

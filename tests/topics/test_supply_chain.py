"""Lesson 06 Vulnerable and Outdated Components: the advisory snapshot and matcher, the lookalike check,
the resolvers, the loopback indexes, OSV API and sinkhole, the real tools offline, the spec and the playgrounds.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
supply_chain.roundtrip.json beside this file.
"""

import http.client
import json
import ssl
import time
import zipfile
from types import SimpleNamespace

import pytest
from packaging.version import Version

from seclab.server import LOOPBACK, http_request, serve
from seclab.spec import load_spec
from seclab.topics.supply_chain import advisories as osv
from seclab.topics.supply_chain import attacks, commands, indexes, names, targets, wheels
from seclab.topics.supply_chain import widgets as playground
from seclab.topics.supply_chain.osv_api import osv_api_app
from seclab.topics.supply_chain.sinkhole import dead_proxy_environment, sinkhole

SPEC = load_spec("06_supply_chain")
SNAPSHOT = osv.load_advisories()
BY_ID = osv.advisory_by_id(SNAPSHOT)


def rng(*events, range_type="ECOSYSTEM"):
    return {"type": range_type, "events": [{kind: value} for kind, value in events]}


# --- the advisory snapshot ----------------------------------------------------------------

def test_snapshot_records_are_osv_records_for_pypi_with_unique_ids():
    ids = [record["id"] for record in SNAPSHOT]
    assert len(ids) == len(set(ids)) >= 20
    for record in SNAPSHOT:
        assert record["id"].startswith(("PYSEC-", "GHSA-")) and record["summary"]
        assert record["references"] == [{"type": "ADVISORY", "url": f"https://osv.dev/vulnerability/{record['id']}"}]
        assert all(entry["package"]["ecosystem"] == "PyPI" for entry in record["affected"])
        assert any(r["type"] == "ECOSYSTEM" for entry in record["affected"] for r in entry.get("ranges", []))


def test_snapshot_versions_lists_agree_with_their_ranges():
    for record in SNAPSHOT:
        for entry in record["affected"]:
            for listed in entry.get("versions", []):
                assert any(osv.in_range(Version(listed), r) for r in entry["ranges"]), (record["id"], listed)


def test_snapshot_keeps_real_ids_aliases_and_fixed_versions():
    assert BY_ID["PYSEC-2021-142"]["aliases"] == ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"]
    assert BY_ID["PYSEC-2022-190"]["aliases"] == ["CVE-2022-28346", "GHSA-2gwj-7jmv-h26r"]
    assert BY_ID["GHSA-9wx4-h78v-vm56"]["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "2.32.0"}]
    assert [e for r in BY_ID["PYSEC-2023-192"]["affected"][0]["ranges"] if r["type"] == "ECOSYSTEM"
            for e in r["events"]] == [{"introduced": "2.0.0"}, {"fixed": "2.0.6"}, {"introduced": "0"}, {"fixed": "1.26.17"}]
    assert len(BY_ID["GHSA-34jh-p97f-mpxf"]["affected"]) == 2
    assert all(isinstance(record.get("published", ""), str) for record in SNAPSHOT)


def test_load_advisories_returns_a_fresh_copy():
    first = osv.load_advisories()
    first[0]["id"] = "CHANGED"
    assert osv.load_advisories()[0]["id"] != "CHANGED"


# --- reading requirements files ---------------------------------------------------------

def test_requirement_lines_read_the_file_as_pip_does():
    text = ("# comment\n-r base.txt\n\n--index-url https://example.org/simple\n"
            "alpha==1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n"
            "beta @ https://example.org/beta.whl#sha256=cc  # a comment\n"
            "gam\\\nma==2\n  -e ./local\ndelta==3 ; python_version < '3.8'\nepsilon==4 \\")
    assert list(osv.requirement_lines(text)) == [
        "alpha==1.0", "beta @ https://example.org/beta.whl#sha256=cc", "gamma==2",
        "delta==3 ; python_version < '3.8'", "epsilon==4"]


@pytest.mark.parametrize(("line", "version"), [
    ("alpha==1.0", "1.0"), ("Alpha (==v1.0)", "v1.0"), ("alpha[x]==1.0+local", "1.0+local"),
    ("alpha===1.0", None), ("alpha==1.*", None), ("alpha==1.0,<2", None), ("alpha==1.0,==1.0", None),
    ("alpha>=1.0", None), ("alpha", None), ("alpha @ https://example.org/a.whl", None),
])
def test_only_one_exact_equals_pin_is_checked(line, version):
    (pin,) = osv.parse_pins(line)
    assert pin.name == "alpha" and pin.version == version


@pytest.mark.parametrize("line", ["alpha=1.0", "alpha==", "alpha==1.0 extra", "./alpha-1.0.whl", "https://x.org/a.tgz"])
def test_unreadable_lines_raise_value_error(line):
    with pytest.raises(ValueError):
        osv.vulnerable_pins(line, SNAPSHOT)


# --- the OSV rules ---------------------------------------------------------------------------

def test_osv_range_evaluation_sorts_events_and_handles_every_kind():
    split = rng(("introduced", "3.0"), ("fixed", "3.0.5"), ("introduced", "1.0"), ("fixed", "1.4"))
    assert [osv.in_range(Version(v), split) for v in ("0.9", "1.0", "1.3.9", "1.4", "2.0", "3.0.1", "3.0.5")] == \
        [False, True, True, False, False, True, False]
    last = rng(("introduced", "1.0"), ("last_affected", "1.2"))
    assert [osv.in_range(Version(v), last) for v in ("1.2", "1.2.0", "1.2.0.post1", "1.3")] == [True, True, False, False]
    from_zero = rng(("introduced", "0"), ("fixed", "0.1"))
    assert osv.in_range(Version("0.0.dev0"), from_zero) and osv.in_range(Version("0a1"), from_zero)
    assert not osv.in_range(Version("1.0"), rng(("introduced", "0"), range_type="GIT"))
    assert not osv.in_range(Version("1.0"), rng(("introduced", "0"), ("fixed", "2.0"), range_type="SEMVER"))
    assert osv.in_range(Version("5.0"), rng(("introduced", "0"), ("fixed", "not-a-version")))


def test_versions_lists_match_by_pep_440_and_skip_invalid_strings():
    entry = {"package": {"ecosystem": "PyPI", "name": "x"}, "versions": ["not a version", "2.0"]}
    assert osv.affects(entry, Version("2.0.0")) and not osv.affects(entry, Version("2.1"))


def test_vulnerable_pins_on_the_legacy_file():
    findings = osv.vulnerable_pins(attacks.LEGACY_REQUIREMENTS, SNAPSHOT)
    assert len(findings) == 23 and findings == sorted(findings, key=lambda f: (f["name"], f["id"]))
    assert {"name": "django", "version": "2.2.0", "id": "PYSEC-2022-190", "fixed": "2.2.28"} in findings
    assert {"name": "pyyaml", "version": "5.1", "id": "PYSEC-2020-176", "fixed": "5.2b1"} in findings
    assert {"name": "urllib3", "version": "1.24.1", "id": "GHSA-34jh-p97f-mpxf", "fixed": "1.26.19"} in findings


def test_fixed_is_the_lowest_fix_above_the_pin_across_entries():
    assert osv.vulnerable_pins("urllib3==2.0.3", [BY_ID["GHSA-34jh-p97f-mpxf"]])[0]["fixed"] == "2.2.2"
    assert osv.vulnerable_pins("urllib3==1.26.0", [BY_ID["PYSEC-2023-212"]])[0]["fixed"] == "1.26.18"
    assert osv.vulnerable_pins("Django==3.2.5", [BY_ID["PYSEC-2022-190"]]) == [
        {"name": "django", "version": "3.2.5", "id": "PYSEC-2022-190", "fixed": "3.2.13"}]


def test_only_pypi_entries_for_the_same_normalised_name_count():
    record = attacks.advisory("X-1", "Zope.Interface", [("introduced", "0"), ("fixed", "5.0")])
    npm = attacks.advisory("X-2", "zope-interface", [("introduced", "0"), ("fixed", "5.0")], ecosystem="npm")
    assert [f["id"] for f in osv.vulnerable_pins("zope_interface==4.0", [record, npm])] == ["X-1"]
    assert osv.vulnerable_pins("zope_interface==4.0", [{"id": "X-3", "summary": "no affected list"}]) == []


def test_describe_advisory_is_readable():
    text = osv.describe_advisory(BY_ID["PYSEC-2023-192"])
    assert "ECOSYSTEM: introduced 2.0.0, fixed 2.0.6, introduced 0, fixed 1.26.17" in text
    assert "(85 in all)" in text and text.startswith("PYSEC-2023-192  (CVE-2023-43804")


def test_the_naive_matcher_of_the_lesson_is_evaded_and_the_reference_is_not():
    def naive(requirements, records):
        found = []
        for line in requirements.splitlines():
            if "==" in line and not line.startswith("#"):
                name, pinned = line.split("==")
                found += [{"name": name, "id": r["id"]} for r in records for e in r["affected"]
                          if e["package"]["name"] == name
                          and any(ev.get("fixed", "~") > pinned for rr in e.get("ranges", []) for ev in rr["events"])]
        return found

    assert attacks.audit_evasion(naive).succeeded
    result = attacks.audit_evasion(osv.vulnerable_pins)
    assert not result.succeeded and result.evidence == "all 23 known vulnerabilities reported"


# --- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "distance"), [
    ("", "", 0), ("abc", "", 3), ("kitten", "sitting", 3), ("reqeusts", "requests", 1), ("ca", "abc", 3),
    ("urllib3", "urlilb3", 1), ("jellyfish", "jeilyfish", 1), ("python3-dateutil", "python-dateutil", 1),
])
def test_osa_distance(a, b, distance):
    assert names.osa_distance(a, b) == distance == names.osa_distance(b, a)


def test_every_real_incident_is_caught_and_popular_names_are_not_flagged():
    for incident in names.TYPOSQUAT_INCIDENTS:
        assert names.typosquat_of(incident.malicious, names.POPULAR) == incident.imitated
    for name in names.POPULAR:
        assert names.typosquat_of(name, names.POPULAR) is None
        assert names.typosquat_of(name.upper().replace("-", "_"), names.POPULAR) is None


def test_typosquat_rules():
    assert names.typosquat_of("py-six", ["six"]) == "six"
    assert names.typosquat_of("six-py", ["six"]) == "six"
    assert names.typosquat_of("sax", ["six"]) is None
    assert names.typosquat_of("python-python-six", ["six"]) is None
    assert names.typosquat_of("pandaz", ["pandas", "panda"]) == "pandas"
    assert names.typosquat_of("zope_interfac", ["Zope.Interface"]) == "Zope.Interface"


# --- the builds -------------------------------------------------------------------------------

def test_vulnerable_resolver_takes_the_highest_version_of_any_index():
    public = targets.publish(targets.PUBLIC_INDEX, "acme-billing", "99.0.0")
    assert targets.vulnerable_resolve("acme-billing", targets.INTERNAL_INDEX, public) == ("public", "99.0.0")
    assert targets.vulnerable_resolve("acme-billing", targets.INTERNAL_INDEX, targets.PUBLIC_INDEX) == ("internal", "1.2.0")
    tie = targets.publish(targets.PUBLIC_INDEX, "acme-billing", "1.2.0")
    assert targets.vulnerable_resolve("acme-billing", targets.INTERNAL_INDEX, tie) == ("internal", "1.2.0")
    assert "acme-billing" not in targets.PUBLIC_INDEX  # publish copies


def test_fixed_resolver_keeps_owned_names_internal():
    public = targets.publish(targets.PUBLIC_INDEX, "ACME_Billing", "99.0.0")
    plan = targets.build_plan(targets.fixed_resolver(), public)
    assert plan == {"acme-billing": ("internal", "1.2.0"), "acme-ledger": ("internal", "1.0.0"),
                    "acme-auth": ("internal", "2.1.0"), "requests": ("public", "2.32.4"), "pyyaml": ("public", "6.0.2")}
    with pytest.raises(ValueError):
        targets.fixed_resolve("acme-payroll", targets.INTERNAL_INDEX, {"acme-payroll": ["1.0"]}, {"acme-payroll"})


@pytest.mark.parametrize(("payload", "works"), [
    ({"name": "acme-billing", "version": "99.0.0"}, {"vulnerable": True, "fixed": False}),
    ({"name": "ACME.Ledger", "version": "1.0.1"}, {"vulnerable": True, "fixed": False}),
    ({"name": "acme-auth", "version": "2.1.0.post1"}, {"vulnerable": True, "fixed": False}),
    ({"name": "acme-billing", "version": "1.2.0"}, {"vulnerable": False, "fixed": False}),
    ({"name": "acme-billing", "version": "100.0rc1"}, {"vulnerable": False, "fixed": False}),
    ({"name": "acme-payroll", "version": "99.0"}, {"vulnerable": False, "fixed": False}),
    ({"name": "requests", "version": "99.0"}, {"vulnerable": False, "fixed": False}),
    ({"name": "acme-billing", "version": "not a version"}, {"vulnerable": False, "fixed": False}),
    ({"name": "acme-billing", "version": "9" * 60}, {"vulnerable": False, "fixed": False}),
    ({"name": "acme-billing"}, {"vulnerable": False, "fixed": False}),
    ("acme-billing==99.0.0", {"vulnerable": False, "fixed": False}),
])
def test_exploit_replay(payload, works):
    assert SPEC.exploit_works(payload) == works


# --- wheels, indexes and real pip -------------------------------------------------------------

def test_wheels_are_reproducible_and_recorded(tmp_path):
    first = wheels.build_wheel(tmp_path / "a", "Acme.Utils", "1.0", "X = 1\n")
    second = wheels.build_wheel(tmp_path / "b", "Acme.Utils", "1.0", "X = 1\n")
    other = wheels.build_wheel(tmp_path / "c", "Acme.Utils", "1.0", "X = 2\n")
    assert first.name == "acme_utils-1.0-py3-none-any.whl"
    assert wheels.sha256_of(first) == wheels.sha256_of(second) != wheels.sha256_of(other)
    with zipfile.ZipFile(first) as archive:
        record = archive.read("acme_utils-1.0.dist-info/RECORD").decode()
        assert "acme_utils/__init__.py,sha256=" in record and record.endswith("RECORD,,\n")


def test_simple_index_serves_pep_503_pages_and_files(tmp_path):
    folders = indexes.build_demo_wheels(tmp_path)
    with serve(indexes.simple_index_app(folders["internal"])) as url:
        listing = http_request("GET", f"{url}/simple/").text
        page = http_request("GET", f"{url}/simple/ACME_Billing/").text
        wheel = wheels.wheel_filename("acme-billing", "1.2.0")
        download = http_request("GET", f"{url}/files/acme-billing/{wheel}")
        missing = http_request("GET", f"{url}/simple/left-pad/")
    assert '<a href="/simple/acme-billing/">acme-billing</a>' in listing
    assert f"#sha256={wheels.sha256_of(folders['internal'] / wheel)}" in page and "1.1.0" in page
    assert download.status == 200 and download.body == (folders["internal"] / wheel).read_bytes()
    assert missing.status == 404


def test_owned_names_index_serves_owned_names_only_from_internal(tmp_path):
    folders = indexes.build_demo_wheels(tmp_path)
    wheels.build_wheel(folders["public"], "requests", "2.32.4", "X = 1\n")
    app = indexes.owned_names_index_app(folders["internal"], folders["public"], {"ACME-billing"})
    with serve(app) as url:
        billing = http_request("GET", f"{url}/simple/acme-billing/").text
        requests_page = http_request("GET", f"{url}/simple/requests/").text
        listing = http_request("GET", f"{url}/simple/").text
    assert "99.0.0" not in billing and "1.2.0" in billing and "requests-2.32.4" in requests_page
    assert "acme-billing" in listing and "requests" in listing


def test_real_pip_falls_for_dependency_confusion_and_not_for_the_owned_index(tmp_path):
    folders = indexes.build_demo_wheels(tmp_path)
    with serve(indexes.simple_index_app(folders["internal"])) as internal, \
            serve(indexes.simple_index_app(folders["public"])) as public, \
            serve(indexes.owned_names_index_app(folders["internal"], folders["public"], targets.INTERNAL_NAMES)) as acme:
        confused = commands.pip_install(tmp_path, "confused", ["--index-url", f"{public}/simple/",
                                                               "--extra-index-url", f"{internal}/simple/", "acme-billing"])
        safe = commands.pip_install(tmp_path, "safe", ["--index-url", f"{acme}/simple/", "acme-billing"])
    assert confused.returncode == 0 and indexes.installed_version(tmp_path / "confused", "acme-billing") == "99.0.0"
    assert safe.returncode == 0 and indexes.installed_version(tmp_path / "safe", "acme-billing") == "1.2.0"
    ran = commands.import_package(tmp_path, "confused", "acme_billing")
    assert ran.returncode == 0 and "attacker's code from the public index 99.0.0" in ran.stdout
    assert (tmp_path / indexes.MARKER_NAME).exists()


def test_real_pip_refuses_a_swapped_file_in_hash_checking_mode(tmp_path):
    reviewed = wheels.build_wheel(tmp_path / "mirror", "acme-utils", "1.0.0", indexes.honest_module("acme-utils", "1.0.0"))
    (tmp_path / "lock.txt").write_text(f"acme-utils==1.0.0 \\\n    --hash=sha256:{wheels.sha256_of(reviewed)}\n")
    swapped = wheels.build_wheel(tmp_path / "other", "acme-utils", "1.0.0", "X = 'swapped'\n")
    swapped.replace(reviewed)
    refused = commands.pip_install(tmp_path, "env", ["--no-index", "--find-links", "mirror", "--require-hashes",
                                                     "-r", "lock.txt"])
    assert refused.returncode == 1 and "THESE PACKAGES DO NOT MATCH THE HASHES" in refused.output
    assert not (tmp_path / "env" / "acme_utils").exists()


def test_commands_run_in_a_clean_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PIP_INDEX_URL", "http://203.0.113.1/simple")
    monkeypatch.setenv("https_proxy", "http://203.0.113.1:3128")
    environment = commands.clean_environment({"EXTRA": "1"})
    assert "PIP_INDEX_URL" not in environment and "https_proxy" not in environment and environment["EXTRA"] == "1"
    version = commands.run_tool("pip", ["--version"], tmp_path)
    assert version.returncode == 0 and version.shown().startswith("$ pip --version\npip ")
    with pytest.raises(ValueError):
        commands.import_package(tmp_path, "env", "os; import shutil")


# --- the network stand-ins and pip-audit ------------------------------------------------------

def test_osv_api_answers_queries_from_the_snapshot():
    app = osv_api_app()
    with serve(app) as url:
        hit = http_request("POST", f"{url}/v1/query", json_body={"package": {"name": "PyYAML", "ecosystem": "PyPI"},
                                                                 "version": "5.3"})
        clean = http_request("POST", f"{url}/v1/query", json_body={"package": {"name": "pyyaml", "ecosystem": "PyPI"},
                                                                   "version": "6.0.2"})
        other = http_request("POST", f"{url}/v1/query", json_body={"package": {"name": "pyyaml", "ecosystem": "npm"},
                                                                   "version": "5.3"})
        bad = http_request("POST", f"{url}/v1/query", data=b"{not json")
        wrong = http_request("GET", f"{url}/v1/query")
    assert hit.status == 200 and sorted(v["id"] for v in hit.json()["vulns"]) == ["PYSEC-2020-96", "PYSEC-2021-142"]
    assert clean.json() == {} and other.json() == {}
    assert bad.status == 400 and wrong.status == 404
    assert app.queries[:2] == [("PyYAML", "5.3"), ("pyyaml", "6.0.2")]


def test_sinkhole_answers_404_over_tls_and_records_the_request(tmp_path):
    with sinkhole(tmp_path) as network:
        host, port = network.proxy_url.removeprefix("http://").split(":")
        assert host == LOOPBACK
        connection = http.client.HTTPSConnection(host, int(port), timeout=10,
                                                 context=ssl.create_default_context(cafile=str(network.ca_file)))
        connection.set_tunnel("pypi.org", 443)
        connection.request("GET", "/pypi/django/2.2.0/json")
        status = connection.getresponse().status
        connection.close()
    assert status == 404 and network.requests == ["GET https://pypi.org/pypi/django/2.2.0/json"]
    assert network.environment()["REQUESTS_CA_BUNDLE"] == str(network.ca_file)
    assert dead_proxy_environment()["HTTPS_PROXY"].startswith(f"http://{LOOPBACK}:")


def test_pip_audit_skips_everything_behind_a_404_network_and_finds_everything_with_a_database(tmp_path):
    (tmp_path / "requirements.txt").write_text(attacks.LEGACY_REQUIREMENTS)
    args = ["-r", "requirements.txt", "--no-deps", "--disable-pip", "--progress-spinner", "off", "--cache-dir", "cache"]
    with sinkhole(tmp_path) as network:
        offline = commands.run_tool("pip-audit", args, tmp_path, network.environment())
        strict = commands.run_tool("pip-audit", [*args, "--strict"], tmp_path, network.environment())
    with serve(osv_api_app()) as url:
        online = commands.run_tool("pip-audit", [*args, "-s", "osv", "--osv-url", f"{url}/v1/query"], tmp_path)
    assert offline.returncode == 0 and "No known vulnerabilities found" in offline.output
    assert strict.returncode == 1 and "could not be audited" in strict.output
    assert online.returncode == 1 and "Found 23 known vulnerabilities in 6 packages" in online.output


# --- the playgrounds --------------------------------------------------------------------------

def test_audit_report_and_its_speed():
    started = time.perf_counter()
    report = playground.audit_report(attacks.LEGACY_REQUIREMENTS + "python3-dateutil==2.8.1\nflask>=2\n")
    html = playground.render_audit_report(report)
    assert time.perf_counter() - started < 0.1
    assert len(report.findings) == 23 and report.unpinned == ["flask"]
    assert report.lookalikes == {"python3-dateutil": "python-dateutil"}
    assert "23 known vulnerabilities" in html and "looks like <b>python-dateutil</b>" in html
    assert playground.audit_report("flask=2").error and "Cannot read" in playground.render_audit_report(
        playground.audit_report("flask=2"))
    assert "No advisory" in playground.render_audit_report(playground.audit_report("pyyaml==6.0.2"))


def test_upload_report_marks_hijacked_packages():
    report = playground.upload_report("acme-billing", "99.0.0")
    assert report.hijacked == ["acme-billing"] and report.fixed["acme-billing"] == ("internal", "1.2.0")
    assert "background:#fdd" in playground.render_upload_report(report)
    harmless = playground.upload_report("acme-billing", "1.0.5")
    assert harmless.hijacked == [] and "Neither build" in playground.render_upload_report(harmless)


def test_playground_widgets_update_and_record(monkeypatch):
    recorded = {}
    monkeypatch.setattr(playground, "record", lambda key, value: recorded.update({key: value}))
    audit = playground.audit_playground()
    text, output = audit.children[1], audit.children[2]
    text.value = "urllib3==1.26.17\n"
    assert "GHSA-34jh-p97f-mpxf" in output.value
    exploit = playground.exploit_playground(record_key="exploit")
    name, version, buttons, result = exploit.children[1], exploit.children[2], exploit.children[3], exploit.children[4]
    name.value, version.value = "acme-ledger", "1.0.1"
    buttons.children[0].click()
    assert "installs your package in place of ACME" in result.value
    buttons.children[1].click()
    assert recorded == {"exploit": {"name": "acme-ledger", "version": "1.0.1"}}


def test_servable_targets_answer(tmp_path):
    from seclab.targets import running

    with running("osv-snapshot") as url:
        reply = http_request("POST", f"{url}/v1/query",
                             json_body={"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "3.1.5"})
    assert [v["id"] for v in reply.json()["vulns"]] == ["GHSA-cpwx-vrp4-4pq7"]
    with running("public-index") as url:
        assert "99.0.0" in http_request("GET", f"{url}/simple/acme-billing/").text
    with running("acme-internal-index") as url:
        assert "99.0.0" not in http_request("GET", f"{url}/simple/acme-billing/").text


def test_spec_hints_cover_every_category_and_public_cases_cover_every_part():
    public = SPEC.cases(SPEC.public_corpus())
    assert {case.part for case in public} == set(SPEC.PARTS)
    assert {case.category for case in public} <= set(SPEC.HINTS)
    shown = next(case for case in public if case.function == "vulnerable_pins" and not case.scenario).shown_call()
    assert len(shown) < 250 and " … " in shown


def test_resolve_source_scenario_insists_on_a_tuple():
    namespace = {"resolve_source": lambda name, internal, public, owned: ["internal", "1.0"]}
    with pytest.raises(TypeError):
        SPEC.SCENARIOS["internal_names as a set"](namespace, "a", {}, {}, [])
    seen = SimpleNamespace(names=None)

    def resolver(name, internal, public, owned):
        seen.names = owned
        return ("internal", "1.0")

    assert SPEC.SCENARIOS["internal_names as a set"]({"resolve_source": resolver}, "a", {}, {}, ["a"]) == ("internal", "1.0")
    assert seen.names == {"a"}


def test_hidden_corpus_is_json_and_names_parts_and_categories():
    from seclab import grading

    hidden = grading.hidden_corpus("06_supply_chain")
    for items in hidden.values():
        for item in items:
            assert item["part"] in ("works", "attack") and item["category"] in SPEC.HINTS
    json.dumps(hidden)

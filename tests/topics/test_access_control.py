"""Lesson 01's documents app: the vulnerable twin falls to every access-control attack, the fixed one holds."""

import os
from pathlib import Path

import pytest

from seclab import answers, grading
from seclab.outcomes import run_case
from seclab.targets import running, servable_targets
from seclab.topics.access_control import attacks, spec
from seclab.topics.access_control import targets as docs
from seclab.topics.access_control import widgets as playground


@pytest.fixture(params=["in_process", "over_http"])
def twins(request):
    """(send to vulnerable, send to fixed), in process or over real HTTP on loopback."""
    if request.param == "in_process":
        yield attacks.in_process(docs.create_app(True)), attacks.in_process(docs.create_app(False))
    else:
        with running("docs-vulnerable") as vulnerable_url, running("docs-fixed") as fixed_url:
            assert vulnerable_url.startswith("http://127.0.0.1:")
            yield attacks.over_http(vulnerable_url), attacks.over_http(fixed_url)


@pytest.mark.parametrize("attack", [
    attacks.read_foreign_documents,
    lambda send: attacks.edit_foreign_document(send, doc_id=3),
    attacks.export_everything,
    attacks.delete_user,
    attacks.become_admin,
    lambda send: attacks.download(send, "../secret.txt"),
])
def test_vulnerable_twin_falls_and_fixed_twin_holds(twins, attack):
    vulnerable, fixed = twins
    assert attack(vulnerable).succeeded
    assert not attack(fixed).succeeded


def test_fixed_twin_still_serves_honest_requests():
    send = attacks.in_process(docs.create_app(False))
    assert send("bob", "GET", "/documents/3", None).json()["body"] == attacks.bodies_of("bob")[0]
    assert send("admin", "GET", "/documents/3", None).status == 200
    assert send("alice", "PATCH", "/documents/1", {"title": "Groceries"}).json()["title"] == "Groceries"
    assert send("alice", "PATCH", "/me", {"display_name": "Al"}).json()["display_name"] == "Al"
    assert send("admin", "GET", "/admin/export", None).status == 200
    assert send("alice", "GET", "/download?name=welcome.txt", None).text == docs.UPLOADED_FILES["welcome.txt"]
    assert send("nobody", "GET", "/documents", None).status == 401


def test_fixed_twin_answers_404_for_foreign_and_missing_documents_alike():
    send = attacks.in_process(docs.create_app(False))
    foreign, missing = send("alice", "GET", "/documents/3", None), send("alice", "GET", "/documents/999", None)
    assert foreign == missing and foreign.status == 404


def test_the_ui_hides_the_admin_button_but_only_the_fixed_backend_enforces_it():
    for vulnerable in (True, False):
        send = attacks.in_process(docs.create_app(vulnerable))
        assert "/admin/export" not in send("alice", "GET", "/", None).text
        assert "/admin/export" in send("admin", "GET", "/", None).text
    assert attacks.export_everything(attacks.in_process(docs.create_app(True))).succeeded


def test_fixed_app_denies_an_endpoint_without_an_access_rule():
    app = docs.create_app(False)
    app.add_url_rule("/stats", "stats", lambda: "42 documents")
    assert attacks.in_process(app)("admin", "GET", "/stats", None).status == 403


def test_mass_assignment_alone_is_enough_to_become_admin():
    send = attacks.in_process(docs.create_app(flaws={"mass_assignment"}))
    assert not attacks.export_everything(send).succeeded
    assert attacks.become_admin(send).succeeded
    assert attacks.export_everything(send).succeeded


def test_unknown_flaw_is_refused():
    with pytest.raises(ValueError, match="unknown flaws"):
        docs.create_app(flaws={"sqli"})


def test_servable_targets_are_registered():
    assert {"docs-vulnerable", "docs-fixed"} <= set(servable_targets())


# --- paths --------------------------------------------------------------------------------

@pytest.fixture
def uploads(tmp_path):
    return docs.make_upload_tree(tmp_path, symlinks=True)


@pytest.mark.parametrize("name", attacks.TRAVERSAL_NAMES + ["abs-out", "../uploads-old/old.txt"])
def test_resolve_upload_refuses_every_traversal(uploads, name):
    with pytest.raises(ValueError):
        docs.resolve_upload(uploads, name)


def test_naive_join_reaches_the_secret(uploads):
    assert docs.vulnerable_upload_path(uploads, "../secret.txt").read_text() == docs.PRIVATE_TEXT
    absolute = str(uploads.parent / "secret.txt")
    assert docs.vulnerable_upload_path(uploads, absolute) == Path(absolute)


def test_resolve_upload_accepts_names_inside(uploads):
    assert docs.resolve_upload(uploads, "link-in") == (uploads / "docs" / "readme.txt").resolve()
    assert docs.resolve_upload(str(uploads), "notes..txt").read_text().startswith("two dots")


# --- the exercise spec --------------------------------------------------------------------

REFERENCE = {
    "get_document": docs.fixed_get_document,
    "update_document": docs.fixed_update_document,
    "resolve_upload": docs.resolve_upload,
}

CLASSIC_MISTAKES = {
    "get_document": docs.vulnerable_get_document,
    "update_document": docs.vulnerable_update_document,
    "resolve_upload": docs.vulnerable_upload_path,
}


def _starts_with_check(base_dir, filename):
    path = os.path.normpath(os.path.join(base_dir, filename))
    if not path.startswith(str(base_dir)):
        raise ValueError(filename)
    return Path(path)


def _dot_dot_blocklist(base_dir, filename):
    if ".." in filename or filename.startswith("/"):
        raise ValueError(filename)
    return Path(base_dir) / filename


def _role_is_not_user(conn, current_user, doc_id):
    owner = "" if current_user["role"] != "user" else " AND owner_id = ?"
    row = conn.execute("SELECT id, owner_id, title, body FROM documents WHERE id = ?" + owner,
                       (doc_id,) + ((current_user["id"],) if owner else ())).fetchone()
    if row is None:
        raise LookupError(doc_id)
    return dict(zip(docs.DOCUMENT_FIELDS, row, strict=True))


def _scores(functions, corpus_public=True):
    corpus = spec.public_corpus()
    results = {}
    for case in spec.cases(corpus, public=corpus_public):
        outcome = run_case(spec, dict(functions), case.function, case.fixture, list(case.args), case.scenario)
        passed, total = results.get(case.part, (0, 0))
        results[case.part] = (passed + case.expect.judge(outcome), total + 1)
    return results


def test_reference_functions_pass_every_public_case():
    assert all(passed == total for passed, total in _scores(REFERENCE).values())


def test_classic_mistakes_lose_exactly_the_attack_parts():
    scores = _scores(CLASSIC_MISTAKES)
    assert {part for part, (passed, total) in scores.items() if passed == total} == {
        "get_document.works", "update_document.works", "resolve_upload.works"}
    attack_parts = {"get_document.idor", "update_document.access", "resolve_upload.traversal"}
    assert all(scores[part][0] == 0 for part in attack_parts)


@pytest.mark.parametrize("half_fix, failing_parts", [
    (_starts_with_check, {"resolve_upload.traversal"}),
    (_dot_dot_blocklist, {"resolve_upload.works", "resolve_upload.traversal"}),
])
def test_half_fixed_paths_do_not_pass(half_fix, failing_parts):
    scores = _scores({**REFERENCE, "resolve_upload": half_fix})
    assert {part for part, (passed, total) in scores.items() if passed < total} == failing_parts


def test_default_allow_role_check_fails_the_deny_by_default_cases():
    passed, total = _scores({**REFERENCE, "get_document": _role_is_not_user})["get_document.idor"]
    assert 0 < passed < total


def test_update_that_writes_before_checking_fields_is_caught():
    def write_then_check(conn, current_user, doc_id, changes):
        document = docs.fixed_get_document(conn, current_user, doc_id)
        for key in ("title", "body"):
            if key in changes:
                conn.execute(f"UPDATE documents SET {key} = ? WHERE id = ?", (changes[key], doc_id))  # noqa: S608
        if set(changes) - {"title", "body"}:
            raise ValueError("unknown field")
        return {**document, **changes}

    passed, total = _scores({**REFERENCE, "update_document": write_then_check})["update_document.access"]
    assert 0 < passed < total


def test_hidden_corpus_parses_and_the_reference_passes_it():
    hidden = grading.hidden_corpus("01_access_control")
    for case in spec.cases(hidden, public=False):
        outcome = run_case(spec, dict(REFERENCE), case.function, case.fixture, list(case.args), case.scenario)
        assert case.expect.judge(outcome), (case, outcome)


def test_access_spelling_round_trips():
    assert spec.parse_access(spec.access(1, None, 3)) == ({"id": 1, "role": None}, 3)
    assert spec.parse_access("2: admin:5") == ({"id": 2, "role": " admin"}, 5)


@pytest.mark.parametrize("payload, expected", [
    ({"as_user": "alice", "method": "GET", "path": "/documents/3"}, {"vulnerable": True, "fixed": False}),
    ({"as_user": "alice", "method": "GET", "path": "/admin/export"}, {"vulnerable": True, "fixed": False}),
    ({"as_user": "alice", "method": "PATCH", "path": "/documents/4", "json": {"title": "x"}},
     {"vulnerable": True, "fixed": False}),
    ({"as_user": "alice", "method": "GET", "path": "/documents/1"}, {"vulnerable": False, "fixed": False}),
    ({"as_user": "bob", "method": "GET", "path": "/documents/3"}, {"vulnerable": False, "fixed": False}),
    ({"as_user": "alice", "method": "GET", "path": "documents/3"}, {"vulnerable": False, "fixed": False}),
    ("alice reads /documents/3", {"vulnerable": False, "fixed": False}),
    ({"as_user": "alice", "path": "/documents/3", "extra": 1}, {"vulnerable": False, "fixed": False}),
])
def test_exploit_is_replayed_against_fresh_twins(payload, expected):
    assert spec.exploit_works(payload) == expected


# --- the playground -----------------------------------------------------------------------

def test_request_document_shows_both_answers():
    result = playground.request_document("alice", 3)
    assert result.vulnerable.status == 200 and result.vulnerable.json()["owner_id"] == 2
    assert result.fixed.status == 404
    assert result.recorded() == {"as_user": "alice", "method": "GET", "path": "/documents/3"}
    assert spec.exploit_works(result.recorded()) == {"vulnerable": True, "fixed": False}


def test_listed_documents_are_only_the_users_own():
    assert playground.listed_documents("alice") == [1, 2]
    assert playground.listed_documents("bob") == [3, 4]


def test_rendered_comparison_escapes_and_labels_both_apps():
    apps = playground.DocumentsApps()
    apps.send("alice", "PATCH", "/documents/3", {"title": "<script>x</script>"})
    page = playground.render_side_by_side(playground.request_document("admin", 3, apps), [1])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "seclab-vulnerable" in page and "seclab-fixed" in page and "HTTP 200" in page


def test_playground_records_the_request(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playground.documents_playground(record_key="exploit", doc_id=4)
    controls, save, output = widget.children
    user, document, send = controls.children
    assert "Draft resignation" in output.value
    document.value = 1
    user.value = "bob"
    send.click()
    assert "HTTP 404" in output.value
    document.value = 3
    send.click()
    save.click()
    assert answers.load_answers() == {"exploit": {"as_user": "bob", "method": "GET", "path": "/documents/3"}}

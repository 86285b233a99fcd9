"""Topic prompt_injection (lesson 17 Prompt Injection): the twins, the attacks and the playground.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
prompt_injection.roundtrip.json beside this file.
"""

import pytest

from seclab.topics.prompt_injection import attacks, spec, targets, widgets

SECRET = "API-KEY-test0001"


def test_mail_injection_leaks_from_the_vulnerable_assistant_only():
    with targets.demo_world([attacks.EXFIL_MAIL], secret=SECRET) as world:
        assert attacks.mail_exfiltration(targets.vulnerable_assistant, world, SECRET).succeeded
    with targets.demo_world([attacks.EXFIL_MAIL], secret=SECRET) as world:
        result = attacks.mail_exfiltration(targets.guarded_assistant, world, SECRET)
        assert not result.succeeded and world.outbox == []


def test_image_exfiltration_needs_the_naive_renderer():
    for render, leaks in ((targets.vulnerable_render, True),
                          (lambda text: targets.render_reply(text, ["docs.corp.example"]), False)):
        with targets.demo_world(secret=SECRET) as world:
            world.web["https://docs.corp.example/guide"] = attacks.IMAGE_EXFIL_PAGE
            assert attacks.image_exfiltration(targets.vulnerable_assistant, render, world, SECRET).succeeded is leaks


def test_tainted_delete_is_refused_but_a_plain_one_is_allowed():
    with targets.demo_world([attacks.DELETE_MAIL]) as world:
        assert attacks.file_deletion(targets.vulnerable_assistant, world).succeeded
    with targets.demo_world([attacks.DELETE_MAIL]) as world:
        assert not attacks.file_deletion(targets.guarded_assistant, world).succeeded
        task = {**targets.task_for(world), "allowed_tools": ["delete_file"]}
        assert targets.allow_tool_call({"tool": "delete_file", "args": {"path": "report.txt"}, "tainted": False}, task)


def test_reference_policy_path_and_host_rules(tmp_path):
    task = {"allowed_tools": ["read_file", "fetch_url"], "allowed_recipients": [],
            "allowed_hosts": ["Docs.Example"], "workspace": str(tmp_path / "ws")}
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "link").symlink_to(tmp_path)
    read = {"tool": "read_file", "tainted": False}
    assert targets.allow_tool_call({**read, "args": {"path": "a.txt"}}, task)
    assert not targets.allow_tool_call({**read, "args": {"path": "link/x"}}, task), "symlinks are resolved"
    assert not targets.allow_tool_call({**read, "args": {"path": "../ws2/x"}}, task)
    fetch = {"tool": "fetch_url", "tainted": False}
    assert targets.allow_tool_call({**fetch, "args": {"url": "http://docs.EXAMPLE:1/"}}, task)
    assert not targets.allow_tool_call({**fetch, "args": {"url": "http://docs.example\u0130/"}}, task)


@pytest.mark.parametrize("text, expected", [
    ("a < b", "a &lt; b"),
    ("![a](https://x/)[b](https://docs.example.com/)", '[image: a]<a href="https://docs.example.com/" '
                                                      'rel="noopener noreferrer">b</a>'),
    ("[b](https://evil.example/)", "b"),
])
def test_render_reply(text, expected):
    assert targets.render_reply(text, ["docs.example.com"]) == expected


def test_judge_accepts_other_escapings_and_rejects_markup():
    expect = spec._renders_as(targets.render_reply("it's <b>", []))
    assert expect.judge({"value": "it&#39;s &lt;b&gt;"})
    assert expect.judge({"value": "it's &lt;b&gt;"})
    assert not expect.judge({"value": "it's <b>"})


def test_exploit_replay_and_playground():
    assert spec.exploit_works(attacks.EXFIL_MAIL["body"]) == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works(attacks.EXFIL_MAIL) == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works("hello") == {"vulnerable": False, "fixed": False}
    assert spec.exploit_works(42) == {"vulnerable": False, "fixed": False}
    runs = widgets.run_mail(attacks.EXFIL_MAIL["body"])
    assert [run.leaked for run in runs] == [True, False]
    page = widgets.render_runs(runs)
    assert "SECRET SENT OUT" in page and "<script" not in widgets.render_runs(widgets.run_mail("<script>x</script>"))
    assert widgets.playground() is not None and widgets.exploit_playground("x") is not None


def test_public_corpus_cases_pass_with_the_reference():
    for case in spec.cases(spec.public_corpus()):
        function = getattr(targets, case.function)
        assert case.expect.judge({"value": function(*case.args)}), case

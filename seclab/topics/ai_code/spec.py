"""Spec of exercise 18_ai_code: review and unknown_dependencies.

Corpus (``public_corpus()`` and ``autograder/hidden/18_ai_code.json``):

- ``review``: ``[category, source]`` pairs; each is a case of ``review.works`` that must
  return exactly what the reference (``targets.fixed_review``) returns.
- ``unparseable``: sources that must raise ValueError (``review.works``).
- ``review_corpus``: sources judged TOGETHER for ``review.attack``: at least 90% of the
  reference's findings found, at least 75% for every rule, at most 10% of the reported
  findings wrong (not among the reference's).
- ``dependencies`` / ``dependencies_tricky``: ``[category, requirements, index]`` for
  ``unknown_dependencies.works`` / ``.attack``; the index is passed as a set, and the
  scenario also reports whether the function changed it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.outcomes import NotPlainError, to_plain
from seclab.spec import Case, Expectation, Part, raises, returns, satisfies
from seclab.topics.ai_code.targets import RULES, fixed_review, fixed_unknown_dependencies

PARTS = {
    part.name: part
    for part in [
        Part("review.works", "review",
             "review reports each public snippet's findings exactly and refuses unparseable source"),
        Part("review.attack", "review",
             "review finds at least 90% of the flaws in a hidden gallery (75% per rule) with at most 10% wrong"),
        Part("unknown_dependencies.works", "unknown_dependencies",
             "unknown_dependencies lists the normalised names missing from the index"),
        Part("unknown_dependencies.attack", "unknown_dependencies",
             "unknown_dependencies reads requirements the way pip does and leaves the index alone"),
    ]
}

RECALL, RULE_RECALL, WRONG = 0.90, 0.75, 0.10

HINTS = {
    "sql-string": "Flag execute/executemany/executescript/raw (any object, any case) whose FIRST argument is an "
                  "f-string (ast.JoinedStr), a % or + expression (ast.BinOp) or a .format(...) call.",
    "shell-true": "Flag subprocess.<anything>(..., shell=True), os.system(...) and os.popen(...).",
    "unsafe-yaml": "yaml.load/load_all need Loader=SafeLoader or CSafeLoader (keyword or second argument, "
                   "yaml.SafeLoader counts); yaml.unsafe_load is always flagged.",
    "pickle-load": "Flag pickle.load, pickle.loads, dill.load and dill.loads.",
    "tls-off": "verify=False in ANY call, ssl._create_unverified_context used at all, and an assignment "
               "x.check_hostname = False.",
    "jwt-unverified": "jwt.decode is unverified when options has 'verify_signature': False, when 'none' is among "
                      "the algorithms, or when there is no algorithms argument (keyword or third positional).",
    "weak-password-hash": "hashlib.md5/sha1/sha256(...) or hashlib.new('md5'|'sha1'|'sha256', ...) whose argument "
                          "mentions a name, attribute or string subscript key containing password, passwd or pwd.",
    "insecure-random": "A random.<function>() call (not SystemRandom), alone, in str() or in ''.join(...), assigned "
                       "to a name/attribute, or returned from a function, whose identifier has the WORD token, "
                       "secret, password, key, nonce or otp (split at _ and case changes: sessionKey yes, monkey no).",
    "eval": "eval/exec of anything except a string literal.",
    "hardcoded-secret": "A non-empty string literal assigned (plain, annotated, dict entry, d['...'] = ..., keyword "
                        "argument) to a name/attribute/key CONTAINING secret, password, passwd, api_key, apikey, "
                        "token or private_key (any case).",
    "debug-on": "Flag x.run(debug=True) and a module-level DEBUG = True.",
    "clean": "Report nothing for safe code: parameterised SQL, shell=False, SafeLoader, secrets.token_hex, bcrypt...",
    "unparseable": "Parse with ast.parse; turn its SyntaxError (and ValueError for NUL bytes) into ValueError.",
    "line-numbers": "One finding per (line, rule), sorted by (line, rule), with the line where the call or "
                    "assignment STARTS (node.lineno), also for calls spread over several lines.",
    "coverage": "Check every rule against the hidden gallery's spellings: imports with aliases (import subprocess as "
                "sp, from os import system), methods of any object, multi-line calls, annotated assignments.",
    "unknown": "Return the PEP 503-normalised names (re.sub(r'[-_.]+', '-', name).lower()) not in the normalised "
               "index, sorted, without duplicates.",
    "options": "Skip option lines (-r, -c, -e, -i, --index-url, ...), comments and blank lines; ignore options after "
               "a requirement (--hash=...).",
    "continuation": "Join a line ending in a backslash with the next one before reading it; a comment starts at # "
                    "at the line start or after whitespace.",
    "markers": "A requirement may carry extras, versions and ;-markers: only its name counts; markers are not "
               "evaluated.",
    "urls": "name @ url counts by its name; bare URLs, paths, archives and VCS/editable lines without a name are "
            "ignored.",
    "index-unchanged": "Do not modify the index you are given: build a new normalised set.",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def _review_gallery(namespace: dict[str, Any], sources: list[str]) -> list[Any]:
    """The learner's findings for each source as sorted [line, rule] pairs (an error counts as no findings)."""
    found: list[Any] = []
    for source in sources:
        try:
            findings = namespace["review"](source)
            pairs = sorted({(int(item["line"]), str(item["rule"])) for item in findings})
        except NotImplementedError:
            raise
        except Exception:  # a crash on one snippet loses that snippet's findings
            pairs = []
        found.append([list(pair) for pair in pairs])
    return found


def _deps_with_index(namespace: dict[str, Any], requirements: str, index: list[str]) -> dict[str, Any]:
    given = set(index)
    report: dict[str, Any] = {"returned": None, "raised": None}
    try:
        value = namespace["unknown_dependencies"](requirements, given)
    except NotImplementedError:
        raise
    except Exception as error:  # part of the result
        report["raised"] = type(error).__name__
    else:
        try:
            report["returned"] = to_plain(value)
        except NotPlainError:
            report["returned"] = "<not plain data>"
        report["is_list"] = isinstance(value, list)
    report["index_unchanged"] = given == set(index)
    return report


SCENARIOS: dict[str, Callable[..., Any]] = {"gallery": _review_gallery, "index": _deps_with_index}


def score_gallery(expected: list[list[tuple[int, str]]], found: list[Any]) -> dict[str, Any]:
    """Recall overall and per rule, and the share of reported findings that are wrong."""
    want = {(number, line, rule) for number, pairs in enumerate(expected) for line, rule in pairs}
    got = {(number, int(line), str(rule)) for number, pairs in enumerate(found) for line, rule in pairs}
    per_rule = {}
    for rule in RULES:
        of_rule = {item for item in want if item[2] == rule}
        if of_rule:
            per_rule[rule] = len(of_rule & got) / len(of_rule)
    return {"recall": len(want & got) / len(want) if want else 1.0, "per_rule": per_rule,
            "wrong": len(got - want) / len(got) if got else 0.0}


def gallery_expectation(sources: list[str]) -> Expectation:
    expected = [[(item["line"], item["rule"]) for item in fixed_review(source)] for source in sources]

    def judge(found: Any) -> bool:
        score = score_gallery(expected, found)
        return (score["recall"] >= RECALL and all(value >= RULE_RECALL for value in score["per_rule"].values())
                and score["wrong"] <= WRONG)

    def explain(outcome: Any) -> str:
        if "value" not in outcome:
            return "did not return findings for the gallery"
        score = score_gallery(expected, outcome["value"])
        weak = sorted(rule for rule, value in score["per_rule"].items() if value < RULE_RECALL)
        return (f"found {score['recall']:.0%} of the findings, {score['wrong']:.0%} of yours wrong"
                + (f"; rules below 75%: {', '.join(weak)}" if weak else ""))

    return satisfies(judge, f"find ≥90% of {sum(map(len, expected))} findings (≥75% per rule), ≤10% wrong",
                     lambda outcome: explain(outcome))


def deps_expectation(requirements: str, index: list[str]) -> Expectation:
    expected = fixed_unknown_dependencies(requirements, set(index))

    def judge(report: Any) -> bool:
        return (report["raised"] is None and report["returned"] == expected and report.get("is_list") is True
                and report["index_unchanged"] is True)

    return satisfies(judge, f"return the list {expected!r} and leave the index unchanged")


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for category, source in corpus.get("review", []):
        found.append(Case("review.works", category, "review", (source,), returns(fixed_review(source)),
                          public=public))
    for source in corpus.get("unparseable", []):
        found.append(Case("review.works", "unparseable", "review", (source,), raises("ValueError"), public=public))
    gallery = corpus.get("review_corpus", [])
    if gallery:
        found.append(Case("review.attack", "coverage", "review", (list(gallery),), gallery_expectation(gallery),
                          public=public, scenario="gallery",
                          shown=f"review(...) on each of a gallery of {len(gallery)} snippets"))
    for key, part in (("dependencies", "unknown_dependencies.works"),
                      ("dependencies_tricky", "unknown_dependencies.attack")):
        for category, requirements, index in corpus.get(key, []):
            found.append(Case(part, category, "unknown_dependencies", (requirements, sorted(index)),
                              deps_expectation(requirements, index), public=public, scenario="index",
                              shown=f"unknown_dependencies({requirements!r}, {set(index)!r})"))
    return found


_INDEX = ["requests", "flask", "Flask-Login", "pyyaml", "numpy", "django", "zope.interface"]


def public_corpus() -> dict[str, list[Any]]:
    return {
        "review": [
            ["sql-string", 'def find(cur, name):\n    cur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")\n'],
            ["sql-string", 'def find(db, uid):\n    return db.executemany("DELETE FROM t WHERE id = %s" % uid)\n'],
            ["shell-true", 'import subprocess\n\ndef ping(host):\n    subprocess.run("ping -c1 " + host, '
                           'shell=True)\n'],
            ["shell-true", "import os\nos.system('ls ' + path)\nos.popen(cmd)\n"],
            ["unsafe-yaml", "import yaml\nconf = yaml.load(text)\nsafe = yaml.load(text, Loader=yaml.SafeLoader)\n"
                            "also = yaml.load(text, yaml.CSafeLoader)\nbad = yaml.unsafe_load(text)\n"],
            ["pickle-load", "import pickle\nsession = pickle.loads(cookie)\n"],
            ["tls-off", "import requests, ssl\nr = requests.get(url, verify=False)\n"
                        "ctx = ssl._create_unverified_context()\nctx.check_hostname = False\n"],
            ["jwt-unverified", "import jwt\nclaims = jwt.decode(token, key)\nok = jwt.decode(token, key, "
                               "algorithms=['HS256'])\nbad = jwt.decode(token, key, algorithms=['HS256', 'none'])\n"
                               "off = jwt.decode(token, options={'verify_signature': False}, algorithms=['HS256'])\n"],
            ["weak-password-hash", "import hashlib\ndigest = hashlib.md5(password.encode()).hexdigest()\n"
                                   "ok = hashlib.sha256(file_bytes).hexdigest()\n"
                                   "bad = hashlib.new('sha1', form['pwd'].encode())\n"],
            ["insecure-random", "import random\nreset_token = ''.join(random.choice(ALPHABET) for _ in range(20))\n"
                                "monkey = random.randint(1, 6)\n\ndef new_otp():\n    return str(random.randint(0, "
                                "999999))\n"],
            ["eval", "result = eval(expression)\nexec(code)\nconstant = eval('1 + 1')\n"],
            ["hardcoded-secret", 'SECRET_KEY = "dev"\nconfig = {"db_password": "hunter2", "user": "app"}\n'
                                 'client = Client(api_key="sk-123")\nsettings["token"] = "abc"\nempty_password = ""\n'],
            ["debug-on", "from flask import Flask\napp = Flask(__name__)\nDEBUG = True\napp.run(debug=True)\n"],
            ["clean", "import secrets, subprocess\ntoken = secrets.token_urlsafe(32)\n"
                      "subprocess.run(['ping', '-c1', host], check=True)\ncur.execute('SELECT 1 WHERE x = ?', (x,))\n"],
            ["line-numbers", "import subprocess\nsubprocess.call(\n    cmd,\n    shell=True,\n)\n"
                             "out = subprocess.check_output(cmd, shell=True); eval(out)\n"],
        ],
        "unparseable": ["def broken(:\n    pass\n", "x = 'unterminated\n"],
        "review_corpus": [
            "import subprocess as sp\nsp.Popen(cmd, shell=True)\n",
            "from os import system\nsystem('rm -rf ' + d)\n",
            "cursor.executescript('DROP TABLE {}'.format(t))\nUser.objects.raw('SELECT * FROM u WHERE n=' + n)\n",
            "import yaml\nfor doc in yaml.load_all(stream, Loader=yaml.FullLoader):\n    pass\n",
            "import dill\nobj = dill.load(f)\n",
            "import httpx\nhttpx.Client(verify=False)\n",
            "import jwt\npayload = jwt.decode(t, k, ['none'])\n",
            "import hashlib\nh = hashlib.sha1(user.password).hexdigest()\n",
            "import random\nclass S:\n    def __init__(self):\n        self.sessionKey = random.getrandbits(128)\n",
            "x = exec(compile(src, 'f', 'exec'))\n",
            "class Config:\n    PRIVATE_KEY: str = '-----BEGIN KEY-----'\n",
            "DEBUG = True\n",
            "import random\ntokenizer = random.choice(TOKENIZERS)\n",
        ],
        "dependencies": [
            ["unknown", "requests==2.32.3\nflask\nhuggingface-hub-cli==0.1\n", _INDEX],
            ["unknown", "Flask_Login>=0.6\nzope-interface\nNumPy\nnumpy\n", _INDEX],
            ["unknown", "django-rest-auth-jwt\ndjango_rest_auth.jwt\n", _INDEX],
            ["unknown", "", _INDEX],
        ],
        "dependencies_tricky": [
            ["options", "-r base.txt\n-c constraints.txt\n--index-url https://pypi.example/simple\n"
                        "requests==2.32.3 --hash=sha256:abc\n-e git+https://example.com/x.git#egg=ghostpkg\n", _INDEX],
            ["continuation", "requests==2.32.3 \\\n    --hash=sha256:abc\npyyaml-safe-loader\\\n-plus\n", _INDEX],
            ["markers", "fastapi-security-utils[all]>=1.0 ; python_version >= '3.9'\nflask[async]\n", _INDEX],
            ["urls", "notarealpkg @ https://example.com/notarealpkg-1.0.tar.gz\nhttps://example.com/x-1.0.whl\n"
                     "./local/project\n# ghost-package\nflask  # the web framework\n", _INDEX],
            ["index-unchanged", "Requests\nnew-thing\n", ["Requests", "Flask_Login"]],
        ],
    }


# --- the exploit challenge ---------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay recorded code: is a shell-injection flaw merged by the AI-only gate, and by the fixed pipeline?

    Success means the code has a ``shell-true`` finding (the flaw is real) AND the gate merges it.
    """
    from seclab.topics.ai_code import targets

    if not isinstance(payload, str) or not payload or len(payload) > 20000:
        return {"vulnerable": False, "fixed": False}
    try:
        flawed = any(item["rule"] == "shell-true" for item in targets.fixed_review(payload))
    except ValueError:
        return {"vulnerable": False, "fixed": False}
    return {"vulnerable": flawed and targets.vulnerable_pipeline(payload),
            "fixed": flawed and targets.fixed_pipeline(payload)}

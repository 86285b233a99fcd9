"""Spec of exercise 10_ssrf: check_url and next_hop.

Both functions take a ``resolve`` callable, which cannot cross into the grading sandbox.
So every case is a SCENARIO: its arguments are plain data (the URL, and a DNS table
for ``seclab.topics.ssrf.network.table_resolver``), the resolver is built inside the
process that runs the learner's code, and the scenario reports what the function
returned or raised *and* every name it asked the resolver. Where the contract says
``resolve`` must not be called (an IP literal), or must be called exactly once with
``urlsplit(url).hostname`` (an accepted name), the judge checks that record.

Corpus entries (``public_corpus()`` and ``autograder/hidden/10_ssrf.json``): a URL
string, or ``[url, table]`` for ``check_url``; ``[current_url, location]`` or
``[current_url, location, table]`` for ``next_hop``. The corpus key names the failure
category; the expected outcome is what the reference solution
(``targets.fixed_check_url``/``fixed_next_hop``) does with a fresh resolver.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

from seclab.outcomes import NotPlainError, to_plain
from seclab.spec import Case, Expectation, Part, satisfies
from seclab.topics.ssrf.network import TableResolver, table_resolver

PARTS = {
    part.name: part
    for part in [
        Part("check_url.works", "check_url",
             "check_url returns the address to connect to for public URLs and refuses names that do not resolve"),
        Part("check_url.attack", "check_url",
             "check_url refuses internal addresses in every spelling, odd schemes, userinfo, bad ports and "
             "hidden characters, and resolves once"),
        Part("next_hop.works", "next_hop", "next_hop joins a redirect's location and returns (URL, address)"),
        Part("next_hop.attack", "next_hop",
             "next_hop refuses redirects to internal addresses, https-to-http downgrades and hidden characters"),
    ]
}

HINTS = {
    "accept": "Return the first address exactly as resolve returned it, after one call to resolve with "
              "urlsplit(url).hostname. http and https in any case, any path, query or fragment, and a port of "
              "1-5 digits are all fine.",
    "literal": "An IP literal is its own address: a bracketed IPv6 address, or any IPv4 form socket.inet_aton "
               "accepts (2130706433, 0x7f.1, 127.1). Do not call resolve for it, and return str() of the "
               "ipaddress object.",
    "dns-failure": "When resolve raises (any exception), returns an empty list, or returns a string "
                   "ipaddress.ip_address cannot parse, raise ValueError.",
    "scheme": "Only http and https (urlsplit gives the scheme in lower case): file:, gopher:, ftp: and URLs "
              "without a scheme raise ValueError.",
    "malformed": "A URL without a host, one urlsplit cannot parse, or a bracketed host that is not an IPv6 "
                 "address raises ValueError (without calling resolve for a bracketed host).",
    "userinfo": "Refuse any '@' in the authority (urlsplit(url).netloc), even with an empty user name: URL parsers "
                "disagree about which side of the '@' is the host.",
    "port": "A port is 1 to 5 ASCII digits with a value from 1 to 65535 (re.fullmatch('[0-9]{1,5}', ...)): a colon "
            "without digits, '+80', full-width digits and 0 are refused. Read it from the netloc text; "
            "urlsplit's .port is more forgiving.",
    "raw-characters": "Check the raw URL before you parse it: urlsplit silently removes tabs and newlines. Refuse "
                      "a backslash, every character whose isspace() is true, and control characters "
                      "(unicodedata.category(c) == 'Cc').",
    "internal-literal": "Judge the address, not its spelling: turn a literal into an ipaddress object (socket.inet_aton "
                        "for IPv4 forms) and require is_global and not is_multicast, without calling resolve.",
    "embedded-ipv4": "IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), 6to4 (2002::/16) and NAT64 "
                     "(64:ff9b::/96) addresses are judged by the IPv4 address inside them (ipv4_mapped, sixtofour, "
                     "or the last 32 bits), which must be global and not multicast.",
    "internal-name": "Check every address resolve returns, not only the first, and not the name: a name can point "
                     "at 127.0.0.1, 169.254.169.254, ::1 or an IPv4-mapped address.",
    "rebinding": "Call resolve exactly once, check every answer, and return the first address of that same answer: "
                 "a second lookup may answer differently (DNS rebinding).",
    "redirect": "Join with urllib.parse.urljoin(current_url, location), check the result like check_url and return "
                "the tuple (joined URL, address).",
    "raw-location": "Refuse the raw location before joining when it holds a backslash, whitespace or a control "
                    "character: urljoin would quietly drop some of them.",
    "downgrade": "From an https URL, refuse a redirect whose joined URL is http (compare the lower-case schemes "
                 "urlsplit gives).",
    "redirect-target": "The joined URL must pass every rule of check_url: check it with your check_url.",
}

#: corpus key -> (part, category) ; the key's entries are URLs for check_url, redirects for next_hop
CHECK_URL_KEYS = {
    "accept": "check_url.works", "literal": "check_url.works", "dns_failure": "check_url.works",
    "scheme": "check_url.attack", "malformed": "check_url.attack", "userinfo": "check_url.attack",
    "port": "check_url.attack", "raw_characters": "check_url.attack", "internal_literal": "check_url.attack",
    "embedded_ipv4": "check_url.attack", "internal_name": "check_url.attack", "rebinding": "check_url.attack",
}
NEXT_HOP_KEYS = {
    "redirect": "next_hop.works", "raw_location": "next_hop.attack", "downgrade": "next_hop.attack",
    "redirect_target": "next_hop.attack",
}


# --- scenarios: build the resolver inside the process that runs the learner's code ---------

def _report(call: Callable[[], Any], resolver: TableResolver) -> dict[str, Any]:
    """What ``call()`` returned or raised, and which names it asked ``resolver``, as plain data."""
    report: dict[str, Any] = {"returned": None, "raised": None}
    try:
        value = call()
    except NotImplementedError:
        raise  # not written yet: check() says so
    except Exception as error:  # the learner's code may raise anything; it is part of the result
        report["raised"] = [klass.__name__ for klass in type(error).__mro__
                            if klass not in (Exception, BaseException, object)]
    else:
        report["is_tuple"] = type(value) is tuple
        try:
            report["returned"] = to_plain(value)
        except NotPlainError:
            report["returned"] = "<not plain data>"
    report["resolve_calls"] = list(resolver.calls)
    return report


def _check_url_with_dns(namespace: dict[str, Any], url: str, table: dict[str, Any]) -> dict[str, Any]:
    resolver = table_resolver(table)
    report = _report(lambda: namespace["check_url"](url, resolver), resolver)
    report.pop("is_tuple", None)
    return report


def _next_hop_with_dns(namespace: dict[str, Any], current_url: str, location: str,
                       table: dict[str, Any]) -> dict[str, Any]:
    resolver = table_resolver(table)
    return _report(lambda: namespace["next_hop"](current_url, location, resolver), resolver)


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {"fake DNS": _check_url_with_dns,
                                           "fake DNS redirect": _next_hop_with_dns}


# --- expected outcomes, from the reference solution -----------------------------------------

def is_literal_host(url: str) -> bool:
    """Is the host of ``url`` an IP literal (bracketed, or an IPv4 form inet_aton accepts)?"""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.netloc.rpartition("@")[2].startswith("["):
        return True
    if not host:
        return False
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    return True


def _calls_text(calls: list[str]) -> str:
    return "without calling resolve" if not calls else f"calling resolve once, with {calls[0]!r}"


def _accepted(expected: Any, calls: list[str], as_tuple: bool) -> Expectation:
    def judge(report: Any) -> bool:
        return (report["raised"] is None and report["returned"] == expected
                and report["resolve_calls"] == calls and (not as_tuple or report.get("is_tuple") is True))

    shown = tuple(expected) if as_tuple else expected
    return satisfies(judge, f"return {'the tuple ' if as_tuple else ''}{shown!r}, {_calls_text(calls)}")


def _refused(literal: bool) -> Expectation:
    def judge(report: Any) -> bool:
        return "ValueError" in (report["raised"] or ()) and (not literal or report["resolve_calls"] == [])

    return satisfies(judge, "raise ValueError" + (" without calling resolve" if literal else ""))


def expected_check_url(url: str, table: dict[str, Any]) -> Expectation:
    from seclab.topics.ssrf.targets import fixed_check_url

    resolver = table_resolver(table)
    try:
        address = fixed_check_url(url, resolver)
    except ValueError:
        return _refused(is_literal_host(url))
    return _accepted(address, list(resolver.calls), as_tuple=False)


def expected_next_hop(current_url: str, location: str, table: dict[str, Any]) -> Expectation:
    from seclab.topics.ssrf.targets import fixed_next_hop, has_forbidden_character

    resolver = table_resolver(table)
    try:
        joined, address = fixed_next_hop(current_url, location, resolver)
    except ValueError:
        literal = not has_forbidden_character(location) and is_literal_host(_joined(current_url, location))
        return _refused(literal)
    return _accepted([joined, address], list(resolver.calls), as_tuple=True)


def _joined(current_url: str, location: str) -> str:
    try:
        return urljoin(current_url, location)
    except ValueError:
        return ""


def check_url_entry(entry: Any) -> tuple[str, dict[str, Any]]:
    """A corpus entry as (url, dns table)."""
    if isinstance(entry, str):
        return entry, {}
    url, table = entry
    return url, dict(table)


def next_hop_entry(entry: Any) -> tuple[str, str, dict[str, Any]]:
    """A corpus entry as (current_url, location, dns table)."""
    current_url, location, *rest = entry
    return current_url, location, dict(rest[0]) if rest else {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for key, part in CHECK_URL_KEYS.items():
        for entry in corpus.get(key, []):
            url, table = check_url_entry(entry)
            found.append(Case(part, key.replace("_", "-"), "check_url", (url, table), expected_check_url(url, table),
                              public=public, scenario="fake DNS"))
    for key, part in NEXT_HOP_KEYS.items():
        for entry in corpus.get(key, []):
            current_url, location, table = next_hop_entry(entry)
            found.append(Case(part, key.replace("_", "-"), "next_hop", (current_url, location, table),
                              expected_next_hop(current_url, location, table), public=public,
                              scenario="fake DNS redirect", needs=("check_url",)))
    return found


_PUBLIC_SITE = {"www.public.example": ["93.184.216.34"]}
_PUBLIC_SITE_DUAL = {"www.public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]}


def public_corpus() -> dict[str, list[Any]]:
    site, dual = _PUBLIC_SITE, _PUBLIC_SITE_DUAL
    return {
        "accept": [
            ["http://www.public.example/", site],
            ["HTTPS://WWW.Public.Example/news?id=7#top", dual],
            ["https://ipv6.public.example:8443/", {"ipv6.public.example": ["2606:2800:220:1:248:1893:25c8:1946"]}],
            ["http://www.public.example:00080/users/@alice", site],
            ["https://www.public.example:65535/?next=http://127.0.0.1/", site],
        ],
        "literal": [
            "http://8.8.8.8/", "http://134744072/", "http://0x8.0x8.0x8.0x8/", "http://010.010.010.010/",
            "http://8.526344/", "https://[2001:4860:4860:0:0:0:0:8888]:443/", "http://[2606:4700:4700::1111]/",
        ],
        "dns_failure": [
            ["http://nowhere.example/", {}],
            ["http://empty.example/", {"empty.example": []}],
            ["http://slow.example/", {"slow.example": {"error": "timeout"}}],
            ["http://broken.example/", {"broken.example": ["not-an-address"]}],
        ],
        "scheme": ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", ["ftp://www.public.example/", site],
                   ["//www.public.example/", site], ["httpx://www.public.example/", site]],
        "malformed": ["http:///etc/passwd", "http://", ["http:www.public.example", site], "http://[::1",
                      "http://[v1.fe]/"],
        "userinfo": [["http://www.public.example@169.254.169.254/", site], ["http://@www.public.example/", site],
                     ["https://alice:secret@www.public.example/", site]],
        "port": [["http://www.public.example:0/", site], ["http://www.public.example:65536/", site],
                 ["http://www.public.example:123456/", site], ["http://www.public.example:/", site],
                 ["http://www.public.example:+80/", site], ["http://www.public.example:\uff18\uff10/", site]],
        "raw_characters": [["http://www.public.example\\@169.254.169.254/", site],
                           ["http://www.pub\tlic.example/", site], ["http://www.public.example/\n", site],
                           [" http://www.public.example/", site], ["http://www.public.example/a b", site],
                           ["http://www.public.example/\x00", site], ["http://www.public.example/\u3000", site]],
        "internal_literal": ["http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/",
                             "http://127.1/", "http://0/", "http://169.254.169.254/latest/meta-data/",
                             "http://10.0.0.1/", "http://192.168.1.1/", "http://[::1]/", "http://[::]/",
                             "http://[fd00:ec2::254]/", "http://224.0.0.1/", "http://[ff0e::1]/"],
        "embedded_ipv4": ["http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[::127.0.0.1]/",
                          "http://[2002:a9fe:a9fe::]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[::ffff:8.8.8.8]/",
                          "http://[64:ff9b::808:808]/"],
        "internal_name": [["http://localhost/", {"localhost": ["127.0.0.1", "::1"]}],
                          ["http://localhost./", {"localhost.": ["127.0.0.1"]}],
                          ["http://metadata.attacker.example/", {"metadata.attacker.example": ["169.254.169.254"]}],
                          ["http://mixed.attacker.example/", {"mixed.attacker.example": ["93.184.216.34", "10.0.0.5"]}],
                          ["http://v6.attacker.example/", {"v6.attacker.example": ["::ffff:127.0.0.1"]}]],
        "rebinding": [["http://rebind.attacker.example/",
                       {"rebind.attacker.example": {"rebind": [["93.184.216.34"], ["169.254.169.254"]]}}],
                      ["http://rebind.attacker.example/",
                       {"rebind.attacker.example": {"rebind": [["169.254.169.254"], ["93.184.216.34"]]}}]],
        "redirect": [
            ["https://www.public.example/a/b", "/c", site],
            ["https://www.public.example/a/b?x=1", "?page=2", site],
            ["https://www.public.example/a/b", "../c", site],
            ["http://www.public.example/", "https://www.public.example/login", site],
            ["https://www.public.example/", "//cdn.public.example/logo.png", {"cdn.public.example": ["93.184.216.35"]}],
            ["https://www.public.example/", "https://8.8.8.8/"],
            ["http://www.public.example/a", "", site],
        ],
        "raw_location": [["https://www.public.example/", "/a\tb", site], ["https://www.public.example/", " /next", site],
                         ["https://www.public.example/", "/next\r\n", site],
                         ["https://www.public.example/", "\\\\www.public.example/", site],
                         ["https://www.public.example/", "/\x00", site]],
        "downgrade": [["https://www.public.example/", "http://www.public.example/", site],
                      ["https://www.public.example/", "HTTP://8.8.8.8/"]],
        "redirect_target": [
            ["https://www.public.example/", "https://169.254.169.254/latest/meta-data/", site],
            ["http://www.public.example/", "http://2130706433/", site],
            ["https://www.public.example/", "//[::ffff:a9fe:a9fe]/", site],
            ["https://www.public.example/", "https://www.public.example@169.254.169.254/", site],
            ["https://www.public.example/", "file:///etc/passwd", site],
            ["http://www.public.example/", "//localhost/", {"localhost": ["127.0.0.1"]}],
            ["http://www.public.example/", "gopher://www.public.example:70/_x", site],
        ],
    }


# --- the exploit challenge ---------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded URL at the blocklist preview and the fixed one, in a fresh demo network.

    Success: the preview shows the metadata service's credentials. Bounded in time by
    the demo client's time-outs and redirect limit.
    """
    from seclab.topics.ssrf import attacks
    from seclab.topics.ssrf.targets import blocklist_preview, demo_world, fixed_preview

    if not isinstance(payload, str) or not payload or len(payload) > 2000:
        return {"vulnerable": False, "fixed": False}
    with demo_world() as world:
        return {"vulnerable": attacks.steal_metadata(blocklist_preview, payload, world).succeeded,
                "fixed": attacks.steal_metadata(fixed_preview, payload, world).succeeded}

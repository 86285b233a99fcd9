"""Serving any lesson's demo application on loopback: the context manager and the CLI."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from seclab.targets import create, running, servable_targets

TARGETS = servable_targets()


def test_server_is_gone_after_the_block():
    with running("sqli-fixed") as base_url:
        port = int(base_url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_stdlib_handler_is_served_on_loopback_and_gone_after_the_block(tmp_path):
    import functools
    from http.server import SimpleHTTPRequestHandler

    from seclab.server import http_request, serve_handler

    (tmp_path / "hello.txt").write_text("hello")
    with serve_handler(functools.partial(SimpleHTTPRequestHandler, directory=tmp_path)) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert http_request("GET", base_url + "/hello.txt").text == "hello"
        port = int(base_url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_unknown_target_names_the_known_ones():
    with pytest.raises(KeyError, match="sqli-vulnerable"):
        create("no-such-target")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_cli_serves_target_on_loopback(name):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "seclab.targets", "serve", name, "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        deadline = time.monotonic() + 10
        while True:
            try:
                status = _status(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.1)
        assert 200 <= status < 500, "the target answered with a server error"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_cli_lists_targets():
    listed = subprocess.run([sys.executable, "-m", "seclab.targets", "list"], capture_output=True, text=True, check=True)
    assert all(name in listed.stdout for name in TARGETS)


def test_closing_a_server_is_quick():
    """Lessons open and close many servers: leaving a ``serve`` block must not wait half a second."""
    from seclab.server import serve

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b""]

    started = time.perf_counter()
    for _ in range(5):
        with serve(app):
            pass
    assert (time.perf_counter() - started) / 5 < 0.25

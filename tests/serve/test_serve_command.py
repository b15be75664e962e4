"""`wp serve` as a command: which models it serves, the line it prints, the browser, the warning for
a public address and the Host check on loopback (promise 5 of docs/robustness.md), its errors,
and stopping on Ctrl-C or SIGTERM without a traceback."""

import ipaddress
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from gensim.test.utils import datapath

from tests.conftest import ROOT, assert_clean_error
from wp.cli import main
from wp.server import addresses, running

FIXTURE = datapath("test_glove.txt")
START_S = 30


@pytest.fixture
def serving(monkeypatch):
    """Run `wp serve` in this process up to the point of serving: returns what it would serve and open."""
    seen = {"opened": []}

    class Server:
        def __init__(self, on_ready):
            self.on_ready = on_ready

        def run(self, sockets):
            seen["address"] = sockets[0].getsockname()
            self.on_ready()

    def create_app(loaded, allowed_hosts=None, vectors=None):
        seen["models"] = [(Path(model.name).name, model.lm is not None) for model in loaded]
        seen["hosts"], seen["vectors"] = allowed_hosts, vectors
        return "app"

    monkeypatch.setattr("wp.server.app.create_app", create_app)
    monkeypatch.setattr(running, "server", lambda app, on_ready, should_stop: Server(on_ready))
    monkeypatch.setattr(running.webbrowser, "open", lambda url: seen["opened"].append(url) or True)
    return seen


@pytest.mark.parametrize("before, after, expected", [
    ([], ["--model", FIXTURE], [("test_glove.txt", False)]),
    (["--model", FIXTURE], [], [("test_glove.txt", False)]),
    ([], ["--model", FIXTURE, "--model", "CHUCK"], [("test_glove.txt", False), ("chuck.json", True)]),
    (["--model", "CHUCK"], ["--model", FIXTURE], [("chuck.json", True), ("test_glove.txt", False)]),
])
def test_models_before_and_after_the_subcommand(run, serving, chuck_model, before, after, expected):
    argv = [str(chuck_model) if a == "CHUCK" else a for a in before + ["serve", "--port", "0", "--no-browser"] + after]
    code, out, err = run(main, *argv)
    assert code == 0, err
    assert serving["models"] == expected
    host, port = serving["address"]
    assert out == f"Serving on http://127.0.0.1:{port}/\n" and host == "127.0.0.1" and port > 0
    assert err == ""


def test_vectors_choose_for_the_tlm_model_beside_a_vector_file(run, serving, chuck_model):
    code, _, err = run(main, "serve", "--port", "0", "--no-browser", "--model", FIXTURE, "--model", chuck_model,
                       "--vectors", "W")
    assert code == 0, err
    assert serving["models"] == [("test_glove.txt", False), ("chuck.json", True)] and serving["vectors"] == "W"


def test_vectors_with_no_tlm_model_to_choose_for_are_refused(run, monkeypatch):
    monkeypatch.setattr(running, "server", lambda app, on_ready, should_stop: pytest.fail("served"))
    code, _, err = run(main, "serve", "--port", "0", "--no-browser", "--model", FIXTURE, "--vectors", "W")
    assert_clean_error(code, err, "wp", "test_glove.txt has one vector per word; --vectors W chooses among the "
                                        "matrices of a tlm model")


def test_the_model_from_the_environment(run, serving, monkeypatch):
    monkeypatch.setenv("WP_MODEL", FIXTURE)
    assert run(main, "serve", "--port", "0", "--no-browser")[0] == 0
    assert serving["models"] == [("test_glove.txt", False)]


def test_three_models_are_refused_before_loading_any(run, serving):
    code, _, err = run(main, "--model", FIXTURE, "serve", "--model", FIXTURE, "--model", "missing.txt")
    assert_clean_error(code, err, "wp", "at most 2 models side by side, got 3")


def test_the_browser_opens_only_with_a_display(run, serving, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert run(main, "--model", FIXTURE, "serve", "--port", "0")[0] == 0
    assert serving["opened"] == []
    monkeypatch.setenv("DISPLAY", ":0")
    assert run(main, "--model", FIXTURE, "serve", "--port", "0", "--no-browser")[0] == 0
    assert serving["opened"] == []
    code, out, _ = run(main, "--model", FIXTURE, "serve", "--port", "0")
    assert code == 0 and serving["opened"] == [out.split()[-1]]


def test_a_public_address_is_warned_about(run, serving):
    code, out, err = run(main, "--model", FIXTURE, "serve", "--host", "0.0.0.0", "--port", "0", "--no-browser")
    assert code == 0 and out.startswith("Serving on http://0.0.0.0:")
    assert err == "wp: warning: listening on 0.0.0.0: anyone who can reach this port can query the models\n"


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_every_address_prints_the_urls_students_can_type(run, serving, host):
    code, out, err = run(main, "--model", FIXTURE, "serve", "--host", host, "--port", "0", "--no-browser")
    assert code == 0 and err.startswith("wp: warning: listening on")
    first, *rest = out.splitlines()
    port = int(first.rsplit(":", 1)[1].rstrip("/"))
    assert rest, "this machine has a network address, which should be printed"
    for line in rest:
        shown = line.removeprefix("Reachable from other machines at http://").removesuffix(f":{port}/")
        address = ipaddress.ip_address(shown.strip("[]"))
        assert not address.is_loopback and (address.version == 4 or host == "::"), line
        with socket.socket(socket.AF_INET6 if address.version == 6 else socket.AF_INET) as s:
            s.bind((str(address), 0))  # only an address of this machine can be bound


def test_one_network_address_prints_only_itself(run, serving):
    address = addresses.network_addresses(ipv6=False)[0]
    code, out, _ = run(main, "--model", FIXTURE, "serve", "--host", address, "--port", "0", "--no-browser")
    assert code == 0 and out.startswith(f"Serving on http://{address}:") and len(out.splitlines()) == 1


@pytest.mark.parametrize("argv, needles", [
    (["--host", "no-such-host.invalid"], ["cannot listen on 'no-such-host.invalid'"]),
    (["--host", "192.0.2.1"], ["cannot listen on 192.0.2.1:8000: Cannot assign requested address"]),
    (["--port", "65536"], ["--port: must be at most 65,535"]),
    (["--port", "-1"], ["--port: must be at least 0"]),
    (["--host", ""], ["--host: must not be empty"]),
])
def test_bad_address(run, serving, argv, needles):
    code, _, err = run(main, "--model", FIXTURE, "serve", "--no-browser", *argv)
    assert code != 0 and len(err.strip().splitlines()) == 1
    assert all(needle in err for needle in needles), err


def test_a_port_in_use(run, serving):
    with running.listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        code, _, err = run(main, "--model", FIXTURE, "serve", "--port", port, "--no-browser")
    assert_clean_error(code, err, "wp", f"cannot listen on 127.0.0.1:{port}", "Address already in use",
                       "choose another --port (0 picks a free one)")


@pytest.mark.slow
@pytest.mark.parametrize("stop, status, said", [
    ([signal.SIGINT], 130, "wp: interrupted"),
    ([signal.SIGINT, signal.SIGINT], 130, "wp: interrupted"),  # Ctrl-C under `uv run` arrives twice
    ([signal.SIGTERM], 143, "wp: terminated"),
])
def test_serves_until_stopped_then_exits_cleanly(tmp_path, stop, status, said):
    wp = os.path.join(os.path.dirname(sys.executable), "wp")
    process = subprocess.Popen([wp, "serve", "--model", FIXTURE, "--port", "0"], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "WP_CACHE_DIR": str(tmp_path), "DISPLAY": ""})
    try:
        assert select.select([process.stdout], [], [], START_S)[0], "wp serve printed nothing"
        line = process.stdout.readline()  # the first line comes once the server is ready
        assert line.startswith("Serving on http://127.0.0.1:"), line
        answer = httpx.get(f"{line.split()[-1]}api/similar?word=he&n=1", timeout=10)
        assert answer.status_code == 200 and answer.json()["neighbours"][0]["word"] == "his"
        for signum in stop:
            process.send_signal(signum)
            time.sleep(0.05)
        out, err = process.communicate(timeout=START_S)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == status
    assert out == "" and err.strip() == said, err


def wp_serve(tmp_path, *argv, model=FIXTURE, prefix="exec "):
    """Start `wp serve` on a free port through bash (so `prefix` may set a ulimit first)."""
    wp = os.path.join(os.path.dirname(sys.executable), "wp")
    command = " ".join(f"'{a}'" for a in [wp, "serve", "--model", model, "--port", "0", "--no-browser", *argv])
    return subprocess.Popen(["bash", "-c", prefix + command], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "WP_CACHE_DIR": str(tmp_path), "DISPLAY": ""})


@pytest.mark.slow
def test_sigterm_the_moment_the_address_is_printed(tmp_path):
    """The server is ready (uvicorn's own handlers in place) when it says so: no window for a traceback."""
    for _ in range(3):
        process = wp_serve(tmp_path)
        try:
            assert select.select([process.stdout], [], [], START_S)[0], "wp serve printed nothing"
            process.stdout.read(1)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=START_S)
        finally:
            process.kill()
            process.wait()
        assert process.returncode == 143 and err.strip() == "wp: terminated", err


@pytest.mark.slow
def test_other_host_names_are_refused_on_loopback(tmp_path):
    process = wp_serve(tmp_path)
    try:
        assert select.select([process.stdout], [], [], START_S)[0], "wp serve printed nothing"
        url = process.stdout.readline().split()[-1]
        assert httpx.get(f"{url}api/models", timeout=10).status_code == 200
        assert httpx.get(f"{url}api/models", headers={"Host": "localhost"}, timeout=10).status_code == 200
        assert httpx.get(f"{url}api/models", headers={"Host": "evil.example"}, timeout=10).status_code == 400
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=START_S)


def test_the_host_names_a_loopback_server_answers():
    from tests.serve.serving import live
    from wp import models
    from wp.server.app import create_app

    with live(create_app([models.load(FIXTURE)], allowed_hosts=running.local_names("127.0.0.1"))) as url:
        for header, status in (("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200),
                               ("evil.example:8000", 400)):
            assert httpx.get(f"{url}api/models", headers={"Host": header}, timeout=10).status_code == status, header


@pytest.mark.slow
def test_ctrl_c_while_a_large_model_is_read_stops_at_once(tmp_path):
    """Reading a new vector file takes seconds per 100 MB: a Ctrl-C then stops wp serve at once,
    as it stops any wp command, instead of waiting for the whole file."""
    row = b" " + b" ".join(b"0.12345" for _ in range(50)) + b"\n"
    big = tmp_path / "big.txt"
    big.write_bytes(b"".join(b"w%d" % i + row for i in range(600_000)))  # ~5 s to read here
    process = wp_serve(tmp_path, model=big)
    try:
        time.sleep(1.5)  # the imports are done, the file is being read
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = process.communicate(timeout=START_S)
        waited = time.monotonic() - sent
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130 and out == "" and err.strip() == "wp: interrupted", err
    assert waited < 1.0

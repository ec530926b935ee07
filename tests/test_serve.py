"""``fastmicro serve``, ``fastmicro run`` and ``app.run()`` as real
processes: started on a free loopback port, queried over HTTP, stopped
with a signal."""
from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import time
import typing as t
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: A self-signed certificate for localhost and 127.0.0.1 (valid until 2126)
#: and its key, for the TLS tests only: ``openssl req -x509 -newkey rsa:2048
#: -nodes -keyout localhost.key -out localhost.crt -days 36500 -subj
#: /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1``.
TLS_CERT = REPO / "tests" / "tls" / "localhost.crt"
TLS_KEY = REPO / "tests" / "tls" / "localhost.key"

APP = """\
import os

from fastmicro import Flask, request


def create_app(greeting="Hello"):
    app = Flask(__name__)

    @app.route("/")
    def index():
        return f"{greeting}, {request.args.get('name', 'World')}! pid={os.getpid()}"

    return app
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A child process with its output in a file (a pipe could fill up
    and block it). ``own_group``: in a process group of its own, as a shell
    starts a command, so a signal can reach it and every process it starts
    (the reloader's child)."""

    def __init__(
        self, args: list[str], cwd: Path, env_extra: dict[str, str] | None = None, own_group: bool = False
    ) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        for name in ("FASTMICRO_APP", "FASTMICRO_DEBUG", "FASTMICRO_RUN_FROM_CLI", "WERKZEUG_RUN_MAIN"):
            env.pop(name, None)
        env.update(env_extra or {})
        self.log_path = cwd / f"server-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")
        self.own_group = own_group
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=own_group,
        )

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, url: str, deadline: float = 30.0, context: ssl.SSLContext | None = None) -> str:
        """GET ``url``, retrying while the server starts."""
        end = time.monotonic() + deadline
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5, context=context) as response:
                    assert response.status == 200
                    return response.read().decode()
            except urllib.error.HTTPError:
                raise
            except (urllib.error.URLError, ConnectionError):
                if self.proc.poll() is not None:
                    pytest.fail(f"server exited with {self.proc.returncode}:\n{self.output}")
                if time.monotonic() > end:
                    pytest.fail(f"server did not answer in {deadline}s:\n{self.output}")
                time.sleep(0.1)

    def wait_for_workers(self, server: str, count: int) -> None:
        """Wait until ``count`` workers have started. A gunicorn worker
        signalled between its fork and installing its own handlers misses
        the SIGTERM and is only killed after the graceful timeout."""
        pattern = r"Booting worker with pid" if server == "gunicorn" else r"Started worker-\d"
        end = time.monotonic() + 30
        while len(re.findall(pattern, self.output)) < count:
            assert time.monotonic() < end, self.output
            time.sleep(0.05)
        time.sleep(0.3)  # from the log line to the worker's signal handlers

    def get_until(self, url: str, done: t.Callable[[str], bool], deadline: float = 30.0) -> str:
        """GET ``url`` until the body satisfies ``done`` (the server may
        restart in between)."""
        end = time.monotonic() + deadline
        while True:
            body = self.get(url, deadline=max(0.1, end - time.monotonic()))
            if done(body):
                return body
            if time.monotonic() > end:
                pytest.fail(f"no matching answer in {deadline}s (last: {body!r}):\n{self.output}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.own_group:
            os.killpg(self.proc.pid, sig)  # as Ctrl-C in a terminal does
        else:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.own_group:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the reloader's child too
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()


@pytest.fixture
def appdir(tmp_path: Path) -> Path:
    (tmp_path / "svcapp.py").write_text(APP)
    return tmp_path


@pytest.fixture
def start(appdir: Path):
    servers: list[Server] = []

    def starter(*args: str, env: dict[str, str] | None = None, own_group: bool = False) -> Server:
        server = Server(list(args), appdir, env, own_group)
        servers.append(server)
        return server

    yield starter
    for server in servers:
        server.kill()


@pytest.mark.parametrize(
    ("server", "extra", "workers", "threads"),
    [
        ("gunicorn", [], 2, 2),
        ("gunicorn", ["--no-preload"], 1, 1),
        ("granian", [], 2, 1),
        ("granian", ["--no-preload", "--threads", "2", "--graceful-timeout", "5"], 1, 2),
    ],
    ids=["gunicorn", "gunicorn-no-preload", "granian", "granian-no-preload"],
)
def test_serve_answers_and_stops_cleanly(start, server, extra, workers, threads):
    port = free_port()
    args = ["-m", "fastmicro", "--app", "svcapp:create_app('Hi')", "serve", "--server", server]
    args += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", *extra]
    if threads != 1 and "--threads" not in extra:
        args += ["--threads", str(threads)]
    proc = start(*args)

    body = proc.get(f"http://127.0.0.1:{port}/?name=you")
    assert body.startswith("Hi, you! pid=")
    # the app runs in a worker, not in the main process
    assert int(body.rpartition("=")[2]) != proc.proc.pid

    proc.wait_for_workers(server, workers)
    assert proc.stop() == 0
    out = proc.output
    plural = "s" if workers != 1 else ""
    tplural = "s" if threads != 1 else ""
    assert re.search(
        rf"^ \* fastmicro serve: {server} [\d.]+, {workers} worker{plural}, "
        rf"{threads} thread{tplural} each, on http://127\.0\.0\.1:{port}$",
        out,
        re.M,
    ), out
    if server == "gunicorn":
        assert len(re.findall(r"Booting worker with pid", out)) == workers
        assert "Shutting down: Master" in out
    else:
        assert len(re.findall(r"Spawning worker-\d", out)) == workers
        assert "Granian shutdown completed" in out


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_serve_sighup_restarts_workers_with_new_code(start, appdir, server):
    """With --no-preload each worker imports the app, so a graceful restart
    (SIGHUP to the main process) serves the edited code."""
    port = free_port()
    proc = start("-m", "fastmicro", "--app", "svcapp:create_app", "serve", "--server", server,
                 "--workers", "1", "--port", str(port), "--no-preload")
    url = f"http://127.0.0.1:{port}/"
    assert proc.get(url).startswith("Hello, World!")
    proc.wait_for_workers(server, 1)
    (appdir / "svcapp.py").write_text(APP.replace('greeting="Hello"', 'greeting="Reloaded"'))
    proc.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while not proc.get(url).startswith("Reloaded, World!"):
        assert time.monotonic() < deadline, proc.output
        time.sleep(0.2)
    proc.wait_for_workers(server, 2)  # the replacement worker
    assert proc.stop() == 0


def test_serve_defaults_to_gunicorn_with_one_worker_per_core(start):
    port = free_port()
    proc = start("-m", "fastmicro", "--app", "svcapp:create_app", "serve", "--port", str(port))
    assert proc.get(f"http://127.0.0.1:{port}/").startswith("Hello, World!")
    cores = os.cpu_count() or 1
    proc.wait_for_workers("gunicorn", cores)
    assert proc.stop() == 0
    assert "gunicorn" in proc.output
    assert f", {cores} worker{'s' if cores != 1 else ''}, " in proc.output


def test_serve_bad_app_exits_with_message(start):
    proc = start("-m", "fastmicro", "--app", "svcapp:nothing", "serve", "--port", str(free_port()))
    assert proc.proc.wait(timeout=30) == 2
    proc.kill()
    assert "Error: Failed to find attribute 'nothing' in 'svcapp'." in proc.output


def test_run_dev_server(start):
    port = free_port()
    proc = start("-m", "fastmicro", "--app", "svcapp:create_app", "run", "--port", str(port), "--no-reload")
    assert proc.get(f"http://127.0.0.1:{port}/?name=dev").startswith("Hello, dev!")
    assert proc.stop(signal.SIGINT) == 0
    out = proc.output
    assert " * Serving fastmicro app 'svcapp:create_app'" in out
    assert " * Debug mode: off" in out
    assert "WARNING: This is a development server. Do not use it in a production deployment." in out


@pytest.mark.parametrize("how", ["option", "environment"])
def test_run_debug_uses_debugger(start, appdir, how):
    (appdir / "boom.py").write_text(
        "from fastmicro import Flask\napp = Flask(__name__)\n"
        "@app.route('/')\ndef index():\n    raise ValueError('boom')\n"
    )
    port = free_port()
    debug = ["--debug"] if how == "option" else []
    env = {"FASTMICRO_DEBUG": "1"} if how == "environment" else None
    proc = start("-m", "fastmicro", "--app", "boom", *debug, "run", "--port", str(port), "--no-reload", env=env)
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(urllib.error.HTTPError) as info:
        proc.get(url)
    assert info.value.code == 500
    page = info.value.read().decode()
    assert "Werkzeug Debugger" in page and "ValueError: boom" in page
    assert proc.stop(signal.SIGINT) == 0
    assert " * Debug mode: on" in proc.output


def test_app_run_in_a_script(start, appdir):
    port = free_port()
    (appdir / "script.py").write_text(
        textwrap.dedent(
            f"""\
            from svcapp import create_app

            if __name__ == "__main__":
                create_app("Script").run(port={port})
            """
        )
    )
    proc = start("script.py")
    assert proc.get(f"http://127.0.0.1:{port}/").startswith("Script, World!")
    assert proc.stop(signal.SIGINT) == 0
    assert " * Serving fastmicro app 'svcapp'" in proc.output
    assert "WARNING: This is a development server." in proc.output


# -- fastmicro run: the reloader, --extra-files, --exclude-patterns, TLS ----------


def _pid(body: str) -> str:
    return body.rsplit("pid=", 1)[1]


def _touch_later(path: Path, text: str | None = None) -> None:
    """Rewrite ``path`` (or keep its text) with an mtime in the future, so a
    stat reloader sees the change whatever the file system's resolution."""
    if text is not None:
        path.write_text(text)
    later = time.time() + 5
    os.utime(path, (later, later))


def test_run_reloader_restarts_on_a_code_change(start, appdir):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start("-m", "fastmicro", "--app", "svcapp:create_app", "run", "--port", str(port), "--reload",
                 own_group=True)
    first = proc.get(url)
    assert first.startswith("Hello, World!")
    _touch_later(appdir / "svcapp.py", APP.replace('greeting="Hello"', 'greeting="Reloaded"'))
    after = proc.get_until(url, lambda body: body.startswith("Reloaded, World!"))
    assert _pid(after) != _pid(first)  # a new server process
    assert proc.stop(signal.SIGINT) == 0
    out = proc.output
    assert re.search(r" \* Restarting with (stat|watchdog)", out), out
    assert f" * Detected change in '{appdir / 'svcapp.py'}', reloading" in out


WATCHED_APP = """\
import os

import helper_skip  # noqa: F401  (imported, so watched unless excluded)
from fastmicro import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return f"pid={os.getpid()}"
"""


def test_run_reloads_on_extra_files_and_not_on_excluded_ones(start, appdir):
    (appdir / "watched.py").write_text(WATCHED_APP)
    (appdir / "helper_skip.py").write_text("VALUE = 1\n")
    (appdir / "settings.cfg").write_text("value = 1\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    # Two patterns, separated as the option documents; the first matches.
    patterns = os.pathsep.join(["*helper_skip.py", "*.never"])
    proc = start("-m", "fastmicro", "--app", "watched", "run", "--port", str(port), "--reload",
                 "--extra-files", "settings.cfg", "--exclude-patterns", patterns, own_group=True)
    pid = _pid(proc.get(url))

    _touch_later(appdir / "helper_skip.py", "VALUE = 2\n")
    time.sleep(3)  # three intervals of the stat reloader
    assert _pid(proc.get(url)) == pid
    assert "helper_skip.py" not in proc.output

    _touch_later(appdir / "settings.cfg", "value = 2\n")
    proc.get_until(url, lambda body: _pid(body) != pid)
    assert proc.stop(signal.SIGINT) == 0
    assert f" * Detected change in '{appdir / 'settings.cfg'}', reloading" in proc.output
    assert "helper_skip.py" not in proc.output


TLS_CONTEXT_MODULE = f"""\
import ssl

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain({str(TLS_CERT)!r}, {str(TLS_KEY)!r})
"""


@pytest.mark.parametrize("how", ["cert-and-key", "ssl-context"])
def test_run_serves_https(start, appdir, how):
    if how == "cert-and-key":
        tls = ["--cert", str(TLS_CERT), "--key", str(TLS_KEY)]
    else:
        (appdir / "tlsctx.py").write_text(TLS_CONTEXT_MODULE)
        tls = ["--cert", "tlsctx:context"]
    port = free_port()
    proc = start("-m", "fastmicro", "--app", "svcapp:create_app", "run", "--port", str(port), "--no-reload", *tls)
    client = ssl.create_default_context(cafile=str(TLS_CERT))  # verifies the certificate and host
    assert proc.get(f"https://127.0.0.1:{port}/?name=tls", context=client).startswith("Hello, tls!")
    with pytest.raises(urllib.error.URLError) as info:
        # A client that does not trust the certificate refuses the server.
        urllib.request.urlopen(f"https://127.0.0.1:{port}/", timeout=5, context=ssl.create_default_context())
    assert isinstance(info.value.reason, ssl.SSLCertVerificationError)
    assert proc.stop(signal.SIGINT) == 0
    assert f"Running on https://127.0.0.1:{port}" in proc.output


# -- benchmarks/loadtest.py (correctness only; its figures are in benchmarks/README.md)


def _loadtest():
    import importlib.util

    spec = importlib.util.spec_from_file_location("loadtest", REPO / "benchmarks" / "loadtest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["loadtest"]
    return module


WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8000/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.12us  300.00us   9.10ms   90.00%
    Req/Sec    26.20k     1.00k   28.00k    70.00%
  Latency Distribution
     50%  512.00us
     75%  700.00us
     90%    1.20ms
     99%    4.50ms
  130000 requests in 5.00s, 15.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 0
  Non-2xx or 3xx responses: 3
Requests/sec:  26000.50
Transfer/sec:      3.00MB
"""


def test_loadtest_parses_wrk_output():
    sample = _loadtest().parse_wrk(WRK_OUTPUT, 5.0)
    assert (sample.requests, sample.rps) == (130000, 26000.5)
    assert (sample.p50_ms, sample.p90_ms, sample.p99_ms) == (0.512, 1.2, 4.5)
    assert (sample.non_2xx, sample.socket_errors, sample.errors) == (3, 3, 6)


def test_loadtest_runs_targets_under_one_server(tmp_path):
    """One short round with the Python load generator: every target starts,
    answers without errors, and stops cleanly on SIGTERM."""
    out = tmp_path / "result.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "loadtest.py"), "--python", "--targets", "fastmicro,raw",
         "--rounds", "1", "--duration", "1", "--connections", "2", "--requests", "300", "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "load: python, 2 connections" in proc.stdout
    import json

    result = json.loads(out.read_text())
    assert set(result["summary"]) == {"fastmicro", "raw"}
    for name, summary in result["summary"].items():
        assert summary["non_2xx"] == summary["socket_errors"] == 0, name
        assert 0 < summary["requests"] <= 300 + 1, name
    fastmicro_rps, raw_rps = (result["samples"][n][0]["rps"] for n in ("fastmicro", "raw"))
    assert result["summary"]["fastmicro"]["round_ratios"] == [fastmicro_rps / raw_rps]
    assert f"(rounds: {fastmicro_rps / raw_rps:.1%})" in proc.stdout
    assert "FAIL: servers that did not exit cleanly" not in proc.stdout

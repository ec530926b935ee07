"""``fastmicro serve``, ``fastmicro run`` and ``app.run()`` as real
processes: started on a free loopback port, queried over HTTP, stopped
with a signal."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

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
    and block it)."""

    def __init__(self, args: list[str], cwd: Path, env_extra: dict[str, str] | None = None) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        for name in ("FASTMICRO_APP", "FASTMICRO_DEBUG", "FASTMICRO_RUN_FROM_CLI", "WERKZEUG_RUN_MAIN"):
            env.pop(name, None)
        env.update(env_extra or {})
        self.log_path = cwd / f"server-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, *args], cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, url: str, deadline: float = 30.0) -> str:
        """GET ``url``, retrying while the server starts."""
        end = time.monotonic() + deadline
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
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

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self._log.close()

    def kill(self) -> None:
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

    def starter(*args: str, env: dict[str, str] | None = None) -> Server:
        server = Server(list(args), appdir, env)
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

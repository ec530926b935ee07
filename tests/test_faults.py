"""Faults leave the app serving: after each one, the next ordinary request
on a new connection gets the right answer.

The faults: a view that raises (a 500, logged), an exception in an
``after_request``, ``teardown_request`` or ``teardown_appcontext`` hook, a
client that closes the socket halfway through its body, a body shorter than
its ``Content-Length``, a streaming response whose generator raises, an
oversized body or form (413), a leftover body after a 413 on a kept-alive
connection (it must never be read as a request), and a response header name
that would split the header block.

Flask 3.1 is the spec, so each fault runs three ways:

- through the test client on both frameworks (the ``fw`` fixture), where the
  hooks' exact behaviour and the log records are compared;
- over real sockets on 127.0.0.1 against Werkzeug's server in a thread, on
  both frameworks;
- over real sockets against ``fastmicro serve`` (gunicorn, one worker) and
  against the real Flask under gunicorn with the same app, so that what a
  production server does with each fault is Flask's too, and the worker is
  never replaced (its pid does not change).

The app is written out as a module (``APP_SOURCE``) so that the servers in
subprocesses and the in-process tests run the very same code.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from _appfw import fw  # noqa: F401

REPO = Path(__file__).resolve().parents[1]

#: The limits the app sets, small so that an oversized body fits in the
#: socket buffers and the client never blocks while sending it.
MAX_CONTENT_LENGTH = 1000
MAX_FORM_MEMORY_SIZE = 500
MAX_FORM_PARTS = 5

APP_SOURCE = f'''\
"""The app of tests/test_faults.py, written out by it for the servers."""
import importlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def create_app(framework):
    fw = importlib.import_module(framework)
    app = fw.Flask("faultapp", root_path=HERE)
    app.config.update(
        MAX_CONTENT_LENGTH={MAX_CONTENT_LENGTH},
        MAX_FORM_MEMORY_SIZE={MAX_FORM_MEMORY_SIZE},
        MAX_FORM_PARTS={MAX_FORM_PARTS},
    )
    # Every path a view was dispatched for: a leftover body must never
    # become a request.
    app.hits = []

    @app.before_request
    def record():
        app.hits.append(fw.request.path)

    @app.get("/ok")
    def ok():
        return f"ok pid={{os.getpid()}}"

    @app.get("/boom")
    def boom():
        raise ValueError("boom in a view")

    @app.get("/after")
    def after():
        return "after"

    @app.get("/teardown")
    def teardown():
        return "teardown"

    @app.get("/appteardown")
    def appteardown():
        fw.g.fail_app_teardown = True
        return "appteardown"

    @app.post("/data")
    def data():
        return f"data {{len(fw.request.get_data())}}"

    @app.post("/form")
    def form():
        fields = sorted(fw.request.form.items(multi=True))
        return f"form {{fields}} files {{sorted(fw.request.files)}}"

    @app.get("/stream")
    def stream():
        def chunks():
            yield "first,"
            yield "second,"
            raise RuntimeError("the generator failed")

        return chunks()

    @app.get("/badheadername")
    def bad_header_name():
        # Werkzeug checks header values for newlines, not names.
        return "x", 200, {{"X-A\\r\\nSet-Cookie": "injected=1"}}

    @app.after_request
    def failing_after(response):
        if fw.request.path == "/after":
            raise KeyError("after_request failed")
        return response

    @app.teardown_request
    def failing_teardown(exc):
        if fw.request.path == "/teardown":
            raise RuntimeError("teardown_request failed")

    @app.teardown_appcontext
    def failing_app_teardown(exc):
        if fw.g.get("fail_app_teardown"):
            raise LookupError("teardown_appcontext failed")

    return app
'''


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faultapp")
    (folder / "faultapp.py").write_text(APP_SOURCE)
    return folder


@pytest.fixture(scope="module")
def faultapp(app_dir: Path) -> ModuleType:
    """The app module, imported without touching ``sys.path``."""
    spec = importlib.util.spec_from_file_location("faultapp", app_dir / "faultapp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def app(fw, faultapp):
    """Outside testing mode, so errors become 500s as in production."""
    application = faultapp.create_app(fw.__name__)
    assert application.testing is False
    return application


# -- raw HTTP over a socket ---------------------------------------------------------


def http(path: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    """A request in bytes; ``Connection: close`` unless ``headers`` say otherwise."""
    fields = {"Host": "127.0.0.1", "Connection": "close", **(headers or {})}
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


def exchange(port: int, request: bytes, *, hang_up: bool = False) -> bytes:
    """Send ``request``, half-close, and read until the server closes.

    With ``hang_up`` the socket is closed at once instead, without reading:
    a client that goes away in the middle of its body.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        if hang_up:
            return b""
        sock.shutdown(socket.SHUT_WR)
        received = []
        while chunk := sock.recv(65536):
            received.append(chunk)
    return b"".join(received)


def status_of(response: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", response)
    assert match, response[:200]
    return int(match.group(1))


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def head_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[0]


def assert_serving(port: int, pid: int | None = None) -> None:
    """The next ordinary request, on a new connection, gets the right
    answer (from the same worker process when ``pid`` is given)."""
    response = exchange(port, http("/ok"))
    assert status_of(response) == 200, response
    body = body_of(response).decode()
    assert body.startswith("ok pid="), body
    if pid is not None:
        assert body == f"ok pid={pid}", "the worker was replaced"


def multipart(fields: list[tuple[str, str]], boundary: str = "XyZ") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


MULTIPART = "multipart/form-data; boundary=XyZ"
URLENCODED = "application/x-www-form-urlencoded"
TOO_MANY_PARTS = multipart([(f"f{i}", "v") for i in range(MAX_FORM_PARTS + 1)])
BIG_FIELD = multipart([("a", "v" * (MAX_FORM_MEMORY_SIZE + 100))])
SHORT_MULTIPART = multipart([("a", "1")])[:40]  # cut inside the part's headers
#: A body promised at 100 bytes; the client sends 3 and closes the socket.
HUNG_UP = http("/data", "POST", {"Content-Length": "100", "Connection": "keep-alive"}, b"abc")


# -- through the test client, on both frameworks --------------------------------------------


def records(caplog: pytest.LogCaptureFixture, logger: str) -> list[tuple[str, type | None]]:
    """``(message, exception type)`` of the errors ``logger`` logged."""
    return [
        (r.getMessage(), r.exc_info[0] if r.exc_info else None)
        for r in caplog.records
        if r.name == logger and r.levelno >= logging.ERROR
    ]


def test_a_view_that_raises_is_a_logged_500(app, fw, caplog):
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            response = client.get("/boom")
            assert response.status_code == 500
            assert b"<h1>Internal Server Error</h1>" in response.data
            assert client.get("/ok").status_code == 200
    assert records(caplog, "faultapp") == [("Exception on /boom [GET]", ValueError)] * 3
    assert not fw.has_request_context() and not fw.has_app_context()


def test_an_after_request_that_raises_is_a_500_logged_twice(app, fw, caplog):
    """Flask handles the error with ``handle_exception``, whose 500 response
    goes through the ``after_request`` hooks again; when they fail again,
    that is logged and the 500 goes out as it is."""
    calls = []

    @app.after_request
    def count(response):  # registered last, so it runs first
        calls.append(response.status_code)
        return response

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/after")
    assert response.status_code == 500
    assert calls == [200, 500]
    assert records(caplog, "faultapp") == [
        ("Exception on /after [GET]", KeyError),
        ("Request finalizing failed with an error while handling an error", KeyError),
    ]
    assert app.test_client().get("/ok").status_code == 200


def test_an_after_request_that_fails_once_shapes_the_500(app, fw):
    failures = []

    @app.after_request
    def fail_once(response):
        if not failures:
            failures.append(response.status_code)
            raise KeyError("only the first time")
        response.headers["X-Handled"] = "yes"
        return response

    response = app.test_client().get("/ok")
    assert response.status_code == 500
    assert response.headers["X-Handled"] == "yes"
    assert failures == [200]


@pytest.mark.parametrize(
    ("path", "error"),
    [("/teardown", RuntimeError), ("/appteardown", LookupError)],
    ids=["teardown_request", "teardown_appcontext"],
)
def test_a_teardown_that_raises_escapes_the_app(app, fw, path, error):
    """Flask does not catch it: it leaves the WSGI app (the server answers
    500, see the socket tests), the view's response is lost, and the
    contexts are popped all the same."""
    ran = []

    # Teardown hooks run last registered first: this one before the app's
    # failing hook, and one put ahead of the app's hooks after it.
    @app.teardown_request
    def registered_last(exc):
        ran.append("request, registered last")

    app.teardown_request_funcs[None].insert(0, lambda exc: ran.append("request, registered first"))

    @app.teardown_appcontext
    def app_teardown(exc):
        ran.append("appcontext")

    client = app.test_client()
    with pytest.raises(error):
        client.get(path)
    assert not fw.has_request_context() and not fw.has_app_context()
    if error is RuntimeError:
        # The failing hook stops the request teardowns registered before
        # it; the app context's teardowns still run.
        assert ran == ["request, registered last", "appcontext"]
    else:
        # Every request teardown ran; ours ran before the failing app one.
        assert ran == ["request, registered last", "request, registered first", "appcontext"]
    assert client.get("/ok").status_code == 200


def test_a_streaming_generator_that_raises(app, fw):
    response = app.test_client().get("/stream", buffered=False)
    assert response.status_code == 200
    chunks = iter(response.response)
    assert next(chunks) == b"first,"
    assert next(chunks) == b"second,"
    with pytest.raises(RuntimeError, match="the generator failed"):
        next(chunks)
    response.close()
    assert app.test_client().get("/ok").status_code == 200


# -- Werkzeug's server in a thread, on both frameworks ------------------------------


@pytest.fixture
def dev_server(app) -> Iterator[tuple[BaseWSGIServer, int]]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll interval: shutdown() waits for the loop to notice.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server, server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 10.0) -> None:
    """Poll for something another thread or process does after answering."""
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


def logged(caplog: pytest.LogCaptureFixture, logger: str, prefix: str, error: str) -> bool:
    """Whether ``logger`` logged an error whose message starts with
    ``prefix`` and names ``error`` ("Type: message"), in the message (as
    Werkzeug's server writes its tracebacks) or in the exception."""
    for record in caplog.records:
        if record.name != logger or record.levelno < logging.ERROR:
            continue
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f"\n{type(exc).__name__}: {exc}"
        if text.startswith(prefix) and error in text:
            return True
    return False


@dataclass(frozen=True)
class Fault:
    """A request that faults, and what comes back: from Werkzeug's server
    (``dev``) and from gunicorn (``served``), with a body fragment each."""

    name: str
    request: bytes
    dev: tuple[int, bytes]
    served: tuple[int, bytes]


BOOM_PAGE = b"<h1>Internal Server Error</h1>"
BAD_REQUEST = b"<h1>Bad Request</h1>"
TOO_LARGE = b"<h1>Request Entity Too Large</h1>"
GUNICORN_500 = b"Internal Server Error"

FAULTS = [
    Fault("view raises", http("/boom"), (500, BOOM_PAGE), (500, BOOM_PAGE)),
    Fault("after_request raises", http("/after"), (500, BOOM_PAGE), (500, BOOM_PAGE)),
    # A teardown error leaves the WSGI app: the server answers it.
    Fault("teardown_request raises", http("/teardown"), (500, BOOM_PAGE), (500, GUNICORN_500)),
    Fault("teardown_appcontext raises", http("/appteardown"), (500, BOOM_PAGE), (500, GUNICORN_500)),
    # Werkzeug's server leaves the body to Werkzeug, which finds it short;
    # gunicorn marks the input terminated and Werkzeug reads what came.
    Fault(
        "short body, get_data",
        http("/data", "POST", {"Content-Length": "100"}, b"abc"),
        (400, BAD_REQUEST),
        (200, b"data 3"),
    ),
    Fault(
        "short body, urlencoded form",
        http("/form", "POST", {"Content-Length": "100", "Content-Type": URLENCODED}, b"a=1&b=2"),
        (400, BAD_REQUEST),
        (200, b"form [('a', '1'), ('b', '2')] files []"),
    ),
    Fault(
        "short body, multipart form",
        http("/form", "POST", {"Content-Length": "300", "Content-Type": MULTIPART}, SHORT_MULTIPART),
        (400, BAD_REQUEST),
        (200, b"form [] files []"),
    ),
    Fault(
        "body over MAX_CONTENT_LENGTH",
        http("/data", "POST", {"Content-Length": "2000"}, b"x" * 2000),
        (413, TOO_LARGE),
        (413, TOO_LARGE),
    ),
    Fault(
        "Content-Length of 1 GB, 10 bytes sent",
        http("/data", "POST", {"Content-Length": str(10**9)}, b"x" * 10),
        (413, TOO_LARGE),
        (413, TOO_LARGE),
    ),
    Fault(
        "more multipart parts than MAX_FORM_PARTS",
        http("/form", "POST", {"Content-Type": MULTIPART, "Content-Length": str(len(TOO_MANY_PARTS))},
             TOO_MANY_PARTS),
        (413, TOO_LARGE),
        (413, TOO_LARGE),
    ),
    Fault(
        "urlencoded form over MAX_FORM_MEMORY_SIZE",
        http("/form", "POST", {"Content-Type": URLENCODED, "Content-Length": "600"}, b"a=" + b"v" * 598),
        (413, TOO_LARGE),
        (413, TOO_LARGE),
    ),
    Fault(
        "multipart field over MAX_FORM_MEMORY_SIZE",
        http("/form", "POST", {"Content-Type": MULTIPART, "Content-Length": str(len(BIG_FIELD))}, BIG_FIELD),
        (413, TOO_LARGE),
        (413, TOO_LARGE),
    ),
    Fault(
        "header name with CR LF",
        http("/badheadername"),
        # Werkzeug's server writes names as they are: the injection goes out
        # (Flask's behaviour, checked below); gunicorn refuses the name.
        (200, b"x"),
        (500, GUNICORN_500),
    ),
]


def fault_ids(fault: Fault) -> str:
    return fault.name


@pytest.mark.parametrize("fault", FAULTS, ids=fault_ids)
def test_dev_server_answers_the_fault_and_keeps_serving(dev_server, fault):
    _, port = dev_server
    response = exchange(port, fault.request)
    status, fragment = fault.dev
    assert status_of(response) == status, response[:300]
    assert fragment in body_of(response)
    assert_serving(port)


def test_dev_server_lets_a_header_name_split_the_headers(dev_server):
    """Flask's behaviour on Werkzeug's development server, recorded so that
    a change shows: a header name is not checked, and one with CR LF writes
    a header of its own. gunicorn (``fastmicro serve``) refuses it."""
    _, port = dev_server
    head = head_of(exchange(port, http("/badheadername")))
    assert b"\r\nSet-Cookie: injected=1\r\n" in head + b"\r\n"


@pytest.mark.parametrize(
    ("path", "logger", "message", "error"),
    [
        ("/boom", "faultapp", "Exception on /boom [GET]", "ValueError: boom in a view"),
        ("/after", "faultapp", "Exception on /after [GET]", "KeyError: 'after_request failed'"),
        ("/teardown", "werkzeug", "Error on request:", "RuntimeError: teardown_request failed"),
        ("/appteardown", "werkzeug", "Error on request:", "LookupError: teardown_appcontext failed"),
        ("/stream", "werkzeug", "Error on request:", "RuntimeError: the generator failed"),
    ],
)
def test_dev_server_logs_the_error(dev_server, caplog, path, logger, message, error):
    _, port = dev_server
    with caplog.at_level(logging.INFO):
        exchange(port, http(path))
        wait_for(lambda: logged(caplog, logger, message, error), f"{message} in the log")
        assert_serving(port)


def chunked_parts(response: bytes) -> tuple[list[bytes], bool]:
    """The chunks of a chunked body, and whether its last chunk came."""
    rest = body_of(response)
    chunks = []
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line, 16)
        if size == 0:
            return chunks, True
        chunks.append(rest[:size])
        rest = rest[size + 2 :]
    return chunks, False


def test_dev_server_cuts_a_failed_stream_short(dev_server):
    """Headers are out when the generator fails: the connection is closed
    without the last chunk, so the client can tell the body is truncated."""
    _, port = dev_server
    response = exchange(port, http("/stream"))
    assert status_of(response) == 200
    assert b"Transfer-Encoding: chunked" in head_of(response)
    assert chunked_parts(response) == ([b"first,", b"second,"], False)
    assert_serving(port)


def test_dev_server_survives_a_client_that_hangs_up_mid_body(dev_server, app):
    _, port = dev_server
    for _ in range(3):
        exchange(port, HUNG_UP, hang_up=True)
    wait_for(lambda: app.hits.count("/data") == 3, "the three requests to reach the view")
    assert_serving(port)


def test_dev_server_never_reads_a_leftover_body_as_a_request(dev_server, app):
    """After a 413 the rest of the body is still on the connection: it must
    not be taken for the next request (it holds one here)."""
    _, port = dev_server
    smuggled = http("/boom", headers={"Connection": "keep-alive"}) * 20
    request = http("/data", "POST", {"Content-Length": "2000", "Connection": "keep-alive"}, smuggled)
    request += http("/ok")
    response = exchange(port, request)
    assert status_of(response) == 413
    assert response.count(b"HTTP/1.1 ") == 1
    assert "/boom" not in app.hits
    assert_serving(port)


def test_dev_server_keeps_serving_after_every_fault_in_a_row(dev_server):
    _, port = dev_server
    for fault in FAULTS:
        assert status_of(exchange(port, fault.request)) == fault.dev[0], fault.name
    exchange(port, HUNG_UP, hang_up=True)
    exchange(port, http("/stream"))
    for _ in range(3):
        assert_serving(port)


# -- gunicorn: fastmicro serve, and the real Flask under gunicorn ------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server in a child process, its output in a file (a pipe could fill
    up and block it)."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), str(REPO), env.get("PYTHONPATH")]))
        for name in ("FASTMICRO_APP", "FASTMICRO_DEBUG", "FLASK_DEBUG", "FASTMICRO_RUN_FROM_CLI",
                     "WERKZEUG_RUN_MAIN"):
            env.pop(name, None)
        self.log_path = cwd / f"server-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, port: int, deadline: float = 60.0) -> int:
        """Wait for the first answer to ``/ok``; return the worker's pid."""
        end = time.monotonic() + deadline
        while True:
            try:
                response = exchange(port, http("/ok"))
                return int(body_of(response).decode().rpartition("=")[2])
            except OSError:
                assert self.proc.poll() is None, f"server exited:\n{self.output}"
                assert time.monotonic() < end, f"server did not answer:\n{self.output}"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@dataclass
class Served:
    framework: str
    port: int
    pid: int
    process: ServerProcess


@pytest.fixture(scope="module", params=["fastmicro", "flask"], ids=["fastmicro-serve", "flask-gunicorn"])
def served(request: pytest.FixtureRequest, app_dir: Path) -> Iterator[Served]:
    """``fastmicro serve`` with one gunicorn worker, or the same app on the
    real Flask under plain gunicorn (the reference)."""
    port = free_port()
    target = f"faultapp:create_app({request.param!r})"
    if request.param == "fastmicro":
        args = [sys.executable, "-m", "fastmicro", "--app", target, "serve", "--server", "gunicorn",
                "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    else:
        args = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                "--no-control-socket", target]
    process = ServerProcess(args, app_dir)
    try:
        pid = process.wait_until_serving(port)
        assert pid != process.proc.pid  # a worker answers, not the arbiter
        yield Served(request.param, port, pid, process)
    finally:
        process.stop()


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS, ids=fault_ids)
def test_served_answers_the_fault_and_keeps_serving(served, fault):
    response = exchange(served.port, fault.request)
    status, fragment = fault.served
    assert status_of(response) == status, response[:300]
    assert fragment in body_of(response)
    assert b"injected=1" not in head_of(response)
    assert_serving(served.port, served.pid)


@pytest.mark.slow
def test_served_survives_a_client_that_hangs_up_mid_body(served):
    for _ in range(3):
        exchange(served.port, HUNG_UP, hang_up=True)
    assert_serving(served.port, served.pid)


@pytest.mark.slow
def test_served_cuts_a_failed_stream_short_and_logs_it(served):
    response = exchange(served.port, http("/stream"))
    assert status_of(response) == 200
    assert chunked_parts(response) == ([b"first,", b"second,"], False)
    wait_for(lambda: "RuntimeError: the generator failed" in served.process.output, "the error in the log")
    assert_serving(served.port, served.pid)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "logged_line"),
    [
        ("/boom", "ERROR in app: Exception on /boom [GET]"),
        ("/after", "ERROR in app: Request finalizing failed with an error while handling an error"),
        ("/teardown", "RuntimeError: teardown_request failed"),
        ("/appteardown", "LookupError: teardown_appcontext failed"),
    ],
)
def test_served_logs_the_error(served, path, logged_line):
    exchange(served.port, http(path))
    wait_for(lambda: logged_line in served.process.output, repr(logged_line))
    assert_serving(served.port, served.pid)


@pytest.mark.slow
def test_served_never_reads_a_leftover_body_as_a_request(served):
    smuggled = http("/boom", headers={"Connection": "keep-alive"}) * 20
    request = http("/data", "POST", {"Content-Length": "2000", "Connection": "keep-alive"}, smuggled)
    booms = served.process.output.count("Exception on /boom [GET]")
    response = exchange(served.port, request + http("/ok"))
    assert status_of(response) == 413
    assert response.count(b"HTTP/1.1 ") == 1
    assert_serving(served.port, served.pid)  # by now the worker has logged all it would
    assert served.process.output.count("Exception on /boom [GET]") == booms
    assert_serving(served.port, served.pid)

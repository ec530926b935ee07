"""``async def`` views, hooks, error handlers and signal receivers, run
through ``app.ensure_sync`` and asgiref as in Flask; and the error when
asgiref is missing.

Every test that uses ``fw`` runs on the real Flask and on fastmicro (see
``_appfw``).
"""
from __future__ import annotations

import asyncio
import inspect
import sys

import pytest

from _appfw import app, client, fw  # noqa: F401


class AsyncError(Exception):
    pass


async def _tick() -> None:
    # A real suspension point, so each coroutine truly runs on a loop.
    await asyncio.sleep(0)


def test_async_view(app, client, fw):
    @app.route("/<int:n>")
    async def double(n):
        await _tick()
        return f"{n * 2} {fw.request.path} {fw.current_app.name}"

    @app.route("/json")
    async def data():
        await _tick()
        return {"async": True}

    assert client.get("/21").data == f"42 /21 {app.name}".encode()
    assert client.get("/21").data == f"42 /21 {app.name}".encode()  # again: cached wrapper
    assert client.get("/json").json == {"async": True}


def test_async_hooks_run_in_order(app, client, fw):
    calls = []

    @app.before_request
    async def before():
        await _tick()
        calls.append("before")
        fw.g.value = "from before"

    @app.after_request
    async def after(response):
        await _tick()
        calls.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.teardown_request
    async def teardown(exc):
        await _tick()
        calls.append(("teardown", exc))

    @app.teardown_appcontext
    async def teardown_app(exc):
        await _tick()
        calls.append(("teardown_app", exc))

    @app.route("/")
    async def index():
        @fw.after_this_request
        async def later(response):
            await _tick()
            calls.append("after_this_request")
            return response

        calls.append("view")
        return fw.g.value

    response = client.get("/")
    assert response.data == b"from before"
    assert response.headers["X-After"] == "1"
    assert calls == [
        "before",
        "view",
        "after_this_request",
        "after",
        ("teardown", None),
        ("teardown_app", None),
    ]


def test_async_before_request_short_circuit(app, client, fw):
    @app.before_request
    async def stop():
        return "stopped", 401

    @app.route("/")
    def index():
        return "view"

    response = client.get("/")
    assert (response.status_code, response.data) == (401, b"stopped")


def test_async_error_handlers(app, client, fw):
    @app.errorhandler(AsyncError)
    async def handle(e):
        await _tick()
        return f"handled {type(e).__name__}", 418

    @app.errorhandler(404)
    async def not_found(e):
        return "async 404", 404

    @app.route("/error")
    async def error():
        raise AsyncError()

    @app.route("/abort")
    async def aborts():
        fw.abort(404)

    response = client.get("/error")
    assert (response.status_code, response.data) == (418, b"handled AsyncError")
    assert client.get("/abort").data == b"async 404"
    assert client.get("/missing").data == b"async 404"


def test_async_500_handler(fw):
    app = fw.Flask(__name__)
    app.logger.disabled = True

    @app.errorhandler(500)
    async def server_error(e):
        return f"500 for {type(e.original_exception).__name__}", 500

    @app.route("/")
    async def index():
        raise AsyncError()

    try:
        response = app.test_client().get("/")
    finally:
        app.logger.disabled = False
    assert (response.status_code, response.data) == (500, b"500 for AsyncError")


def test_async_view_exception_propagates_in_testing(app, client, fw):
    @app.route("/")
    async def index():
        await _tick()
        raise AsyncError("boom")

    with pytest.raises(AsyncError, match="boom"):
        client.get("/")


def test_async_blueprint_hooks_and_handlers(app, client, fw):
    calls = []
    bp = fw.Blueprint("bp", __name__)

    @bp.before_request
    async def before():
        calls.append("bp before")

    @bp.after_request
    async def after(response):
        calls.append("bp after")
        return response

    @bp.teardown_request
    async def teardown(exc):
        calls.append("bp teardown")

    @bp.errorhandler(AsyncError)
    async def handle(e):
        return "bp handled"

    @bp.route("/")
    async def index():
        raise AsyncError()

    app.register_blueprint(bp)
    assert client.get("/").data == b"bp handled"
    assert calls == ["bp before", "bp after", "bp teardown"]


def test_async_context_processor(app, fw):
    @app.context_processor
    async def extra():
        await _tick()
        return {"who": "async"}

    with app.test_request_context():
        assert fw.render_template_string("{{ who }}") == "async"


def test_async_signal_receivers(app, client, fw):
    seen = []

    async def started(sender, **extra):
        await _tick()
        seen.append(("started", sender is app))

    async def finished(sender, response, **extra):
        seen.append(("finished", response.status_code))

    app.add_url_rule("/", "index", lambda: "ok")
    with fw.request_started.connected_to(started, app), fw.request_finished.connected_to(finished, app):
        assert client.get("/").data == b"ok"
    assert seen == [("started", True), ("finished", 200)]


def test_copy_current_request_context_async(app, client, fw):
    @app.route("/")
    def index():
        @fw.copy_current_request_context
        async def later():
            await _tick()
            return fw.request.path

        return later()

    assert client.get("/").data == b"/"


def test_ensure_sync(app):
    def plain():
        return 1

    async def coro(x):
        await _tick()
        return x + 1

    assert app.ensure_sync(plain) is plain
    wrapped = app.ensure_sync(coro)
    assert not inspect.iscoroutinefunction(wrapped)
    assert wrapped(1) == 2
    assert app.async_to_sync(coro)(2) == 3


def test_async_to_sync_inside_running_loop_is_an_error(app):
    async def coro():
        return 1

    async def main():
        app.ensure_sync(coro)()

    with pytest.raises(RuntimeError, match="in the same thread as an async event loop"):
        asyncio.run(main())


def test_without_asgiref(app, client, fw, monkeypatch):
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)
    message = "with the 'async' extra in order to use async views."

    async def coro():
        return "never"

    with pytest.raises(RuntimeError, match=message) as info:
        app.async_to_sync(coro)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    with pytest.raises(RuntimeError, match=message):
        app.ensure_sync(coro)

    @app.route("/")
    async def index():
        return "never"

    @app.route("/sync")
    def sync():
        return "sync views still work"

    with pytest.raises(RuntimeError, match=message):
        client.get("/")
    assert client.get("/sync").data == b"sync views still work"


def test_without_asgiref_message_names_the_package(app, fw, monkeypatch):
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)
    package = "Flask" if fw.__name__ == "flask" else "fastmicro"

    async def coro():
        return None

    with pytest.raises(RuntimeError) as info:
        app.async_to_sync(coro)
    assert str(info.value) == f"Install {package} with the 'async' extra in order to use async views."


def test_without_asgiref_in_production_is_500(fw, monkeypatch):
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)
    app = fw.Flask(__name__)
    logged = []
    app.log_exception = lambda exc_info: logged.append(exc_info[0])

    @app.route("/")
    async def index():
        return "never"

    response = app.test_client().get("/")
    assert response.status_code == 500
    assert logged == [RuntimeError]


def test_custom_async_to_sync(fw):
    calls = []

    class App(fw.Flask):
        def async_to_sync(self, func):
            def run(*args, **kwargs):
                calls.append(func.__name__)
                return asyncio.run(func(*args, **kwargs))

            return run

    app = App(__name__)

    @app.route("/")
    async def index():
        await _tick()
        return "custom"

    @app.before_request
    async def before():
        return None

    assert app.test_client().get("/").data == b"custom"
    assert calls == ["before", "index"]


def test_custom_ensure_sync(fw):
    calls = []

    class App(fw.Flask):
        def ensure_sync(self, func):
            calls.append(getattr(func, "__name__", repr(func)))
            return super().ensure_sync(func)

    app = App(__name__)

    @app.route("/")
    def index():
        return "ok"

    assert app.test_client().get("/").data == b"ok"
    assert "index" in calls


def test_async_view_from_many_threads(app, fw):
    # The wrapper made once per view is shared by every thread.
    import threading

    @app.route("/<int:n>")
    async def echo(n):
        await asyncio.sleep(0.001)
        return str(n)

    results = {}

    def work(start):
        client = app.test_client()
        results[start] = [client.get(f"/{start + i}").data for i in range(10)]

    threads = [threading.Thread(target=work, args=(start,)) for start in (0, 100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {start: [str(start + i).encode() for i in range(10)] for start in (0, 100, 200, 300)}

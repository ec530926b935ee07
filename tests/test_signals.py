"""Flask's signals (the template ones are tested with templating): sent at
the same moments, by the same sender, with the same arguments, and not at
all when nothing listens.

Every test that uses ``fw`` runs on the real Flask and on fastmicro (see
``_appfw``).
"""
from __future__ import annotations

import contextlib
import threading

import pytest

from _appfw import app, client, fw  # noqa: F401

SIGNALS = (
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_pushed",
    "appcontext_popped",
    "appcontext_tearing_down",
    "message_flashed",
)


class SignalError(Exception):
    pass


@contextlib.contextmanager
def recording(fw, app, names=SIGNALS):
    """Connect a receiver for ``app`` to each signal in ``names``; yield the
    list of what each received: the signal's name, its keyword arguments
    (exceptions by type, responses by status) and which contexts were
    active."""
    events: list[tuple] = []
    with contextlib.ExitStack() as stack:
        for name in names:

            def receiver(sender, name=name, **kwargs):
                assert sender is app
                shown = {}
                for key, value in kwargs.items():
                    if isinstance(value, BaseException):
                        value = type(value).__name__
                    elif hasattr(value, "status_code"):
                        value = value.status_code
                    shown[key] = value
                events.append((name, shown, fw.has_app_context(), fw.has_request_context()))

            stack.enter_context(getattr(fw, name).connected_to(receiver, app))
        yield events


def test_signal_names_and_identity(fw):
    import blinker

    names = {
        "template_rendered": "template-rendered",
        "before_render_template": "before-render-template",
        "request_started": "request-started",
        "request_finished": "request-finished",
        "request_tearing_down": "request-tearing-down",
        "got_request_exception": "got-request-exception",
        "appcontext_tearing_down": "appcontext-tearing-down",
        "appcontext_pushed": "appcontext-pushed",
        "appcontext_popped": "appcontext-popped",
        "message_flashed": "message-flashed",
    }
    signals_module = __import__(f"{fw.__name__}.signals", fromlist=["x"])
    for attr, name in names.items():
        signal = getattr(fw, attr)
        assert isinstance(signal, blinker.NamedSignal)
        assert signal.name == name
        assert getattr(signals_module, attr) is signal


def test_request_signals(app, client, fw):
    calls = []
    app.before_request(lambda: calls.append("before"))
    app.after_request(lambda r: calls.append("after") or r)
    app.teardown_request(lambda e: calls.append("teardown"))

    @app.route("/")
    def index():
        calls.append("view")
        return "ok"

    with recording(fw, app) as events:
        assert client.get("/").data == b"ok"
        events_and_calls = list(events)
    assert events_and_calls == [
        ("appcontext_pushed", {}, True, False),
        ("request_started", {}, True, True),
        ("request_finished", {"response": 200}, True, True),
        ("request_tearing_down", {"exc": None}, True, True),
        ("appcontext_tearing_down", {"exc": None}, True, False),
        ("appcontext_popped", {}, False, False),
    ]
    assert calls == ["before", "view", "after", "teardown"]


def test_request_started_before_hooks_and_finished_after(app, client, fw):
    order = []
    app.before_request(lambda: order.append("before_request"))
    app.after_request(lambda r: order.append("after_request") or r)
    app.add_url_rule("/", "index", lambda: order.append("view") or "ok")

    def started(sender, **kw):
        order.append("request_started")

    def finished(sender, response, **kw):
        order.append(("request_finished", response.headers.get("X-Hook")))

    def add_header(response):
        response.headers["X-Hook"] = "seen"
        return response

    app.after_request(add_header)
    with fw.request_started.connected_to(started, app), fw.request_finished.connected_to(finished, app):
        client.get("/")
    assert order == ["request_started", "before_request", "view", "after_request", ("request_finished", "seen")]


def test_handled_error_sends_no_exception_signal(app, client, fw):
    app.register_error_handler(SignalError, lambda e: ("handled", 400))

    @app.route("/")
    def index():
        raise SignalError()

    with recording(fw, app) as events:
        assert client.get("/").status_code == 400
    assert [e[0] for e in events] == [
        "appcontext_pushed",
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    assert events[2][1] == {"response": 400}


def test_http_error_and_404(app, client, fw):
    app.add_url_rule("/abort", "abort", lambda: fw.abort(403))
    with recording(fw, app, ("got_request_exception", "request_finished")) as events:
        assert client.get("/abort").status_code == 403
        assert client.get("/missing").status_code == 404
    assert events == [
        ("request_finished", {"response": 403}, True, True),
        ("request_finished", {"response": 404}, True, True),
    ]


def test_unhandled_exception_in_production(fw):
    app = fw.Flask(__name__)
    app.logger.disabled = True

    @app.route("/")
    def index():
        raise SignalError()

    try:
        with recording(fw, app) as events:
            assert app.test_client().get("/").status_code == 500
    finally:
        app.logger.disabled = False
    assert events == [
        ("appcontext_pushed", {}, True, False),
        ("request_started", {}, True, True),
        ("got_request_exception", {"exception": "SignalError"}, True, True),
        ("request_finished", {"response": 500}, True, True),
        ("request_tearing_down", {"exc": "SignalError"}, True, True),
        ("appcontext_tearing_down", {"exc": "SignalError"}, True, False),
        ("appcontext_popped", {}, False, False),
    ]


def test_unhandled_exception_propagating(app, client, fw):
    @app.route("/")
    def index():
        raise SignalError()

    with recording(fw, app) as events:
        with pytest.raises(SignalError):
            client.get("/")
    assert events == [
        ("appcontext_pushed", {}, True, False),
        ("request_started", {}, True, True),
        ("got_request_exception", {"exception": "SignalError"}, True, True),
        ("request_tearing_down", {"exc": "SignalError"}, True, True),
        ("appcontext_tearing_down", {"exc": "SignalError"}, True, False),
        ("appcontext_popped", {}, False, False),
    ]


def test_exception_in_before_request_and_in_receiver(app, client, fw):
    @app.before_request
    def fail():
        raise SignalError("in hook")

    app.add_url_rule("/", "index", lambda: "never")

    def bad_receiver(sender, **kw):
        raise KeyError("receiver")

    with recording(fw, app, ("got_request_exception",)) as events:
        with pytest.raises(SignalError):
            client.get("/")
    assert events == [("got_request_exception", {"exception": "SignalError"}, True, True)]

    # A receiver that raises makes the request fail as the hook would.
    app2 = fw.Flask(__name__)
    app2.config["TESTING"] = True
    app2.add_url_rule("/", "index", lambda: "ok")
    with fw.request_started.connected_to(bad_receiver, app2):
        with pytest.raises(KeyError):
            app2.test_client().get("/")


def test_app_context_signals(app, fw):
    with recording(fw, app) as events:
        with app.app_context():
            events.append("inside")
            with app.app_context():
                events.append("nested")
    assert events == [
        ("appcontext_pushed", {}, True, False),
        "inside",
        ("appcontext_pushed", {}, True, False),
        "nested",
        ("appcontext_tearing_down", {"exc": None}, True, False),
        ("appcontext_popped", {}, True, False),
        ("appcontext_tearing_down", {"exc": None}, True, False),
        ("appcontext_popped", {}, False, False),
    ]


def test_app_context_signals_with_exception(app, fw):
    with recording(fw, app, ("appcontext_tearing_down", "appcontext_popped")) as events:
        with pytest.raises(SignalError):
            with app.app_context():
                raise SignalError()
    assert events == [
        ("appcontext_tearing_down", {"exc": "SignalError"}, True, False),
        ("appcontext_popped", {}, False, False),
    ]


def test_test_request_context_signals(app, fw):
    with recording(fw, app) as events:
        with app.test_request_context("/x"):
            events.append("inside")
    assert events == [
        ("appcontext_pushed", {}, True, False),
        "inside",
        ("request_tearing_down", {"exc": None}, True, True),
        ("appcontext_tearing_down", {"exc": None}, True, False),
        ("appcontext_popped", {}, False, False),
    ]


def test_message_flashed(app, client, fw):
    app.secret_key = "secret"

    @app.route("/")
    def index():
        fw.flash("hello")
        fw.flash("careful", "warning")
        return "ok"

    with recording(fw, app, ("message_flashed",)) as events:
        client.get("/")
    assert events == [
        ("message_flashed", {"message": "hello", "category": "message"}, True, True),
        ("message_flashed", {"message": "careful", "category": "warning"}, True, True),
    ]


def test_receiver_for_another_sender_is_not_called(app, client, fw):
    other = fw.Flask("other")
    seen = []
    app.add_url_rule("/", "index", lambda: "ok")
    with fw.request_started.connected_to(lambda sender, **kw: seen.append(sender), other):
        client.get("/")
    assert seen == []
    with fw.request_started.connected_to(lambda sender, **kw: seen.append(sender)):
        client.get("/")
    assert seen == [app]


def test_receiver_sees_request_and_g(app, client, fw):
    seen = []
    app.add_url_rule("/<name>", "index", lambda name: "ok")

    def started(sender, **kw):
        fw.g.started = True
        seen.append((fw.request.path, fw.request.endpoint, fw.request.view_args))

    def tearing_down(sender, exc, **kw):
        seen.append(fw.g.get("started"))

    with fw.request_started.connected_to(started, app), fw.request_tearing_down.connected_to(tearing_down, app):
        client.get("/ann")
    assert seen == [("/ann", "index", {"name": "ann"}), True]


def test_signals_in_threads(app, fw):
    app.add_url_rule("/", "index", lambda: "ok")
    counts = []
    lock = threading.Lock()

    def started(sender, **kw):
        with lock:
            counts.append(threading.get_ident())

    def work():
        client = app.test_client()
        for _ in range(20):
            assert client.get("/").data == b"ok"

    with fw.request_started.connected_to(started, app):
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(counts) == 80


# -- fastmicro only: no receiver, no send ----------------------------------------------


def test_no_send_without_receivers(monkeypatch):
    """Without receivers, no signal's ``send`` is called (the cycle checks
    ``signal.receivers`` first), on the fast cycle and the plain one."""
    import fastmicro
    from fastmicro import signals

    sent = []
    for name in SIGNALS:
        signal = getattr(signals, name)
        assert not signal.receivers, f"a receiver leaked into {name}"
        monkeypatch.setattr(signal, "send", lambda *a, name=name, **kw: sent.append(name))

    for plain in (False, True):
        app = fastmicro.Flask(__name__)
        app.secret_key = "secret"
        app.logger.disabled = True
        if plain:
            # An overridden inlined method sends the app through the plain cycle.
            app.process_response = lambda response, app=app: type(app).process_response(app, response)

        @app.route("/")
        def index():
            fastmicro.flash("x")
            return "ok"

        @app.route("/fail")
        def fail():
            raise SignalError()

        client = app.test_client()
        assert client.get("/").data == b"ok"
        assert client.get("/fail").status_code == 500
        assert client.get("/missing").status_code == 404
        with app.app_context(), app.test_request_context():
            pass

    # Once connected, they are sent (the patch above is what records them).
    with fastmicro.request_started.connected_to(lambda sender, **kw: None):
        app.test_client().get("/")
    assert sent == ["request_started"]

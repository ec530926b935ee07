"""Fuzz target: session loading and saving through a real app and request:
``app.session_interface.open_session`` with a random ``Cookie`` header
(random tokens, and tokens validly signed with the app's key over random,
base64 or zlib payloads so that the tagged-JSON decoding is reached), and
``save_session`` of random session data, whose cookie is then read back.

This exercises the ``signing`` and (when there is one) ``sessions`` hot paths
and the ``cookies`` parser behind ``request.cookies``.

Baseline: on the compiled backend, the pure twins (the session functions of
``fastmicro._pysessions`` where that hot path exists, on an interface whose
serializer runs the pure signing core); on the pure backend, Flask 3.1 with
the same configuration and itsdangerous, with fastmicro's documented
differences applied (tests/test_sessions.py): every ``BadData``, not only a
bad signature, gives a new empty session, and so does a validly signed
payload that is not a JSON object.
"""
from __future__ import annotations

import base64
import hashlib
import time
import types
import typing as t
import zlib

import flask
import itsdangerous
from itsdangerous.exc import BadData
from werkzeug.test import EnvironBuilder

import fastmicro
from fastmicro import speedups
from fastmicro.sessions import SecureCookieSessionInterface
from fastmicro.wrappers import Response

from harness import Finding, Reader, backend_modules, check, signing_on

DESCRIPTION = "open_session with random and validly signed cookies, save_session of random data"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.sessions", "fastmicro._pysessions", "fastmicro.signing", "fastmicro.json", "fastmicro.http", "itsdangerous", "flask.sessions", "flask.json", "werkzeug.http", "werkzeug.sansio.http")

NOW = 1_700_000_000
time.time = lambda: NOW + 0.5  # type: ignore[assignment]  # frozen: cookies carry the time

SECRET = "fuzz-secret"
FALLBACKS = ["older-secret"]
#: datetime.fromtimestamp of a validly signed timestamp out of its range,
#: as itsdangerous (only a holder of the key can make one).
DATETIME_ERRORS = (ValueError, OverflowError, OSError)

signing_core, pure_signing_core = backend_modules("signing")
session_twin = backend_modules("sessions")[1] if "sessions" in speedups.HOT_PATHS else None


def configure(application: t.Any) -> t.Any:
    application.config.update(SECRET_KEY=SECRET, SECRET_KEY_FALLBACKS=FALLBACKS, TESTING=True)
    return application


app = configure(fastmicro.FastMicro(__name__))
flask_app = configure(flask.Flask(__name__))
flask_interface = flask_app.session_interface


class PureCoreInterface(SecureCookieSessionInterface):
    """The stock interface with its serializer on the pure signing core."""

    def get_signing_serializer(self, app: t.Any) -> t.Any:
        return pure_signing.URLSafeTimedSerializer(
            [*FALLBACKS, SECRET],
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )


pure_signing = signing_on(pure_signing_core) if pure_signing_core is not None else None
pure_interface = PureCoreInterface()


def environ_with_cookie(header: str) -> dict[str, t.Any]:
    environ = EnvironBuilder(path="/").get_environ()
    environ["HTTP_COOKIE"] = header
    return environ


def session_state(session: t.Any) -> t.Any:
    if session is None:
        return None
    return (type(session).__name__, dict(session), session.permanent, session.modified)


def open_ours(environ: dict[str, t.Any]) -> t.Any:
    request = app.request_class(dict(environ))
    return session_state(app.session_interface.open_session(app, request))


def open_twin(environ: dict[str, t.Any]) -> t.Any:
    request = app.request_class(dict(environ))
    if session_twin is not None:
        return session_state(session_twin.open_session(pure_interface, app, request))
    return session_state(pure_interface.open_session(app, request))


def open_flask(environ: dict[str, t.Any]) -> t.Any:
    """Flask's open_session with fastmicro's documented differences."""
    request = flask_app.request_class(dict(environ))
    serializer = flask_interface.get_signing_serializer(flask_app)
    value = request.cookies.get(flask_app.config["SESSION_COOKIE_NAME"])
    session_class = flask_interface.session_class
    if not value:
        return session_state(session_class())
    max_age = int(flask_app.permanent_session_lifetime.total_seconds())
    try:
        data = serializer.loads(value, max_age=max_age)
    except BadData:  # Flask: BadSignature only, BadPayload is a 500
        return session_state(session_class())
    if not isinstance(data, dict):  # Flask: session_class(data)
        return session_state(session_class())
    return session_state(session_class(data))


open_baseline = open_twin if pure_signing_core is not None else open_flask

_signer = itsdangerous.TimestampSigner(
    SECRET, salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1
)


def cookie_value(reader: Reader) -> str:
    kind = reader.pick(["raw", "signed", "base64", "zlib", "fallback"])
    data = reader.raw()
    if kind == "raw":
        return data.decode("latin-1")
    if kind == "base64":
        data = base64.urlsafe_b64encode(data).rstrip(b"=")
    elif kind == "zlib":
        data = b"." + base64.urlsafe_b64encode(zlib.compress(data)).rstrip(b"=")
    signer = _signer
    if kind == "fallback":
        signer = itsdangerous.TimestampSigner(
            FALLBACKS[0], salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1
        )
    return signer.sign(data).decode("latin-1")


def fuzz_open(reader: Reader) -> None:
    shape = reader.pick(["alone", "quoted", "among", "twice"])
    value = cookie_value(reader)
    header = {
        "alone": f"session={value}",
        "quoted": f'session="{value}"',
        "among": f"a=1; session={value}; b=2",
        "twice": f"session={value}; session=x",
    }[shape]
    environ = environ_with_cookie(header)
    check(f"open_session with Cookie {header!r:.300}", lambda: open_ours(environ),
          lambda: open_baseline(environ), allowed=DATETIME_ERRORS)


def random_value(reader: Reader, depth: int = 0) -> t.Any:
    kind = reader.pick(["str", "int", "none", "bool", "bytes", "tuple", "list", "dict", "float"])
    if depth > 3 or kind in ("str", "bytes"):
        text = reader.text(12)
        return text.encode("utf-8", "surrogateescape") if kind == "bytes" else text
    if kind == "int":
        return reader.number(-(2**70), 2**70)
    if kind == "float":
        return reader.number(-(10**6), 10**6) / 7
    if kind == "none":
        return None
    if kind == "bool":
        return reader.flag()
    items = [random_value(reader, depth + 1) for _ in range(reader.number(0, 3))]
    if kind == "tuple":
        return tuple(items)
    if kind == "list":
        return items
    return {reader.text(6): item for item in items}


def save(interface: t.Any, application: t.Any, data: dict[str, t.Any],
         response_class: type, twin: types.ModuleType | None = None) -> t.Any:
    session = interface.session_class(data)
    session.modified = True
    response = response_class()
    if twin is not None:
        twin.save_session(interface, application, session, response)
    else:
        interface.save_session(application, session, response)
    return response.headers.getlist("Set-Cookie"), response.headers.get("Vary")


def fuzz_save(reader: Reader) -> None:
    data = {reader.text(8): random_value(reader) for _ in range(reader.number(0, 4))}
    data.pop("_permanent", None)  # a permanent cookie's Expires is now + lifetime

    def ours() -> t.Any:
        return save(app.session_interface, app, data, Response)

    if pure_signing_core is not None:
        def theirs() -> t.Any:
            return save(pure_interface, app, data, Response, session_twin)
    else:
        def theirs() -> t.Any:
            return save(flask_interface, flask_app, data, flask.Response)

    saved = check(f"save_session({data!r:.300})", ours, theirs, allowed=(TypeError, ValueError))
    if saved.error is not None or not saved.value[0]:
        return
    # Read back what was saved: the same data (through tagged JSON).
    cookie = saved.value[0][0].split(";", 1)[0]
    environ = environ_with_cookie(cookie)
    reopened = check(f"open_session of saved {data!r:.300}", lambda: open_ours(environ),
                     lambda: open_baseline(environ))
    if reopened.value[1] != data:
        raise Finding(f"save then open changed the data: {data!r:.300} -> {reopened.value[1]!r:.300}")


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    if reader.number(0, 2):
        fuzz_open(reader)
    else:
        fuzz_save(reader)

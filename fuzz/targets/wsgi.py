"""Fuzz target: the ``wsgi`` hot path (``ext/wsgi.pyx`` /
``fastmicro/http/_pywsgi.py``): ``request.headers`` (fastmicro's
``EnvironHeaders``) over a random environ with random lookups, and on the
way out ``status_line`` and ``sendable_as_is``.

Baseline: the pure twin's methods on the same view (compiled backend), or
Werkzeug 3.1 (pure backend): its ``EnvironHeaders``, the status line its
``Response`` builds, and for ``sendable_as_is`` the rule stated by
tests/test_wsgi_headers.py (``Content-Length`` there and no
``Location``/``Content-Location``, names compared with ``str.lower``).
"""
from __future__ import annotations

import typing as t

from werkzeug.datastructures import EnvironHeaders as WerkzeugEnvironHeaders
from werkzeug.wrappers import Response as WerkzeugResponse

from fastmicro.http.environ_headers import EnvironHeaders

from harness import Reader, backend_modules, check

DESCRIPTION = "request.headers over random environs, status lines, sendable_as_is"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.http", "werkzeug.datastructures.headers", "werkzeug.wrappers.response", "werkzeug.sansio.response")

subject, twin = backend_modules("wsgi")

# A missing header is the environ's KeyError (a non-str key Werkzeug's
# BadRequestKeyError, a KeyError too).
LOOKUP_ERRORS = (KeyError,)
# sendable_as_is of an item that is not a pair.
UNPACK_ERRORS = (ValueError, TypeError)


def twin_view(module: t.Any) -> type:
    """Werkzeug's EnvironHeaders with ``module``'s methods, as fastmicro's."""
    return type(
        "EnvironHeaders",
        (WerkzeugEnvironHeaders,),
        {
            "__init__": module.headers_init,
            "__getitem__": module.headers_getitem,
            "get": module.headers_get,
            "__contains__": module.headers_contains,
            "__iter__": module.headers_iter,
            "__len__": module.headers_len,
        },
    )


BASELINE_VIEW = twin_view(twin) if twin is not None else WerkzeugEnvironHeaders

ENVIRON_KEYS = [
    "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_",
    "REQUEST_METHOD", "wsgi.input", "HTTP_USER_AGENT", "HTTP_X__Y", "HTTP_COOKIE",
]


def random_environ(reader: Reader) -> dict[str, t.Any]:
    environ: dict[str, t.Any] = {}
    for _ in range(reader.number(0, 8)):
        # Keys are str (PEP 3333); Werkzeug's iteration needs them to be.
        kind = reader.pick(["http", "known", "text"])
        if kind == "http":
            key = "HTTP_" + reader.text(10)
        elif kind == "known":
            key = reader.pick(ENVIRON_KEYS)
        else:
            key = reader.text(10)
        environ[key] = reader.text(12)
    return environ


def views(view: t.Any, names: list[t.Any]) -> list[tuple[str, t.Callable[[], t.Any]]]:
    calls: list[tuple[str, t.Callable[[], t.Any]]] = [
        ("list", lambda: list(view)),
        ("len", lambda: len(view)),
        ("items", lambda: list(view.items())),
        ("keys", lambda: list(view.keys())),
        ("to_wsgi_list", lambda: view.to_wsgi_list()),
    ]
    for name in names:
        calls += [
            (f"[{name!r}]", lambda n=name: view[n]),
            (f"get({name!r})", lambda n=name: view.get(n)),
            (f"get({name!r}, type=int)", lambda n=name: view.get(n, "default", type=int)),
            (f"{name!r} in", lambda n=name: n in view),
        ]
        if isinstance(name, str):
            # Werkzeug's own getlist (not the hot path's) needs a str.
            calls.append((f"getlist({name!r})", lambda n=name: view.getlist(n)))
    return calls


def fuzz_headers(reader: Reader) -> None:
    names: list[t.Any] = [reader.text(12) for _ in range(reader.number(0, 4))]
    if reader.number(0, 7) == 7:
        names.append(reader.number(0, 3))
    environ = random_environ(reader)
    names += [str(k)[5:].replace("_", "-") for k in list(environ)[:3]]
    ours, reference = EnvironHeaders(environ), BASELINE_VIEW(environ)
    for (name, call), (_, reference_call) in zip(views(ours, names), views(reference, names)):
        check(f"headers of {environ!r:.300}: {name}", call, reference_call,
              allowed=LOOKUP_ERRORS, messages=True)
    if twin is not None:
        for name in names:
            if isinstance(name, str):
                check(f"environ_key({name!r})", lambda: subject.environ_key(name),
                      lambda: twin.environ_key(name))
        check(f"header_items({environ!r:.300})", lambda: subject.header_items(environ),
              lambda: twin.header_items(environ))


def werkzeug_status_line(code: int) -> str:
    if 0 <= code < 2**64:
        return WerkzeugResponse(status=code).status
    return f"{code} UNKNOWN"  # Werkzeug's status setter refuses these


def fuzz_status(reader: Reader) -> None:
    code = reader.pick([
        reader.number(0, 999), reader.number(-(2**70), 2**70), reader.number(100, 599),
    ])
    theirs = twin.status_line if twin is not None else werkzeug_status_line
    check(f"status_line({code})", lambda: subject.status_line(code), lambda: theirs(code))


def stated_rule(header_list: list[t.Any]) -> bool:
    has_length = False
    for key, _ in header_list:
        lowered = key.lower()
        if lowered in ("location", "content-location"):
            return False
        has_length = has_length or lowered == "content-length"
    return has_length


def fuzz_sendable(reader: Reader) -> None:
    header_list: list[t.Any] = []
    for _ in range(reader.number(0, 6)):
        key = reader.pick(["Content-Length", "location", "CONTENT-LOCATION", "text", "text"])
        if key == "text":
            key = reader.text(18)
        item: t.Any = (key, "1")
        if reader.number(0, 15) == 15:
            item = reader.pick([(key,), (key, "1", "2"), key])
        header_list.append(item)
    theirs = twin.sendable_as_is if twin is not None else stated_rule
    check(f"sendable_as_is({header_list!r:.300})", lambda: subject.sendable_as_is(header_list),
          lambda: theirs(header_list), allowed=UNPACK_ERRORS)


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    choice = reader.number(0, 4)
    if choice < 3:
        fuzz_headers(reader)
    elif choice == 3:
        fuzz_status(reader)
    else:
        fuzz_sendable(reader)

"""Leak check of the hot paths: every entry point of ``fastmicro/_ext`` in a
loop, on valid and hostile inputs, exception paths included.

Why: a reference leaked by C code (a missing ``Py_DECREF`` on an error path,
the classic Cython slip around ``raise`` and ``try``/``finally``) is invisible
to ``gc`` and to every functional test; it only shows as memory that grows
with the number of calls. Each *case* below calls one entry point with one
input (the exception it must raise is asserted, so the error path is really
taken) and is measured on its own:

* ``sys.getallocatedblocks()`` (every live pymalloc block: objects that
  ``gc`` does not track, such as ``str``, ``bytes`` and ``int``, included)
  after a warm-up and after each of ``--rounds`` rounds of ``--iterations``
  calls, with ``gc.collect()`` before every reading;
* with ``--tracemalloc``, the same with the bytes ``tracemalloc`` traces
  (every Python allocator, large blocks and ``PyMem_Malloc`` buffers
  included).

A leaking case is reported with the source lines whose allocations grow most.

A case leaks when it grows in *every* round by at least a quarter of a
block (or of :data:`TRACED_BYTES_PER_CALL` bytes) per call. A deterministic
leak on the path a case takes costs at least one block per call, whatever
the round; caches and free lists fill during the warm-up or in one round,
and are bounded, so they cannot grow every round.

``--valgrind`` runs the same cases (few iterations) in a child interpreter
under ``valgrind --leak-check=full`` with ``PYTHONMALLOC=malloc`` and reports
the "definitely lost" bytes allocated, and the memory errors made, by
``fastmicro/_ext`` code or C code it called directly (see :func:`ran_in_ext`).

The cases run on whatever backend ``fastmicro.speedups`` picks, so under
``FASTMICRO_NO_EXTENSIONS=1`` they check the pure-Python twins.

Usage::

    python benchmarks/leakcheck.py                      # blocks, 2000 x 3 per case
    python benchmarks/leakcheck.py --tracemalloc --json out.json
    python benchmarks/leakcheck.py --valgrind           # slow: minutes
    python benchmarks/leakcheck.py --only cookies,matcher --list
    python benchmarks/leakcheck.py --scenarios 100000   # the end-to-end scenarios' growth

Exits 1 when a case leaks (under valgrind: when bytes allocated by
``fastmicro/_ext`` are definitely lost, or it makes a memory error), 2 when
a case does not behave as it states.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import ctypes
import datetime as _dt
import gc
import importlib
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import apps  # noqa: E402

from fastmicro import speedups  # noqa: E402

#: A leak is at least this many bytes per call in every round (one leaked
#: object is 16 bytes or more; half of that leaves room for rounding).
TRACED_BYTES_PER_CALL = 8
#: Fraction of a block per call, grown in every round, that counts as a leak.
BLOCKS_PER_CALL = 0.25
#: The allocation-stack markers of fastmicro's compiled modules in valgrind
#: output: the module file, Cython's mangled function names and the
#: generated C files.
_EXT_FRAME = re.compile(
    r"fastmicro/_ext/|9fastmicro_4_ext_|\b(?:" + "|".join(sorted(speedups.HOT_PATHS)) + r")\.c:\d+"
)


# -- measuring -----------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What the process holds at one moment."""

    blocks: int  # live pymalloc blocks
    objects: int  # objects tracked by gc
    rss: int  # resident set size, bytes


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process, from ``/proc/<pid>/statm``."""
    with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
        resident_pages = int(fh.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def usage() -> Usage:
    """The process's usage after a full collection."""
    gc.collect()
    return Usage(sys.getallocatedblocks(), len(gc.get_objects()), rss_bytes())


@dataclass(frozen=True)
class Growth:
    """The difference of two :class:`Usage` readings."""

    blocks: int
    objects: int
    rss: int

    @classmethod
    def between(cls, before: Usage, after: Usage) -> Growth:
        return cls(after.blocks - before.blocks, after.objects - before.objects,
                   after.rss - before.rss)


@dataclass(frozen=True)
class Case:
    """One entry point called with one input; ``run`` asserts the outcome."""

    hot_path: str
    name: str
    run: Callable[[], object]
    #: Fraction of ``--iterations`` this case runs (for the slow ones).
    scale: float = 1.0
    #: Warm-up calls at least, whatever the scale (caches of the slow ones).
    min_warmup: int = 0

    def iterations(self, base: int) -> int:
        return max(1, int(base * self.scale))

    @property
    def label(self) -> str:
        return f"{self.hot_path}: {self.name}"


@dataclass
class CaseResult:
    hot_path: str
    name: str
    iterations: int
    block_growth: list[int]
    traced_growth: list[int] = field(default_factory=list)
    top_lines: list[str] = field(default_factory=list)

    @property
    def leaks(self) -> bool:
        return bool(self.reasons())

    def reasons(self) -> list[str]:
        found = []
        if self.block_growth and min(self.block_growth) >= self.iterations * BLOCKS_PER_CALL:
            found.append(f"+{min(self.block_growth)} blocks or more in every round "
                         f"of {self.iterations} calls")
        if self.traced_growth and min(self.traced_growth) >= self.iterations * TRACED_BYTES_PER_CALL:
            found.append(f"+{min(self.traced_growth)} traced bytes or more in every round "
                         f"of {self.iterations} calls")
        return found


def _loop(run: Callable[[], object], n: int) -> None:
    for _ in range(n):
        run()


def measure_blocks(run: Callable[[], object], iterations: int, rounds: int, warmup: int) -> list[int]:
    """Live-block growth of each round of ``iterations`` calls of ``run``."""
    _loop(run, warmup)
    gc.collect()
    readings = [sys.getallocatedblocks()]
    for _ in range(rounds):
        _loop(run, iterations)
        gc.collect()
        readings.append(sys.getallocatedblocks())
    return [b - a for a, b in zip(readings, readings[1:])]


def measure_traced(run: Callable[[], object], iterations: int, rounds: int,
                   warmup: int) -> list[int]:
    """Traced-bytes growth of each round of ``iterations`` calls of ``run``."""
    tracemalloc.start(1)
    try:
        _loop(run, warmup)
        gc.collect()
        readings = [tracemalloc.get_traced_memory()[0]]
        for _ in range(rounds):
            _loop(run, iterations)
            gc.collect()
            readings.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    return [b - a for a, b in zip(readings, readings[1:])]


def growing_lines(run: Callable[[], object], iterations: int, warmup: int,
                  top: int = 3) -> list[str]:
    """The source lines whose allocations grow most over ``iterations``
    calls of ``run``: where a leak comes from. (Snapshots of the whole heap
    are slow, so only a leaking case gets this.)"""
    tracemalloc.start(8)
    try:
        _loop(run, warmup)
        gc.collect()
        first = tracemalloc.take_snapshot()
        _loop(run, iterations)
        gc.collect()
        last = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = last.filter_traces(filters).compare_to(first.filter_traces(filters), "lineno")
    return [str(stat) for stat in stats[:top] if stat.size_diff > 0]


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Move every object alive now out of the collector's sight, so that
    the many ``gc.collect()`` calls only scan what the cases create."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def growth_serving(app: Callable, environ: dict, requests: int, warmup: int) -> Growth:
    """Memory growth over ``requests`` calls of the WSGI ``app`` on
    ``environ``, after ``warmup`` calls: each call on a copy of the environ
    with a fresh body, the response consumed and closed, as
    ``compare.time_batch`` (the benchmark's own loop) does it."""
    import compare

    compare.time_batch(app, environ, warmup)
    before = usage()
    compare.time_batch(app, environ, requests)
    after = usage()
    return Growth.between(before, after)


def scenario_growth(requests: int, warmup: int,
                    names: list[str] | None = None) -> dict[str, Growth]:
    """:func:`growth_serving` of fastmicro for every benchmark scenario."""
    routes = apps.load_routes()
    app_map = {"fastmicro": apps.build_framework("fastmicro", routes)}
    found = {}
    for scenario in apps.scenarios(routes):
        if names and scenario.name not in names:
            continue
        app = apps.app_for(app_map, "fastmicro", scenario)
        environ = scenario.environ()
        problems = apps.check_response("fastmicro", scenario, apps.call(app, environ))
        if problems:
            raise AssertionError(f"{scenario.name}: {problems}")
        found[scenario.name] = growth_serving(app, environ, requests, warmup)
    return found


def check_case(case: Case, iterations: int, rounds: int, warmup: int,
               traced: bool = False) -> CaseResult:
    """Measure ``case`` (``iterations`` scaled by the case's ``scale``)."""
    n, w = case.iterations(iterations), max(case.iterations(warmup), case.min_warmup)
    result = CaseResult(case.hot_path, case.name, n, measure_blocks(case.run, n, rounds, w))
    if traced:
        result.traced_growth = measure_traced(case.run, n, rounds, w)
    if result.leaks:
        result.top_lines = growing_lines(case.run, n, w)
    return result


# -- the cases -----------------------------------------------------------------


def _raises(expected: type[BaseException] | tuple[type[BaseException], ...],
            func: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    """Call ``func`` and require it to raise ``expected``."""
    try:
        func(*args, **kwargs)
    except expected:
        return
    raise AssertionError(f"{getattr(func, '__name__', func)}{args!r} did not raise {expected}")


def _returns(expected: object, func: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    got = func(*args, **kwargs)
    if got != expected:
        raise AssertionError(f"{getattr(func, '__name__', func)}{args!r} returned {got!r}, "
                             f"expected {expected!r}")


class _CaseList(list):
    """``add(hot_path, name, func, *args)``: a case calling ``func(*args)``."""

    def add(self, hot_path: str, name: str, func: Callable[..., object], *args: Any,
            **kwargs: Any) -> None:
        self.append(Case(hot_path, name, lambda: func(*args, **kwargs)))

    def add_scaled(self, scale: float, min_warmup: int, hot_path: str, name: str,
                   func: Callable[[], object]) -> None:
        self.append(Case(hot_path, name, func, scale, min_warmup))


def _matcher_cases(cases: _CaseList) -> None:
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import RequestRedirect, Rule
    from werkzeug.routing.exceptions import NoMatch, WebsocketMismatch

    from fastmicro.routing import Map, NeedsFullMatch

    many = "/".join(f"<p{i}>" for i in range(20))  # more captures than kept inline (16)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
               "MKCOL"]

    def rules() -> list[Rule]:
        return [
            Rule("/", endpoint="index", methods=["GET"]),
            Rule("/user/<int:uid>", endpoint="user"),
            Rule("/user/<int:uid>/<path:rest>", endpoint="user_rest"),
            Rule("/f/<float:x>/<uuid:u>", endpoint="typed"),
            Rule("/any/<any(a, b, c):which>", endpoint="any"),
            Rule("/s/<string(length=3):code>", endpoint="code"),
            Rule("/dir/", endpoint="dir"),
            Rule("/d", endpoint="paged", defaults={"page": 1}),
            Rule("/d/<int:page>", endpoint="paged"),
            Rule("/old", endpoint="old", redirect_to="/"),
            Rule("/ws", endpoint="ws", websocket=True),
            Rule("/many/" + many, endpoint="many"),
            Rule("/r/<int(signed=True):n>", endpoint="signed"),
            # One path, one rule per method: a refused method list longer
            # than the 8 rules kept inline.
            *(Rule("/methods", endpoint=f"m_{m}", methods=[m]) for m in methods),
        ]

    url_map = Map(rules())
    url_map.update()
    many_path = "/many/" + "/".join(f"v{i}" for i in range(20))
    match = url_map.match_path
    index_rule = next(rule for rule in url_map.iter_rules() if rule.endpoint == "index")
    cases.add("matcher", "match_path static", _returns, (index_rule, {}), match, "/", "GET")
    cases.add("matcher", "match_path int + path", match, "/user/42/a/b/c", "GET")
    cases.add("matcher", "match_path float + uuid", match,
              "/f/1.5/0f8fad5b-d9cb-469f-a165-70867728950e", "GET")
    cases.add("matcher", "match_path any", match, "/any/b", "GET")
    cases.add("matcher", "match_path signed int", match, "/r/-7", "GET")
    cases.add("matcher", "match_path 20 captures", match, many_path, "GET")
    cases.add("matcher", "match_path no leading slash", match, "user/1", "GET")
    cases.add("matcher", "match_path NotFound", _raises, NotFound, match, "/nope/x", "GET")
    cases.add("matcher", "match_path converter refuses", _raises, NotFound, match, "/user/x", "GET")
    cases.add("matcher", "match_path long NotFound", _raises, NotFound, match,
              "/user/" + "9" * 40 + "x", "GET")
    cases.add("matcher", "match_path MethodNotAllowed", _raises, MethodNotAllowed, match, "/", "POST")
    cases.add("matcher", "match_path 405 of 10 methods", _raises, MethodNotAllowed, match,
              "/methods", "LOCK")
    cases.add("matcher", "match_path strict slash -> full match", _raises, NeedsFullMatch,
              match, "/dir", "GET")
    cases.add("matcher", "match_path merge slashes -> full match", _raises, NeedsFullMatch,
              match, "//user//1", "GET")
    cases.add("matcher", "match_path redirect_to -> full match", _raises, NeedsFullMatch,
              match, "/old", "GET")
    cases.add("matcher", "match_path websocket mismatch", _raises, WebsocketMismatch,
              match, "/ws", "GET")
    adapter = url_map.bind("localhost")
    cases.add("matcher", "MapAdapter.match found", adapter.match, "/user/1/x", "GET")
    cases.add("matcher", "MapAdapter.match redirect", _raises, RequestRedirect, adapter.match,
              "/dir", "GET")
    cases.add("matcher", "MapAdapter.match defaults redirect", _raises, RequestRedirect,
              adapter.match, "/d/1", "GET")
    cases.add("matcher", "MapAdapter.match 405", _raises, MethodNotAllowed, adapter.match,
              "/methods", "LOCK")
    matcher = url_map._matcher
    cases.add("matcher", "StateMachineMatcher.match NoMatch", _raises, NoMatch, matcher.match,
              "", "/nope", "GET", False)
    cases.add("matcher", "StateMachineMatcher.match refused", _raises, NoMatch, matcher.match,
              "", "/methods", "LOCK", False)
    cases.add("matcher", "StateMachineMatcher.match bad path type", _raises, TypeError,
              matcher.match, "", b"/", "GET", False)

    def build_and_match() -> None:
        # A map built, frozen, matched and dropped: the matcher's arena and
        # the rules' step arrays are freed with it.
        fresh = Map(rules())
        fresh.match_path("/user/1", "GET")

    # Milliseconds a call (Werkzeug compiles every rule): 1/20 of the calls,
    # after enough calls to fill the caches of Werkzeug's rule parser (it
    # takes about a hundred maps to stop growing them).
    cases.add_scaled(0.05, 150, "matcher", "Map built, matched and dropped", build_and_match)


def _tampered(token: bytes) -> bytes:
    """``token`` with one signature character changed: not the last one, whose
    low bits are base64 padding that decoding ignores (so changing it can
    leave the signature valid, for itsdangerous too)."""
    changed = b"A" if token[-2:-1] != b"A" else b"B"
    return token[:-2] + changed + token[-1:]


def _signing_cases(cases: _CaseList) -> None:
    import hashlib

    from itsdangerous import NoneAlgorithm

    from fastmicro import signing

    core = speedups.load("signing")
    signer = signing.Signer("secret", salt="s")
    ts_signer = signing.TimestampSigner(["old secret", "secret"], salt="s")
    serializer = signing.URLSafeTimedSerializer("secret", salt="cookie-session",
                                                signer_kwargs={"key_derivation": "hmac",
                                                               "digest_method": hashlib.sha1})
    plain_serializer = signing.URLSafeSerializer("secret")
    binary_serializer = signing.Serializer("secret", serializer=_ReprSerializer)
    big = {"items": list(range(200)), "text": "x" * 500}
    good = serializer.dumps({"n": 1})
    good_big = serializer.dumps(big)
    signed = signer.sign("value")
    ts_signed = ts_signer.sign("value")
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    cases.add("signing", "Signer.sign", signer.sign, "value")
    cases.add("signing", "Signer.unsign", _returns, b"value", signer.unsign, signed)
    cases.add("signing", "Signer.unsign bad signature", _raises, signing.BadSignature,
              signer.unsign, _tampered(signed))
    cases.add("signing", "Signer.unsign no separator", _raises, signing.BadSignature,
              signer.unsign, b"no separator here")
    cases.add("signing", "Signer.unsign bad base64", _raises, signing.BadSignature,
              signer.unsign, b"value.!!!!")
    cases.add("signing", "Signer.validate", _returns, False, signer.validate, b"x.y")
    cases.add("signing", "TimestampSigner.unsign", ts_signer.unsign, ts_signed, max_age=3600)
    cases.add("signing", "TimestampSigner.unsign return_timestamp", ts_signer.unsign, ts_signed,
              return_timestamp=True)
    cases.add("signing", "TimestampSigner.unsign, signed with the old key", ts_signer.unsign,
              signing.TimestampSigner("old secret", salt="s").sign("value"))
    cases.add("signing", "TimestampSigner.unsign expired", _raises, signing.SignatureExpired,
              ts_signer.unsign, ts_signed, max_age=-1)
    cases.add("signing", "TimestampSigner.unsign no timestamp", _raises, signing.BadTimeSignature,
              ts_signer.unsign, signing.Signer(["old secret", "secret"], salt="s").sign("v"))
    cases.add("signing", "TimestampSigner.unsign bad timestamp", _raises, signing.BadTimeSignature,
              ts_signer.unsign, signing.Signer(["old secret", "secret"], salt="s").sign("v.A"))
    cases.add("signing", "TimestampSigner.unsign tampered", _raises, signing.BadTimeSignature,
              ts_signer.unsign, _tampered(ts_signed))
    cases.add("signing", "URLSafeTimedSerializer.dumps", serializer.dumps, {"n": 1})
    cases.add("signing", "URLSafeTimedSerializer.dumps compressed", serializer.dumps, big)
    cases.add("signing", "URLSafeTimedSerializer.loads", _returns, {"n": 1}, serializer.loads, good)
    cases.add("signing", "URLSafeTimedSerializer.loads compressed", serializer.loads, good_big,
              max_age=3600)
    cases.add("signing", "URLSafeTimedSerializer.loads tampered", _raises, signing.BadSignature,
              serializer.loads, tampered)
    cases.add("signing", "URLSafeTimedSerializer.loads garbage", _raises, signing.BadSignature,
              serializer.loads, "garbage")
    cases.add("signing", "URLSafeTimedSerializer.loads_unsafe", serializer.loads_unsafe, tampered)
    bad_payload = signing.URLSafeSerializer("secret").make_signer().sign(b"!!!notbase64").decode()
    bad_zlib = signing.URLSafeSerializer("secret").make_signer().sign(
        b"." + base64.urlsafe_b64encode(b"not zlib").rstrip(b"=")).decode()
    bad_json = signing.URLSafeSerializer("secret").make_signer().sign(
        base64.urlsafe_b64encode(b"{not json").rstrip(b"=")).decode()
    cases.add("signing", "URLSafeSerializer.loads bad base64 payload", _raises, signing.BadPayload,
              plain_serializer.loads, bad_payload)
    cases.add("signing", "URLSafeSerializer.loads bad zlib payload", _raises, signing.BadPayload,
              plain_serializer.loads, bad_zlib)
    cases.add("signing", "URLSafeSerializer.loads bad JSON payload", _raises, signing.BadPayload,
              plain_serializer.loads, bad_json)
    cases.add("signing", "Serializer (bytes) round trip",
              lambda: binary_serializer.loads(binary_serializer.dumps("abc")))
    none_signer = signing.Signer("secret", algorithm=NoneAlgorithm())
    cases.add("signing", "Signer NoneAlgorithm", none_signer.unsign, none_signer.sign("v"))
    for derivation in ("concat", "django-concat", "hmac", "none"):
        s = signing.Signer("secret", salt="salt", key_derivation=derivation)
        cases.add("signing", f"Signer {derivation} sign+unsign",
                  lambda s=s: s.unsign(s.sign(b"payload")))
    cases.add("signing", "derive_key unknown derivation", _raises, TypeError,
              core.derive_key, b"secret", b"salt", "bogus", hashlib.sha1)
    cases.add("signing", "b64encode", core.b64encode, b"\x00\xff" * 50)
    cases.add("signing", "b64decode", core.b64decode, b"AP8A_wD_")
    cases.add("signing", "b64decode invalid", _raises, Exception, core.b64decode, b"A")
    cases.add("signing", "b64decode non-ascii", _raises, Exception, core.b64decode, "é")
    cases.add("signing", "encode_timestamp", core.encode_timestamp, 1_700_000_000)
    cases.add("signing", "decode_timestamp garbage", _returns, None, core.decode_timestamp, b"A")
    cases.add("signing", "want_bytes str", core.want_bytes, "é")
    cases.add("signing", "want_bytes bad encoding", _raises, UnicodeEncodeError, core.want_bytes,
              "é", "ascii")
    cases.add("signing", "urlsafe_load_payload bad", _raises, signing.BadPayload,
              core.urlsafe_load_payload, b".!!")


class _ReprSerializer:
    """A bytes serializer for :class:`fastmicro.signing.Serializer`."""

    @staticmethod
    def dumps(obj: object) -> bytes:
        return repr(obj).encode()

    @staticmethod
    def loads(data: bytes) -> object:
        return data.decode()


def _query_cases(cases: _CaseList) -> None:
    from werkzeug.datastructures import MultiDict
    from werkzeug.exceptions import BadRequestKeyError, ClientDisconnected, RequestEntityTooLarge

    from fastmicro import Request

    query = speedups.load("query")
    imd = query.ImmutableMultiDict
    cases.add("query", "parse_query plain", query.parse_query, b"a=1&b=2&a=3&c", imd)
    cases.add("query", "parse_query escapes", query.parse_query,
              b"name=J%C3%BCrgen+M&x=%41%42&empty=&&=v", imd)
    cases.add("query", "parse_query bad escapes", query.parse_query, b"q=%zz%E0%A4&%%%=%", imd)
    cases.add("query", "parse_query invalid UTF-8 escape", query.parse_query, b"q=%ff%fe&r=%C3", imd)
    cases.add("query", "parse_query raw invalid UTF-8", _raises, UnicodeDecodeError,
              query.parse_query, b"q=\xff\xfe", imd)
    cases.add("query", "parse_query MultiDict", query.parse_query, b"a=1&a=2", MultiDict)
    cases.add("query", "parse_query other class", query.parse_query, b"a=1&a=2", list)
    cases.add("query", "parse_query str", query.parse_query, bytearray(b"a=1&b"), imd)
    cases.add("query", "parse_query class raises", _raises, TypeError, query.parse_query,
              b"a=1", int)
    args = query.parse_query(b"a=1&n=x", imd)
    cases.add("query", "multidict_getitem", _returns, "1", args.__getitem__, "a")
    cases.add("query", "multidict_getitem missing", _raises, BadRequestKeyError, args.__getitem__,
              "missing")
    cases.add("query", "multidict_getitem unhashable", _raises, TypeError, args.__getitem__, [])
    cases.add("query", "multidict_get type fails", _returns, -1, args.get, "n", -1, int)
    cases.add("query", "multidict_get missing", _returns, None, args.get, "missing")

    body = b"name=bench&email=b%40example.com&x=" + b"y" * 100

    def form(content_length: str, data: bytes, limit: int | None = None,
             stream_cls: Callable[[bytes], Any] = io.BytesIO) -> Request:
        req = Request({"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                       "CONTENT_LENGTH": content_length, "wsgi.input": stream_cls(data),
                       "SERVER_NAME": "x", "SERVER_PORT": "80", "wsgi.url_scheme": "http"})
        req.max_content_length = limit
        return req

    class BrokenStream(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("connection reset")

    load = query.load_urlencoded_form
    cases.add("query", "load_urlencoded_form", lambda: load(form(str(len(body)), body)))
    cases.add("query", "load_urlencoded_form too large", lambda: _raises(
        RequestEntityTooLarge, load, form(str(len(body)), body, limit=10)))
    cases.add("query", "load_urlencoded_form truncated body", lambda: _raises(
        ClientDisconnected, load, form("500", body)))
    cases.add("query", "load_urlencoded_form broken stream", lambda: _raises(
        ClientDisconnected, load, form("10", body, stream_cls=BrokenStream)))
    cases.add("query", "load_urlencoded_form invalid UTF-8", lambda: load(form("4", b"a=\xff\xfe")))


def _wsgi_cases(cases: _CaseList) -> None:
    from werkzeug.exceptions import BadRequestKeyError

    from fastmicro.http.environ_headers import EnvironHeaders

    wsgi = speedups.load("wsgi")
    environ = {"HTTP_HOST": "x", "HTTP_USER_AGENT": "ua", "HTTP_X_ÄÖ": "v",
               "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "", "HTTP_CONTENT_TYPE": "dup",
               "wsgi.input": None}

    class Key(str):
        pass

    environ[Key("HTTP_X_SUB")] = "sub"
    headers = EnvironHeaders(environ)
    cases.add("wsgi", "environ_key", wsgi.environ_key, "X-Forwarded-For")
    cases.add("wsgi", "environ_key non-ASCII", wsgi.environ_key, "X-Straße")
    cases.add("wsgi", "environ_key not str", _raises, TypeError, wsgi.environ_key, b"X")
    cases.add("wsgi", "header_items odd keys", wsgi.header_items, environ)
    # Werkzeug's EnvironHeaders fails the same way on a key that is no str.
    cases.add("wsgi", "header_items int key", _raises, AttributeError, wsgi.header_items,
              {**environ, 7: "x"})
    cases.add("wsgi", "headers[...]", _returns, "ua", headers.__getitem__, "user-agent")
    cases.add("wsgi", "headers[missing]", _raises, KeyError, headers.__getitem__, "X-Missing")
    cases.add("wsgi", "headers[not str]", _raises, BadRequestKeyError, headers.__getitem__, 1)
    cases.add("wsgi", "headers.get type fails", _returns, 0, headers.get, "Host", 0, int)
    cases.add("wsgi", "headers.get missing", headers.get, "X-Missing")
    cases.add("wsgi", "in headers", headers.__contains__, "Content-Type")
    cases.add("wsgi", "iter(headers)", lambda: list(headers))
    cases.add("wsgi", "len(headers)", len, headers)
    cases.add("wsgi", "EnvironHeaders()", EnvironHeaders, environ)
    cases.add("wsgi", "status_line known", wsgi.status_line, 404)
    cases.add("wsgi", "status_line unknown", wsgi.status_line, 599)
    cases.add("wsgi", "sendable_as_is", wsgi.sendable_as_is,
              [("Content-Type", "text/plain"), ("Content-Length", "3"), ("X-\u212a", "k")])
    cases.add("wsgi", "sendable_as_is location", wsgi.sendable_as_is, [("Location", "/")])
    cases.add("wsgi", "sendable_as_is bad key", _raises, AttributeError, wsgi.sendable_as_is,
              [(1, "x")])
    cases.add("wsgi", "sendable_as_is not pairs", _raises, ValueError, wsgi.sendable_as_is,
              [("Content-Length",)])


def _cookies_cases(cases: _CaseList) -> None:
    from werkzeug.datastructures import ImmutableMultiDict


    cookies = speedups.load("cookies")
    parse, dump = cookies.parse_cookie, cookies.dump_cookie
    cases.add("cookies", "parse_cookie browser", parse,
              "_ga=GA1.1.123; theme=dark; csrftoken=Xq3c9ZbT7mWk; _gid=GA1.1.987")
    cases.add("cookies", "parse_cookie quoted escapes", parse,
              'a="b\\"c\\\\d\\073"; e="\\377\\303\\251"; f=g', ImmutableMultiDict)
    cases.add("cookies", "parse_cookie hostile", parse,
              'a="unclosed; b=="; ;;; =; c=\\"; d' + ";x=" + '"' * 200)
    cases.add("cookies", "parse_cookie latin-1 tunnelled UTF-8", parse, "k=J\xc3\xbcrgen")
    cases.add("cookies", "parse_cookie bytes", parse, b"k=v; k2=\xc3\xa9")
    cases.add("cookies", "parse_cookie invalid UTF-8 bytes", _raises, UnicodeDecodeError, parse,
              b"k=\xff")
    cases.add("cookies", "parse_cookie environ", parse, {"HTTP_COOKIE": "a=1; b=2"})
    cases.add("cookies", "parse_cookie not a str", _raises, Exception, parse, 12345)
    cases.add("cookies", "parse_cookie class raises", _raises, TypeError, parse, "a=1", int)
    cases.add("cookies", "dump_cookie plain", dump, "session", "abc")
    cases.add("cookies", "dump_cookie every option", dump, "k", 'v a;l"u\xe9', max_age=_dt.timedelta(hours=1),
              path="/p ath", domain=".Example.COM:8080", secure=True, httponly=True,
              samesite="Lax", partitioned=True)
    cases.add("cookies", "dump_cookie expires datetime", dump, "k", "v",
              expires=_dt.datetime(2030, 1, 1, tzinfo=_dt.timezone.utc))
    cases.add("cookies", "dump_cookie expires int", dump, "k", "v", expires=1_900_000_000)
    cases.add("cookies", "dump_cookie expires str", dump, "k", "v", expires="Thu, 01 Jan 1970")
    cases.add("cookies", "dump_cookie IDNA domain", dump, "k", "v", domain="bücher.example")
    cases.add("cookies", "dump_cookie bad samesite", _raises, ValueError, dump, "k", "v",
              samesite="Bogus")
    cases.add("cookies", "dump_cookie bad max_age", _raises, TypeError, dump, "k", "v",
              max_age="soon")

    def too_large() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _raises(UserWarning, dump, "k", "v" * 5000)

    cases.add("cookies", "dump_cookie too large (warning as error)", too_large)


def _accept_cases(cases: _CaseList) -> None:
    from werkzeug.datastructures import CharsetAccept, LanguageAccept, MIMEAccept


    accept = speedups.load("accept")
    parse = accept.parse_accept_header
    browser = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
               "image/webp,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
    hostile = 'text/html;q=abc, */*;q=2, "unclosed, a/b;level="x\\"y";q=0.5, ;;;, a/b;c*=utf-8\'\'x'
    many = ",".join(f"type{i}/sub{i};q=0.{i % 10}" for i in range(80))  # past the C sort (64)
    cases.add("accept", "parse MIMEAccept browser", parse, browser, MIMEAccept)
    cases.add("accept", "parse MIMEAccept hostile", parse, hostile, MIMEAccept)
    cases.add("accept", "parse MIMEAccept 80 items", parse, many, MIMEAccept)
    cases.add("accept", "parse LanguageAccept", parse, "en-US,en;q=0.9,de;q=0.8,*;q=0.1",
              LanguageAccept)
    cases.add("accept", "parse CharsetAccept", parse, "utf-8, iso-8859-1;q=0.5", CharsetAccept)
    cases.add("accept", "parse Accept unclosed quote", parse, '"abc')
    cases.add("accept", "parse empty", parse, "", MIMEAccept)
    cases.add("accept", "parse bytes", _raises, Exception, parse, b"text/html", MIMEAccept)
    mime = parse(browser, MIMEAccept)
    lang = parse("en-US,en;q=0.9,de;q=0.8", LanguageAccept)
    plain = parse("gzip, deflate;q=0.5, br")
    cases.add("accept", "MIMEAccept.best_match", _returns, "text/html", mime.best_match,
              ["application/json", "text/html"])
    cases.add("accept", "MIMEAccept.best_match invalid offer", _raises, ValueError,
              mime.best_match, ["nonsense"])
    cases.add("accept", "MIMEAccept.quality", mime.quality, "application/xml")
    cases.add("accept", "MIMEAccept in", mime.__contains__, "image/webp")
    cases.add("accept", "MIMEAccept in invalid", _raises, ValueError, mime.__contains__, "x")
    cases.add("accept", "LanguageAccept.best_match fallback", lang.best_match, ["de-AT", "fr"])
    cases.add("accept", "LanguageAccept.quality", lang.quality, "en")
    cases.add("accept", "LanguageAccept in", lang.__contains__, "de")
    cases.add("accept", "Accept.best_match", plain.best_match, ["br", "zstd"], "identity")
    cases.add("accept", "Accept.quality", plain.quality, "deflate")
    cases.add("accept", "Accept.best_match not iterable", _raises, TypeError, plain.best_match, 5)


def _headers_cases(cases: _CaseList) -> None:
    from werkzeug.datastructures import RequestCacheControl, ResponseCacheControl


    h = speedups.load("headers")
    add = cases.add
    add("headers", "parse_options_header", h.parse_options_header,
        'multipart/form-data; boundary="---x"; charset=utf-8')
    add("headers", "parse_options_header RFC 2231", h.parse_options_header,
        "attachment; filename*=UTF-8''na%C3%AFve%20file.txt; title*0*=us-ascii'en'a; title*1=b")
    add("headers", "parse_options_header hostile", h.parse_options_header,
        'text/plain; a="unclosed; b=\\"; ;; =x; c*=bogus\'\'%zz; ' + '"' * 300)
    add("headers", "parse_options_header None", h.parse_options_header, None)
    add("headers", "parse_options_header bytes", _raises, Exception, h.parse_options_header, b"x/y")
    add("headers", "parse_list_header", h.parse_list_header, 'a, "b, c", d\\"e, "unclosed')
    add("headers", "parse_dict_header", h.parse_dict_header, 'a=1, b="x, y", c, d*=utf-8\'\'%C3%A9')
    add("headers", "parse_cache_control_header request", h.parse_cache_control_header,
        "max-age=0, no-cache, private=\"x\", bogus, max-stale", None, RequestCacheControl)
    add("headers", "parse_cache_control_header response on_update", h.parse_cache_control_header,
        "public, max-age=60", lambda cc: None, ResponseCacheControl)
    add("headers", "quote_etag", h.quote_etag, "abc", True)
    add("headers", "quote_etag invalid", _raises, ValueError, h.quote_etag, 'a"b')
    add("headers", "unquote_etag", h.unquote_etag, 'W/"abc"')
    add("headers", "unquote_etag None", h.unquote_etag, None)
    add("headers", "parse_etags", h.parse_etags, 'W/"a", "b", c, *')
    add("headers", "parse_etags hostile", h.parse_etags, 'W/"unclosed, "x"\n' + "W/" * 100)
    add("headers", "parse_range_header", h.parse_range_header, "bytes=0-99,200-,-500")
    add("headers", "parse_range_header invalid", _returns, None, h.parse_range_header, "bytes=9-1")
    add("headers", "parse_range_header garbage", _returns, None, h.parse_range_header, "bytes=--,a-")
    add("headers", "parse_content_range_header", h.parse_content_range_header, "bytes 0-99/1000")
    add("headers", "parse_content_range_header invalid", _returns, None,
        h.parse_content_range_header, "bytes 99-0/10")
    add("headers", "parse_date", h.parse_date, "Sun, 06 Nov 1994 08:49:37 GMT")
    add("headers", "parse_date RFC 850", h.parse_date, "Sunday, 06-Nov-94 08:49:37 GMT")
    add("headers", "parse_date garbage", _returns, None, h.parse_date, "not a date at all")
    add("headers", "parse_date out of range", h.parse_date, "Sun, 06 Nov 99999 08:49:37 GMT")
    add("headers", "http_date int", h.http_date, 1_700_000_000)
    add("headers", "http_date float", h.http_date, 1_700_000_000.5)
    add("headers", "http_date datetime aware", h.http_date,
        _dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=_dt.timezone(_dt.timedelta(hours=2))))
    add("headers", "http_date date", h.http_date, _dt.date(2024, 1, 2))
    add("headers", "http_date struct_time", h.http_date, time.gmtime(0))
    add("headers", "http_date None", h.http_date, None)
    add("headers", "http_date out of range", _raises, (OverflowError, ValueError, OSError),
        h.http_date, 10**20)
    add("headers", "http_date bad type", _raises, TypeError, h.http_date, "yesterday")
    add("headers", "date_header_now", h.date_header_now)
    add("headers", "parse_if_range_header etag", h.parse_if_range_header, '"abc"')
    add("headers", "parse_if_range_header date", h.parse_if_range_header,
        "Sun, 06 Nov 1994 08:49:37 GMT")
    add("headers", "parse_authorization_header basic", h.parse_authorization_header,
        "Basic " + base64.b64encode(b"user:p\xc3\xa4ss").decode())
    add("headers", "parse_authorization_header bad base64", _returns, None,
        h.parse_authorization_header, "Basic A")
    add("headers", "parse_authorization_header junk base64", h.parse_authorization_header,
        "Basic !!!")
    add("headers", "parse_authorization_header no colon", h.parse_authorization_header,
        "Basic " + base64.b64encode(b"nocolon").decode())
    add("headers", "parse_authorization_header digest", h.parse_authorization_header,
        'Digest username="u", realm="r", nonce="n", uri="/", response="x"')
    add("headers", "parse_authorization_header bearer", h.parse_authorization_header,
        "Bearer abc.def.ghi")
    add("headers", "parse_www_authenticate_header", h.parse_www_authenticate_header,
        'Basic realm="x", charset="UTF-8"')


def _local_cases(cases: _CaseList) -> None:
    import fastmicro

    local = speedups.load("local")
    app = fastmicro.Flask("leakcheck_local")

    def read_attrs() -> None:
        with app.test_request_context("/x?a=1", headers={"X-A": "1"}):
            fastmicro.request.args.get("a")
            fastmicro.request.headers.get("X-A")
            _raises(AttributeError, getattr, fastmicro.request, "no_such_attribute")

    class Holder:
        @local.lazy_attribute
        def value(self) -> list[int]:
            return [1, 2, 3]

        @local.lazy_attribute
        def broken(self) -> object:
            raise LookupError("computing failed")

    cases.add("local", "proxy_getattr outside a context", _raises, RuntimeError, getattr,
              fastmicro.request, "method")
    cases.add("local", "proxy_getattr in a request (and AttributeError)", read_attrs)
    cases.add("local", "lazy_attribute computes", lambda: Holder().value)
    cases.add("local", "lazy_attribute compute raises", lambda: _raises(LookupError, getattr,
                                                                       Holder(), "broken"))


def _sessions_cases(cases: _CaseList) -> None:
    import fastmicro

    app = fastmicro.Flask("leakcheck_sessions")
    app.secret_key = "leakcheck secret"
    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)
    signer = serializer.make_signer(serializer.salt)
    valid = serializer.dumps({"n": 1, "user": "bench"})
    cookies = {
        "valid": valid,
        "tampered": valid[:-3] + ("xyz" if not valid.endswith("xyz") else "abc"),
        "garbage": '!!"\\;',
        "signed, payload no JSON": signer.sign(base64.urlsafe_b64encode(b"{oops").rstrip(b"=")).decode(),
        "signed, payload no dict": serializer.dumps([1, 2]),
        "none": "",
    }

    def open_and_save(cookie: str, change: Callable[[Any], None]) -> None:
        headers = [("Cookie", f"session={cookie}")] if cookie else []
        with app.test_request_context(headers=headers):
            session = interface.open_session(app, fastmicro.request._get_current_object())
            change(session)
            interface.save_session(app, session, app.response_class("x"))

    def write(session: Any) -> None:
        session["n"] = session.get("n", 0) + 1

    def clear(session: Any) -> None:
        session.clear()

    def permanent(session: Any) -> None:
        session.permanent = True
        session["p"] = 1

    for label, cookie in cookies.items():
        cases.add("sessions", f"open+save, cookie {label}, written", open_and_save, cookie, write)
    cases.add("sessions", "open+save, cookie valid, cleared", open_and_save, valid, clear)
    cases.add("sessions", "open+save, cookie valid, read only", open_and_save, valid,
              lambda session: session.get("n"))
    cases.add("sessions", "open+save, permanent", open_and_save, "", permanent)
    keyless = fastmicro.Flask("leakcheck_no_key")

    def no_key() -> None:
        with keyless.test_request_context():
            _returns(None, keyless.session_interface.open_session, keyless,
                     fastmicro.request._get_current_object())

    cases.add("sessions", "open without a secret key", no_key)


# -- the request cycle -----------------------------------------------------------


def _environ(method: str, path: str, **kwargs: Any) -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, method=method, **kwargs)
    try:
        env = builder.get_environ()
    finally:
        builder.close()
    data = kwargs.get("data")
    if isinstance(data, bytes):
        env[apps.BODY_KEY] = data
    return env


def _cycle_app(fm: Any) -> Any:
    """An app with a route for every kind of answer the cycle makes."""
    request, session, abort = fm.request, fm.session, fm.abort
    app = fm.Flask("leakcheck_cycle")
    app.secret_key = "leakcheck secret"
    app.config["MAX_CONTENT_LENGTH"] = 1024
    # A 500 logs the traceback; thousands of them would only be noise here.
    app.logger.disabled = True

    class Handled(Exception):
        pass

    @app.errorhandler(Handled)
    def handled(error: Exception) -> tuple[str, int]:
        return "handled", 409

    @app.route("/text")
    def text() -> str:
        return "hello"

    @app.route("/dict")
    def as_dict() -> dict:
        return {"a": [1, 2], "b": None}

    @app.route("/list")
    def as_list() -> list:
        return [1, "two", 3.0]

    @app.route("/user/<int:uid>/<path:rest>")
    def user(uid: int, rest: str) -> str:
        return f"{uid} {rest}"

    @app.route("/args")
    def args() -> str:
        return f"{request.args.get('a')} {request.args.getlist('b')} {request.args.get('n', -1, int)}"

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return request.form["name"]

    @app.route("/json", methods=["POST"])
    def json_echo() -> Any:
        return fm.jsonify(request.get_json())

    @app.route("/session")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/abort/<int:code>")
    def aborts(code: int) -> str:
        abort(code)

    @app.route("/raise")
    def raises() -> str:
        raise ValueError("boom")

    @app.route("/handled")
    def raises_handled() -> str:
        raise Handled()

    @app.route("/none")
    def returns_none() -> None:
        return None

    @app.route("/stream")
    def stream() -> Any:
        return app.response_class((f"{i}\n" for i in range(3)), mimetype="text/plain")

    @app.route("/redirect")
    def redirects() -> Any:
        return fm.redirect("/text")

    @app.route("/tuple")
    def as_tuple() -> tuple:
        return "created", 201, {"X-Extra": "1"}

    @app.route("/inspect")
    def inspect() -> Any:
        parts = [
            request.accept_mimetypes.best_match(["text/html", "application/json"]),
            request.accept_languages.best_match(["en", "de"]),
            str(request.cookies.get("theme")),
            str(request.if_none_match),
            str(request.range),
            str(request.authorization),
            str(request.cache_control),
            str(request.if_modified_since),
            request.mimetype,
        ]
        response = fm.make_response(" | ".join(str(p) for p in parts))
        response.set_cookie("seen", "yes", max_age=60, samesite="Lax")
        return response

    @app.route("/after")
    def after() -> str:
        fm.after_this_request(lambda response: response)
        return "after"

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    return app


def _hooked_app(fm: Any) -> Any:
    """Hooks, signals and a 404 handler: the cycle's other branches."""
    app = fm.Flask("leakcheck_hooks")
    app.logger.disabled = True

    @app.before_request
    def before() -> Any:
        if fm.request.path == "/blocked":
            return "blocked", 403
        return None

    @app.after_request
    def after(response: Any) -> Any:
        response.headers["X-After"] = "1"
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        pass

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        pass

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "custom 404", 404

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/raise")
    def raises() -> str:
        raise KeyError("boom")

    def on_started(sender: Any, **extra: Any) -> None:
        pass

    fm.request_started.connect(on_started, app)
    app._leakcheck_receiver = on_started  # blinker keeps receivers weakly
    return app


def _plain_cycle_app(fm: Any) -> Any:
    """An app the fast cycle steps aside for (an overridden method)."""

    class Custom(fm.Flask):
        def dispatch_request(self) -> Any:
            return super().dispatch_request()

    app = Custom("leakcheck_plain")
    app.logger.disabled = True
    app.config["TRUSTED_HOSTS"] = ["good.example"]

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/raise")
    def raises() -> str:
        raise ValueError("boom")

    return app


def _cycle_cases(cases: _CaseList) -> None:
    fm = importlib.import_module("fastmicro")
    app, hooked, plain = _cycle_app(fm), _hooked_app(fm), _plain_cycle_app(fm)
    valid_cookie = app.session_interface.get_signing_serializer(app).dumps({"n": 1})
    hostile_headers = [
        ("Accept", 'text/html;q=abc, */*;q=2, "unclosed'),
        ("Accept-Language", ";;;,,,q=,en;q=0.x"),
        ("Cookie", 'a="unclosed; theme=\\"dark; ==; ;;'),
        ("If-None-Match", 'W/"x", garbage, "unclosed'),
        ("Range", "bytes=--,9-1"),
        ("Authorization", "Basic !!!not base64"),
        ("Cache-Control", 'max-age=abc, ,,="x'),
        ("If-Modified-Since", "yesterday at noon"),
        ("Content-Type", 'text/plain; charset*=bogus\'\'%zz; "'),
    ]
    requests: list[tuple[Any, str, str, dict, int]] = [
        (app, "GET", "/text", {}, 200),
        (app, "HEAD", "/text", {}, 200),
        (app, "OPTIONS", "/text", {}, 200),
        (app, "POST", "/text", {}, 405),
        (app, "GET", "/nope", {}, 404),
        (app, "GET", "/dict", {}, 200),
        (app, "GET", "/list", {}, 200),
        (app, "GET", "/user/7/a/b", {}, 200),
        (app, "GET", "/user/x/a", {}, 404),
        (app, "GET", "/args", {"query_string": "a=1&b=2&b=3&n=x"}, 200),
        (app, "GET", "/args", {"query_string": "a=%zz%ff&b=%E0%A4"}, 200),
        (app, "POST", "/form", {"data": b"name=bench&x=%41",
                                "content_type": "application/x-www-form-urlencoded"}, 200),
        (app, "POST", "/form", {"data": b"other=1",
                                "content_type": "application/x-www-form-urlencoded"}, 400),
        (app, "POST", "/form", {"data": b"name=" + b"x" * 2000,
                                "content_type": "application/x-www-form-urlencoded"}, 413),
        (app, "POST", "/form", {"data": b"name=\xff\xfe",
                                "content_type": "application/x-www-form-urlencoded"}, 400),
        (app, "POST", "/json", {"data": b'{"a": [1, 2]}', "content_type": "application/json"}, 200),
        (app, "POST", "/json", {"data": b'{"a": [1, 2', "content_type": "application/json"}, 400),
        (app, "POST", "/json", {"data": b'{"a": 1}', "content_type": "text/plain"}, 415),
        (app, "GET", "/session", {"headers": [("Cookie", f"session={valid_cookie}")]}, 200),
        (app, "GET", "/session", {"headers": [("Cookie", f"session={valid_cookie[:-3]}xyz")]}, 200),
        (app, "GET", "/session", {}, 200),
        (app, "GET", "/abort/400", {}, 400),
        (app, "GET", "/abort/418", {}, 418),
        (app, "GET", "/raise", {}, 500),
        (app, "GET", "/handled", {}, 409),
        (app, "GET", "/none", {}, 500),
        (app, "GET", "/stream", {}, 200),
        (app, "GET", "/redirect", {}, 302),
        (app, "GET", "/tuple", {}, 201),
        (app, "GET", "/inspect", {"headers": hostile_headers}, 200),
        (app, "GET", "/inspect", {"headers": list(apps.common.BROWSER_HEADERS)}, 200),
        (app, "GET", "/after", {}, 200),
        (app, "GET", "/dir", {}, 308),
        (app, "GET", "/user//7/a", {}, 308),
        (app, "GET", "/\xff\xfe", {}, 404),
        (hooked, "GET", "/ok", {}, 200),
        (hooked, "GET", "/blocked", {}, 403),
        (hooked, "GET", "/nope", {}, 404),
        (hooked, "GET", "/raise", {}, 500),
        (plain, "GET", "/ok", {"headers": [("Host", "good.example")]}, 200),
        (plain, "GET", "/raise", {"headers": [("Host", "good.example")]}, 500),
        (plain, "GET", "/ok", {"headers": [("Host", "evil.example")]}, 400),
    ]
    names = {id(app): "app", id(hooked): "hooked app", id(plain): "plain-cycle app"}
    for target, method, path, kwargs, status in requests:
        env = _environ(method, path, **kwargs)
        query = kwargs.get("query_string")
        label = f"{names[id(target)]} {method} {path}{'?' + str(query) if query else ''}"
        if kwargs.get("data") is not None:
            label += f" ({len(kwargs['data'])}-byte body)"
        if kwargs.get("headers"):
            label += f" ({len(kwargs['headers'])} headers)"
        cases.append(Case("cycle", f"{label} -> {status}",
                          lambda target=target, env=env, status=status: _serve(target, env, status)))


def _serve(app: Any, environ: dict, status: int) -> None:
    response = apps.call(app, environ)
    if response.status_code != status:
        raise AssertionError(f"status {response.status!r}, expected {status}: {response.body[:200]!r}")


#: The builders of the cases, by hot path (the cycle's cases also go through
#: every other hot path on the way).
BUILDERS: dict[str, Callable[[_CaseList], None]] = {
    "matcher": _matcher_cases,
    "cycle": _cycle_cases,
    "local": _local_cases,
    "query": _query_cases,
    "wsgi": _wsgi_cases,
    "signing": _signing_cases,
    "cookies": _cookies_cases,
    "accept": _accept_cases,
    "headers": _headers_cases,
    "sessions": _sessions_cases,
}


def build_cases(hot_paths: list[str] | None = None) -> list[Case]:
    """The cases of ``hot_paths`` (default: all), each run once to prove it
    behaves as it states."""
    cases = _CaseList()
    for name in hot_paths or list(BUILDERS):
        BUILDERS[name](cases)
    for case in cases:
        try:
            case.run()
        except Exception as exc:
            raise AssertionError(f"{case.label}: {type(exc).__name__}: {exc}") from exc
    return list(cases)


def leaking_case(kind: str) -> Case:
    """A case that leaks on purpose, to prove the checker sees leaks:
    ``"list"`` keeps an object per call in a list (visible to gc), ``"ref"``
    leaks a reference to a new object, as C code forgetting a ``Py_DECREF``
    would (invisible to gc)."""
    if kind == "list":
        kept: list[object] = []
        return Case("proof", "kept in a list", lambda: kept.append(object()))
    if kind == "ref":
        incref = ctypes.pythonapi.Py_IncRef
        incref.argtypes = [ctypes.py_object]
        incref.restype = None
        return Case("proof", "leaked reference", lambda: incref(ctypes.py_object(str(time.perf_counter_ns()))))
    raise ValueError(kind)


# -- valgrind --------------------------------------------------------------------


@dataclass
class ValgrindReport:
    """What valgrind found: leaks and memory errors, in all and with an
    allocation (or error) stack through ``fastmicro/_ext``."""

    definitely_lost_bytes: int = 0
    definitely_lost_blocks: int = 0
    ext_lost_bytes: int = 0
    ext_lost_records: list[str] = field(default_factory=list)
    error_contexts: int = 0
    #: Errors whose stack reaches compiled fastmicro code before any
    #: interpreted Python (see :func:`ran_in_ext`).
    ext_error_records: list[str] = field(default_factory=list)
    log: str = ""
    exit_code: int = 0


_LOSS = re.compile(r"([\d,]+) bytes in ([\d,]+) blocks are definitely lost")
_SUMMARY = re.compile(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks")
_ERROR_CONTEXTS = re.compile(r"ERROR SUMMARY: [\d,]+ errors from ([\d,]+) contexts")
#: The first line of a memory error record.
_ERROR = re.compile(r"^(Invalid (read|write|free)|Conditional jump|Use of uninitialised|"
                    r"Syscall param|Mismatched free|Source and destination overlap)")


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _records(text: str) -> list[list[str]]:
    """The log's records: runs of lines between blank ``==PID==`` lines,
    with the ``==PID==`` prefixes removed."""
    records: list[list[str]] = [[]]
    for line in text.splitlines():
        body = re.sub(r"^==\d+==\s?", "", line)
        if body.strip():
            records[-1].append(body)
        elif records[-1]:
            records.append([])
    return [r for r in records if r]


def ran_in_ext(frames: list[str]) -> bool:
    """Whether a stack (innermost frame first) was entered from compiled
    fastmicro code with no interpreted Python in between: the frames above
    the first ``fastmicro/_ext`` frame are C code that it called directly
    (an allocation it made, a C API call it passed something to). An error
    inside code that Python code called (``json.loads`` from a compiled
    caller, say) is that code's, not the extension's."""
    for frame in frames:
        if _EXT_FRAME.search(frame):
            return True
        if "_PyEval_EvalFrameDefault" in frame:
            return False
    return False


def parse_valgrind(text: str) -> ValgrindReport:
    """The figures of a ``valgrind --leak-check=full`` log."""
    report = ValgrindReport()
    summary = _SUMMARY.search(text)
    if summary:
        report.definitely_lost_bytes = _number(summary.group(1))
        report.definitely_lost_blocks = _number(summary.group(2))
    contexts = _ERROR_CONTEXTS.search(text)
    if contexts:
        report.error_contexts = _number(contexts.group(1))
    for record in _records(text):
        through_ext = ran_in_ext(record[1:])
        loss = _LOSS.search(record[0])
        if loss and through_ext:
            report.ext_lost_bytes += _number(loss.group(1))
            report.ext_lost_records.append("\n".join(record))
        elif _ERROR.match(record[0]) and through_ext:
            report.ext_error_records.append("\n".join(record))
    return report


def run_valgrind(iterations: int, hot_paths: list[str] | None, logdir: Path) -> ValgrindReport:
    log = logdir / "valgrind.log"
    env = dict(os.environ, PYTHONMALLOC="malloc")
    cmd = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite",
           "--errors-for-leak-kinds=definite", "--num-callers=50", f"--log-file={log}",
           sys.executable, str(Path(__file__).resolve()), "--exercise",
           "--iterations", str(iterations)]
    if hot_paths:
        cmd += ["--only", ",".join(hot_paths)]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    text = log.read_text(errors="replace") if log.exists() else ""
    if "LEAK SUMMARY" not in text and "ERROR SUMMARY" not in text:
        raise SystemExit(f"the valgrind run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    report = parse_valgrind(text)
    report.log, report.exit_code = str(log), proc.returncode
    return report


# -- main ------------------------------------------------------------------------


def report_scenarios(requests: int, backend: str, out: str | None) -> int:
    print(f"fastmicro backend: {backend}; {requests:,} requests per scenario after "
          f"{requests // 20:,}; Python {platform.python_version()}")
    print("| scenario | gc objects | allocated blocks | RSS KiB |")
    print("| --- | ---: | ---: | ---: |")
    results = scenario_growth(requests, requests // 20)
    for name, growth in results.items():
        print(f"| `{name}` | {growth.objects:+d} | {growth.blocks:+d} | {growth.rss // 1024:+d} |")
    if out:
        Path(out).write_text(json.dumps({"backend": backend, "requests": requests,
                                         "growth": {n: asdict(g) for n, g in results.items()}},
                                        indent=2))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iterations", type=int,
                   help="calls per round (default 2000; under --valgrind, calls per case: 20)")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    p.add_argument("--warmup", type=int, default=200, help="calls before measuring (default 200)")
    p.add_argument("--only", help="comma-separated hot paths (default all): " + ",".join(BUILDERS))
    p.add_argument("--tracemalloc", action="store_true", help="also measure traced bytes")
    p.add_argument("--valgrind", action="store_true",
                   help="instead: run the cases under valgrind and report what it finds")
    p.add_argument("--scenarios", type=int, metavar="N",
                   help="instead: memory growth over N requests of each end-to-end scenario "
                        "(after N/20 of warm-up), as tests/test_memory.py measures it")
    p.add_argument("--exercise", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--json", metavar="OUT", help="write the results to OUT")
    args = p.parse_args(argv)
    args.only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    if args.iterations is None:
        args.iterations = 20 if args.valgrind else 2000
    for name in args.only or ():
        if name not in BUILDERS:
            p.error(f"unknown hot path {name!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cases = build_cases(args.only)
    except Exception as exc:  # noqa: BLE001 - any surprise means a wrong case
        print(f"a case does not behave as it states: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for case in cases:
            print(case.label)
        return 0
    if args.exercise:  # the child of --valgrind: just run everything
        for case in cases:
            _loop(case.run, args.iterations)
        return 0
    backend = speedups.backend()
    if args.scenarios:
        return report_scenarios(args.scenarios, backend, args.json)
    if args.valgrind:
        iterations = args.iterations
        logdir = Path(tempfile.mkdtemp(prefix="fastmicro-leakcheck-"))
        t0 = time.monotonic()
        report = run_valgrind(iterations, args.only, logdir)
        print(f"valgrind ({backend} backend, {len(cases)} cases x {iterations} calls, "
              f"{time.monotonic() - t0:.0f} s, child exit {report.exit_code}):\n"
              f"  definitely lost: {report.definitely_lost_bytes} bytes in "
              f"{report.definitely_lost_blocks} blocks in all, {report.ext_lost_bytes} bytes in "
              f"{len(report.ext_lost_records)} records allocated from fastmicro/_ext\n"
              f"  memory errors: {report.error_contexts} contexts in all, "
              f"{len(report.ext_error_records)} in code fastmicro/_ext called directly\n"
              f"  log: {report.log}")
        for record in report.ext_lost_records + report.ext_error_records:
            print(record)
        if args.json:
            Path(args.json).write_text(json.dumps({"backend": backend, "iterations": iterations,
                                                   "cases": len(cases), **asdict(report)}, indent=2))
        return 1 if report.ext_lost_bytes or report.ext_error_records else 0

    print(f"fastmicro backend: {backend}; {len(cases)} cases; {args.rounds} rounds x "
          f"{args.iterations} calls after {args.warmup}; Python {platform.python_version()}")
    results = []
    t0 = time.monotonic()
    with frozen_heap():
        for case in cases:
            result = check_case(case, args.iterations, args.rounds, args.warmup, args.tracemalloc)
            results.append(result)
            if result.leaks:
                print(f"LEAK  {case.label}: {'; '.join(result.reasons())}")
                for line in result.top_lines:
                    print(f"        {line}")
    leaking = [r for r in results if r.leaks]
    worst = max(results, key=lambda r: min(r.block_growth))
    print(f"{len(results) - len(leaking)}/{len(results)} cases without a leak in "
          f"{time.monotonic() - t0:.0f} s; largest smallest-round growth: "
          f"{min(worst.block_growth)} blocks ({worst.hot_path}: {worst.name})")
    if args.tracemalloc:
        worst_t = max(results, key=lambda r: min(r.traced_growth))
        print(f"largest smallest-round traced growth: {min(worst_t.traced_growth)} bytes "
              f"({worst_t.hot_path}: {worst_t.name})")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "backend": backend, "iterations": args.iterations, "rounds": args.rounds,
            "warmup": args.warmup, "python": platform.python_version(),
            "leaking": [f"{r.hot_path}: {r.name}" for r in leaking],
            "results": [asdict(r) for r in results],
        }, indent=2))
    return 1 if leaking else 0


if __name__ == "__main__":
    sys.exit(main())

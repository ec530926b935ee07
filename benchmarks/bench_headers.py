"""Header parser benchmark: compiled vs pure twin vs Werkzeug 3.1.

For each parser and a realistic header value the same result is computed by

* ``compiled``: :mod:`fastmicro._ext.headers`;
* ``pure``: :mod:`fastmicro.http._pyheaders`;
* ``werkzeug``: the function in :mod:`werkzeug.http` (or
  ``Authorization.from_header``);

the backends are timed in interleaved rounds (each round runs every backend
once, so drift hits all alike) and the median nanoseconds per call is
reported with Werkzeug's time divided by each backend's (higher is faster).
Times include the Python loop calling the parser (the same for every
backend).

Usage: ``python benchmarks/bench_headers.py [--rounds N] [--number N]``
"""
from __future__ import annotations

import argparse
import functools
import importlib
import sys
import typing as t
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug import http as wz  # noqa: E402
from werkzeug.datastructures import Authorization  # noqa: E402

from _interleave import interleaved_medians  # noqa: E402
from fastmicro.http import _pyheaders  # noqa: E402

MOMENT = datetime(2024, 5, 17, 12, 30, 45, tzinfo=timezone.utc)

#: (label, function name, arguments)
CASES: list[tuple[str, str, tuple[t.Any, ...]]] = [
    ("options: bare mimetype", "parse_options_header", ("application/json",)),
    ("options: charset", "parse_options_header", ("text/html; charset=utf-8",)),
    ("options: multipart", "parse_options_header",
     ('multipart/form-data; boundary="----WebKitFormBoundary7MA4YWxkTrZu0gW"',)),
    ("options: filename*", "parse_options_header",
     ("attachment; filename=\"rates.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt",)),
    ("cache-control: request", "parse_cache_control_header", ("max-age=0",)),
    ("cache-control: response", "parse_cache_control_header",
     ("public, max-age=31536000, immutable, stale-while-revalidate=60",)),
    ("list", "parse_list_header", ('gzip, deflate, br, "quoted, value"',)),
    ("dict", "parse_dict_header", ('a=b, c="d, e", f',)),
    ("etags: one", "parse_etags", ('"33a64df551425fcc55e4d42a148795d9f25f89d4"',)),
    ("etags: three", "parse_etags", ('"xyzzy", W/"r2d2xxxx", "c3piozzzz"',)),
    ("etags: star", "parse_etags", ("*",)),
    ("range: one", "parse_range_header", ("bytes=0-499",)),
    ("range: multi", "parse_range_header", ("bytes=0-50, 100-150, -500",)),
    ("content-range", "parse_content_range_header", ("bytes 0-499/1234",)),
    ("if-range: etag", "parse_if_range_header", ('"33a64df551425fcc"',)),
    ("date: IMF-fixdate", "parse_date", ("Sun, 06 Nov 1994 08:49:37 GMT",)),
    ("date: asctime", "parse_date", ("Sun Nov  6 08:49:37 1994",)),
    ("http_date: datetime", "http_date", (MOMENT,)),
    ("http_date: int", "http_date", (1715949045,)),
    ("http_date: float", "http_date", (1715949045.25,)),
    ("auth: basic", "parse_authorization_header", ("Basic dXNlcm5hbWU6cGFzc3dvcmQ=",)),
    ("auth: bearer", "parse_authorization_header", ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",)),
    ("auth: digest", "parse_authorization_header",
     ('Digest username="u", realm="r", nonce="n", uri="/", response="x", qop=auth, '
      'nc=00000001, cnonce="c"',)),
]

WERKZEUG: dict[str, t.Callable[..., t.Any]] = {
    "parse_authorization_header": Authorization.from_header,
}


def werkzeug_function(name: str) -> t.Callable[..., t.Any]:
    return WERKZEUG.get(name) or getattr(wz, name)


def backends() -> dict[str, t.Any]:
    found: dict[str, t.Any] = {}
    try:
        found["compiled"] = importlib.import_module("fastmicro._ext.headers")
    except ImportError:
        print("fastmicro._ext.headers is not built; run: python3 setup.py build_ext --inplace",
              file=sys.stderr)
    found["pure"] = _pyheaders
    return found


def _same(a: t.Any, b: t.Any) -> bool:
    header = getattr(a, "to_header", None)
    if header is not None:
        return type(a) is type(b) and a.to_header() == b.to_header()
    return type(a) is type(b) and a == b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--number", type=int, default=2000, help="calls per round")
    args = parser.parse_args(argv)

    modules = backends()
    impls = [*modules, "werkzeug"]
    for label, name, call_args in CASES:
        expected = werkzeug_function(name)(*call_args)
        for impl, module in modules.items():
            if not _same(getattr(module, name)(*call_args), expected):
                print(f"{impl} gives a different result for {label!r}", file=sys.stderr)
                return 1

    print(f"median ns per call, {args.rounds} interleaved rounds of {args.number} calls")
    header = f"{'parser':<26}" + "".join(f"{impl:>10}" for impl in impls)
    header += "".join(f"{'wz/' + impl:>13}" for impl in modules)
    print(header)
    for label, name, call_args in CASES:
        calls = {impl: functools.partial(getattr(module, name), *call_args)
                 for impl, module in modules.items()}
        calls["werkzeug"] = functools.partial(werkzeug_function(name), *call_args)
        medians = interleaved_medians(calls, args.rounds, args.number)
        line = f"{label:<26}" + "".join(f"{medians[impl]:>10.0f}" for impl in impls)
        line += "".join(f"{medians['werkzeug'] / medians[impl]:>12.1f}x" for impl in modules)
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

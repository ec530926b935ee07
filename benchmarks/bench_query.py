"""Query string benchmark: ``request.args`` parsing, compiled vs pure vs Werkzeug.

For each query string below the same ``ImmutableMultiDict`` is built by

* ``compiled``: :func:`fastmicro._ext.query.parse_query`;
* ``pure``: :func:`fastmicro.http._pyquery.parse_query`;
* ``werkzeug``: Werkzeug 3.1's ``Request.args`` expression,
  ``ImmutableMultiDict(parse_qsl(qs.decode(), keep_blank_values=True,
  errors="werkzeug.url_quote"))``;

the backends are timed in interleaved rounds (each round runs every backend
once, so drift hits all alike) and the median nanoseconds per call is
reported with Werkzeug's time divided by each backend's (higher is faster).
Times include the Python loop calling the parser (the same for every
backend).

Usage: ``python benchmarks/bench_query.py [--rounds N] [--number N]``
"""
from __future__ import annotations

import argparse
import functools
import importlib
import sys
import typing as t
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import werkzeug.urls  # noqa: E402,F401  (registers "werkzeug.url_quote")
from werkzeug.datastructures import ImmutableMultiDict  # noqa: E402

from _interleave import interleaved_medians  # noqa: E402
from fastmicro.http import _pyquery  # noqa: E402

QUERIES: dict[str, bytes] = {
    "empty": b"",
    "two params": b"page=2&per_page=50",
    "typical": b"q=flask+routing&page=3&sort=-created&tag=python&tag=web",
    "percent-encoded": (
        b"q=caf%C3%A9+au+lait&city=Z%C3%BCrich&next=%2Fhome%3Fa%3D1%26b%3D2"
    ),
    "raw utf-8": "q=café&city=Zürich&emoji=😀".encode(),
    "50 params": b"&".join(b"field%d=value%d" % (i, i) for i in range(50)),
}


def werkzeug_args(query_string: bytes, storage_class: t.Any) -> t.Any:
    return storage_class(
        parse_qsl(query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    )


def backends() -> dict[str, t.Callable[[bytes, t.Any], t.Any]]:
    found: dict[str, t.Callable[[bytes, t.Any], t.Any]] = {}
    try:
        found["compiled"] = importlib.import_module("fastmicro._ext.query").parse_query
    except ImportError:
        print("fastmicro._ext.query is not built; run: python3 setup.py build_ext --inplace",
              file=sys.stderr)
    found["pure"] = _pyquery.parse_query
    found["werkzeug"] = werkzeug_args
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--number", type=int, default=2000, help="calls per round")
    args = parser.parse_args(argv)

    impls = backends()
    for name, query_string in QUERIES.items():
        expected = werkzeug_args(query_string, ImmutableMultiDict)
        for impl, fn in impls.items():
            result = fn(query_string, ImmutableMultiDict)
            if type(result) is not type(expected) or result != expected:
                print(f"{impl} gives a different result for {name!r}", file=sys.stderr)
                return 1

    print(f"median ns per call, {args.rounds} interleaved rounds of {args.number} calls")
    header = f"{'query':<16}" + "".join(f"{impl:>11}" for impl in impls)
    header += "".join(f"{'wz/' + impl:>13}" for impl in impls if impl != "werkzeug")
    print(header)
    for name, query_string in QUERIES.items():
        calls = {
            impl: functools.partial(fn, query_string, ImmutableMultiDict)
            for impl, fn in impls.items()
        }
        medians = interleaved_medians(calls, args.rounds, args.number)
        line = f"{name:<16}" + "".join(f"{medians[impl]:>11.0f}" for impl in impls)
        line += "".join(
            f"{medians['werkzeug'] / medians[impl]:>12.1f}x"
            for impl in impls
            if impl != "werkzeug"
        )
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Cookie and Accept header benchmark: compiled vs pure vs Werkzeug.

Each scenario gives the same result on every backend (checked first):

* ``compiled``: :mod:`fastmicro._ext.cookies` / :mod:`fastmicro._ext.accept`;
* ``pure``: :mod:`fastmicro.http._pycookies` / :mod:`fastmicro.http._pyaccept`;
* ``werkzeug``: :func:`werkzeug.http.parse_cookie`, :func:`werkzeug.http.dump_cookie`,
  :func:`werkzeug.http.parse_accept_header` and Werkzeug's ``MIMEAccept.best_match``.

The backends are timed in interleaved rounds (each round runs every backend
once, so drift hits all alike); the median nanoseconds per call is reported
with Werkzeug's time divided by each backend's (higher is faster). Times
include the Python loop calling the function (the same for every backend).

Usage: ``python benchmarks/bench_headers_cookies_accept.py [--rounds N] [--number N]``
"""
from __future__ import annotations

import argparse
import importlib
import sys
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug import http as wz  # noqa: E402
from werkzeug.datastructures import (  # noqa: E402
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
)

from _interleave import interleaved_medians  # noqa: E402
from fastmicro.http import _pyaccept, _pycookies  # noqa: E402

SESSION = (
    "eyJfZnJlc2giOmZhbHNlLCJjc3JmX3Rva2VuIjoiNGQ1YjM2YTQ3ZjE0YzY4ZTk0ZjM2OGNjYzVhZjA3"
    "ZDQ1ZjM2YjI2NyIsInVzZXJfaWQiOjQyfQ.Z3x9Aw.3kZ8wHc1vQm9o0yJ6y2c1Yb3uV8"
)
COOKIE = (
    f"session={SESSION}; _ga=GA1.2.1234567890.1690000000; _gid=GA1.2.987654321.1690000000;"
    " theme=dark; csrftoken=Xo1dsKJ2gHq8Zr3vTzLw5mNpQ0aB7cYe; lang=en-US"
)
ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
LANGUAGE = "en-US,en;q=0.9,de-DE;q=0.8,de;q=0.7"
ENCODING = "gzip, deflate, br, zstd"
OFFERED = ["text/html", "application/json"]


def modules() -> dict[str, tuple[t.Any, t.Any]]:
    """Backend name -> (cookies module, accept module)."""
    found: dict[str, tuple[t.Any, t.Any]] = {}
    try:
        found["compiled"] = (
            importlib.import_module("fastmicro._ext.cookies"),
            importlib.import_module("fastmicro._ext.accept"),
        )
    except ImportError:
        print("fastmicro._ext.cookies/accept are not built;"
              " run: python3 setup.py build_ext --inplace", file=sys.stderr)
    found["pure"] = (_pycookies, _pyaccept)
    found["werkzeug"] = (wz, wz)
    return found


def scenarios(cookies: t.Any, accept: t.Any) -> dict[str, t.Callable[[], t.Any]]:
    parse_cookie = cookies.parse_cookie
    dump_cookie = cookies.dump_cookie
    parse_accept = accept.parse_accept_header
    parsed = parse_accept(ACCEPT, MIMEAccept)
    return {
        "parse_cookie (6 cookies)": lambda: parse_cookie(COOKIE, ImmutableMultiDict),
        "dump_cookie (session)": lambda: dump_cookie(
            "session", SESSION, path="/", httponly=True, samesite="Lax"
        ),
        "dump_cookie (delete)": lambda: dump_cookie("old", expires=0, max_age=0),
        "Accept (Chrome)": lambda: parse_accept(ACCEPT, MIMEAccept),
        "Accept-Language": lambda: parse_accept(LANGUAGE, LanguageAccept),
        "Accept-Encoding": lambda: parse_accept(ENCODING),
        "best_match html/json": lambda: parsed.best_match(OFFERED),
        "Accept + best_match": lambda: parse_accept(ACCEPT, MIMEAccept).best_match(OFFERED),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--number", type=int, default=2000, help="calls per round")
    args = parser.parse_args(argv)

    backends = {name: scenarios(*mods) for name, mods in modules().items()}
    names = list(backends["werkzeug"])
    for scenario in names:
        expected = backends["werkzeug"][scenario]()
        for impl, calls in backends.items():
            got = calls[scenario]()
            if got != expected or repr(got) != repr(expected):
                print(f"{impl} gives a different result for {scenario!r}", file=sys.stderr)
                return 1

    impls = list(backends)
    print(f"median ns per call, {args.rounds} interleaved rounds of {args.number} calls")
    header = f"{'scenario':<26}" + "".join(f"{impl:>11}" for impl in impls)
    header += "".join(f"{'wz/' + impl:>13}" for impl in impls if impl != "werkzeug")
    print(header)
    for scenario in names:
        calls = {impl: backends[impl][scenario] for impl in impls}
        medians = interleaved_medians(calls, args.rounds, args.number)
        line = f"{scenario:<26}" + "".join(f"{medians[impl]:>11.0f}" for impl in impls)
        line += "".join(
            f"{medians['werkzeug'] / medians[impl]:>12.1f}x" for impl in impls if impl != "werkzeug"
        )
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

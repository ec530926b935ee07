"""Instructions per match of the router, counted by callgrind.

Timings on a shared machine are noisy; instruction counts are repeatable to
a few instructions, so this is the regression guard for the matcher. The
script re-executes itself under ``valgrind --tool=callgrind``; the child
builds each route table's ``Map`` (as ``bench_router.py`` does), warms every
workload up, then runs, for each workload (first/last/all/miss), ``--n``
calls of ``Map.match_path`` and the same loop calling a no-op (the
baseline). ``os.getppid()`` (the libc ``getppid``, called nowhere else)
separates the phases: ``--dump-before=getppid`` makes callgrind write one
profile per phase, and the reported figure is
``(Ir(matches) - Ir(baseline)) / n``: the instructions of ``match_path``
itself, including raising ``NotFound`` for a miss, without the loop's.

Usage::

    python benchmarks/callgrind_router.py [--tables github,static] [--n 2000]
        [--pure] [--max github:all=1500]

``--max TABLE:WORKLOAD=IR`` (repeatable) exits 1 when a count is above IR.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_router  # noqa: E402

WORKLOADS = ("first", "last", "all", "miss")
CHILD_ENV = "FASTMICRO_CALLGRIND_CHILD"


def _mark() -> None:
    # Callgrind dumps the counts so far (and zeroes them) before getppid.
    os.getppid()


def _noop(path: str, method: str) -> None:
    return None


def _loop(call: t.Callable[[str, str], t.Any], requests: list[tuple[str, str]], exc: type) -> None:
    for method, path in requests:
        try:
            call(path, method)
        except exc:
            pass


def child(args: argparse.Namespace) -> None:
    """Runs under callgrind: setup, then one marked phase per measurement."""
    from werkzeug.exceptions import NotFound

    labels = []
    plans = []
    for name in args.tables:
        routes = bench_router.read_table(args.routes_dir / f"{name}.txt")
        match_path = _match_path(routes, args.pure)
        for workload, requests in bench_router.workloads(routes).items():
            # The same number of matches for every workload: requests
            # repeated (in turn, for "all") up to n.
            batch = (requests * (args.n // len(requests) + 1))[: args.n]
            _loop(match_path, batch, NotFound)  # warm up: lazy tables, caches
            plans.append((f"{name}:{workload}", match_path, batch))
    gc.collect()
    gc.disable()  # collections would land in whichever phase allocates last
    for label, match_path, batch in plans:
        _mark()
        _loop(match_path, batch, NotFound)
        labels.append((label, "match"))
        _mark()
        _loop(_noop, batch, NotFound)
        labels.append((label, "baseline"))
    _mark()
    Path(args.labels_out).write_text(json.dumps(labels))


def _match_path(routes: list[tuple[str, str]], pure: bool) -> t.Callable[[str, str], t.Any]:
    import importlib

    from werkzeug.routing import Rule

    from fastmicro.routing import map as map_module

    module = importlib.import_module(
        "fastmicro.routing._pymatcher" if pure else "fastmicro._ext.matcher"
    )

    class CountMap(map_module.Map):
        match_path = module.map_match_path

    url_map = CountMap()
    url_map._matcher = module.StateMachineMatcher(url_map.merge_slashes)
    for index, (method, route) in enumerate(routes):
        url_map.add(Rule(bench_router.to_rule(route), endpoint=index, methods=[method]))
    return url_map.match_path


_TOTAL_RE = re.compile(r"^(?:totals|summary):\s+(\d+)", re.MULTILINE)


def _total_ir(path: Path) -> int:
    found = _TOTAL_RE.findall(path.read_text(errors="replace"))
    if not found:
        raise RuntimeError(f"no totals in {path}")
    return int(found[-1])


def parent(args: argparse.Namespace, argv: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="callgrind-router-") as tmp:
        out = Path(tmp) / "cg.out"
        labels_out = Path(tmp) / "labels.json"
        env = dict(os.environ, **{CHILD_ENV: "1", "PYTHONHASHSEED": "0"})
        command = [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=getppid",
            "--dump-instr=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(Path(__file__).resolve()),
            *argv,
            "--labels-out",
            str(labels_out),
        ]
        proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            return proc.returncode
        labels = json.loads(labels_out.read_text())
        # Dump k (1-based) ends phase k; dump 1 is the setup.
        dumps = {int(p.suffix[1:]): p for p in Path(tmp).glob("cg.out.*") if p.suffix[1:].isdigit()}
        if len(dumps) < len(labels) + 1:
            print(f"expected {len(labels) + 1} dumps, got {len(dumps)}", file=sys.stderr)
            return 2
        counts: dict[str, dict[str, int]] = {}
        for index, (label, phase) in enumerate(labels):
            counts.setdefault(label, {})[phase] = _total_ir(dumps[index + 2])
    results = {
        label: (c["match"] - c["baseline"]) / args.n for label, c in counts.items()
    }
    backend = "pure" if args.pure else "compiled"
    print(f"instructions per match_path ({backend}, n={args.n}, loop baseline subtracted)")
    print(f"  {'table':<10}" + "".join(f"{w:>10}" for w in WORKLOADS))
    for name in args.tables:
        cells = "".join(f"{results[f'{name}:{w}']:>10.0f}" for w in WORKLOADS)
        print(f"  {name:<10}{cells}")
    if args.json:
        print(json.dumps(results))
    failed = False
    for limit in args.max:
        key, _, value = limit.partition("=")
        if results[key] > float(value):
            print(f"REGRESSION: {key} = {results[key]:.0f} > {value}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes-dir", type=Path, default=bench_router.DEFAULT_ROUTES)
    parser.add_argument("--tables", default="github,gplus,parse,static",
                        type=lambda s: [x for x in s.split(",") if x])
    parser.add_argument("--n", type=int, default=2000, help="matches per workload")
    parser.add_argument("--pure", action="store_true", help="count the pure-Python twin")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--max", action="append", default=[], metavar="TABLE:WORKLOAD=IR")
    parser.add_argument("--labels-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if os.environ.get(CHILD_ENV):
        child(args)
        return 0
    return parent(args, argv)


if __name__ == "__main__":
    raise SystemExit(main())

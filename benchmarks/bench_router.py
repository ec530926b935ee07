"""Router benchmark: fastmicro's matcher vs Werkzeug's vs Falcon's.

For each route table (``METHOD /path`` a line, parameters ``:name``) in the
routes directory, the whole table is registered in

* ``fastmicro``: the compiled matcher, through ``Map.match_path``;
* ``fastmicro-pure``: the pure-Python twin, through ``Map.match_path``;
* ``werkzeug``: ``Map`` + ``MapAdapter.match``, bound once;
* ``falcon``: ``falcon.routing.CompiledRouter.find`` (parameters ``{name}``;
  it matches the path only, the method is a dict lookup after it);

then matching of the first route, the last route, every route in turn and a
miss (404) is timed, backends interleaved in rounds, and the median
nanoseconds per match is reported with the ratio to Falcon. Times include
the Python loop calling the matcher (the same for every backend).

Usage: ``python benchmarks/bench_router.py [--routes-dir DIR] [--rounds N]
[--tables github,static]``
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_ROUTES = ROOT.parent / "shared" / "routes"
MISS = ("GET", "/this/route/does/not/exist/at/all")

Request = tuple[str, str]
Matcher = t.Callable[[t.Sequence[Request]], None]


def read_table(path: Path) -> list[tuple[str, str]]:
    """``[(method, "/path/:name"), ...]`` from a routes file."""
    routes = []
    for line in path.read_text().splitlines():
        if line.strip():
            method, route = line.split()
            routes.append((method, route))
    return routes


def _segments(route: str) -> list[str]:
    return route.split("/")


def to_rule(route: str) -> str:
    return "/".join(f"<{s[1:]}>" if s.startswith(":") else s for s in _segments(route))


def to_falcon(route: str) -> str:
    return "/".join(f"{{{s[1:]}}}" if s.startswith(":") else s for s in _segments(route))


def to_request(route: str) -> str:
    # Parameter values that look like real ones and differ from the names.
    return "/".join(f"v{s[1:]}1" if s.startswith(":") else s for s in _segments(route))


def fastmicro_matcher(routes: list[tuple[str, str]], pure: bool) -> Matcher:
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import Rule

    from fastmicro.routing import map as map_module

    module_name = "fastmicro.routing._pymatcher" if pure else "fastmicro._ext.matcher"
    module = importlib.import_module(module_name)

    class BenchMap(map_module.Map):
        match_path = module.map_match_path

    url_map = BenchMap()
    # Map() chose its matcher through speedups; force the one measured.
    url_map._matcher = module.StateMachineMatcher(url_map.merge_slashes)
    for index, (method, route) in enumerate(routes):
        url_map.add(Rule(to_rule(route), endpoint=index, methods=[method]))
    match_path = url_map.match_path

    def run(requests: t.Sequence[Request]) -> None:
        for method, path in requests:
            try:
                match_path(path, method)
            except NotFound:
                pass

    return run


def werkzeug_matcher(routes: list[tuple[str, str]]) -> Matcher:
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import Map
    from werkzeug.routing import Rule

    url_map = Map([Rule(to_rule(r), endpoint=i, methods=[m]) for i, (m, r) in enumerate(routes)])
    match = url_map.bind("localhost").match

    def run(requests: t.Sequence[Request]) -> None:
        for method, path in requests:
            try:
                match(path, method)
            except NotFound:
                pass

    return run


def falcon_matcher(routes: list[tuple[str, str]]) -> Matcher | None:
    try:
        from falcon.routing import CompiledRouter
    except ImportError:
        return None

    class Resource:
        def on_get(self, req: t.Any, resp: t.Any) -> None: ...
        def on_post(self, req: t.Any, resp: t.Any) -> None: ...
        def on_put(self, req: t.Any, resp: t.Any) -> None: ...
        def on_delete(self, req: t.Any, resp: t.Any) -> None: ...

    router = CompiledRouter()
    seen = set()
    for _, route in routes:
        template = to_falcon(route)
        if template not in seen:  # one resource serves every method
            seen.add(template)
            router.add_route(template, Resource())
    find = router.find
    find("/")  # Falcon compiles lazily on the first find

    def run(requests: t.Sequence[Request]) -> None:
        for _, path in requests:
            find(path)

    return run


def workloads(routes: list[tuple[str, str]]) -> dict[str, list[Request]]:
    requests = [(m, to_request(r)) for m, r in routes]
    return {
        "first": [requests[0]] * 200,
        "last": [requests[-1]] * 200,
        "all": requests * max(1, 400 // len(requests)),
        "miss": [MISS] * 200,
    }


def measure(run: Matcher, requests: list[Request]) -> float:
    """ns per match for one batch."""
    start = time.perf_counter_ns()
    run(requests)
    return (time.perf_counter_ns() - start) / len(requests)


def bench_table(path: Path, rounds: int) -> dict[str, dict[str, float]]:
    routes = read_table(path)
    backends: dict[str, Matcher] = {
        "fastmicro": fastmicro_matcher(routes, pure=False),
        "fastmicro-pure": fastmicro_matcher(routes, pure=True),
        "werkzeug": werkzeug_matcher(routes),
    }
    falcon = falcon_matcher(routes)
    if falcon is not None:
        backends["falcon"] = falcon
    results: dict[str, dict[str, float]] = {}
    for workload, requests in workloads(routes).items():
        samples: dict[str, list[float]] = {name: [] for name in backends}
        for run in backends.values():  # warm up
            run(requests)
        for _ in range(rounds):
            for name, run in backends.items():  # interleaved
                samples[name].append(measure(run, requests))
        results[workload] = {name: statistics.median(s) for name, s in samples.items()}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes-dir", type=Path, default=DEFAULT_ROUTES)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--tables", default="", help="comma-separated table names (default: all)")
    args = parser.parse_args(argv)
    tables = sorted(args.routes_dir.glob("*.txt"))
    if args.tables:
        wanted = set(args.tables.split(","))
        tables = [table for table in tables if table.stem in wanted]
    if not tables:
        parser.error(f"no route tables (*.txt) in {args.routes_dir}")
    print(f"median ns per match, {args.rounds} rounds; (x.xx) = time / Falcon's")
    for table in tables:
        results = bench_table(table, args.rounds)
        print(f"\n{table.stem} ({len(read_table(table))} routes)")
        names = list(next(iter(results.values())))
        print(f"  {'workload':<8}" + "".join(f"{n:>22}" for n in names))
        for workload, row in results.items():
            falcon = row.get("falcon")
            cells = []
            for name in names:
                ratio = f" ({row[name] / falcon:.2f})" if falcon else ""
                cells.append(f"{row[name]:.0f}{ratio}".rjust(22))
            print(f"  {workload:<8}" + "".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""pytest-benchmark: URL matching on every route table in the routes directory.

For each ``*.txt`` table of ``--routes-dir`` (or ``FASTMICRO_BENCH_ROUTES_DIR``,
default ``../shared/routes``), the whole table is registered and the first
route, the last route, every route in turn and a miss are matched (see
``bench_router.py``). ``fastmicro`` is the matcher the active backend uses
(``FASTMICRO_NO_EXTENSIONS=1`` for the pure twin); Werkzeug and Falcon are
the references. Run with ``pytest benchmarks/test_bench_router.py
--benchmark-enable``; with benchmarks disabled (the default) each runs once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import bench_router  # noqa: E402
from conftest import DEFAULT_ROUTES_DIR, ROUTES_DIR_ENV  # noqa: E402


def _active_backend_is_pure() -> bool:
    from fastmicro import speedups

    return speedups.backends()["matcher"] == "pure"


BACKENDS = {
    "fastmicro": lambda routes: bench_router.fastmicro_matcher(
        routes, pure=_active_backend_is_pure()),
    "werkzeug": bench_router.werkzeug_matcher,
    "falcon": bench_router.falcon_matcher,
}
WORKLOADS = ("first", "last", "all", "miss")


def _tables(config) -> list[Path]:
    chosen = (config.getoption("--routes-dir", None) or os.environ.get(ROUTES_DIR_ENV)
              or DEFAULT_ROUTES_DIR)
    return sorted(Path(chosen).glob("*.txt"))


def pytest_generate_tests(metafunc):
    if "table" in metafunc.fixturenames:
        tables = _tables(metafunc.config)
        # No table at all must fail loudly, not collect zero tests.
        metafunc.parametrize("table", tables or [None], ids=[t.stem for t in tables] or ["none"])


@pytest.mark.parametrize("workload", WORKLOADS)
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_match(benchmark, table, backend: str, workload: str) -> None:
    if table is None:
        pytest.fail(f"no route tables (*.txt) found; pass --routes-dir or set {ROUTES_DIR_ENV}")
    routes = bench_router.read_table(table)
    run = BACKENDS[backend](routes)
    assert run is not None, f"{backend} is not installed"
    requests = bench_router.workloads(routes)[workload]
    benchmark.group = f"router: {table.stem} {workload}"
    benchmark.extra_info["matches_per_call"] = len(requests)
    benchmark(run, requests)

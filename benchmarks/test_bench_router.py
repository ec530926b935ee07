"""pytest-benchmark version of bench_router.py (GitHub table).

Run with ``pytest benchmarks/test_bench_router.py --benchmark-enable``; with
benchmarks disabled (the default) each runs once, as a quick test.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import bench_router  # noqa: E402

TABLE = bench_router.DEFAULT_ROUTES / "github.txt"
BACKENDS = {
    "fastmicro": lambda routes: bench_router.fastmicro_matcher(routes, pure=False),
    "fastmicro-pure": lambda routes: bench_router.fastmicro_matcher(routes, pure=True),
    "werkzeug": bench_router.werkzeug_matcher,
    "falcon": bench_router.falcon_matcher,
}


@pytest.fixture(scope="module")
def routes() -> list[tuple[str, str]]:
    if not TABLE.exists():
        pytest.fail(f"route table missing: {TABLE}")
    return bench_router.read_table(TABLE)


@pytest.mark.parametrize("workload", ["first", "last", "all", "miss"])
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_match(benchmark, routes, backend: str, workload: str) -> None:  # type: ignore[no-untyped-def]
    run = BACKENDS[backend](routes)
    if run is None:
        pytest.skip(f"{backend} is not installed")
    requests = bench_router.workloads(routes)[workload]
    benchmark(run, requests)

"""pytest-benchmark: query string parsing behind ``request.args``
(see bench_query.py): the active fastmicro backend, the pure twin and
Werkzeug's expression, on each query of ``bench_query.QUERIES``."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from werkzeug.datastructures import ImmutableMultiDict

sys.path.insert(0, str(Path(__file__).parent))

import bench_query  # noqa: E402


def _impls():
    from fastmicro import speedups
    from fastmicro.http import _pyquery

    return {
        "fastmicro": speedups.load("query").parse_query,
        "pure": _pyquery.parse_query,
        "werkzeug": bench_query.werkzeug_args,
    }


@pytest.mark.parametrize("query", list(bench_query.QUERIES))
@pytest.mark.parametrize("impl", ["fastmicro", "pure", "werkzeug"])
def test_parse_query(benchmark, impl: str, query: str) -> None:
    qs = bench_query.QUERIES[query]
    benchmark.group = f"query: {query}"
    result = benchmark(_impls()[impl], qs, ImmutableMultiDict)
    assert result == bench_query.werkzeug_args(qs, ImmutableMultiDict)

"""pytest-benchmark: signing with Flask's session settings (see bench_signing.py).

``compiled`` and ``pure`` are :mod:`fastmicro.signing` on each backend
(``compiled`` only where the extension is built and not switched off with
``FASTMICRO_NO_EXTENSIONS``), ``itsdangerous`` the reference. Every case first
checks its result against itsdangerous's.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import bench_signing  # noqa: E402
import itsdangerous  # noqa: E402

OPERATIONS = ("sign", "unsign", "dumps", "loads")


def _libs() -> list[str]:
    from fastmicro import speedups

    libs = ["pure", "itsdangerous"]
    if speedups.backends()["signing"] == "compiled":
        libs.insert(0, "compiled")
    return libs


@pytest.fixture(scope="module")
def operations():
    cache = {}

    def get(lib):
        if lib not in cache:
            module = itsdangerous if lib == "itsdangerous" else bench_signing.fastmicro_signing(
                pure=lib == "pure")
            cache[lib] = bench_signing.operations(module)
        return cache[lib]

    return get


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("lib", _libs())
def test_signing(benchmark, operations, lib: str, op: str) -> None:
    call = operations(lib)[op]
    expected = operations("itsdangerous")[op]
    benchmark.group = f"signing: {op}"
    result = benchmark(call)
    # Timestamps are whole seconds: one retry covers a second boundary.
    assert result == expected() or call() == expected()

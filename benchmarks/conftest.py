"""Options of the pytest-benchmark suites under ``benchmarks/``.

``--routes-dir DIR`` (or ``FASTMICRO_BENCH_ROUTES_DIR``) points at the shared
route tables; the default is ``../shared/routes`` beside the checkout.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

ROUTES_DIR_ENV = "FASTMICRO_BENCH_ROUTES_DIR"
DEFAULT_ROUTES_DIR = HERE.parent.parent / "shared" / "routes"


def pytest_addoption(parser):
    parser.addoption("--routes-dir", default=None, metavar="DIR",
                     help=f"route tables directory (default ${ROUTES_DIR_ENV} or "
                          f"{DEFAULT_ROUTES_DIR})")


@pytest.fixture(scope="session")
def routes_dir(pytestconfig) -> Path:
    chosen = (pytestconfig.getoption("--routes-dir") or os.environ.get(ROUTES_DIR_ENV)
              or DEFAULT_ROUTES_DIR)
    path = Path(chosen)
    if not path.is_dir():
        pytest.fail(f"route tables directory not found: {path} "
                    f"(pass --routes-dir or set {ROUTES_DIR_ENV})")
    return path

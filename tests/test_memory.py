"""Memory stays flat: no growth of Python objects, allocator blocks or RSS
over 100,000 requests of every end-to-end scenario, and no leak in any
entry point of the hot paths.

Why: a reference leaked by compiled code, or a cache without a bound,
passes every functional test and only shows as memory that grows with
traffic. The scenarios are the benchmark's own (``benchmarks/apps``, as
``benchmarks/compare.py`` serves them), called in-process through the WSGI
callable with the body consumed and closed, as a server would. The entry
points are those of ``benchmarks/leakcheck.py``, exception paths included.

Each measuring helper is proven able to fail: a view that keeps an object
per request, and one that leaks a reference as C code forgetting a
``Py_DECREF`` would (invisible to ``gc``), are both caught by the very
helpers that pass the real scenarios. Everything runs on both backends (the
pure-Python twins are guarded too), with the same counts.
"""
from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

import apps  # noqa: E402
import leakcheck  # noqa: E402

from fastmicro import speedups  # noqa: E402

#: Requests per scenario, after WARMUP requests that fill the caches (the
#: Accept cache, the signing key cache, Jinja's template cache...).
REQUESTS = 100_000
WARMUP = 5_000
#: The bounds, for 100,000 requests. A leak of one object per request shows
#: as 100,000 objects and blocks (and at least 1.6 MB); what legitimately
#: changes after the warm-up (a free list, a dict resized once, the
#: once-a-second Date header string, an interned string) is a few dozen at
#: most. 1,000 is far from both.
OBJECT_LIMIT = 1_000
BLOCK_LIMIT = 1_000
#: RSS moves in whole pages and arenas (256 KiB each for pymalloc), and the
#: allocator need not hand memory back at once: 4 MiB is a few arenas of
#: slack, while a 40-byte leak per request is 4 MB.
RSS_LIMIT = 4 * 1024 * 1024
#: Requests served by the deliberately leaking apps: more than the limits.
PROOF_REQUESTS = 5_000


def excess(growth: leakcheck.Growth) -> list[str]:
    """What in ``growth`` is over the bounds (empty when memory is flat)."""
    found = []
    if growth.objects >= OBJECT_LIMIT:
        found.append(f"gc objects +{growth.objects} (limit {OBJECT_LIMIT})")
    if growth.blocks >= BLOCK_LIMIT:
        found.append(f"allocated blocks +{growth.blocks} (limit {BLOCK_LIMIT})")
    if growth.rss >= RSS_LIMIT:
        found.append(f"RSS +{growth.rss / 2**20:.1f} MiB (limit {RSS_LIMIT / 2**20:.0f} MiB)")
    return found


growth_serving = leakcheck.growth_serving


@pytest.fixture(scope="module")
def routes() -> list[tuple[str, str]]:
    return apps.load_routes()


@pytest.fixture(scope="module")
def fastmicro_apps(routes: list[tuple[str, str]]) -> dict:
    return apps.build_framework("fastmicro", routes)


@pytest.mark.slow
@pytest.mark.parametrize("name", apps.SCENARIO_NAMES)
def test_scenario_memory_is_flat(name: str, routes: list, fastmicro_apps: dict) -> None:
    scenario = next(s for s in apps.scenarios(routes) if s.name == name)
    app = apps.app_for({"fastmicro": fastmicro_apps}, "fastmicro", scenario)
    environ = scenario.environ()
    # Served as the scenario means (a wrong answer would measure nothing).
    assert apps.check_response("fastmicro", scenario, apps.call(app, environ)) == []
    growth = growth_serving(app, environ, REQUESTS, WARMUP)
    assert excess(growth) == [], f"{name} on the {speedups.backend()} backend: {growth}"


def _leaking_app(leak: Callable[[], None]) -> Callable:
    import fastmicro

    app = fastmicro.Flask("leaking")

    @app.route("/")
    def index() -> str:
        leak()
        return "leaked"

    return app


def _hello_environ() -> dict:
    return apps.Scenario("hello", "", "GET", "/", "", 200, apps.common.HTML, b"").environ()


def test_a_view_keeping_objects_is_caught() -> None:
    kept: list[list[int]] = []
    # A list: always tracked by gc (a dict of plain values is not).
    app = _leaking_app(lambda: kept.append([len(kept)]))
    growth = growth_serving(app, _hello_environ(), PROOF_REQUESTS, 100)
    assert len(kept) == PROOF_REQUESTS + 100
    problems = excess(growth)
    assert any(p.startswith("gc objects") for p in problems), growth
    assert any(p.startswith("allocated blocks") for p in problems), growth


def test_a_leaked_reference_is_caught_though_gc_cannot_see_it() -> None:
    # What compiled code does when it forgets a Py_DECREF: the object stays
    # alive with nothing pointing at it. A str is not tracked by gc, so only
    # the allocator's block count sees it.
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    counter = iter(range(10**9))
    app = _leaking_app(lambda: incref(ctypes.py_object(f"leaked {next(counter)}")))
    growth = growth_serving(app, _hello_environ(), PROOF_REQUESTS, 100)
    problems = excess(growth)
    assert growth.objects < OBJECT_LIMIT, growth
    assert any(p.startswith("allocated blocks") for p in problems), growth


# -- the entry points of the hot paths (benchmarks/leakcheck.py) ----------------

#: Calls per round for the test: enough for a leak of one block per call to
#: stand out (>= 100 blocks every round) while the whole check stays short.
LEAKCHECK_ITERATIONS = 400


@pytest.fixture(scope="module")
def cases() -> list[leakcheck.Case]:
    return leakcheck.build_cases()


def test_every_hot_path_has_leak_cases(cases: list[leakcheck.Case]) -> None:
    covered = {case.hot_path for case in cases}
    assert covered == set(speedups.HOT_PATHS)
    # The error paths are where refleaks hide: every hot path has some.
    for hot_path in speedups.HOT_PATHS:
        assert len([c for c in cases if c.hot_path == hot_path]) >= 4, hot_path


@pytest.mark.slow
def test_no_entry_point_leaks(cases: list[leakcheck.Case]) -> None:
    with leakcheck.frozen_heap():
        results = [leakcheck.check_case(case, LEAKCHECK_ITERATIONS, rounds=3, warmup=50)
                   for case in cases]
    leaking = {f"{r.hot_path}: {r.name}": r.reasons() for r in results if r.leaks}
    assert leaking == {}, f"on the {speedups.backend()} backend"


@pytest.mark.parametrize("kind", ["list", "ref"])
def test_leakcheck_catches_a_leaking_case(kind: str) -> None:
    with leakcheck.frozen_heap():
        result = leakcheck.check_case(leakcheck.leaking_case(kind), LEAKCHECK_ITERATIONS,
                                      rounds=3, warmup=50, traced=True)
    assert result.leaks
    assert min(result.block_growth) >= LEAKCHECK_ITERATIONS
    assert min(result.traced_growth) >= LEAKCHECK_ITERATIONS * 16
    # The report names the line that leaks.
    assert "leakcheck.py" in result.top_lines[0]


def test_a_case_that_misbehaves_is_refused() -> None:
    # A case states its outcome; one that does not meet it (here: an entry
    # point that does not raise) would measure the wrong path, and fails.
    with pytest.raises(AssertionError, match="did not raise"):
        leakcheck._raises(ValueError, int, "12")


VALGRIND_LOG = """\
==42== Conditional jump or move depends on uninitialised value(s)
==42==    at 0x49E04DA: maybe_small_long (longobject.c:71)
==42==    by 0x49E075F: int_from_bytes_impl (longobject.c:5946)
==42== 
==42== Invalid read of size 8
==42==    at 0x5A1B2C3: __pyx_f_9fastmicro_4_ext_7matcher__walk (matcher.c:1234)
==42==    by 0x49AABA2: PyObject_Vectorcall (call.c:299)
==42== 
==42== Use of uninitialised value of size 8
==42==    at 0x49E26A7: Py_INCREF (object.h:502)
==42==    by 0x71D4BBB: scan_once_unicode (_json.c:1135)
==42==    by 0x494F9C2: _PyEval_EvalFrameDefault (ceval.c:4769)
==42==    by 0x9653FD7: __pyx_f_9fastmicro_4_ext_7signing__load_payload (signing.c:19497)
==42== 
==42== 64 bytes in 1 blocks are definitely lost in loss record 10 of 20
==42==    at 0x483877F: malloc (vg_replace_malloc.c:307)
==42==    by 0x5A10000: __pyx_pw_9fastmicro_4_ext_7cookies_1parse_cookie (cookies.c:4321)
==42== 
==42== 32 bytes in 1 blocks are definitely lost in loss record 11 of 20
==42==    at 0x483877F: malloc (vg_replace_malloc.c:307)
==42==    by 0x49E0000: PyUnicode_New (unicodeobject.c:1234)
==42== 
==42== LEAK SUMMARY:
==42==    definitely lost: 96 bytes in 2 blocks
==42==    indirectly lost: 0 bytes in 0 blocks
==42== 
==42== ERROR SUMMARY: 5 errors from 5 contexts (suppressed: 0 from 0)
"""


def test_valgrind_log_attributes_losses_and_errors_to_the_extensions() -> None:
    report = leakcheck.parse_valgrind(VALGRIND_LOG)
    assert (report.definitely_lost_bytes, report.definitely_lost_blocks) == (96, 2)
    assert report.ext_lost_bytes == 64
    assert len(report.ext_lost_records) == 1 and "parse_cookie" in report.ext_lost_records[0]
    assert report.error_contexts == 5
    # Only the error in code the extension called directly is its own; the
    # one in json, which Python code called, is not.
    assert len(report.ext_error_records) == 1 and "Invalid read" in report.ext_error_records[0]

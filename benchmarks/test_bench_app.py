"""pytest-benchmark: the four app scenarios on fastmicro, Flask and Falcon.

One test per scenario, parametrized by framework and grouped by scenario
(``benchmark.group``), so ``pytest benchmarks --benchmark-enable`` prints
fastmicro next to Flask and Falcon for each scenario. With the project's
default ``--benchmark-disable`` every test runs its request once and checks
the response, so the suite doubles as a quick correctness test.

While fastmicro cannot be imported (or has no ``Flask`` yet) its cases are
skipped with the reason; the route table's location can be overridden with
``FASTMICRO_BENCH_ROUTES_DIR``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _p in (str(_HERE), str(_HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import apps  # noqa: E402

FRAMEWORKS = ("fastmicro", "flask", "falcon")


@pytest.fixture(scope="module")
def routes():
    try:
        return apps.load_routes()
    except FileNotFoundError as exc:
        pytest.fail(f"the route table is required: {exc}")


@pytest.fixture(scope="module")
def scenario_map(routes):
    return {s.name: s for s in apps.scenarios(routes)}


@pytest.fixture(scope="module")
def built(routes):
    """Apps are built once per module; building registers 203+ rules."""
    cache = {}

    def get(framework):
        if framework not in cache:
            if framework == "fastmicro":
                module, reason = apps.import_fastmicro()
                if module is None:
                    pytest.fail(f"fastmicro is not importable: {reason}")
            cache[framework] = apps.build_app(framework, routes)
        return cache[framework]

    return get


@pytest.fixture(params=FRAMEWORKS)
def framework(request):
    return request.param


def _run(benchmark, built, scenario_map, framework, name):
    scenario = scenario_map[name]
    app = built(framework)
    env = scenario.environ()
    benchmark.group = f"app: {name}"
    benchmark.extra_info["framework"] = framework
    benchmark.extra_info["request"] = f"{scenario.method} {scenario.url}"
    if framework == "fastmicro":
        benchmark.extra_info["backend"] = apps.fastmicro_status()["backend"]
    resp = benchmark(apps.call, app, env)
    problems = apps.check_response(framework, scenario, resp)
    assert not problems, f"{framework} {name}: " + "; ".join(problems)
    return resp


def test_hello(benchmark, built, scenario_map, framework):
    resp = _run(benchmark, built, scenario_map, framework, "hello")
    assert resp.body == b"Hello, World!"


def test_late_route(benchmark, built, scenario_map, framework):
    resp = _run(benchmark, built, scenario_map, framework, "late_route")
    assert resp.status_code == 200


def test_not_found(benchmark, built, scenario_map, framework):
    resp = _run(benchmark, built, scenario_map, framework, "not_found")
    assert resp.status_code == 404


def test_json(benchmark, built, scenario_map, framework):
    resp = _run(benchmark, built, scenario_map, framework, "json")
    assert resp.header("Content-Type") == "application/json"


def test_fastmicro_matches_flask_byte_for_byte(built, scenario_map):
    """Same source, same bytes: fastmicro's body and status code equal Flask's."""
    fast, flask_app = built("fastmicro"), built("flask")
    for scenario in scenario_map.values():
        env = scenario.environ()
        a, b = apps.call(fast, env), apps.call(flask_app, env)
        assert (a.status_code, a.body) == (b.status_code, b.body), scenario.name
        assert a.header("Content-Type") == b.header("Content-Type"), scenario.name


def test_every_table_route_on_every_framework(built, routes):
    """The whole GitHub table answers alike everywhere, not only the late route."""
    app_map = {}
    for framework in apps.FRAMEWORKS:
        try:
            app_map[framework] = built(framework)
        except pytest.skip.Exception:
            continue
    assert not apps.check_table(app_map, routes)

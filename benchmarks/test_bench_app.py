"""pytest-benchmark: the nine app scenarios on every framework.

One test per scenario and framework, grouped by scenario
(``benchmark.group``), so ``pytest benchmarks/test_bench_app.py
--benchmark-enable`` prints fastmicro next to raw WSGI, Falcon, Bottle and
Flask for each scenario. With the project's default ``--benchmark-disable``
every test runs its request once and checks the response, so the suite
doubles as a quick correctness test. Runs on whichever fastmicro backend is
active (``FASTMICRO_NO_EXTENSIONS=1`` for the pure one).

The route table comes from ``--routes-dir`` (see ``conftest.py``), else
``FASTMICRO_BENCH_ROUTES_DIR``, else ``../shared/routes``.
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

FRAMEWORKS = apps.FRAMEWORKS


@pytest.fixture(scope="module")
def routes(routes_dir):
    try:
        return apps.load_routes(routes_dir)
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
            cache[framework] = apps.build_framework(framework, routes)
        return cache
    return get


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("name", apps.SCENARIO_NAMES)
def test_scenario(benchmark, built, scenario_map, framework, name):
    scenario = scenario_map[name]
    app = apps.app_for(built(framework), framework, scenario)
    env = scenario.environ()
    benchmark.group = f"app: {name}"
    benchmark.extra_info["framework"] = framework
    benchmark.extra_info["request"] = f"{scenario.method} {scenario.url}"
    if framework == "fastmicro":
        benchmark.extra_info["backend"] = apps.fastmicro_status()["backend"]
    resp = benchmark(apps.call, app, env)
    problems = apps.check_response(framework, scenario, resp)
    assert not problems, f"{framework} {name}: " + "; ".join(problems)


def test_fastmicro_matches_flask_byte_for_byte(built, scenario_map):
    """Same source, same bytes: fastmicro's body and status code equal Flask's."""
    built("fastmicro")
    app_map = built("flask")
    for scenario in scenario_map.values():
        env = scenario.environ()
        a = apps.call(apps.app_for(app_map, "fastmicro", scenario), env)
        b = apps.call(apps.app_for(app_map, "flask", scenario), env)
        assert (a.status_code, a.body) == (b.status_code, b.body), scenario.name
        assert a.header("Content-Type") == b.header("Content-Type"), scenario.name


def test_every_table_route_on_every_framework(built, routes):
    """The whole GitHub table answers alike everywhere, not only the late route."""
    for framework in FRAMEWORKS:
        app_map = built(framework)
    assert not apps.check_table(app_map, routes)

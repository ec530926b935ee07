"""The benchmark scripts' logic, run quickly so that they cannot rot.

Nothing here times anything or asserts a speed: the comparison runs with
tiny counts to prove every framework answers every scenario correctly and
that the measurement, the guards' verdicts (on figures made up for the
purpose), the report and the pytest-benchmark suites work end to end.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

import apps  # noqa: E402
import bench_check  # noqa: E402
import callgrind_guard  # noqa: E402
import compare  # noqa: E402
import report  # noqa: E402


@pytest.fixture(scope="module")
def routes():
    return apps.load_routes()


@pytest.fixture(scope="module")
def built(routes):
    app_map, skipped = apps.build_apps(routes)
    assert skipped == {}
    return app_map


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    """A real ``compare.py --json`` run with the smallest counts."""
    out = tmp_path_factory.mktemp("compare") / "result.json"
    assert compare.main(["--rounds", "1", "--batch", "2", "--warmup", "0", "--quiet",
                         "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_every_framework_answers_every_scenario_alike(built, routes):
    scenario_list = apps.scenarios(routes)
    assert [s.name for s in scenario_list] == list(apps.SCENARIO_NAMES)
    errors, warnings = apps.self_check(built, scenario_list)
    assert errors == []
    assert warnings == []  # fastmicro's headers equal Flask's in every scenario
    assert apps.check_table(built, routes) == []


def test_check_response_catches_wrong_answers(routes):
    by_name = {s.name: s for s in apps.scenarios(routes)}
    ok = apps.Response("200 OK", [("Content-Type", "text/plain")], b"x")
    problems = apps.check_response("raw", by_name["static"], ok)
    assert any("body" in p for p in problems)
    assert "no ETag header" in problems and "no Last-Modified header" in problems
    forged = apps.Response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Set-Cookie", "session=forged.value.sig; Path=/")], b"2")
    problems = apps.check_response("raw", by_name["session"], forged)
    assert any("does not verify" in p for p in problems)


def test_request_body_is_fresh_for_every_call(built, routes):
    form = next(s for s in apps.scenarios(routes) if s.name == "form")
    env = form.environ()
    app = apps.app_for(built, "fastmicro", form)
    first, second = apps.call(app, env), apps.call(app, env)
    assert first.body == second.body == form.body
    # compare.py's timing loop reads the body anew on each call as well.
    assert compare.time_batch(app, env, 3) > 0
    assert apps.call(app, env).body == form.body


def test_compare_measures_every_scenario_and_framework(tiny_result):
    assert list(tiny_result["results"]) == list(apps.SCENARIO_NAMES)
    for per_fw in tiny_result["results"].values():
        assert set(per_fw) == set(apps.FRAMEWORKS)
        assert all(v["median_us"] > 0 for v in per_fw.values())
    # The core issue's targets stay on its four scenarios.
    assert {t["scenario"] for t in tiny_result["targets"]} == set(compare.TARGET_SCENARIOS)
    assert tiny_result["config"]["notes"]["bottle"].keys() == {"headers", "session"}
    text = compare.text_report(tiny_result)
    table = compare.markdown_report(tiny_result)
    for name in apps.SCENARIO_NAMES:
        assert name in text and f"`{name}`" in table


def test_bench_check_verdicts():
    baseline = {"ratios": {"hello": {"fastmicro_over_raw": 8.0, "fastmicro_over_flask": 0.1}}}
    failing, lines, warnings = bench_check.judge(
        {"hello": {"fastmicro_over_raw": 10.4, "fastmicro_over_flask": 0.13}}, baseline, 0.25)
    assert failing == ["hello"] and "SLOWER" in lines[0]
    # One ratio up is noise or a change to the reference: a warning, not a failure.
    failing, lines, warnings = bench_check.judge(
        {"hello": {"fastmicro_over_raw": 10.4, "fastmicro_over_flask": 0.1}}, baseline, 0.25)
    assert failing == [] and len(warnings) == 1 and "fastmicro/raw" in warnings[0]
    failing, _, warnings = bench_check.judge(
        {"hello": {"fastmicro_over_raw": 9.6, "fastmicro_over_flask": 0.119}}, baseline, 0.25)
    assert failing == [] and warnings == []
    rounds = bench_check.round_ratios({"s": {"fastmicro": [2.0, 4.0], "raw": [1.0, 1.0],
                                             "flask": [20.0, 20.0]}})
    assert rounds["s"] == {"fastmicro_over_raw": [2.0, 4.0], "fastmicro_over_flask": [0.1, 0.2]}


def test_bench_check_end_to_end(tmp_path, capsys):
    args = ["--rounds", "1", "--batch", "2", "--scenarios", "hello,form",
            "--baseline-dir", str(tmp_path)]
    assert bench_check.main([*args, "--rebaseline"]) == 0
    backend = "pure" if apps.fastmicro_status()["backend"] == "pure" else "compiled"
    path = bench_check.baseline_path(backend, tmp_path)
    data = json.loads(path.read_text())
    assert set(data["ratios"]) == {"hello", "form"} and data["threshold"] == 0.25
    # Tiny counts are noise: a huge threshold proves the plumbing only.
    assert bench_check.main([*args, "--threshold", "1000"]) == 0
    # A baseline far below anything measurable must fail, naming the scenario.
    for ratios in data["ratios"].values():
        ratios.update(fastmicro_over_raw=1e-6, fastmicro_over_flask=1e-6)
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert bench_check.main(args) == 1
    err = capsys.readouterr().err
    assert "THROUGHPUT GUARD FAILED" in err and "REGRESSION  hello" in err
    assert "--rebaseline" in err


def test_bench_check_without_baseline(tmp_path, capsys):
    assert bench_check.main(["--rounds", "1", "--batch", "1", "--scenarios", "hello",
                             "--baseline-dir", str(tmp_path)]) == 2
    assert "no baseline" in capsys.readouterr().err


def test_callgrind_guard_verdicts():
    baseline = {"scenarios": {"hello": 30000.0, "router": 2000.0}}
    failures, lines = callgrind_guard.compare({"hello": 33000.0, "router": 2020.0}, baseline, 0.05)
    assert failures == ["hello: 33,000 instructions per request, baseline 30,000 "
                        "(+10.0%, threshold +5%)"]
    assert "REGRESSION" in lines[0] and "ok" in lines[1]
    failures, lines = callgrind_guard.compare({"hello": 31400.0, "json": 5.0}, baseline, 0.05)
    assert failures == [] and "no baseline figure" in lines[1]
    failures, lines = callgrind_guard.compare({"hello": 27000.0}, baseline, 0.05)
    assert failures == [] and "re-baseline" in lines[0]


def test_callgrind_guard_child_runs_without_valgrind(tmp_path):
    """The code that runs under callgrind, run directly with tiny counts."""
    runs = callgrind_guard.workloads(None)
    assert set(runs) == set(callgrind_guard.SCENARIOS)
    assert runs["hello"](3) == 3
    table = len(apps.load_routes())
    assert runs["router"](5) == table  # whole passes over the table
    labels = tmp_path / "labels.json"
    args = callgrind_guard.parse_args(["--n", "2", "--scenarios", "hello,router",
                                       "--labels-out", str(labels)])
    callgrind_guard.child(args)
    data = json.loads(labels.read_text())
    assert data["phases"] == [["hello", 1, 2], ["hello", 2, 4],
                              ["router", 1, table], ["router", 2, 2 * table]]
    assert data["backend"] == apps.fastmicro_status()["backend"]


def test_callgrind_guard_finds_a_real_interpreter():
    with open(callgrind_guard.python_binary(), "rb") as fh:
        assert fh.read(4) == b"\x7fELF"


def test_committed_baselines_are_complete():
    for backend in ("compiled", "pure"):
        cg = json.loads(callgrind_guard.baseline_path(backend).read_text())
        assert set(cg["scenarios"]) == set(callgrind_guard.SCENARIOS)
        assert cg["backend"] == backend and cg["threshold"] <= 0.05
        ratios = json.loads(bench_check.baseline_path(backend).read_text())
        assert set(ratios["ratios"]) == set(apps.SCENARIO_NAMES)
        assert ratios["backend"] == backend


def test_report_writes_page_and_chart(tiny_result, tmp_path):
    page, chart = tmp_path / "performance.md", tmp_path / "_static" / "benchmarks.png"
    report.write(tiny_result, page, chart)
    text = page.read_text()
    assert "![median µs per request, log scale](_static/benchmarks.png)" in text
    for needle in ("**Machine**", "**Python**", "**fastmicro backend**", "**Packages**",
                   "**Date**", "Flask / fastmicro", "fastmicro / Falcon", "fastmicro / raw"):
        assert needle in text
    for name in apps.SCENARIO_NAMES:
        assert f"| `{name}` |" in text
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pytest_benchmark_suites_pass():
    """``pytest benchmarks`` (benchmarks disabled: each case once, checked)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "benchmarks"],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout

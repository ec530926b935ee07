"""``benchmarks/loadtest_mixed.py`` works end to end: a few seconds of the
mixed load (good and bad requests) on a real server on 127.0.0.1 pass every
check, and the checks fail when the server misbehaves.

Nothing here asserts a speed (the machine is shared); the one-minute run and
its figures are in ``docs/reliability.md``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))

import loadtest  # noqa: E402
import loadtest_mixed  # noqa: E402
import loadtest_mixed_app  # noqa: E402

CHECKS = {"no_5xx", "no_socket_errors", "statuses_as_expected", "every_response_counted",
          "preflight", "rss_steady", "clean_exit"}


@pytest.mark.slow
@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_short_mixed_load_passes_every_check(server: str, tmp_path: Path) -> None:
    out = tmp_path / "mixed.json"
    # Three seconds are mostly the worker's warm-up (caches filling, on the
    # pure backend above all): the memory slope is held to a blatant-leak
    # bound here; the one-minute run holds it to the default 32 KiB/s.
    code = loadtest_mixed.main(["--server", server, "--duration", "3", "--warmup", "1",
                                "--connections", "8", "--rss-slope-limit", "1024",
                                "--json", str(out)])
    result = json.loads(out.read_text())
    failed = {name: check["detail"] for name, check in result["checks"].items() if not check["pass"]}
    assert failed == {}
    assert code == 0 and result["passed"] is True
    assert set(result["checks"]) == CHECKS
    for name in ("requests", "rps", "p50_ms", "p90_ms", "p99_ms", "socket_errors", "counts",
                 "expected", "rss"):
        assert name in result, name
    assert result["requests"] > 0 and result["rps"] > 0 and result["p99_ms"] >= result["p50_ms"]
    # Every kind of request was answered, each only with its own status.
    kinds = loadtest_mixed.request_mix()
    assert set(result["counts"]) == {kind.name for kind in kinds}
    for kind in kinds:
        assert list(result["counts"][kind.name]) == [str(kind.status)], kind.name
    assert sum(n for per in result["counts"].values() for n in per.values()) == result["requests"]
    rss = result["rss"]
    assert rss["samples"] >= 3 and 0 < rss["start_kib"] <= rss["max_kib"]
    assert rss["pids"] and all(isinstance(pid, int) for pid in rss["pids"])


def test_the_mix_has_the_bad_requests_of_the_issue() -> None:
    statuses = {kind.name: kind.status for kind in loadtest_mixed.request_mix()}
    assert statuses["tampered_session"] == 401
    assert statuses["malformed_json"] == 400
    assert statuses["oversized_body"] == 413
    assert statuses["not_found"] == 404
    assert statuses["wrong_method"] == 405
    assert statuses["hostile_headers"] == 200
    assert statuses["bad_percent_encoding"] == 200
    assert all(status < 500 for status in statuses.values())
    oversized = next(k for k in loadtest_mixed.request_mix() if k.name == "oversized_body")
    assert len(oversized.body) > loadtest_mixed_app.MAX_CONTENT_LENGTH


def test_each_kind_gets_its_status_in_process() -> None:
    # The same requests through the WSGI callable (Werkzeug's test client),
    # so a wrong expectation is caught without a server.
    # No cookie jar: each request carries only its own cookie.
    client = loadtest_mixed_app.app.test_client(use_cookies=False)
    for kind in loadtest_mixed.request_mix():
        path, _, query = kind.target.partition("?")
        headers = [(loadtest_mixed_app.KIND_HEADER, kind.name), *kind.headers]
        response = client.open(path, method=kind.method, query_string=query, headers=headers,
                               data=kind.body)
        assert response.status_code == kind.status, kind.name
        assert response.headers[loadtest_mixed_app.KIND_HEADER] == kind.name


def _sample(requests: int, socket_errors: int = 0) -> loadtest.Sample:
    return loadtest.Sample(requests=requests, seconds=1.0, rps=float(requests), p50_ms=1.0,
                           p90_ms=2.0, p99_ms=3.0, socket_errors=socket_errors)


def _evaluate(counts: dict[str, dict[int, int]], *, socket_errors: int = 0,
              after: dict[str, int] | None = None, slope: float = 0.0,
              exit_code: int | None = 0) -> dict[str, bool]:
    kinds = loadtest_mixed.request_mix()
    statuses = {kind.name: kind.status for kind in kinds}
    rss = {"samples": 10, "slope_kib_per_s": slope, "slope_window_s": 40.0}
    total = sum(n for per in counts.values() for n in per.values())
    checks = loadtest_mixed.evaluate(kinds, _sample(total, socket_errors), counts, statuses,
                                     after or statuses, rss, 32.0, exit_code)
    return {name: check["pass"] for name, check in checks.items()}


def test_the_checks_fail_when_the_server_misbehaves() -> None:
    good = {kind.name: {kind.status: 10} for kind in loadtest_mixed.request_mix()}
    assert all(_evaluate(good).values())

    with_500 = {**good, "json_post": {200: 9, 500: 1}}
    failed = [name for name, ok in _evaluate(with_500).items() if not ok]
    assert failed == ["no_5xx", "statuses_as_expected"]

    unanswered = {name: per for name, per in good.items() if name != "form"}
    assert _evaluate(unanswered)["statuses_as_expected"] is False
    assert _evaluate(good, socket_errors=3)["no_socket_errors"] is False
    assert _evaluate(good, after={"hello": 500})["preflight"] is False
    assert _evaluate(good, slope=500.0)["rss_steady"] is False
    assert _evaluate(good, exit_code=-9)["clean_exit"] is False


def test_rss_slope_is_a_least_squares_fit() -> None:
    assert loadtest_mixed.slope([(0, 100), (1, 110), (2, 120), (3, 130)]) == pytest.approx(10.0)
    assert loadtest_mixed.slope([(0, 100), (1, 100)]) == 0.0
    # Grows by 1 KiB/s for the first 20 s (warming up), then flat.
    samples = [(float(t), 1000 + min(t, 20)) for t in range(61)]
    summary = loadtest_mixed.rss_summary(samples, 60.0)
    # Only the last 40 s count: the growing start is outside the window.
    assert summary["slope_window_s"] == 40.0
    assert summary["slope_kib_per_s"] == pytest.approx(0.0)
    assert loadtest_mixed.slope(samples) > 0.1
    assert (summary["start_kib"], summary["end_kib"], summary["max_kib"]) == (1000, 1020, 1020)
    # A short run is judged on its last two thirds.
    assert loadtest_mixed.rss_summary(samples[:7], 6.0)["slope_window_s"] == 4.0

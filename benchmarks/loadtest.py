"""Load test through a real server: fastmicro, Flask and raw WSGI, each
serving hello world on loopback under the same production server.

fastmicro is started the way users start it, ``fastmicro serve --server
granian --workers 1`` (or ``--server gunicorn``); the Flask app and the raw
WSGI callable run under the same server with the same settings through
the server's own command line. Each round drives every target with ``wrk``
for a fixed time (or, without ``wrk``, a small Python load generator for a
fixed time and request count), the order rotating from round to round so
machine noise falls on all three alike. The report gives requests per
second, latency percentiles, non-2xx responses and socket errors.

Usage::

    python benchmarks/loadtest.py                        # granian, 1 worker
    python benchmarks/loadtest.py --server gunicorn
    python benchmarks/loadtest.py --check                # exit 1 below 90% of raw or on errors
    python benchmarks/loadtest.py --rounds 7 --duration 10 --connections 32 --json out.json

The apps are in ``benchmarks/loadtest_apps.py``. On a 2-core machine keep
the defaults (one wrk thread, one server worker): each gets a core.
"""
from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGETS = ("fastmicro", "flask", "raw")
_APP_ATTR = {"fastmicro": "fastmicro_app", "flask": "flask_app", "raw": "raw"}
EXPECTED_BODY = b"Hello, World!"


@dataclass
class Sample:
    """One load run against one target."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: int = 0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


@dataclass
class Target:
    name: str
    command: list[str]
    port: int
    samples: list[Sample] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(name: str, server: str, workers: int, threads: int, port: int) -> list[str]:
    """How ``name`` is started: fastmicro through ``fastmicro serve``, the
    others through the server's own CLI with the same settings."""
    py = sys.executable
    target = f"loadtest_apps:{_APP_ATTR[name]}"
    if name == "fastmicro":
        return [py, "-m", "fastmicro", "--app", target, "serve", "--server", server,
                "--workers", str(workers), "--threads", str(threads),
                "--host", "127.0.0.1", "--port", str(port)]
    if server == "granian":
        return [py, "-m", "granian", "--interface", "wsgi", "--workers", str(workers),
                "--blocking-threads", str(threads), "--host", "127.0.0.1",
                "--port", str(port), target]
    # gunicorn: fastmicro serve preloads the app and turns the control socket off.
    return [py, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", "--preload", "--no-control-socket", target]


def start(target: Target, logdir: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), str(HERE), env.get("PYTHONPATH")]))
    env.pop("FASTMICRO_APP", None)
    target.log = logdir / f"{target.name}.log"
    with open(target.log, "wb") as log:
        target.proc = subprocess.Popen(target.command, cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(target.url, timeout=5) as response:
                body = response.read()
            if body != EXPECTED_BODY:
                raise SystemExit(f"{target.name}: unexpected body {body!r}")
            return
        except OSError:
            if target.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{target.name} did not start:\n{target.log.read_text()}") from None
            time.sleep(0.1)


def stop(target: Target) -> int | None:
    if target.proc is None or target.proc.poll() is not None:
        return target.proc.returncode if target.proc else None
    target.proc.send_signal(signal.SIGTERM)
    try:
        return target.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        target.proc.kill()
        return target.proc.wait()


# -- load generators ----------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str, seconds: float) -> Sample:
    """The numbers of ``wrk --latency`` output."""
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    pct = {int(p): _ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Sample(
        requests=total,
        seconds=seconds,
        rps=rps,
        p50_ms=pct[50],
        p90_ms=pct[90],
        p99_ms=pct[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sock.groups()) if sock else 0,
    )


def run_wrk(url: str, duration: float, connections: int, threads: int) -> Sample:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(duration)}s", "--latency", url]
    output = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return parse_wrk(output, duration)


def run_python(url: str, duration: float, connections: int, max_requests: int) -> Sample:
    """A small keep-alive load generator: ``connections`` threads, until
    ``duration`` seconds pass or ``max_requests`` are made. Slower than
    wrk (the GIL), so its figures compare targets, not servers."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    latencies: list[float] = []
    counts = {"requests": 0, "non_2xx": 0, "socket_errors": 0}
    lock = threading.Lock()
    start_at = time.perf_counter()
    stop_at = start_at + duration

    def worker() -> None:
        mine: list[float] = []
        non_2xx = errors = 0
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        while time.perf_counter() < stop_at:
            with lock:
                if counts["requests"] >= max_requests:
                    break
                counts["requests"] += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", "/")
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    non_2xx += 1
            except OSError:
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                continue
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["non_2xx"] += non_2xx
            counts["socket_errors"] += errors

    workers = [threading.Thread(target=worker) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start_at
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3 if latencies else 0.0

    return Sample(
        requests=len(latencies),
        seconds=elapsed,
        rps=len(latencies) / elapsed,
        p50_ms=pct(0.50),
        p90_ms=pct(0.90),
        p99_ms=pct(0.99),
        non_2xx=counts["non_2xx"],
        socket_errors=counts["socket_errors"],
    )


# -- report ---------------------------------------------------------------------


def summary(target: Target) -> dict[str, t.Any]:
    # Figures; main() adds the ratios to raw WSGI (round_ratios is a list).
    s = target.samples
    return {
        "rps": statistics.median(x.rps for x in s),
        "rps_min": min(x.rps for x in s),
        "rps_max": max(x.rps for x in s),
        "p50_ms": statistics.median(x.p50_ms for x in s),
        "p90_ms": statistics.median(x.p90_ms for x in s),
        "p99_ms": statistics.median(x.p99_ms for x in s),
        "requests": sum(x.requests for x in s),
        "non_2xx": sum(x.non_2xx for x in s),
        "socket_errors": sum(x.socket_errors for x in s),
    }


def per_round_ratios(target: Target, raw: Target) -> list[float]:
    """``target``'s requests per second over raw WSGI's, round by round."""
    return [a.rps / b.rps for a, b in zip(target.samples, raw.samples)]


def version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (default 1)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--requests", type=int, default=10**9,
                        help="request cap per run, Python generator only")
    parser.add_argument("--python", action="store_true", help="use the Python generator even if wrk exists")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated subset")
    parser.add_argument("--json", metavar="OUT", help="write every sample and the summary to OUT")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if fastmicro < 90%% of raw WSGI's rps or any request failed")
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    unknown = set(names) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    use_wrk = not args.python and shutil.which("wrk") is not None
    generator = "wrk" if use_wrk else "python"

    def drive(url: str, duration: float) -> Sample:
        if use_wrk:
            return run_wrk(url, duration, args.connections, args.wrk_threads)
        return run_python(url, duration, args.connections, args.requests)

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # a checkout that is not installed
    from fastmicro import speedups

    print(f"server: {args.server} {version(args.server)}, {args.workers} worker(s) x {args.threads} thread(s);"
          f" load: {generator}, {args.connections} connections, {args.duration:g}s x {args.rounds} rounds;"
          f" fastmicro backend: {speedups.backend()}; {os.cpu_count()} cores; Python {platform.python_version()}")

    targets = [Target(n, [], free_port()) for n in names]
    for t in targets:
        t.command = server_command(t.name, args.server, args.workers, args.threads, t.port)
    logdir = Path(tempfile.mkdtemp(prefix="fastmicro-loadtest-"))
    exit_codes: dict[str, int | None] = {}
    try:
        for t in targets:
            start(t, logdir)
            drive(t.url, 1.0)  # warm-up, not recorded
        for r in range(args.rounds):
            order = targets[r % len(targets):] + targets[: r % len(targets)]
            for t in order:
                t.samples.append(drive(t.url, args.duration))
            print(f"round {r + 1}: " + ", ".join(f"{t.name} {t.samples[-1].rps:,.0f}" for t in targets), flush=True)
    finally:
        for t in targets:
            exit_codes[t.name] = stop(t)

    results = {t.name: summary(t) for t in targets}
    print()
    print("| target | req/s (median) | min–max | p50 ms | p90 ms | p99 ms | requests | non-2xx | socket errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, s in results.items():
        print(f"| {name} | {s['rps']:,.0f} | {s['rps_min']:,.0f}–{s['rps_max']:,.0f} | {s['p50_ms']:.2f} |"
              f" {s['p90_ms']:.2f} | {s['p99_ms']:.2f} | {s['requests']:,} | {s['non_2xx']} | {s['socket_errors']} |")

    failures: list[str] = []
    if "raw" in results:
        raw = results["raw"]["rps"]
        by_name = {t.name: t for t in targets}
        for name in results:
            if name != "raw":
                # The median of per-round ratios: each round's targets ran
                # back to back, so this cancels slow drifts of the machine.
                ratios = per_round_ratios(by_name[name], by_name["raw"])
                ratio = statistics.median(ratios)
                results[name]["ratio_to_raw"] = ratio
                results[name]["round_ratios"] = ratios
                print(f"{name}: {results[name]['rps'] / raw:.1%} of raw WSGI by median req/s,"
                      f" {ratio:.1%} by median per-round ratio"
                      f" (rounds: {', '.join(f'{r:.1%}' for r in ratios)})")
        if "fastmicro" in results and results["fastmicro"]["ratio_to_raw"] < 0.90:
            failures.append(f"fastmicro at {results['fastmicro']['ratio_to_raw']:.1%} of raw WSGI (target 90%)")
    errors = {n: int(s["non_2xx"] + s["socket_errors"]) for n, s in results.items()}
    if any(errors.values()):
        failures.append(f"errors: {errors}")
    unclean = {n: c for n, c in exit_codes.items() if c != 0}
    if unclean:
        failures.append(f"servers that did not exit cleanly on SIGTERM: {unclean}")

    if args.json:
        Path(args.json).write_text(json.dumps({
            "server": args.server, "server_version": version(args.server), "workers": args.workers,
            "threads": args.threads, "generator": generator, "connections": args.connections,
            "duration": args.duration, "rounds": args.rounds, "backend": speedups.backend(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "summary": results, "samples": {t.name: [asdict(s) for s in t.samples] for t in targets},
        }, indent=2))
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print("OK: fastmicro within 90% of raw WSGI, no errors" if "raw" in results else "OK: no errors")
    return 1 if (args.check and failures) else 0


if __name__ == "__main__":
    sys.exit(main())

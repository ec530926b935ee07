"""Mixed load on loopback: good and bad requests against ``fastmicro serve``
for a minute, with zero 5xx, zero dropped connections and flat memory.

The app is ``benchmarks/loadtest_mixed_app.py``; the mix (:func:`request_mix`)
rotates through a page, JSON, a session read and write with a valid cookie, a
form POST, a JSON POST, and the bad ones: a tampered session cookie, a
malformed JSON body, a body over ``MAX_CONTENT_LENGTH``, hostile header and
cookie values, bad percent-encoding, an unknown path and a wrong method.
Each kind of request has one expected status.

The server is started and stopped with ``benchmarks/loadtest.py``'s helpers
(``fastmicro serve --server granian|gunicorn`` on 127.0.0.1, an ephemeral
port). ``wrk`` drives it with ``benchmarks/loadtest_mixed.lua``, which sends
the raw requests this script writes and counts the responses per kind and
status (the app echoes the request's ``X-Mix-Kind`` header). Meanwhile the
server's worker processes' ``VmRSS`` is sampled every second.

Checks (any failure: exit 1):

* ``no_5xx``: no response with a 5xx status;
* ``no_socket_errors``: wrk saw no connect, read, write or timeout error;
* ``statuses_as_expected``: every kind was answered, and only with its status;
* ``every_response_counted``: the per-kind counts add up to wrk's total;
* ``preflight``: each kind, sent once on its own connection before and after
  the load, gets its status;
* ``rss_steady``: the slope of the workers' RSS over the last 40 s (or the
  last two thirds of a shorter run) is below ``--rss-slope-limit`` KiB/s;
* ``clean_exit``: the server exits 0 on SIGTERM.

Usage::

    python benchmarks/loadtest_mixed.py                    # granian, 60 s, 32 connections
    python benchmarks/loadtest_mixed.py --server gunicorn --duration 10
    python benchmarks/loadtest_mixed.py --json out.json

Reports requests per second and latency percentiles (wrk's, over all kinds).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import loadtest  # noqa: E402
import loadtest_mixed_app as mixed_app  # noqa: E402

LUA_SCRIPT = HERE / "loadtest_mixed.lua"
#: The window the RSS slope is measured over, at most (seconds).
SLOPE_WINDOW = 40.0
#: Bytes of the oversized body: twice the app's limit.
OVERSIZED = 2 * mixed_app.MAX_CONTENT_LENGTH


@dataclass(frozen=True)
class Kind:
    """One kind of request of the mix and the status it must get."""

    name: str
    method: str
    target: str  # path and query, as sent on the request line
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def raw(self, host: str) -> bytes:
        """The request as bytes on the wire (HTTP/1.1, keep-alive)."""
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: {host}",
                 f"{mixed_app.KIND_HEADER}: {self.name}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def request_mix() -> list[Kind]:
    """The kinds of requests, in the order they are sent."""
    valid = f"session={mixed_app.session_cookie()}"
    tampered = f"session={mixed_app.tampered_session_cookie()}"
    form_type = ("Content-Type", "application/x-www-form-urlencoded")
    json_type = ("Content-Type", "application/json")
    return [
        Kind("hello", "GET", "/", 200),
        Kind("json", "GET", "/json?name=load", 200),
        Kind("session_read", "GET", "/session", 200, (("Cookie", valid),)),
        Kind("session_write", "POST", "/session", 200, (("Cookie", valid),)),
        Kind("form", "POST", "/form", 200, (form_type,),
             b"name=bench&email=bench%40example.com&message=Hello%2C+World%21"),
        Kind("json_post", "POST", "/api/echo", 200, (json_type,), b'{"items": [1, 2, 3], "ok": true}'),
        Kind("not_found", "GET", "/no/such/page", 404),
        Kind("wrong_method", "DELETE", "/", 405),
        Kind("tampered_session", "GET", "/session", 401, (("Cookie", tampered),)),
        Kind("malformed_json", "POST", "/api/echo", 400, (json_type,), b'{"items": [1, 2,'),
        Kind("oversized_body", "POST", "/form", 413, (form_type,), b"name=" + b"x" * OVERSIZED),
        Kind("hostile_headers", "GET", "/inspect", 200, (
            ("Accept", 'text/html;q=abc, */*;q=2, "unclosed, a/b;c*=x\'\'%zz'),
            ("Accept-Language", ";;;,,,q=,en;q=0.x"),
            ("Accept-Encoding", "gzip;q=1.5, , ;q=, br;q=-1"),
            ("Cookie", 'a="unclosed; theme=\\"dark; ==; ;;; b="\\377\\400"'),
            ("If-None-Match", 'W/"x", garbage, "unclosed'),
            ("If-Modified-Since", "yesterday at noon"),
            ("Range", "bytes=--,9-1,a-b"),
            ("Authorization", "Basic !!!not base64"),
            ("Cache-Control", 'max-age=abc, ,,="x'),
            ("Content-Type", "text/plain; charset*=bogus''%zz; \""),
            ("User-Agent", "Mozilla/5.0 \xff\xfe\xe9 " + "A" * 200),
        )),
        Kind("bad_percent_encoding", "GET", "/p/%zz%ff%fe%E0%A4?q=%zz%E0&%%%=%&x=%C3", 200),
    ]


def write_mix(kinds: list[Kind], host: str, path: Path) -> None:
    """The file ``loadtest_mixed.lua`` reads: ``KIND LENGTH\\n`` + raw bytes."""
    with open(path, "wb") as fh:
        for kind in kinds:
            raw = kind.raw(host)
            fh.write(f"{kind.name} {len(raw)}\n".encode() + raw)


def send_once(kind: Kind, port: int) -> int:
    """The status of ``kind`` sent alone on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(kind.raw(f"127.0.0.1:{port}"))
        response = http.client.HTTPResponse(sock, method=kind.method)
        response.begin()
        response.read()
        return response.status


def preflight(kinds: list[Kind], port: int) -> dict[str, int]:
    """``{kind: status}`` of one request of each kind."""
    return {kind.name: send_once(kind, port) for kind in kinds}


# -- the server's memory ---------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (its workers), from ``/proc``."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                # The command may hold spaces and parentheses: split after its ")".
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return sorted(found)


def vm_rss_kib(pid: int) -> int | None:
    """``VmRSS`` of a process in KiB (``None`` once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class RssSampler:
    """Samples the RSS of ``pids`` every ``interval`` seconds in a thread."""

    pids: list[int]
    interval: float = 1.0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (s since start, KiB)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _t0: float = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            values = [vm_rss_kib(pid) for pid in self.pids]
            self.samples.append((time.monotonic() - self._t0, sum(v for v in values if v)))
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def slope(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of ``(t, value)`` points (value per second)."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / var


def rss_summary(samples: list[tuple[float, int]], duration: float) -> dict[str, float]:
    window = min(SLOPE_WINDOW, duration * 2 / 3)
    end = samples[-1][0] if samples else 0.0
    tail = [(t, v) for t, v in samples if t >= end - window]
    return {
        "start_kib": samples[0][1] if samples else 0,
        "end_kib": samples[-1][1] if samples else 0,
        "max_kib": max((v for _, v in samples), default=0),
        "slope_window_s": window,
        "slope_kib_per_s": slope(tail),
        "samples": len(samples),
    }


# -- load -----------------------------------------------------------------------


_MIX_LINE = re.compile(r"^MIX (\S+) (\d+) (\d+)$", re.M)


def run_wrk(url: str, mix_file: Path, duration: float, connections: int,
            threads: int) -> tuple[loadtest.Sample, dict[str, dict[int, int]], str]:
    """One wrk run of the mix: wrk's figures, ``{kind: {status: count}}`` and
    wrk's output."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
           "--latency", "-s", str(LUA_SCRIPT), url, "--", str(mix_file)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    counts: dict[str, dict[int, int]] = {}
    for kind, status, n in _MIX_LINE.findall(proc.stdout):
        counts.setdefault(kind, {})[int(status)] = int(n)
    return loadtest.parse_wrk(proc.stdout, duration), counts, proc.stdout


def server_command(server: str, workers: int, threads: int, port: int) -> list[str]:
    return [sys.executable, "-m", "fastmicro", "--app", "loadtest_mixed_app:app", "serve",
            "--server", server, "--workers", str(workers), "--threads", str(threads),
            "--host", "127.0.0.1", "--port", str(port)]


def evaluate(kinds: list[Kind], sample: loadtest.Sample, counts: dict[str, dict[int, int]],
             before: dict[str, int], after: dict[str, int], rss: dict[str, float],
             slope_limit: float, exit_code: int | None) -> dict[str, dict]:
    """Every check: ``{name: {"pass": bool, "detail": ...}}``."""
    expected = {kind.name: kind.status for kind in kinds}
    fives = {f"{kind} {status}": n for kind, per in counts.items()
             for status, n in per.items() if status >= 500}
    wrong = {f"{kind} {status}": n for kind, per in counts.items()
             for status, n in per.items() if expected.get(kind) != status}
    unanswered = sorted(name for name in expected if not counts.get(name))
    counted = sum(n for per in counts.values() for n in per.values())
    preflight_wrong = {f"{when} {name}": got for when, seen in (("before", before), ("after", after))
                       for name, got in seen.items() if got != expected[name]}
    return {
        "no_5xx": {"pass": not fives, "detail": fives},
        "no_socket_errors": {"pass": sample.socket_errors == 0, "detail": sample.socket_errors},
        "statuses_as_expected": {"pass": not wrong and not unanswered,
                                 "detail": {"unexpected": wrong, "unanswered": unanswered}},
        "every_response_counted": {"pass": counted == sample.requests,
                                   "detail": {"counted": counted, "wrk": sample.requests}},
        "preflight": {"pass": not preflight_wrong, "detail": preflight_wrong},
        "rss_steady": {"pass": rss["samples"] >= 3 and rss["slope_kib_per_s"] <= slope_limit,
                       "detail": f"{rss['slope_kib_per_s']:+.2f} KiB/s over the last "
                                 f"{rss['slope_window_s']:.0f} s (limit {slope_limit:g})"},
        "clean_exit": {"pass": exit_code == 0, "detail": exit_code},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (default 1)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of unrecorded load first (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (default 32)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--rss-slope-limit", type=float, default=32.0, metavar="KIB_PER_S",
                        help="largest steady RSS slope of the workers (default 32 KiB/s)")
    parser.add_argument("--json", metavar="OUT", help="write the figures and checks to OUT")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (the mixed load test needs its Lua scripting)")
    from fastmicro import speedups

    kinds = request_mix()
    port = loadtest.free_port()
    target = loadtest.Target("fastmicro", server_command(args.server, args.workers, args.threads, port),
                             port)
    logdir = Path(tempfile.mkdtemp(prefix="fastmicro-loadtest-mixed-"))
    mix_file = logdir / "mix.bin"
    write_mix(kinds, f"127.0.0.1:{port}", mix_file)
    print(f"server: {args.server} {loadtest.version(args.server)}, {args.workers} worker(s) x "
          f"{args.threads} thread(s); wrk: {args.connections} connections, {args.wrk_threads} "
          f"thread(s), {args.duration:g} s after {args.warmup:g} s of warm-up; {len(kinds)} kinds "
          f"of request; fastmicro backend: {speedups.backend()}; {os.cpu_count()} cores; "
          f"Python {platform.python_version()}", flush=True)
    exit_code: int | None = None
    try:
        loadtest.start(target, logdir)
        assert target.proc is not None
        workers = descendants(target.proc.pid) or [target.proc.pid]
        before = preflight(kinds, port)
        if args.warmup > 0:
            run_wrk(target.url, mix_file, args.warmup, args.connections, args.wrk_threads)
        sampler = RssSampler(workers)
        sampler.start()
        try:
            sample, counts, output = run_wrk(target.url, mix_file, args.duration, args.connections,
                                             args.wrk_threads)
        finally:
            sampler.stop()
        after = preflight(kinds, port)
    finally:
        exit_code = loadtest.stop(target)
    rss = rss_summary(sampler.samples, args.duration)
    checks = evaluate(kinds, sample, counts, before, after, rss, args.rss_slope_limit, exit_code)

    print(f"\n{sample.requests:,} requests in {sample.seconds:g} s: {sample.rps:,.0f} req/s; "
          f"latency p50 {sample.p50_ms:.2f} ms, p90 {sample.p90_ms:.2f} ms, p99 {sample.p99_ms:.2f} ms; "
          f"socket errors {sample.socket_errors}")
    print(f"worker RSS (pids {', '.join(map(str, workers))}): start {rss['start_kib'] / 1024:.1f} MiB, "
          f"end {rss['end_kib'] / 1024:.1f} MiB, max {rss['max_kib'] / 1024:.1f} MiB, "
          f"slope {rss['slope_kib_per_s']:+.2f} KiB/s over the last {rss['slope_window_s']:.0f} s")
    print("| kind | expected | responses |")
    print("| --- | ---: | --- |")
    for kind in kinds:
        got = ", ".join(f"{status}: {n:,}" for status, n in sorted(counts.get(kind.name, {}).items()))
        print(f"| {kind.name} | {kind.status} | {got or '-'} |")
    for name, check in checks.items():
        print(f"{'PASS' if check['pass'] else 'FAIL'}  {name}: {check['detail']}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "server": args.server, "server_version": loadtest.version(args.server),
            "workers": args.workers, "threads": args.threads, "connections": args.connections,
            "wrk_threads": args.wrk_threads, "duration": args.duration, "warmup": args.warmup,
            "backend": speedups.backend(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "requests": sample.requests, "rps": sample.rps, "p50_ms": sample.p50_ms,
            "p90_ms": sample.p90_ms, "p99_ms": sample.p99_ms, "socket_errors": sample.socket_errors,
            "counts": {kind: {str(s): n for s, n in per.items()} for kind, per in counts.items()},
            "expected": {kind.name: kind.status for kind in kinds},
            "rss": {**rss, "pids": workers, "series": sampler.samples},
            "checks": checks, "passed": all(c["pass"] for c in checks.values()),
            "wrk_output": output,
        }, indent=2))
    return 0 if all(c["pass"] for c in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

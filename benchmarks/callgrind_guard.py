"""Instruction-count regression guard: instructions per request, by callgrind.

Wall-clock times on a shared machine drift by tens of percent; the number of
instructions a request executes does not (it repeats to well under 1%). This
guard counts, under ``valgrind --tool=callgrind``, the instructions per
request of fastmicro's hot scenarios and fails when one grew beyond the
threshold over the committed baseline
(``benchmarks/baselines/callgrind-<backend>.json``).

Scenarios (the app is ``benchmarks/apps``' fastmicro app, the request the one
``compare.py`` times):

``hello``       ``GET /``: the smallest request cycle;
``late_route``  ``GET /user/keys/42`` through the 203-route GitHub table;
``json``        ``GET /json?name=bench``: query argument, dict -> JSON;
``session``     ``GET /session`` with a valid session cookie: verify, decode,
                re-encode and re-sign it (on the app with a secret key);
``router``      ``Map.match_path`` alone, every GitHub route in turn (one
                "request" is one match), on the backend's matcher.

How a figure is measured: the script re-executes itself under callgrind
(``--dump-before=getppid``: every ``os.getppid()`` call, made nowhere else,
ends a phase and starts the next). The child builds the app, warms every
scenario up, disables the garbage collector, then runs each scenario ``N``
times, then ``2N`` times, each in its own phase. The figure is
``(Ir(2N) - Ir(N)) / N``: everything that does not scale with the number of
requests (interpreter start-up, imports, the loop's set-up, the phase
switch) cancels out.

Usage::

    python benchmarks/callgrind_guard.py                 # active backend, check
    python benchmarks/callgrind_guard.py --backend both  # compiled, then pure
    python benchmarks/callgrind_guard.py --n 100         # CI: small count
    python benchmarks/callgrind_guard.py --rebaseline --backend both  # deliberate

Exit status: 0 when every scenario is within the threshold, 1 on a
regression (the message names the scenario and the figures), 2 when it
cannot measure (no valgrind, no baseline, the backend asked for is not the
one in use).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import typing as t
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

SCENARIOS = ("hello", "late_route", "json", "session", "router")
BASELINE_DIR = HERE / "baselines"
#: A scenario fails when it executes more than this fraction more
#: instructions per request than its baseline. 10% extra must fail; the
#: counts repeat to well under 1%, so 5% leaves room for unrelated drift
#: (a different compiler or patch release of a dependency) without hiding a
#: real regression.
DEFAULT_THRESHOLD = 0.05
DEFAULT_N = 1000
CHILD_ENV = "FASTMICRO_CALLGRIND_GUARD_CHILD"
#: Packages whose version changes the counts; recorded in the baseline.
PACKAGES = ("fastmicro", "werkzeug", "jinja2", "itsdangerous", "markupsafe", "cython")


def baseline_path(backend: str, directory: Path = BASELINE_DIR) -> Path:
    return directory / f"callgrind-{backend}.json"


# -- the child: runs under callgrind ------------------------------------------

def _mark() -> None:
    # PERF: callgrind dumps (and zeroes) its counters before every getppid
    # call; nothing else in the process calls it.
    os.getppid()


def _start_response(status, headers, exc_info=None):
    return None


def _requests(app: t.Any, env: dict, n: int) -> int:
    """``n`` requests as ``compare.py`` times them (environ copy, consume, close)."""
    start_response = _start_response
    for _ in range(n):
        result = app(dict(env), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return n


def workloads(routes_dir: Path | None) -> dict[str, t.Callable[[int], int]]:
    """``{scenario: run(n)}`` on the active fastmicro backend; ``run`` returns
    how many requests it made (at least ``n``)."""
    import apps
    import bench_router
    from werkzeug.exceptions import NotFound

    routes = apps.load_routes(routes_dir)
    app = apps.build_app("fastmicro", routes)
    by_name = {s.name: s for s in apps.scenarios(routes)}
    runs: dict[str, t.Callable[[int], int]] = {}
    for name in ("hello", "late_route", "json"):
        env = by_name[name].environ()
        resp = apps.call(app, env)
        problems = apps.check_response("fastmicro", by_name[name], resp)
        if problems:
            raise RuntimeError(f"{name}: wrong answer: {'; '.join(problems)}")
        runs[name] = lambda n, env=env: _requests(app, env, n)

    # The session scenario runs on its own app, the one with a secret key.
    from apps.flask_style import make_session_app

    import fastmicro

    session_app = make_session_app(fastmicro)
    env = by_name["session"].environ()
    problems = apps.check_response("fastmicro", by_name["session"], apps.call(session_app, env))
    if problems:
        raise RuntimeError(f"session: wrong answer: {'; '.join(problems)}")
    runs["session"] = lambda n: _requests(session_app, env, n)

    # The router on the matcher the app itself uses: a fastmicro Map.
    from werkzeug.routing import Rule

    from fastmicro.routing import Map

    table = bench_router.read_table(apps.routes_file(routes_dir))
    url_map = Map()
    for index, (method, route) in enumerate(table):
        url_map.add(Rule(bench_router.to_rule(route), endpoint=index, methods=[method]))
    match_path = url_map.match_path
    every = bench_router.workloads(table)["all"]
    for method, path in every:
        match_path(path, method)  # must all match: NotFound here is a bug

    def router(n: int) -> int:
        # Whole passes over the table, so that N and 2N differ by whole passes
        # and the figure is the mean over every route whatever N is.
        batch = every * -(-n // len(every))
        for method, path in batch:
            try:
                match_path(path, method)
            except NotFound:
                pass
        return len(batch)

    runs["router"] = router
    return runs


def child(args: argparse.Namespace) -> None:
    from fastmicro import speedups

    runs = workloads(args.routes_dir)
    chosen = [s for s in args.scenarios if s in runs]
    for name in chosen:  # warm up: lazy attributes, caches, free lists
        runs[name](max(50, args.n // 2))
    phases = []
    gc.collect()
    gc.disable()  # a collection would land in whichever phase allocates last
    for name in chosen:
        wanted = args.n
        for multiple in (1, 2):
            _mark()
            done = runs[name](wanted)
            phases.append([name, multiple, done])
            wanted = 2 * done  # exactly twice the first phase's requests
    _mark()
    gc.enable()
    Path(args.labels_out).write_text(json.dumps({
        "phases": phases, "backend": speedups.backend(), "hot_paths": speedups.backends(),
    }))


# -- the parent: runs valgrind, compares ---------------------------------------

_TOTAL_RE = re.compile(r"^(?:totals|summary):\s+(\d+)", re.MULTILINE)


def _total_ir(path: Path) -> int:
    found = _TOTAL_RE.findall(path.read_text(errors="replace"))
    if not found:
        raise RuntimeError(f"no totals in {path}")
    return int(found[-1])


def python_binary() -> str:
    """The interpreter to run under valgrind: an ELF binary, not a shim script.

    ``sys.executable`` is one (pyenv's shims are shell scripts that exec it,
    and valgrind cannot follow them); if it is not, its resolved target is.
    """
    for candidate in (sys.executable, os.path.realpath(sys.executable)):
        try:
            with open(candidate, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    return candidate
        except OSError:
            continue
    raise RuntimeError(f"no ELF Python binary behind {sys.executable}")


def count(backend: str, n: int, scenarios: t.Sequence[str],
          routes_dir: Path | None) -> tuple[dict[str, float], dict]:
    """Instructions per request of each scenario on ``backend``: ``(figures, info)``."""
    env = dict(os.environ)
    env[CHILD_ENV] = "1"
    env["PYTHONHASHSEED"] = "0"
    env.pop("FASTMICRO_NO_EXTENSIONS", None)
    if backend == "pure":
        env["FASTMICRO_NO_EXTENSIONS"] = "1"
    # The child must import what this process imports (a venv, an editable
    # install, this checkout), whatever valgrind makes of the binary's path.
    env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p and os.path.isdir(p)])
    with tempfile.TemporaryDirectory(prefix="callgrind-guard-") as tmp:
        out = Path(tmp) / "cg.out"
        labels_out = Path(tmp) / "labels.json"
        command = [
            "valgrind", "--tool=callgrind", "--dump-before=getppid", "--dump-instr=no",
            f"--callgrind-out-file={out}", python_binary(), str(Path(__file__).resolve()),
            "--n", str(n), "--scenarios", ",".join(scenarios),
            "--labels-out", str(labels_out),
        ]
        if routes_dir is not None:
            command += ["--routes-dir", str(routes_dir)]
        proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not labels_out.exists():
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
            raise RuntimeError(f"the child under callgrind failed (exit {proc.returncode}):\n{tail}")
        labels = json.loads(labels_out.read_text())
        # Dump k (1-based) ends phase k; dump 1 is the set-up.
        dumps = {int(p.suffix[1:]): p for p in Path(tmp).glob("cg.out.*") if p.suffix[1:].isdigit()}
        phases = labels["phases"]
        if len(dumps) < len(phases) + 1:
            raise RuntimeError(f"expected {len(phases) + 1} callgrind dumps, got {len(dumps)}")
        irs: dict[str, dict[int, tuple[int, int]]] = {}
        for index, (name, multiple, done) in enumerate(phases):
            irs.setdefault(name, {})[multiple] = (_total_ir(dumps[index + 2]), done)
    figures = {name: (ir[2][0] - ir[1][0]) / (ir[2][1] - ir[1][1]) for name, ir in irs.items()}
    return figures, {"backend": labels["backend"], "hot_paths": labels["hot_paths"]}


def environment() -> dict:
    versions = {}
    for dist in PACKAGES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "machine": platform.machine(),
            "packages": versions}


def compare(figures: dict[str, float], baseline: dict, threshold: float
            ) -> tuple[list[str], list[str]]:
    """``(failures, lines)``: one line per scenario, failures naming the figures."""
    failures, lines = [], []
    base = baseline.get("scenarios", {})
    for name, value in figures.items():
        if name not in base:
            lines.append(f"  {name:<11} {value:>10,.0f}  (no baseline figure: not checked)")
            continue
        ref = base[name]
        change = value / ref - 1.0
        verdict = "ok"
        if change > threshold:
            verdict = "REGRESSION"
            failures.append(
                f"{name}: {value:,.0f} instructions per request, baseline {ref:,.0f} "
                f"({change:+.1%}, threshold +{threshold:.0%})")
        elif change < -threshold:
            verdict = "faster: re-baseline to lock the gain in"
        lines.append(f"  {name:<11} {value:>10,.0f}  baseline {ref:>10,.0f}  "
                     f"{change:+7.1%}  {verdict}")
    return failures, lines


def _env_differences(baseline: dict) -> list[str]:
    now, then = environment(), baseline.get("environment", {})
    diffs = []
    if then.get("python") != now["python"]:
        diffs.append(f"Python {then.get('python')} -> {now['python']}")
    for dist, version in now["packages"].items():
        old = then.get("packages", {}).get(dist)
        if dist != "fastmicro" and old != version:
            diffs.append(f"{dist} {old} -> {version}")
    return diffs


def run_backend(backend: str, args: argparse.Namespace) -> int:
    print(f"== callgrind guard, {backend} backend: instructions per request, "
          f"N={args.n} vs 2N requests ==", flush=True)
    try:
        figures, info = count(backend, args.n, args.scenarios, args.routes_dir)
    except RuntimeError as exc:
        print(f"callgrind guard: cannot measure: {exc}", file=sys.stderr)
        return 2
    if info["backend"] == "mixed" and backend == "compiled":
        # Some hot path is not built (yet): measured as it is, said loudly.
        print(f"  WARNING: only partly compiled: {info['hot_paths']}")
    elif info["backend"] != backend:
        print(f"callgrind guard: asked for the {backend} backend but the child ran "
              f"{info['backend']} ({info['hot_paths']}); build the extensions or pick "
              "--backend pure", file=sys.stderr)
        return 2
    path = baseline_path(backend, args.baseline_dir)
    if args.rebaseline:
        old = json.loads(path.read_text()) if path.exists() else None
        data = {
            "what": "instructions per request, (Ir(2N) - Ir(N)) / N, benchmarks/callgrind_guard.py",
            "backend": backend,
            "n": args.n,
            "threshold": args.threshold if args.threshold is not None else DEFAULT_THRESHOLD,
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "environment": environment(),
            "hot_paths": info["hot_paths"],
            "scenarios": {name: round(value, 1) for name, value in figures.items()},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        for name, value in figures.items():
            before = old["scenarios"].get(name) if old else None
            was = f"  (was {before:,.0f})" if before else ""
            print(f"  {name:<11} {value:>10,.0f}{was}")
        print(f"wrote {path}")
        return 0
    if not path.exists():
        print(f"callgrind guard: no baseline {path}; create it deliberately with "
              f"--rebaseline --backend {backend}", file=sys.stderr)
        return 2
    baseline = json.loads(path.read_text())
    threshold = args.threshold if args.threshold is not None else baseline.get(
        "threshold", DEFAULT_THRESHOLD)
    failures, lines = compare(figures, baseline, threshold)
    print("\n".join(lines))
    diffs = _env_differences(baseline)
    for path_name in sorted(set(baseline.get("hot_paths") or {}) | set(info["hot_paths"])):
        old = (baseline.get("hot_paths") or {}).get(path_name)
        new = info["hot_paths"].get(path_name)
        if baseline.get("hot_paths") and old != new:
            diffs.append(f"hot path {path_name}: {old} -> {new}")
    if diffs:
        print(f"  note: the baseline was taken with other versions ({'; '.join(diffs)}); "
              "if the guard fails for that reason alone, re-baseline")
    if failures:
        print(f"CALLGRIND GUARD FAILED ({backend} backend, threshold +{threshold:.0%} "
              f"over {path.relative_to(REPO) if path.is_relative_to(REPO) else path}):",
              file=sys.stderr)
        for failure in failures:
            print(f"  REGRESSION {failure}", file=sys.stderr)
        print("  If the extra work is intended, re-baseline deliberately: "
              f"python benchmarks/callgrind_guard.py --rebaseline --backend {backend}",
              file=sys.stderr)
        return 1
    print(f"callgrind guard ({backend}): ok, every scenario within +{threshold:.0%}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="active",
                        choices=("active", "compiled", "pure", "both"),
                        help="backend to count (default: the one in use here)")
    parser.add_argument("--n", type=int, default=DEFAULT_N,
                        help=f"requests in the N phase; the other runs 2N (default {DEFAULT_N})")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        type=lambda s: [x for x in s.split(",") if x],
                        help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--threshold", type=float, default=None,
                        help="allowed growth as a fraction (default: the baseline's, "
                             f"else {DEFAULT_THRESHOLD})")
    parser.add_argument("--rebaseline", action="store_true",
                        help="write the measured figures as the new baseline")
    parser.add_argument("--baseline-dir", type=Path, default=BASELINE_DIR)
    parser.add_argument("--routes-dir", type=Path, default=None,
                        help="directory holding github.txt (default: as compare.py)")
    parser.add_argument("--labels-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in args.scenarios:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}")
    if args.n < 1:
        parser.error("--n must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get(CHILD_ENV):
        child(args)
        return 0
    if shutil.which("valgrind") is None:
        print("callgrind guard: valgrind is not installed", file=sys.stderr)
        return 2
    if args.backend == "both":
        backends = ["compiled", "pure"]
    elif args.backend == "active":
        from fastmicro import speedups

        # "mixed" (some hot path not built) is counted as compiled, with a warning.
        backends = ["pure" if speedups.backend() == "pure" else "compiled"]
    else:
        backends = [args.backend]
    status = 0
    for backend in backends:
        status = max(status, run_backend(backend, args))
    return status


if __name__ == "__main__":
    raise SystemExit(main())

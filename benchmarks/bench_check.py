"""Throughput guard: fastmicro's speed relative to raw WSGI and Flask, same run.

Absolute times on a shared machine drift by tens of percent from one run to
the next, so this guard never compares them across runs. It times raw WSGI,
fastmicro and Flask on every scenario of ``compare.py`` in interleaved rounds
(one batch of each framework after the other, the first one rotating), takes
in every round the ratios

* ``fastmicro / raw``   (fastmicro's cost over a hand-written WSGI callable)
* ``fastmicro / flask`` (fastmicro's cost relative to Flask's)

and compares the median of each over the rounds with the committed baseline
``benchmarks/baselines/ratios-<backend>.json``. Machine noise moves the three
frameworks of one round alike, so the ratios hold where the times do not.

A scenario **fails** when both of its ratios are more than the threshold
(default 25%) above the baseline: a slower fastmicro raises both, while noise
on a single framework, or a change in Werkzeug that slows Flask and fastmicro
alike, raises only one (reported as a warning). A failing scenario is
measured once more, alone, before the guard gives its verdict, so that one
burst of load cannot fail it. For a small, exact figure use the instruction
count guard (``callgrind_guard.py``): this one catches what instruction
counts miss (cache misses, system calls, a slower allocator) at a coarser
grain.

Usage::

    python benchmarks/bench_check.py                   # active backend
    python benchmarks/bench_check.py --backend both    # compiled, then pure
    python benchmarks/bench_check.py --rebaseline --backend both   # deliberately

Exit status: 0 within the threshold, 1 on a regression, 2 when it cannot
measure (self-check failed, no baseline, wrong backend).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import apps  # noqa: E402
import compare  # noqa: E402

FRAMEWORKS = ("raw", "fastmicro", "flask")
RATIOS = ("fastmicro_over_raw", "fastmicro_over_flask")
DEFAULT_THRESHOLD = 0.25
BASELINE_DIR = HERE / "baselines"


def baseline_path(backend: str, directory: Path = BASELINE_DIR) -> Path:
    return directory / f"ratios-{backend}.json"


def round_ratios(samples: dict) -> dict[str, dict[str, list[float]]]:
    """Per scenario, each ratio in every round (both times from that round)."""
    out = {}
    for scenario, per_fw in samples.items():
        fm, raw, flask = per_fw["fastmicro"], per_fw["raw"], per_fw["flask"]
        out[scenario] = {
            "fastmicro_over_raw": [f / r for f, r in zip(fm, raw)],
            "fastmicro_over_flask": [f / k for f, k in zip(fm, flask)],
        }
    return out


def median_ratios(samples: dict) -> dict[str, dict[str, float]]:
    return {scenario: {name: statistics.median(values) for name, values in ratios.items()}
            for scenario, ratios in round_ratios(samples).items()}


def judge(measured: dict, baseline: dict, threshold: float) -> tuple[list[str], list[str], list[str]]:
    """``(failing scenarios, report lines, warnings)``."""
    failing, lines, warnings = [], [], []
    base = baseline.get("ratios", {})
    for scenario, ratios in measured.items():
        if scenario not in base:
            lines.append(f"  {scenario:<11} (no baseline: not checked)")
            continue
        over = []
        cells = []
        for name in RATIOS:
            value, ref = ratios[name], base[scenario][name]
            change = value / ref - 1.0
            cells.append(f"{name.replace('_over_', '/')} {value:7.3f} (baseline {ref:7.3f}, "
                         f"{change:+6.1%})")
            if change > threshold:
                over.append(f"{name.replace('_over_', '/')} {value:.3f} vs baseline {ref:.3f} "
                            f"({change:+.1%})")
        verdict = "ok"
        if len(over) == len(RATIOS):
            failing.append(scenario)
            verdict = "SLOWER"
        elif over:
            warnings.append(f"{scenario}: only {over[0]} is above the threshold (noise, or a "
                            "change that moves the reference too)")
            verdict = "ok (one ratio up)"
        lines.append(f"  {scenario:<11} " + "  ".join(cells) + f"  {verdict}")
    return failing, lines, warnings


def measure_ratios(app_map: dict, scenario_list: list, rounds: int, batch: int) -> dict:
    gc.collect()
    samples = compare.measure(app_map, scenario_list, rounds, batch, warmup=1)
    return median_ratios(samples)


def check_backend(args: argparse.Namespace) -> int:
    """Measure (and check or re-baseline) the backend of this process."""
    info = apps.fastmicro_status()
    if not info["available"]:
        print(f"bench check: fastmicro is not available: {info['reason']}", file=sys.stderr)
        return 2
    backend = "pure" if info["backend"] == "pure" else "compiled"
    if info["backend"] == "mixed":
        print(f"  WARNING: only partly compiled: {info['hot_paths']}")
    if args.expect_backend and args.expect_backend != backend:
        print(f"bench check: asked for the {args.expect_backend} backend, but fastmicro runs "
              f"{info['backend']} ({info['hot_paths']})", file=sys.stderr)
        return 2
    routes = apps.load_routes(args.routes_dir)
    app_map, _ = apps.build_apps(routes, FRAMEWORKS)
    scenario_list = [s for s in apps.scenarios(routes) if s.name in args.scenarios]
    errors, _ = apps.self_check(app_map, scenario_list)
    if errors:
        print("bench check: SELF-CHECK FAILED, nothing timed:\n  " + "\n  ".join(errors[:20]),
              file=sys.stderr)
        return 2
    print(f"== throughput guard, {backend} backend: fastmicro/raw and fastmicro/flask, "
          f"{args.rounds} interleaved rounds x {args.batch} requests ==", flush=True)
    measured = measure_ratios(app_map, scenario_list, args.rounds, args.batch)
    path = baseline_path(backend, args.baseline_dir)
    if args.rebaseline:
        data = {
            "what": "median over interleaved rounds of each round's time ratio; "
                    "benchmarks/bench_check.py",
            "backend": backend,
            "rounds": args.rounds,
            "batch": args.batch,
            "threshold": args.threshold if args.threshold is not None else DEFAULT_THRESHOLD,
            "machine": compare.machine_info(info),
            "ratios": {s: {k: round(v, 4) for k, v in r.items()} for s, r in measured.items()},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
        for scenario, ratios in measured.items():
            print(f"  {scenario:<11} " + "  ".join(
                f"{k.replace('_over_', '/')} {v:.3f}" for k, v in ratios.items()))
        print(f"wrote {path}")
        return 0
    if not path.exists():
        print(f"bench check: no baseline {path}; create it deliberately with "
              f"--rebaseline", file=sys.stderr)
        return 2
    baseline = json.loads(path.read_text())
    threshold = args.threshold if args.threshold is not None else baseline.get(
        "threshold", DEFAULT_THRESHOLD)
    failing, lines, warnings = judge(measured, baseline, threshold)
    if failing:
        # A second opinion on the failing scenarios alone: one burst of load
        # on a shared machine must not fail the guard.
        print(f"  slower: {', '.join(failing)}; measuring those again ...", flush=True)
        again = measure_ratios(app_map, [s for s in scenario_list if s.name in failing],
                               args.rounds, args.batch)
        failing, relines, more = judge(again, baseline, threshold)
        warnings += more
        retried = {line.split()[0]: line for line in relines}
        lines = [retried.get(line.split()[0], line) for line in lines]
    print("\n".join(lines))
    for warning in warnings:
        print(f"  warning: {warning}")
    if failing:
        print(f"THROUGHPUT GUARD FAILED ({backend} backend, threshold +{threshold:.0%} on both "
              f"ratios, twice):", file=sys.stderr)
        for line in lines:
            if line.split()[0] in failing:
                print(f"  REGRESSION{line}", file=sys.stderr)
        print("  If the extra cost is intended, re-baseline deliberately: "
              f"python benchmarks/bench_check.py --rebaseline --backend {backend}",
              file=sys.stderr)
        return 1
    print(f"throughput guard ({backend}): ok, no scenario slower by more than {threshold:.0%}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default="active", choices=("active", "compiled", "pure", "both"))
    p.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    p.add_argument("--batch", type=int, default=300, help="requests per batch (default 300)")
    p.add_argument("--scenarios", default=",".join(apps.SCENARIO_NAMES),
                   type=lambda s: [x for x in s.split(",") if x])
    p.add_argument("--threshold", type=float, default=None,
                   help=f"allowed growth of the ratios, as a fraction (default: the "
                        f"baseline's, else {DEFAULT_THRESHOLD})")
    p.add_argument("--rebaseline", action="store_true",
                   help="write the measured ratios as the new baseline")
    p.add_argument("--baseline-dir", type=Path, default=BASELINE_DIR)
    p.add_argument("--routes-dir", type=Path, default=None)
    p.add_argument("--expect-backend", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in args.scenarios:
        if name not in apps.SCENARIO_NAMES:
            p.error(f"unknown scenario {name!r}")
    if args.rounds < 1 or args.batch < 1:
        p.error("--rounds and --batch must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.backend == "active":
        return check_backend(args)
    # FASTMICRO_NO_EXTENSIONS is read once, at import: one process per backend.
    wanted = ["compiled", "pure"] if args.backend == "both" else [args.backend]
    rest = [a for i, a in enumerate(argv)
            if a != "--backend" and not a.startswith("--backend=")
            and (i == 0 or argv[i - 1] != "--backend")]
    status = 0
    for backend in wanted:
        env = dict(os.environ)
        env.pop("FASTMICRO_NO_EXTENSIONS", None)
        if backend == "pure":
            env["FASTMICRO_NO_EXTENSIONS"] = "1"
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *rest,
                               "--expect-backend", backend], env=env)
        status = max(status, proc.returncode)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

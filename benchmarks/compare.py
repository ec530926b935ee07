"""In-process comparison: raw WSGI, fastmicro, Falcon, Bottle and Flask.

Every framework serves the same nine scenarios (see ``benchmarks/apps``).
All apps live in ONE process and are timed INTERLEAVED: each round goes
through every scenario and, per scenario, times one batch of ``--batch``
calls on every framework in turn (the starting framework rotates each
round), so drift in CPU frequency or load hits all frameworks alike. Each
call copies the environ built by Werkzeug's ``EnvironBuilder``
(``dict(env)``), calls ``app(environ, start_response)`` and consumes and
closes the returned iterable as a server would (a request with a body gets
a fresh ``wsgi.input`` per call). The report is the median over rounds of
the per-request time in microseconds.

Targets (from the core issue), per scenario of its four (hello, late_route,
not_found, json):

* compiled fastmicro: Flask/fastmicro >= 10 and fastmicro/Falcon <= 1;
* pure-Python fastmicro (``FASTMICRO_NO_EXTENSIONS=1``): Flask/fastmicro >= 4.

Usage::

    python benchmarks/compare.py [--rounds 25] [--batch 1000] [--markdown]
                                 [--json OUT] [--routes-dir DIR] [--check]
    FASTMICRO_NO_EXTENSIONS=1 python benchmarks/compare.py

Exits 0 whatever the numbers (it is a measurement); with ``--check`` it exits
1 when a target fails or cannot be evaluated. A failed self-check (some app
answers wrongly) exits 2 before anything is timed.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import io
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# Benchmark the checkout's fastmicro, and find the ``apps`` package however
# this script is started.
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import apps  # noqa: E402

TARGET_FLASK_COMPILED = 10.0
TARGET_FLASK_PURE = 4.0
TARGET_FALCON = 1.0
#: The targets are the core issue's, set for its four scenarios; the later
#: scenarios are measured and guarded (bench_check.py) but have no target.
TARGET_SCENARIOS = ("hello", "late_route", "not_found", "json")


# -- measuring ---------------------------------------------------------------

def _start_response(status, headers, exc_info=None):
    return _write


def _write(data):
    pass


def time_batch(app, env, n, perf_counter_ns=time.perf_counter_ns):
    """Nanoseconds for ``n`` requests of ``env`` to ``app``."""
    if apps.BODY_KEY in env:
        return _time_batch_with_body(app, env, n, perf_counter_ns)
    start_response = _start_response
    copy = dict
    t0 = perf_counter_ns()
    for _ in range(n):
        result = app(copy(env), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return perf_counter_ns() - t0


def _time_batch_with_body(app, env, n, perf_counter_ns):
    # The request body is a stream read once: each call gets its own, as a
    # server creates one per request.
    start_response = _start_response
    copy = dict
    body = env[apps.BODY_KEY]
    stream = io.BytesIO
    t0 = perf_counter_ns()
    for _ in range(n):
        environ = copy(env)
        environ["wsgi.input"] = stream(body)
        result = app(environ, start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return perf_counter_ns() - t0


def measure(app_map, scenario_list, rounds, batch, warmup=1, progress=None):
    """``{scenario: {framework: [µs per request, one per round]}}``.

    ``app_map`` is ``{framework: {role: app}}`` as :func:`apps.build_apps`
    returns it.
    """
    frameworks = list(app_map)
    envs = {s.name: s.environ() for s in scenario_list}
    samples = {s.name: {f: [] for f in frameworks} for s in scenario_list}
    for r in range(-warmup, rounds):
        shift = r % len(frameworks)
        order = frameworks[shift:] + frameworks[:shift]
        for scenario in scenario_list:
            env = envs[scenario.name]
            for framework in order:
                ns = time_batch(apps.app_for(app_map, framework, scenario), env, batch)
                if r >= 0:
                    samples[scenario.name][framework].append(ns / batch / 1000.0)
        if progress is not None and r >= 0:
            progress(r + 1, rounds)
    return samples


def summarize(samples):
    out = {}
    for scenario, per_fw in samples.items():
        out[scenario] = {}
        for framework, values in per_fw.items():
            out[scenario][framework] = {
                "median_us": statistics.median(values),
                "min_us": min(values),
                "max_us": max(values),
                "stdev_us": statistics.stdev(values) if len(values) > 1 else 0.0,
                "rounds_us": values,
            }
    return out


def ratios_and_targets(summary, fastmicro_backend):
    """``(ratios, targets)``; targets is a list of dicts with ``pass``."""
    ratios, targets = {}, []
    pure = fastmicro_backend == "pure"
    for scenario, per_fw in summary.items():
        med = {fw: v["median_us"] for fw, v in per_fw.items()}
        r = {}
        fm = med.get("fastmicro")
        if fm:
            if "flask" in med:
                r["flask_over_fastmicro"] = med["flask"] / fm
            if "falcon" in med:
                r["fastmicro_over_falcon"] = fm / med["falcon"]
            if "raw" in med:
                r["fastmicro_over_raw"] = fm / med["raw"]
        ratios[scenario] = r
        if scenario not in TARGET_SCENARIOS:
            continue
        if "flask_over_fastmicro" in r:
            need = TARGET_FLASK_PURE if pure else TARGET_FLASK_COMPILED
            targets.append({
                "scenario": scenario,
                "target": f"Flask/fastmicro >= {need:g}",
                "value": r["flask_over_fastmicro"],
                "pass": r["flask_over_fastmicro"] >= need,
            })
        if not pure and "fastmicro_over_falcon" in r:
            targets.append({
                "scenario": scenario,
                "target": f"fastmicro/Falcon <= {TARGET_FALCON:g}",
                "value": r["fastmicro_over_falcon"],
                "pass": r["fastmicro_over_falcon"] <= TARGET_FALCON,
            })
    return ratios, targets


# -- machine info ------------------------------------------------------------

def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Hardware", "cpu model"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _falcon_compiled():
    try:
        import falcon.app
    except ImportError:
        return None
    return not falcon.app.__file__.endswith(".py")


def machine_info(fastmicro_info):
    info = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "python_compiler": platform.python_compiler(),
        "fastmicro_backend": fastmicro_info.get("backend"),
        "fastmicro_hot_paths": fastmicro_info.get("hot_paths"),
        "FASTMICRO_NO_EXTENSIONS": os.environ.get("FASTMICRO_NO_EXTENSIONS"),
        "packages": {
            "fastmicro": fastmicro_info.get("version") or _version("fastmicro"),
            "flask": _version("flask"),
            "werkzeug": _version("werkzeug"),
            "falcon": _version("falcon"),
            "bottle": _version("bottle"),
            "cython": _version("cython"),
        },
        "falcon_compiled": _falcon_compiled(),
    }
    try:
        info["loadavg"] = os.getloadavg()
    except OSError:
        pass
    return info


# -- reporting ---------------------------------------------------------------

def _fmt_ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def _target_cell(targets, scenario):
    mine = [t for t in targets if t["scenario"] == scenario]
    if not mine:
        return "n/a"
    return ",".join(("PASS" if t["pass"] else "FAIL") for t in mine)


def text_report(result):
    frameworks = result["config"]["frameworks"]
    summary, ratios, targets = result["results"], result["ratios"], result["targets"]
    cols = [apps.LABELS[f] for f in frameworks] + ["Flask/fm", "fm/Falcon", "fm/raw", "targets"]
    width = max(len(s) for s in summary) + 2
    lines = ["median µs per request (lower is better)", ""]
    lines.append("scenario".ljust(width) + "".join(c.rjust(11) for c in cols))
    for scenario, per_fw in summary.items():
        row = scenario.ljust(width)
        row += "".join(f"{per_fw[f]['median_us']:11.2f}" for f in frameworks)
        r = ratios.get(scenario, {})
        row += "".join(
            _fmt_ratio(r.get(k)).rjust(11)
            for k in ("flask_over_fastmicro", "fastmicro_over_falcon", "fastmicro_over_raw")
        )
        row += _target_cell(targets, scenario).rjust(11)
        lines.append(row)
    if targets:
        lines.append("")
        for t in targets:
            lines.append(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['scenario']:<12} "
                         f"{t['target']:<26} measured {t['value']:.2f}")
    return "\n".join(lines)


def markdown_report(result):
    frameworks = result["config"]["frameworks"]
    summary, ratios, targets = result["results"], result["ratios"], result["targets"]
    m = result["machine"]
    head = ["scenario"] + [f"{apps.LABELS[f]} µs" for f in frameworks] + [
        "Flask / fastmicro", "fastmicro / Falcon", "fastmicro / raw", "targets"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join([" --- "] + [" ---: "] * (len(head) - 2) + [" --- "]) + "|"]
    for scenario, per_fw in summary.items():
        r = ratios.get(scenario, {})
        cells = [f"`{scenario}`"] + [f"{per_fw[f]['median_us']:.2f}" for f in frameworks]
        cells += [_fmt_ratio(r.get(k)) for k in
                  ("flask_over_fastmicro", "fastmicro_over_falcon", "fastmicro_over_raw")]
        cells.append(_target_cell(targets, scenario))
        lines.append("| " + " | ".join(cells) + " |")
    pk = m["packages"]
    lines.append("")
    lines.append(
        f"Median of {result['config']['rounds']} interleaved rounds x "
        f"{result['config']['batch']} requests; fastmicro backend: "
        f"**{m['fastmicro_backend']}**; {m['cpu_model']}; Python {m['python']}; "
        f"Flask {pk['flask']}, Werkzeug {pk['werkzeug']}, Falcon {pk['falcon']}"
        f"{' (compiled)' if m.get('falcon_compiled') else ' (pure Python)'}, "
        f"Bottle {pk['bottle']}; {m['date']}."
    )
    return "\n".join(lines)


def profile(app_map, routes, args):
    """cProfile fastmicro on the ``--profile`` scenarios; top functions by tottime."""
    import cProfile
    import io
    import pstats

    if "fastmicro" not in app_map:
        print("error: --profile needs fastmicro", file=sys.stderr)
        return 2
    by_name = {s.name: s for s in apps.scenarios(routes)}
    for name in [n.strip() for n in args.profile.split(",") if n.strip()]:
        if name not in by_name:
            print(f"error: unknown scenario {name!r}", file=sys.stderr)
            return 2
        scenario = by_name[name]
        env = scenario.environ()
        app = apps.app_for(app_map, "fastmicro", scenario)
        time_batch(app, env, min(args.batch, 200))  # warm caches first
        prof = cProfile.Profile()
        prof.enable()
        time_batch(app, env, args.batch)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(args.profile_top)
        print(f"=== cProfile: fastmicro {name} ({scenario.method} {scenario.url}), "
              f"{args.batch} requests, top {args.profile_top} by tottime ===")
        print(out.getvalue().strip())
        print()
    return 0


# -- main --------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=25, help="timed rounds (default 25)")
    p.add_argument("--batch", type=int, default=1000,
                   help="requests per timed batch (default 1000)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    p.add_argument("--json", metavar="OUT", help="write machine-readable results to OUT")
    p.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    p.add_argument("--routes-dir", metavar="DIR",
                   help=f"directory holding github.txt (default {apps.common.DEFAULT_ROUTES_DIR})")
    p.add_argument("--frameworks", default=",".join(apps.FRAMEWORKS),
                   help="comma-separated subset of " + ",".join(apps.FRAMEWORKS))
    p.add_argument("--scenarios", default=",".join(apps.SCENARIO_NAMES),
                   help="comma-separated subset of " + ",".join(apps.SCENARIO_NAMES))
    p.add_argument("--check", action="store_true",
                   help="exit 1 when a target fails or cannot be evaluated")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--profile", metavar="SCENARIOS",
                   help="instead of timing, cProfile fastmicro on these comma-separated "
                        "scenarios (--batch requests each) and print the top functions")
    p.add_argument("--profile-top", type=int, default=15, metavar="N",
                   help="functions listed per profile, by tottime (default 15)")
    args = p.parse_args(argv)
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for f in args.frameworks:
        if f not in apps.FRAMEWORKS:
            p.error(f"unknown framework {f!r}")
    for s in args.scenarios:
        if s not in apps.SCENARIO_NAMES:
            p.error(f"unknown scenario {s!r}")
    if args.rounds < 1 or args.batch < 1:
        p.error("--rounds and --batch must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    fm_info = apps.fastmicro_status()
    if fm_info["available"]:
        print(f"fastmicro backend: {fm_info['backend']} "
              f"(hot paths: {fm_info['hot_paths']}; {fm_info['file']})")
        if fm_info["backend"] == "mixed":
            print("WARNING: fastmicro is only partly compiled; the compiled targets apply.")
    elif "fastmicro" in args.frameworks:
        print(f"fastmicro: NOT AVAILABLE -- {fm_info['reason']}")
        print("  timing the other frameworks only; the targets cannot be evaluated.")

    routes_path = apps.routes_file(args.routes_dir)
    try:
        routes = apps.load_routes(routes_path)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app_map, skipped = apps.build_apps(routes, args.frameworks)
    scenario_list = [s for s in apps.scenarios(routes) if s.name in args.scenarios]

    errors, warnings = apps.self_check(app_map, scenario_list)
    errors += apps.check_table(app_map, routes)
    for w in warnings:
        print(f"self-check warning: {w}")
    if errors:
        print("SELF-CHECK FAILED, nothing timed:", file=sys.stderr)
        for e in errors[:40]:
            print(f"  {e}", file=sys.stderr)
        if len(errors) > 40:
            print(f"  ... and {len(errors) - 40} more", file=sys.stderr)
        return 2
    print(f"self-check: {len(scenario_list)} scenarios and all {len(routes)} table routes "
          f"answer alike on {', '.join(app_map)}")

    if args.profile:
        return profile(app_map, routes, args)

    frameworks = [f for f in args.frameworks if f in app_map]
    app_map = {f: app_map[f] for f in frameworks}
    for s in scenario_list:
        print(f"  {s.name:<11} {s.description}")
    scenario_names = {s.name for s in scenario_list}
    for framework, per_scenario in apps.notes().items():
        for scenario, note in per_scenario.items():
            if framework in app_map and scenario in scenario_names:
                print(f"  note: {apps.LABELS[framework]} {scenario}: {note}")
    print(f"timing {len(frameworks)} frameworks x {len(scenario_list)} scenarios, "
          f"{args.rounds} rounds x {args.batch} requests, interleaved ...")

    def progress(done, total):
        if not args.quiet and sys.stderr.isatty():
            print(f"\r  round {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)

    gc.collect()
    samples = measure(app_map, scenario_list, args.rounds, args.batch, args.warmup, progress)
    summary = summarize(samples)
    ratios, targets = ratios_and_targets(summary, fm_info["backend"])

    result = {
        "machine": machine_info(fm_info),
        "fastmicro": fm_info,
        "config": {
            "rounds": args.rounds,
            "batch": args.batch,
            "warmup": args.warmup,
            "frameworks": frameworks,
            "skipped": skipped,
            "routes_file": str(routes_path),
            "routes": len(routes),
            "scenarios": {s.name: {"method": s.method, "url": s.url,
                                   "description": s.description} for s in scenario_list},
            "notes": {f: {s: n for s, n in per.items() if s in args.scenarios}
                      for f, per in apps.notes().items() if f in frameworks},
        },
        "results": summary,
        "ratios": ratios,
        "targets": targets,
        "targets_evaluated": bool(targets),
        "passed": bool(targets) and all(t["pass"] for t in targets),
    }

    print()
    print(text_report(result))
    if not targets:
        print("\ntargets: not evaluated (fastmicro or the reference frameworks missing)")
    else:
        print(f"\ntargets ({'pure' if fm_info['backend'] == 'pure' else 'compiled'}"
              f" fastmicro): {'ALL PASS' if result['passed'] else 'FAIL'}")
    if args.markdown:
        print()
        print(markdown_report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    if args.check and not result["passed"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

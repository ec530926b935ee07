"""Write the performance page: ``docs/performance.md`` and ``docs/_static/benchmarks.png``.

Runs ``compare.py``'s interleaved comparison (raw WSGI, fastmicro, Falcon,
Bottle, Flask on every scenario) on the active fastmicro backend, then writes

* ``docs/performance.md``: the machine (CPU model, cores), Python version,
  fastmicro backend, package versions and date; a Markdown table of median
  microseconds per request with the ratios against Flask, Falcon and raw
  WSGI; what each scenario does; the instruction counts of the committed
  callgrind baselines;
* ``docs/_static/benchmarks.png``: a bar chart, one bar group per scenario,
  one bar per framework, log scale (matplotlib).

Usage::

    python benchmarks/report.py [--rounds 15] [--batch 500]
    python benchmarks/report.py --from-json results.json   # no new measurement
    make bench-report
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(HERE), str(REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import apps  # noqa: E402
import compare  # noqa: E402

DOCS = REPO / "docs"
PAGE = DOCS / "performance.md"
CHART = DOCS / "_static" / "benchmarks.png"
BASELINES = HERE / "baselines"
#: Bar colours, one per framework (fastmicro stands out).
COLOURS = {"raw": "#9e9e9e", "fastmicro": "#d62728", "falcon": "#1f77b4",
           "bottle": "#2ca02c", "flask": "#ff7f0e"}


def measure(rounds: int, batch: int, routes_dir: str | None) -> dict:
    """Run ``compare.py`` and return its JSON result."""
    with tempfile.TemporaryDirectory(prefix="fastmicro-report-") as tmp:
        out = Path(tmp) / "results.json"
        argv = ["--rounds", str(rounds), "--batch", str(batch), "--json", str(out), "--quiet"]
        if routes_dir:
            argv += ["--routes-dir", routes_dir]
        status = compare.main(argv)
        if status == 2 or not out.exists():
            raise SystemExit(f"report: compare.py could not measure (exit {status})")
        return json.loads(out.read_text())


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def results_table(result: dict) -> str:
    frameworks = result["config"]["frameworks"]
    head = ["scenario"] + [f"{apps.LABELS[f]} µs" for f in frameworks] + [
        "Flask / fastmicro", "fastmicro / Falcon", "fastmicro / raw"]
    lines = ["| " + " | ".join(head) + " |",
             "| --- |" + " ---: |" * (len(head) - 1)]
    for scenario, per_fw in result["results"].items():
        r = result["ratios"].get(scenario, {})
        cells = [f"`{scenario}`"] + [f"{per_fw[f]['median_us']:.2f}" for f in frameworks]
        cells += [_ratio(r.get(k)) for k in
                  ("flask_over_fastmicro", "fastmicro_over_falcon", "fastmicro_over_raw")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def callgrind_table() -> str:
    rows = []
    for backend in ("compiled", "pure"):
        path = BASELINES / f"callgrind-{backend}.json"
        if path.exists():
            data = json.loads(path.read_text())
            rows.append((backend, data))
    if not rows:
        return "_No callgrind baseline committed yet._"
    names = list(rows[0][1]["scenarios"])
    lines = ["| backend | " + " | ".join(f"`{n}`" for n in names) + " | taken |",
             "| --- |" + " ---: |" * len(names) + " --- |"]
    for backend, data in rows:
        cells = [f"{data['scenarios'].get(n, 0):,.0f}" for n in names]
        lines.append(f"| {backend} | " + " | ".join(cells) + f" | {data['date'][:10]} |")
    return "\n".join(lines)


def environment_lines(result: dict) -> list[str]:
    m = result["machine"]
    pk = m["packages"]
    falcon_kind = "compiled" if m.get("falcon_compiled") else "pure Python"
    load = m.get("loadavg")
    return [
        f"- **Date**: {m['date']}",
        f"- **Machine**: {m['cpu_model']}, {m['cpu_count']} cores, {m['platform']}"
        + (f" (load average {load[0]:.2f} when measured; the machine is shared)" if load else ""),
        f"- **Python**: {m['python']} ({m['python_implementation']}, {m['python_compiler']})",
        f"- **fastmicro backend**: {m['fastmicro_backend']} "
        f"({', '.join(f'{k}={v}' for k, v in (m.get('fastmicro_hot_paths') or {}).items())})",
        f"- **Packages**: fastmicro {pk['fastmicro']}, Flask {pk['flask']}, "
        f"Werkzeug {pk['werkzeug']}, Falcon {pk['falcon']} ({falcon_kind}), "
        f"Bottle {pk['bottle']}, Cython {pk['cython']}",
        f"- **Method**: median of {result['config']['rounds']} interleaved rounds x "
        f"{result['config']['batch']} requests per framework and scenario, all apps in one "
        "process (see `benchmarks/README.md`)",
    ]


def markdown(result: dict, chart_rel: str = "_static/benchmarks.png") -> str:
    scenarios = result["config"]["scenarios"]
    notes = result["config"].get("notes", {})
    lines = [
        "# Performance",
        "",
        "<!-- Generated by `python benchmarks/report.py` (`make bench-report`); "
        "do not edit by hand. -->",
        "",
        "The same app, written once against the Flask API for fastmicro and Flask and "
        "idiomatically for Falcon, Bottle and a hand-written WSGI callable, answering the "
        "same requests with the same bytes, all timed in one process.",
        "",
        f"![median µs per request, log scale]({chart_rel})",
        "",
        "Median microseconds per request (lower is better); ratios from the medians.",
        "",
        results_table(result),
        "",
        "## Environment",
        "",
        *environment_lines(result),
        "",
        "## Scenarios",
        "",
        "| scenario | request |",
        "| --- | --- |",
    ]
    for name, s in scenarios.items():
        lines.append(f"| `{name}` | {s['description'].replace('|', '/')} |")
    all_notes = [(f, s, n) for f, per in notes.items() for s, n in per.items()]
    if all_notes:
        lines += ["", "Where a framework lacks a feature a scenario needs:", ""]
        lines += [f"- {apps.LABELS.get(f, f)}, `{s}`: {n}" for f, s, n in all_notes]
    lines += [
        "",
        "## Instructions per request",
        "",
        "Wall-clock figures on a shared machine drift by tens of percent; the instruction "
        "counts below (callgrind, `benchmarks/callgrind_guard.py`) repeat to well under 1% "
        "and are what CI guards (a scenario fails above +5%). These are the committed "
        "baselines in `benchmarks/baselines/`.",
        "",
        callgrind_table(),
        "",
        "Regenerate this page with `make bench-report`; check for regressions with "
        "`make bench-check` (see `benchmarks/README.md`).",
        "",
    ]
    return "\n".join(lines)


def chart(result: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frameworks = result["config"]["frameworks"]
    scenarios = list(result["results"])
    width = 0.8 / len(frameworks)
    fig, ax = plt.subplots(figsize=(12, 5.5), dpi=110)
    for i, fw in enumerate(frameworks):
        xs = [j + (i - (len(frameworks) - 1) / 2) * width for j in range(len(scenarios))]
        ys = [result["results"][s][fw]["median_us"] for s in scenarios]
        ax.bar(xs, ys, width, label=apps.LABELS[fw], color=COLOURS.get(fw),
               edgecolor="white", linewidth=0.5)
    ax.set_yscale("log")
    top = max(v["median_us"] for per in result["results"].values() for v in per.values())
    ax.set_ylim(top=top * 6)  # room for the legend above the tallest bar
    ax.set_xticks(range(len(scenarios)))
    ax.set_xticklabels(scenarios)
    ax.set_ylabel("median µs per request (log scale, lower is better)")
    m = result["machine"]
    ax.set_title(f"fastmicro ({m['fastmicro_backend']} backend) vs Falcon, Bottle, Flask and "
                 f"raw WSGI, Python {m['python']}, {m['date'][:10]}", fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(ncol=len(frameworks), loc="upper left", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def write(result: dict, page: Path = PAGE, chart_path: Path = CHART) -> None:
    chart(result, chart_path)
    rel = Path(__import__("os").path.relpath(chart_path, page.parent)).as_posix()
    page.write_text(markdown(result, rel), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--routes-dir")
    p.add_argument("--from-json", metavar="FILE",
                   help="render a saved `compare.py --json` result instead of measuring")
    p.add_argument("--page", type=Path, default=PAGE)
    p.add_argument("--chart", type=Path, default=CHART)
    args = p.parse_args(argv)
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text())
    else:
        result = measure(args.rounds, args.batch, args.routes_dir)
    write(result, args.page, args.chart)
    print(f"wrote {args.page} and {args.chart}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

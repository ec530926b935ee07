"""Run fastmicro's fuzz targets for a bounded time each and report.

    python fuzz/run.py                       # every target, 60 s each
    python fuzz/run.py headers cookies --seconds 600
    python fuzz/run.py --runs 3000           # a fixed number of inputs (CI)
    python fuzz/run.py --native headers      # with build/fuzz-pkg (fuzz/build_native.sh)

Each target runs in its own process (``fuzz/driver.py``, one at a time),
starting from its corpus in ``build/fuzz-corpus/<target>/`` (new inputs are
added there) and the committed seeds in ``fuzz/seeds/<target>/``, with the
libFuzzer dictionary ``fuzz/dicts/<target>.dict`` when there is one. One
summary line is printed per target: executions, executions per second, the
coverage counters at the end and how much they grew, the inputs added to the
corpus, and findings.

A finding is a difference between implementations, an undocumented
exception, a native crash, a timeout (``--timeout`` seconds on one input) or
running out of memory. Its input is saved under ``build/fuzz-findings/``
and its path printed; replay it with ``python fuzz/driver.py TARGET FILE``.
The exit status is 1 if any target had a finding or failed to run, else 0.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
ROOT = FUZZ_DIR.parent
TARGETS_DIR = FUZZ_DIR / "targets"
SEEDS_DIR = FUZZ_DIR / "seeds"
DICTS_DIR = FUZZ_DIR / "dicts"
NATIVE_DIR = ROOT / "build" / "fuzz-pkg"

# libFuzzer's progress lines ("#1234	NEW    cov: 56 ft: 78 corp: 9/100b ...")
# and final statistics (-print_final_stats=1).
_STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+(?:cov: (\d+) )?(?:ft: (\d+) )?")
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)")
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_KINDS = [
    ("Uncaught Python exception", "python exception"),
    ("AddressSanitizer", "AddressSanitizer"),
    ("deadly signal", "native crash"),
    ("ERROR: libFuzzer: timeout", "timeout"),
    ("out-of-memory", "out of memory"),
]


def all_targets() -> list[str]:
    return sorted(p.stem for p in TARGETS_DIR.glob("*.py") if not p.name.startswith("_"))


@dataclass
class Result:
    """What one target's run did, read from libFuzzer's output."""

    name: str
    returncode: int
    seconds: float
    log: Path
    executions: int = 0
    exec_per_second: int = 0
    new_units: int = 0
    cov: tuple[int, int] = (0, 0)  # at start, at end
    ft: tuple[int, int] = (0, 0)
    kind: str | None = None
    artifacts: list[str] = field(default_factory=list)

    @property
    def finding(self) -> bool:
        return bool(self.artifacts) or self.kind is not None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.finding

    def summary(self) -> str:
        cov_start, cov_end = self.cov
        ft_start, ft_end = self.ft
        status = "ok" if self.ok else ("FINDING" if self.finding else f"ERROR (exit {self.returncode})")
        return (
            f"{self.name:10} {status:8} {self.executions:>9} execs  {self.exec_per_second:>6} exec/s  "
            f"cov {cov_end} (+{cov_end - cov_start})  ft {ft_end} (+{ft_end - ft_start})  "
            f"corpus +{self.new_units}  findings {len(self.artifacts)}  {self.seconds:.0f}s"
        )


def parse_output(result: Result, text: str) -> Result:
    first: tuple[int, int] | None = None
    last = (0, 0)
    for line in text.splitlines():
        status = _STATUS.match(line)
        if status and status.group(3):
            last = (int(status.group(3)), int(status.group(4) or 0))
            if first is None:
                first = last
        stat = _STAT.match(line)
        if stat:
            key, number = stat.group(1), int(stat.group(2))
            if key == "number_of_executed_units":
                result.executions = number
            elif key == "average_exec_per_sec":
                result.exec_per_second = number
            elif key == "new_units_added":
                result.new_units = number
        artifact = _ARTIFACT.search(line)
        if artifact:
            result.artifacts.append(artifact.group(1))
        for marker, kind in _KINDS:
            if marker in line and result.kind is None:
                result.kind = kind
    if not result.exec_per_second and result.seconds > 0:
        # libFuzzer reports 0 for runs shorter than a few seconds.
        result.exec_per_second = round(result.executions / result.seconds)
    first = first or last
    result.cov = (first[0], last[0])
    result.ft = (first[1], last[1])
    return result


def native_environment() -> dict[str, str]:
    """PYTHONPATH and preloads for the instrumented build of build_native.sh."""
    preload = NATIVE_DIR / "preload.so"
    if not preload.exists():
        raise SystemExit(f"run.py: {preload} missing: run fuzz/build_native.sh first")
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(NATIVE_DIR), os.environ.get("PYTHONPATH")])),
        "LD_PRELOAD": str(preload),
    }
    if (NATIVE_DIR / "sanitize").read_text().strip():
        # Python's own allocations are freed at exit without ceremony (leaks
        # are not findings); malloc instead of pymalloc lets ASan see every
        # object the compiled code touches.
        env["ASAN_OPTIONS"] = "detect_leaks=0:allocator_may_return_null=1"
        env["PYTHONMALLOC"] = "malloc"
    return env


def run_target(name: str, args: argparse.Namespace) -> Result:
    corpus = args.corpus_root / Path(name).stem
    findings = args.findings_root / Path(name).stem
    logs = args.findings_root.parent / "fuzz-logs"
    for folder in (corpus, findings, logs):
        folder.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    seeds = (args.seeds_root / stem) if args.seeds_root else None
    command = [sys.executable, str(FUZZ_DIR / "driver.py"), name, str(corpus)]
    if seeds is not None and seeds.is_dir():
        command.append(str(seeds))
    command += [
        f"-artifact_prefix={findings}{os.sep}",
        f"-timeout={args.timeout}",
        f"-rss_limit_mb={args.rss_limit_mb}",
        f"-max_len={args.max_len}",
        "-print_final_stats=1",
    ]
    if args.runs is not None:
        command.append(f"-runs={args.runs}")
    else:
        command.append(f"-max_total_time={args.seconds}")
    if args.seed is not None:
        command.append(f"-seed={args.seed}")
    dictionary = DICTS_DIR / f"{stem}.dict"
    if dictionary.is_file():
        command.append(f"-dict={dictionary}")
    env = dict(os.environ)
    if args.native:
        env.update(native_environment())
    log = logs / f"{stem}.log"
    started = time.monotonic()
    with open(log, "w") as out:
        completed = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    result = Result(stem, completed.returncode, time.monotonic() - started, log)
    return parse_output(result, log.read_text(errors="replace"))


#: Where a report starts in libFuzzer's output, whichever comes first.
_REPORT_STARTS = (" === Uncaught Python exception", "ALARM:", "ERROR: AddressSanitizer", "ERROR: libFuzzer")


def report_finding(result: Result, spec: str) -> None:
    text = result.log.read_text(errors="replace")
    starts = [i for i in (text.find(marker) for marker in _REPORT_STARTS) if i >= 0]
    excerpt = "\n".join(text[min(starts, default=0):].splitlines()[:40])
    print(f"  {result.kind or 'failure'} in {result.name}; log: {result.log}")
    for artifact in result.artifacts:
        print(f"  input saved to {artifact}  (replay: python fuzz/driver.py {spec} {artifact})")
    print("  " + excerpt.replace("\n", "\n  "))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="target names or .py paths (default: all)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=int, default=60, help="time per target (default 60)")
    budget.add_argument("--runs", type=int, help="number of inputs per target instead of a time")
    parser.add_argument("--corpus-root", type=Path, default=ROOT / "build" / "fuzz-corpus")
    parser.add_argument("--findings-root", type=Path, default=ROOT / "build" / "fuzz-findings")
    parser.add_argument("--seeds-root", type=Path, default=SEEDS_DIR,
                        help="folder of <target>/ seed corpora (default fuzz/seeds)")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--max-len", type=int, default=4096, help="largest input in bytes")
    parser.add_argument("--seed", type=int, help="libFuzzer's random seed (default: random)")
    parser.add_argument("--native", action="store_true",
                        help="use the instrumented build of fuzz/build_native.sh")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    names = args.targets or all_targets()
    failed = False
    for name in names:
        result = run_target(name, args)
        print(result.summary(), flush=True)
        if not result.ok:
            failed = True
            report_finding(result, name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

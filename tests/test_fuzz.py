"""The fuzz targets of ``fuzz/`` as part of the suite: a short, fixed run of
each, and proof that the harness reports what it must.

Each target runs a fixed number of inputs (:data:`RUNS`) with a fixed
libFuzzer seed through ``fuzz/run.py``, in a subprocess, from the committed
seeds, with its corpus and findings in a temporary folder. On the compiled
backend the targets compare the compiled hot paths with their pure twins; on
the pure backend (``FASTMICRO_NO_EXTENSIONS=1``) the pure twins with
Werkzeug, itsdangerous or Flask. Nothing is skipped on either.

The long runs are in fuzz/README.md.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastmicro import speedups

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
TARGETS = sorted(p.stem for p in (FUZZ / "targets").glob("*.py") if not p.name.startswith("_"))
#: Inputs per target: enough to replay the seeds and mutate for a while,
#: little enough for the whole file to take well under a minute (the two
#: targets that build rule tables or run whole requests are ten times slower).
RUNS = 3000
SLOW_TARGET_RUNS = {"matcher": 600, "request": 1000}
SEED = 20260101

#: The target that fuzzes each hot path of fastmicro.speedups.
HOT_PATH_TARGETS = {
    "matcher": "matcher",
    "cycle": "request",
    "local": "request",
    "query": "query",
    "wsgi": "wsgi",
    "signing": "signing",
    "cookies": "cookies",
    "accept": "accept",
    "headers": "headers",
    "sessions": "sessions",
}


def run_fuzz(tmp_path: Path, *args: str, seeds: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, str(FUZZ / "run.py"), *args,
        "--corpus-root", str(tmp_path / "corpus"),
        "--findings-root", str(tmp_path / "findings"),
        "--seed", str(SEED),
    ]
    if seeds is not None:
        command += ["--seeds-root", str(seeds)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


def summary_line(output: str, name: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(f"{name} ")]
    assert len(lines) == 1, output
    return lines[0]


def test_every_hot_path_has_a_target():
    assert set(HOT_PATH_TARGETS) >= set(speedups.HOT_PATHS), "a hot path without a fuzz target"
    assert set(HOT_PATH_TARGETS.values()) <= set(TARGETS)


@pytest.mark.parametrize("name", TARGETS)
def test_target_short_run(tmp_path, name):
    runs = SLOW_TARGET_RUNS.get(name, RUNS)
    completed = run_fuzz(tmp_path, name, "--runs", str(runs))
    output = completed.stdout + completed.stderr
    line = summary_line(completed.stdout, name)
    assert completed.returncode == 0, output + Path(tmp_path / "fuzz-logs" / f"{name}.log").read_text()
    fields = line.split()
    assert fields[1] == "ok", line
    assert int(fields[2]) == runs, line  # every input was run
    assert "findings 0" in line
    assert not list((tmp_path / "findings" / name).iterdir())
    # The fuzzer saw coverage (instrumentation works) and kept inputs.
    assert int(line.split("cov ")[1].split()[0]) > 0, line


# -- the harness can fail ----------------------------------------------------------

RAISING_TARGET = '''
def test_one_input(data: bytes) -> None:
    if data.startswith(b"BAD"):
        raise RuntimeError("the planted bug")
'''

DIFFERING_TARGET = '''
from harness import check

INSTRUMENT = ()  # nothing to guide: the failing input is the seed

def test_one_input(data: bytes) -> None:
    # Two "implementations" that disagree on one input only.
    check("planted", lambda: data.upper(), lambda: data.upper() if data != b"DIFF" else b"")
'''

HANGING_TARGET = '''
INSTRUMENT = ()

def test_one_input(data: bytes) -> None:
    while data == b"LOOP":  # an input the code never returns from
        pass
'''

CRASHING_TARGET = '''
import ctypes

def test_one_input(data: bytes) -> None:
    if data == b"SEGV":
        ctypes.string_at(0)  # a native crash, as a bug in compiled code would be
'''


def planted(tmp_path: Path, source: str, seed: bytes) -> tuple[Path, Path]:
    """A target file and a seeds folder holding the one input that fails it."""
    target = tmp_path / "planted.py"
    target.write_text(source)
    seeds = tmp_path / "seeds"
    (seeds / "planted").mkdir(parents=True)
    (seeds / "planted" / "bad-input").write_bytes(seed)
    return target, seeds


@pytest.mark.parametrize(
    "source, seed, kind",
    [
        (RAISING_TARGET, b"BAD!", "python exception"),
        (DIFFERING_TARGET, b"DIFF", "python exception"),
        (CRASHING_TARGET, b"SEGV", "native crash"),
        (HANGING_TARGET, b"LOOP", "timeout"),
    ],
    ids=["exception", "difference", "segfault", "hang"],
)
def test_a_planted_finding_is_reported(tmp_path, source, seed, kind):
    target, seeds = planted(tmp_path, source, seed)
    completed = run_fuzz(tmp_path, str(target), "--runs", "200", "--timeout", "1", seeds=seeds)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    line = summary_line(completed.stdout, "planted")
    assert " FINDING " in line and "findings 1" in line, line
    assert f"{kind} in planted" in completed.stdout
    saved = [line.split("input saved to ")[1].split()[0]
             for line in completed.stdout.splitlines() if "input saved to" in line]
    assert len(saved) == 1
    # The input that failed is kept where the report says.
    assert Path(saved[0]).read_bytes() == seed
    assert Path(saved[0]).parent == tmp_path / "findings" / "planted"


def test_a_target_that_cannot_start_is_an_error(tmp_path):
    target = tmp_path / "broken.py"
    target.write_text("import no_such_module_anywhere\n")
    completed = run_fuzz(tmp_path, str(target), "--runs", "10")
    assert completed.returncode == 1
    assert "broken     ERROR" in completed.stdout


def test_the_backend_is_the_one_requested(tmp_path):
    """A target refuses to fuzz a backend other than the one selected: on the
    compiled backend without the compiled module it must fail, not compare
    the twin with itself."""
    target = tmp_path / "backend.py"
    target.write_text(
        "INSTRUMENT = ()\n"
        "from harness import backend_modules\n"
        "from fastmicro import speedups\n"
        "speedups._loaded['headers'] = (speedups._loaded['headers'][0], "
        "'compiled' if speedups.NO_EXTENSIONS else 'pure')\n"
        "backend_modules('headers')\n"
        "def test_one_input(data):\n    pass\n"
    )
    completed = run_fuzz(tmp_path, str(target), "--runs", "10")
    assert completed.returncode == 1
    log = (tmp_path / "fuzz-logs" / "backend.log").read_text()
    assert "hot path 'headers' runs" in log
    expected = "pure" if os.environ.get("FASTMICRO_NO_EXTENSIONS", "") not in ("", "0") else "compiled"
    assert f"expected {expected}" in log

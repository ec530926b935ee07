"""Interleaved timing shared by the micro-benchmarks: each round times every
implementation once, so machine noise falls on all of them alike."""
from __future__ import annotations

import statistics
import time
import typing as t


def time_call(fn: t.Callable[[], t.Any], number: int) -> float:
    """Nanoseconds per call of ``fn()``, over ``number`` calls."""
    counter = time.perf_counter_ns
    start = counter()
    for _ in range(number):
        fn()
    return (counter() - start) / number


def interleaved_medians(
    calls: dict[str, t.Callable[[], t.Any]], rounds: int, number: int
) -> dict[str, float]:
    """Median nanoseconds per call of each of ``calls``, after a warm-up,
    over ``rounds`` rounds that each time every call ``number`` times."""
    for fn in calls.values():
        time_call(fn, max(1, number // 10))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            samples[name].append(time_call(fn, number))
    return {name: statistics.median(values) for name, values in samples.items()}

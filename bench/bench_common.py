"""What every script in ``bench/`` shares: timing, medians of repeated runs, the machine's load.

The machine the figures come from is shared, so a script runs each cell ``--repeat`` times, hukspy and
the raw library in turns, and prints medians; the load average before and after goes next to them.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence

from hukspy.params import HuksParam

#: The clocks a single-threaded cell can be timed by: "cpu" (this thread's CPU time: what the machine's
#: other load takes from it is not counted, so figures from a busy machine stay comparable) or "wall".
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.thread_time, "wall": time.perf_counter}


def rate(fn: Callable[[], object], seconds: float, clock: Callable[[], float] = time.perf_counter) -> float:
    """Calls per second of ``fn`` over about ``seconds`` of ``clock`` (after a short warm-up)."""
    for _ in range(20):
        fn()
    n, start = 0, clock()
    deadline = start + seconds
    while True:
        for _ in range(50):
            fn()
        n += 50
        now = clock()
        if now >= deadline:
            return n / (now - start)


def load_average() -> str:
    """The 1/5/15-minute load averages, for the line next to the figures."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def paired(ours: Callable[[], object], raw: Callable[[], object], seconds: float,
           repeat: int, clock: Callable[[], float] = time.perf_counter) -> tuple[float, float, float, float]:
    """Run ``ours`` and ``raw`` in turns ``repeat`` times; the medians of ours ops/s, raw ops/s, the
    ratio ours/raw (of each turn) and the extra microseconds per call (1/ours - 1/raw)."""
    hs, rs = [], []
    for _ in range(repeat):
        hs.append(rate(ours, seconds, clock))
        rs.append(rate(raw, seconds, clock))
    return (statistics.median(hs), statistics.median(rs),
            statistics.median(h / r for h, r in zip(hs, rs, strict=True)),
            statistics.median((1 / h - 1 / r) * 1e6 for h, r in zip(hs, rs, strict=True)))


def table(rows: Sequence[tuple[str, float, float, float, float]]) -> None:
    """Print ``paired`` results: operation, hukspy ops/s, raw ops/s, ratio, µs more per call."""
    print(f"{'operation':<36}{'hukspy ops/s':>14}{'raw ops/s':>14}{'ratio':>8}{'+µs/call':>10}")
    for name, ours, raw, ratio, extra in rows:
        print(f"{name:<36}{ours:>14,.0f}{raw:>14,.0f}{ratio:>8.2f}{extra:>10.1f}")


def props(*pairs: tuple[int, int | bytes | bool]) -> list[HuksParam]:
    """HUKS params from (tag, value) pairs."""
    return [HuksParam(t, v) for t, v in pairs]

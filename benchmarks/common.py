"""Small shared helpers: timing medians, result rows, JSON hand-off to benchmarks/run.py."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_time(fn, repeats: int):
    """(median seconds, all times, last result) over ``repeats`` calls."""
    times, res = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, res


def row(section: str, metric: str, value, unit: str = "s", *, target=None, ratio_to=None, note: str = "",
        times=None) -> dict:
    """One line of the final table.

    target: (op, limit) compared against ``value`` -- or against value / reference when
    ``ratio_to`` (the reference value, same unit) is given: e.g. ("<=", 0.5) with ratio_to=esda_s.
    """
    r = {"section": section, "metric": metric, "value": value, "unit": unit, "note": note}
    if times is not None:
        r["times"] = [round(t, 4) for t in times]
    if ratio_to is not None:
        r["ratio"] = value / ratio_to if ratio_to else float("nan")
    if target is not None:
        r["target"] = list(target)
    return r


def emit(rows: list[dict]) -> None:
    """Write rows to $BENCH_JSON (set by run.py) or print them as JSON."""
    path = os.environ.get("BENCH_JSON")
    if path:
        Path(path).write_text(json.dumps(rows, indent=1))
    else:
        print(json.dumps(rows, indent=1))


def rss_mb(pid: int) -> tuple[float, float]:
    """(current VmRSS, peak VmHWM) of a process in MiB, from /proc."""
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":")
                vals[k] = int(v.split()[0]) / 1024
    return vals.get("VmRSS", float("nan")), vals.get("VmHWM", float("nan"))

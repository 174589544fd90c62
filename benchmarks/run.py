"""All benchmarks, one after the other, then one table of medians against the targets (issue 4).

    .venv/bin/python -m benchmarks                    # everything, ~15-20 min on 2 cores
    .venv/bin/python -m benchmarks --only stats dbscan
    .venv/bin/python -m benchmarks --quick            # fewer repetitions, no BGC variant, 3 sessions

Sections (each runs in its own process, never two at once):
  stats    2  England scale: ours vs esda vs pygeoda (bench_england_stats)
  dbscan   3  DBSCAN 1M points: ours vs sklearn (bench_dbscan)
  payload  4  map JSON for WM (actual, from the app) and England (synthetic) (bench_payload)
  browser  1, 4, 5  cold start, filter change, websocket bytes, 10-session memory (bench_browser)
  emerging 6  emerging hot spots at 4,000 x 12 and 35,000 x 36 (bench_emerging)
  ingest   7  reading 1M police.uk rows, and the commands that do, vs an analyst's script (bench_ingest)
  pages    8  server time of a Trends / Impact redraw after a filter change, bundled and 1M stored (bench_pages)

The machine is noisy (2 cores, shared): compare ratios within one run, not absolute seconds
between runs. The table is also written to benchmarks/.cache/last-run.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SECTIONS = {
    "stats": ["-m", "benchmarks.bench_england_stats"],
    "dbscan": [str(HERE / "bench_dbscan.py")],
    "payload": ["-m", "benchmarks.bench_payload"],
    "browser": ["-m", "benchmarks.bench_browser"],
    "emerging": ["-m", "benchmarks.bench_emerging"],
    "ingest": ["-m", "benchmarks.bench_ingest"],
    "pages": ["-m", "benchmarks.bench_pages"],
}
QUICK = {"stats": ["--repeats", "3"], "payload": ["--no-bgc"], "browser": ["--repeats", "2", "--sessions", "3"],
         "ingest": ["--no-3m"], "pages": ["--repeats", "1", "--no-store"]}


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def verdict(r: dict) -> str:
    t = r.get("target")
    if not t:
        return ""
    op, limit = t
    v = r.get("ratio", r["value"])
    if v != v:  # NaN
        return "n/a"
    ok = v <= limit if op == "<=" else v >= limit
    if ok:
        return "PASS"
    if op == "<=" and limit > 0:
        return f"MISS {v / limit:.1f}x over" if v / limit >= 1.05 else f"MISS by {v - limit:.3g}"
    return "MISS"


def fmt_value(r: dict) -> str:
    v, u = r["value"], r["unit"]
    if v != v:
        return "n/a"
    if u == "s":
        return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
    if u == "MB":
        return f"{v:.2f} MB" if v < 100 else f"{v:.0f} MB"
    if u == "":
        return f"{v:.1e}"
    return f"{v:.3g} {u}"


def table(rows: list[dict]) -> str:
    lines = []
    w = max(len(r["metric"]) for r in rows) + 2
    head = f"{'metric':<{w}}{'median':>11}{'ratio':>9}  {'target':<9}{'result':<17}note"
    section = None
    for r in rows:
        if r["section"] != section:
            section = r["section"]
            lines += ["", f"== {section} ==", head]
        ratio = f"{r['ratio']:.3f}x" if "ratio" in r and r["ratio"] == r["ratio"] else ""
        tgt = ""
        if r.get("target"):
            op, lim = r["target"]
            tgt = f"{op}{lim:g}" + ("x" if "ratio" in r else "")
        lines.append(f"{r['metric']:<{w}}{fmt_value(r):>11}{ratio:>9}  {tgt:<9}{verdict(r):<17}{r.get('note', '')}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=list(SECTIONS), help="run only these sections")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, not figures)")
    args = ap.parse_args(argv)
    chosen = args.only or list(SECTIONS)
    started = datetime.now()
    header = [f"benchmarks run {started:%Y-%m-%d %H:%M}", f"machine: {os.cpu_count()} cores, "
              f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, {platform.platform()}, "
              f"Python {platform.python_version()}", f"load average at start: {load()}"]
    print("\n".join(header), flush=True)
    rows, loads = [], []
    for name in chosen:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = f.name
        cmd = [sys.executable, *SECTIONS[name], *(QUICK.get(name, []) if args.quick else [])]
        print(f"\n##### {name}: {' '.join(cmd[1:])}   (load {load()})", flush=True)
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "BENCH_JSON": out,
                                               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")})
        loads.append(f"{name} {time.perf_counter() - t:.0f} s (load after {load()})")
        try:
            got = json.loads(Path(out).read_text() or "[]")
        except (OSError, json.JSONDecodeError):
            got = []
        if p.returncode != 0 or not got:
            got.append({"section": name, "metric": f"{name} section failed (exit {p.returncode})", "value": float("nan"),
                        "unit": "", "note": "see the output above"})
        rows += got
        os.unlink(out)
    order = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4}
    rows.sort(key=lambda r: order.get(str(r["section"])[:1], 9))
    text = "\n".join(header + ["sections: " + "; ".join(loads), table(rows)])
    print("\n" + "=" * 100 + "\n" + text)
    (HERE / ".cache").mkdir(exist_ok=True)
    (HERE / ".cache" / "last-run.txt").write_text(text + "\n")
    (HERE / ".cache" / "last-run.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

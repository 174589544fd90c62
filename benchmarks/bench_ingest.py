"""Benchmark: reading police.uk street CSVs, and the commands that start by reading them.

    .venv/bin/python -m benchmarks.bench_ingest [--repeats 1] [--no-3m]

Data: benchmarks/ingest_data.py (generated once, then reused): 1,000,000 synthetic West Midlands
rows in 36 monthly street CSVs, with the real schema and quirks, and 3,000,000 for peak memory.

Every measurement runs in its own fresh process, one after the other, in one run (the machine is
small and shared: compare the ratios, which are within one run, not seconds between runs):

  script     what an analyst would write by hand: pandas.read_csv(engine="pyarrow") over the monthly
             files, rows without coordinates dropped, pyproj to EPSG:27700, sklearn DBSCAN (eps 150 m,
             the command's automatic min_samples) on the distinct points with sample_weight=counts,
             the labelled rows written to CSV with pandas. The reference (ratio 1.0).
  read       geo.police_uk.read_police on the folder (rows/s of the call itself), and on the archive zip
  clusters   python -m analytics clusters --incidents <folder> --eps 150 --out x.csv
  hotspots   python -m analytics hotspots --boundaries data/boundaries/lsoa21_wm.geojson --incidents <folder>
  ingest     python -m analytics ingest <folder> --source police, into a fresh store (HOTSPOT_STORE),
             then the same again (every file already stored)
  memory     peak resident memory (ru_maxrss of the child) of read_police and of clusters on 3M rows

Times are wall-clock seconds of the whole process (interpreter start and imports included, for
the script and the commands alike); the median of --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import emit, row  # noqa: E402
from benchmarks.ingest_data import generate  # noqa: E402

SECTION = "7 ingest"
BOUNDARIES = ROOT / "data" / "boundaries" / "lsoa21_wm.geojson"
TARGETS = {"clusters": 1.0, "hotspots": 1.5, "ingest": 2.0, "ingest again": 0.5}
PEAK_TARGET_MB = 2048

SCRIPT = '''
import glob, sys
import numpy as np, pandas as pd
from pyproj import Transformer
from sklearn.cluster import DBSCAN

folder, out = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(folder + "/**/*-street.csv", recursive=True))
df = pd.concat([pd.read_csv(f, engine="pyarrow") for f in files], ignore_index=True)
df = df.dropna(subset=["Longitude", "Latitude"])
to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
df["easting"], df["northing"] = to_bng.transform(df["Longitude"].to_numpy(), df["Latitude"].to_numpy())
points, where, counts = np.unique(df[["easting", "northing"]].to_numpy(), axis=0, return_inverse=True,
                                  return_counts=True)
min_samples = max(10, round(len(df) / 1000))  # the clusters command's automatic choice
labels = DBSCAN(eps=150, min_samples=min_samples).fit(points, sample_weight=counts).labels_
df["cluster"] = labels[where.ravel()]
df.to_csv(out, index=False)
print(len(df), int(labels.max()) + 1)
'''

READ = '''
import json, sys, time
from geo.police_uk import read_police
t = time.perf_counter()
result = read_police(sys.argv[1])
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rows_read": result.report.rows_read, "accepted": len(result.data),
                  "rejected": result.report.n_rejected}))
'''


def _run(args: list[str], env: dict | None = None) -> dict:
    """Run one child process: its wall time, its own peak memory (ru_maxrss, from os.wait4) and the
    last line it printed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=out, stderr=err,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        lines = stderr.strip().splitlines() or ["?"]
        return {"failed": f"exit {proc.returncode}: {lines[-1][:200]}", "seconds": float("nan"),
                "peak_mb": float("nan")}
    lines = stdout.strip().splitlines()
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "out": lines[-1] if lines else ""}


def _median(runs: list[dict]) -> dict:
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        return runs[-1]
    return {**ok[-1], "seconds": statistics.median(r["seconds"] for r in ok),
            "times": [r["seconds"] for r in ok], "peak_mb": max(r["peak_mb"] for r in ok)}


def collect(repeats: int = 1, with_3m: bool = True) -> list[dict]:
    folder, archive = generate("1m")
    folder3 = generate("3m")[0] if with_3m else None
    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    script = tmp / "analyst.py"
    script.write_text(SCRIPT)
    reader = tmp / "read.py"
    reader.write_text(READ)
    results: dict[str, dict] = {}

    def measure(name: str, args: list[str], env=None, before=None) -> dict:
        runs = []
        for _ in range(repeats):
            if before:
                before()
            runs.append(_run(args, env))
            print(f"  {name:<28}{runs[-1]['seconds']:8.2f} s  peak {runs[-1]['peak_mb']:6.0f} MB  "
                  f"{runs[-1].get('failed') or runs[-1].get('out', '')[:90]}", flush=True)
        results[name] = _median(runs)
        return results[name]

    print(f"police.uk synthetic data: {folder} (+ {archive.name}); {repeats} run(s) each", flush=True)
    measure("script", [str(script), str(folder), str(tmp / "script.csv")])
    measure("read", [str(reader), str(folder)])
    measure("read zip", [str(reader), str(archive)])
    measure("clusters", ["-m", "analytics", "clusters", "--incidents", str(folder), "--eps", "150",
                         "--out", str(tmp / "clusters.csv")])
    measure("hotspots", ["-m", "analytics", "hotspots", "--boundaries", str(BOUNDARIES), "--incidents", str(folder),
                         "--out", str(tmp / "hotspots.csv")])
    store = tmp / "store" / "incidents.duckdb"

    def fresh_store():
        shutil.rmtree(store.parent, ignore_errors=True)
        store.parent.mkdir(parents=True)

    measure("ingest", ["-m", "analytics", "ingest", str(folder), "--source", "police"],
            env={"HOTSPOT_STORE": str(store)}, before=fresh_store)
    measure("ingest again", ["-m", "analytics", "ingest", str(folder), "--source", "police"],
            env={"HOTSPOT_STORE": str(store)})
    if folder3 is not None:
        measure("read 3M", [str(reader), str(folder3)])
        measure("clusters 3M", ["-m", "analytics", "clusters", "--incidents", str(folder3), "--eps", "150",
                                "--out", str(tmp / "clusters3.csv")])
    shutil.rmtree(tmp, ignore_errors=True)
    return section_rows(results)


def section_rows(results: dict[str, dict]) -> list[dict]:
    S = SECTION
    out = []
    base = results["script"]["seconds"]
    out.append(row(S, "analyst's script: pandas pyarrow read, pyproj, DBSCAN, to_csv (1M rows)", base,
                   times=results["script"].get("times"), note=results["script"].get("failed", "the reference")))
    for key, label in (("read", "read_police, 36 monthly files (1M rows)"),
                       ("read zip", "read_police, the archive zip (1M rows, members in memory)")):
        r = results[key]
        if "failed" in r:
            out.append(row(S, label, float("nan"), note=f"FAILED: {r['failed']}"))
            continue
        info = json.loads(r["out"])
        note = (f"{info['rows_read'] / info['seconds']:,.0f} rows/s; {info['accepted']:,} accepted, "
                f"{info['rejected']:,} rejected; process {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB")
        out.append(row(S, label, info["seconds"], note=note))
    for key, label in (("clusters", "python -m analytics clusters --eps 150 (1M rows)"),
                       ("hotspots", "python -m analytics hotspots, WM LSOAs (1M rows)"),
                       ("ingest", "python -m analytics ingest, a fresh store (1M rows)"),
                       ("ingest again", "python -m analytics ingest, the same files again")):
        r = results[key]
        out.append(row(S, label, r["seconds"], ratio_to=base, target=("<=", TARGETS[key]), times=r.get("times"),
                       note=f"FAILED: {r['failed']}" if "failed" in r else f"peak {r['peak_mb']:.0f} MB"))
    for key, label in (("read 3M", "peak memory: read_police, 3M rows"),
                       ("clusters 3M", "peak memory: clusters, 3M rows")):
        if key in results:
            r = results[key]
            out.append(row(S, label, r["peak_mb"], unit="MB", target=("<=", PEAK_TARGET_MB),
                           note=f"FAILED: {r['failed']}" if "failed" in r else f"{r['seconds']:.1f} s"))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=1, help="runs of each measurement (median)")
    ap.add_argument("--no-3m", action="store_true", help="skip the 3M-row memory runs")
    args = ap.parse_args(argv)
    rows = collect(args.repeats, with_3m=not args.no_3m)
    if os.environ.get("BENCH_JSON"):
        emit(rows)
    else:
        from benchmarks.run import table

        print(table(rows))


if __name__ == "__main__":
    main()

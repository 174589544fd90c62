"""Server time of a page redraw after a filter change: Trends and Impact (issue 16: <= 1 s).

    .venv/bin/python -m benchmarks.bench_pages [--repeats 3] [--no-store]

Streamlit's AppTest runs the app's script in this process exactly as the server does for a
browser session (the same widgets, caches and reruns; no websocket, no drawing), so the time of
one ``at.run()`` after a widget changes is the server's share of a filter change. Each change is
to a value not seen before in the session (nothing cached for it), then the measurement is
repeated in a fresh session with fresh caches (``st.cache_data`` and ``st.cache_resource``
cleared) and the median kept.

Data: the bundled Birmingham city-centre points (33 LSOAs, 11 months), and, unless --no-store, a
store holding the 1M-row synthetic benchmark archive (benchmarks/ingest_data.py; 1,719 West
Midlands LSOAs, 36 months, 910,310 incidents), ingested once into a temporary store.
"""

from __future__ import annotations

import argparse
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

SECTION = "8 page redraw"
TARGET_S = 1.0


def _session(page: str, params: dict):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return at, first


def _timed(at, change) -> float:
    change(at)
    t = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return seconds


def _widget(at, kind: str, key: str):
    return next(w for w in getattr(at, kind) if w.key == key)


def trends_changes(months: list[str]):
    """(label, change) pairs for the Trends page, each to a value not used before in the session."""
    return [
        ("time step month -> quarter", lambda at: _widget(at, "radio", "trend_step").set_value("quarter")),
        ("time window 1 -> 2", lambda at: _widget(at, "number_input", "trend_window").set_value(2)),
        ("period B starts a month later", lambda at: _widget(at, "select_slider", "trend_split").set_value(
            months[len(months) // 2 + 1])),
        ("crime types: add robbery", lambda at: next(w for w in at.multiselect if w.key.startswith("types_"))
         .select("Robbery")),
        ("area: an authority", lambda at: _widget(at, "selectbox", "geo_lad").set_value(
            _widget(at, "selectbox", "geo_lad").options[1])),
    ]


def measure_page(page: str, params: dict, changes, repeats: int, label: str) -> list[dict]:
    firsts, per_change = [], {name: [] for name, _ in changes}
    for _ in range(repeats):
        at, first = _session(page, params)
        firsts.append(first)
        for name, change in changes:
            per_change[name].append(_timed(at, change))
    out = [row(SECTION, f"{label}: first visit to the page", statistics.median(firsts), times=firsts,
               note="info: after the Overview (whose data it shares), not a filter change")]
    for name, times in per_change.items():
        med = statistics.median(times)
        print(f"  {label}: {name:<34}{med:7.3f} s  {[round(t, 3) for t in times]}", flush=True)
        out.append(row(SECTION, f"{label}: {name}", med, target=("<=", TARGET_S), times=times,
                       note="server time of the rerun (AppTest)"))
    return out


def impact_changes():
    return [
        ("target: another ward", lambda at: _widget(at, "selectbox", "geo_ward").set_value(
            next(o for o in _widget(at, "selectbox", "geo_ward").options if o not in ("all", _widget(
                at, "selectbox", "geo_ward").value)))),
    ]


def _store_with_benchmark_data(tmp: Path) -> Path:
    from benchmarks.ingest_data import generate

    folder, _ = generate("1m")
    store = tmp / "bench.duckdb"
    env = {**os.environ, "HOTSPOT_STORE": str(store), "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analytics", "--quiet", "ingest", str(folder), "--source", "police"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  store: 1M rows ingested in {time.perf_counter() - t:.1f} s", flush=True)
    return store


def collect(repeats: int, with_store: bool) -> list[dict]:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    os.environ["HOTSPOT_STORE"] = str(tmp / "empty.duckdb")
    bham_months = [f"2017-{m:02d}" for m in range(2, 12)]
    rows += measure_page("trends", {"ds": "bham2017"}, trends_changes(bham_months), repeats,
                         "Trends, Birmingham points (33 LSOAs x 11 months)")
    rows += measure_page("impact", {"ds": "bham2017", "geo": "ward:E05011151"}, impact_changes(), repeats,
                         "Impact, Birmingham points")
    if with_store:
        os.environ["HOTSPOT_STORE"] = str(_store_with_benchmark_data(tmp))
        months = [f"{2022 + m // 12}-{m % 12 + 1:02d}" for m in range(1, 36)]
        rows += measure_page("trends", {"ds": "store"}, trends_changes(months), repeats,
                             "Trends, store (1,719 LSOAs x 36 months, 910k incidents)")
        rows += measure_page("impact", {"ds": "store", "geo": "ward:E05011151"}, impact_changes(), repeats,
                             "Impact, store")
    shutil.rmtree(tmp, ignore_errors=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-store", action="store_true", help="only the bundled Birmingham points")
    args = ap.parse_args(argv)
    emit(collect(args.repeats, not args.no_store))


if __name__ == "__main__":
    main()

"""Benchmark: de-duplicated DBSCAN (analytics.clusters) vs plain sklearn DBSCAN.

Run on demand (not a test):  .venv/bin/python benchmarks/bench_dbscan.py

Data (fixed seed): 1,000,000 synthetic incidents snapped to 30,000 distinct
"map points" over a 55 x 40 km box in British National Grid metres: 80 % of the
map points around 25 town centres, 20 % scattered, and incident popularity per
map point heavy-tailed (lognormal), like police.uk.  eps 150 m, min_samples 10.

Every measurement runs in a fresh subprocess so peak memory (ru_maxrss, the
peak resident set of that process) is not polluted by earlier runs; the
"baseline" is the peak after imports and data generation, before the method.

Compared:
  ours_full      DbscanClusters(...): de-duplication, fit, labels, summary and
                 outlines (most of the total is building the outlines)
  ours_labels    the same DbscanClusters code path with the summary/outline step
                 skipped: de-duplication, snap-spacing estimate, fit, labels. This
                 is the part that compares with a bare sklearn fit (which gives
                 labels only).
  sklearn_unique sklearn DBSCAN(...).fit on the same 30,000 distinct points with
                 sample_weight=counts (the bare fit ours wraps), labels mapped back
  sklearn_plain  plain DBSCAN(...).fit on every point (duplicates included).
                 Its memory grows with the number of point pairs within eps; the
                 script counts those pairs exactly first and only runs it, under a
                 hard address-space limit, when the estimate fits in the budget;
                 otherwise it is run on a subsample of the same data.
  distinct       ours_labels and sklearn_plain again on points that are all
                 distinct (no snapping, DISTINCT_N points): de-duplication
                 cannot help there, so this shows ours' overhead honestly.
ARI: adjusted Rand index between ours and each comparison on the same points
(1.0 = same partition); "identical" says whether labels are equal elementwise.

benchmarks/run.py (python -m benchmarks) calls collect() and prints the rows.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
N_POINTS = 1_000_000
N_LOCATIONS = 30_000
EPS = 150.0
MIN_SAMPLES = 10
SEED = 20261126
REPEATS = 3
DISTINCT_N = 200_000
MEMORY_BUDGET_BYTES = 4 * 1024**3  # never let the plain fit go beyond this


def make_data(n_points=N_POINTS, n_locations=N_LOCATIONS, seed=SEED):
    rng = np.random.default_rng(seed)
    x0, y0, w, h = 385_000.0, 260_000.0, 55_000.0, 40_000.0
    n_town = int(0.8 * n_locations)
    centres = rng.uniform([x0 + 3000, y0 + 3000], [x0 + w - 3000, y0 + h - 3000], (25, 2))
    sigma = rng.uniform(800, 3000, 25)
    which = rng.integers(0, 25, n_town)
    town = centres[which] + rng.normal(0, 1, (n_town, 2)) * sigma[which, None]
    scatter = rng.uniform([x0, y0], [x0 + w, y0 + h], (n_locations - n_town, 2))
    anchors = np.round(np.concatenate([town, scatter]))
    anchors = np.unique(anchors, axis=0)
    while len(anchors) < n_locations:  # top up after rounding collisions
        extra = np.round(rng.uniform([x0, y0], [x0 + w, y0 + h], (n_locations - len(anchors), 2)))
        anchors = np.unique(np.concatenate([anchors, extra]), axis=0)
    anchors = anchors[rng.permutation(len(anchors))[:n_locations]]
    popularity = rng.lognormal(0.0, 1.5, n_locations)
    idx = rng.choice(n_locations, size=n_points, p=popularity / popularity.sum())
    if n_points >= n_locations:  # every map point used at least once
        idx[rng.choice(n_points, n_locations, replace=False)] = np.arange(n_locations)
    return anchors[idx]


def _peak_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def make_distinct(n_points=DISTINCT_N, seed=SEED):
    """n_points distinct locations from the same generator (every map point used once)."""
    return make_data(n_points=n_points, n_locations=n_points, seed=seed)


def _worker(method: str, n_points: int, distinct: bool = False):
    sys.path.insert(0, ROOT)
    from sklearn.cluster import DBSCAN

    from analytics.clusters import DbscanClusters, unique_locations

    class LabelsOnly(DbscanClusters):
        """DbscanClusters without the summary/outline step (labels, core mask and counts only)."""

        def _build_summary(self, *args, **kwargs):
            pass

    xy = make_distinct(n_points) if distinct else make_data(n_points=n_points)
    baseline = _peak_bytes()
    times = []
    labels = None
    repeats = 1 if method == "sklearn_plain" else REPEATS
    extra = {}
    for _ in range(repeats):
        t = time.perf_counter()
        if method == "ours_full":
            r = DbscanClusters(xy, EPS, MIN_SAMPLES, algorithm="kd_tree")
            labels = r.labels
            extra = {"n_clusters": r.n_clusters, "n_noise": r.n_noise,
                     "snap_spacing_m": r.snap_spacing_m,
                     "largest_cluster_locations": int(r.summary["n_locations"].max())}
        elif method == "ours_labels":
            r = LabelsOnly(xy, EPS, MIN_SAMPLES, algorithm="kd_tree")
            labels = r.labels
        elif method == "sklearn_unique":
            u, inv, cnt = unique_locations(xy)
            m = DBSCAN(eps=EPS, min_samples=MIN_SAMPLES, algorithm="kd_tree").fit(u, sample_weight=cnt)
            labels = m.labels_[inv]
        elif method == "sklearn_plain":
            m = DBSCAN(eps=EPS, min_samples=MIN_SAMPLES, algorithm="kd_tree").fit(xy)
            labels = m.labels_
        times.append(time.perf_counter() - t)
    peak = _peak_bytes()
    tag = "distinct" if distinct else "snapped"
    np.save(os.path.join(os.environ["BENCH_TMP"], f"{method}_{tag}_{n_points}.npy"), labels)
    print(json.dumps({"method": method, "n_points": n_points, "data": tag, "median_s": float(np.median(times)),
                      "times_s": times, "baseline_peak_mb": baseline / 2**20,
                      "peak_mb": peak / 2**20, **extra}))


def _run(method, n_points, limit_bytes=None, distinct=False):
    def preexec():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    p = subprocess.run([sys.executable, __file__, "--worker", method, str(n_points)] + (["--distinct"] if distinct else []),
                       capture_output=True, text=True, env=env, preexec_fn=preexec)
    if p.returncode != 0:
        return {"method": method, "n_points": n_points, "data": "distinct" if distinct else "snapped",
                "failed": (p.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def _pairs_within_eps(n_points):
    """Exact number of (i, j) point pairs within eps, duplicates included (plain-fit neighbour lists)."""
    sys.path.insert(0, ROOT)
    from scipy.spatial import cKDTree

    from analytics.clusters import unique_locations

    u, _, cnt = unique_locations(make_data(n_points=n_points))
    tree = cKDTree(u)
    pairs = tree.sparse_distance_matrix(tree, EPS, output_type="ndarray")
    nbr_weight = np.bincount(pairs["i"], weights=cnt[pairs["j"]], minlength=len(u))
    return int(np.sum(cnt * nbr_weight)), int(len(pairs))


def collect():
    """Run every measurement (each in a fresh subprocess); print the table; return rows for run.py."""
    import tempfile

    from sklearn.metrics import adjusted_rand_score

    tmp = tempfile.mkdtemp(prefix="bench_dbscan_")
    os.environ["BENCH_TMP"] = tmp
    print(f"{N_POINTS:,} points snapped to {N_LOCATIONS:,} locations, eps {EPS:g} m, "
          f"min_samples {MIN_SAMPLES}, seed {SEED}, {REPEATS} repeats (median)", flush=True)
    rows = [_run("ours_full", N_POINTS), _run("ours_labels", N_POINTS), _run("sklearn_unique", N_POINTS)]

    pairs_full, pairs_unique = _pairs_within_eps(N_POINTS)
    # neighbour lists hold one int64 per pair; the radius query also returns
    # float64 distances for every pair before they are dropped: >= 16 bytes/pair
    est_full = 16 * pairs_full
    print(f"pairs within eps: {pairs_unique:,} between distinct locations; {pairs_full:,} between "
          f"all points (plain fit needs >= {est_full / 2**30:.1f} GiB for them)", flush=True)
    plain_n = N_POINTS
    if est_full > MEMORY_BUDGET_BYTES / 2:
        while plain_n > 10_000:
            plain_n //= 2
            p, _ = _pairs_within_eps(plain_n)
            if 16 * p <= MEMORY_BUDGET_BYTES / 2:
                break
        print(f"plain fit on all {N_POINTS:,} points skipped (over the {MEMORY_BUDGET_BYTES / 2**30:.0f} GiB "
              f"budget); running it and ours on {plain_n:,} points drawn from the same map points", flush=True)
        rows.append(_run("ours_full", plain_n))
        rows.append(_run("ours_labels", plain_n))
    rows.append(_run("sklearn_plain", plain_n, limit_bytes=MEMORY_BUDGET_BYTES))
    rows.append(_run("ours_labels", DISTINCT_N, distinct=True))
    rows.append(_run("sklearn_plain", DISTINCT_N, limit_bytes=MEMORY_BUDGET_BYTES, distinct=True))

    def labels_of(r):
        return np.load(os.path.join(tmp, f"{r['method']}_{r['data']}_{r['n_points']}.npy"))

    ref = {(r["data"], r["n_points"]): labels_of(r) for r in rows if r["method"] == "ours_labels" and "failed" not in r}
    print()
    print(f"{'method':<16}{'data':>9}{'points':>11}{'median s':>10}{'peak MB':>9}{'(baseline MB)':>15}"
          f"{'ARI vs ours':>13}  identical")
    for r in rows:
        if "failed" in r:
            print(f"{r['method']:<16}{r['data']:>9}{r['n_points']:>11,}  FAILED: {r['failed']}")
            continue
        lab = labels_of(r)
        base = ref.get((r["data"], r["n_points"]))
        r["ari"] = float(adjusted_rand_score(base, lab)) if base is not None else float("nan")
        r["identical"] = bool(base is not None and np.array_equal(base, lab))
        print(f"{r['method']:<16}{r['data']:>9}{r['n_points']:>11,}{r['median_s']:>10.2f}{r['peak_mb']:>9.0f}"
              f"{r['baseline_peak_mb']:>15.0f}{r['ari']:>13.6f}  {r['identical']}")
    for r in rows:
        if r["method"] == "ours_full" and "n_clusters" in r:
            print(f"ours @ {r['n_points']:,}: {r['n_clusters']} clusters, {r['n_noise']:,} noise points, "
                  f"largest cluster {r['largest_cluster_locations']:,} locations, "
                  f"snap spacing {r['snap_spacing_m']:.0f} m")
    return rows, plain_n


def section_rows(rows, plain_n):
    """Rows for benchmarks/run.py's table."""
    sys.path.insert(0, ROOT)
    from benchmarks.common import row

    S = "3 DBSCAN"

    def get(method, data, n):
        return next((r for r in rows if r["method"] == method and r["data"] == data and r["n_points"] == n
                     and "failed" not in r), None)

    out = []
    full, lab, uniq = get("ours_full", "snapped", N_POINTS), get("ours_labels", "snapped", N_POINTS), \
        get("sklearn_unique", "snapped", N_POINTS)
    if full and lab:
        out.append(row(S, "ours 1M snapped: DbscanClusters, labels + summary + outlines", full["median_s"],
                       note=f"{full['n_clusters']} clusters"))
        out.append(row(S, "ours 1M snapped: labels only (dedup, spacing, fit)", lab["median_s"]))
        out.append(row(S, "ours 1M snapped: summary + outlines (difference)", full["median_s"] - lab["median_s"]))
        out.append(row(S, "ours 1M snapped: peak memory (whole process)", full["peak_mb"], unit="MB", target=("<=", 1024),
                       note=f"after imports + data {full['baseline_peak_mb']:.0f} MB"))
    if uniq and lab:
        out.append(row(S, "sklearn fit on the 30k distinct points, sample_weight (what ours wraps)", uniq["median_s"],
                       note=f"ARI vs ours {uniq.get('ari', float('nan')):.6f}, identical {uniq.get('identical')}"))
    plain = get("sklearn_plain", "snapped", plain_n)
    lab_n = get("ours_labels", "snapped", plain_n)
    full_n = get("ours_full", "snapped", plain_n)
    if plain is None:
        failed = next((r for r in rows if r["method"] == "sklearn_plain" and r["data"] == "snapped"), {})
        out.append(row(S, f"plain sklearn DBSCAN.fit, {plain_n:,} snapped points", float("nan"),
                       note=f"FAILED: {failed.get('failed', '?')}"))
    else:
        where = "1M" if plain_n == N_POINTS else f"{plain_n:,} (plain fit at 1M is over the memory budget)"
        out.append(row(S, f"plain sklearn DBSCAN.fit, snapped points: {where}", plain["median_s"],
                       note=f"peak {plain['peak_mb']:.0f} MB"))
        if lab_n:
            out.append(row(S, "ours labels / plain sklearn fit, same points", lab_n["median_s"], ratio_to=plain["median_s"],
                           target=("<=", 0.25), note=f"ARI {plain.get('ari', float('nan')):.6f}, identical "
                                                      f"{plain.get('identical')}; {plain_n:,} points"))
        if full_n:
            out.append(row(S, "ours incl. summary + outlines / plain sklearn fit", full_n["median_s"],
                           ratio_to=plain["median_s"], note="info: outlines are extra work sklearn does not do"))
    dl, dp = get("ours_labels", "distinct", DISTINCT_N), get("sklearn_plain", "distinct", DISTINCT_N)
    if dl and dp:
        out.append(row(S, f"all-distinct points ({DISTINCT_N:,}): ours labels / plain sklearn", dl["median_s"],
                       ratio_to=dp["median_s"], note=f"info: nothing to de-duplicate; ARI {dp.get('ari', float('nan')):.6f}"))
    return out


def main():
    rows, plain_n = collect()
    sys.path.insert(0, ROOT)
    from benchmarks.common import emit

    if os.environ.get("BENCH_JSON"):
        emit(section_rows(rows, plain_n))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], int(sys.argv[3]), distinct="--distinct" in sys.argv)
    else:
        main()

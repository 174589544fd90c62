"""Emerging hot spots (analytics.emerging) on synthetic lattices: 4,000 areas x 12 months and 35,000 x 36.

    .venv/bin/python -m benchmarks.bench_emerging [--repeats 5] [--no-cube] [--no-permutations]

Queen-contiguity square lattices (50 x 80 and 175 x 200 cells, 8 neighbours inside), Poisson(2)
counts per area and month with planted clusters: 3 x 3 blocks of cells that are hot throughout,
that warm up over the period, or that appear in the last quarter (fixed seed).  Timed: the
analytic EmergingHotSpots (space-time Gi*, Benjamini-Hochberg over all bins, Mann-Kendall per area,
patterns) once the cube exists, against the issue's targets (<= 0.5 s and <= 5 s on 2 cores).
Also, without targets: build_cube from incident records (one per incident, ~2 a cell-month) and the
4,000 x 12 case with 999 conditional permutations.  Median of --repeats calls.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import sparse

from benchmarks.common import emit, median_time, row

SECTION = "6 emerging hot spots"


def queen_lattice(n_rows: int, n_cols: int):
    from analytics.weights import SpatialWeights

    idx = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    pairs = [
        (idx[:, :-1], idx[:, 1:]),  # east
        (idx[:-1, :], idx[1:, :]),  # south
        (idx[:-1, :-1], idx[1:, 1:]),  # south-east
        (idx[:-1, 1:], idx[1:, :-1]),  # south-west
    ]
    r = np.concatenate([a.ravel() for a, _ in pairs])
    c = np.concatenate([b.ravel() for _, b in pairs])
    n = n_rows * n_cols
    A = sparse.coo_matrix((np.ones(2 * len(r)), (np.r_[r, c], np.r_[c, r])), shape=(n, n)).tocsr()
    ids = [f"L{i:06d}" for i in range(n)]
    return SpatialWeights.from_adjacency(A, ids=ids, kind="queen")


def planted_counts(n_rows: int, n_cols: int, T: int, seed: int = 20260101):
    rng = np.random.default_rng(seed)
    n = n_rows * n_cols
    lam = np.full((n, T), 2.0)
    n_blocks = max(3, n // 400)
    t = np.arange(T)
    for b in range(n_blocks):
        r0, c0 = rng.integers(1, n_rows - 2), rng.integers(1, n_cols - 2)
        cells = [(r0 + i) * n_cols + c0 + j for i in range(-1, 2) for j in range(-1, 2)]
        kind = b % 3
        if kind == 0:
            lam[cells] += 6.0  # hot throughout
        elif kind == 1:
            lam[cells] += 8.0 * t / (T - 1)  # warming up
        else:
            lam[np.ix_(cells, t[-max(1, T // 4):])] += 8.0  # new in the last quarter
    return rng.poisson(lam).astype(float)


def incidents_from_counts(counts, ids, months):
    loc = np.repeat(np.repeat(np.asarray(ids, dtype=object), counts.shape[1]), counts.astype(np.int64).ravel())
    mon = np.repeat(np.tile(np.asarray(months, dtype=object), counts.shape[0]), counts.astype(np.int64).ravel())
    return loc, mon


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-cube", action="store_true", help="skip timing build_cube")
    ap.add_argument("--no-permutations", action="store_true", help="skip the 999-permutation run")
    args = ap.parse_args(argv)
    R = args.repeats

    from analytics.emerging import EmergingHotSpots
    from analytics.space_time import build_cube

    rows = []
    for (n_rows, n_cols, T, target) in ((50, 80, 12, 0.5), (175, 200, 36, 5.0)):
        n = n_rows * n_cols
        w = queen_lattice(n_rows, n_cols)
        y = planted_counts(n_rows, n_cols, T)
        months = [f"{2022 + m // 12}-{m % 12 + 1:02d}" for m in range(T)]
        EmergingHotSpots(y, w, steps=months)  # warm-up (imports, first allocation)
        med, times, e = median_time(lambda: EmergingHotSpots(y, w, steps=months), R)
        pc = e.pattern_counts()
        found = ", ".join(f"{k} {v:,}" for k, v in pc.items() if v and k != "No Pattern Detected")
        label = f"{n:,} x {T}"
        print(f"EmergingHotSpots analytic {label}: {med:.3f} s (median of {R}); {found}", flush=True)
        rows.append(row(SECTION, f"EmergingHotSpots analytic, {label} (cube built)", med, target=("<=", target),
                        times=times, note=f"{int((e.hot | e.cold).sum()):,} significant bins; {found}"))
        if not args.no_cube:
            loc, mon = incidents_from_counts(y, w.ids, months)
            cmed, ctimes, cube = median_time(lambda: build_cube(loc, mon, w.ids), max(1, R // 2))
            print(f"build_cube {label} from {len(loc):,} incidents: {cmed:.3f} s", flush=True)
            assert np.array_equal(cube.counts, y)
            rows.append(row(SECTION, f"build_cube, {label}, {len(loc):,} incident records", cmed, times=ctimes))
        if not args.no_permutations and n <= 5000:
            pmed, ptimes, _ = median_time(lambda: EmergingHotSpots(y, w, steps=months, permutations=999, seed=1),
                                          max(1, R // 2))
            print(f"EmergingHotSpots 999 permutations {label}: {pmed:.3f} s", flush=True)
            rows.append(row(SECTION, f"EmergingHotSpots 999 permutations, {label}", pmed, times=ptimes,
                            note="conditional permutations of the bins, no target"))
    emit(rows)


if __name__ == "__main__":
    main()

"""England scale: Gi* + local Moran on 35,000 LSOA-like polygons, 999 permutations.

    .venv/bin/python -m benchmarks.bench_england_stats [--n 35000] [--permutations 999] [--repeats 5]

Ours (analytics.weights.build_weights + analytics.hotspot_stats.area_statistics) against
esda's own warm calls (libpysal.graph.Graph, n_jobs=1; G_Local star=True transform="B", and
Moran_Local) and against pygeoda (local_gstar + local_moran; its default cpu_threads and 1
thread), same polygons, same values, same number of permutations. pygeoda runs in its own
virtualenv, benchmarks/.venv-pygeoda, created here on first use (pip install pygeoda numpy);
it is never part of the app's requirements. --no-pygeoda skips it.

Statistical identity is checked, not assumed: analytic Gi* z (vs esda Zs), G* values (vs pygeoda)
and local Moran I (vs both) must agree to ~1e-10; pseudo p-values are Monte Carlo estimates, so
ours vs esda is compared with esda vs esda at another seed (the spread two honest Monte Carlo
runs show), in units of the Monte Carlo standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.common import HERE, ROOT, emit, median_time, row

SECTION = "2 England scale"
PG_VENV = HERE / ".venv-pygeoda"


def ensure_pygeoda_venv() -> Path | None:
    """Path of the pygeoda venv's python, creating the venv (pip install pygeoda numpy) if needed."""
    py = PG_VENV / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", "import pygeoda"], capture_output=True).returncode == 0:
        return py
    print(f"creating {PG_VENV.relative_to(ROOT)} (pip install pygeoda numpy) ...", flush=True)
    r = subprocess.run([sys.executable, "-m", "venv", str(PG_VENV)], capture_output=True, text=True)
    if r.returncode == 0:
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", "pygeoda", "numpy"], capture_output=True, text=True)
    if r.returncode != 0:
        print("could not set up pygeoda; by hand:\n"
              f"  {sys.executable} -m venv {PG_VENV}\n  {py} -m pip install pygeoda numpy\n"
              + (r.stderr or "")[-800:])
        return None
    return py


def mc_agreement(pa, pb, P):
    """Differences of two Monte Carlo p-value vectors in units of their standard error."""
    pa, pb = np.asarray(pa, float), np.asarray(pb, float)
    pbar = np.clip((pa + pb) / 2, 1.0 / (P + 1), 0.5)
    se = np.sqrt(2 * pbar * (1 - pbar) / P)
    d = (pa - pb) / se
    return {"sd_units": float(np.std(d)), "mean_units": float(np.mean(d)), "beyond_3se": float(np.mean(np.abs(d) > 3)),
            "max_abs": float(np.max(np.abs(pa - pb))), "sig05_agree": float(np.mean((pa <= 0.05) == (pb <= 0.05)))}


def fmt_agree(a):
    return (f"diff/SE sd {a['sd_units']:.3f} mean {a['mean_units']:+.3f}, |diff|>3SE {a['beyond_3se']:.2%}, "
            f"same p<=0.05 call {a['sig05_agree']:.2%}")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=35_000)
    ap.add_argument("--permutations", type=int, default=999)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--pygeoda-repeats", type=int, default=2, help="pygeoda takes ~20 s a call here")
    ap.add_argument("--no-pygeoda", action="store_true")
    ap.add_argument("--no-esda", action="store_true")
    args = ap.parse_args(argv)
    P, R, n = args.permutations, args.repeats, args.n
    rows = []

    from benchmarks.england import cached_england, clustered_values, vertex_stats

    t = time.perf_counter()
    gdf = cached_england(n, "bsc")
    y = clustered_values(gdf)
    print(f"{n:,} synthetic LSOA-like polygons (perturbed Voronoi, BSC-like vertices {vertex_stats(gdf.geometry.values)}) "
          f"ready in {time.perf_counter() - t:.1f} s; {P} permutations; medians of {R}")

    t = time.perf_counter()
    from analytics.getis_ord import GetisOrdGiStar
    from analytics.hotspot_stats import area_statistics
    from analytics.weights import build_weights

    print(f"import analytics: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    w = build_weights(gdf, "queen")
    first_w = time.perf_counter() - t
    t = time.perf_counter()
    gi, lm = area_statistics(y, w, permutations=P, seed=0)
    first_s = time.perf_counter() - t
    print(f"first calls: build_weights {first_w:.3f} s, area_statistics {first_s:.3f} s   [{w.describe()}]")
    mw, tw, _ = median_time(lambda: build_weights(gdf, "queen"), R)
    ms, ts, _ = median_time(lambda: area_statistics(y, w, permutations=P, seed=0), R)
    gi1, lm1 = area_statistics(y, w, permutations=P, seed=1)
    print(f"ours   build_weights queen            {mw:8.3f} s")
    print(f"ours   area_statistics Gi* + local I  {ms:8.3f} s")
    rows.append(row(SECTION, "ours: build_weights (queen), 35k", mw, times=tw))
    rows.append(row(SECTION, "ours: area_statistics (Gi* + local Moran, 999 perms)", ms, times=ts))
    gi_dir = np.minimum(gi.p_sim / 2, 0.5)
    lm_dir = np.minimum(lm.p_sim / 2, 0.5)
    ours_self = mc_agreement(gi_dir, np.minimum(gi1.p_sim / 2, 0.5), P)

    if not args.no_esda:
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        import esda
        from libpysal.graph import Graph

        print(f"import esda + libpysal: {time.perf_counter() - t:.2f} s")
        mg_build, tg_build, g = median_time(lambda: Graph.build_contiguity(gdf, rook=False), min(R, 3))

        def gl(seed=0):
            return esda.G_Local(y, g, star=True, transform="B", permutations=P, n_jobs=1, seed=seed,
                                keep_simulations=False)

        def ml(seed=0):
            return esda.Moran_Local(y, g, permutations=P, n_jobs=1, seed=seed, keep_simulations=False)

        t = time.perf_counter()
        e_g = gl()
        cold_g = time.perf_counter() - t
        t = time.perf_counter()
        e_m = ml()
        cold_m = time.perf_counter() - t
        mg, tg, _ = median_time(gl, R)
        mm, tm, _ = median_time(ml, R)
        e_g1, e_m1 = gl(1), ml(1)
        esda_total = mg + mm
        print(f"esda   libpysal Graph.build_contiguity {mg_build:8.3f} s")
        print(f"esda   G_Local  first call {cold_g:.1f} s (numba compile), warm {mg:.3f} s")
        print(f"esda   Moran_Local first call {cold_m:.1f} s (numba compile), warm {mm:.3f} s")
        rows.append(row(SECTION, "esda: libpysal Graph.build_contiguity (queen)", mg_build, times=tg_build))
        rows.append(row(SECTION, "esda: G_Local star B, warm, n_jobs=1", mg, times=tg))
        rows.append(row(SECTION, "esda: Moran_Local, warm, n_jobs=1", mm, times=tm))
        rows.append(row(SECTION, "esda: first calls (numba compile, every new process)", cold_g + cold_m))
        rows.append(row(SECTION, "ours / esda warm (Gi* + local Moran)", ms, ratio_to=esda_total, target=("<=", 0.5),
                        note=f"{ms:.3f} s vs {esda_total:.3f} s"))
        rows.append(row(SECTION, "ours / esda incl. weights (build + stats)", mw + ms, ratio_to=mg_build + esda_total,
                        note="info: weights building included on both sides"))

        # ---- identity checks
        a = g.sparse.tocsr()
        a.setdiag(0)
        a.eliminate_zeros()
        w_equal = ((a != 0) != (w.adjacency != 0)).nnz == 0
        gz = GetisOrdGiStar(y, w, permutations=0)
        dz = float(np.max(np.abs(gz.z - e_g.Zs)))
        dG = float(np.max(np.abs(gz.G - e_g.Gs)))
        dI = float(np.max(np.abs(lm.Is * (n - 1) / n - e_m.Is)))
        gi_vs = mc_agreement(gi_dir, e_g.p_sim, P)
        gi_base = mc_agreement(e_g.p_sim, e_g1.p_sim, P)
        lm_vs = mc_agreement(lm_dir, e_m.p_sim, P)
        lm_base = mc_agreement(e_m.p_sim, e_m1.p_sim, P)
        print(f"check  same neighbours as libpysal: {w_equal}")
        print(f"check  Gi* analytic z: max |ours - esda Zs| = {dz:.2e}; G: {dG:.2e}")
        print(f"check  local Moran I: max |ours x (n-1)/n - esda Is| = {dI:.2e}")
        print("check  pseudo p (directed, esda's convention; ours = min(p_sim/2, 0.5)):")
        print(f"         Gi*     ours vs esda        : {fmt_agree(gi_vs)}")
        print(f"         Gi*     esda vs esda(seed 1): {fmt_agree(gi_base)}")
        print(f"         Gi*     ours vs ours(seed 1): {fmt_agree(ours_self)}")
        print(f"         Moran   ours vs esda        : {fmt_agree(lm_vs)}")
        print(f"         Moran   esda vs esda(seed 1): {fmt_agree(lm_base)}")
        print("         (Gi* and local Moran p are equal within each library: with binary weights both are monotone in the"
              " same neighbour sum, and each library uses one set of draws for both)")
        ok_exact = w_equal and dz < 1e-10 and dI < 1e-10
        ok_mc = gi_vs["sd_units"] < 1.25 * gi_base["sd_units"] + 0.05 and lm_vs["sd_units"] < 1.25 * lm_base["sd_units"] + 0.05
        rows.append(row(SECTION, "identity vs esda: weights equal, max|dz| Gi*, max|dI| Moran", dz, unit="",
                        target=("<=", 1e-10), note=f"weights equal {w_equal}; dI {dI:.1e}; dG {dG:.1e}"))
        rows.append(row(SECTION, "p agreement vs esda: sd of diff/SE, ours-esda (esda-esda)",
                        gi_vs["sd_units"], unit="SE",
                        target=("<=", round(1.25 * gi_base["sd_units"] + 0.05, 3)),
                        note=f"Gi* {gi_vs['sd_units']:.2f} ({gi_base['sd_units']:.2f}); Moran {lm_vs['sd_units']:.2f} "
                             f"({lm_base['sd_units']:.2f}); same p<=.05 call {gi_vs['sig05_agree']:.1%}/"
                             f"{lm_vs['sig05_agree']:.1%} (esda-esda {gi_base['sig05_agree']:.1%}/"
                             f"{lm_base['sig05_agree']:.1%})"))
        print(f"identity: exact parts {'OK' if ok_exact else 'DIFFER'}; Monte Carlo parts "
              f"{'agree as two Monte Carlo runs do' if ok_mc else 'DIFFER more than two Monte Carlo runs'}")

    if not args.no_pygeoda:
        py = ensure_pygeoda_venv()
        if py is None:
            rows.append(row(SECTION, "pygeoda", float("nan"), note="pygeoda venv could not be created"))
        else:
            with tempfile.TemporaryDirectory(prefix="bench_pygeoda_") as tmp:
                d = Path(tmp)
                gdf[["area_code", "geometry"]].to_file(d / "areas.shp", engine="pyogrio")
                np.save(d / "y.npy", y)
                env = dict(os.environ)
                p = subprocess.run([str(py), str(HERE / "_pygeoda_worker.py"), str(d), str(P), str(args.pygeoda_repeats)],
                                   capture_output=True, text=True, env=env)
                if p.returncode != 0:
                    print("pygeoda worker failed:", p.stderr[-2000:])
                    rows.append(row(SECTION, "pygeoda", float("nan"), note="worker failed"))
                else:
                    r = json.loads(p.stdout.strip().splitlines()[-1])
                    th = r.get("default_threads")
                    for label, name in (("default", f"default cpu_threads={th}"), ("1thread", "cpu_threads=1")):
                        tot = r[f"gstar_{label}_s"] + r[f"moran_{label}_s"]
                        print(f"pygeoda {r['pygeoda_version']} {name}: local_gstar {r[f'gstar_{label}_s']:.3f} s, "
                              f"local_moran {r[f'moran_{label}_s']:.3f} s")
                        rows.append(row(SECTION, f"pygeoda: local_gstar + local_moran, {name}", tot,
                                        times=[a + b for a, b in zip(r[f"gstar_{label}_times"], r[f"moran_{label}_times"])]))
                        rows.append(row(SECTION, f"ours / pygeoda ({name})", ms, ratio_to=tot, target=("<=", 0.15),
                                        note=f"{ms:.3f} s vs {tot:.3f} s"))
                    rows.append(row(SECTION, "pygeoda: queen_weights (from a shapefile)", r["weights_s"],
                                    note=f"opening the shapefile {r['open_s']:.2f} s not included"))
                    card = np.load(d / "pg_card.npy")
                    nbrs = np.load(d / "pg_nbrs.npy")
                    ours_nb = np.concatenate([np.sort(w.adjacency.indices[w.adjacency.indptr[i]:w.adjacency.indptr[i + 1]])
                                              for i in range(n)])
                    same_pg_w = bool(np.array_equal(card, w.cardinalities) and np.array_equal(nbrs, ours_nb))
                    pg_g = np.load(d / "pg_gstar_values.npy")
                    pg_i = np.load(d / "pg_moran_values.npy")
                    # conventions: pygeoda's G* uses row-standardised weights (self included) = ours / (k + 1);
                    # its local Moran I uses the population variance like esda = ours x (n - 1) / n
                    dG = float(np.max(np.abs(pg_g * (w.cardinalities + 1) - gi.G)))
                    dI = float(np.max(np.abs(pg_i * n / (n - 1) - lm.Is)))
                    pg_gp = np.load(d / "pg_gstar_p.npy")
                    pg_mp = np.load(d / "pg_moran_p.npy")
                    a_g = mc_agreement(gi_dir, pg_gp, P)
                    a_m = mc_agreement(lm_dir, pg_mp, P)
                    print(f"check  same neighbours as pygeoda: {same_pg_w}; max |G* ours - pygeoda x (k+1)| = {dG:.2e}; "
                          f"max |I ours - pygeoda x n/(n-1)| = {dI:.2e}")
                    print(f"         Gi*   ours vs pygeoda: {fmt_agree(a_g)}")
                    print(f"         Moran ours vs pygeoda: {fmt_agree(a_m)}")
                    rows.append(row(SECTION, "identity vs pygeoda: max|dG*|, max|dI|", max(dG, dI), unit="",
                                    target=("<=", 1e-10),
                                    note=f"weights equal {same_pg_w}; p diff/SE sd Gi* {a_g['sd_units']:.2f}, "
                                         f"Moran {a_m['sd_units']:.2f}"))
    emit(rows)


if __name__ == "__main__":
    main()

"""Runs inside benchmarks/.venv-pygeoda (numpy + pygeoda only); called by bench_england_stats.

    python _pygeoda_worker.py <dir with areas.shp and y.npy> <permutations> <repeats>

Times pygeoda's queen weights, local_gstar and local_moran (its default cpu_threads and 1
thread), saves values and pseudo p-values to the directory, prints one JSON line.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pygeoda


def main():
    d = Path(sys.argv[1])
    P, R = int(sys.argv[2]), int(sys.argv[3])
    y = np.load(d / "y.npy").tolist()
    out = {"pygeoda_version": pygeoda.__version__}
    t = time.perf_counter()
    gda = pygeoda.open(str(d / "areas.shp"))
    out["open_s"] = time.perf_counter() - t
    t = time.perf_counter()
    w = pygeoda.queen_weights(gda)
    out["weights_s"] = time.perf_counter() - t
    nb = [sorted(w.get_neighbors(i)) for i in range(gda.num_obs)]
    np.save(d / "pg_card.npy", np.array([len(x) for x in nb]))
    np.save(d / "pg_nbrs.npy", np.concatenate([np.asarray(x, dtype=np.int64) for x in nb]))

    import inspect

    src = inspect.getsource(pygeoda.local_gstar)
    default_threads = int(src.split("cpu_threads =  ")[1].split(" if")[0]) if "cpu_threads =  " in src else None
    out["default_threads"] = default_threads

    def timed(fn, **kw):
        ts, res = [], None  # no warm-up call: compiled C++, nothing is compiled on the first call
        for r in range(R):
            t = time.perf_counter()
            res = fn(w, y, permutations=P, seed=123456789 + r, **kw)
            ts.append(time.perf_counter() - t)
        return statistics.median(ts), ts, res

    for label, kw in (("default", {}), ("1thread", {"cpu_threads": 1})):
        mg, tg, g = timed(pygeoda.local_gstar, **kw)
        mm, tm, m = timed(pygeoda.local_moran, **kw)
        out[f"gstar_{label}_s"], out[f"gstar_{label}_times"] = mg, tg
        out[f"moran_{label}_s"], out[f"moran_{label}_times"] = mm, tm
        if label == "1thread":
            np.save(d / "pg_gstar_values.npy", np.asarray(g.lisa_values()))
            np.save(d / "pg_gstar_p.npy", np.asarray(g.lisa_pvalues()))
            np.save(d / "pg_moran_values.npy", np.asarray(m.lisa_values()))
            np.save(d / "pg_moran_p.npy", np.asarray(m.lisa_pvalues()))
    print(json.dumps(out))


if __name__ == "__main__":
    main()

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.stats import false_discovery_control, norm

from analytics.moran import BivariateLocalMoran, GlobalMoran, LocalMoran
from analytics.weights import SpatialWeights


def lattice(nrows, ncols, rook=True):
    import libpysal

    return SpatialWeights.from_adjacency(libpysal.weights.lat2W(nrows, ncols, rook=rook).sparse)


def knn_weights(n, k, seed):
    """Asymmetric k-nearest-neighbour weights on random points, by brute force."""
    pts = np.random.default_rng(seed).uniform(0, 1000, size=(n, 2))
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    rows = np.repeat(np.arange(n), k)
    cols = np.argsort(d, axis=1)[:, :k].ravel()
    return SpatialWeights.from_adjacency(sparse.csr_matrix((np.ones(n * k), (rows, cols)), shape=(n, n)))


def with_island(w):
    A = sparse.block_diag([w.adjacency, sparse.csr_matrix((1, 1))]).tocsr()
    return SpatialWeights.from_adjacency(A, ids=list(range(w.n)) + ["island"])


def graph_of(w):
    from libpysal.graph import Graph

    return Graph.from_sparse(w.adjacency.copy())


def clustered(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.poisson(3, n).astype(float)
    y[: n // 8] += rng.poisson(6, n // 8)
    return y


def esda_quiet(cls, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(*args, **kwargs)


# ---------------------------------------------------------------- local Moran values


def test_local_moran_by_hand_on_3x3_rook_grid():
    # grid 1 1 2 / 1 6 4 / 2 5 9 (row-major ids); mean 31/9, population sd sqrt(560)/9
    y = np.array([1, 1, 2, 1, 6, 4, 2, 5, 9], dtype=float)
    lm = LocalMoran(y, lattice(3, 3), permutations=9, seed=0)
    m, s = 31 / 9, np.sqrt(560) / 9
    z = lambda v: (v - m) / s  # noqa: E731
    # area 8 (value 9), neighbours 5 and 7 (values 4 and 5): I = z(9) * (z(4) + z(5)) / 2
    assert lm.Is[8] == pytest.approx(z(9) * (z(4) + z(5)) / 2, abs=1e-12)
    # area 0 (value 1), neighbours 1 and 3 (values 1, 1): low among low
    assert lm.Is[0] == pytest.approx(z(1) * (z(1) + z(1)) / 2, abs=1e-12)
    # area 4 (value 6), neighbours 1, 3, 5, 7 (values 1, 1, 4, 5)
    assert lm.Is[4] == pytest.approx(z(6) * (z(1) + z(1) + z(4) + z(5)) / 4, abs=1e-12)
    # in units of 1/sqrt(560): z(9) = 50, z(4) = 5, z(5) = 14, z(1) = -22, z(6) = 23
    assert lm.Is[8] == pytest.approx(50 * (5 + 14) / 2 / 560, abs=1e-12)  # 0.8482
    assert lm.Is[0] == pytest.approx(-22 * (-22 - 22) / 2 / 560, abs=1e-12)  # 0.8643
    assert lm.Is[4] == pytest.approx(23 * (-22 - 22 + 5 + 14) / 4 / 560, abs=1e-12)  # -0.2567
    assert lm.quadrant[8] == "HH" and lm.quadrant[0] == "LL" and lm.quadrant[4] == "HL"


@pytest.mark.parametrize("make_w", [lambda: lattice(14, 13, rook=True), lambda: lattice(14, 13, rook=False),
                                    lambda: knn_weights(180, 5, seed=1)])
def test_local_moran_equals_esda_times_n_over_n_minus_1(make_w):
    import esda

    w = make_w()
    y = clustered(w.n, seed=2)
    e = esda_quiet(esda.Moran_Local, y, graph_of(w), permutations=0)
    lm = LocalMoran(y, w, permutations=9, seed=0)
    n = w.n
    np.testing.assert_allclose(lm.Is, e.Is * n / (n - 1), rtol=0, atol=1e-10)
    np.testing.assert_allclose(lm.zx, e.z, atol=1e-12)
    # quadrants agree except where the lag is exactly 0 (integer data: neighbours average exactly
    # the mean); esda then takes the sign of rounding noise, ours says 0, i.e. "L"
    e_lag = e.w.sparse @ e.z
    exact_zero = lm.lag == 0
    np.testing.assert_array_equal(lm.q[~exact_zero], e.q[~exact_zero])
    assert np.all(np.abs(e_lag[exact_zero]) < 1e-12)
    assert set(lm.quadrant[exact_zero & (lm.zx > 0)]) <= {"HL"} and set(lm.quadrant[exact_zero & (lm.zx < 0)]) <= {"LL"}


def test_local_moran_reordering_gives_same_values_per_area():
    w = lattice(10, 9, rook=False)
    ids = pd.Index([f"E{i:04d}" for i in range(w.n)])
    w = SpatialWeights.from_adjacency(w.adjacency, ids=ids)
    y = pd.Series(clustered(w.n, seed=3), index=ids)
    perm = np.random.default_rng(1).permutation(w.n)
    w2 = SpatialWeights.from_adjacency(w.adjacency[perm][:, perm], ids=ids[perm])
    a = LocalMoran(y, w, permutations=9, seed=0)
    b = LocalMoran(y.reindex(w2.ids), w2, permutations=9, seed=0)
    back = pd.Series(b.Is, index=w2.ids).reindex(ids).to_numpy()
    np.testing.assert_allclose(a.Is, back, atol=1e-12)
    np.testing.assert_array_equal(a.quadrant, pd.Series(b.quadrant, index=w2.ids).reindex(ids).to_numpy())


def test_bivariate_equals_esda_moran_local_bv():
    import esda

    for w in (lattice(12, 12, rook=False), knn_weights(150, 6, seed=4)):
        rng = np.random.default_rng(5)
        x = clustered(w.n, seed=6)
        risk = 0.4 * x + rng.normal(size=w.n)
        e = esda_quiet(esda.Moran_Local_BV, x, risk, graph_of(w), permutations=0)
        bv = BivariateLocalMoran(x, risk, w, permutations=9, seed=0)
        n = w.n
        np.testing.assert_allclose(bv.Is, e.Is * n / (n - 1), rtol=0, atol=1e-10)
        np.testing.assert_array_equal(bv.q[bv.lag != 0], e.q[bv.lag != 0])


# ---------------------------------------------------------------- global Moran


@pytest.mark.parametrize("make_w", [lambda: lattice(14, 13), lambda: knn_weights(180, 5, seed=7),
                                    lambda: with_island(lattice(9, 9, rook=False))])
def test_global_moran_equals_esda(make_w):
    import esda

    w = make_w()
    y = clustered(w.n, seed=8)
    e = esda_quiet(esda.Moran, y, graph_of(w), permutations=0)
    gm = GlobalMoran(y, w, permutations=0)
    assert gm.I == pytest.approx(e.I, abs=1e-12)
    assert gm.EI == pytest.approx(e.EI, abs=1e-15)
    assert gm.VI_norm == pytest.approx(e.VI_norm, rel=1e-10)
    assert gm.z_norm == pytest.approx(e.z_norm, abs=1e-10)
    assert gm.p_norm == pytest.approx(e.p_norm, rel=1e-8)
    assert gm.p_sim is None


def test_global_moran_permutation_p_agrees_with_esda():
    import esda

    w = lattice(12, 12)
    P = 999
    y = np.random.default_rng(9).normal(size=w.n)  # continuous, no ties: esda's "directed" p is half a two-sided p
    y += 0.15 * (w.adjacency @ y)  # mild autocorrelation so that p is neither 0 nor 1
    np.random.seed(10)  # esda.Moran permutes with numpy's global generator
    e = esda_quiet(esda.Moran, y, graph_of(w), permutations=P)
    gm = GlobalMoran(y, w, permutations=P, seed=11)
    assert gm.I == pytest.approx(e.I)
    p_esda = min(1.0, 2 * e.p_sim)
    sd = np.sqrt(2 * max(gm.p_sim * (1 - gm.p_sim), 1 / (P + 1)) / (P + 1))
    assert abs(gm.p_sim - p_esda) <= 2 * 5 * sd, (gm.p_sim, p_esda)  # two-sided: twice the one-sided error
    assert 0.001 < gm.p_sim < 0.9
    assert gm.sim.shape == (P,) and abs(gm.EI_sim - gm.EI) < 5 * gm.seI_sim / np.sqrt(P)
    strong = GlobalMoran(np.arange(w.n) // 12, w, permutations=P, seed=1)  # value = row number: a gradient
    assert strong.p_sim == pytest.approx(2 / (P + 1))


# ---------------------------------------------------------------- permutation p-values vs esda

ESDA_SCRIPT = r"""
import sys, warnings
sys.modules["numba"] = None  # esda then uses its own pure-Python fallback (same code, no JIT compile)
import numpy as np, esda
from libpysal.graph import Graph
from scipy import sparse
warnings.simplefilter("ignore")
d = np.load(sys.argv[1])
A = sparse.csr_matrix((d["data"], d["indices"], d["indptr"]), shape=(len(d["y"]),) * 2)
P = int(d["P"])
lm = esda.Moran_Local(d["y"], Graph.from_sparse(A), permutations=P, n_jobs=1, seed=321, keep_simulations=True)
bv = esda.Moran_Local_BV(d["y"], d["x2"], Graph.from_sparse(A), permutations=P, n_jobs=1, seed=654,
                         keep_simulations=True)
np.savez(sys.argv[2], Is=lm.Is, sim=lm.rlisas, bv_Is=bv.Is, bv_sim=bv.rlisas)
"""


def run_esda_without_jit(tmp_path, **arrays):
    """esda in a fresh interpreter where numba cannot be imported (see test_getis_ord for why)."""
    import subprocess
    import sys

    inp, out = tmp_path / "in.npz", tmp_path / "out.npz"
    np.savez(inp, **arrays)
    subprocess.run([sys.executable, "-c", ESDA_SCRIPT, str(inp), str(out)], check=True, timeout=120)
    return dict(np.load(out))


def _assert_agree_as_monte_carlo_runs(p1, p2, P, n_sd=5.0, two_sided=False):
    """Two independent Monte Carlo estimates of the same p: |difference| within n_sd standard errors.

    A two-sided p is twice a one-sided estimate q = p / 2: its variance is 4 q (1 - q) / P.
    """
    pbar = (p1 + p2) / 2
    var = 4 * (pbar / 2) * (1 - pbar / 2) if two_sided else pbar * (1 - pbar)
    sd = np.sqrt(2 * np.maximum(var, 1.0 / (P + 1)) / (P + 1))
    assert np.all(np.abs(p1 - p2) <= n_sd * sd + 1.0 / (P + 1)), np.max(np.abs(p1 - p2) / sd)


def _one_sided_from_sims(obs, sims, P):
    tol = 1e-12 * np.abs(obs).max()
    return ((1 + (sims >= obs[:, None] - tol).sum(axis=1)) / (P + 1),
            (1 + (sims <= obs[:, None] + tol).sum(axis=1)) / (P + 1))


def test_local_and_bivariate_pseudo_p_agree_with_esda_crand(tmp_path):
    w = lattice(15, 15, rook=False)
    y = clustered(w.n, seed=12)
    x2 = np.round(0.5 * y + np.random.default_rng(13).poisson(2, w.n))  # integer risk factor: ties
    P = 999
    A = w.adjacency
    e = run_esda_without_jit(tmp_path, y=y, x2=x2, data=A.data, indices=A.indices, indptr=A.indptr, P=P)
    n = w.n
    for name, ours_cls, args, obs, sims in (
        ("local", LocalMoran, (y, w), e["Is"], e["sim"]),
        ("bivariate", BivariateLocalMoran, (y, x2, w), e["bv_Is"], e["bv_sim"]),
    ):
        assert sims.shape == (n, P), name
        greater, less = _one_sided_from_sims(obs, sims, P)
        ours_g = ours_cls(*args, permutations=P, seed=3, alternative="greater")
        ours_l = ours_cls(*args, permutations=P, seed=3, alternative="less")
        np.testing.assert_allclose(ours_g.Is, obs * n / (n - 1), atol=1e-10)
        _assert_agree_as_monte_carlo_runs(ours_g.p_sim, greater, P)
        _assert_agree_as_monte_carlo_runs(ours_l.p_sim, less, P)
        two = ours_cls(*args, permutations=P, seed=3).p_sim
        ref_two = np.minimum(1, 2 * np.minimum(greater, less))
        _assert_agree_as_monte_carlo_runs(two, ref_two, P, two_sided=True)


# ---------------------------------------------------------------- classes


@pytest.mark.parametrize("fdr", [True, False])
def test_classes_are_quadrants_where_significant(fdr):
    w = lattice(14, 14, rook=False)
    y = clustered(w.n, seed=14)
    y[:5] += 12  # strong enough to survive BH with 999 permutations (smallest two-sided pseudo-p: 0.002)
    y[14:19] += 12
    lm = LocalMoran(y, w, permutations=999, seed=2, fdr=fdr, alpha=0.05)
    sig = (false_discovery_control(lm.p_sim) <= 0.05) if fdr else (lm.p_sim <= 0.05)
    expected = np.where(sig, lm.quadrant, "Not significant")
    np.testing.assert_array_equal(lm.classes, expected)
    assert (lm.classes == "HH").sum() >= 3
    assert lm.fdr is fdr and ("Benjamini-Hochberg" in lm.class_basis) is fdr
    assert lm.class_counts().sum() == w.n
    assert list(lm.to_frame().index) == list(w.ids)


# ---------------------------------------------------------------- islands and bad input


def test_islands_do_not_crash_and_are_not_significant():
    w = with_island(lattice(9, 9, rook=False))
    y = np.r_[clustered(81, seed=15), 50.0]
    lm = LocalMoran(y, w, permutations=99, seed=1)
    assert lm.islands == ["island"] and lm.n_islands == 1
    assert lm.Is[-1] == 0 and lm.lag[-1] == 0 and lm.p_sim[-1] == 1 and lm.classes[-1] == "Not significant"
    assert np.isfinite(lm.Is).all() and "island" in lm.class_basis
    bv = BivariateLocalMoran(y, np.sqrt(y), w, permutations=99, seed=1)
    assert bv.classes[-1] == "Not significant" and bv.n_islands == 1
    gm = GlobalMoran(y, w, permutations=99, seed=1)
    assert gm.n_islands == 1 and gm.s0 == 81 and np.isfinite(gm.I)


def test_constant_input_raises_clear_error():
    w = lattice(4, 4)
    with pytest.raises(ValueError, match="y is constant"):
        LocalMoran(np.full(16, 2.0), w)
    with pytest.raises(ValueError, match="y is constant"):
        GlobalMoran(np.zeros(16), w)
    with pytest.raises(ValueError, match="x is constant"):
        BivariateLocalMoran(np.ones(16), np.arange(16.0), w)
    with pytest.raises(ValueError, match="y is constant"):
        BivariateLocalMoran(np.arange(16.0), np.ones(16), w)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(permutations=0), "permutations must be a whole number >= 1"),
        (dict(alpha=0), "alpha"),
        (dict(alpha=1.5), "alpha"),
        (dict(fdr="yes"), "fdr"),
        (dict(alternative="both"), "alternative"),
        (dict(y=np.arange(10.0)), "16 areas"),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    args = dict(y=np.arange(16.0), weights=lattice(4, 4))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        LocalMoran(**args)


def test_all_islands_global_moran_raises():
    w = SpatialWeights.from_adjacency(sparse.csr_matrix((5, 5)))
    with pytest.raises(ValueError, match="island"):
        GlobalMoran(np.arange(5.0), w)


def test_area_exactly_at_the_mean_has_zero_i_and_p_one():
    w = lattice(4, 4)
    y = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 2], dtype=float)  # mean exactly 2
    lm = LocalMoran(y, w, permutations=99, seed=0)
    at_mean = y == 2
    assert np.all(lm.zx[at_mean] == 0) and np.all(lm.Is[at_mean] == 0)
    assert np.all(lm.p_sim[at_mean] == 1.0)  # every simulated I is 0 too: all ties
    assert set(lm.quadrant[at_mean]) <= {"LH", "LL"}  # esda's rule: not above the mean -> "L"

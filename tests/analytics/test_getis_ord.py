import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.stats import false_discovery_control, norm

from analytics._permutation import ConditionalDraws, sample_without_replacement
from analytics.getis_ord import GI_CLASSES, GetisOrdGiStar
from analytics.hotspot_stats import area_statistics
from analytics.weights import SpatialWeights


def lattice(nrows, ncols, rook=True):
    """Independent lattice weights from libpysal (row-major ids 0..n-1)."""
    import libpysal

    return SpatialWeights.from_adjacency(libpysal.weights.lat2W(nrows, ncols, rook=rook).sparse)


def graph_of(w):
    from libpysal.graph import Graph

    return Graph.from_sparse(w.adjacency.copy())


def clustered(n_rows, n_cols, seed):
    rng = np.random.default_rng(seed)
    y = rng.poisson(3, n_rows * n_cols).astype(float)
    grid = y.reshape(n_rows, n_cols)
    grid[:4, :4] += rng.poisson(6, (4, 4))  # a hot corner
    grid[-4:, -5:] = rng.poisson(0.3, (4, 5))  # a cold corner
    return grid.ravel()


# ---------------------------------------------------------------- analytic z


def test_gi_star_z_by_hand_on_3x3_rook_grid():
    # y on the grid (row-major ids 0..8):   1 1 2 / 1 6 4 / 2 5 9
    y = np.array([1, 1, 2, 1, 6, 4, 2, 5, 9], dtype=float)
    gi = GetisOrdGiStar(y, lattice(3, 3), permutations=0)
    n, ybar = 9, 31 / 9
    s = np.sqrt(169 / 9 - (31 / 9) ** 2)  # population sd: sum(y^2) = 169
    assert s == pytest.approx(np.sqrt(560) / 9)
    # area 0 (corner): itself + areas 1, 3 -> S = 1 + 1 + 1 = 3, K = 3
    z0 = (3 - 3 * ybar) / (s * np.sqrt(3 * (n - 3) / (n - 1)))
    # area 1 (edge): itself + 0, 2, 4 -> S = 1 + 1 + 2 + 6 = 10, K = 4
    z1 = (10 - 4 * ybar) / (s * np.sqrt(4 * (n - 4) / (n - 1)))
    # area 4 (centre): itself + 1, 3, 5, 7 -> S = 6 + 1 + 1 + 4 + 5 = 17, K = 5
    z4 = (17 - 5 * ybar) / (s * np.sqrt(5 * (n - 5) / (n - 1)))
    # area 8 (corner): itself + 5, 7 -> S = 9 + 4 + 5 = 18, K = 3
    z8 = (18 - 3 * ybar) / (s * np.sqrt(3 * (n - 3) / (n - 1)))
    np.testing.assert_allclose(gi.z[[0, 1, 4, 8]], [z0, z1, z4, z8], rtol=0, atol=1e-12)
    # plain number: (18 - 31/3) / (sqrt(560)/9 * sqrt(18/8)) = (23/3) / (2.62937 * 1.5) = 1.94385
    assert z8 == pytest.approx(1.94385, abs=1e-5)
    np.testing.assert_allclose(gi.p, 2 * norm.sf(np.abs(gi.z)))
    assert gi.p_sim is None


@pytest.mark.parametrize("rook", [True, False])
def test_z_equals_esda_g_local_star_binary(rook):
    import esda

    w = lattice(15, 14, rook=rook)
    y = clustered(15, 14, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = esda.G_Local(y, graph_of(w), star=True, transform="B", permutations=0)
    gi = GetisOrdGiStar(y, w, permutations=0)
    np.testing.assert_allclose(gi.z, e.Zs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(gi.G, e.Gs, rtol=1e-12)
    np.testing.assert_allclose(gi.EG, e.EGs, rtol=1e-12)
    np.testing.assert_allclose(gi.VG, e.VGs, rtol=1e-10)


def test_reordering_areas_gives_the_same_z_per_area():
    w = lattice(12, 10, rook=False)
    ids = pd.Index([f"E{i:05d}" for i in range(w.n)])
    w = SpatialWeights.from_adjacency(w.adjacency, ids=ids)
    y = pd.Series(clustered(12, 10, seed=2), index=ids)
    perm = np.random.default_rng(0).permutation(w.n)
    A = w.adjacency[perm][:, perm]
    w2 = SpatialWeights.from_adjacency(A, ids=ids[perm])
    a = GetisOrdGiStar(y, w, permutations=0)
    b = GetisOrdGiStar(y.reindex(w2.ids), w2, permutations=0)
    pd.testing.assert_series_equal(pd.Series(a.z, index=ids), pd.Series(b.z, index=w2.ids).reindex(ids), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=r"reindex\(weights.ids\)"):
        GetisOrdGiStar(y, w2)  # same ids, other order: refuse rather than silently misalign


# ---------------------------------------------------------------- classes


def _expected_classes(p, z, fdr):
    out = np.full(len(p), "Not significant", dtype=object)
    for level, label in ((0.10, "90%"), (0.05, "95%"), (0.01, "99%")):
        sig = (false_discovery_control(p) <= level) if fdr else (p <= level)
        out[sig & (z > 0)] = f"Hot spot {label}"
        out[sig & (z < 0)] = f"Cold spot {label}"
    return out


@pytest.mark.parametrize("fdr", [True, False])
def test_classes_follow_arcgis_rule_with_bh_per_level(fdr):
    import esda

    w = lattice(15, 14, rook=False)
    y = clustered(15, 14, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = esda.G_Local(y, graph_of(w), star=True, transform="B", permutations=0)
    p_two = 2 * norm.sf(np.abs(e.Zs))
    gi = GetisOrdGiStar(y, w, permutations=0, fdr=fdr)
    expected = _expected_classes(p_two, e.Zs, fdr)
    np.testing.assert_array_equal(gi.classes, expected)
    assert set(gi.classes) <= set(GI_CLASSES)
    assert (gi.classes != "Not significant").sum() > 5  # the planted corners are found
    assert gi.fdr is fdr
    assert ("Benjamini-Hochberg" in gi.class_basis) is fdr
    assert gi.class_counts().sum() == w.n
    frame = gi.to_frame()
    assert list(frame.index) == list(w.ids) and frame["gi_class"].cat.ordered


def test_permutation_classes_use_p_sim():
    w = lattice(15, 14, rook=False)
    y = clustered(15, 14, seed=3)
    gi = GetisOrdGiStar(y, w, permutations=199, seed=1, class_p="permutation", fdr=False)
    expected = _expected_classes(gi.p_sim, gi.z, fdr=False)
    np.testing.assert_array_equal(gi.classes, expected)
    assert "permutation" in gi.class_basis


# ---------------------------------------------------------------- permutation p-values


def _brute_force_tail_counts(y, w, P, seed):
    """Reference conditional randomisation, written independently: per area, P fresh draws."""
    rng = np.random.default_rng(seed)
    A = w.adjacency
    obs = A @ y
    ge, le = np.zeros(w.n), np.zeros(w.n)
    for i in range(w.n):
        k = A[i].nnz
        others = np.delete(np.arange(w.n), i)
        sims = np.array([y[rng.choice(others, size=k, replace=False)].sum() for _ in range(P)])
        ge[i], le[i] = (sims >= obs[i]).sum(), (sims <= obs[i]).sum()
    return ge, le


def _assert_agree_as_monte_carlo_runs(p1, p2, P, n_sd=5.0, two_sided=False):
    """Two independent Monte Carlo estimates of the same p: |difference| within n_sd standard errors.

    A two-sided p is twice a one-sided estimate q = p / 2: its variance is 4 q (1 - q) / P.
    """
    pbar = (p1 + p2) / 2
    var = 4 * (pbar / 2) * (1 - pbar / 2) if two_sided else pbar * (1 - pbar)
    sd = np.sqrt(2 * np.maximum(var, 1.0 / (P + 1)) / (P + 1))
    assert np.all(np.abs(p1 - p2) <= n_sd * sd + 1.0 / (P + 1)), np.max(np.abs(p1 - p2) / sd)


def test_pseudo_p_agrees_with_an_independent_brute_force_run():
    w = lattice(6, 7, rook=False)
    y = clustered(6, 7, seed=4)
    P = 499
    ge, le = _brute_force_tail_counts(y, w, P, seed=11)
    for alt, ref in (("greater", (1 + ge) / (P + 1)), ("less", (1 + le) / (P + 1))):
        gi = GetisOrdGiStar(y, w, permutations=P, seed=5, alternative=alt)
        _assert_agree_as_monte_carlo_runs(gi.p_sim, ref, P)
    two = GetisOrdGiStar(y, w, permutations=P, seed=5).p_sim
    ref_two = np.minimum(1, 2 * (1 + np.minimum(ge, le)) / (P + 1))
    _assert_agree_as_monte_carlo_runs(two, ref_two, P, two_sided=True)


ESDA_SCRIPT = r"""
import sys, warnings
sys.modules["numba"] = None  # esda then uses its own pure-Python fallback (same code, no JIT compile)
import numpy as np, esda
from libpysal.graph import Graph
from scipy import sparse
warnings.simplefilter("ignore")
d = np.load(sys.argv[1])
g = Graph.from_sparse(sparse.csr_matrix((d["data"], d["indices"], d["indptr"]), shape=(len(d["y"]),) * 2))
e = esda.G_Local(d["y"], g, star=True, transform="B", permutations=int(d["P"]), n_jobs=1, seed=12345,
                 keep_simulations=True)
np.savez(sys.argv[2], Gs=e.Gs, rGs=e.rGs, p_sim=e.p_sim)
"""


def run_esda_without_jit(script, tmp_path, **arrays):
    """Run ``script`` in a fresh interpreter in which numba cannot be imported.

    esda compiles its numba kernels in every new process (measured 16-38 s here), far over this
    suite's budget; with numba absent esda runs the very same crand code as plain Python (~0.1 s
    at this size).  Its random numbers differ from the JIT run's: it is another valid Monte Carlo run.
    """
    import subprocess
    import sys

    inp, out = tmp_path / "in.npz", tmp_path / "out.npz"
    np.savez(inp, **arrays)
    subprocess.run([sys.executable, "-c", script, str(inp), str(out)], check=True, timeout=120)
    return dict(np.load(out))


def test_pseudo_p_agrees_with_esda_crand(tmp_path):
    w = lattice(15, 15, rook=False)
    y = clustered(15, 15, seed=5)
    P = 999
    A = w.adjacency
    e = run_esda_without_jit(ESDA_SCRIPT, tmp_path, y=y, data=A.data, indices=A.indices, indptr=A.indptr, P=P)
    assert e["rGs"].shape == (w.n, P)
    tol = 1e-12 * np.abs(e["Gs"]).max()
    esda_greater = (1 + (e["rGs"] >= e["Gs"][:, None] - tol).sum(axis=1)) / (P + 1)
    esda_less = (1 + (e["rGs"] <= e["Gs"][:, None] + tol).sum(axis=1)) / (P + 1)
    ours_greater = GetisOrdGiStar(y, w, permutations=P, seed=7, alternative="greater").p_sim
    ours_less = GetisOrdGiStar(y, w, permutations=P, seed=7, alternative="less").p_sim
    _assert_agree_as_monte_carlo_runs(ours_greater, esda_greater, P)
    _assert_agree_as_monte_carlo_runs(ours_less, esda_less, P)
    # esda's default "directed" p = (1 + min(#sims >= obs, #sims < obs)) / (P + 1) puts ties on the upper
    # side only; ours counts them on both, so half our two-sided p is never smaller beyond Monte Carlo noise
    half = np.minimum(1, GetisOrdGiStar(y, w, permutations=P, seed=7).p_sim / 2)
    pbar = (half + e["p_sim"]) / 2
    sd = np.sqrt(2 * np.maximum(pbar * (1 - pbar), 1 / (P + 1)) / (P + 1))
    assert np.all(half - e["p_sim"] >= -5 * sd - 1 / (P + 1))


def test_null_distribution_of_the_rank_is_uniform():
    # exchangeable continuous y: an area's observed neighbour sum is one more draw from the
    # conditional distribution, so #{sims >= observed} is uniform on 0..P (exactness of the draws)
    w = lattice(5, 6)
    P, reps = 19, 1000
    rng = np.random.default_rng(2024)
    counts = np.zeros((2, P + 1))
    for r in range(reps):
        gi = GetisOrdGiStar(rng.normal(size=w.n), w, permutations=P, seed=r, alternative="greater")
        ge = np.rint(gi.p_sim[[0, 14]] * (P + 1) - 1).astype(int)
        counts[[0, 1], ge] += 1
    expected = reps / (P + 1)
    chi2 = ((counts - expected) ** 2 / expected).sum(axis=1)
    assert np.all(chi2 < 60), chi2  # 19 degrees of freedom: P(chi2 > 60) ~ 3e-6


def test_two_sided_rule_counts_ties_as_extreme():
    # every value equal except one far-away area: each simulated neighbour sum of an interior area
    # ties the observed one unless the odd area is drawn
    w = lattice(6, 6)
    y = np.ones(36)
    y[35] = 2.0
    gi = GetisOrdGiStar(y, w, permutations=99, seed=0)
    # area 14 (row 2, col 2) is not next to area 35: observed sum 4; sims are 4 (tie) or 5
    # -> le = P (all sims <= 4), ge = #ties; p = min(1, 2 * (1 + min(ge, le)) / 100) which is ~1
    assert gi.p_sim[14] == 1.0


# ---------------------------------------------------------------- kernel (white box)


def test_kernel_counts_equal_explicit_sums_and_never_draw_self():
    rng = np.random.default_rng(1)
    n, P = 40, 150
    k = rng.integers(0, 9, n)
    draws = ConditionalDraws(k, P, np.random.default_rng(5), n_blocks=7)
    values = rng.integers(0, 5, n).astype(float)
    observed = rng.integers(0, 20, n).astype(float)
    ge, le = draws.tail_counts(values, observed)
    for i in range(n):
        idx = draws.idx[draws.block[i], :, : k[i]].astype(int)
        areas = np.where(idx == i, n - 1, idx)  # index i stands for area n - 1
        assert not (areas == i).any()
        assert all(len(set(row)) == k[i] for row in areas)
        sims = values[areas].sum(axis=1)
        assert ge[i] == (sims >= observed[i]).sum() and le[i] == (sims <= observed[i]).sum()
    for i in range(n):  # an indicator of area i is never part of area i's simulated sums
        v = np.zeros(n)
        v[i] = 1
        g, _ = draws.tail_counts(v, np.full(n, 0.5))
        assert g[i] == 0


@pytest.mark.parametrize("population, k", [(10, 9), (1000, 5), (50, 40), (7, 1)])
def test_sampler_rows_are_distinct_and_uniform(population, k):
    s = sample_without_replacement(np.random.default_rng(0), 20_000, population, k)
    assert s.shape == (20_000, k) and s.min() >= 0 and s.max() < population
    srt = np.sort(s, axis=1)
    assert not (srt[:, 1:] == srt[:, :-1]).any()
    for col in (0, k - 1):  # every position is uniform over the population
        c = np.bincount(s[:, col], minlength=population)
        e = 20_000 / population
        assert ((c - e) ** 2 / e).sum() < population + 8 * np.sqrt(2 * population)


# ---------------------------------------------------------------- islands and bad input


def with_island(w):
    A = sparse.block_diag([w.adjacency, sparse.csr_matrix((1, 1))]).tocsr()
    return SpatialWeights.from_adjacency(A, ids=list(range(w.n)) + ["island"])


def test_island_is_reported_and_never_a_hot_spot():
    w = with_island(lattice(8, 8))
    y = np.r_[clustered(8, 8, seed=6), 40.0]  # a huge value on the island
    gi = GetisOrdGiStar(y, w, permutations=99, seed=1)
    assert gi.islands == ["island"] and gi.n_islands == 1
    assert np.isfinite(gi.z).all() and gi.z[-1] > 3  # z is still computed (as esda does)...
    assert gi.classes[-1] == "Not significant"  # ...but an island is not tested
    assert gi.p_sim[-1] == 1.0
    assert "island" in gi.class_basis


def test_constant_y_raises_clear_error():
    with pytest.raises(ValueError, match="constant"):
        GetisOrdGiStar(np.full(16, 3.0), lattice(4, 4))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(y=np.r_[np.ones(15), np.nan]), "missing"),
        (dict(y=np.arange(15.0)), "16 areas"),
        (dict(permutations=-1), "permutations"),
        (dict(permutations=9.5), "permutations"),
        (dict(alternative="two_sided"), "alternative"),
        (dict(class_p="both"), "class_p"),
        (dict(permutations=0, class_p="permutation"), "permutations >= 1"),
        (dict(seed="abc"), "seed"),
        (dict(weights="queen"), "SpatialWeights"),
        (dict(y=["a"] * 16), "numeric"),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    args = dict(y=np.arange(16.0), weights=lattice(4, 4))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        GetisOrdGiStar(**args)


def test_area_statistics_shares_draws_and_matches_separate_runs():
    from analytics.moran import LocalMoran

    w = lattice(10, 9, rook=False)
    y = clustered(10, 9, seed=8)
    gi, lm = area_statistics(y, w, permutations=199, seed=3)
    gi2 = GetisOrdGiStar(y, w, permutations=199, seed=3)
    lm2 = LocalMoran(y, w, permutations=199, seed=3)
    np.testing.assert_array_equal(gi.p_sim, gi2.p_sim)
    np.testing.assert_array_equal(gi.classes, gi2.classes)
    np.testing.assert_array_equal(lm.p_sim, lm2.p_sim)
    np.testing.assert_array_equal(lm.classes, lm2.classes)

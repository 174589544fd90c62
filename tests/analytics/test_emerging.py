import warnings

import numpy as np
import pandas as pd
import pymannkendall as pmk
import pytest
from scipy import sparse
from scipy.stats import false_discovery_control, norm

from analytics.emerging import (
    COLD_PATTERNS,
    HOT_PATTERNS,
    NO_PATTERN,
    PATTERN_DEFINITIONS,
    PATTERN_RULES,
    PATTERNS,
    EmergingHotSpots,
    classify_patterns,
)
from analytics.space_time import SpaceTimeCube, build_cube
from analytics.weights import SpatialWeights


def lattice(nrows, ncols, rook=True, ids=None):
    import libpysal

    return SpatialWeights.from_adjacency(libpysal.weights.lat2W(nrows, ncols, rook=rook).sparse, ids=ids)


def reference_gi(y, w, time_window):
    """Space-time Gi* z by a plain double loop over bins (the definition, written independently)."""
    n_loc, T = y.shape
    n = y.size
    ybar, s = y.mean(), y.std()  # population sd, all bins
    A = w.adjacency.toarray()
    z = np.empty((n_loc, T))
    K_all = np.empty((n_loc, T))
    for i in range(n_loc):
        space = [i] + list(np.flatnonzero(A[i]))
        for t in range(T):
            bins = [(j, u) for j in space for u in range(max(0, t - time_window), t + 1)]
            S = sum(y[j, u] for j, u in bins)
            K = len(bins)
            z[i, t] = (S - K * ybar) / (s * np.sqrt(K * (n - K) / (n - 1)))
            K_all[i, t] = K
    return z, K_all


def counts_4x4(seed=0, T=6):
    rng = np.random.default_rng(seed)
    y = rng.poisson(3, (16, T)).astype(float)
    y[[0, 1, 4, 5]] += rng.poisson(4, (4, T))  # a warm corner
    return y


# ---------------------------------------------------------------- space-time Gi*


@pytest.mark.parametrize("rook", [True, False])
@pytest.mark.parametrize("time_window", [0, 1, 2])
def test_gi_star_equals_a_double_loop_on_a_4x4_grid(rook, time_window):
    w = lattice(4, 4, rook=rook)
    y = counts_4x4(seed=int(rook) + 10 * time_window)
    e = EmergingHotSpots(y, w, time_window=time_window)
    z, K = reference_gi(y, w, time_window)
    np.testing.assert_allclose(e.z, z, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(e.K, K)
    np.testing.assert_allclose(e.p, 2 * norm.sf(np.abs(z)), rtol=1e-10, atol=1e-15)
    # fewer space-time neighbours in the first steps
    assert (e.K[:, 0] == w.cardinalities + 1).all()


def test_gi_star_equals_esda_on_an_explicit_space_time_graph():
    import esda
    from libpysal.graph import Graph

    w = lattice(5, 4, rook=False)
    T, tw = 7, 2
    rng = np.random.default_rng(4)
    y = rng.poisson(4, (w.n, T)).astype(float)
    y[:3, 4:] += 6
    # bins flattened as i * T + t; neighbours: spatial neighbours (and self) in steps t - tw .. t, minus the bin itself
    rows, cols = [], []
    A1 = w.adjacency.toarray() + np.eye(w.n)
    for i in range(w.n):
        for t in range(T):
            for j in np.flatnonzero(A1[i]):
                for u in range(max(0, t - tw), t + 1):
                    if (j, u) != (i, t):
                        rows.append(i * T + t)
                        cols.append(j * T + u)
    G = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(w.n * T,) * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(y.ravel(), Graph.from_sparse(G), star=True, transform="B", permutations=0)
    e = EmergingHotSpots(y, w, time_window=tw)
    np.testing.assert_allclose(e.z.ravel(), ref.Zs, rtol=0, atol=1e-10)


def test_fdr_on_and_off():
    w = lattice(8, 8, rook=False)
    rng = np.random.default_rng(5)
    y = rng.poisson(5, (64, 10)).astype(float)
    y[[0, 1, 8, 9]] += rng.poisson(5, (4, 10))
    y[[54, 55, 62, 63], 5:] += 8
    on = EmergingHotSpots(y, w, fdr=True)
    off = EmergingHotSpots(y, w, fdr=False)
    np.testing.assert_array_equal(on.z, off.z)
    sig_on = on.hot | on.cold
    sig_off = off.hot | off.cold
    np.testing.assert_array_equal(sig_on, false_discovery_control(on.p.ravel()).reshape(on.p.shape) <= 0.05)
    np.testing.assert_array_equal(sig_off, on.p <= 0.05)
    assert (sig_on <= sig_off).all() and sig_off.sum() > sig_on.sum() > 0  # FDR is stricter, never looser
    assert "Benjamini-Hochberg" in on.metadata()["fdr"] and "no multiple-testing" in off.metadata()["fdr"]
    assert EmergingHotSpots(y, w, alpha=0.01).hot.sum() < on.hot.sum()


def test_permutation_pseudo_p_agrees_with_a_brute_force_run():
    w = lattice(4, 4, rook=True)
    y = counts_4x4(seed=3)
    T, tw, P = y.shape[1], 1, 399
    e = EmergingHotSpots(y, w, time_window=tw, permutations=P, seed=1)
    assert e.p_sim.shape == y.shape and e.p_sim.min() >= 2 / (P + 1) - 1e-12
    flat = y.ravel()
    obs = (e.K * 0).ravel()
    rng = np.random.default_rng(99)
    ge = np.zeros(flat.size)
    le = np.zeros(flat.size)
    A1 = w.adjacency.toarray() + np.eye(w.n)
    for i in range(w.n):
        for t in range(T):
            b = i * T + t
            nbr = [j * T + u for j in np.flatnonzero(A1[i]) for u in range(max(0, t - tw), t + 1) if (j, u) != (i, t)]
            obs[b] = flat[nbr].sum()
            others = np.delete(np.arange(flat.size), b)
            sims = np.array([flat[rng.choice(others, len(nbr), replace=False)].sum() for _ in range(P)])
            ge[b], le[b] = (sims >= obs[b]).sum(), (sims <= obs[b]).sum()
    ref = np.minimum(1, 2 * (1 + np.minimum(ge, le)) / (P + 1))
    ours = e.p_sim.ravel()
    q = (ours + ref) / 4  # one-sided estimates
    sd = np.sqrt(2 * 4 * np.maximum(q * (1 - q), 1 / (P + 1)) / (P + 1))
    assert np.all(np.abs(ours - ref) <= 5 * sd + 2 / (P + 1))
    # hot / cold now follow the pseudo p-values
    expected = false_discovery_control(ours).reshape(y.shape) <= 0.05
    np.testing.assert_array_equal(e.hot | e.cold, expected)
    assert "permutation" in e.metadata()["significance"]
    np.testing.assert_array_equal(e.final_p, e.p_sim[:, -1])


def test_same_seed_same_pseudo_p():
    w = lattice(4, 4)
    y = counts_4x4(seed=8)
    a = EmergingHotSpots(y, w, permutations=99, seed=3)
    b = EmergingHotSpots(y, w, permutations=99, seed=3)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)


# ---------------------------------------------------------------- the classifier (pure function)


def _series(n, hot=(), cold=()):
    h = np.zeros(n, dtype=bool)
    c = np.zeros(n, dtype=bool)
    h[list(hot)] = True
    c[list(cold)] = True
    return h, c


UP, DOWN, FLAT = (0.001, 3.0), (0.001, -3.0), (0.5, 1.0)
N = 10  # 90 % of 10 steps = 9

CASES = [
    # name, steps n, hot steps, cold steps, (trend p, trend z)
    ("New Hot Spot", N, [9], [], FLAT),
    ("Consecutive Hot Spot", N, [6, 7, 8, 9], [], FLAT),
    ("Intensifying Hot Spot", N, range(1, 10), [], UP),
    ("Persistent Hot Spot", N, range(10), [], FLAT),
    ("Diminishing Hot Spot", N, range(10), [], DOWN),
    ("Sporadic Hot Spot", N, [2, 5, 9], [], FLAT),
    ("Oscillating Hot Spot", N, [8, 9], [1, 2], FLAT),
    ("Historical Hot Spot", N, range(9), [], FLAT),
    ("New Cold Spot", N, [], [9], FLAT),
    ("Consecutive Cold Spot", N, [], [7, 8, 9], FLAT),
    ("Intensifying Cold Spot", N, [], range(10), DOWN),
    ("Persistent Cold Spot", N, [], range(1, 10), FLAT),
    ("Diminishing Cold Spot", N, [], range(10), UP),
    ("Sporadic Cold Spot", N, [], [0, 1, 4, 9], FLAT),
    ("Oscillating Cold Spot", N, [3], [9], FLAT),
    ("Historical Cold Spot", N, [], range(9), FLAT),
    ("No Pattern Detected", N, [3, 4], [], FLAT),
]


@pytest.mark.parametrize("name, n, hot, cold, trend", CASES, ids=[c[0] for c in CASES])
def test_each_pattern_from_a_constructed_series(name, n, hot, cold, trend):
    h, c = _series(n, hot, cold)
    assert classify_patterns(h, c, trend[0], trend[1]) == name


def test_all_seventeen_patterns_at_once_vectorised():
    H = np.array([_series(c[1], c[2], c[3])[0] for c in CASES])
    C = np.array([_series(c[1], c[2], c[3])[1] for c in CASES])
    tp = np.array([c[4][0] for c in CASES])
    tz = np.array([c[4][1] for c in CASES])
    out = classify_patterns(H, C, tp, tz)
    assert list(out) == [c[0] for c in CASES]
    assert set(out) == set(PATTERNS) and len(PATTERNS) == 17


@pytest.mark.parametrize(
    "n, hot, cold, trend, expected",
    [
        # |H| >= 90 % comes first: a rare cold step does not make it Oscillating
        (20, [0] + list(range(2, 20)), [1], FLAT, "Persistent Hot Spot"),
        (20, [0] + list(range(2, 20)), [1], UP, "Intensifying Hot Spot"),
        (20, [1], [0] + list(range(2, 20)), UP, "Diminishing Cold Spot"),
        # a trend without 90 % does not matter
        (10, [6, 7, 8, 9], [], UP, "Consecutive Hot Spot"),
        # a cold spot earlier, then hot only in the final step: Oscillating before New
        (10, [9], [0], FLAT, "Oscillating Hot Spot"),
        (10, [7, 8, 9], [2], FLAT, "Oscillating Hot Spot"),
        (10, [0], [9], FLAT, "Oscillating Cold Spot"),
        # just under 90 %: 8 of 10 hot including the last -> not Persistent; one run -> Consecutive
        (10, range(2, 10), [], FLAT, "Consecutive Hot Spot"),
        (10, [0] + list(range(3, 10)), [], FLAT, "Sporadic Hot Spot"),
        # fewer than 10 steps: 90 % means every step, so Historical cannot happen
        (6, range(5), [], FLAT, "No Pattern Detected"),
        (6, range(6), [], FLAT, "Persistent Hot Spot"),
        (6, range(1, 6), [], UP, "Consecutive Hot Spot"),
        # 9 of 10 hot but the final step cold: neither Historical nor a hot pattern
        (10, range(9), [9], FLAT, "Oscillating Cold Spot"),
        # trend p exactly at alpha is not significant; NaN means no trend
        (10, range(10), [], (0.05, 2.0), "Persistent Hot Spot"),
        (10, range(10), [], (np.nan, 2.0), "Persistent Hot Spot"),
        (10, [], [], FLAT, "No Pattern Detected"),
    ],
)
def test_precedence_edge_cases(n, hot, cold, trend, expected):
    h, c = _series(n, hot, cold)
    assert classify_patterns(h, c, trend[0], trend[1]) == expected


def test_classifier_bad_input():
    h, c = _series(6, [1], [1])
    with pytest.raises(ValueError, match="both hot and cold"):
        classify_patterns(h, c, 0.5, 0.0)
    with pytest.raises(ValueError, match="True/False"):
        classify_patterns(np.zeros(6), np.zeros(6), 0.5, 0.0)
    with pytest.raises(ValueError, match="one value per location"):
        classify_patterns(np.zeros((3, 6), bool), np.zeros((3, 6), bool), [0.5], [0.0])


def test_pattern_constants():
    assert PATTERNS[:8] == HOT_PATTERNS and PATTERNS[8:16] == COLD_PATTERNS and PATTERNS[-1] == NO_PATTERN
    assert HOT_PATTERNS == ("New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot", "Persistent Hot Spot",
                            "Diminishing Hot Spot", "Sporadic Hot Spot", "Oscillating Hot Spot", "Historical Hot Spot")
    assert set(PATTERN_DEFINITIONS) == set(PATTERNS)
    assert all(isinstance(v, str) and "\n" not in v for v in PATTERN_DEFINITIONS.values())
    for word in ("90 %", "Oscillating", "time window", "Mann-Kendall", "Benjamini-Hochberg", "fewer than 10"):
        assert word in PATTERN_RULES


# ---------------------------------------------------------------- end to end from counts


def planted_cube(seed=7):
    """15 x 15 queen lattice, 12 steps, Poisson(10) background and nine planted 3 x 3 blocks."""
    n_side, T = 15, 12
    rng = np.random.default_rng(seed)
    y = rng.poisson(10, (n_side * n_side, T)).astype(float)
    t = np.arange(T)

    def block(r, c):
        return [(r + i) * n_side + c + j for i in range(-1, 2) for j in range(-1, 2)]

    def add(rc, steps, v):
        y[np.ix_(block(*rc), steps)] += v

    add((1, 1), t, 30)
    add((1, 6), t, 20 + 6 * t)
    add((1, 11), t, 30 + 3 * (T - 1 - t))
    add((6, 1), [T - 1], 60)
    add((6, 6), t[-4:], 40)
    add((6, 11), t[:-1], 40)
    add((11, 1), [2, 5, 11], 40)
    y[np.ix_(block(11, 6), [0, 1, 2])] = 0
    add((11, 6), [T - 1], 40)
    y[block(11, 11)] = 0
    expected = {
        (1, 1): "Persistent Hot Spot",
        (1, 6): "Intensifying Hot Spot",
        (1, 11): "Diminishing Hot Spot",
        (6, 1): "New Hot Spot",
        (6, 6): "Consecutive Hot Spot",
        (6, 11): "Historical Hot Spot",
        (11, 1): "Sporadic Hot Spot",
        (11, 6): "Oscillating Hot Spot",
        (11, 11): "Persistent Cold Spot",
    }
    return y, lattice(n_side, n_side, rook=False), {r * n_side + c: v for (r, c), v in expected.items()}


def test_end_to_end_patterns_from_planted_counts():
    y, w, expected = planted_cube()
    e = EmergingHotSpots(y, w, time_window=0)
    got = {i: e.pattern[i] for i in expected}
    assert got == expected
    # the trend each rule used is the Mann-Kendall test of the z series
    for i in expected:
        ref = pmk.original_test(e.z[i])
        assert e.trend_p[i] == pytest.approx(ref.p, abs=1e-12) and e.trend_z[i] == pytest.approx(ref.z)
    assert (e.hot_steps == e.hot.sum(axis=1)).all() and (e.cold_steps == e.cold.sum(axis=1)).all()
    counts = e.pattern_counts()
    assert list(counts.index) == list(PATTERNS) and counts.sum() == w.n
    assert (counts == 0).any()  # zeros included


def test_results_do_not_depend_on_the_row_order_of_the_cube():
    y, w, expected = planted_cube(seed=11)
    ids = pd.Index([f"E{i:04d}" for i in range(w.n)])
    w = SpatialWeights.from_adjacency(w.adjacency, ids=ids)
    perm = np.random.default_rng(0).permutation(w.n)
    steps = [f"2024-{m:02d}" for m in range(1, 13)]
    a = EmergingHotSpots(SpaceTimeCube(y, ids, steps), w)
    b = EmergingHotSpots(pd.DataFrame(y[perm], index=ids[perm], columns=steps), w)
    np.testing.assert_allclose(a.z, b.z, atol=1e-12)
    np.testing.assert_array_equal(a.pattern, b.pattern)
    assert list(b.ids) == list(ids)


def test_outputs_and_metadata():
    y, w, _ = planted_cube()
    ids = pd.Index([f"E{i:04d}" for i in range(w.n)])
    w = SpatialWeights.from_adjacency(w.adjacency, ids=ids)
    steps = [f"2024-{m:02d}" for m in range(1, 13)]
    days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    e = EmergingHotSpots(SpaceTimeCube(y, ids, steps, days=days), w)
    f = e.to_frame()
    assert list(f.columns) == ["area_code", "pattern", "trend_z", "trend_p", "hot_steps", "cold_steps", "final_z",
                               "final_p", "count"]
    assert len(f) == w.n and f["pattern"].cat.ordered and list(f["pattern"].cat.categories) == list(PATTERNS)
    np.testing.assert_array_equal(f["count"], y.sum(axis=1))
    np.testing.assert_array_equal(f["final_z"], e.z[:, -1])
    s = e.steps_frame()
    assert list(s.columns) == ["area_code", "step", "count", "z", "p", "hot", "cold"]
    assert len(s) == w.n * 12 and s["step"].cat.categories.tolist() == steps
    row = s[(s.area_code == "E0016") & (s.step == "2024-05")].iloc[0]
    assert row["z"] == e.z[16, 4] and row["count"] == y[16, 4]
    md = e.metadata()
    assert {"rules", "parameters", "significance", "fdr", "trend", "area_trend", "notes"} <= set(md)
    assert all(isinstance(v, str) for v in md.values())
    assert md["rules"] == PATTERN_RULES
    # whole-area trend on incidents per day because the months differ in length
    assert e.area_series_basis == "incidents per day"
    ref = pmk.original_test(y.sum(axis=0) / np.array(days))
    assert e.area_trend.p == pytest.approx(ref.p) and e.area_trend.trend == ref.trend
    assert any("differ in length" in n for n in e.notes)
    assert e.parameters["time_window"] == 1 and e.parameters["n_bins"] == w.n * 12


def test_built_cube_end_to_end_and_few_steps_notes():
    w = lattice(4, 4, ids=[f"A{i}" for i in range(16)])
    rng = np.random.default_rng(2)
    months = [str(p) for p in pd.period_range("2024-01", periods=5, freq="M")]
    locs = rng.choice(list(w.ids), 800)
    mons = rng.choice(months, 800)
    cube = build_cube(locs, mons, list(w.ids)[::-1])  # any order of locations
    e = EmergingHotSpots(cube, w)
    assert list(e.ids) == list(w.ids)
    np.testing.assert_array_equal(e.count, pd.Series(locs).value_counts().reindex(w.ids).to_numpy())
    text = " ".join(e.notes)
    assert "little power" in text and "Historical patterns cannot occur" in text
    assert e.days is not None and len(e.steps) == 5
    e4 = EmergingHotSpots(cube.counts[:, :4], w, ids=cube.ids, steps=cube.steps[:4])
    assert "cannot reach p < 0.05" in " ".join(e4.notes)
    assert not (np.isin(e4.pattern, ["Intensifying Hot Spot", "Diminishing Hot Spot",
                                     "Intensifying Cold Spot", "Diminishing Cold Spot"])).any()


def test_island_is_not_tested():
    w4 = lattice(4, 4)
    A = sparse.block_diag([w4.adjacency, sparse.csr_matrix((1, 1))]).tocsr()
    w = SpatialWeights.from_adjacency(A, ids=list(range(16)) + ["island"])
    y = np.vstack([counts_4x4(seed=1, T=8), np.full((1, 8), 60.0)])
    e = EmergingHotSpots(y, w)
    assert e.islands == ["island"]
    assert not e.hot[-1].any() and e.pattern[-1] == NO_PATTERN
    assert any("without adjacent areas" in n for n in e.notes)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(cube=np.ones((16, 3))), r"needs at least 4 time steps .*got 3; choose a shorter step or a longer period"),
        (dict(cube=np.ones((16, 6))), "same count"),
        (dict(cube=np.ones((15, 6))), "15 ids for 16 rows|16 ids for 15 rows"),
        (dict(time_window=6), "time_window"),
        (dict(time_window=-1), "time_window"),
        (dict(time_window=1.5), "time_window"),
        (dict(alpha=0), "alpha"),
        (dict(fdr="yes"), "fdr"),
        (dict(permutations=-5), "permutations"),
        (dict(seed="x", permutations=9), "seed"),
        (dict(weights="queen"), "SpatialWeights"),
        (dict(ids=list("abcdefghijklmnop")), "differ"),
        (dict(steps=["a", "b"]), "one label per step"),
    ],
)
def test_bad_input_one_line(kwargs, match):
    args = dict(cube=counts_4x4(), weights=lattice(4, 4))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match) as info:
        EmergingHotSpots(**args)
    assert "\n" not in str(info.value)


def test_cube_with_ids_is_refused_and_negative_counts():
    w = lattice(4, 4)
    cube = SpaceTimeCube(counts_4x4(), w.ids, list("abcdef"))
    with pytest.raises(ValueError, match="carries its own ids"):
        EmergingHotSpots(cube, w, ids=w.ids)
    y = counts_4x4()
    y[0, 0] = -1
    with pytest.raises(ValueError, match="non-negative"):
        EmergingHotSpots(y, w)


# ---------------------------------------------------------------- trend steps


def steady_hot_blocks(seed):
    """60 x 60 queen lattice, 12 steps, 30 planted 3 x 3 blocks with a constant excess (no trend at all)."""
    w = lattice(60, 60, rook=False)
    rng = np.random.default_rng(seed)
    lam = np.full((3600, 12), 2.0)
    for _ in range(30):
        r0, c0 = rng.integers(2, 57, 2)
        lam[[(r0 + i) * 60 + c0 + j for i in range(-1, 2) for j in range(-1, 2)]] += 4
    return rng.poisson(lam).astype(float), w


def test_trend_uses_the_steps_with_a_complete_neighbourhood():
    y, w = steady_hot_blocks(seed=0)
    for tw in (0, 1, 2):
        e = EmergingHotSpots(y, w, time_window=tw)
        assert e.trend_first_step == tw and e.parameters["trend_first_step"] == e.steps[tw]
        for i in (0, 1000, 2500):
            ref = pmk.original_test(e.z[i, tw:])
            assert e.trend_p[i] == pytest.approx(ref.p, abs=1e-12) and e.trend_s[i] == ref.s
        a = EmergingHotSpots(y, w, time_window=tw, trend_steps="all")
        assert a.trend_first_step == 0
        np.testing.assert_array_equal(a.z, e.z)
        np.testing.assert_array_equal(a.hot, e.hot)
    assert "complete" in EmergingHotSpots(y, w, time_window=1).metadata()["trend"]


def test_all_steps_trend_reads_steady_hot_spots_as_intensifying():
    # the first steps have fewer neighbours, so z is smaller there: over all steps a steady excess looks like a rise
    up = {"complete": 0, "all": 0}
    down = {"complete": 0, "all": 0}
    for seed in (0, 1):
        y, w = steady_hot_blocks(seed)
        for mode in up:
            c = EmergingHotSpots(y, w, time_window=2, trend_steps=mode).pattern_counts()
            up[mode] += c["Intensifying Hot Spot"]
            down[mode] += c["Diminishing Hot Spot"]
    assert up["all"] > 5 * max(down["all"], 1)  # strongly one-sided
    assert up["complete"] < 2 * down["complete"] + 10  # balanced


def test_trend_steps_bad_input():
    with pytest.raises(ValueError, match="trend_steps"):
        EmergingHotSpots(counts_4x4(), lattice(4, 4), trend_steps="some")
    with pytest.raises(ValueError, match="at least 3 steps with a complete neighbourhood"):
        EmergingHotSpots(counts_4x4(T=5), lattice(4, 4), time_window=3)

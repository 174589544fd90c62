import math
import warnings

import numpy as np
import pytest
import shapely
from scipy import integrate

import analytics.density as density_mod
from analytics.density import kernel_density, nrd_bandwidth, quartic_kernel
from analytics.grid import make_grid

X0, Y0 = 400_000.0, 280_000.0


def test_kernel_integrates_to_one():
    h = 250.0
    total, err = integrate.quad(lambda r: quartic_kernel(r, h) * 2 * math.pi * r, 0, h)
    assert total == pytest.approx(1.0, abs=1e-10)
    assert quartic_kernel(h, h) == 0 and quartic_kernel(2 * h, h) == 0


def test_density_surface_of_one_point_integrates_to_one_incident():
    # 5 m cells, point in the middle, h = 100 m: sum of density x cell area = 1 incident
    g = make_grid(shapely.box(X0, Y0, X0 + 400, Y0 + 400), cell_size_m=5)
    kde = kernel_density(g, [[X0 + 200, Y0 + 200]], bandwidth_m=100)
    cell_km2 = g.cells["area_m2"].to_numpy() / 1e6
    assert np.sum(kde.density_per_km2 * cell_km2) == pytest.approx(1.0, abs=2e-3)


def test_single_point_gives_analytic_values():
    h = 200.0
    g = make_grid(shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), cell_size_m=50)
    px, py = X0 + 525, Y0 + 525  # a cell centre
    kde = kernel_density(g, [[px, py]], bandwidth_m=h)
    c = kde.cells
    d = np.hypot(c["x"] - px, c["y"] - py)
    per_km2 = 1e6 * 3 / (math.pi * h * h)  # kernel peak, incidents per km2
    at = lambda dist: c.loc[np.isclose(d, dist), "kde_per_km2"].to_numpy()
    np.testing.assert_allclose(at(0), per_km2)
    np.testing.assert_allclose(at(100), per_km2 * (1 - 0.25) ** 2)  # d = h/2
    np.testing.assert_allclose(at(150), per_km2 * (1 - 0.5625) ** 2)  # d = 3h/4
    np.testing.assert_allclose(at(50 * math.sqrt(2)), per_km2 * (1 - 5000 / 40000) ** 2)
    assert (c.loc[d >= h, "kde_per_km2"] == 0).all()
    assert kde.units == "incidents per km2"
    assert kde.bandwidth_m == h and kde.bandwidth_rule == "given"


def test_duplicates_weights_and_chunking_match_brute_force(monkeypatch):
    rng = np.random.default_rng(5)
    anchors = rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (60, 2)).round()
    xy = anchors[rng.integers(0, 60, 500)]
    w = rng.uniform(0, 2, 500)
    g = make_grid(shapely.box(X0, Y0, X0 + 3000, Y0 + 3000), cell_size_m=100, shape="hexagon")
    monkeypatch.setattr(density_mod, "_PAIRS_PER_CHUNK", 50)  # force many chunks
    kde = kernel_density(g, xy, bandwidth_m=400, weights=w)
    centres = g.cells[["x", "y"]].to_numpy()
    dist = np.hypot(centres[:, None, 0] - xy[None, :, 0], centres[:, None, 1] - xy[None, :, 1])
    brute = (quartic_kernel(dist, 400) * w[None, :]).sum(axis=1) * 1e6
    np.testing.assert_allclose(kde.density_per_km2, brute, rtol=1e-12, atol=1e-12)
    assert kde.total_weight == pytest.approx(w.sum())


def test_automatic_bandwidth_matches_hand_computed_rule():
    # eastings 1,2,3,4,10 (+ offset): quartiles (type 7) 2 and 4 -> IQR/1.34 = 1.4925;
    # sd = sqrt(50/4) = 3.5355; bandwidth.nrd = 4 * 1.06 * 1.4925 * 5^(-1/5) = 4.5866.
    # northings = 2 x eastings -> twice that; mean of the two = 1.5 x 4.5866.
    e = np.array([1.0, 2, 3, 4, 10])
    xy = np.column_stack([X0 + e, Y0 + 2 * e])
    bx = 4 * 1.06 * (2 / 1.34) * 5 ** (-0.2)
    assert bx == pytest.approx(4.5866, abs=1e-4)
    assert nrd_bandwidth(xy) == pytest.approx(1.5 * bx)
    g = make_grid(shapely.box(X0, Y0, X0 + 50, Y0 + 50), cell_size_m=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        kde = kernel_density(g, xy)
    assert kde.bandwidth_m == pytest.approx(1.5 * bx)
    assert kde.bandwidth_rule.startswith("auto")
    assert kde.parameters["bandwidth_m"] == kde.bandwidth_m


def test_validation_and_warnings():
    g = make_grid(shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), cell_size_m=100)
    with pytest.raises(ValueError, match="bandwidth_m"):
        kernel_density(g, [[X0, Y0]], bandwidth_m=-1)
    with pytest.raises(ValueError, match="Grid"):
        kernel_density(g.cells, [[X0, Y0]], bandwidth_m=100)
    with pytest.raises(ValueError, match="pass bandwidth_m"):
        kernel_density(g, [[X0, Y0]] * 3)
    with pytest.raises(ValueError, match="weights"):
        kernel_density(g, [[X0, Y0]], bandwidth_m=100, weights=[1, 2])
    with pytest.warns(UserWarning, match="smaller than the cell size"):
        kernel_density(g, [[X0, Y0]], bandwidth_m=50)

import time
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from analytics.clusters import DbscanClusters, default_min_samples, snap_spacing, unique_locations

X0, Y0 = 400_000.0, 280_000.0


def snapped_points(n_points=3000, n_anchors=300, seed=1, spread=1500.0):
    """Points snapped to shared anchors (many exact duplicates), like police.uk."""
    rng = np.random.default_rng(seed)
    anchors = np.round(rng.normal([X0, Y0], spread, (n_anchors, 2)))
    pop = rng.lognormal(0, 1.2, n_anchors)
    idx = rng.choice(n_anchors, n_points, p=pop / pop.sum())
    return anchors[idx]


@pytest.mark.parametrize("eps,min_samples", [(150, 5), (150, 12), (250, 30), (400, 60)])
@pytest.mark.parametrize("algorithm", ["kd_tree", "brute"])
def test_deduplicated_fit_equals_plain_sklearn_fit(eps, min_samples, algorithm):
    xy = snapped_points()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = DbscanClusters(xy, eps, min_samples, algorithm=algorithm)
    plain = DBSCAN(eps=eps, min_samples=min_samples, algorithm=algorithm).fit(xy)
    assert adjusted_rand_score(plain.labels_, ours.labels) == 1.0
    np.testing.assert_array_equal(ours.labels == -1, plain.labels_ == -1)  # identical noise
    np.testing.assert_array_equal(ours.labels, plain.labels_)  # even the cluster numbers
    core = np.zeros(len(xy), dtype=bool)
    core[plain.core_sample_indices_] = True
    np.testing.assert_array_equal(ours.core_sample_mask, core)
    assert ours.n_clusters == plain.labels_.max() + 1
    assert ours.n_clusters > 0


def test_weighted_fit_equals_plain_fit_with_sample_weight():
    xy = snapped_points(seed=7)
    w = np.random.default_rng(7).integers(0, 4, len(xy)).astype(float)
    ours = DbscanClusters(xy, 200, 25, weights=w, algorithm="kd_tree")
    plain = DBSCAN(eps=200, min_samples=25, algorithm="kd_tree").fit(xy, sample_weight=w)
    np.testing.assert_array_equal(ours.labels, plain.labels_)
    assert "weighted_incidents" in ours.summary.columns


def test_unique_locations_first_occurrence_order():
    xy = np.array([[5.0, 1.0], [1.0, 2.0], [5.0, 1.0], [0.0, 0.0], [1.0, 2.0], [5.0, 1.0]]) + X0
    u, inv, cnt = unique_locations(xy)
    np.testing.assert_array_equal(u, np.array([[5.0, 1.0], [1.0, 2.0], [0.0, 0.0]]) + X0)
    np.testing.assert_array_equal(inv, [0, 1, 0, 2, 1, 0])
    np.testing.assert_array_equal(cnt, [3, 2, 1])
    np.testing.assert_array_equal(u[inv], xy)


def test_summary_outlines_and_top_locations():
    # two groups of map points 2 km apart, plus scattered single incidents
    a = np.array([[X0, Y0], [X0 + 100, Y0], [X0 + 100, Y0 + 100]])
    b = np.array([[X0 + 2000, Y0 + 2000]])
    xy = np.concatenate([np.repeat(a, [20, 15, 6], axis=0), np.repeat(b, 12, axis=0),
                         [[X0 + 5000, Y0], [X0 + 5400, Y0], [X0, Y0 + 5000]]])
    loc = (["On or near Broad Street"] * 20 + ["On or near Hurst Street"] * 15 + ["On or near Bull Ring"] * 6
           + ["On or near Petrol Station"] * 12 + ["x", "y", "z"])
    pts = gpd.GeoDataFrame({"Location": loc}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=27700)
    with pytest.warns(UserWarning, match="snapping"):  # 7 sparse map points: expected
        r = DbscanClusters(pts, eps_m=150, min_samples=10, locations="Location")
    assert r.n_clusters == 2
    assert r.n_noise == 3
    s = r.summary
    assert s["incidents"].tolist() == [41, 12]  # largest first
    assert s["share_of_incidents"].tolist() == pytest.approx([41 / 56, 12 / 56])
    assert s["n_locations"].tolist() == [3, 1]
    assert s.loc[0, "top_locations"] == "Broad Street (20); Hurst Street (15); Bull Ring (6)"
    assert s.loc[1, "top_locations"] == "Petrol Station (12)"
    # one-location cluster: outline is a 16-sided disc of radius eps/2
    disc_area = 16 / 2 * 75**2 * np.sin(2 * np.pi / 16)
    assert s.loc[1, "area_m2"] == pytest.approx(disc_area)
    assert s.loc[1, "area_ha"] == pytest.approx(disc_area / 1e4)
    assert s.loc[0, "centroid_x"] == pytest.approx(X0 + 100 * 21 / 41)
    o = r.outlines
    assert o.crs.to_epsg() == 27700 and len(o) == 2
    assert (o.geom_type == "Polygon").all()  # one connected shape per cluster
    for cl, geom in zip(o["cluster"], o.geometry):
        members = xy[r.labels == cl]
        assert shapely.contains_xy(geom, members[:, 0], members[:, 1]).all()
    assert r.parameters["eps_m"] == 150 and r.parameters["min_samples"] == 10


def test_default_min_samples_rule_reported():
    assert default_min_samples(5_000) == 10
    assert default_min_samples(250_000) == 250
    xy = snapped_points(n_points=20_000, n_anchors=2000, spread=3000)
    r = DbscanClusters(xy)
    assert r.eps_m == 150
    assert r.min_samples == 20
    assert r.min_samples_rule == "max(10, round(n_incidents / 1000))"
    assert r.parameters["min_samples_rule"] == r.min_samples_rule


def test_warns_when_eps_below_snapping_spacing():
    gx, gy = np.meshgrid(np.arange(30) * 100.0, np.arange(30) * 100.0)
    anchors = np.column_stack([gx.ravel() + X0, gy.ravel() + Y0])  # anchors 100 m apart
    xy = np.repeat(anchors, 3, axis=0)
    assert snap_spacing(anchors) == pytest.approx(100)
    with pytest.warns(UserWarning, match="snapping"):
        r = DbscanClusters(xy, eps_m=50, min_samples=2)
    assert r.parameters["eps_below_snap_spacing"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DbscanClusters(xy, eps_m=150, min_samples=2)


def test_input_validation():
    xy = snapped_points(200, 20)
    for bad in [0, -5, np.nan, "far"]:
        with pytest.raises(ValueError, match="eps_m"):
            DbscanClusters(xy, eps_m=bad)
    for bad in [0, 2.5, "ten"]:
        with pytest.raises(ValueError, match="min_samples"):
            DbscanClusters(xy, min_samples=bad)
    with pytest.raises(ValueError, match="no points"):
        DbscanClusters(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="missing"):
        DbscanClusters(np.array([[X0, Y0], [np.nan, Y0]]))
    with pytest.raises(ValueError, match="longitude/latitude"):
        DbscanClusters(np.array([[-1.9, 52.4], [-1.8, 52.5]]))
    with pytest.raises(ValueError, match="to_crs"):
        DbscanClusters(gpd.GeoSeries(gpd.points_from_xy([-1.9], [52.4]), crs=4326))
    with pytest.raises(ValueError, match="locations"):
        DbscanClusters(xy, locations=["a"])
    with pytest.raises(ValueError, match="weights"):
        DbscanClusters(xy, weights=-np.ones(len(xy)))


def test_large_snapped_input_is_fast():
    xy = snapped_points(n_points=200_000, n_anchors=8000, spread=6000, seed=11)
    t = time.perf_counter()
    r = DbscanClusters(xy, 150, 10)
    # about 0.6 s alone on a 2-core machine; loose bound because the machine is shared.
    # Without de-duplication this input would need gigabytes.
    assert time.perf_counter() - t < 30
    assert len(r.labels) == len(xy)

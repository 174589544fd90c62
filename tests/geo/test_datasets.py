"""geo.datasets: what a Selection changes about the analysis."""

import pandas as pd
import pytest

from geo import datasets as D


def test_analysed_resets_only_what_changes_the_display():
    sel = D.Selection(dataset=D.BHAM, crime_types=("violent-crime",), month_from="2017-03", month_to="2017-09",
                      geography="ward:E05011121", measure="rate", suppress_below=5, light="dark")
    assert sel.analysed() == sel.with_(geography="all", suppress_below=0)
    assert sel.analysed().analysed() == sel.analysed()


@pytest.mark.parametrize("dataset", [D.IOD, D.BHAM])
def test_the_analysis_is_the_same_for_every_geography_and_suppression(dataset):
    """ui.cache keys the analysis (area_data, Gi*/LISA) on Selection.analysed(): an area change reuses it."""
    base = D.area_data(D.Selection(dataset=dataset))
    other = D.area_data(D.Selection(dataset=dataset, geography="lad:E08000025", suppress_below=10))
    pd.testing.assert_frame_equal(base.areas.drop(columns="geometry"), other.areas.drop(columns="geometry"))
    assert base.areas.geometry.geom_equals(other.areas.geometry).all()
    assert (base.title, base.value_label, base.extent_note) == (other.title, other.value_label, other.extent_note)


@pytest.mark.parametrize("extent", ["authorities", "all"])
@pytest.mark.parametrize("light", ["all", "dark"])
def test_stored_area_codes_give_the_same_analysis_as_placing_the_points_again(extent, light):
    """The store places each incident when it is loaded; the pages use those codes rather than placing a
    million points again per selection. Same counts, months, notes and points either way."""
    import numpy as np

    from geo import bundled
    from geo.areas import assign_areas
    from geo.study_area import west_midlands

    area = west_midlands()
    pts = bundled.police_bham_2017().data
    lookup = area.lookup().set_index("area_code")
    codes = assign_areas(pts, area.index).codes.to_numpy(dtype=object)
    stored = pts.assign(area_code=codes, lad_code=lookup["lad_code"].reindex(codes).fillna("").to_numpy())
    stored = stored[stored["area_code"] != ""].reset_index(drop=True)
    rng = np.random.default_rng(5)
    stored["after_dark"] = pd.array(np.where(rng.random(len(stored)) < 0.2, None, rng.random(len(stored)) < 0.4),
                                    dtype="boolean")
    sel = D.Selection(dataset=D.STORE, crime_types=(D.VIOLENCE,), month_from="2017-02", month_to="2017-10",
                      light=light)
    assert D._placed_in(stored, area) and not D._placed_in(stored.drop(columns="lad_code"), area)
    fast = D.points_area_data(stored, sel, "t", stored, extent=extent, area=area, placed=True)
    slow = D.points_area_data(stored, sel, "t", stored, extent=extent, area=area, placed=False)
    pd.testing.assert_frame_equal(fast.areas.drop(columns="geometry"), slow.areas.drop(columns="geometry"))
    pd.testing.assert_series_equal(fast.monthly, slow.monthly)
    assert fast.notes == slow.notes and fast.extent_note == slow.extent_note
    pd.testing.assert_frame_equal(fast.points.drop(columns="geometry"), slow.points.drop(columns="geometry"))
    assert fast.areas["count"].sum() == len(fast.points) > 100

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

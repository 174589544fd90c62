"""Point-in-polygon assignment and the LSOA 2011↔2021 conversion, checked against the lookup by hand."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import bundled
from geo.areas import assign_areas
from geo.lsoa_lookup import convert_lsoa, equivalent_pairs, lsoa11_lsoa21_lookup


def test_points_take_the_polygon_they_fall_in_and_disagreements_are_counted():
    lsoa = bundled.boundaries("lsoa21").set_index("area_code")
    codes = ["E01009061", "E01009053", "E01008881"]
    pts = gpd.GeoDataFrame(geometry=[lsoa.geometry[c].representative_point() for c in codes], crs=lsoa.crs)
    far = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=lsoa.crs)
    pts = pd.concat([pts, far], ignore_index=True)
    supplied = pd.Series(["E01009061", "E01008881", "", "E01008881"])
    result = assign_areas(pts, lsoa.reset_index(), supplied=supplied)
    assert result.codes.tolist() == codes + [""]
    assert (result.in_polygon, result.unassigned, result.compared, result.disagree) == (3, 1, 2, 1)


def test_2011_codes_count_as_agreeing_with_their_2021_successors():
    lk = lsoa11_lsoa21_lookup()
    split = lk[lk.CHGIND == "S"].iloc[0]
    assert (split.LSOA11CD, split.LSOA21CD) in equivalent_pairs()


def test_counts_are_shared_equally_on_splits_and_summed_on_merges():
    lk = lsoa11_lsoa21_lookup()
    split_parent = lk[lk.CHGIND == "S"].LSOA11CD.iloc[0]
    children = lk[lk.LSOA11CD == split_parent].LSOA21CD.tolist()
    merged_child = lk[lk.CHGIND == "M"].LSOA21CD.iloc[0]
    parents = lk[lk.LSOA21CD == merged_child].LSOA11CD.tolist()
    codes = sorted(set(lk.LSOA11CD))
    table = pd.DataFrame({"code": codes, "people": [1000.0] * len(codes), "rate": range(len(codes))})
    table.loc[table.code == split_parent, "people"] = 3000.0
    out = convert_lsoa(table, "code", counts=["people"], rates=["rate"], weight="people").set_index("LSOA21CD")
    assert out["people"].sum() == pytest.approx(table["people"].sum())
    for child in children:  # by hand: 3000 shared among the children
        assert out.loc[child, "people"] == pytest.approx(3000 / len(children))
        assert out.loc[child, "rate"] == table.set_index("code").loc[split_parent, "rate"]
    assert out.loc[merged_child, "people"] == pytest.approx(1000.0 * len(parents))
    expected = table.set_index("code").loc[parents, "rate"].mean()  # equal populations: plain mean
    assert out.loc[merged_child, "rate"] == pytest.approx(expected)


def test_unknown_codes_are_refused_with_examples():
    with pytest.raises(ValueError, match="E09999999"):
        convert_lsoa(pd.DataFrame({"c": ["E09999999"], "n": [1]}), "c", counts=["n"])


def test_bundled_population_total_survives_conversion():
    pop = bundled.table("population2019")
    out = convert_lsoa(pop, "LSOA11CD", counts=["all_ages"])
    assert len(out) == 1719 and out["all_ages"].sum() == pytest.approx(2_928_592)

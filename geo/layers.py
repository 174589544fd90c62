"""Bundled layers joined onto the bundled boundaries, ready for maps and statistics."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd

from geo import bundled

VIOLENCE_WITH_INJURY = "violence_with_injury_rate_per_1_000_at_risk_population"
VIOLENCE_WITHOUT_INJURY = "violence_without_injury_rate_per_1_000_at_risk_population"


@lru_cache(maxsize=1)
def _lsoa_violence() -> gpd.GeoDataFrame:
    lsoa = bundled.boundaries("lsoa21")
    ind = bundled.table("iod2025_indicators")[["LSOA21CD", VIOLENCE_WITH_INJURY, VIOLENCE_WITHOUT_INJURY]]
    out = lsoa.merge(ind, left_on="area_code", right_on="LSOA21CD", how="left", suffixes=("", "_iod"))
    out["violence_rate"] = out[VIOLENCE_WITH_INJURY] + out[VIOLENCE_WITHOUT_INJURY]
    return out.drop(columns=["LSOA21CD_iod"], errors="ignore")


def lsoa_violence_rates() -> gpd.GeoDataFrame:
    """West Midlands LSOA 2021 polygons (EPSG:27700) with IoD2025 police-recorded violence rates per 1,000.

    ``violence_rate`` = violence with injury + violence without injury (both per 1,000 at-risk population).
    """
    return _lsoa_violence().copy()


@lru_cache(maxsize=2)
def _lsoa21_population(year: int):
    from geo.lsoa_lookup import convert_lsoa

    pop = bundled.table(f"population{year}")
    out = convert_lsoa(pop, "LSOA11CD", counts=["all_ages", "age_0_24"])
    return out.rename(columns={"LSOA21CD": "area_code"})


def lsoa21_population(year: int = 2020):
    """Mid-year population (all ages, aged 0–24) on 2021 LSOAs, converted from 2011 LSOAs.

    ONS publishes these estimates on 2011 LSOAs; counts are shared equally among the parts of a
    split LSOA and added on a merge (see :mod:`geo.lsoa_lookup`). Columns: area_code, all_ages, age_0_24.
    """
    if year not in (2019, 2020):
        raise ValueError(f"bundled population is for mid-2019 and mid-2020, not {year}")
    return _lsoa21_population(year).copy()

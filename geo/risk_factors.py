"""The four risk factors the West Midlands needs assessments named, joined to 2021 LSOAs.

Each factor is kept at the geography it is published for, and says so:

* **deprivation** — IMD 2025 (LSOA 2021) and IMD 2019 (LSOA 2011, carried to 2021 LSOAs as the
  mean rank of the 2011 LSOAs feeding each one; the decile is then re-derived from that rank);
* **demography** — share of residents aged under 25 (ONS mid-2020, LSOA);
* **education** — overall absence of the schools located in each ward (pupil-weighted, DfE
  2018/19; ward level because most LSOAs hold no school) and permanent/fixed-period exclusion
  rates by local authority (DfE 2016/17);
* **substance misuse** — ONS Health Index drug misuse and alcohol misuse indicators by local
  authority (2020: the 2021 edition carries 2020 values forward).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from geo import bundled
from geo.datasets import lsoa_frame
from geo.lsoa_lookup import convert_lsoa

IMD2019_LSOAS = 32_844
HEALTH_INDEX_YEAR = 2020
EXCLUSIONS_YEAR = 201617


@dataclass(frozen=True)
class Factor:
    column: str
    label: str
    geography: str  # LSOA, ward, local authority
    source: str
    higher_is: str  # what a higher value means


FACTORS = [
    Factor("imd2025_score", "IMD 2025 score", "LSOA", "IoD2025", "more deprived"),
    Factor("income_score", "Income deprivation 2025 (share of people)", "LSOA", "IoD2025", "more deprived"),
    Factor("employment_score", "Employment deprivation 2025", "LSOA", "IoD2025", "more deprived"),
    Factor("education_score", "Education, skills and training deprivation 2025", "LSOA", "IoD2025", "more deprived"),
    Factor("health_score", "Health deprivation and disability 2025", "LSOA", "IoD2025", "more deprived"),
    Factor("housing_score", "Barriers to housing and services 2025", "LSOA", "IoD2025", "more deprived"),
    Factor("environment_score", "Living environment deprivation 2025", "LSOA", "IoD2025", "more deprived"),
    Factor("imd2019_rank", "IMD 2019 rank (1 = most deprived)", "LSOA (2011, carried to 2021)", "IoD2019",
           "less deprived"),
    Factor("under25_share", "Residents aged under 25 (%)", "LSOA", "ONS mid-2020 estimates", "younger"),
    Factor("ward_absence_pct", "School overall absence, schools in the ward (%)", "ward", "DfE 2018/19",
           "more absence"),
    Factor("la_fixed_excl_rate", "Fixed-period exclusions per 100 pupils (LA)", "local authority",
           "DfE 2016/17", "more exclusion"),
    Factor("la_perm_excl_rate", "Permanent exclusions per 100 pupils (LA)", "local authority", "DfE 2016/17",
           "more exclusion"),
    Factor("la_drug_misuse", "Drug misuse indicator (LA, ONS Health Index)", "local authority",
           f"ONS Health Index {HEALTH_INDEX_YEAR}", "more misuse"),
    Factor("la_alcohol_misuse", "Alcohol misuse indicator (LA, ONS Health Index)", "local authority",
           f"ONS Health Index {HEALTH_INDEX_YEAR}", "more misuse"),
]
FACTOR_BY_COLUMN = {f.column: f for f in FACTORS}


@lru_cache(maxsize=1)
def _lsoa_risk_factors() -> pd.DataFrame:
    base = pd.DataFrame(lsoa_frame().drop(columns="geometry"))
    out = base[["area_code", "ward_code", "lad_code", "population", "population_u25"]].copy()
    out["under25_share"] = 100 * out["population_u25"] / out["population"]

    imd = bundled.table("imd2025").rename(columns={"LSOA21CD": "area_code"})
    keep = {"IMD_score": "imd2025_score", "IMD_decile": "imd2025_decile", "IMD_rank": "imd2025_rank",
            "Income_score": "income_score", "Employment_score": "employment_score",
            "Education_score": "education_score", "Health_score": "health_score",
            "Housing_and_Services_score": "housing_score", "Environment_score": "environment_score"}
    out = out.merge(imd[["area_code", *keep]].rename(columns=keep), on="area_code", how="left")

    imd19 = convert_lsoa(bundled.table("imd2019"), "LSOA11CD", rates=["IMD_rank"]).rename(
        columns={"LSOA21CD": "area_code", "IMD_rank": "imd2019_rank"})
    imd19["imd2019_decile"] = np.ceil(imd19["imd2019_rank"] / IMD2019_LSOAS * 10).clip(1, 10)
    out = out.merge(imd19, on="area_code", how="left")

    out = out.merge(ward_school_absence(), on="ward_code", how="left")
    out = out.merge(la_factors(), on="lad_code", how="left")
    return out


@lru_cache(maxsize=1)
def _imd2019_england() -> pd.DataFrame:
    table = bundled.table("imd2019_england")
    return table.rename(columns={"LSOA11CD": "area_code", "IMD_decile": "imd2019_decile"})


def imd2019_deciles() -> pd.DataFrame:
    """area_code (LSOA 2011; unchanged 2021 LSOAs keep the code) and imd2019_decile, for all of England."""
    return _imd2019_england()[["area_code", "imd2019_decile"]].copy()


def lsoa_risk_factors() -> pd.DataFrame:
    """One row per West Midlands 2021 LSOA with every risk factor (see :data:`FACTORS`)."""
    return _lsoa_risk_factors().copy()


def schools() -> pd.DataFrame:
    """Open schools located in the West Midlands with their 2018/19 absence (where published)."""
    spine = bundled.table("schools")
    spine = spine[(spine["iclose"].isin([1, 3])) & (spine["located_in_wm7"] == 1)]
    census = bundled.table("school_census_absence")
    for col in ("nor", "abs_overall_pct", "abs_persistent_pct"):
        census[col] = pd.to_numeric(census[col], errors="coerce")  # 'SUPP' = suppressed → missing
    merged = spine.merge(census[["urn", "nor", "abs_overall_pct", "abs_persistent_pct"]], on="urn", how="left")
    return merged[["urn", "school_name", "school_type", "minor_group", "postcode", "lad_code", "pc_ward_code",
                   "lsoa21cd", "pc_easting", "pc_northing", "lat", "lon", "nor", "abs_overall_pct",
                   "abs_persistent_pct"]]


def ward_school_absence() -> pd.DataFrame:
    """Pupil-weighted overall absence of the schools in each 2024 ward (via the school's LSOA)."""
    sch = schools().dropna(subset=["abs_overall_pct", "nor", "lsoa21cd"])
    wards = pd.DataFrame(lsoa_frame()[["area_code", "ward_code"]])
    sch = sch.merge(wards, left_on="lsoa21cd", right_on="area_code", how="inner")
    sch["w"] = sch["nor"] * sch["abs_overall_pct"]
    g = sch.groupby("ward_code").agg(w=("w", "sum"), pupils=("nor", "sum"), ward_schools=("urn", "count"))
    g["ward_absence_pct"] = g["w"] / g["pupils"]
    return g[["ward_absence_pct", "ward_schools"]].reset_index()


def la_factors() -> pd.DataFrame:
    """Local-authority exclusion rates (DfE 2016/17) and drug/alcohol misuse (ONS Health Index 2020)."""
    exc = bundled.table("exclusions_la")
    exc = exc[(exc["year"] == EXCLUSIONS_YEAR) & (exc["school_type"] == "Total") & exc["lad_code"].notna()]
    exc = exc.rename(columns={"perm_excl_rate": "la_perm_excl_rate", "fixed_excl_rate": "la_fixed_excl_rate"})
    for col in ("la_perm_excl_rate", "la_fixed_excl_rate"):
        exc[col] = pd.to_numeric(exc[col], errors="coerce")
    hi = bundled.table("health_index_la")
    hi = hi[(hi["year"] == HEALTH_INDEX_YEAR) & hi["indicator"].isin(["Drug misuse", "Alcohol misuse"])]
    hi = hi.pivot_table(index="ltla21_code", columns="indicator", values="value").rename(
        columns={"Drug misuse": "la_drug_misuse", "Alcohol misuse": "la_alcohol_misuse"})
    out = exc[["lad_code", "la_perm_excl_rate", "la_fixed_excl_rate"]].merge(
        hi, left_on="lad_code", right_index=True, how="outer")
    return out.reset_index(drop=True)

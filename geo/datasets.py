"""What the dashboard's pages analyse: one table of LSOAs with counts, rates and populations.

Two real datasets ship with the app, and stored incidents add a third:

* ``iod2025`` — police-recorded violence **rates** for every West Midlands LSOA (IoD2025
  indicators: one period, no months, no points). Counts are *estimated* as rate × resident
  population / 1,000 and labelled as estimates.
* ``bham2017`` — real police.uk incident **points** within a mile of Birmingham city centre,
  January–November 2017. Only the LSOAs the data covers are analysed (not the whole county with
  zeros, which would invent cold spots).
* ``store`` — incidents loaded into the incident store (police.uk months, ED, ambulance).

Everything here is plain pandas/geopandas; the pages cache the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import bundled
from geo.areas import assign_areas
from geo.layers import VIOLENCE_WITH_INJURY, VIOLENCE_WITHOUT_INJURY
from geo.police_uk import SERIOUS_VIOLENCE_TYPES, VIOLENCE
from geo.study_area import StudyArea, west_midlands

IOD = "iod2025"
BHAM = "bham2017"
STORE = "store"
DATASET_TITLES = {
    IOD: "Violence rates, every West Midlands LSOA (IoD2025)",
    BHAM: "police.uk incidents, Birmingham city centre, 2017",
    STORE: "Stored incidents (your loaded police.uk and partner data)",
}
IOD_TYPES = {"Violence with injury": VIOLENCE_WITH_INJURY, "Violence without injury": VIOLENCE_WITHOUT_INJURY}
MEASURES = {"count": "Incidents", "rate": "Rate per 1,000 residents", "rate_u25": "Rate per 1,000 residents aged under 25"}
POPULATION_YEAR = 2020
EXTENT_MIN_OVERLAP = 0.25  # an LSOA is analysed when at least this share of it lies within the data's extent


@dataclass(frozen=True)
class Selection:
    """The sidebar's choices: every page honours them (and they live in the URL)."""

    dataset: str = IOD
    crime_types: tuple[str, ...] = ()
    month_from: str | None = None
    month_to: str | None = None
    geography: str = "all"  # "all" | "lad:<code>" | "ward:<code>" | "lsoas:<code>,<code>,…"
    measure: str = "count"
    sources: tuple[str, ...] = ()  # store only: police, ed, ambulance, other
    suppress_below: int = 0  # disclosure control: counts 1..n-1 shown as "<n" (0 = off)
    light: str = "all"  # "all" | "day" | "dark": incidents in daylight or after dark (where times are known)

    def with_(self, **changes) -> "Selection":
        return replace(self, **changes)

    def analysed(self) -> "Selection":
        """The choices that change the counts: the geography (:func:`geography_mask`) and small-number
        suppression change only what is shown of them, so they are reset (one cache entry serves them all)."""
        return replace(self, geography="all", suppress_below=0)

    def disclosed(self) -> "Selection":
        """The choices that change what any view may show, and the statistics computed on it: all but
        the geography (one suppression pattern serves every area, ward and authority view)."""
        return replace(self, geography="all")


@dataclass
class AreaData:
    """LSOAs in the analysed extent, with the selected measure, and the points behind them (if any)."""

    areas: gpd.GeoDataFrame  # area_code, area_name, ward/lad codes+names, count, value, population…, geometry
    points: gpd.GeoDataFrame | None
    monthly: pd.Series | None  # incidents per month (whole extent), index 'YYYY-MM'
    title: str  # what is shown, in words
    value_label: str
    counts_are_estimates: bool
    extent_note: str
    months: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def in_geography(self, geography: str) -> pd.Series:
        """Mask of the areas inside the chosen geography."""
        return geography_mask(self.areas, geography)


def lsoa_frame() -> gpd.GeoDataFrame:
    """All West Midlands 2021 LSOAs with ward/LAD names and mid-2020 populations (all ages, under 25)."""
    return west_midlands().frame()


def geography_mask(areas: pd.DataFrame, geography: str) -> pd.Series:
    if not geography or geography == "all":
        return pd.Series(True, index=areas.index)
    kind, _, code = geography.partition(":")
    if kind == "lad":
        return areas["lad_code"].eq(code)
    if kind == "ward":
        return areas["ward_code"].eq(code)
    if kind == "lsoas":
        return areas["area_code"].isin([c.strip().upper() for c in code.split(",") if c.strip()])
    raise ValueError(f"geography {geography!r} not understood; use all, lad:<code>, ward:<code> or lsoas:<codes>")


def measure_values(areas: pd.DataFrame, measure: str) -> pd.Series:
    """The measure of each area from its ``count`` (and ``population`` columns for rates)."""
    if measure == "count":
        return areas["count"]
    pop = areas["population"] if measure == "rate" else areas["population_u25"]
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r} not understood; use {', '.join(MEASURES)}")
    return (1000 * areas["count"] / pop.where(pop > 0)).astype(float)


def _month_words(months: list[str]) -> str:
    if not months:
        return "one period"
    first, last = (pd.Period(m, freq="M").strftime("%b %Y") for m in (months[0], months[-1]))
    return first if first == last else f"{first} – {last}"


def iod_area_data(selection: Selection) -> AreaData:
    """LSOA violence from the IoD2025 indicators: rates as published, counts estimated."""
    types = [t for t in selection.crime_types if t in IOD_TYPES] or list(IOD_TYPES)
    areas = lsoa_frame()
    ind = bundled.table("iod2025_indicators").set_index("LSOA21CD")
    rate = sum(ind[IOD_TYPES[t]] for t in types).reindex(areas["area_code"]).to_numpy()
    areas["iod_rate"] = rate
    areas["count"] = np.round(rate * areas["population"] / 1000, 1)
    if selection.measure == "rate":
        areas["value"] = areas["iod_rate"]  # the published rate (per 1,000 at-risk population)
    else:
        areas["value"] = measure_values(areas, selection.measure)
    label = " and ".join(t.lower() for t in types)
    label = label[0].upper() + label[1:]
    return AreaData(
        areas=areas, points=None, monthly=None,
        title=f"{label}: police-recorded, IoD2025 indicators (one period)",
        value_label={"count": "Estimated incidents (rate × population)",
                     "rate": "Rate per 1,000 at-risk population (IoD2025)",
                     "rate_u25": "Estimated incidents per 1,000 residents aged under 25"}[selection.measure],
        counts_are_estimates=True,
        extent_note=f"All {len(areas):,} LSOAs of the seven West Midlands boroughs.",
        notes=["IoD2025 publishes rates, not counts: counts here are estimates (rate × mid-2020 population ÷ 1,000).",
               "This dataset has one period: month filters do not apply."])


def points_area_data(points: gpd.GeoDataFrame, selection: Selection, title: str, extent_from: gpd.GeoDataFrame,
                     notes: list[str] | None = None, extent: str = "hull", area: StudyArea | None = None,
                     placed: bool = False) -> AreaData:
    """Area counts from incident points, analysed over the areas the data covers.

    ``placed``: the points' ``area_code`` and ``lad_code`` were found in ``area`` already (the store
    places every incident when it is loaded, by the same strict point-in-polygon): used as they are,
    rather than placing a million points again on every new selection.

    ``extent="hull"``: areas mostly inside the area the incidents span (a data set cut to a radius);
    ``extent="authorities"``: every area of the local authorities the incidents fall in (force-wide police
    data, or a hospital's catchment, where an area with no incidents is a genuine zero);
    ``extent="all"``: every area of the study area (a user's own boundaries are the extent they chose).
    """
    area = area or west_midlands()
    areas = area.frame()
    unit = area.unit
    if extent == "all":
        covered = areas.copy()
        extent_text = f"All {len(covered):,} {unit}s of {area.name}."
    elif extent == "authorities":
        if placed:
            lads = set(extent_from["lad_code"].unique()) - {""}
        else:
            lads = set(assign_areas(extent_from, areas).codes.map(areas.set_index("area_code")["lad_code"]).dropna())
        covered = areas[areas["lad_code"].isin(lads)].copy()
        extent_text = (f"The {len(covered):,} LSOAs of the local authorities the incidents fall in "
                       f"({', '.join(sorted(covered['lad_name'].unique()))}).")
    else:
        hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(np.c_[extent_from["easting"],
                                                                             extent_from["northing"]])), 100)
        overlap = areas.geometry.intersection(hull).area / areas.geometry.area
        covered = areas[overlap >= EXTENT_MIN_OVERLAP].copy()
        extent_text = (f"The {len(covered):,} LSOAs covered by the data (at least {EXTENT_MIN_OVERLAP:.0%} of the "
                       "LSOA inside the area the incidents span); other LSOAs are not analysed.")
    if len(covered) < 3:
        raise ValueError(f"the incidents cover only {len(covered)} {unit}(s): too few to look for hot spots")
    months_all = sorted(points["month"].unique())
    types = list(selection.crime_types)
    keep = np.ones(len(points), dtype=bool)  # every filter as one mask, then one copy of the rows kept
    if types:
        keep &= points["category"].isin(types).to_numpy()
    if selection.month_from:
        keep &= (points["month"] >= selection.month_from).to_numpy()
    if selection.month_to:
        keep &= (points["month"] <= selection.month_to).to_numpy()
    extra_notes = []
    if selection.light != "all" and "after_dark" in points.columns:
        known = points["after_dark"].notna().to_numpy()
        extra_notes.append(f"Only incidents {'after dark' if selection.light == 'dark' else 'in daylight'} "
                           f"(sun more than 6° below the horizon counts as dark); {int((keep & ~known).sum()):,} "
                           "incidents without a time are left out.")
        keep &= known & (points["after_dark"].astype("boolean") == (selection.light == "dark")).fillna(False).to_numpy()
    pts = points if keep.all() else points[keep]
    if placed:
        pts = pts.assign(area_code=pts["area_code"].where(pts["area_code"].isin(covered["area_code"]), ""))
    else:
        pts = pts.assign(area_code=assign_areas(pts, covered).codes.to_numpy())
    outside = int(pts["area_code"].eq("").sum())
    counts = pts[pts["area_code"] != ""].groupby("area_code")["weight"].sum()
    covered["count"] = counts.reindex(covered["area_code"]).fillna(0.0).to_numpy()
    covered["value"] = measure_values(covered, selection.measure)
    months_sel = [m for m in months_all if (not selection.month_from or m >= selection.month_from)
                  and (not selection.month_to or m <= selection.month_to)]
    monthly = pts.groupby("month")["weight"].sum().reindex(months_sel, fill_value=0.0)
    what = ", ".join(types) if types else "All crime types"
    extra = list(notes or []) + extra_notes
    if outside:
        extra.append(f"{outside:,} incidents fall outside the analysed {unit}s and are not counted"
                     + (" (in LSOAs only partly covered by the data)." if extent == "hull" else "."))
    return AreaData(
        areas=covered.reset_index(drop=True), points=pts[pts["area_code"] != ""].reset_index(drop=True),
        monthly=monthly, title=f"{what}, {_month_words(months_sel)} — {title}",
        value_label={"count": "Incidents", "rate": "Incidents per 1,000 residents",
                     "rate_u25": "Incidents per 1,000 residents aged under 25"}[selection.measure],
        counts_are_estimates=False,
        extent_note=extent_text,
        months=months_all, notes=extra)


def bham_area_data(selection: Selection) -> AreaData:
    inc = bundled.police_bham_2017()
    sel = selection if selection.crime_types else selection.with_(crime_types=(VIOLENCE,))
    return points_area_data(inc.data, sel, "police.uk, Birmingham city centre (1 mile)", inc.data,
                            notes=["Real police.uk points exist only within a mile of Birmingham city centre, "
                                   "Jan–Nov 2017; the source dropped records at 6 snap points with no postcode."])


def area_data(selection: Selection, store_points: gpd.GeoDataFrame | None = None,
              area: StudyArea | None = None) -> AreaData:
    """The AreaData for the selection (``store_points`` = incidents read from the store, for ``store``),
    on ``area`` (default: the bundled West Midlands; the bundled datasets exist for it alone)."""
    area = area or west_midlands()
    if selection.dataset in (IOD, BHAM) and not area.is_bundled:
        raise ValueError(f"{DATASET_TITLES[selection.dataset]} is bundled for the West Midlands only, not for "
                         f"{area.name}: choose the stored incidents")
    if selection.dataset == IOD:
        return iod_area_data(selection)
    if selection.dataset == BHAM:
        return bham_area_data(selection)
    if selection.dataset == STORE:
        if store_points is None or store_points.empty:
            raise ValueError("the incident store is empty: load police.uk or partner files on the Load data page")
        pts = store_points
        if selection.sources:
            pts = pts[pts["source"].isin(selection.sources)]
        if pts.empty:
            raise ValueError("no stored incidents from the chosen sources")
        srcs = ", ".join(sorted(pts["source"].unique()))
        return points_area_data(pts, selection, f"stored incidents ({srcs})", pts,
                                extent="authorities" if area.is_bundled else "all", area=area,
                                placed=_placed_in(pts, area))
    raise ValueError(f"unknown dataset {selection.dataset!r}")


def _placed_in(points: pd.DataFrame, area: StudyArea) -> bool:
    """Whether the stored points' area codes are codes of ``area`` (the store's own study area, as the
    app analyses it): then they need not be placed again."""
    if not {"area_code", "lad_code"} <= set(points.columns):
        return False
    codes = points["area_code"].unique()
    return bool(len(codes)) and bool(pd.Index(codes).isin(area.areas["area_code"]).all())


def default_crime_types(dataset: str, available: list[str]) -> tuple[str, ...]:
    """Violence and sexual offences where the data hold police.uk crime types; else every category
    (a partner's own categories, such as an ED's means of assault, are all violence)."""
    if dataset == IOD:
        return tuple(IOD_TYPES)
    return tuple(t for t in (VIOLENCE,) if t in available) or tuple(available)


def crime_type_choices(dataset: str, points: gpd.GeoDataFrame | None) -> list[str]:
    """Crime types a user can pick: serious-violence types first, then the rest present in the data."""
    if dataset == IOD:
        return list(IOD_TYPES)
    present = sorted(points["category"].unique()) if points is not None else []
    return [t for t in SERIOUS_VIOLENCE_TYPES if t in present] + [t for t in present if t not in SERIOUS_VIOLENCE_TYPES]

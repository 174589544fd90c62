"""The study area as a value: the areas analysed, how they group, and which layers exist for them.

A :class:`StudyArea` is what readers, area assignment, the store, the analyses and the pages
receive instead of reaching for the bundled files: the area polygons (any polygons with a unique
code: LSOA 2011 or 2021, wards, MSOAs, a hand-drawn GeoJSON), their names, the authority (and
ward) each belongs to when known, the snap tolerance for gaps between its polygons, where it came
from, and which bundled layers apply to it. The bundled West Midlands 2021 LSOAs are one instance
(:func:`west_midlands`); a user's boundary file is another (:func:`load_study_area`).

Which bundled layers apply is decided by the codes, not by the name: the West Midlands layers
(population, IoD2025, IMD 2025, schools, substance misuse, the ward and authority lookup) when
every code is a West Midlands 2021 LSOA; IMD 2019, bundled for all of England, for LSOA 2011
codes and for 2021 codes of LSOAs that did not change in 2021 (ONS kept their codes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InputError
from geo.projection import BNG

AREA_COLUMNS = ["area_code", "area_name", "ward_code", "ward_name", "lad_code", "lad_name"]
WEST_MIDLANDS = "West Midlands (7 boroughs)"
# layers a study area may have; each says "not available for this area" when it has not
LAYER_NAMES = {
    "population": "Resident population (ONS mid-2020)",
    "iod2025": "IoD2025 police-recorded violence rates",
    "imd2025": "IMD 2025",
    "imd2019": "IMD 2019 (England)",
    "risk_factors": "Risk factors (schools, exclusions, substance misuse, IoD2025 domains)",
    "schools": "Schools and absence",
    "substance": "Substance misuse by authority",
    "bham2017": "police.uk points, Birmingham city centre 2017",
}


@dataclass(frozen=True, eq=False)
class StudyArea:
    """One study area (see the module docstring).

    ``areas`` is a GeoDataFrame in EPSG:27700 with :data:`AREA_COLUMNS` and ``geometry``; ward and
    authority columns hold ``""`` where the area set does not say.
    """

    name: str
    areas: gpd.GeoDataFrame = field(repr=False)
    level: str = "area"  # e.g. LSOA21, LSOA11, WD24, or the code column for other areas
    code_column: str = "area_code"
    snap_tolerance_m: float = 0.0
    source: str = ""  # where the boundaries came from
    is_bundled: bool = False
    notes: tuple[str, ...] = ()  # what reading the boundaries did (repairs, merges, an assumed CRS)

    def __post_init__(self):
        missing = [c for c in AREA_COLUMNS + ["geometry"] if c not in self.areas.columns]
        if missing:
            raise ValueError(f"a study area needs the columns {', '.join(missing)}")
        if self.areas["area_code"].duplicated().any():
            raise ValueError("a study area's area codes must be unique")

    # ------------------------------------------------------------------ facts
    @property
    def n_areas(self) -> int:
        return len(self.areas)

    @property
    def has_authorities(self) -> bool:
        return bool(self.areas["lad_code"].ne("").any())

    @property
    def has_wards(self) -> bool:
        return bool(self.areas["ward_code"].ne("").any())

    @property
    def unit(self) -> str:
        """What one area is called in sentences ("LSOA", "ward", "area")."""
        if self.level.upper().startswith("LSOA"):
            return "LSOA"
        if self.level.upper().startswith(("WD", "WARD")):
            return "ward"
        if self.level.upper().startswith("MSOA"):
            return "MSOA"
        return "area"

    @cached_property
    def key(self) -> str:
        """A fingerprint of the codes and polygons: two areas with the same key are the same boundaries."""
        h = hashlib.sha256()
        order = np.argsort(self.areas["area_code"].to_numpy())
        for code, wkb in zip(self.areas["area_code"].to_numpy()[order],
                             shapely.to_wkb(shapely.set_precision(self.areas.geometry.to_numpy()[order], 0.01))):
            h.update(str(code).encode())
            h.update(wkb)
        return h.hexdigest()[:16]

    @cached_property
    def index(self):
        """The polygons prepared for placing points (:class:`geo.areas.AreaIndex`)."""
        from geo.areas import AreaIndex

        return AreaIndex.of(self.areas)

    @cached_property
    def outline(self) -> shapely.Geometry:
        return shapely.union_all(self.areas.geometry.to_numpy())

    def lookup(self) -> pd.DataFrame:
        """area_code, area_name, ward and authority codes and names (no geometry)."""
        return pd.DataFrame(self.areas[AREA_COLUMNS])

    def describe(self) -> str:
        groups = []
        if self.has_authorities:
            groups.append(f"{self.areas['lad_code'].replace('', np.nan).nunique():,} authorities")
        if self.has_wards:
            groups.append(f"{self.areas['ward_code'].replace('', np.nan).nunique():,} wards")
        return (f"{self.name}: {self.n_areas:,} {self.unit}{'s' if self.n_areas != 1 else ''}"
                + (f" in {' and '.join(groups)}" if groups else "") + (f" ({self.source})" if self.source else ""))

    # ------------------------------------------------------------------ layers
    @cached_property
    def layers(self) -> dict[str, bool]:
        """Which of :data:`LAYER_NAMES` exist for this area."""
        codes = set(self.areas["area_code"])
        wm = codes <= _west_midlands_lsoa21()
        imd19 = len(codes) > 0 and len(codes & _imd2019_england_codes()) / len(codes) >= 0.5
        return {"population": wm, "iod2025": wm, "imd2025": wm, "imd2019": wm or imd19, "risk_factors": wm,
                "schools": wm, "substance": wm,
                "bham2017": wm and bool({"E01033620", "E01033616"} & codes)}

    def has(self, layer: str) -> bool:
        return self.layers.get(layer, False)

    def missing_layer_text(self, layer: str) -> str:
        """One line for a page: the layer is not available here, and what to give instead."""
        what = LAYER_NAMES.get(layer, layer)
        return (f"{what}: not available for {self.name} (bundled for the West Midlands only). Give your own as a CSV "
                "with an area_code column and one numeric column per measure (see README: Your own layers).")

    def frame(self) -> gpd.GeoDataFrame:
        """The areas with ``population`` and ``population_u25`` (mid-2020, NaN where not available)."""
        out = self.areas.copy()
        if self.has("population"):
            from geo.layers import lsoa21_population

            pop = lsoa21_population(2020).set_index("area_code")
            out["population"] = pop["all_ages"].reindex(out["area_code"]).to_numpy()
            out["population_u25"] = pop["age_0_24"].reindex(out["area_code"]).to_numpy()
        else:
            out["population"] = np.nan
            out["population_u25"] = np.nan
        return out

    def same_as(self, other: "StudyArea") -> bool:
        return self.key == other.key

    # ------------------------------------------------------------------ storage
    def to_table(self) -> pd.DataFrame:
        """The areas as plain columns (geometry as WKB), for the store."""
        out = pd.DataFrame(self.areas[AREA_COLUMNS]).astype(str)
        out["wkb"] = shapely.to_wkb(self.areas.geometry.to_numpy())
        return out

    @classmethod
    def from_table(cls, table: pd.DataFrame, **facts) -> "StudyArea":
        geometry = gpd.GeoSeries.from_wkb(table["wkb"].map(bytes), crs=BNG)
        areas = gpd.GeoDataFrame(table[AREA_COLUMNS].astype(str).reset_index(drop=True),
                                 geometry=geometry.reset_index(drop=True), crs=BNG)
        return cls(areas=areas, **facts)

    def facts(self) -> dict[str, str]:
        """What the store keeps beside the areas (all text)."""
        return {"name": self.name, "level": self.level, "code_column": self.code_column,
                "snap_tolerance_m": f"{self.snap_tolerance_m:g}", "source": self.source,
                "is_bundled": "1" if self.is_bundled else "0", "key": self.key}

    @classmethod
    def from_facts(cls, table: pd.DataFrame, facts: dict[str, str]) -> "StudyArea":
        if facts.get("is_bundled") == "1":
            return west_midlands()
        return cls.from_table(table, name=facts.get("name", "study area"), level=facts.get("level", "area"),
                              code_column=facts.get("code_column", "area_code"),
                              snap_tolerance_m=float(facts.get("snap_tolerance_m", 0) or 0),
                              source=facts.get("source", ""))


@lru_cache(maxsize=1)
def _west_midlands_lsoa21() -> frozenset[str]:
    from geo.lsoa_lookup import lsoa21_hierarchy

    return frozenset(lsoa21_hierarchy()["LSOA21CD"])


@lru_cache(maxsize=1)
def _imd2019_england_codes() -> frozenset[str]:
    from geo import bundled

    return frozenset(bundled.table("imd2019_england")["LSOA11CD"].astype(str))


@lru_cache(maxsize=1)
def west_midlands() -> StudyArea:
    """The bundled study area: the 1,719 West Midlands 2021 LSOAs with their 2024 wards and authorities."""
    from geo import bundled
    from geo.lsoa_lookup import lsoa21_hierarchy

    lsoa = bundled.boundaries("lsoa21")[["area_code", "area_name", "geometry"]]
    h = lsoa21_hierarchy().drop_duplicates("LSOA21CD").rename(columns={
        "LSOA21CD": "area_code", "WD24CD": "ward_code", "WD24NM": "ward_name", "LAD24CD": "lad_code",
        "LAD24NM": "lad_name"})
    areas = lsoa.merge(h[["area_code", "ward_code", "ward_name", "lad_code", "lad_name"]], on="area_code", how="left")
    for col in AREA_COLUMNS[2:]:
        areas[col] = areas[col].fillna("").astype(str)
    areas = gpd.GeoDataFrame(areas[AREA_COLUMNS + ["geometry"]], geometry="geometry", crs=BNG)
    return StudyArea(WEST_MIDLANDS, areas, level="LSOA21", code_column="LSOA21CD",
                     snap_tolerance_m=bundled.SNAP_TOLERANCE_M, source="bundled: data/boundaries/lsoa21_wm.geojson",
                     is_bundled=True)


def _column(frame: pd.DataFrame, name: str | None, what: str, source: str) -> pd.Series | None:
    if not name:
        return None
    if name not in frame.columns:
        raise InputError(source, f"has no column {name!r} for the {what}",
                         "columns are " + ", ".join(c for c in map(str, frame.columns) if c != "geometry")[:300])
    return frame[name].astype(object).where(frame[name].notna(), "").astype(str).str.strip()


def study_area_from_boundaries(b, name: str | None = None, name_column: str | None = None,
                               authority_column: str | None = None, ward_column: str | None = None,
                               snap_m: float = 0.0, source: str | None = None) -> StudyArea:
    """A study area from :class:`geo.boundaries.Boundaries` (already read and repaired).

    Areas whose codes are all West Midlands 2021 LSOAs take their wards and authorities from the
    bundled lookup unless columns are named. ``authority_column`` / ``ward_column`` may hold codes
    or names (both are then the same text).
    """
    gdf = b.data
    src = source or b.source
    names = _column(gdf, name_column, "area names", src)
    out = gpd.GeoDataFrame({"area_code": gdf["area_code"].astype(str).to_numpy(),
                            "area_name": (names if names is not None else gdf["area_name"].astype(str)).to_numpy()},
                           geometry=gdf.geometry.to_numpy(), crs=BNG)
    for prefix, column in (("lad", authority_column), ("ward", ward_column)):
        values = _column(gdf, column, "authorities" if prefix == "lad" else "wards", src)
        out[f"{prefix}_code"] = values.to_numpy() if values is not None else ""
        out[f"{prefix}_name"] = out[f"{prefix}_code"]
    if not authority_column and not ward_column and set(out["area_code"]) <= _west_midlands_lsoa21():
        wm = west_midlands().lookup().set_index("area_code")
        for col in AREA_COLUMNS[2:]:
            out[col] = wm[col].reindex(out["area_code"]).fillna("").to_numpy()
    label = name or Path(str(src).split(":")[0]).stem or "study area"
    return StudyArea(label, gpd.GeoDataFrame(out[AREA_COLUMNS + ["geometry"]], geometry="geometry", crs=BNG),
                     level=b.level, code_column=b.code_column, snap_tolerance_m=float(snap_m), source=str(src),
                     notes=tuple(b.notes))


def load_study_area(path, area_id: str | None = None, name_column: str | None = None,
                    authority_column: str | None = None, ward_column: str | None = None, crs: str | None = None,
                    snap_m: float = 0.0, name: str | None = None) -> StudyArea:
    """Read a boundary file (GeoJSON, GeoPackage, zipped Shapefile) as a study area."""
    from geo.boundaries import read_boundaries

    if snap_m < 0:
        raise InputError(None, "the snap tolerance must be 0 or more metres", "e.g. --snap-m 50")
    b = read_boundaries(path, area_id=area_id, crs=crs)
    return study_area_from_boundaries(b, name=name, name_column=name_column, authority_column=authority_column,
                                      ward_column=ward_column, snap_m=snap_m, source=str(path))

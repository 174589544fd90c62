"""Reading area boundaries from any common format, any CRS, into clean British National Grid polygons.

* GeoJSON, GeoPackage, a zipped Shapefile (or a bare .shp) — read with pyogrio;
* reprojected to EPSG:27700; a Shapefile without ``.prj`` has its CRS inferred from the
  coordinate ranges (British National Grid metres or WGS84 degrees) and the guess is reported;
* the area-code column detected (``LSOA21CD``, ``LSOA11CD``, ``WD24CD``, ``LAD24CD`` …, or any
  column whose values all look like ONS GSS codes) or named by the user;
* invalid polygons (self-intersections) repaired with ``make_valid`` and counted; empty or
  non-polygon geometries rejected and counted; duplicated codes dissolved and reported.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.errors import InputError
from geo.projection import BNG, BNG_BOX, GB_LONLAT_BOX
from geo.sources import NamedBytes
from geo.tabular import read_bytes

CODE_COLUMN_PATTERN = re.compile(r"^(LSOA|MSOA|OA|WD|WARD|LAD|LTLA|UTLA|CTYUA|PFA|CSP|RGN|DZ|IZ)\d{0,2}CD$", re.I)
GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")
NAME_COLUMN_PATTERN = re.compile(r"^(LSOA|MSOA|OA|WD|WARD|LAD|LTLA|UTLA|CTYUA|PFA|CSP|RGN)\d{0,2}NM$", re.I)
MAX_BOUNDARY_BYTES = 300_000_000


@dataclass
class Boundaries:
    """Area polygons in EPSG:27700 with ``area_code`` (and ``area_name``) columns, and what was done to them."""

    data: gpd.GeoDataFrame
    code_column: str  # the column in the file that held the code
    name_column: str | None
    notes: list[str] = field(default_factory=list)
    repaired: int = 0
    dropped: int = 0
    source: str = ""  # the file (or upload) the boundaries came from

    @property
    def level(self) -> str:
        """The geography named by the code column, e.g. 'LSOA21' (or the column name if not standard)."""
        return self.code_column[:-2].upper() if self.code_column.upper().endswith("CD") else self.code_column


def detect_code_column(gdf: pd.DataFrame) -> str | None:
    """The area-code column: a standard ONS name first, else a column whose values are all GSS codes."""
    named = [c for c in gdf.columns if CODE_COLUMN_PATTERN.match(str(c))]
    if named:
        # prefer the finest level present (LSOA before ward before LAD)
        order = ["OA", "LSOA", "MSOA", "WD", "WARD", "LAD", "LTLA", "UTLA", "CTYUA", "CSP", "PFA", "RGN"]
        return sorted(named, key=lambda c: next((i for i, p in enumerate(order) if c.upper().startswith(p)), 99))[0]
    for col in gdf.columns:
        if col == "geometry" or gdf[col].dtype.kind not in "OU" and str(gdf[col].dtype) not in ("str", "string"):
            continue
        values = gdf[col].dropna().astype(str)
        if len(values) and values.str.match(GSS_CODE).all() and values.is_unique:
            return col
    return None


def _guess_crs(gdf: gpd.GeoDataFrame, name: str) -> tuple[str, str]:
    minx, miny, maxx, maxy = gdf.total_bounds
    if BNG_BOX[0] <= minx and maxx <= BNG_BOX[2] and BNG_BOX[1] <= miny and maxy <= BNG_BOX[3] and maxx > 1000:
        return BNG, "British National Grid (EPSG:27700), judged from coordinates in metres"
    if GB_LONLAT_BOX[0] <= minx and maxx <= GB_LONLAT_BOX[2] and GB_LONLAT_BOX[1] <= miny and maxy <= GB_LONLAT_BOX[3]:
        return "EPSG:4326", "WGS84 longitude/latitude (EPSG:4326), judged from coordinates in degrees"
    raise InputError(name, "has no coordinate reference system (.prj missing) and its coordinates are neither "
                     "British National Grid metres nor GB longitude/latitude",
                     "include the .prj file in the zip, or name the CRS (e.g. --crs EPSG:27700)")


def _read_any(item: NamedBytes) -> gpd.GeoDataFrame:
    name, data = item.name, item.data
    if not data.strip():
        raise InputError(name, "the file is empty", "choose the boundary file itself")
    lower = name.lower()
    if data[:4] == b"PK\x03\x04":
        try:
            members = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise InputError(name, "is not a readable zip archive", "download it again") from None
        shp = [m for m in members if m.lower().endswith(".shp")]
        gpkg = [m for m in members if m.lower().endswith((".gpkg", ".geojson", ".json"))]
        if not shp and not gpkg:
            raise InputError(name, "holds no Shapefile (.shp) or GeoPackage", "zip the .shp with its .shx, .dbf and .prj")
        if shp:
            stem = shp[0][:-4]
            missing = [ext for ext in (".shx", ".dbf") if not any(m.lower() == (stem + ext).lower() for m in members)]
            if missing:
                raise InputError(name, f"the Shapefile {shp[0]} lacks its {' and '.join(missing)} part(s)",
                                 "zip all the parts of the Shapefile together")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # GDAL reads from a path; the name on disk is ours, never the member or upload name
            suffix = ".zip" if data[:4] == b"PK\x03\x04" else (".gpkg" if data[:16].startswith(b"SQLite format 3") else
                                                                ".shp" if lower.endswith(".shp") else ".geojson")
            path = Path(tmp) / f"boundaries{suffix}"
            path.write_bytes(data)
            return gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise InputError(name, f"could not be read as boundaries ({first})",
                         "use GeoJSON, GeoPackage or a zipped Shapefile") from None


def read_boundaries(source: str | Path | NamedBytes, area_id: str | None = None, crs: str | None = None) -> Boundaries:
    """Read polygons, reproject to British National Grid, find the code column, repair geometry."""
    item = source if isinstance(source, NamedBytes) else NamedBytes(str(source), read_bytes(source, MAX_BOUNDARY_BYTES))
    gdf = _read_any(item)
    notes: list[str] = []
    if gdf.empty:
        raise InputError(item.name, "holds no features", "check the layer has polygons in it")
    if gdf.crs is None:
        if crs:
            gdf = gdf.set_crs(crs)
        else:
            guessed, why = _guess_crs(gdf, item.name)
            gdf = gdf.set_crs(guessed)
            notes.append(f"{item.name} has no .prj: assumed {why}.")
    elif crs:
        notes.append(f"{item.name} declares its own CRS ({gdf.crs.to_string()}); --crs {crs} was not needed.")
    gdf = gdf.to_crs(BNG)

    code_col = area_id or detect_code_column(gdf)
    if code_col is None:
        raise InputError(item.name, "has no recognisable area-code column (such as LSOA21CD)",
                         "name it: --area-id COLUMN; columns are " + ", ".join(map(str, gdf.columns[:12])))
    if code_col not in gdf.columns:
        raise InputError(item.name, f"has no column {code_col!r}", "columns are " + ", ".join(map(str, gdf.columns[:12])))
    name_col = next((c for c in gdf.columns if NAME_COLUMN_PATTERN.match(str(c))
                     and str(c)[:-2].upper() == str(code_col)[:-2].upper()), None)
    name_col = name_col or next((c for c in gdf.columns if NAME_COLUMN_PATTERN.match(str(c))), None)

    # geometry: drop empty / non-polygon, repair invalid
    geom = gdf.geometry
    unusable = geom.isna() | geom.is_empty | ~geom.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    dropped = int(unusable.sum())
    if dropped:
        notes.append(f"{dropped:,} feature(s) without polygon geometry were dropped.")
    gdf = gdf[~unusable].copy()
    invalid = ~gdf.geometry.is_valid
    repaired = int(invalid.sum())
    if repaired:
        fixed = shapely.make_valid(gdf.geometry[invalid].to_numpy())
        gdf.loc[invalid, "geometry"] = [_polygonal(g) for g in fixed]
        notes.append(f"{repaired:,} invalid polygon(s) (for example self-intersecting) were repaired.")
    gdf = gdf[~gdf.geometry.is_empty]

    gdf["area_code"] = gdf[code_col].astype(str).str.strip()
    gdf["area_name"] = gdf[name_col].astype(str) if name_col else gdf["area_code"]
    blank = gdf["area_code"].isin(["", "nan", "None"])
    if blank.any():
        notes.append(f"{int(blank.sum()):,} feature(s) with no area code were dropped.")
        dropped += int(blank.sum())
        gdf = gdf[~blank]
    if gdf["area_code"].duplicated().any():
        n_dup = int(gdf["area_code"].duplicated().sum())
        gdf = gdf.dissolve(by="area_code", as_index=False, aggfunc="first")
        notes.append(f"{n_dup:,} repeated area code(s): their polygons were merged into one area each.")
    if gdf.empty:
        raise InputError(item.name, "has no usable polygons", "check the file in QGIS")
    keep = ["area_code", "area_name"] + [c for c in gdf.columns if c not in ("area_code", "area_name", "geometry")]
    out = gpd.GeoDataFrame(gdf[keep + ["geometry"]].reset_index(drop=True), geometry="geometry", crs=BNG)
    return Boundaries(out, str(code_col), str(name_col) if name_col else None, notes, repaired, dropped, item.name)


def _polygonal(geom):
    """The polygonal part of a repaired geometry (make_valid can return lines or points beside polygons)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()

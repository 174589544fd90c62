"""Writing tables and layers that open cleanly in Excel and QGIS, with their metadata alongside.

* CSV: UTF-8 with a byte-order mark (Excel then reads accents correctly); metadata in a sidecar
  ``<name>.metadata.csv``.
* XLSX: the table, plus a ``metadata`` sheet.
* GeoJSON: WGS84 (RFC 7946), with a top-level ``metadata`` member (QGIS ignores it).
* GeoPackage: the layer in British National Grid, plus an attribute table ``metadata``.

Text cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
return) are written with a leading apostrophe in CSV and XLSX, so a hostile location such as
``=HYPERLINK("http://x","y")`` stays text.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import InputError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TABLE_FORMATS = (".csv", ".xlsx")
LAYER_FORMATS = (".geojson", ".gpkg")


def neutralise_text(value):
    """A text cell made safe for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("str", "string"):
            out[col] = out[col].map(neutralise_text)
    out.columns = [neutralise_text(str(c)) for c in out.columns]
    return out


def metadata_frame(metadata: dict) -> pd.DataFrame:
    return pd.DataFrame({"item": list(metadata), "value": [str(v) for v in metadata.values()]})


def write_output(frame: pd.DataFrame, path: str | Path, metadata: dict, allowed: tuple[str, ...],
                 geometry: gpd.GeoSeries | None = None, layer: str = "hotspots") -> list[Path]:
    """Write ``frame`` (plus ``geometry`` for map formats) to ``path``; return the files written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputError(str(path), f"unsupported output type {suffix or '(none)'}", f"use one of {', '.join(allowed)}")
    if not path.parent.exists():
        raise InputError(str(path), "its folder does not exist", "create the folder or choose another path")
    if suffix == ".csv":
        neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
        side = path.with_name(path.stem + ".metadata.csv")
        neutralise_frame(metadata_frame(metadata)).to_csv(side, index=False, encoding="utf-8-sig")
        return [path, side]
    if suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            neutralise_frame(frame).to_excel(xl, sheet_name=layer[:31], index=False)
            neutralise_frame(metadata_frame(metadata)).to_excel(xl, sheet_name="metadata", index=False)
        return [path]
    if geometry is None:
        raise InputError(str(path), "this output has no geometry", "write it as .csv or .xlsx")
    gdf = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry.reset_index(drop=True))
    if suffix == ".geojson":
        collection = json.loads(gdf.to_crs("EPSG:4326").to_json(drop_id=True, na="null"))
        collection["metadata"] = {k: str(v) for k, v in metadata.items()}
        path.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
        return [path]
    if path.exists():
        path.unlink()  # a GeoPackage is a database: start it afresh rather than appending layers
    pyogrio.write_dataframe(gdf.to_crs("EPSG:27700"), path, layer=layer, driver="GPKG")
    pyogrio.write_dataframe(metadata_frame(metadata), path, layer="metadata", driver="GPKG")
    return [path]

"""Writing tables and layers that open cleanly in Excel and QGIS, with their metadata alongside.

* CSV: UTF-8 with a byte-order mark (Excel then reads accents correctly); metadata in a sidecar
  ``<name>.metadata.csv``.
* XLSX: the table, plus a ``metadata`` sheet.
* GeoJSON: WGS84 (RFC 7946), with a top-level ``metadata`` member (QGIS ignores it).
* GeoPackage: the layer in British National Grid, plus an attribute table ``metadata``.

An output of sensitive data written without suppression (``banner``, e.g. "UNSUPPRESSED: not for
sharing") says so on its first line (CSV, and the CSV's metadata), in its first sheet (XLSX), as
the collection's name before anything else (GeoJSON) and in its first table (GeoPackage).

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
                 geometry: gpd.GeoSeries | None = None, layer: str = "hotspots", banner: str | None = None,
                 extra_sheets: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write ``frame`` (plus ``geometry`` for map formats) to ``path``; return the files written.

    ``extra_sheets`` ({name: table}) become further sheets of an XLSX file, and further
    ``<name>.<sheet>.csv`` files beside a CSV; map formats ignore them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputError(str(path), f"unsupported output type {suffix or '(none)'}", f"use one of {', '.join(allowed)}")
    if not path.parent.exists():
        raise InputError(str(path), "its folder does not exist", "create the folder or choose another path")
    if banner:
        metadata = {"WARNING": banner, **{k: v for k, v in metadata.items() if k != "WARNING"}}
    extra_sheets = extra_sheets or {}
    if suffix == ".csv":
        written = [path]
        _csv(neutralise_frame(frame), path, banner)
        side = path.with_name(path.stem + ".metadata.csv")
        _csv(neutralise_frame(metadata_frame(metadata)), side, banner)
        written.append(side)
        for name, sheet in extra_sheets.items():
            extra = path.with_name(f"{path.stem}.{name}.csv")
            _csv(neutralise_frame(sheet), extra, banner)
            written.append(extra)
        return written
    if suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            if banner:
                pd.DataFrame({banner: [f"See the metadata sheet: {metadata.get('disclosure_control', '')}"]}).to_excel(
                    xl, sheet_name="UNSUPPRESSED", index=False)
            neutralise_frame(frame).to_excel(xl, sheet_name=layer[:31], index=False)
            for name, sheet in extra_sheets.items():
                neutralise_frame(sheet).to_excel(xl, sheet_name=name[:31], index=False)
            neutralise_frame(metadata_frame(metadata)).to_excel(xl, sheet_name="metadata", index=False)
        return [path]
    if geometry is None:
        raise InputError(str(path), "this output has no geometry", "write it as .csv or .xlsx")
    gdf = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry.reset_index(drop=True))
    if suffix == ".geojson":
        features = json.loads(gdf.to_crs("EPSG:4326").to_json(drop_id=True, na="null"))
        collection = {"type": "FeatureCollection"}
        if banner:
            collection["name"] = banner
        collection["metadata"] = {k: str(v) for k, v in metadata.items()}
        collection.update({k: v for k, v in features.items() if k != "type"})
        path.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
        return [path]
    if path.exists():
        path.unlink()  # a GeoPackage is a database: start it afresh rather than appending layers
    if banner:
        pyogrio.write_dataframe(pd.DataFrame({"warning": [banner]}), path, layer="UNSUPPRESSED", driver="GPKG")
    pyogrio.write_dataframe(gdf.to_crs("EPSG:27700"), path, layer=layer, driver="GPKG", append=bool(banner))
    pyogrio.write_dataframe(metadata_frame(metadata), path, layer="metadata", driver="GPKG", append=True)
    return [path]


def _csv(frame: pd.DataFrame, path: Path, banner: str | None) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        if banner:
            fh.write(banner + "\n")
        frame.to_csv(fh, index=False, lineterminator="\n")

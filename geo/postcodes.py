"""Geocoding postcodes with the bundled OS Code-Point Open (West Midlands postcode units).

A postcode is matched exactly, ignoring case and spaces, to its unit's centroid. Unmatched
postcodes are counted and reported, never guessed (no sector or district fallback).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from geo.catalogue import layer


def normalise_postcode(text: pd.Series) -> pd.Series:
    return text.astype(str).str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)


@lru_cache(maxsize=1)
def _codepoint() -> pd.DataFrame:
    table = pd.read_csv(layer("postcodes").path, dtype={"postcode": str, "lad_code": str, "ward_code": str})
    table["key"] = normalise_postcode(table["postcode"])
    return table.drop_duplicates("key").set_index("key")[["postcode", "easting", "northing", "positional_quality"]]


def geocode_postcodes(postcodes: pd.Series) -> pd.DataFrame:
    """Easting/northing (BNG metres) for each postcode; NaN where the postcode is not found."""
    table = _codepoint()
    found = table.reindex(normalise_postcode(postcodes).to_numpy())
    found.index = postcodes.index
    return found[["easting", "northing", "positional_quality"]]

"""Synthetic police.uk street CSVs for the ingest benchmark (fixed seed; generated once, then reused).

    .venv/bin/python -m benchmarks.ingest_data 1m 3m      # generate (or reuse) both sizes

Each size is written as monthly files ``benchmarks/.data/police-<size>/YYYY-MM/YYYY-MM-west-midlands-street.csv``
and as a police.uk-style archive ``benchmarks/.data/police-<size>.zip`` holding the same files as
``YYYY-MM/YYYY-MM-west-midlands-street.csv`` members. ``benchmarks/.data/`` is git-ignored.

What the files look like (the real schema and the real data's quirks, see ENGINEERING-NOTES.md):

* the columns exactly as ``data/crime/format_examples/police_uk_street_sample.csv``; "Reported by" and
  "Falls within" are West Midlands Police; LF line endings, no quoting unless a value needs it;
* points snapped to a limited set of map points (``N_MAP_POINTS``, whatever the size; heavily
  repeated, lognormal popularity), each sampled once inside a bundled West Midlands
  2021 LSOA (``data/boundaries/lsoa21_wm.geojson``) and checked to lie inside it after rounding to the
  six decimals police.uk gives; the ``LSOA code``/``LSOA name`` columns name that LSOA;
* ``Location`` is "On or near <street>"; a few streets carry a comma (so they are quoted), and
  only map points first used late in a month's file have them (the DuckDB sniffer trap);
* every crime type, about 20 % anti-social behaviour with an empty Crime ID and no outcome;
* about 9 % of rows with no location: blank coordinates and LSOA, "No Location";
* 64-hex Crime IDs; a few hundred rows repeated in the next month's file with the same Crime ID
  (overlapping downloads), so the row count includes them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA_DIR = HERE / ".data"
LSOA_FILE = ROOT / "data" / "boundaries" / "lsoa21_wm.geojson"
FORCE = "West Midlands Police"
SIZES = {"1m": 1_000_000, "3m": 3_000_000}
N_MONTHS = 36
FIRST_MONTH = (2022, 1)
N_MAP_POINTS = 30_000  # distinct map points (police.uk snaps to a fixed set per area, however many months)
SEED = 20261203
VERSION = 2  # bump when the generator changes: old data is then regenerated

COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
           "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
# share of rows per crime type (roughly a metropolitan force's mix)
CRIME_MIX = {
    "Anti-social behaviour": 0.20, "Violence and sexual offences": 0.31, "Public order": 0.08,
    "Criminal damage and arson": 0.07, "Vehicle crime": 0.07, "Other theft": 0.06, "Burglary": 0.05,
    "Shoplifting": 0.05, "Drugs": 0.025, "Robbery": 0.02, "Other crime": 0.02, "Theft from the person": 0.015,
    "Bicycle theft": 0.01, "Possession of weapons": 0.01,
}
OUTCOMES = ["Investigation complete; no suspect identified", "Unable to prosecute suspect", "Under investigation",
            "Status update unavailable", "Court result unavailable", "Awaiting court outcome",
            "Local resolution", "Offender given a caution", "Further investigation is not in the public interest",
            "Formal action is not in the public interest", "Action to be taken by another organisation",
            "Offender sent to prison", "Suspect charged as part of another case"]
OUTCOME_P = np.array([30, 25, 14, 8, 5, 4, 4, 2, 2, 2, 2, 1, 1], float)
STREET_STEMS = ["High", "Church", "Station", "Park", "Victoria", "Mill", "School", "Albert", "Stratford",
                "Coventry", "Warwick", "Walsall", "Dudley", "Soho", "Moseley", "Aston", "Hagley", "Bristol",
                "Pershore", "Alcester", "Lichfield", "Tamworth", "Chester", "Green", "Oak", "Elm", "Ash",
                "Cedar", "Holly", "Maple", "Willow", "Beech", "Birch", "Rose", "Meadow", "Brook", "Hill",
                "Bridge", "Castle", "King", "Queen", "Princess", "George", "Edward", "William", "Charles",
                "Nelson", "Wellington", "Shakespeare", "Milton", "Tennyson", "Byron", "Kingsbury", "Sutton",
                "Erdington", "Handsworth", "Ladywood", "Edgbaston", "Selly", "Northfield", "Kings Heath",
                "Hall Green", "Yardley", "Sheldon", "Acocks", "Sparkhill", "Small Heath", "Bordesley"]
STREET_KINDS = ["Street", "Road", "Lane", "Avenue", "Close", "Drive", "Grove", "Way", "Crescent", "Place",
                "Gardens", "Court", "Walk", "Rise", "Terrace"]
PLACES = ["Shopping Area", "Parking Area", "Supermarket", "Petrol Station", "Nightclub", "Sports/Recreation Area",
          "Further/Higher Educational Building", "Hospital", "Police Station", "Bus/Coach Station",
          "Conference/Exhibition Centre", "Theatre/Concert Hall", "Pedestrian Subway"]
COMMA_STREETS = ["High Road, Ickenham", "Church Road, Erdington", "Station Road, Kings Norton",
                 "Bull Ring, Digbeth", "New Street, City Centre"]


def paths(size: str) -> tuple[Path, Path]:
    """(folder of monthly files, archive zip) for a size key ('1m', '3m')."""
    return DATA_DIR / f"police-{size}", DATA_DIR / f"police-{size}.zip"


def month_names(n_months: int = N_MONTHS, first=FIRST_MONTH) -> list[str]:
    y, m = first
    out = []
    for i in range(n_months):
        yy, mm = y + (m - 1 + i) // 12, (m - 1 + i) % 12 + 1
        out.append(f"{yy:04d}-{mm:02d}")
    return out


def _map_points(n: int, rng: np.random.Generator):
    """``n`` map points, each inside one bundled LSOA (checked after rounding to 6 decimals).

    Returns lon text, lat text, LSOA code, LSOA name and street text per map point.
    """
    import geopandas as gpd
    import shapely

    sys.path.insert(0, str(ROOT))
    from geo.projection import lonlat_to_bng

    lsoa = gpd.read_file(LSOA_FILE).to_crs(27700)
    geoms = lsoa.geometry.to_numpy()
    shapely.prepare(geoms)
    # more map points in more LSOAs' worth of area, but every LSOA gets some
    area = shapely.area(geoms)
    share = 0.5 / len(geoms) + 0.5 * area / area.sum()
    if n >= len(geoms):
        per = rng.multinomial(n - len(geoms), share) + 1
        owner = np.repeat(np.arange(len(geoms)), per)
    else:  # (a small test run: n different LSOAs, one map point each)
        owner = np.sort(rng.choice(len(geoms), size=n, replace=False, p=share))
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    bounds = shapely.bounds(geoms)
    from geo.projection import bng_to_lonlat

    while len(todo):
        b = bounds[owner[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        lo, la = bng_to_lonlat(x, y)
        lo, la = np.round(lo, 6), np.round(la, 6)
        e, nn = lonlat_to_bng(lo, la)  # what the reader will compute from the rounded text
        ok = shapely.contains_xy(geoms[owner[todo]], e, nn)
        lon[todo[ok]], lat[todo[ok]] = lo[ok], la[ok]
        todo = todo[~ok]
    lon_text = np.char.mod("%.6f", lon)
    lat_text = np.char.mod("%.6f", lat)
    streets = [f"{s} {k}" for s in STREET_STEMS for k in STREET_KINDS]
    street = np.array(streets, dtype=object)[rng.integers(0, len(streets), n)]
    places = rng.random(n) < 0.08
    street[places] = np.array(PLACES, dtype=object)[rng.integers(0, len(PLACES), int(places.sum()))]
    commas = rng.choice(n, size=max(5, n // 2000), replace=False)
    street[commas] = np.array(COMMA_STREETS, dtype=object)[rng.integers(0, len(COMMA_STREETS), len(commas))]
    location = np.array(["On or near " + s for s in street], dtype=object)
    codes = lsoa["LSOA21CD"].to_numpy(dtype=object)[owner]
    names = lsoa["LSOA21NM"].to_numpy(dtype=object)[owner]
    return lon_text, lat_text, codes, names, location, np.isin(np.arange(n), commas)


def _hex_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    text = rng.integers(0, 256, size=32 * n, dtype=np.uint8).tobytes().hex().encode("ascii")
    return np.frombuffer(text, dtype="S64").astype("U64").astype(object)


def _month_frame(month: str, n: int, pts, pop: np.ndarray, rng: np.random.Generator):
    import pandas as pd

    lon_text, lat_text, codes, names, location, has_comma = pts
    types = np.array(list(CRIME_MIX), dtype=object)
    p = np.array(list(CRIME_MIX.values()))
    crime = types[rng.choice(len(types), size=n, p=p / p.sum())]
    asb = crime == "Anti-social behaviour"
    where = rng.choice(len(pop), size=n, p=pop)
    # quoted (comma) streets appear only after the first 20,000 rows of a file
    early = np.arange(n) < min(20_000, n // 2)
    clash = early & has_comma[where]
    while clash.any():
        where[clash] = rng.choice(len(pop), size=int(clash.sum()), p=pop)
        clash = early & has_comma[where]
    nowhere = rng.random(n) < 0.09
    ids = _hex_ids(n, rng)
    ids[asb] = ""
    outcome = np.array(OUTCOMES, dtype=object)[rng.choice(len(OUTCOMES), size=n, p=OUTCOME_P / OUTCOME_P.sum())]
    outcome[asb] = ""
    frame = pd.DataFrame({
        "Crime ID": ids, "Month": month, "Reported by": FORCE, "Falls within": FORCE,
        "Longitude": np.where(nowhere, "", lon_text[where]), "Latitude": np.where(nowhere, "", lat_text[where]),
        "Location": np.where(nowhere, "No Location", location[where]),
        "LSOA code": np.where(nowhere, "", codes[where]), "LSOA name": np.where(nowhere, "", names[where]),
        "Crime type": crime, "Last outcome category": outcome, "Context": "",
    }, columns=COLUMNS)
    return frame


def write_police_data(folder: Path, archive: Path, n_rows: int, n_points: int = N_MAP_POINTS, seed: int = SEED,
                      n_dup: int | None = None) -> dict:
    """Write ``n_rows`` rows as monthly street CSVs under ``folder`` and the same files into ``archive``."""
    import pandas as pd

    rng = np.random.default_rng(seed + n_rows)
    pts = _map_points(n_points, rng)
    pop = rng.lognormal(0.0, 1.5, n_points)
    pop /= pop.sum()
    months = month_names()
    n_dup = 300 * max(1, n_rows // 1_000_000) if n_dup is None else n_dup  # rows repeated in the next month
    per_month = np.full(len(months), (n_rows - n_dup) // len(months))
    per_month[: (n_rows - n_dup) - per_month.sum()] += 1
    dup_per = np.zeros(len(months), int)
    dup_per[1:] = n_dup // (len(months) - 1)
    dup_per[1: 1 + n_dup - dup_per.sum()] += 1
    folder.mkdir(parents=True, exist_ok=True)
    previous = None
    total = dup_total = 0
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i, month in enumerate(months):
            frame = _month_frame(month, int(per_month[i]), pts, pop, rng)
            if previous is not None and dup_per[i]:
                # overlapping downloads: some of last month's crimes (with IDs) appear again, at the end
                keyed = previous[previous["Crime ID"] != ""]
                again = keyed.iloc[rng.choice(len(keyed), size=int(dup_per[i]), replace=False)].copy()
                flip = rng.random(len(again)) < 0.5
                again.loc[flip, "Last outcome category"] = "Under investigation"
                frame = pd.concat([frame, again], ignore_index=True)
                dup_total += len(again)
            data = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
            member = f"{month}/{month}-west-midlands-street.csv"
            (folder / month).mkdir(exist_ok=True)
            (folder / member).write_bytes(data)
            zf.writestr(member, data)
            total += len(frame)
            previous = frame
    return {"rows_written": total, "duplicate_rows": dup_total, "map_points": n_points, "files": len(months)}


def generate(size: str, force: bool = False, quiet: bool = False) -> tuple[Path, Path]:
    """Write (or reuse) the monthly files and the archive of one size; return (folder, zip)."""
    folder, archive = paths(size)
    marker = DATA_DIR / f"police-{size}.manifest.json"  # outside the folder: not an input file
    n_rows = SIZES[size]
    want = {"version": VERSION, "rows": n_rows, "months": N_MONTHS, "seed": SEED}
    if not force and marker.exists() and archive.exists():
        try:
            if {k: v for k, v in json.loads(marker.read_text()).items() if k in want} == want:
                return folder, archive
        except (OSError, ValueError):
            pass
    t0 = time.perf_counter()
    if marker.exists():
        marker.unlink()
    stats = write_police_data(folder, archive, n_rows)
    manifest = {**want, **stats, "seconds": round(time.perf_counter() - t0, 1)}
    marker.write_text(json.dumps(manifest, indent=1))
    if not quiet:
        print(f"generated {size}: {stats['rows_written']:,} rows in {stats['files']} files "
              f"({stats['map_points']:,} map points, {stats['duplicate_rows']:,} repeated Crime IDs) in "
              f"{manifest['seconds']} s -> {folder}, {archive}", file=sys.stderr)
    return folder, archive


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", default=["1m"], choices=list(SIZES))
    ap.add_argument("--force", action="store_true", help="regenerate even if the data exists")
    args = ap.parse_args(argv)
    for size in args.sizes:
        folder, archive = generate(size, force=args.force)
        print(folder, archive)


if __name__ == "__main__":
    main()

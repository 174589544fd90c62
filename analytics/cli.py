"""The analysts' command line: ``python -m analytics hotspots | clusters | concentration | check | ingest | store``.

Scheduled jobs rely on this interface. Unusable input ends with exit status 2 and one line on
stderr (never a traceback); progress goes to stderr, so stdout carries only results.

``ingest`` keeps police.uk months and partner extracts in the incident store (the DuckDB file named
by ``HOTSPOT_STORE``, else ``local/incidents.duckdb``); ``store list | delete | rejects`` manage it,
and ``hotspots``, ``clusters`` and ``concentration`` analyse it with ``--store`` instead of
``--incidents``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import pandas as pd

from geo.errors import InputError

EXIT_BAD_INPUT = 2
SOURCES = ["police", "ed", "ambulance", "other"]  # police.uk formats, or partner tables labelled by source


class Progress:
    """One line per step on stderr, with the seconds it took (quiet with --quiet)."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:6.1f} s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- inputs
def _month(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise InputError(None, f"{flag} {text!r} is not a month", f"write it as YYYY-MM, e.g. {flag} 2024-06")
    return text.strip()


def read_incidents(paths: list[str], crime_types: list[str] | None, month_from: str | None, month_to: str | None,
                   source: str, say: Progress, study_area_bng=None):
    """Incidents from police.uk files (street CSV, archive zip, API) or partner tables, filtered."""
    from geo.partner import read_partner_table
    from geo.police_uk import read_police

    say(f"reading {len(paths)} incident input(s)")
    if source == "police":
        incidents = read_police(paths, study_area_bng=study_area_bng)
    else:
        parts = [read_partner_table(p, source_label=source, study_area_bng=study_area_bng) for p in paths]
        incidents = parts[0]
        for extra in parts[1:]:
            incidents.data = pd.concat([incidents.data, extra.data], ignore_index=True)
            incidents.report = incidents.report.merge(extra.report)
    say(incidents.report.summary())
    for note in incidents.report.notes:
        say(note)
    return incidents, filter_incidents(incidents.data, crime_types, month_from, month_to, say)


def _month_range(month_from: str | None, month_to: str | None) -> tuple[str | None, str | None]:
    lo, hi = _month(month_from, "--from"), _month(month_to, "--to")
    if lo and hi and lo > hi:
        raise InputError(None, f"--from {lo} is after --to {hi}", "swap them")
    return lo, hi


def filter_incidents(data, crime_types: list[str] | None, month_from: str | None, month_to: str | None,
                     say: Progress):
    """Incidents of the chosen months and crime types (slugs or names, any case); an error if none are left."""
    from geo.police_uk import CRIME_TYPE_BY_SLUG

    lo, hi = _month_range(month_from, month_to)
    if lo:
        data = data[data["month"] >= lo]
    if hi:
        data = data[data["month"] <= hi]
    if crime_types:
        wanted = {CRIME_TYPE_BY_SLUG.get(t.strip().lower(), t.strip()).lower() for t in crime_types}
        known = set(data["category"].str.lower())
        unknown = sorted(wanted - known)
        if unknown and not (wanted & known):
            raise InputError(None, f"no incidents of type {', '.join(unknown)}",
                             "types present: " + ", ".join(sorted(set(data["category"]))[:15]))
        data = data[data["category"].str.lower().isin(wanted)]
    if data.empty:
        raise InputError(None, "no incidents are left after the filters", "widen --from/--to or --crime-type")
    say(f"{len(data):,} incidents after filters"
        + (f" (types: {', '.join(crime_types)})" if crime_types else "")
        + (f" ({lo or '…'} to {hi or '…'})" if lo or hi else ""))
    return data


def open_store(say: Progress, wait_s: float = 3.0):
    """The incident store named by HOTSPOT_STORE (else local/incidents.duckdb)."""
    from geo.store import IncidentStore

    store = IncidentStore(wait_s=wait_s)
    say(f"incident store {store.path}")
    return store


def read_store_incidents(sources: list[str] | None, crime_types: list[str] | None, month_from: str | None,
                         month_to: str | None, say: Progress):
    """Stored incidents of the chosen sources (default: all), months and crime types, and metadata about them."""
    store = open_store(say)
    lo, hi = _month_range(month_from, month_to)
    batches = store.batches()
    if batches.empty:
        raise InputError(f"incident store {store.path}", "holds no incidents",
                         "load files first: python -m analytics ingest PATH --source police")
    data = store.incidents(sources=sources, months=(lo, hi))
    if data.empty:
        held = store.facets()
        raise InputError(f"incident store {store.path}", "holds no incidents of "
                         + (f"source {', '.join(sources)}" if sources else "any source")
                         + (f" from {lo or '…'} to {hi or '…'}" if lo or hi else ""),
                         f"it holds sources {', '.join(held['sources']) or 'none'} and months "
                         + (f"{held['months'][0]} to {held['months'][-1]}" if held["months"] else "none"))
    mixed = sorted(data["source"].unique())
    say(f"{len(data):,} stored incidents ({', '.join(mixed)})")
    if len(mixed) > 1:
        print(f"warning: counting {', '.join(mixed)} incidents together (the same event may be in several); "
              "choose one with --source", file=sys.stderr)
    data = filter_incidents(data, crime_types, lo, hi, say)
    used = batches[batches["batch_id"].isin(data["batch_id"].unique())]
    files = used["file_name"].tolist()
    meta = {
        "incident_store": str(store.path),
        "incident_files": "; ".join(files[:20]) + (" …" if len(files) > 20 else ""),
        "incident_load": (f"{len(data):,} stored incidents from {len(used):,} batch(es) "
                          f"({', '.join(map(str, used['batch_id'].tolist()[:30]))}"
                          f"{' …' if len(used) > 30 else ''}); sources {', '.join(sorted(data['source'].unique()))}"),
    }
    return data, meta


def load_incidents(args, say: Progress):
    """(incidents, metadata) from --incidents files or from the store (--store)."""
    if getattr(args, "store", False):
        return read_store_incidents(args.source, args.crime_type, args.month_from, args.month_to, say)
    incidents, data = read_incidents(args.incidents, args.crime_type, args.month_from, args.month_to,
                                     _file_source(args), say)
    files = incidents.report.files
    return data, {"incident_files": "; ".join(files[:20]) + (" …" if len(files) > 20 else ""),
                  "incident_load": incidents.report.summary()}


def _file_source(args) -> str:
    """The one --source of incident files (police unless given)."""
    return args.source[0] if args.source else "police"


def area_values(args, areas, say: Progress):
    """(values indexed by area_code, label, metadata) from --incidents or --values."""
    from geo.areas import assign_areas
    from geo.lsoa_lookup import equivalent_pairs
    from geo.tabular import read_bytes, read_table

    meta: dict[str, str] = {}
    if args.incidents or args.store:
        data, loaded = load_incidents(args, say)
        assigned = assign_areas(data, areas, supplied=data["supplied_area_code"], equivalent_codes=equivalent_pairs())
        say(assigned.sentence("area"))
        if assigned.unassigned:
            print(f"warning: {assigned.unassigned:,} incident(s) lie outside every area of the boundaries and "
                  "are not counted", file=sys.stderr)
        weights = data["weight"].to_numpy(float)
        counts = pd.Series(weights, index=assigned.codes.to_numpy()).groupby(level=0).sum()
        counts = counts.drop(index="", errors="ignore").reindex(areas["area_code"], fill_value=0.0)
        meta.update({
            **loaded,
            "months": f"{data['month'].min()} to {data['month'].max()}",
            "crime_types": ", ".join(args.crime_type) if args.crime_type else "all",
            "incidents_outside_areas": str(assigned.unassigned),
            "area_assignment": assigned.sentence("area"),
        })
        return counts, "incident count", meta, data
    data = read_bytes(args.values)
    table, rep = read_table(data, args.values, allow_excel=True)
    id_col = args.values_id or next((c for c in table.columns if c.upper().endswith("CD")), None)
    if id_col is None or id_col not in table.columns:
        raise InputError(args.values, f"has no area-code column{f' {id_col!r}' if id_col else ''}",
                         "name it with --values-id COLUMN")
    if args.value_column not in table.columns:
        raise InputError(args.values, f"has no column {args.value_column!r}",
                         "columns are " + ", ".join(c for c in table.columns if c not in ("file", "row"))[:300])
    values = pd.to_numeric(table[args.value_column], errors="coerce")
    bad = values.isna()
    if bad.any():
        print(f"warning: {int(bad.sum()):,} row(s) of {args.values} have a non-numeric {args.value_column} and are "
              "left out", file=sys.stderr)
    series = pd.Series(values[~bad].to_numpy(), index=table.loc[~bad, id_col].astype(str).str.strip())
    if series.index.duplicated().any():
        raise InputError(args.values, f"repeats area codes in {id_col}", "give one row per area")
    unmatched = sorted(set(series.index) - set(areas["area_code"]))
    missing = sorted(set(areas["area_code"]) - set(series.index))
    if missing:
        raise InputError(args.values, f"has no value for {len(missing):,} of the {len(areas):,} areas (e.g. "
                         f"{', '.join(missing[:3])})", "use boundaries and values of the same geography and vintage")
    if unmatched:
        print(f"warning: {len(unmatched):,} value row(s) match no area and are not used (e.g. "
              f"{', '.join(unmatched[:3])})", file=sys.stderr)
    meta.update({"values_file": args.values, "value_column": args.value_column, "values_id": id_col})
    return series, args.value_column, meta, None


def read_areas(args, say: Progress):
    from geo.boundaries import read_boundaries

    say(f"reading boundaries {args.boundaries}")
    b = read_boundaries(args.boundaries, area_id=args.area_id, crs=args.crs)
    for note in b.notes:
        say(note)
    say(f"{len(b.data):,} areas, code column {b.code_column}")
    return b


def _population_for(areas) -> pd.DataFrame | None:
    """Bundled population when the areas are the West Midlands 2021 LSOAs, else None."""
    from geo.layers import lsoa21_population

    pop = lsoa21_population(2020)
    return pop if set(areas["area_code"]) <= set(pop["area_code"]) else None


# --------------------------------------------------------------------------------------------- commands
def cmd_hotspots(args, say: Progress) -> int:
    from analytics.hotspot_table import hotspot_table
    from geo.writers import LAYER_FORMATS, TABLE_FORMATS, write_output

    out = Path(args.out)
    if out.suffix.lower() not in TABLE_FORMATS + LAYER_FORMATS:
        raise InputError(args.out, "unsupported output type", "use .csv, .xlsx, .geojson or .gpkg")
    b = read_areas(args, say)
    values, label, meta, _ = area_values(args, b.data, say)
    population = _population_for(b.data)
    say(f"computing Gi* and local Moran's I on {args.weights} weights, {args.permutations} permutations"
        + ("" if args.fdr else ", no FDR"))
    result = hotspot_table(b.data, values, value_label=label, weights=args.weights, permutations=args.permutations,
                           seed=args.seed, fdr=args.fdr, population=population,
                           metadata={"boundaries": f"{args.boundaries} ({b.code_column})", **meta})
    say("classes: " + ", ".join(f"{k} {v}" for k, v in result.class_counts().items()))
    written = write_output(result.table, out, result.metadata, TABLE_FORMATS + LAYER_FORMATS, result.geometry)
    say("wrote " + ", ".join(map(str, written)))
    return 0


def cmd_clusters(args, say: Progress) -> int:
    import geopandas as gpd

    from analytics.clusters import DbscanClusters
    from geo.writers import write_output

    data, loaded = load_incidents(args, say)
    say(f"DBSCAN: eps {args.eps:g} m, min_samples {args.min_samples or 'automatic'}")
    result = DbscanClusters(data[["easting", "northing"]].to_numpy(), eps_m=args.eps, min_samples=args.min_samples,
                            weights=data["weight"].to_numpy(float) if (data["weight"] != 1).any() else None,
                            locations=data["location"].to_numpy())
    say(f"{result.n_clusters:,} clusters; {result.n_noise:,} incidents are noise (label -1); "
        f"min_samples {result.min_samples} ({result.min_samples_rule})")
    cols = ["incident_id", "source", "category", "month", "date", "time", "location", "easting", "northing",
            "longitude", "latitude", "file", "row"]
    table = data[cols].reset_index(drop=True).copy()
    table["date"] = table["date"].dt.strftime("%Y-%m-%d").fillna("")
    table.insert(0, "cluster", result.labels)
    meta = {"title": "DBSCAN clusters of incidents", **loaded,
            "crime_types": ", ".join(args.crime_type) if args.crime_type else "all",
            **{k: str(v) for k, v in result.parameters.items()},
            "noise": "cluster -1 = noise (not in any cluster)"}
    written = write_output(table, args.out, meta, (".csv", ".geojson", ".gpkg"),
                           gpd.GeoSeries(data.geometry.to_numpy(), crs=data.crs), layer="incidents")
    if args.outlines:
        outlines = result.outlines  # one polygon per cluster, with its summary columns
        frame = pd.DataFrame(outlines.drop(columns="geometry"))
        written += write_output(frame, args.outlines, meta, (".csv", ".geojson", ".gpkg"),
                                outlines.geometry, layer="cluster_outlines")
    say("wrote " + ", ".join(map(str, written)))
    return 0


def cmd_concentration(args, say: Progress) -> int:
    from analytics.concentration import Concentration

    b = read_areas(args, say)
    values, label, _, _ = area_values(args, b.data, say)
    what = "recorded incidents" if args.incidents or args.store else args.value_column
    conc = Concentration(values.to_numpy(float), unit=args.unit, what=what, area_name=args.area_name)
    if args.json:
        print(json.dumps(conc.to_dict(), indent=2, allow_nan=False))
    else:
        print(conc.sentence)
        print(f"Gini {conc.gini:.3f}; generalized Gini {conc.generalized_gini:.3f}")
        for share, value in conc.top_shares.items():
            print(f"top {share} of {args.unit}s hold {100 * value:.1f} % of {what}")
    return 0


def cmd_check(args, say: Progress) -> int:
    """Load files as the app would and report every rejected row (optionally to a CSV)."""
    from geo.writers import write_output

    incidents, data = read_incidents(args.incidents, None, None, None, args.source, say)
    print(incidents.report.summary())
    for reason, n in incidents.report.reason_counts().items():
        print(f"  {reason}: {n:,}")
    if args.rejects:
        rej = incidents.report.rejected
        write_output(rej, args.rejects, {"load": incidents.report.summary()}, (".csv", ".xlsx"))
        say(f"wrote {len(rej):,} rejected rows to {args.rejects}")
    return 0


def read_mapping(path: str) -> dict[str, str]:
    """A partner-table column mapping: JSON ``{"field": "column"}`` or a CSV of ``field,column`` rows."""
    import csv
    import io

    from geo.partner import FIELDS
    from geo.tabular import decode_text, read_bytes

    text, _ = decode_text(read_bytes(path, 1_000_000), path)
    fix = 'write it as JSON, e.g. {"postcode": "Incident postcode", "datetime": "When"}, or a CSV of field,column'
    if text.lstrip().startswith(("{", "[")) or path.lower().endswith(".json"):
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"is not valid JSON (line {exc.lineno})", fix) from None
        if not isinstance(mapping, dict):
            raise InputError(path, "is JSON but not an object of field: column pairs", fix)
    else:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        if rows and [c.lower() for c in rows[0][:2]] == ["field", "column"]:
            rows = rows[1:]
        if not rows or any(len(r) != 2 for r in rows):
            raise InputError(path, "is not a mapping of two columns, field and column", fix)
        mapping = dict(rows)
    bad = [f for f, c in mapping.items() if f not in FIELDS or not isinstance(c, str) or not c.strip()]
    if bad:
        raise InputError(path, f"maps unknown fields or blank columns: {', '.join(map(str, bad[:5]))}",
                         f"fields are {', '.join(FIELDS)}")
    if not mapping:
        raise InputError(path, "is an empty mapping", fix)
    return {str(f): c.strip() for f, c in mapping.items()}


def cmd_ingest(args, say: Progress) -> int:
    """Store files in the incident store; files already stored add nothing."""
    from geo.store import current_user

    mapping = read_mapping(args.mapping) if args.mapping else None
    store = open_store(say)
    say(f"reading and checking {len(args.paths)} input(s) as {args.source}")
    result = store.ingest(args.paths, args.source, loaded_by=args.loaded_by if args.loaded_by is not None
                          else current_user(), mapping=mapping)
    for note in result.notes:
        say(note)
    for batch in result.files:
        print(batch.summary())
        for note in batch.notes:
            say(f"{Path(batch.file).name}: {note}")
    print(result.summary())
    return 0


def _batches_for_output(batches: pd.DataFrame) -> list[dict]:
    out = []
    for row in batches.to_dict("records"):
        out.append({
            "batch_id": int(row["batch_id"]), "file": row["file_name"], "source": row["source"],
            "loaded_by": row["loaded_by"], "loaded_at": row["loaded_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "months": [row["first_month"], row["last_month"]] if isinstance(row["first_month"], str) else [],
            "rows_read": int(row["rows_read"]), "accepted": int(row["accepted"]),
            "duplicates": int(row["duplicates"]), "rejected": int(row["rejected"]),
            "rejected_by_reason": json.loads(row["rejected_by_reason"]), "content_hash": row["content_hash"],
        })
    return out


def _short_name(name: str) -> str:
    """A file name without its folders (an archive member keeps its archive: ``archive.zip:2024-01/x.csv``)."""
    archive, sep, member = name.partition(".zip:")
    return f"{Path(archive).name}.zip:{member}" if sep else Path(name).name


def cmd_store(args, say: Progress) -> int:
    """store list | delete | rejects."""
    store = open_store(say)
    if args.store_command == "list":
        batches = _batches_for_output(store.batches())
        if args.json:
            print(json.dumps(batches, indent=2, ensure_ascii=False))
            return 0
        if not batches:
            print(f"the store {store.path} holds no batches")
            return 0
        table = pd.DataFrame([{
            "id": b["batch_id"], "file": _short_name(b["file"]),
            "source": b["source"], "loaded by": b["loaded_by"], "loaded at (UTC)": b["loaded_at"][:16].replace("T", " "),
            "months": " to ".join(dict.fromkeys(b["months"])), "accepted": f"{b['accepted']:,}",
            "duplicates": f"{b['duplicates']:,}", "rejected": f"{b['rejected']:,}"} for b in batches])
        print(table.to_string(index=False))
        return 0
    if args.store_command == "delete":
        print(store.delete_batch(args.batch_id).summary())
        return 0
    rejects = store.rejects(args.batch_id)
    print(f"batch {args.batch_id}: {len(rejects):,} row(s) not stored as incidents")
    for reason, n in rejects["reason"].value_counts().items():
        print(f"  {reason}: {n:,}")
    if args.out:
        from geo.writers import write_output

        write_output(rejects, args.out, {"store": str(store.path), "batch_id": str(args.batch_id)}, (".csv", ".xlsx"))
        say(f"wrote {len(rejects):,} rows to {args.out}")
    return 0


# --------------------------------------------------------------------------------------------- parser
def _add_incident_options(p, required: bool = False):
    p.add_argument("--incidents", nargs="+", metavar="PATH", required=required,
                   help="police.uk street CSVs, folders, archive zips or API JSON; or partner tables with --source")
    p.add_argument("--store", action="store_true",
                   help="use the incidents in the store (see `ingest`; file: $HOTSPOT_STORE or local/incidents.duckdb)")
    p.add_argument("--crime-type", nargs="+", metavar="TEXT",
                   help='crime types to keep, e.g. "Violence and sexual offences" Robbery (default: all)')
    p.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month to keep")
    p.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month to keep")
    p.add_argument("--source", choices=SOURCES, nargs="+", action="extend",
                   help="police = police.uk formats (default); ed/ambulance/other = partner tables (CSV/XLSX); "
                        "with --store, the sources to analyse (default: all stored)")


def _add_area_options(p):
    p.add_argument("--boundaries", required=True, metavar="PATH", help="GeoJSON, GeoPackage or zipped Shapefile")
    p.add_argument("--area-id", metavar="COL", help="area-code column (detected if omitted, e.g. LSOA21CD)")
    p.add_argument("--crs", metavar="EPSG", help="CRS of boundaries that lack one (e.g. EPSG:27700)")
    _add_incident_options(p)
    p.add_argument("--values", metavar="PATH", help="a table of one value per area instead of incidents")
    p.add_argument("--value-column", metavar="COL", help="the value column of --values")
    p.add_argument("--values-id", metavar="COL", help="the area-code column of --values (default: first *CD column)")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str):
        print(f"error: {message} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    hot = sub.add_parser("hotspots", help="Gi* and local Moran hot spots per area")
    _add_area_options(hot)
    hot.add_argument("--weights", default="queen", help="queen (default) | rook | knn:K | distance:METRES")
    hot.add_argument("--permutations", type=int, default=999, help="permutations for pseudo p-values (default 999)")
    hot.add_argument("--seed", type=int, default=12345, help="random seed (default 12345, for repeatable runs)")
    hot.add_argument("--no-fdr", dest="fdr", action="store_false",
                     help="classify on raw p-values instead of false-discovery-rate control")
    hot.add_argument("--out", required=True, metavar="PATH", help="PATH.csv | .xlsx | .geojson | .gpkg")

    clu = sub.add_parser("clusters", help="DBSCAN clusters of incident points")
    _add_incident_options(clu)
    clu.add_argument("--eps", type=float, default=150.0, help="neighbourhood radius in metres (default 150)")
    clu.add_argument("--min-samples", type=int, help="incidents within eps to form a core (default: automatic)")
    clu.add_argument("--out", required=True, metavar="PATH", help="one row per incident: PATH.csv | .geojson | .gpkg")
    clu.add_argument("--outlines", metavar="PATH", help="cluster outline polygons with their summary")

    con = sub.add_parser("concentration", help="how concentrated incidents are across areas")
    _add_area_options(con)
    con.add_argument("--json", action="store_true", help="print Lorenz points, Gini and top shares as JSON")
    con.add_argument("--unit", default="area", help='what the areas are called in the sentence (e.g. "LSOA")')
    con.add_argument("--area-name", default="the area", help='how the whole area is called (e.g. "Birmingham")')

    chk = sub.add_parser("check", help="load incident files and report every rejected row")
    chk.add_argument("incidents", nargs="+", metavar="PATH")
    chk.add_argument("--source", choices=SOURCES, default="police")
    chk.add_argument("--rejects", metavar="PATH", help="write the rejected rows to PATH.csv or .xlsx")

    ing = sub.add_parser("ingest", help="keep incident files in the store (files already stored add nothing)")
    ing.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or archive zips")
    ing.add_argument("--source", choices=SOURCES, required=True,
                     help="police = police.uk formats; ed/ambulance/other = partner tables (CSV/XLSX)")
    ing.add_argument("--loaded-by", metavar="NAME", help="who loaded the files (default: your login name)")
    ing.add_argument("--mapping", metavar="FILE",
                     help='partner tables: JSON {"field": "column"} or CSV of field,column for unrecognised columns')

    sto = sub.add_parser("store", help="list, delete or inspect the batches in the incident store")
    store_sub = sto.add_subparsers(dest="store_command", required=True, parser_class=_Parser)
    lst = store_sub.add_parser("list", help="one line per batch: id, file, source, loaded by/at, counts")
    lst.add_argument("--json", action="store_true", help="print the batches as JSON")
    dele = store_sub.add_parser("delete", help="remove one batch: its incidents, rejects and record")
    dele.add_argument("batch_id", type=int, metavar="BATCH_ID")
    rej = store_sub.add_parser("rejects", help="the rows of one batch that were not stored, by reason")
    rej.add_argument("batch_id", type=int, metavar="BATCH_ID")
    rej.add_argument("--out", metavar="PATH", help="write the rows to PATH.csv or .xlsx")
    return parser


def _check_up_front(args) -> None:
    """Refuse unusable options before reading any data (a scheduled job fails fast and clearly)."""
    from analytics.weights import parse_weights_spec

    _month(getattr(args, "month_from", None), "--from")
    _month(getattr(args, "month_to", None), "--to")
    if getattr(args, "weights", None):
        parse_weights_spec(args.weights)
    if getattr(args, "permutations", 1) < 1:
        raise InputError(None, "--permutations must be at least 1 (local Moran's I and the pseudo p-values need "
                         "them)", "use e.g. --permutations 999")
    if getattr(args, "eps", 1) <= 0:
        raise InputError(None, "--eps must be a positive distance in metres", "e.g. --eps 150")
    if getattr(args, "store", False) and getattr(args, "incidents", None):
        raise InputError(None, "give either --incidents or --store", "files or the store, not both")
    if (args.command in ("hotspots", "clusters", "concentration") and args.incidents and args.source
            and len(args.source) > 1):
        raise InputError(None, "--source takes one value with --incidents", "load one kind of file per run")
    if args.command == "clusters" and not (args.incidents or args.store):
        raise InputError(None, "give either --incidents or --store", "the incidents to cluster")
    if args.command == "ingest":
        for path in args.paths:
            if not Path(path).exists():
                raise InputError(path, "no such file or folder", "check the path")
        if args.mapping and args.source == "police":
            raise InputError(args.mapping, "--mapping is for partner tables (--source ed, ambulance or other)",
                             "police.uk files are recognised by their own columns")
        if args.mapping and not Path(args.mapping).is_file():
            raise InputError(args.mapping, "no such file", "check the --mapping path")
    for flag in ("out", "outlines", "rejects"):
        target = getattr(args, flag, None)
        if target and not Path(target).resolve().parent.exists():
            raise InputError(target, "its folder does not exist", "create the folder or choose another path")
    if getattr(args, "boundaries", None) is None:
        return
    if bool(args.incidents or args.store) == bool(args.values):
        raise InputError(None, "give either --incidents or --values (or --store for stored incidents)",
                         "one source of values per run")
    if args.values and not args.value_column:
        raise InputError(None, "--values needs --value-column", "name the column holding the values")


COMMANDS = {"hotspots": cmd_hotspots, "clusters": cmd_clusters, "concentration": cmd_concentration,
            "check": cmd_check, "ingest": cmd_ingest, "store": cmd_store}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    say = Progress(args.quiet)
    try:
        _check_up_front(args)
        return COMMANDS[args.command](args, say)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # statistics refuse unusable input with a one-line ValueError
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, with a way to see the details
        if os.environ.get("HOTSPOT_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
              "(rerun with HOTSPOT_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return 1

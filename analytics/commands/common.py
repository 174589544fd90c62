"""What the commands share: progress lines, reading incidents (files or the store), counting them in
areas, the disclosure policy of a run, and writing outputs through it.

Every command that writes counts goes through :func:`disclosure_policy` and
:func:`write_protected`, so the same rule applies whatever the command, the format, and
whether the incidents came from files or from the store.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pandas as pd

from analytics.disclosure import DEFAULT_THRESHOLD, UNSUPPRESSED_BANNER, DisclosurePolicy, default_policy
from geo.errors import InputError

SOURCES = ["police", "ed", "ambulance", "other"]  # police.uk formats, or partner tables labelled by source


class Progress:
    """One line per step on stderr, with the seconds it took (quiet with --quiet)."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:6.1f} s] {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


# --------------------------------------------------------------------------------------------- options
def add_incident_options(p) -> None:
    p.add_argument("--incidents", nargs="+", metavar="PATH",
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
    add_disclosure_options(p)


def add_disclosure_options(p) -> None:
    g = p.add_argument_group("small-number suppression (always on for ed, ambulance and sensitive data)")
    g.add_argument("--sensitive", action="store_true",
                   help="treat the --incidents files as sensitive (suppress small numbers), whatever their source")
    g.add_argument("--suppress", action="store_true", help="suppress small numbers of police.uk data too")
    g.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD, metavar="N",
                   help=f"counts from 1 to N-1 are shown as \"<N\" (default {DEFAULT_THRESHOLD})")
    g.add_argument("--unsuppressed", action="store_true",
                   help="raw counts of sensitive data, for an analyst entitled to them; the output is marked "
                        f"\"{UNSUPPRESSED_BANNER}\"")


def add_boundary_options(p, required: bool = False) -> None:
    p.add_argument("--boundaries", required=required, metavar="PATH",
                   help="GeoJSON, GeoPackage or zipped Shapefile of the areas (any polygons with a unique code)"
                        + ("" if required else "; with --store, default: the store's own study area"))
    p.add_argument("--area-id", metavar="COL", help="area-code column (detected if omitted, e.g. LSOA21CD)")
    p.add_argument("--name-column", metavar="COL", help="area-name column (detected if omitted, e.g. LSOA21NM)")
    p.add_argument("--authority-column", metavar="COL",
                   help="the column giving each area's local authority (code or name), for authority views")
    p.add_argument("--ward-column", metavar="COL", help="the column giving each area's ward (code or name)")
    p.add_argument("--crs", metavar="EPSG", help="CRS of boundaries that lack one (e.g. EPSG:27700)")
    p.add_argument("--study-area-name", metavar="TEXT", help='what to call the study area (default: the file name)')
    p.add_argument("--snap-m", type=float, default=None, metavar="M",
                   help="give a point in a gap between areas (never beyond the outer edge) to the nearest area "
                        "within M metres (default 0 for your boundaries: strict point-in-polygon)")


def add_area_options(p) -> None:
    add_boundary_options(p)
    add_incident_options(p)
    p.add_argument("--values", metavar="PATH", help="a table of one value per area instead of incidents")
    p.add_argument("--value-column", metavar="COL", help="the value column of --values")
    p.add_argument("--values-id", metavar="COL", help="the area-code column of --values (default: first *CD column)")


def month(text: str | None, flag: str) -> str | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise InputError(None, f"{flag} {text!r} is not a month", f"write it as YYYY-MM, e.g. {flag} 2024-06")
    return text.strip()


def month_range(month_from: str | None, month_to: str | None) -> tuple[str | None, str | None]:
    lo, hi = month(month_from, "--from"), month(month_to, "--to")
    if lo and hi and lo > hi:
        raise InputError(None, f"--from {lo} is after --to {hi}", "swap them")
    return lo, hi


def check_incident_options(args) -> None:
    """The checks every command reading incidents makes before it reads anything."""
    month(getattr(args, "month_from", None), "--from")
    month(getattr(args, "month_to", None), "--to")
    if getattr(args, "store", False) and getattr(args, "incidents", None):
        raise InputError(None, "give either --incidents or --store", "files or the store, not both")
    if getattr(args, "incidents", None) and args.source and len(args.source) > 1:
        raise InputError(None, "--source takes one value with --incidents", "load one kind of file per run")
    if getattr(args, "threshold", DEFAULT_THRESHOLD) < 2:
        raise InputError(None, "--threshold must be at least 2", f"e.g. --threshold {DEFAULT_THRESHOLD}")
    if getattr(args, "unsuppressed", False) and getattr(args, "suppress", False):
        raise InputError(None, "--suppress and --unsuppressed contradict each other", "give one of them")
    if (getattr(args, "snap_m", None) or 0) < 0:
        raise InputError(None, "--snap-m must be a distance in metres, 0 or more", "e.g. --snap-m 50")


def check_out_folder(*targets) -> None:
    for target in targets:
        if target and not Path(target).resolve().parent.exists():
            raise InputError(target, "its folder does not exist", "create the folder or choose another path")


# --------------------------------------------------------------------------------------------- incidents
def filter_incidents(data, crime_types: list[str] | None, month_from: str | None, month_to: str | None,
                     say: Progress):
    """Incidents of the chosen months and crime types (slugs or names, any case); an error if none are left."""
    from geo.police_uk import CRIME_TYPE_BY_SLUG

    lo, hi = month_range(month_from, month_to)
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


def read_incident_files(paths: list[str], source: str, say: Progress):
    """Incidents from police.uk files (street CSV, archive zip, API) or partner tables, and the load report."""
    from geo.partner import read_partner_table
    from geo.police_uk import read_police

    say(f"reading {len(paths)} incident input(s)")
    started = time.perf_counter()
    if source == "police":
        incidents = read_police(paths, progress=lambda name, read, rejected: say(
            f"read {name}: {read:,} rows so far, {rejected:,} rejected"))
    else:
        parts = [read_partner_table(p, source_label=source, progress=lambda name, read, rejected: say(
            f"read {name}: {read:,} rows, {rejected:,} rejected")) for p in paths]
        incidents = parts[0]
        for extra in parts[1:]:
            incidents.data = pd.concat([incidents.data, extra.data], ignore_index=True)
            incidents.report = incidents.report.merge(extra.report)
    seconds = time.perf_counter() - started
    read = incidents.report.rows_read
    say(f"{read:,} rows read in {seconds:.1f} s ({read / max(seconds, 1e-9):,.0f} rows/s)")
    say(incidents.report.summary())
    for note in incidents.report.notes:
        say(note)
    return incidents


def open_store(say: Progress, wait_s: float = 3.0):
    """The incident store named by HOTSPOT_STORE (else local/incidents.duckdb)."""
    from geo.store import IncidentStore

    store = IncidentStore(wait_s=wait_s)
    say(f"incident store {store.path}")
    return store


class LoadedIncidents:
    """Incidents of one run, filtered, with where they came from, which of their sources are sensitive,
    and the months the data cover (every month the files or stored batches hold, whatever the filters)."""

    def __init__(self, data, metadata: dict, sensitive: set[str], months_covered: set[str] | None = None):
        self.data = data
        self.metadata = metadata
        self.sources = sorted(data["source"].unique())
        self.sensitive = sensitive
        self.months_covered = months_covered or set(data["month"].unique())


def read_store_incidents(args, say: Progress) -> LoadedIncidents:
    """Stored incidents of the chosen sources (default: all), months and crime types."""
    store = open_store(say)
    lo, hi = month_range(args.month_from, args.month_to)
    batches = store.batches()
    if batches.empty:
        raise InputError(f"incident store {store.path}", "holds no incidents",
                         "load files first: python -m analytics ingest PATH --source police")
    data = store.incidents(sources=args.source, months=(lo, hi))
    if data.empty:
        held = store.facets()
        raise InputError(f"incident store {store.path}", "holds no incidents of "
                         + (f"source {', '.join(args.source)}" if args.source else "any source")
                         + (f" from {lo or '…'} to {hi or '…'}" if lo or hi else ""),
                         f"it holds sources {', '.join(held['sources']) or 'none'} and months "
                         + (f"{held['months'][0]} to {held['months'][-1]}" if held["months"] else "none"))
    mixed = sorted(data["source"].unique())
    say(f"{len(data):,} stored incidents ({', '.join(mixed)})")
    if len(mixed) > 1:
        warn(f"counting {', '.join(mixed)} incidents together (the same event may be in several); "
             "choose one with --source")
    data = filter_incidents(data, args.crime_type, lo, hi, say)
    used = batches[batches["batch_id"].isin(data["batch_id"].unique())]
    files = used["file_name"].tolist()
    meta = {
        "incident_store": str(store.path),
        "incident_files": "; ".join(files[:20]) + (" …" if len(files) > 20 else ""),
        "incident_load": (f"{len(data):,} stored incidents from {len(used):,} batch(es) "
                          f"({', '.join(map(str, used['batch_id'].tolist()[:30]))}"
                          f"{' …' if len(used) > 30 else ''}); sources {', '.join(sorted(data['source'].unique()))}"),
    }
    covered: set[str] = set()
    of_sources = batches[batches["source"].isin(args.source)] if args.source else batches
    for first, last in zip(of_sources["first_month"], of_sources["last_month"]):
        if isinstance(first, str) and isinstance(last, str):
            covered |= {str(m) for m in pd.period_range(first, last, freq="M").strftime("%Y-%m")}
    return LoadedIncidents(data, meta, set(used.loc[used["sensitive"], "source"]), covered)


def load_incidents(args, say: Progress) -> LoadedIncidents:
    """The run's incidents from --incidents files or from the store (--store), filtered."""
    if getattr(args, "store", False):
        return read_store_incidents(args, say)
    source = args.source[0] if args.source else "police"
    incidents = read_incident_files(args.incidents, source, say)
    data = filter_incidents(incidents.data, args.crime_type, args.month_from, args.month_to, say)
    files = incidents.report.files
    meta = {"incident_files": "; ".join(files[:20]) + (" …" if len(files) > 20 else ""),
            "incident_load": incidents.report.summary()}
    return LoadedIncidents(data, meta, {source} if getattr(args, "sensitive", False) else set(),
                           set(incidents.data["month"].unique()))


# --------------------------------------------------------------------------------------------- areas
def study_area(args, say: Progress):
    """The run's study area: --boundaries (with its columns), else the store's own with --store."""
    from geo.study_area import load_study_area

    if getattr(args, "boundaries", None):
        say(f"reading boundaries {args.boundaries}")
        area = load_study_area(args.boundaries, area_id=args.area_id, name_column=args.name_column,
                               authority_column=args.authority_column, ward_column=args.ward_column, crs=args.crs,
                               snap_m=args.snap_m or 0.0, name=args.study_area_name)
    elif getattr(args, "store", False):
        area = open_store(say).analysis_area()
    else:
        raise InputError(None, "give --boundaries PATH (or --store, to analyse the store's own study area)",
                         "the areas to count incidents in")
    for note in area.notes:
        say(note)
    say(area.describe())
    return area


def count_in_areas(loaded: LoadedIncidents, area, args, say: Progress) -> tuple[pd.Series, dict]:
    """Incidents per area (every area, zeros included) by strict point-in-polygon, with the report line."""
    from geo.areas import assign_areas
    from geo.lsoa_lookup import equivalent_pairs

    data = loaded.data
    snap = args.snap_m if getattr(args, "snap_m", None) is not None else area.snap_tolerance_m
    assigned = assign_areas(data, area.index, snap_tolerance_m=snap,
                            supplied=data["supplied_area_code"], equivalent_codes=equivalent_pairs())
    say(assigned.sentence(area.unit))
    if assigned.outside:
        warn(f"{assigned.outside:,} incident(s) lie outside every area of the boundaries and are not counted")
    weights = data["weight"].to_numpy(float)
    counts = pd.Series(weights, index=assigned.codes.to_numpy()).groupby(level=0).sum()
    counts = counts.drop(index="", errors="ignore").reindex(area.areas["area_code"], fill_value=0.0)
    meta = {**loaded.metadata, "study_area": area.describe(),
            "months": f"{data['month'].min()} to {data['month'].max()}",
            "crime_types": ", ".join(args.crime_type) if args.crime_type else "all",
            "incidents_outside_areas": str(assigned.outside),
            "area_assignment": assigned.sentence(area.unit)}
    return counts, meta


def read_values(args, areas) -> tuple[pd.Series, dict]:
    """One value per area from a --values table (not counts: never suppressed)."""
    from geo.tabular import read_bytes, read_table

    data = read_bytes(args.values)
    table, _ = read_table(data, args.values, allow_excel=True)
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
        warn(f"{int(bad.sum()):,} row(s) of {args.values} have a non-numeric {args.value_column} and are left out")
    series = pd.Series(values[~bad].to_numpy(), index=table.loc[~bad, id_col].astype(str).str.strip())
    if series.index.duplicated().any():
        raise InputError(args.values, f"repeats area codes in {id_col}", "give one row per area")
    unmatched = sorted(set(series.index) - set(areas["area_code"]))
    missing = sorted(set(areas["area_code"]) - set(series.index))
    if missing:
        raise InputError(args.values, f"has no value for {len(missing):,} of the {len(areas):,} areas (e.g. "
                         f"{', '.join(missing[:3])})", "use boundaries and values of the same geography and vintage")
    if unmatched:
        warn(f"{len(unmatched):,} value row(s) match no area and are not used (e.g. {', '.join(unmatched[:3])})")
    return series, {"values_file": args.values, "value_column": args.value_column, "values_id": id_col}


def check_values_options(args) -> None:
    if not args.boundaries and not args.store:
        raise InputError(None, "give --boundaries PATH (or --store, to analyse the store's own study area)",
                         "the areas to count incidents in")
    if bool(args.incidents or args.store) == bool(args.values):
        raise InputError(None, "give either --incidents or --values (or --store for stored incidents)",
                         "one source of values per run")
    if args.values and not args.value_column:
        raise InputError(None, "--values needs --value-column", "name the column holding the values")


# --------------------------------------------------------------------------------------------- disclosure
def disclosure_policy(args, loaded: LoadedIncidents | None, say: Progress) -> DisclosurePolicy:
    """The run's policy: on for health or sensitive sources (always), for police data with --suppress."""
    if loaded is None:  # --values: a table of values, not counts of people
        return DisclosurePolicy(enabled=False)
    policy = default_policy(loaded.sources, threshold=args.threshold, sensitive=loaded.sensitive,
                            unsuppressed=args.unsuppressed, requested=args.suppress)
    if policy.unsuppressed:
        warn(f"{UNSUPPRESSED_BANNER}: raw counts of {policy.reason} are written because --unsuppressed was given")
    elif args.unsuppressed:
        say("--unsuppressed: nothing to lift, these data are not marked sensitive")
    elif policy.enabled:
        say(f"small-number suppression on ({policy.reason}): counts 1-{policy.threshold - 1} shown as "
            f"\"{policy.label}\"")
    return policy


def write_protected(frame: pd.DataFrame, path, metadata: dict, allowed: tuple[str, ...], policy: DisclosurePolicy,
                    geometry=None, layer: str = "hotspots", extra_sheets=None) -> list[Path]:
    """Write an output with the policy's metadata (and its banner when unsuppressed)."""
    from geo.writers import write_output

    meta = {**metadata, **policy.metadata()}
    return write_output(frame, path, meta, allowed, geometry, layer=layer,
                        banner=UNSUPPRESSED_BANNER if policy.unsuppressed else None, extra_sheets=extra_sheets)

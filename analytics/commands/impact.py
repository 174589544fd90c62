"""``python -m analytics impact``: did it work? Before and after, against a comparison, with displacement.

The target is a list of area codes (``--target CODES.csv`` with one column of codes, a header row
allowed, or ``--target CODE,CODE``) or a point and radius for point data (``--point E,N --radius M``).
Counts per zone (target, buffer, comparison) before and after the start, the relative effect with
its 95 % CI (Wald on its log; exact conditional as well when a count is under 20), the weighted
displacement quotient and total net effect, an interrupted time series of the target's months
(quasi-Poisson), and the smallest reduction the data could show (analytics.impact).

``--json`` writes the flat result; ``--out`` an XLSX (summary, months, zones, metadata) or a
printable HTML brief. Under small-number suppression the zone x month counts are protected with
the zones' totals and the evaluation is refused when one of the six before/after totals would be
hidden.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from analytics.commands import common as C
from geo.errors import InputError

HELP = "did it work? before/after against a comparison, with displacement and a time series"


def add_parser(sub) -> None:
    p = sub.add_parser("impact", help=HELP)
    C.add_area_options(p)
    p.add_argument("--target", metavar="CODES", help="CODES.csv (one column of area codes) or CODE,CODE,…")
    p.add_argument("--point", metavar="E,N", help="for point data: the target's centre, easting,northing (EPSG:27700)")
    p.add_argument("--radius", type=float, metavar="M", help="with --point: the target's radius in metres")
    p.add_argument("--start", required=True, metavar="YYYY-MM", help="first month of the intervention")
    p.add_argument("--end", metavar="YYYY-MM", help="last month of the after window (default: --after months)")
    p.add_argument("--before", type=int, metavar="N", help="months before the start (default 12, or what the data allow)")
    p.add_argument("--after", type=int, metavar="N", help="months from the start (default as --before)")
    p.add_argument("--buffer", default="adjacent", metavar="adjacent|none|METRES",
                   help="areas next to the target (default), none, or a ring of METRES (with --point: the ring width)")
    p.add_argument("--comparison", default="rest", metavar="rest|matched|CODES.csv",
                   help="every other area (default), the areas most like the target (matched), or a list")
    p.add_argument("--json", dest="json_out", required=True, metavar="PATH", help="the flat result as JSON")
    p.add_argument("--out", metavar="PATH", help="also PATH.xlsx (tables) or PATH.html (a printable brief)")


def read_codes(text: str, flag: str) -> list[str]:
    """Codes from a CSV file (one column; a header row allowed) or from a comma-separated list."""
    path = Path(text)
    if path.suffix.lower() in (".csv", ".txt") or path.is_file():
        if not path.is_file():
            raise InputError(text, "no such file", f"give {flag} a CSV of codes or CODE,CODE")
        rows = [r.split(",")[0].strip().strip('"') for r in path.read_text(encoding="utf-8-sig").splitlines()]
        codes = [r for r in rows if r]
        if codes and not re.fullmatch(r"[A-Za-z]?\d{2,}|[EWSNK]\d{8}", codes[0]) and len(codes) > 1:
            codes = codes[1:]  # a header row
    else:
        codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise InputError(text, f"holds no codes for {flag}", "one code per row, or CODE,CODE")
    return list(dict.fromkeys(codes))


def check(args) -> None:
    C.check_incident_options(args)
    if args.values:
        raise InputError(None, "impact needs incidents (--incidents or --store), not --values", "a value has no months")
    C.check_values_options(args)
    C.month(args.start, "--start")
    C.month(args.end, "--end")
    if bool(args.target) == bool(args.point):
        raise InputError(None, "give either --target (area codes) or --point with --radius", "the intervention's area")
    if args.point and not (args.radius and args.radius > 0):
        raise InputError(None, "--point needs --radius METRES (more than 0)", "e.g. --radius 400")
    for flag in ("before", "after"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise InputError(None, f"--{flag} must be at least 1 month", f"e.g. --{flag} 12")
    if not args.json_out.lower().endswith(".json"):
        raise InputError(args.json_out, "--json writes a .json file", "name it PATH.json")
    if args.out and not args.out.lower().endswith((".xlsx", ".html")):
        raise InputError(args.out, "unsupported output type", "use .xlsx (tables) or .html (a brief)")
    C.check_out_folder(args.json_out, args.out)


def _buffer(text: str):
    text = str(text).strip().lower()
    if text in ("adjacent", "none"):
        return text
    try:
        metres = float(text)
    except ValueError:
        raise InputError(None, f"--buffer {text!r} not understood", "use adjacent, none or a distance in metres") from None
    if metres < 0:
        raise InputError(None, "--buffer must be 0 or more metres", "e.g. --buffer 300")
    return metres


def run(args, say: C.Progress) -> int:
    import numpy as np

    from analytics.impact import ImpactEvaluation
    from geo.areas import assign_areas
    from geo.writers import write_output

    area = C.study_area(args, say)
    loaded = C.load_incidents(args, say)
    policy = C.disclosure_policy(args, loaded, say)
    data = loaded.data
    months = sorted(loaded.months_covered)
    from geo.police_uk import CRIME_TYPE_BY_SLUG

    what = ", ".join(CRIME_TYPE_BY_SLUG.get(t.strip().lower(), t.strip()) for t in args.crime_type) \
        if args.crime_type else "Incidents"
    if args.point:
        try:
            centre = tuple(float(v) for v in args.point.split(","))
            assert len(centre) == 2
        except (ValueError, AssertionError):
            raise InputError(None, f"--point {args.point!r} is not easting,northing", "e.g. --point 406300,286400") from None
        buffer = _buffer(args.buffer)
        inside = assign_areas(data, area.index, snap_tolerance_m=area.snap_tolerance_m).codes.ne("").to_numpy()
        pts = data[inside]
        result = ImpactEvaluation.from_points(pts, centre, args.radius, 0.0 if buffer in ("none", "adjacent") else buffer,
                                              args.start, args.end, args.before, args.after, months=months,
                                              weight_col="weight", what=what, disclosure=policy)
        zones = None
    else:
        target = read_codes(args.target, "--target")
        comparison = args.comparison if args.comparison in ("rest", "matched") else read_codes(args.comparison,
                                                                                                 "--comparison")
        snap = args.snap_m if args.snap_m is not None else area.snap_tolerance_m
        codes = assign_areas(data, area.index, snap_tolerance_m=snap).codes
        counts = (data.assign(area_code=codes.to_numpy())[codes.ne("").to_numpy()]
                  .groupby(["area_code", "month"])["weight"].sum().rename("count").reset_index())
        deprivation = _deprivation(area)
        result = ImpactEvaluation(counts, target, args.start, args.end, args.before, args.after,
                                  buffer=_buffer(args.buffer), comparison=comparison, areas=area.areas,
                                  deprivation=deprivation, months=months, area_label=f"{area.unit}s", what=what,
                                  disclosure=policy)
        zones = area.areas.assign(zone=np.select(
            [area.areas["area_code"].isin(result.target_areas), area.areas["area_code"].isin(result.buffer_areas),
             area.areas["area_code"].isin(result.comparison_areas)], ["target", "buffer", "comparison"], ""))
        zones = zones[zones["zone"] != ""]
    out = result.to_dict()
    out.update({"study_area": area.describe(), **loaded.metadata, **policy.metadata()})
    say(result.verdict)
    Path(args.json_out).write_text(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    written = [args.json_out]
    if args.out and args.out.lower().endswith(".html"):
        from geo.briefs import impact_brief

        title = f"Did it work? {what} in the target, {result.start} on"
        Path(args.out).write_text(impact_brief(out, title, zones, policy.rule, area.source), encoding="utf-8")
        written.append(args.out)
    elif args.out:
        scalars = {k: v for k, v in out.items() if not isinstance(v, (dict, list))}
        summary = pd.DataFrame({"item": list(scalars), "value": [str(v) for v in scalars.values()]})
        series = pd.DataFrame({k: v for k, v in out["series"].items() if v is not None})
        zone_table = pd.DataFrame([(z, c) for z in ("target", "buffer", "comparison") for c in out[f"{z}_areas"]],
                                  columns=["zone", "area_code"])
        meta = {**{k: str(v) for k, v in out["method"].items()}, **policy.metadata()}
        written += write_output(summary, args.out, meta, (".xlsx",), layer="summary",
                                banner="UNSUPPRESSED: not for sharing" if policy.unsuppressed else None,
                                extra_sheets={"months": series, "zones": zone_table})
    say("wrote " + ", ".join(map(str, written)))
    return 0


def _deprivation(area):
    """IMD 2025 scores for West Midlands LSOAs, IMD 2019 rank (reversed) for England's LSOA codes, else None."""
    if area.has("imd2025"):
        from geo import bundled

        imd = bundled.table("imd2025").set_index("LSOA21CD")["IMD_score"]
        return imd.reindex(area.areas["area_code"]).dropna()
    if area.has("imd2019"):
        from geo.risk_factors import _imd2019_england

        imd = _imd2019_england().set_index("area_code")["IMD_rank"]
        return -imd.reindex(area.areas["area_code"]).dropna()
    return None

"""``python -m analytics emerging``: emerging hot spots (space-time Gi*, Mann-Kendall trend, ArcGIS Pro's patterns).

One row per location (area, or grid cell with ``--grid``): area_code, name, pattern, trend_z,
trend_p, hot_steps, cold_steps, final_z, final_p, count; the z of every step in a second XLSX
sheet, and as a long table with ``--steps-out``. The rules and parameters are in the metadata.

Health or sensitive data under small-number suppression are refused: the analysis needs every
area's count in every step, and such a table of small counts cannot be protected (an
integer-programming attack recovered about half its hidden cells); ``change`` compares two
periods under protection, and ``--unsuppressed`` serves an analyst entitled to the raw data.
"""

from __future__ import annotations

import pandas as pd

from analytics.commands import common as C
from geo.errors import InputError

HELP = "emerging hot spots: new, persistent, intensifying or fading, per area and month"
FORMATS = (".csv", ".xlsx", ".geojson", ".gpkg")


def add_parser(sub) -> None:
    p = sub.add_parser("emerging", help=HELP)
    C.add_area_options(p)
    p.add_argument("--step", default="month", help='time step: month (default), quarter, or Nmonths, e.g. "3months"')
    p.add_argument("--time-window", type=int, default=1, metavar="N",
                   help="previous steps in each bin's neighbourhood (default 1; 0 = the same step only)")
    p.add_argument("--no-fdr", dest="fdr", action="store_false",
                   help="bins significant on raw p <= 0.05 instead of false-discovery-rate control")
    p.add_argument("--permutations", type=int, default=0, metavar="N",
                   help="decide hot and cold bins by N conditional permutations (default 0: analytic p)")
    p.add_argument("--seed", type=int, default=12345, help="random seed for --permutations")
    p.add_argument("--trend-steps", choices=["complete", "all"], default="complete",
                   help="the steps the trend test uses: complete neighbourhoods only (default) or all (as sfdep)")
    p.add_argument("--grid", type=float, metavar="CELL_M", help="square grid cells of CELL_M metres instead of areas")
    p.add_argument("--out", required=True, metavar="PATH", help="PATH.csv | .xlsx | .geojson | .gpkg")
    p.add_argument("--steps-out", metavar="PATH", help="also a long CSV: one row per location and step")


def check(args) -> None:
    C.check_incident_options(args)
    if args.values:
        raise InputError(None, "emerging needs incidents (--incidents or --store), not --values",
                         "a value per area has no months")
    C.check_values_options(args)
    from analytics.space_time import parse_step

    parse_step(args.step)
    if args.time_window < 0:
        raise InputError(None, "--time-window must be 0 or more steps", "e.g. --time-window 1")
    if args.permutations < 0:
        raise InputError(None, "--permutations must be 0 or more", "e.g. --permutations 499")
    if args.grid is not None and args.grid < 10:
        raise InputError(None, "--grid must be a cell size of at least 10 metres", "e.g. --grid 250")
    if not args.out.lower().endswith(FORMATS):
        raise InputError(args.out, "unsupported output type", "use .csv, .xlsx, .geojson or .gpkg")
    if args.steps_out and not args.steps_out.lower().endswith(".csv"):
        raise InputError(args.steps_out, "--steps-out writes a CSV", "name it PATH.csv")
    C.check_out_folder(args.out, args.steps_out)


def locations(loaded: C.LoadedIncidents, area, args, say: C.Progress):
    """(location id per incident, every location, weights, names, geometry) for areas or grid cells."""
    import geopandas as gpd

    from analytics.weights import build_weights

    data = loaded.data
    if args.grid:
        from analytics.grid import assign_points_to_cells, make_grid
        from analytics.grid_hotspots import lattice_weights
        from analytics.weights import SpatialWeights

        grid = make_grid(area.outline, cell_size_m=args.grid)
        rows = assign_points_to_cells(grid, data[["easting", "northing"]].to_numpy())
        ids = grid.cells["cell_id"].astype(str).to_numpy()
        codes = pd.Series(["" if r < 0 else ids[r] for r in rows], index=data.index)
        say(f"{grid.n_cells:,} grid cells of {args.grid:g} m; {int((rows < 0).sum()):,} incidents outside them")
        w = SpatialWeights.from_adjacency(lattice_weights(grid).adjacency, ids=pd.Index(ids), kind="queen (grid)")
        return codes, ids, w, pd.Series(ids, index=ids), gpd.GeoSeries(grid.cells.geometry.to_numpy(), crs=grid.cells.crs)
    from geo.areas import assign_areas

    snap = args.snap_m if args.snap_m is not None else area.snap_tolerance_m
    assigned = assign_areas(data, area.index, snap_tolerance_m=snap)
    say(assigned.sentence(area.unit))
    if assigned.outside:
        C.warn(f"{assigned.outside:,} incident(s) lie outside every area of the boundaries and are not counted")
    areas = area.areas.set_index("area_code", drop=False)
    w = build_weights(areas, "queen")
    return (assigned.codes, areas["area_code"].to_numpy(), w, areas["area_name"],
            gpd.GeoSeries(areas.geometry.to_numpy(), crs=areas.crs))


def run(args, say: C.Progress) -> int:
    from analytics.emerging import EmergingHotSpots
    from analytics.space_time import build_cube

    area = C.study_area(args, say)
    loaded = C.load_incidents(args, say)
    policy = C.disclosure_policy(args, loaded, say)
    if policy.enabled:
        raise InputError(None, f"emerging hot spots of {policy.reason.split(': ')[-1]} data need every area's count in "
                         "every step, which small-number suppression cannot protect",
                         "compare two periods with `python -m analytics change`, or add --unsuppressed if you are "
                         "entitled to the raw data")
    codes, ids, weights, names, geometry = locations(loaded, area, args, say)
    data = loaded.data
    placed = codes.ne("").to_numpy()
    cube = build_cube(codes[placed].to_numpy(), data["month"].to_numpy()[placed], ids,
                      weights=data["weight"].to_numpy(float)[placed], step=args.step,
                      first_month=args.month_from, last_month=args.month_to,
                      months_covered=sorted(loaded.months_covered))
    for note in cube.notes:
        say(note)
    say(f"{cube.describe()}; Gi* per bin, time window {args.time_window}"
        + (f", {args.permutations} permutations" if args.permutations else ", analytic p"))
    result = EmergingHotSpots(cube, weights, time_window=args.time_window, fdr=args.fdr,
                              permutations=args.permutations, seed=args.seed, trend_steps=args.trend_steps)
    for note in result.notes:
        say(note)
    table = result.to_frame()
    table.insert(1, "area_name", names.reindex(table["area_code"]).to_numpy())
    table["pattern"] = table["pattern"].astype(str)
    counts = result.pattern_counts()
    say("patterns: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    meta = {"title": "Emerging hot spots", **loaded.metadata, "study_area": area.describe(),
            "locations": f"grid cells of {args.grid:g} m" if args.grid else f"{area.unit}s of the study area",
            "crime_types": ", ".join(args.crime_type) if args.crime_type else "all",
            **{k: str(v) for k, v in result.metadata().items()},
            "cube_notes": " ".join(cube.notes) or "none",
            "pattern_counts": "; ".join(f"{k}: {v}" for k, v in counts.items() if v)}
    steps = result.steps_frame()
    wide = steps.pivot(index="area_code", columns="step", values="z").reindex(table["area_code"]).reset_index()
    wide.columns = ["area_code", *[f"z_{c}" for c in wide.columns[1:]]]
    aligned = geometry.set_axis(pd.Index(ids)).reindex(table["area_code"])
    written = C.write_protected(table, args.out, meta, FORMATS, policy, aligned, layer="emerging",
                                extra_sheets={"steps_z": wide} if args.out.lower().endswith(".xlsx") else None)
    if args.steps_out:
        written += C.write_protected(steps.assign(step=steps["step"].astype(str)), args.steps_out, meta, (".csv",),
                                     policy, layer="steps")
    say("wrote " + ", ".join(map(str, written)))
    return 0

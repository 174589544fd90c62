"""``python -m analytics hotspots``: Gi* and local Moran hot spots per area, as the Export page writes them.

Counts from incidents are protected (:mod:`analytics.disclosure`) before anything is computed
from them: with suppression on, the statistics (Gi*, local Moran) run on the counts as shown,
hidden counts estimated from what is shown, so no z-score or class depends on a hidden count;
and the columns that describe a hidden area's own count (share, rank, rates) are blank.
"""

from __future__ import annotations

import pandas as pd

from analytics.commands import common as C
from geo.errors import InputError

HELP = "Gi* and local Moran hot spots per area"
# columns describing an area's own count: withheld for an area whose count is hidden
OWN_COUNT = ("share_of_total_pct", "rank", "rate_per_1000", "eb_rate_per_1000", "rate_per_1000_under25",
             "eb_rate_per_1000_under25")


def add_parser(sub) -> None:
    p = sub.add_parser("hotspots", help=HELP)
    C.add_area_options(p)
    p.add_argument("--weights", default="queen", help="queen (default) | rook | knn:K | distance:METRES")
    p.add_argument("--permutations", type=int, default=999, help="permutations for pseudo p-values (default 999)")
    p.add_argument("--seed", type=int, default=12345, help="random seed (default 12345, for repeatable runs)")
    p.add_argument("--no-fdr", dest="fdr", action="store_false",
                   help="classify on raw p-values instead of false-discovery-rate control")
    p.add_argument("--out", required=True, metavar="PATH", help="PATH.csv | .xlsx | .geojson | .gpkg")


def check(args) -> None:
    from analytics.weights import parse_weights_spec
    from geo.writers import LAYER_FORMATS, TABLE_FORMATS

    C.check_incident_options(args)
    C.check_values_options(args)
    parse_weights_spec(args.weights)
    if args.permutations < 1:
        raise InputError(None, "--permutations must be at least 1 (local Moran's I and the pseudo p-values need "
                         "them)", "use e.g. --permutations 999")
    if not args.out.lower().endswith(TABLE_FORMATS + LAYER_FORMATS):
        raise InputError(args.out, "unsupported output type", "use .csv, .xlsx, .geojson or .gpkg")
    C.check_out_folder(args.out)


def population_for(areas) -> pd.DataFrame | None:
    """Bundled population when the areas are the West Midlands 2021 LSOAs, else None."""
    from geo.layers import lsoa21_population

    pop = lsoa21_population(2020)
    return pop if set(areas["area_code"]) <= set(pop["area_code"]) else None


def run(args, say: C.Progress) -> int:
    from analytics.disclosure import ProtectedCounts
    from analytics.hotspot_table import hotspot_table
    from geo.writers import LAYER_FORMATS, TABLE_FORMATS

    area = C.study_area(args, say)
    areas = area.areas
    if args.values:
        values, meta = C.read_values(args, areas)
        label, policy, protected = args.value_column, C.disclosure_policy(args, None, say), None
    else:
        loaded = C.load_incidents(args, say)
        values, meta = C.count_in_areas(loaded, area, args, say)
        label, policy = "incident count", C.disclosure_policy(args, loaded, say)
        protected = ProtectedCounts(values, None, None, policy) if policy.enabled else None
        if protected is not None:
            say(protected.summary())
            values = protected.statistics_values()
    say(f"computing Gi* and local Moran's I on {args.weights} weights, {args.permutations} permutations"
        + ("" if args.fdr else ", no FDR"))
    result = hotspot_table(areas, values, value_label=label, weights=args.weights, permutations=args.permutations,
                           seed=args.seed, fdr=args.fdr, population=population_for(areas),
                           metadata={"boundaries": f"{area.source} ({area.code_column})", **meta})
    table, metadata = result.table, result.metadata
    if protected is not None:
        table = protected.label_frame(table.assign(value=protected.counts.reindex(table["area_code"]).to_numpy()),
                                      ["value"], OWN_COUNT)
        metadata = {**metadata, "total_value": protected.total_label(),
                    "statistics_after_suppression": "Gi*, local Moran, ranks, shares and rates were computed on the "
                    "counts as shown, each hidden count replaced by an estimate made from the shown counts and "
                    "totals alone; share, rank and rates are blank for areas whose count is hidden. "
                    + protected.summary()}
    say("classes: " + ", ".join(f"{k} {v}" for k, v in table["gi_class"].value_counts().items() if k))
    written = C.write_protected(table, args.out, metadata, TABLE_FORMATS + LAYER_FORMATS, policy, result.geometry)
    say("wrote " + ", ".join(map(str, written)))
    return 0

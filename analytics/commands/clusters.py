"""``python -m analytics clusters``: DBSCAN clusters of incident points.

Outputs: ``--out`` one row per incident with its cluster; ``--outlines`` one polygon per cluster
with its summary; ``--summary`` the per-cluster table alone. Under small-number suppression
(health or sensitive data) per-incident rows and outlines (whose vertices are incident
locations) are not written — ``--summary`` is, with cluster counts protected, centroids rounded
to 100 m and only streets or places holding at least the threshold listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.commands import common as C
from geo.errors import InputError

HELP = "DBSCAN clusters of incident points"
FORMATS = (".csv", ".geojson", ".gpkg")


def add_parser(sub) -> None:
    p = sub.add_parser("clusters", help=HELP)
    C.add_incident_options(p)
    p.add_argument("--eps", type=float, default=150.0, help="neighbourhood radius in metres (default 150)")
    p.add_argument("--min-samples", type=int, help="incidents within eps to form a core (default: automatic)")
    p.add_argument("--out", metavar="PATH", help="one row per incident: PATH.csv | .geojson | .gpkg")
    p.add_argument("--outlines", metavar="PATH", help="cluster outline polygons with their summary")
    p.add_argument("--summary", metavar="PATH", help="one row per cluster: PATH.csv | .xlsx")


def check(args) -> None:
    C.check_incident_options(args)
    if not (args.incidents or args.store):
        raise InputError(None, "give either --incidents or --store", "the incidents to cluster")
    if args.eps <= 0:
        raise InputError(None, "--eps must be a positive distance in metres", "e.g. --eps 150")
    if not (args.out or args.outlines or args.summary):
        raise InputError(None, "nothing to write", "give --out, --outlines or --summary")
    C.check_out_folder(args.out, args.outlines, args.summary)


def protected_summary(summary: pd.DataFrame, n_incidents: int, policy) -> pd.DataFrame:
    """The cluster table as it may leave under ``policy``: counts (with the noise's, against the total)
    protected, values derived from a hidden count blank, centroids to 100 m, busy places only, and
    the hidden clusters listed last in a fixed order."""
    from analytics.disclosure import protect_column

    out = summary.copy()
    noise = n_incidents - float(out["incidents"].sum())
    labels, hidden = protect_column(np.append(out["incidents"].to_numpy(float), noise), policy)
    hidden = hidden[:-1]
    out["incidents"] = labels[:-1]
    for col in ("share_of_incidents", "incidents_per_ha", "weighted_incidents"):
        if col in out.columns:
            out[col] = out[col].astype(object)
            out.loc[hidden, col] = None
    for col in ("centroid_x", "centroid_y"):
        out[col] = (out[col] / 100).round() * 100
    if "top_locations" in out.columns:
        out["top_locations"] = [_busy_places(text, policy.threshold) for text in out["top_locations"]]
    # largest first would rank the hidden clusters against each other: those go last, by cluster id
    order = np.lexsort((out["cluster"].to_numpy(), np.where(hidden, 0, -summary["incidents"].to_numpy()), hidden))
    return out.iloc[order].reset_index(drop=True)


def _busy_places(text: str, threshold: int) -> str:
    import re

    keep = [part for part in str(text).split("; ")
            if (m := re.search(r"\(([\d,]+)\)$", part)) and int(m.group(1).replace(",", "")) >= threshold]
    return "; ".join(keep)


def run(args, say: C.Progress) -> int:
    import geopandas as gpd

    from analytics.clusters import DbscanClusters

    loaded = C.load_incidents(args, say)
    policy = C.disclosure_policy(args, loaded, say)
    if policy.enabled and (args.out or args.outlines):
        raise InputError(None, f"per-incident rows and cluster outlines of {policy.reason} are not written under "
                         "small-number suppression (they place single incidents)",
                         "write --summary PATH instead, or add --unsuppressed if you are entitled to the raw data")
    data = loaded.data
    say(f"DBSCAN: eps {args.eps:g} m, min_samples {args.min_samples or 'automatic'}")
    result = DbscanClusters(data[["easting", "northing"]].to_numpy(), eps_m=args.eps, min_samples=args.min_samples,
                            weights=data["weight"].to_numpy(float) if (data["weight"] != 1).any() else None,
                            locations=data["location"])
    say(f"{result.n_clusters:,} clusters; {result.n_noise:,} incidents are noise (label -1); "
        f"min_samples {result.min_samples} ({result.min_samples_rule})")
    meta = {"title": "DBSCAN clusters of incidents", **loaded.metadata,
            "crime_types": ", ".join(args.crime_type) if args.crime_type else "all",
            **{k: str(v) for k, v in result.parameters.items()},
            "noise": "cluster -1 = noise (not in any cluster)"}
    written = []
    if args.out:
        cols = ["incident_id", "source", "category", "month", "date", "time", "location", "easting", "northing",
                "longitude", "latitude", "file", "row"]
        table = data[cols].reset_index(drop=True)  # copy-on-write: the columns are shared, not copied
        table["date"] = table["date"].dt.strftime("%Y-%m-%d").fillna("")
        table.insert(0, "cluster", result.labels)
        written += C.write_protected(table, args.out, meta, FORMATS, policy,
                                     gpd.GeoSeries(data.geometry.to_numpy(), crs=data.crs), layer="incidents")
    if args.outlines:
        outlines = result.outlines  # one polygon per cluster, with its summary columns
        written += C.write_protected(pd.DataFrame(outlines.drop(columns="geometry")), args.outlines, meta, FORMATS,
                                     policy, outlines.geometry, layer="cluster_outlines")
    if args.summary:
        summary = protected_summary(result.summary, result.n_incidents, policy) if policy.enabled else result.summary
        written += C.write_protected(summary, args.summary, meta, (".csv", ".xlsx"), policy, layer="clusters")
    say("wrote " + ", ".join(map(str, written)))
    return 0

"""The hotspot list: one row per area with Gi*, local Moran, rank and rates — as the dashboard's
Export page and ``python -m analytics hotspots`` both write it, with the metadata that explains it.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone

import geopandas as gpd
import numpy as np
import pandas as pd

from analytics.hotspot_stats import area_statistics
from analytics.moran import GlobalMoran
from analytics.rates import AreaRates
from analytics.weights import build_weights, parse_weights_spec

DEFAULT_PERMUTATIONS = 999


@dataclass
class HotspotTable:
    """The per-area table, the geometry to map it, and the metadata describing the run."""

    table: pd.DataFrame
    geometry: gpd.GeoSeries
    metadata: dict = field(default_factory=dict)
    global_moran: GlobalMoran | None = None

    def class_counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.table["gi_class"].value_counts(sort=False).items() if v}


def hotspot_table(areas: gpd.GeoDataFrame, values: pd.Series, *, value_label: str,
                  weights: str = "queen", permutations: int = DEFAULT_PERMUTATIONS, seed: int | None = 12345,
                  fdr: bool = True, population: pd.DataFrame | None = None,
                  metadata: dict | None = None) -> HotspotTable:
    """Gi* and local Moran for ``values`` (indexed by area_code) on ``areas`` (area_code, area_name, geometry).

    Areas without a value get 0 when the values are counts is the caller's choice: here a missing
    value is refused, since a silent zero would change the statistics.
    ``population`` (area_code, all_ages, age_0_24) adds rates per 1,000 and per 1,000 under-25s,
    raw and empirical-Bayes smoothed.
    """
    areas = areas.set_index("area_code", drop=False)
    y = pd.to_numeric(values.reindex(areas.index), errors="coerce")
    if y.isna().any():
        missing = list(y.index[y.isna()][:3])
        raise ValueError(f"{int(y.isna().sum())} area(s) have no value (e.g. {', '.join(map(str, missing))}); "
                         "give every area a value or choose boundaries that match the values")
    kind, parameter = parse_weights_spec(weights)
    w = build_weights(areas, kind=kind, k=parameter if kind == "knn" else None,
                      distance=parameter if kind == "distance" else None)
    gi, lisa = area_statistics(y.to_numpy(float), w, permutations=permutations, seed=seed, fdr=fdr)
    gm = GlobalMoran(y.to_numpy(float), w, permutations=permutations, seed=seed)

    out = pd.DataFrame({"area_code": areas["area_code"].to_numpy(), "area_name": areas["area_name"].to_numpy(),
                        "value": y.to_numpy()})
    total = float(y.sum())
    out["share_of_total_pct"] = 100 * out["value"] / total if total else np.nan
    out["rank"] = out["value"].rank(ascending=False, method="min").astype(int)
    out["neighbours"] = w.cardinalities
    out = out.join(gi.to_frame().reset_index(drop=True)).join(lisa.to_frame().reset_index(drop=True))
    if population is not None:
        pop = population.set_index("area_code").reindex(areas.index)
        rates = AreaRates(y.to_numpy(float), pop["all_ages"].to_numpy(float), pop["age_0_24"].to_numpy(float))
        out["population"] = pop["all_ages"].round(0).to_numpy()
        out["population_under25"] = pop["age_0_24"].round(0).to_numpy()
        out["rate_per_1000"] = rates.rate
        out["eb_rate_per_1000"] = rates.eb_rate
        out["rate_per_1000_under25"] = rates.rate_under25
        out["eb_rate_per_1000_under25"] = rates.eb_rate_under25
    for col in ("gi_class", "lisa_class"):
        out[col] = out[col].astype(str)

    meta = {
        "title": "Violence hot spots by area",
        "run_at_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "value": value_label,
        "areas": f"{len(out):,}",
        "total_value": f"{total:,.2f}".rstrip("0").rstrip("."),
        "spatial_weights": w.describe(),
        "islands": ", ".join(map(str, w.islands)) if w.islands else "none",
        "gi_statistic": "Getis-Ord Gi* (binary weights, self included); gi_z analytic z, gi_p two-sided normal p",
        "gi_class_basis": gi.class_basis,
        "multiple_testing": ("Benjamini-Hochberg false discovery rate control at each confidence level"
                             if fdr else "none: raw p-value thresholds (expect about 10 % false 90 % hot spots)"),
        "permutations": str(permutations),
        "seed": str(seed),
        "p_sim_rule": "two-sided pseudo p = min(1, 2 (1 + min(#sim >= obs, #sim <= obs)) / (P + 1)); "
                      "ties count as at least as extreme",
        "lisa": "local Moran's I, row-standardised weights, GeoDa/spdep scaling; " + lisa.class_basis,
        "global_moran_I": f"{gm.I:.4f} (z {gm.z_norm:.2f}, p normal {gm.p_norm:.3g}"
                          + (f", p permutation {gm.p_sim:.3g})" if permutations else ")"),
        "software": f"violence-hotspots; Python {platform.python_version()}",
    }
    if population is not None:
        meta["rates"] = ("per 1,000 residents (all ages) and per 1,000 aged under 25, ONS mid-year estimates "
                         "converted to 2021 LSOAs; eb_ columns are global empirical-Bayes smoothed (Marshall 1991)")
    meta.update(metadata or {})
    return HotspotTable(out, areas.geometry.reset_index(drop=True), meta, gm)

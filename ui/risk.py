"""Risk factors against violence: rank correlations, the 3×3 bivariate map, bivariate LISA."""

from __future__ import annotations

import altair as alt
import pandas as pd
from scipy import stats

from analytics.moran import BivariateLocalMoran
from analytics.weights import build_weights
from geo import datasets as D
from geo.risk_factors import FACTOR_BY_COLUMN, lsoa_risk_factors

# Joshua Stevens' 3×3 bivariate scheme: rows = violence tertile (low→high), columns = deprivation tertile
BIVARIATE = [["#e8e8e8", "#ace4e4", "#5ac8c8"],
             ["#dfb0d6", "#a5add3", "#5698b9"],
             ["#be64ac", "#8c62aa", "#3b4994"]]


def factor_frame(data: D.AreaData, column: str) -> tuple[pd.DataFrame, str]:
    """Violence and the factor at the factor's own geography (LSOA, ward or local authority)."""
    f = FACTOR_BY_COLUMN[column]
    rf = lsoa_risk_factors()
    df = data.areas[["area_code", "area_name", "ward_code", "ward_name", "lad_code", "lad_name", "count",
                     "population", "value"]].merge(rf[["area_code", column]], on="area_code")
    if f.geography == "ward":
        g = df.groupby(["ward_code", "ward_name"]).agg(count=("count", "sum"), population=("population", "sum"),
                                                       factor=(column, "first")).reset_index()
        g["violence"] = 1000 * g["count"] / g["population"]
        return g.rename(columns={"ward_name": "name"}), "violence per 1,000 residents (ward)"
    if f.geography == "local authority":
        g = df.groupby(["lad_code", "lad_name"]).agg(count=("count", "sum"), population=("population", "sum"),
                                                     factor=(column, "first")).reset_index()
        g["violence"] = 1000 * g["count"] / g["population"]
        return g.rename(columns={"lad_name": "name"}), "violence per 1,000 residents (local authority)"
    out = df.rename(columns={column: "factor", "area_name": "name"})
    out["violence"] = out["value"]
    return out, data.value_label


def without_hidden(frame: pd.DataFrame, prot, geography: str) -> pd.DataFrame:
    """The rows of a :func:`factor_frame` whose violence may be shown (all of them when nothing is suppressed)."""
    if prot is None:
        return frame
    if geography == "ward":
        hidden = [prot.total_hidden("ward_code", c) for c in frame["ward_code"]]
    elif geography == "local authority":
        hidden = [prot.total_hidden("lad_code", c) for c in frame["lad_code"]]
    else:
        hidden = prot.leaf_hidden.reindex(frame["area_code"]).fillna(False).to_numpy(bool)
    return frame[~pd.Series(hidden, index=frame.index).to_numpy(bool)]


def spearman(frame: pd.DataFrame) -> tuple[float, float, int]:
    ok = frame[["factor", "violence"]].dropna()
    if len(ok) < 3:
        return float("nan"), float("nan"), len(ok)
    rho, p = stats.spearmanr(ok["factor"], ok["violence"])
    return float(rho), float(p), len(ok)


def scatter(frame: pd.DataFrame, factor_label: str, violence_label: str) -> alt.Chart:
    return (alt.Chart(frame.dropna(subset=["factor", "violence"])).mark_circle(size=70 if len(frame) < 50 else 25,
                                                                                 opacity=0.6, color="#b2182b")
            .encode(x=alt.X("factor:Q", title=factor_label), y=alt.Y("violence:Q", title=violence_label),
                    tooltip=["name:N", alt.Tooltip("factor:Q", format=",.2f"), alt.Tooltip("violence:Q", format=",.1f")])
            .properties(height=380).configure_axis(labelFontSize=14, titleFontSize=15))


def tertiles(values: pd.Series) -> pd.Series:
    return pd.qcut(values.rank(method="first"), 3, labels=[0, 1, 2]).astype(int)


def bivariate_classes(data: D.AreaData) -> pd.DataFrame:
    """Violence tertile × IMD 2025 score tertile per LSOA, with the 3×3 colour."""
    rf = lsoa_risk_factors()[["area_code", "imd2025_score"]]
    df = data.areas[["area_code", "value"]].merge(rf, on="area_code")
    df["v"] = tertiles(df["value"])
    df["d"] = tertiles(df["imd2025_score"])
    df["colour"] = [BIVARIATE[v][d] for v, d in zip(df["v"], df["d"])]
    return df


def bivariate_lisa(data: D.AreaData, permutations: int = 999, seed: int = 12345) -> pd.DataFrame:
    """Local bivariate Moran: violence at each LSOA against deprivation (IMD 2025 score) around it."""
    rf = lsoa_risk_factors()[["area_code", "imd2025_score"]]
    areas = data.areas.merge(rf, on="area_code").set_index("area_code", drop=False)
    w = build_weights(areas, "queen")
    bv = BivariateLocalMoran(areas["value"].to_numpy(float), areas["imd2025_score"].to_numpy(float), w,
                             permutations=permutations, seed=seed)
    return pd.DataFrame({"area_code": areas["area_code"].to_numpy(), "quadrant": bv.quadrant,
                         "p_sim": bv.p_sim, "class": bv.classes.astype(str)})

"""Risk factors against violence: rank correlations, the 3×3 bivariate map, bivariate LISA."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
from scipy import stats

from analytics.moran import BivariateLocalMoran
from analytics.weights import build_weights
from geo import datasets as D
from geo.risk_factors import FACTORS, Factor, lsoa_risk_factors

# Joshua Stevens' 3×3 bivariate scheme: rows = violence tertile (low→high), columns = deprivation tertile
BIVARIATE = [["#e8e8e8", "#ace4e4", "#5ac8c8"],
             ["#dfb0d6", "#a5add3", "#5698b9"],
             ["#be64ac", "#8c62aa", "#3b4994"]]


@dataclass(frozen=True)
class FactorSet:
    """The factors a study area has: one row per area (``table``: area_code + a column per factor), described."""

    table: pd.DataFrame
    factors: tuple[Factor, ...]
    deprivation: str | None  # the column the 3 x 3 map and bivariate Moran use (higher = more deprived)
    deprivation_label: str = ""

    def get(self, column: str) -> Factor:
        return next(f for f in self.factors if f.column == column)


def factor_set(area, uploaded: pd.DataFrame | None = None) -> FactorSet:
    """The bundled factors for the West Midlands; elsewhere IMD 2019 (England) where its codes apply, and the
    numeric columns of a file the user gives (area_code + one column per factor), at area level."""
    extra = []
    if area.has("risk_factors"):  # the bundled West Midlands, or areas cut from it
        table = lsoa_risk_factors()
        factors = list(FACTORS)
        deprivation, dep_label = "imd2025_score", "IMD 2025"
    else:
        table = area.lookup()[["area_code"]].copy()
        factors, deprivation, dep_label = [], None, ""
        if area.has("imd2019"):
            from geo.risk_factors import _imd2019_england

            imd = _imd2019_england()[["area_code", "IMD_rank"]].rename(columns={"IMD_rank": "imd2019_rank"})
            table = table.merge(imd, on="area_code", how="left")
            table["imd2019_deprivation"] = -table["imd2019_rank"]
            factors.append(Factor("imd2019_rank", "IMD 2019 rank (1 = most deprived of 32,844)", "LSOA",
                                  "IoD2019, all England", "less deprived"))
            deprivation, dep_label = "imd2019_deprivation", "IMD 2019 (rank, reversed)"
    if uploaded is not None:
        for col in uploaded.columns:
            if col == "area_code":
                continue
            name = f"user_{col}"
            table = table.merge(uploaded[["area_code", col]].rename(columns={col: name}), on="area_code", how="left")
            extra.append(Factor(name, str(col), "area", "your file", f"more {col}"))
        if deprivation is None and extra:
            deprivation, dep_label = extra[0].column, extra[0].label
    return FactorSet(table, tuple(factors + extra), deprivation, dep_label)


def read_factor_file(data: bytes, name: str, codes: set[str]) -> tuple[pd.DataFrame, list[str]]:
    """A user's factor file: CSV/XLSX with an area-code column and numeric columns; (table, notes)."""
    from geo.errors import InputError
    from geo.tabular import read_table

    table, _ = read_table(data, name, allow_excel=True)
    table = table.drop(columns=["file", "row"])
    code_col = next((c for c in table.columns if c.lower() in ("area_code", "code") or c.upper().endswith("CD")), None)
    if code_col is None:
        raise InputError(name, "has no area-code column (area_code, or a column ending in CD)",
                         "add one holding the codes of the study area's areas")
    out = pd.DataFrame({"area_code": table[code_col].astype(str).str.strip()})
    notes = []
    for col in table.columns:
        if col == code_col:
            continue
        values = pd.to_numeric(table[col].astype(str).str.replace(",", "", regex=False), errors="coerce")
        if values.notna().sum() >= 0.5 * len(values):
            out[col] = values
            if values.isna().any():
                notes.append(f"{int(values.isna().sum()):,} value(s) of {col} are not numbers and are left out.")
    if out.shape[1] == 1:
        raise InputError(name, "has no numeric columns", "give one column of numbers per factor")
    unmatched = int((~out["area_code"].isin(codes)).sum())
    if unmatched == len(out):
        raise InputError(name, "matches none of the study area's area codes", "use the codes of the boundaries loaded")
    if unmatched:
        notes.append(f"{unmatched:,} row(s) match no area of the study area and are not used.")
    if out["area_code"].duplicated().any():
        raise InputError(name, "repeats area codes", "give one row per area")
    return out, notes


def factor_frame(data: D.AreaData, column: str, fs: FactorSet | None = None) -> tuple[pd.DataFrame, str]:
    """Violence and the factor at the factor's own geography (LSOA, ward or local authority)."""
    fs = fs or factor_set_for_bundled()
    f = fs.get(column)
    rf = fs.table
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


def factor_set_for_bundled() -> FactorSet:
    from geo.study_area import west_midlands

    return factor_set(west_midlands())


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


def bivariate_classes(data: D.AreaData, fs: FactorSet | None = None) -> pd.DataFrame:
    """Violence tertile × deprivation tertile per area (IMD 2025 score in the West Midlands), with the colour."""
    fs = fs or factor_set_for_bundled()
    rf = fs.table[["area_code", fs.deprivation]].dropna()
    df = data.areas[["area_code", "value"]].merge(rf, on="area_code")
    df["v"] = tertiles(df["value"])
    df["d"] = tertiles(df[fs.deprivation])
    df["colour"] = [BIVARIATE[v][d] for v, d in zip(df["v"], df["d"])]
    return df


def bivariate_lisa(data: D.AreaData, permutations: int = 999, seed: int = 12345,
                   fs: FactorSet | None = None) -> pd.DataFrame:
    """Local bivariate Moran: violence at each area against deprivation (IMD 2025 score) around it."""
    fs = fs or factor_set_for_bundled()
    rf = fs.table[["area_code", fs.deprivation]].dropna()
    areas = data.areas.merge(rf, on="area_code").set_index("area_code", drop=False)
    w = build_weights(areas, "queen")
    bv = BivariateLocalMoran(areas["value"].to_numpy(float), areas[fs.deprivation].to_numpy(float), w,
                             permutations=permutations, seed=seed)
    return pd.DataFrame({"area_code": areas["area_code"].to_numpy(), "quadrant": bv.quadrant,
                         "p_sim": bv.p_sim, "class": bv.classes.astype(str)})

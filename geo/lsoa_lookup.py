"""LSOA 2011 ↔ 2021 conversion with the ONS lookup, and the LSOA → ward → authority hierarchy.

The ONS lookup marks each 2011→2021 pair with a change indicator: U unchanged, S split (one
2011 LSOA became several 2021 LSOAs), M merged (several became one), X irregular. The rules:

* **counts** (people, incidents) of a 2011 LSOA are shared equally among the 2021 LSOAs it
  became — ONS split LSOAs whose population had grown, into parts of similar population — and
  the parts arriving in one 2021 LSOA are added up (merges sum);
* **rates, scores and ranks** are carried to each 2021 LSOA as the mean of the 2011 LSOAs that
  feed it, weighted by a count column when one is given (for example population), else equal.

The same rules, mirrored, convert 2021 data to 2011 areas.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from geo.catalogue import layer


@lru_cache(maxsize=1)
def lsoa11_lsoa21_lookup() -> pd.DataFrame:
    return pd.read_csv(layer("lookup_lsoa11_lsoa21").path, dtype=str)


@lru_cache(maxsize=1)
def lsoa21_hierarchy() -> pd.DataFrame:
    """LSOA21CD, LSOA21NM, WD24CD, WD24NM, LAD24CD, LAD24NM (best-fit 2024 wards)."""
    return pd.read_csv(layer("lookup_lsoa21_ward_lad").path, dtype=str)


def equivalent_pairs() -> set[tuple[str, str]]:
    """(LSOA11, LSOA21) pairs that refer to overlapping areas, for comparing supplied codes."""
    lk = lsoa11_lsoa21_lookup()
    return set(zip(lk["LSOA11CD"], lk["LSOA21CD"]))


def change_summary() -> dict[str, int]:
    """How many lookup rows are unchanged, split, merged, irregular."""
    counts = lsoa11_lsoa21_lookup()["CHGIND"].value_counts()
    return {"unchanged": int(counts.get("U", 0)), "split": int(counts.get("S", 0)),
            "merged": int(counts.get("M", 0)), "irregular": int(counts.get("X", 0))}


def convert_lsoa(table: pd.DataFrame, code_column: str, to: str = "2021", counts: list[str] = (),
                 rates: list[str] = (), weight: str | None = None) -> pd.DataFrame:
    """Convert a per-LSOA table between 2011 and 2021 codes (see the module docstring for the rules).

    Returns one row per target LSOA with the converted ``counts`` and ``rates`` columns, keyed by
    ``LSOA21CD`` (or ``LSOA11CD``). Codes not in the lookup raise a ValueError naming a few.
    """
    src, dst = ("LSOA11CD", "LSOA21CD") if to == "2021" else ("LSOA21CD", "LSOA11CD")
    lk = lsoa11_lsoa21_lookup()[[src, dst]].drop_duplicates()
    data = table.copy()
    data[code_column] = data[code_column].astype(str)
    unknown = sorted(set(data[code_column]) - set(lk[src]))
    if unknown:
        raise ValueError(f"{len(unknown)} code(s) are not {src[:6]} codes of the West Midlands lookup, "
                         f"e.g. {', '.join(unknown[:3])}; check the table's vintage")
    pairs = lk.merge(data, left_on=src, right_on=code_column, how="inner")
    n_targets = pairs.groupby(src)[dst].transform("count")
    out = pd.DataFrame({dst: sorted(pairs[dst].unique())}).set_index(dst)
    for col in counts:
        share = pd.to_numeric(pairs[col], errors="coerce") / n_targets
        out[col] = share.groupby(pairs[dst]).sum(min_count=1)
    for col in rates:
        value = pd.to_numeric(pairs[col], errors="coerce")
        w = (pd.to_numeric(pairs[weight], errors="coerce") / n_targets) if weight else pd.Series(1.0, index=pairs.index)
        w = w.where(value.notna(), 0.0)
        out[col] = (value.fillna(0) * w).groupby(pairs[dst]).sum() / w.groupby(pairs[dst]).sum()
    return out.reset_index()

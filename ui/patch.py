"""My patch: the patch's LSOAs, its trend against the whole area, its risk profile, and the brief."""

from __future__ import annotations

import html
from datetime import date

import numpy as np
import pandas as pd

from geo import datasets as D
from geo.catalogue import attribution_lines
from geo.risk_factors import FACTORS, lsoa_risk_factors
from ui.layers import GI_COLOURS

CODE_PATTERN = r"E0[0-9]{7}"


def parse_codes(text: str, known: set[str]) -> tuple[list[str], list[str]]:
    """Area codes found in pasted text (any separators: commas, spaces, new lines), split into known and unknown.

    ONS codes are matched in any case; other codes (a user's own boundaries) as they are written."""
    import re

    upper = {k.upper(): k for k in known}
    tokens = [t for t in re.split(r"[\s,;|]+", text or "") if t]
    codes = list(dict.fromkeys(upper.get(t.upper(), t) for t in tokens))
    return [c for c in codes if c in known], [c for c in codes if c not in known]


def risk_profile(codes: list[str]) -> pd.DataFrame:
    """Each risk factor: the patch (population-weighted mean), the West Midlands mean, and its geography."""
    rf = lsoa_risk_factors()
    mine = rf[rf["area_code"].isin(codes)]
    rows = []
    for f in FACTORS:
        w_all = rf["population"].where(rf[f.column].notna(), 0)
        w_me = mine["population"].where(mine[f.column].notna(), 0)
        patch = float((mine[f.column].fillna(0) * w_me).sum() / w_me.sum()) if w_me.sum() else np.nan
        wm = float((rf[f.column].fillna(0) * w_all).sum() / w_all.sum())
        rows.append({"Risk factor": f.label, "Patch": round(patch, 2), "West Midlands": round(wm, 2),
                     "Patch vs WM": f"{100 * (patch / wm - 1):+.0f} %" if wm and not np.isnan(patch) else "–",
                     "Geography": f.geography})
    return pd.DataFrame(rows)


def trend_against_all(data: D.AreaData, codes: list[str], prot=None,
                      geography: str = "all") -> tuple[pd.DataFrame | None, str | None]:
    """Monthly incidents in the patch and in the whole analysed area, each indexed to its own mean = 100,
    and a note. With ``prot`` (ProtectedCounts) the protected monthly series of the patch's ward or
    authority are used (hidden months left out); a custom list's trend is not shown."""
    if data.points is None:
        return None, None
    months = list(data.monthly.index)
    stamps = pd.PeriodIndex(months, freq="M").to_timestamp()
    if prot is not None:
        kind, _, code = geography.partition(":")
        if kind != "lad":
            return None, ("While small numbers are suppressed the monthly trend is shown for local authorities only: "
                          "a ward's or a custom patch's months would reveal hidden counts by difference.")
        mine, whole = prot.step_series(f"{kind}_code", code), prot.step_series()
        if prot.total_hidden(f"{kind}_code", code):
            return None, "The patch's total is hidden (small numbers), so its trend is not shown."
        patch = pd.Series(mine["count"].to_numpy(), index=months)
        patch_mean = prot.values[prot.node(f"{kind}_code", code)] / len(months)
        all_series = pd.Series(whole["count"].to_numpy(), index=months)
        all_mean = prot.values[prot.node("all", "all")] / len(months)
        note = "Hidden months (small numbers) are left out." if mine["hidden"].any() else None
    else:
        patch = data.points[data.points["area_code"].isin(codes)].groupby("month")["weight"].sum().reindex(
            months, fill_value=0.0)
        all_series = data.monthly.reindex(months, fill_value=0.0)
        patch_mean, all_mean, note = patch.mean(), all_series.mean(), None
    frame = pd.DataFrame({"month": stamps,
                          "Patch": 100 * patch.to_numpy() / max(patch_mean, 1e-9),
                          "Whole analysed area": 100 * all_series.to_numpy() / max(all_mean, 1e-9)})
    return frame.melt("month", var_name="series", value_name="index").dropna(subset=["index"]), note


def top_locations(data: D.AreaData, codes: list[str], policy=None, n: int = 10) -> tuple[pd.DataFrame | None, str | None]:
    """The patch's busiest streets and places, and a note. Under an enabled ``policy`` only places with at least
    the threshold are listed, by name, without counts (a place's count could reveal an LSOA's hidden one)."""
    if data.points is None:
        return None, None
    pts = data.points[data.points["area_code"].isin(codes)]
    loc = pts["location"].astype(str).str.replace(r"^On or near\s+", "", regex=True).replace("", "(not given)")
    counts = pts.groupby(loc)["weight"].sum().sort_values(ascending=False)
    column = "Street or place (police.uk 'on or near')"
    if policy is not None and policy.enabled:
        busy = sorted(counts[counts >= policy.threshold].index)[:n]
        return (pd.DataFrame({column: busy}),
                f"Places with at least {policy.threshold} incidents, in alphabetical order; counts are not shown "
                "while small numbers are suppressed.")
    top = counts.head(n)
    return pd.DataFrame({column: top.index, "Incidents": top.to_numpy()}), None


def svg_map(frame, colour_column: str = "gi_class", width: int = 640, height: int = 480) -> str:
    """An inline SVG of the patch's LSOAs (EPSG:27700) coloured by Gi* class: prints without a network."""
    minx, miny, maxx, maxy = frame.total_bounds
    scale = min(width / max(maxx - minx, 1), height / max(maxy - miny, 1)) * 0.95
    ox = (width - (maxx - minx) * scale) / 2
    oy = (height - (maxy - miny) * scale) / 2
    paths = []
    for geom, cls, name in zip(frame.geometry, frame[colour_column], frame["area_name"]):
        polys = getattr(geom, "geoms", [geom])
        d = ""
        for poly in polys:
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                pts = " L".join(f"{ox + (x - minx) * scale:.1f},{height - oy - (y - miny) * scale:.1f}" for x, y in xy)
                d += f"M{pts} Z "
        paths.append(f'<path d="{d}" fill="{GI_COLOURS.get(cls, "#eeeeee")}" stroke="#555" stroke-width="0.6">'
                     f"<title>{html.escape(str(name))}: {html.escape(str(cls))}</title></path>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Map of the patch">{"".join(paths)}</svg>')


def brief_html(title: str, data: D.AreaData, frame, table: pd.DataFrame, profile: pd.DataFrame | None,
               notes: list[str], dataset: str) -> str:
    """A one-page printable brief: title, date, data, map, hot-spot table, risk profile, attributions."""
    legend = "".join(f'<span style="display:inline-block;margin-right:1em"><span style="display:inline-block;'
                     f'width:1em;height:1em;background:{c};border:1px solid #555"></span> {html.escape(k)}</span>'
                     for k, c in GI_COLOURS.items())
    keys = ["lsoa21", "iod2025_indicators" if dataset == D.IOD else "police_bham_2017", "imd2025", "population2020"]
    credits = " ".join(attribution_lines(keys)) if profile is not None else "Boundaries and incidents: as loaded."
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:Arial,sans-serif;margin:1.5cm;color:#222}} h1{{font-size:22pt;margin:0}}
table{{border-collapse:collapse;font-size:9.5pt;margin:.5em 0}} td,th{{border:1px solid #bbb;padding:2px 6px;text-align:left}}
.small{{font-size:8.5pt;color:#444}} @page{{size:A4;margin:1cm}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="small">Produced {date.today():%d %B %Y} · {html.escape(data.title)}</p>
{svg_map(frame)}
<p class="small">{legend}</p>
<h2 style="font-size:13pt">Hot spots in the patch</h2>{table.to_html(index=False, escape=True, border=0)}
{"" if profile is None else '<h2 style="font-size:13pt">Risk factors: patch against the West Midlands</h2>' + profile.to_html(index=False, escape=True, border=0)}
<p class="small">{'<br>'.join(html.escape(n) for n in notes)}</p>
<p class="small">Hot spots: Getis-Ord Gi*, queen neighbours, false-discovery-rate controlled. Associations with
risk factors are not causes. {html.escape(credits)}</p>
</body></html>"""

"""Printable one-page briefs (HTML with inline SVG: prints and opens without a network).

:func:`impact_brief` turns an impact evaluation's flat dictionary (``ImpactEvaluation.to_dict``)
and its zones' polygons into the brief a commissioning report needs: the verdict, the three zones
on a map, the monthly chart (target and comparison indexed to their before-period means, the
fitted line and the counterfactual), the table of counts, and the method. Every text is escaped.
"""

from __future__ import annotations

import html
from datetime import date

import numpy as np

ZONE_COLOURS = {"target": "#b2182b", "buffer": "#f4a582", "comparison": "#92c5de"}


def _num(value) -> float | None:
    if value is None or isinstance(value, str):
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _indexed(values: list, before: list[bool]) -> list[float | None]:
    nums = [_num(v) for v in values]
    base = [v for v, b in zip(nums, before) if b and v is not None]
    mean = sum(base) / len(base) if base else None
    return [None if v is None or not mean else 100 * v / mean for v in nums]


def _path(xs, ys) -> str:
    parts, pen = [], "M"
    for x, y in zip(xs, ys):
        if y is None:
            pen = "M"
            continue
        parts.append(f"{pen}{x:.1f},{y:.1f}")
        pen = "L"
    return " ".join(parts)


def chart_svg(result: dict, width: int = 680, height: int = 260) -> str:
    """The monthly chart: target and comparison indexed to their before-period means (= 100), the ITS
    fit and counterfactual (indexed on the target's mean), the start marked."""
    s = result["series"]
    months = s["month"]
    before = [w == "before" for w in s["window"]]
    lines = {"Target": (_indexed(s["target"], before), "#b2182b", ""),
             "Comparison": (_indexed(s["comparison"], before), "#2166ac", "")}
    target_nums = [_num(v) for v in s["target"]]
    base = [v for v, b in zip(target_nums, before) if b and v is not None]
    mean = sum(base) / len(base) if base else None
    for key, label, dash in (("target_fitted", "Target, fitted", "4 2"), ("target_counterfactual", "Counterfactual",
                                                                              "2 3")):
        if s.get(key) and mean:
            lines[label] = ([100 * v / mean for v in s[key]], "#444" if key == "target_fitted" else "#888", dash)
    values = [v for ys, _, _ in lines.values() for v in ys if v is not None] or [100.0]
    lo, hi = min(0.0, min(values)), max(values) * 1.1
    left, right, top, bottom = 44, 10, 10, 36
    n = max(len(months) - 1, 1)
    xs = [left + (width - left - right) * i / n for i in range(len(months))]
    y = lambda v: None if v is None else top + (height - top - bottom) * (1 - (v - lo) / (hi - lo))  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           'aria-label="Monthly incidents, indexed to the before-period mean">']
    for tick in (0, 50, 100, 150, 200, 300):
        if lo <= tick <= hi:
            ty = y(tick)
            out.append(f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#ddd"/>'
                       f'<text x="{left - 4}" y="{ty + 4:.1f}" font-size="10" text-anchor="end">{tick}</text>')
    start = next((i for i, b in enumerate(before) if not b), None)
    if start is not None:
        sx = (xs[start - 1] + xs[start]) / 2 if start else xs[0]
        out.append(f'<line x1="{sx:.1f}" x2="{sx:.1f}" y1="{top}" y2="{height - bottom}" stroke="#222" '
                   f'stroke-dasharray="3 3"/><text x="{sx + 3:.1f}" y="{top + 10}" font-size="10">start</text>')
    for i in range(0, len(months), max(1, len(months) // 8)):
        out.append(f'<text x="{xs[i]:.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle">'
                   f'{html.escape(str(months[i]))}</text>')
    for k, (label, (ys, colour, dash)) in enumerate(lines.items()):
        out.append(f'<path d="{_path(xs, [y(v) for v in ys])}" fill="none" stroke="{colour}" stroke-width="2" '
                   f'stroke-dasharray="{dash}"/>')
        lx = left + 150 * k
        out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{height - 6}" y2="{height - 6}" stroke="{colour}" '
                   f'stroke-width="2" stroke-dasharray="{dash}"/><text x="{lx + 22}" y="{height - 2}" '
                   f'font-size="10">{html.escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def zones_svg(zones, width: int = 320, height: int = 260) -> str:
    """The three zones (a GeoDataFrame in EPSG:27700 with a ``zone`` column) as an inline SVG map."""
    if zones is None or not len(zones):
        return ""
    focus = zones[zones["zone"] != "comparison"]  # the target and its buffer, with the comparison around them
    minx, miny, maxx, maxy = (focus if len(focus) else zones).total_bounds
    pad = 0.35 * max(maxx - minx, maxy - miny, 500.0)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = min(width / max(maxx - minx, 1), height / max(maxy - miny, 1)) * 0.95
    ox, oy = (width - (maxx - minx) * scale) / 2, (height - (maxy - miny) * scale) / 2
    paths = []
    for geom, zone in zip(zones.geometry, zones["zone"]):
        d = ""
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                d += "M" + " L".join(f"{ox + (x - minx) * scale:.1f},{height - oy - (y - miny) * scale:.1f}"
                                     for x, y in xy) + " Z "
        paths.append(f'<path d="{d}" fill="{ZONE_COLOURS.get(zone, "#eee")}" stroke="#555" stroke-width="0.4"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'style="overflow:hidden;border:1px solid #ccc" '
            f'aria-label="The target, buffer and comparison zones">{"".join(paths)}</svg>')


def _cell(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, str):
        return html.escape(v)
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def impact_brief(result: dict, title: str, zones=None, disclosure_rule: str = "", credits: str = "") -> str:
    """The one-page HTML brief of an impact evaluation (``ImpactEvaluation.to_dict()``, labels allowed)."""
    rows = [("Target", result["target_before"], result["target_after"]),
            ("Buffer", result["buffer_before"], result["buffer_after"]),
            ("Comparison", result["comparison_before"], result["comparison_after"])]
    table = "".join(f"<tr><td>{z}</td><td>{_cell(b)}</td><td>{_cell(a)}</td></tr>" for z, b, a in rows
                    if not (z == "Buffer" and b is None))
    re_ = result.get("relative_effect")
    effect = ("–" if re_ is None else f"{re_:.2f} (95 % CI {result['verdict_ci_low']:.2f} to "
              f"{result['verdict_ci_high']:.2f}; p = {result['verdict_p']:.2g}, {html.escape(result['verdict_basis'])})"
              if result.get("verdict_ci_low") is not None else f"{re_:.2f}")
    its = ("not fitted: " + html.escape(result.get("its_skipped_reason") or "")) if result.get("its_level_ratio") is None \
        else (f"level change x{result['its_level_ratio']:.2f} (95 % CI {result['its_level_ci_low']:.2f} to "
              f"{result['its_level_ci_high']:.2f})")
    wdq = result.get("wdq")
    legend = "".join(f'<span style="display:inline-block;margin-right:1em"><span style="display:inline-block;'
                     f'width:1em;height:1em;background:{c};border:1px solid #555"></span> {z}</span>'
                     for z, c in ZONE_COLOURS.items())
    method = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>" for k, v in result["method"].items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:Arial,sans-serif;margin:1.2cm;color:#222;font-size:10pt}} h1{{font-size:18pt;margin:0}}
table{{border-collapse:collapse;margin:.4em 0}} td,th{{border:1px solid #bbb;padding:2px 8px;text-align:left}}
.small{{font-size:8pt;color:#444}} .verdict{{font-size:12pt;border-left:4px solid #b2182b;padding:.3em .6em;margin:.6em 0}}
@page{{size:A4;margin:1cm}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="small">Produced {date.today():%d %B %Y} · intervention from {html.escape(str(result['start']))} ·
before {html.escape(result['before_first'])} to {html.escape(result['before_last'])} · after
{html.escape(result['after_first'])} to {html.escape(result['after_last'])}</p>
<div class="verdict">{html.escape(result['verdict'])}</div>
<div style="display:flex;gap:1em;align-items:flex-start">{zones_svg(zones)}<div>
<table><tr><th>Zone</th><th>Before</th><th>After</th></tr>{table}</table>
<p>Relative effect (target against comparison): {effect}<br>Interrupted time series: {its}<br>
Weighted displacement quotient: {'–' if wdq is None else f'{wdq:.2f}'} — {html.escape(result.get('wdq_reading') or '')}<br>
Net effect: {'–' if result.get('total_net_effect') is None else f"{result['total_net_effect']:,.0f} incidents"}<br>
{html.escape(result.get('power_verdict') or '')}</p></div></div>
<p class="small">{legend}</p>
{chart_svg(result)}
<p class="small">Lines: monthly incidents indexed to each zone's before-period mean (= 100); dashed, the fitted
interrupted time series and its counterfactual (no intervention).</p>
<ul class="small">{method}</ul>
<p class="small">{html.escape(disclosure_rule)} {html.escape(credits)}</p>
</body></html>"""

"""Map payload: the JSON the browser receives for the LSOA hotspot map, West Midlands and England.

    .venv/bin/python -m benchmarks.bench_payload

West Midlands, actual: the app's map page is run headlessly (streamlit AppTest, default sidebar
and map mode) and the deck JSON it hands to ``st.pydeck_chart`` (``CompactDeck.to_json()``) is
measured, layer by layer, split into geometry and properties. England: the map is built by the
app's own layer functions (``ui.hotspot_map.area_layers``, ``boundary_layers``) for 35,000
synthetic LSOA-like polygons whose vertex counts match the bundled file (ONS BSC, median 8
coordinates) -- and, as a sensitivity check, for denser ones like the 20 m generalised (BGC)
boundaries (median ~35) -- with authorities (and wards, when the map's detail draws them)
dissolved from them. gzip sizes show what a compressed transport would carry; Streamlit's
websocket here is not compressed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time

import numpy as np

from benchmarks.common import ROOT, emit, row

SECTION = "4 Map payload"
MB = 1_000_000


def map_page() -> tuple[str, str]:
    """(script path, url path) of the page holding the hotspot map, read from app.py's st.Page list."""
    text = (ROOT / "app.py").read_text()
    pages = re.findall(r'st\.Page\(\s*"([^"]+)"([^)]*)\)', text)
    for path, rest in pages:
        up = re.search(r'url_path\s*=\s*"([^"]*)"', rest)
        title = re.search(r'title\s*=\s*"([^"]*)"', rest)
        if (up and up.group(1) == "map") or (title and "map" in title.group(1).lower()):
            return path, up.group(1) if up else ""
    return (pages[0][0] if pages else "app.py"), ""


def actual_wm_deck(timeout: float = 180):
    """(deck dict, json text, seconds for the headless run) from the app's map page via AppTest."""
    from streamlit.testing.v1 import AppTest

    page, _ = map_page()
    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if page != "app.py":
        at.switch_page(page)
        at.run()
    secs = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"the map page raised: {at.exception[0].value}")
    charts = at.get("deck_gl_json_chart")
    if not charts:
        raise RuntimeError(f"no pydeck chart on {page}")
    text = charts[0].proto.json
    return json.loads(text), text, secs


def model_wm_deck(lsoa):
    """The LSOA map built by the app's layer functions, when the page itself cannot be run."""
    from geo import bundled
    from ui import hotspot_map as M
    from ui.layers import TOOLTIP_HTML
    from ui.maps import deck

    t = time.perf_counter()
    frame = lsoa.copy()
    frame["fill"] = [[200, 60, 40, 210]] * len(frame)
    frame["value"] = frame["population"] / 100.0
    layers = M.area_layers(frame, frame, "Incidents", False, "value", [], "").layers("areas") + M.boundary_layers(
        M.boundary_json(bundled.boundaries("wards24")), M.boundary_json(bundled.boundaries("lad24")))
    text = deck(layers, tooltip_html=TOOLTIP_HTML).to_json()
    return json.loads(text), text, time.perf_counter() - t


def _features(layer):
    """A GeoJsonLayer's features, or a LineLayer's segments (lists of 4 numbers)."""
    data = layer.get("data")
    return data.get("features") if isinstance(data, dict) else data if isinstance(data, list) else None


def split_bytes(layer) -> tuple[int, int, int]:
    """(total, geometry, properties) compact-JSON bytes of one layer (a LineLayer is all geometry)."""
    feats = _features(layer) or []
    total = len(json.dumps(layer, separators=(",", ":"), sort_keys=True).encode())
    if feats and not isinstance(feats[0], dict):
        return total, len(json.dumps(feats, separators=(",", ":"))), 0
    if feats and "p" in feats[0]:  # PolygonLayer rows: ring "p", the rest is properties
        geom = sum(len(json.dumps(f["p"], separators=(",", ":"))) for f in feats)
        props = sum(len(json.dumps({k: v for k, v in f.items() if k != "p"}, separators=(",", ":"),
                                   ensure_ascii=False).encode()) for f in feats)
        return total, geom, props
    geom = sum(len(json.dumps(f["geometry"], separators=(",", ":"))) for f in feats)
    props = sum(len(json.dumps(f.get("properties"), separators=(",", ":"), ensure_ascii=False).encode()) for f in feats)
    return total, geom, props


def print_layers(deck_dict) -> None:
    """One line per layer: its type, features (rows, segments), bytes, and the geometry/properties split."""
    for layer in deck_dict["layers"]:
        tot, g, p = split_bytes(layer)
        nf = len(_features(layer) or [])
        print(f"   layer {layer.get('id')!s:<12} {layer.get('@@type')!s:<13} {nf:>6,} features  {tot / MB:7.3f} MB "
              f"(geometry {g / MB:.3f}, properties {p / MB:.3f})")


def england_deck(n: int, style: str):
    """The LSOA map for ``n`` synthetic LSOAs, built by the app's own functions.

    ``ui.hotspot_map.area_layers`` (fills, tooltips, edges at the detail the number of areas calls
    for: see ``ui.mapdata.Detail``) and ``boundary_layers`` (wards when drawn, authorities), put
    into a deck by ``ui.maps.deck``. Each synthetic area takes the names, value and classes of a
    real WM LSOA (round-robin, from the default map's table), so the tooltips have real lengths.
    """
    import geopandas as gpd

    from benchmarks.england import cached_england
    from ui import cache
    from ui import hotspot_map as M
    from ui.layers import GI_COLOURS, TOOLTIP_HTML, class_fill
    from ui.mapdata import detail_for
    from ui.maps import deck
    from ui.state import default_selection

    eng = cached_england(n, style)
    selection = default_selection()
    data = cache.area_data(selection)
    real = M.area_frame(selection, M.MethodParams()).drop(columns="geometry")
    t = time.perf_counter()
    rows = real.iloc[np.arange(len(eng)) % len(real)].reset_index(drop=True)
    frame = gpd.GeoDataFrame(rows.assign(area_code=eng["area_code"].to_numpy()), geometry=eng.geometry.to_numpy(),
                             crs=eng.crs)
    frame["fill"] = class_fill(frame["gi_class"], GI_COLOURS)
    areas = M.area_layers(frame, frame, data.value_label, data.counts_are_estimates, "gi", [], "")
    detail = detail_for(areas.n_areas)
    lads = eng[["lad_code", "geometry"]].dissolve("lad_code", method="coverage").reset_index()
    wards = None
    if detail.ward_lines:
        wards = M.boundary_json(eng[["ward_code", "geometry"]].dissolve("ward_code", method="coverage").reset_index())
    layers = areas.layers("areas") + M.boundary_layers(wards, M.boundary_json(lads))
    text = deck(layers, tooltip_html=TOOLTIP_HTML, view=M.view_for(frame)).to_json()
    return json.loads(text), text, detail, time.perf_counter() - t, eng


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=35_000)
    ap.add_argument("--no-bgc", action="store_true", help="skip the denser (BGC-like) England variant")
    args = ap.parse_args(argv)
    rows = []

    from benchmarks.england import vertex_stats
    from geo import datasets as D

    lsoa = D.lsoa_frame()
    vs = vertex_stats(lsoa.geometry.values)
    print(f"bundled WM LSOAs: {len(lsoa):,} polygons, coordinates per polygon (closing one included) "
          f"p10 {vs['p10']:.0f}, median {vs['median']:.0f}, p90 {vs['p90']:.0f}, mean {vs['mean']:.1f} "
          "(ONS BSC, super-generalised 200 m)")

    try:
        wm, text, secs = actual_wm_deck()
        source = "actual deck JSON from the map page"
    except Exception as exc:  # noqa: BLE001 - the pages are being rebuilt: fall back to a model of the map
        print(f"the map page could not be run headlessly ({exc}); measuring a model of its layers instead")
        wm, text, secs = model_wm_deck(lsoa)
        source = "MODEL deck (ui.hotspot_map.area_layers + boundary_layers on lsoa_frame)"
    wm_bytes = len(text.encode())
    n_areas = len(_features(next(layer for layer in wm["layers"] if layer.get("id") == "areas")) or [])
    print(f"WM {source} (fresh process, {secs:.1f} s): {wm_bytes / MB:.3f} MB, "
          f"gzip {len(gzip.compress(text.encode(), 6)) / MB:.3f} MB; {n_areas:,} area features")
    print_layers(wm)
    rows.append(row(SECTION, "WM LSOA map: deck JSON to st.pydeck_chart", wm_bytes / MB, unit="MB", target=("<=", 2.0),
                    note=f"gzip {len(gzip.compress(text.encode(), 6)) / MB:.2f} MB; {n_areas:,} areas"))
    rows.append(row("1 Cold start", "server only: app + map page in AppTest, fresh process, no browser", secs,
                    note="imports + default page + map page script"))

    for style in ["bsc"] + ([] if args.no_bgc else ["bgc"]):
        eng_deck, text, detail, build_s, eng = england_deck(args.n, style)
        b = text.encode()
        ev = vertex_stats(eng.geometry.values)
        gz = len(gzip.compress(b, 6))
        label = {"bsc": "BSC-like (as bundled)", "bgc": "BGC-like (denser)"}[style]
        print(f"England {args.n:,} synthetic LSOAs, {label}: coordinates p10/median/p90 "
              f"{ev['p10']:.0f}/{ev['median']:.0f}/{ev['p90']:.0f}; deck JSON {len(b) / MB:.2f} MB, gzip {gz / MB:.2f} MB "
              f"(building the layers {build_s:.1f} s; {detail})")
        print_layers(eng_deck)
        rows.append(row(SECTION, f"England 35k LSOA map, {label}: deck JSON", len(b) / MB, unit="MB",
                        target=("<=", 10.0) if style == "bsc" else None,
                        note=f"gzip {gz / MB:.2f} MB; median {ev['median']:.0f} coords/polygon"
                             + ("" if style == "bsc" else "; sensitivity, no target")))
        rows.append(row(SECTION, f"England 35k, {label}: building the map's layers", build_s,
                        note="server-side preparation of the payload"))
    emit(rows)


if __name__ == "__main__":
    main()

"""Map payload: the JSON the browser receives for the LSOA hotspot map, West Midlands and England.

    .venv/bin/python -m benchmarks.bench_payload

West Midlands, actual: the app's map page is run headlessly (streamlit AppTest, default sidebar
and map mode) and the deck JSON it hands to ``st.pydeck_chart`` (``CompactDeck.to_json()``) is
measured, layer by layer, split into geometry and properties. England: the same deck (same
layers, same layer settings, same property keys and value lengths) is rebuilt with
``ui.mapdata.to_geojson`` on 35,000 synthetic LSOA-like polygons whose vertex counts match the
bundled file (ONS BSC, median 8 coordinates) -- and, as a sensitivity check, on denser ones
like the 20 m generalised (BGC) boundaries (median ~35) -- with 6,900 wards and 296 authorities
dissolved from them for the boundary layers. gzip sizes show what a compressed transport would
carry (Streamlit's websocket compresses messages when the browser negotiates permessage-deflate).
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
    """The LSOA map as ui.maps/ui.mapdata build it, when the page itself cannot be run."""
    from geo import bundled
    from ui.mapdata import to_geojson
    from ui.maps import deck, polygon_layer

    t = time.perf_counter()
    frame = lsoa.copy()
    frame["value"] = frame["population"] / 100.0
    frame["fill"] = [[200, 60, 40, 210]] * len(frame)
    layers = [polygon_layer("areas", to_geojson(frame, ["area_code", "area_name", "ward_name", "lad_name", "value",
                                                        "fill"]), pickable=True),
              polygon_layer("wards", to_geojson(bundled.boundaries("wards24")[["geometry"]], [], 25), fill=False),
              polygon_layer("lad", to_geojson(bundled.boundaries("lad24")[["geometry"]], [], 25), fill=False)]
    text = deck(layers, tooltip_html="<b>{area_name}</b>").to_json()
    return json.loads(text), text, time.perf_counter() - t


def _features(layer):
    data = layer.get("data")
    return data.get("features") if isinstance(data, dict) else None


def split_bytes(layer) -> tuple[int, int, int]:
    """(total, geometry, properties) compact-JSON bytes of one GeoJsonLayer's features."""
    feats = _features(layer) or []
    geom = sum(len(json.dumps(f["geometry"], separators=(",", ":"))) for f in feats)
    props = sum(len(json.dumps(f.get("properties"), separators=(",", ":"), ensure_ascii=False).encode()) for f in feats)
    total = len(json.dumps(layer, separators=(",", ":"), sort_keys=True).encode())
    return total, geom, props


def dumps(deck_dict) -> bytes:
    return json.dumps(deck_dict, sort_keys=True, separators=(",", ":")).encode()


def england_deck(wm: dict, n: int, style: str, n_wm_areas: int):
    """The WM deck with every layer's data rebuilt for ``n`` synthetic LSOAs (same keys, same value lengths)."""
    import geopandas as gpd

    from benchmarks.england import cached_england
    from ui.mapdata import to_geojson

    eng = cached_england(n, style)
    out = json.loads(json.dumps(wm))
    built = {}
    t = time.perf_counter()
    wards = lads = None
    for layer in out["layers"]:
        feats = _features(layer)
        if feats is None:
            continue
        keys = list(feats[0].get("properties", {}).keys()) if feats else []
        # property values copied round-robin from the WM features (realistic lengths); codes from the synthetic ones
        if len(feats) == n_wm_areas:
            frame, tol, kind = eng, 15.0, "areas"
        else:
            if wards is None:
                wards = eng[["ward_code", "geometry"]].dissolve("ward_code", method="coverage").reset_index()
                lads = eng[["lad_code", "geometry"]].dissolve("lad_code", method="coverage").reset_index()
            frame, tol, kind = (wards, 25.0, "wards") if len(feats) > 20 else (lads, 25.0, "lad")
        frame = gpd.GeoDataFrame(frame[["geometry"]].copy(), geometry="geometry", crs=frame.crs)
        for k in keys:
            vals = [f["properties"][k] for f in feats]
            frame[k] = [vals[i % len(vals)] for i in range(len(frame))]
        if "area_code" in keys and kind == "areas":
            frame["area_code"] = eng["area_code"].to_numpy()
        gj = to_geojson(frame, keys, tolerance_m=tol)
        layer["data"] = gj
        built[layer.get("id", kind)] = (kind, len(gj["features"]))
    return out, built, time.perf_counter() - t, eng


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
        source = "MODEL deck (ui.maps + ui.mapdata on lsoa_frame)"
    wm_bytes = len(text.encode())
    n_areas = max((len(_features(l) or []) for l in wm["layers"]), default=0)
    print(f"WM {source} (fresh process, {secs:.1f} s): {wm_bytes / MB:.3f} MB, "
          f"gzip {len(gzip.compress(text.encode(), 6)) / MB:.3f} MB; {n_areas:,} area features")
    for layer in wm["layers"]:
        tot, g, p = split_bytes(layer)
        nf = len(_features(layer) or [])
        print(f"   layer {layer.get('id')!s:<10} {layer.get('@@type')!s:<16} {nf:>6,} features  {tot / MB:7.3f} MB "
              f"(geometry {g / MB:.3f}, properties {p / MB:.3f})")
    rows.append(row(SECTION, "WM LSOA map: deck JSON to st.pydeck_chart", wm_bytes / MB, unit="MB", target=("<=", 2.0),
                    note=f"gzip {len(gzip.compress(text.encode(), 6)) / MB:.2f} MB; {n_areas:,} areas"))
    rows.append(row("1 Cold start", "server only: app + map page in AppTest, fresh process, no browser", secs,
                    note="imports + default page + map page script"))

    for style in ["bsc"] + ([] if args.no_bgc else ["bgc"]):
        eng_deck, built, build_s, eng = england_deck(wm, args.n, style, n_areas)
        b = dumps(eng_deck)
        ev = vertex_stats(eng.geometry.values)
        gz = len(gzip.compress(b, 6))
        label = {"bsc": "BSC-like (as bundled)", "bgc": "BGC-like (denser)"}[style]
        print(f"England {args.n:,} synthetic LSOAs, {label}: coordinates p10/median/p90 "
              f"{ev['p10']:.0f}/{ev['median']:.0f}/{ev['p90']:.0f}; deck JSON {len(b) / MB:.2f} MB, gzip {gz / MB:.2f} MB "
              f"(to_geojson for all layers {build_s:.1f} s)")
        for layer in eng_deck["layers"]:
            tot, g, p = split_bytes(layer)
            nf = len(_features(layer) or [])
            print(f"   layer {layer.get('id')!s:<10} {nf:>6,} features  {tot / MB:7.3f} MB "
                  f"(geometry {g / MB:.3f}, properties {p / MB:.3f})")
        rows.append(row(SECTION, f"England 35k LSOA map, {label}: deck JSON", len(b) / MB, unit="MB",
                        target=("<=", 10.0) if style == "bsc" else None,
                        note=f"gzip {gz / MB:.2f} MB; median {ev['median']:.0f} coords/polygon"
                             + ("" if style == "bsc" else "; sensitivity, no target")))
        rows.append(row(SECTION, f"England 35k, {label}: to_geojson for the map's layers", build_s,
                        note="server-side preparation of the payload"))
    emit(rows)


if __name__ == "__main__":
    main()

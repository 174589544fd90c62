"""pydeck map building: the offline base style, boundary layers, attribution."""

from __future__ import annotations

import json
import os

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

BLANK_STYLE_URL = "/app/static/blank_style.json"  # served by Streamlit static serving; works offline
WM_VIEW = pdk.ViewState(latitude=52.48, longitude=-1.89, zoom=9.3, pitch=0)


def map_style() -> str:
    """The base map style URL: a deployment's own (HOTSPOT_MAP_STYLE) or the bundled blank style."""
    return os.environ.get("HOTSPOT_MAP_STYLE", "").strip() or BLANK_STYLE_URL


def polygon_layer(layer_id: str, geojson: dict, fill: bool = True, line_colour=(60, 60, 60, 160),
                  line_width_px: float = 0.5, pickable: bool = False) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer", geojson, id=layer_id, filled=fill, stroked=True, pickable=pickable,
        get_fill_color="properties.fill" if fill else [0, 0, 0, 0], get_line_color=list(line_colour),
        # widths in pixels via line_width_min_pixels: pydeck would turn the string "pixels" into an expression
        get_line_width=0, line_width_min_pixels=line_width_px, auto_highlight=pickable,
    )


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck pretty-prints, which nearly quadruples the payload."""

    def to_json(self):
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def deck(layers: list[pdk.Layer], tooltip_html: str | None = None, view: pdk.ViewState = WM_VIEW) -> pdk.Deck:
    tooltip = {"html": tooltip_html, "style": {"fontSize": "15px", "backgroundColor": "#222", "color": "white"}} \
        if tooltip_html else False
    return CompactDeck(layers=layers, initial_view_state=view, map_style=map_style(), map_provider="carto",
                    tooltip=tooltip)

"""Small checks on a rendered Streamlit page."""

from __future__ import annotations

import io

from PIL import Image


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator) and a map exists."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def exception_texts(page) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all('[data-testid="stException"]')]


def map_is_painted(page, selector: str = '[data-testid="stDeckGlJsonChart"]') -> bool:
    """True when the map shows drawn polygons: many colours, and not a black (failed WebGL) or flat panel."""
    chart = page.wait_for_selector(selector, timeout=60_000)
    page.wait_for_timeout(1500)  # deck.gl paints a frame after the data arrives
    image = Image.open(io.BytesIO(chart.screenshot())).convert("RGB").resize((300, 200))
    colours = image.getcolors(maxcolors=300 * 200) or []
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 90)
    dominant = max((n for n, _ in colours), default=0)
    pixels = 300 * 200
    return len(colours) > 30 and dark < 0.5 * pixels and dominant < 0.9 * pixels

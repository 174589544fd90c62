"""Small checks on a rendered Streamlit page."""

from __future__ import annotations

import io
import time

from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

MAP = '[data-testid="stDeckGlJsonChart"]'


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Wait until Streamlit has finished running the script (its 'running' indicator has gone)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)  # every page has a title
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=timeout_ms)
    page.wait_for_timeout(300)


def exception_texts(page) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all('[data-testid="stException"]')]


def map_image(page, selector: str = MAP, timeout_ms: int = 120_000) -> Image.Image:
    chart = page.wait_for_selector(selector, timeout=timeout_ms)
    # a busy software-rendered page can take a while to be "stable" enough for a screenshot
    return Image.open(io.BytesIO(chart.screenshot(timeout=timeout_ms, animations="disabled"))).convert("RGB")


def is_painted(image: Image.Image) -> bool:
    """Many colours, and neither black (failed WebGL) nor one flat panel."""
    small = image.resize((300, 200))
    colours = small.getcolors(maxcolors=300 * 200) or []
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 90)
    dominant = max((n for n, _ in colours), default=0)
    return len(colours) > 30 and dark < 0.5 * 60_000 and dominant < 0.9 * 60_000


def map_is_painted(page, selector: str = MAP, timeout_ms: int = 60_000) -> bool:
    """True once the map shows drawn polygons (deck.gl paints a frame or two after the data arrives)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        try:
            if is_painted(map_image(page, selector, timeout_ms=max(1000, int(1000 * (deadline - time.monotonic()))))):
                return True
        except PlaywrightTimeout:
            return False
        page.wait_for_timeout(1000)
    return False


def images_differ(a: Image.Image, b: Image.Image, threshold: float = 0.02) -> bool:
    """True when more than ``threshold`` of the pixels changed."""
    a, b = a.resize((300, 200)), b.resize((300, 200))
    changed = sum(1 for p, q in zip(a.getdata(), b.getdata()) if sum(abs(x - y) for x, y in zip(p, q)) > 30)
    return changed > threshold * 300 * 200

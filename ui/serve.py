"""Start the dashboard warm: ``python -m ui.serve [streamlit options]`` (what ``./dev app`` runs).

``streamlit run app.py`` runs none of the app's code until the first browser connects, so the
first person to open the dashboard (at the start of a meeting, after a restart) waits for the
imports and for the default map's statistics and shapes. This launcher starts the same
Streamlit server in the same process and, meanwhile, a background thread imports the app's
modules and fills the caches for the default view: the sidebar's defaults
(:func:`ui.state.default_selection`) and the hotspot map's default Gi* map. It runs while the
server starts and the browser loads Streamlit's JavaScript, time that is otherwise idle.

``streamlit run app.py`` still works, only without this head start. A failed warm-up is logged
and changes nothing else: every value it would have cached is computed on first use anyway.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from pathlib import Path

from ui.background import THREAD_PREFIX, quiet_own_threads

APP = Path(__file__).resolve().parent.parent / "app.py"
LOG = logging.getLogger("hotspots.warm_up")


def warm_up() -> float:
    """Import the app's modules and cache the default view's data and map; the seconds it took."""
    started = time.perf_counter()
    import ui.state  # noqa: F401 - the modules app.py imports first, in its order
    importlib.import_module("PIL.Image")  # st.set_page_config reads the page icon with Pillow (~0.3 s to import)
    importlib.import_module("streamlit.emojis")  # the first st.info with an icon compiles its emoji regex (~0.6 s)
    from streamlit import runtime
    from ui import cache
    from ui import hotspot_map as M

    # Cached functions called before the server's runtime exists would fill a throw-away cache.
    while not runtime.exists():
        time.sleep(0.05)
    quiet_own_threads()  # Streamlit warns on each cached call made outside a script run: here that is the point
    cache.store_has_incidents()  # the sidebar asks on every run; the first time imports DuckDB (~0.3 s)
    cache.lsoa_lookup_frame()
    selection = ui.state.default_selection()
    if selection is None:  # another study area: its first view is the store's, prepared on first use
        return time.perf_counter() - started
    data = cache.area_data(selection)
    M.area_layer_data(selection, M.MethodParams(), "gi")
    M.context_layers(selection.geography)  # called exactly as the map page calls it: same cache keys
    M.view_for(data.areas)
    _streamlit_first_element_check()
    return time.perf_counter() - started


def _streamlit_first_element_check() -> None:
    """Streamlit inspects the whole call stack once per process, at the first element a script draws
    (to warn people who run a script with ``python``): ~0.2 s of the first visitor's wait. Do it now.
    A private function: if a Streamlit release drops it, the visitor pays the 0.2 s, nothing breaks."""
    import streamlit.delta_generator as dg

    check = getattr(dg, "_maybe_print_use_warning", None)
    if callable(check):
        check()


def _warm_up_in_background() -> None:
    try:
        LOG.warning("default map prepared in %.1f s", warm_up())
    except Exception:  # noqa: BLE001 - the app computes all of it on first use anyway
        LOG.exception("warm-up failed; the first visitor will wait for the data instead")


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    threading.Thread(target=_warm_up_in_background, name=THREAD_PREFIX + "warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()

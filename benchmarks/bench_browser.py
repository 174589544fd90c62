"""Meeting-time speed and memory in a real browser: cold start, filter change, websocket bytes, 10 sessions.

    .venv/bin/python -m benchmarks.bench_browser [--repeats 5] [--sessions 10] [--page map]

Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser) against
the app on 127.0.0.1 with the bundled data, started as ``./dev app`` starts it (``python -m ui.serve``:
``streamlit run app.py`` plus a warm-up of the default map at start; bare ``streamlit run app.py``
is timed too, interleaved). deck.gl draws through SwiftShader
(software WebGL) here, so the browser's share is reported apart from the server's:

cold start   process spawn -> /_stcore/health answers -> page requested -> the script run that
             draws the map finishes (ForwardMsg script_finished on the websocket) -> the deck.gl
             canvas is painted (screenshots of [data-testid="stDeckGlJsonChart"] polled until it
             shows many colours, is not black, and Streamlit's status widget is gone; the same
             test as tests/browser/helpers.map_is_painted, without its fixed 1.5 s wait). A new
             server process and a new browser context (empty cache) each repetition; the
             browser itself is started once beforehand, as a user's browser already runs.
filter change the sidebar's "Measure" radio (or else the "Area" selectbox) is changed; time from
             the click to the next script_finished (server) and to a repainted canvas that
             differs from the one before (browser). A new measure (prefetched in the background
             once the first map is drawn), a new area (built on the click) and a return to an
             earlier measure (st.cache_data hit) are reported separately.
websocket    bytes of websocket messages received per page load and per filter change
             (decoded payload as Playwright sees it), the deck JSON inside them, and the
             server's bytes written (/proc/<pid>/io wchar) for the load -- what went over the
             loopback socket, after permessage-deflate if negotiated.
memory       one server, N browser contexts (sessions) open the map page; the server's resident
             set (VmRSS) after all have painted, and its peak (VmHWM) over the whole run, also
             after each session picked a different filter.

Nothing here is a test; it prints figures. It leaves no server or browser running.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from benchmarks.common import ROOT, emit, row, rss_mb

SECTION1 = "1 Cold start"
SECTION4 = "4 Map payload"
SECTION5 = "5 Memory"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHART = '[data-testid="stDeckGlJsonChart"]'
STATUS = '[data-testid="stStatusWidget"]'
LADS = ["Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall", "Wolverhampton"]
MEASURE_LABELS = ["Rate per 1,000 residents", "Rate per 1,000 residents aged under 25", "Incidents"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def map_url_path() -> str:
    from benchmarks.bench_payload import map_page

    return map_page()[1]


IDLE_S = 15.0
LAUNCHERS = {  # how the app is started: what ./dev app runs (with its start-up warm-up), and bare streamlit
    "dev": ["-m", "ui.serve"],
    "streamlit": ["-m", "streamlit", "run", "app.py"],
}


class Server:
    """The app in a fresh process (``launcher``: a key of LAUNCHERS); ``spawn`` = perf_counter at Popen."""

    def __init__(self, log_path, launcher: str = "dev"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.spawn = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, *LAUNCHERS[launcher], "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.healthy = None

    def wait_health(self, timeout=90):
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    self.healthy = time.perf_counter()
                    return self.healthy - self.spawn
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("streamlit did not answer /_stcore/health")

    def wchar(self) -> int:
        with open(f"/proc/{self.proc.pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class WsRecorder:
    """Websocket frames of one page, with perf_counter timestamps and decoded ForwardMsg types."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._fm = ForwardMsg
        self.events = []  # (t, "recv"/"sent", nbytes, type, deck_json_bytes)
        self.extensions = None
        page.on("websocket", self._on_ws)

    def _on_ws(self, ws):
        ws.on("framereceived", self._recv)
        ws.on("framesent", lambda payload: self.events.append((time.perf_counter(), "sent", len(payload), "", 0)))

    def _recv(self, payload):
        t = time.perf_counter()
        data = payload if isinstance(payload, (bytes, bytearray)) else payload.encode()
        kind, deck = "", 0
        try:
            m = self._fm.FromString(bytes(data))
            kind = m.WhichOneof("type") or ""
            if kind == "delta" and m.delta.WhichOneof("type") == "new_element":
                el = m.delta.new_element
                if el.WhichOneof("type") == "deck_gl_json_chart":
                    kind, deck = "deck", len(el.deck_gl_json_chart.json.encode())
        except Exception:  # noqa: BLE001 - a frame we cannot decode still counts its bytes
            pass
        self.events.append((t, "recv", len(data), kind, deck))

    def mark(self) -> int:
        return len(self.events)

    def since(self, start: int):
        return self.events[start:]

    def finished_after(self, start: int):
        return [e[0] for e in self.events[start:] if e[3] == "script_finished"]

    def deck_after(self, start: int) -> bool:
        return any(e[3] == "deck" for e in self.events[start:])

    def count(self, start: int, kind: str) -> int:
        return sum(e[3] == kind for e in self.events[start:])

    def bytes_since(self, start: int) -> tuple[int, int]:
        ev = [e for e in self.events[start:] if e[1] == "recv"]
        return sum(e[2] for e in ev), sum(e[4] for e in ev)


def _image(chart):
    from PIL import Image

    return Image.open(io.BytesIO(chart.screenshot(timeout=30_000))).convert("RGB").resize((300, 200))


def painted(image) -> bool:
    """tests/browser/helpers.map_is_painted's rule: many colours, not black, no single flat colour."""
    colours = image.getcolors(maxcolors=300 * 200) or []
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 90)
    dominant = max((n for n, _ in colours), default=0)
    pixels = 300 * 200
    return len(colours) > 30 and dark < 0.5 * pixels and dominant < 0.9 * pixels


def differs(a, b, threshold=2.0) -> bool:
    import numpy as np

    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean()) > threshold


def wait_painted(page, deadline_s=120.0, before=None, ready=None):
    """(perf_counter, image) when the chart shows a painted map that differs from ``before``.

    ``ready()`` must be true first (the new deck JSON has arrived, so a dimmed stale chart is not
    taken for the new map). The time is that of the first screenshot of a stable result (the
    next screenshot shows the same picture); resolution is one screenshot (~0.1-0.4 s with
    SwiftShader). (None, last image) on time-out.
    """
    end = time.perf_counter() + deadline_s
    page.wait_for_selector(CHART, timeout=deadline_s * 1000)
    last, cand = None, None
    while time.perf_counter() < end:
        if ready is not None and not ready():
            page.wait_for_timeout(30)
            continue
        chart = page.query_selector(CHART)
        if chart is None:
            page.wait_for_timeout(30)
            cand = None
            continue
        try:
            img = _image(chart)
        except Exception:  # noqa: BLE001 - element re-mounted during the screenshot
            cand = None
            continue
        t = time.perf_counter()
        last = img
        if painted(img) and (before is None or differs(img, before)):
            if cand is not None and not differs(img, cand[1], 0.5):
                return cand
            cand = (t, img)
        else:
            cand = None
    return None, last


def wait_idle(page, timeout_s=120.0) -> float:
    """perf_counter once Streamlit's status widget (script running) is gone."""
    page.wait_for_function(f"() => !document.querySelector('{STATUS}')", timeout=timeout_s * 1000)
    return time.perf_counter()


def ss_bytes_sent(port: int) -> int:
    """Bytes the server has sent on its open connections (the websocket), from ``ss`` (wire bytes)."""
    try:
        out = subprocess.run(["ss", "-tniH", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return -1
    vals = [int(v) for v in re.findall(r"bytes_sent:(\d+)", out)]
    return max(vals) if vals else -1


def exceptions(page) -> list[str]:
    return [e.inner_text()[:200] for e in page.query_selector_all('[data-testid="stException"]')]


def change_filter(page, choice: str):
    """Click a Measure option (choice = its label) or pick an Area ("area:Birmingham")."""
    side = page.locator('[data-testid="stSidebar"]')
    if choice.startswith("area:"):
        box = side.get_by_role("combobox", name="Area")
        box.click(timeout=10_000)
        box.fill(choice.split(":", 1)[1], timeout=10_000)
        option = page.get_by_role("option", name=choice.split(":", 1)[1], exact=True)
        option.wait_for(timeout=10_000)
        t = time.perf_counter()
        option.click(timeout=10_000)
        return t
    radio = side.locator('[data-testid="stRadio"]').filter(has_text="Measure").get_by_text(choice, exact=True)
    radio.wait_for(timeout=10_000)
    t = time.perf_counter()
    radio.click(timeout=10_000)
    return t


CHANGE_KINDS = {  # what a filter change asks of the server
    "measure": ("a new measure", "Measure radio; the page computes the other measures in the background after "
                                 "drawing a map (ui.background), so usually a cache hit"),
    "area": ("a new area", "Area selectbox: Coventry's map built on the click (the analysis is reused)"),
    "revisit": ("back to a cached choice", "Measure radio back to Incidents: st.cache_data hit"),
}


def change_kind(choice: str) -> str:
    return "area" if choice.startswith("area:") else "revisit" if choice == "Incidents" else "measure"


def has_measure(page) -> bool:
    return page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').filter(has_text="Measure").count() > 0


def cold_start_rep(browser, url_path, log_path, changes=True, cdp=False, launcher="dev", idle_s=0.0):
    """One fresh server and browser context; ``idle_s``: seconds the server sits idle before the page is asked for."""
    out = {}
    server = Server(log_path, launcher)
    try:
        out["health"] = server.wait_health()
        time.sleep(idle_s)
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        page = context.new_page()
        rec = WsRecorder(page)
        ext = {}
        http = {"bytes": 0}
        if cdp:
            s = context.new_cdp_session(page)
            s.send("Network.enable")
            s.on("Network.webSocketHandshakeResponseReceived",
                 lambda e: ext.update(ext=e["response"]["headers"].get("Sec-WebSocket-Extensions", "")
                                      or e["response"]["headers"].get("sec-websocket-extensions", "")))
            s.on("Network.loadingFinished", lambda e: http.__setitem__("bytes", http["bytes"] + e["encodedDataLength"]))
        w0 = server.wchar()
        t_req = time.perf_counter()
        page.goto(f"{server.url}/{url_path}", wait_until="commit")
        t_paint, img = wait_painted(page, ready=lambda: rec.deck_after(0))
        if t_paint is None:
            raise RuntimeError(f"the map was not painted; exceptions: {exceptions(page)}")
        t_idle = wait_idle(page)
        page.wait_for_timeout(300)
        fin = rec.finished_after(0)
        sent = [e[0] for e in rec.since(0) if e[1] == "sent"]
        deck_t = [e[0] for e in rec.since(0) if e[3] == "deck"]
        out.update(request=t_req - server.spawn, paint=t_paint - server.spawn, idle=t_idle - server.spawn,
                   deck_sent=deck_t[0] - server.spawn,
                   script_done=(fin[0] - server.spawn) if fin else float("nan"),
                   script_run=(fin[0] - sent[0]) if fin and sent else float("nan"),
                   page_to_ws=(sent[0] - t_req) if sent else float("nan"),
                   runs=rec.count(0, "script_finished"), decks=rec.count(0, "deck"))
        out["ws_bytes"], out["deck_bytes"] = rec.bytes_since(0)
        out["ws_wire"] = ss_bytes_sent(server.port)
        out["wchar"] = server.wchar() - w0
        out["http_bytes"] = http["bytes"]
        out["ws_ext"] = ext.get("ext")
        out["exceptions"] = exceptions(page)
        out["gi_map"] = page.get_by_text("Hot spot 99%").count() > 0
        if changes:
            steps = (MEASURE_LABELS if has_measure(page) else []) + ["area:Coventry"]
            out["changes"] = []
            prev = img
            for choice in steps:
                m = rec.mark()
                w0 = server.wchar()
                wire0 = ss_bytes_sent(server.port)
                try:
                    t_click = change_filter(page, choice)  # the moment of the final click
                except Exception as exc:  # noqa: BLE001 - the sidebar is being rebuilt; report, go on
                    out["changes"].append({"choice": choice, "error": str(exc).splitlines()[0][:160]})
                    continue
                t_done, img2 = wait_painted(page, 60, before=prev, ready=lambda: rec.deck_after(m))
                t_idle = wait_idle(page)
                page.wait_for_timeout(300)
                fin = rec.finished_after(m)
                deck_t = [e[0] for e in rec.since(m) if e[3] == "deck"]
                wsb, deckb = rec.bytes_since(m)
                out["changes"].append({
                    "choice": choice, "kind": change_kind(choice),
                    "deck_sent": (deck_t[0] - t_click) if deck_t else float("nan"),
                    "server": (fin[0] - t_click) if fin else float("nan"),
                    "total": (t_done - t_click) if t_done else float("nan"),
                    "idle": t_idle - t_click, "runs": rec.count(m, "script_finished"),
                    "repainted": t_done is not None, "ws_bytes": wsb, "deck_bytes": deckb,
                    "ws_wire": ss_bytes_sent(server.port) - wire0, "wchar": server.wchar() - w0})
                if img2 is not None:
                    prev = img2
        context.close()
    finally:
        server.stop()
    return out


def memory_run(browser, url_path, sessions, log_path):
    server = Server(log_path)
    samples = []
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            try:
                samples.append(rss_mb(server.proc.pid)[0])
            except OSError:
                pass
            time.sleep(0.25)

    out = {}
    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    try:
        server.wait_health()
        out["idle_mb"] = rss_mb(server.proc.pid)[0]
        contexts, pages = [], []
        for _ in range(sessions):
            c = browser.new_context(viewport={"width": 1500, "height": 1000})
            p = c.new_page()
            p.goto(f"{server.url}/{url_path}", wait_until="commit")
            contexts.append(c)
            pages.append(p)
        def painted_ok(p, timeout):
            try:
                return wait_painted(p, timeout)[0] is not None
            except Exception:  # noqa: BLE001 - a session that never shows its map is counted, not fatal
                return False

        t0 = time.perf_counter()
        ok = sum(painted_ok(p, 300) for p in pages)
        out["all_painted_s"] = time.perf_counter() - t0
        out["painted"] = ok
        out["after_open_mb"], _ = rss_mb(server.proc.pid)
        # each session then picks its own view: 3 measures x areas -> up to 10 distinct computations
        choices = []
        for i, p in enumerate(pages):
            choice = MEASURE_LABELS[i % 3] if i < 3 else f"area:{LADS[(i - 3) % 7]}"
            try:
                change_filter(p, choice)
                choices.append(choice)
            except Exception:  # noqa: BLE001
                choices.append(None)
        ok2 = 0
        for p in pages:
            p.wait_for_timeout(300)
            try:
                p.wait_for_function(f"() => !document.querySelector('{STATUS}')", timeout=180_000)
            except Exception:  # noqa: BLE001
                pass
            ok2 += painted_ok(p, 180)
        out["after_filters_mb"], out["peak_mb"] = rss_mb(server.proc.pid)
        out["filters_changed"] = sum(c is not None for c in choices)
        out["painted_after_filters"] = ok2
        for c in contexts:
            c.close()
    finally:
        stop.set()
        th.join()
        out["sampled_peak_mb"] = max(samples) if samples else float("nan")
        server.stop()
    return out


def med(values):
    v = [x for x in values if x == x]
    return statistics.median(v) if v else float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--page", default=None, help="url path of the map page (default: read from app.py)")
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} not found (apt-get install chromium); browser figures skipped")
        emit([row(SECTION1, "browser figures", float("nan"), note="chromium missing")])
        return
    url_path = map_url_path() if args.page is None else args.page
    from playwright.sync_api import sync_playwright

    rows = []
    logdir = ROOT / "benchmarks" / ".cache"
    logdir.mkdir(exist_ok=True)
    reps, bare, idle = [], [], {"dev": [], "streamlit": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for r in range(args.repeats):
                # interleaved with the ./dev app runs, so both see the same machine load
                b = cold_start_rep(browser, url_path, logdir / f"streamlit-bare-{r}.log", changes=False,
                                   launcher="streamlit")
                bare.append(b)
                print(f"rep {r + 1}, bare streamlit run app.py: painted {b['paint']:.2f} s, script run "
                      f"{b['script_run']:.2f} s", flush=True)
                rep = cold_start_rep(browser, url_path, logdir / f"streamlit-cold-{r}.log", changes=True, cdp=(r == 0))
                reps.append(rep)
                ch = " ".join(f"{c['choice'][:14]}:{c['deck_sent']:.2f}/{c['server']:.2f}/{c['total']:.2f}"
                              if "error" not in c else f"{c['choice'][:12]}:ERR" for c in rep.get("changes", []))
                print(f"rep {r + 1}: health {rep['health']:.2f} s, deck sent {rep['deck_sent']:.2f} s, script done "
                      f"{rep['script_done']:.2f} s (run {rep['script_run']:.2f} s), painted {rep['paint']:.2f} s, idle "
                      f"{rep['idle']:.2f} s; ws {rep['ws_bytes'] / 1e6:.2f} MB "
                      f"(deck {rep['deck_bytes'] / 1e6:.2f} MB); Gi* legend {rep['gi_map']}; changes deck/finished/repainted s: {ch}",
                      flush=True)
                if rep["exceptions"]:
                    print("   exceptions on the page:", rep["exceptions"])
            for r in range(min(3, args.repeats)):  # a visitor arriving at a server started a while ago
                for launcher in ("dev", "streamlit"):
                    rep = cold_start_rep(browser, url_path, logdir / f"streamlit-idle-{launcher}-{r}.log",
                                         changes=False, launcher=launcher, idle_s=IDLE_S)
                    idle[launcher].append(rep["paint"] - rep["request"])
                    print(f"idle {IDLE_S:.0f} s, {launcher}: page request -> painted {idle[launcher][-1]:.2f} s", flush=True)
            mem = None
            if not args.no_memory:
                try:
                    mem = memory_run(browser, url_path, args.sessions, logdir / "streamlit-memory.log")
                except Exception as exc:  # noqa: BLE001 - keep the cold-start figures
                    print("memory run failed:", str(exc).splitlines()[0][:300])
                    rows.append(row(SECTION5, "memory run", float("nan"), unit="MB",
                                    note="failed: " + str(exc).splitlines()[0][:120]))
        finally:
            browser.close()

    paint = med([r["paint"] for r in reps])
    rows.append(row(SECTION1, f"cold start: ./dev app (python -m ui.serve) -> map painted (/{url_path})", paint,
                    target=("<=", 5.0), times=[r["paint"] for r in reps],
                    note="Gi* map" if all(r["gi_map"] for r in reps) else "map without a Gi* legend"))
    rows.append(row(SECTION1, "  server: spawn -> /_stcore/health", med([r["health"] for r in reps])))
    rows.append(row(SECTION1, "  browser: page request -> websocket open (JS bundle)", med([r["page_to_ws"] for r in reps])))
    rows.append(row(SECTION1, "  server: script start -> deck JSON sent", med([r["deck_sent"] - r["script_done"] + r["script_run"]
                                                                            for r in reps]),
                    note="imports, data, Gi*, GeoJSON in the page's first run"))
    rows.append(row(SECTION1, "  server: script start -> script_finished", med([r["script_run"] for r in reps]),
                    note=f"script runs per load {med([r['runs'] for r in reps]):.0f}, deck messages "
                         f"{med([r['decks'] for r in reps]):.0f}"))
    rows.append(row(SECTION1, "  browser: deck JSON received -> map painted (deck.gl, SwiftShader)",
                    med([r["paint"] - r["deck_sent"] for r in reps])))
    rows.append(row(SECTION1, "  spawn -> page idle (status widget gone)", med([r["idle"] for r in reps])))
    rows.append(row(SECTION1, "cold start: bare streamlit run app.py (no warm-up) -> map painted", med([b["paint"] for b in bare]),
                    times=[b["paint"] for b in bare],
                    note=f"script start -> finished {med([b['script_run'] for b in bare]):.2f} s; same runs interleaved"))
    for launcher, label in (("dev", "./dev app"), ("streamlit", "bare streamlit run")):
        if idle[launcher]:
            rows.append(row(SECTION1, f"first visitor, server ({label}) idle {IDLE_S:.0f} s: page request -> map painted",
                            med(idle[launcher]), times=idle[launcher],
                            note="what a meeting sees when the app was started beforehand"))
    changes = [c for r in reps for c in r.get("changes", []) if "error" not in c]
    errors = sorted({c["choice"] + ": " + c["error"] for r in reps for c in r.get("changes", []) if "error" in c})
    for kind, (label, how) in CHANGE_KINDS.items():
        group = [c for c in changes if c["kind"] == kind]
        if not group:
            continue
        rows.append(row(SECTION1, f"filter change ({label}) -> map repainted", med([c["total"] for c in group]),
                        target=("<=", 1.0), times=[c["total"] for c in group],
                        note=(f"{sum(not c['repainted'] for c in group)} of {len(group)} not visibly repainted; "
                              if any(not c["repainted"] for c in group) else "") + how))
        rows.append(row(SECTION1, "  server: click -> deck JSON sent", med([c["deck_sent"] for c in group])))
        rows.append(row(SECTION1, "  browser: deck JSON received -> map repainted", med([c["total"] - c["deck_sent"]
                                                                                      for c in group])))
        rows.append(row(SECTION1, "  server: click -> script_finished", med([c["server"] for c in group]),
                        note=f"script runs per change {med([c['runs'] for c in group]):.0f}"))
        rows.append(row(SECTION1, "  click -> page idle (status widget gone)", med([c["idle"] for c in group])))
    if errors:
        print("filter changes that failed:", errors)
    r0 = reps[0]
    rows.append(row(SECTION4, "WM map page load: websocket bytes received (decoded)", med([r["ws_bytes"] for r in reps]) / 1e6,
                    unit="MB", target=("<=", 2.0),
                    note=f"deck JSON {med([r['deck_bytes'] for r in reps]) / 1e6:.2f} MB; permessage-deflate: "
                         f"{'yes' if r0.get('ws_ext') and 'deflate' in r0['ws_ext'] else 'no'}"))
    rows.append(row(SECTION4, "WM map page load: HTTP (JS, CSS, fonts, style), first visit", r0["http_bytes"] / 1e6,
                    unit="MB", note="encoded bytes, cached by the browser after the first visit"))
    if changes:
        rows.append(row(SECTION4, "filter change: websocket bytes received (decoded)", med([c["ws_bytes"] for c in changes]) / 1e6,
                        unit="MB", note="the whole deck (geometry included) is resent on every change"))
    if mem:
        rows.append(row(SECTION5, f"server RSS, {args.sessions} sessions, all maps painted", mem["after_open_mb"], unit="MB",
                        target=("<=", 1536), note=f"idle after start {mem['idle_mb']:.0f} MB; {mem['painted']}/"
                                                 f"{args.sessions} painted in {mem['all_painted_s']:.0f} s"))
        rows.append(row(SECTION5, f"server RSS, then each session on its own filter ({mem['filters_changed']} changed)",
                        mem["after_filters_mb"], unit="MB", target=("<=", 1536),
                        note=f"{mem['painted_after_filters']}/{args.sessions} repainted"))
        rows.append(row(SECTION5, "server peak RSS over the run (VmHWM)", mem["peak_mb"], unit="MB", target=("<=", 1536),
                        note=f"sampled every 0.25 s: {mem['sampled_peak_mb']:.0f} MB"))
    emit(rows)


if __name__ == "__main__":
    main()

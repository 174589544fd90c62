"""Every command x every output format x files and the store: health counts of 1-4 never leave.

Emergency-department assaults: 7, 3 and 2 in three Birmingham LSOAs. In world A the 3 and the 2
are in one order, in world B the other way round. An attacker who sees an output can tell the
worlds apart only if something in it reveals a hidden count, so every output must be the same
in both worlds (apart from the time of the run), and the 7 must be visible.
"""

import json
import re

import geopandas as gpd
import pandas as pd
import pytest

from analytics.cli import main
from tests.conftest import DATA

LSOA21 = str(DATA / "boundaries" / "lsoa21_wm.geojson")
SEVEN, THREE, TWO = "E01033620", "E01009061", "E01009053"
PLACES = {SEVEN: (-1.899899, 52.483373), THREE: (-1.895790, 52.507574), TWO: (-1.889028, 52.511610)}


def _ed_file(path, counts):
    rows = ["Attendance ID,Date and time of incident,Latitude,Longitude,Primary means of assault"]
    i = 0
    for code, n in counts.items():
        lon, lat = PLACES[code]
        for _ in range(n):
            i += 1
            rows.append(f"a{i},2024-03-{1 + i % 27:02d} 23:10,{lat},{lon},Body part")
    path.write_text("\n".join(rows) + "\n")
    return path


WORLDS = {"A": {SEVEN: 7, THREE: 3, TWO: 2}, "B": {SEVEN: 7, THREE: 2, TWO: 3}}


@pytest.fixture(params=["files", "store"])
def runner(request, tmp_path, monkeypatch, capsys):
    """run(world, *argv) -> (stdout, files written) for one way of giving the ED data."""

    def run(world, *argv):
        folder = tmp_path / f"{request.param}-{world}"
        folder.mkdir(exist_ok=True)
        ed = _ed_file(folder / "istv.csv", WORLDS[world])
        if request.param == "store":
            monkeypatch.setenv("HOTSPOT_STORE", str(folder / "store.duckdb"))
            if not (folder / "store.duckdb").exists():
                assert main(["--quiet", "ingest", str(ed), "--source", "ed"]) == 0
                capsys.readouterr()
            source = ["--store", "--source", "ed"]
        else:
            source = ["--incidents", str(ed), "--source", "ed"]
        argv = [a.replace("OUT", str(folder)) for a in argv]
        code = main(["--quiet", *argv[:1], *source, *argv[1:]])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out.replace(str(folder), "OUT"), folder

    return run


def _strip_times(text: str) -> str:
    return re.sub(r"(run_at_utc)\W+[\d\- :]+", r"\1", text)


def _read_all(folder, stem):
    """Every file an output wrote, as comparable text."""
    texts = {}
    for path in sorted(folder.glob(f"{stem}*")):
        if path.suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
            texts[path.name] = "\n".join(f"[{n}]\n{s.to_csv(index=False)}" for n, s in sheets.items())
        elif path.suffix == ".gpkg":
            import pyogrio

            parts = []
            for layer, _ in pyogrio.list_layers(path):
                frame = gpd.read_file(path, layer=layer)
                parts.append(f"[{layer}]\n{pd.DataFrame(frame.drop(columns='geometry', errors='ignore')).to_csv()}")
            texts[path.name] = "\n".join(parts)
        else:
            texts[path.name] = path.read_text(encoding="utf-8-sig")
    return {k: _strip_times(v).replace(str(folder), "OUT") for k, v in texts.items()}


def _table(folder, name):
    path = folder / name
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name="hotspots", dtype=str).fillna("")
    frame = gpd.read_file(path, layer="hotspots") if path.suffix == ".gpkg" else gpd.read_file(path)
    return pd.DataFrame(frame.drop(columns="geometry")).astype(object).where(frame.notna(), "").astype(str)


@pytest.mark.parametrize("ext", ["csv", "xlsx", "geojson", "gpkg"])
def test_hotspots_never_show_the_small_counts_nor_anything_computed_from_them(runner, ext):
    outputs = {}
    for world in WORLDS:
        _, folder = runner(world, "hotspots", "--boundaries", LSOA21, "--permutations", "9",
                           "--out", f"OUT/h.{ext}")
        outputs[world] = _read_all(folder, "h")
        table = _table(folder, f"h.{ext}").set_index("area_code")
        assert table.loc[SEVEN, "value"] in ("7", "7.0")
        for code in (THREE, TWO):
            row = table.loc[code]
            assert row["value"] == "<5"
            for col in ("share_of_total_pct", "rank", "rate_per_1000", "eb_rate_per_1000"):
                assert row[col] in ("", "nan", "None"), (code, col, row[col])
            assert row["gi_class"]  # computed after suppression: shown, and the same in both worlds
    assert outputs["A"] == outputs["B"]  # nothing in any file tells the worlds apart
    text = "\n".join(outputs["A"].values())
    assert "Counts from 1 to 4" in text and "suppression_threshold" in text


@pytest.mark.filterwarnings("ignore:eps_m=200 m is below")
def test_clusters_summary_is_protected_and_per_incident_rows_are_refused(runner, capsys):
    outputs = {}
    for world in WORLDS:
        _, folder = runner(world, "clusters", "--eps", "200", "--min-samples", "2", "--summary", "OUT/c.csv")
        outputs[world] = _read_all(folder, "c")
    assert outputs["A"] == outputs["B"]
    with pytest.raises(AssertionError, match="not written under small-number suppression"):
        runner("A", "clusters", "--eps", "200", "--out", "OUT/x.csv")


@pytest.mark.parametrize("as_json", [True, False])
def test_concentration_reveals_nothing(runner, as_json):
    outs = [runner(world, "concentration", "--boundaries", LSOA21, *(["--json"] if as_json else []))[0]
            for world in WORLDS]
    assert outs[0] == outs[1]
    if as_json:
        result = json.loads(outs[0])
        assert result["suppression_threshold"] == "5"
    else:
        assert "top 1 % of LSOAs (17 LSOAs, 1.0 % of the 1,719)" in outs[0]


@pytest.mark.parametrize("ext", ["csv", "xlsx", "geojson", "gpkg"])
def test_unsuppressed_outputs_say_so_first(runner, ext):
    _, folder = runner("A", "hotspots", "--boundaries", LSOA21, "--permutations", "9", "--unsuppressed",
                       "--out", f"OUT/h.{ext}")
    path = folder / f"h.{ext}"
    if ext == "csv":
        assert path.read_text(encoding="utf-8-sig").splitlines()[0] == "UNSUPPRESSED: not for sharing"
        assert (folder / "h.metadata.csv").read_text(encoding="utf-8-sig").startswith("UNSUPPRESSED")
    elif ext == "xlsx":
        assert list(pd.read_excel(path, sheet_name=None))[0] == "UNSUPPRESSED"
    elif ext == "geojson":
        assert path.read_text().startswith('{"type":"FeatureCollection","name":"UNSUPPRESSED: not for sharing"')
    else:
        import pyogrio

        assert "UNSUPPRESSED" in dict(pyogrio.list_layers(path))
        meta = gpd.read_file(path, layer="metadata").set_index("item")["value"]
        assert meta["WARNING"] == "UNSUPPRESSED: not for sharing"


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_change_reveals_nothing_either(tmp_path, capsys, ext):
    """Two periods: in world B the 3 and the 2 of February swap LSOAs; every output must be the same."""
    outputs = {}
    for world, (x, y) in {"A": (3, 2), "B": (2, 3)}.items():
        folder = tmp_path / world
        folder.mkdir()
        rows = ["Attendance ID,Date and time of incident,Latitude,Longitude"]
        plan = [("2024-01", SEVEN, 9), ("2024-02", SEVEN, 7), ("2024-01", THREE, 6), ("2024-02", THREE, x),
                ("2024-01", TWO, 8), ("2024-02", TWO, y)]
        i = 0
        for month, code, n in plan:
            lon, lat = PLACES[code]
            for _ in range(n):
                i += 1
                rows.append(f"a{i},{month}-{1 + i % 27:02d} 21:00,{lat},{lon}")
        (folder / "ed.csv").write_text("\n".join(rows) + "\n")
        code = main(["--quiet", "change", "--boundaries", LSOA21, "--incidents", str(folder / "ed.csv"),
                     "--source", "ed", "--period-a", "2024-01", "--period-b", "2024-02", "--out", str(folder / f"c.{ext}")])
        assert code == 0, capsys.readouterr().err
        outputs[world] = _read_all(folder, "c")
    assert outputs["A"] == outputs["B"]
    table = _table(tmp_path / "A", f"c.{ext}") if ext == "csv" else pd.read_excel(tmp_path / "A" / "c.xlsx",
                                                                                  sheet_name="change", dtype=str)
    assert "<5" in set(table["count_b"].astype(str))

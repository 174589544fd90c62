"""The analysts' command line: the documented interface, its outputs, and one-line errors."""

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from analytics.cli import main
from tests.conftest import BHAM_2017, DATA, STREET_SAMPLE, street_csv, street_row

LSOA21 = str(DATA / "boundaries" / "lsoa21_wm.geojson")
VIOLENCE = "Violence and sexual offences"


def _run(capsys, *argv):
    code = main(["--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_hotspots_from_incidents_to_csv(tmp_path, capsys):
    out = tmp_path / "h.csv"
    code, _, err = _run(capsys, "hotspots", "--boundaries", LSOA21, "--incidents", str(BHAM_2017),
                        "--crime-type", VIOLENCE, "--permutations", "99", "--out", str(out))
    assert code == 0, err
    table = pd.read_csv(out, encoding="utf-8-sig")
    for col in ["area_code", "value", "gi_z", "gi_p", "gi_p_sim", "gi_class", "lisa_quadrant", "lisa_p_sim",
                "lisa_class", "area_name", "rank", "rate_per_1000"]:
        assert col in table.columns
    assert len(table) == 1719
    raw = pd.read_csv(BHAM_2017)
    assert table["value"].sum() == (raw["type"] == "violent-crime").sum()  # counted independently
    assert set(table["gi_class"]) <= {"Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant",
                                      "Cold spot 90%", "Cold spot 95%", "Cold spot 99%"}
    hot = table["gi_class"].str.startswith("Hot")
    assert hot.any() and table.loc[hot, "value"].mean() > 10 * table["value"].mean()
    meta = pd.read_csv(tmp_path / "h.metadata.csv", encoding="utf-8-sig").set_index("item")["value"]
    assert "Benjamini-Hochberg" in meta["multiple_testing"] and meta["permutations"] == "99"
    assert meta["crime_types"] == VIOLENCE and meta["months"] == "2017-01 to 2017-11"


def test_hotspots_values_to_xlsx_geojson_gpkg(tmp_path, capsys):
    values = DATA / "deprivation" / "iod2025_indicators_lsoa21_wm.csv"
    common = ["hotspots", "--boundaries", LSOA21, "--values", str(values), "--values-id", "LSOA21CD",
              "--value-column", "violence_with_injury_rate_per_1_000_at_risk_population", "--permutations", "9",
              "--no-fdr"]
    for ext in ("xlsx", "geojson", "gpkg"):
        code, _, err = _run(capsys, *common, "--out", str(tmp_path / f"h.{ext}"))
        assert code == 0, err
    sheets = pd.read_excel(tmp_path / "h.xlsx", sheet_name=None)
    assert set(sheets) == {"hotspots", "metadata"} and len(sheets["hotspots"]) == 1719
    assert "none: raw p-value" in sheets["metadata"].set_index("item").loc["multiple_testing", "value"]
    gj = gpd.read_file(tmp_path / "h.geojson")
    assert len(gj) == 1719 and gj.crs.to_epsg() == 4326
    assert "metadata" in json.loads((tmp_path / "h.geojson").read_text())
    layers = dict(pyogrio.list_layers(tmp_path / "h.gpkg"))
    assert set(layers) == {"hotspots", "metadata"}
    gp = gpd.read_file(tmp_path / "h.gpkg", layer="hotspots")
    assert gp.crs.to_epsg() == 27700
    # the same statistics whatever the format
    assert gp.set_index("area_code")["gi_z"].round(10).equals(
        sheets["hotspots"].set_index("area_code")["gi_z"].round(10))


def test_incidents_outside_the_areas_are_reported(tmp_path, capsys, write):
    wm = write("wm.csv", street_csv([street_row(crime_id=f"w{i}") for i in range(5)]))
    code, _, err = _run(capsys, "hotspots", "--boundaries", LSOA21, "--incidents", str(wm), str(STREET_SAMPLE),
                        "--permutations", "9", "--out", str(tmp_path / "x.csv"))
    # the 26 located points of the City of London sample lie outside the West Midlands
    assert code == 0, err
    assert "26 incident(s) lie outside every area" in err
    table = pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig")
    assert table["value"].sum() == 5


def test_clusters_one_row_per_incident_and_outlines(tmp_path, capsys):
    out, outlines = tmp_path / "c.csv", tmp_path / "o.geojson"
    code, _, err = _run(capsys, "clusters", "--incidents", str(BHAM_2017), "--crime-type", VIOLENCE,
                        "--eps", "150", "--min-samples", "20", "--out", str(out), "--outlines", str(outlines))
    assert code == 0, err
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 3174 and "cluster" in table.columns
    assert (table["cluster"] == -1).any() and table["cluster"].max() >= 0
    shapes = gpd.read_file(outlines)
    assert len(shapes) == table.loc[table.cluster >= 0, "cluster"].nunique()


def test_concentration_json(capsys):
    code, out, err = _run(capsys, "concentration", "--boundaries", LSOA21, "--incidents", str(BHAM_2017),
                          "--crime-type", VIOLENCE, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert 0 < result["gini"] <= 1 and "lorenz" in result and "generalized_gini" in result
    assert "top_shares" in result


@pytest.mark.parametrize("argv, expected", [
    (["hotspots", "--boundaries", "nope.geojson", "--incidents", "x.csv", "--out", "o.csv"], "no such file"),
    (["hotspots", "--boundaries", LSOA21, "--out", "o.csv"], "either --incidents or --values"),
    (["hotspots", "--boundaries", LSOA21, "--incidents", str(BHAM_2017), "--out", "o.txt"], "unsupported output"),
    (["hotspots", "--boundaries", LSOA21, "--incidents", str(BHAM_2017), "--weights", "hexagons", "--out", "o.csv"],
     "weights spec"),
    (["hotspots", "--boundaries", LSOA21, "--incidents", str(BHAM_2017), "--from", "June", "--out", "o.csv"],
     "not a month"),
    (["hotspots", "--bogus"], "the following arguments are required"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, expected, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) if "--bogus" in argv else _nothing():
        code = main(["--quiet", *argv])
        assert code == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1 and "Traceback" not in err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_check_writes_rejects(tmp_path, capsys, write):
    bad = write("bad.csv", street_csv([street_row(crime_id="a"), street_row(crime_id="b", lon="", lat="")]))
    code, out, _ = _run(capsys, "check", str(bad), "--rejects", str(tmp_path / "rej.csv"))
    assert code == 0 and "no coordinates: 1" in out
    rej = pd.read_csv(tmp_path / "rej.csv", encoding="utf-8-sig")
    assert rej["reason"].tolist() == ["no coordinates"] and rej["row"].tolist() == [3]

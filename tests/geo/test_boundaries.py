"""Boundaries in any common format and CRS become clean BNG polygons with a known code column."""

import io
import zipfile

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from geo.boundaries import read_boundaries
from geo.errors import InputError
from geo.sources import NamedBytes
from tests.conftest import DATA


def _squares(crs="EPSG:27700", origin=(400_000, 280_000), code="LSOA21CD"):
    x0, y0 = origin
    polys = [Polygon([(x0 + i * 1000, y0), (x0 + (i + 1) * 1000, y0), (x0 + (i + 1) * 1000, y0 + 1000),
                      (x0 + i * 1000, y0 + 1000)]) for i in range(3)]
    gdf = gpd.GeoDataFrame({code: ["E01000001", "E01000002", "E01000003"], "name": ["a", "b", "c"]},
                           geometry=polys, crs="EPSG:27700")
    return gdf.to_crs(crs) if crs else gdf.set_crs(None, allow_override=True)


def _zip_shapefile(tmp_path, gdf, drop=()):
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "areas.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for part in folder.iterdir():
            if part.suffix not in drop:
                zf.write(part, part.name)
    return buf.getvalue()


def test_bundled_lsoa21_detects_code_and_name():
    b = read_boundaries(DATA / "boundaries" / "lsoa21_wm.geojson")
    assert (b.code_column, b.name_column, b.level) == ("LSOA21CD", "LSOA21NM", "LSOA21")
    assert len(b.data) == 1719 and b.data.crs.to_epsg() == 27700
    assert b.data["area_code"].is_unique and b.repaired == 0


def test_geopackage_in_wgs84_is_reprojected(tmp_path):
    _squares("EPSG:4326").to_file(tmp_path / "a.gpkg")
    b = read_boundaries(tmp_path / "a.gpkg")
    assert b.data.crs.to_epsg() == 27700
    assert b.data.geometry.area.round(-1).tolist() == [1_000_000.0] * 3


def test_zipped_shapefile_with_prj(tmp_path, write):
    b = read_boundaries(write("areas.zip", _zip_shapefile(tmp_path, _squares("EPSG:4326"))))
    assert b.code_column == "LSOA21CD" and b.notes == []


def test_shapefile_zip_without_prj_assumes_bng_and_says_so(tmp_path, write):
    b = read_boundaries(write("noprj.zip", _zip_shapefile(tmp_path, _squares(), drop={".prj"})))
    assert b.data.crs.to_epsg() == 27700
    assert any("no .prj" in n and "British National Grid" in n for n in b.notes)
    assert b.data.total_bounds[0] == pytest.approx(400_000)


def test_shapefile_zip_without_prj_and_odd_coordinates_is_refused(tmp_path, write):
    odd = _squares(origin=(5_000_000, 9_000_000))
    with pytest.raises(InputError, match="no coordinate reference system"):
        read_boundaries(write("odd.zip", _zip_shapefile(tmp_path, odd, drop={".prj"})))


def test_self_intersecting_polygon_is_repaired_and_counted(tmp_path):
    gdf = _squares()
    bowtie = Polygon([(400_000, 290_000), (401_000, 291_000), (401_000, 290_000), (400_000, 291_000)])
    assert not bowtie.is_valid
    gdf.loc[1, "geometry"] = bowtie
    gdf.to_file(tmp_path / "bad.geojson")
    b = read_boundaries(tmp_path / "bad.geojson")
    assert b.repaired == 1 and b.data.geometry.is_valid.all()
    assert b.data.loc[b.data.area_code == "E01000002"].geometry.area.iloc[0] == pytest.approx(500_000)
    assert any("repaired" in n for n in b.notes)


def test_named_area_id_and_gss_detection(tmp_path):
    gdf = _squares(code="zone")
    gdf.to_file(tmp_path / "z.geojson")
    assert read_boundaries(tmp_path / "z.geojson").code_column == "zone"  # values are GSS codes
    assert read_boundaries(tmp_path / "z.geojson", area_id="name").data["area_code"].tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match="no column 'nope'"):
        read_boundaries(tmp_path / "z.geojson", area_id="nope")


def test_no_code_column_says_how_to_fix(tmp_path):
    gdf = _squares().rename(columns={"LSOA21CD": "thing"})
    gdf["thing"] = ["1", "2", "3"]
    gdf.to_file(tmp_path / "n.geojson")
    with pytest.raises(InputError, match="--area-id"):
        read_boundaries(tmp_path / "n.geojson")


def test_not_a_boundary_file(write):
    with pytest.raises(InputError, match="could not be read as boundaries"):
        read_boundaries(NamedBytes("x.geojson", b"this is not json"))
    with pytest.raises(InputError, match="empty"):
        read_boundaries(write("e.geojson", b""))


def test_duplicate_codes_are_merged_and_reported(tmp_path):
    gdf = _squares()
    gdf.loc[2, "LSOA21CD"] = "E01000001"
    gdf.to_file(tmp_path / "d.geojson")
    b = read_boundaries(tmp_path / "d.geojson")
    assert len(b.data) == 2 and any("repeated area code" in n for n in b.notes)
    assert b.data.set_index("area_code").geometry.area["E01000001"] == pytest.approx(2_000_000)

"""The bundled data: every catalogued file exists, is small, and holds its code column."""

import csv

from geo.catalogue import DATA_DIR, LAYERS, attribution_lines


def test_every_layer_file_exists_and_is_under_10_mb():
    for layer in LAYERS.values():
        assert layer.path.exists(), layer.file
        assert layer.path.stat().st_size < 10_000_000, layer.file


def test_data_folder_is_under_25_mb():
    total = sum(p.stat().st_size for p in DATA_DIR.rglob("*") if p.is_file())
    assert total < 25_000_000


def test_code_columns_are_in_the_files():
    for layer in LAYERS.values():
        if layer.code_column and layer.path.suffix == ".csv":
            with open(layer.path, newline="", encoding="utf-8") as fh:
                assert layer.code_column in next(csv.reader(fh)), layer.key


def test_sources_md_documents_every_file():
    text = (DATA_DIR / "SOURCES.md").read_text()
    for layer in LAYERS.values():
        assert layer.path.name in text, layer.file


def test_attribution_lines_are_distinct():
    lines = attribution_lines()
    assert len(lines) == len(set(lines)) and any("Open Government Licence" in line for line in lines)

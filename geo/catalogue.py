"""The one catalogue of bundled data layers.

Every bundled file is described here once — what it is, where it lives under
``data/``, its geography level, the column holding the area code, its vintage,
units and licence — so that nothing else in the code names a data file.
Provenance in full is in ``data/SOURCES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

OGL = "Open Government Licence v3.0"
OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0."
ONS_BOUNDARY_LINE = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2024."
)
CODEPOINT_LINE = (
    "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal Mail "
    "copyright and database right 2025; Contains National Statistics data © Crown copyright and "
    "database right 2025."
)
POLICE_UK_LINE = "Police-recorded crime from data.police.uk, Open Government Licence v3.0."


@dataclass(frozen=True)
class Layer:
    """One bundled data layer."""

    key: str
    title: str
    file: str  # relative to data/
    geography: str  # LSOA21, LSOA11, WD24, LAD24, PFA, point, postcode, lookup
    code_column: str | None
    vintage: str
    units: str
    licence: str
    attribution: str
    publisher: str

    @property
    def path(self) -> Path:
        return DATA_DIR / self.file


def _layers(*layers: Layer) -> dict[str, Layer]:
    return {layer.key: layer for layer in layers}


LAYERS: dict[str, Layer] = _layers(
    # --- boundaries -------------------------------------------------------------------------
    Layer("lsoa21", "LSOA (December 2021) boundaries, West Midlands", "boundaries/lsoa21_wm.geojson",
          "LSOA21", "LSOA21CD", "2021 (BSC, 200 m generalised)", "polygons (WGS84 on disk)", OGL,
          ONS_BOUNDARY_LINE, "Office for National Statistics"),
    Layer("lsoa11", "LSOA (December 2011) boundaries, West Midlands", "boundaries/lsoa11_wm.geojson",
          "LSOA11", "LSOA11CD", "2011 (BSC V3)", "polygons (WGS84 on disk)", OGL,
          ONS_BOUNDARY_LINE, "Office for National Statistics"),
    Layer("wards24", "Electoral wards 2024 (best fit from LSOA 2021)",
          "boundaries/wards24_bestfit_from_lsoa21_wm.geojson", "WD24", "WD24CD",
          "2024 (best-fit: edges follow LSOA lines)", "polygons (WGS84 on disk)", OGL,
          ONS_BOUNDARY_LINE, "Office for National Statistics (derived)"),
    Layer("lad24", "Local authority districts (May 2024)", "boundaries/lad24_wm.geojson", "LAD24",
          "LAD24CD", "May 2024 (BUC, 500 m generalised)", "polygons (WGS84 on disk)", OGL,
          ONS_BOUNDARY_LINE, "Office for National Statistics"),
    Layer("pfa20", "West Midlands Police force area", "boundaries/pfa20_west_midlands.geojson", "PFA",
          "PFA20CD", "December 2020 (BUC)", "polygon (WGS84 on disk)", OGL, ONS_BOUNDARY_LINE,
          "Office for National Statistics"),
    Layer("lookup_lsoa21_ward_lad", "LSOA 2021 → ward 2024 → LAD 2024 best-fit lookup",
          "boundaries/lookup_lsoa21_ward24_lad24_wm.csv", "lookup", "LSOA21CD", "2024", "codes", OGL,
          OGL_LINE, "Office for National Statistics"),
    Layer("lookup_lsoa11_lsoa21", "LSOA 2011 ↔ LSOA 2021 lookup (with change indicator)",
          "boundaries/lookup_lsoa11_lsoa21_lad22_wm.csv", "lookup", "LSOA11CD", "2022 (version 2)",
          "codes; CHGIND U/S/M/X", OGL, OGL_LINE, "Office for National Statistics"),
    # --- deprivation ------------------------------------------------------------------------
    Layer("imd2025", "Index of Multiple Deprivation 2025 (IMD and domains)",
          "deprivation/imd2025_lsoa21_wm.csv", "LSOA21", "LSOA21CD", "IoD2025 (published Oct 2025)",
          "score, rank (1 = most deprived of 33,755), decile (1 = most deprived 10 %)", OGL, OGL_LINE,
          "Ministry of Housing, Communities and Local Government"),
    Layer("iod2025_indicators", "IoD2025 underlying indicators, incl. police-recorded violence rates",
          "deprivation/iod2025_indicators_lsoa21_wm.csv", "LSOA21", "LSOA21CD",
          "IoD2025 (police-recorded crime; the reference period is set out in the IoD2025 "
          "technical report)",
          "crime rates per 1,000 at-risk population", OGL, OGL_LINE,
          "Ministry of Housing, Communities and Local Government"),
    Layer("imd2019", "Index of Multiple Deprivation 2019 (ranks and deciles)",
          "deprivation/imd2019_lsoa11_wm.csv", "LSOA11", "LSOA11CD", "IoD2019",
          "rank (1 = most deprived of 32,844), decile", OGL, OGL_LINE,
          "Ministry of Housing, Communities and Local Government"),
    Layer("imd2019_england", "Index of Multiple Deprivation 2019, all England",
          "deprivation/imd2019_lsoa11_england.csv", "LSOA11", "LSOA11CD", "IoD2019", "rank, decile",
          OGL, OGL_LINE, "Ministry of Housing, Communities and Local Government"),
    Layer("iod2019_indicators", "IoD2019 underlying indicators", "deprivation/iod2019_indicators_lsoa11_wm.csv",
          "LSOA11", "LSOA11CD", "IoD2019", "various (see column names)", OGL, OGL_LINE,
          "Ministry of Housing, Communities and Local Government"),
    Layer("iod2019_subdomains", "IoD2019 sub-domains", "deprivation/iod2019_subdomains_lsoa11_wm.csv",
          "LSOA11", "LSOA11CD", "IoD2019", "rank, decile", OGL, OGL_LINE,
          "Ministry of Housing, Communities and Local Government"),
    Layer("imd2019_la", "IoD2019 local-authority summaries", "deprivation/imd2019_la_summary_wm.csv",
          "LAD19", "ltla19_code", "IoD2019", "average score, proportion, extent", OGL, OGL_LINE,
          "Ministry of Housing, Communities and Local Government"),
    # --- population -------------------------------------------------------------------------
    Layer("population2019", "Mid-2019 population by single year of age", "population/mye2019_lsoa11_sya_wm.csv",
          "LSOA11", "LSOA11CD", "mid-2019", "persons", OGL, OGL_LINE, "Office for National Statistics"),
    Layer("population2020", "Mid-2020 population by single year of age", "population/mye2020_lsoa11_sya_wm.csv",
          "LSOA11", "LSOA11CD", "mid-2020", "persons", OGL, OGL_LINE, "Office for National Statistics"),
    # --- crime --------------------------------------------------------------------------------
    Layer("police_bham_2017", "police.uk street crimes, Birmingham city centre (1 mile), 2017",
          "crime/birmingham_citycentre_1mile_api_2017_street_crimes.csv", "point", None,
          "2017-01 to 2017-11", "incidents (police.uk snapped points)", OGL, POLICE_UK_LINE,
          "Home Office / data.police.uk (West Midlands Police)"),
    Layer("crime_severity_la", "ONS Crime Severity Score by local authority",
          "crime/ons_crime_severity_score_la_wm.csv", "LAD23", "ltla23_code", "latest in source",
          "harm-weighted crimes per head", OGL, OGL_LINE, "Office for National Statistics"),
    # --- education ----------------------------------------------------------------------------
    Layer("schools", "Schools (DfE 2017/18 list, geocoded by postcode)",
          "schools/dfe_school_spine_2017_18_wm_geocoded.csv", "point", "urn", "2017/18",
          "school locations (postcode centroids)", OGL, CODEPOINT_LINE,
          "Department for Education; Ordnance Survey"),
    Layer("school_census_absence", "School census and absence 2018/19",
          "schools/dfe_school_census_absence_2018_19_wm.csv", "school", "urn", "2018/19",
          "pupils; % of sessions missed; % persistently absent", OGL, OGL_LINE,
          "Department for Education"),
    Layer("exclusions_la", "Permanent and fixed-period exclusions by local authority",
          "schools/dfe_exclusions_la_2006_07_to_2016_17_wm.csv", "LAD", "lad_code",
          "2006/07 to 2016/17", "exclusions; rate = % of headcount", OGL, OGL_LINE,
          "Department for Education"),
    Layer("exclusion_reasons_la", "Exclusions by reason and local authority",
          "schools/dfe_exclusion_reasons_la_2006_07_to_2016_17_wm.csv", "LAD", "new_la_code",
          "2006/07 to 2016/17", "exclusions", OGL, OGL_LINE, "Department for Education"),
    Layer("exclusions_characteristics", "Exclusions by gender and FSM (Birmingham, region, England)",
          "schools/dfe_exclusions_bham_wmregion_england_by_gender_fsm_2006_07_to_2020_21.csv", "LAD",
          None, "2006/07 to 2020/21", "exclusions, suspensions, headcount", OGL, OGL_LINE,
          "Department for Education"),
    Layer("postcodes", "OS Code-Point Open postcodes, West Midlands",
          "schools/codepoint_open_2025_10_postcodes_wm.csv", "postcode", "postcode", "2025.4.0 (Oct 2025)",
          "postcode unit centroids, British National Grid metres", "OS OpenData licence (OGL v3 compatible)",
          CODEPOINT_LINE, "Ordnance Survey"),
    # --- substance misuse ------------------------------------------------------------------------
    Layer("health_index_la", "ONS Health Index indicators (incl. drug and alcohol misuse)",
          "substance/ons_health_index_indicators_la_wm.csv", "LAD21", "ltla21_code", "2015 to 2021",
          "per indicator (see the ONS Health Index methodology)", OGL, OGL_LINE,
          "Office for National Statistics"),
)


def layer(key: str) -> Layer:
    """The catalogue entry for ``key``; a clear error names the known keys."""
    try:
        return LAYERS[key]
    except KeyError:
        raise KeyError(f"no bundled layer {key!r}; known layers: {', '.join(sorted(LAYERS))}") from None


def attribution_lines(keys: list[str] | None = None) -> list[str]:
    """The distinct attribution lines for the given layers (all layers if ``None``), in order."""
    seen: list[str] = []
    for key in keys or list(LAYERS):
        line = layer(key).attribution
        if line not in seen:
            seen.append(line)
    return seen

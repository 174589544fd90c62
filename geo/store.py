"""The incident store: police.uk months and partner extracts kept between sessions in one DuckDB file.

An embedded database (no server): a file, by default ``<repo>/local/incidents.duckdb`` or the
path in the ``HOTSPOT_STORE`` environment variable. Geometry is kept as numbers — easting and
northing (British National Grid, EPSG:27700) plus longitude and latitude — so DuckDB's spatial
extension (downloaded, so unavailable offline) is never needed; geometry work stays in shapely.

What it promises:

* **Every file is one batch**, recorded with its SHA-256 content hash, source, who loaded it and
  when (UTC), and the rows read, accepted, already stored and rejected by reason. A zip archive
  gives one batch per monthly file inside it.
* **Idempotent.** A file whose content is already stored adds nothing and is reported as
  ``already_loaded``. A police.uk row whose (non-empty) Crime ID is already stored — overlapping
  downloads — is a *duplicate*: counted, kept aside, not inserted. Rows without a Crime ID
  (anti-social behaviour) are never de-duplicated. Partner references are not de-duplicated
  across files (partners reuse them); a note says how many were seen before.
* **Atomic.** Each batch is written in one transaction: a failure part-way leaves no incidents,
  rejects, duplicates or batch record of that batch.
* **Nothing lost.** Rejected rows stay listed (file, spreadsheet row, reason, detail, the raw row
  as JSON), so the rejected-rows report is exact at any later time. Deleting a batch removes its
  rows only; duplicates other batches held aside because of it are put back as incidents (the
  earliest batch's copy), so overlapping months never disappear.
* **Areas on the way in.** Each point is placed in a 2021 LSOA by point-in-polygon (bundled
  boundaries, :func:`geo.areas.assign_areas`); a point in no LSOA is outside the study area and
  rejected with that reason. Each is given its 2024 ward and authority from the ONS
  best-fit lookup; ``after_dark`` says whether the sun was below −6° at the incident's local time
  (NULL where there is no time, as for police.uk, which gives months only).

Connections are short-lived — opened for one call and closed — so a dashboard and a command line
can take turns on the same file; a file in use by another program is waited for briefly, then
refused with one line (:class:`~geo.errors.InputError`), as is a file that is not a store.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo import report as R
from geo.errors import InputError
from geo.incidents import INCIDENT_COLUMNS
from geo.projection import BNG
from geo.sources import NamedBytes, expand_inputs
from geo.tabular import read_table, sniff_kind

STORE_ENV = "HOTSPOT_STORE"
REPO = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = "4"  # 2: arrival (ED time of arrival); 3: batches.sensitive; 4: the store's own study area
AREA_TABLE = "study_areas"
SOURCES = ("police", "ed", "ambulance", "other")
ALREADY_STORED = "already in the store"  # the reason shown for duplicates of stored Crime IDs
AREA_COLUMNS = ["area_code", "ward_code", "lad_code"]  # the incident's area, its ward and authority (study area's)
LEGACY_AREA_COLUMNS = {"area_code": "lsoa21", "ward_code": "ward24", "lad_code": "lad24"}  # the bundled area's names
STORE_COLUMNS = INCIDENT_COLUMNS + AREA_COLUMNS + ["after_dark", "arrival", "batch_id"]
BATCH_COLUMNS = ["batch_id", "file_name", "content_hash", "source", "loaded_by", "loaded_at", "rows_read",
                 "accepted", "duplicates", "rejected", "rejected_by_reason", "first_month", "last_month",
                 "mapping", "notes", "sensitive"]
REJECT_COLUMNS = ["file", "row", "reason", "detail", "raw"]
PARTNER_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
MAX_LOADED_BY = 200
_READ_SHARE = 0.8  # of an ingest's time, reading and checking the files (measured: 16 of 20 s for a million rows)

_TEXT = ["incident_id", "source", "category", "month", "time", "location", "supplied_area_code", "outcome",
         "file", *AREA_COLUMNS, "arrival"]
_INCIDENT_DDL = ", ".join(
    [f'"{c}" VARCHAR NOT NULL' for c in INCIDENT_COLUMNS[:3]]
    + ['"month" VARCHAR NOT NULL', '"date" DATE', '"time" VARCHAR NOT NULL', '"location" VARCHAR NOT NULL',
       '"supplied_area_code" VARCHAR NOT NULL', '"outcome" VARCHAR NOT NULL', '"weight" DOUBLE NOT NULL',
       '"easting" DOUBLE NOT NULL', '"northing" DOUBLE NOT NULL', '"longitude" DOUBLE NOT NULL',
       '"latitude" DOUBLE NOT NULL', '"file" VARCHAR NOT NULL', '"row" BIGINT NOT NULL',
       '"area_code" VARCHAR NOT NULL', '"ward_code" VARCHAR NOT NULL', '"lad_code" VARCHAR NOT NULL',
       '"after_dark" BOOLEAN', '"arrival" VARCHAR NOT NULL', '"batch_id" BIGINT NOT NULL'])
_SCHEMA = [
    "CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE SEQUENCE batch_ids START 1",
    """CREATE TABLE batches (batch_id BIGINT PRIMARY KEY, file_name VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL UNIQUE, source VARCHAR NOT NULL, loaded_by VARCHAR NOT NULL,
        loaded_at TIMESTAMP NOT NULL, rows_read BIGINT NOT NULL, accepted BIGINT NOT NULL,
        duplicates BIGINT NOT NULL, rejected BIGINT NOT NULL, rejected_by_reason VARCHAR NOT NULL,
        first_month VARCHAR, last_month VARCHAR, mapping VARCHAR, notes VARCHAR NOT NULL,
        sensitive BOOLEAN DEFAULT FALSE)""",
    f"CREATE TABLE incidents ({_INCIDENT_DDL})",
    # police.uk rows whose Crime ID was already stored: same columns, kept aside (see delete_batch),
    # with the row as the file gave it
    f"CREATE TABLE duplicates ({_INCIDENT_DDL}, raw VARCHAR NOT NULL)",
    """CREATE TABLE rejects (batch_id BIGINT NOT NULL, "file" VARCHAR NOT NULL, "row" BIGINT,
        reason VARCHAR NOT NULL, detail VARCHAR NOT NULL, raw VARCHAR NOT NULL)""",
    # the store's study area (fixed by its first ingest): its areas, and its facts in store_meta as area_*
    f"""CREATE TABLE {AREA_TABLE} (area_code VARCHAR NOT NULL, area_name VARCHAR NOT NULL, ward_code VARCHAR NOT NULL,
        ward_name VARCHAR NOT NULL, lad_code VARCHAR NOT NULL, lad_name VARCHAR NOT NULL, wkb BLOB NOT NULL)""",
    f"INSERT INTO store_meta VALUES ('schema_version', '{SCHEMA_VERSION}')",
]
_COLS = ", ".join(f'"{c}"' for c in STORE_COLUMNS)


def _migrate_2(con) -> None:  # 2 -> 3: batches can be marked sensitive
    con.execute("ALTER TABLE batches ADD COLUMN sensitive BOOLEAN DEFAULT FALSE")


def _migrate_3(con) -> None:  # 3 -> 4: area columns named for any study area; the bundled one recorded
    for table in ("incidents", "duplicates"):
        for new, old in LEGACY_AREA_COLUMNS.items():
            con.execute(f'ALTER TABLE {table} RENAME COLUMN "{old}" TO "{new}"')
    con.execute(next(statement for statement in _SCHEMA if AREA_TABLE in statement))
    if _first(con, "SELECT count(*) FROM batches")[0]:  # every store before format 4 held the West Midlands
        from geo.study_area import west_midlands

        _write_area(con, west_midlands())


# older formats this program upgrades in place: version -> (next version, the step)
_MIGRATIONS = {"2": ("3", _migrate_2), "3": ("4", _migrate_3)}


def _write_area(con, area) -> None:
    table = area.to_table()
    con.register("_areas", table)
    try:
        con.execute(f"INSERT INTO {AREA_TABLE} SELECT * FROM _areas")
    finally:
        con.unregister("_areas")
    for key, value in area.facts().items():
        con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [f"area_{key}", value])


def _read_area(con):
    from geo.study_area import StudyArea

    facts = {k[5:]: v for k, v in con.execute(
        "SELECT key, value FROM store_meta WHERE key LIKE 'area_%'").fetchall()}
    if not facts:
        return None
    if facts.get("is_bundled") == "1":
        return StudyArea.from_facts(pd.DataFrame(), facts)
    table = con.execute(f"SELECT * FROM {AREA_TABLE}").df()
    return StudyArea.from_facts(table, facts)

_LOCKED = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)
_DAMAGED = re.compile(r"corrupt|checksum|could not read enough bytes|invalid .*(block|header)|serializ",
                      re.IGNORECASE)
_process_locks: dict[str, threading.RLock] = {}
_process_locks_guard = threading.Lock()


def default_store_path() -> Path:
    """``$HOTSPOT_STORE`` when set, else ``<repo>/local/incidents.duckdb`` (``local/`` is git-ignored)."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return Path(os.path.expandvars(env)).expanduser()
    return REPO / "local" / "incidents.duckdb"


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


# --------------------------------------------------------------------------------------------- results
@dataclass
class BatchResult:
    """What happened to one file."""

    file: str
    batch_id: int | None  # None when the file was already loaded (see existing_batch_id)
    rows_read: int = 0
    accepted: int = 0
    duplicates: int = 0  # police.uk rows whose Crime ID was already stored
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False
    existing_batch_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return int(sum(self.rejected_by_reason.values()))

    def summary(self) -> str:
        if self.already_loaded:
            return f"{self.file}: already loaded as batch {self.existing_batch_id}; nothing added."
        text = (f"{self.file}: batch {self.batch_id}, {self.rows_read:,} rows read, {self.accepted:,} accepted, "
                f"{self.duplicates:,} already in the store, {self.rejected:,} rejected")
        if self.rejected_by_reason:
            text += " (" + "; ".join(f"{r}: {n:,}" for r, n in self.rejected_by_reason.items()) + ")"
        return text + "."


@dataclass
class IngestResult:
    """The outcome of one :meth:`IncidentStore.ingest` call: one :class:`BatchResult` per file."""

    store: str
    source: str
    files: list[BatchResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the inputs (e.g. files skipped in an archive)

    @property
    def batch_ids(self) -> list[int]:
        return [f.batch_id for f in self.files if f.batch_id is not None]

    @property
    def new_batches(self) -> list[BatchResult]:
        return [f for f in self.files if not f.already_loaded]

    @property
    def already_loaded(self) -> list[str]:
        return [f.file for f in self.files if f.already_loaded]

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.new_batches)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for f in self.files:
            for reason, n in f.rejected_by_reason.items():
                total[reason] = total.get(reason, 0) + n
        return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())

    def summary(self) -> str:
        """One line: new batches, rows read/accepted/duplicate/rejected by reason, files already loaded."""
        new = self.new_batches
        parts = []
        if new:
            ids = ", ".join(str(b.batch_id) for b in new[:10]) + (" …" if len(new) > 10 else "")
            text = (f"{len(new)} new batch{'es' if len(new) != 1 else ''} ({ids}): {self.rows_read:,} rows read, "
                    f"{self.accepted:,} accepted, {self.duplicates:,} already in the store, "
                    f"{self.rejected:,} rejected")
            if self.rejected_by_reason:
                text += " (" + "; ".join(f"{r}: {n:,}" for r, n in self.rejected_by_reason.items()) + ")"
            parts.append(text)
        old = [f for f in self.files if f.already_loaded]
        if old:
            shown = ", ".join(f"{Path(f.file).name} as batch {f.existing_batch_id}" for f in old[:3])
            parts.append(f"{len(old)} file{'s' if len(old) != 1 else ''} already loaded, nothing added "
                         f"({shown}{' …' if len(old) > 3 else ''})")
        return "; ".join(parts) + "." if parts else "nothing to load."


@dataclass
class DeleteResult:
    batch_id: int
    file: str
    incidents: int  # incidents removed
    rejects: int  # rejected and duplicate rows removed from the report
    restored: dict[int, int] = field(default_factory=dict)  # batch_id -> duplicates put back as incidents

    def summary(self) -> str:
        text = (f"batch {self.batch_id} ({self.file}) deleted: {self.incidents:,} incidents and "
                f"{self.rejects:,} rejected or duplicate rows removed")
        if self.restored:
            text += ("; " + ", ".join(f"{n:,} from batch {b}" for b, n in sorted(self.restored.items()))
                     + " that had been held aside as duplicates are now counted")
        return text + "."


@dataclass
class _Prepared:
    """A file read, validated and placed in areas, ready to be written in one transaction."""

    name: str
    content_hash: str
    rows: pd.DataFrame  # STORE_COLUMNS except batch_id
    report: R.LoadReport
    notes: list[str]
    original: pd.DataFrame | None = None  # the file's own rows by row number, for the raw JSON of duplicates


# --------------------------------------------------------------------------------------------- helpers
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _first(con, sql: str, params=None):
    """The first row of a query, reading the result to the end (DuckDB 2 refuses further work on a
    connection while a result is unfinished)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _lock_for(path: Path) -> threading.RLock:
    key = str(path)
    with _process_locks_guard:
        return _process_locks.setdefault(key, threading.RLock())


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    """Insert ``frame`` into ``table`` by column name (the step a failure test interrupts)."""
    if frame.empty:
        return
    con.register("_frame", pa.Table.from_pandas(frame, preserve_index=False))  # one Arrow table, one statement
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def _raw_json(frame: pd.DataFrame, skip: tuple[str, ...]) -> list[str]:
    """Each row's values (other than ``skip``) as a JSON object; missing values (NaN, None) left out.

    Row by row: building it a column at a time was measured no faster (0.26 s for 27,000 rows both ways).
    """
    cols = [c for c in frame.columns if c not in skip and c != "geometry"]
    if not cols:
        return ["{}"] * len(frame)
    values = frame[cols].astype(object).to_numpy()
    out = []
    for row in values:
        record = {}
        for col, value in zip(cols, row):
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT or value is pd.NA:
                continue
            if isinstance(value, pd.Timestamp):
                value = value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
            record[str(col)] = value if isinstance(value, (str, int, float, bool)) else str(value)
        out.append(json.dumps(record, ensure_ascii=False, default=str))
    return out


def _original_rows(item: NamedBytes) -> pd.DataFrame | None:
    """The file's rows as it gave them (its own column names), indexed by row number; None for JSON."""
    if sniff_kind(item.data) not in ("text", "xlsx"):
        return None
    try:
        original, _ = read_table(item.data, item.name, allow_excel=True)
    except InputError:
        return None
    return original.drop_duplicates("row").set_index("row").drop(columns="file")


def _raw_rows(rows: pd.DataFrame, original: pd.DataFrame | None, skip: tuple[str, ...]) -> list[str]:
    """JSON of each row as the file gave it, found again by row number in ``original``.

    Readers rename and add columns as they go. Rows that never became a table row (wrong number
    of fields) or come from JSON keep what the reader recorded (``rows`` without ``skip``).
    """
    rows = rows.reset_index(drop=True)
    raw = np.empty(len(rows), dtype=object)
    found = np.zeros(len(rows), dtype=bool)
    if original is not None and len(rows):
        numbers = pd.to_numeric(rows["row"], errors="coerce")
        found = numbers.isin(original.index).to_numpy()
        if found.any():
            raw[found] = _raw_json(original.loc[numbers[found].astype("int64")].reset_index(drop=True), ())
    if not found.all():
        raw[~found] = _raw_json(rows[~found], skip)
    return list(raw)


def _with_raw(rejected: pd.DataFrame, original: pd.DataFrame | None) -> pd.DataFrame:
    """file, row, reason, detail and ``raw`` (see :func:`_raw_rows`) for the rejected rows."""
    base = ["file", "row", "reason", "detail"]
    if rejected.empty:
        return pd.DataFrame(columns=base + ["raw"])
    out = rejected[base].copy().reset_index(drop=True)
    out["raw"] = _raw_rows(rejected, original, tuple(base))
    return out


def _month_bounds(months) -> tuple[str | None, str | None]:
    if months is None:
        return None, None
    if isinstance(months, str):
        months = (months, months)
    lo, hi = months
    for value in (lo, hi):
        if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(value)):
            raise InputError(None, f"month {value!r} is not a month", "write months as YYYY-MM, e.g. 2024-06")
    return lo, hi


def _as_list(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _empty_store_frame() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in STORE_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


# --------------------------------------------------------------------------------------------- the store
class IncidentStore:
    """Incidents and their load history in an embedded DuckDB file (see the module docstring).

    ``IncidentStore()`` uses :func:`default_store_path`. ``wait_s`` is how long to wait for a file
    another program is using before giving up with an :class:`InputError`. ``area`` (a
    :class:`geo.study_area.StudyArea`) is the study area a new store takes at its first ingest
    (default: the bundled West Midlands); a store that holds another area refuses to ingest with it.
    """

    def __init__(self, path: str | Path | None = None, *, wait_s: float = 3.0, area=None):
        self.path = Path(path).expanduser().resolve() if path is not None else default_store_path().resolve()
        self.wait_s = float(wait_s)
        self._closed = False
        self._given_area = area  # a geo.study_area.StudyArea asked for (e.g. ingest --boundaries)
        self._stored_area = None
        self._check_or_create()

    # -------------------------------------------------------------- connections
    def __enter__(self) -> "IncidentStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Mark the store closed. Connections are never held between calls, so nothing stays locked."""
        self._closed = True

    def __repr__(self) -> str:
        return f"IncidentStore({str(self.path)!r})"

    def _error(self, problem: str, fix: str) -> InputError:
        return InputError(f"incident store {self.path}", problem, fix)

    def _explain(self, exc: Exception, doing: str) -> InputError:
        """One line for a DuckDB error: in use elsewhere, damaged, not a store, or something else."""
        message = _one_line(str(exc), 200)
        if _LOCKED.search(str(exc)):
            pid = re.search(r"PID (\d+)", str(exc))
            return self._error(f"is in use by another program{f' (process {pid.group(1)})' if pid else ''}",
                               "close the other dashboard or command (or wait for its load to finish) and try again")
        if "not a valid DuckDB database" in message:
            return self._error("is not an incident store (not a DuckDB database file)",
                               f"move it aside or set {STORE_ENV} to another path, then load the files again")
        if _DAMAGED.search(str(exc)):
            return self._error(f"is damaged ({message})",
                               f"restore it from a backup, or move it aside (or set {STORE_ENV} to another path) "
                               "and load the files again")
        return self._error(f"could not be {doing} ({type(exc).__name__}: {message})",
                           "check free disk space and the file's permissions; nothing was half-written")

    def _open(self, write: bool):
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=not write)
                if write:  # DuckDB checkpoints at every commit once its log passes 16 MB (5.9 s of a
                    con.execute("SET checkpoint_threshold = '1GB'")  # 36-file ingest): once, on close, instead
                return con
            except duckdb.Error as exc:
                if _LOCKED.search(str(exc)) and time.monotonic() < deadline:
                    time.sleep(0.1)  # another program's short-lived connection: take turns
                    continue
                raise self._explain(exc, "opened") from None

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection (read-only unless ``write``); one at a time within this process."""
        if self._closed:
            raise self._error("was closed", "open a new IncidentStore")
        with _lock_for(self.path):
            con = self._open(write)
            try:
                yield con
            except duckdb.Error as exc:
                if isinstance(exc, (duckdb.ParserException, duckdb.BinderException)):
                    raise  # a bug in this module, not a problem with the file
                raise self._explain(exc, "written" if write else "read") from None
            finally:
                con.close()

    def _check_or_create(self) -> None:
        if self.path.is_dir():
            raise self._error("is a folder", "give a file path, e.g. local/incidents.duckdb")
        if self.path.exists() and self._schema_version(write=False) is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect(write=True) as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "store_meta" in tables:
                return
            if tables:
                raise self._error("is a DuckDB database but not an incident store "
                                  f"(it holds {', '.join(sorted(tables)[:5])})",
                                  f"set {STORE_ENV} to a new file name")
            con.execute("BEGIN TRANSACTION")
            for statement in _SCHEMA:
                con.execute(statement)
            con.execute("COMMIT")

    def _schema_version(self, write: bool) -> str | None:
        with self._connect(write=write) as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "store_meta" not in tables:
                if tables:
                    raise self._error("is a DuckDB database but not an incident store "
                                      f"(it holds {', '.join(sorted(tables)[:5])})",
                                      f"set {STORE_ENV} to a new file name")
                return None
            row = _first(con, "SELECT value FROM store_meta WHERE key = 'schema_version'")
        version = row[0] if row else None
        while version in _MIGRATIONS:  # an older store: upgraded in place, in one transaction per step
            target, step = _MIGRATIONS[version]
            with self._connect(write=True) as con:
                con.execute("BEGIN TRANSACTION")
                step(con)
                con.execute("UPDATE store_meta SET value = ? WHERE key = 'schema_version'", [target])
                con.execute("COMMIT")
            version = target
        if version != SCHEMA_VERSION:
            raise self._error(f"has store format {version!r}, this program reads format {SCHEMA_VERSION!r}",
                              "use the program version that wrote it, or start a new store")
        return version

    # -------------------------------------------------------------- the study area
    def study_area(self):
        """The store's study area (fixed by its first ingest), or None while it holds nothing."""
        if self._stored_area is None:
            with self._connect() as con:
                self._stored_area = _read_area(con)
        return self._stored_area

    def analysis_area(self):
        """The area the store's incidents are analysed on: its own, else the one it would take."""
        from geo.study_area import west_midlands

        return self.study_area() or self._given_area or west_midlands()

    def _ingest_area(self):
        """The area this ingest places points in; a store holding another area refuses, saying what to do."""
        stored = self.study_area()
        given = self._given_area
        if stored is not None and given is not None and not stored.same_as(given):
            slug = re.sub(r"[^a-z0-9]+", "-", given.name.lower()).strip("-") or "area"
            raise self._error(f"holds incidents for {stored.describe()}, not for the boundaries given "
                              f"({given.describe()})",
                              f"to analyse {given.name}, start another store: set {STORE_ENV}=local/{slug}.duckdb "
                              "(or store_path in .streamlit/secrets.toml) and ingest there with --boundaries")
        return stored or given or self.analysis_area()

    # -------------------------------------------------------------- ingest
    def ingest(self, inputs: Iterable[str | Path | NamedBytes] | str | Path | NamedBytes, source: str,
               loaded_by: str = "", mapping: dict[str, str] | None = None, sensitive: bool = False,
               progress: Callable[[float, str], None] | None = None) -> IngestResult:
        """Store police.uk files (``source="police"``) or partner tables (``ed``, ``ambulance``, ``other``).

        ``sensitive`` marks the batches so that every analysis of them suppresses small numbers
        (health sources always are).
        ``inputs``: paths (files, folders, zip archives) or :class:`~geo.sources.NamedBytes` uploads.
        ``mapping`` ({field: column}) names partner columns that are not recognised by name.
        Every file is read and checked before anything is written, so an unusable file (one
        :class:`InputError` line) stores nothing; then each new file is written as one batch in its
        own transaction. Files already stored (same content) are skipped and reported.
        ``progress``, if given, is called after each file is read and after each is written, with the
        share of the work done (0 to 1; reading is most of it) and one line saying what was done.
        """
        if source not in SOURCES:
            raise InputError(None, f"unknown source {source!r}", f"use one of {', '.join(SOURCES)}")
        if mapping and source == "police":
            raise InputError(None, "a column mapping is for partner tables",
                             "police.uk files are recognised by their own columns; drop the mapping")
        loaded_by = _one_line(loaded_by or "", MAX_LOADED_BY)
        area = self._ingest_area()
        files, notes = self._files(inputs, source)
        result = IngestResult(store=str(self.path), source=source, notes=list(notes))

        # 1. read and check everything first (no lock held, nothing written)
        stored = self._stored_hashes()
        plan: list[tuple[str, NamedBytes | _Prepared]] = []  # (content hash, file to skip or to write)
        say = progress or (lambda done, message: None)
        n, rows_read = len(files), 0
        for i, item in enumerate(files, 1):
            digest = _sha256(item.data)
            if digest in stored or any(digest == d for d, _ in plan):  # stored, or given twice in this call
                plan.append((digest, item))
                say(_READ_SHARE * i / n, f"file {i} of {n}, {Path(item.name).name}: already stored, skipped")
                continue
            try:
                prep = self._prepare(item, digest, source, mapping, area)
            except InputError as exc:
                fix = f"{exc.fix}; nothing was stored" if exc.fix else "nothing was stored"
                raise InputError(exc.source, exc.problem, fix) from None
            plan.append((digest, prep))
            rows_read += prep.report.rows_read
            say(_READ_SHARE * i / n, f"read file {i} of {n}, {Path(item.name).name}: {prep.report.rows_read:,} rows, "
                f"{len(prep.rows):,} accepted, {prep.report.n_rejected:,} rejected ({rows_read:,} rows so far)")

        # 2. write each new file as one batch, in its own transaction, over one connection (opening and
        # closing DuckDB per file checkpoints each time: a quarter of a 36-file ingest was spent there)
        if not any(isinstance(step, _Prepared) for _, step in plan):
            result.files = [BatchResult(step.name, None, already_loaded=True, existing_batch_id=stored.get(digest))
                            for digest, step in plan]
            return result
        to_write = sum(isinstance(step, _Prepared) for _, step in plan)
        written = 0
        with self._connect(write=True) as con:
            for digest, step in plan:
                if isinstance(step, _Prepared):
                    done = self._write_batch(con, step, source, loaded_by, mapping, sensitive, area)
                    stored[digest] = done.batch_id if done.batch_id is not None else done.existing_batch_id
                    written += 1
                    say(_READ_SHARE + (1 - _READ_SHARE) * written / to_write,
                        f"stored file {written} of {to_write}, {Path(step.name).name}"
                        + (f" as batch {done.batch_id}" if done.batch_id is not None else ": already stored"))
                else:
                    done = BatchResult(step.name, None, already_loaded=True, existing_batch_id=stored.get(digest))
                result.files.append(done)
        return result

    @staticmethod
    def _files(inputs, source: str) -> tuple[list[NamedBytes], list[str]]:
        if isinstance(inputs, (str, Path, NamedBytes)):
            inputs = [inputs]
        inputs = [i if isinstance(i, NamedBytes) else Path(i).expanduser().resolve() for i in inputs]
        if source == "police":
            from geo.police_uk import is_incident_file

            return expand_inputs(inputs, is_incident_file)
        from geo.partner import MAX_PARTNER_BYTES

        return expand_inputs(inputs, lambda n: n.lower().endswith(PARTNER_SUFFIXES), max_file_bytes=MAX_PARTNER_BYTES)

    def check(self, inputs, source: str, mapping: dict[str, str] | None = None,
              progress: Callable[[float, str], None] | None = None) -> R.LoadReport:
        """What :meth:`ingest` would accept and reject, by reading and checking the files the same way,
        without writing anything (the Load data page shows this before the user confirms);
        ``progress`` as for :meth:`ingest`."""
        if source not in SOURCES:
            raise InputError(None, f"unknown source {source!r}", f"use one of {', '.join(SOURCES)}")
        area = self._ingest_area()
        files, notes = self._files(inputs, source)
        report = R.LoadReport(notes=list(notes))
        stored = self._stored_hashes()
        for i, item in enumerate(files, 1):
            digest = _sha256(item.data)
            if digest in stored:  # loading it would add nothing: say so rather than offer its rows again
                report = report.merge(R.LoadReport(notes=[f"{Path(item.name).name} is already in the store (batch "
                                                          f"{stored[digest]}): loading it adds nothing."]))
                if progress is not None:
                    progress(i / len(files), f"file {i} of {len(files)}, {Path(item.name).name}: already stored")
                continue
            prep = self._prepare(item, digest, source, mapping, area)
            if progress is not None:
                progress(i / len(files), f"checked file {i} of {len(files)}, {Path(item.name).name}: "
                         f"{prep.report.rows_read:,} rows, {len(prep.rows):,} accepted, "
                         f"{prep.report.n_rejected:,} rejected")
            rep = prep.report
            report = report.merge(R.LoadReport(files=rep.files, rows_read=rep.rows_read, accepted=len(prep.rows),
                                               rejected=rep.rejected, notes=prep.notes))
        return report

    def _stored_hashes(self) -> dict[str, int]:
        with self._connect() as con:
            return {h: int(b) for h, b in con.execute("SELECT content_hash, batch_id FROM batches").fetchall()}

    def _prepare(self, item: NamedBytes, digest: str, source: str, mapping, area) -> _Prepared:
        from geo.daylight import after_dark
        from geo.areas import assign_areas
        from geo.lsoa_lookup import equivalent_pairs

        if source == "police":
            from geo.police_uk import read_police

            loaded = read_police(item)
        else:
            from geo.partner import read_partner_table

            loaded = read_partner_table(item, source_label=source, mapping=mapping)
        data, rep = loaded.data, loaded.report
        notes = list(rep.notes)
        # the rows as the file gave them: rejected rows are kept that way (and repeated Crime IDs, found
        # when writing); police.uk's "Falls within" names the force of rows outside the area
        original = _original_rows(item) if len(rep.rejected) or len(data) else None
        if len(data):
            # the study area is its areas: a point in none of them is outside it (geo.areas), and rejected
            assigned = assign_areas(data, area.index, snap_tolerance_m=area.snap_tolerance_m,
                                    supplied=data["supplied_area_code"], equivalent_codes=equivalent_pairs())
            notes.append(assigned.sentence(area.unit))
            outside = assigned.codes.eq("").to_numpy()
            if outside.any():
                rep.reject(pd.DataFrame(data[outside].drop(columns="geometry")), R.OUTSIDE_STUDY_AREA,
                           assigned.outside_reason[outside].to_numpy() + f" ({area.name})")
                notes.append(_outside_note(_forces(data[outside], original), int(outside.sum()), len(data), area))
                data = data[~outside].reset_index(drop=True)
                assigned.codes = assigned.codes[~outside].reset_index(drop=True)
                rep.accepted = len(data)
                rep.check_balanced()
        rows = pd.DataFrame(data.drop(columns="geometry")).reindex(columns=INCIDENT_COLUMNS + ["arrival"])
        if len(data):
            codes = assigned.codes.to_numpy(dtype=object)
            lookup = area.lookup().set_index("area_code")
            rows["area_code"] = codes
            rows["ward_code"] = lookup["ward_code"].reindex(codes).fillna("").to_numpy(dtype=object)
            rows["lad_code"] = lookup["lad_code"].reindex(codes).fillna("").to_numpy(dtype=object)
            timed = rows["date"].notna() & rows["time"].astype(str).str.match(r"^\d{1,2}:\d{2}$")
            dark = np.full(len(rows), None, dtype=object)
            if timed.any():
                local = pd.to_datetime(rows.loc[timed, "date"].dt.strftime("%Y-%m-%d") + " "
                                       + rows.loc[timed, "time"].astype(str), format="%Y-%m-%d %H:%M",
                                       errors="coerce")
                dark[timed.to_numpy()] = after_dark(rows.loc[timed, "longitude"].to_numpy(float),
                                                    rows.loc[timed, "latitude"].to_numpy(float),
                                                    local.to_numpy(dtype="datetime64[s]"))
            rows["after_dark"] = pd.array(dark, dtype="boolean")
        else:
            for col in AREA_COLUMNS:
                rows[col] = pd.Series(dtype=object)
            rows["after_dark"] = pd.array([], dtype="boolean")
        for col in _TEXT:
            if isinstance(rows[col].dtype, pd.StringDtype):  # text already (Arrow): fill in place of a round trip
                rows[col] = rows[col].fillna("")
            else:  # object first: "" into a float column is deprecated
                rows[col] = rows[col].astype(object).fillna("").astype(str)
        rows["weight"] = rows["weight"].astype(float)
        rows["row"] = rows["row"].astype("int64")
        rep.rejected = _with_raw(rep.rejected, original)
        return _Prepared(item.name, digest, rows, rep, notes, original)

    def _write_batch(self, con, prep: _Prepared, source: str, loaded_by: str, mapping, sensitive: bool,
                     area) -> BatchResult:
        rows, rep = prep.rows, prep.report
        con.execute("BEGIN TRANSACTION")
        try:
            stored = _read_area(con)
            if stored is None:  # the first batch fixes the store's study area
                _write_area(con, area)
            elif not stored.same_as(area):  # another program fixed another area since we looked
                raise self._error(f"holds incidents for {stored.describe()}", "start another store for "
                                  f"{area.name} (set {STORE_ENV})")
            existing = _first(con, "SELECT batch_id FROM batches WHERE content_hash = ?", [prep.content_hash])
            if existing:  # loaded by someone else since we looked
                con.execute("ROLLBACK")
                return BatchResult(prep.name, None, already_loaded=True, existing_batch_id=int(existing[0]))
            batch_id = int(_first(con, "SELECT nextval('batch_ids')")[0])
            rows = rows.assign(batch_id=batch_id)
            notes = list(prep.notes)

            is_dup = np.zeros(len(rows), dtype=bool)
            ids = rows["incident_id"].astype(str)
            keyed = rows["source"].eq("police") & ids.ne("")
            if source == "police" and keyed.any():
                con.register("_ids", pd.DataFrame({"incident_id": ids[keyed].unique()}))
                try:
                    found = {r[0] for r in con.execute(
                        "SELECT DISTINCT i.incident_id FROM incidents i JOIN _ids USING (incident_id) "
                        "WHERE i.source = 'police'").fetchall()}
                finally:
                    con.unregister("_ids")
                is_dup = (keyed & ids.isin(found)).to_numpy()
            elif source != "police":
                refs = ids[ids.ne("")].unique()
                if len(refs):
                    con.register("_ids", pd.DataFrame({"incident_id": refs}))
                    try:
                        seen = _first(con, "SELECT count(DISTINCT incident_id) FROM incidents i "
                                      "JOIN _ids USING (incident_id) WHERE i.source = ?", [source])[0]
                    finally:
                        con.unregister("_ids")
                    if seen:
                        notes.append(f"{seen:,} reference(s) in this file were already stored from other "
                                     f"{source} files; both copies are kept (delete the older batch if "
                                     "this file replaces it).")
            new, dups = rows[~is_dup], rows[is_dup]
            if len(dups):
                dups = dups.assign(raw=_raw_rows(dups, prep.original, ("batch_id", *AREA_COLUMNS,
                                                                      "after_dark", "arrival")))
            if len(dups):
                notes.append(f"{len(dups):,} row(s) have a Crime ID already in the store (overlapping "
                             "downloads): kept aside, not counted twice.")

            reasons = {str(k): int(v) for k, v in rep.reason_counts().items()}
            months = rows["month"][rows["month"].ne("")]
            batch = pd.DataFrame([{
                "batch_id": batch_id, "file_name": prep.name, "content_hash": prep.content_hash,
                "source": source, "loaded_by": loaded_by,
                "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None),
                "rows_read": int(rep.rows_read), "accepted": len(new), "duplicates": len(dups),
                "rejected": int(rep.n_rejected), "rejected_by_reason": json.dumps(reasons, ensure_ascii=False),
                "first_month": months.min() if len(months) else None,
                "last_month": months.max() if len(months) else None,
                "mapping": json.dumps(mapping, ensure_ascii=False) if mapping else None,
                "notes": json.dumps(notes, ensure_ascii=False),
                "sensitive": bool(sensitive),
            }])
            rejected = rep.rejected
            rejects = pd.DataFrame({
                "batch_id": batch_id,
                "file": rejected["file"].astype(str).to_numpy() if len(rejected) else [],
                "row": pd.to_numeric(rejected["row"], errors="coerce").astype("Int64").to_numpy()
                if len(rejected) else [],
                "reason": rejected["reason"].astype(str).to_numpy() if len(rejected) else [],
                "detail": rejected["detail"].fillna("").astype(str).to_numpy() if len(rejected) else [],
                "raw": rejected["raw"].astype(str).to_numpy() if len(rejected) else [],
            })
            _insert(con, "batches", batch)
            _insert(con, "incidents", new)
            _insert(con, "duplicates", dups)
            _insert(con, "rejects", rejects)
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the connection is closed next anyway: nothing uncommitted survives
            raise
        self._stored_area = area if self._stored_area is None else self._stored_area
        return BatchResult(prep.name, batch_id, rows_read=int(rep.rows_read), accepted=len(new),
                           duplicates=len(dups), rejected_by_reason=reasons, notes=notes)

    # -------------------------------------------------------------- reading
    def batches(self) -> pd.DataFrame:
        """One row per batch, oldest first: BATCH_COLUMNS; ``loaded_at`` in UTC, JSON columns as text."""
        with self._connect() as con:
            table = con.execute(f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches ORDER BY batch_id").df()
        table["loaded_at"] = pd.to_datetime(table["loaded_at"]).dt.tz_localize("UTC")
        for col in ("batch_id", "rows_read", "accepted", "duplicates", "rejected"):
            table[col] = table[col].astype("int64")
        table["sensitive"] = table["sensitive"].fillna(False).astype(bool)
        return table

    def _batch_row(self, con, batch_id) -> tuple:
        try:
            batch_id = int(batch_id)
        except (TypeError, ValueError):
            raise self._error(f"has no batch {batch_id!r} (batch ids are whole numbers)",
                              "list the batches with: python -m analytics store list") from None
        row = _first(con, "SELECT batch_id, file_name FROM batches WHERE batch_id = ?", [batch_id])
        if row is None:
            raise self._error(f"has no batch {batch_id}", "list the batches with: python -m analytics store list")
        return row

    def incidents(self, sources=None, months=None, categories=None) -> gpd.GeoDataFrame:
        """Stored incidents in EPSG:27700: the standard columns, area_code/ward_code/lad_code (of the store's
        study area; for the bundled West Midlands also under their old names lsoa21/ward24/lad24),
        after_dark, batch_id.

        ``sources``: e.g. ``["police"]``; ``months``: ``(from, to)`` as 'YYYY-MM' (either may be None;
        inclusive); ``categories``: exact category names. None means all.
        """
        lo, hi = _month_bounds(months)
        where, params = [], []
        for column, wanted in (("source", _as_list(sources)), ("category", _as_list(categories))):
            if wanted is not None:
                where.append(f"list_contains(?, \"{column}\")")
                params.append(wanted)
        if lo:
            where.append('"month" >= ?')
            params.append(lo)
        if hi:
            where.append('"month" <= ?')
            params.append(hi)
        columns = _COLS.replace('"date"', 'CAST("date" AS TIMESTAMP) AS "date"')
        sql = f"SELECT {columns} FROM incidents" + (" WHERE " + " AND ".join(where) if where else "")
        with self._connect() as con:
            # through Arrow: about 4x faster than .df() for text columns (0.4 s for 270k incidents)
            arrow = con.sql(sql + ' ORDER BY batch_id, "row"', params=params).to_arrow_table()
        if arrow.num_rows == 0:
            return self._with_legacy_names(_empty_store_frame())
        table = arrow.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        table["date"] = pd.to_datetime(table["date"])
        for col in ("row", "batch_id"):
            table[col] = table[col].astype("int64")
        geometry = gpd.points_from_xy(table["easting"].to_numpy(float), table["northing"].to_numpy(float), crs=BNG)
        return self._with_legacy_names(gpd.GeoDataFrame(table, geometry=geometry, crs=BNG))

    def _with_legacy_names(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        area = self.study_area()
        if area is None or area.is_bundled:
            for new, old in LEGACY_AREA_COLUMNS.items():
                frame[old] = frame[new]
        return frame

    def rejects(self, batch_id: int) -> pd.DataFrame:
        """Every row of a batch that is not an incident: file, row, reason, detail, raw (JSON of the row's fields).

        Includes rows rejected on reading and, with reason "already in the store", police.uk rows
        whose Crime ID was already stored (the detail says where the stored copy came from).
        """
        with self._connect() as con:
            batch_id = int(self._batch_row(con, batch_id)[0])
            rej = con.execute('SELECT "file", "row", reason, detail, raw FROM rejects WHERE batch_id = ?',
                              [batch_id]).df()
            dups = con.execute(
                f"""SELECT d."file", d."row", d.raw, k.batch_id AS kept_batch, k."file" AS kept_file, k."row" AS kept_row
                    FROM duplicates d LEFT JOIN (
                        SELECT "source", incident_id, batch_id, "file", "row" FROM incidents WHERE incident_id <> ''
                        QUALIFY row_number() OVER (PARTITION BY "source", incident_id ORDER BY batch_id, "row") = 1
                    ) k ON k."source" = d."source" AND k.incident_id = d.incident_id
                    WHERE d.batch_id = ?""", [batch_id]).df()
        if len(dups):
            detail = np.where(dups["kept_batch"].notna(),
                              "same Crime ID as batch " + dups["kept_batch"].astype("Int64").astype(str) + " ("
                              + dups["kept_file"].astype(str) + " row " + dups["kept_row"].astype("Int64").astype(str)
                              + ")", "same Crime ID as a stored incident")
            extra = pd.DataFrame({"file": dups["file"], "row": dups["row"], "reason": ALREADY_STORED,
                                  "detail": detail, "raw": dups["raw"]})
            rej = pd.concat([f for f in (rej, extra) if len(f)], ignore_index=True)
        rej["row"] = pd.to_numeric(rej["row"], errors="coerce").astype("Int64")
        return rej.sort_values(["file", "row"], kind="stable").reset_index(drop=True)[REJECT_COLUMNS]

    def facets(self) -> dict[str, list[str]]:
        """What the store holds, for filter menus: sources, months and categories present."""
        with self._connect() as con:
            out = {}
            for col in ("source", "month", "category"):
                values = con.execute(f'SELECT DISTINCT "{col}" FROM incidents ORDER BY 1').fetchall()
                out[{"source": "sources", "month": "months", "category": "categories"}[col]] = [v[0] for v in values]
        return out

    # -------------------------------------------------------------- deleting
    def delete_batch(self, batch_id: int) -> DeleteResult:
        """Remove one batch: its incidents, its rejected and duplicate rows, its batch record — nothing else.

        Duplicates that later batches held aside only because this batch had the Crime ID first are
        put back as incidents (the earliest batch's copy), so deleting an overlapping month never
        loses incidents another file also holds.
        """
        with self._connect(write=True) as con:
            batch_id, file_name = self._batch_row(con, batch_id)
            con.execute("BEGIN TRANSACTION")
            try:
                n_inc = _first(con, "SELECT count(*) FROM incidents WHERE batch_id = ?", [batch_id])[0]
                n_rej = (_first(con, "SELECT count(*) FROM rejects WHERE batch_id = ?", [batch_id])[0]
                         + _first(con, "SELECT count(*) FROM duplicates WHERE batch_id = ?", [batch_id])[0])
                for table in ("incidents", "duplicates", "rejects", "batches"):
                    con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
                con.execute(f"""CREATE TEMP TABLE _revive AS SELECT {_COLS} FROM duplicates d
                    WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i."source" = d."source"
                                      AND i.incident_id = d.incident_id)
                    QUALIFY row_number() OVER (PARTITION BY "source", incident_id ORDER BY batch_id, "row") = 1""")
                restored = {int(b): int(n) for b, n in con.execute(
                    "SELECT batch_id, count(*) FROM _revive GROUP BY batch_id").fetchall()}
                if restored:
                    con.execute(f"INSERT INTO incidents ({_COLS}) SELECT {_COLS} FROM _revive")
                    con.execute("""DELETE FROM duplicates d USING _revive r
                                   WHERE d.batch_id = r.batch_id AND d."file" = r."file" AND d."row" = r."row" """)
                    con.execute("""UPDATE batches b SET accepted = b.accepted + r.n, duplicates = b.duplicates - r.n
                                   FROM (SELECT batch_id, count(*) AS n FROM _revive GROUP BY batch_id) r
                                   WHERE b.batch_id = r.batch_id""")
                con.execute("DROP TABLE _revive")
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
        return DeleteResult(int(batch_id), str(file_name), int(n_inc), int(n_rej), restored)


def _forces(rows: pd.DataFrame, original: pd.DataFrame | None) -> pd.Series:
    """How many of ``rows`` each force's file gave (police.uk "Falls within"), most first; empty if unknown."""
    if original is None or "Falls within" not in original.columns:
        return pd.Series(dtype="int64")
    numbers = pd.to_numeric(rows["row"], errors="coerce")
    given = original["Falls within"].reindex(numbers[numbers.isin(original.index)].astype("int64"))
    given = given.astype(object).fillna("").astype(str).str.strip()
    return given[given.ne("")].value_counts()


def _outside_note(forces: pd.Series, n_outside: int, n_read: int, area) -> str:
    """What to do when a file's points lie outside the store's area (most often: another force's file);
    ``forces``: the outside rows per force (see :func:`_forces`)."""
    text = f"{n_outside:,} of {n_read:,} located rows lie outside {area.name}, the store's study area"
    if len(forces):
        text += f"; they are {forces.index[0]} data" + (f" (and {len(forces) - 1} other force(s))" if len(forces) > 1
                                                       else "")
    if n_outside >= 0.5 * n_read:
        force = forces.index[0] if len(forces) else "that area"
        text += (f". To analyse {force}'s area, start another store with that force's boundaries: "
                 f"{STORE_ENV}=local/other.duckdb python -m analytics ingest FILES --source police "
                 "--boundaries LSOAS.geojson --area-id LSOA21CD")
    return text + "."


def current_user() -> str:
    """The login name, for ``loaded_by`` when none is given ("" if unknown)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""

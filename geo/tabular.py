"""Reading tables from bytes: sniffing what a file really is, its encoding and delimiter.

Every reader of CSV-like input goes through :func:`read_table`, so every bad file gets
the same clear one-line answer (:class:`~geo.errors.InputError`) and every data row
keeps its spreadsheet row number (header = row 1) for the rejects report.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

from geo import report as R
from geo.errors import InputError

MAX_LINE_CHARS = 1_000_000  # a "line" longer than this is not a table row
ROW_COLUMN = "row"
FILE_COLUMN = "file"


def sniff_kind(data: bytes) -> str:
    """What the bytes are: 'empty', 'xlsx', 'xls', 'zip', 'json', 'binary' or 'text'."""
    if not data.strip():
        return "empty"
    head = data[:8192]
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "binary"
        return "xlsx" if any(n.startswith("xl/") for n in names) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if b"\x00" in head:
        return "binary"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "text"


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM), else Windows-1252, else Latin-1; return (text, encoding)."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(name, "could not be decoded as text", "save it as CSV (UTF-8)")  # pragma: no cover


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_table(data: bytes, name: str, *, allow_excel: bool = False) -> tuple[pd.DataFrame, R.LoadReport]:
    """Parse a delimited text table (or, if ``allow_excel``, an .xlsx workbook) into strings.

    Returns a DataFrame of str columns (blank cells are ``""``) plus ``file`` and ``row``
    columns, and a report holding rows with the wrong number of fields as rejects.
    Raises :class:`InputError` for a file that cannot be used at all.
    """
    kind = sniff_kind(data)
    if kind == "empty":
        raise InputError(name, "the file is empty", "check the download finished and choose the right file")
    if kind in ("xlsx", "xls"):
        if not allow_excel:
            raise InputError(name, "is an Excel workbook, not a CSV file",
                             "open it in Excel and save as CSV (UTF-8), or load it as a partner table (.xlsx)")
        return _read_excel(data, name)
    if kind in ("zip", "binary"):
        raise InputError(name, f"is a {kind} file, not a text table", "choose the CSV file itself")
    text, encoding = decode_text(data, name)
    first_break = text.find("\n")
    if (first_break == -1 and len(text) > MAX_LINE_CHARS) or first_break > MAX_LINE_CHARS:
        raise InputError(name, f"its first line is longer than {MAX_LINE_CHARS:,} characters, so it is not a table",
                         "check it is a CSV with one record per line")
    header_line = text[: first_break if first_break != -1 else len(text)]
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        header = [h.strip() for h in header]
        rows, bad = [], []
        width = len(header)
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line: not a record
            if len(fields) != width:
                bad.append((reader.line_num, delimiter.join(fields)[:200], len(fields)))
                continue
            rows.append([*fields, reader.line_num])
    except csv.Error as exc:
        raise InputError(name, f"is not a readable CSV near line {reader.line_num} ({exc})",
                         "check the file is a plain CSV export") from None
    if not any(header):
        raise InputError(name, "has no header row", "the first line must name the columns")
    if not rows and not bad:
        raise InputError(name, "has a header but no data rows", "check the export or the date range chosen")
    table = pd.DataFrame(rows, columns=[*header, ROW_COLUMN], dtype=object)
    table[ROW_COLUMN] = table[ROW_COLUMN].astype("int64")
    table.insert(0, FILE_COLUMN, name)
    rep = R.LoadReport(files=[name], rows_read=len(rows) + len(bad))
    if encoding != "utf-8-sig":
        rep.notes.append(f"{name} was not UTF-8; read as {'Windows-1252' if encoding == 'cp1252' else 'Latin-1'}.")
    if delimiter != ",":
        rep.notes.append(f"{name} uses {'tab' if delimiter == chr(9) else repr(delimiter)} as its delimiter.")
    if bad:
        rej = pd.DataFrame({FILE_COLUMN: name, ROW_COLUMN: [b[0] for b in bad], "raw": [b[1] for b in bad]})
        rep.reject(rej, R.BAD_ROW, [f"{b[2]} fields, header has {width}" for b in bad])
    return table, rep


def _read_excel(data: bytes, name: str) -> tuple[pd.DataFrame, R.LoadReport]:
    try:
        table = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise InputError(name, f"is not a readable .xlsx workbook ({type(exc).__name__})",
                         "open it in Excel and save it again, or export it as CSV") from None
    table.columns = [str(c).strip() for c in table.columns]
    table = table.fillna("").astype(str)
    table = table[~(table == "").all(axis=1)]
    if table.empty:
        raise InputError(name, "has a header but no data rows", "check the first sheet holds the data")
    table[ROW_COLUMN] = table.index.to_numpy() + 2
    table.insert(0, FILE_COLUMN, name)
    return table.reset_index(drop=True), R.LoadReport(files=[name], rows_read=len(table))


def read_bytes(path: str | Path, max_bytes: int | None = None) -> bytes:
    """Read a file, with a clear error if it is missing or over ``max_bytes``."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such file", "check the path")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a file", "name a file inside it")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise InputError(str(path), f"is {size / 1e6:,.1f} MB, over the {max_bytes / 1e6:,.0f} MB limit",
                         "split it into monthly files or ask an administrator to raise the limit")
    return path.read_bytes()


def require_columns(table: pd.DataFrame, name: str, required: list[str], what: str) -> None:
    """Raise a one-line error naming the missing columns and what was found instead."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        found = [c for c in table.columns if c not in (FILE_COLUMN, ROW_COLUMN)]
        shown = ", ".join(found[:12]) + (" …" if len(found) > 12 else "")
        raise InputError(name, f"is missing the column(s) {', '.join(missing)} needed for {what}; found: {shown}",
                         "check this is the right file, or give a column mapping")

"""Reading tables from bytes: sniffing what a file really is, its encoding and delimiter.

Every reader of CSV-like input goes through :func:`read_table`, so every bad file gets
the same clear one-line answer (:class:`~geo.errors.InputError`) and every data row
keeps its spreadsheet row number (header = row 1) for the rejects report.

Two readers give the same result: pyarrow's multi-threaded CSV parser for a normal file (one
record per line, every record with the header's fields; the usual police.uk and partner export),
and the csv module for anything else (blank lines, line breaks inside quotes, ragged rows, lone
carriage returns), which numbers rows as a spreadsheet does. Text columns are pandas' ``str``
dtype, held in Arrow memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo import report as R
from geo.errors import InputError

MAX_LINE_CHARS = 1_000_000  # a "line" longer than this is not a table row
ROW_COLUMN = "row"
FILE_COLUMN = "file"
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default "str" (Arrow memory, no Python objects)
BOM = b"\xef\xbb\xbf"


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

    Returns a DataFrame of text columns (pandas' ``str`` dtype; blank cells are ``""``) plus
    ``file`` and ``row`` columns, and a report holding rows with the wrong number of fields as
    rejects. Raises :class:`InputError` for a file that cannot be used at all.

    A normal file (see :func:`_read_fast`) is parsed by pyarrow, many times faster; any other is
    read by the csv module (:func:`_read_exact`). Both give the same table, rejects and notes.
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
    fast = _read_fast(data, name)
    return fast if fast is not None else _read_exact(data, name)


def _report(name: str, rows_read: int, encoding: str, delimiter: str) -> R.LoadReport:
    rep = R.LoadReport(files=[name], rows_read=rows_read)
    if encoding != "utf-8-sig":
        rep.notes.append(f"{name} was not UTF-8; read as {'Windows-1252' if encoding == 'cp1252' else 'Latin-1'}.")
    if delimiter != ",":
        rep.notes.append(f"{name} uses {'tab' if delimiter == chr(9) else repr(delimiter)} as its delimiter.")
    return rep


def _read_exact(data: bytes, name: str) -> tuple[pd.DataFrame, R.LoadReport]:
    """The csv-module reader: any text table, exactly (blank lines skipped, row = the record's last line)."""
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
    for i in range(width):  # by position: header names may repeat
        table.isetitem(i, table.iloc[:, i].astype(TEXT))
    table[ROW_COLUMN] = table[ROW_COLUMN].astype("int64")
    table.insert(0, FILE_COLUMN, name)
    rep = _report(name, len(rows) + len(bad), encoding, delimiter)
    if bad:
        rej = pd.DataFrame({FILE_COLUMN: name, ROW_COLUMN: [b[0] for b in bad], "raw": [b[1] for b in bad]})
        rep.reject(rej, R.BAD_ROW, [f"{b[2]} fields, header has {width}" for b in bad])
    return table, rep


def _as_utf8(data: bytes) -> tuple[bytes, str] | None:
    """(UTF-8 bytes, the encoding :func:`decode_text` would choose): the file itself when it is UTF-8,
    else its text re-encoded (Windows-1252 and Latin-1 exports go the fast way too); None if undecodable."""
    if data.isascii():
        return data, "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = decode_text(data, "")
    except InputError:  # pragma: no cover - Latin-1 decodes anything
        return None
    return text.encode("utf-8"), encoding


def _positions(buf: np.ndarray, byte: int) -> np.ndarray:
    """Offsets of ``byte`` in ``buf``, found in slices (no file-sized temporary)."""
    step = 1 << 24
    parts = [np.flatnonzero(buf[i:i + step] == byte) + i for i in range(0, len(buf), step)]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def _count(buf: np.ndarray, byte: int) -> int:
    """How many times ``byte`` occurs in ``buf`` (in slices, as :func:`_positions`)."""
    step = 1 << 24
    return sum(int(np.count_nonzero(buf[i:i + step] == byte)) for i in range(0, len(buf), step))


def _read_fast(data: bytes, name: str) -> tuple[pd.DataFrame, R.LoadReport] | None:
    """The same table as :func:`_read_exact`, parsed by pyarrow, for a *normal* file; None for any other.

    Normal: decodable (UTF-8, or text :func:`decode_text` reads as Windows-1252/Latin-1, re-encoded);
    one record per line (no blank lines except at the end, no line break inside quotes, every line
    break ``\\n`` or ``\\r\\n``), every record with the header's number of fields, no NUL, no field longer
    than the csv module's limit, a header of at least two distinct names other than ``file``/``row``,
    and at least one data row. Then data row ``i`` is on line ``i + 2``. Lines holding quotes are
    parsed again by the csv module and must agree (:func:`_quoted_lines_agree`); lines without
    quotes split alike in any CSV parser.
    """
    utf8 = _as_utf8(data)
    if utf8 is None:
        return None
    data, encoding = utf8
    start = len(BOM) if data.startswith(BOM) else 0
    if data.startswith(BOM, start):
        return None  # a second BOM is text to the csv module; pyarrow would drop it
    tail = data[-65536:]
    end = len(data) - (len(tail) - len(tail.rstrip(b"\r\n")))  # trailing line breaks and blank lines
    if end <= start or data.find(b"\x00", start, end) != -1:
        return None
    if data.find(b"\r", start, end) != -1 and data.count(b"\r", start, end) != data.count(b"\r\n", start, end):
        return None  # a lone carriage return is a line break to both parsers: leave it to the exact reader
    first_break = data.find(b"\n", start, end)
    header_end = end if first_break == -1 else first_break
    limit = csv.field_size_limit()
    if header_end - start > min(limit, MAX_LINE_CHARS):
        return None
    header_line = data[start:header_end].decode("utf-8")
    delimiter = _delimiter(header_line)
    raw_header = next(csv.reader([header_line.rstrip("\r")], delimiter=delimiter), [])
    header = [h.strip() for h in raw_header]
    width = len(header)
    if width < 2 or not any(header) or len(set(header)) < width or {FILE_COLUMN, ROW_COLUMN} & set(header):
        return None
    buf = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    quoted = data.find(b'"', start, end) != -1
    newlines = _positions(buf, 10) if quoted else None
    lines = (len(newlines) if quoted else _count(buf, 10)) + 1
    invalid: list[int] = []

    def on_invalid(row) -> str:
        invalid.append(1)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        parsed = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(memoryview(data)[start:end])),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names}, null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=True))
    except (pa.ArrowException, ValueError):
        return None
    n = parsed.num_rows - 1
    if invalid or parsed.num_rows != lines or n < 1:
        return None  # a blank or multi-line record, or a ragged row: the exact reader numbers them
    if [parsed.column(i)[0].as_py() for i in range(width)] != raw_header:
        return None
    if quoted and not _quoted_lines_agree(data, start, buf, newlines, parsed, delimiter):
        return None
    longest = max((pc.max(pc.binary_length(parsed.column(i))).as_py() or 0) for i in range(width))
    if longest > limit:
        return None  # the csv module refuses fields this long
    parsed = parsed.slice(1)
    table = pd.DataFrame({i: pd.Series(parsed.column(i), dtype=TEXT, copy=False) for i in range(width)})
    table.columns = header
    table[ROW_COLUMN] = np.arange(2, n + 2, dtype="int64")
    table.insert(0, FILE_COLUMN, name)
    return table, _report(name, n, encoding, delimiter)


def _quoted_lines_agree(data: bytes, start: int, buf: np.ndarray, newlines: np.ndarray, parsed: pa.Table,
                        delimiter: str) -> bool:
    """Whether every line holding a quote is one whole record, with the fields pyarrow gave it.

    Lines without quotes split the same way in any CSV parser; lines with quotes are parsed again,
    each on its own, by the csv module in strict mode (which refuses a line that ends inside
    quotes, and otherwise gives what the lenient reader gives) and compared field by field.
    """
    line_of = np.unique(np.searchsorted(newlines, _positions(buf, 34)))
    starts = np.concatenate([[0], newlines + 1])[line_of] + start
    ends = np.concatenate([newlines, [len(buf)]])[line_of] + start
    try:
        texts = [data[s:e].decode("utf-8").removesuffix("\r") for s, e in zip(starts.tolist(), ends.tolist())]
        again = list(csv.reader(texts, delimiter=delimiter, strict=True))
    except (csv.Error, UnicodeDecodeError):
        return False
    if len(again) != len(texts):
        return False  # a record ran on to the next line
    rows = np.zeros(parsed.num_rows, dtype=bool)
    rows[line_of] = True
    picked = parsed.filter(pa.array(rows))  # (a take would join every chunk first)
    columns = [picked.column(i).to_pylist() for i in range(parsed.num_columns)]
    return all(len(fields) == len(columns) and all(f == c[k] for f, c in zip(fields, columns))
               for k, fields in enumerate(again))


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


def filter_rows(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """``frame[mask]`` for a boolean mask, column by column.

    The same frame as ``frame[mask]``, but each column uses its own boolean selection: for Arrow
    columns a filter, chunk by chunk. (``frame[mask]`` takes rows by position, and Arrow's take
    first joins every chunk of a column into one: the whole column copied, for every selection.)
    """
    mask = np.asarray(mask, dtype=bool)
    if type(frame) is not pd.DataFrame:
        return frame[mask]
    columns = {i: frame.iloc[:, i].array[mask] for i in range(frame.shape[1])}
    out = pd.DataFrame(columns, index=frame.index[mask], copy=False)
    out.columns = frame.columns
    return out


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

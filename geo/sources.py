"""Expanding what a user points at — files, folders, zip archives, uploads — into named bytes.

Zip members are read into memory and only ever used as labels, never as paths on disk,
and archives are limited in member count and total uncompressed size (a "zip bomb" gets
a clear refusal instead of filling memory).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from geo.errors import InputError
from geo.tabular import read_bytes

MAX_FILE_BYTES = 500_000_000  # one file
MAX_ZIP_MEMBERS = 2_000  # a full police.uk archive for one force over 3 years has ~110 files
MAX_ZIP_TOTAL_BYTES = 4_000_000_000  # uncompressed


@dataclass(frozen=True)
class NamedBytes:
    """A file's content and the name to show for it (an upload, or a zip member)."""

    name: str
    data: bytes


def _zip_members(name: str, data: bytes, wanted: Callable[[str], bool], notes: list[str],
                 max_members: int, max_total: int) -> list[NamedBytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(name, "is not a readable zip archive", "download the archive again") from None
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > max_members:
        raise InputError(name, f"holds {len(infos):,} files, over the limit of {max_members:,}",
                         "unzip it and load the monthly files you need")
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise InputError(name, f"would unpack to {total / 1e9:,.1f} GB, over the limit of {max_total / 1e9:,.0f} GB",
                         "load fewer months at a time")
    chosen = [i for i in infos if wanted(i.filename)]
    skipped = len(infos) - len(chosen)
    if skipped:
        notes.append(f"{name}: {skipped:,} file(s) in the archive were not incident files and were skipped "
                     "(for example outcomes or stop-and-search).")
    out = []
    for info in sorted(chosen, key=lambda i: i.filename):
        with archive.open(info) as member:
            content = member.read(max_total + 1)  # the header's size can lie; never read past the limit
        if len(content) > max_total:
            raise InputError(name, "unpacks to more than its header claims", "the archive looks damaged")
        out.append(NamedBytes(f"{name}:{info.filename}", content))
    if not out:
        raise InputError(name, "holds no incident files", "police.uk archives hold YYYY-MM/YYYY-MM-<force>-street.csv")
    return out


def expand_inputs(inputs: Iterable[str | Path | NamedBytes], wanted: Callable[[str], bool],
                  max_file_bytes: int = MAX_FILE_BYTES, max_zip_members: int = MAX_ZIP_MEMBERS,
                  max_zip_total: int = MAX_ZIP_TOTAL_BYTES) -> tuple[list[NamedBytes], list[str]]:
    """Every data file behind ``inputs`` as named bytes, plus notes about what was skipped.

    ``wanted(name)`` says whether a file found inside a folder or archive is one to read.
    """
    files: list[NamedBytes] = []
    notes: list[str] = []
    for item in inputs:
        if isinstance(item, NamedBytes):
            candidates = [item]
        else:
            path = Path(item)
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and (wanted(p.name) or p.suffix == ".zip"))
                if not found:
                    raise InputError(str(path), "holds no incident files", "point at a folder of police.uk CSVs")
                candidates = [NamedBytes(str(p), read_bytes(p, max_file_bytes)) for p in found]
            else:
                candidates = [NamedBytes(str(path), read_bytes(path, max_file_bytes))]
        for cand in candidates:
            if len(cand.data) > max_file_bytes:
                raise InputError(cand.name, f"is {len(cand.data) / 1e6:,.1f} MB, over the "
                                 f"{max_file_bytes / 1e6:,.0f} MB limit", "split it into smaller files")
            if cand.data[:4] == b"PK\x03\x04" and cand.name.lower().endswith(".zip"):
                files.extend(_zip_members(cand.name, cand.data, wanted, notes, max_zip_members, max_zip_total))
            else:
                files.append(cand)
    if not files:
        raise InputError(None, "no files were given", "choose at least one file")
    return files, notes

"""``python -m analytics ingest``: keep police.uk months and partner extracts in the incident store."""

from __future__ import annotations

import json
import time
from pathlib import Path

from analytics.commands import common as C
from geo.errors import InputError

HELP = "keep incident files in the store (files already stored add nothing)"


def add_parser(sub) -> None:
    p = sub.add_parser("ingest", help=HELP)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or archive zips")
    p.add_argument("--source", choices=C.SOURCES, required=True,
                   help="police = police.uk formats; ed/ambulance/other = partner tables (CSV/XLSX)")
    p.add_argument("--loaded-by", metavar="NAME", help="who loaded the files (default: your login name)")
    p.add_argument("--mapping", metavar="FILE",
                   help='partner tables: JSON {"field": "column"} or CSV of field,column for unrecognised columns')
    p.add_argument("--sensitive", action="store_true",
                   help="mark these batches sensitive: every analysis of them suppresses small numbers "
                        "(ed and ambulance always are)")
    C.add_boundary_options(p)
    p.epilog = ("The first ingest into a new store fixes its study area: --boundaries, else the bundled West "
                "Midlands LSOAs. Later ingests use it; different boundaries are refused.")


def check(args) -> None:
    C.check_incident_options(args)
    for path in args.paths:
        if not Path(path).exists():
            raise InputError(path, "no such file or folder", "check the path")
    if args.mapping and args.source == "police":
        raise InputError(args.mapping, "--mapping is for partner tables (--source ed, ambulance or other)",
                         "police.uk files are recognised by their own columns")
    if args.mapping and not Path(args.mapping).is_file():
        raise InputError(args.mapping, "no such file", "check the --mapping path")


def read_mapping(path: str) -> dict[str, str]:
    """A partner-table column mapping: JSON ``{"field": "column"}`` or a CSV of ``field,column`` rows."""
    import csv
    import io

    from geo.partner import FIELDS
    from geo.tabular import decode_text, read_bytes

    text, _ = decode_text(read_bytes(path, 1_000_000), path)
    fix = 'write it as JSON, e.g. {"postcode": "Incident postcode", "datetime": "When"}, or a CSV of field,column'
    if text.lstrip().startswith(("{", "[")) or path.lower().endswith(".json"):
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"is not valid JSON (line {exc.lineno})", fix) from None
        if not isinstance(mapping, dict):
            raise InputError(path, "is JSON but not an object of field: column pairs", fix)
    else:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        if rows and [c.lower() for c in rows[0][:2]] == ["field", "column"]:
            rows = rows[1:]
        if not rows or any(len(r) != 2 for r in rows):
            raise InputError(path, "is not a mapping of two columns, field and column", fix)
        mapping = dict(rows)
    bad = [f for f, c in mapping.items() if f not in FIELDS or not isinstance(c, str) or not c.strip()]
    if bad:
        raise InputError(path, f"maps unknown fields or blank columns: {', '.join(map(str, bad[:5]))}",
                         f"fields are {', '.join(FIELDS)}")
    if not mapping:
        raise InputError(path, "is an empty mapping", fix)
    return {str(f): c.strip() for f, c in mapping.items()}


def run(args, say: C.Progress) -> int:
    """Store files in the incident store; files already stored add nothing."""
    from geo.store import current_user

    from geo.store import IncidentStore

    mapping = read_mapping(args.mapping) if args.mapping else None
    area = C.study_area(args, say) if args.boundaries else None
    store = IncidentStore(area=area)
    say(f"incident store {store.path}")
    held = store.study_area()
    say(f"study area: {(held or store.analysis_area()).describe()}" + ("" if held else " (new store: fixed now)"))
    say(f"reading and checking {len(args.paths)} input(s) as {args.source}")
    started = time.perf_counter()
    result = store.ingest(args.paths, args.source, loaded_by=args.loaded_by if args.loaded_by is not None
                          else current_user(), mapping=mapping, sensitive=args.sensitive,
                          progress=lambda done, message: say(message))
    seconds = time.perf_counter() - started
    for note in result.notes:
        say(note)
    for batch in result.files:
        print(batch.summary())
        for note in batch.notes:
            say(f"{Path(batch.file).name}: {note}")
    print(result.summary())
    read = sum(b.rows_read for b in result.files)
    say(f"{read:,} rows read and stored in {seconds:.1f} s ({read / max(seconds, 1e-9):,.0f} rows/s)" if read
        else f"nothing new to store ({seconds:.1f} s)")
    return 0



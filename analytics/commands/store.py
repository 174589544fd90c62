"""``python -m analytics store list | delete | rejects``: the batches in the incident store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analytics.commands import common as C
from analytics.disclosure import HEALTH_SOURCES

HELP = "list, delete or inspect the batches in the incident store"


def add_parser(sub) -> None:
    sto = sub.add_parser("store", help=HELP)
    store_sub = sto.add_subparsers(dest="store_command", required=True, parser_class=sub._parser_class)
    lst = store_sub.add_parser("list", help="one line per batch: id, file, source, loaded by/at, counts")
    lst.add_argument("--json", action="store_true", help="print the batches as JSON")
    dele = store_sub.add_parser("delete", help="remove one batch: its incidents, rejects and record")
    dele.add_argument("batch_id", type=int, metavar="BATCH_ID")
    rej = store_sub.add_parser("rejects", help="the rows of one batch that were not stored, by reason")
    rej.add_argument("batch_id", type=int, metavar="BATCH_ID")
    rej.add_argument("--out", metavar="PATH", help="write the rows to PATH.csv or .xlsx")


def check(args) -> None:
    C.check_out_folder(getattr(args, "out", None))


def _batches_for_output(batches: pd.DataFrame) -> list[dict]:
    out = []
    for row in batches.to_dict("records"):
        out.append({
            "batch_id": int(row["batch_id"]), "file": row["file_name"], "source": row["source"],
            "loaded_by": row["loaded_by"], "loaded_at": row["loaded_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "months": [row["first_month"], row["last_month"]] if isinstance(row["first_month"], str) else [],
            "rows_read": int(row["rows_read"]), "accepted": int(row["accepted"]),
            "duplicates": int(row["duplicates"]), "rejected": int(row["rejected"]),
            "rejected_by_reason": json.loads(row["rejected_by_reason"]), "content_hash": row["content_hash"],
            "sensitive": bool(row["sensitive"]) or row["source"] in HEALTH_SOURCES,
        })
    return out


def _short_name(name: str) -> str:
    """A file name without its folders (an archive member keeps its archive: ``archive.zip:2024-01/x.csv``)."""
    archive, sep, member = name.partition(".zip:")
    return f"{Path(archive).name}.zip:{member}" if sep else Path(name).name


def run(args, say: C.Progress) -> int:
    """store list | delete | rejects."""
    store = C.open_store(say)
    if args.store_command == "list":
        batches = _batches_for_output(store.batches())
        area = store.study_area()
        if args.json:
            print(json.dumps(batches, indent=2, ensure_ascii=False))
            return 0
        print(f"study area: {area.describe()}" if area else "study area: none yet (fixed by the first ingest)")
        if not batches:
            print(f"the store {store.path} holds no batches")
            return 0
        table = pd.DataFrame([{
            "id": b["batch_id"], "file": _short_name(b["file"]),
            "source": b["source"], "loaded by": b["loaded_by"], "loaded at (UTC)": b["loaded_at"][:16].replace("T", " "),
            "months": " to ".join(dict.fromkeys(b["months"])), "accepted": f"{b['accepted']:,}",
            "duplicates": f"{b['duplicates']:,}", "rejected": f"{b['rejected']:,}",
            "sensitive": "yes" if b["sensitive"] else "no"} for b in batches])
        print(table.to_string(index=False))
        return 0
    if args.store_command == "delete":
        print(store.delete_batch(args.batch_id).summary())
        return 0
    rejects = store.rejects(args.batch_id)
    print(f"batch {args.batch_id}: {len(rejects):,} row(s) not stored as incidents")
    for reason, n in rejects["reason"].value_counts().items():
        print(f"  {reason}: {n:,}")
    if args.out:
        from geo.writers import write_output

        write_output(rejects, args.out, {"store": str(store.path), "batch_id": str(args.batch_id)}, (".csv", ".xlsx"))
        say(f"wrote {len(rejects):,} rows to {args.out}")
    return 0



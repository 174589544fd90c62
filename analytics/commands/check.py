"""``python -m analytics check``: load incident files as the app would and report every rejected row."""

from __future__ import annotations

from analytics.commands import common as C

HELP = "load incident files and report every rejected row"


def add_parser(sub) -> None:
    p = sub.add_parser("check", help=HELP)
    p.add_argument("incidents", nargs="+", metavar="PATH")
    p.add_argument("--source", choices=C.SOURCES, default="police")
    p.add_argument("--rejects", metavar="PATH", help="write the rejected rows to PATH.csv or .xlsx")


def check(args) -> None:
    C.check_out_folder(args.rejects)


def run(args, say: C.Progress) -> int:
    """Load files as the app would and report every rejected row (optionally to a CSV)."""
    from geo.writers import write_output

    incidents = C.read_incident_files(args.incidents, args.source, say)
    print(incidents.report.summary())
    for reason, n in incidents.report.reason_counts().items():
        print(f"  {reason}: {n:,}")
    if args.rejects:
        rej = incidents.report.rejected
        write_output(rej, args.rejects, {"load": incidents.report.summary()}, (".csv", ".xlsx"))
        say(f"wrote {len(rej):,} rejected rows to {args.rejects}")
    return 0

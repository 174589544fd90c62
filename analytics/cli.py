"""The analysts' command line: hot spots, clusters, change over time, and the incident store.

``python -m analytics hotspots | clusters | concentration | emerging | change | impact | check | ingest | store``.

Scheduled jobs rely on this interface. Unusable input ends with exit status 2 and one line on
stderr (never a traceback); progress goes to stderr, so stdout carries only results.

Each command is one module of :mod:`analytics.commands` (its options, its up-front checks, its
run); they share the readers and the disclosure-controlled writers of
:mod:`analytics.commands.common`. ``ingest`` keeps police.uk months and partner extracts in the
incident store (the DuckDB file named by ``HOTSPOT_STORE``, else ``local/incidents.duckdb``);
``store list | delete | rejects`` manage it, and the analyses read it with ``--store`` instead of
``--incidents``.
"""

from __future__ import annotations

import argparse
import os
import sys

from analytics.commands import (change, check, clusters, common, concentration, emerging, hotspots, impact, ingest,
                                store)
from geo.errors import InputError

EXIT_BAD_INPUT = 2
COMMANDS = {m.__name__.rsplit(".", 1)[-1]: m for m in (hotspots, clusters, concentration, emerging, change, impact,
                                                          check, ingest, store)}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str):
        print(f"error: {message} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    say = common.Progress(args.quiet)
    command = COMMANDS[args.command]
    try:
        command.check(args)  # refuse unusable options before reading any data: a scheduled job fails fast
        return command.run(args, say)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:  # statistics refuse unusable input with a one-line ValueError
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, with a way to see the details
        if os.environ.get("HOTSPOT_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
              "(rerun with HOTSPOT_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        return 1

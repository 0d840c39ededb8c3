"""``planner models list|show``: the equipment catalogue."""

from __future__ import annotations

import argparse

from planner.cli.output import echo


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``planner models list`` and ``planner models show NAME``."""
    p = sub.add_parser("models", help="list the equipment catalogue or show one entry")
    msub = p.add_subparsers(dest="models_command", required=True)
    m = msub.add_parser("list", help="one line per catalogue entry")
    m.set_defaults(func=_cmd_models)
    m = msub.add_parser("show", help="an entry's fields, wear parameters and sources")
    m.add_argument("name", help="entry name (see 'planner models list')")
    m.set_defaults(func=_cmd_models)


def _cmd_models(args: argparse.Namespace) -> int:
    from planner.inputs.catalogue import format_entry, format_entry_list

    if args.models_command == "list":
        echo(format_entry_list())
    else:
        echo(format_entry(args.name))
    return 0

"""``hukspy asset ...``: hands the rest of the command line to ``hukspy.asset.cli`` (add, query,
update, remove; docs/asset.md), which parses, runs and prints on its own."""

from __future__ import annotations

import argparse

from hukspy.asset import cli as asset_cli
from hukspy.cli.options import add_globals
from hukspy.cli.output import Parser

__all__ = ["add_commands", "add_parser", "run_asset"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """A placeholder ``asset`` command that keeps everything after it for ``run_asset``."""
    p = sub.add_parser("asset", help="ASSET secrets: add, query, remove, update", add_help=False)
    p.add_argument("asset_args", nargs=argparse.REMAINDER)
    return p


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """The real ``asset`` command with its subcommands (``hukspy.asset.cli``), for shell completion."""
    return asset_cli.add_parser(sub)


def run_asset(args: argparse.Namespace) -> int:
    """Parse ``args.asset_args`` with ``hukspy.asset.cli``'s parser and run it; its exit status. The
    global options given before ``asset`` win over the defaults of the asset subparsers."""
    parser = Parser(prog="hukspy")
    add_globals(parser)
    sub = parser.commands()
    asset_cli.add_parser(sub)
    asset_args = parser.parse_args(["asset", *args.asset_args])
    if args.json:
        asset_args.json = True
    if args.keystore is not None and getattr(asset_args, "keystore", None) is None:
        asset_args.keystore = args.keystore
    return asset_cli.run(asset_args)

"""``hukspy backup DEST`` and ``hukspy restore SRC``: the command line of ``hukspy.backup``.

Hooked into ``hukspy.cli`` with ``add_parsers(subparsers)`` and ``run(args)`` (as ``hukspy.cli_keyops``).
``backup`` copies ``$HUKSPY_HOME`` (or ``--home DIR``) into the new directory DEST and prints, on
stderr, that the backup is key material; ``restore`` copies a backup into ``$HUKSPY_HOME`` (or
``--home``), refusing a home that holds files unless ``--force``. Errors are ``HuksError`` 12000004,
printed by ``hukspy.cli`` (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Final

from hukspy import backup

__all__ = ["COMMANDS", "add_parsers", "run"]

COMMANDS: Final = frozenset({"backup", "restore"})


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backup`` and ``restore`` to ``hukspy``'s subparsers."""
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument("--home", metavar="DIR", help="the stores' directory (default $HUKSPY_HOME)")
    p = subparsers.add_parser(
        "backup",
        parents=[home],
        help="copy the keystore and ASSET databases (and master.key) into a new directory",
        description="A consistent copy (SQLite online backup) of every store under $HUKSPY_HOME, files "
        "0600 in a 0700 directory. " + backup.WARNING,
    )
    p.add_argument("dest", help="the backup directory (new or empty)")
    p = subparsers.add_parser(
        "restore",
        parents=[home],
        help="restore a backup made by 'hukspy backup'",
        description="Copy a backup into $HUKSPY_HOME after checking it against its manifest. Refuses a "
        "home that holds files unless --force; stop the services using the keystore first.",
    )
    p.add_argument("src", help="the backup directory")
    p.add_argument("--force", action="store_true", help="replace the files of a home that is not empty")


def run(args: argparse.Namespace) -> int:
    """Run ``backup`` or ``restore``; return the exit status (0). Raises ``HuksError`` 12000004."""
    from hukspy.keystore import hukspy_home

    home = args.home or hukspy_home()
    result: dict[str, object] = {"command": args.command}
    if args.command == "backup":
        files = backup.backup(args.dest, home)
        print(backup.WARNING, file=sys.stderr)
        result.update(directory=str(args.dest), warning=backup.WARNING)
        summary = f"backed up {len(files)} files of {home} to {args.dest}"
    else:
        files = backup.restore(args.src, home, force=args.force)
        result.update(directory=str(home))
        summary = f"restored {len(files)} files of {args.src} into {home}"
    result["files"] = [f.path for f in files]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(summary + ": " + ", ".join(f.path for f in files))
    return 0

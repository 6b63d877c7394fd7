"""``hukspy backup DEST`` and ``hukspy restore SRC``: the command line of ``hukspy.backup``.

``backup`` copies ``$HUKSPY_HOME`` (or ``--home DIR``) into the new directory DEST and prints, on
stderr, that the backup is key material; ``restore`` copies a backup into ``$HUKSPY_HOME`` (or
``--home``), refusing a home that holds files unless ``--force``. Errors are ``HuksError`` 12000004,
printed by ``hukspy.cli.output.fail`` (exit 1). No keystore is opened.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Final

from hukspy import backup
from hukspy.cli.command import Command, Context, Subparsers, by_name
from hukspy.cli.options import Parents
from hukspy.cli.output import JSON, Result

__all__ = ["COMMANDS", "cmd_backup", "cmd_restore"]


def _home(args: argparse.Namespace) -> str:
    from hukspy.keystore import hukspy_home

    return str(args.home or hukspy_home())


def cmd_backup(context: Context, args: argparse.Namespace) -> Result:
    """Back up the stores under the home into ``args.dest``; the key-material warning goes to stderr.
    Raises ``HuksError`` 12000004."""
    files = backup.backup(args.dest, _home(args))
    print(backup.WARNING, file=sys.stderr)
    return {"command": "backup", "directory": str(args.dest), "warning": backup.WARNING,
            "files": list[JSON](f.path for f in files)}


def cmd_restore(context: Context, args: argparse.Namespace) -> Result:
    """Restore the backup in ``args.src`` into the home. Raises ``HuksError`` 12000004."""
    home = _home(args)
    files = backup.restore(args.src, home, force=args.force)
    return {"command": "restore", "directory": home, "files": list[JSON](f.path for f in files)}


def _text(args: argparse.Namespace, result: Result) -> None:
    files = result["files"]
    assert isinstance(files, list)  # noqa: S101 - cmd_backup's and cmd_restore's result
    if args.command == "backup":
        summary = f"backed up {len(files)} files of {_home(args)} to {args.dest}"
    else:
        summary = f"restored {len(files)} files of {args.src} into {result['directory']}"
    print(summary + ": " + ", ".join(str(f) for f in files))


def _home_option() -> argparse.ArgumentParser:
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument("--home", metavar="DIR", help="the stores' directory (default $HUKSPY_HOME)")
    return home


def add_backup(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "backup",
        parents=[_home_option()],
        help="copy the keystore and ASSET databases (and master.key) into a new directory",
        description="A consistent copy (SQLite online backup) of every store under $HUKSPY_HOME, files "
        "0600 in a 0700 directory. " + backup.WARNING,
    )
    p.add_argument("dest", help="the backup directory (new or empty)")
    return p


def add_restore(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "restore",
        parents=[_home_option()],
        help="restore a backup made by 'hukspy backup'",
        description="Copy a backup into $HUKSPY_HOME after checking it against its manifest. Refuses a "
        "home that holds files unless --force; stop the services using the keystore first.",
    )
    p.add_argument("src", help="the backup directory")
    p.add_argument("--force", action="store_true", help="replace the files of a home that is not empty")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("backup", add_backup, cmd_backup, _text),
    Command("restore", add_restore, cmd_restore, _text),
)

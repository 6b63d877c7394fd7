"""``hukspy selftest``: exercise every capability of the keystore (``hukspy.selftest``) and print one
table row per check; the exit status is 1 when any check failed.

Without ``--keystore``/``$HUKSPY_KEYSTORE`` the checks run in a temporary software keystore, removed
afterwards: nothing is left in ``$HUKSPY_HOME``. On a named keystore the selftest deletes the keys it
made (``hukspy.selftest``) and, on a software keystore, every file it brought into its directory (the
attestation CA files, or the whole directory when it did not exist before).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Context, Subparsers, by_name
from hukspy.cli.options import Parents
from hukspy.cli.output import Result, shown_uri, table
from hukspy.selftest import run_selftest

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "cmd_selftest"]


def cmd_selftest(ks: Keystore, args: argparse.Namespace, *, own: bool = False) -> Result:
    """Run the selftest on ``ks``; the rows and the counts. Never raises ``HuksError`` for a failed
    check (it is a row)."""
    rows = run_selftest(ks, progress=None if args.json or args.quiet else _progress(), enroll_pin=own)
    failed = sum(not r.ok for r in rows)
    return {
        "keystore": shown_uri(ks.uri),
        "backend": ks.backend_name,
        "rows": [r.to_json() for r in rows],
        "passed": len(rows) - failed,
        "failed": failed,
    }


def run_selftest_command(context: Context, args: argparse.Namespace) -> Result:
    """``Command.run`` of selftest: on a temporary software keystore when none is named, else on the
    named one, removing what the run left there (module docstring). Raises what ``Keystore()`` raises
    for a URI it cannot open."""
    if context.uri is None:
        from hukspy.keystore import Keystore

        with tempfile.TemporaryDirectory(prefix="hukspy-selftest-") as tmp, Keystore(
            f"software:{tmp}", home=tmp
        ) as ks:
            result = cmd_selftest(ks, args, own=True)
            result["keystore"] = "software: (temporary, removed)"
            return result
    scheme, _, location = context.uri.partition(":")
    if scheme != "software":
        return cmd_selftest(context.keystore, args)
    from hukspy.keystore import hukspy_home
    from hukspy.software.backend import software_directory

    directory = software_directory(location, hukspy_home())
    created = _first_missing(directory)
    before = _entries(directory)
    try:
        return cmd_selftest(context.keystore, args)
    finally:
        context.close()
        _remove_new(directory, created, before)


def _first_missing(directory: str) -> str | None:
    """The outermost ancestor of ``directory`` (itself included) that does not exist yet, or None."""
    path = os.path.abspath(directory)
    missing = None
    while not os.path.lexists(path):
        missing = path
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _entries(directory: str) -> set[str]:
    """Every path under ``directory`` (empty when it does not exist)."""
    found: set[str] = set()
    for root, dirs, files in os.walk(directory):
        found.update(os.path.join(root, name) for name in (*dirs, *files))
    return found


def _remove_new(directory: str, created: str | None, before: set[str]) -> None:
    """Remove what appeared under ``directory`` since ``before`` was taken: the whole ``created`` tree
    when the directory did not exist, else each new file and then each new, now empty directory."""
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
        return
    for path in sorted(_entries(directory) - before, key=len, reverse=True):
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        else:
            os.unlink(path)


def _progress() -> Callable[[str], None] | None:
    """The check being run, on one line of a terminal stderr (None when stderr is no terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(text: str) -> None:
        sys.stderr.write(f"\r\x1b[K{text[:100]}")
        sys.stderr.flush()

    return show


def print_text(args: argparse.Namespace | None, result: Result) -> None:
    """The text form: the keystore line, the table of rows, the summary line."""
    rows = result["rows"]
    assert isinstance(rows, list)  # noqa: S101 - cmd_selftest's result
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
    print(f"keystore {result['keystore']} (backend {result['backend']})")
    print(
        table(
            ["alg", "size", "op", "mode/padding/digest", "ms", "result"],
            [
                [
                    str(r["alg"]),
                    str(r["size"] or ""),
                    str(r["op"]),
                    str(r["params"]),
                    f"{r['ms']:.1f}",
                    "ok" if r["ok"] else f"FAIL {r['detail']}",
                ]
                for r in rows
                if isinstance(r, dict)
            ],
        )
    )
    print(f"{result['passed']} passed, {result['failed']} failed")


def _status(result: Result) -> int:
    return 0 if result["failed"] == 0 else 1


def add_selftest(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    return sub.add_parser("selftest", help="exercise every capability of the keystore (exit 0 when all pass)")


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("selftest", add_selftest, run_selftest_command, print_text, _status)
)

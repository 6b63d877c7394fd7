"""``hukspy selftest``: exercise every capability of the keystore (``hukspy.selftest``) and print one
table row per check; the exit status is 1 when any check failed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.options import Parents
from hukspy.cli.output import Result, shown_uri, table
from hukspy.selftest import run_selftest

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "cmd_selftest"]


def cmd_selftest(ks: Keystore, args: argparse.Namespace) -> Result:
    """Run the selftest on ``ks``; the rows and the counts. Never raises ``HuksError`` for a failed
    check (it is a row)."""
    rows = run_selftest(ks, progress=None if args.json else _progress())
    failed = sum(not r.ok for r in rows)
    return {
        "keystore": shown_uri(ks.uri),
        "backend": ks.backend_name,
        "rows": [r.to_json() for r in rows],
        "passed": len(rows) - failed,
        "failed": failed,
    }


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
    Command("selftest", add_selftest, with_keystore(cmd_selftest), print_text, _status)
)

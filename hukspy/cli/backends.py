"""``hukspy backends``: the installed keystore backends and whether each can run here (no keystore is
opened)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Final

from hukspy.backend import installed_backends
from hukspy.cli.command import Command, Context, Subparsers, by_name
from hukspy.cli.options import Parents
from hukspy.cli.output import JSON, Result, shown_uri, table

__all__ = ["COMMANDS", "cmd_backends"]


def cmd_backends(context: Context, args: argparse.Namespace) -> Result:
    """One row per ``hukspy.backends`` entry point: its name, whether it is available and why not, and
    the distribution that provides it; the default keystore URI (its PIN redacted). A plug-in that fails
    to load is reported, not raised."""
    rows: list[JSON] = []
    for name, ep in sorted(installed_backends().items()):
        try:
            factory = ep.load()
            ok, why = factory.available()
        except Exception as exc:  # a broken plug-in is reported, not fatal
            ok, why = False, f"cannot load {ep.value}: {type(exc).__name__}: {exc}"
        dist = getattr(ep, "dist", None)
        rows.append(
            {
                "name": name,
                "available": bool(ok),
                "reason": str(why),
                "entry_point": ep.value,
                "distribution": None if dist is None else f"{dist.name} {dist.version}",
            }
        )
    return {"backends": rows, "default": shown_uri(os.environ.get("HUKSPY_KEYSTORE") or "software:")}


def _text(args: argparse.Namespace, result: Result) -> None:
    rows = result["backends"]
    assert isinstance(rows, list)  # noqa: S101 - cmd_backends's result
    print(
        table(
            ["backend", "available", "why", "provided by"],
            [
                [
                    str(r["name"]),
                    "yes" if r["available"] else "no",
                    str(r["reason"]) or "-",
                    str(r["distribution"] or r["entry_point"]),
                ]
                for r in rows
                if isinstance(r, dict)
            ],
        )
    )


def add_backends(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    return sub.add_parser("backends", help="the installed keystore backends and whether they can run here")


COMMANDS: Final[Mapping[str, Command]] = by_name(Command("backends", add_backends, cmd_backends, _text))

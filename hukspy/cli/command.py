"""``Command``: what one ``hukspy`` subcommand is, and ``Context``: what it runs with.

Every command module exports ``COMMANDS``, a tuple of ``Command`` values; ``hukspy.cli.main`` adds their
parsers and runs the one named on the command line. Adding a command is adding one module and naming it
in ``hukspy.cli.main``'s module list; its output, ``--json`` and its errors are handled there once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeAlias

from hukspy.cli.options import Parents
from hukspy.cli.output import Result, print_json

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["Command", "Context", "Subparsers", "by_name", "with_keystore"]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class Context:
    """What a command runs with: the keystore of ``--keystore``, opened on first use (so that
    ``backends`` opens none) and closed by ``close``."""

    def __init__(self, uri: str | None) -> None:
        self.uri = uri
        self._keystore: Keystore | None = None

    @property
    def keystore(self) -> Keystore:
        """The ``Keystore`` of ``--keystore`` (default ``$HUKSPY_KEYSTORE``, else ``software:``).
        Raises what ``Keystore()`` raises for a URI it cannot open."""
        if self._keystore is None:
            from hukspy.keystore import Keystore

            self._keystore = Keystore(self.uri)
        return self._keystore

    @property
    def opened(self) -> Keystore | None:
        """The keystore if a command opened it, else None (opening nothing)."""
        return self._keystore

    def close(self) -> None:
        """Close the keystore if one was opened (idempotent)."""
        if self._keystore is not None:
            self._keystore.close()
            self._keystore = None


def _no_text(args: argparse.Namespace, result: Result) -> None:
    """Print nothing (the command wrote its output to a file or stdout already)."""


def _success(result: Result) -> int:
    return 0


def _no_check(args: argparse.Namespace) -> None:
    """Accept every parsed command line."""


@dataclass(frozen=True)
class Command:
    """One ``hukspy`` subcommand: its name, how it parses, what it does, how its result reads as text.

    ``add_parser(subparsers, parents)`` adds its parser; ``run(context, args)`` does the work and returns
    the result that ``--json`` prints; ``text(args, result)`` prints a non-empty result otherwise;
    ``status(result)`` is the exit status of a run that raised nothing (0 unless the command says
    otherwise, as selftest does); ``check(args)`` runs before the keystore is opened and raises
    ``hukspy.cli.output.UsageError`` for a command line that parses but cannot run.
    """

    name: str
    add_parser: Callable[[Subparsers, Parents], argparse.ArgumentParser]
    run: Callable[[Context, argparse.Namespace], Result]
    text: Callable[[argparse.Namespace, Result], None] = _no_text
    status: Callable[[Result], int] = _success
    check: Callable[[argparse.Namespace], None] = _no_check

    def show(self, args: argparse.Namespace, result: Result) -> int:
        """Print ``result`` as JSON (``--json``) or as this command's text; return the exit status."""
        if args.json:
            print_json(result)
        elif result:
            self.text(args, result)
        return self.status(result)


def with_keystore(
    command: Callable[[Keystore, argparse.Namespace], Result],
) -> Callable[[Context, argparse.Namespace], Result]:
    """``Command.run`` for a command that works on the keystore: ``command(context.keystore, args)``."""

    def run(context: Context, args: argparse.Namespace) -> Result:
        return command(context.keystore, args)

    return run


def by_name(*commands: Command) -> Mapping[str, Command]:
    """A command module's ``COMMANDS``: its commands by name, in the order given."""
    return MappingProxyType({c.name: c for c in commands})

"""``hukspy completion bash|zsh``: the shell completion script, made by argcomplete.

The script is argcomplete's: on TAB the shell runs ``hukspy`` with argcomplete's variables set, and
``hukspy.cli.main.main`` answers with ``complete`` before it parses anything. What is offered comes from
the parser itself: commands, options, the ``asset`` subcommands, and for an enum-valued option its
words (``hukspy.names``; ``--purpose sign,<TAB>`` goes on after the comma). ``--alg`` offers only the
algorithms the selected keystore declares (``--keystore``, else ``$HUKSPY_KEYSTORE``, else
``software:``; ``Keystore.capabilities``): for ``generate`` those it can generate, for ``import`` those
it can import, elsewhere every one it holds. A keystore that cannot be opened offers none.

Install (README "Command line")::

    hukspy completion bash > ~/.local/share/bash-completion/completions/hukspy
    hukspy completion zsh > "${fpath[1]}/_hukspy"
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Context, Subparsers, by_name
from hukspy.cli.options import EnumArg, Parents
from hukspy.cli.output import Result
from hukspy.enums import HuksKeyAlg
from hukspy.errors import HuksError
from hukspy.names import enum_name, enum_names

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "SHELLS", "add_completers", "cmd_completion", "complete", "declared_algs",
           "requested"]

#: The shells ``hukspy completion`` writes a script for.
SHELLS: Final = ("bash", "zsh")
#: The variable argcomplete's script sets when it runs ``hukspy`` for a completion.
_MARKER: Final = "_ARGCOMPLETE"


def requested() -> bool:
    """Whether this run of ``hukspy`` was started by the completion script (not by a user)."""
    return _MARKER in os.environ


def cmd_completion(context: Context, args: argparse.Namespace) -> Result:
    """The completion script of ``args.shell`` for the ``hukspy`` command."""
    from argcomplete.shell_integration import shellcode

    return {"shell": args.shell, "script": shellcode(["hukspy"], shell=args.shell)}


def _text(args: argparse.Namespace, result: Result) -> None:
    sys.stdout.write(str(result["script"]))


def declared_algs(ks: Keystore, command: str | None) -> list[str]:
    """The ``--alg`` words of the algorithms ``ks`` declares: those it can generate for ``generate``,
    import for ``import``, every one it holds otherwise; sorted."""
    keys = ks.capabilities().keys
    if command == "generate":
        keys = frozenset(k for k in keys if k.generate)
    elif command == "import":
        keys = frozenset(k for k in keys if k.imports)
    return sorted({enum_name(HuksKeyAlg, k.alg) for k in keys})


class _EnumCompleter:
    """argcomplete's completer of an ``EnumArg`` option: the display words of its enum (after the last
    comma of a flag list, the list so far kept)."""

    def __init__(self, enum_cls: type[IntEnum], flags: bool) -> None:
        self.enum_cls = enum_cls
        self.flags = flags

    def words(self, parsed_args: argparse.Namespace) -> Iterable[str]:
        return sorted({enum_name(self.enum_cls, v) for v in enum_names(self.enum_cls).values()})

    def __call__(self, prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
        head = prefix[: prefix.rfind(",") + 1] if self.flags else ""
        rest = prefix[len(head):]
        return [head + w for w in self.words(parsed_args) if w.startswith(rest)]


class _AlgCompleter(_EnumCompleter):
    """``--alg``: the algorithms the keystore of the command line declares (``declared_algs``)."""

    def __init__(self) -> None:
        super().__init__(HuksKeyAlg, False)

    def words(self, parsed_args: argparse.Namespace) -> Iterable[str]:
        context = Context(getattr(parsed_args, "keystore", None))
        try:
            return declared_algs(context.keystore, getattr(parsed_args, "command", None))
        except HuksError:
            return []
        finally:
            with contextlib.suppress(HuksError):
                context.close()


def add_completers(parser: argparse.ArgumentParser) -> None:
    """Give every ``EnumArg`` option of ``parser`` and its subparsers its completer (``--alg`` the
    keystore's algorithms)."""
    for action in parser._actions:
        if isinstance(action.type, EnumArg):
            if action.type.enum_cls is HuksKeyAlg:
                action.completer = _AlgCompleter()  # type: ignore[attr-defined]
            else:
                action.completer = _EnumCompleter(  # type: ignore[attr-defined]
                    action.type.enum_cls, action.type.flags
                )
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                add_completers(sub)


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the completion script's request (argcomplete writes the words and exits); return only
    when ``requested()`` is false."""
    import argcomplete

    add_completers(parser)
    argcomplete.autocomplete(parser)


def add_completion(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "completion",
        help="print the shell completion script (bash or zsh)",
        description="Print the completion script of SHELL on stdout. bash: save it as "
        "~/.local/share/bash-completion/completions/hukspy (or source it); zsh: as _hukspy in a "
        "directory of $fpath. --alg completes to the algorithms the selected keystore declares.",
    )
    p.add_argument("shell", choices=SHELLS, help="the shell: bash or zsh")
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("completion", add_completion, cmd_completion, _text)
)

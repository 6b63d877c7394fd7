"""``main()``: parse the command line, run the command, print its result or its error; the exit status.

Exit status: 0 on success, 1 on a ``HuksError`` (printed by ``hukspy.cli.output.fail``), 2 on a usage
error, 130 when interrupted. Failures to open or write the files named on the command line are reported
as 12000004 (file error).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from hukspy.cli import (
    asset,
    backends,
    backup,
    certs,
    cipher,
    completion,
    importing,
    keyops,
    keys,
    selftest,
    serve,
    signing,
    userauth,
)
from hukspy.cli.command import Command, Context
from hukspy.cli.hints import explain
from hukspy.cli.options import Parents, add_globals
from hukspy.cli.output import ParseFailureError, Parser, UsageError, fail, usage_fail
from hukspy.errors import HuksError
from hukspy.userauth.errors import UserAuthError

__all__ = ["COMMANDS", "build_parser", "main"]

#: The command modules, in the order ``--help`` lists their commands (``asset`` comes after selftest).
_BEFORE_ASSET: Final = (keys, importing, cipher, signing, backends, selftest)
_AFTER_ASSET: Final = (keyops, certs, backup, userauth, serve, completion)

#: Every command but ``asset`` (a hand-over to ``hukspy.asset.cli``), by name.
COMMANDS: Final[Mapping[str, Command]] = MappingProxyType({
    name: command for module in (*_BEFORE_ASSET, *_AFTER_ASSET) for name, command in module.COMMANDS.items()
})

_EPILOG: Final = """\
names: enum member names without their common prefix, lower case, or any unambiguous prefix of one
(aes = HUKS_ALG_AES, gcm = HUKS_MODE_GCM, pkcs1 = HUKS_PADDING_PKCS1_V1_5), or plain numbers.
exit status: 0 success, 1 HUKS error ("error <code>: <message>" on stderr), 2 usage error.
"""


def build_parser(*, asset_commands: bool = False) -> argparse.ArgumentParser:
    """The ``hukspy`` argument parser: the global options and one subparser per command. ``asset`` is a
    placeholder that keeps the rest of the line for ``hukspy.cli.asset.run_asset``; with
    ``asset_commands`` it is ``hukspy.asset.cli``'s own parser instead (for shell completion)."""
    parser = Parser(
        prog="hukspy",
        description="The OpenHarmony HUKS keystore on Linux: manage keys and run operations with them.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_globals(parser)
    sub = parser.commands()
    parents = Parents.build()
    for module in _BEFORE_ASSET:
        for command in module.COMMANDS.values():
            _json_after(command.add_parser(sub, parents))
    if asset_commands:
        asset.add_commands(sub)
    else:
        asset.add_parser(sub)
    for module in _AFTER_ASSET:
        for command in module.COMMANDS.values():
            _json_after(command.add_parser(sub, parents))
    return parser


def _json_after(parser: argparse.ArgumentParser) -> None:
    """``--json`` and ``--quiet`` after the command too (kept when given before, as they default to
    nothing here)."""
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bar"
    )


def _exit_code(exc: SystemExit) -> int:
    return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hukspy`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    if completion.requested():  # run by the shell's completion script: answer it and exit
        completion.complete(build_parser(asset_commands=True))
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in argv
    try:
        args, extra = parser.parse_known_args(argv)
        if args.command == "asset":  # options before the first word after "asset" (--help) are its own
            args.asset_args = [*extra, *args.asset_args]
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except ParseFailureError as exc:
        return usage_fail(exc.parser, exc.message, as_json)
    except SystemExit as exc:
        return _exit_code(exc)
    context = Context(args.keystore)
    try:
        with warnings.catch_warnings():
            # pyca/cryptography deprecates FFDH (a HUKS algorithm) and says so on stderr at every use.
            warnings.filterwarnings("ignore", category=_crypto_deprecation())
            if args.command == "asset":
                return asset.run_asset(args)
            command = COMMANDS[args.command]
            command.check(args)
            return command.show(args, command.run(context, args))
    except UsageError as exc:
        return usage_fail(parser, f"{args.command}: {exc}", as_json)
    except ParseFailureError as exc:
        return usage_fail(exc.parser, exc.message, as_json)
    except SystemExit as exc:
        return _exit_code(exc)
    except HuksError as exc:
        return fail(args, exc.code, explain(context, args, exc))
    except UserAuthError as exc:
        return fail(args, exc.code, exc.message)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        return fail(args, 12000004, f"{exc.filename or 'I/O'}: {exc.strerror or exc}")
    finally:
        context.close()


def _crypto_deprecation() -> type[Warning]:
    from cryptography.utils import CryptographyDeprecationWarning

    return CryptographyDeprecationWarning

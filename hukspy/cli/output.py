"""What a command prints, in one place: its result as JSON (``--json``) or as text, binary results, the
error line and the exit status.

A command (``hukspy.cli.command.Command``) returns a ``Result`` (a JSON-able dict), printed by
``print_json`` with ``--json`` and by the command's own text form otherwise. ``fail`` is the one error
printer: ``error <code>: <message>`` on stderr, and ``{"error": {"code": ..., "message": ...}}`` on
stdout with ``--json``; the exit status is 1. A usage error (``UsageError``, or argparse's own, raised
as ``ParseFailureError`` by ``Parser``) is printed by ``usage_fail`` the argparse way on stderr, and as the
same JSON error object with code 401 on stdout with ``--json``; the exit status is 2.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import sys
from typing import Final, NoReturn, TypeAlias, cast

from hukspy.cli.streams import open_output
from hukspy.errors import HuksError
from hukspy.names import JSON

__all__ = [
    "BYTE_FORMATS",
    "JSON",
    "ParseFailureError",
    "Parser",
    "Result",
    "UsageError",
    "announce",
    "decode_bytes",
    "emit_bytes",
    "encode_bytes",
    "fail",
    "print_json",
    "shown_uri",
    "table",
    "usage_fail",
]

Result: TypeAlias = "dict[str, JSON]"


class UsageError(Exception):
    """A command line that parses but cannot run (exit status 2, like argparse's own errors)."""


class ParseFailureError(Exception):
    """A command line argparse rejects: the parser that rejected it and argparse's message."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse's parser (its subparsers too) raising ``ParseFailureError`` instead of printing and exiting,
    so that ``usage_fail`` prints a usage error once, as JSON with ``--json``."""

    def error(self, message: str) -> NoReturn:
        raise ParseFailureError(self, message)

    def commands(self) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        """The required subcommand (``args.command``), its subparsers ``Parser`` too."""
        return cast(
            "argparse._SubParsersAction[argparse.ArgumentParser]",
            self.add_subparsers(dest="command", metavar="COMMAND", required=True),
        )


def print_json(result: Result) -> None:
    """``--json``: the result as indented JSON on stdout."""
    print(json.dumps(result, indent=2))


def fail(args: argparse.Namespace | None, code: int, message: str) -> int:
    """The one error printer: ``error <code>: <message>`` on stderr (and the JSON error object on
    stdout with ``--json``); returns the exit status 1."""
    print(f"error {code}: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        _print_error(code, message)
    return 1


def usage_fail(parser: argparse.ArgumentParser, message: str, as_json: bool) -> int:
    """A usage error: argparse's usage and ``<prog>: error: <message>`` on stderr (and the JSON error
    object, code 401, on stdout with ``--json``); returns the exit status 2."""
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    if as_json:
        _print_error(401, message)
    return 2


def _print_error(code: int, message: str) -> None:
    print(json.dumps({"error": {"code": code, "message": message}}))


#: ``--format`` of a binary result or input: the bytes themselves, or hex or base64 text (one line).
BYTE_FORMATS: Final = ("raw", "hex", "base64")


def encode_bytes(data: bytes, fmt: str) -> bytes:
    """``data`` in the ``--format`` ``fmt`` (``BYTE_FORMATS``): as is, or hex/base64 and a newline."""
    if fmt == "hex":
        return data.hex().encode() + b"\n"
    if fmt == "base64":
        return base64.b64encode(data) + b"\n"
    return data


def decode_bytes(text: bytes, fmt: str, what: str) -> bytes:
    """The bytes ``encode_bytes(_, fmt)`` wrote (whitespace and line breaks ignored in hex and base64,
    so ``xxd -p`` output reads). Raises ``HuksError`` 401 for text that is not of that format."""
    try:
        if fmt == "hex":
            return bytes.fromhex(text.decode("ascii"))
        if fmt == "base64":
            return base64.b64decode(b"".join(text.split()), validate=True)
    except (ValueError, binascii.Error):
        raise HuksError(401, f"{what} is not {fmt}") from None
    return text


def emit_bytes(data: bytes, args: argparse.Namespace, name: str, extra: Result | None = None) -> Result:
    """A binary result (a signature, a MAC, a secret, a wrapped key) to ``-o FILE`` or stdout in the
    ``--format`` of ``args`` (default raw; never chosen by whether stdout is a terminal); with
    ``--json`` the result holds it as hex under ``name``."""
    if args.json:
        return {"alias": args.alias, name: data.hex(), **(extra or {})}
    with open_output(args.output) as out:
        out.write(encode_bytes(data, getattr(args, "format", None) or "raw"))
    return {}


def table(head: list[str], rows: list[list[str]]) -> str:
    """A plain text table: the head, a rule, one line per row; columns as wide as their widest cell."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def announce(args: argparse.Namespace, result: Result) -> None:
    """The text form of a command that changed a key: ``<command>: <alias>`` on stderr."""
    print(f"{args.command}: {result['alias']}", file=sys.stderr)


_SECRET_ATTRIBUTE = re.compile(r"((?:^|[?&;:])(?:pin-value|pin|password|passphrase|secret)=)[^&;?]*", re.I)


def shown_uri(uri: str) -> str:
    """A keystore URI fit to print: the value of every attribute that names a PIN, password or secret
    (RFC 7512's ``pin-value``) replaced by ``<redacted>``."""
    return _SECRET_ATTRIBUTE.sub(r"\1<redacted>", uri)

"""``hukspy pin set|change|remove|status`` and ``hukspy lock|unlock``: the keystore's PIN and lock
state (``hukspy.userauth``; docs/userauth.md, "Command line").

PINs are read with ``getpass`` from the terminal (never echoed), or, with ``--pin-stdin``, one per line
from stdin in the order the prompts would ask them (for scripts). A PIN never appears in an argument,
the output or an error message. A ``UserAuthError`` is printed by ``hukspy.cli.main`` like a HUKS error
(``error 12500001: Authentication failed: wrong PIN``, exit 1).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from typing import Final

from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.options import Parents
from hukspy.cli.output import Result, UsageError
from hukspy.keystore import Keystore

__all__ = ["COMMANDS"]


class _Pins:
    """Where PINs come from: the terminal (``getpass``) or stdin lines (``--pin-stdin``)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._stdin = bool(getattr(args, "pin_stdin", False))

    def ask(self, prompt: str, *, confirm: bool = False) -> bytes:
        if self._stdin:
            line = sys.stdin.buffer.readline()
            if not line:
                raise UsageError(f"--pin-stdin: no line for the {prompt.rstrip(': ').lower()}")
            return line.rstrip(b"\r\n")
        pin = getpass.getpass(prompt)
        if confirm and getpass.getpass(f"Repeat {prompt[0].lower()}{prompt[1:]}") != pin:
            raise UsageError("the two PINs differ")
        return pin.encode("utf-8")


def _status(ks: Keystore) -> Result:
    ua = ks.user_auth
    return {
        "pin_set": ua.is_pin_set(),
        "locked": ua.is_locked(),
        "first_unlocked_since_boot": ua.first_unlocked_since_boot(),
    }


def cmd_pin(ks: Keystore, args: argparse.Namespace) -> Result:
    """``pin set|change|remove|status``."""
    ua, pins = ks.user_auth, _Pins(args)
    if args.action == "set":
        credential = ua.enroll_pin(pins.ask("New PIN: ", confirm=True))
        return {"action": "set", "credential_id": credential, **_status(ks)}
    if args.action == "change":
        old = pins.ask("Current PIN: ")
        ua.change_pin(old, pins.ask("New PIN: ", confirm=True))
    elif args.action == "remove":
        ua.remove_pin(pins.ask("PIN: "))
    return {"action": args.action, **_status(ks)}


def cmd_lock(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.user_auth.lock()
    return {"action": "lock", **_status(ks)}


def cmd_unlock(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.user_auth.unlock(_Pins(args).ask("PIN: "))
    return {"action": "unlock", **_status(ks)}


_DONE: Final = {"set": "PIN set", "change": "PIN changed", "remove": "PIN removed", "lock": "locked",
                 "unlock": "unlocked"}


def _text(args: argparse.Namespace, result: Result) -> None:
    action = str(result.get("action", "status"))
    if action in _DONE:
        print(_DONE[action])
    print(
        f"PIN: {'set' if result['pin_set'] else 'not set'}; "
        f"device: {'locked' if result['locked'] else 'unlocked'}; "
        f"first unlocked since boot: {'yes' if result['first_unlocked_since_boot'] else 'no'}"
    )


def _pin_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the PIN(s) from stdin, one per line, instead of prompting (a PIN is never an argument)",
    )


def add_pin(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("pin", help="the keystore's PIN (user authentication): set, change, remove, status")
    p.add_argument("action", choices=("set", "change", "remove", "status"))
    _pin_stdin(p)
    return p


def add_lock(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    return sub.add_parser("lock", help="lock the device (ECE keys, DEVICE_UNLOCKED secrets wait for unlock)")


def add_unlock(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("unlock", help="unlock the device with the PIN")
    _pin_stdin(p)
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("pin", add_pin, with_keystore(cmd_pin), _text),
    Command("lock", add_lock, with_keystore(cmd_lock), _text),
    Command("unlock", add_unlock, with_keystore(cmd_unlock), _text),
)

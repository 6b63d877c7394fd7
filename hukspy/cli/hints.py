"""What an error message adds on the command line, so that it says what to do (issue 12, item 10).

``explain`` extends the message of a ``HuksError`` a command raised, asking the keystore the command had
opened (it opens none):

- a key that does not exist (12000011) at the level searched: that level, and the levels that do hold
  the alias (``info k`` for a key made with ``--level de`` says to give ``--level de``);
- an empty ``list``: how many keys the other levels hold (``keys_elsewhere``);
- an algorithm the keystore does not declare (12000001 with ``--alg``): the algorithms it declares
  (``hukspy.cli.completion.declared_algs``, what ``--alg`` completes to).

The code is never changed, and a failure while asking leaves the message as it was.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import TYPE_CHECKING, Final

from hukspy.cli.completion import declared_algs
from hukspy.enums import HuksAuthStorageLevel, HuksKeyAlg, HuksTag
from hukspy.errors import HuksError
from hukspy.names import enum_name
from hukspy.params import HuksOptions, HuksParam

if TYPE_CHECKING:
    from hukspy.cli.command import Context
    from hukspy.keystore import Keystore

__all__ = ["empty_level", "explain", "keys_elsewhere"]

_NOT_FOUND: Final = 12000011
_UNSUPPORTED: Final = 12000001
_LEVELS: Final = tuple(HuksAuthStorageLevel)
#: The commands whose ``--alg`` names the key to create (elsewhere ``--alg`` may name another thing).
_CREATING: Final = frozenset({"generate", "import", "import-wrapped"})


def explain(context: Context, args: argparse.Namespace, exc: HuksError) -> str:
    """``exc``'s message, with what the keystore ``context`` opened tells about it (module docstring)."""
    ks = context.opened
    if ks is None:
        return exc.message
    hint = None
    alias = _used_alias(args)
    with contextlib.suppress(HuksError):
        if exc.code == _NOT_FOUND and isinstance(alias, str) and hasattr(args, "level"):
            hint = _level_hint(ks, alias, args.level)
        elif exc.code == _UNSUPPORTED and args.command in _CREATING and args.alg is not None:
            hint = _alg_hint(ks, args)
    return exc.message if hint is None else f"{exc.message} ({hint})"


def _used_alias(args: argparse.Namespace) -> str | None:
    """The alias of the existing key a command uses: ``import-wrapped``'s wrapping key, no key for the
    commands that create ``ALIAS`` (generate, import, unwrap), else ``ALIAS``."""
    if args.command == "import-wrapped":
        return str(args.wrapping_alias)
    if args.command in _CREATING | {"unwrap"}:
        return None
    alias = getattr(args, "alias", None)
    return alias if isinstance(alias, str) else None


def _holds(ks: Keystore, alias: str, level: int) -> bool:
    level_param = HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
    return ks.has_key_item(alias, HuksOptions([level_param]))


def _level_hint(ks: Keystore, alias: str, level: int | None) -> str | None:
    """Which level was searched for ``alias`` and which levels hold it; None when the searched level
    holds it (the error was about something else)."""
    searched = HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE if level is None else level
    if _holds(ks, alias, searched):
        return None
    others = [lv for lv in _LEVELS if lv != searched]
    found = [enum_name(HuksAuthStorageLevel, lv) for lv in others if _holds(ks, alias, lv)]
    where = f'no key "{alias}" at storage level {enum_name(HuksAuthStorageLevel, searched)}'
    if not found:
        return f"{where}, nor at any other level"
    held = f"level {found[0]} holds it" if len(found) == 1 else f"levels {' and '.join(found)} hold it"
    return f"{where}; {held}: add --level {found[0]}"


def keys_elsewhere(ks: Keystore, searched: int) -> dict[str, int]:
    """How many keys each storage level but ``searched`` holds, for the levels that hold any (a level
    that cannot be listed is left out)."""
    counts: dict[str, int] = {}
    for level in _LEVELS:
        if level == searched:
            continue
        with contextlib.suppress(HuksError):
            level_param = HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, level)
            n = len(ks.list_aliases(HuksOptions([level_param])).key_aliases)
            if n:
                counts[enum_name(HuksAuthStorageLevel, level)] = n
    return counts


def empty_level(level: str, elsewhere: dict[str, int]) -> str:
    """What ``list`` says for an empty storage level ``level``, given ``keys_elsewhere``."""
    text = f"no keys at storage level {level}"
    if not elsewhere:
        return f"{text}, nor at any other level"
    held = ", ".join(f"level {lv} has {n}" for lv, n in elsewhere.items())
    return f"{text}; {held}: add --level {next(iter(elsewhere))}"


def _alg_hint(ks: Keystore, args: argparse.Namespace) -> str | None:
    """The algorithms the keystore declares for this command, when ``--alg`` is not one of them."""
    offered = declared_algs(ks, args.command)
    if enum_name(HuksKeyAlg, args.alg) in offered:
        return None
    return f"the {ks.backend_name} keystore offers --alg {', '.join(offered)}"

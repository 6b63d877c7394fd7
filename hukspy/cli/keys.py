"""``hukspy generate|delete|list|info|export``: keys by alias, through the public ``Keystore`` API.

- ``generate ALIAS --alg ... --size ... --purpose ...`` (and any ``--param TAG=VALUE``);
- ``delete ALIAS``; ``list`` (the aliases of one ``--level``); ``info ALIAS`` (its properties, enum
  values by name, secret bytes redacted);
- ``export ALIAS``: the public key in ``--format``: ``pem`` (the default, whatever stdout is) or ``der``
  (SPKI, also for 25519 keys), or the bytes HUKS exports (SPKI DER; raw 32 bytes for X25519/Ed25519)
  as ``raw``, ``hex`` or ``base64``. A ``-o`` path ending in ``.pem`` holds PEM (another format is a
  usage error).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from hukspy.cli.command import Command, Subparsers, by_name, with_keystore
from hukspy.cli.hints import empty_level, keys_elsewhere
from hukspy.cli.options import Parents, key_params, key_props, level_params
from hukspy.cli.output import BYTE_FORMATS, JSON, Result, UsageError, announce, encode_bytes, table
from hukspy.cli.streams import open_output
from hukspy.enums import HuksAuthStorageLevel, HuksKeyAlg, HuksTag
from hukspy.names import enum_name, format_value
from hukspy.params import HuksOptions, HuksParam

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["COMMANDS", "cmd_delete", "cmd_export", "cmd_generate", "cmd_info", "cmd_list"]

_TAG = HuksTag
_RAW_PUBLIC: Final = frozenset({HuksKeyAlg.HUKS_ALG_X25519, HuksKeyAlg.HUKS_ALG_ED25519})


def cmd_generate(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.generate_key_item(args.alias, HuksOptions(key_params(args)))
    return {"alias": args.alias, "generated": True}


def cmd_delete(ks: Keystore, args: argparse.Namespace) -> Result:
    ks.delete_key_item(args.alias, HuksOptions(level_params(args)))
    return {"alias": args.alias, "deleted": True}


#: ``list -l``: the column of each stored property (then the level listed and ``Keystore.key_storage``).
_LONG: Final = (
    ("algorithm", _TAG.HUKS_TAG_ALGORITHM),
    ("size", _TAG.HUKS_TAG_KEY_SIZE),
    ("purposes", _TAG.HUKS_TAG_PURPOSE),
)


def cmd_list(ks: Keystore, args: argparse.Namespace) -> Result:
    """The aliases of ``--level`` (default CE); with ``-l`` one row per key: algorithm, size, purposes,
    level and where the key lives; for an empty level, how many keys the other levels hold
    (``elsewhere``). Raises what ``list_aliases``/``get_key_item_properties`` raise."""
    level = HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE if args.level is None else args.level
    aliases = ks.list_aliases(HuksOptions([HuksParam(_TAG.HUKS_TAG_AUTH_STORAGE_LEVEL, level)])).key_aliases
    result: Result = {"level": enum_name(HuksAuthStorageLevel, level), "aliases": list[JSON](aliases)}
    if not aliases:
        result["elsewhere"] = dict[str, JSON](keys_elsewhere(ks, level))
    if args.long:
        args.level = level
        rows: list[JSON] = []
        for alias in aliases:
            props = key_props(ks, alias, args)
            row: dict[str, JSON] = {"alias": alias}
            for name, tag in _LONG:
                row[name] = format_value(tag, props[tag]) if tag in props else None
            row["level"] = result["level"]
            row["storage"] = ks.key_storage(alias, HuksOptions(level_params(args)))
            rows.append(row)
        result["keys"] = rows
    return result


def _list_text(args: argparse.Namespace, result: Result) -> None:
    elsewhere = result.get("elsewhere")
    if isinstance(elsewhere, dict):  # an empty level: say so on stderr, stdout stays empty
        counts = {k: v for k, v in elsewhere.items() if isinstance(v, int)}
        print(empty_level(str(result["level"]), counts), file=sys.stderr)
        return
    keys = result.get("keys")
    if isinstance(keys, list):
        head = ["alias", *(name for name, _ in _LONG), "level", "storage"]
        cells = [[_cell(r.get(h)) for h in head] for r in keys if isinstance(r, dict)]
        print(table(head, cells))
        return
    aliases = result["aliases"]
    assert isinstance(aliases, list)  # noqa: S101 - cmd_list's result
    for alias in aliases:
        print(alias)


def _cell(value: JSON) -> str:
    """A ``list -l`` cell: flags joined by ``|``, a missing value as ``-``."""
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return "-" if value is None else str(value)


def cmd_info(ks: Keystore, args: argparse.Namespace) -> Result:
    props = key_props(ks, args.alias, args)
    shown: dict[str, JSON] = {enum_name(HuksTag, t): format_value(t, v) for t, v in sorted(props.items())}
    storage = ks.key_storage(args.alias, HuksOptions(level_params(args)))
    return {"alias": args.alias, "storage": storage, "properties": shown}


def _info_text(args: argparse.Namespace, result: Result) -> None:
    properties = result["properties"]
    assert isinstance(properties, dict)  # noqa: S101 - cmd_info's result
    props: dict[str, JSON] = {"storage": result["storage"], **properties}
    width = max((len(k) for k in props), default=0)
    for key, value in props.items():
        if isinstance(value, list):
            shown = "|".join(str(v) for v in value)
        elif isinstance(value, bool):
            shown = str(value).lower()
        else:
            shown = str(value)
        print(f"{key:<{width}}  {shown}")


def cmd_export(ks: Keystore, args: argparse.Namespace) -> Result:
    data = ks.export_key_item(args.alias, HuksOptions(level_params(args))).out_data
    alg = int(key_props(ks, args.alias, args).get(_TAG.HUKS_TAG_ALGORITHM, 0))
    if args.json:
        shape = "raw" if alg in _RAW_PUBLIC else "der"
        return {"alias": args.alias, "format": shape, "public_key": data.hex()}
    if args.format in ("pem", "der"):
        out = _spki(alg, data, pem=args.format == "pem")
    else:
        out = encode_bytes(data, args.format)
    with open_output(args.output) as f:
        f.write(out)
    return {}


def _check_export(args: argparse.Namespace) -> None:
    """A ``.pem`` output path holds PEM: another ``--format`` is a ``UsageError``."""
    if str(args.output or "").lower().endswith(".pem") and args.format != "pem":
        raise UsageError(f"{args.output} is a .pem path: --format {args.format} would not write PEM")


def _spki(alg: int, data: bytes, *, pem: bool) -> bytes:
    """SubjectPublicKeyInfo, PEM or DER, of an exported public key of algorithm ``alg``."""
    from cryptography.hazmat.primitives import serialization

    from hukspy import formats

    encoding = serialization.Encoding.PEM if pem else serialization.Encoding.DER
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography's FFDH deprecation warnings
        key = formats.load_public(alg, data)
        return key.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)


def add_generate(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    return sub.add_parser(
        "generate",
        parents=[parents.keyed, parents.spec],
        help="generate a key",
        epilog="example: hukspy generate k1 --alg aes --size 256 --purpose encrypt,decrypt",
    )


def add_list(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser("list", parents=[parents.level], help="list the aliases of one storage level")
    p.add_argument(
        "-l", "--long", action="store_true", help="one row per key: algorithm, size, purposes, level, storage"
    )
    return p


def add_export(sub: Subparsers, parents: Parents) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export",
        parents=[parents.keyed],
        help="export a public key",
        description="pem or der: SPKI (also for X25519/Ed25519); raw, hex or base64: the bytes HUKS "
        "exports (SPKI DER; raw 32 bytes for X25519/Ed25519). A .pem output path holds PEM.",
    )
    p.add_argument("-o", "--output", help="output file (default stdout)")
    p.add_argument(
        "--format", choices=("pem", "der", *BYTE_FORMATS), default="pem", help="pem (default), der, raw, ..."
    )
    return p


COMMANDS: Final[Mapping[str, Command]] = by_name(
    Command("generate", add_generate, with_keystore(cmd_generate), announce),
    Command("export", add_export, with_keystore(cmd_export), check=_check_export),
    Command(
        "delete",
        lambda sub, parents: sub.add_parser("delete", parents=[parents.keyed], help="delete a key"),
        with_keystore(cmd_delete),
        announce,
    ),
    Command(
        "list",
        add_list,
        with_keystore(cmd_list),
        _list_text,
    ),
    Command(
        "info",
        lambda sub, parents: sub.add_parser("info", parents=[parents.keyed], help="show a key's properties"),
        with_keystore(cmd_info),
        _info_text,
    ),
)

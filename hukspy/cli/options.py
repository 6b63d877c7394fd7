"""The options several commands share, and the params they turn into.

Enum-valued options take the words of ``hukspy.names`` (``--alg aes``, ``--mode gcm``); ``--param
TAG=VALUE`` adds any other ``HuksTag``; ``--level`` is AUTH_STORAGE_LEVEL. ``Parents`` holds the argparse
parent parsers each command picks from, so an option is spelled and explained once.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
    HuksTagType,
    tag_type,
)
from hukspy.names import TAG_ENUMS, enum_label, enum_names, parse_enum
from hukspy.params import HuksOptions, HuksParam, ParamValue

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = [
    "EnumArg",
    "Parents",
    "add_byte_format",
    "add_globals",
    "hex_arg",
    "key_params",
    "key_props",
    "level_params",
    "parse_param",
    "pick",
    "purpose_bit",
    "session_params",
]

_TAG = HuksTag


class EnumArg:
    """An argparse ``type`` for an enum word (``hukspy.names.parse_enum``)."""

    def __init__(self, enum_cls: type[IntEnum], *, flags: bool = False) -> None:
        self.enum_cls = enum_cls
        self.flags = flags
        self.__name__ = enum_label(enum_cls)

    def __call__(self, text: str) -> int:
        try:
            return parse_enum(self.enum_cls, text, flags=self.flags)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def parse_param(text: str) -> HuksParam:
    """``TAG=VALUE`` (``--param``): TAG a ``HuksTag`` name (``key_override``) or number; VALUE by the
    tag's type: true/false, hex bytes, or a number or enum name. Raises ``argparse.ArgumentTypeError``."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected TAG=VALUE, not {text!r}")
    try:
        tag = parse_enum(HuksTag, name)
        kind = tag_type(tag)
        value: ParamValue
        if kind == HuksTagType.HUKS_TAG_TYPE_BOOL:
            if raw.lower() not in _BOOLEANS:
                raise ValueError(f"a boolean (true/false), not {raw!r}")
            value = _BOOLEANS[raw.lower()]
        elif kind == HuksTagType.HUKS_TAG_TYPE_BYTES:
            value = bytes.fromhex(raw)
        elif tag in TAG_ENUMS:
            enum_cls, is_flags = TAG_ENUMS[tag]
            value = parse_enum(enum_cls, raw, flags=is_flags)
        else:
            value = int(raw, 0)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--param {text!r}: {exc}") from None
    return HuksParam(tag, value)


def hex_arg(text: str) -> bytes:
    """An argparse ``type`` for bytes given in hex."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not hex: {text!r}") from None


def purpose_bit(kind_name: str) -> int:
    """The HuksKeyPurpose bit of a session kind (``"encrypt"`` → ``HUKS_KEY_PURPOSE_ENCRYPT``)."""
    return enum_names(HuksKeyPurpose)[kind_name]


def add_globals(parser: argparse.ArgumentParser) -> None:
    """``--version``, ``--keystore URI``, ``--json`` and ``--quiet``, the options of every command."""
    from hukspy import __version__

    parser.add_argument("--version", action="version", version=f"hukspy {__version__}")
    parser.add_argument(
        "--keystore",
        metavar="URI",
        default=os.environ.get("HUKSPY_KEYSTORE") or None,
        help="keystore URI: software:[DIR], pkcs11:..., tpm2:... (default $HUKSPY_KEYSTORE, else software:). "
        "PKCS#11 PIN: set $HUKSPY_PIN or use pin-source=file:PATH; never pin-value= on a command line "
        "(every local user can read it in /proc/PID/cmdline)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar (drawn on a terminal only)"
    )


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


@dataclass(frozen=True)
class Parents:
    """The shared option groups: ``level`` (--level), ``keyed`` (ALIAS and --level), ``spec`` (the key
    spec: --alg, --size, --purpose, --mode, --padding, --digest, --param, and --force, which lets
    generate/import replace an existing key), ``io`` (-i, -o), ``output`` (-o), ``binary`` (-o and
    --format raw|hex|base64 of a binary result) and ``param`` (--param alone)."""

    level: argparse.ArgumentParser
    keyed: argparse.ArgumentParser
    spec: argparse.ArgumentParser
    io: argparse.ArgumentParser
    output: argparse.ArgumentParser
    binary: argparse.ArgumentParser
    param: argparse.ArgumentParser

    @classmethod
    def build(cls) -> Parents:
        level = _parent()
        level.add_argument(
            "--level", type=EnumArg(HuksAuthStorageLevel), help="AUTH_STORAGE_LEVEL: de, ce (default), ece"
        )
        keyed = argparse.ArgumentParser(add_help=False, parents=[level])
        keyed.add_argument("alias", help="the key alias")
        keyed.add_argument(
            "--pin-prompt",
            action="store_true",
            help="ask the PIN (not echoed) to authenticate the session of a key bound to user authentication",
        )
        param = _parent()
        param.add_argument(
            "--param",
            type=parse_param,
            action="append",
            metavar="TAG=VALUE",
            help="any other HuksTag, e.g. key_override=false, rsa_pss_salt_len_type=digest (repeatable)",
        )
        spec = argparse.ArgumentParser(add_help=False, parents=[param])
        spec.add_argument(
            "--alg", type=EnumArg(HuksKeyAlg), help="algorithm: aes, rsa, ecc, hmac, ed25519, ..."
        )
        spec.add_argument("--size", type=int, help="key size in bits")
        spec.add_argument("--purpose", type=EnumArg(HuksKeyPurpose, flags=True), help="e.g. encrypt,decrypt")
        spec.add_argument("--mode", type=EnumArg(HuksCipherMode), help="block mode: gcm, cbc, ctr, ecb, ...")
        spec.add_argument(
            "--padding", type=EnumArg(HuksKeyPadding), help="none, pkcs7, oaep, pss, pkcs1_v1_5, ..."
        )
        spec.add_argument(
            "--digest", type=EnumArg(HuksKeyDigest), help="sha256, sha384, sha512, sm3, none, ..."
        )
        spec.add_argument(
            "--force",
            action="store_true",
            help="replace a key with the same alias (without it an existing alias is 12000017)",
        )
        output = _parent()
        output.add_argument("-o", "--output", help="output file (default stdout)")
        io = argparse.ArgumentParser(add_help=False, parents=[output])
        io.add_argument("-i", "--input", help="input file (default stdin)")
        binary = argparse.ArgumentParser(add_help=False, parents=[output])
        add_byte_format(binary, "how the result is written")
        return cls(level, keyed, spec, io, output, binary, param)


def add_byte_format(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--format raw|hex|base64`` (``hukspy.cli.output.BYTE_FORMATS``, default raw) to ``parser``."""
    from hukspy.cli.output import BYTE_FORMATS

    parser.add_argument(
        "--format", choices=BYTE_FORMATS, default="raw", help=f"{what}: raw (default), hex or base64"
    )


def level_params(args: argparse.Namespace) -> list[HuksParam]:
    """AUTH_STORAGE_LEVEL when ``--level`` was given, else nothing (the keystore's default, CE)."""
    level: int | None = getattr(args, "level", None)
    return [] if level is None else [HuksParam(_TAG.HUKS_TAG_AUTH_STORAGE_LEVEL, level)]


def key_params(args: argparse.Namespace, *extra: tuple[int, int | None]) -> list[HuksParam]:
    """The generate/import params named by the command-line options (and ``extra`` tag/value pairs;
    a None value is left out), the storage level and every ``--param``; KEY_OVERRIDE=false unless
    ``--force`` or a ``--param key_override=...`` was given, so that the keystore refuses an existing
    alias with 12000017 (README "Command line"; the Python API keeps HUKS's overwrite rule)."""
    pairs: list[tuple[int, int | None]] = [
        (_TAG.HUKS_TAG_ALGORITHM, args.alg),
        (_TAG.HUKS_TAG_KEY_SIZE, args.size),
        (_TAG.HUKS_TAG_PURPOSE, args.purpose),
        (_TAG.HUKS_TAG_BLOCK_MODE, args.mode),
        (_TAG.HUKS_TAG_PADDING, args.padding),
        (_TAG.HUKS_TAG_DIGEST, args.digest),
        *extra,
    ]
    params = [HuksParam(t, v) for t, v in pairs if v is not None]
    params += level_params(args) + list(args.param or [])
    if not getattr(args, "force", True) and all(p.tag != _TAG.HUKS_TAG_KEY_OVERRIDE for p in params):
        params.append(HuksParam(_TAG.HUKS_TAG_KEY_OVERRIDE, False))
    return params


def key_props(ks: Keystore, alias: str, args: argparse.Namespace) -> dict[int, ParamValue]:
    """The stored properties of ``alias`` (at ``--level``) by tag. Raises what
    ``get_key_item_properties`` raises (12000011 for a missing key)."""
    props = ks.get_key_item_properties(alias, HuksOptions(level_params(args))).properties or []
    return {
        int(p.tag): bytes(p.value) if isinstance(p.value, bytearray | memoryview) else p.value for p in props
    }


def pick(arg: int | None, props: Mapping[int, ParamValue], tag: int) -> int | None:
    """The option's value if given, else the key's stored integer value of ``tag``, else None."""
    if arg is not None:
        return arg
    value = props.get(tag)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def session_params(props: Mapping[int, ParamValue], kind: str) -> list[HuksParam]:
    """ALGORITHM, PURPOSE (the one bit of ``kind``) and KEY_SIZE of a session on a stored key."""
    params = [HuksParam(_TAG.HUKS_TAG_ALGORITHM, props.get(_TAG.HUKS_TAG_ALGORITHM, 0))]
    params.append(HuksParam(_TAG.HUKS_TAG_PURPOSE, purpose_bit(kind)))
    if _TAG.HUKS_TAG_KEY_SIZE in props:
        params.append(HuksParam(_TAG.HUKS_TAG_KEY_SIZE, props[_TAG.HUKS_TAG_KEY_SIZE]))
    return params

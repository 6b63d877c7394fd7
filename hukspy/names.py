"""The words that name enum members on the command line and in the selftest table.

A name is the enum member's name without the prefix every member of its enum shares, in lower case
(``HUKS_ALG_AES`` → ``aes``, ``HUKS_MODE_GCM`` → ``gcm``, ``HUKS_PADDING_PKCS1_V1_5`` → ``pkcs1_v1_5``);
where one word is in every name it may also be left out (``HUKS_KEY_TYPE_KEY_PAIR`` → ``key_pair`` and
``pair``). ``hukspy.cli`` parses these words and ``hukspy.selftest`` prints them.
One table per enum, built from the enum itself: nothing here lists a member by hand except
``TAG_ENUMS``, the one table of which enum names the values of a tag.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from enum import IntEnum
from types import MappingProxyType
from typing import Final, TypeAlias

from hukspy.enums import (
    SENSITIVE_TAGS,
    HuksAuthAccessType,
    HuksAuthStorageLevel,
    HuksChallengePosition,
    HuksChallengeType,
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyGenerateType,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksKeyWrapType,
    HuksRsaPssSaltLenType,
    HuksSecureSignType,
    HuksTag,
    HuksUnwrapSuite,
    HuksUserAuthMode,
    HuksUserAuthType,
)
from hukspy.params import ParamValue

__all__ = [
    "JSON",
    "TAG_ENUMS",
    "enum_label",
    "enum_name",
    "enum_names",
    "flag_names",
    "format_value",
    "parse_enum",
]

#: A value that ``json.dumps`` writes as is: what ``--json`` prints and the selftest's rows hold.
JSON: TypeAlias = "bool | int | float | str | list[JSON] | dict[str, JSON] | None"


def _words(enum_cls: type[IntEnum]) -> dict[str, list[str]]:
    split = {n: n.lower().split("_") for n in enum_cls.__members__}
    first = next(iter(split.values()))
    k = 0  # the number of leading words every name shares (each name keeps at least one)
    while len(split) > 1 and all(len(w) > k + 1 and w[k] == first[k] for w in split.values()):
        k += 1
    return {n: w[k:] for n, w in split.items()}


def _common_words(words: Mapping[str, list[str]]) -> set[str]:
    return set.intersection(*(set(w) for w in words.values())) if len(words) > 1 else set()


@functools.cache
def enum_names(enum_cls: type[IntEnum]) -> Mapping[str, int]:
    """The command-line names of ``enum_cls``'s members: the member name without the prefix every
    member shares, in lower case (``HUKS_ALG_AES`` → ``aes``, ``HUKS_PADDING_PKCS1_V1_5`` →
    ``pkcs1_v1_5``). Where one word is in every name it may also be left out
    (``HUKS_KEY_TYPE_KEY_PAIR`` → ``key_pair`` and ``pair``). Every alias of a value is listed."""
    words = _words(enum_cls)
    common = _common_words(words)
    table: dict[str, int] = {}
    for name, parts in words.items():
        value = int(enum_cls.__members__[name])
        table.setdefault("_".join(parts), value)
        short = "_".join(p for p in parts if p not in common)
        if short:
            table.setdefault(short, value)
    return MappingProxyType(table)


@functools.cache
def _display_names(enum_cls: type[IntEnum]) -> Mapping[int, str]:
    words = _words(enum_cls)
    common = _common_words(words)
    out: dict[int, str] = {}
    for name, parts in words.items():
        short = "_".join(p for p in parts if p not in common) or "_".join(parts)
        out.setdefault(int(enum_cls.__members__[name]), short)
    return MappingProxyType(out)


def enum_name(enum_cls: type[IntEnum], value: int) -> str:
    """The command-line name of ``value`` (the shortest form of ``enum_names``), or the number."""
    return _display_names(enum_cls).get(int(value), str(int(value)))


def flag_names(enum_cls: type[IntEnum], value: int) -> list[str]:
    """The names of the bits set in a bitmask ``value`` of a flag-valued enum (``HuksKeyPurpose``)."""
    shown = _display_names(enum_cls)
    out = [enum_name(enum_cls, v) for v in sorted(shown) if v and value & v == v]
    rest = value & ~sum(v for v in shown if value & v == v)
    return [*out, str(rest)] if rest else out


def enum_label(enum_cls: type[IntEnum]) -> str:
    """What an error message calls a value of ``enum_cls`` (``HuksKeyAlg`` → ``KeyAlg``)."""
    return enum_cls.__name__.removeprefix("Huks")


def parse_enum(enum_cls: type[IntEnum], text: str, *, flags: bool = False) -> int:
    """The value of the command-line word ``text`` (a name of ``enum_names``, an unambiguous prefix of
    one, or a number). With ``flags``, a list joined by ``,`` or ``|`` gives the OR of its values.
    Raises ``ValueError`` with the valid choices."""
    if flags:
        parts = [p for p in text.replace("|", ",").split(",") if p.strip()]
        if not parts:
            raise ValueError(f"an empty {enum_label(enum_cls)} list")
        value = 0
        for part in parts:
            value |= parse_enum(enum_cls, part)
        return value
    word = text.strip().lower().replace("-", "_")
    table = enum_names(enum_cls)
    if word in table:
        return table[word]
    hits = {v for k, v in table.items() if k.startswith(word)} if word else set()
    if len(hits) == 1:
        return hits.pop()
    with contextlib.suppress(ValueError):
        return int(word, 0)
    choices = ", ".join(sorted(set(_display_names(enum_cls).values())))
    what = "ambiguous" if hits else "unknown"
    raise ValueError(f"{what} {enum_label(enum_cls)} {text!r} (choose from: {choices})")


_TAG: Final = HuksTag

#: The enum that names the values of a tag, and whether the value is a bitmask of it (for ``info`` and
#: ``--param``); tags not listed hold plain numbers.
TAG_ENUMS: Final[Mapping[int, tuple[type[IntEnum], bool]]] = MappingProxyType(
    {
        _TAG.HUKS_TAG_ALGORITHM: (HuksKeyAlg, False),
        _TAG.HUKS_TAG_PURPOSE: (HuksKeyPurpose, True),
        _TAG.HUKS_TAG_KEY_AUTH_PURPOSE: (HuksKeyPurpose, True),
        _TAG.HUKS_TAG_DIGEST: (HuksKeyDigest, False),
        _TAG.HUKS_TAG_PADDING: (HuksKeyPadding, False),
        _TAG.HUKS_TAG_BLOCK_MODE: (HuksCipherMode, False),
        _TAG.HUKS_TAG_KEY_GENERATE_TYPE: (HuksKeyGenerateType, False),
        _TAG.HUKS_TAG_AGREE_ALG: (HuksKeyAlg, False),
        _TAG.HUKS_TAG_DERIVE_ALG: (HuksKeyAlg, False),
        _TAG.HUKS_TAG_IMPORT_KEY_TYPE: (HuksImportKeyType, False),
        _TAG.HUKS_TAG_UNWRAP_ALGORITHM_SUITE: (HuksUnwrapSuite, False),
        _TAG.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG: (HuksKeyStorageType, False),
        _TAG.HUKS_TAG_KEY_STORAGE_FLAG: (HuksKeyStorageType, False),
        _TAG.HUKS_TAG_RSA_PSS_SALT_LEN_TYPE: (HuksRsaPssSaltLenType, False),
        _TAG.HUKS_TAG_USER_AUTH_TYPE: (HuksUserAuthType, True),
        _TAG.HUKS_TAG_KEY_AUTH_ACCESS_TYPE: (HuksAuthAccessType, False),
        _TAG.HUKS_TAG_KEY_SECURE_SIGN_TYPE: (HuksSecureSignType, False),
        _TAG.HUKS_TAG_CHALLENGE_TYPE: (HuksChallengeType, False),
        _TAG.HUKS_TAG_CHALLENGE_POS: (HuksChallengePosition, False),
        _TAG.HUKS_TAG_AUTH_STORAGE_LEVEL: (HuksAuthStorageLevel, False),
        _TAG.HUKS_TAG_USER_AUTH_MODE: (HuksUserAuthMode, False),
        _TAG.HUKS_TAG_KEY_FLAG: (HuksKeyFlag, False),
        _TAG.HUKS_TAG_KEY_WRAP_TYPE: (HuksKeyWrapType, False),
    }
)


def format_value(tag: int, value: ParamValue) -> JSON:
    """A param value for display: enum names for enum-valued tags, hex for bytes (redacted for
    sensitive tags), the plain int or bool otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes redacted>" if tag in SENSITIVE_TAGS else value.hex()
    known = TAG_ENUMS.get(tag)
    if known is None:
        return value
    enum_cls, is_flags = known
    if is_flags:
        return list[JSON](flag_names(enum_cls, value))
    return enum_name(enum_cls, value)

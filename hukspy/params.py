"""HUKS params: the plain data types of the API and the validated, immutable ``ParamSet``.

``HuksParam`` and ``HuksOptions`` are plain data, as their ArkTS counterparts: constructing them never
validates. ``ParamSet.parse`` is the one place where a list of params is checked (tag known, value of
the tag's type and range, no tag twice) and turned into an immutable mapping. Everything below the
facade works on ``ParamSet``; nothing below the facade looks at a ``HuksParam``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, overload

from hukspy.enums import SENSITIVE_TAGS, HuksTag, HuksTagType, tag_type
from hukspy.errors import HuksError
from hukspy.memo import Memo

__all__ = [
    "HuksListAliasesReturnResult",
    "HuksOptions",
    "HuksParam",
    "HuksReturnResult",
    "HuksSessionHandle",
    "ParamSet",
    "ParamValue",
]

ParamValue = int | bool | bytes

_INT32: Final = (-(2**31), 2**31 - 1)
_UINT32: Final = (0, 2**32 - 1)
_UINT64: Final = (0, 2**64 - 1)
_RANGES: Final[Mapping[int, tuple[int, int]]] = {
    HuksTagType.HUKS_TAG_TYPE_INT: _INT32,
    HuksTagType.HUKS_TAG_TYPE_UINT: _UINT32,
    HuksTagType.HUKS_TAG_TYPE_ULONG: _UINT64,
}
#: Upper bound of one param set, as upstream's HKS_MAX_PARAMSET_SIZE (4 MiB).
MAX_PARAMSET_BYTES: Final = 4 * 1024 * 1024
_KNOWN_TAGS: Final = frozenset(int(t) for t in HuksTag)
#: Param sets ``ParamSet.parse`` remembers (by content), and the largest one it remembers (bytes in the
#: stored format): the memo holds at most about 1024 sets of 4 KiB.
_PARSED: Final[Memo[tuple[tuple[object, ...], ...], ParamSet]] = Memo(1024)
_MEMO_MAX_BYTES: Final = 4096


def _tag_name(tag: int) -> str:
    try:
        return HuksTag(tag).name
    except ValueError:
        return f"tag {tag}"


def _redact(tag: int, value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        if tag in SENSITIVE_TAGS:
            return f"<{len(value)} bytes redacted>"
        return f"<{len(value)} bytes>"
    return repr(value)


@dataclass(frozen=True)
class HuksParam:
    """One tagged value: ``tag`` is a ``HuksTag`` (or its int), ``value`` an int, bool or bytes."""

    tag: int
    value: int | bool | bytes | bytearray | memoryview

    def __repr__(self) -> str:
        return f"HuksParam(tag={_tag_name(self.tag)}, value={_redact(self.tag, self.value)})"


@dataclass(frozen=True)
class HuksOptions:
    """The options of a call: ``properties`` (a list of params) and ``in_data`` (bytes-like)."""

    properties: Sequence[HuksParam] | None = None
    in_data: bytes | bytearray | memoryview | None = None

    def __repr__(self) -> str:
        n = None if self.in_data is None else len(self.in_data)
        return f"HuksOptions(properties={self.properties!r}, in_data=<{n} bytes>)"


@dataclass(frozen=True)
class HuksSessionHandle:
    """What ``init_session`` returns: a non-zero, unpredictable uint64 ``handle``."""

    handle: int
    challenge: bytes | None = None

    def __repr__(self) -> str:
        ch = None if self.challenge is None else f"<{len(self.challenge)} bytes>"
        return f"HuksSessionHandle(handle={self.handle:#x}, challenge={ch})"


@dataclass(frozen=True)
class HuksReturnResult:
    """What update/finish/export/properties/attest return; ``out_data`` is ``b""`` when empty."""

    out_data: bytes = b""
    properties: list[HuksParam] | None = None
    cert_chains: list[str] | None = None
    #: ML-KEM encapsulate/decapsulate: the 32-byte shared secret when the application manages it
    #: (upstream ``sharedSecret``); None when it was stored as a key. ``repr`` shows only its length.
    shared_secret: bytes | None = None

    def __repr__(self) -> str:
        secret = "" if self.shared_secret is None else f", shared_secret=<{len(self.shared_secret)} bytes>"
        return (
            f"HuksReturnResult(out_data=<{len(self.out_data)} bytes>, properties={self.properties!r}, "
            f"cert_chains={None if self.cert_chains is None else len(self.cert_chains)}{secret})"
        )


@dataclass(frozen=True)
class HuksListAliasesReturnResult:
    """What ``list_aliases`` returns."""

    key_aliases: list[str] = field(default_factory=list)


def check_value(tag: int, value: object) -> ParamValue:
    """Check one value against its tag's type and range and normalise it (bytes-like → ``bytes``).

    Raises ``HuksError`` 401 for an unknown tag or a value of the wrong type or out of range.
    """
    if isinstance(tag, bool) or not isinstance(tag, int) or tag not in _KNOWN_TAGS:
        raise HuksError(401, f"the tag {tag!r} is not a known HuksTag")
    kind = tag_type(tag)
    if kind == HuksTagType.HUKS_TAG_TYPE_BOOL:
        if not isinstance(value, bool):
            raise HuksError(401, f"the value of {_tag_name(tag)} must be a bool")
        return value
    if kind == HuksTagType.HUKS_TAG_TYPE_BYTES:
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise HuksError(401, f"the value of {_tag_name(tag)} must be bytes")
    if kind in _RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise HuksError(401, f"the value of {_tag_name(tag)} must be an int")
        lo, hi = _RANGES[kind]
        if not lo <= value <= hi:
            raise HuksError(401, f"the value of {_tag_name(tag)} is out of range")
        return int(value)
    raise HuksError(401, f"the tag {_tag_name(tag)} has no valid type")


def _content(properties: object) -> tuple[tuple[object, ...], ...] | None:
    """What ``ParamSet.parse`` decides from, as a key: for a list or tuple of params, each one's class
    and its tag and value with their exact types; None for anything else (an iterator, which reading
    would consume, or elements that are not params: they are checked, and rejected, every time)."""
    if type(properties) is not list and type(properties) is not tuple:
        return None
    key = []
    try:
        for p in properties:
            value = p.value
            if type(value) is memoryview:  # it may be released or writable later: no key to keep
                return None
            key.append((type(p), type(p.tag), p.tag, type(value), value))
    except AttributeError:
        return None
    return tuple(key)


def _check_params(properties: object) -> tuple[dict[int, ParamValue], int]:
    """The checks of ``ParamSet.parse``: the validated items and their size in the stored format.
    Raises ``HuksError`` 401 as ``ParamSet.parse`` says."""
    if isinstance(properties, str | bytes | bytearray | Mapping) or not isinstance(
        properties, Sequence | Iterable
    ):
        raise HuksError(401, "properties must be a list of HuksParam")
    items: dict[int, ParamValue] = {}
    size = 0
    for param in properties:
        if not isinstance(param, HuksParam):
            raise HuksError(401, "every element of properties must be a HuksParam")
        value = check_value(param.tag, param.value)
        if param.tag in items:
            raise HuksError(401, f"the tag {_tag_name(param.tag)} is given twice")
        items[param.tag] = value
        size += 12 + (len(value) if isinstance(value, bytes) else 8)
        if size > MAX_PARAMSET_BYTES:
            raise HuksError(401, "the param set is larger than 4 MiB")
    aad, assoc = int(HuksTag.HUKS_TAG_AAD), int(HuksTag.HUKS_TAG_ASSOCIATED_DATA)
    if aad in items and assoc in items:
        del items[assoc]
    return items, size


class ParamSet(Mapping[int, ParamValue]):
    """An immutable, validated set of params: a mapping from tag (int) to value.

    Build one with ``ParamSet.parse`` from user input (which raises 401 on any defect), or with
    ``ParamSet.of`` from trusted values. ``encode``/``decode`` give the canonical stored form.
    """

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Mapping[int, ParamValue] | None = None) -> None:
        self._items: dict[int, ParamValue] = dict(sorted((items or {}).items()))
        self._hash: int | None = None

    @classmethod
    def parse(cls, properties: object) -> ParamSet:
        """Validate a user's ``properties`` (a sequence of ``HuksParam``, or None for an empty set).

        Raises ``HuksError`` 401: not a sequence, an element that is not a ``HuksParam``, an unknown tag,
        a value of the wrong type or range, the same tag twice, or a set larger than 4 MiB. When both
        ``ASSOCIATED_DATA`` and ``AAD`` are present, only ``AAD`` is kept, as upstream's NAPI does.

        The result of a list or tuple is remembered by its content (``_content``: each param's class,
        tag and value with their types, so ``True`` and ``1`` differ): the same params given again are
        not checked again (docs/benchmarks.md, "What is cached"). A set that fails is never remembered.
        """
        if properties is None:
            return cls()
        key = _content(properties)
        if key is not None:
            try:
                found = _PARSED.get(key)
            except TypeError:  # an unhashable value (a bytearray): nothing to remember it by
                key = None
            else:
                if found is not None:
                    return found
        items, size = _check_params(properties)
        parsed = cls(items)
        if key is not None and size <= _MEMO_MAX_BYTES:
            _PARSED.put(key, parsed)
        return parsed

    @classmethod
    def of(cls, *pairs: tuple[int, ParamValue]) -> ParamSet:
        """A set from trusted ``(tag, value)`` pairs (no validation beyond the types)."""
        return cls(dict(pairs))

    # Mapping protocol
    def __getitem__(self, tag: int) -> ParamValue:
        return self._items[tag]

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        inner = ", ".join(f"{_tag_name(t)}={_redact(t, v)}" for t, v in self._items.items())
        return f"ParamSet({inner})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamSet) and self._items == other._items

    def __hash__(self) -> int:
        if self._hash is None:  # immutable: computed once (sets are memo keys, hukspy.memo)
            self._hash = hash(tuple(self._items.items()))
        return self._hash

    @overload
    def int_(self, tag: int) -> int | None: ...
    @overload
    def int_(self, tag: int, default: int) -> int: ...
    def int_(self, tag: int, default: int | None = None) -> int | None:
        """The int value of ``tag`` (INT/UINT/ULONG), or ``default`` when absent."""
        v = self._items.get(tag)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            raise HuksError(401, f"the value of {_tag_name(tag)} must be an int")
        return v

    def bytes_(self, tag: int) -> bytes | None:
        """The bytes value of ``tag``, or None when absent."""
        v = self._items.get(tag)
        if v is None:
            return None
        if not isinstance(v, bytes):
            raise HuksError(401, f"the value of {_tag_name(tag)} must be bytes")
        return v

    def bool_(self, tag: int) -> bool | None:
        """The bool value of ``tag``, or None when absent."""
        v = self._items.get(tag)
        if v is None:
            return None
        if not isinstance(v, bool):
            raise HuksError(401, f"the value of {_tag_name(tag)} must be a bool")
        return v

    def with_(self, *pairs: tuple[int, ParamValue]) -> ParamSet:
        """A copy with ``pairs`` set (replacing existing values)."""
        items = dict(self._items)
        items.update(pairs)
        return ParamSet(items)

    def without(self, *tags: int) -> ParamSet:
        """A copy without ``tags``."""
        return ParamSet({t: v for t, v in self._items.items() if t not in tags})

    def to_params(self) -> list[HuksParam]:
        """The set as a list of ``HuksParam``, sorted by tag."""
        return [HuksParam(t, v) for t, v in self._items.items()]

    # Stored format: b"HPS1" ‖ count:u32 ‖ for each param sorted by tag: tag:u32 ‖ value, where an
    # INT/UINT/ULONG value is an i64/u64 (little-endian), a BOOL one byte, and BYTES len:u32 ‖ bytes.
    _MAGIC: Final = b"HPS1"

    def encode(self) -> bytes:
        """The canonical byte encoding (stored in key records and bound as AAD); see ``decode``."""
        out = [self._MAGIC, struct.pack("<I", len(self._items))]
        for tag, value in self._items.items():
            out.append(struct.pack("<I", tag))
            kind = tag_type(tag)
            if kind == HuksTagType.HUKS_TAG_TYPE_BOOL:
                out.append(b"\x01" if value else b"\x00")
            elif kind == HuksTagType.HUKS_TAG_TYPE_BYTES:
                assert isinstance(value, bytes)  # noqa: S101 - guaranteed by check_value
                out.append(struct.pack("<I", len(value)) + value)
            elif kind == HuksTagType.HUKS_TAG_TYPE_INT:
                out.append(struct.pack("<q", int(value)))
            else:
                out.append(struct.pack("<Q", int(value)))
        return b"".join(out)

    @classmethod
    def decode(cls, data: bytes) -> ParamSet:
        """Parse ``encode``'s output. Raises ``ValueError`` on any malformed input."""
        if data[:4] != cls._MAGIC or len(data) < 8:
            raise ValueError("not an encoded param set")
        (count,) = struct.unpack_from("<I", data, 4)
        pos = 8
        items: dict[int, ParamValue] = {}
        for _ in range(count):
            (tag,) = struct.unpack_from("<I", data, pos)
            pos += 4
            kind = tag_type(tag)
            value: ParamValue
            if kind == HuksTagType.HUKS_TAG_TYPE_BOOL:
                value = data[pos] == 1
                pos += 1
            elif kind == HuksTagType.HUKS_TAG_TYPE_BYTES:
                (n,) = struct.unpack_from("<I", data, pos)
                value = bytes(data[pos + 4 : pos + 4 + n])
                if len(value) != n:
                    raise ValueError("truncated param set")
                pos += 4 + n
            elif kind == HuksTagType.HUKS_TAG_TYPE_INT:
                (value,) = struct.unpack_from("<q", data, pos)
                pos += 8
            elif kind in _RANGES:
                (value,) = struct.unpack_from("<Q", data, pos)
                pos += 8
            else:
                raise ValueError(f"bad tag {tag} in param set")
            items[tag] = value
        if pos != len(data):
            raise ValueError("trailing bytes after param set")
        return cls(items)

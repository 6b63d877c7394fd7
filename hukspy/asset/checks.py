"""Argument checks of the ASSET operations, in upstream's order (asset-reference.md §3).

Every public operation first runs :func:`parse` on each map (what upstream's NAPI does before the IPC:
a mapping of at most 64 known tags, each value of its tag's type, byte strings of 1..2048 bytes), then
the service-side checks of the operation in this order:

1. required tags (401)
2. tag validity: only the operation's allowed tags (401)
3. group validity: ``GROUP_ID`` gives 24000017 (hukspy has no bundle manager that could grant access
   groups, like an upstream native caller)
4. value validity: the ranges of §3.1 (401); ``REQUIRE_ATTR_ENCRYPTED=true`` then gives 24000017
   (hukspy has no SQLCipher database for encrypted attributes)
5. wrap permission: ``WRAP_TYPE=TRUSTED_ACCOUNT`` with the ``SYNC_TYPE`` TRUSTED_ACCOUNT bit (24000017)
6. system permission: ``USER_ID`` gives 202 (the ``*AsUser`` APIs are for system applications)

The caller is modelled as an ordinary application of a normal user (user 100): the system-user
accessibility rule of §3.3 does not apply, and it holds STORE_PERSISTENT_DATA, so ``IS_PERSISTENT`` is
accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from hukspy.asset.enums import (
    Accessibility,
    AuthType,
    ConflictResolution,
    ErrorCode,
    OperationType,
    ReturnType,
    SyncType,
    Tag,
    TagType,
    WrapType,
    tag_type,
)
from hukspy.asset.errors import AssetError

__all__ = [
    "AssetAttributes",
    "AssetMap",
    "AssetValue",
    "Checked",
    "check_add",
    "check_batch_add",
    "check_batch_remove",
    "check_batch_update",
    "check_post_query",
    "check_pre_query",
    "check_query",
    "check_query_sync_result",
    "check_remove",
    "check_update",
    "parse",
]

AssetValue = bool | int | bytes
#: What the operations return: tags to values.
AssetMap = dict[Tag, AssetValue]
#: What the operations take: a map of tags to values (plain int tags are accepted at run time too).
AssetAttributes = Mapping[Tag, AssetValue]
#: A parsed, checked input map.
Checked = dict[Tag, AssetValue]

MAX_MAP_CAPACITY: Final = 64
MAX_BATCH_ITEMS: Final = 100
MAX_BUFFER_LEN: Final = 2048
_U32_MAX: Final = 2**32 - 1
_I32_MAX: Final = 2**31 - 1

CRITICAL_LABELS: Final = (
    Tag.DATA_LABEL_CRITICAL_1,
    Tag.DATA_LABEL_CRITICAL_2,
    Tag.DATA_LABEL_CRITICAL_3,
    Tag.DATA_LABEL_CRITICAL_4,
)
NORMAL_LABELS: Final = (
    Tag.DATA_LABEL_NORMAL_1,
    Tag.DATA_LABEL_NORMAL_2,
    Tag.DATA_LABEL_NORMAL_3,
    Tag.DATA_LABEL_NORMAL_4,
)
LOCAL_LABELS: Final = (
    Tag.DATA_LABEL_NORMAL_LOCAL_1,
    Tag.DATA_LABEL_NORMAL_LOCAL_2,
    Tag.DATA_LABEL_NORMAL_LOCAL_3,
    Tag.DATA_LABEL_NORMAL_LOCAL_4,
)
LABELS: Final = frozenset(CRITICAL_LABELS + NORMAL_LABELS + LOCAL_LABELS)
ACCESS_CONTROL: Final = frozenset(
    {
        Tag.ALIAS,
        Tag.ACCESSIBILITY,
        Tag.AUTH_TYPE,
        Tag.IS_PERSISTENT,
        Tag.SYNC_TYPE,
        Tag.REQUIRE_PASSWORD_SET,
        Tag.REQUIRE_ATTR_ENCRYPTED,
        Tag.GROUP_ID,
        Tag.WRAP_TYPE,
        Tag.USER_ID,
    }
)

# The tables of §3.2: operation -> (required, allowed).
ADD_REQUIRED: Final = frozenset({Tag.SECRET, Tag.ALIAS})
ADD_ALLOWED: Final = LABELS | ACCESS_CONTROL | {Tag.OPERATION_TYPE, Tag.SECRET, Tag.CONFLICT_RESOLUTION}
REMOVE_ALLOWED: Final = LABELS | ACCESS_CONTROL | {Tag.OPERATION_TYPE}
UPDATE_QUERY_REQUIRED: Final = frozenset({Tag.ALIAS})
UPDATE_QUERY_ALLOWED: Final = LABELS | ACCESS_CONTROL
UPDATE_ALLOWED: Final = frozenset({Tag.SECRET, *NORMAL_LABELS, *LOCAL_LABELS, Tag.OPERATION_TYPE})
PRE_QUERY_ALLOWED: Final = LABELS | ACCESS_CONTROL | {Tag.AUTH_VALIDITY_PERIOD}
QUERY_ALLOWED: Final = (
    LABELS
    | ACCESS_CONTROL
    | {
        Tag.OPERATION_TYPE,
        Tag.RETURN_LIMIT,
        Tag.RETURN_OFFSET,
        Tag.RETURN_ORDERED_BY,
        Tag.RETURN_TYPE,
        Tag.AUTH_TOKEN,
        Tag.AUTH_CHALLENGE,
    }
)
POST_QUERY_REQUIRED: Final = frozenset({Tag.AUTH_CHALLENGE})
POST_QUERY_ALLOWED: Final = frozenset({Tag.AUTH_CHALLENGE, Tag.GROUP_ID, Tag.USER_ID})
BATCH_ADD_ALLOWED: Final = ADD_ALLOWED - {Tag.USER_ID}
BATCH_REMOVE_REQUIRED: Final = frozenset({Tag.ALIAS})
BATCH_REMOVE_ALLOWED: Final = frozenset({Tag.ALIAS, Tag.GROUP_ID, Tag.REQUIRE_ATTR_ENCRYPTED})
BATCH_UPDATE_QUERY_ALLOWED: Final = UPDATE_QUERY_ALLOWED - {Tag.USER_ID}
QUERY_SYNC_RESULT_ALLOWED: Final = frozenset({Tag.GROUP_ID, Tag.REQUIRE_ATTR_ENCRYPTED})

# §3.1: inclusive byte-length ranges and number ranges.
_LENGTHS: Final[dict[Tag, tuple[int, int]]] = {
    Tag.SECRET: (1, 1024),
    Tag.ALIAS: (1, 256),
    Tag.AUTH_CHALLENGE: (32, 32),
    Tag.AUTH_TOKEN: (1, 1024),
    Tag.UPDATE_TIME: (1, 1024),
    Tag.GROUP_ID: (7, 127),
    **{label: (1, 2048) for label in LABELS},
}
_NUMBERS: Final[dict[Tag, tuple[int, int]]] = {
    Tag.AUTH_VALIDITY_PERIOD: (1, 600),
    Tag.RETURN_LIMIT: (1, 0x10000),
    Tag.RETURN_OFFSET: (0, _U32_MAX),
    Tag.SYNC_TYPE: (0, 7),
    Tag.USER_ID: (100, _I32_MAX),
}
_ENUMS: Final[dict[Tag, frozenset[int]]] = {
    Tag.ACCESSIBILITY: frozenset(int(v) for v in Accessibility),
    Tag.AUTH_TYPE: frozenset(int(v) for v in AuthType),
    Tag.CONFLICT_RESOLUTION: frozenset(int(v) for v in ConflictResolution),
    Tag.RETURN_TYPE: frozenset(int(v) for v in ReturnType),
    Tag.OPERATION_TYPE: frozenset(int(v) for v in OperationType),
    Tag.WRAP_TYPE: frozenset(int(v) for v in WrapType),
    Tag.RETURN_ORDERED_BY: frozenset(int(t) for t in LABELS),
}
_KNOWN: Final = frozenset(int(t) for t in Tag)


def _bad(detail: str) -> AssetError:
    return AssetError(ErrorCode.INVALID_ARGUMENT, detail=detail)


def parse(attributes: object, what: str = "the attributes") -> Checked:
    """Check the shape of one map, as upstream's NAPI does, and normalise it.

    A ``Mapping`` of at most 64 entries; every key a known :class:`Tag` (or its int); every value of its
    tag's type (BOOL: ``bool``; NUMBER: an ``int`` that is not a bool, 0..2**32-1; BYTES: bytes-like of
    1..2048 bytes). Raises ``AssetError`` 401 otherwise.
    """
    if not isinstance(attributes, Mapping):
        raise _bad(f"{what} must be a dict of asset.Tag to values")
    if len(attributes) > MAX_MAP_CAPACITY:
        raise _bad(f"{what} hold more than {MAX_MAP_CAPACITY} tags")
    out: Checked = {}
    for key, value in attributes.items():
        if isinstance(key, bool) or not isinstance(key, int) or key not in _KNOWN:
            raise _bad(f"the tag {key!r} is not a known asset.Tag")
        tag = Tag(key)
        kind = tag_type(tag)
        if kind == TagType.BOOL:
            if not isinstance(value, bool):
                raise _bad(f"the value of {tag.name} must be a bool")
            out[tag] = value
        elif kind == TagType.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U32_MAX:
                raise _bad(f"the value of {tag.name} must be an int in 0..2**32-1")
            out[tag] = int(value)
        else:
            if not isinstance(value, bytes | bytearray | memoryview):
                raise _bad(f"the value of {tag.name} must be bytes")
            data = bytes(value)
            if not 1 <= len(data) <= MAX_BUFFER_LEN:
                raise _bad(f"the value of {tag.name} must be 1 to {MAX_BUFFER_LEN} bytes")
            out[tag] = data
    return out


def _required(attrs: Checked, required: frozenset[Tag]) -> None:
    for tag in sorted(required):
        if tag not in attrs:
            raise _bad(f"the tag {tag.name} is missing")


def _allowed(attrs: Checked, allowed: frozenset[Tag]) -> None:
    for tag in attrs:
        if tag not in allowed:
            raise _bad(f"the tag {tag.name} is not allowed here")


def _group(attrs: Checked) -> None:
    if Tag.GROUP_ID in attrs:
        raise AssetError(ErrorCode.UNSUPPORTED, detail="asset access groups (GROUP_ID) are not supported")


def _values(attrs: Checked) -> None:
    for tag, value in attrs.items():
        if tag in _LENGTHS:
            assert isinstance(value, bytes)  # noqa: S101 - guaranteed by parse
            lo, hi = _LENGTHS[tag]
            if not lo <= len(value) <= hi:
                raise _bad(f"the value of {tag.name} must be {lo} to {hi} bytes")
        elif tag in _NUMBERS:
            lo, hi = _NUMBERS[tag]
            if not lo <= int(value) <= hi:
                raise _bad(f"the value of {tag.name} must be in {lo}..{hi}")
        elif tag in _ENUMS and int(value) not in _ENUMS[tag]:
            raise _bad(f"the value of {tag.name} is not a valid variant")
    if attrs.get(Tag.REQUIRE_ATTR_ENCRYPTED) is True:
        raise AssetError(
            ErrorCode.UNSUPPORTED, detail="REQUIRE_ATTR_ENCRYPTED=true (an encrypted attribute database)"
        )


def value_ok(tag: Tag, value: object) -> bool:
    """Whether ``value`` is a valid value of ``tag`` (type and the ranges of §3.1); for stored values."""
    kind = tag_type(tag)
    if kind == TagType.BOOL:
        return isinstance(value, bool)
    if kind == TagType.BYTES:
        lo, hi = _LENGTHS.get(tag, (1, MAX_BUFFER_LEN))
        return isinstance(value, bytes) and lo <= len(value) <= hi
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U32_MAX:
        return False
    if tag in _NUMBERS:
        lo, hi = _NUMBERS[tag]
        return lo <= value <= hi
    return tag not in _ENUMS or value in _ENUMS[tag]


def _wrap(attrs: Checked) -> None:
    if attrs.get(Tag.WRAP_TYPE) == WrapType.TRUSTED_ACCOUNT and (
        int(attrs.get(Tag.SYNC_TYPE, 0)) & SyncType.TRUSTED_ACCOUNT
    ):
        raise AssetError(
            ErrorCode.UNSUPPORTED, detail="WRAP_TYPE=TRUSTED_ACCOUNT with SYNC_TYPE TRUSTED_ACCOUNT"
        )


def _system(attrs: Checked) -> None:
    if Tag.USER_ID in attrs:
        raise AssetError(ErrorCode.NOT_SYSTEM_APPLICATION, detail="USER_ID is for system applications")


def _run(attrs: Checked, required: frozenset[Tag], allowed: frozenset[Tag]) -> Checked:
    _required(attrs, required)
    _allowed(attrs, allowed)
    _group(attrs)
    _values(attrs)
    _wrap(attrs)
    _system(attrs)
    return attrs


def check_add(attributes: object) -> Checked:
    """The checks of ``add`` (§3.2 and the add order of §3.2). Raises 401, 24000017 or 202."""
    return _run(parse(attributes), ADD_REQUIRED, ADD_ALLOWED)


def check_remove(query: object) -> Checked:
    """The checks of ``remove``: no required tag. Raises 401, 24000017 or 202."""
    return _run(parse(query, "the query"), frozenset(), REMOVE_ALLOWED)


def check_update(query: object, attributes_to_update: object) -> tuple[Checked, Checked]:
    """The checks of ``update``: the query needs ALIAS, the update map must not be empty and may only hold
    SECRET, the NORMAL and NORMAL_LOCAL labels and OPERATION_TYPE. Raises 401, 24000017 or 202."""
    q = parse(query, "the query")
    u = parse(attributes_to_update, "the attributes to update")
    _required(q, UPDATE_QUERY_REQUIRED)
    _allowed(q, UPDATE_QUERY_ALLOWED)
    if not u:
        raise _bad("the attributes to update are empty")
    _allowed(u, UPDATE_ALLOWED)
    _group(q)
    _values(q)
    _values(u)
    _wrap(q)
    _system(q)
    return q, u


def check_pre_query(query: object) -> Checked:
    """The checks of ``pre_query``; ``AUTH_TYPE=NONE`` is refused (401). Raises 401, 24000017 or 202."""
    q = _run(parse(query, "the query"), frozenset(), PRE_QUERY_ALLOWED)
    if q.get(Tag.AUTH_TYPE) == AuthType.NONE:
        raise _bad("pre_query needs AUTH_TYPE=ANY")
    return q


def check_query(query: object) -> Checked:
    """The checks of ``query``. Raises 401, 24000017 or 202."""
    return _run(parse(query, "the query"), frozenset(), QUERY_ALLOWED)


def check_post_query(handle: object) -> Checked:
    """The checks of ``post_query``: AUTH_CHALLENGE of exactly 32 bytes. Raises 401, 24000017 or 202."""
    return _run(parse(handle, "the handle"), POST_QUERY_REQUIRED, POST_QUERY_ALLOWED)


def check_query_sync_result(query: object) -> Checked:
    """The checks of ``query_sync_result``: only GROUP_ID and REQUIRE_ATTR_ENCRYPTED (docs/asset.md,
    "API"). What the other calls answer 401 is 24000018 here, as upstream's SDK maps it; GROUP_ID and
    REQUIRE_ATTR_ENCRYPTED=true are 24000017 as everywhere (docs/asset.md)."""
    try:
        return _run(parse(query, "the query"), frozenset(), QUERY_SYNC_RESULT_ALLOWED)
    except AssetError as exc:
        if exc.code != ErrorCode.INVALID_ARGUMENT:
            raise
        raise AssetError(ErrorCode.PARAM_VERIFICATION_FAILED, detail=exc.detail) from exc


def _batch_list(items: object, what: str, *, allow_empty: bool = False) -> list[object]:
    if isinstance(items, Mapping | str | bytes | bytearray) or not isinstance(items, list | tuple):
        raise _bad(f"{what} must be a list of dicts")
    if not items and not allow_empty:
        raise _bad(f"{what} is empty")
    if len(items) > MAX_BATCH_ITEMS:
        raise _bad(f"{what} holds more than {MAX_BATCH_ITEMS} maps")
    return list(items)


def _consistent(maps: list[Checked]) -> None:
    """§4.9: GROUP_ID and REQUIRE_ATTR_ENCRYPTED must be the same across a batch (absent = b"" / false)."""
    kinds = {(m.get(Tag.GROUP_ID, b""), m.get(Tag.REQUIRE_ATTR_ENCRYPTED, False)) for m in maps}
    if len(kinds) > 1:
        raise AssetError(
            ErrorCode.INCONSISTENT_ATTRIBUTE,
            detail="GROUP_ID and REQUIRE_ATTR_ENCRYPTED must be the same for every map of a batch",
        )


def check_batch_add(attributes_array: object) -> list[Checked]:
    """The checks of ``batch_add``: 1..100 maps, each as for add (USER_ID forbidden), the same GROUP_ID and
    REQUIRE_ATTR_ENCRYPTED everywhere (24000019), no alias twice (401)."""
    maps = [parse(m, f"map {i}") for i, m in enumerate(_batch_list(attributes_array, "attributes_array"))]
    _consistent(maps)
    for m in maps:
        _run(m, ADD_REQUIRED, BATCH_ADD_ALLOWED)
    aliases = [m[Tag.ALIAS] for m in maps]
    if len(set(aliases)) != len(aliases):
        raise _bad("the same ALIAS appears twice in the batch")
    return maps


def check_batch_remove(assets: object) -> list[Checked]:
    """The checks of ``batch_remove``: 0..100 maps of ALIAS (+ GROUP_ID, REQUIRE_ATTR_ENCRYPTED)."""
    maps = [parse(m, f"map {i}") for i, m in enumerate(_batch_list(assets, "assets", allow_empty=True))]
    _consistent(maps)
    for m in maps:
        _run(m, BATCH_REMOVE_REQUIRED, BATCH_REMOVE_ALLOWED)
    return maps


def check_batch_update(source: object, dest: object) -> list[tuple[Checked, Checked]]:
    """The checks of ``batch_update``: two lists of the same non-empty length (≤ 100); each query as for
    update without USER_ID, each update map as for update."""
    src = _batch_list(source, "source_attributes")
    dst = _batch_list(dest, "dest_attributes")
    if len(src) != len(dst):
        raise _bad("source_attributes and dest_attributes differ in length")
    queries = [parse(m, f"query {i}") for i, m in enumerate(src)]
    updates = [parse(m, f"update {i}") for i, m in enumerate(dst)]
    _consistent(queries)
    out = []
    for q, u in zip(queries, updates, strict=True):
        _required(q, UPDATE_QUERY_REQUIRED)
        _allowed(q, BATCH_UPDATE_QUERY_ALLOWED)
        if not u:
            raise _bad("an update map is empty")
        _allowed(u, UPDATE_ALLOWED)
        _group(q)
        _values(q)
        _values(u)
        _wrap(q)
        out.append((q, u))
    return out

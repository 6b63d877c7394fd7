"""XTS ``AssetNdk.test.ets`` (ASSET, the C API through a test NAPI module), translated case by case
(issue 19).

Upstream: ``security/asset/asset_ndk/entry/src/ohosTest/ets/test/AssetNdk.test.ets`` at xts_acts commit
``c1edf0ad`` (helpers ``aw/AssetAwNdk.ets``: the data and ``assetAddAll`` of tests/xts/asset/aw.py, plus
``assetAddAllAuth``). 11 ``it()`` cases. They call ``libassetNdkTest.so``
(``entry/src/main/cpp/hello.cpp``), whose functions wrap ``OH_Asset_*`` and answer an error code, the
``MAGIC_RET`` 9999 for "as expected", -1, or a count of expected 401s; each is translated below as a
function of the same name on hukspy's Python API (the same service checks and semantics).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest

from hukspy.asset import (
    Accessibility,
    AssetError,
    AssetStore,
    AuthType,
    ErrorCode,
    ReturnType,
    Tag,
)
from xts.asset import aw
from xts.asset.aw import Attr

#: hello.cpp's ``MAGIC_RET`` (``assetQueryTrue`` in AssetAwNdk.ets).
MAGIC_RET: Final = 9999
#: hello.cpp's ``DEMO_LABEL``.
DEMO_LABEL: Final = b"demo_label"
#: AssetAwNdk.ets's ``authList``: the AUTH_TYPE of each of the five assets of ``assetAddAllAuth``.
AUTH_LIST: Final = (AuthType.ANY, AuthType.NONE, AuthType.ANY, AuthType.ANY, AuthType.ANY)
#: The invalid RETURN_* triple hello.cpp's ``*Error`` functions pass.
BAD_RETURN: Final[Attr] = {Tag.RETURN_LIMIT: 0, Tag.RETURN_OFFSET: 10, Tag.RETURN_ORDERED_BY: 0}
ATTR_ENCRYPTED = ("docs/asset.md, 'Who the caller is': REQUIRE_ATTR_ENCRYPTED=true is 24000017 (no encrypted "
                  "attribute database; re-examined in test_asset_noright.py, CE_Func_0100)")


def _code(call: Callable[..., object], *args: object) -> int:
    """0, or the ``AssetError`` code of ``call(*args)``."""
    try:
        call(*args)
    except AssetError as exc:
        return exc.code
    return 0


def asset_add(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_Add``: add ALIAS and SECRET at DEVICE_POWERED_ON."""
    return _code(st.add, {Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON, Tag.SECRET: aw.s2a(secret),
                          Tag.ALIAS: aw.s2a(alias)})


def _secret_matches(st: AssetStore, query: Attr, secret: str) -> int:
    """The end of ``Asset_QueryAll``/``Asset_AddCE``: MAGIC_RET when the query succeeds and the first
    map's secret matches ``secret`` over the secret's length (``memcmp``), else -1."""
    try:
        found = st.query(query)
    except AssetError:
        return -1
    stored = found[0][Tag.SECRET]
    assert isinstance(stored, bytes)
    return MAGIC_RET if aw.s2a(secret)[:len(stored)] == stored else -1


def asset_add_ce(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_AddCE``: add with REQUIRE_ATTR_ENCRYPTED=true (result ignored), then query it with
    RETURN_TYPE=ALL and REQUIRE_ATTR_ENCRYPTED=true: MAGIC_RET when the secret comes back, else -1."""
    _code(st.add, {Tag.SECRET: aw.s2a(secret), Tag.ALIAS: aw.s2a(alias), Tag.REQUIRE_ATTR_ENCRYPTED: True})
    return _secret_matches(st, {Tag.ALIAS: aw.s2a(alias), Tag.RETURN_TYPE: ReturnType.ALL,
                                Tag.REQUIRE_ATTR_ENCRYPTED: True}, secret)


def asset_query_all(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_QueryAll``: query ALIAS with RETURN_TYPE=ALL: MAGIC_RET when the secret matches, else -1."""
    return _secret_matches(st, {Tag.ALIAS: aw.s2a(alias), Tag.RETURN_TYPE: ReturnType.ALL}, secret)


def _count_is(st: AssetStore, query: Attr, count: int) -> int:
    """The end of ``Asset_QueryNum``/``QueryLabel``/``QueryOption``: MAGIC_RET when ``query`` returns
    ``count`` maps, 0 when another number, else the error code."""
    try:
        found = st.query(query)
    except AssetError as exc:
        return exc.code
    return MAGIC_RET if len(found) == count else 0


def asset_query_num(st: AssetStore, count: int) -> int:
    """``Asset_QueryNum``: a query of all."""
    return _count_is(st, {}, count)


def asset_query_label(st: AssetStore, label: str, count: int) -> int:
    """``Asset_QueryLabel``: a query of NORMAL_1 ``label``."""
    return _count_is(st, {Tag.DATA_LABEL_NORMAL_1: aw.s2a(label)}, count)


def asset_query_option(st: AssetStore, limit: int, offset: int, ordered_by: int, count: int) -> int:
    """``Asset_QueryOption``: a query with RETURN_LIMIT, RETURN_OFFSET and RETURN_ORDERED_BY."""
    query: Attr = {Tag.RETURN_LIMIT: limit, Tag.RETURN_OFFSET: offset, Tag.RETURN_ORDERED_BY: ordered_by}
    return _count_is(st, query, count)


def _invalid_maps(alias: str, secret: str) -> list[Attr]:
    """The four maps of ``Asset_QueryError``/``Asset_RemoveError``: SECRET with ALIAS, SECRET alone,
    SECRET with NORMAL_1 ``demo_label``, and the bad RETURN_* triple."""
    return [{Tag.SECRET: aw.s2a(secret), Tag.ALIAS: aw.s2a(alias)}, {Tag.SECRET: aw.s2a(secret)},
            {Tag.SECRET: aw.s2a(secret), Tag.DATA_LABEL_NORMAL_1: DEMO_LABEL}, dict(BAD_RETURN)]


def asset_query_error(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_QueryError``: how many of the four invalid queries are 401."""
    return sum(_code(st.query, m) == ErrorCode.INVALID_ARGUMENT for m in _invalid_maps(alias, secret))


def asset_remove_error(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_RemoveError``: how many of the four invalid removals are 401."""
    return sum(_code(st.remove, m) == ErrorCode.INVALID_ARGUMENT for m in _invalid_maps(alias, secret))


def asset_update_easy(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_UpdateEasy``: update the SECRET of ALIAS."""
    return _code(st.update, {Tag.ALIAS: aw.s2a(alias)}, {Tag.SECRET: aw.s2a(secret)})


def asset_update_label(st: AssetStore, alias: str, secret: str, label: str) -> int:
    """``Asset_UpdateLabel``: update the SECRET and NORMAL_1 of ALIAS."""
    return _code(st.update, {Tag.ALIAS: aw.s2a(alias)},
                 {Tag.SECRET: aw.s2a(secret), Tag.DATA_LABEL_NORMAL_1: aw.s2a(label)})


def asset_update_error(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_UpdateError``: how many of four invalid updates are 401 (an empty update map, the bad
    RETURN_* triple as update map, an empty query, the bad triple as query)."""
    by_alias: Attr = {Tag.ALIAS: aw.s2a(alias)}
    new_secret: Attr = {Tag.SECRET: aw.s2a(secret)}
    pairs = [(by_alias, {}), (by_alias, dict(BAD_RETURN)), ({}, new_secret), (dict(BAD_RETURN), new_secret)]
    return sum(_code(st.update, q, u) == ErrorCode.INVALID_ARGUMENT for q, u in pairs)


def asset_remove(st: AssetStore, alias: str) -> int:
    """``Asset_Remove``: remove by ALIAS."""
    return _code(st.remove, {Tag.ALIAS: aw.s2a(alias)})


def asset_remove_label(st: AssetStore, label: str) -> int:
    """``Asset_RemoveLabel``: remove by NORMAL_1."""
    return _code(st.remove, {Tag.DATA_LABEL_NORMAL_1: aw.s2a(label)})


def asset_remove_all(st: AssetStore) -> int:
    """``Asset_RemoveAll``: remove of an empty map."""
    return _code(st.remove, {})


def _pre_and_post_succeed(st: AssetStore, query: Attr) -> int:
    """``AssetPreAndPostQuerySuccess``: 1 when the pre_query and the post_query of its challenge both
    succeed, else 0."""
    try:
        challenge = st.pre_query(query)
    except AssetError:
        return 0
    return int(_code(st.post_query, {Tag.AUTH_CHALLENGE: challenge}) == 0)


def asset_pre_and_post_query_normal(st: AssetStore, alias: str, alias2: str) -> int:
    """``Asset_PreAndPostQueryNormal``: 1 each for pre/post_query of ``alias`` with
    AUTH_VALIDITY_PERIOD 120, pre_query of ``alias2`` being 24000002, and pre/post_query of all."""
    result = _pre_and_post_succeed(st, {Tag.AUTH_VALIDITY_PERIOD: 2 * 60, Tag.ALIAS: aw.s2a(alias)})
    result += int(_code(st.pre_query, {Tag.ALIAS: aw.s2a(alias2)}) == ErrorCode.NOT_FOUND)
    return result + _pre_and_post_succeed(st, {})


def asset_pre_and_post_query_error(st: AssetStore, alias: str, secret: str) -> int:
    """``Asset_PreAndPostQueryError``: 1 each for pre_query with SECRET, pre_query with the bad RETURN_*
    triple and post_query of an empty map being 401 (``alias`` is unused, as upstream)."""
    del alias
    invalid = ErrorCode.INVALID_ARGUMENT
    return (int(_code(st.pre_query, {Tag.SECRET: aw.s2a(secret)}) == invalid)
            + int(_code(st.pre_query, dict(BAD_RETURN)) == invalid)
            + int(_code(st.post_query, {}) == invalid))


def add_all_auth(st: AssetStore, attr: Attr) -> None:
    """``assetAddAllAuth`` (AssetAwNdk.ets): ``assetAddAll`` with AUTH_TYPE ``AUTH_LIST[i]``."""
    for alias, secret, label, auth in zip(aw.alias_name_list, aw.secret_list, aw.label_list, AUTH_LIST,
                                          strict=True):
        attr.update({Tag.ALIAS: aw.s2a(alias), Tag.SECRET: aw.s2a(secret),
                     Tag.DATA_LABEL_NORMAL_1: aw.s2a(label), Tag.AUTH_TYPE: auth})
        aw.add_attr(st, attr)


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0100(store: AssetStore) -> None:
    """AssetNdk.test.ets:53: the longest alias and secret, the shortest secret, a duplicate (24000003):
    each secret comes back, 2 assets in all."""
    assert asset_add(store, aw.alias_long, aw.sec_long) == 0
    assert asset_query_all(store, aw.alias_long, aw.sec_long) == MAGIC_RET
    assert asset_add(store, aw.alias_name_list[1], aw.sec_short) == 0
    assert asset_query_all(store, aw.alias_name_list[1], aw.sec_short) == MAGIC_RET
    assert asset_add(store, aw.alias_name_list[1], aw.sec_long) == ErrorCode.DUPLICATED
    assert asset_query_all(store, aw.alias_name_list[1], aw.sec_short) == MAGIC_RET
    assert asset_query_num(store, 2) == MAGIC_RET


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0600(store: AssetStore) -> None:
    """AssetNdk.test.ets:78: empty alias and/or secret, a 1025-byte secret, a 257-byte alias: 401; then
    nothing is stored (24000002)."""
    assert asset_add(store, "", "") == ErrorCode.INVALID_ARGUMENT
    assert asset_add(store, aw.alias_name_list[0], "") == ErrorCode.INVALID_ARGUMENT
    assert asset_add(store, "", aw.sec_long) == ErrorCode.INVALID_ARGUMENT
    assert asset_add(store, aw.alias_name_list[0], aw.sec_too_long) == ErrorCode.INVALID_ARGUMENT
    assert asset_add(store, aw.alias_too_long, aw.sec_long) == ErrorCode.INVALID_ARGUMENT
    assert asset_query_num(store, 0) == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0200(store: AssetStore) -> None:
    """AssetNdk.test.ets:102: the five assets: 5 in all, the secret of ``user01``, 3 with ``tag1``, 2
    with RETURN_LIMIT 2, RETURN_OFFSET 1, RETURN_ORDERED_BY NORMAL_1."""
    aw.add_all(store, {})
    assert asset_query_num(store, 5) == MAGIC_RET
    assert asset_query_all(store, aw.alias_name_list[0], aw.secret_list[0]) == MAGIC_RET
    assert asset_query_label(store, aw.label_list[0], 3) == MAGIC_RET
    assert asset_query_option(store, 2, 1, Tag.DATA_LABEL_NORMAL_1, 2) == MAGIC_RET


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0700(store: AssetStore) -> None:
    """AssetNdk.test.ets:124: the four invalid queries of ``Asset_QueryError``: 401 all four."""
    aw.add_all(store, {})
    assert asset_query_error(store, aw.alias_name_list[0], aw.secret_list[0]) == 4


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0300(store: AssetStore) -> None:
    """AssetNdk.test.ets:139: updates to the longest and the shortest secret, and of a secret with a
    512-byte NORMAL_1: 0."""
    aw.add_all(store, {})
    assert asset_update_easy(store, aw.alias_name_list[0], aw.sec_long) == 0
    assert asset_update_easy(store, aw.alias_name_list[1], aw.sec_short) == 0
    assert asset_update_label(store, aw.alias_name_list[2], aw.sec_long, aw.label_long) == 0


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0800(store: AssetStore) -> None:
    """AssetNdk.test.ets:160: updates to a 1025-byte or empty secret or a 2049-byte label: 401; the
    four invalid updates of ``Asset_UpdateError``: 401 all four."""
    aw.add_all(store, {})
    assert asset_update_easy(store, aw.alias_name_list[0], aw.sec_too_long) == ErrorCode.INVALID_ARGUMENT
    assert asset_update_easy(store, aw.alias_name_list[1], aw.value_empty) == ErrorCode.INVALID_ARGUMENT
    assert asset_update_label(store, aw.alias_name_list[2], aw.sec_long, aw.label_too_long) == \
        ErrorCode.INVALID_ARGUMENT
    assert asset_update_error(store, aw.alias_name_list[0], aw.secret_list[0]) == 4


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0400(store: AssetStore) -> None:
    """AssetNdk.test.ets:183: remove by alias, by NORMAL_1 ``tag1``, then all: 0 each time."""
    aw.add_all(store, {})
    assert asset_remove(store, aw.alias_name_list[0]) == 0
    assert asset_remove_label(store, aw.label_list[0]) == 0
    assert asset_remove_all(store) == 0


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0900(store: AssetStore) -> None:
    """AssetNdk.test.ets:203: the four invalid removals of ``Asset_RemoveError``: 401 all four."""
    aw.add_all(store, {})
    assert asset_remove_error(store, aw.alias_name_list[0], aw.secret_list[0]) == 4


def test_SUB_Security_DataSecurity_Asset_NDK_Func_0500(store: AssetStore) -> None:
    """AssetNdk.test.ets:218: with ``user02`` AUTH_TYPE NONE and the others ANY: pre/post_query of
    ``user01``, 24000002 for ``user02``, pre/post_query of all: 3."""
    add_all_auth(store, {})
    assert asset_pre_and_post_query_normal(store, aw.alias_name_list[0], aw.alias_name_list[1]) == 3


def test_SUB_Security_DataSecurity_Asset_NDK_Func_1000(store: AssetStore) -> None:
    """AssetNdk.test.ets:234: pre_query with SECRET or the bad RETURN_* triple and post_query of an
    empty map: 401 all three."""
    add_all_auth(store, {})
    assert asset_pre_and_post_query_error(store, aw.alias_name_list[0], aw.secret_list[0]) == 3


@pytest.mark.xts_decision(ATTR_ENCRYPTED)
def test_SUB_Security_DataSecurity_Asset_CE_Func_0200(store: AssetStore) -> None:
    """AssetNdk.test.ets:249: ``Asset_AddCE`` of the longest alias and secret: upstream MAGIC_RET (the
    asset is in the CE database), hukspy -1 (its add and query are 24000017); a query without
    REQUIRE_ATTR_ENCRYPTED does not find it: -1 in both."""
    assert asset_add_ce(store, aw.alias_long, aw.sec_long) == -1
    assert asset_query_all(store, aw.alias_long, aw.sec_long) == -1

"""XTS ``AssetSync.test.ets`` (ASSET, the ``*Sync`` API of API 12), translated case by case (issue 19).

Upstream: ``security/asset/asset_js/entry/src/ohosTest/ets/test/AssetSync.test.ets`` at xts_acts
commit ``c1edf0ad`` (helpers ``aw/AssetAwSync.ets``, translated in tests/xts/asset/aw.py). 10 ``it()``
cases. hukspy's API is synchronous: ``addSync`` is ``add``, and so on.
"""

from __future__ import annotations

from hukspy.asset import (
    Accessibility,
    AssetStore,
    AuthType,
    ConflictResolution,
    ErrorCode,
    ReturnType,
    Tag,
)
from xts.asset import aw
from xts.asset.aw import Attr

INVALID = ErrorCode.INVALID_ARGUMENT


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0100(store: AssetStore) -> None:
    """AssetSync.test.ets:53: addSync of the longest and the shortest secret, a duplicate (24000003),
    OVERWRITE replaces, THROW_ERROR is 24000003, and assets with AUTH_TYPE NONE, IS_PERSISTENT,
    REQUIRE_PASSWORD_SET=false at DEVICE_FIRST_UNLOCKED and DEVICE_UNLOCKED are added."""
    assert aw.add_easy(store, aw.alias_name_list[0], aw.sec_long) == 0
    assert aw.query_all(store, aw.alias_name_list[0], aw.sec_long) == 0
    assert aw.add_easy(store, aw.alias_name_list[1], aw.sec_short) == 0
    assert aw.query_all(store, aw.alias_name_list[1], aw.sec_short) == 0
    assert aw.add_easy(store, aw.alias_name_list[1], aw.sec_long) == ErrorCode.DUPLICATED
    assert aw.query_all(store, aw.alias_name_list[1], aw.sec_short) == 0

    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[1]), Tag.SECRET: aw.s2a(aw.sec_long),
                  Tag.DATA_LABEL_NORMAL_1: aw.s2a(aw.label_long),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON,
                  Tag.CONFLICT_RESOLUTION: ConflictResolution.OVERWRITE}
    assert aw.add_attr(store, attr) == 0
    assert aw.query_all(store, aw.alias_name_list[1], aw.sec_long) == 0
    attr[Tag.CONFLICT_RESOLUTION] = ConflictResolution.THROW_ERROR
    assert aw.add_attr(store, attr) == ErrorCode.DUPLICATED

    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[2]), Tag.SECRET: aw.s2a(aw.secret_list[2]),
                   Tag.AUTH_TYPE: AuthType.NONE, Tag.IS_PERSISTENT: True, Tag.REQUIRE_PASSWORD_SET: False,
                   Tag.ACCESSIBILITY: Accessibility.DEVICE_FIRST_UNLOCKED}
    assert aw.add_attr(store, attr2) == 0
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[3])
    attr2[Tag.IS_PERSISTENT] = False
    attr2[Tag.REQUIRE_PASSWORD_SET] = False
    attr2[Tag.ACCESSIBILITY] = Accessibility.DEVICE_UNLOCKED
    assert aw.add_attr(store, attr2) == 0


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0600(store: AssetStore) -> None:
    """AssetSync.test.ets:105: addSync without ALIAS or SECRET, with an empty or too long SECRET or
    label, or with the RETURN_* query tags: 401 each time."""
    attr: Attr = {}
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.add_attr(store, attr) == INVALID
    del attr[Tag.ALIAS]
    attr[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.add_attr(store, attr) == INVALID
    del attr[Tag.SECRET]
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    attr[Tag.SECRET] = aw.s2a(aw.value_empty)
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.SECRET] = aw.s2a(aw.sec_too_long)
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.value_empty)
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_too_long)
    assert aw.add_attr(store, attr) == INVALID

    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    attr[Tag.RETURN_LIMIT] = 1
    attr[Tag.RETURN_TYPE] = ReturnType.ALL
    attr[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    attr[Tag.RETURN_OFFSET] = 1
    assert aw.add_attr(store, attr) == INVALID


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0200(store: AssetStore) -> None:
    """AssetSync.test.ets:156: querySync of the five assets: all 5, the secret of ``user01``, 3 with
    NORMAL_1 ``tag1``, 2 with RETURN_OFFSET 2, RETURN_LIMIT 2 and RETURN_ORDERED_BY NORMAL_1."""
    aw.add_all(store, {})
    attr2: Attr = {}
    assert aw.query_num(store, attr2) == 5
    assert aw.query_all(store, aw.alias_name_list[0], aw.secret_list[0]) == 0
    attr2[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    assert aw.query_num(store, attr2) == 3
    del attr2[Tag.DATA_LABEL_NORMAL_1]
    attr2[Tag.RETURN_OFFSET] = 2
    attr2[Tag.RETURN_LIMIT] = 2
    attr2[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.query_num(store, attr2) == 2


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0700(store: AssetStore) -> None:
    """AssetSync.test.ets:184: querySync with SECRET (alone, with ALIAS, with a label): 401; RETURN_OFFSET
    10 past the five assets: 24000002; RETURN_LIMIT 0 and RETURN_ORDERED_BY 0: 401."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.SECRET: aw.s2a(aw.secret_list[0])}
    assert aw.query_attr(store, attr2) == INVALID
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.query_attr(store, attr2) == INVALID
    del attr2[Tag.ALIAS]
    attr2[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    assert aw.query_attr(store, attr2) == INVALID
    del attr2[Tag.DATA_LABEL_NORMAL_1]
    del attr2[Tag.SECRET]

    attr2[Tag.RETURN_OFFSET] = 10
    assert aw.query_attr(store, attr2) == ErrorCode.NOT_FOUND
    del attr2[Tag.RETURN_OFFSET]

    attr2[Tag.RETURN_LIMIT] = 0
    assert aw.query_attr(store, attr2) == INVALID
    del attr2[Tag.RETURN_LIMIT]

    attr2[Tag.RETURN_ORDERED_BY] = 0
    assert aw.query_attr(store, attr2) == INVALID


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0300(store: AssetStore) -> None:
    """AssetSync.test.ets:226: updateSync to the longest and the shortest secret, and of SECRET with a
    512-byte NORMAL_1: 0 each time."""
    aw.add_all(store, {})
    assert aw.update_easy(store, aw.alias_name_list[0], aw.sec_long) == 0
    assert aw.update_easy(store, aw.alias_name_list[1], aw.sec_short) == 0
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[2])}
    attr3: Attr = {Tag.SECRET: aw.s2a(aw.sec_long), Tag.DATA_LABEL_NORMAL_1: aw.s2a(aw.label_long)}
    assert aw.update_attrs(store, attr2, attr3) == 0


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0800(store: AssetStore) -> None:
    """AssetSync.test.ets:251: updateSync with a too long or empty secret, an empty update map, and the
    RETURN_* tags in either map (or no ALIAS): 401 each time. As upstream, RETURN_ORDERED_BY 0 stays in
    the update map from its step on."""
    aw.add_all(store, {})
    assert aw.update_easy(store, aw.alias_name_list[0], aw.sec_too_long) == INVALID
    assert aw.update_easy(store, aw.alias_name_list[0], aw.value_empty) == INVALID

    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[2])}
    attr3: Attr = {}
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr3[Tag.SECRET] = aw.s2a(aw.update_secret)

    attr3[Tag.RETURN_OFFSET] = 10
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    del attr3[Tag.RETURN_OFFSET]

    attr3[Tag.RETURN_LIMIT] = 0
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    del attr3[Tag.RETURN_LIMIT]

    attr3[Tag.RETURN_ORDERED_BY] = 0
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr3[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    del attr3[Tag.RETURN_TYPE]

    del attr2[Tag.ALIAS]
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[2])

    attr2[Tag.RETURN_OFFSET] = 10
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    del attr2[Tag.RETURN_OFFSET]

    attr2[Tag.RETURN_LIMIT] = 0
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    del attr2[Tag.RETURN_LIMIT]

    attr2[Tag.RETURN_ORDERED_BY] = 0
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.update_attrs(store, attr2, attr3) == INVALID
    del attr2[Tag.RETURN_TYPE]


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0400(store: AssetStore) -> None:
    """AssetSync.test.ets:322: removeSync of ``user01`` (4 left), of NORMAL_1 ``tag1`` (2 left), of
    everything (then a query is 24000002): ``aw.remove_steps``."""
    aw.remove_steps(store)


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0900(store: AssetStore) -> None:
    """AssetSync.test.ets:350: removeSync by ALIAS with RETURN_OFFSET, RETURN_TYPE, RETURN_ORDERED_BY,
    RETURN_LIMIT or SECRET: 401 each time (as upstream, RETURN_ORDERED_BY stays from its step on:
    upstream deletes NORMAL_1 instead)."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.RETURN_OFFSET: 1}
    assert aw.remove_attr(store, attr2) == INVALID
    del attr2[Tag.RETURN_OFFSET]
    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.remove_attr(store, attr2) == INVALID
    del attr2[Tag.RETURN_TYPE]
    attr2[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.remove_attr(store, attr2) == INVALID
    attr2.pop(Tag.DATA_LABEL_NORMAL_1, None)
    attr2[Tag.RETURN_LIMIT] = 1
    assert aw.remove_attr(store, attr2) == INVALID
    del attr2[Tag.RETURN_LIMIT]
    attr2[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.remove_attr(store, attr2) == INVALID


def test_SUB_Security_DataSecurity_Asset_Sync_Func_0500(store: AssetStore) -> None:
    """AssetSync.test.ets:384: preQuerySync/postQuerySync of all AUTH_TYPE=ANY assets and of ``user01``
    succeed; with no AUTH_TYPE=ANY asset left (the five added again without it), preQuerySync of
    ``user02`` is 24000002."""
    attr: Attr = {Tag.AUTH_TYPE: AuthType.ANY}
    aw.add_all(store, attr)
    attr2: Attr = {}
    assert aw.pre_query_expect(store, attr2) == 0
    challenge = aw.pre_query(store, attr2)
    assert isinstance(challenge, bytes)
    assert aw.post_query(store, challenge) == 0

    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.pre_query_expect(store, attr2) == 0
    challenge = aw.pre_query(store, attr2)
    assert isinstance(challenge, bytes)
    assert aw.post_query(store, challenge) == 0

    aw.clean_data(store)
    aw.add_all(store, {})
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[1])
    assert aw.pre_query_expect(store, attr2) == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_Sync_Func_1000(store: AssetStore) -> None:
    """AssetSync.test.ets:418: postQuerySync of an empty map: 401; of an altered challenge: 0;
    preQuerySync with SECRET, RETURN_OFFSET, RETURN_TYPE, RETURN_ORDERED_BY or RETURN_LIMIT: 401 (as
    upstream, RETURN_ORDERED_BY stays from its step on)."""
    aw.add_all(store, {Tag.AUTH_TYPE: AuthType.ANY})
    assert aw.post_query_attr(store, {}) == INVALID

    attr2: Attr = {}
    assert aw.pre_query_expect(store, attr2) == 0
    found = aw.pre_query(store, attr2)
    assert isinstance(found, bytes)
    challenge = bytearray(found)
    challenge[1], challenge[2], challenge[3] = challenge[11], challenge[12], challenge[13]
    assert aw.post_query(store, bytes(challenge)) == 0

    attr2[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.pre_query_expect(store, attr2) == INVALID
    del attr2[Tag.SECRET]
    attr2[Tag.RETURN_OFFSET] = 1
    assert aw.pre_query_expect(store, attr2) == INVALID
    del attr2[Tag.RETURN_OFFSET]
    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.pre_query_expect(store, attr2) == INVALID
    del attr2[Tag.RETURN_TYPE]
    attr2[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.pre_query_expect(store, attr2) == INVALID
    attr2.pop(Tag.DATA_LABEL_NORMAL_1, None)
    attr2[Tag.RETURN_LIMIT] = 1
    assert aw.pre_query_expect(store, attr2) == INVALID

"""XTS ``AssetWriteAndQuery.test.ets`` (ASSET), translated case by case (issue 19).

Upstream: ``security/asset/asset_js/entry/src/ohosTest/ets/test/AssetWriteAndQuery.test.ets`` at
xts_acts commit ``c1edf0ad`` (tests/xts/asset/aw.py). 15 ``it()`` cases: add and query, their size
limits, conflicts, RETURN_LIMIT/OFFSET/ORDERED_BY, and a query of 600 assets.
"""

from __future__ import annotations

from hukspy.asset import (
    Accessibility,
    AssetStore,
    AuthType,
    ConflictResolution,
    ErrorCode,
    ReturnType,
    SyncType,
    Tag,
)
from xts.asset import aw
from xts.asset.aw import CRITICALS, LABELS, Attr

INVALID = ErrorCode.INVALID_ARGUMENT


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0100(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:50: on an empty store, a 1025-byte and an empty secret: 401."""
    assert aw.add_easy(store, aw.alias_name_list[0], aw.sec_too_long) == INVALID
    assert aw.add_easy(store, aw.alias_name_list[1], aw.value_empty) == INVALID


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0200(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:64: on an empty store, an add (0), the same again (24000003), and
    assets with SYNC_TYPE NEVER, AUTH_TYPE NONE, IS_PERSISTENT, REQUIRE_PASSWORD_SET=false at
    DEVICE_FIRST_UNLOCKED and DEVICE_UNLOCKED (0)."""
    assert aw.add_easy(store, aw.alias_name_list[0], aw.secret_list[0]) == 0
    assert aw.add_easy(store, aw.alias_name_list[0], aw.secret_list[0]) == ErrorCode.DUPLICATED
    attr: Attr = {Tag.SYNC_TYPE: SyncType.NEVER, Tag.ALIAS: aw.s2a(aw.alias_name_list[1]),
                  Tag.SECRET: aw.s2a(aw.secret_list[1]), Tag.AUTH_TYPE: AuthType.NONE,
                  Tag.IS_PERSISTENT: True, Tag.REQUIRE_PASSWORD_SET: False,
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_FIRST_UNLOCKED}
    assert aw.add_attr(store, attr) == 0
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[2])
    attr[Tag.IS_PERSISTENT] = False
    attr[Tag.REQUIRE_PASSWORD_SET] = False
    attr[Tag.ACCESSIBILITY] = Accessibility.DEVICE_UNLOCKED
    assert aw.add_attr(store, attr) == 0


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0300(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:96: on a store with one asset, a 1025-byte and an empty secret: 401."""
    aw.add_some(store)
    assert aw.add_easy(store, aw.alias_name_list[0], aw.sec_too_long) == INVALID
    assert aw.add_easy(store, aw.alias_name_list[1], aw.value_empty) == INVALID


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0400(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:112: three adds on a store with one asset; a RETURN_TYPE=ATTRIBUTES
    query finds 4, with NORMAL_1 ``tag1`` 3; the secrets of ``user01`` (1024 bytes) and ``user02``
    ("8") come back."""
    aw.add_some(store)
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.sec_long),
                  Tag.DATA_LABEL_NORMAL_1: aw.s2a(aw.label_list[0]),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    assert aw.add_attr(store, attr) == 0
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[1])
    attr[Tag.SECRET] = aw.s2a("8")
    assert aw.add_attr(store, attr) == 0
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[2])
    attr[Tag.SECRET] = aw.s2a("8")
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[1])
    assert aw.add_attr(store, attr) == 0
    attr2: Attr = {Tag.RETURN_TYPE: ReturnType.ATTRIBUTES}
    assert aw.query_num(store, attr2) == 4
    attr2[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    assert aw.query_num(store, attr2) == 3
    assert aw.query_all(store, aw.alias_name_list[0], aw.sec_long) == 0
    assert aw.query_all(store, aw.alias_name_list[1], "8") == 0


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0500(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:150: a 257-byte alias and an empty one: 401."""
    assert aw.add_easy(store, aw.alias_too_long, aw.secret_list[0]) == INVALID
    assert aw.add_easy(store, aw.value_empty, aw.secret_list[0]) == INVALID


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0600(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:165: a 2049-byte NORMAL_1 label and an empty one: 401."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0]),
                  Tag.DATA_LABEL_NORMAL_1: aw.s2a(aw.label_too_long),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.value_empty)
    assert aw.add_attr(store, attr) == INVALID


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0700(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:186: an asset with all eight NORMAL and CRITICAL labels; a
    RETURN_TYPE=ALL query returns the alias, the secret and each label."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0]),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    for tag, label in zip(LABELS, aw.label_list, strict=False):
        attr[tag] = aw.s2a(label)
    for tag, label in zip(CRITICALS, reversed(aw.label_list[:4]), strict=True):
        attr[tag] = aw.s2a(label)
    assert aw.add_attr(store, attr) == 0
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.RETURN_TYPE: ReturnType.ALL}
    ret = aw.query_easy(store, attr2)
    assert not isinstance(ret, int)
    lab = aw.label_list
    assert ret == {"alias": aw.alias_name_list[0], "secret": aw.secret_list[0],
                   "label1": lab[0], "label2": lab[1], "label3": lab[2], "label4": lab[3],
                   "critical1": lab[3], "critical2": lab[2], "critical3": lab[1], "critical4": lab[0]}


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0800(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:226: adding an existing alias: without CONFLICT_RESOLUTION and with
    THROW_ERROR 24000003, with OVERWRITE 0."""
    aw.add_easy(store, aw.alias_name_list[0], aw.secret_list[0])
    assert aw.add_easy(store, aw.alias_name_list[0], aw.secret_list[0]) == ErrorCode.DUPLICATED
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[1]),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON,
                  Tag.CONFLICT_RESOLUTION: ConflictResolution.THROW_ERROR}
    assert aw.add_attr(store, attr) == ErrorCode.DUPLICATED
    attr[Tag.SECRET] = aw.s2a(aw.secret_list[1])
    attr[Tag.CONFLICT_RESOLUTION] = ConflictResolution.OVERWRITE
    assert aw.add_attr(store, attr) == 0


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_0900(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:250: a query of an alias and of a label nobody has: 24000002."""
    aw.add_all(store, {})
    assert aw.query_all(store, "test1", "test2") == ErrorCode.NOT_FOUND
    attr2: Attr = {Tag.DATA_LABEL_NORMAL_1: aw.s2a("test3")}
    assert aw.query_attr(store, attr2) == ErrorCode.NOT_FOUND


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_1200(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:268: three assets with NORMAL_1 ``tag1``: RETURN_LIMIT 2 gives 2,
    4 gives 3, 0 is 401."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.DATA_LABEL_NORMAL_1: aw.s2a(aw.label_list[0])}
    assert aw.query_num(store, attr2) == 3
    attr2[Tag.RETURN_LIMIT] = 2
    assert aw.query_num(store, attr2) == 2
    attr2[Tag.RETURN_LIMIT] = 4
    assert aw.query_num(store, attr2) == 3
    attr2[Tag.RETURN_LIMIT] = 0
    assert aw.query_num(store, attr2) == INVALID


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_1300(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:293: three assets with NORMAL_1 ``tag1``: RETURN_OFFSET 2 gives 1,
    4 is 24000002, 0 gives 3."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.DATA_LABEL_NORMAL_1: aw.s2a(aw.label_list[0])}
    assert aw.query_num(store, attr2) == 3
    attr2[Tag.RETURN_OFFSET] = 2
    assert aw.query_num(store, attr2) == 1
    attr2[Tag.RETURN_OFFSET] = 4
    assert aw.query_num(store, attr2) == ErrorCode.NOT_FOUND
    attr2[Tag.RETURN_OFFSET] = 0
    assert aw.query_num(store, attr2) == 3


def _aliases(found: object) -> list[str]:
    assert isinstance(found, list)
    return [aw.a2s(m[Tag.ALIAS]) for m in found]


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_1400(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:318: a query of all returns the five in insertion order;
    RETURN_ORDERED_BY ALIAS is 401; RETURN_ORDERED_BY NORMAL_1 returns ``user05`` ("a"), ``user04``
    ("tag0"), then the three ``tag1`` in insertion order."""
    aw.add_all(store, {})
    attr2: Attr = {}
    assert _aliases(aw.query_attr(store, attr2)) == aw.alias_name_list
    attr2[Tag.RETURN_ORDERED_BY] = Tag.ALIAS
    assert aw.query_attr(store, attr2) == INVALID
    attr2[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    names = aw.alias_name_list
    assert _aliases(aw.query_attr(store, attr2)) == [names[4], names[3], names[0], names[1], names[2]]


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_1800(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:358: 600 assets ``user01<i>``: a query of all finds 600."""
    for i in range(600):
        aw.add_easy(store, aw.alias_name_list[0] + str(i), aw.alias_name_list[0])
    assert aw.query_num(store, {}) == 600


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_1600(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:378: add of an empty map, without SECRET, without ALIAS, and with
    RETURN_ORDERED_BY, RETURN_TYPE, RETURN_LIMIT or RETURN_OFFSET: 401 each time."""
    attr: Attr = {}
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.add_attr(store, attr) == INVALID
    del attr[Tag.ALIAS]
    attr[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    assert aw.add_attr(store, attr) == INVALID
    attr[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    attr[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.add_attr(store, attr) == INVALID
    del attr[Tag.RETURN_ORDERED_BY]
    attr[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.add_attr(store, attr) == INVALID
    del attr[Tag.RETURN_TYPE]
    attr[Tag.RETURN_LIMIT] = 1
    assert aw.add_attr(store, attr) == INVALID
    del attr[Tag.RETURN_LIMIT]
    attr[Tag.RETURN_OFFSET] = 1
    assert aw.add_attr(store, attr) == INVALID


def test_Security_DataSecurity_Asset_WriteAndQuery_Func_1700(store: AssetStore) -> None:
    """AssetWriteAndQuery.test.ets:417: a query with SECRET (alone, with ALIAS, with a label): 401."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.SECRET: aw.s2a(aw.secret_list[0])}
    assert aw.query_attr(store, attr2) == INVALID
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.query_attr(store, attr2) == INVALID
    del attr2[Tag.ALIAS]
    attr2[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.label_list[0])
    assert aw.query_attr(store, attr2) == INVALID

"""XTS ``AssetUpdate.test.ets`` (ASSET), translated case by case (issue 19).

Upstream: ``security/asset/asset_js/entry/src/ohosTest/ets/test/AssetUpdate.test.ets`` at xts_acts
commit ``c1edf0ad`` (tests/xts/asset/aw.py). 10 ``it()`` cases: update of secrets and labels, and the
tags update refuses.
"""

from __future__ import annotations

from hukspy.asset import Accessibility, AssetStore, ErrorCode, ReturnType, Tag
from xts.asset import aw
from xts.asset.aw import CRITICALS, LABELS, Attr

INVALID = ErrorCode.INVALID_ARGUMENT


def test_Security_DataSecurity_Asset_Update_Func_0100(store: AssetStore) -> None:
    """AssetUpdate.test.ets:52: updating a secret to 1025 bytes or to an empty one: 401."""
    aw.add_all(store, {})
    assert aw.update_easy(store, aw.alias_name_list[0], aw.sec_too_long) == INVALID
    assert aw.update_easy(store, aw.alias_name_list[1], aw.value_empty) == INVALID


def test_Security_DataSecurity_Asset_Update_Func_0200(store: AssetStore) -> None:
    """AssetUpdate.test.ets:72: the same secret update twice: 0 both times."""
    aw.add_all(store, {})
    assert aw.update(store, aw.alias_name_list[0]) == 0
    assert aw.update(store, aw.alias_name_list[0]) == 0


def test_Security_DataSecurity_Asset_Update_Func_0300(store: AssetStore) -> None:
    """AssetUpdate.test.ets:92: updating an alias that does not exist: 24000002."""
    aw.add_all(store, {})
    assert aw.update(store, "abcde") == ErrorCode.NOT_FOUND


def _labelled(tags: tuple[Tag, ...]) -> Attr:
    """``user01`` with ``label_list[0..3]`` in ``tags``, DEVICE_POWERED_ON (the adds of 0600-0900)."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0])}
    for tag, label in zip(tags, aw.label_list, strict=False):
        attr[tag] = aw.s2a(label)
    attr[Tag.ACCESSIBILITY] = Accessibility.DEVICE_POWERED_ON
    return attr


def test_Security_DataSecurity_Asset_Update_Func_0600(store: AssetStore) -> None:
    """AssetUpdate.test.ets:109: updating the four NORMAL labels: 0."""
    aw.add_attr(store, _labelled(LABELS))
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {tag: aw.s2a(aw.label_list[4]) for tag in LABELS}
    assert aw.update_attrs(store, attr2, attr3) == 0


def test_Security_DataSecurity_Asset_Update_Func_0700(store: AssetStore) -> None:
    """AssetUpdate.test.ets:141: updating the four CRITICAL labels: 401."""
    aw.add_attr(store, _labelled(CRITICALS))
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {tag: aw.s2a(aw.label_list[4]) for tag in CRITICALS}
    assert aw.update_attrs(store, attr2, attr3) == INVALID


def test_Security_DataSecurity_Asset_Update_Func_0900(store: AssetStore) -> None:
    """AssetUpdate.test.ets:173: updating the secret together with the four CRITICAL labels: 401."""
    aw.add_attr(store, _labelled(CRITICALS))
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {Tag.SECRET: aw.s2a(aw.secret_list[1])}
    attr3.update({tag: aw.s2a(aw.label_list[4]) for tag in CRITICALS})
    assert aw.update_attrs(store, attr2, attr3) == INVALID


def test_Security_DataSecurity_Asset_Update_Func_1000(store: AssetStore) -> None:
    """AssetUpdate.test.ets:206: an update query without ALIAS (empty, SECRET, a NORMAL label), with
    SECRET, or with RETURN_ORDERED_BY, RETURN_TYPE, RETURN_LIMIT or RETURN_OFFSET: 401 each time."""
    aw.add_all(store, {})
    attr2: Attr = {}
    attr3: Attr = {Tag.SECRET: aw.s2a(aw.secret_list[1])}
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    attr2[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr2[Tag.ALIAS]
    attr2[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr2[Tag.SECRET]
    attr2[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(aw.secret_list[0])
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    del attr2[Tag.DATA_LABEL_NORMAL_1]

    attr2[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr2[Tag.RETURN_ORDERED_BY]
    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr2[Tag.RETURN_TYPE]
    attr2[Tag.RETURN_LIMIT] = 1
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr2[Tag.RETURN_LIMIT]
    attr2[Tag.RETURN_OFFSET] = 1
    assert aw.update_attrs(store, attr2, attr3) == INVALID


def test_Security_DataSecurity_Asset_Update_Func_1100(store: AssetStore) -> None:
    """AssetUpdate.test.ets:264: an update map that is empty, holds ALIAS (with or without SECRET), or
    RETURN_ORDERED_BY, RETURN_TYPE, RETURN_LIMIT or RETURN_OFFSET: 401 each time."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {}
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr3[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    attr3[Tag.SECRET] = aw.s2a(aw.secret_list[1])
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr3[Tag.ALIAS]

    attr3[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr3[Tag.RETURN_ORDERED_BY]
    attr3[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr3[Tag.RETURN_TYPE]
    attr3[Tag.RETURN_LIMIT] = 1
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    del attr3[Tag.RETURN_LIMIT]
    attr3[Tag.RETURN_OFFSET] = 1
    assert aw.update_attrs(store, attr2, attr3) == INVALID


def test_SUB_Security_DataSecurity_Asset_Password_Func_0500(store: AssetStore) -> None:
    """AssetUpdate.test.ets:313: REQUIRE_PASSWORD_SET cannot be updated (false in the update map: 401;
    true in the query too: 401). Upstream ignores the add's result; without a lock-screen PIN hukspy's
    add of a REQUIRE_PASSWORD_SET asset is 24000005 (docs/asset.md, "Accessibility and
    REQUIRE_PASSWORD_SET"), and the 401 comes before the lookup either way."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0]),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON, Tag.REQUIRE_PASSWORD_SET: True}
    aw.add_attr(store, attr)
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {Tag.SECRET: aw.s2a(aw.update_secret), Tag.REQUIRE_PASSWORD_SET: False}
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    aw.clean_data(store)
    attr[Tag.REQUIRE_PASSWORD_SET] = False
    attr2[Tag.REQUIRE_PASSWORD_SET] = True
    assert aw.update_attrs(store, attr2, attr3) == INVALID


def test_SUB_Security_DataSecurity_Asset_LevelCtrl_Func_2500(store: AssetStore) -> None:
    """AssetUpdate.test.ets:343: ACCESSIBILITY cannot be updated (DEVICE_UNLOCKED to POWERED_ON, and
    back): 401 both times."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0]),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_UNLOCKED}
    aw.add_attr(store, attr)
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {Tag.SECRET: aw.s2a(aw.update_secret), Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    assert aw.update_attrs(store, attr2, attr3) == INVALID

    aw.clean_data(store)
    attr[Tag.ACCESSIBILITY] = Accessibility.DEVICE_POWERED_ON
    attr3[Tag.ACCESSIBILITY] = Accessibility.DEVICE_UNLOCKED
    assert aw.update_attrs(store, attr2, attr3) == INVALID

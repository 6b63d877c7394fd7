"""XTS ``AssetDelete.test.ets`` (ASSET), translated case by case (issue 19).

Upstream: ``security/asset/asset_js/entry/src/ohosTest/ets/test/AssetDelete.test.ets`` at xts_acts
commit ``c1edf0ad`` (tests/xts/asset/aw.py). 4 ``it()`` cases: remove with invalid tags, and assets kept
after uninstall (IS_PERSISTENT). The app under test holds ``STORE_PERSISTENT_DATA``; so does every
hukspy caller (docs/asset.md, "Who the caller is").
"""

from __future__ import annotations

from hukspy.asset import Accessibility, AssetStore, ErrorCode, ReturnType, Tag
from xts.asset import aw
from xts.asset.aw import Attr


def test_Security_DataSecurity_Asset_Remove_Func_1000(store: AssetStore) -> None:
    """AssetDelete.test.ets:51: remove by ALIAS with RETURN_OFFSET, then also RETURN_TYPE,
    RETURN_ORDERED_BY, RETURN_LIMIT and SECRET added one by one: 401 each time."""
    aw.add_all(store, {})
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.RETURN_OFFSET: 1}
    assert aw.remove_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT
    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.remove_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT
    attr2[Tag.RETURN_ORDERED_BY] = Tag.DATA_LABEL_NORMAL_1
    assert aw.remove_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT
    attr2[Tag.RETURN_LIMIT] = 1
    assert aw.remove_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT
    attr2[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    assert aw.remove_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT


def test_SUB_Security_DataSecurity_Asset_Remove_Func_1300(store: AssetStore) -> None:
    """AssetDelete.test.ets:81: with the permission, ``basicCRUD`` of an IS_PERSISTENT,
    DEVICE_POWERED_ON asset succeeds."""
    attr: Attr = {Tag.IS_PERSISTENT: True, Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    assert aw.basic_crud(store, attr) == 0


def test_SUB_Security_DataSecurity_Asset_Remove_Func_1400(store: AssetStore) -> None:
    """AssetDelete.test.ets:97: five IS_PERSISTENT assets and one not: a query of all finds 6, of
    IS_PERSISTENT=true 5, of false 1."""
    attr: Attr = {Tag.IS_PERSISTENT: True, Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    aw.add_all(store, attr)
    attr[Tag.IS_PERSISTENT] = False
    attr[Tag.ALIAS] = aw.s2a(aw.secret_list[0])
    attr[Tag.SECRET] = aw.s2a(aw.secret_list[0])
    aw.add_attr(store, attr)
    attr2: Attr = {}
    assert aw.query_num(store, attr2) == 6
    attr2[Tag.IS_PERSISTENT] = True
    assert aw.query_num(store, attr2) == 5
    attr2[Tag.IS_PERSISTENT] = False
    assert aw.query_num(store, attr2) == 1


def test_SUB_Security_DataSecurity_Asset_Remove_Func_1500(store: AssetStore) -> None:
    """AssetDelete.test.ets:122: IS_PERSISTENT cannot be updated (false on persistent assets, true on
    the same assets added again): 401 both times."""
    attr: Attr = {Tag.IS_PERSISTENT: True}
    aw.add_all(store, attr)
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {Tag.IS_PERSISTENT: False, Tag.SECRET: aw.s2a(aw.secret_list[1])}
    assert aw.update_attrs(store, attr2, attr3) == ErrorCode.INVALID_ARGUMENT
    aw.clean_data(store)
    attr3[Tag.IS_PERSISTENT] = False
    aw.add_all(store, attr)
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    attr3[Tag.IS_PERSISTENT] = True
    attr3[Tag.SECRET] = aw.s2a(aw.secret_list[1])
    assert aw.update_attrs(store, attr2, attr3) == ErrorCode.INVALID_ARGUMENT

"""XTS ``AssetNoright.test.ets`` (ASSET, the app without permissions), translated case by case (issue 19).

Upstream: ``security/asset/asset_js_noright/entry/src/ohosTest/ets/test/AssetNoright.test.ets`` at
xts_acts commit ``c1edf0ad`` (tests/xts/asset/aw.py). 5 ``it()`` cases. The app under test is an
ordinary application without ``STORE_PERSISTENT_DATA``: hukspy's caller is an ordinary application too
(so the ``*AsUser`` case holds) but always holds that permission (docs/asset.md, "Who the caller is"),
so the IS_PERSISTENT case is device-only.
"""

from __future__ import annotations

import pytest

from hukspy.asset import AssetStore, ErrorCode, Tag
from xts.asset import aw
from xts.asset.aw import NO_PERMISSION, Attr

ATTR_ENCRYPTED = ("docs/asset.md, 'Who the caller is': REQUIRE_ATTR_ENCRYPTED=true is 24000017 (no encrypted "
                  "attribute database). Upstream keeps such assets in a CE database opened with a database "
                  "key (services/asset/crypto_manager/src/db_key_operator.rs:75-80, "
                  "get_db_key_by_asset_map); "
                  "storing them in hukspy's plain database would break the promise the tag makes; kept")


def test_Security_DataSecurity_Asset_Remove_Func_0200(store: AssetStore) -> None:
    """AssetNoright.test.ets:52: remove ``user01`` (4 left), remove NORMAL_1 ``tag1`` (2 left), remove
    all (then a query is 24000002): ``aw.remove_steps``, as AssetSync's ``Sync_Func_0400``."""
    aw.remove_steps(store)


def test_Security_DataSecurity_Asset_Remove_Func_0900(store: AssetStore) -> None:
    """AssetNoright.test.ets:80: a removed asset can be added again."""
    aw.add_all(store, {})
    aw.remove(store, aw.alias_name_list[0])
    assert aw.add_easy(store, aw.alias_name_list[0], aw.secret_list[0]) == 0


@pytest.mark.xts_device(NO_PERMISSION)
def test_SUB_Security_DataSecurity_Asset_Remove_Func_1200(store: AssetStore) -> None:
    """AssetNoright.test.ets:96: without the permission, ``assetAddFull`` of an IS_PERSISTENT asset: 201."""
    pytest.skip(f"device-only: {NO_PERMISSION}")
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.IS_PERSISTENT: True}
    assert aw.add_full(store, attr) == ErrorCode.PERMISSION_DENIED


def test_SUB_Security_DataSecurity_Asset_AsUserId_Func_1000(store: AssetStore) -> None:
    """AssetNoright.test.ets:112: an ordinary application: add, query, update, remove, preQuery and
    postQuery ``AsUser(100, ...)`` are NOT_SYSTEM_APPLICATION (202); hukspy sees the user id as upstream's
    service does, as the USER_ID tag (tests/xts/asset/aw.py)."""
    assert aw.as_user_calls(store) == [ErrorCode.NOT_SYSTEM_APPLICATION] * 6


@pytest.mark.xts_decision(ATTR_ENCRYPTED)
def test_SUB_Security_DataSecurity_Asset_CE_Func_0100(store: AssetStore) -> None:
    """AssetNoright.test.ets:139: ``basicCRUDCE`` of a REQUIRE_ATTR_ENCRYPTED asset: upstream 0, hukspy
    24000017 at the first add; then ``basicCRUD`` of an ordinary asset: 0."""
    attr: Attr = {Tag.REQUIRE_ATTR_ENCRYPTED: True}
    assert aw.basic_crud(store, attr, attr_encrypted=True) == ErrorCode.UNSUPPORTED
    attr2: Attr = {}
    attr[Tag.REQUIRE_ATTR_ENCRYPTED] = False
    assert aw.basic_crud(store, attr2) == 0

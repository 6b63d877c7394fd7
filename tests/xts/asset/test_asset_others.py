"""XTS ``AssetOthers.test.ets`` (ASSET), translated case by case (issue 19).

Upstream: ``security/asset/asset_js/entry/src/ohosTest/ets/test/AssetOthers.test.ets`` at xts_acts
commit ``c1edf0ad`` (tests/xts/asset/aw.py). 5 ``it()`` cases: the ``*AsUser`` system API, 2 KiB labels,
UPDATE_TIME, the NORMAL_LOCAL labels and the enum values.
"""

from __future__ import annotations

import pytest

from hukspy.asset import (
    AssetStore,
    ErrorCode,
    OperationType,
    ReturnType,
    SyncType,
    Tag,
    TagType,
    WrapType,
)
from xts.asset import aw
from xts.asset.aw import CRITICALS, LABELS, LOCALS, Attr

NO_SYSTEM_APP = ("needs OpenHarmony's app identities: a system application that lacks "
                 "ohos.permission.INTERACT_ACROSS_LOCAL_ACCOUNTS gets 201 from the *AsUser API; every hukspy "
                 "caller is an ordinary application (docs/asset.md, 'Who the caller is'), which gets 202 "
                 "(AssetNoright's SUB_Security_DataSecurity_Asset_AsUserId_Func_1000)")


@pytest.mark.xts_device(NO_SYSTEM_APP)
def test_SUB_Security_DataSecurity_Asset_AsUserId_Func_0800(store: AssetStore) -> None:
    """AssetOthers.test.ets:51: a system app without INTERACT_ACROSS_LOCAL_ACCOUNTS: add, query,
    update, remove, preQuery and postQuery ``AsUser(100, ...)`` are PERMISSION_DENIED (201)."""
    pytest.skip(f"device-only: {NO_SYSTEM_APP}")
    assert aw.as_user_calls(store) == [ErrorCode.PERMISSION_DENIED] * 6


def test_SUB_Security_DataSecurity_Asset_Database_Func_0500(store: AssetStore) -> None:
    """AssetOthers.test.ets:77: an asset with all twelve labels of 2048 bytes is added, and a
    RETURN_TYPE=ALL query returns every label unchanged."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0])}
    for tag in (*LABELS, *CRITICALS, *LOCALS):
        attr[tag] = aw.s2a(aw.string2k)
    assert aw.add_attr(store, attr) == 0
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.RETURN_TYPE: ReturnType.ALL}
    assert not isinstance(aw.query_easy(store, attr2), int)
    found = aw.query_attr(store, attr2)
    assert not isinstance(found, int)
    for tag in (*LABELS, *CRITICALS, *LOCALS):
        assert aw.a2s(found[0][tag]) == aw.string2k


def test_SUB_Security_DataSecurity_Asset_Database_Func_0400(store: AssetStore) -> None:
    """AssetOthers.test.ets:126: UPDATE_TIME is returned after the add and after a secret update, both
    above 1 and the second more than 1 (ms) later."""
    aw.add_easy(store, aw.alias_name_list[0], aw.secret_list[0])
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.RETURN_TYPE: ReturnType.ALL}
    found = aw.query_attr(store, attr)
    assert not isinstance(found, int)
    time1 = aw.a2s(found[0][Tag.UPDATE_TIME])
    aw.update_easy(store, aw.alias_name_list[0], aw.update_secret)
    found = aw.query_attr(store, attr)
    assert not isinstance(found, int)
    time2 = aw.a2s(found[0][Tag.UPDATE_TIME])
    assert float(time1) > 1
    assert float(time2) > 1
    assert float(time2) - float(time1) > 1


def test_SUB_Security_DataSecurity_Asset_Database_Func_0200(store: AssetStore) -> None:
    """AssetOthers.test.ets:152: the four NORMAL_LOCAL labels (2048 bytes) are added, updated to
    ``update_secret`` and returned updated."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0])}
    for tag in LOCALS:
        attr[tag] = aw.s2a(aw.string2k)
    assert aw.add_attr(store, attr) == 0
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    attr3: Attr = {tag: aw.s2a(aw.update_secret) for tag in LOCALS}
    assert aw.update_attrs(store, attr2, attr3) == 0
    found = aw.query_attr(store, attr2)
    assert not isinstance(found, int)
    for tag in LOCALS:
        assert aw.a2s(found[0][tag]) == aw.update_secret


def test_SUB_Security_DataSecurity_Asset_JS_Func_0100() -> None:
    """AssetOthers.test.ets:191: the values of SyncType, OperationType, WRAP_TYPE and GROUP_ID,
    WrapType and the error codes (no keystore needed)."""
    assert SyncType.NEVER == 0
    assert SyncType.THIS_DEVICE == 1
    assert SyncType.TRUSTED_DEVICE == 2
    assert SyncType.TRUSTED_ACCOUNT == 4
    assert OperationType.NEED_SYNC == 0
    assert OperationType.NEED_LOGOUT == 1
    assert Tag.WRAP_TYPE == TagType.NUMBER | 0x49
    assert Tag.GROUP_ID == TagType.BYTES | 0x48
    assert WrapType.NEVER == 0
    assert WrapType.TRUSTED_ACCOUNT == 1
    expected = {"PERMISSION_DENIED": 201, "NOT_SYSTEM_APPLICATION": 202, "SERVICE_UNAVAILABLE": 24000001,
                "ACCESS_DENIED": 24000004, "STATUS_MISMATCH": 24000005, "OUT_OF_MEMORY": 24000006,
                "DATA_CORRUPTED": 24000007, "DATABASE_ERROR": 24000008, "CRYPTO_ERROR": 24000009,
                "IPC_ERROR": 24000010, "BMS_ERROR": 24000011, "ACCOUNT_ERROR": 24000012,
                "ACCESS_TOKEN_ERROR": 24000013, "FILE_OPERATION_ERROR": 24000014,
                "GET_SYSTEM_TIME_ERROR": 24000015, "UNSUPPORTED": 24000017}
    assert {name: int(ErrorCode[name]) for name in expected} == expected

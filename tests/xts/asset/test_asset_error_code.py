"""XTS ``AssetErrorCode.test.ets`` (ASSET, the app without permissions), translated case by case (issue 19).

Upstream: ``security/asset/asset_js_noright/entry/src/ohosTest/ets/test/AssetErrorCode.test.ets`` at
xts_acts commit ``c1edf0ad`` (tests/xts/asset/aw.py). 39 ``it()`` cases: one error code each, through
the promise and the ``*Sync`` API (one call in hukspy's synchronous API). Most upstream cases check
the code only inside ``catch`` (a success passes too); as in the rest of tests/xts (docs/conformance.md)
the translation requires the error. Cases ``remove_02``/``preQuery_02`` check it in a ``.catch`` the test
does not wait for; the translation requires it too.

Kinds: the two IS_PERSISTENT cases need an app without ``STORE_PERSISTENT_DATA`` (201), which hukspy
cannot be (device-only); GROUP_ID asserts hukspy's decision; ``querySyncResult`` answers {0, 0, 0} (hukspy
syncs nothing) and REQUIRE_ATTR_ENCRYPTED=true is a decision (24000017).
"""

from __future__ import annotations

import pytest

from hukspy.asset import Accessibility, AssetStore, AuthType, ErrorCode, ReturnType, Tag, WrapType
from xts.asset import aw
from xts.asset.aw import NO_PERMISSION, Attr

INVALID = ErrorCode.INVALID_ARGUMENT
GROUP = ("docs/asset.md, 'Who the caller is': GROUP_ID is 24000017 (no bundle manager grants access groups). "
         "Upstream's 24000010 is an artefact: GetHapProcessInfo (services/asset/os_dependency/src/"
         "bms_wrapper.cpp:80-102, GetBundleInfo) answers ASSET_INVALID_ARGUMENT for a group the app does not "
         "declare, stub.rs:183 turns any ProcessInfo::build error into IpcStatusCode::InvalidValue "
         "(asset_err_handle, stub.rs:239), and the client reports that as IPC_ERROR (frameworks/asset/ipc/"
         "src/lib.rs:202); kept")
ATTR_ENCRYPTED = ("REQUIRE_ATTR_ENCRYPTED=true is 24000017 on every call: hukspy has no encrypted attribute "
                  "database (docs/asset.md, 'Not implemented'; upstream answers {0, 0, 0})")


def _demo(alias: str, secret: str, label: str, extra: Attr) -> Attr:
    """The ``demo_*`` maps of the suite: SECRET, ALIAS, DEVICE_FIRST_UNLOCKED, NORMAL_1 ``label``, and
    ``extra``."""
    attr: Attr = {Tag.SECRET: aw.s2a(secret), Tag.ALIAS: aw.s2a(alias),
                  Tag.ACCESSIBILITY: Accessibility.DEVICE_FIRST_UNLOCKED}
    attr[Tag.DATA_LABEL_NORMAL_1] = aw.s2a(label)
    attr.update(extra)
    return attr


def _auth_any(alias: str, secret: str, accessibility: Accessibility | None) -> Attr:
    """An AUTH_TYPE=ANY asset (without ACCESSIBILITY when ``accessibility`` is None)."""
    attr: Attr = {Tag.SECRET: aw.s2a(secret), Tag.ALIAS: aw.s2a(alias), Tag.AUTH_TYPE: AuthType.ANY}
    if accessibility is not None:
        attr[Tag.ACCESSIBILITY] = accessibility
    return attr


def test_SUB_Security_DataSecurity_Asset_JS_wraptype_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:43: an asset with WRAP_TYPE=TRUSTED_ACCOUNT (and no SYNC_TYPE) is added."""
    attr = _demo("demo_alias1", "demo_pwd1", "demo_label1", {Tag.WRAP_TYPE: WrapType.TRUSTED_ACCOUNT})
    assert aw.add_attr(store, attr) == 0


def test_SUB_Security_DataSecurity_Asset_JS_wraptype_0200(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:69: an asset with WRAP_TYPE=NEVER is added."""
    attr = _demo("demo_alias", "demo_pwd", "demo_label", {Tag.WRAP_TYPE: WrapType.NEVER})
    assert aw.add_attr(store, attr) == 0


def test_SUB_Security_DataSecurity_Asset_errorCode_add_0300_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:95: add succeeds, the same add again is 24000003."""
    attr = _demo("demo_alias2", "demo_pwd2", "demo_label2", {})
    assert aw.add_attr(store, attr) == 0
    assert aw.add_attr(store, attr) == ErrorCode.DUPLICATED


def test_SUB_Security_DataSecurity_Asset_errorCode_add_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:123: add with ALIAS only: 401."""
    assert aw.add_attr(store, {Tag.ALIAS: aw.s2a("demo_alias2")}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_postQuerySync_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:145: postQuerySync with ALIAS (no AUTH_CHALLENGE): 401."""
    assert aw.post_query_attr(store, {Tag.ALIAS: aw.s2a("demo_alias2")}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_postQuery_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:167: postQuery with ALIAS (no AUTH_CHALLENGE): 401."""
    assert aw.post_query_attr(store, {Tag.ALIAS: aw.s2a("demo_alias2")}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_removeSync_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:189: removeSync of an alias nobody has: 24000002."""
    assert aw.remove(store, "0000000000") == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_errorCode_remove_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:211: remove of an alias nobody has: 24000002."""
    assert aw.remove(store, "0000000000") == ErrorCode.NOT_FOUND


def _pre_query_until_error(store: AssetStore, attr2: Attr) -> tuple[int, bytes]:
    """Up to 20 pre_queries of ``attr2`` (the suite's loop): the first error code (0 if all 20
    succeeded, which upstream fails) and the last challenge."""
    challenge = b""
    for _ in range(20):
        found = aw.pre_query(store, attr2)
        if isinstance(found, int):
            return found, challenge
        challenge = found
    return 0, challenge


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuerySync_016_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:237: preQuerySync of all (one AUTH_TYPE=ANY asset) 20 times without
    postQuery: 24000016 before the 20th; the last challenge is released."""
    assert aw.add_attr(store, _auth_any("demo_alias", "123456789", None)) == 0
    code, challenge = _pre_query_until_error(store, {})
    assert code == ErrorCode.LIMIT_EXCEEDED
    assert aw.post_query(store, challenge) == 0


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuerySync_017_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:270: preQuerySync of all when the AUTH_TYPE=ANY assets are
    DEVICE_UNLOCKED and DEVICE_FIRST_UNLOCKED (two access controls): 24000017."""
    assert aw.add_attr(store, _auth_any("demo_alias1", "123456789", Accessibility.DEVICE_UNLOCKED)) == 0
    assert aw.add_attr(store, _auth_any("demo_alias2", "123456789", Accessibility.DEVICE_FIRST_UNLOCKED)) == 0
    assert aw.pre_query_expect(store, {}) == ErrorCode.UNSUPPORTED


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuerySync_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:303: preQuerySync of an alias nobody has: 24000002."""
    assert aw.add_attr(store, _auth_any("demo_alias", "123456789", None)) == 0
    assert aw.pre_query_expect(store, {Tag.ALIAS: aw.s2a("00000000000")}) == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuery_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:330: preQuery of an alias nobody has: 24000002."""
    assert aw.add_attr(store, _auth_any("demo_alias", "123456789", None)) == 0
    assert aw.pre_query_expect(store, {Tag.ALIAS: aw.s2a("0000000000")}) == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuery_016_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:361: preQuery of ``demo_alias`` 20 times without postQuery: 24000016
    before the 20th; the last challenge is released."""
    assert aw.add_attr(store, _auth_any("demo_alias", "123456789", None)) == 0
    code, challenge = _pre_query_until_error(store, {Tag.ALIAS: aw.s2a("demo_alias")})
    assert code == ErrorCode.LIMIT_EXCEEDED
    assert aw.post_query(store, challenge) == 0


def test_SUB_Security_DataSecurity_Asset_errorCode_addSync_03_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:395: addSync succeeds, the same addSync again is 24000003."""
    attr = _demo("demo_alias", "123456789", "tag1", {})
    assert aw.add_attr(store, attr) == 0
    assert aw.add_attr(store, attr) == ErrorCode.DUPLICATED


def test_SUB_Security_DataSecurity_Asset_errorCode_addSync_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:423: addSync with ALIAS only: 401."""
    assert aw.add_attr(store, {Tag.ALIAS: aw.s2a("demo_alias2")}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuery_017_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:445: preQuery of all when the AUTH_TYPE=ANY assets are DEVICE_UNLOCKED and
    DEVICE_FIRST_UNLOCKED: 24000017."""
    assert aw.add_attr(store, _auth_any("demo_alias", "12345678", Accessibility.DEVICE_UNLOCKED)) == 0
    assert aw.add_attr(store, _auth_any("demo_alias1", "123456789", Accessibility.DEVICE_FIRST_UNLOCKED)) == 0
    assert aw.pre_query_expect(store, {}) == ErrorCode.UNSUPPORTED


def _two_auth_any_then_query_all(store: AssetStore) -> int:
    assert aw.add_attr(store, _auth_any("demo_alias", "12345678", Accessibility.DEVICE_UNLOCKED)) == 0
    assert aw.add_attr(store, _auth_any("demo_alias1", "123456789", Accessibility.DEVICE_FIRST_UNLOCKED)) == 0
    found = aw.query_attr(store, {Tag.RETURN_TYPE: ReturnType.ALL})
    return found if isinstance(found, int) else 0


def test_SUB_Security_DataSecurity_Asset_errorCode_querySync_017_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:480: querySync of every secret (RETURN_TYPE=ALL without ALIAS): 24000017."""
    assert _two_auth_any_then_query_all(store) == ErrorCode.UNSUPPORTED


def test_SUB_Security_DataSecurity_Asset_errorCode_querySync_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:516: querySync of an alias nobody has: 24000002."""
    assert aw.query_attr(store, {Tag.ALIAS: aw.s2a("0000000000")}) == ErrorCode.NOT_FOUND


#: The suite's ``auth_token``: 344 zero bytes.
ZERO_TOKEN = bytes(344)


def _query_with_zero_token(store: AssetStore) -> int:
    """A DEVICE_UNLOCKED AUTH_TYPE=ANY asset, a challenge for it, and a RETURN_TYPE=ALL query with the
    challenge and a token of 344 zero bytes: the query's code; the challenge is released."""
    assert aw.add_attr(store, _auth_any("demo_alias", "12345678", Accessibility.DEVICE_UNLOCKED)) == 0
    challenge = aw.pre_query(store, {Tag.ALIAS: aw.s2a("demo_alias")})
    assert isinstance(challenge, bytes)
    attr2: Attr = {Tag.ALIAS: aw.s2a("demo_alias"), Tag.AUTH_TYPE: AuthType.ANY, Tag.AUTH_TOKEN: ZERO_TOKEN,
                   Tag.RETURN_TYPE: ReturnType.ALL, Tag.AUTH_CHALLENGE: challenge}
    found = aw.query_attr(store, attr2)
    assert aw.post_query(store, challenge) == 0
    return found if isinstance(found, int) else 0


def test_SUB_Security_DataSecurity_Asset_errorCode_querySync_04_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:538: querySync with a token that does not verify: 24000004."""
    assert _query_with_zero_token(store) == ErrorCode.ACCESS_DENIED


def test_SUB_Security_DataSecurity_Asset_errorCode_query_017_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:584: query of every secret (RETURN_TYPE=ALL without ALIAS): 24000017."""
    assert _two_auth_any_then_query_all(store) == ErrorCode.UNSUPPORTED


def test_SUB_Security_DataSecurity_Asset_errorCode_query_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:620: query of an alias nobody has: 24000002."""
    assert aw.query_attr(store, {Tag.ALIAS: aw.s2a("0000000000")}) == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_errorCode_query_04_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:642: query with a token that does not verify: 24000004."""
    assert _query_with_zero_token(store) == ErrorCode.ACCESS_DENIED


def test_SUB_Security_DataSecurity_Asset_errorCode_updateSync_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:688: updateSync of an alias nobody has: 24000002."""
    assert aw.update_easy(store, "0000000000", "demo_pwd_new") == ErrorCode.NOT_FOUND


def test_SUB_Security_DataSecurity_Asset_errorCode_update_02_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:712: update of an alias nobody has: 24000002."""
    assert aw.update_easy(store, "0000000000", "demo_pwd_new") == ErrorCode.NOT_FOUND


@pytest.mark.xts_device(NO_PERMISSION)
def test_SUB_Security_DataSecurity_Asset_errorCode_addSync_201_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:736: addSync with IS_PERSISTENT by an app without the permission: 201."""
    pytest.skip(f"device-only: {NO_PERMISSION}")
    attr: Attr = {Tag.SECRET: aw.s2a("123456789"), Tag.ALIAS: aw.s2a("demo_alias2"), Tag.IS_PERSISTENT: True}
    assert aw.add_attr(store, attr) == ErrorCode.PERMISSION_DENIED


@pytest.mark.xts_device(NO_PERMISSION)
def test_SUB_Security_DataSecurity_Asset_errorCode_add_201_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:760: add with IS_PERSISTENT by an app without the permission: 201."""
    pytest.skip(f"device-only: {NO_PERMISSION}")
    attr: Attr = {Tag.SECRET: aw.s2a("123456789"), Tag.ALIAS: aw.s2a("demo_alias2"), Tag.IS_PERSISTENT: True}
    assert aw.add_attr(store, attr) == ErrorCode.PERMISSION_DENIED


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuerySync_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:784: preQuerySync with a number as ALIAS: 401."""
    assert aw.pre_query_expect(store, {Tag.ALIAS: 1}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_preQuery_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:806: preQuery with a number as ALIAS: 401."""
    assert aw.pre_query_expect(store, {Tag.ALIAS: 1}) == INVALID


@pytest.mark.xts_decision(GROUP)
def test_SUB_Security_DataSecurity_Asset_JS_group_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:828: add with GROUP_ID ``assetGroup`` (a group the app does not declare):
    upstream 24000010, hukspy 24000017 (see ``GROUP``: upstream's service itself rejects the group)."""
    attr = _demo("demo_alias3", "123456789", "demo_label3", {Tag.GROUP_ID: aw.s2a("assetGroup")})
    assert aw.add_attr(store, attr) == ErrorCode.UNSUPPORTED


def test_SUB_Security_DataSecurity_Asset_errorCode_querySync_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:854: querySync with a number as ALIAS: 401."""
    assert aw.query_attr(store, {Tag.ALIAS: 1}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_query_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:876: query with a number as ALIAS: 401."""
    assert aw.query_attr(store, {Tag.ALIAS: 1}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_removeSync_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:898: removeSync with a number as ALIAS: 401."""
    assert aw.remove_attr(store, {Tag.ALIAS: 1}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_remove_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:920: remove with a number as ALIAS: 401."""
    assert aw.remove_attr(store, {Tag.ALIAS: 1}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_updateSync_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:942: updateSync with a number as SECRET: 401."""
    assert aw.update_attrs(store, {Tag.ALIAS: aw.s2a("0000000000")}, {Tag.SECRET: 1}) == INVALID


def test_SUB_Security_DataSecurity_Asset_errorCode_update_401_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:966: update with a number as ALIAS: 401."""
    assert aw.update_attrs(store, {Tag.ALIAS: 1}, {Tag.SECRET: aw.s2a("0000000000")}) == INVALID


def _query_sync_result(store: AssetStore, attr: Attr) -> tuple[int, int, int]:
    """``querySyncResult``: (resultCode, totalCount, failedCount)."""
    result = store.query_sync_result(attr)
    return result.result_code, result.total_count, result.failed_count


def test_SUB_Security_DataSecurity_Asset_querySyncResult_Func_0100(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:990: querySyncResult with REQUIRE_ATTR_ENCRYPTED=false: {0, 0, 0}."""
    assert _query_sync_result(store, {Tag.REQUIRE_ATTR_ENCRYPTED: False}) == (0, 0, 0)


@pytest.mark.xts_decision(ATTR_ENCRYPTED)
def test_SUB_Security_DataSecurity_Asset_querySyncResult_Func_0101(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:1019: querySyncResult with REQUIRE_ATTR_ENCRYPTED=true: {0, 0, 0} upstream;
    hukspy's 24000017 (``ATTR_ENCRYPTED``), as for add and query with that tag."""
    from hukspy.asset import AssetError

    with pytest.raises(AssetError) as info:
        _query_sync_result(store, {Tag.REQUIRE_ATTR_ENCRYPTED: True})
    assert info.value.code == ErrorCode.UNSUPPORTED


def test_SUB_Security_DataSecurity_Asset_querySyncResult_Func_0102(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:1048: querySyncResult of an empty map: {0, 0, 0}."""
    assert _query_sync_result(store, {}) == (0, 0, 0)


def test_SUB_Security_DataSecurity_Asset_querySyncResult_Func_0103(store: AssetStore) -> None:
    """AssetErrorCode.test.ets:1076: querySyncResult with ALIAS (not one of its tags):
    PARAM_VERIFICATION_FAILED (24000018)."""
    from hukspy.asset import AssetError

    with pytest.raises(AssetError) as info:
        _query_sync_result(store, {Tag.ALIAS: aw.s2a("demo_code")})
    assert info.value.code == ErrorCode.PARAM_VERIFICATION_FAILED

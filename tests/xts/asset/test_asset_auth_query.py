"""XTS ``AssetAuthQuery.test.ets`` (ASSET, API 11+), translated case by case (issue 19).

Upstream: ``security/asset/asset_js/entry/src/ohosTest/ets/test/AssetAuthQuery.test.ets`` at xts_acts
commit ``c1edf0ad`` (tests/xts/asset/aw.py). 9 ``it()`` cases: pre_query/post_query and the access
levels without a lock-screen password. Every case runs on a fresh store (upstream's ``beforeEach``
removes everything) of every backend's keystore (tests/xts/asset/conftest.py).
"""

from __future__ import annotations

from hukspy.asset import Accessibility, AssetStore, AuthType, ErrorCode, ReturnType, Tag, TagType
from xts.asset import aw
from xts.asset.aw import Attr


def test_Security_DataSecurity_Asset_Authentication_Func_0600(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:51: with the five assets of AUTH_TYPE=ANY, 16 pre_queries each return a
    challenge (more than 10 characters as text), the 17th is LIMIT_EXCEEDED (24000016); the 16 are
    released."""
    aw.add_all(store, {Tag.AUTH_TYPE: AuthType.ANY})
    challenges = []
    for _ in range(16):
        challenge = aw.pre_query(store, {})
        assert isinstance(challenge, bytes) and len(",".join(map(str, challenge))) > 10
        challenges.append(challenge)
    assert aw.pre_query_expect(store, {}) == ErrorCode.LIMIT_EXCEEDED
    for challenge in reversed(challenges):
        aw.post_query(store, challenge)


def test_Security_DataSecurity_Asset_Authentication_Func_0700(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:77: pre_query with AUTH_VALIDITY_PERIOD 0 and 11 minutes: 401 both."""
    aw.add_all(store, {Tag.AUTH_TYPE: AuthType.ANY})
    attr2: Attr = {Tag.AUTH_VALIDITY_PERIOD: 0}
    assert aw.pre_query_expect(store, attr2) == ErrorCode.INVALID_ARGUMENT
    attr2[Tag.AUTH_VALIDITY_PERIOD] = 11 * 60
    assert aw.pre_query_expect(store, attr2) == ErrorCode.INVALID_ARGUMENT


def test_Security_DataSecurity_Asset_Authentication_Func_1200(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:98: a challenge with bytes 1-3 overwritten by bytes 11-13, passed as
    AUTH_TOKEN to a RETURN_TYPE=ALL query of ``user01`` without AUTH_CHALLENGE: 401; the TagType values;
    post_query of the altered challenge succeeds (an unknown challenge is no error)."""
    aw.add_all(store, {Tag.AUTH_TYPE: AuthType.ANY})
    attr2: Attr = {}
    assert aw.pre_query_expect(store, attr2) == 0
    found = aw.pre_query(store, attr2)
    assert isinstance(found, bytes)
    challenge = bytearray(found)
    challenge[1], challenge[2], challenge[3] = challenge[11], challenge[12], challenge[13]
    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    attr2[Tag.AUTH_TOKEN] = bytes(challenge)
    attr2[Tag.ALIAS] = aw.s2a(aw.alias_name_list[0])
    assert aw.query_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT
    assert TagType.BOOL == 0x01 << 28
    assert TagType.NUMBER == 0x02 << 28
    assert TagType.BYTES == 0x03 << 28
    assert aw.post_query(store, bytes(challenge)) == 0


def test_Security_DataSecurity_Asset_Authentication_Func_1600(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:131: pre_query of all AUTH_TYPE=ANY assets, then post_query: both 0."""
    aw.add_all(store, {Tag.AUTH_TYPE: AuthType.ANY})
    assert aw.pre_query_expect(store, {}) == 0
    challenge = aw.pre_query(store, {})
    assert isinstance(challenge, bytes)
    assert aw.post_query(store, challenge) == 0


def test_Security_DataSecurity_Asset_Authentication_Func_1500(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:151: an AUTH_TYPE=ANY asset is listed without authentication, but its
    secret (RETURN_TYPE=ALL) without AUTH_CHALLENGE/AUTH_TOKEN is 401."""
    aw.add_all(store, {Tag.AUTH_TYPE: AuthType.ANY})
    attr2: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0])}
    assert not isinstance(aw.query_attr(store, attr2), int)
    attr2[Tag.RETURN_TYPE] = ReturnType.ALL
    assert aw.query_attr(store, attr2) == ErrorCode.INVALID_ARGUMENT


def test_SUB_Security_DataSecurity_Asset_LevelCtrl_Func_0100(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:172: no lock-screen password: ``basicCRUD`` of a DEVICE_UNLOCKED asset
    succeeds."""
    assert aw.basic_crud(store, {Tag.ACCESSIBILITY: Accessibility.DEVICE_UNLOCKED}) == 0


def test_SUB_Security_DataSecurity_Asset_LevelCtrl_Func_0200(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:187: no lock-screen password: ``basicCRUD`` of a DEVICE_FIRST_UNLOCKED
    asset succeeds."""
    assert aw.basic_crud(store, {Tag.ACCESSIBILITY: Accessibility.DEVICE_FIRST_UNLOCKED}) == 0


def test_SUB_Security_DataSecurity_Asset_LevelCtrl_Func_0300(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:202: no lock-screen password: ``basicCRUD`` of a DEVICE_POWERED_ON asset
    succeeds."""
    assert aw.basic_crud(store, {Tag.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}) == 0


def test_Security_DataSecurity_Asset_Authentication_Func_1000(store: AssetStore) -> None:
    """AssetAuthQuery.test.ets:217: no lock-screen password: an AUTH_TYPE=ANY asset is added and
    removed."""
    attr: Attr = {Tag.ALIAS: aw.s2a(aw.alias_name_list[0]), Tag.SECRET: aw.s2a(aw.secret_list[0]),
                  Tag.AUTH_TYPE: AuthType.ANY}
    assert aw.add_attr(store, attr) == 0
    assert aw.remove(store, aw.alias_name_list[0]) == 0

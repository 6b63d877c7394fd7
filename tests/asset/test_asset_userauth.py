"""ASSET with hukspy's UserIAM (docs/userauth.md; asset-reference.md §4.3, userauth-reference.md §5-6):
AUTH_TYPE=ANY secrets come back with a pre_query challenge and a token of the keystore's UserIAM; the
access controls follow the keystore's lock state. Each test has a software keystore of its own (its PIN
and lock state must not leak into other tests); time and boots are moved with a ``FakeClock``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hukspy
from hukspy import asset
from hukspy.asset import Accessibility, AssetError, AuthType, ReturnType, Tag
from hukspy.testing.userauth import FakeClock

T = Tag
PIN = b"8642"
ALL: dict[Tag, asset.AssetValue] = {T.RETURN_TYPE: ReturnType.ALL}


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value.code


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ks(tmp_path: Path, clock: FakeClock) -> Iterator[hukspy.Keystore]:
    with hukspy.Keystore(f"software:{tmp_path / 'ks'}") as keystore:
        keystore.user_auth.clock = clock
        yield keystore


@pytest.fixture
def st(tmp_path: Path, ks: hukspy.Keystore) -> Iterator[asset.AssetStore]:
    with asset.AssetStore(tmp_path / "asset", ks, "test.app") as store:
        yield store


def test_any_secret_with_a_token_of_this_keystore(st: asset.AssetStore, ks: hukspy.Keystore) -> None:
    ua = ks.user_auth
    ua.enroll_pin(PIN)
    st.add({T.ALIAS: b"a", T.SECRET: b"s3cret", T.AUTH_TYPE: AuthType.ANY})
    q = {T.ALIAS: b"a", **ALL}
    challenge = st.pre_query({T.ALIAS: b"a"})
    token = ua.authenticate(challenge, PIN)
    (row,) = st.query({**q, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: token})
    assert row[T.SECRET] == b"s3cret"
    # tokens that must not open it: another challenge, a forged or random one, a wrong size
    other = ua.authenticate(secrets.token_bytes(32), PIN)
    forged = bytearray(token)
    forged[100] ^= 1
    for bad in (other, bytes(forged), secrets.token_bytes(280), token[:-1], b"t"):
        denied = {**q, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: bad}
        assert code_of(lambda d=denied: st.query(d)) == 24000004
    st.post_query({T.AUTH_CHALLENGE: challenge})
    assert code_of(lambda: st.query({**q, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: token})) == 24000002


def test_a_token_of_another_keystore_is_denied(
    st: asset.AssetStore, ks: hukspy.Keystore, tmp_path: Path
) -> None:
    ks.user_auth.enroll_pin(PIN)
    st.add({T.ALIAS: b"a", T.SECRET: b"x", T.AUTH_TYPE: AuthType.ANY})
    challenge = st.pre_query({T.ALIAS: b"a"})
    with hukspy.Keystore(f"software:{tmp_path / 'other'}") as other:
        other.user_auth.enroll_pin(PIN)
        token = other.user_auth.authenticate(challenge, PIN)
    q = {T.ALIAS: b"a", **ALL, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: token}
    assert code_of(lambda: st.query(q)) == 24000004


def test_require_password_set_follows_the_pin(st: asset.AssetStore, ks: hukspy.Keystore) -> None:
    attrs = {T.ALIAS: b"p", T.SECRET: b"x", T.REQUIRE_PASSWORD_SET: True}
    assert code_of(lambda: st.add(attrs)) == 24000005
    ks.user_auth.enroll_pin(PIN)
    st.add(attrs)
    assert st.query({T.ALIAS: b"p", **ALL})[0][T.SECRET] == b"x"
    ks.user_auth.remove_pin(PIN)
    assert code_of(lambda: st.query({T.ALIAS: b"p", **ALL})) == 24000005
    assert st.query({T.ALIAS: b"p"})[0][T.ALIAS] == b"p"  # attributes need no key


def test_accessibility_follows_the_lock_state(
    st: asset.AssetStore, ks: hukspy.Keystore, clock: FakeClock
) -> None:
    ua = ks.user_auth
    ua.enroll_pin(PIN)
    unlocked = {T.ALIAS: b"u", T.SECRET: b"u", T.ACCESSIBILITY: Accessibility.DEVICE_UNLOCKED}
    first = {T.ALIAS: b"f", T.SECRET: b"f"}  # DEVICE_FIRST_UNLOCKED, the default
    powered = {T.ALIAS: b"p", T.SECRET: b"p", T.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON}
    st.add(unlocked)
    st.add(first)
    st.add(powered)
    ua.lock()
    assert code_of(lambda: st.query({T.ALIAS: b"u", **ALL})) == 24000005
    assert code_of(lambda: st.add({**unlocked, T.ALIAS: b"u2"})) == 24000005
    assert code_of(lambda: st.update({T.ALIAS: b"u"}, {T.SECRET: b"new"})) == 24000005
    assert st.query({T.ALIAS: b"f", **ALL})[0][T.SECRET] == b"f"
    ua.unlock(PIN)
    assert st.query({T.ALIAS: b"u", **ALL})[0][T.SECRET] == b"u"
    clock.boot = "boot-2"  # a reboot: locked, and not unlocked since boot
    assert code_of(lambda: st.query({T.ALIAS: b"f", **ALL})) == 24000005
    assert st.query({T.ALIAS: b"p", **ALL})[0][T.SECRET] == b"p"  # DE: usable from power-on
    ua.authenticate(None, PIN)
    assert st.query({T.ALIAS: b"f", **ALL})[0][T.SECRET] == b"f"


def test_locking_ends_device_unlocked_pre_query_sessions(st: asset.AssetStore, ks: hukspy.Keystore) -> None:
    ua = ks.user_auth
    ua.enroll_pin(PIN)
    st.add({T.ALIAS: b"a", T.SECRET: b"x", T.AUTH_TYPE: AuthType.ANY,
            T.ACCESSIBILITY: Accessibility.DEVICE_UNLOCKED})
    challenge = st.pre_query({T.ALIAS: b"a"})
    token = ua.authenticate(challenge, PIN)
    ua.lock()
    q = {T.ALIAS: b"a", **ALL, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: token}
    assert code_of(lambda: st.query(q)) == 24000002
    ua.unlock(PIN)
    assert code_of(lambda: st.query(q)) == 24000002  # the session is gone for good
    ua.lock()
    assert code_of(lambda: st.pre_query({T.ALIAS: b"a"})) == 24000005


def test_keys_live_at_their_accessibilitys_storage_level(st: asset.AssetStore, ks: hukspy.Keystore) -> None:
    """DEVICE_POWERED_ON keys are DE, DEVICE_FIRST_UNLOCKED CE, DEVICE_UNLOCKED ECE; a key a store made at
    CE before keys had levels is still found and used there."""
    from hukspy import HuksOptions, HuksParam, HuksTag
    from hukspy.asset.crypto import _GENERATE

    def levels_of(alias: str) -> list[int]:
        return [
            lv for lv in (0, 1, 2)
            if ks.has_key_item(alias, HuksOptions([HuksParam(HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, lv)]))
        ]

    cipher = st._cipher
    for acc, level in ((Accessibility.DEVICE_POWERED_ON, 0), (Accessibility.DEVICE_FIRST_UNLOCKED, 1),
                       (Accessibility.DEVICE_UNLOCKED, 2)):
        st.add({T.ALIAS: b"k%d" % level, T.SECRET: b"x", T.ACCESSIBILITY: acc})
        assert levels_of(cipher.alias(AuthType.NONE, acc, False)) == [level]
    legacy = cipher.alias(AuthType.NONE, Accessibility.DEVICE_POWERED_ON, True)
    ks.generate_key_item(legacy, HuksOptions(list(_GENERATE)))  # no level: CE, as stores made it before
    ks.user_auth.enroll_pin(PIN)
    with asset.AssetStore(st.path, ks, "test.app") as again:  # a fresh store finds the CE key
        again.add({T.ALIAS: b"old", T.SECRET: b"y", T.ACCESSIBILITY: Accessibility.DEVICE_POWERED_ON,
                   T.REQUIRE_PASSWORD_SET: True})
        assert again.query({T.ALIAS: b"old", **ALL})[0][T.SECRET] == b"y"
    assert levels_of(legacy) == [1]


# XTS security/asset/asset_js AssetAuthQuery.test.ets (userauth-reference.md §9)


def test_Security_DataSecurity_Asset_Authentication_Func_0600_17th_pre_query_is_limit_exceeded(
    st: asset.AssetStore, ks: hukspy.Keystore
) -> None:
    ks.user_auth.enroll_pin(PIN)
    st.add({T.ALIAS: b"a", T.SECRET: b"x", T.AUTH_TYPE: AuthType.ANY})
    challenges = [st.pre_query({T.ALIAS: b"a"}) for _ in range(16)]
    assert code_of(lambda: st.pre_query({T.ALIAS: b"a"})) == 24000016
    for c in challenges:
        st.post_query({T.AUTH_CHALLENGE: c})


@pytest.mark.parametrize("period", [0, 660])
def test_Security_DataSecurity_Asset_Authentication_Func_0700_validity_period_out_of_range_is_401(
    st: asset.AssetStore, period: int
) -> None:
    st.add({T.ALIAS: b"a", T.SECRET: b"x", T.AUTH_TYPE: AuthType.ANY})
    assert code_of(lambda: st.pre_query({T.ALIAS: b"a", T.AUTH_VALIDITY_PERIOD: period})) == 401


def test_Security_DataSecurity_Asset_Authentication_Func_1200_query_without_challenge_is_401(
    st: asset.AssetStore, ks: hukspy.Keystore
) -> None:
    ks.user_auth.enroll_pin(PIN)
    st.add({T.ALIAS: b"a", T.SECRET: b"x", T.AUTH_TYPE: AuthType.ANY})
    challenge = st.pre_query({T.ALIAS: b"a"})
    token = ks.user_auth.authenticate(challenge, PIN)
    assert code_of(lambda: st.query({T.ALIAS: b"a", **ALL, T.AUTH_TOKEN: token})) == 401
    st.post_query({T.AUTH_CHALLENGE: challenge})

"""pre_query / post_query challenges and AUTH_TYPE=ANY assets (asset-reference.md §4.3, §4.7).

Time is moved with the cache's clock (``hukspy.asset.crypto.clock``), never slept on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hukspy
from hukspy import asset
from hukspy.asset import AssetError, AuthType, ReturnType, Tag
from hukspy.asset import crypto as asset_crypto

T = Tag
ANY: dict[Tag, asset.AssetValue] = {T.AUTH_TYPE: AuthType.ANY}


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value.code


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    c = FakeClock()
    monkeypatch.setattr(asset_crypto, "clock", c)
    return c


@pytest.fixture
def auth_store(store: asset.AssetStore) -> asset.AssetStore:
    store.add({T.SECRET: b"needs-auth", T.ALIAS: b"pin", **ANY})
    store.add({T.SECRET: b"plain", T.ALIAS: b"open"})
    return store


def test_any_assets_can_be_added_updated_and_listed(auth_store: asset.AssetStore) -> None:
    auth_store.update({T.ALIAS: b"pin"}, {T.SECRET: b"changed", T.DATA_LABEL_NORMAL_1: b"n"})
    (row,) = auth_store.query({T.ALIAS: b"pin"})
    assert row[T.AUTH_TYPE] == AuthType.ANY and T.SECRET not in row
    assert auth_store.query({T.ALIAS: b"open", T.RETURN_TYPE: ReturnType.ALL})[0][T.SECRET] == b"plain"


def test_any_secret_needs_a_challenge_and_a_token(auth_store: asset.AssetStore) -> None:
    q: dict[Tag, asset.AssetValue] = {T.ALIAS: b"pin", T.RETURN_TYPE: ReturnType.ALL}
    assert code_of(lambda: auth_store.query(q)) == 401
    challenge = auth_store.pre_query({T.ALIAS: b"pin"})
    assert isinstance(challenge, bytes) and len(challenge) == 32
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: challenge})) == 401
    assert code_of(lambda: auth_store.query({**q, T.AUTH_TOKEN: b"token"})) == 401
    unknown = bytes(32)
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: unknown, T.AUTH_TOKEN: b"t"})) == 24000002
    # a live challenge, but no user-authentication capability to verify the token: access denied
    assert (
        code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: b"t"})) == 24000004
    )
    auth_store.post_query({T.AUTH_CHALLENGE: challenge})
    assert (
        code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: challenge, T.AUTH_TOKEN: b"t"})) == 24000002
    )


def test_pre_query_matches(auth_store: asset.AssetStore) -> None:
    first = auth_store.pre_query({})  # AUTH_TYPE defaults to ANY: only "pin" matches
    second = auth_store.pre_query(ANY)
    assert first != second
    assert code_of(lambda: auth_store.pre_query({T.ALIAS: b"open"})) == 24000002
    assert code_of(lambda: auth_store.pre_query({T.ALIAS: b"missing"})) == 24000002
    auth_store.add({T.SECRET: b"s", T.ALIAS: b"pin2", T.ACCESSIBILITY: 0, **ANY})
    assert code_of(lambda: auth_store.pre_query({})) == 24000017  # two access control types
    auth_store.pre_query({T.ACCESSIBILITY: 0})
    for c in (first, second):
        auth_store.post_query({T.AUTH_CHALLENGE: c})


def test_16_challenges_per_owner(auth_store: asset.AssetStore, clock: FakeClock) -> None:
    challenges = [auth_store.pre_query({}) for _ in range(16)]
    assert len(set(challenges)) == 16
    assert code_of(lambda: auth_store.pre_query({})) == 24000016
    auth_store.post_query({T.AUTH_CHALLENGE: challenges[0]})
    challenges[0] = auth_store.pre_query({})
    assert code_of(lambda: auth_store.pre_query({})) == 24000016
    clock.now += 61  # the default validity is 60 s: all expire, and are dropped first
    for _ in range(16):
        auth_store.pre_query({})
    assert code_of(lambda: auth_store.pre_query({})) == 24000016


def test_validity_period(auth_store: asset.AssetStore, clock: FakeClock) -> None:
    q: dict[Tag, asset.AssetValue] = {T.ALIAS: b"pin", T.RETURN_TYPE: ReturnType.ALL, T.AUTH_TOKEN: b"t"}
    short = auth_store.pre_query({T.AUTH_VALIDITY_PERIOD: 1})
    long = auth_store.pre_query({T.AUTH_VALIDITY_PERIOD: 600})
    clock.now += 1
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: short})) == 24000004  # still valid
    clock.now += 1
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: short})) == 24000002  # expired
    clock.now += 597
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: long})) == 24000004
    clock.now += 2
    assert code_of(lambda: auth_store.query({**q, T.AUTH_CHALLENGE: long})) == 24000002


def test_32_challenges_in_all(
    tmp_path: Path, keystore: hukspy.Keystore, auth_store: asset.AssetStore, clock: FakeClock
) -> None:
    def other(name: str) -> asset.AssetStore:
        st = asset.AssetStore(tmp_path / name, keystore, f"{auth_store.owner}-{name}")
        st.add({T.SECRET: b"s", T.ALIAS: b"x", **ANY})
        return st

    b, c = other("b"), other("c")
    try:
        for _ in range(16):
            auth_store.pre_query({})
            b.pre_query({})
        assert code_of(lambda: c.pre_query({})) == 24000016  # 32 in all
        b.close()  # closing a store drops its challenges
        c.pre_query({})
    finally:
        b.close()
        c.close()


def test_challenges_belong_to_their_owner(
    tmp_path: Path, keystore: hukspy.Keystore, auth_store: asset.AssetStore
) -> None:
    challenge = auth_store.pre_query({})
    with asset.AssetStore(tmp_path / "other", keystore, auth_store.owner + "-x") as other:
        other.add({T.SECRET: b"s", T.ALIAS: b"pin", **ANY})
        q: dict[Tag, asset.AssetValue] = {T.ALIAS: b"pin", T.RETURN_TYPE: ReturnType.ALL}
        q |= {T.AUTH_TOKEN: b"t", T.AUTH_CHALLENGE: challenge}
        assert code_of(lambda: other.query(q)) == 24000002
        other.post_query({T.AUTH_CHALLENGE: challenge})  # not its challenge: success, and no effect
    assert code_of(lambda: auth_store.query({**q})) == 24000004


def test_pre_query_with_the_key_deleted(
    auth_store: asset.AssetStore, keystore: hukspy.Keystore, key_owner: str
) -> None:
    alias = asset_crypto.key_alias(key_owner.encode(), AuthType.ANY, 1, False)
    keystore.delete_key_item(alias, hukspy.HuksOptions())
    assert code_of(lambda: auth_store.pre_query({})) == 24000002


@pytest.fixture(autouse=True)
def _no_leftover_challenges() -> Iterator[None]:
    yield
    assert len(asset_crypto.CHALLENGES) == 0

"""Argument checks: required and allowed tags per operation, value types and ranges, check order
(asset-reference.md §3), the enums' exact values and the error messages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hukspy import asset
from hukspy.asset import AssetError, AssetStore, ErrorCode, SyncResult, Tag

T = Tag
OK: dict[Tag, asset.AssetValue] = {T.SECRET: b"secret", T.ALIAS: b"alias"}


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value.code


# ---------------------------------------------------------------- enums and messages


def test_tag_values_are_upstream() -> None:
    expected = {
        "SECRET": 0x30000001,
        "ALIAS": 0x30000002,
        "ACCESSIBILITY": 0x20000003,
        "REQUIRE_PASSWORD_SET": 0x10000004,
        "AUTH_TYPE": 0x20000005,
        "AUTH_VALIDITY_PERIOD": 0x20000006,
        "AUTH_CHALLENGE": 0x30000007,
        "AUTH_TOKEN": 0x30000008,
        "SYNC_TYPE": 0x20000010,
        "IS_PERSISTENT": 0x10000011,
        **{f"DATA_LABEL_CRITICAL_{i + 1}": 0x30000020 + i for i in range(4)},
        **{f"DATA_LABEL_NORMAL_{i + 1}": 0x30000030 + i for i in range(4)},
        **{f"DATA_LABEL_NORMAL_LOCAL_{i + 1}": 0x30000034 + i for i in range(4)},
        "RETURN_TYPE": 0x20000040,
        "RETURN_LIMIT": 0x20000041,
        "RETURN_OFFSET": 0x20000042,
        "RETURN_ORDERED_BY": 0x20000043,
        "CONFLICT_RESOLUTION": 0x20000044,
        "UPDATE_TIME": 0x30000045,
        "OPERATION_TYPE": 0x20000046,
        "REQUIRE_ATTR_ENCRYPTED": 0x10000047,
        "GROUP_ID": 0x30000048,
        "WRAP_TYPE": 0x20000049,
        "USER_ID": 0x20000100,
    }
    assert {t.name: int(t) for t in Tag} == expected


def test_other_enum_values_are_upstream() -> None:
    assert [int(v) for v in asset.Accessibility] == [0, 1, 2]
    assert (asset.AuthType.NONE, asset.AuthType.ANY) == (0, 0xFF)
    assert [int(v) for v in asset.SyncType] == [0, 1, 2, 4]
    assert [int(v) for v in asset.WrapType] == [0, 1]
    assert (asset.ConflictResolution.OVERWRITE, asset.ConflictResolution.THROW_ERROR) == (0, 1)
    assert (asset.ReturnType.ALL, asset.ReturnType.ATTRIBUTES) == (0, 1)
    assert (asset.OperationType.NEED_SYNC, asset.OperationType.NEED_LOGOUT) == (0, 1)
    codes = [int(c) for c in ErrorCode]
    assert codes == [201, 202, 401, *range(24000001, 24000020)]


def test_every_error_code_has_a_message() -> None:
    for code in ErrorCode:
        err = AssetError(code)
        assert err.code == code and err.message and err.message != "Unknown ASSET error."
    assert AssetError(24000002).message == "The asset is not found."
    assert AssetError(24000007).message == "The asset is corrupted."
    assert AssetError(24000016).message == "The cache exceeds the limit."
    assert AssetError(401, detail="the tag X is missing").message.endswith("the tag X is missing.")
    custom = AssetError(24000008, "custom")
    assert (custom.code, custom.message) == (24000008, "custom")


# ---------------------------------------------------------------- add


def test_add_requires_secret_and_alias(store: asset.AssetStore) -> None:
    assert code_of(lambda: store.add({T.ALIAS: b"a"})) == 401
    assert code_of(lambda: store.add({T.SECRET: b"s"})) == 401
    assert code_of(lambda: store.add({})) == 401


@pytest.mark.parametrize(
    "tag,value",
    [
        (T.AUTH_VALIDITY_PERIOD, 60),
        (T.AUTH_CHALLENGE, b"c" * 32),
        (T.AUTH_TOKEN, b"t"),
        (T.RETURN_TYPE, 0),
        (T.RETURN_LIMIT, 1),
        (T.RETURN_OFFSET, 1),
        (T.RETURN_ORDERED_BY, T.DATA_LABEL_NORMAL_1),
        (T.UPDATE_TIME, b"1"),
    ],
)
def test_add_rejects_tags_it_does_not_allow(store: asset.AssetStore, tag: Tag, value: object) -> None:
    assert code_of(lambda: store.add({**OK, tag: value})) == 401  # type: ignore[dict-item]


@pytest.mark.parametrize(
    "attrs",
    [
        "not a map",
        [(T.SECRET, b"s")],
        {T.SECRET: b"s", T.ALIAS: b"a", 0x30000099: b"x"},  # unknown tag
        {T.SECRET: b"s", T.ALIAS: b"a", True: b"x"},
        {T.SECRET: "text", T.ALIAS: b"a"},
        {**OK, T.ACCESSIBILITY: True},
        {**OK, T.IS_PERSISTENT: 1},
        {**OK, T.SYNC_TYPE: -1},
        {**OK, T.SYNC_TYPE: 2**32},
        {**OK, T.DATA_LABEL_NORMAL_1: b""},
        {**OK, T.DATA_LABEL_NORMAL_1: b"x" * 2049},
    ],
)
def test_add_rejects_malformed_maps(store: asset.AssetStore, attrs: object) -> None:
    assert code_of(lambda: store.add(attrs)) == 401  # type: ignore[arg-type]


def test_map_capacity_is_64(store: asset.AssetStore) -> None:
    big = {i: b"x" for i in range(65)}
    assert code_of(lambda: store.add(big)) == 401  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "tag,good,bad",
    [
        (T.SECRET, [1, 1024], [1025]),
        (T.ALIAS, [1, 256], [257]),
        (T.DATA_LABEL_CRITICAL_1, [1, 2048], [2049]),
        (T.DATA_LABEL_NORMAL_LOCAL_4, [1, 2048], [2049]),
    ],
)
def test_byte_lengths(store: asset.AssetStore, tag: Tag, good: list[int], bad: list[int]) -> None:
    for i, n in enumerate(good):
        attrs = {**OK, T.ALIAS: f"len-{i}".encode(), tag: b"x" * n}
        store.add(attrs)
    for n in bad:
        assert code_of(lambda n=n: store.add({**OK, tag: b"x" * n})) == 401  # type: ignore[misc]


@pytest.mark.parametrize(
    "tag,bad",
    [
        (T.ACCESSIBILITY, 3),
        (T.AUTH_TYPE, 1),
        (T.AUTH_TYPE, 0x100),  # PRIVATE_PIN: in the d.ts, not implemented upstream
        (T.SYNC_TYPE, 8),
        (T.CONFLICT_RESOLUTION, 2),
        (T.WRAP_TYPE, 2),
        (T.OPERATION_TYPE, 2),
    ],
)
def test_enum_values_out_of_range(store: asset.AssetStore, tag: Tag, bad: int) -> None:
    assert code_of(lambda: store.add({**OK, tag: bad})) == 401


def test_sync_type_7_and_all_enum_variants_are_accepted(store: asset.AssetStore) -> None:
    store.add({**OK, T.SYNC_TYPE: 7, T.ACCESSIBILITY: 2, T.OPERATION_TYPE: 1, T.WRAP_TYPE: 0})
    assert store.query({T.ALIAS: b"alias"})[0][T.SYNC_TYPE] == 7


def test_group_check_comes_after_tag_checks_and_before_values(store: asset.AssetStore) -> None:
    # GROUP_ID: no access groups in hukspy (an upstream native caller) -> 24000017, before the value check
    assert code_of(lambda: store.add({**OK, T.GROUP_ID: b"x"})) == 24000017
    assert code_of(lambda: store.add({**OK, T.GROUP_ID: b"group-id-ok"})) == 24000017
    assert code_of(lambda: store.add({T.SECRET: b"s", T.GROUP_ID: b"group-id-ok"})) == 401
    assert code_of(lambda: store.add({**OK, T.GROUP_ID: b"g" * 7, T.RETURN_LIMIT: 1})) == 401


def test_wrap_type_with_trusted_account_sync_is_unsupported(store: asset.AssetStore) -> None:
    attrs: dict[Tag, asset.AssetValue] = {**OK, T.WRAP_TYPE: 1, T.SYNC_TYPE: asset.SyncType.TRUSTED_ACCOUNT}
    assert code_of(lambda: store.add(attrs)) == 24000017
    store.add({**OK, T.WRAP_TYPE: asset.WrapType.TRUSTED_ACCOUNT, T.SYNC_TYPE: 3})


def test_user_id_is_for_system_apps_value_first(store: asset.AssetStore) -> None:
    assert code_of(lambda: store.add({**OK, T.USER_ID: 100})) == 202
    assert code_of(lambda: store.add({**OK, T.USER_ID: 99})) == 401
    assert code_of(lambda: store.query({T.USER_ID: 100})) == 202


def test_require_attr_encrypted(store: asset.AssetStore) -> None:
    assert code_of(lambda: store.add({**OK, T.REQUIRE_ATTR_ENCRYPTED: True})) == 24000017
    store.add({**OK, T.REQUIRE_ATTR_ENCRYPTED: False})
    assert len(store.query({T.REQUIRE_ATTR_ENCRYPTED: False})) == 1


def test_is_persistent_is_accepted(store: asset.AssetStore) -> None:
    store.add({**OK, T.IS_PERSISTENT: True})
    assert store.query({T.IS_PERSISTENT: True})[0][T.IS_PERSISTENT] is True


# ---------------------------------------------------------------- query, pre_query, post_query


@pytest.mark.parametrize(
    "q",
    [
        {T.RETURN_LIMIT: 0},
        {T.RETURN_LIMIT: 0x10001},
        {T.RETURN_ORDERED_BY: T.ALIAS},
        {T.AUTH_CHALLENGE: b"c" * 31},
        {T.AUTH_CHALLENGE: b"c" * 33},
        {T.AUTH_TOKEN: b"t" * 1025},
        {T.SECRET: b"s"},
        {T.CONFLICT_RESOLUTION: 0},
        {T.AUTH_VALIDITY_PERIOD: 60},
        {T.RETURN_TYPE: 2},
    ],
)
def test_query_rejects(store: asset.AssetStore, q: dict[Tag, object]) -> None:
    assert code_of(lambda: store.query(q)) == 401  # type: ignore[arg-type]


def test_query_limits_at_the_edges_are_valid(store: asset.AssetStore) -> None:
    store.add(OK)
    assert len(store.query({T.RETURN_LIMIT: 0x10000})) == 1
    assert len(store.query({T.RETURN_LIMIT: 1, T.RETURN_OFFSET: 0})) == 1
    assert code_of(lambda: store.query({T.RETURN_OFFSET: 2**32 - 1})) == 24000002


def test_query_all_needs_alias(store: asset.AssetStore) -> None:
    store.add(OK)
    assert code_of(lambda: store.query({T.RETURN_TYPE: asset.ReturnType.ALL})) == 24000017


@pytest.mark.parametrize(
    "q,code",
    [
        ({T.AUTH_TYPE: asset.AuthType.NONE}, 401),
        ({T.AUTH_VALIDITY_PERIOD: 0}, 401),
        ({T.AUTH_VALIDITY_PERIOD: 601}, 401),
        ({T.RETURN_LIMIT: 1}, 401),
        ({T.AUTH_VALIDITY_PERIOD: 600}, 24000002),
        ({}, 24000002),
    ],
)
def test_pre_query_checks(store: asset.AssetStore, q: dict[Tag, object], code: int) -> None:
    assert code_of(lambda: store.pre_query(q)) == code  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "h",
    [
        {},
        {T.AUTH_CHALLENGE: b"c" * 31},
        {T.AUTH_CHALLENGE: b"c" * 33},
        {T.AUTH_CHALLENGE: b"c" * 32, T.ALIAS: b"a"},
    ],
)
def test_post_query_checks(store: asset.AssetStore, h: dict[Tag, object]) -> None:
    assert code_of(lambda: store.post_query(h)) == 401  # type: ignore[arg-type]


def test_post_query_of_an_unknown_challenge_succeeds(store: asset.AssetStore) -> None:
    store.post_query({T.AUTH_CHALLENGE: bytes(32)})


# ---------------------------------------------------------------- update, remove


@pytest.mark.parametrize(
    "tag,value",
    [
        (T.ALIAS, b"other"),
        (T.ACCESSIBILITY, 0),
        (T.AUTH_TYPE, 0),
        (T.SYNC_TYPE, 0),
        (T.IS_PERSISTENT, False),
        (T.REQUIRE_PASSWORD_SET, False),
        (T.DATA_LABEL_CRITICAL_1, b"c"),
        (T.CONFLICT_RESOLUTION, 0),
        (T.WRAP_TYPE, 0),
        (T.UPDATE_TIME, b"1"),
    ],
)
def test_update_unsupported_tags(store: asset.AssetStore, tag: Tag, value: object) -> None:
    store.add(OK)
    assert code_of(lambda: store.update({T.ALIAS: b"alias"}, {tag: value})) == 401  # type: ignore[dict-item]


def test_update_argument_rules(store: asset.AssetStore) -> None:
    store.add(OK)
    assert code_of(lambda: store.update({T.DATA_LABEL_NORMAL_1: b"x"}, {T.SECRET: b"n"})) == 401
    assert code_of(lambda: store.update({T.ALIAS: b"alias"}, {})) == 401
    assert code_of(lambda: store.update({T.ALIAS: b"alias", T.OPERATION_TYPE: 0}, {T.SECRET: b"n"})) == 401
    assert code_of(lambda: store.update({T.ALIAS: b"alias", T.RETURN_LIMIT: 1}, {T.SECRET: b"n"})) == 401
    assert code_of(lambda: store.update({T.ALIAS: b"alias"}, {T.SECRET: b"x" * 1025})) == 401
    store.update({T.ALIAS: b"alias"}, {T.OPERATION_TYPE: 0, T.DATA_LABEL_NORMAL_LOCAL_1: b"l"})


def test_remove_argument_rules(store: asset.AssetStore) -> None:
    store.add({**OK, T.DATA_LABEL_CRITICAL_2: b"c2"})
    assert code_of(lambda: store.remove({T.SECRET: b"secret"})) == 401
    assert code_of(lambda: store.remove({T.RETURN_LIMIT: 1})) == 401
    assert code_of(lambda: store.remove({T.GROUP_ID: b"g"})) == 24000017
    store.remove({T.DATA_LABEL_CRITICAL_2: b"c2", T.OPERATION_TYPE: 0})


# ---------------------------------------------------------------- batches


def test_batch_argument_rules(store: asset.AssetStore) -> None:
    assert code_of(lambda: store.batch_add([])) == 401
    assert code_of(lambda: store.batch_add({T.SECRET: b"s"})) == 401  # type: ignore[arg-type]
    many = [{T.SECRET: b"s", T.ALIAS: f"a{i}".encode()} for i in range(101)]
    assert code_of(lambda: store.batch_add(many)) == 401
    assert code_of(lambda: store.batch_add([OK, OK])) == 401  # the same alias twice
    assert code_of(lambda: store.batch_add([{**OK, T.USER_ID: 100}])) == 401
    mixed: list[dict[Tag, asset.AssetValue]] = [
        {**OK, T.REQUIRE_ATTR_ENCRYPTED: True},
        {T.SECRET: b"s", T.ALIAS: b"b"},
    ]
    assert code_of(lambda: store.batch_add(mixed)) == 24000019
    assert code_of(lambda: store.batch_add([{**OK, T.REQUIRE_ATTR_ENCRYPTED: True}])) == 24000017

    store.batch_remove([])  # an empty batch_remove succeeds, as upstream's service and NAPI
    assert code_of(lambda: store.batch_remove([{T.DATA_LABEL_NORMAL_1: b"x"}])) == 401
    assert code_of(lambda: store.batch_remove([{T.ALIAS: b"a", T.DATA_LABEL_NORMAL_1: b"x"}])) == 401
    assert (
        code_of(lambda: store.batch_remove([{T.ALIAS: b"a"}, {T.ALIAS: b"b", T.GROUP_ID: b"g" * 7}]))
        == 24000019
    )

    assert code_of(lambda: store.batch_update([], [])) == 401
    assert code_of(lambda: store.batch_update([{T.ALIAS: b"a"}], [])) == 401
    assert code_of(lambda: store.batch_update([{T.ALIAS: b"a"}], [{}])) == 401
    assert code_of(lambda: store.batch_update([{T.SECRET: b"a"}], [{T.SECRET: b"n"}])) == 401
    assert code_of(lambda: store.batch_update([{T.ALIAS: b"a", T.USER_ID: 100}], [{T.SECRET: b"n"}])) == 401
    assert code_of(lambda: store.batch_update([{T.ALIAS: b"a"}], [{T.ALIAS: b"n"}])) == 401


def test_query_sync_result(store: AssetStore) -> None:
    """querySyncResult (docs/asset.md, "API"): hukspy syncs nothing, so the answer is SyncResult(0, 0, 0)
    (upstream's without its cloud plug-in) whether or not assets exist; only GROUP_ID and
    REQUIRE_ATTR_ENCRYPTED are taken, and what another call answers 401 is 24000018 here (upstream's SDK
    maps it); GROUP_ID and REQUIRE_ATTR_ENCRYPTED=true are 24000017 as on every call."""
    assert store.query_sync_result({}) == SyncResult(0, 0, 0)
    store.add(OK)
    assert store.query_sync_result({T.REQUIRE_ATTR_ENCRYPTED: False}) == SyncResult(0, 0, 0)
    assert code_of(lambda: store.query_sync_result({T.ALIAS: b"a"})) == 24000018
    assert code_of(lambda: store.query_sync_result({T.REQUIRE_ATTR_ENCRYPTED: 1})) == 24000018
    assert code_of(lambda: store.query_sync_result([])) == 24000018  # type: ignore[arg-type]
    assert code_of(lambda: store.query_sync_result({T.GROUP_ID: b"g" * 7})) == 24000017
    assert code_of(lambda: store.query_sync_result({T.REQUIRE_ATTR_ENCRYPTED: True})) == 24000017
    assert store.query({T.ALIAS: OK[T.ALIAS]})  # nothing changed

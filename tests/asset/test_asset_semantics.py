"""Semantics of add, query, update, remove and the batch forms (asset-reference.md §4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from asset_sql import db_exec

import hukspy
from hukspy import asset
from hukspy.asset import AssetError, ReturnType, SyncType, Tag

T = Tag
ALL: dict[Tag, asset.AssetValue] = {T.RETURN_TYPE: ReturnType.ALL}
LABELS = [
    Tag.__members__[f"DATA_LABEL_{kind}_{i}"]
    for kind in ("CRITICAL", "NORMAL", "NORMAL_LOCAL")
    for i in range(1, 5)
]


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value.code


def aliases(rows: list[asset.AssetMap]) -> list[bytes]:
    return [r[T.ALIAS] for r in rows]  # type: ignore[misc]


def test_minimal_asset_round_trip(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s3cret", T.ALIAS: b"db-password"})
    (row,) = store.query({T.ALIAS: b"db-password", **ALL})
    assert row[T.SECRET] == b"s3cret"
    assert len(row) == 9  # upstream: a minimal asset + ALL gives 9 entries
    assert row[T.ACCESSIBILITY] == asset.Accessibility.DEVICE_FIRST_UNLOCKED
    assert row[T.AUTH_TYPE] == asset.AuthType.NONE
    assert row[T.SYNC_TYPE] == SyncType.NEVER
    assert row[T.IS_PERSISTENT] is False and row[T.REQUIRE_PASSWORD_SET] is False
    assert row[T.WRAP_TYPE] == asset.WrapType.NEVER
    update_time = row[T.UPDATE_TIME]
    assert isinstance(update_time, bytes) and update_time.isdigit()  # ASCII decimal milliseconds
    (attrs,) = store.query({T.ALIAS: b"db-password"})
    assert T.SECRET not in attrs and len(attrs) == 8


def test_all_tags_asset_returns_20_attributes(store: asset.AssetStore, pin_set: None) -> None:
    attrs: dict[Tag, asset.AssetValue] = {T.SECRET: b"s", T.ALIAS: b"full", T.ACCESSIBILITY: 0}
    attrs |= {label: f"label-{i}".encode() for i, label in enumerate(LABELS)}
    attrs |= {T.SYNC_TYPE: 2, T.IS_PERSISTENT: True, T.REQUIRE_PASSWORD_SET: True, T.OPERATION_TYPE: 0}
    store.add(attrs)
    (row,) = store.query({T.ALIAS: b"full"})
    assert len(row) == 20
    for i, label in enumerate(LABELS):
        assert row[label] == f"label-{i}".encode()
    assert T.OPERATION_TYPE not in row and T.GROUP_ID not in row
    assert store.query({T.ALIAS: b"full", **ALL})[0][T.SECRET] == b"s"


def test_query_on_a_store_never_written_is_a_plain_no_match(store: asset.AssetStore) -> None:
    assert code_of(lambda: store.query({})) == 24000002
    assert code_of(lambda: store.remove({})) == 24000002
    assert code_of(lambda: store.update({T.ALIAS: b"a"}, {T.SECRET: b"s"})) == 24000002
    assert code_of(lambda: store.pre_query({})) == 24000002
    if isinstance(store.path, Path):
        assert not store.path.exists() or not list(store.path.glob("*.db"))
    else:  # PostgreSQL: the reads created the table (a schema of this test's own), but no row
        assert db_exec(store, "SELECT COUNT(*) FROM asset_table") == [(0,)]


def test_duplicate_alias_and_overwrite(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"one", T.ALIAS: b"a", T.DATA_LABEL_NORMAL_1: b"old", T.DATA_LABEL_CRITICAL_1: b"c"})
    assert code_of(lambda: store.add({T.SECRET: b"two", T.ALIAS: b"a"})) == 24000003
    assert code_of(lambda: store.add({T.SECRET: b"two", T.ALIAS: b"a", T.CONFLICT_RESOLUTION: 1})) == 24000003
    store.add({T.SECRET: b"two", T.ALIAS: b"b"})
    store.add({T.SECRET: b"three", T.ALIAS: b"a", T.CONFLICT_RESOLUTION: 0, T.ACCESSIBILITY: 2})
    (row,) = store.query({T.ALIAS: b"a", **ALL})
    assert row[T.SECRET] == b"three"
    assert T.DATA_LABEL_NORMAL_1 not in row and T.DATA_LABEL_CRITICAL_1 not in row  # the whole row replaced
    assert row[T.ACCESSIBILITY] == 2
    assert aliases(store.query({})) == [b"a", b"b"]  # replaced in place


def test_equality_matching(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a", T.DATA_LABEL_NORMAL_1: b"x", T.IS_PERSISTENT: True})
    store.add({T.SECRET: b"s", T.ALIAS: b"b", T.DATA_LABEL_NORMAL_1: b"x", T.ACCESSIBILITY: 0})
    store.add({T.SECRET: b"s", T.ALIAS: b"c", T.DATA_LABEL_NORMAL_1: b"y"})
    assert aliases(store.query({T.DATA_LABEL_NORMAL_1: b"x"})) == [b"a", b"b"]
    assert aliases(store.query({T.DATA_LABEL_NORMAL_1: b"x", T.IS_PERSISTENT: True})) == [b"a"]
    assert aliases(store.query({T.IS_PERSISTENT: False})) == [b"b", b"c"]
    assert aliases(store.query({T.ACCESSIBILITY: 1})) == [b"a", b"c"]
    assert code_of(lambda: store.query({T.DATA_LABEL_NORMAL_1: b"x", T.ACCESSIBILITY: 2})) == 24000002
    assert code_of(lambda: store.query({T.DATA_LABEL_NORMAL_2: b"x"})) == 24000002


def test_sync_type_matches_bitwise(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"one", T.SYNC_TYPE: SyncType.THIS_DEVICE})
    store.add({T.SECRET: b"s", T.ALIAS: b"three", T.SYNC_TYPE: 3})
    store.add({T.SECRET: b"s", T.ALIAS: b"never"})
    assert aliases(store.query({T.SYNC_TYPE: 0})) == [b"one", b"three", b"never"]
    assert aliases(store.query({T.SYNC_TYPE: 1})) == [b"one", b"three"]
    assert aliases(store.query({T.SYNC_TYPE: 2})) == [b"three"]
    assert aliases(store.query({T.SYNC_TYPE: 3})) == [b"three"]
    assert code_of(lambda: store.query({T.SYNC_TYPE: 7})) == 24000002


def test_order_and_paging(store: asset.AssetStore) -> None:
    labels = [b"m", b"c", b"x", b"a", b"q", b"b", b"z", b"k", b"d", b"e"]
    store.batch_add(
        [
            {T.SECRET: b"s", T.ALIAS: f"{i:02}".encode(), T.DATA_LABEL_NORMAL_2: lab}
            for i, lab in enumerate(labels)
        ]
    )
    inserted = [f"{i:02}".encode() for i in range(10)]
    assert aliases(store.query({})) == inserted  # insertion order by default
    by_label = store.query({T.RETURN_ORDERED_BY: T.DATA_LABEL_NORMAL_2})
    assert [r[T.DATA_LABEL_NORMAL_2] for r in by_label] == sorted(labels)
    assert aliases(store.query({T.RETURN_LIMIT: 3, T.RETURN_OFFSET: 3})) == inserted[3:6]
    assert aliases(store.query({T.RETURN_LIMIT: 4})) == inserted[:4]
    assert aliases(store.query({T.RETURN_OFFSET: 8})) == inserted[8:]
    page = store.query({T.RETURN_ORDERED_BY: T.DATA_LABEL_NORMAL_2, T.RETURN_LIMIT: 2, T.RETURN_OFFSET: 1})
    assert [r[T.DATA_LABEL_NORMAL_2] for r in page] == sorted(labels)[1:3]
    assert code_of(lambda: store.query({T.RETURN_OFFSET: 10})) == 24000002  # an empty page


def test_update_secret_and_labels(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"old", T.ALIAS: b"a", T.DATA_LABEL_NORMAL_1: b"n", T.DATA_LABEL_CRITICAL_1: b"c"})
    store.update(
        {T.ALIAS: b"a"}, {T.SECRET: b"new", T.DATA_LABEL_NORMAL_1: b"n2", T.DATA_LABEL_NORMAL_3: b"n3"}
    )
    (row,) = store.query({T.ALIAS: b"a", **ALL})
    assert row[T.SECRET] == b"new"
    assert (row[T.DATA_LABEL_NORMAL_1], row[T.DATA_LABEL_NORMAL_3]) == (b"n2", b"n3")
    assert row[T.DATA_LABEL_CRITICAL_1] == b"c"
    assert code_of(lambda: store.update({T.ALIAS: b"missing"}, {T.SECRET: b"x"})) == 24000002
    assert code_of(lambda: store.update({T.ALIAS: b"a", T.ACCESSIBILITY: 0}, {T.SECRET: b"x"})) == 24000002


def test_update_time_and_sync_status_as_upstream(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a"})
    assert db_exec(store, "SELECT SyncStatus, LocalStatus, Version FROM asset_table") == [(1, 0, 4)]
    db_exec(store, "UPDATE asset_table SET UpdateTime = ?, LocalStatus = 1", (b"1",))
    store.update({T.ALIAS: b"a"}, {T.DATA_LABEL_NORMAL_LOCAL_1: b"local"})
    assert db_exec(store, "SELECT UpdateTime, SyncStatus, LocalStatus FROM asset_table") == [(b"1", 1, 0)]
    store.update({T.ALIAS: b"a"}, {T.DATA_LABEL_NORMAL_1: b"normal"})
    ((update_time, sync_status),) = db_exec(store, "SELECT UpdateTime, SyncStatus FROM asset_table")
    assert update_time != b"1" and sync_status == 4
    assert store.query({T.ALIAS: b"a"})[0][T.UPDATE_TIME] == update_time


def test_remove(store: asset.AssetStore) -> None:
    for name in (b"a", b"b", b"c"):
        store.add(
            {T.SECRET: b"s", T.ALIAS: name, T.DATA_LABEL_CRITICAL_2: b"group" if name != b"a" else b"x"}
        )
    store.remove({T.ALIAS: b"a"})
    assert aliases(store.query({})) == [b"b", b"c"]
    assert code_of(lambda: store.remove({T.ALIAS: b"a"})) == 24000002
    store.remove({T.DATA_LABEL_CRITICAL_2: b"group"})
    assert code_of(lambda: store.query({})) == 24000002
    store.add({T.SECRET: b"s", T.ALIAS: b"d"})
    store.add({T.SECRET: b"s", T.ALIAS: b"e"})
    store.remove({})  # everything the owner has
    assert code_of(lambda: store.query({})) == 24000002
    assert db_exec(store, "SELECT COUNT(*) FROM asset_table") == [(0,)]


def test_trusted_account_assets_leave_a_tombstone(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"cloud", T.SYNC_TYPE: SyncType.TRUSTED_ACCOUNT})
    store.remove({T.ALIAS: b"cloud"})
    assert code_of(lambda: store.query({T.ALIAS: b"cloud"})) == 24000002
    assert db_exec(store, "SELECT Alias, SyncStatus FROM asset_table") == [(b"cloud", 2)]
    assert code_of(lambda: store.remove({T.ALIAS: b"cloud"})) == 24000002
    assert code_of(lambda: store.update({T.ALIAS: b"cloud"}, {T.SECRET: b"n"})) == 24000002
    store.add({T.SECRET: b"again", T.ALIAS: b"cloud"})  # a tombstone is replaced silently
    assert store.query({T.ALIAS: b"cloud", **ALL})[0][T.SECRET] == b"again"
    assert db_exec(store, "SELECT COUNT(*) FROM asset_table") == [(1,)]


def test_batch_add(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"old", T.ALIAS: b"taken"})
    store.add({T.SECRET: b"old", T.ALIAS: b"replaced"})
    result = store.batch_add(
        [
            {T.SECRET: b"1", T.ALIAS: b"new1"},
            {T.SECRET: b"2", T.ALIAS: b"taken"},
            {T.SECRET: b"3", T.ALIAS: b"replaced", T.CONFLICT_RESOLUTION: asset.ConflictResolution.OVERWRITE},
            {T.SECRET: b"4", T.ALIAS: b"new2"},
        ]
    )
    assert result.failed_count == 1 == len(result.failed_error_infos)
    (info,) = result.failed_error_infos
    assert (info.index, info.err_code, info.message) == (1, 24000003, "The asset already exists.")
    secrets = {
        a: store.query({T.ALIAS: a, **ALL})[0][T.SECRET] for a in (b"new1", b"taken", b"replaced", b"new2")
    }
    assert secrets == {b"new1": b"1", b"taken": b"old", b"replaced": b"3", b"new2": b"4"}
    ok = store.batch_add([{T.SECRET: b"5", T.ALIAS: b"new3"}])
    assert ok == asset.BatchResult(0, [])


def test_batch_update_and_remove(store: asset.AssetStore) -> None:
    store.batch_add([{T.SECRET: b"s", T.ALIAS: f"a{i}".encode()} for i in range(5)])
    result = store.batch_update(
        [{T.ALIAS: b"a0"}, {T.ALIAS: b"missing"}, {T.ALIAS: b"a2"}],
        [{T.SECRET: b"n0"}, {T.SECRET: b"n1"}, {T.DATA_LABEL_NORMAL_1: b"label"}],
    )
    assert result.failed_count == 1
    assert (result.failed_error_infos[0].index, result.failed_error_infos[0].err_code) == (1, 24000002)
    assert store.query({T.ALIAS: b"a0", **ALL})[0][T.SECRET] == b"n0"
    assert store.query({T.ALIAS: b"a2"})[0][T.DATA_LABEL_NORMAL_1] == b"label"
    store.batch_remove([{T.ALIAS: b"a0"}, {T.ALIAS: b"missing"}, {T.ALIAS: b"a4"}])
    assert aliases(store.query({})) == [b"a1", b"a2", b"a3"]


def test_owners_are_isolated(tmp_path: Path, keystore: hukspy.Keystore, store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"mine", T.ALIAS: b"a"})
    with asset.AssetStore(store.path, keystore, store.owner + "-other") as other:
        assert code_of(lambda: other.query({})) == 24000002
        assert code_of(lambda: other.remove({})) == 24000002
        other.add({T.SECRET: b"theirs", T.ALIAS: b"a"})
        assert other.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"theirs"
        if not isinstance(store.path, Path):  # PostgreSQL: one table, the rows told apart by Owner
            assert sorted(db_exec(store, "SELECT Owner FROM asset_table")) == sorted(
                [(store.owner.encode(),), (other.owner.encode(),)]
            )
        other.remove({})
    assert store.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"mine"
    if isinstance(store.path, Path):
        assert len(list(store.path.glob("*.db"))) == 2  # one database per owner


def test_owner_names_map_to_safe_file_names(tmp_path: Path, keystore: hukspy.Keystore) -> None:
    with asset.AssetStore(tmp_path / "s", keystore, "../../etc/evil owner") as st:
        st.add({T.SECRET: b"s", T.ALIAS: b"a"})
        (db,) = (tmp_path / "s").glob("*.db")
        assert db.parent == tmp_path / "s" and "/" not in db.name and " " not in db.name
    with pytest.raises(AssetError) as ei:
        asset.AssetStore(tmp_path / "s", keystore, "")
    assert ei.value.code == 401


@pytest.fixture
def default_store(
    tmp_path: Path, keystore: hukspy.Keystore, owner: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    import hukspy.asset.store as store_module
    import hukspy.keystore as keystore_module

    monkeypatch.setenv("HUKSPY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUKSPY_APP_ID", owner)
    monkeypatch.setattr(keystore_module, "default_keystore", lambda: keystore)
    monkeypatch.setattr(store_module, "_default", None)
    yield
    if store_module._default is not None:
        store_module._default.close()


@pytest.mark.usefixtures("default_store")
def test_module_functions_use_the_default_store(tmp_path: Path, owner: str) -> None:
    st = asset.default_store()
    assert st is asset.default_store()
    assert (st.path, st.owner) == (tmp_path / "home" / "asset", owner)
    asset.add({T.SECRET: b"s3cret", T.ALIAS: b"db-password"})
    assert asset.query({T.ALIAS: b"db-password", **ALL})[0][T.SECRET] == b"s3cret"
    asset.update({T.ALIAS: b"db-password"}, {T.SECRET: b"new"})
    assert asset.batch_add([{T.SECRET: b"x", T.ALIAS: b"x"}]).failed_count == 0
    assert asset.batch_update([{T.ALIAS: b"x"}], [{T.SECRET: b"y"}]).failed_count == 0
    asset.batch_remove([{T.ALIAS: b"x"}])
    asset.post_query({T.AUTH_CHALLENGE: bytes(32)})
    assert code_of(lambda: asset.pre_query({})) == 24000002
    asset.remove({T.ALIAS: b"db-password"})
    assert code_of(lambda: asset.query({})) == 24000002
    st.close()
    assert asset.default_store() is not st  # reopened after close


def test_a_result_holds_at_most_65536_maps(store: asset.AssetStore, keystore: hukspy.Keystore) -> None:
    if keystore.backend_name != "software":
        pytest.skip("no keystore operation involved: runs once, on the software keystore")
    store.add({T.SECRET: b"s", T.ALIAS: b"seed", T.DATA_LABEL_NORMAL_1: b"bulk"})
    # 65536 more rows, copied in SQL (an ATTRIBUTES query does not decrypt, so the copied secret is fine)
    sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 65536) "
        "INSERT INTO asset_table (Secret, Alias, Owner, OwnerType, SyncType, Accessibility, AuthType, "
        "CreateTime, UpdateTime, IsPersistent, Version, RequirePasswordSet, DataLabelNormal_1, LocalStatus, "
        "SyncStatus, WrapType) SELECT t.Secret, CAST('bulk-' || n.i AS BLOB), t.Owner, t.OwnerType, 0, 1, 0, "
        "t.CreateTime, t.UpdateTime, 0, 4, 0, t.DataLabelNormal_1, 0, 1, 0 FROM n, asset_table AS t"
    )
    db_exec(store, sql if isinstance(store.path, Path) else sql.replace("AS BLOB", "AS BYTEA"))
    assert code_of(lambda: store.query({T.DATA_LABEL_NORMAL_1: b"bulk"})) == 24000016
    assert len(store.query({T.DATA_LABEL_NORMAL_1: b"bulk", T.RETURN_OFFSET: 1})) == 0x10000
    assert len(store.query({T.RETURN_LIMIT: 0x10000})) == 0x10000
    assert aliases(store.query({T.RETURN_LIMIT: 2, T.RETURN_OFFSET: 65535})) == [b"bulk-65535", b"bulk-65536"]
    store.remove({T.DATA_LABEL_NORMAL_1: b"bulk"})


def test_repr_says_whether_the_store_is_closed(
    asset_path: str | Path, keystore: hukspy.Keystore, owner: str
) -> None:
    st = asset.AssetStore(asset_path, keystore, owner)
    assert repr(st).endswith(f"owner={owner!r}, closed=False)")
    st.close()
    assert repr(st).endswith(f"owner={owner!r}, closed=True)")

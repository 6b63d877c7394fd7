"""Secret encryption: at rest only as AES-GCM ciphertext, keys per access control with upstream's alias
derivation, AAD binding (editing the SQLite file gives 24000007), a key deleted under the store."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from asset_sql import db_exec

import hukspy
from hukspy import asset
from hukspy.asset import AssetError, ReturnType, Tag
from hukspy.asset import crypto as asset_crypto

T = Tag
ALL: dict[Tag, asset.AssetValue] = {T.RETURN_TYPE: ReturnType.ALL}


def code_of(fn: Callable[[], object]) -> int:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value.code


def expected_alias(owner: str, auth: int = 0, acc: int = 1, rpws: bool = False) -> str:
    """asset-reference.md §5.3 calculate_key_alias (user 100, OwnerType Hap = 0), as hex text."""
    m = struct.pack("<i", 100) + b"_" + struct.pack("<I", 0) + b"_" + owner.encode()
    if auth:
        m += b"_AuthType:" + struct.pack("<I", auth)
    if acc != 1:
        m += b"_Accessibility:" + struct.pack("<I", acc)
    if rpws:
        m += b"_RequirePasswordSet:" + struct.pack("<I", 1)
    return "1_" + hashlib.sha256(m).hexdigest()


def test_secret_is_stored_only_as_ciphertext(store: asset.AssetStore) -> None:
    secret = b"very-distinctive-plaintext-4711"
    store.add({T.SECRET: secret, T.ALIAS: b"a"})
    ((blob,),) = db_exec(store, "SELECT Secret FROM asset_table")
    assert isinstance(blob, bytes) and len(blob) == len(secret) + 16 + 12  # ct ‖ tag ‖ nonce
    if not isinstance(store.path, Path):  # PostgreSQL: no file of ours; every stored value instead
        assert not any(
            secret in bytes(v)
            for r in db_exec(store, "SELECT * FROM asset_table")
            for v in r
            if isinstance(v, bytes)
        )
        return
    store.close()
    for f in store.path.iterdir():
        assert secret not in f.read_bytes()


def test_one_key_per_access_control(
    store: asset.AssetStore, keystore: hukspy.Keystore, key_owner: str, pin_set: None
) -> None:
    """One key per access control, at its accessibility's storage level (REQUIRE_PASSWORD_SET needs a
    PIN: ``pin_set``)."""
    combos = [(0, 1, False), (0xFF, 1, False), (0, 0, False), (0, 2, True), (0xFF, 2, True)]

    def at_level(acc: int) -> hukspy.HuksOptions:
        level = asset_crypto.STORAGE_LEVELS[acc]
        return hukspy.HuksOptions([hukspy.HuksParam(hukspy.HuksTag.HUKS_TAG_AUTH_STORAGE_LEVEL, level)])

    for i, (auth, acc, rpws) in enumerate(combos):
        store.add(
            {
                T.SECRET: b"s",
                T.ALIAS: f"a{i}".encode(),
                T.AUTH_TYPE: auth,
                T.ACCESSIBILITY: acc,
                T.REQUIRE_PASSWORD_SET: rpws,
            }
        )
        assert keystore.has_key_item(expected_alias(key_owner, auth, acc, rpws), at_level(acc))
    assert len({expected_alias(key_owner, *c) for c in combos}) == len(combos)
    assert not keystore.has_key_item(expected_alias(key_owner, 0, 1, True), at_level(1))
    for i in (0, 2, 3):
        assert store.query({T.ALIAS: f"a{i}".encode(), **ALL})[0][T.SECRET] == b"s"


@pytest.mark.parametrize(
    "sql,args,query_alias",
    [
        ("UPDATE asset_table SET Alias = ?", (b"b",), b"b"),
        ("UPDATE asset_table SET SyncType = 2", (), b"a"),
        ("UPDATE asset_table SET IsPersistent = 1", (), b"a"),
        ("UPDATE asset_table SET Version = 3", (), b"a"),
        ("UPDATE asset_table SET WrapType = 1", (), b"a"),
        ("UPDATE asset_table SET DataLabelCritical_1 = ?", (b"forged",), b"a"),
        ("UPDATE asset_table SET DataLabelCritical_4 = ?", (b"added",), b"a"),
        ("UPDATE asset_table SET Secret = substr(Secret, 1, 10) || ? || substr(Secret, 12)", (b"\0",), b"a"),
        ("UPDATE asset_table SET Secret = ?", (b"\x00\x11\x22\x33",), b"a"),
    ],
)
def test_editing_the_database_gives_24000007(
    store: asset.AssetStore, sql: str, args: tuple[object, ...], query_alias: bytes
) -> None:
    store.add({T.SECRET: b"secret-value", T.ALIAS: b"a", T.DATA_LABEL_CRITICAL_1: b"c1"})
    db_exec(store, sql, args)
    assert code_of(lambda: store.query({T.ALIAS: query_alias, **ALL})) == 24000007
    store.query({T.ALIAS: query_alias})  # an ATTRIBUTES query does not decrypt, so does not notice


def test_a_flipped_ciphertext_bit_gives_24000007(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"secret-value", T.ALIAS: b"a"})
    ((blob,),) = db_exec(store, "SELECT Secret FROM asset_table")
    assert isinstance(blob, bytes)
    for i in (0, len(blob) - 20, len(blob) - 1):  # ciphertext, tag, nonce
        forged = bytearray(blob)
        forged[i] ^= 0x01
        db_exec(store, "UPDATE asset_table SET Secret = ?", (bytes(forged),))
        assert code_of(lambda: store.query({T.ALIAS: b"a", **ALL})) == 24000007
    db_exec(store, "UPDATE asset_table SET Secret = ?", (blob,))
    assert store.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"secret-value"


def test_editing_the_accessibility_gives_24000007(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a"})
    store.add({T.SECRET: b"s", T.ALIAS: b"b", T.ACCESSIBILITY: 2})  # the key of accessibility 2 exists
    db_exec(store, "UPDATE asset_table SET Accessibility = 2 WHERE Alias = ?", (b"a",))
    assert code_of(lambda: store.query({T.ALIAS: b"a", **ALL})) == 24000007


def test_copying_a_secret_to_another_row_gives_24000007(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"one", T.ALIAS: b"a"})
    store.add({T.SECRET: b"two", T.ALIAS: b"b"})
    db_exec(
        store,
        "UPDATE asset_table SET Secret = (SELECT Secret FROM asset_table WHERE Alias = ?) WHERE Alias = ?",
        (b"a", b"b"),
    )
    assert code_of(lambda: store.query({T.ALIAS: b"b", **ALL})) == 24000007


def test_normal_labels_are_not_integrity_protected(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a", T.DATA_LABEL_NORMAL_1: b"n"})
    db_exec(store, "UPDATE asset_table SET DataLabelNormal_1 = ?, DataLabelNormalLocal_2 = ?", (b"x", b"y"))
    (row,) = store.query({T.ALIAS: b"a", **ALL})
    assert (row[T.SECRET], row[T.DATA_LABEL_NORMAL_1], row[T.DATA_LABEL_NORMAL_LOCAL_2]) == (b"s", b"x", b"y")


def test_a_damaged_attribute_gives_24000007(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a"})
    if isinstance(store.path, Path):  # SQLite stores text in an INTEGER column; PostgreSQL refuses it
        db_exec(store, "UPDATE asset_table SET Accessibility = 'high'")
        assert code_of(lambda: store.query({})) == 24000007
    db_exec(store, "UPDATE asset_table SET Accessibility = 7")
    assert code_of(lambda: store.query({})) == 24000007


def test_update_keeps_the_binding(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a", T.DATA_LABEL_CRITICAL_2: b"c"})
    store.update({T.ALIAS: b"a"}, {T.SECRET: b"t"})
    db_exec(store, "UPDATE asset_table SET DataLabelCritical_2 = ?", (b"d",))
    assert code_of(lambda: store.query({T.ALIAS: b"a", **ALL})) == 24000007


def test_a_key_deleted_under_the_store(
    store: asset.AssetStore, keystore: hukspy.Keystore, key_owner: str
) -> None:
    store.add({T.SECRET: b"old", T.ALIAS: b"a"})
    keystore.delete_key_item(expected_alias(key_owner), hukspy.HuksOptions())
    # upstream: HUKS NOT_EXIST -> 24000002 when the secret is decrypted
    assert code_of(lambda: store.query({T.ALIAS: b"a", **ALL})) == 24000002
    assert store.query({T.ALIAS: b"a"})[0][T.ALIAS] == b"a"  # the attributes are still there
    # the next add generates a fresh key; the old secret cannot be decrypted with it
    store.add({T.SECRET: b"new", T.ALIAS: b"b"})
    assert store.query({T.ALIAS: b"b", **ALL})[0][T.SECRET] == b"new"
    assert code_of(lambda: store.query({T.ALIAS: b"a", **ALL})) == 24000007
    store.update({T.ALIAS: b"a"}, {T.SECRET: b"re-set"})  # a new secret makes the asset usable again
    assert store.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"re-set"


def test_keys_are_shared_by_stores_of_one_owner(
    tmp_path: object, store: asset.AssetStore, keystore: hukspy.Keystore, owner: str
) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a"})
    with asset.AssetStore(store.path, keystore, owner) as again:
        assert again.query({T.ALIAS: b"a", **ALL})[0][T.SECRET] == b"s"


def test_a_keystore_without_gcm_is_refused(
    request: pytest.FixtureRequest, keystore: hukspy.Keystore, tmp_path: Path, owner: str
) -> None:
    if keystore.backend_name != "tpm2":
        pytest.skip("only a TPM keystore lacks AES-GCM (the others are covered by every other test)")
    raw_uri: str = request.getfixturevalue("keystore_uri")  # the URI without ?fallback=sealed
    with hukspy.Keystore(raw_uri) as raw, asset.AssetStore(tmp_path / "asset", raw, owner) as st:
        assert code_of(lambda: st.add({T.SECRET: b"s", T.ALIAS: b"a"})) == 24000017
        assert not raw.has_key_item(expected_alias(owner), hukspy.HuksOptions())  # no useless key made

"""Faults of the storage, produced for real: a file that is not SQLite, a truncated database, a foreign
SQLite database, a store path that is a file; file modes; the closed store."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

import hukspy
from hukspy import asset
from hukspy.asset import AssetError, ReturnType, Tag
from hukspy.asset.db import db_name

T = Tag


def code_of(fn: Callable[[], object]) -> AssetError:
    with pytest.raises(AssetError) as ei:
        fn()
    return ei.value


def test_file_modes(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> None:
    old = os.umask(0)
    try:
        with asset.AssetStore(tmp_path / "asset", keystore, owner) as st:
            st.add({T.SECRET: b"s", T.ALIAS: b"a"})
            st.query({T.ALIAS: b"a"})
            assert stat.S_IMODE((tmp_path / "asset").stat().st_mode) == 0o700
            files = list((tmp_path / "asset").iterdir())
            assert {f.name for f in files} >= {f"{db_name(owner)}.db", f"{db_name(owner)}.db-wal"}
            for f in files:
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
            conn = sqlite3.connect(tmp_path / "asset" / f"{db_name(owner)}.db")
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
            plan = conn.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM asset_table WHERE Alias = ? AND Owner = ?", (b"a", b"o")
            ).fetchall()
            assert "asset_alias_idx" in str(plan)  # alias lookups use the index
            conn.close()
    finally:
        os.umask(old)


def test_a_file_that_is_not_sqlite(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> None:
    d = tmp_path / "asset"
    d.mkdir(mode=0o700)
    (d / f"{db_name(owner)}.db").write_bytes(b"this is not a database, just text " * 200)
    with asset.AssetStore(d, keystore, owner) as st:
        for call in (
            lambda: st.add({T.SECRET: b"s", T.ALIAS: b"a"}),
            lambda: st.query({}),
            lambda: st.remove({}),
        ):
            err = code_of(call)
            assert err.code == 24000007 and "damaged" in err.detail


def test_a_truncated_database(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> None:
    d = tmp_path / "asset"
    with asset.AssetStore(d, keystore, owner) as st:
        st.batch_add(
            [
                {T.SECRET: b"s" * 100, T.ALIAS: f"a{i}".encode(), T.DATA_LABEL_NORMAL_1: b"x" * 500}
                for i in range(100)
            ]
        )
    db = d / f"{db_name(owner)}.db"
    assert not db.with_name(db.name + "-wal").exists()  # closing checkpointed the WAL into the file
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.truncate(size // 2)
    with asset.AssetStore(d, keystore, owner) as st:
        err = code_of(lambda: st.query({}))
        assert err.code == 24000007
        err = code_of(lambda: st.add({T.SECRET: b"s", T.ALIAS: b"new", T.DATA_LABEL_NORMAL_1: b"x" * 2000}))
        assert err.code == 24000007


def test_a_foreign_sqlite_database(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> None:
    d = tmp_path / "asset"
    d.mkdir(mode=0o700)
    conn = sqlite3.connect(d / f"{db_name(owner)}.db")
    conn.execute("CREATE TABLE asset_table(x INTEGER)")
    conn.commit()
    conn.close()
    with asset.AssetStore(d, keystore, owner) as st:
        assert code_of(lambda: st.add({T.SECRET: b"s", T.ALIAS: b"a"})).code == 24000008
        assert code_of(lambda: st.query({})).code == 24000008
    conn = sqlite3.connect(d / f"{db_name(owner)}.db")
    conn.execute("PRAGMA user_version = 9")
    conn.commit()
    conn.close()
    with asset.AssetStore(d, keystore, owner) as st:
        err = code_of(lambda: st.query({}))
        assert err.code == 24000008 and "version 9" in err.detail


def test_a_store_path_that_is_a_file(tmp_path: Path, keystore: hukspy.Keystore, owner: str) -> None:
    (tmp_path / "file").write_text("x")
    with asset.AssetStore(tmp_path / "file", keystore, owner) as st:
        assert code_of(lambda: st.add({T.SECRET: b"s", T.ALIAS: b"a"})).code == 24000014


def test_closed_store(store: asset.AssetStore) -> None:
    store.add({T.SECRET: b"s", T.ALIAS: b"a"})
    store.close()
    store.close()  # idempotent
    for call in (
        lambda: store.add({T.SECRET: b"s", T.ALIAS: b"b"}),
        lambda: store.query({}),
        lambda: store.query({T.ALIAS: b"a", T.RETURN_TYPE: ReturnType.ALL}),
        lambda: store.pre_query({}),
        lambda: store.post_query({T.AUTH_CHALLENGE: bytes(32)}),
        lambda: store.batch_remove([]),
    ):
        assert code_of(call).code == 24000001
    assert "closed=True" in repr(store)

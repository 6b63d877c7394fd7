"""What only a PostgreSQL store has: its faults produced for real on the session's server and mapped
by ``hukspy.asset.db.PG_ERRORS`` (docs/asset.md, "PostgreSQL"), the key-creation lock shared by every
host, no password in ``repr``. The rest of the ASSET suite runs on PostgreSQL through ``asset_path``."""

from __future__ import annotations

import os
import time
import uuid

import pytest

try:
    import psycopg
except ImportError:  # the postgres_url fixture says why; here, at collection, only fail or skip
    if {"postgresql", "all"} & set(os.environ.get("HUKSPY_REQUIRE", "").split(",")):
        raise
    pytest.skip("psycopg is not installed: pip install 'hukspy[postgresql]'", allow_module_level=True)
from asset_sql import db_exec, pg_schema_url

import hukspy
from hukspy import asset
from hukspy.asset import AssetError, ErrorCode, Tag
from hukspy.asset import crypto as asset_crypto
from hukspy.asset.enums import Accessibility, AuthType
from hukspy.params import HuksOptions

T = Tag


def error_of(fn: object) -> AssetError:
    with pytest.raises(AssetError) as ei:
        fn()  # type: ignore[operator]
    return ei.value


def test_no_server_is_24000010(tmp_path: object, software_keystore: hukspy.Keystore) -> None:
    # a socket directory where no server listens: libpq's connect fails (connection refused / no file)
    with asset.AssetStore(f"postgresql://hukspy@/x?host={tmp_path}", software_keystore, "app") as st:
        err = error_of(lambda: st.add({T.SECRET: b"s", T.ALIAS: b"a"}))
        assert err.code == ErrorCode.IPC_ERROR
        assert error_of(lambda: st.query({})).code == ErrorCode.IPC_ERROR


def test_a_database_that_does_not_exist_is_24000010(
    postgres_url: str, software_keystore: hukspy.Keystore
) -> None:
    url = postgres_url.replace("/hukspy_asset?", "/no_such_database?")
    with asset.AssetStore(url, software_keystore, "app") as st:
        assert error_of(lambda: st.query({})).code == ErrorCode.IPC_ERROR


def test_a_server_side_disconnect_is_24000010_then_the_pool_reconnects(
    postgres_url: str, software_keystore: hukspy.Keystore
) -> None:
    url = pg_schema_url(postgres_url)
    with asset.AssetStore(url, software_keystore, "app") as st:
        st.add({T.SECRET: b"s", T.ALIAS: b"a"})
        (pid,) = db_exec(st, "SELECT pg_backend_pid()")[0]
        # the store's idle connection (the one db_exec just gave back) is ended by the server (57P01)
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)
        assert error_of(lambda: st.query({})).code == ErrorCode.IPC_ERROR
        assert len(st.query({})) == 1  # the broken connection was dropped, a new one serves


def test_another_schema_version_is_24000008(postgres_url: str, software_keystore: hukspy.Keystore) -> None:
    url = pg_schema_url(postgres_url)
    with asset.AssetStore(url, software_keystore, "app") as st:
        st.add({T.SECRET: b"s", T.ALIAS: b"a"})
        db_exec(st, "UPDATE asset_schema SET Version = 5")
    with asset.AssetStore(url, software_keystore, "app") as st:
        err = error_of(lambda: st.query({}))
        assert err.code == ErrorCode.DATABASE_ERROR and "schema version 5" in err.detail


def test_a_held_key_lock_gives_a_bounded_wait(
    postgres_url: str, software_keystore: hukspy.Keystore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asset_crypto, "KEY_LOCK_TIMEOUT", 1.0)
    owner = f"app-{uuid.uuid4().hex[:8]}"
    url = pg_schema_url(postgres_url)
    with asset.AssetStore(url, software_keystore, owner) as st, psycopg.connect(postgres_url) as other:
        # another "host" holds this owner's key-creation lock in an open transaction
        other.execute("SELECT pg_advisory_xact_lock(%s)", [st._db._keys_key])  # type: ignore[attr-defined]
        start = time.monotonic()
        err = error_of(lambda: st.add({T.SECRET: b"s", T.ALIAS: b"a"}))
        assert err.code == ErrorCode.SERVICE_UNAVAILABLE, err
        assert 0.9 <= time.monotonic() - start < 10
        alias = asset_crypto.key_alias(
            owner.encode(), AuthType.NONE, Accessibility.DEVICE_FIRST_UNLOCKED, False
        )
        assert not software_keystore.has_key_item(alias, HuksOptions())  # no key was made behind the lock
        other.rollback()  # the other host lets go: the add goes through
        st.add({T.SECRET: b"s", T.ALIAS: b"a"})
        assert software_keystore.has_key_item(alias, HuksOptions())


def test_no_password_in_repr_or_errors(tmp_path: object, software_keystore: hukspy.Keystore) -> None:
    url = f"postgresql://hukspy:pw-4711-secret@/x?host={tmp_path}&password=pw-4712-secret"
    with asset.AssetStore(url, software_keystore, "app") as st:
        err = error_of(lambda: st.query({}))
        for text in (repr(st), str(err), err.detail):
            assert "pw-471" not in text
        assert "hukspy:***@" in repr(st)

"""Unit tests of ``hukspy.records.SqliteRecordStore``: file permissions, put/replace/delete, tamper
detection (a record whose params, alias, level or ref was edited in the database file raises 12000004,
never yields other key material), the master key, and two writer processes at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from hukspy import HuksError, HuksOptions, HuksParam, HuksTag, Keystore
from hukspy.backend import AliasExistsError, KeyRecord
from hukspy.params import ParamSet
from hukspy.records import SqliteRecordStore

_T = HuksTag


def _params(alg: int = 20, size: int = 256) -> ParamSet:
    return ParamSet.of((_T.HUKS_TAG_ALGORITHM, alg), (_T.HUKS_TAG_KEY_SIZE, size), (_T.HUKS_TAG_PURPOSE, 3))


def _record(alias: str, ref: bytes, level: int = 1, params: ParamSet | None = None) -> KeyRecord:
    return KeyRecord(alias, level, params or _params(), ref)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store" / "nested"


@pytest.fixture
def store(store_dir: Path) -> Iterator[SqliteRecordStore]:
    with SqliteRecordStore(store_dir) as s:
        yield s


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------------------ permissions


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_directory_0700_and_every_file_0600(tmp_path: Path, umask: int) -> None:
    directory = tmp_path / f"u{umask:o}" / "ks"
    old = os.umask(umask)
    try:
        with SqliteRecordStore(directory) as s:
            s.put(_record("a", b"secret-ref"), replace=True)  # makes the WAL and SHM files
            files = {p.name: _mode(p) for p in directory.iterdir()}
    finally:
        os.umask(old)
    assert _mode(directory) == 0o700
    assert {"keys.db", "keys.db-wal", "keys.db-shm", "master.key"} <= set(files)
    assert all(mode == 0o600 for mode in files.values()), files


def test_an_existing_open_directory_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "open"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    with SqliteRecordStore(directory):
        pass
    assert _mode(directory) == 0o700


def test_the_software_keystore_files_are_private(tmp_path: Path) -> None:
    root = tmp_path / "software-ks"
    with Keystore(f"software:{root}") as ks:
        ks.generate_key_item("k", _gen_options())
        found = [p for p in root.rglob("*")]
        assert any(p.name == "master.key" for p in found)
        for p in found:
            assert _mode(p) == (0o700 if p.is_dir() else 0o600), f"{p}: {oct(_mode(p))}"
    assert _mode(root) == 0o700


def _gen_options() -> HuksOptions:
    return HuksOptions(
        [
            HuksParam(_T.HUKS_TAG_ALGORITHM, 20),
            HuksParam(_T.HUKS_TAG_KEY_SIZE, 256),
            HuksParam(_T.HUKS_TAG_PURPOSE, 3),
        ]
    )


# ------------------------------------------------------------------------------ put / get / delete


def test_put_get_replace_delete(store: SqliteRecordStore) -> None:
    assert store.get(1, "a") is None
    assert store.put(_record("a", b"ref-1"), replace=False) is None
    got = store.get(1, "a")
    assert got is not None and got.ref == b"ref-1" and got.params == _params() and got.alias == "a"
    with pytest.raises(AliasExistsError):
        store.put(_record("a", b"ref-2"), replace=False)
    assert store.get(1, "a").ref == b"ref-1"  # type: ignore[union-attr]
    old = store.put(_record("a", b"ref-3", params=_params(50, 128)), replace=True)
    assert old is not None and old.ref == b"ref-1"
    new = store.get(1, "a")
    assert new is not None and new.ref == b"ref-3" and new.params == _params(50, 128)
    gone = store.delete(1, "a")
    assert gone is not None and gone.ref == b"ref-3"
    assert store.delete(1, "a") is None
    assert store.get(1, "a") is None


def test_a_replace_is_never_seen_half_done(store: SqliteRecordStore, store_dir: Path) -> None:
    """Between any two statements of ``put(replace=True)`` (the moments a crash can hit), another
    connection sees the alias with its old or its new row, never without one: the replace is one
    transaction. Deterministic: SQLite's trace callback runs as each statement starts."""
    store.put(_record("a", b"ref-1"), replace=False)
    other = sqlite3.connect(store_dir / "keys.db")
    seen: list[tuple[str, int]] = []

    def at_statement(sql: str) -> None:
        count = other.execute("SELECT COUNT(*) FROM keys WHERE level=1 AND alias='a'").fetchone()[0]
        seen.append((sql.split()[0].upper(), count))

    conn = store._conn
    assert conn is not None
    conn.set_trace_callback(at_statement)
    try:
        store.put(_record("a", b"ref-2"), replace=True)
    finally:
        conn.set_trace_callback(None)
        other.close()
    assert seen and all(count == 1 for _, count in seen), f"the alias vanished mid-replace: {seen}"
    assert [sql for sql, _ in seen].count("BEGIN") == 1, f"a replace in more than one transaction: {seen}"
    assert store.get(1, "a").ref == b"ref-2"  # type: ignore[union-attr]


def test_many_records_read_back_through_the_cache(store: SqliteRecordStore) -> None:
    """More records than the cache of authenticated records holds (256): each reads back exactly,
    with its level, twice (the second time partly from the cache)."""
    for i in range(300):
        store.put(_record(f"k{i}", f"ref-{i}".encode(), level=i % 3), replace=False)
    for _ in range(2):
        for i in range(300):
            got = store.get(i % 3, f"k{i}")
            assert got == _record(f"k{i}", f"ref-{i}".encode(), level=i % 3)


def test_the_store_is_used_from_other_threads(store: SqliteRecordStore) -> None:
    """One store serves every thread of the keystore (its connection is shared, under its lock)."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            store.put(_record(f"t{n}", b"ref"), replace=True)
            assert store.get(1, f"t{n}") is not None
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert store.aliases(1) == ["t0", "t1", "t2", "t3"]


def test_repr_says_whether_the_store_is_open(store_dir: Path) -> None:
    s = SqliteRecordStore(store_dir)
    assert repr(s) == "SqliteRecordStore(open=True)"
    s.close()
    assert repr(s) == "SqliteRecordStore(open=False)"


def test_put_of_an_existing_alias_names_it(store: SqliteRecordStore) -> None:
    store.put(_record("a", b"1"), replace=False)
    with pytest.raises(AliasExistsError) as info:
        store.put(_record("a", b"2"), replace=False)
    assert info.value.args == ("a",)


def test_levels_are_separate_and_aliases_sorted(store: SqliteRecordStore) -> None:
    for alias in ("b", "a", "\u00e9", "C"):
        store.put(_record(alias, alias.encode() * 2, level=1), replace=True)
    store.put(_record("a", b"de", level=0), replace=True)
    assert store.aliases(1) == sorted(["b", "a", "\u00e9", "C"])
    assert store.aliases(0) == ["a"]
    assert store.aliases(2) == []
    assert store.get(0, "a").ref == b"de"  # type: ignore[union-attr]
    assert store.get(1, "a").ref == b"aa"  # type: ignore[union-attr]
    assert store.exists(0, "a") and not store.exists(2, "a")


def test_refs_are_not_stored_in_clear(store: SqliteRecordStore, store_dir: Path) -> None:
    secret = b"THIS-IS-KEY-MATERIAL-" * 3
    store.put(_record("k", secret), replace=True)
    for f in store_dir.iterdir():
        assert secret not in f.read_bytes(), f"{f.name} holds the ref in clear"
    assert "THIS-IS" not in repr(store) and "THIS-IS" not in repr(store.get(1, "k"))


def test_closed_store_is_12000004_and_close_is_idempotent(store_dir: Path) -> None:
    s = SqliteRecordStore(store_dir)
    s.close()
    s.close()
    with pytest.raises(HuksError) as info:
        s.get(1, "a")
    assert info.value.code == 12000004


# ------------------------------------------------------------------------------ tampering


def _db(store_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(store_dir / "keys.db", isolation_level=None)


def _flip(blob: bytes, at: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]


_EDITS = {
    "params-extra-byte": ("params", lambda b: b + b"\x00"),
    "params-flip": ("params", lambda b: _flip(b, len(b) - 1)),
    "params-empty": ("params", lambda b: b""),
    "ref-flip-nonce": ("ref", lambda b: _flip(b, 3)),
    "ref-flip-body": ("ref", lambda b: _flip(b, 14)),
    "ref-flip-tag": ("ref", lambda b: _flip(b, len(b) - 1)),
    "ref-truncated": ("ref", lambda b: b[:10]),
    "ref-empty": ("ref", lambda b: b""),
}


def _edit_blob(store_dir: Path, alias: str, column: str, change: object) -> None:
    with _db(store_dir) as db:
        (blob,) = db.execute(f"SELECT {column} FROM keys WHERE alias = ?", (alias,)).fetchone()  # noqa: S608
        new = change(bytes(blob))  # type: ignore[operator]
        db.execute(f"UPDATE keys SET {column} = ? WHERE alias = ?", (sqlite3.Binary(new), alias))  # noqa: S608


@pytest.mark.parametrize("edit", sorted(_EDITS))
def test_edited_record_is_12000004(store: SqliteRecordStore, store_dir: Path, edit: str) -> None:
    store.put(_record("victim", b"the-real-ref"), replace=True)
    column, change = _EDITS[edit]
    _edit_blob(store_dir, "victim", column, change)
    with pytest.raises(HuksError) as info:
        store.get(1, "victim")
    assert info.value.code == 12000004


@pytest.mark.parametrize("column", ["params", "ref"])
def test_column_rewritten_as_text_is_12000004(store: SqliteRecordStore, store_dir: Path, column: str) -> None:
    store.put(_record("victim", b"the-real-ref"), replace=True)
    with _db(store_dir) as db:
        db.execute(f"UPDATE keys SET {column} = 'not a blob' WHERE alias = 'victim'")  # noqa: S608
    with pytest.raises(HuksError) as info:
        store.get(1, "victim")
    assert info.value.code == 12000004


def test_a_damaged_record_is_deleted_and_returned_empty(store: SqliteRecordStore, store_dir: Path) -> None:
    """delete() removes a record that fails authentication and returns it with its alias and level,
    empty params and ref (docs/decisions.md: a damaged key can still be deleted)."""
    store.put(_record("victim", b"the-real-ref", level=2), replace=True)
    _edit_blob(store_dir, "victim", "ref", lambda b: _flip(b, 14))
    assert store.delete(2, "victim") == KeyRecord("victim", 2, ParamSet(), b"")
    assert store.get(2, "victim") is None


def test_params_swapped_for_other_valid_params_is_12000004(store: SqliteRecordStore, store_dir: Path) -> None:
    """The params are bound to the ref: a well-formed but different param set does not pass."""
    store.put(_record("victim", b"ref-v", params=_params(20, 256)), replace=True)
    store.put(_record("other", b"ref-o", params=_params(20, 128)), replace=True)
    with _db(store_dir) as db:
        db.execute(
            "UPDATE keys SET params = (SELECT params FROM keys WHERE alias='other') WHERE alias='victim'"
        )
    with pytest.raises(HuksError) as info:
        store.get(1, "victim")
    assert info.value.code == 12000004


def test_renamed_or_moved_record_is_12000004(store: SqliteRecordStore, store_dir: Path) -> None:
    store.put(_record("victim", b"ref-v"), replace=True)
    store.put(_record("moved", b"ref-m"), replace=True)
    with _db(store_dir) as db:
        db.execute("UPDATE keys SET alias = 'renamed' WHERE alias = 'victim'")
        db.execute("UPDATE keys SET level = 2 WHERE alias = 'moved'")
    for level, alias in ((1, "renamed"), (2, "moved")):
        with pytest.raises(HuksError) as info:
            store.get(level, alias)
        assert info.value.code == 12000004
    assert store.get(1, "victim") is None


def test_swapped_refs_are_12000004(store: SqliteRecordStore, store_dir: Path) -> None:
    """Copying one key's sealed ref onto another alias never hands out the first key."""
    store.put(_record("a", b"ref-of-a"), replace=True)
    store.put(_record("b", b"ref-of-b"), replace=True)
    with _db(store_dir) as db:
        ref_a = db.execute("SELECT ref FROM keys WHERE alias='a'").fetchone()[0]
        db.execute("UPDATE keys SET ref = ? WHERE alias = 'b'", (ref_a,))
    with pytest.raises(HuksError) as info:
        store.get(1, "b")
    assert info.value.code == 12000004
    assert store.get(1, "a").ref == b"ref-of-a"  # type: ignore[union-attr]


def test_tampered_record_through_the_keystore_is_12000004(tmp_path: Path) -> None:
    root = tmp_path / "ks"
    with Keystore(f"software:{root}") as ks:
        ks.generate_key_item("victim", _gen_options())
        ks.generate_key_item("bystander", _gen_options())
        dbs = list(root.rglob("keys.db"))
        assert len(dbs) == 1
        _edit_blob(dbs[0].parent, "victim", "ref", lambda b: _flip(b, 30))
        init = HuksOptions(
            [
                HuksParam(_T.HUKS_TAG_ALGORITHM, 20),
                HuksParam(_T.HUKS_TAG_PURPOSE, 1),
                HuksParam(_T.HUKS_TAG_BLOCK_MODE, 1),
                HuksParam(_T.HUKS_TAG_PADDING, 0),
            ]
        )
        for call in (
            lambda: ks.get_key_item_properties("victim", HuksOptions()),
            lambda: ks.init_session("victim", init),
            lambda: ks.is_key_item_exist("victim", HuksOptions()),
        ):
            with pytest.raises(HuksError) as info:
                call()
            assert info.value.code == 12000004
        assert ks.list_aliases(HuksOptions()).key_aliases == ["bystander", "victim"]
        h = ks.init_session("bystander", init).handle  # the other keys are unaffected
        assert len(ks.finish_session(h, HuksOptions(in_data=bytes(16))).out_data) == 16


def test_a_damaged_key_can_be_deleted(tmp_path: Path) -> None:
    root = tmp_path / "ks"
    with Keystore(f"software:{root}") as ks:
        ks.generate_key_item("victim", _gen_options())
        (db,) = root.rglob("keys.db")
        _edit_blob(db.parent, "victim", "ref", lambda b: _flip(b, 30))
        ks.delete_key_item("victim", HuksOptions())
        assert not ks.has_key_item("victim", HuksOptions())


def test_damaged_master_key_is_12000004(store_dir: Path) -> None:
    with SqliteRecordStore(store_dir) as s:
        s.put(_record("a", b"ref"), replace=True)
    (store_dir / "master.key").write_bytes(b"short")
    with pytest.raises(HuksError) as info:
        SqliteRecordStore(store_dir)
    assert info.value.code == 12000004


def test_a_different_master_key_reads_nothing(store_dir: Path) -> None:
    with SqliteRecordStore(store_dir) as s:
        s.put(_record("a", b"ref"), replace=True)
    (store_dir / "master.key").write_bytes(os.urandom(32))
    with SqliteRecordStore(store_dir) as s, pytest.raises(HuksError) as info:
        s.get(1, "a")
    assert info.value.code == 12000004


# ------------------------------------------------------------------------------ two processes

_WRITER = textwrap.dedent(
    """
    import sys, time
    from hukspy.backend import KeyRecord
    from hukspy.params import ParamSet
    from hukspy.records import SqliteRecordStore
    directory, name, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.001)
    params = ParamSet.of((0x20000001, 20), (0x20000003, 256), (0x20000002, 3))
    with SqliteRecordStore(directory) as s:
        for i in range(150):
            s.put(KeyRecord(f"{name}-{i}", 1, params, f"{name}-ref-{i}".encode()), replace=False)
            s.put(KeyRecord("shared", 1, params, f"{name}-shared-{i}".encode()), replace=True)
            if i % 3 == 0:
                s.delete(1, f"{name}-{i}")
    print("done")
    """
)


def test_two_writer_processes(tmp_path: Path) -> None:
    """Two processes create the store at once (racing for the master key) and write 150 records each
    plus one shared alias: every record is there and readable afterwards, nothing is lost or damaged."""
    import time

    directory = tmp_path / "shared-store"
    start = time.time() + 1.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(directory), name, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("p1", "p2")
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    with SqliteRecordStore(directory) as s:
        aliases = s.aliases(1)
        for name in ("p1", "p2"):
            for i in range(150):
                rec = s.get(1, f"{name}-{i}")
                if i % 3 == 0:
                    assert rec is None
                else:
                    assert rec is not None and rec.ref == f"{name}-ref-{i}".encode()
        shared = s.get(1, "shared")
        assert shared is not None and shared.ref in (b"p1-shared-149", b"p2-shared-149")
    assert len(aliases) == 2 * 100 + 1


# ------------------------------------------------------------------------------ issue 11, item 6


def _aes_options(purpose: int = 3, *extra: HuksParam) -> HuksOptions:
    return HuksOptions(
        [
            HuksParam(_T.HUKS_TAG_ALGORITHM, 20),
            HuksParam(_T.HUKS_TAG_KEY_SIZE, 256),
            HuksParam(_T.HUKS_TAG_PURPOSE, purpose),
            HuksParam(_T.HUKS_TAG_BLOCK_MODE, 32),  # GCM
            HuksParam(_T.HUKS_TAG_PADDING, 0),
            *extra,
        ]
    )


def _seal(ks: Keystore, alias: str, data: bytes) -> bytes:
    """``ciphertext ‖ tag ‖ nonce`` (HUKS draws the nonce)."""
    h = ks.init_session(alias, _aes_options(1))
    return ks.finish_session(h, HuksOptions(in_data=data)).out_data or b""


def _unseal(ks: Keystore, alias: str, blob: bytes) -> bytes:
    options = _aes_options(
        2, HuksParam(_T.HUKS_TAG_NONCE, blob[-12:]), HuksParam(_T.HUKS_TAG_AE_TAG, blob[-28:-12])
    )
    h = ks.init_session(alias, options)
    return ks.finish_session(h, HuksOptions(in_data=blob[:-28])).out_data or b""


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT level, alias, params, ref FROM keys ORDER BY level, alias").fetchall()


def test_item6_lost_master_key_is_refused_and_the_file_put_back_restores_everything(tmp_path: Path) -> None:
    """A store with keys whose master.key is gone answers 12000004 naming the missing master key, writes
    no new key file and no record (keys or ASSET); putting the file back makes every key and ASSET
    secret readable again."""
    from hukspy.asset import AssetError, AssetStore, ReturnType, Tag

    root = tmp_path / "ks"
    with Keystore(f"software:{root}") as ks:
        ks.generate_key_item("k", _aes_options(3, HuksParam(_T.HUKS_TAG_IS_ALLOWED_WRAP, True)))
        blob = _seal(ks, "k", b"payload")
        wrapped = ks.wrap_key_item("k", HuksOptions()).out_data or b""
        with AssetStore(tmp_path / "asset", ks, owner="app") as assets:
            assets.add({Tag.ALIAS: b"pw", Tag.SECRET: b"s3cret"})
    master = root / "master.key"
    saved = tmp_path / "master.key.saved"
    master.rename(saved)
    before = _rows(root / "keys.db")

    with Keystore(f"software:{root}") as ks:
        for call in (
            lambda: ks.generate_key_item("new", _aes_options()),
            lambda: ks.has_key_item("k", HuksOptions()),
            lambda: ks.unwrap_key_item("w", HuksOptions(), wrapped),
        ):
            with pytest.raises(HuksError) as info:
                call()
            assert info.value.code == 12000004
            assert "master key" in info.value.message and "missing" in info.value.message
        with AssetStore(tmp_path / "asset", ks, owner="app") as assets, pytest.raises(AssetError):
            assets.add({Tag.ALIAS: b"pw2", Tag.SECRET: b"other"})
    assert not master.exists()
    assert not list(root.glob(".master.key.*"))
    assert _rows(root / "keys.db") == before

    saved.rename(master)
    with Keystore(f"software:{root}") as ks:
        assert _unseal(ks, "k", blob) == b"payload"
        ks.unwrap_key_item("w", HuksOptions(), wrapped)
        assert _unseal(ks, "w", blob) == b"payload"
        with AssetStore(tmp_path / "asset", ks, owner="app") as assets:
            found = assets.query({Tag.ALIAS: b"pw", Tag.RETURN_TYPE: ReturnType.ALL})
            assert found[0][Tag.SECRET] == b"s3cret"
            assets.add({Tag.ALIAS: b"pw2", Tag.SECRET: b"other"})


def test_item6_an_empty_store_without_master_key_gets_one(store_dir: Path) -> None:
    """No records: a missing master key is simply created (a fresh store, or one whose keys were all
    deleted)."""
    with SqliteRecordStore(store_dir) as s:
        s.put(_record("a", b"ref"), replace=True)
        s.delete(1, "a")
    (store_dir / "master.key").unlink()
    with SqliteRecordStore(store_dir) as s:
        s.put(_record("b", b"ref"), replace=True)
    assert len((store_dir / "master.key").read_bytes()) == 32


@pytest.fixture
def full_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory on a 16 KiB tmpfs that is filled up: every write in it fails with ENOSPC."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        fd = os.open(mnt / "filler", os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * 512):
                    pass
        finally:
            os.close(fd)
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_item6_a_failed_first_write_of_the_master_key_leaves_no_temporary_file(full_dir: Path) -> None:
    """On a full disk the master key cannot be written: an OSError (12000004 through the keystore), and
    no zero-byte ``.master.key.*.tmp`` left behind; nor does the keystore leave one."""
    from hukspy.records import load_or_create_master_key

    with pytest.raises(OSError) as info:
        load_or_create_master_key(full_dir)
    assert info.value.errno == errno.ENOSPC
    assert sorted(p.name for p in full_dir.iterdir()) == ["filler"]
    with pytest.raises(HuksError) as err, Keystore(f"software:{full_dir}") as ks:
        ks.generate_key_item("k", _aes_options())
    assert err.value.code == 12000004
    assert not [p.name for p in full_dir.iterdir() if p.name.startswith(".master.key")]


# ------------------------------------------------------------------------------ issue 11, item 7

_OTHER_USER: Final = "hukspy-test-other"


@pytest.fixture(scope="module")
def other_uid() -> int:
    """The uid of a real second user (a system user created for the test, as root)."""
    import pwd

    with contextlib.suppress(KeyError):
        return pwd.getpwnam(_OTHER_USER).pw_uid
    if os.geteuid() != 0:
        pytest.skip("creating a second user needs root")
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", _OTHER_USER], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"useradd failed: {done.stderr.strip()}")
    return pwd.getpwnam(_OTHER_USER).pw_uid


def _generate_refused(uri: str) -> HuksError:
    with Keystore(uri) as ks, pytest.raises(HuksError) as info:
        ks.generate_key_item("k", _aes_options())
    return info.value


def test_item7_home_and_its_parents_are_created_0700_whatever_the_umask(tmp_path: Path) -> None:
    """Under umask 000 ``$HUKSPY_HOME``, every parent hukspy creates, the software store and the ASSET
    store are all 0700 (they were 0777)."""
    from hukspy.asset import AssetStore, Tag

    home = tmp_path / "a" / "b" / "home"
    old = os.umask(0)
    try:
        with Keystore(home=str(home)) as ks:
            ks.generate_key_item("k", _aes_options())
            with AssetStore(home / "asset", ks, owner="app") as assets:
                assets.add({Tag.ALIAS: b"pw", Tag.SECRET: b"s3cret"})
    finally:
        os.umask(old)
    for d in (tmp_path / "a", tmp_path / "a" / "b", home, home / "software", home / "asset"):
        assert _mode(d) == 0o700, f"{d}: {oct(_mode(d))}"


def test_item7_a_store_directory_of_another_user_is_refused(tmp_path: Path, other_uid: int) -> None:
    """A store directory owned by another user: 12000004 naming the owner, nothing written, its mode
    and owner untouched; ASSET refuses it too (24000014)."""
    from hukspy.asset import AssetError, AssetStore, Tag

    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, other_uid, -1)
    err = _generate_refused(f"software:{theirs}")
    assert err.code == 12000004
    assert "owned by uid" in err.message and str(theirs) in err.message
    assert list(theirs.iterdir()) == []
    assert theirs.stat().st_uid == other_uid and _mode(theirs) == 0o700
    with Keystore(f"software:{tmp_path / 'mine'}") as ks, AssetStore(theirs, ks, owner="app") as assets:
        with pytest.raises(AssetError) as info:
            assets.add({Tag.ALIAS: b"pw", Tag.SECRET: b"s3cret"})
        assert info.value.code == 24000014 and "owned by uid" in info.value.detail
    assert list(theirs.iterdir()) == []


def test_item7_a_store_directory_writable_by_others_is_refused(tmp_path: Path) -> None:
    """A group- or world-writable store directory: 12000004 saying so, not silently chmod-ed, nothing
    written. One only readable by others is still tightened to 0700 (see above)."""
    for mode in (0o777, 0o770):
        shared = tmp_path / f"shared-{mode:o}"
        shared.mkdir()
        shared.chmod(mode)
        err = _generate_refused(f"software:{shared}")
        assert err.code == 12000004
        assert "writable by group or others" in err.message
        assert _mode(shared) == mode and list(shared.iterdir()) == []

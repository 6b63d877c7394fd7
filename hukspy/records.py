"""The SQLite record store: alias → ``KeyRecord``, with each key's ref encrypted at rest.

Used by the software and TPM backends (the PKCS#11 backend keeps its records on the token).

Stored format (``keys.db``, SQLite in WAL mode, file 0600 in a 0700 directory)::

    CREATE TABLE keys (level INTEGER, alias TEXT, params BLOB, ref BLOB, PRIMARY KEY (level, alias))

``params`` is ``ParamSet.encode()`` of the key's stored params (no secrets). ``ref`` is
``nonce(12) ‖ AES-256-GCM(master, nonce, ref, aad) ‖ tag(16)`` with
``aad = b"hukspy-record-v1" ‖ level:u32 ‖ len(alias):u32 ‖ alias(UTF-8) ‖ params``, so a record whose
alias, level, params or ref was edited fails authentication and raises 12000004 instead of ever
yielding wrong key material. The 32-byte master key lives in ``master.key`` (0600) beside the
database; the software keystore is exactly as safe as that file (see docs/security.md).

Every change is one SQLite transaction, so a process killed in the middle of a change leaves every
alias either fully there or absent.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import storedir
from hukspy.backend import AliasExistsError, KeyRecord
from hukspy.errors import HuksError
from hukspy.params import ParamSet
from hukspy.storedir import private_file

__all__ = ["SqliteRecordStore", "load_or_create_master_key", "private_dir", "private_file"]

_AAD_PREFIX: Final = b"hukspy-record-v1"
_CACHE_SIZE: Final = 256  # authenticated records kept in memory (see SqliteRecordStore._open)
_MASTER_KEY_FILE: Final = "master.key"
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS keys ("
    " level INTEGER NOT NULL, alias TEXT NOT NULL, params BLOB NOT NULL, ref BLOB NOT NULL,"
    " PRIMARY KEY (level, alias))"
)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) 0700 if needed and check it (``hukspy.storedir``); return it.

    Raises ``HuksError`` 12000004 with the reason for a directory owned by another user or writable by
    group/others, ``OSError`` when it cannot be created.
    """
    try:
        return storedir.private_dir(path)
    except storedir.UnsafeDirectoryError as exc:
        raise HuksError(12000004, f"open the keystore: {exc.strerror}") from exc


def load_or_create_master_key(directory: Path, name: str = _MASTER_KEY_FILE, *, create: bool = True) -> bytes:
    """The 32-byte key in ``directory/name`` (0600), created from ``secrets`` on first use.

    Two processes racing to create it agree on one key (O_EXCL; the loser reads the winner's). A write
    that fails (a full disk) leaves no temporary file behind. ``create=False`` (the store already holds
    records sealed under a key) never writes one: a missing file is then 12000004, not a new key.
    Raises ``HuksError`` 12000004 when the file is missing and may not be created, or exists but is not
    a 32-byte key; ``OSError`` when it cannot be written.
    """
    path = directory / name
    if not path.exists():
        if not create:
            raise HuksError(
                12000004,
                f"open the keystore in {directory}: its master key file {name} is missing while keys are "
                f"stored under it; put the file back (or restore a backup, hukspy restore) to read them. "
                "hukspy does not replace it",
            )
        _create_master_key(path)
    data = path.read_bytes()
    if len(data) != 32:
        raise HuksError(12000004, f"read the keystore master key {path}: it is damaged")
    return data


def _create_master_key(path: Path) -> None:
    """Write a fresh key whole to a temporary file, then link it into place: the key file never exists
    half-written, of two racing creators the second's link fails (it then reads the first one's key),
    and the temporary file is removed whatever happens (a crash between the two steps aside)."""
    key = secrets.token_bytes(32)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        try:
            if os.write(fd, key) != len(key):
                raise OSError(errno.ENOSPC, "the master key was written only in part", str(tmp))
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _set_wal(conn: sqlite3.Connection, timeout: float = 30.0) -> None:
    """Switch ``conn``'s database to WAL. SQLite answers SQLITE_BUSY at once, without its busy handler,
    while another connection creates the same database, so two processes opening a new store at once
    retry here (for up to ``timeout`` seconds) instead of failing."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _aad(level: int, alias: str, params: bytes) -> bytes:
    a = alias.encode()
    return _AAD_PREFIX + struct.pack("<II", level, len(a)) + a + params


class SqliteRecordStore:
    """A thread- and process-safe ``RecordStore`` in ``directory/keys.db``. A context manager.

    Native errors (``sqlite3.Error``, ``OSError``) escape to the backend's ``translate``; a record that
    fails authentication raises ``HuksError`` 12000004.
    """

    def __init__(self, directory: str | os.PathLike[str], *, filename: str = "keys.db") -> None:
        d = private_dir(directory)
        db = d / filename
        private_file(db)
        self._lock = threading.RLock()
        self._cache: dict[tuple[int, str, object, object], KeyRecord] = {}
        # (level, alias) → the record (None: absent) as looked up at ``_version`` (``get``)
        self._recent: dict[tuple[int, str], KeyRecord | None] = {}
        self._version: int | None = None
        conn = sqlite3.connect(db, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            _set_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(_SCHEMA)
            # The database is opened before the master key so that a store holding records never gets a
            # new key (records are only ever written after the key exists: rows without it mean it was
            # lost, and a new key would silently orphan every one of them).
            has_records = conn.execute("SELECT 1 FROM keys LIMIT 1").fetchone() is not None
            self._aead = AESGCM(load_or_create_master_key(d, create=not has_records))
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn

    def __enter__(self) -> SqliteRecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteRecordStore(open={self._conn is not None})"

    def _read(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        """One read in its own implicit (shared) transaction: readers never take the write lock."""
        with self._lock:
            rows: list[tuple[object, ...]] = self._connection().execute(sql, args).fetchall()
            return rows

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HuksError(12000004, "use a closed keystore record store")
        return self._conn

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            self._recent.clear()  # this connection's own commits leave PRAGMA data_version as it is
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _open(self, level: int, alias: str, params: object, sealed: object) -> KeyRecord:
        # Opened records are cached by their sealed bytes: a fresh nonce per write makes those unique,
        # so a hit is exactly the record that was authenticated before (same alias, level and params).
        key = (level, alias, params, sealed)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        record = self._authenticate(level, alias, params, sealed)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = record
        return record

    def _authenticate(self, level: int, alias: str, params: object, sealed: object) -> KeyRecord:
        try:
            if not isinstance(params, bytes) or not isinstance(sealed, bytes):
                raise ValueError("a column of the record is not a BLOB")
            ps = ParamSet.decode(params)
            ref = self._aead.decrypt(sealed[:12], sealed[12:], _aad(level, alias, params))
        except (InvalidTag, ValueError, struct.error, IndexError) as exc:
            raise HuksError(12000004, f'read the key "{alias}": its record fails authentication') from exc
        return KeyRecord(alias, level, ps, ref)

    def get(self, level: int, alias: str) -> KeyRecord | None:
        """The record of ``alias`` at ``level``, or None. Raises 12000004 for a tampered record.

        Answers from the records it looked up before while the database has not changed since: its own
        writes forget them, and so does a commit by any other connection (another process, another
        store on the same file), which SQLite's ``PRAGMA data_version`` tells before every lookup
        (docs/benchmarks.md, "What is cached"). A record that fails authentication is never remembered.
        """
        with self._lock:
            conn = self._connection()
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            if version != self._version:
                self._recent.clear()
                self._version = version
            where = (level, alias)
            if where in self._recent:
                return self._recent[where]
            row = conn.execute("SELECT params, ref FROM keys WHERE level=? AND alias=?", where).fetchone()
            record = None if row is None else self._open(level, alias, row[0], row[1])
            if len(self._recent) >= _CACHE_SIZE:
                self._recent.pop(next(iter(self._recent)))
            self._recent[where] = record
            return record

    def put(self, record: KeyRecord, *, replace: bool) -> KeyRecord | None:
        """Store ``record`` in one transaction; return the record it replaced, or None.

        ``replace=False`` and an existing alias raise ``AliasExistsError``. A replaced record that
        fails authentication is replaced all the same (its ref is then not returned).
        """
        params = record.params.encode()
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(nonce, record.ref, _aad(record.level, record.alias, params))
        with self._tx() as conn:
            row = conn.execute(
                "SELECT params, ref FROM keys WHERE level=? AND alias=?", (record.level, record.alias)
            ).fetchone()
            if row is not None and not replace:
                raise AliasExistsError(record.alias)
            conn.execute(
                "INSERT OR REPLACE INTO keys (level, alias, params, ref) VALUES (?, ?, ?, ?)",
                (record.level, record.alias, params, sealed),
            )
        if row is None:
            return None
        try:
            with self._lock:
                return self._open(record.level, record.alias, row[0], row[1])
        except HuksError:
            return None

    def delete(self, level: int, alias: str) -> KeyRecord | None:
        """Remove the record in one transaction and return it; None if there was none. A record that
        fails authentication is removed all the same and returned with empty params and ref."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT params, ref FROM keys WHERE level=? AND alias=?", (level, alias)
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM keys WHERE level=? AND alias=?", (level, alias))
        try:
            with self._lock:
                return self._open(level, alias, row[0], row[1])
        except HuksError:
            return KeyRecord(alias, level, ParamSet(), b"")

    def exists(self, level: int, alias: str) -> bool:
        """Whether a record for ``alias`` exists at ``level`` (without opening it)."""
        return bool(self._read("SELECT 1 FROM keys WHERE level=? AND alias=?", (level, alias)))

    def aliases(self, level: int) -> list[str]:
        """Every alias at ``level``, sorted."""
        rows = self._read("SELECT alias FROM keys WHERE level=? ORDER BY alias", (level,))
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Close the database; idempotent."""
        with self._lock:
            self._cache.clear()
            self._recent.clear()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

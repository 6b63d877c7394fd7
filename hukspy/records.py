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
import os
import secrets
import sqlite3
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy.backend import AliasExistsError, KeyRecord
from hukspy.errors import HuksError
from hukspy.params import ParamSet

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
    """Create ``path`` (and parents) if needed, mode 0700; return it. Raises ``OSError``."""
    p = Path(path)
    p.mkdir(mode=0o700, parents=True, exist_ok=True)
    if p.stat().st_mode & 0o077:
        p.chmod(0o700)
    return p


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (so SQLite's WAL and SHM files,
    which copy the database file's mode, are 0600 too)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def load_or_create_master_key(directory: Path, name: str = _MASTER_KEY_FILE) -> bytes:
    """The 32-byte key in ``directory/name`` (0600), created from ``secrets`` on first use.

    Two processes racing to create it agree on one key (O_EXCL; the loser reads the winner's).
    Raises ``HuksError`` 12000004 when the file exists but is not a 32-byte key.
    """
    path = directory / name
    if not path.exists():
        # Written whole to a temporary file, then linked into place: the key file never exists
        # half-written (a crash leaves at most a stray temporary), and of two racing creators the
        # second's link fails and it reads the first one's key.
        key = secrets.token_bytes(32)
        tmp = directory / f".{name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    data = path.read_bytes()
    if len(data) != 32:
        raise HuksError(12000004, f"read the keystore master key {path}: it is damaged")
    return data


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
        self._aead = AESGCM(load_or_create_master_key(d))
        db = d / filename
        private_file(db)
        self._lock = threading.RLock()
        self._cache: dict[tuple[int, str, object, object], KeyRecord] = {}
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            db, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)

    def __enter__(self) -> SqliteRecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteRecordStore(open={self._conn is not None})"

    def _read(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        """One read in its own implicit (shared) transaction: readers never take the write lock."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise HuksError(12000004, "use a closed keystore record store")
            rows: list[tuple[object, ...]] = conn.execute(sql, args).fetchall()
            return rows

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._conn
            if conn is None:
                raise HuksError(12000004, "use a closed keystore record store")
            conn.execute("BEGIN IMMEDIATE")
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
        """The record of ``alias`` at ``level``, or None. Raises 12000004 for a tampered record."""
        rows = self._read("SELECT params, ref FROM keys WHERE level=? AND alias=?", (level, alias))
        if not rows:
            return None
        with self._lock:
            return self._open(level, alias, rows[0][0], rows[0][1])

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
            if self._conn is not None:
                self._conn.close()
                self._conn = None

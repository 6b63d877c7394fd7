"""The SQLite database of one owner (asset-reference.md §5.1-5.2).

One file per owner, ``<store dir>/<name>.db``, where ``<name>`` is ``Hap_<owner>`` when the owner is made of
``[A-Za-z0-9._-]`` (at most 100 characters), else ``Hap_<sha256(owner) hex>``. The directory is 0700
and the files 0600. The table is upstream's ``asset_table`` (schema version 4, ``pragma user_version =
4``) plus the index ``asset_alias_idx`` on ``Alias``, so that the lookups of add, update, remove and
query by alias are O(log n). WAL journal, ``synchronous=NORMAL`` (a crash of the process loses nothing
that was committed; a power cut may lose the last commits but never corrupts the file).

Every change is one ``BEGIN IMMEDIATE`` transaction, so any number of threads and processes can share a
store; SQLite's lock serialises the writers (``busy_timeout`` 30 s). The threads of a process share a
bounded pool of connections (:class:`Database`): a connection never belongs to a thread, so threads
that come and go leave nothing open (docs/asset.md, "Robustness"). Errors are mapped as upstream
(§5.3): SQLITE_CORRUPT and SQLITE_NOTADB give 24000007, SQLITE_NOMEM 24000006, anything else 24000008,
and a file that cannot be created 24000014.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from hukspy.asset.enums import ErrorCode, Tag
from hukspy.asset.errors import AssetError
from hukspy.storedir import private_dir

__all__ = ["COLUMNS", "TAG_COLUMN", "Database", "Row", "db_name", "sql_errors"]

SCHEMA_VERSION: Final = 4

#: The columns of asset_table, in upstream's order (types.rs COLUMN_INFO).
COLUMNS: Final = (
    "Id",
    "Secret",
    "Alias",
    "Owner",
    "OwnerType",
    "GroupId",
    "SyncType",
    "Accessibility",
    "AuthType",
    "CreateTime",
    "UpdateTime",
    "IsPersistent",
    "Version",
    "RequirePasswordSet",
    "DataLabelCritical_1",
    "DataLabelCritical_2",
    "DataLabelCritical_3",
    "DataLabelCritical_4",
    "DataLabelNormal_1",
    "DataLabelNormal_2",
    "DataLabelNormal_3",
    "DataLabelNormal_4",
    "DataLabelNormalLocal_1",
    "DataLabelNormalLocal_2",
    "DataLabelNormalLocal_3",
    "DataLabelNormalLocal_4",
    "GlobalId",
    "CloudVersion",
    "LocalStatus",
    "SyncStatus",
    "ExtInfo",
    "WrapType",
)

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS asset_table(
 Id INTEGER PRIMARY KEY NOT NULL, Secret BLOB NOT NULL, Alias BLOB NOT NULL, Owner BLOB NOT NULL,
 OwnerType INTEGER NOT NULL, GroupId BLOB, SyncType INTEGER NOT NULL, Accessibility INTEGER NOT NULL,
 AuthType INTEGER NOT NULL, CreateTime BLOB NOT NULL, UpdateTime BLOB NOT NULL, IsPersistent INTEGER NOT NULL,
 Version INTEGER NOT NULL, RequirePasswordSet INTEGER NOT NULL,
 DataLabelCritical_1 BLOB, DataLabelCritical_2 BLOB, DataLabelCritical_3 BLOB, DataLabelCritical_4 BLOB,
 DataLabelNormal_1 BLOB, DataLabelNormal_2 BLOB, DataLabelNormal_3 BLOB, DataLabelNormal_4 BLOB,
 DataLabelNormalLocal_1 BLOB, DataLabelNormalLocal_2 BLOB, DataLabelNormalLocal_3 BLOB,
 DataLabelNormalLocal_4 BLOB,
 GlobalId BLOB, CloudVersion BLOB, LocalStatus INTEGER NOT NULL, SyncStatus INTEGER NOT NULL, ExtInfo BLOB,
 WrapType INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS asset_alias_idx ON asset_table(Alias);
"""

#: Tag -> column, for the tags that are stored (upstream's TAG_COLUMN_TABLE).
TAG_COLUMN: Final[dict[Tag, str]] = {
    Tag.SECRET: "Secret",
    Tag.ALIAS: "Alias",
    Tag.ACCESSIBILITY: "Accessibility",
    Tag.AUTH_TYPE: "AuthType",
    Tag.SYNC_TYPE: "SyncType",
    Tag.UPDATE_TIME: "UpdateTime",
    Tag.IS_PERSISTENT: "IsPersistent",
    Tag.REQUIRE_PASSWORD_SET: "RequirePasswordSet",
    Tag.GROUP_ID: "GroupId",
    Tag.WRAP_TYPE: "WrapType",
    **{getattr(Tag, f"DATA_LABEL_CRITICAL_{i}"): f"DataLabelCritical_{i}" for i in range(1, 5)},
    **{getattr(Tag, f"DATA_LABEL_NORMAL_{i}"): f"DataLabelNormal_{i}" for i in range(1, 5)},
    **{getattr(Tag, f"DATA_LABEL_NORMAL_LOCAL_{i}"): f"DataLabelNormalLocal_{i}" for i in range(1, 5)},
}

#: A row: column name -> value (None for NULL).
Row = dict[str, object]

#: Connections per database at most, shared by every thread of the process (see :class:`Database`).
MAX_CONNECTIONS: Final = 8
#: Seconds to wait for SQLite's write lock (``busy_timeout``) and for a free connection of the pool.
BUSY_TIMEOUT: Final = 30.0

_SAFE_OWNER: Final = re.compile(r"[A-Za-z0-9._-]{1,100}")
_CORRUPT: Final = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
_NOMEM: Final = 7


def db_name(owner: str) -> str:
    """The file name (without ``.db``) of ``owner``'s database."""
    if _SAFE_OWNER.fullmatch(owner) and owner not in {".", ".."}:
        return f"Hap_{owner}"
    return "Hap_" + hashlib.sha256(owner.encode()).hexdigest()


@contextlib.contextmanager
def sql_errors(action: str) -> Iterator[None]:
    """Turn ``sqlite3`` and OS errors raised inside into ``AssetError`` (see the module docstring)."""
    try:
        yield
    except AssetError:
        raise
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 1) & 0xFF
        if code in _CORRUPT:
            raise AssetError(
                ErrorCode.DATA_CORRUPTED, detail=f"{action}: the database is damaged ({exc})"
            ) from exc
        if code == _NOMEM:
            raise AssetError(ErrorCode.OUT_OF_MEMORY, detail=f"{action}: {exc}") from exc
        raise AssetError(ErrorCode.DATABASE_ERROR, detail=f"{action}: {exc}") from exc
    except OSError as exc:
        raise AssetError(ErrorCode.FILE_OPERATION_ERROR, detail=f"{action}: {exc.strerror}") from exc


class Database:
    """One owner's database file and a bounded pool of connections to it. ``close()`` is idempotent.

    An operation borrows a connection for its duration and gives it back (:meth:`connection`); the pool
    opens one only when none is idle and holds at most :data:`MAX_CONNECTIONS`, whatever the number of
    threads, so a thread that ends leaves nothing open. A caller that finds them all busy waits up to
    :data:`BUSY_TIMEOUT` seconds (then 24000008, as for SQLite's own lock). A connection whose
    transaction could not be ended is closed, not reused.
    """

    def __init__(self, directory: Path, owner: str) -> None:
        self.directory = directory
        self.path = directory / f"{db_name(owner)}.db"
        self._free = threading.Condition()
        self._idle: list[sqlite3.Connection] = []
        self._count = 0  # connections that exist: idle or borrowed
        self._ready = False
        self._closed = False

    def exists(self) -> bool:
        """Whether the database file exists (a read on a store that never had an add is a no-match)."""
        return self.path.exists()

    def _create_file(self) -> None:
        private_dir(self.directory)  # 0700; another user's or a group/world-writable one: OSError
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return
        os.close(fd)

    def _connect(self) -> sqlite3.Connection:
        """A new connection (the file and the schema created on first use)."""
        self._create_file()
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if not self._ready:
                self._init_schema(conn)
                self._ready = True
            conn.text_factory = bytes  # a TEXT value written into a BLOB column reads back as bytes
        except BaseException:
            conn.close()
            raise
        return conn

    def _borrow(self) -> sqlite3.Connection:
        deadline = time.monotonic() + BUSY_TIMEOUT
        with self._free:
            while True:
                if self._closed:
                    raise AssetError(ErrorCode.SERVICE_UNAVAILABLE, detail="the asset store is closed")
                if self._idle:
                    return self._idle.pop()
                if self._count < MAX_CONNECTIONS:
                    self._count += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssetError(
                        ErrorCode.DATABASE_ERROR,
                        detail=f"all {MAX_CONNECTIONS} connections stayed busy for {BUSY_TIMEOUT:g} s",
                    )
                self._free.wait(left)
        try:
            return self._connect()
        except BaseException:
            self._drop(None)
            raise

    def _drop(self, conn: sqlite3.Connection | None) -> None:
        with self._free:
            self._count -= 1
            self._free.notify()
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._free:
            if not self._closed and not conn.in_transaction:
                self._idle.append(conn)
                self._free.notify()
                return
        self._drop(conn)

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool for the duration (opened if none is idle). Raises 24000001 when the
        store is closed, 24000008 when every connection stayed busy for ``BUSY_TIMEOUT``; ``sqlite3`` and
        OS errors of opening pass through (callers run inside :func:`sql_errors`)."""
        conn = self._borrow()
        try:
            yield conn
        finally:
            self._give_back(conn)

    @staticmethod
    def _init_schema(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version not in (0, SCHEMA_VERSION):
            raise AssetError(
                ErrorCode.DATABASE_ERROR, detail=f"unsupported database schema version {version}"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def write(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on any error)."""
        with sql_errors(action), self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def read(self, action: str, sql: str, args: Sequence[object]) -> list[Row]:
        """Run one SELECT and return its rows as dicts."""
        with sql_errors(action), self.connection() as conn:
            cur = conn.execute(sql, tuple(args))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def close(self) -> None:
        """Close the idle connections now and the borrowed ones when they come back (the last one
        checkpoints the WAL). Idempotent."""
        with self._free:
            self._closed = True
            idle, self._idle = self._idle, []
            self._free.notify_all()
        for conn in idle:
            self._drop(conn)

"""``AssetStore``: the ASSET operations on one owner's database (asset-reference.md §4).

Upstream's service semantics, in one process per call instead of a system service:

- **add**: defaults ACCESSIBILITY=DEVICE_FIRST_UNLOCKED, AUTH_TYPE=NONE, SYNC_TYPE=NEVER, the bools
  false, WRAP_TYPE=NEVER; CreateTime = UpdateTime = now as ASCII decimal milliseconds; LocalStatus 0,
  SyncStatus 1 (SyncAdd), Version 4. An existing alias gives 24000003 unless CONFLICT_RESOLUTION is
  OVERWRITE, which replaces the whole row in place (old labels are not kept), or the row is a cloud
  tombstone, which is replaced silently.
- **query**: an equality match on every stored attribute given (SYNC_TYPE bitwise: ``(SyncType & q) =
  q``), tombstones hidden; insertion order, or ascending by RETURN_ORDERED_BY; RETURN_LIMIT and
  RETURN_OFFSET page; no row gives 24000002, never an empty list. RETURN_TYPE=ALL needs ALIAS
  (24000017) and decrypts the secret; AUTH_TYPE=ANY secrets need AUTH_CHALLENGE and AUTH_TOKEN (401), a
  live challenge of this owner (24000002), and a token of the keystore's UserIAM for that challenge
  (``hukspy.userauth``; else 24000004). REQUIRE_PASSWORD_SET, DEVICE_FIRST_UNLOCKED and DEVICE_UNLOCKED
  follow the keystore's lock state (24000005) at add, update, pre_query and secret queries.
- **update**: SECRET is re-encrypted with the row's AAD; UpdateTime and SyncStatus (4) change unless only
  NORMAL_LOCAL labels change; LocalStatus becomes 0.
- **remove**: marks the matches SyncStatus 2 with UpdateTime now, deletes those without the SYNC_TYPE
  TRUSTED_ACCOUNT bit; the others stay as hidden tombstones. ``remove({})`` removes everything the
  owner has.
- **pre_query / post_query**: see :class:`~hukspy.asset.crypto.ChallengeCache`.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import hmac
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, ParamSpec, TypeVar

from hukspy.asset import checks
from hukspy.asset.checks import LABELS, LOCAL_LABELS, AssetAttributes, AssetMap, AssetValue, Checked
from hukspy.asset.crypto import CHALLENGES, OWNER_TYPE_HAP, SecretCipher, build_aad, from_huks
from hukspy.asset.db import (
    COLUMNS,
    TAG_COLUMN,
    Connection,
    Row,
    is_postgres_url,
    open_database,
    rows_of,
    sql_errors,
)
from hukspy.asset.enums import (
    Accessibility,
    AuthType,
    ConflictResolution,
    ErrorCode,
    ReturnType,
    SyncType,
    Tag,
    WrapType,
)
from hukspy.asset.errors import AssetError, BatchErrInfo, BatchResult, SyncResult
from hukspy.errors import HuksError
from hukspy.userauth import USER_ID, TokenInvalid, UserAuthError

if TYPE_CHECKING:
    from hukspy.keystore import Keystore

__all__ = ["AssetStore", "default_store"]

VERSION: Final = 4
SYNC_ADD: Final = 1
SYNC_DEL: Final = 2
SYNC_UPDATE: Final = 4
DEFAULT_VALIDITY: Final = 60
#: At most this many maps in one query result (upstream's MAX_VEC_CAPACITY of the IPC layer).
MAX_RESULT: Final = 0x10000
#: The longest owner, in bytes of UTF-8.
MAX_OWNER_LEN: Final = 1024

# What a returned map holds, in upstream's order (TAG_COLUMN_TABLE); SECRET only for RETURN_TYPE=ALL.
_RETURNED: Final = (
    Tag.ALIAS,
    Tag.ACCESSIBILITY,
    Tag.AUTH_TYPE,
    Tag.SYNC_TYPE,
    Tag.UPDATE_TIME,
    Tag.IS_PERSISTENT,
    Tag.REQUIRE_PASSWORD_SET,
    *checks.CRITICAL_LABELS,
    *checks.NORMAL_LABELS,
    *checks.LOCAL_LABELS,
    Tag.WRAP_TYPE,
)
_BOOL_TAGS: Final = frozenset({Tag.IS_PERSISTENT, Tag.REQUIRE_PASSWORD_SET})
_ENUM_OUT: Final = {Tag.ACCESSIBILITY: Accessibility, Tag.AUTH_TYPE: AuthType, Tag.WRAP_TYPE: WrapType}
_INSERT: Final = (
    f"INSERT INTO asset_table ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})"  # noqa: S608
)
_REPLACE: Final = f"UPDATE asset_table SET {', '.join(c + ' = ?' for c in COLUMNS[1:])} WHERE Id = ?"  # noqa: S608


P = ParamSpec("P")
R = TypeVar("R")


def _unexpected(action: str, exc: Exception) -> AssetError:
    """What the API boundary makes of an exception that no table mapped (docs/asset.md, "Robustness"):
    a keystore error as :data:`~hukspy.asset.crypto.HUKS_TO_ASSET`, ``MemoryError`` 24000006, anything
    else (a bug) 24000001. The caller chains it (``raise ... from exc``)."""
    if isinstance(exc, HuksError):
        return from_huks(action, exc)
    if isinstance(exc, MemoryError):
        return AssetError(ErrorCode.OUT_OF_MEMORY, detail=action)
    return AssetError(ErrorCode.SERVICE_UNAVAILABLE, detail=f"{action}: internal error {type(exc).__name__}")


def _public(method: Callable[P, R]) -> Callable[P, R]:
    """The API boundary of an ``AssetStore`` method: only ``AssetError`` leaves (:func:`_unexpected`)."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except AssetError:
            raise
        except Exception as exc:
            raise _unexpected(method.__name__, exc) from exc

    return call


def _now() -> bytes:
    return str(time.time_ns() // 1_000_000).encode()


def _default_owner() -> str:
    owner = os.environ.get("HUKSPY_APP_ID")
    if owner:
        return owner
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


def _default_path() -> Path:
    from hukspy.keystore import hukspy_home

    return Path(hukspy_home()) / "asset"


def _bad(detail: str) -> AssetError:
    return AssetError(ErrorCode.INVALID_ARGUMENT, detail=detail)


def _arguments(path: object, keystore: object, owner: object) -> tuple[Path | str, Keystore, str]:
    """The constructor's arguments, checked as upstream checks parameters (401), with the defaults.

    ``owner``: a non-empty ``str`` of at most 1024 bytes in UTF-8. ``path``: a ``postgresql://`` URL
    (returned as is), else ``str`` or a ``PathLike`` of ``str``, no NUL, encodable in the file system's
    encoding. ``keystore``: a ``hukspy.Keystore``; the default keystore failing to open is 24000001
    (docs/asset.md, "Robustness")."""
    from hukspy.keystore import Keystore, default_keystore

    owner = _default_owner() if owner is None else owner
    if not isinstance(owner, str) or not owner:
        raise _bad("the owner must be a non-empty string")
    try:
        if len(owner.encode()) > MAX_OWNER_LEN:
            raise _bad(f"the owner must be at most {MAX_OWNER_LEN} bytes in UTF-8")
    except UnicodeEncodeError:
        raise _bad("the owner is not valid UTF-8 (it holds a lone surrogate)") from None
    directory: Path | str
    if path is None:
        directory = _default_path()
    elif is_postgres_url(path):
        assert isinstance(path, str)  # noqa: S101 - narrowing
        directory = path
    else:
        if not isinstance(path, str | os.PathLike):
            raise _bad("the path must be a str or an os.PathLike of str")
        try:
            raw = os.fsencode(path)
            directory = Path(path)
        except (TypeError, UnicodeEncodeError):
            raise _bad("the path must be a str or PathLike of str in the file system encoding") from None
        if b"\0" in raw or not raw:
            raise _bad("the path must be non-empty and hold no NUL character")
    if keystore is None:
        try:
            keystore = default_keystore()
        except HuksError as exc:
            raise AssetError(
                ErrorCode.SERVICE_UNAVAILABLE,
                detail=f"the default keystore ($HUKSPY_KEYSTORE) cannot be opened: {exc}",
            ) from exc
    elif not isinstance(keystore, Keystore):
        raise _bad("the keystore must be a hukspy.Keystore or None")
    return directory, keystore, owner


class AssetStore:
    """The ASSET store of one owner: a directory of SQLite databases, or a PostgreSQL database
    (``path="postgresql://..."``, docs/asset.md, "PostgreSQL"), plus keys in a ``Keystore``.

    ``path`` (default ``$HUKSPY_HOME/asset``) is created 0700 if missing; ``keystore`` defaults to
    ``hukspy.default_keystore()`` (and is never closed by the store); ``owner`` defaults to
    ``$HUKSPY_APP_ID``, else the user name. A context manager; ``close()`` is idempotent, and a closed
    store raises 24000001. Safe to use from many threads; many processes may open the same directory.

    Raises ``AssetError`` 401 for a malformed argument and 24000001 when the default keystore cannot
    open (docs/asset.md, "Robustness"); nothing else leaves the constructor or a method. On PostgreSQL the
    "database" codes of the methods below also include 24000010 (the server cannot be reached) and
    24000017 (psycopg is not installed), docs/asset.md, "PostgreSQL".
    """

    def __new__(cls, path: object = None, keystore: object = None, owner: object = None) -> AssetStore:
        """A store on a ``service:`` keystore, given or the default one (``$HUKSPY_KEYSTORE=service:``), is
        a ``hukspy.service.client.ServiceAssetStore``: ASSET runs inside the service, as the caller's uid
        (docs/service.md)."""
        if cls is AssetStore and keystore is None:
            from hukspy.keystore import default_keystore

            with contextlib.suppress(HuksError):  # the constructor reports it (24000001)
                keystore = default_keystore()
        client = sys.modules.get("hukspy.service.client")  # not loaded: no ServiceKeystore exists
        if cls is AssetStore and client is not None and isinstance(keystore, client.ServiceKeystore):
            store: AssetStore = object.__new__(client.ServiceAssetStore)
            return store
        return object.__new__(cls)

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        keystore: Keystore | None = None,
        owner: str | None = None,
    ) -> None:
        self._closed = True  # until built: close() of a half-built store is a no-op
        self._lock = threading.Lock()
        try:
            directory, keystore, owner = _arguments(path, keystore, owner)
            with sql_errors("find the store directory"):
                self._db = open_database(directory, owner)
            self._bucket = (self._db.name, owner)
        except AssetError:
            raise
        except Exception as exc:  # the API boundary, as _public
            raise _unexpected("open the asset store", exc) from exc
        self.path: Final = directory
        self.owner: Final = owner
        self.keystore: Final = keystore
        self._owner = owner.encode()
        self._cipher = SecretCipher(keystore, self._owner, self._db.key_lock)
        self._closed = False

    def __repr__(self) -> str:
        return f"AssetStore(path={self._db.name!r}, owner={self.owner!r}, closed={self._closed})"

    def __enter__(self) -> AssetStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connections and drop this store's pre_query challenges. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        CHALLENGES.drop_store(id(self))
        self._db.close()
        self._cipher.close()

    def _check_open(self) -> None:
        if self._closed:
            raise AssetError(ErrorCode.SERVICE_UNAVAILABLE, detail="the asset store is closed")

    # ------------------------------------------------------------------ helpers

    def _where(self, q: Checked) -> tuple[str, list[object]]:
        parts = ["Owner = ?", "OwnerType = ?", f"SyncStatus <> {SYNC_DEL}"]
        args: list[object] = [self._owner, OWNER_TYPE_HAP]
        for tag, value in q.items():
            column = TAG_COLUMN.get(tag)
            if column is None:
                continue
            if tag == Tag.SYNC_TYPE:
                parts.append("(SyncType & ?) = ?")
                args += [value, value]
            else:
                parts.append(f"{column} = ?")
                args.append(int(value) if isinstance(value, bool) else value)
        return " AND ".join(parts), args

    def _new_row(self, a: Checked) -> Row:
        """The row of a new asset (defaults of §4.1), with the secret encrypted."""
        now = _now()
        row: Row = {c: None for c in COLUMNS[1:]}
        row.update(
            Alias=a[Tag.ALIAS],
            Owner=self._owner,
            OwnerType=OWNER_TYPE_HAP,
            SyncType=int(a.get(Tag.SYNC_TYPE, SyncType.NEVER)),
            Accessibility=int(a.get(Tag.ACCESSIBILITY, Accessibility.DEVICE_FIRST_UNLOCKED)),
            AuthType=int(a.get(Tag.AUTH_TYPE, AuthType.NONE)),
            CreateTime=now,
            UpdateTime=now,
            IsPersistent=int(bool(a.get(Tag.IS_PERSISTENT, False))),
            Version=VERSION,
            RequirePasswordSet=int(bool(a.get(Tag.REQUIRE_PASSWORD_SET, False))),
            LocalStatus=0,
            SyncStatus=SYNC_ADD,
            WrapType=int(a.get(Tag.WRAP_TYPE, WrapType.NEVER)),
        )
        for tag in LABELS:
            if tag in a:
                row[TAG_COLUMN[tag]] = a[tag]
        secret = a[Tag.SECRET]
        assert isinstance(secret, bytes)  # noqa: S101 - guaranteed by the checks
        row["Secret"] = self._encrypt(row, secret)
        return row

    def _key_alias(self, row: Row) -> str:
        auth, acc, rpws = row.get("AuthType"), row.get("Accessibility"), row.get("RequirePasswordSet")
        if not all(isinstance(v, int) for v in (auth, acc, rpws)):
            raise AssetError(ErrorCode.DATA_CORRUPTED, detail="the access control columns are damaged")
        assert isinstance(auth, int) and isinstance(acc, int)  # noqa: S101 - narrowing
        return self._cipher.alias(auth, acc, bool(rpws))

    def _encrypt(self, row: Row, secret: bytes) -> bytes:
        self._check_access(row)
        alias = self._key_alias(row)
        aad = build_aad(row)
        self._cipher.ensure_key(alias)
        return self._cipher.encrypt(alias, secret, aad)

    def _to_map(self, row: Row, secret: bytes | None) -> AssetMap:
        """A returned map; stored values that fail the checks of §3.1 give 24000007."""
        out: dict[Tag, AssetValue] = {}
        if secret is not None:
            out[Tag.SECRET] = secret
        for tag in _RETURNED:
            value = row.get(TAG_COLUMN[tag])
            if value is None or value == b"":
                continue
            if tag in _BOOL_TAGS and value in (0, 1) and isinstance(value, int):
                value = bool(value)
            if not checks.value_ok(tag, value):
                raise AssetError(ErrorCode.DATA_CORRUPTED, detail=f"the stored {tag.name} is damaged")
            assert isinstance(value, bool | int | bytes)  # noqa: S101 - narrowing, checked by value_ok
            enum = _ENUM_OUT.get(tag)
            out[tag] = enum(value) if enum is not None and isinstance(value, int) else value
        return out

    @contextlib.contextmanager
    def _writing(self, action: str) -> Iterator[Connection]:
        self._check_open()
        with self._db.write(action) as conn:
            yield conn

    def _find(self, conn: Connection, alias: object) -> Row | None:
        cur = conn.execute(
            "SELECT Id, SyncType, SyncStatus FROM asset_table "
            "WHERE Alias = ? AND Owner = ? AND OwnerType = ?",
            (alias, self._owner, OWNER_TYPE_HAP),
        )
        r = cur.fetchone()
        return None if r is None else {"Id": r[0], "SyncType": r[1], "SyncStatus": r[2]}

    @staticmethod
    def _store_row(conn: Connection, row: Row, existing: Row | None, overwrite: bool) -> int:
        """Insert ``row``, or replace ``existing``; returns 0 or the per-item error code (24000003)."""
        values = [row[c] for c in COLUMNS[1:]]
        if existing is None:
            conn.execute(_INSERT, values)
            return 0
        sync_type, sync_status = existing["SyncType"], existing["SyncStatus"]
        tombstone = (
            isinstance(sync_type, int) and sync_type & SyncType.TRUSTED_ACCOUNT and sync_status == SYNC_DEL
        )
        if overwrite or tombstone:
            conn.execute(_REPLACE, [*values, existing["Id"]])
            return 0
        return ErrorCode.DUPLICATED

    # ------------------------------------------------------------------ operations

    @_public
    def add(self, attributes: AssetAttributes) -> None:
        """Add an asset. Needs SECRET and ALIAS.

        Raises ``AssetError``: 401 (arguments), 202 (USER_ID), 24000003 (the alias exists), 24000017,
        24000005/24000009 (keystore), 24000006/24000007/24000008/24000014 (database).
        """
        self._check_open()
        a = checks.check_add(attributes)
        row = self._new_row(a)
        overwrite = (
            a.get(Tag.CONFLICT_RESOLUTION, ConflictResolution.THROW_ERROR) == ConflictResolution.OVERWRITE
        )
        with self._writing("add the asset") as conn:
            code = self._store_row(conn, row, self._find(conn, row["Alias"]), overwrite)
            if code:
                raise AssetError(code, detail="an asset with this alias exists")

    @_public
    def remove(self, query: AssetAttributes) -> None:
        """Remove the matching assets (``{}``: all of the owner's). No match raises 24000002.

        Raises ``AssetError``: 401, 202, 24000002, 24000017, 24000006/24000007/24000008/24000014.
        """
        self._check_open()
        q = checks.check_remove(query)
        if not self._db.exists():
            raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
        where, args = self._where(q)
        with self._writing("remove the assets") as conn:
            if self._mark_removed(conn, where, args, _now()) == 0:
                raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")

    @staticmethod
    def _mark_removed(conn: Connection, where: str, args: list[object], now: bytes) -> int:
        """§4.5: mark the matches removed, delete those that need no cloud tombstone; the match count."""
        sql = f"UPDATE asset_table SET SyncStatus = ?, UpdateTime = ? WHERE {where}"  # noqa: S608
        n: int = conn.execute(sql, [SYNC_DEL, now, *args]).rowcount
        base = where.replace(f"SyncStatus <> {SYNC_DEL}", f"SyncStatus = {SYNC_DEL}")
        conn.execute(f"DELETE FROM asset_table WHERE {base} AND (SyncType & 4) = 0", args)  # noqa: S608
        return n

    def _apply_update(self, conn: Connection, row: Row, u: Checked) -> None:
        sets: dict[str, object] = {}
        for tag, value in u.items():
            if tag in TAG_COLUMN and tag != Tag.SECRET:
                sets[TAG_COLUMN[tag]] = value
        if Tag.SECRET in u:
            secret = u[Tag.SECRET]
            assert isinstance(secret, bytes)  # noqa: S101 - guaranteed by the checks
            sets["Secret"] = self._encrypt(row, secret)
        changed = [t for t in u if t in TAG_COLUMN]
        if not changed or not all(t in LOCAL_LABELS for t in changed):
            sets["UpdateTime"] = _now()
            sets["SyncStatus"] = SYNC_UPDATE
        sets["LocalStatus"] = 0
        assignments = ", ".join(f"{c} = ?" for c in sets)
        conn.execute(f"UPDATE asset_table SET {assignments} WHERE Id = ?", [*sets.values(), row["Id"]])  # noqa: S608

    @_public
    def update(self, query: AssetAttributes, attributes_to_update: AssetAttributes) -> None:
        """Update the asset named by ``query`` (which needs ALIAS).

        Raises ``AssetError``: 401, 202, 24000002, 24000017, 24000005/24000009 (keystore),
        24000006/24000007/24000008/24000014.
        """
        self._check_open()
        q, u = checks.check_update(query, attributes_to_update)
        if not self._db.exists():
            raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
        where, args = self._where(q)
        with self._writing("update the asset") as conn:
            rows = self._select(conn, where, args)
            if not rows:
                raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
            for row in rows:
                self._apply_update(conn, row, u)

    @staticmethod
    def _select(conn: Connection, where: str, args: Sequence[object], tail: str = "") -> list[Row]:
        return rows_of(conn.execute(f"SELECT * FROM asset_table WHERE {where} {tail}", list(args)))  # noqa: S608

    @_public
    def pre_query(self, query: AssetAttributes) -> bytes:
        """Start an authenticated query: returns a 32-byte challenge valid for AUTH_VALIDITY_PERIOD seconds
        (default 60). The matches (AUTH_TYPE defaults to ANY) must share one access control.

        Raises ``AssetError``: 401, 202, 24000002 (no match, or the key is missing), 24000016 (too many live
        challenges), 24000017 (several access controls), 24000006/24000007/24000008/24000014.
        """
        self._check_open()
        q = checks.check_pre_query(query)
        q.setdefault(Tag.AUTH_TYPE, AuthType.ANY)
        if not self._db.exists():
            raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
        where, args = self._where(q)
        rows = self._db.read(
            "find the assets",
            f"SELECT DISTINCT Accessibility, RequirePasswordSet FROM asset_table WHERE {where}",  # noqa: S608
            args,
        )
        if not rows:
            raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
        if len(rows) > 1:
            raise AssetError(ErrorCode.UNSUPPORTED, detail="the matches have multiple access control types")
        acc, rpws = rows[0]["Accessibility"], rows[0]["RequirePasswordSet"]
        if not isinstance(acc, int) or not isinstance(rpws, int):
            raise AssetError(ErrorCode.DATA_CORRUPTED, detail="the access control columns are damaged")
        self._check_access({"Accessibility": acc, "RequirePasswordSet": rpws})
        alias = self._cipher.alias(AuthType.ANY, acc, bool(rpws))
        if not self._cipher.has_key(alias):
            raise AssetError(ErrorCode.NOT_FOUND, detail="the secret key of the assets does not exist")
        validity = int(q.get(Tag.AUTH_VALIDITY_PERIOD, DEFAULT_VALIDITY))
        return CHALLENGES.add(self._bucket, id(self), alias, validity)

    @_public
    def query(self, query: AssetAttributes) -> list[AssetMap]:
        """The matching assets, as maps (see the module docstring). No match raises 24000002.

        Raises ``AssetError``: 401, 202, 24000002, 24000004 (AUTH_TYPE=ANY secret), 24000017 (ALL without
        ALIAS), 24000016 (more than 65536 matches without RETURN_LIMIT), 24000007 (a tampered or damaged
        asset), 24000009 (keystore), 24000006/24000008/24000014.
        """
        self._check_open()
        q = checks.check_query(query)
        want_secret = q.get(Tag.RETURN_TYPE, ReturnType.ATTRIBUTES) == ReturnType.ALL
        if want_secret and Tag.ALIAS not in q:
            raise AssetError(ErrorCode.UNSUPPORTED, detail="Batch secret query is not supported")
        if not self._db.exists():
            raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
        where, args = self._where(q)
        order = q.get(Tag.RETURN_ORDERED_BY)
        tail = (
            f"ORDER BY {TAG_COLUMN[Tag(order)]} ASC, Id ASC" if isinstance(order, int) else "ORDER BY Id ASC"
        )
        # Without RETURN_LIMIT, one row more than a result may hold, to tell "too many" (upstream's IPC
        # refuses more than MAX_RESULT maps with LimitExceeded).
        tail += " LIMIT ? OFFSET ?"
        args += [int(q.get(Tag.RETURN_LIMIT, MAX_RESULT + 1)), int(q.get(Tag.RETURN_OFFSET, 0))]
        rows = self._db.read("query the assets", f"SELECT * FROM asset_table WHERE {where} {tail}", args)  # noqa: S608
        if not rows:
            raise AssetError(ErrorCode.NOT_FOUND, detail="no asset matches")
        if len(rows) > MAX_RESULT:
            raise AssetError(
                ErrorCode.LIMIT_EXCEEDED,
                detail=f"more than {MAX_RESULT} assets match: page with RETURN_LIMIT and RETURN_OFFSET",
            )
        if not want_secret:
            return [self._to_map(r, None) for r in rows]
        if len(rows) > 1:
            raise AssetError(ErrorCode.DATABASE_ERROR, detail="more than one asset has this alias")
        return [self._to_map(rows[0], self._decrypt(rows[0], q))]

    def _decrypt(self, row: Row, q: Checked) -> bytes:
        if row.get("AuthType") == AuthType.ANY:
            self._authorize(row, q)
        else:
            self._check_access(row)
        secret = row.get("Secret")
        if not isinstance(secret, bytes):
            raise AssetError(ErrorCode.DATA_CORRUPTED, detail="the stored secret is damaged")
        return self._cipher.decrypt(self._key_alias(row), secret, build_aad(row))

    def _check_access(self, row: Row) -> None:
        """The device state the row's access control needs (docs/userauth.md, "Lock state"):
        REQUIRE_PASSWORD_SET needs a PIN, DEVICE_FIRST_UNLOCKED a PIN verified since boot,
        DEVICE_UNLOCKED an unlocked device; otherwise 24000005. A state that cannot be read: 24000009."""
        ua = self._cipher.keystore.user_auth
        acc, rpws = row.get("Accessibility"), row.get("RequirePasswordSet")
        try:
            if rpws and not ua.is_pin_set():
                why = "REQUIRE_PASSWORD_SET, and no lock-screen PIN is set"
            elif acc == Accessibility.DEVICE_FIRST_UNLOCKED and not ua.first_unlocked_since_boot():
                why = "DEVICE_FIRST_UNLOCKED, and the device was not unlocked since boot"
            elif acc == Accessibility.DEVICE_UNLOCKED and ua.is_locked():
                why = "DEVICE_UNLOCKED, and the device is locked"
            else:
                return
        except UserAuthError as exc:
            raise AssetError(ErrorCode.CRYPTO_ERROR, detail=f"read the lock state: {exc.code}") from exc
        raise AssetError(ErrorCode.STATUS_MISMATCH, detail=f"the asset is {why}")

    def _authorize(self, row: Row, q: Checked) -> None:
        """An AUTH_TYPE=ANY secret (asset-reference.md §4.3; docs/userauth.md, "ASSET"): AUTH_CHALLENGE and
        AUTH_TOKEN (401), a live pre_query challenge of this owner for the row's key (24000002; a
        DEVICE_UNLOCKED one ends when the device locks), the lock state (24000005), then the token: made
        by this keystore's UserIAM for that challenge (24000004), for hukspy's user (24000009)."""
        challenge = q.get(Tag.AUTH_CHALLENGE)
        token = q.get(Tag.AUTH_TOKEN)
        if not isinstance(challenge, bytes) or not isinstance(token, bytes):
            raise AssetError(
                ErrorCode.INVALID_ARGUMENT,
                detail="an AUTH_TYPE=ANY secret needs AUTH_CHALLENGE and AUTH_TOKEN",
            )
        alias = CHALLENGES.find(self._bucket, challenge)
        if alias is None:
            raise AssetError(
                ErrorCode.NOT_FOUND, detail="the challenge is unknown or expired: call pre_query first"
            )
        ua = self._cipher.keystore.user_auth
        try:
            locked = row.get("Accessibility") == Accessibility.DEVICE_UNLOCKED and ua.is_locked()
        except UserAuthError as exc:
            raise AssetError(ErrorCode.CRYPTO_ERROR, detail=f"read the lock state: {exc.code}") from exc
        if locked:
            CHALLENGES.remove(self._bucket, challenge)
            raise AssetError(ErrorCode.NOT_FOUND, detail="the device was locked: the pre_query session ended")
        self._check_access(row)
        if alias != self._key_alias(row):
            raise AssetError(ErrorCode.ACCESS_DENIED, detail="the challenge was made for other assets")
        try:
            parsed = ua.verify_token(token)
        except TokenInvalid as exc:
            raise AssetError(ErrorCode.ACCESS_DENIED, detail="the auth token does not verify") from exc
        except HuksError as exc:
            raise from_huks("verify the auth token", exc) from exc
        if not hmac.compare_digest(parsed.challenge, challenge):
            raise AssetError(ErrorCode.ACCESS_DENIED, detail="the auth token is for another challenge")
        if parsed.huks_auth_type is None:
            raise AssetError(
                ErrorCode.ACCESS_DENIED, detail="the auth token's auth type is not PIN, face or finger"
            )
        if parsed.user_id != USER_ID:
            raise AssetError(ErrorCode.CRYPTO_ERROR, detail="the auth token is for another user")

    @_public
    def post_query(self, handle: AssetAttributes) -> None:
        """End a pre_query session (``{AUTH_CHALLENGE: challenge}``); an unknown challenge is not an error.

        Raises ``AssetError``: 401 (no challenge, or not 32 bytes), 202, 24000017.
        """
        self._check_open()
        h = checks.check_post_query(handle)
        challenge = h[Tag.AUTH_CHALLENGE]
        assert isinstance(challenge, bytes)  # noqa: S101 - guaranteed by the checks
        CHALLENGES.remove(self._bucket, challenge)

    @_public
    def query_sync_result(self, query: AssetAttributes) -> SyncResult:
        """The result of the last sync of the assets ``query`` selects (GROUP_ID, REQUIRE_ATTR_ENCRYPTED):
        always ``SyncResult(0, 0, 0)``, since hukspy syncs nothing (docs/asset.md; upstream without its
        cloud plug-in answers the same).

        Raises ``AssetError``: 24000018 (a tag other than those two, a bad value), 24000017 (GROUP_ID,
        REQUIRE_ATTR_ENCRYPTED=true).
        """
        self._check_open()
        checks.check_query_sync_result(query)
        return SyncResult()

    @_public
    def batch_add(self, attributes_array: Sequence[AssetAttributes]) -> BatchResult:
        """Add 1..100 assets in one transaction; an existing alias (without OVERWRITE) is a per-item
        24000003 in the result.

        Raises ``AssetError``: 401 (arguments, an alias twice), 24000017, 24000019 (inconsistent
        GROUP_ID / REQUIRE_ATTR_ENCRYPTED), keystore and database errors as ``add``.
        """
        self._check_open()
        maps = checks.check_batch_add(attributes_array)
        rows = [self._new_row(a) for a in maps]
        errors: list[BatchErrInfo] = []
        with self._writing("add the assets") as conn:
            for i, (a, row) in enumerate(zip(maps, rows, strict=True)):
                overwrite = a.get(Tag.CONFLICT_RESOLUTION) == ConflictResolution.OVERWRITE
                code = self._store_row(conn, row, self._find(conn, row["Alias"]), overwrite)
                if code:
                    errors.append(BatchErrInfo(i, code, AssetError(code).message))
        return BatchResult(len(errors), errors)

    @_public
    def batch_remove(self, assets_to_be_removed: Sequence[AssetAttributes]) -> None:
        """Remove 0..100 assets by alias in one transaction; missing aliases are not an error.

        Raises ``AssetError``: 401, 24000017, 24000019, database errors as ``remove``.
        """
        self._check_open()
        maps = checks.check_batch_remove(assets_to_be_removed)
        if not maps or not self._db.exists():
            return
        now = _now()
        with self._writing("remove the assets") as conn:
            for m in maps:
                where, args = self._where({Tag.ALIAS: m[Tag.ALIAS]})
                self._mark_removed(conn, where, args, now)

    @_public
    def batch_update(
        self,
        source_attributes: Sequence[AssetAttributes],
        dest_attributes: Sequence[AssetAttributes],
    ) -> BatchResult:
        """Update 1..100 assets in one transaction: ``source_attributes[i]`` names an asset (needs ALIAS),
        ``dest_attributes[i]`` says what changes. An item with no match is a per-item 24000002.

        Raises ``AssetError``: 401, 24000017, 24000019, keystore and database errors as ``update``.
        """
        self._check_open()
        pairs = checks.check_batch_update(source_attributes, dest_attributes)
        errors: list[BatchErrInfo] = []
        if not self._db.exists():
            errors = [
                BatchErrInfo(i, ErrorCode.NOT_FOUND, AssetError(ErrorCode.NOT_FOUND).message)
                for i in range(len(pairs))
            ]
            return BatchResult(len(errors), errors)
        with self._writing("update the assets") as conn:
            for i, (q, u) in enumerate(pairs):
                where, args = self._where(q)
                rows = self._select(conn, where, args)
                if len(rows) != 1:
                    errors.append(
                        BatchErrInfo(i, ErrorCode.NOT_FOUND, AssetError(ErrorCode.NOT_FOUND).message)
                    )
                    continue
                self._apply_update(conn, rows[0], u)
        return BatchResult(len(errors), errors)


_default: AssetStore | None = None
_default_lock = threading.Lock()


def default_store() -> AssetStore:
    """The process-wide store: ``$HUKSPY_HOME/asset`` on ``hukspy.default_keystore()``, owner
    ``$HUKSPY_APP_ID`` (else the user name); opened on first use, reopened after ``close()``."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = AssetStore()
        return _default

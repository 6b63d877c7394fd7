"""``hukspy serve``: one process holds the backend and answers the HUKS and ASSET API on a Unix socket
(docs/service.md).

One thread per connection (the backends are blocking; a slow or silent client holds only its own
thread, and only until a timeout). The caller is whoever ``SO_PEERCRED`` says (groups from
``SO_PEERGROUPS``); a uid the configuration does not allow gets 201 in the handshake. Each allowed
uid that is not an administrator works in its own key namespace (``Keystore.for_caller``) and its
own ASSET owners; every connection has its own session table, and the uid's connections, sessions and
in-flight calls are capped (``Limits``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import grp
import logging
import os
import signal
import socket
import stat
import struct
import threading
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, Final, cast

from hukspy.access import PRIVATE, Caller
from hukspy.asset.enums import ErrorCode
from hukspy.asset.errors import AssetError
from hukspy.asset.store import AssetStore
from hukspy.backend import Backend, KeyRecord, RecordStore
from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.service import wire
from hukspy.service.wire import DEFAULT_SOCKET, socket_path
from hukspy.sessions import SessionTable
from hukspy.userauth import TokenInvalid, UserAuthError
from hukspy.userauth.store import RESERVED_LEVEL

__all__ = [
    "DEFAULT_SOCKET", "KEYSTORE_METHODS", "Config", "Limits", "Peer", "Server", "namespace_of_uid",
    "socket_path",
]

log = logging.getLogger("hukspy.service")

#: The ``Keystore`` methods a client may call (the public HUKS API; nothing else is dispatched).
KEYSTORE_METHODS: Final = frozenset({
    "generate_key_item", "import_key_item", "delete_key_item", "export_key_item", "key_storage",
    "get_key_item_properties", "is_key_item_exist", "has_key_item", "list_aliases", "init_session",
    "update_session", "finish_session", "abort_session", "attest_key_item", "anon_attest_key_item",
    "wrap_key_item", "unwrap_key_item", "import_wrapped_key_item", "get_sdk_version",
    "encapsulate", "decapsulate", "anon_attest_key_item_offline",
})
#: The ``AssetStore`` methods a client may call.
ASSET_METHODS: Final = frozenset({
    "add", "remove", "update", "pre_query", "query", "post_query", "batch_add", "batch_remove",
    "batch_update", "query_sync_result",
})
#: The ``hukspy.userauth.UserAuth`` methods a client may call (on its uid's own credential).
USER_AUTH_METHODS: Final = frozenset({
    "enroll_pin", "change_pin", "remove_pin", "is_pin_set", "credential_id", "secure_uid",
    "enrolled_ids", "authenticate", "verify_token", "lock", "unlock", "is_locked",
    "first_unlocked_since_boot", "level_available",
})
#: Of ``USER_AUTH_METHODS``, the ones that are properties of ``UserAuth`` (read, never called).
USER_AUTH_PROPERTIES: Final = frozenset({"secure_uid"})
#: Not part of either API: what the service itself answers.
_INFO_METHODS: Final = frozenset({"open_sessions", "ping"})

_SO_PEERGROUPS: Final = getattr(socket, "SO_PEERGROUPS", 59)
_UCRED: Final = struct.Struct("3i")
#: Exit status when the service could not start (bad configuration, socket in use).
EXIT_START_FAILED: Final = 1


@dataclasses.dataclass(frozen=True)
class Limits:
    """Caps and timeouts (seconds) of the service; a ``[limits]`` table of the configuration file
    overrides any of them (docs/service.md, "Configuration")."""

    connections: int = 1024
    connections_per_uid: int = 128
    sessions_per_uid: int = 96
    calls_per_uid: int = 8
    #: The most sessions one connection may ask for (its ``session_limit``).
    sessions_per_connection: int = 64
    handshake_timeout: float = 5.0
    frame_timeout: float = 10.0
    idle_timeout: float = 900.0
    #: How long a call waits for a free in-flight slot of its uid before it fails with 12000024.
    busy_timeout: float = 30.0
    #: ASSET owners one uid may use while the service runs (each is an open store; then 24000016).
    owners_per_uid: int = 256


@dataclasses.dataclass(frozen=True)
class Config:
    """Who may connect and the limits. ``uids``/``groups`` None: every uid may connect; otherwise a
    uid in ``uids``, a member (primary or supplementary) of a gid in ``groups``, or an administrator.
    ``admins`` work in the keystore's plain namespace (the keys an in-process user of the same keystore
    sees) and name ASSET owners as they are."""

    uids: frozenset[int] | None = None
    groups: frozenset[int] | None = None
    admins: frozenset[int] = frozenset({0})
    limits: Limits = dataclasses.field(default_factory=Limits)
    #: Where the ASSET databases live (default: ``<home>/asset``).
    asset_path: str | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None) -> Config:
        """Read a TOML configuration file (docs/service.md, "Configuration"); None gives the defaults.
        Raises ``ValueError`` for an unknown key, a bad value or an unknown group name, ``OSError``."""
        if path is None:
            return cls(admins=frozenset({0, os.getuid()}))
        with open(path, "rb") as f:
            data = tomllib.load(f)
        unknown = set(data) - {"access", "limits", "asset"}
        if unknown:
            raise ValueError(f"unknown tables or keys: {sorted(unknown)}")
        access = data.get("access", {})
        bad = set(access) - {"uids", "groups", "admins"}
        if bad:
            raise ValueError(f"unknown keys in [access]: {sorted(bad)}")
        uids = access.get("uids")
        groups = access.get("groups")
        admins = access.get("admins", [0])
        limit_fields = {f.name: f.type for f in dataclasses.fields(Limits)}
        raw_limits = data.get("limits", {})
        if set(raw_limits) - set(limit_fields):
            raise ValueError(f"unknown keys in [limits]: {sorted(set(raw_limits) - set(limit_fields))}")
        for key, value in raw_limits.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"[limits] {key} must be a positive number")
        return cls(
            uids=None if uids is None else frozenset(_uid(u) for u in uids),
            groups=None if groups is None else frozenset(_gid(g) for g in groups),
            admins=frozenset({*(_uid(u) for u in admins), os.getuid()}),
            limits=Limits(**raw_limits),
            asset_path=data.get("asset", {}).get("path"),
        )

    def allows(self, peer: Peer) -> bool:
        """Whether ``peer`` may use the service."""
        if self.uids is None and self.groups is None:
            return True
        if peer.uid in self.admins or (self.uids is not None and peer.uid in self.uids):
            return True
        return self.groups is not None and not self.groups.isdisjoint({peer.gid, *peer.groups})


def _uid(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a uid must be a non-negative int, not {value!r}")
    return value


def _gid(value: object) -> int:
    if isinstance(value, str):
        try:
            return grp.getgrnam(value).gr_gid
        except KeyError:
            raise ValueError(f"no group {value!r}") from None
    return _uid(value)


@dataclasses.dataclass(frozen=True)
class Peer:
    """The process at the other end of a connection, as the kernel reports it."""

    pid: int
    uid: int
    gid: int
    groups: frozenset[int]

    @classmethod
    def of(cls, sock: socket.socket) -> Peer:
        """``SO_PEERCRED`` (pid, uid, gid) and ``SO_PEERGROUPS`` (supplementary gids) of ``sock``."""
        pid, uid, gid = _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
        groups: frozenset[int] = frozenset()
        with contextlib.suppress(OSError):
            raw = sock.getsockopt(socket.SOL_SOCKET, _SO_PEERGROUPS, 1024)  # Python caps buflen at 1024
            groups = frozenset(struct.unpack(f"{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))
        return cls(pid, uid, gid, groups)

    def caller(self) -> Caller:
        """The peer as the facade checks it (``hukspy.access.Caller``: KEY_ACCESS_GROUP membership)."""
        return Caller(self.uid, self.gid, self.groups)


def namespace_of_uid(uid: int) -> str:
    """The key namespace of a caller uid that is not an administrator (``Keystore.for_caller``)."""
    return f"uid:{uid}"


class _UserAuthRecords:
    """A record store whose user-auth records (``hukspy.userauth.store.RESERVED_LEVEL``: the PIN
    state and the token key) are kept under ``prefix``: each uid's PIN credential, lock state and
    token key are its own. Key records pass through unchanged (``Keystore.for_caller`` namespaces
    them). ``close`` is a no-op: the store belongs to the shared backend."""

    def __init__(self, inner: RecordStore, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix

    def _alias(self, level: int, alias: str) -> str:
        return self._prefix + alias if level == RESERVED_LEVEL else alias

    def _out(self, record: KeyRecord | None) -> KeyRecord | None:
        if record is None or record.level != RESERVED_LEVEL:
            return record
        return dataclasses.replace(record, alias=record.alias.removeprefix(self._prefix))

    def get(self, level: int, alias: str) -> KeyRecord | None:
        return self._out(self._inner.get(level, self._alias(level, alias)))

    def put(self, record: KeyRecord, *, replace: bool) -> KeyRecord | None:
        inner = dataclasses.replace(record, alias=self._alias(record.level, record.alias))
        return self._out(self._inner.put(inner, replace=replace))

    def delete(self, level: int, alias: str) -> KeyRecord | None:
        return self._out(self._inner.delete(level, self._alias(level, alias)))

    def aliases(self, level: int) -> list[str]:
        found = self._inner.aliases(level)
        if level != RESERVED_LEVEL:
            return found
        return [a[len(self._prefix):] for a in found if a.startswith(self._prefix)]

    def close(self) -> None:
        """Nothing to close."""


class _UserAuthBackend:
    """The shared backend with ``_UserAuthRecords`` as its record store; every other attribute is the
    backend's own. ``close`` is a no-op (the service closes the backend once)."""

    def __init__(self, inner: Backend, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix

    def records(self) -> RecordStore:
        return _UserAuthRecords(self._inner.records(), self._prefix)

    def close(self) -> None:
        """Nothing to close."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _uid_keystore(base: Keystore, uid: int) -> Keystore:
    """A keystore on ``base``'s backend that owns a ``UserAuth`` of its own for ``uid`` (its user-auth
    records under a per-uid prefix), so the uid's PIN, lock state and tokens are not another's. It is
    never closed (the service closes ``base``)."""
    view = copy.copy(base)
    view._parent = None
    view._user_auth = None
    view._sessions = SessionTable(1, "reject")
    view._backend = cast(Backend, _UserAuthBackend(base._backend, f"~{uid}/"))
    return view


class _Slots:
    """A counting semaphore for a uid's calls in flight, cheaper than ``threading.BoundedSemaphore`` on
    the path every call takes (a free slot costs one lock; a release notifies only when a call waits)."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._cond = threading.Condition(threading.Lock())
        self._waiting = 0

    def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting up to ``timeout`` seconds; whether one was taken."""
        with self._cond:
            if self._free:
                self._free -= 1
                return True
            self._waiting += 1
            try:
                taken = self._cond.wait_for(lambda: self._free > 0, timeout)
            finally:
                self._waiting -= 1
            if taken:
                self._free -= 1
            return taken

    def release(self) -> None:
        """Give a slot back."""
        with self._cond:
            self._free += 1
            if self._waiting:
                self._cond.notify()


class _Uid:
    """What the service keeps for one caller uid: its keystore view, its ASSET stores by owner, and
    the counters its limits are checked against."""

    def __init__(self, server: Server, peer: Peer) -> None:
        self.uid = peer.uid
        self.admin = peer.uid in server.config.admins
        #: The uid's key namespace (docs/service.md, "Trust model"); administrators work in the plain one.
        self.namespace = PRIVATE if self.admin else namespace_of_uid(peer.uid)
        #: owns the uid's UserAuth (administrators: the keystore's own)
        self.owner_keystore = server.keystore if self.admin else _uid_keystore(server.keystore, peer.uid)
        self.keystore = self.owner_keystore.for_caller(peer.caller(), self.namespace)
        self.lock = threading.Lock()
        self.connections = 0
        self.scopes: set[Keystore] = set()
        self.calls = _Slots(server.config.limits.calls_per_uid)
        self.assets: dict[str, AssetStore] = {}
        #: session groups by their token: the connections of one client keystore share one scope
        self.groups: dict[bytes, _Group] = {}

    def owner(self, owner: str) -> str:
        """The ASSET owner the service uses for ``owner`` as this uid names it: an administrator's
        as given, any other uid's inside its own namespace (``<uid>/<owner>``), so no owner string a
        client sends reaches another uid's secrets."""
        return owner if self.admin else f"{self.uid}/{owner}"

    def sessions(self) -> int:
        return sum(scope.open_sessions for scope in list(self.scopes))


class _Group:
    """A session group of one uid: the scope (session table) its connections share, and how many
    connections use it (the scope closes with the last)."""

    def __init__(self, scope: Keystore) -> None:
        self.scope = scope
        self.members = 1


#: The size of a session group token (docs/service.md, "Handshake").
GROUP_TOKEN_SIZES: Final = range(8, 65)


class _Connection:
    """One client connection: its peer, its session table (a ``session_scope`` of the uid's keystore,
    shared by the connections of one session group), the request loop."""

    def __init__(self, server: Server, sock: socket.socket, peer: Peer) -> None:
        self.server = server
        self.sock = sock
        self.peer = peer
        self.limits = server.config.limits
        self.user: _Uid | None = None
        self.scope: Keystore | None = None
        self.group: bytes | None = None
        self.reader = wire.FrameReader(sock)

    def run(self) -> None:
        try:
            if self._handshake():
                self._serve()
        except (wire.ProtocolError, TimeoutError, OSError, ValueError) as exc:
            log.info("connection of uid %d closed: %s", self.peer.uid, type(exc).__name__)
        finally:
            self._close()

    def _refuse(self, code: int, message: str) -> bool:
        with contextlib.suppress(OSError, wire.ProtocolError):
            wire.write_frame(self.sock, [wire.MAGIC, wire.VERSION, {"error": ["huks", code, message]}])
        return False

    def _handshake(self) -> bool:
        hello = self.reader.read(idle=self.limits.handshake_timeout, frame=self.limits.handshake_timeout)
        if hello is wire.EOF:
            return False
        if not (isinstance(hello, list) and len(hello) == 3 and hello[0] == wire.MAGIC
                and isinstance(hello[2], dict)):
            raise wire.ProtocolError("not a hukspy handshake")
        if hello[1] != wire.VERSION:
            return self._refuse(12000005, f"protocol version {hello[1]!r} (this service: {wire.VERSION})")
        if not self.server.config.allows(self.peer):
            return self._refuse(201, f"uid {self.peer.uid} may not use this keystore service")
        options: dict[str, Any] = hello[2]
        group = options.get("group")
        if group is not None and not (isinstance(group, bytes) and len(group) in GROUP_TOKEN_SIZES):
            return self._refuse(401, "a session group is a token of 8 to 64 bytes")
        user = self.server.user(self.peer)
        with user.lock:
            if user.connections >= self.limits.connections_per_uid:
                return self._refuse(12000024, f"uid {self.peer.uid} has too many connections")
            user.connections += 1
        self.user = user
        limit = options.get("session_limit", 15)
        policy = options.get("session_policy", "reject")
        if isinstance(limit, int) and not isinstance(limit, bool):
            limit = min(limit, self.limits.sessions_per_connection)
        # a group's connections share its scope: a token names a group only within this uid
        with user.lock:
            joined = user.groups.get(group) if group is not None else None
            if joined is not None:
                joined.members += 1
                self.scope, self.group = joined.scope, group
        if self.scope is None:
            try:
                # the peer's own groups decide KEY_ACCESS_GROUP membership (hukspy.access)
                caller = user.owner_keystore.for_caller(self.peer.caller(), user.namespace)
                scope = caller.session_scope(session_limit=limit, session_policy=policy)
            except HuksError as exc:
                return self._refuse(exc.code, exc.message)
            with user.lock:
                joined = user.groups.get(group) if group is not None else None
                if joined is None:
                    self.scope = scope
                    user.scopes.add(scope)
                    if group is not None:
                        user.groups[group] = _Group(scope)
                else:  # another connection of the group made it meanwhile
                    joined.members += 1
                    self.scope = joined.scope
            if self.scope is not scope:
                scope.close()
            self.group = group
        info = {"uid": self.peer.uid, "backend": self.scope.backend_name,
                "caps": self.scope.capabilities(), "admin": user.admin}
        wire.write_frame(self.sock, [wire.MAGIC, wire.VERSION, info])
        return True

    def _serve(self) -> None:
        while not self.server.stopping.is_set():
            request = self.reader.read(idle=self.limits.idle_timeout, frame=self.limits.frame_timeout)
            if request is wire.EOF:
                return
            if not (isinstance(request, list) and len(request) == 5 and isinstance(request[2], str)
                    and isinstance(request[3], list) and isinstance(request[4], dict)
                    and all(isinstance(k, str) for k in request[4])):
                raise wire.ProtocolError("not a request")
            seq, target, method, args, kwargs = request
            wire.write_frame(self.sock, [seq, *self._call(target, method, args, kwargs)])

    def _call(self, target: object, method: str, args: list[Any], kwargs: dict[str, Any]) -> list[Any]:
        """[0, value] or [1, family, code, message]: the call's result or its error."""
        assert self.user is not None and self.scope is not None  # noqa: S101 - after the handshake
        user = self.user
        if not user.calls.acquire(timeout=self.limits.busy_timeout):
            return [1, "huks", 12000024, f"uid {user.uid} has {self.limits.calls_per_uid} calls in flight"]
        try:
            return self._dispatch(user, target, method, args, kwargs)
        except HuksError as exc:
            return [1, "huks", exc.code, exc.message]
        except AssetError as exc:
            return [1, "asset", exc.code, exc.message]
        except UserAuthError as exc:
            return [1, "userauth", exc.code, exc.message, exc.remaining_attempts, exc.freeze_s]
        except TokenInvalid as exc:  # verify_token: the HUKS code says which (401 or 12000008)
            return [1, "token", exc.huks_code, str(exc)]
        except TypeError as exc:  # wrong arguments for the method: as a Python call would be, 401
            return [1, "asset" if target == "a" else "huks", 401, f"{method}: {exc}"]
        finally:
            user.calls.release()

    def _dispatch(self, user: _Uid, target: object, method: str, args: list[Any],
                  kwargs: dict[str, Any]) -> list[Any]:
        """Run one call for ``user``: [0, value], or [1, ...] for a cap it hits; what the call raises
        propagates to ``_call``. ``ProtocolError`` for a target or method the service does not answer."""
        assert self.scope is not None  # noqa: S101 - after the handshake
        if target == "k" and method in KEYSTORE_METHODS:
            if method == "init_session" and user.sessions() >= self.limits.sessions_per_uid:
                cap = self.limits.sessions_per_uid
                return [1, "huks", 12000010, f"uid {user.uid} has {cap} sessions open"]
            return [0, getattr(self.scope, method)(*args, **kwargs)]
        if target == "a" and method in ASSET_METHODS and args and isinstance(args[0], str):
            store = self.server.asset_store(user, args[0])
            return [0, getattr(store, method)(*args[1:], **kwargs)]
        if target == "u" and method in USER_AUTH_METHODS:
            found = getattr(user.owner_keystore.user_auth, method)
            if method in USER_AUTH_PROPERTIES:
                if args or kwargs:
                    raise TypeError(f"{method} is a property")
                return [0, found]
            return [0, found(*args, **kwargs)]
        if target == "s" and method in _INFO_METHODS:
            return [0, self.scope.open_sessions if method == "open_sessions" else "pong"]
        raise wire.ProtocolError(f"no method {target!r}.{method!r}")

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        last = self.scope is not None
        if self.user is not None:
            with self.user.lock:
                self.user.connections -= 1
                joined_key = self.group or b""
                joined = self.user.groups.get(joined_key)
                if joined is not None and joined.scope is self.scope:
                    joined.members -= 1
                    last = joined.members == 0
                    if last:
                        del self.user.groups[joined_key]
                if last and self.scope is not None:
                    self.user.scopes.discard(self.scope)
        if last and self.scope is not None:
            self.scope.close()
        self.server.forget(self)


class Server:
    """The keystore service on ``listener`` (a bound, listening Unix stream socket) over ``keystore``.
    ``serve_forever`` returns after ``stop`` (the SIGTERM/SIGINT handler of ``run``)."""

    def __init__(self, keystore: Keystore, listener: socket.socket, config: Config, home: str) -> None:
        self.keystore = keystore
        self.listener = listener
        self.config = config
        self.home = home
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._users: dict[int, _Uid] = {}
        self._connections: set[_Connection] = set()
        self._asset_lock = threading.Lock()

    def user(self, peer: Peer) -> _Uid:
        """The service's state of ``peer``'s uid (made on its first connection)."""
        with self._lock:
            if peer.uid not in self._users:
                self._users[peer.uid] = _Uid(self, peer)
            return self._users[peer.uid]

    def asset_store(self, user: _Uid, owner: str) -> AssetStore:
        """``user``'s ASSET store of ``owner`` (as ``_Uid.owner`` maps it), opened on first use. Raises
        ``AssetError`` 24000016 beyond ``Limits.owners_per_uid`` owners, and what ``AssetStore`` raises."""
        with self._asset_lock:
            store = user.assets.get(owner)
            if store is None and len(user.assets) >= self.config.limits.owners_per_uid:
                raise AssetError(ErrorCode.LIMIT_EXCEEDED,
                                 detail=f"uid {user.uid} has {len(user.assets)} ASSET owners open")
            if store is None:
                path = self.config.asset_path or str(Path(self.home) / "asset")
                store = AssetStore(path=path, keystore=user.keystore, owner=user.owner(owner))
                user.assets[owner] = store
            return store

    def connection(self, sock: socket.socket, peer: Peer) -> _Connection:
        """The handler of one accepted connection (a test server's subclass answers more targets:
        ``hukspy.testing.service_hooks``; ``hukspy serve`` never does)."""
        return _Connection(self, sock, peer)

    def forget(self, conn: _Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def serve_forever(self) -> None:
        """Accept connections until ``stop``; each gets its own thread."""
        self.listener.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self.stopping.is_set():
                    break
                raise
            self._accept(sock)

    def _accept(self, sock: socket.socket) -> None:
        try:
            peer = Peer.of(sock)
        except OSError:
            sock.close()
            return
        with self._lock:
            if len(self._connections) >= self.config.limits.connections:
                sock.close()
                return
            conn = self.connection(sock, peer)
            self._connections.add(conn)
        threading.Thread(target=conn.run, name=f"hukspy-uid{peer.uid}", daemon=True).start()

    def stop(self) -> None:
        """Stop accepting, end every connection (their sessions end with them)."""
        self.stopping.set()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the ASSET stores and the keystore (after ``stop``)."""
        with self._lock:
            users = list(self._users.values())
        for user in users:
            for store in user.assets.values():
                store.close()
        self.keystore.close()


def listen(path: str) -> tuple[socket.socket, bool]:
    """The listening socket: systemd's (``LISTEN_FDS``/``LISTEN_PID``, fd 3) when this process was
    socket-activated, else a new one bound at ``path`` (its directory made 0755 if missing, a stale
    socket file replaced, the socket 0666: who may use it is decided by ``Config.allows``). The
    bool says whether the socket is ours to unlink at the end. Raises ``OSError`` when ``path`` is in
    use by a running service."""
    if os.environ.get("LISTEN_PID") == str(os.getpid()) and int(os.environ.get("LISTEN_FDS", "0")) >= 1:
        sock = socket.socket(fileno=3)
        for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
            os.environ.pop(name, None)
        return sock, False
    directory = Path(path).parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o755)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(path)
            except OSError:
                os.unlink(path)  # stale: nobody listens
            else:
                probe.close()
                raise OSError(f"a service is already listening on {path}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o111)
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    sock.listen(128)
    return sock, True


def run(uri: str, path: str | None, config: Config, home: str,
        on_ready: Callable[[str], None] | None = None,
        server_class: Callable[[Keystore, socket.socket, Config, str], Server] = Server) -> int:
    """Open the keystore, listen, serve until SIGTERM/SIGINT, shut down cleanly; the exit status.
    ``server_class`` makes the server (``hukspy serve``: ``Server``; only tests pass another)."""
    where = socket_path(path)
    keystore = Keystore(uri, home=home)
    try:
        listener, owned = listen(where)
    except OSError:
        keystore.close()
        raise
    server = server_class(keystore, listener, config, home)

    def handler(signum: int, frame: FrameType | None) -> None:
        server.stop()

    previous: Mapping[int, Any] = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if on_ready is not None:
            on_ready(where)
        server.serve_forever()
    finally:
        server.stop()
        with contextlib.suppress(OSError):
            listener.close()
        if owned:
            with contextlib.suppress(OSError):
                os.unlink(where)
        server.close()
        for signum, old in previous.items():
            signal.signal(signum, old)
    return 0

"""``service:`` keystores: ``Keystore("service:[PATH]")`` and ``AssetStore(keystore=...)`` on one, the
client side of ``hukspy serve`` (docs/service.md).

Every call is one request frame and one answer frame on the connection (``hukspy.service.wire``);
the service runs it with the caller's kernel-verified uid, and the client holds no key material and
no state but the connection: session handles are the service's. A call that cannot reach the service,
or loses it mid-call, raises 12000005 (ASSET: 24000010) and drops the connection; the next call
connects again (the old connection's sessions are gone: 12000011).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from hukspy import pyca
from hukspy.access import PRIVATE, Caller
from hukspy.asset.checks import AssetAttributes, AssetMap
from hukspy.asset.enums import ErrorCode, Tag
from hukspy.asset.errors import AssetError, BatchResult, SyncResult
from hukspy.asset.store import _ENUM_OUT, AssetStore, _arguments
from hukspy.backend import Action, Backend, Capabilities, Translation, UnsupportedError
from hukspy.enums import HuksUserAuthType
from hukspy.errors import HuksError
from hukspy.keystore import Keystore
from hukspy.params import (
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
)
from hukspy.service import wire
from hukspy.service.wire import socket_path
from hukspy.sessions import DEFAULT_SESSION_LIMIT, SessionPolicy
from hukspy.spec import OpKind
from hukspy.userauth.errors import TokenMacError, TokenMalformedError, UserAuthError
from hukspy.userauth.token import AuthToken

if TYPE_CHECKING:
    from hukspy.userauth import UserAuth

__all__ = ["ServiceAssetStore", "ServiceFactory", "ServiceKeystore", "ServiceUserAuth", "factory"]

T = TypeVar("T")

#: Seconds to wait for the service to accept a connection and answer the handshake.
CONNECT_TIMEOUT: Final = 10.0
#: The most connections one ``service:`` keystore keeps (so the most of its calls in flight at once).
MAX_CONNECTIONS: Final = 4
#: Seconds a pooled connection may sit idle before it is checked for a close by the service.
IDLE_CHECK: Final = 1.0


class _LostError(Exception):
    """The connection failed: the service is unreachable or went away mid-call."""


class _Conn:
    """One connection of a ``_Link``: the socket, its frame reader, the last sequence number, and the
    link generation it was made in (a connection of an older generation is closed when it comes back)."""

    __slots__ = ("generation", "reader", "seq", "sock", "used")

    def __init__(self, sock: socket.socket, generation: int) -> None:
        self.sock = sock
        self.reader = wire.FrameReader(sock)
        self.seq = 0
        self.generation = generation
        #: ``time.monotonic()`` when it was last given back to the pool
        self.used = time.monotonic()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def alive(self) -> bool:
        """Whether the service has not closed this idle connection: an idle connection has nothing to
        read unless the service ended it (a poll that does not wait, whatever the socket's timeout,
        then a peek)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
            return not readable or bool(self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except (OSError, ValueError):
            return False


class _Link:
    """The connections of one ``ServiceKeystore`` to the service: a small pool, so threads of one client
    call in parallel (one connection per call in flight, at most ``MAX_CONNECTIONS``; a thread waits
    for a free one beyond that). All of them join one session group in the service (the ``group``
    token of the handshake, docs/service.md), so a session opened on one connection is used on any
    other. Connections are made on demand and dropped when they fail."""

    def __init__(self, path: str, hello: dict[str, Any]) -> None:
        self.path = path
        # the session group: a random name only this object knows, meaningful only within this uid
        self._hello = {**hello, "group": os.urandom(16)}
        self._cond = threading.Condition(threading.Lock())
        self._waiting = 0  # threads waiting in _take (notify only when there are some)
        self._idle: list[_Conn] = []
        self._open = 0
        self._most = MAX_CONNECTIONS
        self._generation = 0
        self.info: dict[str, Any] = {}

    def _connect(self, generation: int) -> _Conn:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(CONNECT_TIMEOUT)
            sock.connect(self.path)
            wire.write_frame(sock, [wire.MAGIC, wire.VERSION, self._hello])
            reply = wire.read_frame(sock, idle=CONNECT_TIMEOUT, frame=CONNECT_TIMEOUT)
        except (OSError, wire.ProtocolError) as exc:
            sock.close()
            raise _LostError(
                f"the keystore service at {self.path} cannot be reached ({type(exc).__name__})"
            ) from exc
        if not (isinstance(reply, list) and len(reply) == 3 and reply[0] == wire.MAGIC
                and isinstance(reply[2], dict)):
            sock.close()
            raise _LostError(f"{self.path} does not answer as a hukspy keystore service")
        info: dict[str, Any] = reply[2]
        if "error" in info:
            sock.close()
            _family, code, message = info["error"]
            raise HuksError(int(code), message=str(message))
        sock.settimeout(None)
        self.info = info
        return _Conn(sock, generation)

    def _take(self) -> _Conn:
        """An idle connection, else a new one (up to the pool's size), else wait for one. Raises
        ``_LostError`` or the service's refusal (``HuksError``) when a first connection cannot be made;
        a further one the service refuses for the uid's connection cap (12000024) shrinks the pool."""
        while True:
            with self._cond:
                while not self._idle and self._open >= self._most:
                    self._waiting += 1
                    try:
                        self._cond.wait()
                    finally:
                        self._waiting -= 1
                conn = self._idle.pop() if self._idle else None
                if conn is None:
                    self._open += 1
                    generation = self._generation
            if conn is not None:
                # one that sat idle a while may have been closed by the service (idle_timeout, a
                # restart): checked before a request is risked on it (a peek: one system call)
                if time.monotonic() - conn.used < IDLE_CHECK or conn.alive():
                    return conn
                self._discard(conn)  # the service closed it while idle (idle_timeout, a restart)
                continue
            try:
                return self._connect(generation)
            except HuksError as exc:
                with self._cond:
                    self._open -= 1
                    if exc.code != 12000024 or self._open == 0:
                        self._wake()
                        raise
                    self._most = self._open  # the uid's connection cap: share the ones there are
            except BaseException:
                with self._cond:
                    self._open -= 1
                    self._wake()
                raise

    def _wake(self) -> None:
        """Wake a thread waiting for a connection, if any (with ``_cond`` held)."""
        if self._waiting:
            self._cond.notify()

    def _give(self, conn: _Conn) -> None:
        """Return ``conn`` to the pool (one of an older generation is closed instead)."""
        with self._cond:
            if conn.generation == self._generation:
                conn.used = time.monotonic()
                self._idle.append(conn)
                self._wake()
                return
        self._discard(conn)

    def _discard(self, conn: _Conn) -> None:
        """Close ``conn`` and free its place in the pool."""
        with self._cond:
            self._open -= 1
            self._wake()
        conn.close()

    def _drop_dead(self) -> None:
        """Close the idle connections the service has closed (after a call lost its connection: the
        service may have restarted, and then they all are)."""
        with self._cond:
            dead = [c for c in self._idle if not c.alive()]
            self._idle = [c for c in self._idle if c not in dead]
            self._open -= len(dead)
            self._wake()
        for conn in dead:
            conn.close()

    def ensure(self) -> None:
        """Connect (and handshake) now if not connected. Raises ``_LostError``, or the service's refusal as a
        ``HuksError`` (201 for a uid it does not allow)."""
        self._give(self._take())

    def call(self, target: str, method: str, args: Sequence[object], kwargs: dict[str, object]) -> Any:
        """The service's answer to one call: its value, or the ``HuksError``/``AssetError`` it raised.
        Raises ``_LostError`` when the service cannot be reached or the connection breaks."""
        conn = self._take()
        try:
            conn.seq = seq = (conn.seq + 1) & 0xFFFFFFFF
            try:
                wire.write_frame(conn.sock, [seq, target, method, list(args), kwargs])
                answer = conn.reader.read(idle=None, frame=wire_timeout())
            except (OSError, wire.ProtocolError) as exc:
                raise _LostError(
                    f"lost the keystore service at {self.path} mid-call ({type(exc).__name__})"
                ) from exc
            if not (isinstance(answer, list) and len(answer) >= 3 and answer[0] == seq):
                raise _LostError(f"the keystore service at {self.path} answered out of turn")
        except BaseException as exc:
            self._discard(conn)  # a connection whose turn order is unknown is closed, not reused
            if isinstance(exc, _LostError):
                self._drop_dead()
            raise
        self._give(conn)
        if answer[1] == 0:
            return answer[2]
        _, _, family, code, message, *extra = answer
        if family == "asset":
            raise AssetError(int(code), str(message))
        if family == "userauth":
            err = UserAuthError(int(code))
            err.message = str(message)
            err.args = (err.code, err.message)
            if len(extra) == 2:
                err.remaining_attempts, err.freeze_s = extra
            raise err
        if family == "token":
            token_error = TokenMalformedError if code == TokenMalformedError.huks_code else TokenMacError
            raise token_error(str(message))
        raise HuksError(int(code), message=str(message))

    def close(self) -> None:
        """Close every connection: the idle ones now, the ones in a call when it returns (the service
        ends the group's sessions when its last connection ends). A later call connects again."""
        with self._cond:
            self._generation += 1
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._most = MAX_CONNECTIONS
            self._cond.notify_all()
        for conn in idle:
            conn.close()


def wire_timeout() -> float:
    """How long the client waits for the rest of an answer frame once it started (seconds)."""
    return 60.0


class ServiceKeystore(Keystore):
    """A ``Keystore`` whose every call runs in ``hukspy serve`` (what ``Keystore("service:...")`` makes;
    docs/service.md). The URI's location is the socket path (empty: ``$HUKSPY_SOCKET``, else
    ``/run/hukspy/hukspy.sock``). ``session_limit``/``session_policy`` govern this object's sessions in
    the service (capped by the service's limits); ``home`` is ignored (the service has its own).

    Raises ``HuksError`` 12000005 when the service cannot be reached, 201 when it does not allow this
    uid, 401 for a bad session limit or policy; every method raises what the in-process method raises,
    and 12000005 when the service is lost mid-call.
    """

    def __init__(
        self,
        uri: str | None = None,
        *,
        session_limit: int = DEFAULT_SESSION_LIMIT,
        session_policy: SessionPolicy = "reject",
        home: str | None = None,
    ) -> None:
        self._closed = False
        self._parent = None
        #: the session scopes opened on this keystore (or on its scopes): closed with it
        self._scopes: weakref.WeakSet[ServiceKeystore] = weakref.WeakSet()
        self._scopes_lock = threading.Lock()
        uri = uri or os.environ.get("HUKSPY_KEYSTORE") or "service:"
        self.uri = uri  # type: ignore[misc]  # the base class's Final, set once here instead
        self.home = ""  # type: ignore[misc]  # the client keeps no files: the service has the state
        self._link = _Link(socket_path(uri.partition(":")[2] or None),
                           {"session_limit": session_limit, "session_policy": session_policy})
        self._limits = (session_limit, session_policy)
        self._service_user_auth = ServiceUserAuth(self)
        self._call_lost(self._link.ensure)

    def __repr__(self) -> str:
        return f"Keystore(service={self._link.path!r}, closed={self._closed})"

    def for_caller(self, caller: Caller, home: str = PRIVATE) -> Keystore:
        """Not through the service: the service itself decides who calls (SO_PEERCRED). Raises
        ``HuksError`` 201."""
        raise HuksError(201, "the keystore service takes the caller from the kernel, never from the client")

    @property
    def user_auth(self) -> UserAuth:
        """The caller's uid's ``UserAuth`` in the service (its own PIN credential, lock state and token
        key; docs/service.md): a ``ServiceUserAuth`` whose calls raise ``UserAuthError`` as in-process,
        and GENERAL_ERROR (12500002) when the service cannot be reached. One per keystore object."""
        return cast("UserAuth", self._service_user_auth)

    def _call_lost(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except _LostError as exc:
            raise HuksError(12000005, message=str(exc)) from exc

    def _k(self, method: str, *args: object, **kwargs: object) -> Any:
        self._check_open()
        return self._call_lost(self._link.call, "k", method, args, kwargs)

    def close(self) -> None:
        """Close the connections (the service ends this keystore's sessions), and those of the session
        scopes opened on it (``session_scope``); idempotent."""
        self._closed = True
        self._link.close()
        with self._scopes_lock:
            scopes = list(self._scopes)
            self._scopes.clear()
        for scope in scopes:
            scope.close()

    def session_scope(
        self, *, session_limit: int = DEFAULT_SESSION_LIMIT, session_policy: SessionPolicy = "reject"
    ) -> Keystore:
        """A ``service:`` keystore of its own connections (so its own session table in the service) on
        the same socket. As in-process (docs/decisions.md), closing the scope ends its sessions only,
        and closing this keystore closes the scope too: its connection, and so its sessions in the
        service. Raises as the constructor, and 12000012 on a closed keystore."""
        self._check_open()
        root = self._parent if isinstance(self._parent, ServiceKeystore) else self
        scope = ServiceKeystore(self.uri, session_limit=session_limit, session_policy=session_policy)
        scope._parent = root
        with root._scopes_lock:
            root._scopes.add(scope)
        if root._closed:  # closed while the scope connected: close it as close() would have
            scope.close()
        return scope

    @property
    def backend_name(self) -> str:
        """The service's backend name ("software", "pkcs11", "tpm2")."""
        return str(self._link.info.get("backend", "service"))

    @property
    def open_sessions(self) -> int:
        """How many sessions this keystore has open in the service (0 when not connected)."""
        if self._closed:
            return 0
        try:
            return int(self._link.call("s", "open_sessions", (), {}))
        except (_LostError, HuksError):
            return 0

    def capabilities(self) -> Capabilities:
        """The service's keystore capabilities, as its handshake reported them."""
        caps = self._link.info.get("caps")
        if not isinstance(caps, Capabilities):
            raise HuksError(12000005, "the keystore service did not report its capabilities")
        return caps

    def generate_key_item(self, key_alias: str, options: HuksOptions) -> None:
        self._k("generate_key_item", key_alias, options)

    def import_key_item(self, key_alias: str, options: HuksOptions) -> None:
        self._k("import_key_item", key_alias, options)

    def delete_key_item(self, key_alias: str, options: HuksOptions) -> None:
        self._k("delete_key_item", key_alias, options)

    def export_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        return _typed(self._k("export_key_item", key_alias, options), HuksReturnResult)

    def key_storage(self, key_alias: str, options: HuksOptions) -> str:
        return _typed(self._k("key_storage", key_alias, options), str)

    def get_key_item_properties(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        return _typed(self._k("get_key_item_properties", key_alias, options), HuksReturnResult)

    def is_key_item_exist(self, key_alias: str, options: HuksOptions) -> bool:
        return _typed(self._k("is_key_item_exist", key_alias, options), bool)

    def has_key_item(self, key_alias: str, options: HuksOptions) -> bool:
        return _typed(self._k("has_key_item", key_alias, options), bool)

    def list_aliases(self, options: HuksOptions) -> HuksListAliasesReturnResult:
        return _typed(self._k("list_aliases", options), HuksListAliasesReturnResult)

    def init_session(self, key_alias: str, options: HuksOptions) -> HuksSessionHandle:
        return _typed(self._k("init_session", key_alias, options), HuksSessionHandle)

    def update_session(
        self, handle: int | HuksSessionHandle, options: HuksOptions, token: bytes | None = None
    ) -> HuksReturnResult:
        return _typed(self._k("update_session", handle, options, token), HuksReturnResult)

    def finish_session(
        self, handle: int | HuksSessionHandle, options: HuksOptions, token: bytes | None = None
    ) -> HuksReturnResult:
        return _typed(self._k("finish_session", handle, options, token), HuksReturnResult)

    def abort_session(self, handle: int | HuksSessionHandle, options: HuksOptions) -> None:
        self._k("abort_session", handle, options)

    def attest_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        return _typed(self._k("attest_key_item", key_alias, options), HuksReturnResult)

    def anon_attest_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        return _typed(self._k("anon_attest_key_item", key_alias, options), HuksReturnResult)

    def anon_attest_key_item_offline(self, key_alias: str, params: Sequence[HuksParam]) -> HuksReturnResult:
        return _typed(self._k("anon_attest_key_item_offline", key_alias, params), HuksReturnResult)

    def encapsulate(
        self,
        key_alias: str,
        params: Sequence[HuksParam],
        shared_key_alias: str | None = None,
        shared_key_params: Sequence[HuksParam] | None = None,
    ) -> HuksReturnResult:
        """As ``Keystore.encapsulate`` (ML-KEM, docs/decisions.md "post-quantum keys"), in the service."""
        return _typed(
            self._k("encapsulate", key_alias, params, shared_key_alias, shared_key_params), HuksReturnResult
        )

    def decapsulate(
        self,
        key_alias: str,
        params: Sequence[HuksParam],
        encap_data: bytes,
        shared_key_alias: str | None = None,
        shared_key_params: Sequence[HuksParam] | None = None,
    ) -> HuksReturnResult:
        """As ``Keystore.decapsulate``, in the service."""
        return _typed(
            self._k("decapsulate", key_alias, params, encap_data, shared_key_alias, shared_key_params),
            HuksReturnResult,
        )

    def wrap_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        return _typed(self._k("wrap_key_item", key_alias, options), HuksReturnResult)

    def unwrap_key_item(self, key_alias: str, options: HuksOptions, wrapped_key: bytes) -> HuksReturnResult:
        return _typed(self._k("unwrap_key_item", key_alias, options, wrapped_key), HuksReturnResult)

    def import_wrapped_key_item(self, key_alias: str, wrapping_key_alias: str, options: HuksOptions) -> None:
        self._k("import_wrapped_key_item", key_alias, wrapping_key_alias, options)

    def get_sdk_version(self, options: HuksOptions) -> str:
        return _typed(self._k("get_sdk_version", options), str)

    def private_key(self, key_alias: str, options: HuksOptions | None = None) -> pyca.HuksKey:
        """As ``Keystore.private_key``: its operations are sessions in the service."""
        self._check_open()
        return pyca.private_key(self, key_alias, options)

    def public_key(self, key_alias: str, options: HuksOptions | None = None) -> PublicKeyTypes:
        """As ``Keystore.public_key``."""
        self._check_open()
        return pyca.public_key(self, key_alias, options)


class ServiceUserAuth:
    """``ks.user_auth`` of a ``service:`` keystore: the ``hukspy.userauth.UserAuth`` calls, run in the
    service on the caller's uid's own credential (docs/service.md). The PIN crosses the socket to the
    service and nowhere else. The time is the service's: a ``clock`` set on this object is not used
    (the wrong-PIN schedule, the lock state and token times are the service's to keep)."""

    def __init__(self, keystore: ServiceKeystore) -> None:
        self._ks = keystore

    def __repr__(self) -> str:
        return f"UserAuth(service={self._ks._link.path!r})"

    def _u(self, method: str, *args: object) -> Any:
        self._ks._check_open()
        try:
            return self._ks._link.call("u", method, args, {})
        except _LostError as exc:
            raise UserAuthError(12500002, str(exc)) from exc
        except HuksError as exc:  # the service refused the connection (201) or broke the protocol
            raise UserAuthError(12500002, f"the keystore service: {exc.code}") from exc

    def _huks(self, method: str, *args: object) -> Any:
        """A call of the methods that raise the keystore's ``HuksError`` rather than a
        ``UserAuthError`` (12000005 when the service cannot be reached)."""
        self._ks._check_open()
        return self._ks._call_lost(self._ks._link.call, "u", method, args, {})

    def enroll_pin(self, pin: bytes | str) -> int:
        return int(self._u("enroll_pin", pin))

    def change_pin(self, old: bytes | str, new: bytes | str) -> None:
        self._u("change_pin", old, new)

    def remove_pin(self, pin: bytes | str) -> None:
        self._u("remove_pin", pin)

    def is_pin_set(self) -> bool:
        return bool(self._u("is_pin_set"))

    def credential_id(self) -> int | None:
        found = self._u("credential_id")
        return None if found is None else int(found)

    @property
    def secure_uid(self) -> int | None:
        found = self._u("secure_uid")
        return None if found is None else int(found)

    def enrolled_ids(self, auth_type: int) -> list[int]:
        return [int(i) for i in self._u("enrolled_ids", auth_type)]

    def authenticate(self, challenge: bytes | None, pin: bytes | str | None,
                     auth_type: int = HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN) -> bytes:
        return bytes(self._u("authenticate", challenge, pin, auth_type))

    def verify_token(self, token: object) -> AuthToken:
        """As ``UserAuth.verify_token``, with the service's token key: ``TokenMalformedError`` (401),
        ``TokenMacError`` (12000008); ``HuksError`` 12000005 when the service cannot be reached."""
        return _typed(self._huks("verify_token", token), AuthToken)

    def level_available(self, level: int) -> bool:
        """As ``UserAuth.level_available`` (the keystore's question: ``HuksError``, 12000005 when the
        service cannot be reached)."""
        return _typed(self._huks("level_available", level), bool)

    def lock(self) -> None:
        self._u("lock")

    def unlock(self, pin: bytes | str) -> None:
        self._u("unlock", pin)

    def is_locked(self) -> bool:
        return bool(self._u("is_locked"))

    def first_unlocked_since_boot(self) -> bool:
        return bool(self._u("first_unlocked_since_boot"))


def _typed(value: object, kind: type[T]) -> T:
    """``value`` when the service answered with a ``kind``; otherwise the service broke the protocol
    (12000005)."""
    if not isinstance(value, kind):
        raise HuksError(12000005, f"the keystore service answered with a {type(value).__name__}")
    return value


class ServiceAssetStore(AssetStore):
    """An ``AssetStore`` whose calls run inside the service (``AssetStore(keystore=Keystore(
    "service:..."))``, docs/service.md). ``owner`` names one of the caller's owners (default as
    in-process: ``$HUKSPY_APP_ID``, else the user name); the service keeps it inside the caller's
    uid, so no owner string reaches another uid's secrets. ``path`` must be None: the service decides
    where its databases are (401 otherwise). Unreachable or lost service: 24000010."""

    def __init__(
        self,
        path: object = None,
        keystore: Keystore | None = None,
        owner: str | None = None,
    ) -> None:
        self._closed = True
        self._lock = threading.Lock()
        if path is not None:
            raise AssetError(ErrorCode.INVALID_ARGUMENT, detail="a store in the service takes no path")
        _, checked, owner = _arguments(None, keystore, owner)
        assert isinstance(checked, ServiceKeystore)  # noqa: S101 - AssetStore.__new__ chose this class
        self._service = checked
        self.path = checked.uri  # type: ignore[misc]  # the base class's Final, set once here instead
        self.owner = owner  # type: ignore[misc]
        self.keystore = checked  # type: ignore[misc]
        self._closed = False

    def __repr__(self) -> str:
        return f"AssetStore(service={self.path!r}, owner={self.owner!r}, closed={self._closed})"

    def close(self) -> None:
        """Mark the store closed (the service keeps its databases; the keystore stays open)."""
        self._closed = True

    def _a(self, method: str, *args: object) -> Any:
        if self._closed:
            raise AssetError(ErrorCode.SERVICE_UNAVAILABLE, detail="the asset store is closed")
        try:
            return self._service._link.call("a", method, (self.owner, *args), {})
        except _LostError as exc:
            raise AssetError(ErrorCode.IPC_ERROR, detail=str(exc)) from exc
        except HuksError as exc:  # the service refused the connection (201) or broke the protocol
            code = exc.code if exc.code in (201, 401) else ErrorCode.IPC_ERROR
            raise AssetError(code, detail=exc.message) from exc

    def add(self, attributes: AssetAttributes) -> None:
        self._a("add", attributes)

    def remove(self, query: AssetAttributes) -> None:
        self._a("remove", query)

    def update(self, query: AssetAttributes, attributes_to_update: AssetAttributes) -> None:
        self._a("update", query, attributes_to_update)

    def pre_query(self, query: AssetAttributes) -> bytes:
        return bytes(self._a("pre_query", query))

    def query(self, query: AssetAttributes) -> list[AssetMap]:
        return [_asset_map(m) for m in self._a("query", query)]

    def post_query(self, handle: AssetAttributes) -> None:
        self._a("post_query", handle)

    def query_sync_result(self, query: AssetAttributes) -> SyncResult:
        result = self._a("query_sync_result", query)
        assert isinstance(result, SyncResult)  # noqa: S101 - the wire's ext type
        return result

    def batch_add(self, attributes_array: Sequence[AssetAttributes]) -> BatchResult:
        result = self._a("batch_add", attributes_array)
        assert isinstance(result, BatchResult)  # noqa: S101 - the wire's ext type
        return result

    def batch_remove(self, assets_to_be_removed: Sequence[AssetAttributes]) -> None:
        self._a("batch_remove", assets_to_be_removed)

    def batch_update(
        self, source_attributes: Sequence[AssetAttributes], dest_attributes: Sequence[AssetAttributes]
    ) -> BatchResult:
        result = self._a("batch_update", source_attributes, dest_attributes)
        assert isinstance(result, BatchResult)  # noqa: S101 - the wire's ext type
        return result


def _asset_map(raw: dict[int, Any]) -> AssetMap:
    """A returned map with its ``Tag`` keys and enum values back (the wire carries their ints)."""
    out: AssetMap = {}
    for key, value in raw.items():
        tag = Tag(key)
        enum = _ENUM_OUT.get(tag)
        out[tag] = enum(value) if enum is not None and isinstance(value, int) else value
    return out


class ServiceFactory:
    """The ``service`` entry of the ``hukspy.backends`` entry points: not a backend but a client, so it
    names its own ``Keystore`` class (``keystore_class``), which ``Keystore("service:...")`` builds
    instead of opening a backend (docs/service.md)."""

    keystore_class: Final = ServiceKeystore

    def open(self, location: str, *, home: str) -> Backend:
        """Never called: a ``service:`` keystore is a ``ServiceKeystore``. Raises ``UnsupportedError``."""
        raise UnsupportedError("a service: keystore has no backend in this process")

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """No table: the service converts its backend's errors itself."""
        return None

    def available(self) -> tuple[bool, str]:
        """Whether a keystore service listens on ``$HUKSPY_SOCKET`` (else the default socket)."""
        path = socket_path()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            try:
                probe.connect(path)
            except OSError as exc:
                return False, f"no keystore service listens on {path} ({exc.strerror or exc}; hukspy serve)"
        return True, f"the keystore service on {path}"


#: The ``hukspy.backends`` entry point ``service`` (pyproject.toml).
factory: Final = ServiceFactory()

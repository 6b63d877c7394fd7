"""``Keystore``: the HUKS facade. It routes every call to its backend, owns the sessions, applies
the HUKS rules through ``policy`` and turns every failure into a ``HuksError``. It never does crypto.

Every public method answers any input with its result or a ``HuksError``; nothing else escapes. Native
errors are chained (``raise HuksError(...) from exc``).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import dataclasses
import functools
import os
import secrets
import struct
import textwrap
import threading
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, Final, ParamSpec, TypeVar

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from hukspy import access, authpolicy, formats, policy, pyca, seclevel, wrapped
from hukspy.backend import (
    NATIVE_CODES,
    Action,
    AliasExistsError,
    Backend,
    Capabilities,
    KeyRecord,
    KeyStorage,
    Translation,
    WrappedImport,
    find_backend,
)
from hukspy.backend.facts import SYMMETRIC_ALGS
from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksChallengeType,
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksKeyWrapType,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.errors import HuksError
from hukspy.memo import Memo
from hukspy.params import (
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
    ParamSet,
)
from hukspy.sessions import DEFAULT_SESSION_LIMIT, Session, SessionPolicy, SessionTable
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

if TYPE_CHECKING:
    from hukspy.userauth import UserAuth

__all__ = ["SDK_VERSION", "Keystore", "default_keystore", "hukspy_home", "on_default"]

P = ParamSpec("P")
R = TypeVar("R")

#: How many session plans a keystore remembers (``Keystore._plan``).
_PLANS: Final = 1024

#: What ``get_sdk_version`` returns: upstream's HKS_SDK_VERSION.
SDK_VERSION: Final = "2.0.0.5"

#: The levels the lock state gates (docs/userauth.md, "Lock state").
_LOCKABLE_LEVELS: Final = frozenset(
    int(v) for v in HuksAuthStorageLevel if v != HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE
)
_CHALLENGE_NONE: Final = int(HuksChallengeType.HUKS_CHALLENGE_TYPE_NONE)

_ATTEST_ID_TAGS: Final = frozenset(
    int(t)
    for t in HuksTag
    if t.name.startswith("HUKS_TAG_ATTESTATION_ID_") or t.name == "HUKS_TAG_ATTESTATION_APPLICATION_ID"
)


def hukspy_home() -> str:
    """``$HUKSPY_HOME``, else ``$XDG_DATA_HOME/hukspy``, else ``~/.local/share/hukspy``."""
    home = os.environ.get("HUKSPY_HOME")
    if home:
        return home
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg:
        return str(Path(xdg) / "hukspy")
    return str(Path.home() / ".local" / "share" / "hukspy")


def _options(options: object) -> tuple[ParamSet, bytes | None]:
    """Parse a ``HuksOptions``: its params, and ``in_data`` as bytes. Anything else → 401."""
    if not isinstance(options, HuksOptions):
        raise HuksError(401, "options must be a HuksOptions")
    data = options.in_data
    if data is not None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise HuksError(401, "in_data must be bytes")
        data = bytes(data)
    return ParamSet.parse(options.properties), data


def _handle(handle: object) -> int:
    if isinstance(handle, HuksSessionHandle):
        handle = handle.handle
    if isinstance(handle, bool) or not isinstance(handle, int):
        raise HuksError(401, "the handle must be an int")
    if not 0 <= handle < 2**64:
        raise HuksError(401, "the handle must be a uint64")
    return handle


def _token(token: object) -> bytes | None:
    if token is None:
        return None
    if not isinstance(token, bytes | bytearray | memoryview):
        raise HuksError(401, "the auth token must be bytes")
    return bytes(token)


def _public(method: Callable[P, R]) -> Callable[P, R]:
    """The API boundary: whatever escapes a public method that is not a ``HuksError`` (a bug, or a
    native error that no table caught) becomes 12000012, chained, so callers only see ``HuksError``;
    a ``HuksError`` of a method that takes ``key_alias`` names that alias (``HuksError.name_key``)."""

    code = method.__code__
    params = code.co_varnames[: code.co_argcount]
    at = params.index("key_alias") if "key_alias" in params else None

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except HuksError as err:
            alias = kwargs.get("key_alias", args[at] if at is not None and at < len(args) else None)
            if isinstance(alias, str):
                err.name_key(alias)
            raise
        except MemoryError as exc:
            raise HuksError(12000014) from exc
        except Exception as exc:
            raise HuksError(12000012, f"{method.__name__}: {type(exc).__name__}") from exc

    return call


class _Boundary:
    """``Keystore._native``'s context manager (a class: a generator-based one costs a few µs per call,
    and every call of the API crosses it one to three times)."""

    __slots__ = ("_action", "_backend", "_kind")

    def __init__(self, backend: Backend, action: Action, kind: OpKind | None) -> None:
        self._backend = backend
        self._action = action
        self._kind = kind

    def __enter__(self) -> None:
        return None

    def __exit__(self, tp: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, HuksError) or not isinstance(exc, Exception):
            return  # nothing raised, a HuksError, or a BaseException that is not an error: passed on
        if isinstance(exc, AliasExistsError):
            raise HuksError(12000017, f'the key "{exc}"') from exc
        if isinstance(exc, MemoryError):
            raise HuksError(12000014) from exc
        action = self._action
        raise _convert(self._backend.translate, exc, action, self._kind, action.value) from exc


class Keystore:
    """A HUKS keystore on one backend, named by a URI (README.md; docs/pkcs11.md, docs/tpm2.md). A
    context manager.

    ``Keystore()`` opens ``$HUKSPY_KEYSTORE``, else ``software:``. ``session_limit`` (default 15) and
    ``session_policy`` (``"reject"``: the next ``init_session`` raises 12000010; ``"evict"``: the
    oldest idle session is dropped) govern open sessions. Safe to use from many threads.

    Raises ``HuksError`` 401 for a malformed URI or an unknown backend, and what the backend raises
    when it cannot open (12000004, 12000005, 12000008, 12000012).
    """

    def __new__(cls, uri: str | None = None, **kwargs: object) -> Keystore:
        """A URI (or ``$HUKSPY_KEYSTORE``) whose scheme's entry point names a ``keystore_class`` makes
        that class: ``service:`` makes a ``hukspy.service.client.ServiceKeystore``, the same API
        answered by ``hukspy serve`` (docs/service.md)."""
        if cls is Keystore:
            target = uri if uri is not None else os.environ.get("HUKSPY_KEYSTORE")
            if isinstance(target, str) and ":" in target:
                special = _keystore_class(target.partition(":")[0])
                if special is not None:
                    return object.__new__(special)
        return object.__new__(cls)

    def __init__(
        self,
        uri: str | None = None,
        *,
        session_limit: int = DEFAULT_SESSION_LIMIT,
        session_policy: SessionPolicy = "reject",
        home: str | None = None,
    ) -> None:
        self._closed = False
        self._parent: Keystore | None = None  # set on a session_scope(): the keystore owning the backend
        self._sessions = SessionTable(session_limit, session_policy)
        self._caller: access.Caller | None = None  # None: the calling process, asked at every call
        self._home = access.PRIVATE
        if uri is None:
            uri = os.environ.get("HUKSPY_KEYSTORE") or "software:"
        if not isinstance(uri, str) or ":" not in uri:
            raise HuksError(401, 'the keystore URI must be a string "scheme:location"')
        scheme, _, location = uri.partition(":")
        self.uri: Final = uri
        #: ``$HUKSPY_HOME`` (or the ``home`` given): where the keystore keeps files outside its backend.
        self.home: Final = home or hukspy_home()
        self._user_auth: UserAuth | None = None
        factory = find_backend(scheme)
        try:
            self._backend: Backend = factory.open(location, home=self.home)
        except HuksError:
            raise
        except MemoryError as exc:
            raise HuksError(12000014) from exc
        except Exception as exc:
            raise _convert(factory.translate, exc, Action.OPEN, None, f"open the keystore {scheme}") from exc
        self._caps: Capabilities = policy.allowed_capabilities(self._backend.capabilities())
        #: (stored params, init params) → (key spec, plan): ``_plan``
        self._plans: Memo[tuple[ParamSet, ParamSet], tuple[KeySpec, policy.InitPlan]] = Memo(_PLANS)

    def __repr__(self) -> str:
        return f"Keystore(backend={self._backend.name!r}, closed={self._closed})"

    def __enter__(self) -> Keystore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End every open session and release the backend; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._sessions.close()
        if self._parent is None:
            with contextlib.suppress(Exception):
                self._backend.close()

    @_public
    def session_scope(
        self, *, session_limit: int = DEFAULT_SESSION_LIMIT, session_policy: SessionPolicy = "reject"
    ) -> Keystore:
        """A ``Keystore`` on this one's backend (the same keys, capabilities and connection) with its own
        session table: its sessions count against its own ``session_limit``, and this object's sessions
        do not count against it (sessions are counted per ``Keystore`` object, docs/decisions.md).
        ``close()`` of the scope ends its sessions only; closing this keystore makes the scope closed too.
        ``hukspy.asset`` encrypts on one, so an application that spends its own session budget does not
        starve the asset store (docs/asset.md, "Robustness").

        Raises ``HuksError`` 12000012 on a closed keystore, 401 for a bad limit or policy.
        """
        self._check_open()
        scope = copy.copy(self)
        scope._closed = False
        scope._sessions = SessionTable(session_limit, session_policy)
        scope._parent = self._parent or self
        return scope

    @_public
    def for_caller(self, caller: access.Caller, home: str = access.PRIVATE) -> Keystore:
        """A ``Keystore`` on this one's backend that checks KEY_ACCESS_GROUP membership against
        ``caller`` (not the calling process) and keeps keys without a group in the namespace ``home``
        (docs/userauth.md, "Access groups"): the keystore service passes each peer's credentials and
        its per-uid namespace. It has its own session table, like :meth:`session_scope`.

        Raises ``HuksError`` 12000012 on a closed keystore, 401 for a bad caller or namespace.
        """
        if not isinstance(caller, access.Caller) or not isinstance(home, str) \
                or access.split_stored(access.stored_alias(home, "a")) != (home, "a"):
            raise HuksError(401, "for_caller takes a Caller and a namespace name")
        scope = self.session_scope()
        scope._caller = caller
        scope._home = home
        return scope

    def _namespace(self, params: ParamSet) -> str:
        """The namespace a call reaches (``hukspy.access``): the KEY_ACCESS_GROUP's, membership checked
        against the caller (12000018), else this keystore's home namespace."""
        return access.namespace_of(params, self._caller or access.Caller.current(), self._home)

    def _where(self, alias: str, params: ParamSet) -> tuple[int, str]:
        """The AUTH_STORAGE_LEVEL and the stored alias (namespace folded in) a key call reaches.
        Raises 12000018 (KEY_ACCESS_GROUP the caller is not a member of), 401 (level)."""
        name = access.stored_alias(self._namespace(params), alias)
        level = policy.storage_level(params)
        self._check_unlocked(level)
        return level, name

    def _check_unlocked(self, level: int) -> None:
        """The lock state (docs/userauth.md, "Lock state"): CE keys after the first unlock since boot,
        ECE keys while unlocked, DE keys always; else 201 (upstream's ENOKEY file access → -5). A state
        that cannot be read answers the keystore's own code (``UserAuth.level_available``)."""
        if level not in _LOCKABLE_LEVELS:
            return
        if not self.user_auth.level_available(level):
            what = "since boot" if level == HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE else "now"
            locked = f"The device is locked: keys of this storage level need it unlocked {what}."
            raise HuksError(201, message=f"{HuksError(201).message} {locked}")

    def _find(self, alias: str, params: ParamSet) -> KeyRecord:
        """The record of the key a call names (:meth:`_where`). Raises 12000018, 401, 12000011."""
        level, name = self._where(alias, params)
        return self._record(name, level)

    @property
    def user_auth(self) -> UserAuth:
        """This keystore's ``hukspy.userauth.UserAuth`` (one per keystore, shared with its
        ``session_scope`` copies; its state lives in the keystore's record store, docs/userauth.md)."""
        owner = self._parent or self
        with _user_auth_lock:
            if owner._user_auth is None:
                from hukspy.userauth import UserAuth

                owner._user_auth = UserAuth(owner)
            return owner._user_auth

    @property
    def backend_name(self) -> str:
        """The backend's name: "software", "pkcs11", "tpm2", ..."""
        return self._backend.name

    @property
    def open_sessions(self) -> int:
        """How many sessions are open on this keystore now."""
        return len(self._sessions)

    @property
    def _hint(self) -> str:
        return f" ({self._caps.hint})" if self._caps.hint else ""

    def capabilities(self) -> Capabilities:
        """What this keystore's backend can do and HUKS allows (frozen data: the backend's declared
        capabilities filtered once by ``policy.allowed_capabilities``)."""
        return self._caps

    # ---------------------------------------------------------------- the error boundary

    def _native(self, action: Action, kind: OpKind | None = None) -> _Boundary:
        """The one error boundary: whatever a backend or its record store raises during ``action``
        becomes a ``HuksError``, chained. The backend's table (``Backend.translate``) decides the code,
        then ``hukspy.backend.errors.NATIVE_CODES``; what neither knows is 12000012. An alias that
        exists is 12000017, memory exhaustion 12000014 (docs/architecture.md, "The seam")."""
        return _Boundary(self._backend, action, kind)

    def _check_open(self) -> None:
        if self._closed or (self._parent is not None and self._parent._closed):
            raise HuksError(12000012, "use a closed keystore")

    # ---------------------------------------------------------------- records

    def _record(self, alias: str, level: int) -> KeyRecord:
        with self._native(Action.RECORD_GET):
            record = self._backend.records().get(level, alias)
        if record is None:
            raise HuksError(12000011, f'the key "{access.split_stored(alias)[1]}"')
        return record

    def _store(
        self, alias: str, level: int, params: ParamSet, spec: KeySpec, ref: bytes, replace: bool
    ) -> None:
        """Store a new record; on failure destroy the backend key just made. Then destroy the key
        that the record replaced (a crash in between leaves an orphan, never a lost alias)."""
        try:
            with self._native(Action.RECORD_PUT):
                old = self._backend.records().put(KeyRecord(alias, level, params, ref), replace=replace)
        except BaseException:
            with contextlib.suppress(Exception):
                self._backend.delete(ref, spec)
            raise
        if old is not None and old.ref != ref:
            with contextlib.suppress(Exception):
                self._backend.delete(old.ref, policy.key_spec(old.params))

    def _check_override(self, level: int, alias: str, replace: bool) -> None:
        """KEY_OVERRIDE=False on an existing alias: 12000017, before any key is made (the record store
        checks again, atomically, when the record is written)."""
        if not replace:
            with self._native(Action.RECORD_GET):
                exists = self._backend.records().get(level, alias) is not None
            if exists:
                raise HuksError(12000017, f'the key "{access.split_stored(alias)[1]}"')

    def _require_key(self, plan: policy.CreatePlan, *, generate: bool) -> None:
        """12000001 unless the backend declares the key: generated, or imported as ``plan.import_type``
        (as ``policy.CreatePlan`` resolved it; a symmetric key needs any raw import); then the key's
        KEY_SECURITY_LEVEL must be one this backend can honour (``hukspy.seclevel``: 401, 12000026)."""
        spec, import_type = plan.spec, plan.import_type
        cap = self._caps.key(spec.alg, spec.size)
        name = _alg_name(spec.alg)
        if cap is None or (generate and not cap.generate):
            raise HuksError(
                12000001, f"{name}-{spec.size} key on the {self._backend.name} keystore{self._hint}"
            )
        if not generate and not (cap.imports if spec.alg in SYMMETRIC_ALGS else import_type in cap.imports):
            raise HuksError(
                12000001,
                f"import of {name}-{spec.size} keys of this type on the {self._backend.name} keystore",
            )
        seclevel.check_security_level(plan.stored, self._caps, spec)

    # ---------------------------------------------------------------- key management

    @_public
    def generate_key_item(self, key_alias: str, options: HuksOptions) -> None:
        """Generate a key under ``key_alias``; an existing alias is replaced unless KEY_OVERRIDE=False.

        Raises ``HuksError``: 401 (alias, options, params), 12000002/12000003 (missing or invalid
        algorithm parameters), 12000001 (not supported by this keystore), 12000017 (KEY_OVERRIDE=False
        and the alias exists), 12000004/12000005/12000012/12000014 (backend failures).
        """
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        name = access.stored_alias(self._namespace(params), alias)
        plan = policy.check_create(params, HuksKeyFlag.HUKS_KEY_FLAG_GENERATE_KEY, creds=self.user_auth)
        self._require_key(plan, generate=True)
        self._check_unlocked(plan.level)
        self._check_override(plan.level, name, plan.replace)
        with self._native(Action.GENERATE):
            ref = self._backend.generate(plan.spec)
        self._store(name, plan.level, plan.stored, plan.spec, ref, plan.replace)

    @_public
    def import_key_item(self, key_alias: str, options: HuksOptions) -> None:
        """Import the key in ``options.in_data`` (formats: huks-reference.md §4.6, ``hukspy.formats``).

        Raises ``HuksError``: 401 (alias, options, params, malformed key material or one that does not
        match ALGORITHM/KEY_SIZE), 12000002/12000003, 12000001, 12000017, backend failures.
        """
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, data = _options(options)
        if data is None or not data:
            raise HuksError(401, "the key to import (in_data) is missing")
        name = access.stored_alias(self._namespace(params), alias)
        plan = policy.check_create(params, HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY, key_len=len(data),
                                   creds=self.user_auth)
        material = formats.parse_import(plan.spec.alg, plan.spec.size, plan.import_type, data)
        self._import(name, plan, material)

    def _import(self, alias: str, plan: policy.CreatePlan, material: KeyMaterial) -> None:
        """Store imported key material (a key import, a stored agree/derive result) as ``plan`` says."""
        self._require_key(plan, generate=False)
        self._check_unlocked(plan.level)
        self._check_override(plan.level, alias, plan.replace)
        with self._native(Action.IMPORT):
            ref = self._backend.import_key(plan.spec, material)
        self._store(alias, plan.level, plan.stored, plan.spec, ref, plan.replace)

    @_public
    def delete_key_item(self, key_alias: str, options: HuksOptions) -> None:
        """Delete the key. Raises ``HuksError`` 401, 12000011 (no such key), backend failures."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        level, name = self._where(alias, params)
        with self._native(Action.RECORD_DELETE):
            record = self._backend.records().delete(level, name)
        if record is None:
            raise HuksError(12000011, f'the key "{alias}"')
        if record.ref:  # empty for a damaged record: nothing left to destroy
            with contextlib.suppress(Exception):
                self._backend.delete(record.ref, policy.key_spec(record.params))

    @_public
    def export_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        """The public key in ``out_data``: SPKI DER, raw 32 bytes for X25519/Ed25519.

        Raises ``HuksError`` 401, 12000011, 12000003 (a symmetric key: nothing public to export),
        backend failures.
        """
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        record = self._find(alias, params)
        spec = policy.key_spec(record.params)
        if spec.alg in SYMMETRIC_ALGS:
            raise HuksError(
                12000003, f"key type {_alg_name(spec.alg)} for a public key export (a key pair expected)"
            )
        with self._native(Action.PUBLIC_KEY):
            return HuksReturnResult(out_data=self._backend.public_key(record.ref, spec))

    @_public
    def private_key(self, key_alias: str, options: HuksOptions | None = None) -> pyca.HuksKey:
        """The key as a pyca ``cryptography`` private key (``RSAPrivateKey``, ``EllipticCurvePrivateKey``
        or ``Ed25519PrivateKey``) whose operations run hukspy sessions (``hukspy.pyca``,
        docs/cryptography.md); ``options`` select the key (AUTH_STORAGE_LEVEL). Opens no session.
        Raises 401, 12000011 (no such key), 12000003 (not such a private key)."""
        self._check_open()
        return pyca.private_key(self, key_alias, options)

    @_public
    def public_key(self, key_alias: str, options: HuksOptions | None = None) -> PublicKeyTypes:
        """The pyca public key of an asymmetric key (docs/cryptography.md). Raises 401, 12000011,
        12000003 (a symmetric key)."""
        self._check_open()
        return pyca.public_key(self, key_alias, options)

    @_public
    def key_storage(self, key_alias: str, options: HuksOptions) -> str:
        """Where the key lives: the backend's name ("software", "pkcs11", "tpm2"), or with ":sealed"
        for a sealed key (host material wrapped by a hardware key, ``?fallback=sealed``). Not a HUKS
        function: HUKS has no tag for it. Raises 401, 12000011, 12000004."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        record = self._find(alias, params)
        if not isinstance(self._backend, KeyStorage):
            return self._backend.name
        with self._native(Action.STORAGE):
            return self._backend.storage(record.ref, policy.key_spec(record.params))

    @_public
    def get_key_item_properties(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        """The key's stored params (no secrets) in ``properties``. Raises 401, 12000011, 12000004."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        record = self._find(alias, params)
        return HuksReturnResult(properties=record.params.without(authpolicy.AUTH_BINDING_TAG).to_params())

    @_public
    def is_key_item_exist(self, key_alias: str, options: HuksOptions) -> bool:
        """True when the key exists; a missing key raises ``HuksError`` 12000011 (as upstream)."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        self._find(alias, params)
        return True

    @_public
    def has_key_item(self, key_alias: str, options: HuksOptions) -> bool:
        """Whether the key exists (False when missing). Raises 401, 12000004, backend failures."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        with self._native(Action.RECORD_GET):
            return self._backend.records().get(*self._where(alias, params)) is not None

    @_public
    def list_aliases(self, options: HuksOptions) -> HuksListAliasesReturnResult:
        """The aliases of one AUTH_STORAGE_LEVEL (default CE), sorted. ``None`` options → 401."""
        self._check_open()
        params, _ = _options(options)
        namespace = self._namespace(params)
        level = policy.storage_level(params)
        with self._native(Action.RECORD_LIST):
            stored = self._backend.records().aliases(level)
        names = [access.split_stored(n) for n in stored]
        return HuksListAliasesReturnResult(sorted(a for ns, a in names if ns == namespace))

    # ---------------------------------------------------------------- sessions

    @_public
    def init_session(self, key_alias: str, options: HuksOptions) -> HuksSessionHandle:
        """Start an operation with the key. Raises ``HuksError`` 401 (params, policy tags that differ
        from the key's), 12000002/12000003, 12000001 (not supported by this keystore), 12000010 (session
        limit), 12000011 (no such key), backend failures."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        level, name = self._where(alias, params)
        record = self._record(name, level)
        key, plan = self._plan(record.params, params)
        authpolicy.check_device_password(record.params, self.user_auth)
        gate = authpolicy.auth_gate(record.params, params)
        challenge = None
        if gate is not None and gate.challenge_type != _CHALLENGE_NONE:
            challenge = secrets.token_bytes(authpolicy.CHALLENGE_SIZE)
        init_ms = self.user_auth.clock.monotonic_ms() if gate is not None else 0

        def create() -> Session:
            with self._native(Action.BEGIN, plan.op.kind):
                op = self._backend.begin(record.ref, key, plan.op)
            return Session(op, plan.op, key, record.params, level, plan.append_nonce,
                           gate=gate, challenge=challenge, init_ms=init_ms)

        return HuksSessionHandle(self._sessions.open(create), challenge)

    def _plan(self, stored: ParamSet, params: ParamSet) -> tuple[KeySpec, policy.InitPlan]:
        """The spec of a key stored with ``stored`` and the session that init ``params`` ask for on it:
        ``policy.key_spec``, ``policy.check_init`` (its codes), then 12000001 unless this keystore
        supports the operation. All three are functions of (``stored``, ``params``) and this keystore's
        capabilities, so the answer is remembered by that pair (``hukspy.memo``; docs/benchmarks.md,
        "What is cached"); a plan whose nonce HUKS chose is new every time and never remembered.
        """
        found = self._plans.get((stored, params))
        if found is not None:
            return found
        key = policy.key_spec(stored)
        plan = policy.check_init(stored, params)
        if not self._caps.supports_op(key, plan.op):
            raise HuksError(
                12000001,
                f"{_op_words(plan.op)} for {_alg_name(key.alg)}-{key.size} keys "
                f"on the {self._backend.name} keystore{self._hint}",
            )
        if not plan.append_nonce:
            self._plans.put((stored, params), (key, plan))
        return key, plan

    @_public
    def update_session(
        self, handle: int | HuksSessionHandle, options: HuksOptions, token: bytes | None = None
    ) -> HuksReturnResult:
        """Feed ``options.in_data`` to the session. Ciphers return output so far; sign, verify, MAC,
        agree and derive return ``b""``. Any error ends the session.

        Raises ``HuksError`` 401, 12000011 (unknown, finished or evicted handle), 12000012 (a second
        derive/agree update), 12000006 and other backend failures."""
        self._check_open()
        h = _handle(handle)
        with self._sessions.use(h) as s:
            try:
                params, data = _options(options)
                self._verify(s, params, _token(token))
                return HuksReturnResult(out_data=self._update(s, data or b""))
            except BaseException:
                self._sessions.end(h)
                raise

    def _verify(self, s: Session, params: ParamSet, token: bytes | None) -> None:
        """The user-auth checks of an update/finish (docs/userauth.md, "Sessions"): IS_DEVICE_PASSWORD_SET
        without a PIN (12000016) at every call; on the first call of a user-auth session the token (the
        ``token`` argument, else AUTH_TOKEN in the options): missing or not 280 bytes → 401, a MAC that
        does not verify → 12000008 (``UserAuth.verify_token``), then ``authpolicy.check_token`` (12000001,
        12000012, 12000009, 12000008, 12000007). The caller ends the session on any error."""
        from hukspy.userauth import USER_ID, TokenInvalid

        ua = self.user_auth
        authpolicy.check_device_password(s.key_params, ua)
        gate = s.gate
        if not isinstance(gate, authpolicy.AuthGate):
            return
        if token is None:
            token = params.bytes_(HuksTag.HUKS_TAG_AUTH_TOKEN)
        if token is None:
            raise HuksError(401, "the key requires user authentication: the auth token is missing")
        try:
            parsed = ua.verify_token(token)
        except TokenInvalid as exc:
            raise HuksError(exc.huks_code, str(exc)) from exc
        authpolicy.check_token(gate, parsed, s.challenge, s.init_ms, USER_ID)
        s.gate = None

    def _update(self, s: Session, data: bytes) -> bytes:
        kind = s.kind
        if kind is OpKind.AGREE:
            if s.peer is not None:
                raise HuksError(12000012, "a second agree update")
            s.peer = data
            return b""
        if kind is OpKind.DERIVE:
            if s.derived is not None:
                raise HuksError(12000012, "a second derive update")
            with self._native(Action.FINISH, kind):
                s.derived = s.op.finish(b"")
            return b""
        s.total_in += len(data)
        with self._native(Action.UPDATE, kind):
            out = s.op.update(data)
        return out if kind in (OpKind.ENCRYPT, OpKind.DECRYPT) else b""

    @_public
    def finish_session(
        self, handle: int | HuksSessionHandle, options: HuksOptions, token: bytes | None = None
    ) -> HuksReturnResult:
        """Finish the session with the last ``options.in_data`` and end it.

        Returns: cipher output (GCM encrypt: ``ct ‖ tag`` and ``‖ nonce`` when HUKS chose the nonce),
        the signature, the MAC, ``b""`` for verify, or the agreed/derived bytes (``b""`` when the finish
        options asked to store them as a new key). Raises ``HuksError`` 401, 12000011, 12000006 (bad
        signature or tag), 12000012 (derive/agree storage mismatch), 12000017, backend failures; 401
        also when a stored agreed/derived key's KEY_SIZE is not the secret's length (docs/decisions.md).
        """
        self._check_open()
        h = _handle(handle)
        with self._sessions.use(h) as s:
            try:
                params, data = _options(options)
                self._verify(s, params, _token(token))
                out = self._finish(s, params, data or b"")
            finally:
                self._sessions.end(h)
        return HuksReturnResult(out_data=out)

    def _finish(self, s: Session, params: ParamSet, data: bytes) -> bytes:
        kind = s.kind
        if kind in (OpKind.AGREE, OpKind.DERIVE):
            return self._finish_key(s, params, data)
        s.total_in += len(data)
        policy.check_block_input(s.spec, s.total_in)
        with self._native(Action.FINISH, kind):
            out = s.op.finish(data)
        if kind is OpKind.VERIFY:
            return b""
        if s.append_nonce and s.spec.nonce is not None:
            out += s.spec.nonce
        return out

    def _finish_key(self, s: Session, params: ParamSet, data: bytes) -> bytes:
        request = policy.check_finish_storage(s.key_params, params)
        if s.kind is OpKind.AGREE:
            peer = s.peer if s.peer is not None else data
            if not peer:
                raise HuksError(401, "the peer's public key (in_data) is missing")
            # A peer key that does not parse as a public key of the agreement's algorithm is 401 on
            # every backend (docs/decisions.md); one of another curve or group reaches the backend,
            # where the agreement fails (12000006).
            formats.load_public(s.spec.alg, peer)
            with self._native(Action.FINISH, s.kind):
                secret = s.op.finish(peer)
            flag = HuksKeyFlag.HUKS_KEY_FLAG_AGREE_KEY
        else:
            if s.derived is None:
                with self._native(Action.FINISH, s.kind):
                    s.derived = s.op.finish(b"")
            secret = s.derived
            flag = HuksKeyFlag.HUKS_KEY_FLAG_DERIVE_KEY
        if request is None:
            return secret
        plan = policy.check_create(request.params, flag, spec=request.spec, creds=self.user_auth)
        if len(secret) * 8 != plan.spec.size:
            # HksCoreCheckAgreeDeriveFinishParams: HKS_ERROR_INVALID_ARGUMENT → 401 (docs/decisions.md)
            raise HuksError(
                401,
                f"key size {plan.spec.size} for the {s.kind.value}d secret of {len(secret) * 8} bits",
            )
        name = access.stored_alias(self._namespace(request.params), request.alias)
        self._import(name, plan, KeyMaterial(secret=secret))
        return b""

    @_public
    def abort_session(self, handle: int | HuksSessionHandle, options: HuksOptions) -> None:
        """Abort the session; an unknown handle succeeds (as upstream). Raises 401 for bad arguments."""
        self._check_open()
        h = _handle(handle)
        _options(options)
        self._sessions.end(h)

    # ---------------------------------------------------------------- attestation, wrapping

    @_public
    def attest_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        """An X.509 chain (PEM strings, leaf first) certifying the key. Raises 401 (symmetric key, bad
        params), 12000011, 12000001 (the backend cannot attest), backend failures."""
        return self._attest(key_alias, options, anonymous=False)

    @_public
    def anon_attest_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        """Like ``attest_key_item``, from a CA that carries no keystore identity."""
        return self._attest(key_alias, options, anonymous=True)

    @_public
    def anon_attest_key_item_offline(self, key_alias: str, params: Sequence[HuksParam]) -> HuksReturnResult:
        """Anonymous attestation without a network round trip (API 26; upstream
        ``HksAnonAttestKeyOffline`` adds ANONYMOUS_ATTESTATION_MODE = OFFLINE and has the chain made
        on the device, ``DcmLocalGenerateCertChain``). hukspy's anonymous chain is always made locally,
        so this is ``anon_attest_key_item`` with ``params`` (a sequence of ``HuksParam``) as the options
        (docs/decisions.md "post-quantum keys"). Raises as ``anon_attest_key_item``."""
        return self._attest(key_alias, HuksOptions(properties=params), anonymous=True)

    def _attest(self, key_alias: str, options: HuksOptions, *, anonymous: bool) -> HuksReturnResult:
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        record = self._find(alias, params)
        spec = policy.key_spec(record.params)
        if spec.alg in SYMMETRIC_ALGS:
            raise HuksError(401, "symmetric keys cannot be attested")
        if not self._caps.attest:
            raise HuksError(12000001, f"attestation on the {self._backend.name} keystore")
        ids = AttestIds(
            challenge=params.bytes_(HuksTag.HUKS_TAG_ATTESTATION_CHALLENGE) or b"",
            ids={t: v for t, v in params.items() if t in _ATTEST_ID_TAGS and isinstance(v, bytes)},
            properties=record.params.encode(),
        )
        with self._native(Action.ATTEST):
            ders = self._backend.attest(record.ref, spec, ids, anonymous)
        return HuksReturnResult(cert_chains=[_pem(d) for d in ders])

    def _check_wrap(self, params: ParamSet, what: str) -> None:
        """12000001 when the backend cannot wrap; 12000012 for a KEY_WRAP_TYPE other than HUK_BASED
        (absent means HUK_BASED)."""
        if not self._caps.wrap:
            raise HuksError(12000001, f"{what} on the {self._backend.name} keystore")
        huk = HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED
        if params.int_(HuksTag.HUKS_TAG_KEY_WRAP_TYPE, huk) != huk:
            raise HuksError(12000012, "KEY_WRAP_TYPE must be HUKS_KEY_WRAP_TYPE_HUK_BASED")

    @_public
    def wrap_key_item(self, key_alias: str, options: HuksOptions) -> HuksReturnResult:
        """The key as a blob only this keystore can unwrap (``HUKS_KEY_WRAP_TYPE_HUK_BASED``, the only
        ``KEY_WRAP_TYPE``, also when the options leave the tag out). The blob is a versioned
        header, the key's stored params and the backend's sealed key, the params bound to it
        (``hukspy.wrapped.pack_wrap_blob``; docs/decisions.md).

        Raises 401 (arguments), 12000001 (the backend cannot wrap), 12000012 (KEY_WRAP_TYPE other than
        HUK_BASED: upstream INVALID_KEY_WRAP_TYPE -153; the key was not generated with
        IS_ALLOWED_WRAP=true: KEY_NOT_ALLOW_WRAP -156; both unmapped upstream, so 12000012), 12000011
        (no such key), backend failures."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        self._check_wrap(params, "key wrapping")
        record = self._find(alias, params)
        if record.params.bool_(HuksTag.HUKS_TAG_IS_ALLOWED_WRAP) is not True:
            raise HuksError(12000012, f'wrap the key "{alias}": it was not generated with IS_ALLOWED_WRAP')
        spec = policy.key_spec(record.params)
        binding = record.params.encode()
        with self._native(Action.WRAP):
            sealed = self._backend.wrap(record.ref, spec, binding)
        return HuksReturnResult(out_data=wrapped.pack_wrap_blob(self._backend.name, binding, sealed))

    @_public
    def unwrap_key_item(self, key_alias: str, options: HuksOptions, wrapped_key: bytes) -> HuksReturnResult:
        """Restore a ``wrap_key_item`` blob of this keystore under ``key_alias`` (at the options'
        AUTH_STORAGE_LEVEL), with the params it was wrapped with; ``KEY_WRAP_TYPE``, when given, must be
        ``HUKS_KEY_WRAP_TYPE_HUK_BASED``. An existing alias is replaced unless
        ``KEY_OVERRIDE=False``. Returns an empty result.

        Raises 401 (arguments; a blob that is not a hukspy wrap blob: wrong magic or version,
        truncated), 12000001 (the backend cannot unwrap), 12000012 (KEY_WRAP_TYPE other than
        HUK_BASED), 12000006 (a foreign or tampered blob: made by another keystore or backend, or
        altered, so it fails authentication), 12000017 (KEY_OVERRIDE=False and the alias exists),
        backend failures."""
        self._check_open()
        alias = policy.check_alias(key_alias)
        params, _ = _options(options)
        if not isinstance(wrapped_key, bytes | bytearray | memoryview):
            raise HuksError(401, "wrapped_key must be bytes")
        self._check_wrap(params, "key unwrapping")
        backend, binding, sealed = wrapped.unpack_wrap_blob(bytes(wrapped_key))
        if backend != self._backend.name:
            raise HuksError(12000006, f"the wrapped key was made by a {backend} keystore, not this one")
        try:
            key_params = ParamSet.decode(binding)
            spec = policy.key_spec(key_params)
        except (ValueError, IndexError, struct.error, HuksError) as exc:  # bound params: a forged blob
            raise HuksError(12000006, "the wrapped key fails authentication") from exc
        level, name = self._where(alias, params)
        replace = params.bool_(HuksTag.HUKS_TAG_KEY_OVERRIDE) is not False
        self._check_override(level, name, replace)
        with self._native(Action.UNWRAP):
            ref = self._backend.unwrap(sealed, spec, binding)
        self._store(name, level, key_params, spec, ref, replace)
        return HuksReturnResult()

    @_public
    def import_wrapped_key_item(self, key_alias: str, wrapping_key_alias: str, options: HuksOptions) -> None:
        """Import a key wrapped for this keystore in the 10-LV format (huks-reference.md §4.6,
        docs/wrapped-keys.md) under ``key_alias``. ``options.in_data`` is the wrapped key; its params
        describe the imported key as for ``import_key_item`` (ALGORITHM, KEY_SIZE, PURPOSE,
        IMPORT_KEY_TYPE, ...) plus ``UNWRAP_ALGORITHM_SUITE``. The wrapping key (an X25519 key, or an
        ECC P-256 key, generated with PURPOSE=UNWRAP only) agrees with the blob's public key inside its
        backend; a backend with an ``import_wrapped`` hook (hukspy.backend) unwraps everything itself.

        Checks, in order: arguments (401; in_data missing), the wrapping key (12000011), the suite
        (missing 12000002; unknown 12000003; SM2_SM4_ECB: ``_import_envelope``), the LV structure (401), the
        wrapping key's purpose and type (12000003), the imported key's params (as import_key_item:
        12000002/12000003), backend support (12000001), KEY_OVERRIDE=False on an existing alias
        (12000017), the blob's public key (401), the two AES-256-GCM layers (12000006), the key material
        (401), then backend failures.
        """
        self._check_open()
        alias = policy.check_alias(key_alias)
        wrapping_alias = policy.check_alias(wrapping_key_alias)
        params, data = _options(options)
        if not data:
            raise HuksError(401, "the wrapped key (in_data) is missing")
        level, wrapping_name = self._where(wrapping_alias, params)
        name = access.stored_alias(access.split_stored(wrapping_name)[0], alias)
        wrapping = self._record(wrapping_name, level)
        suite_id = params.int_(HuksTag.HUKS_TAG_UNWRAP_ALGORITHM_SUITE)
        if suite_id is None:
            raise HuksError(12000002, "UNWRAP_ALGORITHM_SUITE param")
        if suite_id == HuksUnwrapSuite.HUKS_UNWRAP_SUITE_SM2_SM4_ECB_NOPADDING:
            self._import_envelope(alias, wrapping_alias, wrapping, level, params, data)
            return
        suite = wrapped.SUITES.get(suite_id)
        if suite is None:
            raise HuksError(12000003, f"the unwrap suite {suite_id}")
        parts = formats.parse_lv(data)
        wspec = policy.key_spec(wrapping.params)
        if wspec.purpose != HuksKeyPurpose.HUKS_KEY_PURPOSE_UNWRAP:
            raise HuksError(12000003, f'purpose of the key "{wrapping_alias}" (UNWRAP only expected)')
        if wspec.alg not in suite.key_algs or wspec.size != suite.key_size or wspec.public_only:
            raise HuksError(
                12000003,
                f'wrapping key "{wrapping_alias}" ({_alg_name(wspec.alg)}-{wspec.size}) for {suite.name}',
            )
        key_params = params.without(HuksTag.HUKS_TAG_UNWRAP_ALGORITHM_SUITE)
        plan = policy.check_create(key_params, HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY, creds=self.user_auth)
        spec = plan.spec
        self._require_key(plan, generate=False)
        agree = OpSpec(OpKind.AGREE, alg=suite.agree_alg)
        if not self._caps.supports_op(wspec, agree):
            raise HuksError(12000001, f"unwrap suite {suite.name} on the {self._backend.name} keystore")
        self._check_override(level, name, plan.replace)
        formats.load_public(suite.peer_alg, parts[wrapped.PART_PEER_PUBLIC], suite.key_size)
        ref: bytes | None = None
        if isinstance(self._backend, WrappedImport):
            with self._native(Action.IMPORT_WRAPPED):
                ref = self._backend.import_wrapped(
                    wrapping.ref, wspec, suite_id, parts, spec, plan.import_type
                )
        if ref is None:
            with self._native(Action.BEGIN, OpKind.AGREE):
                op = self._backend.begin(wrapping.ref, wspec, agree)
            try:
                with self._native(Action.FINISH, OpKind.AGREE):
                    shared = op.finish(parts[wrapped.PART_PEER_PUBLIC])
            finally:
                op.abort()
            plain = wrapped.open_key_material(parts, shared)
            material = formats.parse_import(spec.alg, spec.size, plan.import_type, plain)
            with self._native(Action.IMPORT):
                ref = self._backend.import_key(spec, material)
        self._store(name, level, plan.stored, spec, ref, plan.replace)

    def _import_envelope(
        self, alias: str, wrapping_alias: str, wrapping: KeyRecord, level: int, params: ParamSet, data: bytes
    ) -> None:
        """Suite 5 (SM2_SM4_ECB_NOPADDING, docs/wrapped-keys.md): the first LV blob is the SM2 ciphertext
        of an SM4 KEK, which the wrapping SM2 key (PURPOSE UNWRAP) decrypts in its backend; the second is
        SM4-ECB(KEK) of the key. A PUBLIC_KEY import takes the key from ASYMMETRIC_PUBLIC_KEY_DATA as
        ``import_key_item`` would (upstream ``HksImportWrappedKey``).

        Codes, in order: KEY_SIZE missing 12000002, KEY_SIZE/8 not a multiple of 16 12000003; the
        wrapping key not an SM2-256 UNWRAP private key 12000003; the LV structure 401; the imported
        key's params as ``import_key_item``; an asymmetric key (its public half comes in
        ASYMMETRIC_PUBLIC_KEY_DATA: not implemented) 12000001; the keystore cannot decrypt with the
        wrapping key 12000001; the second blob not KEY_SIZE/8 bytes 12000003 (upstream
        INVALID_KEY_SIZE); KEY_OVERRIDE=false on an existing alias 12000017; the SM2 or SM4 layer
        fails 12000006; the key material 401.
        """
        key_params = params.without(HuksTag.HUKS_TAG_UNWRAP_ALGORITHM_SUITE)
        public = params.int_(HuksTag.HUKS_TAG_IMPORT_KEY_TYPE) == HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY
        if public:
            pk = params.bytes_(HuksTag.HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA)
            if pk is None:
                raise HuksError(12000002, "ASYMMETRIC_PUBLIC_KEY_DATA param")
            plain_params = key_params.without(HuksTag.HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA)
            self.import_key_item(alias, HuksOptions(plain_params.to_params(), pk))
            return
        key_size = params.int_(HuksTag.HUKS_TAG_KEY_SIZE)
        if key_size is None:
            raise HuksError(12000002, "KEY_SIZE param")
        if (key_size // 8) % wrapped.ENVELOPE_BLOCK:
            raise HuksError(12000003, f"key size {key_size} for SM2_SM4_ECB (whole 16-byte blocks)")
        wspec = policy.key_spec(wrapping.params)
        if wspec.purpose != HuksKeyPurpose.HUKS_KEY_PURPOSE_UNWRAP:
            raise HuksError(12000003, f'purpose of the key "{wrapping_alias}" (UNWRAP only expected)')
        if wspec.alg != HuksKeyAlg.HUKS_ALG_SM2 or wspec.public_only:
            raise HuksError(
                12000003, f'wrapping key "{wrapping_alias}" ({_alg_name(wspec.alg)}) for SM2_SM4_ECB'
            )
        enc_kek, enc_key = formats.parse_lv(data, wrapped.ENVELOPE_PARTS)
        plan = policy.check_create(key_params, HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY)
        spec = plan.spec
        if spec.alg not in SYMMETRIC_ALGS:
            raise HuksError(12000001, "SM2_SM4_ECB import of an asymmetric private key")
        self._require_key(plan, generate=False)
        unwrap = OpSpec(OpKind.DECRYPT, alg=HuksKeyAlg.HUKS_ALG_SM2)
        if not self._caps.supports_op(wspec, unwrap):
            raise HuksError(
                12000001, f"unwrap suite SM2_SM4_ECB_NOPADDING on the {self._backend.name} keystore"
            )
        if len(enc_key) != spec.size // 8:
            raise HuksError(12000003, f"the wrapped key is {len(enc_key)} bytes, not KEY_SIZE / 8")
        self._check_override(level, alias, plan.replace)
        with self._native(Action.BEGIN, OpKind.DECRYPT):
            op = self._backend.begin(wrapping.ref, wspec, unwrap)
        try:
            with self._native(Action.FINISH, OpKind.DECRYPT):
                kek = op.finish(enc_kek)
        finally:
            op.abort()
        plain = wrapped.open_envelope(kek, enc_key)
        material = formats.parse_import(spec.alg, spec.size, plan.import_type, plain)
        with self._native(Action.IMPORT):
            ref = self._backend.import_key(spec, material)
        self._store(alias, level, plan.stored, spec, ref, plan.replace)

    # ---------------------------------------------------------------- ML-KEM (API 26)

    @_public
    def encapsulate(
        self,
        key_alias: str,
        params: Sequence[HuksParam],
        shared_key_alias: str | None = None,
        shared_key_params: Sequence[HuksParam] | None = None,
    ) -> HuksReturnResult:
        """ML-KEM encapsulation to the key ``key_alias`` (docs/decisions.md "post-quantum keys").

        Returns ``out_data`` = the ciphertext (1088 bytes for ML-KEM-768, 1568 for 1024) and
        ``shared_secret`` = the 32-byte secret, or ``shared_secret=None`` when ``shared_key_params``
        (which must then carry KEY_SIZE 256) store it as a key under ``shared_key_alias``.

        Raises ``HuksError``: 401 (arguments of the wrong type, malformed params: upstream's NAPI
        checks), 12000018 (what upstream answers 401 for after those checks: a bad alias, a shared key
        alias without params or the reverse, an invalid storage level; its ``HksReplaceErrCodeIf401``),
        12000011 (no such key), 12000003 (not an ML-KEM key; the key's purpose lacks WRAP; shared
        KEY_SIZE not 256; shared key params that import_key_item rejects), 12000002 (shared key params
        without KEY_SIZE), 12000001 (not on this keystore), 12000017 (the shared key alias exists and
        KEY_OVERRIDE=false), backend failures.
        """
        return self._kem(OpKind.ENCAPSULATE, key_alias, params, None, shared_key_alias, shared_key_params)

    @_public
    def decapsulate(
        self,
        key_alias: str,
        params: Sequence[HuksParam],
        encap_data: bytes,
        shared_key_alias: str | None = None,
        shared_key_params: Sequence[HuksParam] | None = None,
    ) -> HuksReturnResult:
        """ML-KEM decapsulation of ``encap_data`` with the private key ``key_alias``: ``shared_secret``
        = the 32-byte secret, or None when stored as a key (as ``encapsulate``).

        Raises as ``encapsulate`` (the key's purpose must have UNWRAP; an imported public key cannot
        decapsulate: 12000003), plus 401 when ``encap_data`` is not bytes and 12000006 for a ciphertext
        of the wrong length. A well-formed ciphertext made for another key is not an error: FIPS 203
        implicit rejection answers an unrelated secret, as upstream's engine does.
        """
        if not isinstance(encap_data, bytes | bytearray | memoryview):
            raise HuksError(401, "encap_data must be bytes")
        return self._kem(
            OpKind.DECAPSULATE, key_alias, params, bytes(encap_data), shared_key_alias, shared_key_params
        )

    def _kem(
        self,
        kind: OpKind,
        key_alias: object,
        params: object,
        encap_data: bytes | None,
        shared_key_alias: object,
        shared_key_params: object,
    ) -> HuksReturnResult:
        self._check_open()
        shared_bad = shared_key_alias is not None and not isinstance(shared_key_alias, str)
        if not isinstance(key_alias, str) or shared_bad:
            raise HuksError(401, "the key alias must be a string")  # NAPI HuksParseKeyAlias
        key_params = ParamSet.parse(params)
        shared_params = None if shared_key_params is None else ParamSet.parse(shared_key_params)
        try:
            shared_alias = shared_key_alias if isinstance(shared_key_alias, str) else None
            return self._kem_run(kind, key_alias, key_params, encap_data, shared_alias, shared_params)
        except HuksError as err:
            if err.code != 401:
                raise
            raise HuksError(12000018, err.info) from err  # HksReplaceErrCodeIf401 (huks_napi_ml_kem.cpp)

    def _kem_run(
        self,
        kind: OpKind,
        key_alias: str,
        key_params: ParamSet,
        encap_data: bytes | None,
        shared_alias: str | None,
        shared: ParamSet | None,
    ) -> HuksReturnResult:
        alias = policy.check_alias(key_alias)
        store = policy.check_kem_shared(shared_alias, shared)
        record = self._record(alias, policy.storage_level(key_params))
        key = policy.key_spec(record.params)
        op = policy.check_kem(kind, key)
        if not self._caps.supports_op(key, op):
            raise HuksError(
                12000001,
                f"{_op_words(op)} for {_alg_name(key.alg)}-{key.size} keys on the {self._backend.name} "
                f"keystore{self._hint}",
            )
        plan = None
        if store is not None:  # HksMlKemImport: checked as an import (HksCoreCheckImportKeyParams)
            plan = policy.check_create(store[1], HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY,
                                       key_len=policy.KEM_SHARED_SECRET_BYTES)
            if kind is OpKind.ENCAPSULATE:  # ... and stored as generated by an encapsulation
                plan = dataclasses.replace(
                    plan, stored=policy.stored_params(store[1], HuksKeyFlag.HUKS_KEY_FLAG_GENERATE_KEY)
                )
        with self._native(Action.BEGIN, kind):
            operation = self._backend.begin(record.ref, key, op)
        try:
            with self._native(Action.FINISH, kind):
                out = operation.finish(encap_data or b"")
        finally:
            operation.abort()
        secret, ciphertext = out[: policy.KEM_SHARED_SECRET_BYTES], out[policy.KEM_SHARED_SECRET_BYTES :]
        if plan is None or store is None:
            return HuksReturnResult(out_data=ciphertext, shared_secret=secret)
        self._import(store[0], plan, KeyMaterial(secret=secret))
        return HuksReturnResult(out_data=ciphertext)

    @_public
    def get_sdk_version(self, options: HuksOptions) -> str:
        """The HUKS SDK version string ("2.0.0.5"). Raises 401 for bad options."""
        _options(options)
        return SDK_VERSION


@functools.lru_cache(maxsize=32)
def _keystore_class(scheme: str) -> type[Keystore] | None:
    """The ``keystore_class`` the entry point of ``scheme`` names (a client such as ``service``), or
    None for a backend (and for a scheme no entry point names: ``__init__`` raises its 401)."""
    try:
        factory = find_backend(scheme)
    except HuksError:
        return None
    special = getattr(factory, "keystore_class", None)
    return special if isinstance(special, type) and issubclass(special, Keystore) else None


def _convert(
    table: Callable[[BaseException, Action, OpKind | None], Translation | None],
    exc: BaseException,
    action: Action,
    kind: OpKind | None,
    what: str,
) -> HuksError:
    """The ``HuksError`` for a native error: ``table`` (a backend's or factory's ``translate``) first,
    then ``NATIVE_CODES``; 12000012 naming ``what`` and the exception class when neither maps it."""
    found: Translation | None = None
    with contextlib.suppress(Exception):  # a table that fails must not hide the error it was asked about
        found = table(exc, action, kind)
    if found is None:
        found = NATIVE_CODES.translate(exc, action, kind)
    if found is None:
        return HuksError(12000012, f"{what}: {type(exc).__name__}")
    err = HuksError(found.code, found.info)
    if found.note:
        err = HuksError(found.code, message=f"{err.message} ({found.note})")
    err.retry_after_s = found.retry_after_s
    return err


def _op_words(op: OpSpec) -> str:
    """An operation as a noun phrase for a message: its kind, algorithm, and mode, padding and digest
    by name (never the ``OpSpec`` repr)."""
    fields: tuple[tuple[type[IntEnum], int | None], ...] = (
        (HuksCipherMode, op.mode),
        (HuksKeyPadding, op.padding),
        (HuksKeyDigest, op.digest),
    )
    details = [_enum_word(enum, value) for enum, value in fields if value is not None]
    extra = f" ({', '.join(details)})" if details else ""
    return f"{op.kind.value} operation with {_alg_name(op.alg)}{extra}"


def _enum_word(enum: type[IntEnum], value: int) -> str:
    try:
        return enum(value).name.removeprefix("HUKS_")
    except ValueError:
        return str(value)


def _alg_name(alg: int) -> str:
    try:
        return HuksKeyAlg(alg).name.removeprefix("HUKS_ALG_")
    except ValueError:
        return f"algorithm {alg}"


def _pem(der: bytes) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


_default: Keystore | None = None
_default_lock = threading.Lock()
_user_auth_lock = threading.Lock()


def default_keystore() -> Keystore:
    """The process-wide keystore on ``$HUKSPY_KEYSTORE`` (else ``software:``), opened on first use."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = Keystore()
        return _default


def on_default(method: Callable[Concatenate[Keystore, P], R]) -> Callable[P, R]:
    """The module-level twin of a ``Keystore`` method: the same call on ``default_keystore()``."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return method(default_keystore(), *args, **kwargs)

    return call

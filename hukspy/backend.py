"""The backend protocol: what a keystore backend implements, and how the facade finds one.

A backend keeps keys and does crypto; it decides nothing about HUKS rules. It receives specs that the
facade has already validated (``hukspy.spec``) and answers with bytes, or raises its own native error,
which its ``translate`` table turns into a ``HuksError``. A backend may also raise ``HuksError``
itself where it knows the HUKS code best (for example 12000001 for something it cannot do).

**Optional hook** ``import_wrapped(wrapping_ref, wrapping_spec, suite, parts, target, import_type) ->
bytes | None``: ``Keystore.import_wrapped_key_item`` looks it up with ``getattr(backend,
"import_wrapped", None)`` and, when present, calls it after every HUKS check has passed, with the
wrapping key's ref and ``KeySpec``, the ``HuksUnwrapSuite`` int, the 10 blobs of the wrapped key
(``list[bytes]``, huks-reference.md §4.6, ``hukspy.wrapped``), the ``KeySpec`` of the key to import and
its IMPORT_KEY_TYPE (None when the options leave it out; it picks the key-material format,
``hukspy.formats.parse_import``). It returns the new key's ref (the backend agreed, opened both
AES-256-GCM layers and imported the key without the material leaving it, e.g. inside a PKCS#11 token),
or None to let the facade do it: then the facade runs an AGREE operation with the wrapping key
(``begin(..., OpSpec(OpKind.AGREE, alg=ECDH|X25519)).finish(peer_public_key)``), opens the layers with
``hukspy.wrapped.open_key_material`` and calls ``import_key``. Errors go through ``translate`` with the
action ``"import_wrapped"``; a failed authentication must map to 12000006.

Backends are found through the ``hukspy.backends`` entry-point group: the entry's name is the URI
scheme (``software``, ``pkcs11``, ``tpm2``) and its object a ``BackendFactory``.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from hukspy.errors import HuksError
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

if TYPE_CHECKING:
    from hukspy.params import ParamSet

__all__ = [
    "ENTRY_POINT_GROUP",
    "AliasExistsError",
    "Backend",
    "BackendFactory",
    "Capabilities",
    "KeyCap",
    "KeyRecord",
    "OpCap",
    "Operation",
    "RecordStore",
    "find_backend",
    "installed_backends",
]

ENTRY_POINT_GROUP = "hukspy.backends"


@dataclass(frozen=True, order=True)
class KeyCap:
    """A kind of key a backend can hold: ``alg`` (HuksKeyAlg) at ``size`` bits.

    ``generate``: ``Backend.generate`` works; ``imports``: the HuksImportKeyType values
    ``Backend.import_key`` accepts (for symmetric keys: ``{PRIVATE_KEY}`` stands for raw key import).
    """

    alg: int
    size: int
    generate: bool = True
    imports: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OpCap:
    """An operation a backend can run on a key of ``key_alg``: the fields of ``OpSpec`` that select
    the code path (None where they do not apply). ``sizes`` narrows the key sizes (empty = every size
    of the key's ``KeyCap`` entries)."""

    kind: OpKind
    key_alg: int
    alg: int
    mode: int | None = None
    padding: int | None = None
    digest: int | None = None
    sizes: frozenset[int] = frozenset()


_OpKey = tuple[OpKind, int, int, int | None, int | None, int | None]


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, as data: the facade raises 12000001 for anything not listed here, the
    CLI's ``selftest`` and ``backends`` print it, and the conformance suite tests every entry.

    ``sealed`` lists the (alg, size) pairs that are served as sealed host keys (``?fallback=sealed``).
    ``attest``: ``attest_key_item`` works; ``wrap``: ``wrap_key_item``/``unwrap_key_item`` work.
    """

    backend: str
    keys: frozenset[KeyCap]
    ops: frozenset[OpCap]
    attest: bool = False
    wrap: bool = False
    sealed: frozenset[tuple[int, int]] = frozenset()
    security_level: str = "software"
    #: Whether the backend's own (non-sealed) keys live in a separate secure element (a PKCS#11 token,
    #: a TPM): only then is HUKS_KEY_SECURITY_LEVEL_SE honest (``hukspy.seclevel``, docs/decisions.md).
    secure_element: bool = False
    #: HuksKeyPurpose bits whose keys are always served sealed (PKCS#11 with ``?fallback=sealed``: DERIVE).
    sealed_purposes: int = 0
    #: Appended to the facade's 12000001 messages: what would make an undeclared request work
    #: (e.g. "add ?fallback=sealed to the keystore URI for sealed keys").
    hint: str = ""

    def key(self, alg: int, size: int) -> KeyCap | None:
        """The entry for ``alg`` at ``size`` bits, or None."""
        for cap in self.keys:
            if cap.alg == alg and cap.size == size:
                return cap
        return None

    def is_sealed(self, spec: KeySpec) -> bool:
        """Whether a key of ``spec`` is served as a sealed host key rather than kept by the backend."""
        by_purpose = bool(spec.purpose & self.sealed_purposes)
        return spec.sealed or by_purpose or (spec.alg, spec.size) in self.sealed

    @functools.cached_property
    def _op_index(self) -> dict[_OpKey, list[OpCap]]:
        index: dict[_OpKey, list[OpCap]] = {}
        for c in self.ops:
            index.setdefault((c.kind, c.key_alg, c.alg, c.mode, c.padding, c.digest), []).append(c)
        return index

    def supports_op(self, key: KeySpec, op: OpSpec) -> bool:
        """Whether ``op`` on a key of ``key`` is declared."""
        caps = self._op_index.get((op.kind, key.alg, op.alg, op.mode, op.padding, op.digest), ())
        return any(not cap.sizes or key.size in cap.sizes for cap in caps)


@dataclass(frozen=True, repr=False)
class KeyRecord:
    """A stored key: its ``alias``, AUTH_STORAGE_LEVEL ``level``, the params it was created with
    (``params``, no secrets), and the backend's opaque ``ref`` (for the software backend, the key
    material itself; the record store keeps it encrypted)."""

    alias: str
    level: int
    params: ParamSet
    ref: bytes

    def __repr__(self) -> str:
        return f"KeyRecord(alias={self.alias!r}, level={self.level}, params={self.params!r}, ref=<redacted>)"


class AliasExistsError(Exception):
    """Raised by ``RecordStore.put`` with ``replace=False`` when the alias exists (→ 12000017)."""


class RecordStore(Protocol):
    """Where a backend keeps alias → ``KeyRecord``. Every method is atomic and thread-safe.

    Native errors (sqlite3, OS, token) may escape; the facade passes them through the backend's
    ``translate``. A record that fails its integrity check raises ``HuksError`` 12000004.
    """

    def get(self, level: int, alias: str) -> KeyRecord | None: ...

    def put(self, record: KeyRecord, *, replace: bool) -> KeyRecord | None:
        """Store ``record``; return the record it replaced (whose ``ref`` the facade then deletes from
        the backend), or None. ``replace=False`` and an existing alias raise ``AliasExistsError``."""
        ...

    def delete(self, level: int, alias: str) -> KeyRecord | None:
        """Remove and return the record, or None when there was none. A record that cannot be read
        (fails authentication) is removed all the same and returned with empty params and ref."""
        ...

    def aliases(self, level: int) -> list[str]:
        """Every alias stored at ``level``, sorted."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Operation(Protocol):
    """One running operation of a session. ``update``/``finish`` take and return bytes.

    - ciphers: ``update`` returns output so far, ``finish`` the rest (GCM/CCM encrypt: ``ct ‖ tag``).
    - sign/MAC: ``update`` returns ``b""``; ``finish(data)`` appends ``data`` and returns the signature/MAC.
    - verify: ``update`` feeds the message; ``finish(signature)`` returns ``b""`` or raises.
    - agree: ``finish(peer_public_key)`` returns the shared secret (SPKI DER, raw 32 bytes for X25519).
    - derive: ``finish(b"")`` returns ``derive_size`` bytes.
    ``abort`` releases whatever the operation holds; it is idempotent and never raises.
    """

    def update(self, data: bytes) -> bytes: ...

    def finish(self, data: bytes) -> bytes: ...

    def abort(self) -> None: ...


class Backend(Protocol):
    """A keystore backend. See the module docstring for the division of labour."""

    name: str

    def capabilities(self) -> Capabilities: ...

    def records(self) -> RecordStore: ...

    def generate(self, spec: KeySpec) -> bytes:
        """Create a key; return its opaque ref."""
        ...

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        """Import key material; return its opaque ref."""
        ...

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        """The public half: SPKI DER, or raw 32 bytes for X25519/Ed25519."""
        ...

    def delete(self, ref: bytes, spec: KeySpec) -> None:
        """Destroy the key behind ``ref`` (a no-op where the ref is the whole key)."""
        ...

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        """Start ``op`` with the key behind ``ref``."""
        ...

    def attest(self, ref: bytes, spec: KeySpec, ids: AttestIds, anonymous: bool) -> list[bytes]:
        """An X.509 chain (DER certificates, leaf first) that certifies the key's public half."""
        ...

    def wrap(self, ref: bytes, spec: KeySpec, binding: bytes) -> bytes:
        """The key behind ``ref`` as a blob only this backend can ``unwrap`` (``binding`` is bound)."""
        ...

    def unwrap(self, blob: bytes, spec: KeySpec, binding: bytes) -> bytes:
        """Restore a ``wrap`` blob; return the new ref."""
        ...

    # Optional: ``storage(ref, spec) -> str`` says where one key lives when that differs by key, e.g.
    # "pkcs11:sealed" (``Keystore.key_storage``); without it a key lives where ``name`` says.

    def translate(self, exc: BaseException, action: str, kind: OpKind | None) -> HuksError | None:
        """Map a native error raised during ``action`` (the method name: "generate", "begin",
        "update", "finish", ...; ``kind`` the session's kind) to a HuksError, from the backend's one
        table. None means "not mine": the facade then raises 12000012."""
        ...

    def close(self) -> None: ...


class BackendFactory(Protocol):
    """The object an entry point names: opens a backend from the URI's text after ``scheme:``."""

    def open(self, location: str, *, home: str) -> Backend:
        """Open the backend. ``home`` is ``$HUKSPY_HOME``. Raises ``HuksError`` (401 for a malformed
        URI, 12000005/12000012 when the device cannot be reached)."""
        ...

    def available(self) -> tuple[bool, str]:
        """Whether this backend can run on this machine, and why not."""
        ...


def installed_backends() -> dict[str, importlib.metadata.EntryPoint]:
    """The installed backends by URI scheme (loads nothing)."""
    eps: Iterable[importlib.metadata.EntryPoint] = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {ep.name: ep for ep in eps}


def find_backend(scheme: str) -> BackendFactory:
    """Load the factory for ``scheme``. Raises ``HuksError`` 401 when none is installed."""
    eps = installed_backends()
    if scheme not in eps:
        known: Sequence[str] = sorted(eps)
        raise HuksError(401, f'no keystore backend "{scheme}" is installed (installed: {", ".join(known)})')
    factory: BackendFactory = eps[scheme].load()
    return factory

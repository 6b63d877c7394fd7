"""The backend protocol: what a keystore backend implements, and how the facade finds one.

A backend keeps keys and does crypto; it decides nothing about HUKS rules. It receives specs that the
facade has already validated (``hukspy.spec``) and answers with bytes, or raises a native error (its
library's, or one of ``hukspy.backend.errors``) which the facade converts through the backend's one
table (``translate``). A backend never builds a ``HuksError`` (docs/architecture.md, "The seam").

Two hooks are optional, each declared as its own small protocol that the facade tests with
``isinstance``: ``KeyStorage`` (``storage``: where one key lives, when that differs by key) and
``WrappedImport`` (``import_wrapped``: a wrapped import done inside the device).

Backends are found through the ``hukspy.backends`` entry-point group: the entry's name is the URI
scheme (``software``, ``pkcs11``, ``tpm2``) and its object a ``BackendFactory``.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from hukspy.backend.actions import Action
from hukspy.backend.capabilities import Capabilities
from hukspy.backend.errors import Translation
from hukspy.errors import HuksError
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

if TYPE_CHECKING:
    from hukspy.params import ParamSet

__all__ = [
    "ENTRY_POINT_GROUP",
    "AliasExistsError",
    "Backend",
    "BackendFactory",
    "KeyRecord",
    "KeyStorage",
    "Operation",
    "RecordStore",
    "WrappedImport",
    "find_backend",
    "installed_backends",
]

ENTRY_POINT_GROUP = "hukspy.backends"


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
    ``translate`` (actions ``RECORD_*``). A record that fails its integrity check raises
    ``StoredDataDamagedError`` (→ 12000004).
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

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """The HUKS code (and message text) for a native error raised during ``action`` (``kind``: the
        session's kind, where there is one), from the backend's one table. None means "not mine": the
        facade then asks ``hukspy.backend.errors.NATIVE_CODES``, and raises 12000012 when that has no
        entry either."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class KeyStorage(Protocol):
    """Optional hook: a backend whose keys live in different places (``Keystore.key_storage``)."""

    def storage(self, ref: bytes, spec: KeySpec) -> str:
        """Where the key behind ``ref`` lives, e.g. "pkcs11" or "pkcs11:sealed" (a backend without this
        hook keeps every key where its ``name`` says)."""
        ...


@runtime_checkable
class WrappedImport(Protocol):
    """Optional hook: a backend that imports a wrapped key (huks-reference.md §4.6) inside the device.

    ``Keystore.import_wrapped_key_item`` calls ``import_wrapped`` after every HUKS check has passed,
    with the wrapping key's ref and ``KeySpec``, the ``HuksUnwrapSuite`` int, the 10 blobs of the
    wrapped key (``hukspy.wrapped``), the ``KeySpec`` of the key to import and its IMPORT_KEY_TYPE (as
    the facade resolved it: an absent tag of an asymmetric key is PUBLIC_KEY; it picks the key-material
    format, ``hukspy.formats.parse_import``). It returns the new key's ref (the backend agreed, opened
    both AES-256-GCM layers and imported the key without the material leaving it), or None to let the
    facade do it: then the facade runs an AGREE operation with the wrapping key, opens the layers with
    ``hukspy.wrapped.open_key_material`` and calls ``import_key``. Errors go through ``translate`` with
    ``Action.IMPORT_WRAPPED``; a layer that fails authentication raises ``DataRejectedError`` (→ 12000006).
    """

    def import_wrapped(self, wrapping_ref: bytes, wrapping_spec: KeySpec, suite: int, parts: list[bytes],
                       target: KeySpec, import_type: int | None) -> bytes | None: ...


class BackendFactory(Protocol):
    """The object an entry point names: opens a backend from the URI's text after ``scheme:``."""

    def open(self, location: str, *, home: str) -> Backend:
        """Open the backend. ``home`` is ``$HUKSPY_HOME``. Raises native errors, which the facade
        converts with this factory's ``translate`` (``Action.OPEN``): ``InvalidLocationError`` (→ 401) for a
        malformed URI, the device's errors when it cannot be reached."""
        ...

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        """The backend's one table, for errors raised before a backend object exists (``open``)."""
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

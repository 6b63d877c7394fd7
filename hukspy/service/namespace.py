"""Per-uid key namespaces inside the service (docs/service.md, "Trust model").

The service holds one backend. Each caller uid that is not an administrator sees it through a
``Keystore`` whose record store prefixes every alias with ``~<uid>/``: the uid's ``list_aliases``,
``has_key_item``, ``init_session``, ``delete_key_item`` and overwrites reach only its own records, and
no alias it can send (any 1..128-byte string) leaves its prefix. Administrators (root) see the
backend's records as they are, the other uids' included.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hukspy.backend import Action, Backend, Capabilities, KeyRecord, Operation, RecordStore, Translation
from hukspy.keystore import Keystore
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec

__all__ = ["NamespacedBackend", "PrefixedRecords", "namespace_prefix", "namespaced"]


def namespace_prefix(uid: int) -> str:
    """The alias prefix of ``uid``'s keys in the service's backend."""
    return f"~{uid}/"


class PrefixedRecords:
    """A ``RecordStore`` that keeps the aliases under ``prefix`` of another one (``inner``) and shows
    them without it. ``close`` is a no-op: the inner store belongs to the shared backend."""

    def __init__(self, inner: RecordStore, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix

    def _out(self, record: KeyRecord | None) -> KeyRecord | None:
        if record is None:
            return None
        return dataclasses.replace(record, alias=record.alias.removeprefix(self._prefix))

    def get(self, level: int, alias: str) -> KeyRecord | None:
        return self._out(self._inner.get(level, self._prefix + alias))

    def put(self, record: KeyRecord, *, replace: bool) -> KeyRecord | None:
        inner = dataclasses.replace(record, alias=self._prefix + record.alias)
        return self._out(self._inner.put(inner, replace=replace))

    def delete(self, level: int, alias: str) -> KeyRecord | None:
        return self._out(self._inner.delete(level, self._prefix + alias))

    def aliases(self, level: int) -> list[str]:
        n = len(self._prefix)
        return [a[n:] for a in self._inner.aliases(level) if a.startswith(self._prefix)]

    def close(self) -> None:
        """Nothing to close (the shared backend's store stays open)."""


class NamespacedBackend:
    """The shared backend with its record store seen through ``PrefixedRecords``; every other call
    passes through (the optional hooks ``storage``/``import_wrapped`` too, when the backend has them).
    ``close`` is a no-op: the service closes the shared backend once."""

    def __init__(self, inner: Backend, prefix: str) -> None:
        self._inner = inner
        self._prefix = prefix
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:
        if name in ("storage", "import_wrapped"):
            return getattr(self._inner, name)
        raise AttributeError(name)

    def capabilities(self) -> Capabilities:
        return self._inner.capabilities()

    def records(self) -> RecordStore:
        return PrefixedRecords(self._inner.records(), self._prefix)

    def generate(self, spec: KeySpec) -> bytes:
        return self._inner.generate(spec)

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        return self._inner.import_key(spec, key)

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        return self._inner.public_key(ref, spec)

    def delete(self, ref: bytes, spec: KeySpec) -> None:
        self._inner.delete(ref, spec)

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        return self._inner.begin(ref, spec, op)

    def attest(self, ref: bytes, spec: KeySpec, ids: AttestIds, anonymous: bool) -> list[bytes]:
        return self._inner.attest(ref, spec, ids, anonymous)

    def wrap(self, ref: bytes, spec: KeySpec, binding: bytes) -> bytes:
        return self._inner.wrap(ref, spec, binding)

    def unwrap(self, blob: bytes, spec: KeySpec, binding: bytes) -> bytes:
        return self._inner.unwrap(blob, spec, binding)

    def translate(self, exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
        return self._inner.translate(exc, action, kind)

    def close(self) -> None:
        """Nothing to close (the service closes the shared backend)."""


def namespaced(keystore: Keystore, uid: int) -> Keystore:
    """A ``Keystore`` on ``keystore``'s backend whose keys are ``uid``'s namespace (its own session
    table; closing it leaves the backend open)."""
    view = keystore.session_scope()
    view._backend = NamespacedBackend(keystore._backend, namespace_prefix(uid))
    return view

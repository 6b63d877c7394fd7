"""``Capabilities``: what a backend can do, as data (``KeyCap`` per key kind, ``OpCap`` per operation).

The facade raises 12000001 for anything a backend does not declare (docs/architecture.md), the CLI's
``selftest`` and ``backends`` print the entries, and the conformance suite (``hukspy.testing``) tests
each one. A backend declares what it can do; which of that HUKS allows is the facade's business
(``policy.allowed_capabilities``), so a backend never imports ``hukspy.policy``.

Lookups treat an explicit default like an absent value (issue 11, items 1 and 2b): an ``OpCap`` whose
``digest`` is None matches an ``OpSpec`` with ``HUKS_DIGEST_NONE`` and the other way round, and
``KeyCap.imports`` is asked with the import type the facade resolved (an absent IMPORT_KEY_TYPE of an
asymmetric key is ``HUKS_KEY_TYPE_PUBLIC_KEY``, ``policy.CreatePlan.import_type``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from hukspy.enums import HuksKeyDigest
from hukspy.spec import KeySpec, OpKind, OpSpec

__all__ = ["Capabilities", "KeyCap", "OpCap"]

_DIGEST_NONE: Final = int(HuksKeyDigest.HUKS_DIGEST_NONE)


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


def _op_key(kind: OpKind, key_alg: int, alg: int, mode: int | None, padding: int | None,
            digest: int | None) -> _OpKey:
    """The lookup key of an operation: ``HUKS_DIGEST_NONE`` and no digest are one value."""
    return (kind, key_alg, alg, mode, padding, None if digest == _DIGEST_NONE else digest)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, as data: the facade raises 12000001 for anything not listed here, the
    CLI's ``selftest`` and ``backends`` print it, and the conformance suite tests every entry.

    ``sealed`` lists the (alg, size) pairs that are served as sealed host keys (``?fallback=sealed``,
    ``hukspy.backend.sealed``). ``attest``: ``attest_key_item`` works; ``wrap``:
    ``wrap_key_item``/``unwrap_key_item`` work.
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
        return self._key_index.get((alg, size))

    def is_sealed(self, spec: KeySpec) -> bool:
        """Whether a key of ``spec`` is served as a sealed host key rather than kept by the backend."""
        by_purpose = bool(spec.purpose & self.sealed_purposes)
        return spec.sealed or by_purpose or (spec.alg, spec.size) in self.sealed

    @functools.cached_property
    def _key_index(self) -> dict[tuple[int, int], KeyCap]:
        return {(cap.alg, cap.size): cap for cap in self.keys}

    @functools.cached_property
    def _op_index(self) -> dict[_OpKey, list[OpCap]]:
        index: dict[_OpKey, list[OpCap]] = {}
        for c in self.ops:
            index.setdefault(_op_key(c.kind, c.key_alg, c.alg, c.mode, c.padding, c.digest), []).append(c)
        return index

    def supports_op(self, key: KeySpec, op: OpSpec) -> bool:
        """Whether ``op`` on a key of ``key`` is declared (an explicit ``HUKS_DIGEST_NONE`` matches an
        entry without a digest, and the other way round)."""
        caps = self._op_index.get(_op_key(op.kind, key.alg, op.alg, op.mode, op.padding, op.digest), ())
        return any(not cap.sizes or key.size in cap.sizes for cap in caps)

"""Sealed keys (``?fallback=sealed``), once for every hardware backend.

Where a device lacks an algorithm, a size or a purpose, a hardware backend may serve the key as a
*sealed* key, but only when the keystore URI asks for it: the key material is generated (or parsed) on
the host by the software engine (``hukspy.software.engine``), its software ref is stored only sealed
by a device key, and for each use it is unsealed into memory and the software engine runs the operation.
The key's ``storage`` says ``"<scheme>:sealed"``. Keys are never moved between the two kinds.

What a backend brings is how to seal and unseal a software ref (``Seal``: a PKCS#11 AES key wrap, a TPM
sealed data object); what is here is the rest, written once:

- ``Sealing.capabilities``: the device's capabilities plus the software engine's entries it lacks;
  software operations are declared only for the sizes that are sealed, so a device key never receives
  an operation it cannot run;
- ``Sealing.needs_seal``: which keys are sealed, and the 12000001 naming the flag without it;
- ``SealedKeys``: the ``Backend`` calls on sealed keys, passed through to the software engine;
- ``translate``: the software engine's errors, through the software backend's one table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from hukspy.backend.actions import Action
from hukspy.backend.capabilities import Capabilities, KeyCap, OpCap
from hukspy.backend.errors import Translation, UnsupportedError
from hukspy.backend.protocol import Operation
from hukspy.enums import HuksKeyPurpose
from hukspy.software import engine
from hukspy.software.backend import ERROR_TABLE
from hukspy.software.caps import software_capabilities
from hukspy.spec import KeyMaterial, KeySpec, OpKind, OpSpec

__all__ = ["FLAG", "Seal", "SealedKeys", "Sealing", "hint", "translate"]

#: The URI query that turns sealed keys on.
FLAG: Final = "fallback=sealed"

#: The key purpose each operation kind needs (``Sealing.purposes`` is a mask of these).
_KIND_PURPOSE: Final = {
    OpKind.ENCRYPT: HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT,
    OpKind.DECRYPT: HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT,
    OpKind.SIGN: HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN,
    OpKind.VERIFY: HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY,
    OpKind.MAC: HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC,
    OpKind.AGREE: HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE,
    OpKind.DERIVE: HuksKeyPurpose.HUKS_KEY_PURPOSE_DERIVE,
    OpKind.ENCAPSULATE: HuksKeyPurpose.HUKS_KEY_PURPOSE_WRAP,
    OpKind.DECAPSULATE: HuksKeyPurpose.HUKS_KEY_PURPOSE_UNWRAP,
}


def hint(scheme: str) -> str:
    """The text that tells a user how to get sealed keys on the ``scheme`` keystore."""
    return f"add ?{FLAG} to the {scheme}: URI for sealed keys"


@dataclass(frozen=True)
class Sealing:
    """Which keys of a hardware backend are sealed, and what the backend declares.

    ``native``: what the device itself can do; ``enabled``: the URI carries ``?fallback=sealed``;
    ``scheme``: the URI scheme (for the hint); ``always``: algorithms whose keys are sealed at every
    size when enabled, although the device holds them (a TPM's AES keys: the TPM has no GCM/CCM, the
    main HUKS AES modes); ``purposes``: a ``HuksKeyPurpose`` mask only a sealed key can serve (a token
    without HKDF/PBKDF2: DERIVE).
    """

    native: Capabilities
    enabled: bool
    scheme: str
    always: frozenset[int] = frozenset()
    purposes: int = 0

    def capabilities(self) -> Capabilities:
        """Without the flag, ``native`` with the hint that names it. With it, ``native`` (less the
        ``always`` algorithms) plus the software engine's keys the device lacks and the operations
        those sealed keys can run; operations of a ``purposes`` kind are declared for every size."""
        if not self.enabled:
            return dataclasses.replace(self.native, hint=hint(self.scheme))
        soft = software_capabilities()
        keys: set[KeyCap] = {k for k in self.native.keys if k.alg not in self.always}
        ops: set[OpCap] = {o for o in self.native.ops if o.key_alg not in self.always}
        have = {(k.alg, k.size) for k in keys}
        native_algs = {alg for alg, _ in have}
        extra = {k for k in soft.keys if (k.alg, k.size) not in have}
        sealed = frozenset((k.alg, k.size) for k in extra)
        for op in soft.ops:
            if _KIND_PURPOSE[op.kind] & self.purposes:
                ops.add(op)
                continue
            sizes = _sealed_sizes(sealed, op)
            if not sizes:
                continue
            # An algorithm the device has no key of is sealed at every size: the op applies as it is;
            # otherwise only at the sealed sizes, so no device key ever receives it.
            ops.add(op if op.key_alg not in native_algs else dataclasses.replace(op, sizes=sizes))
        return dataclasses.replace(self.native, keys=frozenset(keys | extra), ops=frozenset(ops),
                                   sealed=sealed, sealed_purposes=self.purposes, hint="")

    def needs_seal(self, spec: KeySpec) -> bool:
        """Whether ``spec`` is served as a sealed key. Raises ``UnsupportedError`` (→ 12000001) naming the
        flag when only a sealed key could serve it and the URI lacks ``?fallback=sealed``."""
        lacking = self.native.key(spec.alg, spec.size) is None
        only_sealed = bool(spec.purpose & self.purposes)
        if not self.enabled:
            if lacking or only_sealed or spec.sealed:
                what = "key type or size" if lacking or spec.sealed else "key purpose"
                raise UnsupportedError(f"{what} on the {self.scheme} keystore ({hint(self.scheme)})")
            return False
        return lacking or only_sealed or spec.sealed or spec.alg in self.always


def _sealed_sizes(sealed: Iterable[tuple[int, int]], op: OpCap) -> frozenset[int]:
    sizes = {size for alg, size in sealed if alg == op.key_alg}
    return frozenset(sizes & op.sizes if op.sizes else sizes)


class Seal(Protocol):
    """How a device seals a software ref (its key material in the engine's format) and opens it."""

    def seal(self, software_ref: bytes) -> bytes:
        """The sealed ref (what the record keeps) of ``software_ref``."""
        ...

    def unseal(self, ref: bytes) -> bytes:
        """The software ref inside a sealed ref. Raises ``StoredDataDamagedError`` (→ 12000004) when it
        does not open on this device."""
        ...


class SealedKeys:
    """The ``Backend`` calls on sealed keys: the software engine on material that ``seal`` keeps."""

    def __init__(self, seal: Seal) -> None:
        self._seal = seal

    def generate(self, spec: KeySpec) -> bytes:
        """Generate on the host and seal; the sealed ref."""
        return self._seal.seal(engine.generate(spec))

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        """Import on the host and seal; the sealed ref."""
        return self._seal.seal(engine.from_material(spec, key))

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        """The public half of a sealed key."""
        return engine.public_key(self._seal.unseal(ref), spec)

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        """Unseal, and start the software engine's operation on the key."""
        return engine.begin(self._seal.unseal(ref), spec, op)


def translate(exc: BaseException, action: Action, kind: OpKind | None) -> Translation | None:
    """Errors of the software engine on sealed keys, through the software backend's one table."""
    return ERROR_TABLE.translate(exc, action, kind)

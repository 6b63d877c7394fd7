"""Sealed keys (``?fallback=sealed``): what the token lacks, served by the software engine on key material
that is stored only wrapped by a token AES key.

Which keys are sealed (``needs_seal``): only with the URI flag, a key whose (algorithm, size) the token
cannot hold (X25519, DSA, DES, SM4, HMAC/CMAC sizes below the token's minimums, RSA sizes it lacks), a
key whose purpose includes DERIVE (the token has no HKDF/PBKDF2), and a key the facade marks
``KeySpec.sealed``. Every other key lives on the token, with or without the flag; keys are never moved
between the two. Without the flag the capabilities do not list these and the backend raises 12000001
naming the flag.

How: ``hukspy.software.engine`` generates (or parses) the key on the host; its software ref is put in
a session object (CKO_SECRET_KEY, CKK_GENERIC_SECRET, extractable, never a token object) and wrapped with
CKM_AES_KEY_WRAP_PAD (RFC 5649) under the token's *seal key* (AES-256, token object, WRAP/UNWRAP only,
sensitive, not extractable, label ``hukspy.seal``); the session object is destroyed. The ref is::

    0x02 ‖ CKA_ID of the seal key (16) ‖ RFC 5649 wrap of (len(software ref):u32 ‖ software ref)

(The length prefix is there because SoftHSM2 2.6.1 leaves the RFC 5649 zero padding on the unwrapped
value [measured: 33 bytes wrapped come back as 40].)

For each use the wrapped ref is unwrapped into a session object, its value read, the object destroyed,
and the engine runs the operation in host memory; nothing unwrapped is written anywhere.
"""

from __future__ import annotations

import dataclasses
import struct
import threading
from typing import Final

from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass

from hukspy.backend import Capabilities, KeyCap, Operation
from hukspy.enums import HuksKeyPurpose as Pu
from hukspy.errors import HuksError
from hukspy.software import engine
from hukspy.software.caps import software_capabilities
from hukspy.spec import KeyMaterial, KeySpec, OpKind, OpSpec
from hukspy_pkcs11.keys import ID_LEN, find_key
from hukspy_pkcs11.token import TokenConnection, Worker

__all__ = ["REF_SEALED", "SEAL_KEY_ID", "Sealer", "merge_capabilities", "needs_seal"]

REF_SEALED: Final = b"\x02"
SEAL_KEY_ID: Final = b"hks1sealkey00001"
SEAL_LABEL: Final = "hukspy.seal"
FLAG: Final = "fallback=sealed"
#: Keys with any of these purposes are always sealed (the token has no HKDF/PBKDF2); declared to the
#: facade as ``Capabilities.sealed_purposes``.
SEALED_PURPOSES: Final = int(Pu.HUKS_KEY_PURPOSE_DERIVE)


def merge_capabilities(token: Capabilities) -> Capabilities:
    """``token`` plus the software engine's keys the token lacks and the ops sealed keys can run.

    A software op is declared only for the sizes of its key algorithm that are sealed, so no token key
    ever receives an op it cannot run; DERIVE ops are declared for every size (DERIVE keys are sealed).
    """
    soft = software_capabilities()
    have = {(k.alg, k.size) for k in token.keys}
    extra = {k for k in soft.keys if (k.alg, k.size) not in have}
    sealed_pairs = frozenset((k.alg, k.size) for k in extra)
    ops = set(token.ops)
    for op in soft.ops:
        if op.kind is OpKind.DERIVE:
            ops.add(op)
            continue
        sizes = {s for (alg, s) in sealed_pairs if alg == op.key_alg}
        if op.sizes:
            sizes &= set(op.sizes)
        if sizes:
            ops.add(dataclasses.replace(op, sizes=frozenset(sizes)))
    keys: set[KeyCap] = set(token.keys) | extra
    return dataclasses.replace(token, keys=frozenset(keys), ops=frozenset(ops), sealed=sealed_pairs,
                               sealed_purposes=SEALED_PURPOSES)


def needs_seal(spec: KeySpec, token_caps: Capabilities, fallback: bool) -> bool:
    """Whether ``spec`` is a sealed key. Raises 12000001 naming the flag when only a sealed key could
    serve it and the URI lacks ``?fallback=sealed``."""
    lacking = token_caps.key(spec.alg, spec.size) is None
    derive = bool(spec.purpose & SEALED_PURPOSES)
    if not (lacking or derive or spec.sealed):
        return False
    if not fallback:
        what = "key derivation (HKDF/PBKDF2)" if derive and not lacking else "this key type or size"
        raise HuksError(12000001, f"{what} on this PKCS#11 token (add ?{FLAG} to the URI for sealed keys)")
    return True


class Sealer:
    """Wraps and unwraps software refs under the token's seal key (created on first use)."""

    def __init__(self, conn: TokenConnection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock
        self._ready = False

    def _ensure_seal_key(self) -> None:
        """Create the seal key if the token has none (once per process; outside any other token call,
        since creating needs the connection's write side)."""
        if self._ready:
            return

        def exists(w: Worker) -> bool:
            return bool(list(w.session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY,
                                                    Attribute.ID: SEAL_KEY_ID})))

        def create(w: Worker) -> None:
            if exists(w):
                return
            w.session.generate_key(KeyType.AES, 256, store=True, id=SEAL_KEY_ID, label=SEAL_LABEL,
                                   template={
                Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False, Attribute.WRAP: True, Attribute.UNWRAP: True,
                Attribute.ENCRYPT: False, Attribute.DECRYPT: False, Attribute.SIGN: False,
                Attribute.VERIFY: False, Attribute.DERIVE: False,
            })

        if not self._conn.run(exists):
            with self._lock:
                self._conn.run(create, write=True)
        self._ready = True

    def seal(self, software_ref: bytes) -> bytes:
        """The sealed ref of ``software_ref``."""
        self._ensure_seal_key()

        def wrap(w: Worker) -> bytes:
            seal_key = find_key(w, SEAL_KEY_ID, ObjectClass.SECRET_KEY)
            tmp = w.session.create_object({
                Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.GENERIC_SECRET,
                Attribute.TOKEN: False, Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True,
                Attribute.VALUE: struct.pack(">I", len(software_ref)) + software_ref,
            })
            try:
                wrapped: bytes = seal_key.wrap_key(tmp, mechanism=Mechanism.AES_KEY_WRAP_PAD)  # type: ignore[attr-defined]
            finally:
                tmp.destroy()
            return wrapped

        return REF_SEALED + SEAL_KEY_ID + self._conn.run(wrap)

    def unseal(self, ref: bytes) -> bytes:
        """The software ref inside a sealed ref. Raises 12000004 for a damaged ref."""
        if ref[:1] != REF_SEALED or len(ref) <= 1 + ID_LEN or ref[1 : 1 + ID_LEN] != SEAL_KEY_ID:
            raise HuksError(12000004, "the sealed key record is damaged")
        wrapped = ref[1 + ID_LEN :]

        def unwrap(w: Worker) -> bytes:
            seal_key = find_key(w, SEAL_KEY_ID, ObjectClass.SECRET_KEY)
            tmp = seal_key.unwrap_key(  # type: ignore[attr-defined]
                ObjectClass.SECRET_KEY, KeyType.GENERIC_SECRET, wrapped, mechanism=Mechanism.AES_KEY_WRAP_PAD,
                template={Attribute.TOKEN: False, Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True},
            )
            try:
                value: bytes = bytes(tmp[Attribute.VALUE])
            finally:
                tmp.destroy()
            return value

        value = self._conn.run(unwrap)
        (n,) = struct.unpack_from(">I", value) if len(value) >= 4 else (-1,)
        if not 0 <= n <= len(value) - 4 or any(value[4 + n :]):
            raise HuksError(12000004, "the sealed key record is damaged")
        return value[4 : 4 + n]

    # ---- the Backend operations on sealed keys

    def generate(self, spec: KeySpec) -> bytes:
        return self.seal(engine.generate(spec))

    def import_key(self, spec: KeySpec, key: KeyMaterial) -> bytes:
        return self.seal(engine.from_material(spec, key))

    def public_key(self, ref: bytes, spec: KeySpec) -> bytes:
        return engine.public_key(self.unseal(ref), spec)

    def begin(self, ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
        return engine.begin(self.unseal(ref), spec, op)


def translate_host(exc: BaseException, action: str) -> HuksError | None:
    """Errors of the software engine (sealed keys), through the software backend's one table."""
    from hukspy.software.backend import translate

    return translate(exc, action)

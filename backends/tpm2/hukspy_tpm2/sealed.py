"""Sealed keys (``?fallback=sealed``): what the TPM lacks, served by the software engine on key material
that only this TPM can unseal.

A sealed key is generated (or imported) on the host by ``hukspy.software.engine``; its software ref is
encrypted with AES-256-GCM under a random 32-byte data key, and the data key is sealed into a
keyedhash *sealed data object* created under the SRK (fixedTPM, fixedParent, noDA, no sign/decrypt,
so it can only be unsealed, never used or duplicated). Ref layout: ``refs`` kind 3. For each operation
the TPM unseals the data key, the software ref is decrypted in memory, and the engine runs the
operation; nothing unsealed is written anywhere.

Without ``?fallback=sealed`` nothing here is reachable: the capabilities do not list these algorithms
and the facade raises 12000001. ``Tpm2Backend`` raises 12000001 naming the flag for the known cases.
"""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tpm2_pytss.constants import TPM2_ALG, TPMA_OBJECT
from tpm2_pytss.types import TPM2B_PUBLIC, TPM2B_SENSITIVE_CREATE, TPM2B_SENSITIVE_DATA, TPMS_SENSITIVE_CREATE

from hukspy.backend import Capabilities, Operation
from hukspy.errors import HuksError
from hukspy.software import engine
from hukspy.software.caps import software_capabilities as _software_capabilities
from hukspy.spec import KeyMaterial, KeySpec, OpSpec

from . import refs
from .tpm import Tpm

__all__ = ["begin_sealed", "generate_sealed", "import_sealed", "sealed_public_key", "software_capabilities"]

_AAD: Final = b"hukspy-tpm2-sealed-v1"
_ATTRS: Final = TPMA_OBJECT.FIXEDTPM | TPMA_OBJECT.FIXEDPARENT | TPMA_OBJECT.USERWITHAUTH | TPMA_OBJECT.NODA


def software_capabilities() -> Capabilities:
    """The software engine's capabilities (what sealed keys can do)."""
    return _software_capabilities()


def _seal(tpm: Tpm, software_ref: bytes) -> bytes:
    dek = AESGCM.generate_key(256)
    nonce = os.urandom(12)
    blob = nonce + AESGCM(dek).encrypt(nonce, software_ref, _AAD)
    template = TPM2B_PUBLIC.parse("keyedhash", objectAttributes=_ATTRS)
    template.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG.NULL
    sensitive = TPM2B_SENSITIVE_CREATE(TPMS_SENSITIVE_CREATE(data=TPM2B_SENSITIVE_DATA(dek)))

    def create(t: Tpm) -> bytes:
        priv, pub, *_ = t.with_slot(lambda: t.esapi.create(t.srk, sensitive, template), uses_srk=True)
        return refs.pack(refs.SEALED, pub.marshal(), priv.marshal(), blob)

    return tpm.run(create)


def _unseal(tpm: Tpm, ref: refs.Ref) -> bytes:
    """The software ref inside a sealed ref. Raises ``HuksError`` 12000004 when it does not open."""
    dek = tpm.run(lambda t: bytes(t.esapi.unseal(t.key(ref.pub, ref.priv))))
    blob = ref.parts[2]
    try:
        return AESGCM(dek).decrypt(blob[:12], blob[12:], _AAD)
    except (InvalidTag, ValueError) as exc:
        raise HuksError(12000004, "the sealed key does not open with this TPM") from exc


def generate_sealed(tpm: Tpm, spec: KeySpec) -> bytes:
    """Generate on the host, seal to the TPM; return the sealed ref."""
    return _seal(tpm, engine.generate(spec))


def import_sealed(tpm: Tpm, spec: KeySpec, material: KeyMaterial) -> bytes:
    """Import on the host, seal to the TPM; return the sealed ref."""
    return _seal(tpm, engine.from_material(spec, material))


def sealed_public_key(tpm: Tpm, ref: refs.Ref, spec: KeySpec) -> bytes:
    return engine.public_key(_unseal(tpm, ref), spec)


def begin_sealed(tpm: Tpm, ref: refs.Ref, spec: KeySpec, op: OpSpec) -> Operation:
    """Unseal, and start the software engine's operation on the key."""
    return engine.begin(_unseal(tpm, ref), spec, op)

"""How a TPM seals a sealed key's material (``?fallback=sealed``): ``TpmSeal``, the TPM's
``hukspy.backend.sealed.Seal``. Which keys are sealed, the capabilities they add and the operations on
them are ``hukspy.backend.sealed``'s, the same for every hardware backend.

A sealed key is generated (or imported) on the host by the software engine; its software ref is
encrypted with AES-256-GCM under a random 32-byte data key, and the data key is sealed into a
keyedhash *sealed data object* created under the SRK (fixedTPM, fixedParent, noDA, no sign/decrypt,
so it can only be unsealed, never used or duplicated). Ref layout: ``refs`` kind 3. For each operation
the TPM unseals the data key, the software ref is decrypted in memory, and the engine runs the
operation; nothing unsealed is written anywhere.
"""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tpm2_pytss.constants import TPM2_ALG, TPMA_OBJECT
from tpm2_pytss.types import TPM2B_PUBLIC, TPM2B_SENSITIVE_CREATE, TPM2B_SENSITIVE_DATA, TPMS_SENSITIVE_CREATE

from hukspy.backend import StoredDataDamagedError

from . import refs
from .tpm import Tpm

__all__ = ["TpmSeal"]

_AAD: Final = b"hukspy-tpm2-sealed-v1"
_ATTRS: Final = TPMA_OBJECT.FIXEDTPM | TPMA_OBJECT.FIXEDPARENT | TPMA_OBJECT.USERWITHAUTH | TPMA_OBJECT.NODA


class TpmSeal:
    """Seal a software ref to ``tpm`` (a sealed data object holding its AES-256-GCM key) and open it."""

    def __init__(self, tpm: Tpm) -> None:
        self._tpm = tpm

    def seal(self, software_ref: bytes) -> bytes:
        """The sealed ref (``refs`` kind 3) of ``software_ref``. TPM errors propagate (``translate``)."""
        dek = AESGCM.generate_key(256)
        nonce = os.urandom(12)
        blob = nonce + AESGCM(dek).encrypt(nonce, software_ref, _AAD)
        template = TPM2B_PUBLIC.parse("keyedhash", objectAttributes=_ATTRS)
        template.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG.NULL
        sensitive = TPM2B_SENSITIVE_CREATE(TPMS_SENSITIVE_CREATE(data=TPM2B_SENSITIVE_DATA(dek)))

        def create(t: Tpm) -> bytes:
            priv, pub, *_ = t.with_slot(lambda: t.esapi.create(t.srk, sensitive, template), uses_srk=True)
            return refs.pack(refs.SEALED, pub.marshal(), priv.marshal(), blob)

        return self._tpm.run(create)

    def unseal(self, ref: bytes) -> bytes:
        """The software ref inside the sealed ref ``ref``. Raises ``StoredDataDamagedError`` (→ 12000004)
        when it does not open; a blob this TPM cannot load fails in the TPM (INTEGRITY → 12000004)."""
        r = refs.unpack(ref)
        dek = self._tpm.run(lambda t: bytes(t.esapi.unseal(t.key(r.pub, r.priv))))
        blob = r.parts[2]
        try:
            return AESGCM(dek).decrypt(blob[:12], blob[12:], _AAD)
        except (InvalidTag, ValueError) as exc:
            raise StoredDataDamagedError("open the sealed key with this TPM") from exc

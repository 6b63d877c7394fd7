"""The TPM's PIN verifier (``hukspy.userauth.pin.PinVerifierHook``; docs/userauth.md, "On a TPM").

Enrolling a PIN creates a keyedhash *sealed data object* under the SRK whose authValue is
``SHA-256(b"hukspy tpm2 pin v1" ‖ salt ‖ PIN)`` and whose sealed data is 32 random bytes; the object is
fixedTPM and fixedParent and, unlike every other object hukspy makes, **not** noDA. Checking a PIN is an
Unseal with that authValue: the TPM itself compares it, a wrong one fails with TPM_RC_AUTH_FAIL and
counts against the TPM's dictionary-attack protection (TPM_PT_MAX_AUTH_FAIL, LOCKOUT_INTERVAL), and
once the TPM is in lockout it answers TPM_RC_LOCKOUT to every guess (→ ``PinLockoutError`` → LOCKED).
The unsealed bytes must hash to the stored ``check`` (so the object is the one enrolled).

What is stored (the state record's ``pin``): ``{"kind": "tpm2", "salt", "pub", "priv", "check"}``
(hex). ``priv`` is encrypted by the TPM's storage key: without this TPM nobody can test a PIN against
it, so copying the keystore files off the machine gives no offline guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Final

from tpm2_pytss import TSS2_Exception
from tpm2_pytss.constants import TPM2_ALG, TPM2_CAP, TPM2_PT, TPMA_OBJECT
from tpm2_pytss.types import (
    TPM2B_AUTH,
    TPM2B_PUBLIC,
    TPM2B_SENSITIVE_CREATE,
    TPM2B_SENSITIVE_DATA,
    TPMS_SENSITIVE_CREATE,
)

from hukspy.userauth.pin import PinLockoutError

from .errors import LAYER_TPM, decode_rc
from .tpm import Tpm

__all__ = ["TpmPinVerifier"]

_LABEL: Final = b"hukspy tpm2 pin v1"
#: Not NODA: every wrong authValue counts against the TPM's dictionary-attack lockout.
_ATTRS: Final = TPMA_OBJECT.FIXEDTPM | TPMA_OBJECT.FIXEDPARENT | TPMA_OBJECT.USERWITHAUTH
_AUTH_FAIL: Final = frozenset({0x08E, 0x0A2})  # AUTH_FAIL (DA object), BAD_AUTH
_LOCKOUT: Final = 0x921


def _auth(salt: bytes, pin: bytes) -> bytes:
    return hashlib.sha256(_LABEL + salt + pin).digest()


class TpmPinVerifier:
    """``hukspy.userauth.pin.PinVerifier`` whose check runs in the TPM (module docstring)."""

    kind = "tpm2"

    def __init__(self, tpm: Tpm) -> None:
        self._tpm = tpm

    def enroll(self, pin: bytes) -> dict[str, Any]:
        """Create the PIN object. TPM errors propagate (``UserAuth`` answers GENERAL_ERROR)."""
        salt = secrets.token_bytes(16)
        secret = secrets.token_bytes(32)
        template = TPM2B_PUBLIC.parse("keyedhash", objectAttributes=_ATTRS)
        template.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG.NULL
        sensitive = TPM2B_SENSITIVE_CREATE(
            TPMS_SENSITIVE_CREATE(userAuth=TPM2B_AUTH(_auth(salt, pin)), data=TPM2B_SENSITIVE_DATA(secret))
        )

        def create(t: Tpm) -> tuple[bytes, bytes]:
            priv, pub, *_ = t.with_slot(lambda: t.esapi.create(t.srk, sensitive, template), uses_srk=True)
            return pub.marshal(), priv.marshal()

        pub, priv = self._tpm.run(create)
        return {
            "kind": self.kind,
            "salt": salt.hex(),
            "pub": pub.hex(),
            "priv": priv.hex(),
            "check": hashlib.sha256(secret).hexdigest(),
        }

    def verify(self, record: dict[str, Any], pin: bytes) -> bool:
        """Unseal with the PIN's authValue: True when the TPM accepts it (and the data is the enrolled
        object's), False for TPM_RC_AUTH_FAIL. Raises ``PinLockoutError`` when the TPM is in
        dictionary-attack lockout; other TPM errors propagate."""
        pub, priv = bytes.fromhex(record["pub"]), bytes.fromhex(record["priv"])
        auth = _auth(bytes.fromhex(record["salt"]), pin)

        def unseal(t: Tpm) -> bytes:
            handle = t.key(pub, priv)
            t.esapi.tr_set_auth(handle, auth)
            return bytes(t.esapi.unseal(handle))

        try:
            data = self._tpm.run(unseal)
        except TSS2_Exception as exc:
            layer, base = decode_rc(int(exc.rc))
            if layer == LAYER_TPM and base in _AUTH_FAIL:
                return False
            if layer == LAYER_TPM and base == _LOCKOUT:
                raise PinLockoutError("the TPM is in dictionary-attack lockout", self._recovery()) from exc
            raise
        return hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(record["check"]))

    def remove(self, record: dict[str, Any]) -> None:
        """Unload the object (its blob is gone with the record; nothing persists in the TPM)."""
        pub, priv = bytes.fromhex(record["pub"]), bytes.fromhex(record["priv"])
        self._tpm.run(lambda t: t.forget(pub, priv))

    def _recovery(self) -> int | None:
        """TPM_PT_LOCKOUT_INTERVAL: seconds until the TPM forgives one failure (None if unknown)."""
        try:
            _, data = self._tpm.run(
                lambda t: t.esapi.get_capability(TPM2_CAP.TPM_PROPERTIES, TPM2_PT.LOCKOUT_INTERVAL, 1)
            )
            return int(data.data.tpmProperties.tpmProperty[0].value)
        except (TSS2_Exception, IndexError):
            return None

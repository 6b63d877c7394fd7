"""Key attestation (``attest_key_item``): not implemented yet."""

from __future__ import annotations

from hukspy.errors import HuksError
from hukspy.spec import AttestIds, KeySpec

from . import refs
from .tpm import Tpm

__all__ = ["ATTEST_SUPPORTED", "attest_key"]

ATTEST_SUPPORTED = False


def attest_key(tpm: Tpm, ref: refs.Ref, spec: KeySpec, ids: AttestIds, anonymous: bool) -> list[bytes]:
    """Raises ``HuksError`` 12000001."""
    raise HuksError(12000001, "attestation on the TPM keystore")

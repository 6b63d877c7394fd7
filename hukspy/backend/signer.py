"""``DeviceEcKey``: an EC private key that stays in a device (a PKCS#11 token, a TPM), as a pyca
``EllipticCurvePrivateKey``, so that pyca's ``x509.CertificateBuilder.sign`` signs with it.

The attestation CAs of the hardware backends are such keys (docs/attestation.md, "How the certificates
are made"): pyca builds the TBSCertificate and calls ``sign(tbs, ECDSA(hash))``; the backend's
``sign_with`` callable hashes and signs in the device and answers the signature's ``(r, s)``. The key
material is never in this process: ``private_bytes``, ``private_numbers`` and ``exchange`` raise
``UnsupportedError`` (12000001 through ``NATIVE_CODES``), as does a signature algorithm other than ECDSA
over a hash. Errors of ``sign_with`` (the device library's) pass through unchanged, to the backend's
error table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, Self

from cryptography.hazmat.primitives import _serialization, hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.utils import Buffer

from hukspy.backend.errors import UnsupportedError

__all__ = ["DeviceEcKey", "EcPublicHalf", "SignWith"]

#: ``sign_with(data, hash)``: the device's ECDSA signature ``(r, s)`` over ``hash(data)``.
SignWith = Callable[[bytes, hashes.HashAlgorithm], tuple[int, int]]


class EcPublicHalf:
    """``curve``, ``key_size`` and ``public_key()`` of an EC private-key object, from the public key it
    holds in ``_public`` (this class and ``hukspy.pyca.HuksEllipticCurvePrivateKey``)."""

    _public: ec.EllipticCurvePublicKey

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public


class DeviceEcKey(EcPublicHalf, ec.EllipticCurvePrivateKey):
    """The EC key whose public half is ``public`` and whose signatures ``sign_with`` makes in the
    device named by ``where`` (for messages: "the PKCS#11 token", "the TPM")."""

    def __init__(self, public: ec.EllipticCurvePublicKey, sign_with: SignWith, where: str) -> None:
        self._public = public
        self._sign_with = sign_with
        self._where = where

    def __repr__(self) -> str:
        return f"DeviceEcKey(curve={self._public.curve.name}, in {self._where})"

    def sign(self, data: Buffer, signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        """The DER ECDSA signature over ``data``, made in the device. Raises ``UnsupportedError`` for
        anything but ``ECDSA(hash)`` (Prehashed, deterministic ECDSA), and what ``sign_with`` raises."""
        algorithm = getattr(signature_algorithm, "algorithm", None)
        if (
            not isinstance(signature_algorithm, ec.ECDSA)
            or signature_algorithm.deterministic_signing
            or not isinstance(algorithm, hashes.HashAlgorithm)
        ):
            raise UnsupportedError(f"a key in {self._where} signs with ECDSA over a hash only")
        r, s = self._sign_with(bytes(data), algorithm)
        return encode_dss_signature(r, s)

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        """Raises ``UnsupportedError``: the key signs only."""
        raise UnsupportedError(f"a signing key in {self._where} does not agree on secrets")

    def private_numbers(self) -> NoReturn:
        """Raises ``UnsupportedError``: the key stays in the device."""
        self._stays()

    def private_bytes(
        self, encoding: _serialization.Encoding, format: _serialization.PrivateFormat,
        encryption_algorithm: _serialization.KeySerializationEncryption,
    ) -> bytes:
        """Raises ``UnsupportedError``: the key stays in the device."""
        self._stays()

    def _stays(self) -> NoReturn:
        raise UnsupportedError(f"the private key stays in {self._where}")

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

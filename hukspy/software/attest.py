"""The software keystore's attestation CAs (docs/attestation.md).

Each software keystore directory holds two CAs, created on first use, each in one PEM file (mode 0600):

- ``attest-ca.pem``: the **identified** CA. Root subject ``CN=hukspy software keystore attestation root,
  O=hukspy, serialNumber=<keystore id>`` and intermediate ``CN=hukspy software keystore attestation CA,
  ...`` with the same random 128-bit keystore id (hex), so a verifier can tell keystores apart.
- ``attest-anon-ca.pem``: the **anonymous** CA. Fixed subjects ``CN=hukspy anonymous attestation
  root, O=hukspy`` / ``CN=hukspy anonymous attestation CA, O=hukspy``: no keystore id, no path, no host.
  Its keys are still per keystore (see docs/attestation.md for what that does and does not hide).

Each file holds the intermediate's private key (PKCS#8), the intermediate certificate and the
self-signed root certificate. The root's private key signs the intermediate once at creation and is
then discarded: it exists nowhere, so no other intermediate can ever chain to that root. Both are EC
P-256 keys signing with ECDSA-SHA256; certificates are valid from creation to 9999-12-31.

Two processes creating a CA at once agree on one (the file is written aside and hard-linked into
place; the loser reads the winner's).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hukspy.attestation import NOT_AFTER
from hukspy.backend import StoredDataDamagedError
from hukspy.records import private_dir

__all__ = ["CA_FILES", "AttestationCa", "load_or_create_ca"]

#: anonymous? -> file name in the keystore directory
CA_FILES: Final = {False: "attest-ca.pem", True: "attest-anon-ca.pem"}


@dataclass(frozen=True, repr=False)
class AttestationCa:
    """An issuing CA: ``key`` (the intermediate's private key), ``intermediate`` and ``root``."""

    key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate
    root: x509.Certificate

    def __repr__(self) -> str:
        return f"AttestationCa(subject={self.intermediate.subject.rfc4514_string()!r}, key=<redacted>)"


def _names(anonymous: bool) -> tuple[x509.Name, x509.Name]:
    org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hukspy")
    if anonymous:
        extra: list[x509.NameAttribute[str]] = []
        root_cn, ca_cn = "hukspy anonymous attestation root", "hukspy anonymous attestation CA"
    else:
        extra = [x509.NameAttribute(NameOID.SERIAL_NUMBER, secrets.token_hex(16))]
        root_cn = "hukspy software keystore attestation root"
        ca_cn = "hukspy software keystore attestation CA"
    root = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, root_cn), org, *extra])
    ca = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_cn), org, *extra])
    return root, ca


def _ca_cert(
    subject: x509.Name,
    public: ec.EllipticCurvePublicKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    path_length: int,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(secrets.randbits(127) + 1)
        .not_valid_before(now)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
        .sign(signer, hashes.SHA256())
    )


def _create(anonymous: bool) -> bytes:
    root_name, ca_name = _names(anonymous)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _ca_cert(root_name, root_key.public_key(), root_name, root_key, 1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _ca_cert(ca_name, ca_key.public_key(), root_name, root_key, 0)
    key_pem = ca_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = serialization.Encoding.PEM
    return key_pem + ca.public_bytes(pem) + root.public_bytes(pem)


def _parse(data: bytes, path: Path) -> AttestationCa:
    try:
        key = serialization.load_pem_private_key(data, password=None)
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise StoredDataDamagedError(f"read the attestation CA {path}: it is damaged") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or len(certs) != 2:
        raise StoredDataDamagedError(f"read the attestation CA {path}: it is damaged")
    return AttestationCa(key, certs[0], certs[1])


def load_or_create_ca(directory: str | os.PathLike[str], anonymous: bool) -> AttestationCa:
    """The identified (or anonymous) CA of the keystore in ``directory``, created on first use.

    Raises ``OSError`` (→ 12000004 through the backend's table) when the directory cannot be written,
    ``StoredDataDamagedError`` (→ 12000004) when the CA file is damaged.
    """
    d = private_dir(directory)
    path = d / CA_FILES[anonymous]
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".attest-", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_create(anonymous))
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return _parse(path.read_bytes(), path)

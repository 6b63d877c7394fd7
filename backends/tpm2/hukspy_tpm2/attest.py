"""Key attestation (``attest_key_item``): an X.509 chain whose leaf is signed by a TPM attestation key
and carries ``TPM2_Certify`` evidence. How a verifier checks it: docs/tpm2.md.

The chain, leaf first (DER):

1. **leaf**: subject "hukspy TPM key", the key's public key, issued by the AK and signed by it (ECDSA
   P-256 / SHA-256): pyca's ``x509.CertificateBuilder`` signs with the AK as a
   ``hukspy.backend.signer.DeviceEcKey``, whose ``sign`` hashes the TBSCertificate in the TPM with a hash
   sequence (which yields the ticket the restricted AK needs) and signs the digest there. It carries
   hukspy's key description (``hukspy.attestation``, securityLevel "tpm2":
   challenge, properties, ATTESTATION_ID_* values), the non-critical extension ``EVIDENCE_OID``:
   the DER ``SEQUENCE { OCTET STRING TPMS_ATTEST, OCTET STRING TPMT_SIGNATURE, OCTET STRING
   TPMT_PUBLIC, OCTET STRING challenge }`` of ``TPM2_Certify(key, AK, extraData)``, where
   ``extraData`` is the caller's challenge (its SHA-256 when longer than 64 bytes), the signature is
   the AK's over that TPMS_ATTEST, and TPMT_PUBLIC is the key's public area, whose name
   (nameAlg ‖ H(TPMT_PUBLIC)) the TPMS_ATTEST certifies; and the non-critical extension
   ``EK_STATUS_OID``, a DER ENUMERATED ``EkStatus``: what the AK certificate's EK binding rests on.
   Both are encoded by asn1crypto (``_EvidenceAsn1``, ``_EkStatusAsn1``), as the key description is.
2. **AK certificate**: the AK's public key, issued by the local hukspy attestation CA after a
   credential activation (``MakeCredential`` to the EK, ``ActivateCredential`` by the TPM) proved that
   the AK lives in the TPM that holds the EK. Extension ``EK_BINDING_OID`` holds SHA-256 of the EK's
   SubjectPublicKeyInfo. The EK is the RSA-2048 primary key the TPM derives from the TCG EK Credential
   Profile's template (``EK-RSA2048``, honouring a template or nonce the manufacturer put in NV), made
   for the activation and flushed after it: it needs no persistent EK handle.
3. **hukspy attestation CA** (self-signed, ECDSA P-256; key and certificate in
   ``<records dir>/attest/``, mode 0600).
4. **EK certificate**, read from the TPM's NV (0x01c00002, RSA-2048 EK), as the manufacturer (here
   swtpm-localca) issued it, only when its key is the one the AK certificate binds (``EkStatus
   CERTIFIED``; an index the TPM refuses to read counts as none). It is not signed by the CA above:
   the verifier checks it against the manufacturer's CA and matches its key with the AK
   certificate's ``EK_BINDING_OID``. A TPM without an EK
   certificate (a plain ``swtpm``, many firmware TPMs) gives the first three certificates and
   ``UNCERTIFIED``: the AK is still bound to the TPM's EK, but nobody vouches for that EK, so a
   verifier must know the EK's public key from elsewhere (enrolment) to trust the chain.

``anonymous`` (``anon_attest_key_item``): the chain stops at the CA (no EK certificate), the AK
certificate carries no EK binding, and the leaf says ``ANONYMOUS``.

The AK is a primary key of the endorsement hierarchy with a fixed template (restricted, fixedTPM,
ECDSA-SHA256), so it is the same key until the TPM is cleared; its certificate is cached in
``attest/ak.der`` and re-issued when the AK changes.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import os
from pathlib import Path
from typing import Any, ClassVar, Final

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tpm2_pytss import TSS2_Exception
from tpm2_pytss.constants import ESYS_TR, TPM2_ALG, TPM2_SE, TPMA_OBJECT
from tpm2_pytss.types import (
    TPM2B_DATA,
    TPM2B_DIGEST,
    TPM2B_MAX_BUFFER,
    TPM2B_PUBLIC,
    TPMT_SIG_SCHEME,
    TPMT_SYM_DEF,
)
from tpm2_pytss.utils import NoSuchIndex, NVReadEK, create_ek_template, make_credential

from hukspy import attestation as description
from hukspy.backend import DataRejectedError, UnsupportedError
from hukspy.backend.signer import DeviceEcKey
from hukspy.enums import HuksKeyAlg
from hukspy.formats import load_public
from hukspy.spec import AttestIds, KeySpec

from . import refs
from .errors import LAYER_TPM, decode_rc
from .tpm import Tpm

__all__ = [
    "ATTEST_SUPPORTED",
    "EK_BINDING_OID",
    "EK_CERT_NV",
    "EK_STATUS_OID",
    "EVIDENCE_OID",
    "EkStatus",
    "attest_key",
]

ATTEST_SUPPORTED = True

#: The two TPM extensions: UUID-based OIDs (ITU-T X.667, the ``2.25`` arc, random UUIDs), which need no
#: registration and cannot collide, as the key-description extension of ``hukspy.attestation``.
EVIDENCE_OID: Final = x509.ObjectIdentifier("2.25.272478761498031782299860353925153368565")
EK_BINDING_OID: Final = x509.ObjectIdentifier("2.25.265273723343376155055706796251478751661")
#: UUID 0f9ac632-5ad9-41ca-896d-6955ff7bec22.
EK_STATUS_OID: Final = x509.ObjectIdentifier("2.25.20742053559614048769055430678004100130")
#: TCG EK Credential Profile: the EK's template name in tpm2-pytss and the NV index of its certificate.
EK_TYPE: Final = "EK-RSA2048"
EK_CERT_NV: Final = 0x01C00002


class EkStatus(enum.IntEnum):
    """The leaf's ``EK_STATUS_OID`` value (DER ENUMERATED): what the AK certificate's EK binding rests on."""

    #: The chain's last certificate is the TPM manufacturer's EK certificate, and its key is the EK the
    #: AK was activated against (``EK_BINDING_OID``).
    CERTIFIED = 0
    #: The AK was activated against the TPM's EK, but the TPM holds no EK certificate for that key:
    #: the chain ends at the local CA, and only a verifier that knows the EK's public key (enrolled out
    #: of band) can tie it to a TPM.
    UNCERTIFIED = 1
    #: ``anon_attest_key_item``: no EK binding at all.
    ANONYMOUS = 2


_AK_ATTRS: Final = (
    TPMA_OBJECT.FIXEDTPM
    | TPMA_OBJECT.FIXEDPARENT
    | TPMA_OBJECT.SENSITIVEDATAORIGIN
    | TPMA_OBJECT.USERWITHAUTH
    | TPMA_OBJECT.RESTRICTED
    | TPMA_OBJECT.SIGN_ENCRYPT
    | TPMA_OBJECT.NODA
)
_CHUNK: Final = 1024


class _EvidenceAsn1(core.Sequence):  # type: ignore[misc]  # asn1crypto has no type information
    """The ``EVIDENCE_OID`` value (module docstring)."""

    _fields: ClassVar[list[tuple[str, Any]]] = [
        (name, core.OctetString) for name in ("attest", "signature", "public", "challenge")
    ]


class _EkStatusAsn1(core.Enumerated):  # type: ignore[misc]
    """The ``EK_STATUS_OID`` value: an ``EkStatus`` as a DER ENUMERATED."""

    _map: ClassVar[dict[int, str]] = {int(status): status.name.lower() for status in EkStatus}


def _evidence(attest: bytes, signature: bytes, public: bytes, challenge: bytes) -> bytes:
    value = {"attest": attest, "signature": signature, "public": public, "challenge": challenge}
    der: bytes = _EvidenceAsn1(value).dump()
    return der


def _ek_status_der(status: EkStatus) -> bytes:
    der: bytes = _EkStatusAsn1(int(status)).dump()
    return der


def _ak_template() -> TPM2B_PUBLIC:
    t = TPM2B_PUBLIC.parse("ecc256:ecdsa-sha256:null", objectAttributes=_AK_ATTRS)
    return t


def _ak_key(t: Tpm, ak: ESYS_TR, public: ec.EllipticCurvePublicKey) -> DeviceEcKey:
    """The loaded AK ``ak`` (public half ``public``) as a pyca key object for ``CertificateBuilder.sign``:
    its ``sign`` hashes the data in the TPM (a hash sequence, which yields the ticket a restricted key
    needs), then the AK signs the digest. Valid while ``ak`` is loaded. Its ``sign`` raises
    ``UnsupportedError`` for a hash other than SHA-256 (the AK's scheme) and ``TSS2_Exception``."""

    def sign_with(data: bytes, algorithm: hashes.HashAlgorithm) -> tuple[int, int]:
        if not isinstance(algorithm, hashes.SHA256):
            raise UnsupportedError("the TPM attestation key signs SHA-256 digests only")
        seq = t.with_slot(lambda: t.esapi.hash_sequence_start(None, TPM2_ALG.SHA256))
        try:
            body, last = data[: max(0, len(data) - 1)], data[max(0, len(data) - 1) :]
            for i in range(0, len(body), _CHUNK):
                t.esapi.sequence_update(seq, TPM2B_MAX_BUFFER(body[i : i + _CHUNK]))
            digest, ticket = t.esapi.sequence_complete(seq, TPM2B_MAX_BUFFER(last), ESYS_TR.ENDORSEMENT)
        except BaseException:
            t.esapi.flush_context(seq)
            raise
        scheme = TPMT_SIG_SCHEME(scheme=TPM2_ALG.ECDSA)
        scheme.details.any.hashAlg = TPM2_ALG.SHA256
        # Keep the TPMT_SIGNATURE bound while its fields are read: they are views into its C memory,
        # which is freed with the object.
        signature = t.esapi.sign(ak, TPM2B_DIGEST(bytes(digest)), scheme, ticket)
        ecdsa = signature.signature.ecdsa
        return int.from_bytes(bytes(ecdsa.signatureR), "big"), int.from_bytes(bytes(ecdsa.signatureS), "big")

    return DeviceEcKey(public, sign_with, "the TPM")


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hukspy"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def _validity(builder: x509.CertificateBuilder, years: int) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return builder.not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(
        now + datetime.timedelta(days=365 * years)
    )


def _private_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _ca(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The local attestation CA (created on first use)."""
    key_path, cert_path = directory / "ca-key.pem", directory / "ca.der"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)  # noqa: S101 - written below
        return key, x509.load_der_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("hukspy TPM attestation CA")
    builder = _validity(x509.CertificateBuilder(), 20).subject_name(name).issuer_name(name)
    builder = builder.public_key(key.public_key()).serial_number(x509.random_serial_number())
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
    builder = builder.add_extension(
        x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
    )
    cert = builder.sign(key, hashes.SHA256())
    _private_write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    _private_write(cert_path, cert.public_bytes(serialization.Encoding.DER))
    return key, cert


def _ek_template(t: Tpm) -> tuple[bytes | None, TPM2B_PUBLIC]:
    """The EK certificate in NV (``EK_CERT_NV``; None when the TPM has none) and the EK's template (the
    TCG default, or the manufacturer's template and nonce from NV). An NV index the TPM refuses to let
    be read (one with a read authorization) counts as absent: it cannot back the chain. A failure to
    reach the TPM propagates."""
    read = NVReadEK(t.esapi)

    def read_index(index: int) -> bytes:
        try:
            return bytes(read(index))
        except TSS2_Exception as exc:
            if decode_rc(int(exc.rc))[0] != LAYER_TPM:
                raise
            raise NoSuchIndex(index) from exc

    cert, template = create_ek_template(EK_TYPE, read_index)
    return (None if cert is None else bytes(cert)), template


def _activate(t: Tpm, ak: ESYS_TR, ak_name: bytes) -> bytes:
    """Prove the AK sits in the TPM holding the EK (MakeCredential to the EK; the TPM's
    ActivateCredential must return the secret); return the EK's SubjectPublicKeyInfo DER.
    Raises ``DataRejectedError`` (→ 12000006) when the activation does not return the secret.

    The EK is created from its TCG template (the same key as a persisted EK and as the one the EK
    certificate names, since the TPM derives it from its endorsement seed) and flushed afterwards. The
    policy session satisfies the template's policy (PolicySecret of the endorsement hierarchy)."""
    _, template = _ek_template(t)
    ek, ek_pub, *_ = t.with_slot(lambda: t.esapi.create_primary(None, template, ESYS_TR.ENDORSEMENT))
    try:
        secret = os.urandom(32)
        blob, enc = make_credential(ek_pub, secret, ak_name)
        session = t.esapi.start_auth_session(
            ESYS_TR.NONE,
            ESYS_TR.NONE,
            TPM2_SE.POLICY,
            TPMT_SYM_DEF(algorithm=TPM2_ALG.NULL),
            TPM2_ALG.SHA256,
        )
        try:
            t.esapi.policy_secret(ESYS_TR.ENDORSEMENT, session)
            got = t.esapi.activate_credential(ak, ek, blob, enc, ESYS_TR.PASSWORD, session)
        finally:
            t.esapi.flush_context(session)
    finally:
        t.esapi.flush_context(ek)
    if bytes(got) != secret:
        raise DataRejectedError("credential activation of the attestation key failed")
    return bytes(ek_pub.to_der())


def _ek_status(ak_cert: x509.Certificate, ek_cert: bytes | None, anonymous: bool) -> EkStatus:
    """CERTIFIED when ``ek_cert``'s key is the EK that ``ak_cert`` binds, else UNCERTIFIED (ANONYMOUS
    for anonymous chains)."""
    if anonymous:
        return EkStatus.ANONYMOUS
    try:
        binding = ak_cert.extensions.get_extension_for_oid(EK_BINDING_OID).value
        key = x509.load_der_x509_certificate(ek_cert).public_key() if ek_cert is not None else None
    except (x509.ExtensionNotFound, ValueError):  # no binding, or NV holds no parsable certificate
        return EkStatus.UNCERTIFIED
    if key is None or not isinstance(binding, x509.UnrecognizedExtension):
        return EkStatus.UNCERTIFIED
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    certified = binding.value == hashlib.sha256(spki).digest()
    return EkStatus.CERTIFIED if certified else EkStatus.UNCERTIFIED


def _ak_cert(
    directory: Path,
    ak_pub: ec.EllipticCurvePublicKey,
    ek_spki: bytes | None,
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
) -> x509.Certificate:
    key, ca_cert = ca
    builder = _validity(x509.CertificateBuilder(), 10).subject_name(_name("hukspy TPM attestation key"))
    builder = (
        builder.issuer_name(ca_cert.subject).public_key(ak_pub).serial_number(x509.random_serial_number())
    )
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    if ek_spki is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(EK_BINDING_OID, hashlib.sha256(ek_spki).digest()), critical=False
        )
    return builder.sign(key, hashes.SHA256())


def attest_key(
    tpm: Tpm,
    ref: refs.Ref,
    spec: KeySpec,
    ids: AttestIds,
    anonymous: bool,
    directory: str,
    sealed_public: bytes | None = None,
) -> list[bytes]:
    """The chain described in the module docstring, leaf first, DER.

    A sealed key (``?fallback=sealed``) is attested through the TPM object that seals it: the
    TPM2_Certify evidence is about that sealed data object, the leaf certifies ``sealed_public`` (the
    key's public half, which the backend unsealed), and the leaf's security level says "tpm2:sealed",
    so a verifier knows the key's material is sealed to this TPM, not generated in it.

    Raises ``UnsupportedError`` (→ 12000001) for an imported public key (no TPM object) and for DH keys
    (an X.509 certificate cannot carry them), ``DataRejectedError`` (→ 12000006) when credential
    activation fails, and ``TSS2_Exception`` (``translate``).
    """
    if ref.kind == refs.PUBLIC:
        raise UnsupportedError("attestation of an imported public key (there is no TPM object)")
    if spec.alg == HuksKeyAlg.HUKS_ALG_DH:
        raise UnsupportedError("attestation of DH keys (a certificate cannot hold their public key)")
    adir = Path(directory) / "attest"
    adir.mkdir(mode=0o700, parents=True, exist_ok=True)
    challenge = ids.challenge
    extra = challenge if len(challenge) <= 64 else hashlib.sha256(challenge).digest()
    tpub, _ = TPM2B_PUBLIC.unmarshal(ref.pub)
    if ref.kind == refs.SEALED:
        if sealed_public is None:
            raise UnsupportedError("attestation of a sealed key without its public key")
        key_public = load_public(spec.alg, sealed_public)
        level = "tpm2:sealed"
    else:
        key_public = serialization.load_der_public_key(tpub.to_der())
        level = "tpm2"
    ca = _ca(adir)

    def run(t: Tpm) -> list[bytes]:
        ak, ak_public, *_ = t.with_slot(
            lambda: t.esapi.create_primary(None, _ak_template(), ESYS_TR.ENDORSEMENT)
        )
        try:
            ak_key = serialization.load_der_public_key(ak_public.to_der())
            assert isinstance(ak_key, ec.EllipticCurvePublicKey)  # noqa: S101 - the template is ECC
            scheme = TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL)
            with t.pinned(ref.pub, ref.priv) as kh:
                attest, sig = t.esapi.certify(kh, ak, TPM2B_DATA(extra), scheme)
            attest_b, sig_b = bytes(attest), sig.marshal()
            # the AK certificate: cached while the AK and the mode (anonymous or not) are the same
            ak_der_path = adir / ("ak-anon.der" if anonymous else "ak.der")
            ak_cert = None
            if ak_der_path.exists():
                cached = x509.load_der_x509_certificate(ak_der_path.read_bytes())
                if cached.public_key() == ak_key:
                    ak_cert = cached
            if ak_cert is None:
                ek_spki = None if anonymous else _activate(t, ak, bytes(ak_public.get_name()))
                ak_cert = _ak_cert(adir, ak_key, ek_spki, ca)
                _private_write(ak_der_path, ak_cert.public_bytes(serialization.Encoding.DER))
            ek_cert = None if anonymous else _ek_template(t)[0]
            ek_status = _ek_status(ak_cert, ek_cert, anonymous)
            builder = _validity(x509.CertificateBuilder(), 1).subject_name(_name("hukspy TPM key"))
            builder = builder.issuer_name(ak_cert.subject).public_key(key_public)  # type: ignore[arg-type]
            builder = builder.serial_number(x509.random_serial_number())
            builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            builder = builder.add_extension(
                description.description_extension(ids, level, anonymous), critical=False
            )
            builder = builder.add_extension(
                x509.UnrecognizedExtension(
                    EVIDENCE_OID, _evidence(attest_b, sig_b, bytes(tpub.publicArea.marshal()), challenge)
                ),
                critical=False,
            )
            builder = builder.add_extension(
                x509.UnrecognizedExtension(EK_STATUS_OID, _ek_status_der(ek_status)),
                critical=False,
            )
            leaf = builder.sign(_ak_key(t, ak, ak_key), hashes.SHA256()).public_bytes(
                serialization.Encoding.DER
            )
        finally:
            t.esapi.flush_context(ak)
        chain = [
            leaf,
            ak_cert.public_bytes(serialization.Encoding.DER),
            ca[1].public_bytes(serialization.Encoding.DER),
        ]
        if ek_cert is not None and ek_status == EkStatus.CERTIFIED:
            chain.append(ek_cert)
        return chain

    return tpm.run(run)

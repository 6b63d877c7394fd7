"""Key attestation: hukspy's X.509 extension, and issuing an attestation leaf certificate.

docs/attestation.md is the user-facing description. The leaf of an ``attest_key_item`` chain certifies
the attested key's public key and carries, as a non-critical extension with the OID ``OID`` (a UUID-based
OID under ``2.25``, ITU-T X.667, which needs no registration), the DER encoding of::

    HukspyKeyDescription ::= SEQUENCE {
        version          INTEGER,       -- 1
        securityLevel    UTF8String,    -- where the key lives: "software", "pkcs11", "tpm2"
        anonymous        BOOLEAN,       -- TRUE for anon_attest_key_item
        challenge        OCTET STRING,  -- HUKS_TAG_ATTESTATION_CHALLENGE (empty when none was given)
        keyProperties    OCTET STRING,  -- the key's stored params, hukspy.params.ParamSet.encode()
        attestationIds   SEQUENCE OF SEQUENCE {
            tag          INTEGER,       -- a HuksTag: ATTESTATION_ID_* or ATTESTATION_APPLICATION_ID
            value        OCTET STRING
        }                               -- sorted by tag
    }

Backends call ``issue_leaf`` with their CA key; verifiers call ``parse_description`` on the extension's
value (``cert.extensions.get_extension_for_oid(OID).value.value``).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from hukspy.spec import AttestIds

__all__ = [
    "DESCRIPTION_VERSION",
    "NOT_AFTER",
    "OID",
    "OID_TEXT",
    "KeyDescription",
    "assemble_certificate",
    "der_tlv",
    "encode_description",
    "issue_leaf",
    "parse_description",
    "tbs_of",
]

#: The extension's OID: 2.25 followed by the integer value of UUID a314ff76-5326-49cb-901a-5ffad6aa2a74
#: (drawn at random for hukspy; ITU-T X.667 / ISO/IEC 9834-8: such OIDs need no registration).
OID_TEXT: Final = "2.25.216773190639217635179184113821283920500"
OID: Final = x509.ObjectIdentifier(OID_TEXT)
DESCRIPTION_VERSION: Final = 1
#: "No well-defined expiration date" (RFC 5280 §4.1.2.5).
NOT_AFTER: Final = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)

_BOOLEAN, _INTEGER, _OCTETS, _UTF8, _SEQUENCE = 0x01, 0x02, 0x04, 0x0C, 0x30


@dataclass(frozen=True)
class KeyDescription:
    """The decoded extension (field meanings in the module docstring)."""

    version: int
    security_level: str
    anonymous: bool
    challenge: bytes
    key_properties: bytes
    ids: dict[int, bytes]


# ------------------------------------------------------------------------------ minimal DER


def der_tlv(tag: int, body: bytes) -> bytes:
    """One DER element: ``tag ‖ length ‖ body`` (definite length, short or long form)."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


#: AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), DER.
_ECDSA_SHA256: Final = bytes.fromhex("300a06082a8648ce3d040302")


def tbs_of(builder: x509.CertificateBuilder) -> bytes:
    """The TBSCertificate of ``builder`` with signatureAlgorithm ecdsa-with-SHA256, for a signer outside
    the process (a token, a TPM): pyca signs it once with a throwaway P-256 key, and the TBS does not
    depend on the key that signs it."""
    return builder.sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()).tbs_certificate_bytes


def assemble_certificate(tbs: bytes, ecdsa_signature: bytes) -> bytes:
    """The DER certificate ``SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING signature }`` for a ``tbs``
    from :func:`tbs_of` and a DER ECDSA signature over its SHA-256."""
    return der_tlv(0x30, tbs + _ECDSA_SHA256 + der_tlv(0x03, b"\x00" + ecdsa_signature))


def _der_int(value: int) -> bytes:
    if value < 0:
        raise ValueError("negative INTEGER")
    return der_tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def encode_description(ids: AttestIds, security_level: str, anonymous: bool) -> bytes:
    """The DER ``HukspyKeyDescription`` for ``ids`` (challenge, ID values, the key's encoded params)."""
    id_items = b"".join(
        der_tlv(_SEQUENCE, _der_int(tag) + der_tlv(_OCTETS, value)) for tag, value in sorted(ids.ids.items())
    )
    return der_tlv(
        _SEQUENCE,
        _der_int(DESCRIPTION_VERSION)
        + der_tlv(_UTF8, security_level.encode())
        + der_tlv(_BOOLEAN, b"\xff" if anonymous else b"\x00")
        + der_tlv(_OCTETS, ids.challenge)
        + der_tlv(_OCTETS, ids.properties)
        + der_tlv(_SEQUENCE, id_items),
    )


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, tag: int) -> bytes:
        d, p = self.data, self.pos
        if p + 2 > len(d) or d[p] != tag:
            raise ValueError(f"expected DER tag {tag:#x} at offset {p}")
        n, p = d[p + 1], p + 2
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 4 or p + k > len(d):
                raise ValueError("bad DER length")
            n, p = int.from_bytes(d[p : p + k], "big"), p + k
            if n < 0x80 or d[p - k] == 0:
                raise ValueError("non-minimal DER length")
        if p + n > len(d):
            raise ValueError("truncated DER")
        self.pos = p + n
        return d[p : p + n]

    def done(self) -> bool:
        return self.pos == len(self.data)


def _int_of(body: bytes) -> int:
    if not body or body[0] & 0x80 or (len(body) > 1 and body[0] == 0 and not body[1] & 0x80):
        raise ValueError("bad or negative DER INTEGER")
    return int.from_bytes(body, "big")


def parse_description(der: bytes) -> KeyDescription:
    """Decode a ``HukspyKeyDescription``. Raises ``ValueError`` for anything else (strict DER)."""
    outer = _Reader(der)
    r = _Reader(outer.read(_SEQUENCE))
    if not outer.done():
        raise ValueError("trailing bytes after the key description")
    version = _int_of(r.read(_INTEGER))
    level = r.read(_UTF8).decode()
    flag = r.read(_BOOLEAN)
    if flag not in (b"\x00", b"\xff"):
        raise ValueError("bad DER BOOLEAN")
    challenge = r.read(_OCTETS)
    props = r.read(_OCTETS)
    seq = _Reader(r.read(_SEQUENCE))
    if not r.done():
        raise ValueError("trailing fields in the key description")
    ids: dict[int, bytes] = {}
    while not seq.done():
        item = _Reader(seq.read(_SEQUENCE))
        tag = _int_of(item.read(_INTEGER))
        ids[tag] = item.read(_OCTETS)
        if not item.done():
            raise ValueError("trailing fields in an attestation id")
    return KeyDescription(version, level, flag == b"\xff", challenge, props, ids)


# ------------------------------------------------------------------------------ the leaf


def issue_leaf(
    public_key: CertificatePublicKeyTypes,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate,
    ids: AttestIds,
    security_level: str,
    anonymous: bool,
) -> x509.Certificate:
    """The leaf certificate for ``public_key``, signed by ``issuer_key`` (ECDSA-SHA256) as ``issuer``,
    with the key description extension. Raises ``TypeError``/``ValueError`` from pyca for a key type a
    certificate cannot hold."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hukspy attested key")]))
        .issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(secrets.randbits(127) + 1)
        .not_valid_before(now)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .add_extension(
            x509.UnrecognizedExtension(OID, encode_description(ids, security_level, anonymous)),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())

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

The structure is declared once (``KeyDescriptionAsn1``) and encoded and decoded by ``asn1crypto``
(docs/attestation.md, "How the certificates are made", says why). Every certificate is made by pyca's
``x509.CertificateBuilder`` and signed by a pyca private-key object: the software CA's own key, or a
``hukspy.backend.signer.DeviceEcKey`` whose ``sign`` runs in the token or the TPM.

Backends call ``issue_leaf`` (or add ``description_extension`` to a builder of their own); verifiers
call ``parse_description`` on the extension's value
(``cert.extensions.get_extension_for_oid(OID).value.value``).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from asn1crypto import core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
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
    "KeyDescriptionAsn1",
    "decode_strict",
    "description_extension",
    "encode_description",
    "issue_leaf",
    "parse_description",
]

#: The extension's OID: 2.25 followed by the integer value of UUID a314ff76-5326-49cb-901a-5ffad6aa2a74
#: (drawn at random for hukspy; ITU-T X.667 / ISO/IEC 9834-8: such OIDs need no registration).
OID_TEXT: Final = "2.25.216773190639217635179184113821283920500"
OID: Final = x509.ObjectIdentifier(OID_TEXT)
DESCRIPTION_VERSION: Final = 1
#: "No well-defined expiration date" (RFC 5280 §4.1.2.5).
NOT_AFTER: Final = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class KeyDescription:
    """The decoded extension (field meanings in the module docstring)."""

    version: int
    security_level: str
    anonymous: bool
    challenge: bytes
    key_properties: bytes
    ids: dict[int, bytes]


# ------------------------------------------------------------------------------ the ASN.1 structure
# asn1crypto ships no type information: its classes are ``Any`` to mypy, hence the ignores.


class _AttestationId(core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[str, Any]]] = [("tag", core.Integer), ("value", core.OctetString)]


class _AttestationIds(core.SequenceOf):  # type: ignore[misc]
    _child_spec: ClassVar[Any] = _AttestationId


class KeyDescriptionAsn1(core.Sequence):  # type: ignore[misc]
    """``HukspyKeyDescription`` as an asn1crypto structure."""

    _fields: ClassVar[list[tuple[str, Any]]] = [
        ("version", core.Integer),
        ("security_level", core.UTF8String),
        ("anonymous", core.Boolean),
        ("challenge", core.OctetString),
        ("key_properties", core.OctetString),
        ("attestation_ids", _AttestationIds),
    ]


def decode_strict(schema: type[Any], der: bytes, what: str) -> dict[str, Any]:
    """The fields of ``der`` decoded as the asn1crypto structure ``schema`` (``.native``), accepted only
    when it is the DER encoding of those fields: nothing after it, minimal lengths and integers, a
    BOOLEAN of 0x00 or 0xFF, SEQUENCE OF items in the order written (re-encoding the decoded fields must
    give ``der`` back). No INTEGER may be negative. Raises ``ValueError`` naming ``what`` otherwise."""
    try:
        parsed = schema.load(der, strict=True)
        fields: dict[str, Any] = parsed.native
        canonical = schema(fields).dump(force=True) == der
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{what} is not DER of its structure: {exc}") from None
    if not canonical:
        raise ValueError(f"{what} is not in DER (not the canonical encoding of its fields)")
    if any(isinstance(v, int) and not isinstance(v, bool) and v < 0 for v in _leaves(fields)):
        raise ValueError(f"{what} holds a negative INTEGER")
    return fields


def _leaves(value: object) -> Iterable[object]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def encode_description(ids: AttestIds, security_level: str, anonymous: bool) -> bytes:
    """The DER ``HukspyKeyDescription`` for ``ids`` (challenge, ID values, the key's encoded params)."""
    value = KeyDescriptionAsn1({
        "version": DESCRIPTION_VERSION,
        "security_level": security_level,
        "anonymous": anonymous,
        "challenge": ids.challenge,
        "key_properties": ids.properties,
        "attestation_ids": [{"tag": tag, "value": v} for tag, v in sorted(ids.ids.items())],
    })
    der: bytes = value.dump()
    return der


def parse_description(der: bytes) -> KeyDescription:
    """Decode a ``HukspyKeyDescription``. Raises ``ValueError`` for anything else (strict DER,
    ``decode_strict``; the ID items sorted by tag, each tag once)."""
    f = decode_strict(KeyDescriptionAsn1, der, "the key description")
    items = f["attestation_ids"]
    ids = {int(item["tag"]): bytes(item["value"]) for item in items}
    if list(ids) != sorted(ids) or len(ids) != len(items):
        raise ValueError("the attestation ids of the key description are not sorted by tag, once each")
    return KeyDescription(int(f["version"]), str(f["security_level"]), bool(f["anonymous"]),
                          bytes(f["challenge"]), bytes(f["key_properties"]), ids)


def description_extension(ids: AttestIds, security_level: str, anonymous: bool) -> x509.UnrecognizedExtension:
    """The key description as the pyca extension value a certificate builder adds (non-critical)."""
    return x509.UnrecognizedExtension(OID, encode_description(ids, security_level, anonymous))


# ------------------------------------------------------------------------------ the leaf


def issue_leaf(
    public_key: CertificatePublicKeyTypes | bytes,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate,
    ids: AttestIds,
    security_level: str,
    anonymous: bool,
    extensions: Iterable[x509.ExtensionType] = (),
) -> x509.Certificate:
    """The leaf certificate for ``public_key``, signed by ``issuer_key`` (ECDSA-SHA256; a pyca key object,
    whose ``sign`` may run in a device) as ``issuer``, with the key description extension and then
    ``extensions`` (non-critical; a backend's own evidence). ``public_key`` may also be the key's
    SubjectPublicKeyInfo DER, for a key type pyca has no object for (SM2): the certificate is then built
    around it (``_with_subject_key``). Raises ``TypeError``/``ValueError`` from pyca for a key type a
    certificate cannot hold, and what ``issuer_key.sign`` raises."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hukspy attested key")]))
        .issuer_name(issuer.subject)
        .public_key(issuer_key.public_key() if isinstance(public_key, bytes) else public_key)
        .serial_number(secrets.randbits(127) + 1)
        .not_valid_before(now)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .add_extension(description_extension(ids, security_level, anonymous), critical=False)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    leaf = builder.sign(issuer_key, hashes.SHA256())
    return _with_subject_key(leaf, public_key, issuer_key) if isinstance(public_key, bytes) else leaf


def _with_subject_key(
    cert: x509.Certificate, spki: bytes, issuer_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    """``cert`` with its subject public key replaced by ``spki`` (SubjectPublicKeyInfo DER, kept byte for
    byte) and its TBSCertificate signed again by ``issuer_key`` (ECDSA-SHA256, as ``issue_leaf``)."""
    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    tbs = parsed["tbs_certificate"]
    tbs["subject_public_key_info"] = asn1_keys.PublicKeyInfo.load(spki)
    tbs_der = tbs.dump()  # the other fields keep their bytes; the sequence is encoded again
    signature = issuer_key.sign(tbs_der, ec.ECDSA(hashes.SHA256()))
    rebuilt = asn1_x509.Certificate({
        "tbs_certificate": asn1_x509.TbsCertificate.load(tbs_der),
        "signature_algorithm": parsed["signature_algorithm"],
        "signature_value": signature,
    })
    return x509.load_der_x509_certificate(rebuilt.dump())

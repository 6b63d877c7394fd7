"""Key attestation on the token (``attest_key_item``): a leaf signed by an attestation CA key that lives on
the token, carrying hukspy's key description and what the token says about the key.

The chain, leaf first (DER), two certificates:

1. **leaf**: subject ``CN=hukspy attested key``, the key's public key, ``BasicConstraints CA=false``, a
   random serial, valid from now to 9999-12-31, ``AuthorityKeyIdentifier`` of the CA key, and two
   non-critical extensions:

   - hukspy's key description (``hukspy.attestation.OID``), securityLevel ``"pkcs11"`` for a key on the
     token and ``"pkcs11:sealed"`` for a sealed key (``?fallback=sealed``);
   - ``EVIDENCE_OID``, the DER of::

         HukspyPkcs11Evidence ::= SEQUENCE {
             version           INTEGER,     -- 1
             tokenLabel        UTF8String,  -- CK_TOKEN_INFO.label ("" in anonymous chains)
             tokenSerial       UTF8String,  -- CK_TOKEN_INFO.serialNumber ("" in anonymous chains)
             tokenManufacturer UTF8String,  -- CK_TOKEN_INFO.manufacturerID
             tokenModel        UTF8String,  -- CK_TOKEN_INFO.model
             keyStorage        UTF8String,  -- "token" or "sealed"
             local             BOOLEAN,     -- CKA_LOCAL of the private key object, read from the token
             neverExtractable  BOOLEAN,     -- CKA_NEVER_EXTRACTABLE
             alwaysSensitive   BOOLEAN,     -- CKA_ALWAYS_SENSITIVE
             sensitive         BOOLEAN,     -- CKA_SENSITIVE
             extractable       BOOLEAN      -- CKA_EXTRACTABLE
         }

     For a sealed key there is no key object: its material is rebuilt in host memory for every use, so
     the flags say ``local=neverExtractable=alwaysSensitive=sensitive=FALSE, extractable=TRUE``.

   The certificate is made by pyca's ``x509.CertificateBuilder`` (``hukspy.attestation.issue_leaf``),
   signed with the CA's private key as a ``hukspy.backend.signer.DeviceEcKey``: pyca hands it the
   TBSCertificate, which is hashed with SHA-256 on the host and signed **by the token** with
   ``CKM_ECDSA``. The evidence is encoded and decoded by asn1crypto (``_EvidenceAsn1``), as the key
   description is.
2. **the CA certificate**, self-signed the same way by the token. Identified CA: ``CN=hukspy PKCS#11
   attestation CA, O=hukspy, OU=<token label>, serialNumber=<token serial>``; anonymous CA: ``CN=hukspy
   anonymous attestation CA, O=hukspy`` (no token identity).

The CA key pairs (EC P-256) are generated on the token at first use: private key ``TOKEN``,
``PRIVATE``, ``SENSITIVE``, not ``EXTRACTABLE``, ``SIGN`` only, label ``CA_LABELS[anonymous]``, a random
``CKA_ID`` starting with ``CA_ID_PREFIX`` (not hukspy's key prefix, so record recovery never touches
them). Each CA certificate is a ``CKO_CERTIFICATE`` (``CKC_X_509``) token object with the same
``CKA_ID``. Two processes creating a CA at once may both make one: every reader then takes the key with
the lowest ``CKA_ID`` and (re)creates its certificate if missing, so they agree.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
import threading
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as px

from hukspy import attestation as description
from hukspy.backend import UnsupportedError
from hukspy.backend.facts import CURVES
from hukspy.backend.signer import DeviceEcKey
from hukspy.enums import HuksKeyAlg as A
from hukspy.spec import AttestIds, KeySpec
from hukspy_pkcs11 import keys
from hukspy_pkcs11.token import TokenConnection, Worker

__all__ = [
    "CA_ID_PREFIX",
    "CA_LABELS",
    "EVIDENCE_OID",
    "EVIDENCE_VERSION",
    "Attester",
    "KeyEvidence",
    "parse_evidence",
]

#: 2.25 + the integer of the random UUID 71279ddf-bdc3-4e40-a2f0-37ff54e1f6f2 (ITU-T X.667), as
#: ``hukspy.attestation.OID``: no registration needed, no collision possible.
EVIDENCE_OID: Final = x509.ObjectIdentifier("2.25.150408465166095142836824031273395812082")
EVIDENCE_VERSION: Final = 1
CA_LABELS: Final = {False: "hukspy-attestation-ca", True: "hukspy-attestation-ca-anon"}
CA_ID_PREFIX: Final = b"hkat"
_CKM_ECDSA: Final = 0x1041
_P256: Final = CURVES[256].oid
_FLAGS: Final = (Attribute.LOCAL, Attribute.NEVER_EXTRACTABLE, Attribute.ALWAYS_SENSITIVE,
                 Attribute.SENSITIVE, Attribute.EXTRACTABLE)


@dataclass(frozen=True)
class KeyEvidence:
    """The decoded ``EVIDENCE_OID`` extension (fields in the module docstring)."""

    version: int
    token_label: str
    token_serial: str
    token_manufacturer: str
    token_model: str
    key_storage: str
    local: bool
    never_extractable: bool
    always_sensitive: bool
    sensitive: bool
    extractable: bool


class _EvidenceAsn1(core.Sequence):  # type: ignore[misc]  # asn1crypto has no type information
    """``HukspyPkcs11Evidence`` (module docstring); its field names are ``KeyEvidence``'s."""

    _fields: ClassVar[list[tuple[str, Any]]] = [
        ("version", core.Integer),
        *((name, core.UTF8String) for name in
          ("token_label", "token_serial", "token_manufacturer", "token_model", "key_storage")),
        *((name, core.Boolean) for name in
          ("local", "never_extractable", "always_sensitive", "sensitive", "extractable")),
    ]


def _encode_evidence(e: KeyEvidence) -> bytes:
    der: bytes = _EvidenceAsn1(dataclasses.asdict(e)).dump()
    return der


def parse_evidence(der: bytes) -> KeyEvidence:
    """Decode the ``EVIDENCE_OID`` extension value. Raises ``ValueError`` for anything else (strict DER:
    ``hukspy.attestation.decode_strict``)."""
    return KeyEvidence(**description.decode_strict(_EvidenceAsn1, der, "the PKCS#11 evidence"))


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


class _CaGoneError(Exception):
    """The CA key this process found before is no longer on the token."""


@dataclass(frozen=True)
class _Ca:
    key_id: bytes
    public: ec.EllipticCurvePublicKey
    cert: x509.Certificate


class Attester:
    """Issues attestation chains with the token's CA keys (created on first use, under the backend's
    object-creation lock and the connection's write side)."""

    def __init__(self, conn: TokenConnection, lock: threading.RLock, copyable_known: bool) -> None:
        self._conn = conn
        self._lock = lock
        self._copyable = copyable_known
        self._cas: dict[bool, _Ca] = {}

    # ---- token identity

    def _identity(self) -> tuple[str, str, str, str]:
        tok = self._conn.token
        serial = tok.serial
        text = serial.decode("ascii", "replace") if isinstance(serial, bytes) else str(serial)
        return tok.label.strip(), text.strip(), tok.manufacturer_id.strip(), tok.model.strip()

    def _ca_name(self, anonymous: bool) -> x509.Name:
        org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hukspy")
        if anonymous:
            cn = x509.NameAttribute(NameOID.COMMON_NAME, "hukspy anonymous attestation CA")
            return x509.Name([cn, org])
        label, serial, _, _ = self._identity()
        return x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, "hukspy PKCS#11 attestation CA"), org,
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, label or "-"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, serial or "-"),
        ])

    # ---- signing on the token

    def _signer(self, w: Worker, key_id: bytes, public: ec.EllipticCurvePublicKey) -> DeviceEcKey:
        """The CA private key ``key_id`` (public half ``public``) as a pyca key object whose ``sign``
        runs ``CKM_ECDSA`` on the token, through ``w``, over the host's hash of the data. It uses the
        worker of the call that made it, so it must not outlive that call. Its ``sign`` raises
        ``_CaGoneError`` when the key is no longer on the token, and python-pkcs11's errors."""
        out_len = 2 * ((public.curve.key_size + 7) // 8)  # CKM_ECDSA's r ‖ s

        def sign_with(data: bytes, algorithm: hashes.HashAlgorithm) -> tuple[int, int]:
            try:
                priv = keys.find_key(w, key_id, ObjectClass.PRIVATE_KEY)
            except px.NoSuchKey as exc:
                raise _CaGoneError from exc
            digest = hashes.Hash(algorithm)
            digest.update(data)
            module = self._conn.module
            module.op_init("Sign", w.handle, _CKM_ECDSA, None, int(priv.handle or 0))
            raw = module.one_shot("Sign", w.handle, digest.finalize(), out_len)
            half = len(raw) // 2
            return int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")

        return DeviceEcKey(public, sign_with, "the PKCS#11 token")

    # ---- the CA

    @staticmethod
    def _public(w: Worker, key_id: bytes) -> ec.EllipticCurvePublicKey:
        obj = keys.find_key(w, key_id, ObjectClass.PUBLIC_KEY)
        point = keys.unwrap_octet_string(bytes(obj[Attribute.EC_POINT]))
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)

    def _find(self, w: Worker, anonymous: bool) -> tuple[bytes | None, x509.Certificate | None]:
        """(CKA_ID of the CA key, its certificate if stored and matching) — the lowest CKA_ID wins."""
        ids = sorted(bytes(o[Attribute.ID]) for o in w.session.get_objects(
            {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: CA_LABELS[anonymous]}))
        ids = [i for i in ids if i.startswith(CA_ID_PREFIX)]
        if not ids:
            return None, None
        key_id = ids[0]
        public = self._public(w, key_id)
        for obj in w.session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id}):
            cert = x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
            if cert.public_key() == public:
                return key_id, cert
        return key_id, None

    def _create(self, w: Worker, anonymous: bool) -> _Ca:
        key_id, cert = self._find(w, anonymous)
        label = CA_LABELS[anonymous]
        if key_id is None:
            key_id = CA_ID_PREFIX + secrets.token_bytes(keys.ID_LEN - len(CA_ID_PREFIX))
            pub_t = {Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.EC_PARAMS: _P256,
                     Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.WRAP: False,
                     Attribute.DERIVE: False, Attribute.MODIFIABLE: False}
            priv_t = {Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
                      Attribute.EXTRACTABLE: False, Attribute.SIGN: True, Attribute.DECRYPT: False,
                      Attribute.UNWRAP: False, Attribute.DERIVE: False, Attribute.MODIFIABLE: False}
            if self._copyable:
                priv_t[Attribute.COPYABLE] = False
            w.session.generate_keypair(KeyType.EC, None, store=True, id=key_id, label=label,
                                       mechanism=Mechanism.EC_KEY_PAIR_GEN,
                                       public_template=pub_t, private_template=priv_t)
        public = self._public(w, key_id)
        if cert is None:
            name = self._ca_name(anonymous)
            builder = (
                x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
                .serial_number(secrets.randbits(127) + 1).not_valid_before(_now())
                .not_valid_after(description.NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            )
            cert = builder.sign(self._signer(w, key_id, public), hashes.SHA256())
            der = cert.public_bytes(serialization.Encoding.DER)
            w.session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.MODIFIABLE: False,
                Attribute.LABEL: label, Attribute.ID: key_id,
                Attribute.SUBJECT: name.public_bytes(), Attribute.VALUE: der,
            })
        return _Ca(key_id, public, cert)

    def ca(self, anonymous: bool) -> _Ca:
        """The identified (or anonymous) CA, found on the token or created there."""
        ca = self._cas.get(anonymous)
        if ca is not None:
            return ca

        def lookup(w: Worker) -> _Ca | None:
            key_id, cert = self._find(w, anonymous)
            return None if key_id is None or cert is None else _Ca(key_id, self._public(w, key_id), cert)

        ca = self._conn.run(lookup)
        if ca is None:
            with self._lock:
                ca = self._conn.run(lambda w: self._create(w, anonymous), write=True)
        self._cas[anonymous] = ca
        return ca

    # ---- the leaf

    def _flags(self, w: Worker, key_id: bytes) -> tuple[bool, bool, bool, bool, bool]:
        found = list(w.session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}))
        if not found:
            keys.find_key(w, key_id, ObjectClass.PUBLIC_KEY)  # NoSuchKey (→ 12000011) when it is all gone
            raise UnsupportedError("attestation of a public key alone on the PKCS#11 keystore")
        attrs = found[0].get_attributes(list(_FLAGS))
        local, never, always, sensitive, extractable = (bool(attrs[a]) for a in _FLAGS)
        return local, never, always, sensitive, extractable

    def attest(self, key_id: bytes | None, public_key: bytes, spec: KeySpec, ids: AttestIds,
               anonymous: bool) -> list[bytes]:
        """The chain of the module docstring for the key ``key_id`` on the token (None: a sealed key)
        whose public half is ``public_key`` (SPKI DER, raw 32 bytes for Ed25519).

        Raises ``UnsupportedError`` (→ 12000001: DH keys have no X.509 form; a public key alone),
        python-pkcs11 errors
        (``NoSuchKey`` → 12000011 through the backend's table)."""
        if spec.alg == A.HUKS_ALG_DH:
            raise UnsupportedError("attestation of a DH key (X.509 cannot hold it)")
        subject: CertificatePublicKeyTypes
        if spec.alg == A.HUKS_ALG_ED25519:
            subject = ed25519.Ed25519PublicKey.from_public_bytes(public_key)
        elif spec.alg == A.HUKS_ALG_X25519:
            subject = x25519.X25519PublicKey.from_public_bytes(public_key)
        else:
            loaded = serialization.load_der_public_key(public_key)
            if not isinstance(loaded, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey, dsa.DSAPublicKey)):
                raise UnsupportedError("attestation of this key type")
            subject = loaded
        ca = self.ca(anonymous)
        label, serial, manufacturer, model = self._identity()
        if anonymous:
            label = serial = ""
        sealed = key_id is None

        def issue(w: Worker) -> bytes:
            flags = (False, False, False, False, True) if key_id is None else self._flags(w, key_id)
            evidence = KeyEvidence(EVIDENCE_VERSION, label, serial, manufacturer, model,
                                   "sealed" if sealed else "token", *flags)
            level = "pkcs11:sealed" if sealed else "pkcs11"
            leaf = description.issue_leaf(
                subject, self._signer(w, ca.key_id, ca.public), ca.cert, ids, level, anonymous,
                [x509.UnrecognizedExtension(EVIDENCE_OID, _encode_evidence(evidence))],
            )
            return leaf.public_bytes(serialization.Encoding.DER)

        try:
            leaf = self._conn.run(issue)
        except _CaGoneError:
            # The CA key was destroyed (by another process) after this process cached it: find or make
            # it again, once.
            self._cas.pop(anonymous, None)
            ca = self.ca(anonymous)
            leaf = self._conn.run(issue)
        return [leaf, ca.cert.public_bytes(serialization.Encoding.DER)]

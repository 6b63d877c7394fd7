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

   The TBSCertificate is built with pyca (signed once with a throwaway P-256 key only to get the
   ``tbs_certificate_bytes``, whose signature AlgorithmIdentifier is ecdsa-with-SHA256 whatever the
   key), hashed with SHA-256 on the host, and the digest is signed **by the token** with ``CKM_ECDSA``
   and the CA's private key; the certificate is ``SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING sig }``.
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

import datetime
import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as px

from hukspy import attestation as description
from hukspy.backend import UnsupportedError
from hukspy.backend.facts import CURVES
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
_BOOL, _INT, _UTF8, _SEQ = 0x01, 0x02, 0x0C, 0x30
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


def _encode_evidence(e: KeyEvidence) -> bytes:
    strings = (e.token_label, e.token_serial, e.token_manufacturer, e.token_model, e.key_storage)
    flags = (e.local, e.never_extractable, e.always_sensitive, e.sensitive, e.extractable)
    return description.der_tlv(_SEQ, description.der_tlv(_INT, bytes([e.version]))
                + b"".join(description.der_tlv(_UTF8, s.encode()) for s in strings)
                + b"".join(description.der_tlv(_BOOL, b"\xff" if f else b"\x00") for f in flags))


def parse_evidence(der: bytes) -> KeyEvidence:
    """Decode the ``EVIDENCE_OID`` extension value. Raises ``ValueError`` for anything else."""
    def read(data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
        if pos + 2 > len(data) or data[pos] != tag:
            raise ValueError(f"expected DER tag {tag:#x} at offset {pos}")
        n, pos = data[pos + 1], pos + 2
        if n & 0x80:
            k = n & 0x7F
            if not 0 < k <= 4 or pos + k > len(data):
                raise ValueError("bad DER length")
            n, pos = int.from_bytes(data[pos : pos + k], "big"), pos + k
        if pos + n > len(data):
            raise ValueError("truncated DER")
        return data[pos : pos + n], pos + n

    body, end = read(der, 0, _SEQ)
    if end != len(der):
        raise ValueError("trailing bytes after the evidence")
    version, pos = read(body, 0, _INT)
    strings: list[str] = []
    for _ in range(5):
        s, pos = read(body, pos, _UTF8)
        strings.append(s.decode())
    flags: list[bool] = []
    for _ in range(5):
        f, pos = read(body, pos, _BOOL)
        if f not in (b"\x00", b"\xff"):
            raise ValueError("bad DER BOOLEAN")
        flags.append(f == b"\xff")
    if pos != len(body) or len(version) != 1:
        raise ValueError("bad evidence fields")
    return KeyEvidence(version[0], strings[0], strings[1], strings[2], strings[3], strings[4],
                       flags[0], flags[1], flags[2], flags[3], flags[4])


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

    def _sign(self, w: Worker, key_id: bytes, tbs: bytes) -> bytes:
        """The DER certificate of ``tbs``, signed by the CA private key ``key_id`` with CKM_ECDSA over the
        host's SHA-256 of ``tbs``."""
        try:
            priv = keys.find_key(w, key_id, ObjectClass.PRIVATE_KEY)
        except px.NoSuchKey as exc:
            raise _CaGoneError from exc
        module = self._conn.module
        module.op_init("Sign", w.handle, _CKM_ECDSA, None, int(priv.handle or 0))
        raw = module.one_shot("Sign", w.handle, hashlib.sha256(tbs).digest(), 64)
        half = len(raw) // 2
        sig = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
        return description.assemble_certificate(tbs, sig)

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
            der = self._sign(w, key_id, description.tbs_of(builder))
            cert = x509.load_der_x509_certificate(der)
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
            builder = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hukspy attested key")]))
                .issuer_name(ca.cert.subject).public_key(subject)
                .serial_number(secrets.randbits(127) + 1).not_valid_before(_now())
                .not_valid_after(description.NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public), critical=False)
                .add_extension(x509.UnrecognizedExtension(
                    description.OID, description.encode_description(ids, level, anonymous)), critical=False)
                .add_extension(x509.UnrecognizedExtension(EVIDENCE_OID, _encode_evidence(evidence)),
                               critical=False)
            )
            return self._sign(w, ca.key_id, description.tbs_of(builder))

        try:
            leaf = self._conn.run(issue)
        except _CaGoneError:
            # The CA key was destroyed (by another process) after this process cached it: find or make
            # it again, once.
            self._cas.pop(anonymous, None)
            ca = self.ca(anonymous)
            leaf = self._conn.run(issue)
        return [leaf, ca.cert.public_bytes(serialization.Encoding.DER)]

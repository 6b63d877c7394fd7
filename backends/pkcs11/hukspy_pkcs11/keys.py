"""Key objects on the token: templates, generation, import, public-key export, lookup by CKA_ID.

Every key hukspy makes is a token object (``TOKEN``, ``PRIVATE``) with a random 16-byte ``CKA_ID``,
``SENSITIVE``, not ``EXTRACTABLE``, not ``COPYABLE`` when the token knows that attribute, and exactly
the usage flags of its HUKS purpose (``usage``). Public halves are token objects too (export and
verify), with the same ``CKA_ID``. Keys are ``MODIFIABLE`` only so that their ``CKA_LABEL`` can go from
the pending label (``pending_label``) to the alias once the record exists (PKCS#11 never lets
SENSITIVE go back to False nor EXTRACTABLE to True, so MODIFIABLE weakens neither).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from typing import Any, Final

from asn1crypto import core
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec, ed25519, rsa
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.types import Object

from hukspy.backend import InvalidKeyMaterialError, ParameterRejectedError, UnsupportedError
from hukspy.backend.facts import CURVES
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyPurpose as P
from hukspy.spec import KeyMaterial, KeySpec
from hukspy_pkcs11.token import Worker

__all__ = [
    "FFDHE",
    "ID_LEN",
    "ID_PREFIX",
    "PENDING_PREFIX",
    "create_imported",
    "find_key",
    "generate",
    "new_id",
    "pending_label",
    "public_der",
    "unwrap_octet_string",
]

ID_LEN: Final = 16
#: Every CKA_ID hukspy makes starts with this, so that recovery never touches another application's keys.
ID_PREFIX: Final = b"hks1"
PENDING_PREFIX: Final = "hukspy.pending:"

ED25519_PARAMS: Final = bytes.fromhex("06032b6570")


def _e_fixed(bits: int) -> int:
    """floor(2^bits * e), from the series sum 1/k! in fixed point (64 guard bits)."""
    term = 1 << (bits + 64)
    total, k = 0, 0
    while term:
        total += term
        k += 1
        term //= k
    return total >> 64


def _rfc7919(bits: int, x: int) -> int:
    """RFC 7919 §A: p = 2^b - 2^(b-64) + (floor(2^(b-130) e) + X) * 2^64 - 1 (generator 2)."""
    return (1 << bits) - (1 << (bits - 64)) + ((_e_fixed(bits - 130) + x) << 64) - 1


#: The ffdhe primes HUKS DH uses (ffdhe2048/3072/4096), by size.
FFDHE: Final[Mapping[int, int]] = {
    2048: _rfc7919(2048, 560316),
    3072: _rfc7919(3072, 2625351),
    4096: _rfc7919(4096, 5736041),
}


def pending_label() -> str:
    """The label of a key whose record is not written yet: ``hukspy.pending:<host>:<pid>``."""
    return f"{PENDING_PREFIX}{socket.gethostname()}:{os.getpid()}"


def new_id() -> bytes:
    """A random CKA_ID (``ID_PREFIX`` and 12 random bytes)."""
    return ID_PREFIX + secrets.token_bytes(ID_LEN - len(ID_PREFIX))


def _common(key_id: bytes, copyable_known: bool) -> dict[Attribute, Any]:
    t: dict[Attribute, Any] = {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.ID: key_id,
        Attribute.LABEL: pending_label(),
        Attribute.MODIFIABLE: True,
    }
    if copyable_known:
        t[Attribute.COPYABLE] = False
    return t


def _secret_flags(spec: KeySpec) -> dict[Attribute, Any]:
    p = spec.purpose
    mac = bool(p & P.HUKS_KEY_PURPOSE_MAC)
    return {
        Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
        Attribute.ENCRYPT: bool(p & P.HUKS_KEY_PURPOSE_ENCRYPT),
        Attribute.DECRYPT: bool(p & P.HUKS_KEY_PURPOSE_DECRYPT),
        Attribute.SIGN: mac, Attribute.VERIFY: mac,
        Attribute.WRAP: bool(p & P.HUKS_KEY_PURPOSE_WRAP),
        Attribute.UNWRAP: bool(p & P.HUKS_KEY_PURPOSE_UNWRAP),
        Attribute.DERIVE: bool(p & P.HUKS_KEY_PURPOSE_DERIVE),
    }


def _private_flags(spec: KeySpec) -> dict[Attribute, Any]:
    p = spec.purpose
    return {
        Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
        Attribute.SIGN: bool(p & P.HUKS_KEY_PURPOSE_SIGN),
        Attribute.DECRYPT: bool(p & P.HUKS_KEY_PURPOSE_DECRYPT),
        Attribute.UNWRAP: bool(p & P.HUKS_KEY_PURPOSE_UNWRAP),
        # An UNWRAP key opens the 10-LV wrapped-key format by ECDH with the sender's key: it derives.
        Attribute.DERIVE: bool(p & (P.HUKS_KEY_PURPOSE_AGREE | P.HUKS_KEY_PURPOSE_UNWRAP)),
    }


def _public_flags(spec: KeySpec) -> dict[Attribute, Any]:
    p = spec.purpose
    return {
        Attribute.VERIFY: bool(p & P.HUKS_KEY_PURPOSE_VERIFY),
        Attribute.ENCRYPT: bool(p & P.HUKS_KEY_PURPOSE_ENCRYPT),
        Attribute.WRAP: bool(p & P.HUKS_KEY_PURPOSE_WRAP),
        Attribute.DERIVE: False,
    }


#: HUKS symmetric alg (and size) → (python-pkcs11 key type, generation mechanism).
def _secret_type(spec: KeySpec) -> tuple[KeyType, Mechanism]:
    if spec.alg in (A.HUKS_ALG_AES, A.HUKS_ALG_CMAC):  # CMAC keys are AES keys (software/caps.py)
        return KeyType.AES, Mechanism.AES_KEY_GEN
    if spec.alg == A.HUKS_ALG_HMAC:
        return KeyType.GENERIC_SECRET, Mechanism.GENERIC_SECRET_KEY_GEN
    if spec.alg == A.HUKS_ALG_3DES and spec.size == 128:
        return KeyType.DES2, Mechanism.DES2_KEY_GEN
    if spec.alg == A.HUKS_ALG_3DES:
        return KeyType.DES3, Mechanism.DES3_KEY_GEN
    raise UnsupportedError(f"algorithm {spec.alg} as a secret key on the PKCS#11 token")


#: The secret-key algorithms this backend keeps as token objects (a subset of
#: ``hukspy.backend.facts.SYMMETRIC_ALGS``). Single DES is left out: python-pkcs11 0.10 has no CKK_DES,
#: and an unknown key type in a template is the heap-corruption trap of backends.md §0.2.
TOKEN_SECRET_ALGS: Final = frozenset({A.HUKS_ALG_AES, A.HUKS_ALG_HMAC, A.HUKS_ALG_3DES, A.HUKS_ALG_CMAC})


def generate(w: Worker, spec: KeySpec, key_id: bytes, copyable_known: bool) -> None:
    """Generate the key of ``spec`` on the token under ``key_id`` (pending label).

    Raises python-pkcs11 errors (translated by the backend's table), ``UnsupportedError`` (→ 12000001).
    """
    s = w.session
    base = _common(key_id, copyable_known)
    if spec.alg in TOKEN_SECRET_ALGS:
        key_type, mech = _secret_type(spec)
        t = {**base, **_secret_flags(spec), Attribute.CLASS: ObjectClass.SECRET_KEY,
             Attribute.KEY_TYPE: key_type}
        if key_type in (KeyType.AES, KeyType.GENERIC_SECRET):
            t[Attribute.VALUE_LEN] = spec.size // 8
        s.generate_key(key_type, spec.size if key_type in (KeyType.AES, KeyType.GENERIC_SECRET) else None,
                       mechanism=mech, template=t, store=True, id=key_id)
        return
    pub = {**base, **_public_flags(spec)}
    pub.pop(Attribute.COPYABLE, None)
    priv = {**base, **_private_flags(spec)}
    if spec.alg == A.HUKS_ALG_RSA:
        pub[Attribute.MODULUS_BITS] = spec.size
        pub[Attribute.PUBLIC_EXPONENT] = b"\x01\x00\x01"
        s.generate_keypair(KeyType.RSA, spec.size, store=True, id=key_id,
                           public_template=pub, private_template=priv)
        return
    if spec.alg == A.HUKS_ALG_ECC:
        pub[Attribute.EC_PARAMS] = CURVES[spec.size].oid
        s.generate_keypair(KeyType.EC, None, store=True, id=key_id, mechanism=Mechanism.EC_KEY_PAIR_GEN,
                           public_template=pub, private_template=priv)
        return
    if spec.alg == A.HUKS_ALG_ED25519:
        pub[Attribute.EC_PARAMS] = ED25519_PARAMS
        s.generate_keypair(KeyType.EC_EDWARDS, None, store=True, id=key_id,
                           mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                           public_template=pub, private_template=priv)
        return
    if spec.alg == A.HUKS_ALG_DH:
        prime = ffdhe_prime(spec.size)
        pub[Attribute.PRIME] = prime.to_bytes(spec.size // 8, "big")
        pub[Attribute.BASE] = b"\x02"
        s.generate_keypair(KeyType.DH, None, store=True, id=key_id, mechanism=Mechanism.DH_PKCS_KEY_PAIR_GEN,
                           public_template=pub, private_template=priv)
        return
    raise UnsupportedError(f"algorithm {spec.alg} on the PKCS#11 token")


def ffdhe_prime(bits: int) -> int:
    """The RFC 7919 ffdhe prime of ``bits`` bits. Raises ``UnsupportedError`` (→ 12000001) for other
    sizes."""
    if bits not in FFDHE:
        raise UnsupportedError(f"DH-{bits} on the PKCS#11 token")
    return FFDHE[bits]


def _int(v: int) -> bytes:
    return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")


def _octet_string(data: bytes) -> bytes:
    """``data`` as a DER OCTET STRING (CKA_EC_POINT, encoded by asn1crypto)."""
    der: bytes = core.OctetString(data).dump()
    return der


def unwrap_octet_string(data: bytes) -> bytes:
    """The content of a DER OCTET STRING (CKA_EC_POINT), or ``data`` itself when it is not one (a token
    that answers the raw point)."""
    try:
        return bytes(core.OctetString.load(data, strict=True).native)
    except (ValueError, TypeError):
        return data


def create_imported(w: Worker, spec: KeySpec, key: KeyMaterial, key_id: bytes, copyable_known: bool) -> None:
    """Import ``key`` as token objects (C_CreateObject) under ``key_id``.

    Raises python-pkcs11 errors, ``UnsupportedError`` (→ 12000001: not importable here),
    ``InvalidKeyMaterialError`` (→ 12000003: the material does not match the spec).
    """
    s = w.session
    base = _common(key_id, copyable_known)
    if spec.alg in TOKEN_SECRET_ALGS:
        if key.secret is None:
            raise InvalidKeyMaterialError("symmetric key import without the raw key")
        key_type, _ = _secret_type(spec)
        s.create_object({**base, **_secret_flags(spec), Attribute.CLASS: ObjectClass.SECRET_KEY,
                         Attribute.KEY_TYPE: key_type, Attribute.VALUE: key.secret})
        return
    public = key.public if key.public is not None else (key.private.public_key() if key.private else None)
    pub = {**base, **_public_flags(spec), Attribute.CLASS: ObjectClass.PUBLIC_KEY}
    pub.pop(Attribute.COPYABLE, None)
    priv = {**base, **_private_flags(spec), Attribute.CLASS: ObjectClass.PRIVATE_KEY}
    if spec.alg == A.HUKS_ALG_RSA and isinstance(public, rsa.RSAPublicKey):
        pn = public.public_numbers()
        pub.update({Attribute.KEY_TYPE: KeyType.RSA, Attribute.MODULUS: _int(pn.n),
                    Attribute.PUBLIC_EXPONENT: _int(pn.e)})
        if isinstance(key.private, rsa.RSAPrivateKey):
            n = key.private.private_numbers()
            priv.update({Attribute.KEY_TYPE: KeyType.RSA, Attribute.MODULUS: _int(pn.n),
                         Attribute.PUBLIC_EXPONENT: _int(pn.e), Attribute.PRIVATE_EXPONENT: _int(n.d),
                         Attribute.PRIME_1: _int(n.p), Attribute.PRIME_2: _int(n.q),
                         Attribute.EXPONENT_1: _int(n.dmp1), Attribute.EXPONENT_2: _int(n.dmq1),
                         Attribute.COEFFICIENT: _int(n.iqmp)})
    elif spec.alg == A.HUKS_ALG_ECC and isinstance(public, ec.EllipticCurvePublicKey) and spec.size in CURVES:
        params = CURVES[spec.size].oid
        point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        pub.update({Attribute.KEY_TYPE: KeyType.EC, Attribute.EC_PARAMS: params,
                    Attribute.EC_POINT: _octet_string(point)})
        if isinstance(key.private, ec.EllipticCurvePrivateKey):
            size = (key.private.curve.key_size + 7) // 8
            d = key.private.private_numbers().private_value.to_bytes(size, "big")
            priv.update({Attribute.KEY_TYPE: KeyType.EC, Attribute.EC_PARAMS: params, Attribute.VALUE: d})
    elif spec.alg == A.HUKS_ALG_ED25519 and isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pub.update({Attribute.KEY_TYPE: KeyType.EC_EDWARDS, Attribute.EC_PARAMS: ED25519_PARAMS,
                    Attribute.EC_POINT: _octet_string(raw)})
        if isinstance(key.private, ed25519.Ed25519PrivateKey):
            d = key.private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
            priv.update({Attribute.KEY_TYPE: KeyType.EC_EDWARDS, Attribute.EC_PARAMS: ED25519_PARAMS,
                         Attribute.VALUE: d})
    elif spec.alg == A.HUKS_ALG_DH and isinstance(public, dh.DHPublicKey):
        dn = public.public_numbers()
        prime = ffdhe_prime(spec.size)
        if dn.parameter_numbers.p != prime or dn.parameter_numbers.g != 2:
            raise UnsupportedError("DH keys outside the RFC 7919 groups on the PKCS#11 token")
        group = {Attribute.KEY_TYPE: KeyType.DH, Attribute.PRIME: _int(prime), Attribute.BASE: b"\x02"}
        pub.update({**group, Attribute.VALUE: _int(dn.y)})
        if isinstance(key.private, dh.DHPrivateKey):
            priv.update({**group, Attribute.VALUE: _int(key.private.private_numbers().x)})
    else:
        raise InvalidKeyMaterialError("key material that does not match ALGORITHM/KEY_SIZE")
    s.create_object(pub)
    if key.private is not None:
        s.create_object(priv)


def find_key(w: Worker, key_id: bytes, cls: ObjectClass) -> Object:
    """The object of class ``cls`` with ``key_id`` (cached per worker).

    Raises ``pkcs11.NoSuchKey`` (→ 12000011) when it is gone, ``MultipleObjectsReturned`` (→ 12000017).
    """
    cached = w.cache.get((key_id, int(cls)))
    if cached is not None:
        return cached
    found = list(w.session.get_objects({Attribute.CLASS: cls, Attribute.ID: key_id}))
    if not found:
        from pkcs11.exceptions import NoSuchKey

        raise NoSuchKey("no key object with this CKA_ID")
    if len(found) > 1:
        from pkcs11.exceptions import MultipleObjectsReturned

        raise MultipleObjectsReturned("several key objects with this CKA_ID")
    w.cache[(key_id, int(cls))] = found[0]
    return found[0]


def public_der(w: Worker, spec: KeySpec, key_id: bytes) -> bytes:
    """The public half: SPKI DER (RSA, ECC, DH), raw 32 bytes (Ed25519)."""
    obj = find_key(w, key_id, ObjectClass.PUBLIC_KEY)
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if spec.alg == A.HUKS_ALG_RSA:
        n = int.from_bytes(obj[Attribute.MODULUS], "big")
        e = int.from_bytes(obj[Attribute.PUBLIC_EXPONENT], "big")
        return rsa.RSAPublicNumbers(e, n).public_key().public_bytes(der, fmt)
    if spec.alg == A.HUKS_ALG_ECC:
        point = unwrap_octet_string(bytes(obj[Attribute.EC_POINT]))
        pk = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[spec.size].curve, point)
        return pk.public_bytes(der, fmt)
    if spec.alg == A.HUKS_ALG_ED25519:
        return unwrap_octet_string(bytes(obj[Attribute.EC_POINT]))
    if spec.alg == A.HUKS_ALG_DH:
        y = int.from_bytes(obj[Attribute.VALUE], "big")
        params = dh.DHParameterNumbers(ffdhe_prime(spec.size), 2)
        return dh.DHPublicNumbers(y, params).public_key().public_bytes(der, fmt)
    raise ParameterRejectedError("export of a secret key (only public keys can be exported)")


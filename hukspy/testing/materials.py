"""Key material in the HUKS import formats (huks-reference.md §4.6), written from pyca keys.

An independent encoder: it does not use ``hukspy.formats``, so the suite checks a backend (and the
facade's parser) against the reference's byte layout rather than against itself.
"""

from __future__ import annotations

import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed25519, rsa, x25519

from hukspy.enums import HuksImportKeyType, HuksKeyAlg

__all__ = ["encode_private", "encode_public"]

_A = HuksKeyAlg


def _be(value: int, length: int | None = None) -> bytes:
    if length is None:
        length = max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(length, "big")


def _raw(key: ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey) -> tuple[bytes, bytes]:
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    priv = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return pub, priv


def encode_private(alg: int, size: int, key: object, import_type: int) -> bytes:
    """``in_data`` for importing ``key`` (a pyca private key) as PRIVATE_KEY or KEY_PAIR.

    Layouts (little-endian uint32 headers, big-endian integers)::

        RSA    {1, keySize, nSize, eSize, dSize} ‖ n ‖ e ‖ d
        ECC    {2, keySize, xSize, ySize, zSize} ‖ x ‖ y ‖ z        (each ceil(keySize/8) bytes)
        25519  {101|102, 256, 32, 32, 0} ‖ pub ‖ priv
        DH     {103, keySize, pubSize, priSize, 0} ‖ pub ‖ priv
        DSA    {3, keySize, xSize, ySize, pSize, qSize, gSize} ‖ x ‖ y ‖ p ‖ q ‖ g
    """
    pair = import_type == HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    if isinstance(key, rsa.RSAPrivateKey):
        nums = key.private_numbers()
        n = _be(nums.public_numbers.n, size // 8)
        e = _be(nums.public_numbers.e)
        d = _be(nums.d, size // 8)
        return struct.pack("<5I", alg, size, len(n), len(e), len(d)) + n + e + d
    if isinstance(key, ec.EllipticCurvePrivateKey):
        width = (size + 7) // 8
        en = key.private_numbers()
        x = _be(en.public_numbers.x, width)
        y = _be(en.public_numbers.y, width)
        z = _be(en.private_value, width)
        return struct.pack("<5I", alg, size, width, width, width) + x + y + z
    if isinstance(key, ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey):
        pub, priv = _raw(key)
        if not pair:
            return priv
        return struct.pack("<5I", alg, 256, 32, 32, 0) + pub + priv
    if isinstance(key, dh.DHPrivateKey):
        dn = key.private_numbers()
        pub = _be(dn.public_numbers.y, size // 8)
        priv = _be(dn.x)
        return struct.pack("<5I", alg, size, len(pub), len(priv), 0) + pub + priv
    if isinstance(key, dsa.DSAPrivateKey):
        sn = key.private_numbers()
        pn = sn.public_numbers.parameter_numbers
        parts = [_be(sn.x), _be(sn.public_numbers.y), _be(pn.p), _be(pn.q), _be(pn.g)]
        return struct.pack("<7I", alg, size, *(len(p) for p in parts)) + b"".join(parts)
    raise TypeError(f"no HUKS import format for {type(key).__name__}")


def encode_public(alg: int, key: object) -> bytes:
    """``in_data`` for importing a public key: SPKI DER, or raw 32 bytes for X25519/Ed25519."""
    if isinstance(key, ed25519.Ed25519PublicKey | x25519.X25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | dh.DHPublicKey | dsa.DSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    raise TypeError(f"no HUKS public format for {type(key).__name__} (alg {alg})")

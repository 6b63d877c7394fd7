"""Key material in the HUKS import formats (huks-reference.md §4.6), written from pyca keys.

An independent encoder: it does not use ``hukspy.formats``, so the suite checks a backend (and the
facade's parser) against the reference's byte layout rather than against itself.
"""

from __future__ import annotations

import math
import secrets
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed25519, mldsa, mlkem, rsa, x25519

from hukspy.backend.facts import SM2_SPKI_PREFIX
from hukspy.enums import HuksImportKeyType
from hukspy.spec import Sm2Key

__all__ = ["encode_private", "encode_public", "small_rsa_key"]


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


_PQ_PRIVATE = (mldsa.MLDSA44PrivateKey, mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey,
               mlkem.MLKEM768PrivateKey, mlkem.MLKEM1024PrivateKey)
_PQ_PUBLIC = (mldsa.MLDSA44PublicKey, mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey,
              mlkem.MLKEM768PublicKey, mlkem.MLKEM1024PublicKey)


def encode_private(alg: int, size: int, key: object, import_type: int) -> bytes:
    """``in_data`` for importing ``key`` (a pyca private key) as PRIVATE_KEY or KEY_PAIR.

    Layouts (little-endian uint32 headers, big-endian integers)::

        RSA    {1, keySize, nSize, eSize, dSize} ‖ n ‖ e ‖ d
        ECC    {2, keySize, xSize, ySize, zSize} ‖ x ‖ y ‖ z        (each ceil(keySize/8) bytes)
        25519  {101|102, 256, 32, 32, 0} ‖ pub ‖ priv
        DH     {103, keySize, pubSize, priSize, 0} ‖ pub ‖ priv
        DSA    {3, keySize, xSize, ySize, pSize, qSize, gSize} ‖ x ‖ y ‖ p ‖ q ‖ g
        SM2    {150, 256, 32, 32, 32} ‖ x ‖ y ‖ z   (an ``Sm2Key``; PRIVATE_KEY: {150, 256, 0, 0, 32} ‖ z)
        ML-*   {201|200, paramSet, pubSize (0 for PRIVATE_KEY), 32|64, 0} ‖ raw pub ‖ seed
    """
    pair = import_type == HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR
    if isinstance(key, Sm2Key):
        assert key.point is not None and key.scalar is not None
        xy = key.point[1:] if pair else b""
        return struct.pack("<5I", alg, size, len(xy) // 2, len(xy) // 2, 32) + xy + key.scalar
    if isinstance(key, _PQ_PRIVATE):
        seed = key.private_bytes_raw()
        pub = key.public_key().public_bytes_raw() if pair else b""
        return struct.pack("<5I", alg, size, len(pub), len(seed), 0) + pub + seed
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
    if isinstance(key, Sm2Key) and key.point is not None:
        return SM2_SPKI_PREFIX + key.point
    if isinstance(key, ed25519.Ed25519PublicKey | x25519.X25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if isinstance(key, _PQ_PUBLIC):  # first: touching the dh classes warns
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | dh.DHPublicKey | dsa.DSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    raise TypeError(f"no HUKS public format for {type(key).__name__} (alg {alg})")


_SMALL_PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)


def _prime(bits: int) -> int:
    """A random ``bits``-bit probable prime (Miller-Rabin, 40 rounds) with its top two bits set."""
    while True:
        c = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if any(c % s == 0 for s in _SMALL_PRIMES):
            continue
        d, r = c - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(40):
            x = pow(secrets.randbelow(c - 3) + 2, d, c)
            if x in (1, c - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, c)
                if x == c - 1:
                    break
            else:
                break
        else:
            return c


def small_rsa_key(bits: int) -> rsa.RSAPrivateKey:
    """An RSA key of ``bits`` < 1024 (pyca/cryptography only generates from 1024): two random primes
    of ``bits/2`` bits with e = 65537. Made here, not by hukspy's engine, so that a key that checks a
    backend does not come from the code under test. For tests only."""
    e = 65537
    while True:
        p, q = _prime(bits - bits // 2), _prime(bits // 2)
        n, phi = p * q, (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and math.gcd(e, phi) == 1:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)

"""An independent SM2 reference for the conformance suite: GM/T 0003 written out with Python integers
on pyca's SM3, so SM2 results are checked by code that shares nothing with the OpenSSL binding the
software engine uses (``hukspy.software.sm2``).

For TEST material only: the arithmetic is not constant-time and the keys it makes are for importing
into a keystore under test. Signatures are DER ``SEQUENCE {r, s}``, ciphertexts the GM/T 0009 DER
``SEQUENCE {x INTEGER, y INTEGER, C3 OCTET STRING, C2 OCTET STRING}`` (C1 ‖ C3 ‖ C2), Z_A uses the
default ID ``"1234567812345678"`` (docs/decisions.md, "SM2 and SM3").
"""

from __future__ import annotations

import secrets
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from hukspy.backend.facts import SM2_ORDER, SM2_SPKI_PREFIX
from hukspy.spec import Sm2Key

__all__ = ["decrypt", "digest_value", "encrypt", "generate", "sign", "spki", "verify"]

_P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A: Final = _P - 3
_B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_G: Final = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
_N: Final = SM2_ORDER
_DEFAULT_ID: Final = b"1234567812345678"

_Point = tuple[int, int] | None


def _add(p1: _Point, p2: _Point) -> _Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % _P == 0:
        return None
    num, den = (3 * x1 * x1 + _A, 2 * y1) if p1 == p2 else (y2 - y1, x2 - x1)
    lam = num * pow(den, -1, _P) % _P
    x3 = (lam * lam - x1 - x2) % _P
    return x3, (lam * (x1 - x3) - y1) % _P


def _mul(k: int, point: _Point) -> _Point:
    result: _Point = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _bytes(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _point(encoded: bytes) -> tuple[int, int]:
    assert len(encoded) == 65 and encoded[0] == 4, "not an uncompressed SM2 point"
    return int.from_bytes(encoded[1:33], "big"), int.from_bytes(encoded[33:], "big")


def _encode(point: _Point) -> bytes:
    assert point is not None
    return b"\x04" + _bytes(point[0]) + _bytes(point[1])


def _sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def generate() -> Sm2Key:
    """A new SM2 key pair (test material)."""
    d = secrets.randbelow(_N - 2) + 1
    return Sm2Key(_encode(_mul(d, _G)), _bytes(d))


def spki(point: bytes) -> bytes:
    """The SubjectPublicKeyInfo of an SM2 point (the export format)."""
    return SM2_SPKI_PREFIX + point


def digest_value(point: bytes, message: bytes) -> bytes:
    """e = SM3(Z_A ‖ M), Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) with the default ID."""
    x, y = _point(point)
    entl = (len(_DEFAULT_ID) * 8).to_bytes(2, "big")
    za = _sm3(entl + _DEFAULT_ID + b"".join(_bytes(v) for v in (_A, _B, *_G, x, y)))
    return _sm3(za + message)


def sign(scalar: bytes, e: bytes) -> bytes:
    """An SM2 signature of the 32-byte value ``e`` with the private ``scalar`` (DER)."""
    d = int.from_bytes(scalar, "big")
    while True:
        k = secrets.randbelow(_N - 1) + 1
        kg = _mul(k, _G)
        assert kg is not None
        r = (int.from_bytes(e, "big") + kg[0]) % _N
        if r == 0 or r + k == _N:
            continue
        s = pow(1 + d, -1, _N) * (k - r * d) % _N
        if s:
            return encode_dss_signature(r, s)


def verify(point: bytes, e: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (DER) is a valid SM2 signature of the 32-byte value ``e``."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    if not (1 <= r < _N and 1 <= s < _N):
        return False
    t = (r + s) % _N
    if t == 0:
        return False
    sum_point = _add(_mul(s, _G), _mul(t, _point(point)))
    return sum_point is not None and (int.from_bytes(e, "big") + sum_point[0]) % _N == r


def _kdf(z: bytes, length: int) -> bytes:
    out = b""
    counter = 1
    while len(out) < length:
        out += _sm3(z + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        header = bytes([tag, n])
    elif n < 0x100:
        header = bytes([tag, 0x81, n])
    else:
        header = bytes([tag, 0x82]) + n.to_bytes(2, "big")
    return header + body


def _der_int(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return _der(0x02, body)


def _read(data: bytes, at: int) -> tuple[int, bytes, int]:
    tag, first = data[at], data[at + 1]
    start = at + 2
    length = first
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[start : start + length], start + length


def encrypt(point: bytes, message: bytes) -> bytes:
    """SM2 encryption of ``message`` to ``point`` in the DER C1 ‖ C3 ‖ C2 form."""
    pb = _point(point)
    while True:
        k = secrets.randbelow(_N - 1) + 1
        c1, shared = _mul(k, _G), _mul(k, pb)
        assert c1 is not None and shared is not None
        x2, y2 = _bytes(shared[0]), _bytes(shared[1])
        t = _kdf(x2 + y2, len(message))
        if any(t) or not message:
            break
    c2 = bytes(a ^ b for a, b in zip(message, t, strict=True))
    c3 = _sm3(x2 + message + y2)
    body = _der_int(c1[0]) + _der_int(c1[1]) + _der(0x04, c3) + _der(0x04, c2)
    return _der(0x30, body)


def decrypt(scalar: bytes, ciphertext: bytes) -> bytes:
    """The message inside an SM2 ciphertext (DER form); ``ValueError`` when it is malformed or C3
    does not match."""
    tag, body, end = _read(ciphertext, 0)
    if tag != 0x30 or end != len(ciphertext):
        raise ValueError("not an SM2 ciphertext")
    fields = []
    at = 0
    for expected in (0x02, 0x02, 0x04, 0x04):
        tag, value, at = _read(body, at)
        if tag != expected:
            raise ValueError("not an SM2 ciphertext")
        fields.append(value)
    x1, y1 = int.from_bytes(fields[0], "big"), int.from_bytes(fields[1], "big")
    shared = _mul(int.from_bytes(scalar, "big"), (x1, y1))
    assert shared is not None
    x2, y2 = _bytes(shared[0]), _bytes(shared[1])
    c3, c2 = fields[2], fields[3]
    message = bytes(a ^ b for a, b in zip(c2, _kdf(x2 + y2, len(c2)), strict=True))
    if _sm3(x2 + message + y2) != c3:
        raise ValueError("C3 does not match")
    return message

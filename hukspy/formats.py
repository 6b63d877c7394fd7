"""HUKS key formats (docs/wrapped-keys.md): import key material, exported public keys, wrapped keys.

Pure functions between the byte formats of the HUKS API and pyca ``cryptography`` key objects. Nothing
here keeps state, logs, or looks at a ``HuksParam``: the facade passes the plain ints it already
validated (``ALGORITHM``, ``KEY_SIZE``, ``IMPORT_KEY_TYPE``).

The byte formats, all documented in the function that reads or writes them:

- ``parse_import``: the ``in_data`` of ``import_key_item`` (raw symmetric bytes, SPKI DER or raw
  25519 public keys, and the little-endian ``HksKeyMaterial*`` structs for private keys and pairs).
- ``key_material`` / ``private_key_material``: the inverse of ``parse_import`` for private keys.
- ``export_public`` / ``load_public``: the public-key format of ``export_key_item``, of an agreement
  peer key and of the first blob of a wrapped key.
- ``parse_lv`` / ``build_lv``: the length-value concatenation of ``import_wrapped_key_item``.

Every malformed input raises ``HuksError`` 401 (upstream ``HKS_ERROR_INVALID_KEY_INFO`` -19,
``HKS_ERROR_INVALID_PUBLIC_KEY`` -17 or ``HKS_ERROR_INVALID_WRAPPED_FORMAT`` -126, all mapped to 401);
an algorithm or key type this module cannot represent raises 12000001. No other exception escapes.
"""

from __future__ import annotations

import math
import struct
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa, x25519
from cryptography.utils import CryptographyDeprecationWarning

from hukspy.backend import facts
from hukspy.enums import HuksImportKeyType, HuksKeyAlg
from hukspy.errors import HuksError
from hukspy.spec import KeyMaterial, Private, Public, Sm2Key

# cryptography deprecates finite-field DH and warns on every attribute access of its ``dh`` module; DH
# is part of the HUKS API, so the names are taken once here, with that warning silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", CryptographyDeprecationWarning)
    from cryptography.hazmat.primitives.asymmetric.dh import (
        DHParameterNumbers,
        DHPrivateKey,
        DHPrivateNumbers,
        DHPublicKey,
        DHPublicNumbers,
    )

__all__ = [
    "DH_GROUPS",
    "EC_CURVES",
    "SYMMETRIC_ALGS",
    "WRAPPED_FORMAT_MAX_SIZE",
    "WRAPPED_KEY_PARTS",
    "build_lv",
    "export_public",
    "key_material",
    "load_public",
    "load_sm2_public",
    "parse_import",
    "parse_lv",
    "pq_param_set",
    "private_key_material",
]

_A = HuksKeyAlg


_PRIVATE_KEY: Final = HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY
_KEY_PAIR: Final = HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR

#: Algorithms whose import format is the raw key bytes (length = KEY_SIZE / 8): ``hukspy.backend.facts``.
SYMMETRIC_ALGS: Final[frozenset[int]] = facts.SYMMETRIC_ALGS

_EC_ALGS: Final[frozenset[int]] = frozenset({_A.HUKS_ALG_ECC, _A.HUKS_ALG_ECDH})
_25519_ALGS: Final[frozenset[int]] = frozenset({_A.HUKS_ALG_X25519, _A.HUKS_ALG_ED25519})

#: HUKS ECC/ECDH key size (bits) -> the NIST curve of that size.
EC_CURVES: Final[Mapping[int, ec.EllipticCurve]] = MappingProxyType(
    {size: c.curve for size, c in facts.CURVES.items()}
)

# RFC 7919 appendix A: the ffdhe finite-field groups, generator 2.
_FFDHE2048 = int(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF",
    16,
)
_FFDHE3072 = int(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B"
    "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C"
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF"
    "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E"
    "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF",
    16,
)
_FFDHE4096 = int(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B"
    "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C"
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF"
    "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E"
    "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB"
    "7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A"
    "7135C886EFB4318AED6A1E012D9E6832A907600A918130C46DC778F971AD0038"
    "092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF"
    "8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E655F6AFFFFFFFFFFFFFFFF",
    16,
)

#: HUKS DH key size (bits) -> (p, g) of the RFC 7919 ffdhe group of that size; the only DH groups
#: hukspy generates, imports or agrees in.
DH_GROUPS: Final[Mapping[int, tuple[int, int]]] = MappingProxyType(
    {2048: (_FFDHE2048, 2), 3072: (_FFDHE3072, 2), 4096: (_FFDHE4096, 2)}
)

#: The number of LV blobs in an ``import_wrapped_key_item`` in_data (``HKS_IMPORT_WRAPPED_KEY_TOTAL_BLOBS``).
WRAPPED_KEY_PARTS: Final = 10
#: The largest wrapped-key in_data upstream accepts (``HKS_WRAPPED_FORMAT_MAX_SIZE``, 1 MiB).
WRAPPED_FORMAT_MAX_SIZE: Final = 1024 * 1024

_HDR5: Final = struct.Struct("<5I")  # RSA, ECC, 25519 and DH headers
_HDR7: Final = struct.Struct("<7I")  # DSA header
_U32: Final = struct.Struct("<I")
_RAW_25519: Final = 32
_SM2_BITS: Final = 256
_RSA_DEFAULT_E: Final = 65537
_RSA_FACTOR_BASES: Final = 64
_RSA_MAX_BITS: Final = 8192  # bounds the arithmetic done on untrusted input


def _bad(info: str) -> HuksError:
    return HuksError(401, info)


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _be(value: int, length: int | None = None) -> bytes:
    """``value`` big-endian, in ``length`` bytes (left-padded with zeros), or in its minimal length."""
    if length is None:
        length = max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(length, "big")


# --------------------------------------------------------------------------------------------------
# import_key_item


def parse_import(alg: int, size: int, import_type: int | None, data: bytes) -> KeyMaterial:
    """Parse the ``in_data`` of ``import_key_item`` for a key of ``alg`` (HuksKeyAlg) and ``size`` bits.

    Formats, by algorithm and ``import_type`` (HuksImportKeyType):

    - **Symmetric** (AES, DES, 3DES, SM4, HMAC, CMAC, SM3), whatever ``import_type``: the raw key bytes;
      their length must be exactly ``size // 8`` (and ``size`` a positive multiple of 8). Returns
      ``KeyMaterial(secret=...)``.
    - **PUBLIC_KEY** (0): see ``load_public`` (SPKI DER, or raw 32 bytes for X25519/Ed25519); the key's
      size must be ``size``. Returns ``KeyMaterial(public=...)``.
    - **PRIVATE_KEY** (1) and **KEY_PAIR** (2): a little-endian struct of ``uint32`` fields followed by
      the big-endian unsigned integers (or raw 25519 keys) it announces, back to back::

        RSA    {keyAlg=1, keySize, nSize, eSize, dSize}           ‖ n ‖ e ‖ d
        ECC    {keyAlg=2|100, keySize, xSize, ySize, zSize}       ‖ x ‖ y ‖ z      (z: private scalar)
        25519  {keyAlg=101|102, keySize=256, pubKeySize, priKeySize, reserved}  ‖ pub ‖ priv
        DH     {keyAlg=103, keySize, pubKeySize, priKeySize, reserved}          ‖ pub ‖ priv
        ML-DSA {keyAlg=201, keyParamSet=44|65|87, pubKeySize, priKeySize, reserved}  ‖ pub ‖ seed
        ML-KEM {keyAlg=200, keyParamSet=768|1024, pubKeySize, priKeySize, reserved}  ‖ pub ‖ seed
        DSA    {keyAlg=3, keySize, xSize, ySize, pSize, qSize, gSize} ‖ x ‖ y ‖ p ‖ q ‖ g  (x: private)

      ``keyAlg`` must equal ``alg`` and ``keySize`` must equal ``size``; the header plus the announced
      sizes must add up to exactly ``len(data)``. For P-256 the ECC header is
      ``02000000 00010000 20000000 20000000 20000000``. ``reserved`` is ignored. Sizes: RSA ``keySize``
      is the modulus length in bits; ECC 224/256/384/521 (the NIST P-curves); DH 2048/3072/4096 (the
      RFC 7919 ffdhe group of that size, ``DH_GROUPS``; pub is g^priv mod p); DSA the bit length of p.
      Returns ``KeyMaterial(private=...)``.

      PRIVATE_KEY may omit the public half: RSA ``eSize=0`` means e = 65537; ECC ``xSize=ySize=0``, 25519
      ``pubKeySize=0``, DH ``pubKeySize=0`` and DSA ``ySize=0`` mean "derive it". A 25519 PRIVATE_KEY may
      also be just the raw 32-byte private key. When the public half is present (always, for KEY_PAIR) it
      must match the private half. The RSA primes are recovered from (n, e, d).

      ML-DSA / ML-KEM (docs/decisions.md "post-quantum keys"): the header of upstream's
      ``HksKeyMaterialMlDsa``/``HksKeyMaterialMlKem``; ``pub`` is the raw FIPS 204/203 public key
      (``pubKeySize`` 0 for PRIVATE_KEY, as upstream's CheckMlDsaKeyLen requires; the exact length for
      KEY_PAIR) and the private part is the FIPS seed (ML-DSA xi, 32 bytes; ML-KEM d ‖ z, 64 bytes).
      Upstream's own private part is the expanded private key (2560/4032/4896 and 1632/2400/3168
      bytes), which pyca/cryptography cannot load: that length raises 12000001; any other is 401.
      Public keys are X.509 SPKI DER (upstream TranslateToInnerMlDsaFormat / MlKem: d2i_PUBKEY).

    ``import_type`` ``None`` (IMPORT_KEY_TYPE absent) or any value other than PRIVATE_KEY/KEY_PAIR
    reads the data as a public key, as upstream does (``HksCoreCheckImportKeyParams`` and
    ``HksImportKeyAdapter`` only branch on PRIVATE_KEY/KEY_PAIR, everything else is a public key).

    **SM2** (``KeyMaterial(sm2=...)``): PRIVATE_KEY/KEY_PAIR as the ECC struct with keyAlg 150 and
    keySize 256 (x, y, z at most 32 bytes each, as upstream's ``GetSm2Modules``); any other type reads
    the 91-byte SubjectPublicKeyInfo of ``load_sm2_public``.

    Raises ``HuksError`` 401 for any malformed, truncated, oversized or inconsistent data, and 12000001
    for an algorithm whose key material this module cannot represent (HKDF, ...) and for upstream's
    expanded ML-DSA/ML-KEM private keys.
    """
    data = bytes(data)
    if alg in SYMMETRIC_ALGS:
        if size <= 0 or size % 8 != 0 or len(data) != size // 8:
            raise _bad(f"key material length {len(data)} bytes for a key of KEY_SIZE {size}")
        return KeyMaterial(secret=data)
    if alg == _A.HUKS_ALG_SM2:
        if import_type in (_PRIVATE_KEY, _KEY_PAIR):
            return KeyMaterial(sm2=_parse_sm2(alg, size, import_type == _KEY_PAIR, data))
        return KeyMaterial(sm2=Sm2Key(load_sm2_public(data, size)))
    parser = _PRIVATE_PARSERS.get(alg)
    if parser is None:
        raise HuksError(12000001, f"import of algorithm {alg} key material")
    try:
        if import_type in (_PRIVATE_KEY, _KEY_PAIR):
            return KeyMaterial(private=parser(alg, size, import_type == _KEY_PAIR, data))
        return KeyMaterial(public=load_public(alg, data, size))
    except (ValueError, OverflowError, UnsupportedAlgorithm) as exc:
        raise _bad(f"key material rejected by the crypto library: {exc}") from exc


def _fields(alg: int, size: int, data: bytes, header: struct.Struct, n_sizes: int) -> list[bytes]:
    """Split ``header ‖ parts``: check keyAlg/keySize, return the ``n_sizes`` parts the header announces."""
    if len(data) < header.size:
        raise _bad(f"key material of {len(data)} bytes is shorter than its {header.size}-byte header")
    values = header.unpack_from(data)
    if values[0] != alg:
        raise _bad(f"the key material's keyAlg {values[0]} is not the ALGORITHM {alg}")
    if values[1] != size:
        raise _bad(f"the key material's keySize {values[1]} is not the KEY_SIZE {size}")
    sizes = values[2 : 2 + n_sizes]
    if header.size + sum(sizes) != len(data):
        raise _bad(f"the key material's sizes add up to {header.size + sum(sizes)} bytes, not {len(data)}")
    parts: list[bytes] = []
    offset = header.size
    for length in sizes:
        parts.append(data[offset : offset + length])
        offset += length
    return parts


def _rsa_factor(n: int, e: int, d: int) -> tuple[int, int]:
    """Recover (p, q) from (n, e, d) with a bounded amount of work (HAC 8.2.2 (i)).

    Unlike ``rsa.rsa_recover_prime_factors`` this tries a fixed set of bases and squares instead of
    re-exponentiating, so crafted input (a prime n, say) costs at most 64 exponentiations plus 64 * s
    squarings. Each base of a genuine key finds a factor with probability at least 1/2.
    """
    if not (3 <= e < n and 1 < d < n and n % 2 == 1):
        raise _bad("the RSA key material has out-of-range n, e or d")
    k = d * e - 1
    if pow(2, k, n) != 1:
        raise _bad("the RSA key material's n, e and d do not match")
    t, s = k, 0
    while t % 2 == 0:
        t //= 2
        s += 1
    for a in range(2, 2 + _RSA_FACTOR_BASES):
        x = pow(a, t, n)
        if x in (1, n - 1):
            continue
        for _ in range(s):
            y = x * x % n
            if y == 1:  # x is a non-trivial square root of 1
                p = math.gcd(x - 1, n)
                if 1 < p < n:
                    return max(p, n // p), min(p, n // p)
                break
            if y == n - 1:
                break
            x = y
    raise _bad("the RSA key material's n, e and d do not match")


def _parse_rsa(alg: int, size: int, pair: bool, data: bytes) -> Private:
    n_b, e_b, d_b = _fields(alg, size, data, _HDR5, 3)
    if not n_b or not d_b or (pair and not e_b):
        raise _bad("the RSA key material has an empty n, e or d")
    n, d = _int(n_b), _int(d_b)
    e = _int(e_b) if e_b else _RSA_DEFAULT_E
    if n.bit_length() != size or size > _RSA_MAX_BITS:
        raise _bad(f"the RSA modulus has {n.bit_length()} bits, not KEY_SIZE {size} (<= {_RSA_MAX_BITS})")
    p, q = _rsa_factor(n, e, d)
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p), dmq1=rsa.rsa_crt_dmq1(d, q), iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, n),
    )
    return numbers.private_key()


def _parse_ecc(alg: int, size: int, pair: bool, data: bytes) -> Private:
    curve = EC_CURVES.get(size)
    if curve is None:
        raise _bad(f"KEY_SIZE {size} is not an ECC curve size")
    x_b, y_b, z_b = _fields(alg, size, data, _HDR5, 3)
    if not z_b:
        raise _bad("the ECC key material has an empty private value z")
    if (pair or x_b or y_b) and not (x_b and y_b):
        raise _bad("the ECC key material has an empty public coordinate")
    key = ec.derive_private_key(_int(z_b), curve)
    if x_b:
        pub = key.public_key().public_numbers()
        if (pub.x, pub.y) != (_int(x_b), _int(y_b)):
            raise _bad("the ECC public key does not match the private key")
    return key


def _parse_sm2(alg: int, size: int, pair: bool, data: bytes) -> Sm2Key:
    """SM2 private key material: the ECC struct with keyAlg 150 and keySize 256; x, y and z each at
    most 32 bytes (upstream ``GetSm2Modules`` accepts big-endian values shorter than 32 bytes); the
    point, when given, must be on the curve. Whether it matches z is checked by the engine."""
    if size != _SM2_BITS:
        raise _bad(f"KEY_SIZE {size} is not 256 for an SM2 key")
    x_b, y_b, z_b = _fields(alg, size, data, _HDR5, 3)
    width = _SM2_BITS // 8
    if not z_b or any(len(part) > width for part in (x_b, y_b, z_b)):
        raise _bad("the SM2 key material's values are empty or longer than 32 bytes")
    if (pair or x_b or y_b) and not (x_b and y_b):
        raise _bad("the SM2 key material has an empty public coordinate")
    point = None
    if x_b:
        point = b"\x04" + x_b.rjust(width, b"\x00") + y_b.rjust(width, b"\x00")
        if not facts.sm2_on_curve(point):
            raise _bad("the SM2 public key is not a point on the curve")
    return Sm2Key(point, z_b.rjust(width, b"\x00"))


def load_sm2_public(data: bytes, size: int | None = None) -> bytes:
    """The uncompressed point of an SM2 public key in the ``export_key_item`` format: the 91-byte X.509
    SubjectPublicKeyInfo (id-ecPublicKey, curve 1.2.156.10197.1.301) OpenSSL writes. Raises
    ``HuksError`` 401 for anything else or a point off the curve."""
    data = bytes(data)
    prefix = facts.SM2_SPKI_PREFIX
    if size not in (None, _SM2_BITS) or len(data) != len(prefix) + facts.SM2_POINT_BYTES:
        raise _bad("an SM2 public key is a 91-byte SubjectPublicKeyInfo of KEY_SIZE 256")
    point = data[len(prefix):]
    if not data.startswith(prefix) or not facts.sm2_on_curve(point):
        raise _bad("the public key is not an SM2 SubjectPublicKeyInfo with a point on the curve")
    return point


def _parse_25519(alg: int, size: int, pair: bool, data: bytes) -> Private:
    if size != 256:
        raise _bad(f"KEY_SIZE {size} is not 256 for a 25519 key")
    if not pair and len(data) == _RAW_25519:
        pub_b, priv_b = b"", data
    else:
        pub_b, priv_b = _fields(alg, size, data, _HDR5, 2)
    if len(priv_b) != _RAW_25519 or len(pub_b) not in ((_RAW_25519,) if pair else (0, _RAW_25519)):
        raise _bad("the 25519 key material's keys are not 32 bytes")
    key: x25519.X25519PrivateKey | ed25519.Ed25519PrivateKey
    if alg == _A.HUKS_ALG_X25519:
        key = x25519.X25519PrivateKey.from_private_bytes(priv_b)
    else:
        key = ed25519.Ed25519PrivateKey.from_private_bytes(priv_b)
    if pub_b and export_public(key) != pub_b:
        raise _bad("the 25519 public key does not match the private key")
    return key


def _parse_dh(alg: int, size: int, pair: bool, data: bytes) -> Private:
    group = DH_GROUPS.get(size)
    if group is None:
        raise _bad(f"KEY_SIZE {size} is not a DH group size")
    p, g = group
    pub_b, priv_b = _fields(alg, size, data, _HDR5, 2)
    if not priv_b or (pair and not pub_b):
        raise _bad("the DH key material has an empty public or private key")
    x = _int(priv_b)
    if not 1 < x < p - 1:
        raise _bad("the DH private key is out of range")
    y = pow(g, x, p)
    if pub_b and _int(pub_b) != y:
        raise _bad("the DH public key does not match the private key")
    return DHPrivateNumbers(x, DHPublicNumbers(y, DHParameterNumbers(p, g))).private_key()


def _parse_dsa(alg: int, size: int, pair: bool, data: bytes) -> Private:
    x_b, y_b, p_b, q_b, g_b = _fields(alg, size, data, _HDR7, 5)
    if not (x_b and p_b and q_b and g_b) or (pair and not y_b):
        raise _bad("the DSA key material has an empty x, y, p, q or g")
    x, p, q, g = _int(x_b), _int(p_b), _int(q_b), _int(g_b)
    if p.bit_length() != size:
        raise _bad(f"the DSA prime p has {p.bit_length()} bits, not KEY_SIZE {size}")
    params = dsa.DSAParameterNumbers(p, q, g)
    params.parameters()  # checks the sizes of p (1024..4096) and q before any arithmetic on them
    if not (1 < g < p and 0 < x < q < p):
        raise _bad("the DSA key material has out-of-range x, q or g")
    y = pow(g, x, p)
    if y_b and _int(y_b) != y:
        raise _bad("the DSA public key does not match the private key")
    return dsa.DSAPrivateNumbers(x, dsa.DSAPublicNumbers(y, params)).private_key()


def _parse_pq(alg: int, size: int, pair: bool, data: bytes) -> Private:
    params = facts.PQ_PARAM_SETS.get((alg, size))
    if params is None:
        raise _bad(f"KEY_SIZE {size} is not a parameter set of algorithm {alg}")
    pub_b, priv_b = _fields(alg, size, data, _HDR5, 2)
    if len(pub_b) != (params.public_len if pair else 0):
        raise _bad(f"the key material's pubKeySize {len(pub_b)} does not fit the import type")
    if len(priv_b) == params.expanded_len:
        raise HuksError(12000001, "an expanded ML-DSA/ML-KEM private key (import the seed form)")
    if len(priv_b) != params.seed_len:
        raise _bad(f"the key material's priKeySize {len(priv_b)} is not the {params.seed_len}-byte seed")
    key = params.private.from_seed_bytes(priv_b)  # type: ignore[attr-defined]
    if not isinstance(key, (*facts.ML_DSA_PRIVATE, *facts.ML_KEM_PRIVATE)):
        raise _bad("the seed does not make a key of this parameter set")
    if pub_b and key.public_key().public_bytes_raw() != pub_b:
        raise _bad("the public key does not match the private key")
    return key


_PQ_PRIVATE: Final[Mapping[type, tuple[int, int]]] = MappingProxyType(
    {params.private: alg_size for alg_size, params in facts.PQ_PARAM_SETS.items()}
)
_PQ_PUBLIC: Final[Mapping[type, tuple[int, int]]] = MappingProxyType(
    {params.public: alg_size for alg_size, params in facts.PQ_PARAM_SETS.items()}
)


def pq_param_set(key: Private | Public) -> tuple[int, int] | None:
    """(ALGORITHM, KEY_SIZE) of an ML-DSA/ML-KEM pyca key, None for any other key."""
    for cls, alg_size in (*_PQ_PRIVATE.items(), *_PQ_PUBLIC.items()):
        if isinstance(key, cls):
            return alg_size
    return None


_PRIVATE_PARSERS: Final[Mapping[int, Callable[[int, int, bool, bytes], Private]]] = MappingProxyType({
    _A.HUKS_ALG_RSA: _parse_rsa,
    _A.HUKS_ALG_ECC: _parse_ecc,
    _A.HUKS_ALG_ECDH: _parse_ecc,
    _A.HUKS_ALG_X25519: _parse_25519,
    _A.HUKS_ALG_ED25519: _parse_25519,
    _A.HUKS_ALG_DH: _parse_dh,
    _A.HUKS_ALG_DSA: _parse_dsa,
    _A.HUKS_ALG_ML_DSA: _parse_pq,
    _A.HUKS_ALG_ML_KEM: _parse_pq,
})


# --------------------------------------------------------------------------------------------------
# building import key material (the inverse of parse_import)


def key_material(private_key: Private, alg: int | None = None) -> bytes:
    """The KEY_PAIR import format (``IMPORT_KEY_TYPE`` = 2) of ``private_key``; see ``parse_import``.

    Field widths written: RSA n and d in ``ceil(keySize/8)`` bytes, e in its minimal length; ECC x, y
    and z each in ``ceil(keySize/8)`` bytes (32 for P-256, 66 for P-521); 25519 pub and priv 32 bytes,
    ``reserved`` 0; DH pub in ``keySize/8`` bytes, priv in its minimal length, ``reserved`` 0; DSA x and
    q in ``len(q)`` bytes, y, p and g in ``len(p)`` bytes. ``keyAlg`` is the key's own algorithm;
    ``alg`` may override it only for EC keys (ECC 2 or ECDH 100).

    Raises ``HuksError`` 12000001 for a key type HUKS has no format for (Ed448, X448, other curves),
    401 for a DH key outside the ffdhe groups or an ``alg`` that does not fit the key.
    """
    return _build(private_key, alg, pair=True)


def private_key_material(private_key: Private, alg: int | None = None) -> bytes:
    """The PRIVATE_KEY import format (``IMPORT_KEY_TYPE`` = 1) of ``private_key``; see ``parse_import``.

    As ``key_material`` but without the public half: ECC with ``xSize=ySize=0``, DH with
    ``pubKeySize=0``, DSA with ``ySize=0``; X25519/Ed25519 as the raw 32-byte private key; RSA keeps
    n, e and d (the same struct as the pair). Raises as ``key_material``.
    """
    return _build(private_key, alg, pair=False)


def _build(key: Private, alg: int | None, *, pair: bool) -> bytes:
    if alg is not None and not (isinstance(key, ec.EllipticCurvePrivateKey) and alg in _EC_ALGS):
        raise _bad(f"ALGORITHM {alg} does not fit a {type(key).__name__}")
    if isinstance(key, rsa.RSAPrivateKey):
        nums = key.private_numbers()
        width = (key.key_size + 7) // 8
        n, e, d = _be(nums.public_numbers.n, width), _be(nums.public_numbers.e), _be(nums.d, width)
        return _HDR5.pack(_A.HUKS_ALG_RSA, key.key_size, len(n), len(e), len(d)) + n + e + d
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = key.curve.key_size
        curve = EC_CURVES.get(size)
        if curve is None or curve.name != key.curve.name:
            raise HuksError(12000001, f"the {key.curve.name} curve")
        width = (size + 7) // 8
        ec_nums = key.private_numbers()
        x = _be(ec_nums.public_numbers.x, width) if pair else b""
        y = _be(ec_nums.public_numbers.y, width) if pair else b""
        z = _be(ec_nums.private_value, width)
        key_alg = _A.HUKS_ALG_ECC if alg is None else alg
        return _HDR5.pack(key_alg, size, len(x), len(y), len(z)) + x + y + z
    if isinstance(key, (x25519.X25519PrivateKey, ed25519.Ed25519PrivateKey)):
        priv = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        if not pair:
            return priv
        key_alg = _A.HUKS_ALG_X25519 if isinstance(key, x25519.X25519PrivateKey) else _A.HUKS_ALG_ED25519
        return _HDR5.pack(key_alg, 256, _RAW_25519, _RAW_25519, 0) + export_public(key) + priv
    if isinstance(key, DHPrivateKey):
        dh_nums = key.private_numbers()
        params = dh_nums.public_numbers.parameter_numbers
        size = params.p.bit_length()
        if DH_GROUPS.get(size) != (params.p, params.g):
            raise _bad("the DH key is not in an RFC 7919 ffdhe group")
        pub = _be(dh_nums.public_numbers.y, size // 8) if pair else b""
        priv = _be(dh_nums.x)
        return _HDR5.pack(_A.HUKS_ALG_DH, size, len(pub), len(priv), 0) + pub + priv
    if isinstance(key, dsa.DSAPrivateKey):
        dsa_nums = key.private_numbers()
        dp = dsa_nums.public_numbers.parameter_numbers
        p_len, q_len = (dp.p.bit_length() + 7) // 8, (dp.q.bit_length() + 7) // 8
        x = _be(dsa_nums.x, q_len)
        y = _be(dsa_nums.public_numbers.y, p_len) if pair else b""
        p, q, g = _be(dp.p, p_len), _be(dp.q, q_len), _be(dp.g, p_len)
        header = _HDR7.pack(_A.HUKS_ALG_DSA, key.key_size, len(x), len(y), len(p), len(q), len(g))
        return header + x + y + p + q + g
    pq = pq_param_set(key)
    if pq is not None and isinstance(key, (*facts.ML_DSA_PRIVATE, *facts.ML_KEM_PRIVATE)):
        seed = key.private_bytes_raw()
        pub = key.public_key().public_bytes_raw() if pair else b""
        return _HDR5.pack(pq[0], pq[1], len(pub), len(seed), 0) + pub + seed
    raise HuksError(12000001, f"HUKS key material for a {type(key).__name__}")


# --------------------------------------------------------------------------------------------------
# public keys: export_key_item, agreement peers, wrapped-key peers


def export_public(key: Public | Private) -> bytes:
    """The ``export_key_item`` format of a public key (or of a private key's public half).

    RSA, ECC, DSA, DH, ML-DSA and ML-KEM: X.509 ``SubjectPublicKeyInfo`` DER (91 bytes for P-256;
    upstream MlDsaPublicKeyToX509/MlKemPublicKeyToX509). X25519 and Ed25519: the raw 32-byte public
    key. Raises ``HuksError`` 12000001 for any other key type.
    """
    if isinstance(key, (*facts.ML_DSA_PRIVATE, *facts.ML_KEM_PRIVATE)):
        return export_public(key.public_key())
    if isinstance(key, (*facts.ML_DSA_PUBLIC, *facts.ML_KEM_PUBLIC)):
        return key.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo)
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey, DHPrivateKey,
                        x25519.X25519PrivateKey, ed25519.Ed25519PrivateKey)):
        return export_public(key.public_key())
    if isinstance(key, (x25519.X25519PublicKey, ed25519.Ed25519PublicKey)):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, dsa.DSAPublicKey, DHPublicKey)):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    raise HuksError(12000001, f"export of a {type(key).__name__}")


_SPKI_TYPES: Final[Mapping[int, type]] = MappingProxyType({
    _A.HUKS_ALG_RSA: rsa.RSAPublicKey,
    _A.HUKS_ALG_ECC: ec.EllipticCurvePublicKey,
    _A.HUKS_ALG_ECDH: ec.EllipticCurvePublicKey,
    _A.HUKS_ALG_DSA: dsa.DSAPublicKey,
    _A.HUKS_ALG_DH: DHPublicKey,
})


def load_public(alg: int, data: bytes, size: int | None = None) -> Public:
    """Load a public key of ``alg`` in the ``export_public`` format, checking its size when given.

    RSA, ECC, ECDH, DSA, DH, ML-DSA, ML-KEM: X.509 SPKI DER whose key type matches ``alg``; X25519,
    Ed25519: exactly 32 raw bytes. With ``size``: RSA and DSA key size (bits of n, of p), ECC/ECDH the
    P-curve of that size, ML-DSA/ML-KEM the parameter set, DH the ffdhe group of that size (p and g
    must equal ``DH_GROUPS[size]``), 25519 only 256. Without
    ``size`` an EC key must still be on a P-curve and a DH key in an ffdhe group.

    Used for imported public keys, an agreement's peer key and the peer key of a wrapped import; a
    malformed or mismatching key raises ``HuksError`` 401 (upstream INVALID_PUBLIC_KEY -17 / -19 → 401).
    An algorithm without a public-key format here raises 12000001.
    """
    data = bytes(data)
    try:
        if alg in _25519_ALGS:
            if size not in (None, 256) or len(data) != _RAW_25519:
                raise _bad(f"a 25519 public key must be 32 raw bytes of KEY_SIZE 256, not {len(data)} bytes")
            if alg == _A.HUKS_ALG_X25519:
                return x25519.X25519PublicKey.from_public_bytes(data)
            return ed25519.Ed25519PublicKey.from_public_bytes(data)
        expected: type | tuple[type, ...] | None = _SPKI_TYPES.get(alg)
        if alg in _PQ_ALGS:
            expected = tuple(c for c, (a, _s) in _PQ_PUBLIC.items() if a == alg)
        if expected is None:
            raise HuksError(12000001, f"a public key of algorithm {alg}")
        if alg == _A.HUKS_ALG_DH:
            with warnings.catch_warnings():  # loading a DH key warns (FFDH deprecation, see above)
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                key = serialization.load_der_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
        if not isinstance(key, expected):
            raise _bad(f"the public key is a {type(key).__name__}, not a key of ALGORITHM {alg}")
        _check_public_size(key, size)
        return key
    except (ValueError, OverflowError, UnsupportedAlgorithm) as exc:
        raise _bad("the public key is not a valid X.509 SubjectPublicKeyInfo") from exc


_PQ_ALGS: Final = frozenset({_A.HUKS_ALG_ML_DSA, _A.HUKS_ALG_ML_KEM})


def _check_public_size(key: Public, size: int | None) -> None:
    pq = pq_param_set(key)
    if pq is not None and size is not None and pq[1] != size:
        raise _bad(f"the public key is of parameter set {pq[1]}, not KEY_SIZE {size}")
    if isinstance(key, ec.EllipticCurvePublicKey):
        sizes = [s for s, curve in EC_CURVES.items() if curve.name == key.curve.name]
        if not sizes or (size is not None and sizes[0] != size):
            raise _bad(f"the public key's curve {key.curve.name} does not fit KEY_SIZE {size}")
    elif isinstance(key, DHPublicKey):
        params = key.parameters().parameter_numbers()
        bits = params.p.bit_length()
        if DH_GROUPS.get(bits) != (params.p, params.g) or (size is not None and bits != size):
            raise _bad(f"the DH public key is not in the ffdhe group of KEY_SIZE {size}")
        y = key.public_numbers().y
        if not 1 < y < params.p - 1:
            raise _bad("the DH public key is out of range")
    elif isinstance(key, (rsa.RSAPublicKey, dsa.DSAPublicKey)) and size is not None and key.key_size != size:
        raise _bad(f"the public key has {key.key_size} bits, not KEY_SIZE {size}")


# --------------------------------------------------------------------------------------------------
# import_wrapped_key_item: the LV format


def parse_lv(data: bytes, count: int = WRAPPED_KEY_PARTS) -> list[bytes]:
    """Split ``count`` length-value blobs, each ``len: uint32 LE ‖ len bytes``, with nothing after.

    The ``import_wrapped_key_item`` in_data is 10 of them (docs/wrapped-keys.md): peer public key,
    agree AAD, agree nonce, agree tag, KEK ciphertext, KEK AAD, KEK nonce, KEK tag, the 4-byte
    ``keyMaterialLen`` (uint32 LE), key ciphertext. As upstream (``HksCheckWrappedDataFormatValidity``):
    every length must be non-zero and fit in the remaining data, the total must not exceed 1 MiB
    (``WRAPPED_FORMAT_MAX_SIZE``), and trailing bytes are an error.

    Raises ``HuksError`` 401 for any violation (upstream INVALID_WRAPPED_FORMAT -126 → 401).
    """
    data = bytes(data)
    if count <= 0:
        raise _bad(f"an LV blob count of {count}")
    if len(data) > WRAPPED_FORMAT_MAX_SIZE:
        raise _bad(f"wrapped key data of {len(data)} bytes exceeds {WRAPPED_FORMAT_MAX_SIZE}")
    parts: list[bytes] = []
    offset = 0
    for index in range(count):
        if len(data) - offset < _U32.size:
            raise _bad(f"wrapped key data ends before the length of blob {index}")
        (length,) = _U32.unpack_from(data, offset)
        offset += _U32.size
        if length == 0 or length > len(data) - offset:
            raise _bad(f"blob {index} of the wrapped key data has an invalid length {length}")
        parts.append(data[offset : offset + length])
        offset += length
    if offset != len(data):
        raise _bad(f"{len(data) - offset} trailing bytes after the wrapped key data")
    return parts


def build_lv(parts: Sequence[bytes]) -> bytes:
    """Concatenate ``parts`` as ``(len: uint32 little-endian ‖ bytes)`` blobs, the inverse of ``parse_lv``.

    Raises ``HuksError`` 401 for an empty part or a part of 2**32 bytes or more (``parse_lv`` would
    reject them).
    """
    out = bytearray()
    for index, part in enumerate(parts):
        blob = bytes(part)
        if not blob or len(blob) > 0xFFFFFFFF:
            raise _bad(f"LV blob {index} has length {len(blob)}")
        out += _U32.pack(len(blob)) + blob
    return bytes(out)

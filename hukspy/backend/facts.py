"""Native facts every backend needs, one table each: HUKS digests, NIST curves, symmetric algorithms,
and which RSA paddings fit which modulus.

These are facts about algorithms, not HUKS rules and not any device's: a backend adds its own columns
(a CKM mechanism, a TPM algorithm id) in its own table keyed by the same HUKS value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem

from hukspy.enums import HuksKeyAlg as _Alg
from hukspy.enums import HuksKeyDigest as _Digest
from hukspy.enums import HuksKeyPadding as _Padding
from hukspy.spec import OpKind

__all__ = [
    "CURVES",
    "DIGESTS",
    "ML_DSA_PRIVATE",
    "ML_DSA_PUBLIC",
    "ML_KEM_PRIVATE",
    "ML_KEM_PUBLIC",
    "PQ_PARAM_SETS",
    "SM2_ORDER",
    "SM2_POINT_BYTES",
    "SM2_SPKI_PREFIX",
    "SYMMETRIC_ALGS",
    "Curve",
    "Digest",
    "PqParamSet",
    "pss_digest_salt_fits",
    "rsa_fits",
    "sm2_on_curve",
]


@dataclass(frozen=True)
class Digest:
    """A HUKS digest: its ``hashlib`` ``name``, output ``size`` in bytes, the pyca/cryptography
    ``hash`` class, and the DER ``digest_info`` prefix EMSA-PKCS1-v1_5 puts in front of the hash
    (RFC 8017 §9.2 note 1; empty where RFC 8017 defines none, i.e. SM3)."""

    name: str
    size: int
    hash: Callable[[], hashes.HashAlgorithm]
    digest_info: bytes


#: HUKS digest → its facts (DIGEST_NONE is absent: it names no hash).
DIGESTS: Final[Mapping[int, Digest]] = MappingProxyType({
    _Digest.HUKS_DIGEST_MD5: Digest(
        "md5", 16, hashes.MD5, bytes.fromhex("3020300c06082a864886f70d020505000410")),
    _Digest.HUKS_DIGEST_SHA1: Digest(
        "sha1", 20, hashes.SHA1, bytes.fromhex("3021300906052b0e03021a05000414")),
    _Digest.HUKS_DIGEST_SHA224: Digest(
        "sha224", 28, hashes.SHA224, bytes.fromhex("302d300d06096086480165030402040500041c")),
    _Digest.HUKS_DIGEST_SHA256: Digest(
        "sha256", 32, hashes.SHA256, bytes.fromhex("3031300d060960864801650304020105000420")),
    _Digest.HUKS_DIGEST_SHA384: Digest(
        "sha384", 48, hashes.SHA384, bytes.fromhex("3041300d060960864801650304020205000430")),
    _Digest.HUKS_DIGEST_SHA512: Digest(
        "sha512", 64, hashes.SHA512, bytes.fromhex("3051300d060960864801650304020305000440")),
    _Digest.HUKS_DIGEST_SM3: Digest("sm3", 32, hashes.SM3, b""),
})


@dataclass(frozen=True)
class Curve:
    """A NIST prime curve by its HUKS ECC key size: the pyca ``curve``, the DER of its named-curve
    ``oid`` (PKCS#11 CKA_EC_PARAMS, SPKI parameters) and the field size in bytes (``field_bytes``)."""

    curve: ec.EllipticCurve
    oid: bytes
    field_bytes: int


#: HUKS ECC/ECDH key size (bits) → curve.
CURVES: Final[Mapping[int, Curve]] = MappingProxyType({
    224: Curve(ec.SECP224R1(), bytes.fromhex("06052b81040021"), 28),
    256: Curve(ec.SECP256R1(), bytes.fromhex("06082a8648ce3d030107"), 32),
    384: Curve(ec.SECP384R1(), bytes.fromhex("06052b81040022"), 48),
    521: Curve(ec.SECP521R1(), bytes.fromhex("06052b81040023"), 66),
})

# ---- SM2 (GM/T 0003.5): y^2 = x^3 + a x + b over p, group order n -----------------------------------
_SM2_P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_SM2_A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_SM2_B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_ORDER: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
#: An uncompressed SM2 point ``04 ‖ x ‖ y``.
SM2_POINT_BYTES: Final = 65
#: DER of SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 (1.2.156.10197.1.301) }, BIT STRING } up to the
#: point: an SM2 SubjectPublicKeyInfo (as OpenSSL's ``i2d_PUBKEY`` writes it) is this prefix followed
#: by the 65-byte uncompressed point, 91 bytes in all.
SM2_SPKI_PREFIX: Final = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")


def sm2_on_curve(point: bytes) -> bool:
    """Whether ``point`` is an uncompressed point ``04 ‖ x ‖ y`` on the SM2 curve (public data)."""
    if len(point) != SM2_POINT_BYTES or point[0] != 0x04:
        return False
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:], "big")
    return x < _SM2_P and y < _SM2_P and (y * y - (x * x * x + _SM2_A * x + _SM2_B)) % _SM2_P == 0


#: The symmetric key algorithms: raw-byte keys (import length = KEY_SIZE / 8), no public half.
SYMMETRIC_ALGS: Final[frozenset[int]] = frozenset(
    int(a) for a in (_Alg.HUKS_ALG_AES, _Alg.HUKS_ALG_DES, _Alg.HUKS_ALG_3DES, _Alg.HUKS_ALG_SM4,
                     _Alg.HUKS_ALG_HMAC, _Alg.HUKS_ALG_CMAC, _Alg.HUKS_ALG_SM3)
)


@dataclass(frozen=True)
class PqParamSet:
    """An ML-DSA (FIPS 204) or ML-KEM (FIPS 203) parameter set by its HUKS KEY_SIZE: the pyca
    ``private``/``public`` key classes, the raw public key length ``public_len``, the seed length
    ``seed_len`` (the private form pyca keeps: ML-DSA xi, 32 bytes; ML-KEM d || z, 64 bytes), the
    expanded private key length ``expanded_len`` (what upstream's engine stores and imports,
    HKS_ML_*_PRI_KEY_SIZE_* in hks_type_enum.h), and the ML-KEM ``ciphertext_len`` (0 for ML-DSA)."""

    private: type
    public: type
    public_len: int
    seed_len: int
    expanded_len: int
    ciphertext_len: int = 0


#: (HUKS ALGORITHM, KEY_SIZE) → the post-quantum parameter set (docs/decisions.md "post-quantum keys").
PQ_PARAM_SETS: Final[Mapping[tuple[int, int], PqParamSet]] = MappingProxyType({
    (_Alg.HUKS_ALG_ML_DSA, 44): PqParamSet(mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey, 1312, 32, 2560),
    (_Alg.HUKS_ALG_ML_DSA, 65): PqParamSet(mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey, 1952, 32, 4032),
    (_Alg.HUKS_ALG_ML_DSA, 87): PqParamSet(mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey, 2592, 32, 4896),
    (_Alg.HUKS_ALG_ML_KEM, 768): PqParamSet(
        mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey, 1184, 64, 2400, 1088),
    (_Alg.HUKS_ALG_ML_KEM, 1024): PqParamSet(
        mlkem.MLKEM1024PrivateKey, mlkem.MLKEM1024PublicKey, 1568, 64, 3168, 1568),
})


#: The pyca classes of each post-quantum key kind, for ``isinstance`` (the same classes as above).
ML_DSA_PRIVATE: Final = (mldsa.MLDSA44PrivateKey, mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey)
ML_DSA_PUBLIC: Final = (mldsa.MLDSA44PublicKey, mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey)
ML_KEM_PRIVATE: Final = (mlkem.MLKEM768PrivateKey, mlkem.MLKEM1024PrivateKey)
ML_KEM_PUBLIC: Final = (mlkem.MLKEM768PublicKey, mlkem.MLKEM1024PublicKey)


def _pss_em_len(bits: int) -> int:
    """emLen of RSA-PSS for a modulus of ``bits`` (RFC 8017 §8.1.1: ceil((modBits - 1) / 8))."""
    return (bits - 1 + 7) // 8


def pss_digest_salt_fits(bits: int, digest: int) -> bool:
    """Whether RSA-PSS with a digest-length salt (``RSA_PSS_SALT_LEN_DIGEST``) fits a key of ``bits``:
    ``emLen >= 2*hLen + 2`` (RFC 8017). The default salt (MAX) needs only ``emLen >= hLen + 2``."""
    return _pss_em_len(bits) >= 2 * DIGESTS[digest].size + 2


def rsa_fits(
    bits: int, kind: OpKind, padding: int, digest: int | None, *, pss_max_salt: bool = False
) -> bool:
    """Whether an RSA key of ``bits`` can run ``padding``/``digest`` at all, whatever the data: PKCS#1
    v1.5 signatures need ``k >= len(DigestInfo) + hLen + 11``, PSS with a digest-length salt
    ``emLen >= 2*hLen + 2`` (with ``pss_max_salt``, a backend whose PSS takes HUKS's default MAX salt:
    ``emLen >= hLen + 2``, and a digest-length salt that does not fit fails at finish), OAEP
    ``k >= 2*hLen + 2`` (RFC 8017)."""
    k = (bits + 7) // 8
    if digest is None or digest == _Digest.HUKS_DIGEST_NONE:
        return True
    h = DIGESTS[digest].size
    if padding == _Padding.HUKS_PADDING_PKCS1_V1_5 and kind in (OpKind.SIGN, OpKind.VERIFY):
        return k >= len(DIGESTS[digest].digest_info) + h + 11
    if padding == _Padding.HUKS_PADDING_PSS:
        return _pss_em_len(bits) >= h + 2 if pss_max_salt else pss_digest_salt_fits(bits, digest)
    if padding == _Padding.HUKS_PADDING_OAEP:
        return k >= 2 * h + 2
    return True

"""The software crypto engine: key material and streaming operations on pyca/cryptography.

Pure functions over ``hukspy.spec`` types; every enum-valued field is a plain int of ``hukspy.enums``.
The engine decides no HUKS rule: it trusts that the facade checked the request against
``software_capabilities()`` and raises pyca/cryptography's own exceptions (``InvalidSignature``,
``InvalidTag``, ``UnsupportedAlgorithm``, ``ValueError``, ``TypeError``) or the engine's
``EngineError`` subclasses; ``SoftwareBackend.translate`` maps them to HUKS codes.

**The software ref** (what ``generate``/``from_material`` return and the record store keeps, encrypted)
is one kind byte followed by the key::

    0x01 ‖ raw secret bytes                 (AES, DES, 3DES, SM4, HMAC, CMAC)
    0x02 ‖ private key, PKCS#8 DER          (RSA, ECC, DSA, DH, X25519, Ed25519; ML-DSA and ML-KEM
                                            as their seed; unencrypted)
    0x03 ‖ public key, SubjectPublicKeyInfo DER   (an imported public key)
    0x04 ‖ d (32 bytes) ‖ 04 ‖ x ‖ y (65 bytes)   (SM2 private key: pyca has no SM2)
    0x05 ‖ 04 ‖ x ‖ y (65 bytes)                  (SM2 public key)

Algorithms and their parameters are listed in ``hukspy.software.caps``. Notes:

- RSA below 1024 bits (512, 768): pyca/cryptography refuses to generate these but loads and uses them,
  so ``generate`` builds them from two primes of the engine's own Miller-Rabin search
  (``secrets``-random candidates, 40 rounds), e = 65537, and lets pyca/cryptography validate the result.
- RSA without a DigestInfo (``PKCS1_V1_5`` with ``DIGEST_NONE``) and raw RSA (padding ``NONE``) are
  computed here with Python integers (CRT, RSA blinding, a check of the result with the public key).
  Python's ``pow`` is not constant-time: these two modes leak timing that pyca/cryptography's padded
  modes do not. Raw RSA takes exactly ``k`` input bytes whose value is below the modulus (as OpenSSL's
  ``RSA_NO_PADDING``) and returns ``k`` bytes.
- ECDSA and DSA with ``DIGEST_NONE`` sign the input as the hash value, as OpenSSL does: per SEC 1 the
  value is truncated to the leftmost bits of the group order. It is then zero-extended to a standard
  digest length (which leaves its integer value unchanged) and signed as ``Prehashed``. The one value
  this cannot express (P-521 with more than 64 input bytes) raises ``ValueError``.
- RSA-PSS with ``DIGEST_NONE`` signs the input as the hash its length names (20/28/32/48/64 bytes:
  SHA-1/224/256/384/512, also MGF1's hash), as upstream's ``InitRsaCtx``; another length raises
  ``PrehashLengthError`` (401, upstream INVALID_KEY_INFO).
- DH uses the fixed RFC 7919 groups ffdhe2048/3072/4096 (generator 2); the shared secret is what
  pyca/cryptography returns (zero-padded to the size of p). pyca/cryptography emits a
  ``CryptographyDeprecationWarning`` for finite-field DH; the engine does not silence it.
- DES is TripleDES with the 8-byte key repeated (K1 = K2 = K3) and two-key 3DES is K1 K2 K1, from
  ``cryptography.hazmat.decrepit``, as are the OFB and CFB modes.
- SM2 runs on the system OpenSSL 3 through ``hukspy.software.sm2`` (docs/decisions.md), as upstream's
  ``hks_openssl_sm2.c``: sign/verify buffer the message (upstream caches it) and, with DIGEST_SM3, sign
  SM3(Z_A ‖ M) with the default ID; with DIGEST_NONE the input is the 32-byte value e itself (any other
  length raises ``Sm2LengthError``, → 401 as upstream's INVALID_ARGUMENT). Encryption writes the
  GM/T 0009 DER form C1 ‖ C3 ‖ C2 with SM3.
- SM3 keys (``HUKS_ALG_SM3``) are raw secrets for HMAC-SM3 (MAC with DIGEST_SM3).
- RSA PKCS#1 v1.5 decryption of an invalid ciphertext does not fail: OpenSSL's implicit rejection
  (the Marvin-attack countermeasure) returns a pseudo-random message instead. OAEP fails with
  ``ValueError``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac as _hmac
import math
import secrets
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, TypeAlias

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit_algorithms
from cryptography.hazmat.decrepit.ciphers import modes as decrepit_modes
from cryptography.hazmat.primitives import cmac, hashes, hmac, padding, serialization
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.ciphers import (
    AEADEncryptionContext,
    BlockCipherAlgorithm,
    Cipher,
    CipherContext,
    algorithms,
    modes,
)
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from hukspy.backend import Operation, facts
from hukspy.backend.facts import (
    DIGESTS,
    ML_DSA_PRIVATE,
    ML_DSA_PUBLIC,
    ML_KEM_PRIVATE,
    ML_KEM_PUBLIC,
    PQ_PARAM_SETS,
)
from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPadding as P
from hukspy.enums import HuksRsaPssSaltLenType as Salt
from hukspy.formats import DH_GROUPS, EC_CURVES, pq_param_set
from hukspy.software import caps, sm2
from hukspy.spec import KeyMaterial, KeySpec, OpKind, OpSpec, Sm2Key

__all__ = [
    "BUFFER_LIMIT",
    "CCM_LIMIT",
    "FFDHE_PRIMES",
    "ML_DSA_MESSAGE_LIMIT",
    "REF_PRIVATE",
    "REF_PUBLIC",
    "REF_SECRET",
    "REF_SM2_PRIVATE",
    "REF_SM2_PUBLIC",
    "BlockLengthError",
    "BufferLimitError",
    "CcmLimitError",
    "EngineError",
    "EngineLimitError",
    "Loaded",
    "PrehashLengthError",
    "Sm2LengthError",
    "begin",
    "from_material",
    "generate",
    "hash_algorithm",
    "load",
    "public_key",
    "rsa_private_key",
]

REF_SECRET: Final = 0x01
REF_PRIVATE: Final = 0x02
REF_PUBLIC: Final = 0x03
REF_SM2_PRIVATE: Final = 0x04
REF_SM2_PUBLIC: Final = 0x05

BUFFER_LIMIT: Final = 5 * 1024 * 1024
"""Most bytes an operation that cannot stream buffers (upstream ``MAX_BUF_SIZE``; beyond → 401)."""
CCM_LIMIT: Final = 100 * 1024
#: HKS_ML_DSA_MESSAGE_MAX_SIZE (hks_core_service_three_stage.c line 60): the message an ML-DSA session
#: buffers (more raises ``BufferLimitError`` → 401).
ML_DSA_MESSAGE_LIMIT: Final = 102400
"""Most bytes an AES-CCM operation takes in total (upstream; beyond → 12000012)."""

Loaded: TypeAlias = bytes | PrivateKeyTypes | PublicKeyTypes | Sm2Key


class EngineError(Exception):
    """Base of the engine's own errors."""


class EngineLimitError(EngineError):
    """An operation that has to buffer its input got more than it may hold."""


class BufferLimitError(EngineLimitError):
    """More than ``BUFFER_LIMIT`` bytes for a buffered operation (RSA, DIGEST_NONE, Ed25519)."""


class CcmLimitError(EngineLimitError):
    """More than ``CCM_LIMIT`` bytes for AES-CCM."""


class Sm2LengthError(ValueError, EngineError):
    """SM2 with DIGEST_NONE: the input is not the 32-byte value e (upstream INVALID_ARGUMENT)."""


class PrehashLengthError(ValueError, EngineError):
    """RSA-PSS with DIGEST_NONE: the input's length is no digest length (upstream GetOpensslAlgFromLen
    finds no hash, INVALID_KEY_INFO)."""


class BlockLengthError(ValueError, EngineError):
    """ECB/CBC without padding: the total input is not a multiple of the block size."""


# ---- tables: HUKS ints -> pyca/cryptography -----------------------------------------------------------
_HASHES: Final[dict[int, Callable[[], hashes.HashAlgorithm]]] = {d: info.hash for d, info in DIGESTS.items()}
# The curve and ffdhe group tables are formats.EC_CURVES and formats.DH_GROUPS (one copy each).
FFDHE_PRIMES: Final[Mapping[int, int]] = MappingProxyType({size: p for size, (p, _g) in DH_GROUPS.items()})


def _triple_des(key: bytes) -> BlockCipherAlgorithm:
    """TripleDES with the key expanded to 24 bytes: K1 K2 K3 from 8 bytes (DES: K1 = K2 = K3) or 16
    bytes (two-key 3DES: K3 = K1). pyca/cryptography deprecates the short forms, not the ciphers."""
    return decrepit_algorithms.TripleDES({8: key * 3, 16: key + key[:8]}.get(len(key), key))


_BLOCK_CIPHERS: Final[dict[int, Callable[[bytes], BlockCipherAlgorithm]]] = {
    A.HUKS_ALG_AES: algorithms.AES,
    A.HUKS_ALG_SM4: algorithms.SM4,
    A.HUKS_ALG_DES: _triple_des,
    A.HUKS_ALG_3DES: _triple_des,
}
_IV_MODES: Final[dict[int, Callable[[bytes], modes.ModeWithInitializationVector | modes.ModeWithNonce]]] = {
    M.HUKS_MODE_CBC: modes.CBC,
    M.HUKS_MODE_CTR: modes.CTR,
    M.HUKS_MODE_OFB: decrepit_modes.OFB,
    M.HUKS_MODE_CFB: decrepit_modes.CFB,
}
_PADDED_MODES: Final = frozenset({M.HUKS_MODE_ECB, M.HUKS_MODE_CBC})
# ECDSA/DSA DIGEST_NONE: the standard digest lengths a raw value can be zero-extended to; RSA-PSS
# DIGEST_NONE: the hash an input of exactly that length is taken as (upstream GetOpensslAlgFromLen,
# hks_openssl_engine.c, which also maps 16 bytes to MD5: pyca's PSS has no MD5, so 16 bytes is refused).
_PREHASH_BY_LENGTH: Final[dict[int, Callable[[], hashes.HashAlgorithm]]] = {
    DIGESTS[d].size: DIGESTS[d].hash
    for d in (D.HUKS_DIGEST_SHA1, D.HUKS_DIGEST_SHA224, D.HUKS_DIGEST_SHA256, D.HUKS_DIGEST_SHA384,
              D.HUKS_DIGEST_SHA512)
}

# pyca/cryptography 50 warns (CryptographyDeprecationWarning) on every access to a ``dh`` class, so
# the engine touches ``dh.*`` only on paths that handle DH keys: there the warning is the truth.
_ASYMMETRIC_TYPES: Final[dict[int, tuple[type, type]]] = {
    A.HUKS_ALG_RSA: (rsa.RSAPrivateKey, rsa.RSAPublicKey),
    A.HUKS_ALG_ECC: (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey),
    A.HUKS_ALG_DSA: (dsa.DSAPrivateKey, dsa.DSAPublicKey),
    A.HUKS_ALG_X25519: (x25519.X25519PrivateKey, x25519.X25519PublicKey),
    A.HUKS_ALG_ED25519: (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey),
}


def _key_types(alg: int, size: int) -> tuple[type, type]:
    """(private class, public class) of an asymmetric HUKS algorithm (ML-DSA/ML-KEM: of its size)."""
    if alg == A.HUKS_ALG_DH:
        return dh.DHPrivateKey, dh.DHPublicKey
    pq = PQ_PARAM_SETS.get((alg, size))
    if pq is not None:
        return pq.private, pq.public
    return _ASYMMETRIC_TYPES[alg]


def hash_algorithm(digest: int | None) -> hashes.HashAlgorithm:
    """The pyca hash for a ``HuksKeyDigest``. Raises ``UnsupportedAlgorithm`` for NONE or unknown."""
    if digest is None or digest not in _HASHES or digest not in caps.DIGEST_SIZES:
        raise UnsupportedAlgorithm(f"digest {digest} is not supported by the software engine")
    return _HASHES[digest]()


# ---- key material ----------------------------------------------------------------------------------


def _unsupported(spec: KeySpec) -> UnsupportedAlgorithm:
    return UnsupportedAlgorithm(f"key algorithm {spec.alg} of {spec.size} bits is not supported")


def _private_ref(key: PrivateKeyTypes) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return bytes([REF_PRIVATE]) + der


def _public_ref(key: PublicKeyTypes) -> bytes:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return bytes([REF_PUBLIC]) + der


_SMALL_PRIMES: Final = tuple(
    p for p in range(3, 2000, 2) if all(p % q for q in range(3, math.isqrt(p) + 1, 2))
)


def _probable_prime(n: int, rounds: int = 40) -> bool:
    if n < 2 or any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _rsa_prime(bits: int, e: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (0b11 << (bits - 2)) | 1  # top two bits: |n| is exact
        if candidate % e != 1 and _probable_prime(candidate):
            return candidate


def rsa_private_key(bits: int, e: int = 65537) -> rsa.RSAPrivateKey:
    """A new RSA private key of ``bits`` bits: pyca/cryptography's from 1024 bits, below that (512, 768,
    which pyca will not generate but loads and uses) from two primes of this module's Miller-Rabin
    search. The one copy of small-RSA key generation (the selftest uses it too)."""
    if bits >= 1024:
        return rsa.generate_private_key(e, bits)
    half = bits // 2
    while True:
        p, q = _rsa_prime(half, e), _rsa_prime(bits - half, e)
        if abs(p - q) >> (half - 64) == 0:  # |p - q| must not be tiny (Fermat factoring)
            continue
        d = pow(e, -1, math.lcm(p - 1, q - 1))
        public = rsa.RSAPublicNumbers(e, p * q)
        numbers = rsa.RSAPrivateNumbers(
            p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
        )
        key = numbers.private_key()  # pyca/cryptography checks the key
        if key.key_size == bits:
            return key


def _generate_private(spec: KeySpec) -> PrivateKeyTypes:
    alg, size = spec.alg, spec.size
    if alg == A.HUKS_ALG_RSA:
        return rsa_private_key(size)
    if alg == A.HUKS_ALG_ECC:
        return ec.generate_private_key(EC_CURVES[size])
    if alg == A.HUKS_ALG_DSA:
        return dsa.generate_private_key(size)
    if alg == A.HUKS_ALG_DH:
        p = FFDHE_PRIMES[size]
        return dh.DHParameterNumbers(p, 2, (p - 1) // 2).parameters().generate_private_key()
    if alg == A.HUKS_ALG_X25519:
        return x25519.X25519PrivateKey.generate()
    if alg == A.HUKS_ALG_ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    pq = PQ_PARAM_SETS.get((alg, size))
    if pq is not None:
        key: PrivateKeyTypes = pq.private.generate()  # type: ignore[attr-defined]
        return key
    raise _unsupported(spec)


def generate(spec: KeySpec) -> bytes:
    """Create a key for ``spec`` and return its software ref (format: module docstring).

    Raises ``UnsupportedAlgorithm`` (→ 12000001) for an algorithm or size not in ``caps.KEY_SIZES``.
    """
    if spec.size not in caps.KEY_SIZES.get(spec.alg, ()):
        raise _unsupported(spec)
    if spec.alg in caps.SYMMETRIC_SIZES:
        return bytes([REF_SECRET]) + secrets.token_bytes(spec.size // 8)
    if spec.alg == A.HUKS_ALG_SM2:
        scalar, point = sm2.generate()
        return _sm2_ref(Sm2Key(point, scalar))
    return _private_ref(_generate_private(spec))


def _sm2_ref(key: Sm2Key) -> bytes:
    assert key.point is not None  # noqa: S101 - completed by the caller
    if key.scalar is None:
        return bytes([REF_SM2_PUBLIC]) + key.point
    return bytes([REF_SM2_PRIVATE]) + key.scalar + key.point


def _load_sm2(kind: int, data: bytes) -> Sm2Key:
    scalar_len = sm2.SCALAR_BYTES if kind == REF_SM2_PRIVATE else 0
    if len(data) != scalar_len + sm2.POINT_BYTES:
        raise ValueError("malformed SM2 key ref")
    return Sm2Key(data[scalar_len:], data[:scalar_len] if scalar_len else None)


def load(ref: bytes) -> Loaded:
    """The key behind a software ref: secret ``bytes``, a pyca private key or a pyca public key.

    Raises ``ValueError`` for a malformed ref. RSA private keys are loaded without re-validation (see
    the comment inside).
    """
    if not ref:
        raise ValueError("empty key ref")
    kind, data = ref[0], ref[1:]
    if kind == REF_SECRET:
        return bytes(data)
    if kind in (REF_PRIVATE, REF_PUBLIC):
        return _load_asymmetric(bytes(ref))
    if kind in (REF_SM2_PRIVATE, REF_SM2_PUBLIC):
        return _load_sm2(kind, bytes(data))
    raise ValueError(f"unknown key ref kind {kind}")


@functools.lru_cache(maxsize=128)
def _load_asymmetric(ref: bytes) -> PrivateKeyTypes | PublicKeyTypes:
    """Parse an asymmetric ref, keeping the last 128 parsed keys: parsing a DER key costs more than the
    operation itself for EC and Ed25519 keys. Keyed by the ref's bytes, so a hit is the same key."""
    kind, data = ref[0], ref[1:]
    if kind == REF_PRIVATE:
        # The ref was written by ``generate``/``from_material`` from a key pyca/cryptography had already
        # checked, and comes back from an authenticated record store: re-running OpenSSL's RSA key check
        # (primality tests, ~90 ms for RSA-2048, ~0.5 s for 4096) on every session would add nothing.
        return serialization.load_der_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
    return serialization.load_der_public_key(data)


def _asym_size(key: PrivateKeyTypes | PublicKeyTypes) -> int | None:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey | dsa.DSAPrivateKey | dsa.DSAPublicKey):
        return key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        curve = EC_CURVES.get(key.curve.key_size)
        return key.curve.key_size if curve is not None and key.curve.name == curve.name else None
    if isinstance(key, x25519.X25519PrivateKey | x25519.X25519PublicKey):
        return 256
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return 256
    pq = pq_param_set(key)  # before the dh classes: touching them warns
    if pq is not None:
        return pq[1]
    if isinstance(key, dh.DHPrivateKey | dh.DHPublicKey):
        return key.key_size
    return None


def from_material(spec: KeySpec, material: KeyMaterial) -> bytes:
    """Serialize imported ``material`` as a software ref, after checking it is a key of ``spec.alg`` at
    ``spec.size`` bits. Raises ``ValueError`` (→ 401) on a mismatch, ``UnsupportedAlgorithm`` (→ 12000001)
    for an algorithm the engine does not have."""
    if spec.alg not in caps.KEY_SIZES:
        raise _unsupported(spec)
    if spec.alg in caps.SYMMETRIC_SIZES:
        if material.secret is None:
            raise ValueError("a symmetric key is imported as raw bytes")
        if len(material.secret) * 8 != spec.size or not material.secret:
            raise ValueError(f"key length {len(material.secret)} bytes does not match KEY_SIZE {spec.size}")
        return bytes([REF_SECRET]) + bytes(material.secret)
    if spec.alg == A.HUKS_ALG_SM2:
        return _sm2_from_material(material)
    private_type, public_type = _key_types(spec.alg, spec.size)
    key: PrivateKeyTypes | PublicKeyTypes
    if material.private is not None:
        key = material.private
        expected: type = private_type
    elif material.public is not None:
        key = material.public
        expected = public_type
    else:
        raise ValueError("an asymmetric key is imported as a private or public key")
    if not isinstance(key, expected):
        raise ValueError(f"the key material is not a key of algorithm {spec.alg}")
    if _asym_size(key) != spec.size:
        raise ValueError(f"the key material does not have KEY_SIZE {spec.size}")
    if material.private is not None:
        return _private_ref(material.private)
    assert material.public is not None  # noqa: S101 - narrowed above
    return _public_ref(material.public)


def _sm2_from_material(material: KeyMaterial) -> bytes:
    """The ref of imported SM2 material: the point is derived from the scalar when absent and must
    match it when present (``ValueError`` → 401)."""
    key = material.sm2
    if key is None:
        raise ValueError("an SM2 key is imported as SM2 key material")
    if key.scalar is None:
        if key.point is None or not facts.sm2_on_curve(key.point):
            raise ValueError("the SM2 public key is not a point on the curve")
        return _sm2_ref(key)
    derived = sm2.public_point(key.scalar)
    if key.point is not None and not _hmac.compare_digest(derived, key.point):
        raise ValueError("the SM2 public key does not match the private key")
    return _sm2_ref(Sm2Key(derived, key.scalar))


def _public_of(key: Loaded) -> PublicKeyTypes:
    if isinstance(key, Sm2Key):
        raise TypeError("an SM2 key has no pyca public key")
    if isinstance(key, bytes):
        raise ValueError("a symmetric key has no public key")
    if isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | dsa.DSAPrivateKey
        | x25519.X25519PrivateKey
        | ed25519.Ed25519PrivateKey,
    ):
        return key.public_key()
    if isinstance(
        key,
        rsa.RSAPublicKey
        | ec.EllipticCurvePublicKey
        | dsa.DSAPublicKey
        | x25519.X25519PublicKey
        | ed25519.Ed25519PublicKey,
    ):
        return key
    if pq_param_set(key) is not None:  # before the dh classes: touching them warns (see above)
        if hasattr(key, "public_key"):
            pub: PublicKeyTypes = key.public_key()
            return pub
        return key
    if isinstance(key, dh.DHPrivateKey):
        return key.public_key()
    if isinstance(key, dh.DHPublicKey):
        return key
    raise UnsupportedAlgorithm("key type not supported by the software engine")


def public_key(ref: bytes, spec: KeySpec) -> bytes:
    """The public half of the key behind ``ref``: SubjectPublicKeyInfo DER, or the raw 32 bytes for
    X25519 and Ed25519; for SM2 the SubjectPublicKeyInfo with the SM2 curve OID. Raises ``ValueError``
    (→ 12000003) for a symmetric key."""
    key = load(ref)
    if isinstance(key, Sm2Key):
        assert key.point is not None  # noqa: S101 - a loaded ref always has its point
        return sm2.spki(key.point)
    pub = _public_of(key)
    if isinstance(pub, x25519.X25519PublicKey | ed25519.Ed25519PublicKey):
        return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# ---- operations ------------------------------------------------------------------------------------


class _Base:
    """Shared lifecycle: ``abort`` drops everything the operation holds; idempotent, never raises."""

    _closed: bool = False

    def _check(self) -> None:
        if self._closed:
            raise RuntimeError("the operation is finished or aborted")

    def _release(self) -> None:
        """Drop references to keys, contexts and buffers."""

    def abort(self) -> None:
        self._closed = True
        self._release()


class _Buffer:
    """Bytes collected for a one-shot primitive, at most ``limit`` of them."""

    def __init__(self, limit: int, error: type[EngineLimitError]) -> None:
        self._data = bytearray()
        self._limit = limit
        self._error = error

    def feed(self, data: bytes) -> None:
        if len(self._data) + len(data) > self._limit:
            raise self._error(f"more than {self._limit} bytes for an operation that buffers its input")
        self._data += data

    def take(self) -> bytes:
        out = bytes(self._data)
        self._data = bytearray()
        return out


class _StreamCipher(_Base):
    """Block/stream cipher modes and GCM through a pyca ``CipherContext``, with PKCS#7 streaming."""

    def __init__(
        self,
        ctx: CipherContext,
        encrypt: bool,
        block_bytes: int,
        pad: bool,
        check_blocks: bool,
        tag_len: int | None,
    ) -> None:
        self._ctx: CipherContext | None = ctx
        self._encrypt = encrypt
        self._block = block_bytes
        self._padder: padding.PaddingContext | None = None
        if pad:
            pkcs7 = padding.PKCS7(block_bytes * 8)
            self._padder = pkcs7.padder() if encrypt else pkcs7.unpadder()
        self._check_blocks = check_blocks
        self._tag_len = tag_len
        self._total = 0

    def _context(self) -> CipherContext:
        self._check()
        assert self._ctx is not None  # noqa: S101 - set until closed
        return self._ctx

    def update(self, data: bytes) -> bytes:
        ctx = self._context()
        self._total += len(data)
        if self._padder is None:
            return ctx.update(data)
        if self._encrypt:
            return ctx.update(self._padder.update(data))
        return self._padder.update(ctx.update(data))

    def finish(self, data: bytes) -> bytes:
        ctx = self._context()
        try:
            self._total += len(data)
            if self._check_blocks and self._total % self._block:
                raise BlockLengthError(f"input is not a multiple of the {self._block}-byte block")
            if self._padder is None:
                out = ctx.update(data) + ctx.finalize()
            elif self._encrypt:
                out = ctx.update(self._padder.update(data) + self._padder.finalize()) + ctx.finalize()
            else:
                out = self._padder.update(ctx.update(data) + ctx.finalize()) + self._padder.finalize()
            if self._tag_len is not None and isinstance(ctx, AEADEncryptionContext):
                out += ctx.tag[: self._tag_len]
            return out
        finally:
            self.abort()

    def _release(self) -> None:
        self._ctx = None
        self._padder = None


def _ccm(key: bytes, op: OpSpec, encrypt: bool) -> Operation:
    """AES-CCM: pyca's AESCCM is one-shot, so the input is buffered (at most ``CCM_LIMIT`` bytes)."""
    if op.nonce is None:
        raise ValueError("AES-CCM needs a nonce")
    if not encrypt and op.tag is None:
        raise ValueError("AES-CCM decryption needs the tag")
    nonce, aad, tag = op.nonce, op.aad or None, op.tag or b""
    aead = AESCCM(key, tag_length=op.tag_len if encrypt else len(tag))
    if encrypt:
        return _Buffered(lambda data: aead.encrypt(nonce, data, aad), CCM_LIMIT, CcmLimitError)
    return _Buffered(lambda data: aead.decrypt(nonce, data + tag, aad), CCM_LIMIT, CcmLimitError)


def _cipher(key: Loaded, spec: KeySpec, op: OpSpec) -> Operation:
    secret = _secret(key)
    encrypt = op.kind is OpKind.ENCRYPT
    if spec.alg not in _BLOCK_CIPHERS or op.mode not in caps.CIPHER_MODES.get(spec.alg, {}):
        raise UnsupportedAlgorithm(f"cipher mode {op.mode} is not supported for algorithm {spec.alg}")
    if op.padding not in caps.CIPHER_MODES[spec.alg][op.mode]:
        raise UnsupportedAlgorithm(f"padding {op.padding} is not supported with mode {op.mode}")
    if op.mode == M.HUKS_MODE_CCM:
        return _ccm(secret, op, encrypt)
    algorithm = _BLOCK_CIPHERS[spec.alg](secret)
    block = algorithm.block_size // 8
    ctx: CipherContext
    tag_len: int | None = None
    if op.mode == M.HUKS_MODE_GCM:
        if op.nonce is None:
            raise ValueError("AES-GCM needs a nonce")
        if encrypt:
            enc = Cipher(algorithm, modes.GCM(op.nonce)).encryptor()
            enc.authenticate_additional_data(op.aad)
            ctx, tag_len = enc, op.tag_len
        else:
            if op.tag is None:
                raise ValueError("AES-GCM decryption needs the tag")
            dec = Cipher(algorithm, modes.GCM(op.nonce, op.tag, min_tag_length=len(op.tag))).decryptor()
            dec.authenticate_additional_data(op.aad)
            ctx = dec
    else:
        mode: modes.ECB | modes.ModeWithInitializationVector | modes.ModeWithNonce
        if op.mode == M.HUKS_MODE_ECB:
            mode = modes.ECB()  # noqa: S305 - HUKS ECB, asked for by the caller
        elif op.iv is None:
            raise ValueError(f"mode {op.mode} needs an IV")
        else:
            mode = _IV_MODES[op.mode](op.iv)
        cipher = Cipher(algorithm, mode)
        ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    pad = op.padding == P.HUKS_PADDING_PKCS7
    check_blocks = op.mode in _PADDED_MODES and not pad
    return _StreamCipher(ctx, encrypt, block, pad, check_blocks, tag_len)


# ---- RSA with Python integers (no DigestInfo, raw) ----------------------------------------------------


def _rsa_private_int(key: rsa.RSAPrivateKey, m: int) -> int:
    """m^d mod n with CRT and blinding; checked with the public exponent (fault check)."""
    priv = key.private_numbers()
    n, e = priv.public_numbers.n, priv.public_numbers.e
    if not 0 <= m < n:
        raise ValueError("input value is not below the RSA modulus")
    while True:
        r = secrets.randbelow(n - 2) + 2
        if math.gcd(r, n) == 1:
            break
    blinded = (m * pow(r, e, n)) % n
    s1 = pow(blinded, priv.dmp1, priv.p)
    s2 = pow(blinded, priv.dmq1, priv.q)
    s = (s2 + priv.q * ((priv.iqmp * (s1 - s2)) % priv.p)) % n
    s = (s * pow(r, -1, n)) % n
    if pow(s, e, n) != m:
        raise ValueError("RSA private operation failed its check")
    return s


def _rsa_public_int(key: rsa.RSAPublicKey, m: int) -> int:
    pub = key.public_numbers()
    if not 0 <= m < pub.n:
        raise ValueError("input value is not below the RSA modulus")
    return pow(m, pub.e, pub.n)


def _raw_input(n: int, data: bytes) -> int:
    k = (n.bit_length() + 7) // 8
    if len(data) != k:
        raise ValueError(f"raw RSA takes exactly {k} bytes")
    return int.from_bytes(data, "big")


def _emsa_pkcs1_v15_raw(data: bytes, k: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding (block type 1) of ``data`` itself, without a DigestInfo."""
    if len(data) > k - 11:
        raise ValueError(f"PKCS#1 v1.5 without a digest takes at most {k - 11} bytes")
    return b"\x00\x01" + b"\xff" * (k - 3 - len(data)) + b"\x00" + data


# ---- signatures -------------------------------------------------------------------------------------

_Sign: TypeAlias = Callable[[bytes], bytes]
_Verify: TypeAlias = Callable[[bytes, bytes], None]


class _Sink:
    """What a signature or MAC consumes: a running hash, or a bounded buffer of the message."""

    def __init__(self, digest: int | None, limit: int = BUFFER_LIMIT) -> None:
        self._hash: hashes.Hash | None = None
        self._buf: _Buffer | None = None
        if digest is None or digest == D.HUKS_DIGEST_NONE:
            self._buf = _Buffer(limit, BufferLimitError)
        else:
            self._hash = hashes.Hash(hash_algorithm(digest))

    def feed(self, data: bytes) -> None:
        if self._hash is not None:
            self._hash.update(data)
        elif self._buf is not None:
            self._buf.feed(data)

    def result(self) -> bytes:
        if self._hash is not None:
            h, self._hash = self._hash, None
            return h.finalize()
        assert self._buf is not None  # noqa: S101 - one of the two is set
        return self._buf.take()

    def drop(self) -> None:
        self._hash = None
        if self._buf is not None:
            self._buf.take()


class _Signature(_Base):
    """Sign or verify: ``update`` feeds the sink; ``finish`` signs, or verifies its input."""

    def __init__(self, sink: _Sink, sign: _Sign | None, verify: _Verify | None) -> None:
        self._sink = sink
        self._sign = sign
        self._verify = verify

    def update(self, data: bytes) -> bytes:
        self._check()
        self._sink.feed(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._check()
        try:
            if self._sign is not None:
                self._sink.feed(data)
                return self._sign(self._sink.result())
            assert self._verify is not None  # noqa: S101 - one of the two is set
            self._verify(self._sink.result(), data)
            return b""
        finally:
            self.abort()

    def _release(self) -> None:
        self._sink.drop()
        self._sign = self._verify = None


def _prehash_raw(value: bytes, order_bits: int) -> tuple[bytes, Prehashed]:
    """A DIGEST_NONE ECDSA/DSA input as (digest bytes, Prehashed) with the same SEC 1 integer value."""
    if len(value) * 8 > order_bits:
        if order_bits % 8:
            raise ValueError("the input is longer than the group order and cannot be truncated exactly")
        value = value[: order_bits // 8]
    for length, algorithm in _PREHASH_BY_LENGTH.items():
        if length >= len(value) and length * 8 <= order_bits:
            return value.rjust(length, b"\x00"), Prehashed(algorithm())
    for length, algorithm in _PREHASH_BY_LENGTH.items():  # orders below 160 bits (none in the caps)
        if length >= len(value):
            return value.rjust(length, b"\x00"), Prehashed(algorithm())
    raise ValueError("the input is too long to be signed without a digest")


def _rsa_signature(key: Loaded, op: OpSpec, signing: bool) -> tuple[_Sink, _Sign | None, _Verify | None]:
    pub = _public_of(key)
    if not isinstance(pub, rsa.RSAPublicKey):
        raise TypeError("not an RSA key")
    priv = key if isinstance(key, rsa.RSAPrivateKey) else None
    if signing and priv is None:
        raise TypeError("signing needs the RSA private key")
    k = (pub.key_size + 7) // 8
    none_digest = op.digest is None or op.digest == D.HUKS_DIGEST_NONE
    if op.padding == P.HUKS_PADDING_NONE and none_digest:

        def sign_raw(value: bytes) -> bytes:
            assert priv is not None  # noqa: S101
            return _rsa_private_int(priv, _raw_input(pub.public_numbers().n, value)).to_bytes(k, "big")

        def verify_raw(value: bytes, sig: bytes) -> None:
            m = _rsa_public_int(pub, _raw_input(pub.public_numbers().n, sig))
            if not _hmac.compare_digest(m.to_bytes(k, "big"), value):
                raise InvalidSignature

        return (_Sink(None), sign_raw, None) if signing else (_Sink(None), None, verify_raw)
    if op.padding == P.HUKS_PADDING_PKCS1_V1_5 and none_digest:

        def sign_pkcs1_raw(value: bytes) -> bytes:
            assert priv is not None  # noqa: S101
            em = int.from_bytes(_emsa_pkcs1_v15_raw(value, k), "big")
            return _rsa_private_int(priv, em).to_bytes(k, "big")

        def verify_pkcs1_raw(value: bytes, sig: bytes) -> None:
            recovered = pub.recover_data_from_signature(sig, asym_padding.PKCS1v15(), None)
            if not _hmac.compare_digest(recovered, value):
                raise InvalidSignature

        return (_Sink(None), sign_pkcs1_raw, None) if signing else (_Sink(None), None, verify_pkcs1_raw)
    if op.padding == P.HUKS_PADDING_PSS and none_digest:
        # The input is the hash value; its length names the hash, which is also MGF1's (OpenSSL's
        # default when only the signature md is set), as upstream's InitRsaCtx (hks_openssl_rsa.c).
        def pss_of(value: bytes) -> tuple[asym_padding.PSS, Prehashed]:
            hash_of = _PREHASH_BY_LENGTH.get(len(value))
            if hash_of is None:
                raise PrehashLengthError(f"RSA-PSS without a digest signs a hash, not {len(value)} bytes")
            algorithm = hash_of()
            return _pss_padding(algorithm, op.pss_salt, signing), Prehashed(algorithm)

        def sign_pss_raw(value: bytes) -> bytes:
            assert priv is not None  # noqa: S101
            return priv.sign(value, *pss_of(value))

        def verify_pss_raw(value: bytes, sig: bytes) -> None:
            pub.verify(sig, value, *pss_of(value))

        return (_Sink(None), sign_pss_raw, None) if signing else (_Sink(None), None, verify_pss_raw)
    algorithm = hash_algorithm(op.digest)
    pad: asym_padding.AsymmetricPadding
    if op.padding == P.HUKS_PADDING_PKCS1_V1_5:
        pad = asym_padding.PKCS1v15()
    elif op.padding == P.HUKS_PADDING_PSS:
        pad = _pss_padding(hash_algorithm(op.mgf_digest if op.mgf_digest is not None else op.digest),
                           op.pss_salt, signing)
    else:
        raise UnsupportedAlgorithm(f"RSA signature padding {op.padding} with digest {op.digest}")
    pre = Prehashed(algorithm)
    if priv is not None and signing:
        signer = priv
        return _Sink(op.digest), lambda d: signer.sign(d, pad, pre), None
    return _Sink(op.digest), None, lambda d, sig: pub.verify(sig, d, pad, pre)


def _pss_padding(mgf: hashes.HashAlgorithm, salt: int | None, signing: bool) -> asym_padding.PSS:
    """PSS with MGF1(``mgf``) and the salt of ``RSA_PSS_SALT_LEN_TYPE`` (DIGEST, else MAX when signing;
    a verifier accepts any salt length but DIGEST's)."""
    if salt == Salt.HUKS_RSA_PSS_SALT_LEN_DIGEST:
        return asym_padding.PSS(asym_padding.MGF1(mgf), asym_padding.PSS.DIGEST_LENGTH)
    if signing:
        return asym_padding.PSS(asym_padding.MGF1(mgf), asym_padding.PSS.MAX_LENGTH)
    return asym_padding.PSS(asym_padding.MGF1(mgf), asym_padding.PSS.AUTO)


def _dsa_like_signature(key: Loaded, op: OpSpec, signing: bool) -> tuple[_Sink, _Sign | None, _Verify | None]:
    """ECDSA and DSA share the shape: sign a digest (or a raw value) as Prehashed."""
    pub = _public_of(key)
    none_digest = op.digest is None or op.digest == D.HUKS_DIGEST_NONE
    if isinstance(pub, ec.EllipticCurvePublicKey):
        order_bits = pub.curve.group_order.bit_length()
    elif isinstance(pub, dsa.DSAPublicKey):
        order_bits = pub.parameters().parameter_numbers().q.bit_length()
    else:
        raise TypeError("not an ECC or DSA key")

    def prepare(value: bytes) -> tuple[bytes, Prehashed]:
        if none_digest:
            return _prehash_raw(value, order_bits)
        return value, Prehashed(hash_algorithm(op.digest))

    sink = _Sink(None if none_digest else op.digest)
    if signing:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            ec_key = key

            def sign_ec(value: bytes) -> bytes:
                digest, pre = prepare(value)
                return ec_key.sign(digest, ec.ECDSA(pre))

            return sink, sign_ec, None
        if isinstance(key, dsa.DSAPrivateKey):
            dsa_key = key

            def sign_dsa(value: bytes) -> bytes:
                digest, pre = prepare(value)
                return dsa_key.sign(digest, pre)

            return sink, sign_dsa, None
        raise TypeError("signing needs the private key")

    def verify(value: bytes, sig: bytes) -> None:
        digest, pre = prepare(value)
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(sig, digest, ec.ECDSA(pre))
        elif isinstance(pub, dsa.DSAPublicKey):
            pub.verify(sig, digest, pre)

    return sink, None, verify


def _ed25519_signature(key: Loaded, signing: bool) -> tuple[_Sink, _Sign | None, _Verify | None]:
    pub = _public_of(key)
    if not isinstance(pub, ed25519.Ed25519PublicKey):
        raise TypeError("not an Ed25519 key")
    if signing:
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise TypeError("signing needs the Ed25519 private key")
        return _Sink(None), key.sign, None
    return _Sink(None), None, lambda message, sig: pub.verify(sig, message)


def _sm2_signature(key: Loaded, op: OpSpec, signing: bool) -> tuple[_Sink, _Sign | None, _Verify | None]:
    """SM2: the message is buffered (upstream caches it); DIGEST_SM3 signs SM3(Z_A ‖ M), DIGEST_NONE
    the 32-byte value itself."""
    if not isinstance(key, Sm2Key) or key.point is None:
        raise TypeError("not an SM2 key")
    point, scalar = key.point, key.scalar
    if signing and scalar is None:
        raise TypeError("signing needs the SM2 private key")
    with_sm3 = op.digest == D.HUKS_DIGEST_SM3

    def sign(message: bytes) -> bytes:
        assert scalar is not None  # noqa: S101 - checked above
        if with_sm3:
            signer = sm2.Signer(scalar, point)
            signer.update(message)
            return signer.finish()
        if len(message) != sm2.DIGEST_BYTES:
            raise Sm2LengthError(f"SM2 without a digest signs exactly {sm2.DIGEST_BYTES} bytes")
        return sm2.sign_digest(scalar, point, message)

    def verify(message: bytes, signature: bytes) -> None:
        if with_sm3:
            verifier = sm2.Verifier(point)
            verifier.update(message)
            verifier.finish(signature)
            return
        if len(message) != sm2.DIGEST_BYTES:
            raise Sm2LengthError(f"SM2 without a digest verifies exactly {sm2.DIGEST_BYTES} bytes")
        sm2.verify_digest(point, message, signature)

    return (_Sink(None), sign, None) if signing else (_Sink(None), None, verify)


def _sm2_cipher(key: Loaded, op: OpSpec) -> Operation:
    """SM2 encryption (C1 ‖ C3 ‖ C2, DER) and decryption of the buffered input."""
    if not isinstance(key, Sm2Key) or key.point is None:
        raise TypeError("not an SM2 key")
    point, scalar = key.point, key.scalar
    if op.kind is OpKind.ENCRYPT:
        return _Buffered(lambda data: sm2.encrypt(point, data))
    if scalar is None:
        raise TypeError("decryption needs the SM2 private key")
    return _Buffered(lambda data: sm2.decrypt(scalar, point, data))


def _ml_dsa_signature(key: Loaded, op: OpSpec, signing: bool) -> tuple[_Sink, _Sign | None, _Verify | None]:
    """ML-DSA (FIPS 204, pure, hedged) over the whole message, at most ``ML_DSA_MESSAGE_LIMIT`` bytes,
    with the session's context string (docs/decisions.md "post-quantum keys")."""
    pub = _public_of(key)
    if not isinstance(pub, ML_DSA_PUBLIC):
        raise TypeError("not an ML-DSA key")
    context = op.context or None
    sink = _Sink(None, ML_DSA_MESSAGE_LIMIT)
    if signing:
        if not isinstance(key, ML_DSA_PRIVATE):
            raise TypeError("signing needs the ML-DSA private key")
        private = key
        return sink, lambda message: private.sign(message, context), None
    return sink, None, lambda message, sig: pub.verify(sig, message, context)


def _signature(key: Loaded, spec: KeySpec, op: OpSpec) -> Operation:
    signing = op.kind is OpKind.SIGN
    if spec.alg == A.HUKS_ALG_SM2:
        parts = _sm2_signature(key, op, signing)
    elif spec.alg == A.HUKS_ALG_RSA:
        parts = _rsa_signature(key, op, signing)
    elif spec.alg in (A.HUKS_ALG_ECC, A.HUKS_ALG_DSA):
        parts = _dsa_like_signature(key, op, signing)
    elif spec.alg == A.HUKS_ALG_ED25519:
        parts = _ed25519_signature(key, signing)
    elif spec.alg == A.HUKS_ALG_ML_DSA:
        parts = _ml_dsa_signature(key, op, signing)
    else:
        raise UnsupportedAlgorithm(f"algorithm {spec.alg} cannot sign")
    return _Signature(*parts)


# ---- RSA encryption -------------------------------------------------------------------------------


class _Buffered(_Base):
    """An operation that needs its whole input at once (RSA encryption, agreement, AES-CCM): ``update``
    and ``finish`` collect at most ``limit`` bytes (else ``error``), ``finish`` runs ``run`` on them."""

    def __init__(
        self,
        run: Callable[[bytes], bytes],
        limit: int = BUFFER_LIMIT,
        error: type[EngineLimitError] = BufferLimitError,
    ) -> None:
        self._run: Callable[[bytes], bytes] | None = run
        self._buf = _Buffer(limit, error)

    def update(self, data: bytes) -> bytes:
        self._check()
        self._buf.feed(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._check()
        try:
            self._buf.feed(data)
            assert self._run is not None  # noqa: S101 - set until closed
            return self._run(self._buf.take())
        finally:
            self.abort()

    def _release(self) -> None:
        self._run = None
        self._buf.take()


def _rsa_cipher(key: Loaded, op: OpSpec) -> Operation:
    pub = _public_of(key)
    if not isinstance(pub, rsa.RSAPublicKey):
        raise TypeError("not an RSA key")
    encrypt = op.kind is OpKind.ENCRYPT
    priv = key if isinstance(key, rsa.RSAPrivateKey) else None
    if not encrypt and priv is None:
        raise TypeError("decryption needs the RSA private key")
    k = (pub.key_size + 7) // 8
    n = pub.public_numbers().n
    if op.padding == P.HUKS_PADDING_NONE:

        def raw(data: bytes) -> bytes:
            m = _raw_input(n, data)
            if encrypt:
                return _rsa_public_int(pub, m).to_bytes(k, "big")
            assert priv is not None  # noqa: S101
            return _rsa_private_int(priv, m).to_bytes(k, "big")

        return _Buffered(raw)
    pad: asym_padding.AsymmetricPadding
    if op.padding == P.HUKS_PADDING_PKCS1_V1_5:
        pad = asym_padding.PKCS1v15()
    elif op.padding == P.HUKS_PADDING_OAEP:
        algorithm = hash_algorithm(op.digest)
        mgf = hash_algorithm(op.mgf_digest if op.mgf_digest is not None else op.digest)
        pad = asym_padding.OAEP(asym_padding.MGF1(mgf), algorithm, None)
    else:
        raise UnsupportedAlgorithm(f"RSA cipher padding {op.padding}")
    if encrypt:
        return _Buffered(lambda data: pub.encrypt(data, pad))
    assert priv is not None  # noqa: S101
    decrypter = priv
    return _Buffered(lambda data: decrypter.decrypt(data, pad))


# ---- MAC, agree, derive -------------------------------------------------------------------------


class _Mac(_Base):
    """HMAC or CMAC, streaming."""

    def __init__(self, ctx: hmac.HMAC | cmac.CMAC) -> None:
        self._ctx: hmac.HMAC | cmac.CMAC | None = ctx

    def update(self, data: bytes) -> bytes:
        self._check()
        assert self._ctx is not None  # noqa: S101 - set until closed
        self._ctx.update(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._check()
        try:
            assert self._ctx is not None  # noqa: S101 - set until closed
            self._ctx.update(data)
            return self._ctx.finalize()
        finally:
            self.abort()

    def _release(self) -> None:
        self._ctx = None


def _mac(key: Loaded, spec: KeySpec, op: OpSpec) -> Operation:
    secret = _secret(key)
    if op.alg == A.HUKS_ALG_HMAC or (op.alg == A.HUKS_ALG_SM3 and spec.alg == A.HUKS_ALG_SM3):
        return _Mac(hmac.HMAC(secret, hash_algorithm(op.digest)))
    if op.alg == A.HUKS_ALG_CMAC and spec.alg in caps.CMAC_KEY_ALGS:
        cipher = (
            _triple_des(secret) if spec.alg in (A.HUKS_ALG_DES, A.HUKS_ALG_3DES) else algorithms.AES(secret)
        )
        return _Mac(cmac.CMAC(cipher))
    raise UnsupportedAlgorithm(f"MAC algorithm {op.alg} on key algorithm {spec.alg}")


#: Curve25519: the field prime and the twisted Edwards constant d (RFC 7748 §4.1, RFC 8032 §5.1).
_P25519: Final = 2**255 - 19
_D25519: Final = (-121665 * pow(121666, -1, 2**255 - 19)) % (2**255 - 19)


def _ed25519_private_as_x25519(key: ed25519.Ed25519PrivateKey) -> x25519.X25519PrivateKey:
    """The X25519 key of an Ed25519 key: the first half of SHA-512 of its seed (RFC 8032 §5.1.5, the
    scalar Ed25519 signs with; X25519 clamps it the same way), as upstream ConvertPrivX25519FromED25519."""
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    return x25519.X25519PrivateKey.from_private_bytes(hashlib.sha512(seed).digest()[:32])


def _ed25519_public_as_x25519(raw: bytes) -> x25519.X25519PublicKey:
    """The Montgomery u = (1 + y) / (1 - y) of an Ed25519 public key (RFC 7748 §4.1), after checking
    that it encodes a curve point other than the identity, as upstream ConvertPubkeyX25519FromED25519
    (CheckEd25519Pubkey). Public values only: plain integer arithmetic. Raises ``ValueError`` (→
    12000006 at finish) for an invalid point."""
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    encoded = int.from_bytes(raw, "little")
    y, sign = encoded & ((1 << 255) - 1), encoded >> 255
    p = _P25519
    if y >= p or y == 1:
        raise ValueError("the Ed25519 public key is not a usable curve point")
    x2 = (y * y - 1) * pow(_D25519 * y * y + 1, -1, p) % p
    if (x2 == 0 and sign) or (x2 != 0 and pow(x2, (p - 1) // 2, p) != 1):
        raise ValueError("the Ed25519 public key is not on the curve")
    u = (1 + y) * pow(1 - y, -1, p) % p
    return x25519.X25519PublicKey.from_public_bytes(u.to_bytes(32, "little"))


def _agree(key: Loaded, spec: KeySpec, op: OpSpec) -> Operation:
    if caps.AGREE_ALGS.get(spec.alg) != op.alg:
        raise UnsupportedAlgorithm(f"agreement {op.alg} on key algorithm {spec.alg}")
    if isinstance(key, x25519.X25519PrivateKey):
        x_key = key
        return _Buffered(lambda peer: x_key.exchange(x25519.X25519PublicKey.from_public_bytes(peer)))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        mine = _ed25519_private_as_x25519(key)
        return _Buffered(lambda peer: mine.exchange(_ed25519_public_as_x25519(peer)))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        ec_key = key

        def ecdh(peer: bytes) -> bytes:
            pub = serialization.load_der_public_key(peer)
            if not isinstance(pub, ec.EllipticCurvePublicKey):
                raise ValueError("the peer key is not an EC public key")
            return ec_key.exchange(ec.ECDH(), pub)

        return _Buffered(ecdh)
    if isinstance(key, dh.DHPrivateKey):
        dh_key = key

        def ffdh(peer: bytes) -> bytes:
            pub = serialization.load_der_public_key(peer)
            if not isinstance(pub, dh.DHPublicKey):
                raise ValueError("the peer key is not a DH public key")
            return dh_key.exchange(pub)

        return _Buffered(ffdh)
    raise TypeError("key agreement needs the private key")


class _Derive(_Base):
    """HKDF or PBKDF2 over the key's raw secret: ``update`` ignores its input; ``finish`` derives."""

    def __init__(self, derive: Callable[[], bytes]) -> None:
        self._derive: Callable[[], bytes] | None = derive

    def update(self, data: bytes) -> bytes:
        self._check()
        return b""

    def finish(self, data: bytes) -> bytes:
        self._check()
        try:
            assert self._derive is not None  # noqa: S101 - set until closed
            return self._derive()
        finally:
            self.abort()

    def _release(self) -> None:
        self._derive = None


def _derive(key: Loaded, op: OpSpec) -> Operation:
    secret = _secret(key)
    if op.derive_size is None or op.derive_size <= 0:
        raise ValueError("derivation needs a positive derive_size")
    algorithm = hash_algorithm(op.digest)
    length = op.derive_size
    if op.alg == A.HUKS_ALG_HKDF:
        salt, info = op.salt or None, op.info
        return _Derive(lambda: HKDF(algorithm, length, salt, info).derive(secret))
    if op.alg == A.HUKS_ALG_PBKDF2:
        salt_bytes, iterations = op.salt, op.iterations
        return _Derive(lambda: PBKDF2HMAC(algorithm, length, salt_bytes, iterations).derive(secret))
    raise UnsupportedAlgorithm(f"derivation algorithm {op.alg}")


def _kem(key: Loaded, spec: KeySpec, op: OpSpec) -> Operation:
    """ML-KEM (FIPS 203). ENCAPSULATE: ``finish(b"")`` returns ``shared secret ‖ ciphertext``;
    DECAPSULATE: ``finish(ciphertext)`` returns the shared secret. A ciphertext of the wrong length
    raises ``ValueError`` (→ 12000006); one of the right length made for another key decapsulates to
    an unrelated secret (FIPS 203 implicit rejection), as upstream's OpenSSL does."""
    pq = PQ_PARAM_SETS.get((spec.alg, spec.size))
    if pq is None or pq.ciphertext_len == 0:
        raise UnsupportedAlgorithm(f"key algorithm {spec.alg} cannot {op.kind.value}")
    pub = _public_of(key)
    if not isinstance(pub, ML_KEM_PUBLIC):
        raise TypeError("not an ML-KEM key")
    if op.kind is OpKind.ENCAPSULATE:

        def encapsulate(data: bytes) -> bytes:
            if data:
                raise ValueError("encapsulation takes no input")
            secret, ciphertext = pub.encapsulate()
            return bytes(secret) + bytes(ciphertext)

        return _Buffered(encapsulate)
    if not isinstance(key, ML_KEM_PRIVATE):
        raise TypeError("decapsulation needs the ML-KEM private key")
    private = key

    def decapsulate(ciphertext: bytes) -> bytes:
        if len(ciphertext) != pq.ciphertext_len:
            raise ValueError(f"ML-KEM ciphertext of {len(ciphertext)} bytes ({pq.ciphertext_len} expected)")
        return bytes(private.decapsulate(ciphertext))

    return _Buffered(decapsulate)


def _secret(key: Loaded) -> bytes:
    if not isinstance(key, bytes):
        raise TypeError("the operation needs a symmetric key")
    return key


def begin(ref: bytes, spec: KeySpec, op: OpSpec) -> Operation:
    """Start ``op`` with the key behind ``ref`` (semantics of update/finish: ``hukspy.backend.Operation``).

    Raises ``UnsupportedAlgorithm`` (→ 12000001) for a combination the engine lacks, ``ValueError``/
    ``TypeError`` (→ 12000003) for a parameter it rejects (IV/nonce/tag length, key type).
    """
    key = load(ref)
    if op.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        if spec.alg == A.HUKS_ALG_RSA:
            return _rsa_cipher(key, op)
        if spec.alg == A.HUKS_ALG_SM2:
            return _sm2_cipher(key, op)
        return _cipher(key, spec, op)
    if op.kind in (OpKind.SIGN, OpKind.VERIFY):
        return _signature(key, spec, op)
    if op.kind is OpKind.MAC:
        return _mac(key, spec, op)
    if op.kind is OpKind.AGREE:
        return _agree(key, spec, op)
    if op.kind is OpKind.DERIVE:
        return _derive(key, op)
    if op.kind in (OpKind.ENCAPSULATE, OpKind.DECAPSULATE):
        return _kem(key, spec, op)
    raise UnsupportedAlgorithm(f"operation {op.kind.value}")

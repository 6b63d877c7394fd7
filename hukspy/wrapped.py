"""Wrapped-key import (``import_wrapped_key_item``): the suites and the two AES-256-GCM layers.

Pure functions over bytes (pyca ``cryptography``); the facade (``Keystore.import_wrapped_key_item``)
validates the call, splits the 10 LV blobs (``formats.parse_lv``), obtains the shared secret from the
backend (an AGREE operation with the wrapping key, so a private key never leaves its backend) and hands
the blobs and the secret to ``open_key_material``. The format is documented in docs/wrapped-keys.md;
``build_wrapped_key`` is its inverse (what a server runs; the standalone version for servers is
docs/examples/build_wrapped_key.py).

The 10 parts, in order (``PART_*`` below are their indices)::

    0 peer public key      the caller's ephemeral public key (ECDH: SPKI DER; X25519: raw 32 bytes)
    1 agree AAD            AAD of the KEK layer
    2 agree nonce          nonce of the KEK layer
    3 agree tag            GCM tag of the KEK layer (16 bytes)
    4 KEK ciphertext       AES-256-GCM(shared secret, nonce 2, aad 1) of the 32-byte KEK
    5 KEK AAD              AAD of the key layer
    6 KEK nonce            nonce of the key layer
    7 KEK tag              GCM tag of the key layer (16 bytes)
    8 keyMaterialLen       uint32 little-endian, 1..2048: an upper bound of the key material's length
    9 key ciphertext       AES-256-GCM(KEK, nonce 6, aad 5) of the key material (importKeyItem format)

The shared secret (the raw ECDH x-coordinate of P-256, or the X25519 output: 32 bytes) is used directly
as the AES-256 key of the first layer, with no KDF, as upstream.

Errors (``HuksError``): 401 for a structural fault (a KEK ciphertext that is not 32 bytes, a tag that
is not 16 bytes, a nonce GCM cannot take, a keyMaterialLen blob that is not 4 bytes or outside 1..2048,
key material longer than keyMaterialLen: upstream INVALID_WRAPPED_FORMAT -126 / BUFFER_TOO_SMALL -7 →
401); 12000006 when either GCM layer fails to authenticate (wrong wrapping key, tampered blob: upstream
CRYPTO_ENGINE_ERROR -31 → 12000006).

The module also holds the envelope of ``wrap_key_item`` blobs (``pack_wrap_blob``/``unpack_wrap_blob``):
a versioned header and the key's params around what ``Backend.wrap`` returns.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import formats
from hukspy.enums import HuksKeyAlg, HuksUnwrapSuite
from hukspy.errors import HuksError

__all__ = [
    "ENVELOPE_BLOCK",
    "ENVELOPE_PARTS",
    "KEK_LEN",
    "KEY_MATERIAL_MAX",
    "PART_AGREE_AAD",
    "PART_AGREE_NONCE",
    "PART_AGREE_TAG",
    "PART_KEK_AAD",
    "PART_KEK_CT",
    "PART_KEK_NONCE",
    "PART_KEK_TAG",
    "PART_KEY_CT",
    "PART_KEY_LEN",
    "PART_PEER_PUBLIC",
    "SUITES",
    "WRAP_MAGIC",
    "WRAP_VERSION",
    "Suite",
    "build_wrapped_key",
    "open_envelope",
    "open_key_material",
    "pack_wrap_blob",
    "unpack_wrap_blob",
]

PART_PEER_PUBLIC: Final = 0
PART_AGREE_AAD: Final = 1
PART_AGREE_NONCE: Final = 2
PART_AGREE_TAG: Final = 3
PART_KEK_CT: Final = 4
PART_KEK_AAD: Final = 5
PART_KEK_NONCE: Final = 6
PART_KEK_TAG: Final = 7
PART_KEY_LEN: Final = 8
PART_KEY_CT: Final = 9

#: The KEK (and the shared secret) are AES-256 keys.
KEK_LEN: Final = 32
#: keyMaterialLen must be 1..2048 (upstream MAX_KEY_SIZE).
KEY_MATERIAL_MAX: Final = 2048
_TAG_LEN: Final = 16
_NONCE_LEN: Final = 12  # what build_wrapped_key writes; open_key_material takes any length GCM accepts
_AAD_LEN: Final = 16
_U32: Final = struct.Struct("<I")


@dataclass(frozen=True)
class Suite:
    """One ``HuksUnwrapSuite``: the wrapping key it needs (``key_algs`` HuksKeyAlg, ``key_size`` bits),
    the init ALGORITHM of the AGREE operation that yields the shared secret (``agree_alg``), and the
    algorithm whose public-key format part 0 has (``peer_alg``, for ``formats.load_public``)."""

    name: str
    key_algs: frozenset[int]
    key_size: int
    agree_alg: int
    peer_alg: int


#: The agreement suites of the 10-LV format. Suite 5 (SM2_SM4_ECB_NOPADDING, API 23) is an envelope of
#: its own (``ENVELOPE_PARTS``, ``open_envelope``).
SUITES: Final[Mapping[int, Suite]] = MappingProxyType({
    HuksUnwrapSuite.HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING: Suite(
        "X25519_AES_256_GCM_NOPADDING",
        frozenset({HuksKeyAlg.HUKS_ALG_X25519}),
        256,
        HuksKeyAlg.HUKS_ALG_X25519,
        HuksKeyAlg.HUKS_ALG_X25519,
    ),
    HuksUnwrapSuite.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING: Suite(
        "ECDH_AES_256_GCM_NOPADDING",
        frozenset({HuksKeyAlg.HUKS_ALG_ECC, HuksKeyAlg.HUKS_ALG_ECDH}),
        256,
        HuksKeyAlg.HUKS_ALG_ECDH,
        HuksKeyAlg.HUKS_ALG_ECC,
    ),
})


#: Suite 5 (SM2_SM4_ECB_NOPADDING): two LV blobs, the SM2 ciphertext of the SM4 KEK (C1 ‖ C3 ‖ C2 DER,
#: decrypted by the wrapping SM2 key in its backend) and SM4-ECB(KEK) of the key, no padding
#: (``HksEnvelopImportWrapedKey`` in upstream's ``hks_sm_import_wrap_key.c``).
ENVELOPE_PARTS: Final = 2
#: Suite 5 keys are whole SM4 blocks: KEY_SIZE / 8 must be a multiple of this (``HksCheckEnvelopKeySize``).
ENVELOPE_BLOCK: Final = 16
_SM4_KEY_LEN: Final = 16


def open_envelope(kek: bytes, ciphertext: bytes) -> bytes:
    """The key inside a suite-5 envelope: SM4-ECB decryption (no padding) of ``ciphertext`` with the
    16-byte ``kek``. Raises ``HuksError`` 12000006 for a KEK that is not an SM4 key or a ciphertext
    that is not whole blocks (upstream's SM4 decryption fails: CRYPTO_ENGINE_ERROR)."""
    if len(kek) != _SM4_KEY_LEN or len(ciphertext) % ENVELOPE_BLOCK:
        raise HuksError(12000006, "the suite-5 envelope (a KEK that is not an SM4 key, or partial blocks)")
    decryptor = Cipher(algorithms.SM4(kek), modes.ECB()).decryptor()  # noqa: S305 - the suite's ECB
    return decryptor.update(ciphertext) + decryptor.finalize()


def _open(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes, tag: bytes, what: str) -> bytes:
    if len(tag) != _TAG_LEN:
        raise HuksError(401, f"the {what} GCM tag is {len(tag)} bytes, not {_TAG_LEN}")
    try:
        aead = AESGCM(key)
    except ValueError as exc:
        raise HuksError(12000006, f"the {what} key is not an AES-256 key") from exc
    try:
        return aead.decrypt(nonce, ciphertext + tag, aad or None)
    except InvalidTag as exc:
        raise HuksError(12000006, f"the {what} layer of the wrapped key fails authentication") from exc
    except ValueError as exc:  # a nonce length GCM cannot take
        raise HuksError(401, f"the {what} nonce: {exc}") from exc


def open_key_material(parts: Sequence[bytes], shared_secret: bytes) -> bytes:
    """The key material inside ``parts`` (the 10 blobs of ``formats.parse_lv``), opened with
    ``shared_secret`` (32 bytes, from the agreement of the wrapping key with part 0).

    Returns the plaintext key material, in the ``import_key_item`` format of the key being imported.
    Raises ``HuksError`` 401 (structure, see the module docstring) or 12000006 (authentication).
    """
    if len(parts) != formats.WRAPPED_KEY_PARTS:
        raise HuksError(401, f"a wrapped key has {formats.WRAPPED_KEY_PARTS} parts, not {len(parts)}")
    if len(parts[PART_KEK_CT]) != KEK_LEN:
        raise HuksError(401, f"the wrapped KEK is {len(parts[PART_KEK_CT])} bytes, not {KEK_LEN}")
    if len(parts[PART_KEY_LEN]) != _U32.size:
        raise HuksError(401, f"the keyMaterialLen blob is {len(parts[PART_KEY_LEN])} bytes, not 4")
    (bound,) = _U32.unpack(parts[PART_KEY_LEN])
    if not 1 <= bound <= KEY_MATERIAL_MAX:
        raise HuksError(401, f"keyMaterialLen {bound} is outside 1..{KEY_MATERIAL_MAX}")
    if len(parts[PART_KEY_CT]) > bound:
        raise HuksError(401, f"the key material ({len(parts[PART_KEY_CT])} bytes) exceeds keyMaterialLen")
    kek = _open(
        shared_secret, parts[PART_AGREE_NONCE], parts[PART_AGREE_AAD], parts[PART_KEK_CT],
        parts[PART_AGREE_TAG], "KEK",
    )
    return _open(
        kek, parts[PART_KEK_NONCE], parts[PART_KEK_AAD], parts[PART_KEY_CT], parts[PART_KEK_TAG], "key"
    )


def build_wrapped_key(
    suite: int,
    wrapping_public_key: bytes,
    key_material: bytes,
    *,
    agree_aad: bytes | None = None,
    kek_aad: bytes | None = None,
) -> bytes:
    """The ``import_wrapped_key_item`` in_data that carries ``key_material`` (the ``import_key_item``
    format of the key to import) to the holder of the wrapping key whose exported public key is
    ``wrapping_public_key`` (``export_key_item``: raw 32 bytes for X25519, SPKI DER for ECDH P-256).

    A fresh ephemeral key pair, KEK and nonces are drawn for every call; the AADs are random 16 bytes
    unless given. Raises ``HuksError`` 12000003 for an unknown suite, 401 for a public key that does not
    fit it or key material that is empty or longer than 2048 bytes.
    """
    spec = SUITES.get(suite)
    if spec is None:
        raise HuksError(12000003, f"the unwrap suite {suite}")
    if not 1 <= len(key_material) <= KEY_MATERIAL_MAX:
        raise HuksError(401, f"key material of {len(key_material)} bytes (1..{KEY_MATERIAL_MAX})")
    peer = formats.load_public(spec.peer_alg, wrapping_public_key, spec.key_size)
    if isinstance(peer, x25519.X25519PublicKey):
        eph_x = x25519.X25519PrivateKey.generate()
        shared = eph_x.exchange(peer)
        eph_public = eph_x.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    elif isinstance(peer, ec.EllipticCurvePublicKey):
        eph_ec = ec.generate_private_key(peer.curve)
        shared = eph_ec.exchange(ec.ECDH(), peer)
        eph_public = eph_ec.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:  # pragma: no cover - load_public returns the suite's key type
        raise HuksError(401, "the wrapping public key does not fit the suite")
    kek = AESGCM.generate_key(bit_length=256)
    a_aad = secrets.token_bytes(_AAD_LEN) if agree_aad is None else agree_aad
    k_aad = secrets.token_bytes(_AAD_LEN) if kek_aad is None else kek_aad
    a_nonce, k_nonce = secrets.token_bytes(_NONCE_LEN), secrets.token_bytes(_NONCE_LEN)
    kek_sealed = AESGCM(shared).encrypt(a_nonce, kek, a_aad)
    key_sealed = AESGCM(kek).encrypt(k_nonce, key_material, k_aad)
    return formats.build_lv([
        eph_public,
        a_aad,
        a_nonce,
        kek_sealed[-_TAG_LEN:],
        kek_sealed[:-_TAG_LEN],
        k_aad,
        k_nonce,
        key_sealed[-_TAG_LEN:],
        _U32.pack(len(key_material)),
        key_sealed[:-_TAG_LEN],
    ])


# --------------------------------------------------------------------------------------------------
# wrap_key_item / unwrap_key_item: the facade's blob around a backend's wrap blob

#: ``wrap_key_item`` blobs start with this magic and format version.
WRAP_MAGIC: Final = b"HKPYWRAP"
WRAP_VERSION: Final = 1
_WRAP_HEAD: Final = struct.Struct("<8sBB")  # magic, version, len(backend name)


def pack_wrap_blob(backend: str, params: bytes, sealed: bytes) -> bytes:
    """The ``wrap_key_item`` output: ``magic(8) ‖ version:u8 ‖ len(backend):u8 ‖ backend (ASCII) ‖
    len(params):u32 LE ‖ params ‖ sealed``. ``params`` is the key's ``ParamSet.encode()`` (the backend
    binds it to ``sealed``), ``sealed`` what ``Backend.wrap`` returned."""
    name = backend.encode("ascii")
    head = _WRAP_HEAD.pack(WRAP_MAGIC, WRAP_VERSION, len(name)) + name
    return head + _U32.pack(len(params)) + params + sealed


def unpack_wrap_blob(blob: bytes) -> tuple[str, bytes, bytes]:
    """Split a ``pack_wrap_blob`` output into (backend name, params, sealed). Raises ``HuksError`` 401
    when ``blob`` is not one (wrong magic or version, truncated)."""
    blob = bytes(blob)
    if len(blob) < _WRAP_HEAD.size:
        raise HuksError(401, "the wrapped key is too short to be a wrap_key_item blob")
    magic, version, n = _WRAP_HEAD.unpack_from(blob)
    if magic != WRAP_MAGIC or version != WRAP_VERSION:
        raise HuksError(401, "the wrapped key is not a hukspy wrap_key_item blob of a known version")
    pos = _WRAP_HEAD.size
    name = blob[pos : pos + n]
    pos += n
    if len(name) != n or len(blob) < pos + _U32.size:
        raise HuksError(401, "the wrapped key is truncated")
    (plen,) = _U32.unpack_from(blob, pos)
    pos += _U32.size
    params, sealed = blob[pos : pos + plen], blob[pos + plen :]
    if len(params) != plen or not sealed:
        raise HuksError(401, "the wrapped key is truncated")
    try:
        return name.decode("ascii"), params, sealed
    except UnicodeDecodeError as exc:
        raise HuksError(401, "the wrapped key names no backend") from exc

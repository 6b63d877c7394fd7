#!/usr/bin/env python3
"""Build a wrapped key for HUKS ``importWrappedKeyItem`` / hukspy ``import_wrapped_key_item``.

What a server runs to send a key to a HarmonyOS device or a hukspy keystore. It needs only the
``cryptography`` package. See docs/wrapped-keys.md for the format.

    python3 build_wrapped_key.py SUITE DEVICE_PUBLIC_KEY KEY_MATERIAL OUT

SUITE is ``x25519`` (HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING = 1; DEVICE_PUBLIC_KEY is the raw
32-byte X25519 key that ``exportKeyItem`` returned) or ``ecdh`` (ECDH_AES_256_GCM_NOPADDING = 2; the
91-byte SubjectPublicKeyInfo DER of a P-256 key). KEY_MATERIAL is the key to send in the
``importKeyItem`` format (for an AES key: its raw bytes). OUT receives the ``inData``.
"""

from __future__ import annotations

import os
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SUITE_X25519 = 1  # HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING
SUITE_ECDH = 2  # HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING


def lv(*blobs: bytes) -> bytes:
    """Each blob as ``length (uint32, little-endian) || bytes``."""
    return b"".join(struct.pack("<I", len(b)) + b for b in blobs)


def build_wrapped_key(suite: int, device_public_key: bytes, key_material: bytes) -> bytes:
    """The 10-LV ``inData`` that carries ``key_material`` to the holder of ``device_public_key``."""
    # 1. An ephemeral key pair of the suite's type, and the shared secret with the device's key. The
    #    secret (32 bytes: the X25519 output, or the P-256 x-coordinate) is used directly as an AES key.
    if suite == SUITE_X25519:
        eph = x25519.X25519PrivateKey.generate()
        shared = eph.exchange(x25519.X25519PublicKey.from_public_bytes(device_public_key))
        eph_public = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    elif suite == SUITE_ECDH:
        device = serialization.load_der_public_key(device_public_key)
        if not isinstance(device, ec.EllipticCurvePublicKey) or device.curve.name != "secp256r1":
            raise ValueError("the ECDH suite needs a P-256 public key (SubjectPublicKeyInfo DER)")
        eph_ec = ec.generate_private_key(ec.SECP256R1())
        shared = eph_ec.exchange(ec.ECDH(), device)
        eph_public = eph_ec.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        raise ValueError(f"unknown suite {suite}")
    # 2. A random key-encryption key (KEK), sealed under the shared secret with AES-256-GCM.
    kek = AESGCM.generate_key(bit_length=256)
    agree_aad, agree_nonce = os.urandom(16), os.urandom(12)
    sealed_kek = AESGCM(shared).encrypt(agree_nonce, kek, agree_aad)  # ciphertext(32) || tag(16)
    # 3. The key material, sealed under the KEK with AES-256-GCM.
    kek_aad, kek_nonce = os.urandom(16), os.urandom(12)
    sealed_key = AESGCM(kek).encrypt(kek_nonce, key_material, kek_aad)
    # 4. The ten blobs, in this order.
    return lv(
        eph_public,  # 1 the ephemeral public key
        agree_aad,  # 2 AAD of the KEK layer
        agree_nonce,  # 3 nonce of the KEK layer
        sealed_kek[-16:],  # 4 tag of the KEK layer
        sealed_kek[:-16],  # 5 the sealed KEK
        kek_aad,  # 6 AAD of the key layer
        kek_nonce,  # 7 nonce of the key layer
        sealed_key[-16:],  # 8 tag of the key layer
        struct.pack("<I", len(key_material)),  # 9 keyMaterialLen
        sealed_key[:-16],  # 10 the sealed key material
    )


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in ("x25519", "ecdh"):
        print(__doc__, file=sys.stderr)
        return 2
    suite = SUITE_X25519 if argv[0] == "x25519" else SUITE_ECDH
    with open(argv[1], "rb") as f:
        device_public_key = f.read()
    with open(argv[2], "rb") as f:
        key_material = f.read()
    with open(argv[3], "wb") as f:
        f.write(build_wrapped_key(suite, device_public_key, key_material))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The ``import_wrapped`` hook's token part: the agreement and the KEK layer of a HUKS wrapped key
(``hukspy.wrapped``, suite ECDH_AES_256_GCM_NOPADDING) run inside the token.

What runs where (measured on SoftHSM2 2.6.1, docs/pkcs11.md "Wrapped-key import"):

1. ``C_DeriveKey(CKM_ECDH1_DERIVE, CKD_NULL)`` with the wrapping key's private object and the blob's
   ephemeral public point gives the shared secret as a **session AES-256 key, SENSITIVE, not
   EXTRACTABLE, DECRYPT only**: the shared secret never reaches the host (the facade's generic path
   reads it from an extractable derived object).
2. ``C_Decrypt(CKM_AES_GCM)`` with that key opens the KEK layer on the token and checks its tag there;
   the 32-byte KEK **comes back to host memory**. SoftHSM2 2.6.1 refuses ``CKM_AES_GCM`` (and AES ECB,
   CBC, CBC_PAD, CTR) in ``C_UnwrapKey`` with CKR_MECHANISM_INVALID and has no ``CKM_XOR_BASE_AND_DATA``
   to rebuild a CTR decryption by derivation, so the KEK cannot become a token object.
3. The key layer is opened on the host with the KEK (pyca AES-GCM): the key material is in host memory
   until ``C_CreateObject`` imports it (``Pkcs11Backend.import_key``).

So on SoftHSM2 the imported key **does** pass through host memory; only the shared secret stays in.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pkcs11 import KDF, Attribute, KeyType, Mechanism, ObjectClass

from hukspy import formats, wrapped
from hukspy.backend import DataRejectedError
from hukspy_pkcs11._native import CkrError, gcm_param
from hukspy_pkcs11.keys import find_key
from hukspy_pkcs11.token import TokenConnection, Worker

__all__ = ["open_on_token"]

_CKM_AES_GCM: Final = 0x1087
_TAG: Final = 16
_NONCE: Final = 12


def _well_formed(parts: Sequence[bytes]) -> bool:
    """The shape this path handles: anything else goes to the facade's path, which raises the exact 401."""
    if len(parts) != formats.WRAPPED_KEY_PARTS or len(parts[wrapped.PART_KEK_CT]) != wrapped.KEK_LEN:
        return False
    if len(parts[wrapped.PART_KEY_LEN]) != 4:
        return False
    (bound,) = struct.unpack("<I", parts[wrapped.PART_KEY_LEN])
    return (1 <= bound <= wrapped.KEY_MATERIAL_MAX and len(parts[wrapped.PART_KEY_CT]) <= bound
            and len(parts[wrapped.PART_AGREE_TAG]) == len(parts[wrapped.PART_KEK_TAG]) == _TAG
            and len(parts[wrapped.PART_AGREE_NONCE]) == len(parts[wrapped.PART_KEK_NONCE]) == _NONCE)


def open_on_token(conn: TokenConnection, key_id: bytes, parts: Sequence[bytes]) -> bytes | None:
    """The key material inside ``parts``, with steps 1-2 of the module docstring on the token and the
    wrapping key ``key_id`` (EC P-256). None when the blob's shape is not one this path handles.

    Raises ``DataRejectedError`` (→ 12000006) when either GCM layer fails authentication, python-pkcs11 errors
    (``translate``)."""
    if not _well_formed(parts):
        return None
    peer = serialization.load_der_public_key(parts[wrapped.PART_PEER_PUBLIC])
    if not isinstance(peer, ec.EllipticCurvePublicKey):
        return None
    point = peer.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    param = gcm_param(parts[wrapped.PART_AGREE_NONCE], parts[wrapped.PART_AGREE_AAD], _TAG * 8)
    sealed_kek = parts[wrapped.PART_KEK_CT] + parts[wrapped.PART_AGREE_TAG]

    def run(w: Worker) -> bytes:
        priv = find_key(w, key_id, ObjectClass.PRIVATE_KEY)
        shared = priv.derive_key(  # type: ignore[attr-defined]
            KeyType.AES, 256, mechanism=Mechanism.ECDH1_DERIVE, mechanism_param=(KDF.NULL, None, point),
            template={Attribute.TOKEN: False, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                      Attribute.DECRYPT: True, Attribute.ENCRYPT: False, Attribute.UNWRAP: False,
                      Attribute.WRAP: False, Attribute.SIGN: False, Attribute.VERIFY: False,
                      Attribute.DERIVE: False},
        )
        try:
            conn.module.op_init("Decrypt", w.handle, _CKM_AES_GCM, param, int(shared.handle or 0))
            try:
                kek = conn.module.one_shot("Decrypt", w.handle, sealed_kek, len(sealed_kek))
            except CkrError as exc:  # SoftHSM2: CKR_GENERAL_ERROR for a tag mismatch (backends.md §1.2)
                raise DataRejectedError("the KEK layer of the wrapped key fails authentication") from exc
        finally:
            shared.destroy()
        return kek

    kek = conn.run(run, write=True)  # creates and destroys a session object
    try:
        return AESGCM(kek).decrypt(parts[wrapped.PART_KEK_NONCE],
                                   parts[wrapped.PART_KEY_CT] + parts[wrapped.PART_KEK_TAG],
                                   parts[wrapped.PART_KEK_AAD] or None)
    except InvalidTag as exc:
        raise DataRejectedError("the key layer of the wrapped key fails authentication") from exc

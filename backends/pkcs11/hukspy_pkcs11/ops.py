"""Operations on token keys: what ``Backend.begin`` returns.

How each kind runs (the facade has validated the OpSpec already):

- **Block ciphers** (AES ECB/CBC/CTR, 3DES ECB/CBC) and **MACs** (HMAC, CMAC) *stream*: input is buffered
  until it passes ``STREAM_THRESHOLD`` (64 KiB); then the operation takes a worker session of its own
  and runs ``C_*Init``/``C_*Update`` through ctypes, so memory stays flat for any input size. Smaller
  inputs run in one round trip at ``finish``, which is what keeps small-message throughput close to raw
  python-pkcs11. AES-ECB with PKCS7 padding is padded on the host (SoftHSM2 has no CKM_AES_ECB_PAD);
  when decrypting it holds back the last block until ``finish``.
- **AES-GCM** and **RSA encryption** are buffered until ``finish`` (GCM must check the tag before it
  releases plaintext; RSA is one block).
- **ECDSA and RSA signatures** hash on the host while streaming (SoftHSM2 has no CKM_ECDSA_SHA*), then
  sign or verify the digest on the token: CKM_ECDSA, CKM_RSA_PKCS over a DigestInfo, CKM_RSA_PKCS_PSS.
  ECDSA signatures are DER (as HUKS); the token's raw r‖s is converted. Ed25519 buffers (pure EdDSA).
- **Agreement** (ECDH with CKD_NULL, DH) derives a session object, reads its value, destroys it.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from pkcs11 import KDF, Attribute, KeyType, Mechanism, ObjectClass

from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPadding as Pad
from hukspy.errors import HuksError
from hukspy.formats import DIGEST_INFO
from hukspy.spec import KeySpec, OpKind, OpSpec
from hukspy_pkcs11 import _native as n
from hukspy_pkcs11.keys import CURVES, ffdhe_prime, find_key
from hukspy_pkcs11.token import TokenConnection, Worker

if TYPE_CHECKING:
    from hukspy.backend import Operation

__all__ = ["DIGESTS", "HMAC_MECHS", "STREAM_THRESHOLD", "begin", "cipher_mechanism"]

STREAM_THRESHOLD: Final = 64 * 1024

#: HUKS digest → (hashlib name, CKM hash mechanism, CKG_MGF1); the PKCS#1 v1.5 DigestInfo prefixes are
#: ``hukspy.formats.DIGEST_INFO``.
DIGESTS: Final[Mapping[int, tuple[str, int, int]]] = {
    D.HUKS_DIGEST_MD5: ("md5", 0x210, 0),
    D.HUKS_DIGEST_SHA1: ("sha1", 0x220, 1),
    D.HUKS_DIGEST_SHA224: ("sha224", 0x255, 5),
    D.HUKS_DIGEST_SHA256: ("sha256", 0x250, 2),
    D.HUKS_DIGEST_SHA384: ("sha384", 0x260, 3),
    D.HUKS_DIGEST_SHA512: ("sha512", 0x270, 4),
}
#: HUKS digest → CKM_*_HMAC.
HMAC_MECHS: Final[Mapping[int, int]] = {
    D.HUKS_DIGEST_MD5: 0x211, D.HUKS_DIGEST_SHA1: 0x221, D.HUKS_DIGEST_SHA224: 0x256,
    D.HUKS_DIGEST_SHA256: 0x251, D.HUKS_DIGEST_SHA384: 0x261, D.HUKS_DIGEST_SHA512: 0x271,
}
CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR, CKM_AES_GCM = 0x1081, 0x1082, 0x1085, 0x1086, 0x1087
CKM_AES_CMAC, CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CMAC = 0x108A, 0x132, 0x133, 0x138
CKM_RSA_PKCS, CKM_RSA_X_509, CKM_RSA_PKCS_OAEP, CKM_RSA_PKCS_PSS = 0x1, 0x3, 0x9, 0xD
CKM_ECDSA, CKM_EDDSA = 0x1041, 0x1057

#: (key alg, mode, padding) → (mechanism, host-side PKCS#7 padding).
CIPHERS: Final[Mapping[tuple[int, int, int], tuple[int, bool]]] = {
    (A.HUKS_ALG_AES, M.HUKS_MODE_ECB, Pad.HUKS_PADDING_NONE): (CKM_AES_ECB, False),
    (A.HUKS_ALG_AES, M.HUKS_MODE_ECB, Pad.HUKS_PADDING_PKCS7): (CKM_AES_ECB, True),
    (A.HUKS_ALG_AES, M.HUKS_MODE_CBC, Pad.HUKS_PADDING_NONE): (CKM_AES_CBC, False),
    (A.HUKS_ALG_AES, M.HUKS_MODE_CBC, Pad.HUKS_PADDING_PKCS7): (CKM_AES_CBC_PAD, False),
    (A.HUKS_ALG_AES, M.HUKS_MODE_CTR, Pad.HUKS_PADDING_NONE): (CKM_AES_CTR, False),
    (A.HUKS_ALG_AES, M.HUKS_MODE_GCM, Pad.HUKS_PADDING_NONE): (CKM_AES_GCM, False),
    (A.HUKS_ALG_3DES, M.HUKS_MODE_ECB, Pad.HUKS_PADDING_NONE): (CKM_DES3_ECB, False),
    (A.HUKS_ALG_3DES, M.HUKS_MODE_CBC, Pad.HUKS_PADDING_NONE): (CKM_DES3_CBC, False),
}
CMAC_MECHS: Final[Mapping[int, int]] = {
    A.HUKS_ALG_AES: CKM_AES_CMAC, A.HUKS_ALG_CMAC: CKM_AES_CMAC, A.HUKS_ALG_3DES: CKM_DES3_CMAC,
}


def cipher_mechanism(key_alg: int, op: OpSpec) -> tuple[int, n.Param | None, bool]:
    """The mechanism, its parameter and whether to pad on the host, for a cipher OpSpec.

    Raises ``HuksError`` 12000001 for a combination the token backend does not run.
    """
    entry = CIPHERS.get((key_alg, op.mode or 0, op.padding or 0))
    if entry is None:
        raise HuksError(12000001, "this cipher mode/padding on the PKCS#11 token")
    mech, host_pad = entry
    param: n.Param | None = None
    if mech == CKM_AES_GCM:
        param = n.gcm_param(op.nonce or b"", op.aad, op.tag_len * 8)
    elif mech == CKM_AES_CTR:
        param = n.ctr_param(op.iv or b"")
    elif mech in (CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_DES3_CBC):
        param = n.bytes_param(op.iv or b"")
    return mech, param, host_pad


class _Streaming:
    """Shared state: the connection, the key, and the worker held while a multi-part op runs."""

    kind: str  # "Encrypt" / "Decrypt" / "Sign"

    def __init__(self, conn: TokenConnection, key_id: bytes, cls: ObjectClass, mech: int,
                 param: n.Param | None) -> None:
        self._conn = conn
        self._key_id = key_id
        self._cls = cls
        self._mech = mech
        self._param = param
        self._worker: Worker | None = None
        self._buf = bytearray()
        self._done = False

    @property
    def _module(self) -> n.Module:
        return self._conn.module

    def _init_on(self, w: Worker) -> None:
        key = find_key(w, self._key_id, self._cls)
        self._module.op_init(self.kind, w.handle, self._mech, self._param, int(key.handle or 0))

    def _start(self) -> Worker:
        """Take a worker for this operation and start the multi-part operation on it."""
        self._worker = self._conn.take(self._init_on)
        return self._worker

    def _end(self, ok: bool) -> None:
        w, self._worker = self._worker, None
        self._done = True
        self._buf = bytearray()
        if w is None:
            return
        if not ok:
            self._module.cancel(self.kind, w.handle)
        self._conn.release(w)

    def abort(self) -> None:
        """Release the worker (cancelling a running multi-part operation). Idempotent, never raises."""
        with contextlib.suppress(Exception):
            self._end(ok=False)


def _pkcs7_pad(data: bytes, block: int) -> bytes:
    k = block - len(data) % block
    return data + bytes([k]) * k


def _pkcs7_unpad(data: bytes, block: int) -> bytes:
    if not data or len(data) % block:
        raise HuksError(12000006, "the padding is invalid")
    k = data[-1]
    if not 1 <= k <= block or data[-k:] != bytes([k]) * k:
        raise HuksError(12000006, "the padding is invalid")
    return data[:-k]


class CipherOperation(_Streaming):
    """AES ECB/CBC/CTR and 3DES ECB/CBC: buffered below the threshold, streamed above."""

    def __init__(self, conn: TokenConnection, key_id: bytes, encrypt: bool, mech: int,
                 param: n.Param | None, host_pad: bool, block: int) -> None:
        super().__init__(conn, key_id, ObjectClass.SECRET_KEY, mech, param)
        self.kind = "Encrypt" if encrypt else "Decrypt"
        self._encrypt = encrypt
        self._host_pad = host_pad
        self._block = block
        self._total = 0
        self._held = b""  # decrypt with host padding: the last block of output, kept until finish

    def _emit(self, out: bytes) -> bytes:
        if self._host_pad and not self._encrypt:
            out = self._held + out
            cut = max(0, len(out) - self._block)
            self._held = out[cut:]
            return out[:cut]
        return out

    def update(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        try:
            if self._worker is not None:
                self._total += len(data)
                return self._emit(self._module.crypt_update(self.kind, self._worker.handle, data))
            self._buf += data
            if len(self._buf) < STREAM_THRESHOLD:
                return b""
            w = self._start()
            chunk = bytes(self._buf)
            self._buf = bytearray()
            self._total += len(chunk)
            return self._emit(self._module.crypt_update(self.kind, w.handle, chunk))
        except BaseException:
            self.abort()
            raise

    def finish(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        try:
            if self._worker is None:
                whole = bytes(self._buf) + data
                if self._host_pad and self._encrypt:
                    whole = _pkcs7_pad(whole, self._block)

                def run(w: Worker) -> bytes:
                    self._init_on(w)
                    try:
                        out = self._module.crypt_update(self.kind, w.handle, whole) if whole else b""
                        return out + self._module.crypt_final(self.kind, w.handle)
                    except BaseException:
                        self._module.cancel(self.kind, w.handle)
                        raise

                out = self._conn.run(run)
                self._done = True
                return _pkcs7_unpad(out, self._block) if self._host_pad and not self._encrypt else out
            w = self._worker
            if self._host_pad and self._encrypt:
                pad = self._block - (self._total + len(data)) % self._block
                data = data + bytes([pad]) * pad
            out = self._module.crypt_update(self.kind, w.handle, data) if data else b""
            out = self._emit(out + self._module.crypt_final(self.kind, w.handle))
            self._end(ok=True)
            if self._host_pad and not self._encrypt:
                out += _pkcs7_unpad(self._held, self._block)
            return out
        except BaseException:
            self.abort()
            raise


class OneShotOperation(_Streaming):
    """Buffered until ``finish``: AES-GCM, RSA encryption, Ed25519 and pre-hashed signatures."""

    def __init__(self, conn: TokenConnection, key_id: bytes, cls: ObjectClass, kind: str, mech: int,
                 param: n.Param | None, out_max: int,
                 prepare: Callable[[bytes], bytes] | None = None,
                 post: Callable[[bytes], bytes] | None = None,
                 hasher: hashlib._Hash | None = None) -> None:
        super().__init__(conn, key_id, cls, mech, param)
        self.kind = kind
        self._out_max = out_max
        self._prepare = prepare
        self._post = post
        self._hasher = hasher

    def update(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        if self._hasher is not None:
            self._hasher.update(data)
        else:
            self._buf += data
        return b""

    def _input(self, data: bytes) -> bytes:
        if self._hasher is not None:
            self._hasher.update(data)
            message = self._hasher.digest()
        else:
            message = bytes(self._buf) + data
        return self._prepare(message) if self._prepare is not None else message

    def finish(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        self._done = True
        message = self._input(data)

        def run(w: Worker) -> bytes:
            self._init_on(w)
            return self._module.one_shot(self.kind, w.handle, message, self._out_max)

        out = self._conn.run(run)
        self._buf = bytearray()
        return self._post(out) if self._post is not None else out


class VerifyOperation(OneShotOperation):
    """Verification on the token: ``finish(signature)`` returns b"" or raises (12000006)."""

    def __init__(self, conn: TokenConnection, key_id: bytes, mech: int, param: n.Param | None,
                 prepare: Callable[[bytes], bytes] | None, signature: Callable[[bytes], bytes],
                 hasher: hashlib._Hash | None) -> None:
        super().__init__(conn, key_id, ObjectClass.PUBLIC_KEY, "Verify", mech, param, 0, prepare, None,
                         hasher)
        self._signature = signature

    def finish(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        self._done = True
        sig = self._signature(data)
        message = self._input(b"")

        def run(w: Worker) -> None:
            self._init_on(w)
            self._module.verify(w.handle, message, sig)

        self._conn.run(run)
        return b""


class MacOperation(_Streaming):
    """HMAC and CMAC: buffered below the threshold, then C_SignUpdate per chunk."""

    kind = "Sign"

    def update(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        try:
            if self._worker is not None:
                self._module.sign_update("Sign", self._worker.handle, data)
                return b""
            self._buf += data
            if len(self._buf) >= STREAM_THRESHOLD:
                w = self._start()
                self._module.sign_update("Sign", w.handle, bytes(self._buf))
                self._buf = bytearray()
            return b""
        except BaseException:
            self.abort()
            raise

    def finish(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        try:
            if self._worker is None:
                whole = bytes(self._buf) + data

                def run(w: Worker) -> bytes:
                    self._init_on(w)
                    return self._module.one_shot("Sign", w.handle, whole, 64)

                out = self._conn.run(run)
                self._done = True
                return out
            if data:
                self._module.sign_update("Sign", self._worker.handle, data)
            out = self._module.sign_final(self._worker.handle)
            self._end(ok=True)
            return out
        except BaseException:
            self.abort()
            raise


class AgreeOperation:
    """ECDH (CKD_NULL) or DH on the token: ``finish(peer public key SPKI DER)`` → the shared secret."""

    def __init__(self, conn: TokenConnection, key_id: bytes, key: KeySpec, op: OpSpec) -> None:
        self._conn = conn
        self._key_id = key_id
        self._key = key
        self._op = op
        self._peer = b""
        self._done = False

    def update(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        self._peer += data
        return b""

    def finish(self, data: bytes) -> bytes:
        if self._done:
            raise HuksError(12000011, "the operation has ended")
        self._done = True
        peer_der = data or self._peer
        try:
            peer = serialization.load_der_public_key(peer_der)
        except ValueError as exc:
            raise HuksError(12000003, "the peer public key is not a valid SPKI DER key") from exc
        if self._key.alg == A.HUKS_ALG_ECC:
            curve = CURVES[self._key.size][1]
            if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != curve.name:
                raise HuksError(12000003, "the peer public key is not on the key's curve")
            point = peer.public_bytes(serialization.Encoding.X962,
                                      serialization.PublicFormat.UncompressedPoint)
            mech, length = Mechanism.ECDH1_DERIVE, (curve.key_size + 7) // 8
            param: object = (KDF.NULL, None, point)
        elif self._key.alg == A.HUKS_ALG_DH:
            if not isinstance(peer, dh.DHPublicKey):
                raise HuksError(12000003, "the peer public key is not a DH key")
            pn = peer.public_numbers()
            if pn.parameter_numbers.p != ffdhe_prime(self._key.size) or pn.parameter_numbers.g != 2:
                raise HuksError(12000003, "the peer public key is not in the key's DH group")
            length = self._key.size // 8
            mech, param = Mechanism.DH_PKCS_DERIVE, pn.y.to_bytes(length, "big")
        else:
            raise HuksError(12000001, "this agreement on the PKCS#11 token")

        def run(w: Worker) -> bytes:
            priv = find_key(w, self._key_id, ObjectClass.PRIVATE_KEY)
            secret = priv.derive_key(  # type: ignore[attr-defined]
                KeyType.GENERIC_SECRET, length * 8, mechanism=mech, mechanism_param=param,
                template={Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True, Attribute.TOKEN: False},
            )
            try:
                value: bytes = bytes(secret[Attribute.VALUE])
            finally:
                secret.destroy()
            return value

        return self._conn.run(run, write=True)  # creates and destroys a (session) object

    def abort(self) -> None:
        self._done = True


def _rsa_pss_salt(op: OpSpec, modulus_bits: int, h_len: int) -> int:
    if op.pss_salt == 0:
        return h_len
    em_len = (modulus_bits - 1 + 7) // 8
    return em_len - h_len - 2


def _ecdsa_raw(size: int) -> Callable[[bytes], bytes]:
    n_bytes = (size + 7) // 8

    def to_raw(der: bytes) -> bytes:
        try:
            r, s = decode_dss_signature(der)
        except ValueError as exc:
            raise HuksError(12000006, "the signature is not a valid DER ECDSA signature") from exc
        if r.bit_length() > n_bytes * 8 or s.bit_length() > n_bytes * 8:
            raise HuksError(12000006, "the signature does not verify")
        return r.to_bytes(n_bytes, "big") + s.to_bytes(n_bytes, "big")

    return to_raw


def _ecdsa_der(raw: bytes) -> bytes:
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def begin(conn: TokenConnection, key_id: bytes, key: KeySpec, op: OpSpec) -> Operation:
    """The operation for ``op`` on the token key ``key_id``. Raises ``HuksError`` 12000001 for what the
    token backend does not run (the capabilities say so first)."""
    alg = key.alg
    if op.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        encrypt = op.kind is OpKind.ENCRYPT
        if alg == A.HUKS_ALG_RSA:
            rsa_mechs: dict[int, int] = {
                Pad.HUKS_PADDING_NONE: CKM_RSA_X_509, Pad.HUKS_PADDING_PKCS1_V1_5: CKM_RSA_PKCS,
                Pad.HUKS_PADDING_OAEP: CKM_RSA_PKCS_OAEP,
            }
            mech = rsa_mechs.get(op.padding or 0)
            if mech is None:
                raise HuksError(12000001, "this RSA padding on the PKCS#11 token")
            param = None
            if mech == CKM_RSA_PKCS_OAEP:
                digest = DIGESTS.get(op.digest or 0)
                mgf_entry = DIGESTS.get(op.mgf_digest or op.digest or 0)
                if digest is None or mgf_entry is None or op.digest != D.HUKS_DIGEST_SHA1:
                    raise HuksError(12000001, "RSA-OAEP with this digest on the PKCS#11 token (SHA-1 only)")
                param = n.oaep_param(digest[1], mgf_entry[2])
            cls = ObjectClass.PUBLIC_KEY if encrypt else ObjectClass.PRIVATE_KEY
            return OneShotOperation(conn, key_id, cls, "Encrypt" if encrypt else "Decrypt", mech, param,
                                    key.size // 8)
        mech, param, host_pad = cipher_mechanism(alg, op)
        if mech == CKM_AES_GCM:
            tag = op.tag or b""
            return OneShotOperation(conn, key_id, ObjectClass.SECRET_KEY, "Encrypt" if encrypt else "Decrypt",
                                    mech, param, 0, prepare=None if encrypt else (lambda ct: ct + tag),
                                    post=None)
        block = 16 if alg == A.HUKS_ALG_AES else 8
        return CipherOperation(conn, key_id, encrypt, mech, param, host_pad, block)
    if op.kind in (OpKind.SIGN, OpKind.VERIFY):
        sign = op.kind is OpKind.SIGN
        hasher: hashlib._Hash | None = None
        prepare: Callable[[bytes], bytes] | None = None
        param = None
        if alg == A.HUKS_ALG_ED25519:
            mech = CKM_EDDSA
            out_max, post, to_raw = 64, None, (lambda s: s)
        elif alg == A.HUKS_ALG_ECC:
            mech = CKM_ECDSA
            if op.digest not in (None, D.HUKS_DIGEST_NONE):
                hasher = hashlib.new(DIGESTS[op.digest][0])
            out_max, post, to_raw = 2 * ((key.size + 7) // 8), _ecdsa_der, _ecdsa_raw(key.size)
        elif alg == A.HUKS_ALG_RSA:
            out_max, post, to_raw = key.size // 8, None, (lambda s: s)
            if op.digest not in (None, D.HUKS_DIGEST_NONE):
                hasher = hashlib.new(DIGESTS[op.digest][0])
            if op.padding == Pad.HUKS_PADDING_PKCS1_V1_5:
                mech = CKM_RSA_PKCS
                if hasher is not None:
                    prefix = DIGEST_INFO[op.digest or 0]
                    prepare = prefix.__add__
            elif op.padding == Pad.HUKS_PADDING_NONE and hasher is None:
                mech = CKM_RSA_X_509
            elif op.padding == Pad.HUKS_PADDING_PSS and hasher is not None:
                mech = CKM_RSA_PKCS_PSS
                hash_mech = DIGESTS[op.digest or 0][1]
                mgf = DIGESTS[op.mgf_digest or op.digest or 0][2]
                param = n.pss_param(hash_mech, mgf, _rsa_pss_salt(op, key.size, hasher.digest_size))
            else:
                raise HuksError(12000001, "this RSA signature padding on the PKCS#11 token")
        else:
            raise HuksError(12000001, "signatures with this algorithm on the PKCS#11 token")
        if sign:
            return OneShotOperation(conn, key_id, ObjectClass.PRIVATE_KEY, "Sign", mech, param, out_max,
                                    prepare, post, hasher)
        return VerifyOperation(conn, key_id, mech, param, prepare, to_raw, hasher)
    if op.kind is OpKind.MAC:
        if op.alg == A.HUKS_ALG_HMAC and alg == A.HUKS_ALG_HMAC and (op.digest or 0) in HMAC_MECHS:
            return MacOperation(conn, key_id, ObjectClass.SECRET_KEY, HMAC_MECHS[op.digest or 0], None)
        if op.alg == A.HUKS_ALG_CMAC and alg in CMAC_MECHS:
            return MacOperation(conn, key_id, ObjectClass.SECRET_KEY, CMAC_MECHS[alg], None)
        raise HuksError(12000001, "this MAC on the PKCS#11 token")
    if op.kind is OpKind.AGREE:
        if (alg, op.alg) in ((A.HUKS_ALG_ECC, A.HUKS_ALG_ECDH), (A.HUKS_ALG_DH, A.HUKS_ALG_DH)):
            return AgreeOperation(conn, key_id, key, op)
        raise HuksError(12000001, "this key agreement on the PKCS#11 token")
    raise HuksError(12000001, f"{op.kind.value} on the PKCS#11 token")


_ = InvalidSignature  # verification failures arrive as CKR_SIGNATURE_INVALID (→ 12000006)

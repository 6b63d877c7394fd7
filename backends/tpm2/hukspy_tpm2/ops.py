"""The session operations of TPM keys (``hukspy.backend.Operation``).

No operation holds a TPM slot between calls: each TPM command loads its key through the slot manager
(``Tpm.key``) under the lock, so any number of sessions can be open on a TPM with three slots. What
can be done with the public key alone (verify, RSA encrypt) is done on the host with pyca/cryptography.

- sign: the message is hashed on the host (hashlib, streaming); the TPM signs the digest (ECDSA;
  RSASSA and RSAPSS where the TPM's scheme matches). RSA paddings the TPM's schemes lack (PSS with the
  maximum salt, PKCS#1 v1.5 over MD5/SHA-224 or over raw data) are encoded on the host and signed
  with the raw RSA private operation (``RSA_Decrypt`` with scheme NULL).
- MAC: ``TPM2_HMAC`` for up to 1 KiB; above that an HMAC sequence, context-saved between updates.
- AES: ``EncryptDecrypt2`` in 1 KiB chunks, chaining the IV the TPM returns; PKCS#7 on the host.
- agree: ``ECDH_ZGen`` → the shared x-coordinate.

Errors are native (``TSS2_Exception`` from the TPM, ``hukspy.backend``'s types for what the host
checks); the backend's ``translate`` and the facade turn them into HUKS codes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    encode_dss_signature,
)
from tpm2_pytss.constants import ESYS_TR, TPM2_ALG, TPM2_RH, TPM2_ST
from tpm2_pytss.types import (
    TPM2B_DATA,
    TPM2B_DIGEST,
    TPM2B_ECC_POINT,
    TPM2B_IV,
    TPM2B_MAX_BUFFER,
    TPM2B_PUBLIC_KEY_RSA,
    TPMS_CONTEXT,
    TPMS_ECC_POINT,
    TPMT_RSA_DECRYPT,
    TPMT_SIG_SCHEME,
    TPMT_TK_HASHCHECK,
)

from hukspy.backend import (
    DataRejectedError,
    Operation,
    ParameterRejectedError,
    StoredDataDamagedError,
    UnsupportedError,
    facts,
)
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding
from hukspy.spec import KeySpec, OpKind, OpSpec

from .caps import AES_MODES, TPM_CURVES, TPM_HASHES, TpmInfo
from .errors import connection_lost
from .refs import Ref

if TYPE_CHECKING:
    from .tpm import Tpm

__all__ = ["begin_tpm_op", "public_key_of"]

_CHUNK: Final = 1024  # MAX_BUFFER: the largest EncryptDecrypt2 / HMAC input
_MAX_BUFFERED: Final = 5 * 1024 * 1024  # RSA and unhashed inputs are cached (HUKS: ≤ 5 MiB)
_NULL_TICKET: Final = TPMT_TK_HASHCHECK(tag=TPM2_ST.HASHCHECK, hierarchy=TPM2_RH.NULL)
_D = HuksKeyDigest
#: The digests an unhashed ECDSA input can be verified as (ascending sizes).
_SHA2: Final = (_D.HUKS_DIGEST_SHA224, _D.HUKS_DIGEST_SHA256, _D.HUKS_DIGEST_SHA384, _D.HUKS_DIGEST_SHA512)
_P = HuksKeyPadding
_A = HuksKeyAlg


@dataclass(frozen=True)
class Digest:
    """A digest as the operations use it: the HUKS value ``id``, its facts ``info``
    (``hukspy.backend.facts.DIGESTS``) and the TPM's hash algorithm ``tpm`` (None where it has none)."""

    id: int
    info: facts.Digest
    tpm: int | None

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def size(self) -> int:
        return self.info.size

    def pyca(self) -> hashes.HashAlgorithm:
        """A pyca/cryptography instance of the hash."""
        return self.info.hash()


@functools.cache
def digest_of(d: int) -> Digest:
    """The ``Digest`` of HUKS digest ``d`` (one of ``caps.TPM_HASHES``)."""
    return Digest(d, facts.DIGESTS[d], TPM_HASHES[d])


@dataclass(frozen=True)
class Curve:
    """A NIST curve as the operations use it: its facts ``info`` (``hukspy.backend.facts.CURVES``) and
    the TPM's curve id ``tpm``."""

    info: facts.Curve
    tpm: int

    @property
    def size(self) -> int:
        """The field size in bytes."""
        return self.info.field_bytes

    @property
    def order_bits(self) -> int:
        """The bit length of the group order (that of the field too, for the NIST prime curves)."""
        return self.info.curve.key_size


@functools.cache
def curve_of(size: int) -> Curve:
    """The ``Curve`` of a HUKS ECC key size (one of ``caps.TPM_CURVES``)."""
    return Curve(facts.CURVES[size], TPM_CURVES[size])


@functools.lru_cache(maxsize=256)
def public_key_of(pub_blob: bytes) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The pyca public key of a marshalled ``TPM2B_PUBLIC`` (cached: parsing costs as much as a TPM
    command)."""
    from tpm2_pytss.types import TPM2B_PUBLIC

    tpub, _ = TPM2B_PUBLIC.unmarshal(pub_blob)
    key = serialization.load_der_public_key(tpub.to_der())
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise StoredDataDamagedError("read the TPM blob (it holds an unexpected key type)")
    return key


@functools.lru_cache(maxsize=32)
def _scheme(scheme_alg: int, hash_alg: int) -> TPMT_SIG_SCHEME:
    """A signing scheme (built once: tpm2-pytss objects are slow to build). Used under ``Tpm.lock``."""
    scheme = TPMT_SIG_SCHEME(scheme=scheme_alg)
    scheme.details.any.hashAlg = hash_alg
    return scheme


def _tpm2b(wire: bytes, off: int) -> tuple[bytes, int]:
    """A TPM2B (u16 size, big-endian, then the bytes) at ``off`` of marshalled data; and the next offset."""
    n = int.from_bytes(wire[off : off + 2], "big")
    return wire[off + 2 : off + 2 + n], off + 2 + n


def _digest(op: OpSpec) -> Digest | None:
    return None if op.digest in (None, _D.HUKS_DIGEST_NONE) else digest_of(op.digest)


def _mgf_digest(op: OpSpec, d: Digest | None) -> Digest | None:
    """The MGF1 digest of an OAEP/PSS operation: its own, else the operation's."""
    return digest_of(op.mgf_digest) if op.mgf_digest not in (None, _D.HUKS_DIGEST_NONE) else d


class _Buffer:
    """Accumulates input, hashing it when a digest is set, else keeping it (bounded)."""

    def __init__(self, digest: Digest | None) -> None:
        self._h = None if digest is None else hashlib.new(digest.name)
        self._data = bytearray()

    def add(self, data: bytes) -> None:
        if self._h is not None:
            self._h.update(data)
            return
        if len(self._data) + len(data) > _MAX_BUFFERED:
            raise ParameterRejectedError(f"input length for this operation (more than {_MAX_BUFFERED} bytes)")
        self._data += data

    def value(self) -> bytes:
        return self._h.digest() if self._h is not None else bytes(self._data)


def _bits2int(data: bytes, nbits: int) -> int:
    v = int.from_bytes(data, "big")
    excess = 8 * len(data) - nbits
    return v >> excess if excess > 0 else v


def _fit_ecdsa(value: bytes, curve: Curve, sizes: list[tuple[int, int]]) -> tuple[bytes, int]:
    """A digest ``D`` of one of ``sizes`` ((bytes, alg), ascending) such that ECDSA over ``D`` equals
    ECDSA over ``value`` (the same bits2int at the curve's order length)."""
    e = _bits2int(value, curve.order_bits)
    for size, alg in sizes:
        if 8 * size >= curve.order_bits:
            return (e << (8 * size - curve.order_bits)).to_bytes(size, "big"), alg
    size, alg = sizes[-1]
    if e.bit_length() <= 8 * size:
        return e.to_bytes(size, "big"), alg
    raise UnsupportedError(f"ECDSA over {len(value)} unhashed bytes on this curve")


class _Closed:
    closed = False

    def abort(self) -> None:
        self.closed = True


class EcdsaSign(_Closed):
    def __init__(self, tpm: Tpm, ref: Ref, curve: Curve, op: OpSpec, info: TpmInfo) -> None:
        self._tpm, self._ref, self._curve = tpm, ref, curve
        self._buf = _Buffer(_digest(op))
        self._sizes = sorted((digest_of(d).size, int(TPM_HASHES[d] or 0)) for d in info.hashes)

    def update(self, data: bytes) -> bytes:
        self._buf.add(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._buf.add(data)
        digest, alg = _fit_ecdsa(self._buf.value(), self._curve, self._sizes)
        scheme = _scheme(TPM2_ALG.ECDSA, alg)
        wire = self._tpm.run(
            lambda t: t.esapi.sign(
                t.key(self._ref.pub, self._ref.priv, self._ref.kid),
                TPM2B_DIGEST(digest),
                scheme,
                _NULL_TICKET,
            ).marshal()
        )
        r, off = _tpm2b(wire, 4)  # TPMT_SIGNATURE: sigAlg, hashAlg, TPM2B r, TPM2B s
        s, _ = _tpm2b(wire, off)
        return encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))


class EcdsaVerify(_Closed):
    def __init__(self, key: ec.EllipticCurvePublicKey, curve: Curve, op: OpSpec) -> None:
        self._key, self._curve = key, curve
        self._d = _digest(op)
        self._buf = _Buffer(self._d)

    def update(self, data: bytes) -> bytes:
        self._buf.add(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        value = self._buf.value()
        if self._d is not None:
            algo: hashes.HashAlgorithm = self._d.pyca()
        else:
            # unhashed data: verify as a digest of the nearest SHA-2 size (what EcdsaSign sends the TPM)
            prehash = [digest_of(d) for d in _SHA2]
            value, i = _fit_ecdsa(value, self._curve, [(d.size, n) for n, d in enumerate(prehash)])
            algo = prehash[i].pyca()
        try:
            self._key.verify(data, value, ec.ECDSA(Prehashed(algo)))
        except (InvalidSignature, ValueError) as exc:
            raise DataRejectedError("signature verification failed") from exc
        return b""


def _mgf1(seed: bytes, length: int, name: str) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.new(name, seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def _emsa_pss(m_hash: bytes, em_bits: int, salt_len: int, hname: str, mgf_name: str) -> bytes:
    """EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of an already hashed message."""
    h_len = len(m_hash)
    em_len = (em_bits + 7) // 8
    if em_len < h_len + salt_len + 2:
        raise ParameterRejectedError("RSA key size for PSS with this digest and salt (too small)")
    salt = os.urandom(salt_len)
    h = hashlib.new(hname, b"\0" * 8 + m_hash + salt).digest()
    db = b"\0" * (em_len - salt_len - h_len - 2) + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, _mgf1(h, em_len - h_len - 1, mgf_name), strict=True))
    first = masked[0] & (0xFF >> (8 * em_len - em_bits))
    return bytes([first]) + masked[1:] + h + b"\xbc"


class RsaSign(_Closed):
    def __init__(self, tpm: Tpm, ref: Ref, bits: int, op: OpSpec, info: TpmInfo) -> None:
        self._tpm, self._ref, self._bits, self._op = tpm, ref, bits, op
        self._d = _digest(op)
        self._buf = _Buffer(self._d)
        self._info = info
        if op.padding == _P.HUKS_PADDING_PSS and self._d is None:
            raise UnsupportedError("RSA-PSS without a digest")

    def update(self, data: bytes) -> bytes:
        self._buf.add(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._buf.add(data)
        value = self._buf.value()
        k = (self._bits + 7) // 8
        d, op = self._d, self._op
        mgf = _mgf_digest(op, d)
        native = d is not None and d.tpm is not None and op.digest in self._info.hashes
        if op.padding == _P.HUKS_PADDING_PKCS1_V1_5 and native and d is not None:
            return self._tpm_sign(TPM2_ALG.RSASSA, int(d.tpm or 0), value, k)
        if op.padding == _P.HUKS_PADDING_PSS and d is not None and mgf is not None:
            max_salt = k - d.size - 2 if (self._bits - 1) % 8 else k - d.size - 3
            salt = d.size if op.pss_salt == 0 else max_salt
            if native and mgf is d and salt == d.size and k >= 2 * d.size + 2:
                return self._tpm_sign(TPM2_ALG.RSAPSS, int(d.tpm or 0), value, k)
            em = _emsa_pss(value, self._bits - 1, salt, d.name, mgf.name)
            return self._raw(em.rjust(k, b"\0"), k)
        # PKCS#1 v1.5 on the host: DigestInfo(digest) or the raw data
        t = value if d is None else d.info.digest_info + value
        if len(t) > k - 11:
            raise ParameterRejectedError("data length for PKCS#1 v1.5 signing with this RSA key (too long)")
        em = b"\x00\x01" + b"\xff" * (k - 3 - len(t)) + b"\x00" + t
        return self._raw(em, k)

    def _tpm_sign(self, scheme_alg: int, hash_alg: int, digest: bytes, k: int) -> bytes:
        scheme = _scheme(scheme_alg, hash_alg)
        wire = self._tpm.run(
            lambda t: t.esapi.sign(
                t.key(self._ref.pub, self._ref.priv, self._ref.kid),
                TPM2B_DIGEST(digest),
                scheme,
                _NULL_TICKET,
            ).marshal()
        )
        sig, _ = _tpm2b(wire, 4)  # TPMT_SIGNATURE: sigAlg, hashAlg, TPM2B sig
        return sig.rjust(k, b"\0")

    def _raw(self, em: bytes, k: int) -> bytes:
        return _raw_rsa(self._tpm, self._ref, em, k)


def _raw_rsa(tpm: Tpm, ref: Ref, value: bytes, k: int) -> bytes:
    """The raw RSA private operation (``RSA_Decrypt`` with scheme NULL), output k bytes."""

    def dec(t: Tpm) -> bytes:
        out = t.esapi.rsa_decrypt(
            t.key(ref.pub, ref.priv, ref.kid),
            TPM2B_PUBLIC_KEY_RSA(value),
            TPMT_RSA_DECRYPT(scheme=TPM2_ALG.NULL),
            TPM2B_DATA(),
        )
        return bytes(out)

    return tpm.run(dec).rjust(k, b"\0")


def _pyca_padding(op: OpSpec, key_bits: int) -> padding.AsymmetricPadding | None:
    d = _digest(op)
    if op.padding == _P.HUKS_PADDING_PKCS1_V1_5:
        return padding.PKCS1v15()
    if op.padding in (_P.HUKS_PADDING_OAEP, _P.HUKS_PADDING_PSS):
        mgf_d = _mgf_digest(op, d)
        if d is None or mgf_d is None:
            raise UnsupportedError("OAEP/PSS without a digest")
        mgf = padding.MGF1(mgf_d.pyca())
        if op.padding == _P.HUKS_PADDING_OAEP:
            return padding.OAEP(mgf, d.pyca(), None)
        k = (key_bits + 7) // 8
        max_salt = k - d.size - 2 if (key_bits - 1) % 8 else k - d.size - 3
        return padding.PSS(mgf, d.size if op.pss_salt == 0 else max_salt)
    return None


class RsaVerify(_Closed):
    def __init__(self, key: rsa.RSAPublicKey, op: OpSpec) -> None:
        self._key, self._op = key, op
        self._d = _digest(op)
        self._buf = _Buffer(self._d)

    def update(self, data: bytes) -> bytes:
        self._buf.add(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        value = self._buf.value()
        pad = _pyca_padding(self._op, self._key.key_size)
        try:
            if self._d is None:  # PKCS#1 v1.5 over raw data: recover and compare
                got = self._key.recover_data_from_signature(data, padding.PKCS1v15(), None)
                if not hmac.compare_digest(got, value):
                    raise InvalidSignature
            else:
                assert pad is not None  # noqa: S101
                self._key.verify(data, value, pad, Prehashed(self._d.pyca()))
        except (InvalidSignature, ValueError) as exc:
            raise DataRejectedError("signature verification failed") from exc
        return b""


class RsaEncrypt(_Closed):
    def __init__(self, key: rsa.RSAPublicKey, op: OpSpec) -> None:
        self._key, self._op = key, op
        self._buf = _Buffer(None)

    def update(self, data: bytes) -> bytes:
        self._buf.add(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._buf.add(data)
        value = self._buf.value()
        k = (self._key.key_size + 7) // 8
        pad = _pyca_padding(self._op, self._key.key_size)
        if pad is None:  # raw RSA
            m = int.from_bytes(value, "big")
            n = self._key.public_numbers()
            if len(value) > k or m >= n.n:
                raise ParameterRejectedError("data for raw RSA (out of range)")
            return pow(m, n.e, n.n).to_bytes(k, "big")
        try:
            return self._key.encrypt(value, pad)
        except ValueError as exc:
            raise ParameterRejectedError("data too long for this RSA key and padding") from exc


class RsaDecrypt(_Closed):
    def __init__(self, tpm: Tpm, ref: Ref, bits: int, op: OpSpec, info: TpmInfo) -> None:
        self._tpm, self._ref, self._op = tpm, ref, op
        self._k = (bits + 7) // 8
        self._buf = _Buffer(None)
        d = _digest(op)
        scheme = TPMT_RSA_DECRYPT(scheme=TPM2_ALG.NULL)
        if op.padding == _P.HUKS_PADDING_OAEP:
            if d is None or d.tpm is None or op.digest not in info.hashes:
                raise UnsupportedError("RSA-OAEP decryption with this digest on the TPM")
            if op.mgf_digest not in (None, op.digest):
                raise UnsupportedError("RSA-OAEP decryption with an MGF1 digest different from the digest")
            scheme = TPMT_RSA_DECRYPT(scheme=TPM2_ALG.OAEP)
            scheme.details.oaep.hashAlg = d.tpm
        elif op.padding == _P.HUKS_PADDING_PKCS1_V1_5:
            scheme = TPMT_RSA_DECRYPT(scheme=TPM2_ALG.RSAES)
        self._scheme = scheme
        self._raw = op.padding == _P.HUKS_PADDING_NONE

    def update(self, data: bytes) -> bytes:
        self._buf.add(data)
        return b""

    def finish(self, data: bytes) -> bytes:
        self._buf.add(data)
        value = self._buf.value()
        if len(value) != self._k:
            raise ParameterRejectedError(f"RSA ciphertext of {len(value)} bytes (it must be {self._k})")

        def dec(t: Tpm) -> bytes:
            out = t.esapi.rsa_decrypt(
                t.key(self._ref.pub, self._ref.priv, self._ref.kid),
                TPM2B_PUBLIC_KEY_RSA(value),
                self._scheme,
                TPM2B_DATA(),
            )
            return bytes(out)

        out = self._tpm.run(dec)
        return out.rjust(self._k, b"\0") if self._raw else out


class Hmac(_Closed):
    """HMAC: one ``TPM2_HMAC`` for ≤ 1 KiB, else a sequence context-saved between updates."""

    def __init__(self, tpm: Tpm, ref: Ref, d: Digest) -> None:
        self._tpm, self._ref, self._alg = tpm, ref, int(d.tpm or 0)
        self._pending = bytearray()
        self._ctx: TPMS_CONTEXT | None = None
        self._gen = 0

    def update(self, data: bytes) -> bytes:
        self._pending += data
        if len(self._pending) > _CHUNK:
            self._tpm.run(self._feed)
        return b""

    def _seq(self, t: Tpm) -> ESYS_TR:
        if self._ctx is None:
            with t.pinned(self._ref.pub, self._ref.priv) as h:
                self._gen = t.generation
                return t.with_slot(lambda: t.esapi.hmac_start(h, None, self._alg))
        if self._gen != t.generation:  # the TPM restarted under this session: its sequence is gone
            raise connection_lost()
        ctx = self._ctx
        return t.with_slot(lambda: t.esapi.context_load(ctx))

    def _feed(self, t: Tpm, final: bool = False) -> None:
        seq = self._seq(t)
        try:
            keep = 0 if final else (len(self._pending) % _CHUNK or _CHUNK)
            body = bytes(self._pending[: len(self._pending) - keep])
            for i in range(0, len(body), _CHUNK):
                t.esapi.sequence_update(seq, TPM2B_MAX_BUFFER(body[i : i + _CHUNK]))
            del self._pending[: len(body)]
            self._ctx = t.esapi.context_save(seq)
        finally:
            t.esapi.flush_context(seq)

    def finish(self, data: bytes) -> bytes:
        self._pending += data
        if self._ctx is None and len(self._pending) <= _CHUNK:
            msg = bytes(self._pending)
            return self._tpm.run(
                lambda t: bytes(
                    t.esapi.hmac(
                        t.key(self._ref.pub, self._ref.priv, self._ref.kid), TPM2B_MAX_BUFFER(msg), self._alg
                    )
                )
            )

        def complete(t: Tpm) -> bytes:
            if len(self._pending) > _CHUNK:
                self._feed(t)
            seq = self._seq(t)
            try:
                out, _ = t.esapi.sequence_complete(
                    seq, TPM2B_MAX_BUFFER(bytes(self._pending)), ESYS_TR.RH_NULL
                )
            except BaseException:
                t.esapi.flush_context(seq)
                raise
            return bytes(out)

        return self._tpm.run(complete)


class Aes(_Closed):
    """AES in a TPM mode, streamed in 1 KiB chunks; PKCS#7 padding on the host."""

    def __init__(self, tpm: Tpm, ref: Ref, op: OpSpec) -> None:
        assert op.mode is not None  # noqa: S101 - the capability check guarantees a mode
        self._tpm, self._ref = tpm, ref
        self._mode = AES_MODES[op.mode]
        self._decrypt = op.kind is OpKind.DECRYPT
        self._pkcs7 = op.padding == _P.HUKS_PADDING_PKCS7
        self._iv = b"" if self._mode == TPM2_ALG.ECB else (op.iv or b"")
        if self._mode != TPM2_ALG.ECB and len(self._iv) != 16:
            raise ParameterRejectedError(f"IV of {len(self._iv)} bytes for AES (it must be 16)")
        self._pending = bytearray()

    def _run(self, data: bytes) -> bytes:
        def go(t: Tpm) -> bytes:
            out = bytearray()
            for i in range(0, len(data), _CHUNK):
                h = t.key(self._ref.pub, self._ref.priv, self._ref.kid)
                ct, iv = t.esapi.encrypt_decrypt_2(
                    h, self._decrypt, self._mode, TPM2B_IV(self._iv), TPM2B_MAX_BUFFER(data[i : i + _CHUNK])
                )
                out += bytes(ct)
                if self._mode != TPM2_ALG.ECB:
                    self._iv = bytes(iv)
            return bytes(out)

        return self._tpm.run(go) if data else b""

    def update(self, data: bytes) -> bytes:
        self._pending += data
        n = len(self._pending) - len(self._pending) % 16
        if self._decrypt and self._pkcs7 and n == len(self._pending):
            n -= 16  # keep the last block: it carries the padding
        if n <= 0:
            return b""
        chunk = bytes(self._pending[:n])
        del self._pending[:n]
        return self._run(chunk)

    def finish(self, data: bytes) -> bytes:
        self._pending += data
        rest = bytes(self._pending)
        self._pending.clear()
        if self._pkcs7 and not self._decrypt:
            pad = 16 - len(rest) % 16
            rest += bytes([pad]) * pad
        if self._mode in (TPM2_ALG.CBC, TPM2_ALG.ECB) and len(rest) % 16:
            raise ParameterRejectedError(
                "input of AES-CBC/ECB without padding (it must be a multiple of 16 bytes)"
            )
        out = self._run(rest)
        if self._pkcs7 and self._decrypt:
            pad = out[-1] if out else 0
            if not 1 <= pad <= 16 or out[-pad:] != bytes([pad]) * pad:
                raise DataRejectedError("bad PKCS#7 padding")
            out = out[:-pad]
        return out


class Ecdh(_Closed):
    def __init__(self, tpm: Tpm, ref: Ref, curve: Curve) -> None:
        self._tpm, self._ref, self._curve = tpm, ref, curve

    def update(self, data: bytes) -> bytes:
        return b""

    def finish(self, data: bytes) -> bytes:
        # The facade has parsed the peer key as a public key of the agreement's algorithm (401 if not,
        # docs/decisions.md); one of another curve fails the agreement here (→ 12000006).
        try:
            peer = serialization.load_der_public_key(data)
        except (ValueError, TypeError) as exc:
            raise DataRejectedError("the peer public key is not a valid SPKI DER key") from exc
        if not isinstance(peer, ec.EllipticCurvePublicKey) or peer.curve.name != self._curve.info.curve.name:
            raise DataRejectedError("the peer public key is not on the key's curve")
        nums = peer.public_numbers()
        size = self._curve.size
        point = TPM2B_ECC_POINT(
            TPMS_ECC_POINT(x=nums.x.to_bytes(size, "big"), y=nums.y.to_bytes(size, "big"))
        )
        z = self._tpm.run(
            lambda t: t.esapi.ecdh_zgen(t.key(self._ref.pub, self._ref.priv, self._ref.kid), point)
        )
        return bytes(z.point.x).rjust(size, b"\0")


def begin_tpm_op(tpm: Tpm, ref: Ref, spec: KeySpec, op: OpSpec, info: TpmInfo) -> Operation:
    """The operation for ``op`` on the TPM key (or imported public key) ``ref``.

    Raises ``UnsupportedError`` (→ 12000001) for what the TPM cannot do with this key,
    ``ParameterRejectedError`` (→ 12000003) for bad inputs, ``StoredDataDamagedError`` (→ 12000004)."""
    from .refs import PUBLIC

    public_only = ref.kind == PUBLIC

    def pub() -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        if not public_only:
            return public_key_of(ref.pub)
        key = serialization.load_der_public_key(ref.parts[0])
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise StoredDataDamagedError("read the stored public key (it has an unexpected type)")
        return key

    if spec.alg == _A.HUKS_ALG_ECC:
        curve = curve_of(spec.size)
        if op.kind is OpKind.VERIFY:
            key = pub()
            assert isinstance(key, ec.EllipticCurvePublicKey)  # noqa: S101
            return EcdsaVerify(key, curve, op)
        if public_only:
            raise ParameterRejectedError("use of an imported public key (it can only verify or encrypt)")
        if op.kind is OpKind.SIGN:
            return EcdsaSign(tpm, ref, curve, op, info)
        if op.kind is OpKind.AGREE:
            return Ecdh(tpm, ref, curve)
    elif spec.alg == _A.HUKS_ALG_RSA:
        if op.kind in (OpKind.VERIFY, OpKind.ENCRYPT):
            rkey = pub()
            assert isinstance(rkey, rsa.RSAPublicKey)  # noqa: S101
            return RsaVerify(rkey, op) if op.kind is OpKind.VERIFY else RsaEncrypt(rkey, op)
        if public_only:
            raise ParameterRejectedError("use of an imported public key (it can only verify or encrypt)")
        if op.kind is OpKind.SIGN:
            return RsaSign(tpm, ref, spec.size, op, info)
        if op.kind is OpKind.DECRYPT:
            return RsaDecrypt(tpm, ref, spec.size, op, info)
    elif spec.alg == _A.HUKS_ALG_HMAC and op.kind is OpKind.MAC:
        d = _digest(op)
        if d is None or d.tpm is None:
            raise UnsupportedError("HMAC with this digest on the TPM")
        return Hmac(tpm, ref, d)
    elif spec.alg == _A.HUKS_ALG_AES and op.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        if op.mode not in AES_MODES:
            raise UnsupportedError("this AES mode on a TPM key (GCM/CCM need ?fallback=sealed)")
        return Aes(tpm, ref, op)
    raise UnsupportedError(f"the operation {op.kind.value} with this TPM key")

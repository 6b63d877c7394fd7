"""The software engine, tested directly: every declared OpCap against an independent pyca/cryptography
computation, streaming in uneven chunks, failure paths, and the backend's error table."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import pathlib
import random
import sqlite3
import subprocess
from collections.abc import Callable

import pytest
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit_algorithms
from cryptography.hazmat.decrepit.ciphers import modes as decrepit_modes
from cryptography.hazmat.primitives import cmac, hashes, hmac, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed25519, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from hukspy import Keystore
from hukspy.backend import Action, BackendClosedError, OpCap, Operation
from hukspy.backend.facts import ML_DSA_PUBLIC, ML_KEM_PRIVATE, pss_digest_salt_fits
from hukspy.enums import HuksCipherMode as M
from hukspy.enums import HuksImportKeyType as Imp
from hukspy.enums import HuksKeyAlg as A
from hukspy.enums import HuksKeyDigest as D
from hukspy.enums import HuksKeyPadding as P
from hukspy.enums import HuksKeyPurpose as Pur
from hukspy.errors import HuksError
from hukspy.formats import pq_param_set
from hukspy.software import SoftwareBackend, SoftwareFactory, caps, engine, factory, sm2
from hukspy.spec import AttestIds, KeyMaterial, KeySpec, OpKind, OpSpec, Sm2Key

pytestmark = pytest.mark.filterwarnings("ignore:Diffie-Hellman over finite fields")

CAPS = caps.software_capabilities()
RNG_SEED = 20240611

_HASH: dict[int, Callable[[], hashes.HashAlgorithm]] = {
    D.HUKS_DIGEST_MD5: hashes.MD5,
    D.HUKS_DIGEST_SM3: hashes.SM3,
    D.HUKS_DIGEST_SHA1: hashes.SHA1,
    D.HUKS_DIGEST_SHA224: hashes.SHA224,
    D.HUKS_DIGEST_SHA256: hashes.SHA256,
    D.HUKS_DIGEST_SHA384: hashes.SHA384,
    D.HUKS_DIGEST_SHA512: hashes.SHA512,
}
_BY_LEN: dict[int, Callable[[], hashes.HashAlgorithm]] = {
    20: hashes.SHA1,
    28: hashes.SHA224,
    32: hashes.SHA256,
    48: hashes.SHA384,
    64: hashes.SHA512,
}


def _name(enum: type, value: int | None) -> str:
    if value is None:
        return "-"
    try:
        return str(enum(value).name).split("_", 2)[-1]
    except ValueError:
        return str(value)


def _cap_id(cap: OpCap) -> str:
    return "-".join(
        [
            cap.kind.value,
            _name(A, cap.key_alg),
            _name(A, cap.alg),
            _name(M, cap.mode),
            _name(P, cap.padding),
            _name(D, cap.digest),
        ]
    )


ALL_OPS = sorted(CAPS.ops, key=_cap_id)


def _purpose(kind: OpKind) -> int:
    return {
        OpKind.ENCRYPT: Pur.HUKS_KEY_PURPOSE_ENCRYPT | Pur.HUKS_KEY_PURPOSE_DECRYPT,
        OpKind.DECRYPT: Pur.HUKS_KEY_PURPOSE_ENCRYPT | Pur.HUKS_KEY_PURPOSE_DECRYPT,
        OpKind.SIGN: Pur.HUKS_KEY_PURPOSE_SIGN | Pur.HUKS_KEY_PURPOSE_VERIFY,
        OpKind.VERIFY: Pur.HUKS_KEY_PURPOSE_SIGN | Pur.HUKS_KEY_PURPOSE_VERIFY,
        OpKind.MAC: Pur.HUKS_KEY_PURPOSE_MAC,
        OpKind.AGREE: Pur.HUKS_KEY_PURPOSE_AGREE,
        OpKind.DERIVE: Pur.HUKS_KEY_PURPOSE_DERIVE,
        OpKind.ENCAPSULATE: Pur.HUKS_KEY_PURPOSE_WRAP | Pur.HUKS_KEY_PURPOSE_UNWRAP,
        OpKind.DECAPSULATE: Pur.HUKS_KEY_PURPOSE_WRAP | Pur.HUKS_KEY_PURPOSE_UNWRAP,
    }[kind]


@functools.cache
def _ref(alg: int, size: int) -> bytes:
    """One generated key per (alg, size) for the whole module (RSA/DSA generation is slow)."""
    return engine.generate(KeySpec(alg, size, 0))


def _test_sizes(cap: OpCap) -> list[int]:
    if cap.sizes:
        return sorted({min(cap.sizes), *({2048} & cap.sizes)})
    declared = sorted(k.size for k in CAPS.keys if k.alg == cap.key_alg)
    if cap.key_alg in (A.HUKS_ALG_HMAC, A.HUKS_ALG_SM3):
        return [8, 256, 4096]
    if cap.key_alg == A.HUKS_ALG_DSA:
        return [1024]
    return declared


def _drive(op: Operation, data: bytes, rng: random.Random | None) -> bytes:
    """Feed ``data`` through update (in uneven chunks when ``rng`` is given) and finish."""
    if rng is None:
        return op.finish(data)
    out = b""
    pos = 0
    while len(data) - pos > 100:
        n = rng.choice([0, 1, 3, 7, 15, 16, 17, 31, 64, 99])
        out += op.update(data[pos : pos + n])
        pos += n
    return out + op.finish(data[pos:])


def _drive_verify(op: Operation, message: bytes, signature: bytes, rng: random.Random) -> bytes:
    """Feed the message through update in uneven chunks, then finish with the signature."""
    pos = 0
    while pos < len(message):
        n = rng.choice([0, 1, 3, 7, 15, 16, 17, 31, 64, 99])
        assert op.update(message[pos : pos + n]) == b""
        pos += n
    return op.finish(signature)


def _rng() -> random.Random:
    return random.Random(RNG_SEED)


# ---- symmetric ciphers ---------------------------------------------------------------------------


def _sym_algorithm(alg: int, key: bytes) -> algorithms.AES | algorithms.SM4 | decrepit_algorithms.TripleDES:
    if alg == A.HUKS_ALG_AES:
        return algorithms.AES(key)
    if alg == A.HUKS_ALG_SM4:
        return algorithms.SM4(key)
    return decrepit_algorithms.TripleDES({8: key * 3, 16: key + key[:8]}.get(len(key), key))


def _independent_encrypt(cap: OpCap, key: bytes, op: OpSpec, pt: bytes) -> bytes:
    if cap.mode == M.HUKS_MODE_GCM:
        assert op.nonce is not None
        return AESGCM(key).encrypt(op.nonce, pt, op.aad or None)
    if cap.mode == M.HUKS_MODE_CCM:
        assert op.nonce is not None
        return AESCCM(key, tag_length=op.tag_len).encrypt(op.nonce, pt, op.aad or None)
    algorithm = _sym_algorithm(cap.key_alg, key)
    iv = op.iv or b""
    mode: modes.ECB | modes.ModeWithInitializationVector | modes.ModeWithNonce
    if cap.mode == M.HUKS_MODE_ECB:
        mode = modes.ECB()  # noqa: S305 - the mode under test
    elif cap.mode == M.HUKS_MODE_CBC:
        mode = modes.CBC(iv)
    elif cap.mode == M.HUKS_MODE_CTR:
        mode = modes.CTR(iv)
    elif cap.mode == M.HUKS_MODE_OFB:
        mode = decrepit_modes.OFB(iv)
    else:
        assert cap.mode == M.HUKS_MODE_CFB
        mode = decrepit_modes.CFB(iv)
    if cap.padding == P.HUKS_PADDING_PKCS7:
        padder = sym_padding.PKCS7(algorithm.block_size).padder()
        pt = padder.update(pt) + padder.finalize()
    enc = Cipher(algorithm, mode).encryptor()
    return enc.update(pt) + enc.finalize()


def _cipher_ops(cap: OpCap, block: int) -> tuple[OpSpec, OpSpec]:
    common = {"mode": cap.mode, "padding": cap.padding, "aad": b"additional data"}
    if cap.mode == M.HUKS_MODE_GCM:
        common["nonce"] = b"\x01" * 12
    elif cap.mode == M.HUKS_MODE_CCM:
        common["nonce"] = b"\x02" * 12
    else:
        common["iv"] = bytes(range(block))
    enc = OpSpec(OpKind.ENCRYPT, cap.key_alg, **common)  # type: ignore[arg-type]
    dec = OpSpec(OpKind.DECRYPT, cap.key_alg, **common)  # type: ignore[arg-type]
    return enc, dec


def _check_symmetric_cipher(cap: OpCap, size: int) -> None:
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    ref = _ref(cap.key_alg, size)
    key = engine.load(ref)
    assert isinstance(key, bytes) and len(key) * 8 == size
    block = 8 if cap.key_alg in (A.HUKS_ALG_DES, A.HUKS_ALG_3DES) else 16
    aligned = cap.mode in (M.HUKS_MODE_ECB, M.HUKS_MODE_CBC) and cap.padding == P.HUKS_PADDING_NONE
    pt = random.Random(size).randbytes(1024 if aligned else 1000)
    enc, dec = _cipher_ops(cap, block)
    expected = _independent_encrypt(cap, key, enc, pt)
    one_shot = _drive(engine.begin(ref, spec, enc), pt, None)
    chunked = _drive(engine.begin(ref, spec, enc), pt, _rng())
    assert one_shot == expected
    assert chunked == expected
    if cap.mode in (M.HUKS_MODE_GCM, M.HUKS_MODE_CCM):
        ct, tag = expected[:-16], expected[-16:]
        dec = OpSpec(
            OpKind.DECRYPT,
            cap.key_alg,
            mode=cap.mode,
            padding=cap.padding,
            nonce=enc.nonce,
            aad=enc.aad,
            tag=tag,
        )
        assert _drive(engine.begin(ref, spec, dec), ct, _rng()) == pt
        bad = OpSpec(
            OpKind.DECRYPT,
            cap.key_alg,
            mode=cap.mode,
            padding=cap.padding,
            nonce=enc.nonce,
            aad=enc.aad,
            tag=bytes([tag[0] ^ 1]) + tag[1:],
        )
        with pytest.raises(InvalidTag):
            _drive(engine.begin(ref, spec, bad), ct, _rng())
    else:
        assert _drive(engine.begin(ref, spec, dec), expected, _rng()) == pt
        assert _drive(engine.begin(ref, spec, dec), expected, None) == pt


# ---- RSA encryption --------------------------------------------------------------------------------


def _rsa_pad(op: OpSpec) -> asym_padding.AsymmetricPadding:
    if op.padding == P.HUKS_PADDING_PKCS1_V1_5:
        return asym_padding.PKCS1v15()
    assert op.digest is not None
    mgf = _HASH[op.mgf_digest if op.mgf_digest is not None else op.digest]()
    return asym_padding.OAEP(asym_padding.MGF1(mgf), _HASH[op.digest](), None)


def _check_rsa_cipher(cap: OpCap, size: int, mgf_digest: int | None = None) -> None:
    spec = KeySpec(A.HUKS_ALG_RSA, size, _purpose(cap.kind))
    ref = _ref(A.HUKS_ALG_RSA, size)
    priv = engine.load(ref)
    assert isinstance(priv, rsa.RSAPrivateKey)
    pub = priv.public_key()
    k = (size + 7) // 8
    enc = OpSpec(
        OpKind.ENCRYPT, A.HUKS_ALG_RSA, padding=cap.padding, digest=cap.digest, mgf_digest=mgf_digest
    )
    dec = OpSpec(
        OpKind.DECRYPT, A.HUKS_ALG_RSA, padding=cap.padding, digest=cap.digest, mgf_digest=mgf_digest
    )
    rnd = random.Random(size)
    if cap.padding == P.HUKS_PADDING_NONE:
        m = b"\x00" + rnd.randbytes(k - 1)
        ct = _drive(engine.begin(ref, spec, enc), m, _rng())
        n, e = pub.public_numbers().n, pub.public_numbers().e
        assert ct == pow(int.from_bytes(m, "big"), e, n).to_bytes(k, "big")
        assert _drive(engine.begin(ref, spec, dec), ct, None) == m
        with pytest.raises(ValueError):
            engine.begin(ref, spec, enc).finish(m[1:])  # raw RSA takes exactly k bytes
        return
    assert cap.digest is None or caps.rsa_fits(size, cap.kind, cap.padding or 0, cap.digest)
    h = caps.DIGEST_SIZES[cap.digest] if cap.digest is not None else 0
    room = k - 11 if cap.padding == P.HUKS_PADDING_PKCS1_V1_5 else k - 2 * h - 2
    pt = rnd.randbytes(min(room, 40))
    pad = _rsa_pad(enc)
    ct = _drive(engine.begin(ref, spec, enc), pt, _rng())
    assert len(ct) == k
    assert priv.decrypt(ct, pad) == pt
    assert _drive(engine.begin(ref, spec, dec), pub.encrypt(pt, pad), _rng()) == pt
    if cap.padding == P.HUKS_PADDING_OAEP:  # (PKCS#1 v1.5 uses implicit rejection: no error)
        with pytest.raises(ValueError):
            engine.begin(ref, spec, dec).finish(b"\x00" * (k - 1) + b"\x01")


# ---- signatures --------------------------------------------------------------------------------------


def _independent_verify(cap: OpCap, pub: object, message: bytes, sig: bytes, op: OpSpec) -> None:
    if isinstance(pub, rsa.RSAPublicKey):
        k = (pub.key_size + 7) // 8
        if cap.padding == P.HUKS_PADDING_NONE:
            nums = pub.public_numbers()
            assert pow(int.from_bytes(sig, "big"), nums.e, nums.n).to_bytes(k, "big") == message
        elif cap.digest == D.HUKS_DIGEST_NONE and cap.padding == P.HUKS_PADDING_PSS:
            h = _BY_LEN[len(message)]()  # the input is the hash value its length names
            salt = asym_padding.PSS.DIGEST_LENGTH if op.pss_salt == 0 else asym_padding.PSS.AUTO
            pub.verify(sig, message, asym_padding.PSS(asym_padding.MGF1(h), salt), Prehashed(h))
        elif cap.digest == D.HUKS_DIGEST_NONE:
            assert pub.recover_data_from_signature(sig, asym_padding.PKCS1v15(), None) == message
        elif cap.padding == P.HUKS_PADDING_PKCS1_V1_5:
            assert cap.digest is not None
            pub.verify(sig, message, asym_padding.PKCS1v15(), _HASH[cap.digest]())
        else:
            assert cap.digest is not None
            mgf = _HASH[op.mgf_digest if op.mgf_digest is not None else cap.digest]()
            salt = asym_padding.PSS.DIGEST_LENGTH if op.pss_salt == 0 else asym_padding.PSS.AUTO
            pub.verify(sig, message, asym_padding.PSS(asym_padding.MGF1(mgf), salt), _HASH[cap.digest]())
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        if cap.digest == D.HUKS_DIGEST_NONE:
            pub.verify(sig, message, ec.ECDSA(Prehashed(_BY_LEN[len(message)]())))
        else:
            assert cap.digest is not None
            pub.verify(sig, message, ec.ECDSA(_HASH[cap.digest]()))
    elif isinstance(pub, dsa.DSAPublicKey):
        if cap.digest == D.HUKS_DIGEST_NONE:
            pub.verify(sig, message, Prehashed(_BY_LEN[len(message)]()))
        else:
            assert cap.digest is not None
            pub.verify(sig, message, _HASH[cap.digest]())
    elif isinstance(pub, (ed25519.Ed25519PublicKey, *ML_DSA_PUBLIC)):
        pub.verify(sig, message)
    else:
        raise AssertionError(f"unexpected key {type(pub)}")


def _message_for(cap: OpCap, pub: object, size: int) -> bytes:
    rnd = random.Random(size * 31 + (cap.digest or 0))
    if cap.digest != D.HUKS_DIGEST_NONE:
        return rnd.randbytes(1000)
    if isinstance(pub, rsa.RSAPublicKey):
        k = (pub.key_size + 7) // 8
        if cap.padding == P.HUKS_PADDING_NONE:
            return b"\x00" + rnd.randbytes(k - 1)
        # PSS: a SHA-1-sized value fits every declared size with either salt length
        return rnd.randbytes(20 if cap.padding == P.HUKS_PADDING_PSS else 32)
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return rnd.randbytes(min(pub.curve.group_order.bit_length() // 8, 64))
    if isinstance(pub, dsa.DSAPublicKey):
        return rnd.randbytes(pub.parameters().parameter_numbers().q.bit_length() // 8)
    return rnd.randbytes(1000)


def _check_signature(cap: OpCap, size: int, pss_salt: int | None = None, mgf: int | None = None) -> None:
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    ref = _ref(cap.key_alg, size)
    pub_ref = b"\x03" + engine.public_key(ref, spec) if cap.key_alg not in (A.HUKS_ALG_ED25519,) else None
    priv = engine.load(ref)
    pub = priv.public_key()  # type: ignore[union-attr]
    message = _message_for(cap, pub, size)
    sign = OpSpec(
        OpKind.SIGN, cap.alg, padding=cap.padding, digest=cap.digest, pss_salt=pss_salt, mgf_digest=mgf
    )
    verify = OpSpec(
        OpKind.VERIFY, cap.alg, padding=cap.padding, digest=cap.digest, pss_salt=pss_salt, mgf_digest=mgf
    )
    sig = _drive(engine.begin(ref, spec, sign), message, _rng())
    assert _drive(engine.begin(ref, spec, sign), message, None)  # one-shot works too
    _independent_verify(cap, pub, message, sig, sign)
    assert _drive_verify(engine.begin(ref, spec, verify), message, sig, _rng()) == b""
    op = engine.begin(ref, spec, verify)
    op.update(message)
    assert op.finish(sig) == b""
    if pub_ref is not None:  # verify with an imported public key (SPKI ref)
        op = engine.begin(pub_ref, spec, verify)
        op.update(message)
        assert op.finish(sig) == b""
    tampered = bytearray(sig)
    tampered[len(tampered) // 2] ^= 0x10
    op = engine.begin(ref, spec, verify)
    op.update(message)
    with pytest.raises(InvalidSignature):
        op.finish(bytes(tampered))
    op = engine.begin(ref, spec, verify)
    op.update(message[:-1] + bytes([message[-1] ^ 1]))
    with pytest.raises(InvalidSignature):
        op.finish(sig)
    if isinstance(pub, rsa.RSAPublicKey) and cap.padding == P.HUKS_PADDING_PKCS1_V1_5:
        # deterministic: streaming and one-shot give the very same signature
        assert sig == _drive(engine.begin(ref, spec, sign), message, None)


# ---- MAC, agree, derive -------------------------------------------------------------------------


def _check_sm2(cap: OpCap, size: int) -> None:
    """SM2 through the engine, checked against the binding's independent one-shot calls and with an
    imported public key (an SM2 public ref)."""
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    ref = _ref(cap.key_alg, size)
    key = engine.load(ref)
    assert isinstance(key, Sm2Key) and key.point is not None and key.scalar is not None
    pub_ref = bytes([engine.REF_SM2_PUBLIC]) + sm2.parse_spki(engine.public_key(ref, spec))
    if cap.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
        message = random.Random(size).randbytes(300)
        ct = _drive(engine.begin(pub_ref, spec, OpSpec(OpKind.ENCRYPT, cap.alg)), message, _rng())
        assert sm2.decrypt(key.scalar, key.point, ct) == message
        ct2 = sm2.encrypt(key.point, message)
        assert _drive(engine.begin(ref, spec, OpSpec(OpKind.DECRYPT, cap.alg)), ct2, _rng()) == message
        return
    none = cap.digest == D.HUKS_DIGEST_NONE
    message = bytes(range(32)) if none else random.Random(size).randbytes(3000)
    sig = _drive(engine.begin(ref, spec, OpSpec(OpKind.SIGN, cap.alg, digest=cap.digest)), message, _rng())
    if none:
        sm2.verify_digest(key.point, message, sig)
    else:
        verifier = sm2.Verifier(key.point)
        verifier.update(message)
        verifier.finish(sig)
    verify = OpSpec(OpKind.VERIFY, cap.alg, digest=cap.digest)
    assert _drive_verify(engine.begin(pub_ref, spec, verify), message, sig, _rng()) == b""
    with pytest.raises(ValueError):
        _drive_verify(engine.begin(pub_ref, spec, verify), message[:-1] + b"!", sig, _rng())


def _check_mac(cap: OpCap, size: int) -> None:
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    ref = _ref(cap.key_alg, size)
    key = engine.load(ref)
    assert isinstance(key, bytes)
    message = random.Random(size).randbytes(5000)
    ctx: hmac.HMAC | cmac.CMAC
    if cap.alg in (A.HUKS_ALG_HMAC, A.HUKS_ALG_SM3):
        assert cap.digest is not None
        ctx = hmac.HMAC(key, _HASH[cap.digest]())
    elif cap.key_alg in (A.HUKS_ALG_DES, A.HUKS_ALG_3DES):
        ctx = cmac.CMAC(_sym_algorithm(cap.key_alg, key))
    else:
        ctx = cmac.CMAC(algorithms.AES(key))
    ctx.update(message)
    expected = ctx.finalize()
    op = OpSpec(OpKind.MAC, cap.alg, digest=cap.digest)
    assert _drive(engine.begin(ref, spec, op), message, _rng()) == expected
    assert _drive(engine.begin(ref, spec, op), message, None) == expected


def _x25519_of(private: ed25519.Ed25519PrivateKey) -> x25519.X25519PrivateKey:
    """RFC 8032 §5.1.5: the X25519 scalar of an Ed25519 key is the first half of SHA-512 of its seed."""
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return x25519.X25519PrivateKey.from_private_bytes(hashlib.sha512(seed).digest()[:32])


def _check_agree(cap: OpCap, size: int) -> None:
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    ref = _ref(cap.key_alg, size)
    ours = engine.load(ref)
    op = OpSpec(OpKind.AGREE, cap.alg)
    peer_pub: bytes
    if cap.key_alg == A.HUKS_ALG_X25519:
        xpeer = x25519.X25519PrivateKey.generate()
        peer_pub = xpeer.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        expected = xpeer.exchange(x25519.X25519PublicKey.from_public_bytes(engine.public_key(ref, spec)))
    elif cap.key_alg == A.HUKS_ALG_ECC:
        assert isinstance(ours, ec.EllipticCurvePrivateKey)
        epeer = ec.generate_private_key(ours.curve)
        peer_pub = epeer.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        mine = serialization.load_der_public_key(engine.public_key(ref, spec))
        assert isinstance(mine, ec.EllipticCurvePublicKey)
        expected = epeer.exchange(ec.ECDH(), mine)
        assert len(expected) == (size + 7) // 8
    elif cap.key_alg == A.HUKS_ALG_ED25519:  # upstream HksOpensslEd25519AgreeKey: X25519, seeds' scalars
        assert isinstance(ours, ed25519.Ed25519PrivateKey)
        edpeer = ed25519.Ed25519PrivateKey.generate()
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        peer_pub = edpeer.public_key().public_bytes(*raw)
        expected = _x25519_of(edpeer).exchange(_x25519_of(ours).public_key())
    else:
        assert isinstance(ours, dh.DHPrivateKey)
        dpeer = ours.parameters().generate_private_key()
        peer_pub = dpeer.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        mine_dh = serialization.load_der_public_key(engine.public_key(ref, spec))
        assert isinstance(mine_dh, dh.DHPublicKey)
        expected = dpeer.exchange(mine_dh)
    assert engine.begin(ref, spec, op).finish(peer_pub) == expected
    split = engine.begin(ref, spec, op)  # the peer key may also arrive through update
    assert split.update(peer_pub[:10]) == b""
    assert split.finish(peer_pub[10:]) == expected
    with pytest.raises(ValueError):
        engine.begin(ref, spec, op).finish(b"\x30\x03garbage")


def _check_derive(cap: OpCap, size: int) -> None:
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    ref = _ref(cap.key_alg, size)
    key = engine.load(ref)
    assert isinstance(key, bytes) and cap.digest is not None
    h = _HASH[cap.digest]
    if cap.alg == A.HUKS_ALG_HKDF:
        for salt, info in ((b"", b""), (b"salt-value", b"info-value")):
            op = OpSpec(OpKind.DERIVE, cap.alg, digest=cap.digest, derive_size=48, salt=salt, info=info)
            expected = HKDF(h(), 48, salt or None, info).derive(key)
            derive = engine.begin(ref, spec, op)
            assert derive.update(b"ignored") == b""
            assert derive.finish(b"") == expected
    else:
        op = OpSpec(
            OpKind.DERIVE, cap.alg, digest=cap.digest, derive_size=40, salt=b"s" * 16, iterations=1000
        )
        expected = PBKDF2HMAC(h(), 40, b"s" * 16, 1000).derive(key)
        assert engine.begin(ref, spec, op).finish(b"") == expected


@pytest.mark.parametrize("cap", ALL_OPS, ids=_cap_id)
def test_every_declared_op(cap: OpCap) -> None:
    key_caps = {k.size for k in CAPS.keys if k.alg == cap.key_alg}
    assert key_caps, "an OpCap names a key algorithm without a KeyCap"
    assert not cap.sizes or cap.sizes <= key_caps
    for size in _test_sizes(cap):
        if cap.kind in (OpKind.ENCRYPT, OpKind.DECRYPT):
            twin = OpCap(
                OpKind.DECRYPT if cap.kind is OpKind.ENCRYPT else OpKind.ENCRYPT,
                cap.key_alg,
                cap.alg,
                cap.mode,
                cap.padding,
                cap.digest,
                cap.sizes,
            )
            assert twin in CAPS.ops
            if cap.key_alg == A.HUKS_ALG_SM2:
                _check_sm2(cap, size)
            elif cap.key_alg == A.HUKS_ALG_RSA:
                _check_rsa_cipher(cap, size)
            else:
                _check_symmetric_cipher(cap, size)
        elif cap.kind in (OpKind.SIGN, OpKind.VERIFY):
            twin = OpCap(
                OpKind.VERIFY if cap.kind is OpKind.SIGN else OpKind.SIGN,
                cap.key_alg,
                cap.alg,
                cap.mode,
                cap.padding,
                cap.digest,
                cap.sizes,
            )
            assert twin in CAPS.ops
            if cap.key_alg == A.HUKS_ALG_SM2:
                _check_sm2(cap, size)
            elif cap.padding == P.HUKS_PADDING_PSS:
                if cap.digest in (None, D.HUKS_DIGEST_NONE) or pss_digest_salt_fits(size, cap.digest):
                    _check_signature(cap, size, pss_salt=0)
                else:  # declared for the default MAX salt; a digest-length salt does not fit (12000006)
                    with pytest.raises(ValueError):
                        _check_signature(cap, size, pss_salt=0)
                _check_signature(cap, size, pss_salt=1)
            else:
                _check_signature(cap, size)
        elif cap.kind is OpKind.MAC:
            _check_mac(cap, size)
        elif cap.kind is OpKind.AGREE:
            _check_agree(cap, size)
        elif cap.kind in (OpKind.ENCAPSULATE, OpKind.DECAPSULATE):
            _check_kem(cap, size)
        else:
            _check_derive(cap, size)


def _check_kem(cap: OpCap, size: int) -> None:
    """Encapsulate with the engine, decapsulate with pyca (and the reverse); 32-byte secrets."""
    ref = _ref(cap.key_alg, size)
    spec = KeySpec(cap.key_alg, size, _purpose(cap.kind))
    private = engine.load(ref)
    assert isinstance(private, ML_KEM_PRIVATE)
    if cap.kind is OpKind.ENCAPSULATE:
        out = engine.begin(ref, spec, OpSpec(OpKind.ENCAPSULATE, cap.alg)).finish(b"")
        assert private.decapsulate(out[32:]) == out[:32]
    else:
        secret, ct = private.public_key().encapsulate()
        assert engine.begin(ref, spec, OpSpec(OpKind.DECAPSULATE, cap.alg)).finish(ct) == secret
        with pytest.raises(ValueError, match="ciphertext"):
            engine.begin(ref, spec, OpSpec(OpKind.DECAPSULATE, cap.alg)).finish(ct[:-1])


# ---- focused cases -------------------------------------------------------------------------------


def test_every_key_cap_generates_a_key_of_its_size() -> None:
    rsa_sample = {512, 768, 1024, 1032, 1536, 2040, 2048, 3072, 4096}
    for key_cap in sorted(CAPS.keys):
        if key_cap.alg == A.HUKS_ALG_RSA and key_cap.size not in rsa_sample:
            continue
        if key_cap.alg == A.HUKS_ALG_HMAC and key_cap.size % 512 not in (8, 0):
            continue
        assert key_cap.generate
        ref = _ref(key_cap.alg, key_cap.size)
        key = engine.load(ref)
        if key_cap.alg == A.HUKS_ALG_SM3 and key_cap.size % 512 not in (8, 0):
            continue
        if isinstance(key, bytes):
            assert ref[0] == engine.REF_SECRET and len(key) * 8 == key_cap.size
            assert key_cap.imports == frozenset({Imp.HUKS_KEY_TYPE_PRIVATE_KEY})
        elif isinstance(key, Sm2Key):
            assert ref[0] == engine.REF_SM2_PRIVATE and key.scalar is not None and key.point is not None
            assert key_cap.imports == frozenset(Imp)
        else:
            assert ref[0] == engine.REF_PRIVATE
            expected = 256 if key_cap.alg in (A.HUKS_ALG_X25519, A.HUKS_ALG_ED25519) else key_cap.size
            pq = pq_param_set(key)
            assert (getattr(key, "key_size", 256) if pq is None else pq[1]) == expected
            assert key_cap.imports == frozenset(Imp)
    with pytest.raises(UnsupportedAlgorithm):
        engine.generate(KeySpec(A.HUKS_ALG_AES, 100, 3))
    with pytest.raises(UnsupportedAlgorithm):
        engine.generate(KeySpec(A.HUKS_ALG_SM2, 384, 4))


def test_rsa_flex_sizes_and_small_keys_work() -> None:
    for size in (512, 768, 1032, 2040):
        spec = KeySpec(A.HUKS_ALG_RSA, size, 12)
        ref = _ref(A.HUKS_ALG_RSA, size)
        key = engine.load(ref)
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == size
        sig = engine.begin(ref, spec, OpSpec(OpKind.SIGN, 1, padding=3, digest=12)).finish(b"msg")
        key.public_key().verify(sig, b"msg", asym_padding.PKCS1v15(), hashes.SHA256())


def test_rsa_4096_and_mgf_digest_differs() -> None:
    cap = OpCap(OpKind.SIGN, A.HUKS_ALG_RSA, A.HUKS_ALG_RSA, None, P.HUKS_PADDING_PSS, D.HUKS_DIGEST_SHA256)
    _check_signature(cap, 4096, pss_salt=1, mgf=D.HUKS_DIGEST_SHA1)
    enc = OpCap(
        OpKind.ENCRYPT, A.HUKS_ALG_RSA, A.HUKS_ALG_RSA, None, P.HUKS_PADDING_OAEP, D.HUKS_DIGEST_SHA256
    )
    _check_rsa_cipher(enc, 2048, mgf_digest=D.HUKS_DIGEST_SHA1)


def test_dsa_all_sizes() -> None:
    cap = OpCap(OpKind.SIGN, A.HUKS_ALG_DSA, A.HUKS_ALG_DSA, digest=D.HUKS_DIGEST_SHA256)
    none = OpCap(OpKind.SIGN, A.HUKS_ALG_DSA, A.HUKS_ALG_DSA, digest=D.HUKS_DIGEST_NONE)
    for size in (2048, 3072):
        _check_signature(cap, size)
        _check_signature(none, size)


@pytest.mark.parametrize("size", [224, 256, 384, 521])
def test_ecdsa_digest_none_truncates_and_pads_like_sec1(size: int) -> None:
    spec = KeySpec(A.HUKS_ALG_ECC, size, 12)
    ref = _ref(A.HUKS_ALG_ECC, size)
    pub = engine.load(ref).public_key()  # type: ignore[union-attr]
    assert isinstance(pub, ec.EllipticCurvePublicKey)
    op = OpSpec(OpKind.SIGN, A.HUKS_ALG_ECC, digest=D.HUKS_DIGEST_NONE)
    short = b"\x5a" * 20  # shorter than the order: the same integer as zero-extended
    sig = engine.begin(ref, spec, op).finish(short)
    width = min(size // 8, 64)
    pub.verify(sig, short.rjust(width, b"\x00"), ec.ECDSA(Prehashed(_BY_LEN[width]())))
    if size % 8 == 0:  # longer than the order: the leftmost order bits count
        long = random.Random(size).randbytes(size // 8 + 17)
        sig = engine.begin(ref, spec, op).finish(long)
        pub.verify(sig, long[: size // 8], ec.ECDSA(Prehashed(_BY_LEN[size // 8]())))
    else:
        with pytest.raises(ValueError):
            engine.begin(ref, spec, op).finish(b"\x01" * 65)


def test_ccm_tag_length_and_limit() -> None:
    spec = KeySpec(A.HUKS_ALG_AES, 128, 3)
    ref = _ref(A.HUKS_ALG_AES, 128)
    key = engine.load(ref)
    assert isinstance(key, bytes)
    nonce = b"\x07" * 7
    enc = OpSpec(OpKind.ENCRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CCM, padding=0, nonce=nonce, tag_len=8)
    out = _drive(engine.begin(ref, spec, enc), b"x" * 300, _rng())
    assert out == AESCCM(key, tag_length=8).encrypt(nonce, b"x" * 300, None)
    dec = OpSpec(OpKind.DECRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_CCM, padding=0, nonce=nonce, tag=out[-8:])
    assert engine.begin(ref, spec, dec).finish(out[:-8]) == b"x" * 300
    op = engine.begin(ref, spec, enc)
    op.update(b"\x00" * engine.CCM_LIMIT)  # exactly the limit is fine
    with pytest.raises(engine.CcmLimitError) as info:
        op.update(b"\x00")
    err = SoftwareBackend("unused").translate(info.value, Action.UPDATE, OpKind.ENCRYPT)
    assert err is not None and err.code == 12000012


def test_buffer_limit_for_ed25519() -> None:
    spec = KeySpec(A.HUKS_ALG_ED25519, 256, 4)
    op = engine.begin(_ref(A.HUKS_ALG_ED25519, 256), spec, OpSpec(OpKind.SIGN, A.HUKS_ALG_ED25519))
    op.update(b"\x00" * engine.BUFFER_LIMIT)
    with pytest.raises(engine.BufferLimitError) as info:
        op.finish(b"\x00")
    err = SoftwareBackend("unused").translate(info.value, Action.FINISH, OpKind.SIGN)
    assert err is not None and err.code == 401


@pytest.mark.parametrize("alg", [A.HUKS_ALG_AES, A.HUKS_ALG_DES])
def test_no_padding_needs_whole_blocks(alg: int) -> None:
    size = 128 if alg == A.HUKS_ALG_AES else 64
    block = size // 8 if alg == A.HUKS_ALG_DES else 16
    spec = KeySpec(alg, size, 3)
    op = engine.begin(
        _ref(alg, size),
        spec,
        OpSpec(OpKind.ENCRYPT, alg, mode=M.HUKS_MODE_CBC, padding=0, iv=b"\x00" * block),
    )
    assert len(op.update(b"a" * (block + 1))) == block  # one whole block out, one byte buffered
    with pytest.raises(engine.BlockLengthError) as info:
        op.finish(b"b")
    assert isinstance(info.value, ValueError)
    err = SoftwareBackend("unused").translate(info.value, Action.FINISH, OpKind.ENCRYPT)
    assert err is not None and err.code == 401


def test_bad_pkcs7_padding_is_a_crypto_failure() -> None:
    spec = KeySpec(A.HUKS_ALG_AES, 128, 3)
    ref = _ref(A.HUKS_ALG_AES, 128)
    dec = OpSpec(OpKind.DECRYPT, A.HUKS_ALG_AES, mode=M.HUKS_MODE_ECB, padding=P.HUKS_PADDING_PKCS7)
    key = engine.load(ref)
    assert isinstance(key, bytes)
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - the mode under test
    garbage = enc.update(b"\x00" * 15 + b"\x11") + enc.finalize()  # last byte 0x11: not a PKCS#7 pad
    with pytest.raises(ValueError) as info:
        engine.begin(ref, spec, dec).finish(garbage)
    err = SoftwareBackend("unused").translate(info.value, Action.FINISH, OpKind.DECRYPT)
    assert err is not None and err.code == 12000006


def test_abort_is_idempotent_and_ends_the_operation() -> None:
    spec = KeySpec(A.HUKS_ALG_HMAC, 256, 128)
    op = engine.begin(_ref(A.HUKS_ALG_HMAC, 256), spec, OpSpec(OpKind.MAC, A.HUKS_ALG_HMAC, digest=12))
    op.update(b"abc")
    op.abort()
    op.abort()
    with pytest.raises(RuntimeError):
        op.update(b"more")
    done = engine.begin(_ref(A.HUKS_ALG_HMAC, 256), spec, OpSpec(OpKind.MAC, A.HUKS_ALG_HMAC, digest=12))
    assert len(done.finish(b"x")) == 32
    with pytest.raises(RuntimeError):
        done.finish(b"x")
    done.abort()


# ---- key material --------------------------------------------------------------------------------


def _pyca_keys() -> list[tuple[int, int, object]]:
    p = engine.FFDHE_PRIMES[2048]
    return [
        (A.HUKS_ALG_RSA, 1024, rsa.generate_private_key(65537, 1024)),  # noqa: S505 - a HUKS size
        (A.HUKS_ALG_ECC, 256, ec.generate_private_key(ec.SECP256R1())),
        (A.HUKS_ALG_ECC, 521, ec.generate_private_key(ec.SECP521R1())),
        (A.HUKS_ALG_DSA, 1024, dsa.generate_private_key(1024)),  # noqa: S505 - a HUKS size
        (A.HUKS_ALG_DH, 2048, dh.DHParameterNumbers(p, 2).parameters().generate_private_key()),
        (A.HUKS_ALG_X25519, 256, x25519.X25519PrivateKey.generate()),
        (A.HUKS_ALG_ED25519, 256, ed25519.Ed25519PrivateKey.generate()),
    ]


def test_import_round_trips_and_exports_public_keys() -> None:
    for alg, size, priv in _pyca_keys():
        spec = KeySpec(alg, size, 0)
        pub = priv.public_key()  # type: ignore[attr-defined]
        ref = engine.from_material(spec, KeyMaterial(private=priv))  # type: ignore[arg-type]
        pub_ref = engine.from_material(spec, KeyMaterial(public=pub))
        assert ref[0] == engine.REF_PRIVATE and pub_ref[0] == engine.REF_PUBLIC
        if alg in (A.HUKS_ALG_X25519, A.HUKS_ALG_ED25519):
            raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            assert engine.public_key(ref, spec) == raw == engine.public_key(pub_ref, spec)
            assert len(raw) == 32
        else:
            der = pub.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            assert engine.public_key(ref, spec) == der == engine.public_key(pub_ref, spec)
    p256 = engine.public_key(_ref(A.HUKS_ALG_ECC, 256), KeySpec(A.HUKS_ALG_ECC, 256, 4))
    assert len(p256) == 91  # huks-reference.md §4.6


def test_import_mismatches_raise_value_error() -> None:
    rsa_key = rsa.generate_private_key(65537, 1024)  # noqa: S505 - a HUKS size, test only
    k1 = ec.generate_private_key(ec.SECP256K1())
    cases: list[tuple[KeySpec, KeyMaterial]] = [
        (KeySpec(A.HUKS_ALG_RSA, 2048, 4), KeyMaterial(private=rsa_key)),
        (KeySpec(A.HUKS_ALG_ECC, 256, 4), KeyMaterial(private=rsa_key)),
        (KeySpec(A.HUKS_ALG_ECC, 256, 4), KeyMaterial(private=k1)),  # secp256k1 is not P-256
        (KeySpec(A.HUKS_ALG_RSA, 1024, 8), KeyMaterial(public=k1.public_key())),
        (KeySpec(A.HUKS_ALG_AES, 256, 3), KeyMaterial(secret=b"k" * 16)),
        (KeySpec(A.HUKS_ALG_DES, 64, 3), KeyMaterial(secret=b"k" * 16)),
        (KeySpec(A.HUKS_ALG_AES, 128, 3), KeyMaterial(private=rsa_key)),
        (KeySpec(A.HUKS_ALG_RSA, 1024, 4), KeyMaterial(secret=b"k" * 128)),
    ]
    backend = SoftwareBackend("unused")
    for spec, material in cases:
        with pytest.raises(ValueError) as info:
            engine.from_material(spec, material)
        err = backend.translate(info.value, Action.IMPORT, None)
        assert err is not None and err.code == 401
    assert (
        engine.from_material(KeySpec(A.HUKS_ALG_AES, 128, 3), KeyMaterial(secret=b"k" * 16))
        == b"\x01" + b"k" * 16
    )


def test_symmetric_keys_have_no_public_half() -> None:
    spec = KeySpec(A.HUKS_ALG_AES, 256, 3)
    with pytest.raises(ValueError) as info:
        engine.public_key(_ref(A.HUKS_ALG_AES, 256), spec)
    err = SoftwareBackend("unused").translate(info.value, Action.PUBLIC_KEY, None)
    assert err is not None and err.code == 12000003


def test_public_only_key_cannot_sign_or_decrypt() -> None:
    spec = KeySpec(A.HUKS_ALG_RSA, 1024, 8)
    pub_ref = b"\x03" + engine.public_key(_ref(A.HUKS_ALG_RSA, 1024), spec)
    with pytest.raises(TypeError):
        engine.begin(pub_ref, spec, OpSpec(OpKind.SIGN, 1, padding=3, digest=12))
    with pytest.raises(TypeError):
        engine.begin(pub_ref, spec, OpSpec(OpKind.DECRYPT, 1, padding=3))


def test_ffdhe_groups_match_openssl_and_are_safe_primes(openssl_cli: str) -> None:
    """The groups equal OpenSSL's built-in ffdhe groups (the ``openssl_cli`` fixture: skipped without
    the command, failed when ``HUKSPY_REQUIRE`` names ``openssl``)."""
    for size, p in engine.FFDHE_PRIMES.items():
        assert p.bit_length() == size
        assert pow(2, p - 1, p) == 1 and pow(3, (p - 1) // 2 - 1, (p - 1) // 2) == 1  # Fermat, p and q
    openssl = openssl_cli
    for size, p in engine.FFDHE_PRIMES.items():
        pem = subprocess.run(
            [openssl, "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", f"group:ffdhe{size}"],
            check=True,
            capture_output=True,
        ).stdout
        numbers = serialization.load_pem_parameters(pem).parameter_numbers()
        assert (numbers.p, numbers.g) == (p, 2)


# ---- the backend object and its error table --------------------------------------------------------


def test_translate_table() -> None:
    backend = SoftwareBackend("unused")
    cases: list[tuple[BaseException, Action, OpKind | None, int | None]] = [
        (InvalidSignature(), Action.FINISH, OpKind.VERIFY, 12000006),
        (InvalidTag(), Action.FINISH, OpKind.DECRYPT, 12000006),
        (UnsupportedAlgorithm("x"), Action.BEGIN, OpKind.ENCRYPT, 12000001),
        (ValueError("x"), Action.BEGIN, OpKind.ENCRYPT, 12000003),
        (ValueError("x"), Action.GENERATE, None, 12000003),
        (ValueError("x"), Action.FINISH, OpKind.AGREE, 12000006),
        (TypeError("x"), Action.BEGIN, OpKind.SIGN, 12000003),
        (sqlite3.OperationalError("x"), Action.RECORD_GET, None, 12000004),
        (PermissionError("x"), Action.RECORD_PUT, None, 12000004),
        (MemoryError(), Action.UPDATE, OpKind.ENCRYPT, 12000014),
        (RuntimeError("x"), Action.UPDATE, OpKind.ENCRYPT, None),
        (KeyError("x"), Action.UPDATE, OpKind.ENCRYPT, None),
    ]
    for exc, action, kind, code in cases:
        err = backend.translate(exc, action, kind)
        assert (err.code if err is not None else None) == code, (exc, action)
    # A HuksError is not a native error: the facade's boundary passes it on before asking any table.
    assert backend.translate(HuksError(12000011), Action.BEGIN, None) is None


def test_factory_and_backend_lifecycle(tmp_path: pathlib.Path) -> None:
    assert isinstance(factory, SoftwareFactory)
    assert factory.available() == (True, "")
    backend = factory.open("", home=str(tmp_path))
    assert backend.directory == str(tmp_path / "software")
    assert backend.name == "software"
    assert backend.capabilities() == dataclasses.replace(CAPS, attest=True, wrap=True)
    explicit = factory.open(str(tmp_path / "elsewhere"), home=str(tmp_path))
    assert explicit.directory == str(tmp_path / "elsewhere")
    with pytest.raises(HuksError) as info:  # the facade converts the factory's InvalidLocationError
        Keystore("software:/x?opt=1", home=str(tmp_path))
    assert info.value.code == 401
    spec = KeySpec(A.HUKS_ALG_ECC, 256, 4)
    with backend:
        store = backend.records()
        assert backend.records() is store
        assert store.aliases(1) == []
        assert (tmp_path / "software").is_dir()
        ref = backend.generate(spec)
        backend.delete(ref, spec)  # a no-op: the ref is the whole key
        assert engine.load(ref) is not None
        assert len(backend.attest(ref, spec, AttestIds(), False)) == 3  # leaf, intermediate, root (DER)
        sealed = backend.wrap(ref, spec, b"binding")
        assert backend.unwrap(sealed, spec, b"binding") == ref
        with pytest.raises(InvalidTag):
            backend.unwrap(sealed, spec, b"another binding")
    backend.close()  # idempotent
    with pytest.raises(BackendClosedError):  # a native error: Keystore's boundary makes it 12000012
        backend.records()

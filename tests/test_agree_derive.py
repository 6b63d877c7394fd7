"""Agreement and derivation sessions, and storing their result (huks-reference.md §4.3-4.5).

Every secret is compared with an independent computation: ECDH and X25519 with pyca on the peer's
side, DH with Python integers (y^x mod p), HKDF (RFC 5869) and PBKDF2 (RFC 8018 §5.2) with reference
implementations on ``hmac``/``hashlib`` written here and checked against published test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import struct
import warnings
from collections.abc import Iterator
from typing import Final

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.utils import CryptographyDeprecationWarning

from hukspy import (
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyPurpose,
    HuksKeyStorageType,
    HuksTag,
    Keystore,
)
from hukspy.formats import DH_GROUPS, EC_CURVES
from hukspy.params import HuksParam
from hukspy.testing.support import P, options, raises_code, run_session

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_D = HuksKeyDigest
_S = HuksKeyStorageType
_HASH: Final = {
    _D.HUKS_DIGEST_SHA256: "sha256",
    _D.HUKS_DIGEST_SHA384: "sha384",
    _D.HUKS_DIGEST_SHA512: "sha512",
}
_ONLY_IN_HUKS: Final = P(_T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG, _S.HUKS_STORAGE_ONLY_USED_IN_HUKS)


# ------------------------------------------------------------------------------ reference KDFs


def hkdf_reference(digest: str, ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 §2.2-2.3 on the standard library's HMAC."""
    size = hashlib.new(digest).digest_size
    prk = hmac.new(salt or bytes(size), ikm, digest).digest()
    out, block = b"", b""
    for i in range(1, math.ceil(length / size) + 1):
        block = hmac.new(prk, block + info + bytes([i]), digest).digest()
        out += block
    return out[:length]


def pbkdf2_reference(digest: str, password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """RFC 8018 §5.2 (PBKDF2 with HMAC as the PRF) on the standard library's HMAC."""
    size = hashlib.new(digest).digest_size
    out = b""
    for i in range(1, math.ceil(length / size) + 1):
        u = hmac.new(password, salt + i.to_bytes(4, "big"), digest).digest()
        t = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            u = hmac.new(password, u, digest).digest()
            t ^= int.from_bytes(u, "big")
        out += t.to_bytes(size, "big")
    return out[:length]


def test_reference_kdfs_match_published_vectors() -> None:
    # RFC 5869 A.1 and A.3 (SHA-256)
    ikm = bytes([0x0B] * 22)
    assert hkdf_reference("sha256", ikm, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42).hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    assert hkdf_reference("sha256", ikm, b"", b"", 42).hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    # RFC 7914 §11 (PBKDF2-HMAC-SHA-256 vectors; PBKDF2 itself is RFC 8018 §5.2)
    assert pbkdf2_reference("sha256", b"passwd", b"salt", 1, 64).hex() == (
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")


# ------------------------------------------------------------------------------ fixtures, helpers


@pytest.fixture
def ks(software_keystore: Keystore) -> Iterator[Keystore]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)  # FFDH
        yield software_keystore


def _generate(ks: Keystore, alias: str, alg: int, size: int, purpose: int, *extra: HuksParam) -> None:
    ks.generate_key_item(alias, options(P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_KEY_SIZE, size),
                                        P(_T.HUKS_TAG_PURPOSE, purpose), *extra))


def _agree_params(alg: int, size: int) -> list[HuksParam]:
    return [P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_AGREE),
            P(_T.HUKS_TAG_KEY_SIZE, size)]


def _store_params(alias: str, *, size: int = 256, flag: HuksParam | None = None) -> list[HuksParam]:
    return [flag or P(_T.HUKS_TAG_KEY_STORAGE_FLAG, _S.HUKS_STORAGE_PERSISTENT),
            P(_T.HUKS_TAG_KEY_ALIAS, alias.encode()), P(_T.HUKS_TAG_IS_KEY_ALIAS, True),
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_KEY_SIZE, size),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT),
            P(_T.HUKS_TAG_BLOCK_MODE, 32), P(_T.HUKS_TAG_PADDING, 0)]


def _check_stored_aes(ks: Keystore, alias: str, secret: bytes, flag: int) -> None:
    """The stored key holds exactly ``secret``: AES-GCM under it opens with pyca and ``secret``."""
    nonce, aad, plain = bytes(range(12)), b"aad", b"encrypted with the stored key"
    ct = run_session(ks, alias, [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
        P(_T.HUKS_TAG_KEY_SIZE, len(secret) * 8), P(_T.HUKS_TAG_BLOCK_MODE, 32), P(_T.HUKS_TAG_PADDING, 0),
        P(_T.HUKS_TAG_NONCE, nonce), P(_T.HUKS_TAG_ASSOCIATED_DATA, aad)], [plain])
    assert AESGCM(secret).decrypt(nonce, ct, aad) == plain
    props = {p.tag: p.value for p in ks.get_key_item_properties(alias, options()).properties or []}
    assert props[_T.HUKS_TAG_KEY_FLAG] == flag
    assert _T.HUKS_TAG_KEY_ALIAS not in props and _T.HUKS_TAG_KEY_STORAGE_FLAG not in props


# ------------------------------------------------------------------------------ agreement


@pytest.mark.parametrize("size", sorted(EC_CURVES))
@pytest.mark.parametrize("peer_in", ["update", "finish"])
def test_ecdh(ks: Keystore, size: int, peer_in: str) -> None:
    _generate(ks, "k", _A.HUKS_ALG_ECC, size, _PU.HUKS_KEY_PURPOSE_AGREE)
    peer = ec.generate_private_key(EC_CURVES[size])
    peer_spki = peer.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    pieces = [peer_spki, b""] if peer_in == "update" else [peer_spki]
    secret = run_session(ks, "k", _agree_params(_A.HUKS_ALG_ECDH, size), pieces)
    mine = serialization.load_der_public_key(ks.export_key_item("k", options()).out_data)
    assert isinstance(mine, ec.EllipticCurvePublicKey)
    assert secret == peer.exchange(ec.ECDH(), mine)
    assert len(secret) == (size + 7) // 8  # the raw x-coordinate


def test_x25519(ks: Keystore) -> None:
    _generate(ks, "k", _A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    peer = x25519.X25519PrivateKey.generate()
    raw = peer.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    secret = run_session(ks, "k", _agree_params(_A.HUKS_ALG_X25519, 256), [raw, b""])
    mine = x25519.X25519PublicKey.from_public_bytes(ks.export_key_item("k", options()).out_data)
    assert secret == peer.exchange(mine) and len(secret) == 32


def test_ed25519_agrees_as_x25519(ks: Keystore) -> None:
    """Upstream's HksOpensslEd25519AgreeKey: an Ed25519 key with purpose AGREE runs X25519 with the
    peer's Ed25519 public key, both mapped to Curve25519 (RFC 8032 §5.1.5 scalar, RFC 7748 u). Two
    hukspy keys agree with each other, and a pyca-made pair's secret is pyca's X25519 of the seeds'
    scalars; a peer key that is not a curve point is 12000006, one of the wrong length 401."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import ed25519

    def scalar(key: ed25519.Ed25519PrivateKey) -> x25519.X25519PrivateKey:
        seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
        return x25519.X25519PrivateKey.from_private_bytes(hashlib.sha512(seed).digest()[:32])

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    _generate(ks, "a", _A.HUKS_ALG_ED25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    _generate(ks, "b", _A.HUKS_ALG_ED25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    params = _agree_params(_A.HUKS_ALG_X25519, 256)
    pub_a, pub_b = (ks.export_key_item(k, options()).out_data for k in ("a", "b"))
    assert run_session(ks, "a", params, [pub_b]) == run_session(ks, "b", params, [pub_a])
    mine = ed25519.Ed25519PrivateKey.generate()
    pair = struct.pack("<5I", _A.HUKS_ALG_ED25519, 256, 32, 32, 0) + mine.public_key().public_bytes(*raw) + \
        mine.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                           serialization.NoEncryption())
    ks.import_key_item("m", options(P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ED25519),
                                    P(_T.HUKS_TAG_KEY_SIZE, 256),
                                    P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_AGREE),
                                    P(_T.HUKS_TAG_IMPORT_KEY_TYPE, 2), in_data=pair))
    peer = ed25519.Ed25519PrivateKey.generate()
    got = run_session(ks, "m", params, [peer.public_key().public_bytes(*raw)])
    assert got == scalar(mine).exchange(scalar(peer).public_key())
    not_a_point = (2).to_bytes(32, "little")  # y = 2: (y^2 - 1) / (d y^2 + 1) is not a square
    with raises_code(12000006):
        run_session(ks, "m", params, [not_a_point])
    with raises_code(401):
        run_session(ks, "m", params, [bytes(31)])


@pytest.mark.parametrize("size", sorted(DH_GROUPS))
def test_dh(ks: Keystore, size: int) -> None:
    """Independent: the shared value y_hukspy^x_peer mod p, computed with Python integers."""
    import secrets

    _generate(ks, "k", _A.HUKS_ALG_DH, size, _PU.HUKS_KEY_PURPOSE_AGREE)
    p, g = DH_GROUPS[size]
    x = secrets.randbelow(p - 3) + 2
    from hukspy.formats import DHParameterNumbers, DHPublicNumbers  # the FFDH names, taken once there

    peer_spki = DHPublicNumbers(pow(g, x, p), DHParameterNumbers(p, g)).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    secret = run_session(ks, "k", _agree_params(_A.HUKS_ALG_DH, size), [peer_spki, b""])
    mine = serialization.load_der_public_key(ks.export_key_item("k", options()).out_data)
    y = mine.public_numbers().y  # type: ignore[union-attr]
    assert secret == pow(y, x, p).to_bytes(size // 8, "big")


@pytest.mark.parametrize("flag", [P(_T.HUKS_TAG_KEY_STORAGE_FLAG, _S.HUKS_STORAGE_PERSISTENT), _ONLY_IN_HUKS])
def test_agree_and_store(ks: Keystore, flag: HuksParam) -> None:
    _generate(ks, "k", _A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    peer = x25519.X25519PrivateKey.generate()
    raw = peer.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    out = run_session(ks, "k", _agree_params(_A.HUKS_ALG_X25519, 256), [raw, b""],
                      finish_params=_store_params("agreed", flag=flag))
    assert out == b""
    mine = x25519.X25519PublicKey.from_public_bytes(ks.export_key_item("k", options()).out_data)
    _check_stored_aes(ks, "agreed", peer.exchange(mine), HuksKeyFlag.HUKS_KEY_FLAG_AGREE_KEY)


def test_ecdh_p256_store(ks: Keystore) -> None:
    _generate(ks, "k", _A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    peer = ec.generate_private_key(ec.SECP256R1())
    spki = peer.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    params = _agree_params(_A.HUKS_ALG_ECDH, 256)
    run_session(ks, "k", params, [spki, b""], finish_params=_store_params("ecdh"))
    mine = serialization.load_der_public_key(ks.export_key_item("k", options()).out_data)
    assert isinstance(mine, ec.EllipticCurvePublicKey)
    _check_stored_aes(ks, "ecdh", peer.exchange(ec.ECDH(), mine), HuksKeyFlag.HUKS_KEY_FLAG_AGREE_KEY)


def test_second_agree_update_12000012(ks: Keystore) -> None:
    _generate(ks, "k", _A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    raw = x25519.X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    h = ks.init_session("k", options(*_agree_params(_A.HUKS_ALG_X25519, 256))).handle
    ks.update_session(h, options(in_data=raw))
    with raises_code(12000012):
        ks.update_session(h, options(in_data=raw))
    with raises_code(12000011):  # the error ended the session
        ks.finish_session(h, options())


# ------------------------------------------------------------------------------ derivation


def _derive_key(ks: Keystore, alias: str, secret: bytes, digest: int, *extra: HuksParam) -> None:
    alg = _A.HUKS_ALG_AES if len(secret) in (16, 32) else _A.HUKS_ALG_3DES
    ks.import_key_item(alias, options(P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_KEY_SIZE, len(secret) * 8),
                                      P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_DERIVE),
                                      P(_T.HUKS_TAG_DIGEST, digest), *extra, in_data=secret))


def _derive_params(alg: int, digest: int, length: int, salt: bytes | None = None, info: bytes | None = None,
                   iterations: int | None = None) -> list[HuksParam]:
    params = [P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_DERIVE),
              P(_T.HUKS_TAG_DIGEST, digest), P(_T.HUKS_TAG_DERIVE_KEY_SIZE, length)]
    if salt is not None:
        params.append(P(_T.HUKS_TAG_SALT, salt))
    if info is not None:
        params.append(P(_T.HUKS_TAG_INFO, info))
    if iterations is not None:
        params.append(P(_T.HUKS_TAG_ITERATION, iterations))
    return params


@pytest.mark.parametrize("digest", sorted(_HASH))
@pytest.mark.parametrize(("key_len", "length", "salt", "info"), [
    (32, 32, b"salt of the derivation", b"info of the derivation"),
    (16, 100, None, None),  # HKDF without SALT or INFO: empty ones (python-api.md §4)
    (24, 1, bytes(64), b"x"),
])
def test_hkdf(
    ks: Keystore, digest: int, key_len: int, length: int, salt: bytes | None, info: bytes | None
) -> None:
    ikm = bytes(range(7, 7 + key_len))
    _derive_key(ks, "base", ikm, digest)
    got = run_session(ks, "base", _derive_params(_A.HUKS_ALG_HKDF, digest, length, salt, info), [b"", b""])
    assert got == hkdf_reference(_HASH[digest], ikm, salt or b"", info or b"", length)


@pytest.mark.parametrize("digest", sorted(_HASH))
def test_pbkdf2(ks: Keystore, digest: int) -> None:
    password, salt = bytes(range(50, 82)), b"sixteen byte salt!"
    _derive_key(ks, "base", password, digest)
    params = _derive_params(_A.HUKS_ALG_PBKDF2, digest, 48, salt, iterations=1000)
    got = run_session(ks, "base", params, [b"", b""])
    assert got == pbkdf2_reference(_HASH[digest], password, salt, 1000, 48)
    assert got == hashlib.pbkdf2_hmac(_HASH[digest], password, salt, 1000, 48)


def test_derive_and_store_xts_hkdf_101(ks: Keystore) -> None:
    """XTS Derive_API9_HKDF_101: an AES-192 base key; the derived AES-256 key is stored under the base
    key's own alias, which it overwrites."""
    ikm = bytes(range(24))
    _derive_key(ks, "base", ikm, _D.HUKS_DIGEST_SHA256)
    params = _derive_params(_A.HUKS_ALG_HKDF, _D.HUKS_DIGEST_SHA256, 32)
    out = run_session(ks, "base", params, [b"", b""], finish_params=_store_params("base"))
    assert out == b""
    want = hkdf_reference("sha256", ikm, b"", b"", 32)
    _check_stored_aes(ks, "base", want, HuksKeyFlag.HUKS_KEY_FLAG_DERIVE_KEY)


def test_pbkdf2_store_only_in_huks(ks: Keystore) -> None:
    password, salt = bytes(32), bytes(range(16))
    only = _ONLY_IN_HUKS
    _derive_key(ks, "base", password, _D.HUKS_DIGEST_SHA512, only)
    params = _derive_params(_A.HUKS_ALG_PBKDF2, _D.HUKS_DIGEST_SHA512, 16, salt, iterations=1000)
    run_session(ks, "base", params, [b"", b""], finish_params=_store_params("derived", size=128, flag=only))
    _check_stored_aes(ks, "derived", pbkdf2_reference("sha512", password, salt, 1000, 16),
                      HuksKeyFlag.HUKS_KEY_FLAG_DERIVE_KEY)


def test_second_derive_update_12000012(ks: Keystore) -> None:
    _derive_key(ks, "base", bytes(16), _D.HUKS_DIGEST_SHA256)
    h = ks.init_session("base", options(*_derive_params(_A.HUKS_ALG_HKDF, _D.HUKS_DIGEST_SHA256, 16))).handle
    ks.update_session(h, options(in_data=b"ignored"))
    with raises_code(12000012):
        ks.update_session(h, options())
    with raises_code(12000011):
        ks.finish_session(h, options())


# ------------------------------------------------------------------------------ storage rules (§4.5)


@pytest.mark.parametrize(("base_flag", "finish_params"), [
    # the base key's derived keys must stay in the keystore, the finish asks for the bytes
    (_S.HUKS_STORAGE_ONLY_USED_IN_HUKS, []),
    # the base key's derived keys must be returned, the finish asks to store
    (_S.HUKS_STORAGE_KEY_EXPORT_ALLOWED, _store_params("stored")),
    # an explicit finish flag contradicts the base key's
    (_S.HUKS_STORAGE_ONLY_USED_IN_HUKS,
     [P(_T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG, _S.HUKS_STORAGE_KEY_EXPORT_ALLOWED),
      *_store_params("stored")]),
])
@pytest.mark.parametrize("kind", ["derive", "agree"])
def test_storage_mismatch_12000012(ks: Keystore, kind: str, base_flag: int,
                                   finish_params: list[HuksParam]) -> None:
    flag = P(_T.HUKS_TAG_DERIVED_AGREED_KEY_STORAGE_FLAG, base_flag)
    if kind == "derive":
        _derive_key(ks, "base", bytes(32), _D.HUKS_DIGEST_SHA256, flag)
        params, pieces = _derive_params(_A.HUKS_ALG_HKDF, _D.HUKS_DIGEST_SHA256, 32), [b"", b""]
    else:
        _generate(ks, "base", _A.HUKS_ALG_X25519, 256, _PU.HUKS_KEY_PURPOSE_AGREE, flag)
        raw = x25519.X25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        params, pieces = _agree_params(_A.HUKS_ALG_X25519, 256), [raw, b""]
    with raises_code(12000012):
        run_session(ks, "base", params, pieces, finish_params=finish_params)
    assert not ks.has_key_item("stored", options())


@pytest.mark.parametrize(("finish_params", "code"), [
    (_store_params("stored", size=128), 401),  # a 32-byte secret is no AES-128 key (docs/decisions.md)
    ([p for p in _store_params("stored") if p.tag != _T.HUKS_TAG_KEY_ALIAS], 401),  # no KEY_ALIAS
    ([p for p in _store_params("stored") if p.tag != _T.HUKS_TAG_ALGORITHM], 12000002),
])
def test_failed_store_leaves_nothing(ks: Keystore, finish_params: list[HuksParam], code: int) -> None:
    _derive_key(ks, "base", bytes(32), _D.HUKS_DIGEST_SHA256)
    with raises_code(code):
        run_session(ks, "base", _derive_params(_A.HUKS_ALG_HKDF, _D.HUKS_DIGEST_SHA256, 32), [b"", b""],
                    finish_params=finish_params)
    assert not ks.has_key_item("stored", options())
    assert ks.list_aliases(options()).key_aliases == ["base"]


def test_failed_agree_store_leaves_nothing(ks: Keystore) -> None:
    _generate(ks, "base", _A.HUKS_ALG_ECC, 256, _PU.HUKS_KEY_PURPOSE_AGREE)
    wrong_curve = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with raises_code(12000006):
        run_session(ks, "base", _agree_params(_A.HUKS_ALG_ECDH, 256), [wrong_curve, b""],
                    finish_params=_store_params("stored"))
    assert not ks.has_key_item("stored", options())

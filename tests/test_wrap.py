"""``wrap_key_item`` / ``unwrap_key_item`` (HUKS_KEY_WRAP_TYPE_HUK_BASED) on the software keystore.

The blob format (hukspy.wrapped.pack_wrap_blob around the software backend's AES-256-GCM seal under
HKDF-SHA256(master key)) is checked by opening a blob independently with pyca; the error codes are the
ones docs/decisions.md gives.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Final

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hukspy import (
    HuksAuthStorageLevel,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPurpose,
    HuksKeyWrapType,
    HuksTag,
    Keystore,
    wrapped,
)
from hukspy.params import HuksParam, ParamSet
from hukspy.testing import open_keystore
from hukspy.testing.support import P, options, raises_code, run_session

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
WRAP: Final = P(_T.HUKS_TAG_KEY_WRAP_TYPE, HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED)
SECRET: Final = bytes(range(200, 232))


def _aes(ks: Keystore, alias: str, allowed: bool | None = True, secret: bytes | None = SECRET) -> None:
    params = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_KEY_SIZE, 256),
              P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT)]
    if allowed is not None:
        params.append(P(_T.HUKS_TAG_IS_ALLOWED_WRAP, allowed))
    if secret is None:
        ks.generate_key_item(alias, options(*params))
    else:
        ks.import_key_item(alias, options(*params, in_data=secret))


def _gcm(ks: Keystore, alias: str, purpose: int, data: bytes, tag: bytes | None = None) -> bytes:
    params = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_PURPOSE, purpose),
              P(_T.HUKS_TAG_KEY_SIZE, 256), P(_T.HUKS_TAG_BLOCK_MODE, 32), P(_T.HUKS_TAG_PADDING, 0),
              P(_T.HUKS_TAG_NONCE, bytes(12))]
    if tag is not None:
        params.append(P(_T.HUKS_TAG_AE_TAG, tag))
    return run_session(ks, alias, params, [data])


@pytest.fixture
def ks(software_keystore: Keystore) -> Keystore:
    return software_keystore


def _props(ks: Keystore, alias: str, *extra: HuksParam) -> list[HuksParam]:
    return ks.get_key_item_properties(alias, options(*extra)).properties or []


def test_round_trip_aes(ks: Keystore) -> None:
    _aes(ks, "orig", secret=None)
    blob = ks.wrap_key_item("orig", options(WRAP)).out_data
    assert ks.unwrap_key_item("restored", options(WRAP), blob).out_data == b""
    assert _props(ks, "restored") == _props(ks, "orig")
    ct = _gcm(ks, "orig", _PU.HUKS_KEY_PURPOSE_ENCRYPT, b"backup and restore")
    assert _gcm(ks, "restored", _PU.HUKS_KEY_PURPOSE_DECRYPT, ct[:-16], ct[-16:]) == b"backup and restore"


def test_round_trip_ecc_and_other_level(ks: Keystore, tmp_path: Path) -> None:
    ks.generate_key_item("ecc", options(
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC), P(_T.HUKS_TAG_KEY_SIZE, 256),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
        P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256), P(_T.HUKS_TAG_IS_ALLOWED_WRAP, True)))
    blob = ks.wrap_key_item("ecc", options(WRAP)).out_data
    de = P(_T.HUKS_TAG_AUTH_STORAGE_LEVEL, HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_DE)
    ks.unwrap_key_item("ecc-de", options(WRAP, de), blob)
    assert ks.has_key_item("ecc-de", options(de)) and not ks.has_key_item("ecc-de", options())
    public = ks.export_key_item("ecc", options()).out_data
    assert ks.export_key_item("ecc-de", options(de)).out_data == public
    sig = run_session(ks, "ecc-de", [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
                                     P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN),
                                     P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
                                     de], [b"m"])
    pub = serialization.load_der_public_key(public)
    assert isinstance(pub, ec.EllipticCurvePublicKey)
    pub.verify(sig, b"m", ec.ECDSA(hashes.SHA256()))


def test_blob_format_opens_independently(ks: Keystore, tmp_path: Path) -> None:
    """The documented format: header ‖ params ‖ nonce ‖ AES-256-GCM(HKDF(master), ref) ‖ tag."""
    _aes(ks, "k")
    blob = ks.wrap_key_item("k", options(WRAP)).out_data
    assert SECRET not in blob
    name, params, sealed = wrapped.unpack_wrap_blob(blob)
    assert name == "software" and blob.startswith(wrapped.WRAP_MAGIC + bytes([wrapped.WRAP_VERSION]))
    assert ParamSet.decode(params).to_params() == _props(ks, "k")
    master = (tmp_path / "keystore" / "master.key").read_bytes()
    kw = HKDF(hashes.SHA256(), 32, None, b"hukspy software wrap key v1").derive(master)
    ref = AESGCM(kw).decrypt(sealed[:12], sealed[12:], b"hukspy-software-wrap-v1" + params)
    assert ref == b"\x01" + SECRET  # the software ref of a symmetric key: 0x01 ‖ key bytes


def test_survives_reopening(ks: Keystore, tmp_path: Path) -> None:
    _aes(ks, "k")
    blob = ks.wrap_key_item("k", options(WRAP)).out_data
    with open_keystore(f"software:{tmp_path / 'keystore'}") as again:
        again.unwrap_key_item("k2", options(WRAP), blob)
        ct = _gcm(again, "k2", _PU.HUKS_KEY_PURPOSE_ENCRYPT, b"x")
    assert AESGCM(SECRET).decrypt(bytes(12), ct, None) == b"x"


@pytest.mark.parametrize("params", [[P(_T.HUKS_TAG_KEY_WRAP_TYPE, 0)], [P(_T.HUKS_TAG_KEY_WRAP_TYPE, 1)],
                                    [P(_T.HUKS_TAG_KEY_WRAP_TYPE, 3)]])
def test_wrap_type_12000012(ks: Keystore, params: list[HuksParam]) -> None:
    _aes(ks, "k")
    blob = ks.wrap_key_item("k", options(WRAP)).out_data
    with raises_code(12000012):
        ks.wrap_key_item("k", options(*params))
    with raises_code(12000012):
        ks.unwrap_key_item("k2", options(*params), blob)
    assert not ks.has_key_item("k2", options())


def test_wrap_type_absent_is_huk_based(ks: Keystore) -> None:
    _aes(ks, "k")
    blob = ks.wrap_key_item("k", options()).out_data
    ks.unwrap_key_item("k2", options(), blob)
    assert AESGCM(SECRET).decrypt(bytes(12), _gcm(ks, "k2", 1, b"w"), None) == b"w"


@pytest.mark.parametrize("allowed", [None, False])
def test_not_allowed_12000012(ks: Keystore, allowed: bool | None) -> None:
    _aes(ks, "k", allowed=allowed)
    with raises_code(12000012):
        ks.wrap_key_item("k", options(WRAP))


def test_missing_key_12000011(ks: Keystore) -> None:
    with raises_code(12000011):
        ks.wrap_key_item("nothing", options(WRAP))


def _tamper_params(blob: bytes) -> bytes:
    name, params, sealed = wrapped.unpack_wrap_blob(blob)
    changed = ParamSet.decode(params).with_((_T.HUKS_TAG_PURPOSE, int(_PU.HUKS_KEY_PURPOSE_ENCRYPT))).encode()
    return wrapped.pack_wrap_blob(name, changed, sealed)


def _tamper_backend(blob: bytes) -> bytes:
    _, params, sealed = wrapped.unpack_wrap_blob(blob)
    return wrapped.pack_wrap_blob("pkcs11", params, sealed)


@pytest.mark.parametrize("tamper", ["last-byte", "nonce", "params", "backend", "damaged-params"])
def test_tampered_12000006(ks: Keystore, tamper: str) -> None:
    _aes(ks, "k")
    blob = ks.wrap_key_item("k", options(WRAP)).out_data
    head = len(blob) - 12 - 33 - 16  # header+params | nonce(12) | ct(1+32) | tag(16)
    bad = {
        "last-byte": blob[:-1] + bytes([blob[-1] ^ 1]),
        "nonce": blob[:head] + bytes([blob[head] ^ 1]) + blob[head + 1:],
        "params": _tamper_params(blob),
        "backend": _tamper_backend(blob),
        "damaged-params": blob[:head - 1] + bytes([blob[head - 1] ^ 0x80]) + blob[head:],
    }[tamper]
    with raises_code(12000006):
        ks.unwrap_key_item("k2", options(WRAP), bad)
    assert not ks.has_key_item("k2", options())


def test_foreign_keystore_12000006(ks: Keystore, tmp_path: Path) -> None:
    with open_keystore(f"software:{tmp_path / 'other'}") as other:
        _aes(other, "k")
        foreign = other.wrap_key_item("k", options(WRAP)).out_data
    with raises_code(12000006):
        ks.unwrap_key_item("k", options(WRAP), foreign)
    assert not ks.has_key_item("k", options())


@pytest.mark.parametrize("blob", [
    b"",
    b"x" * 64,
    wrapped.WRAP_MAGIC,  # header only
    wrapped.WRAP_MAGIC + bytes([2, 8]) + b"software" + struct.pack("<I", 0) + b"sealed",  # version 2
    wrapped.WRAP_MAGIC + bytes([1, 8]) + b"software" + struct.pack("<I", 100) + b"short",  # truncated
    wrapped.WRAP_MAGIC + bytes([1, 8]) + b"software" + struct.pack("<I", 4) + b"HPS1",  # nothing sealed
])
def test_malformed_401(ks: Keystore, blob: bytes) -> None:
    with raises_code(401):
        ks.unwrap_key_item("k", options(WRAP), blob)
    assert not ks.has_key_item("k", options())


def test_wrapped_key_not_bytes_401(ks: Keystore) -> None:
    with raises_code(401):
        ks.unwrap_key_item("k", options(WRAP), "not bytes")  # type: ignore[arg-type]


def test_override(ks: Keystore) -> None:
    _aes(ks, "k")
    _aes(ks, "other", secret=bytes(32))
    blob = ks.wrap_key_item("k", options(WRAP)).out_data
    with raises_code(12000017):
        ks.unwrap_key_item("other", options(WRAP, P(_T.HUKS_TAG_KEY_OVERRIDE, False)), blob)
    assert AESGCM(bytes(32)).decrypt(bytes(12), _gcm(ks, "other", 1, b"y"), None) == b"y"  # unchanged
    ks.unwrap_key_item("other", options(WRAP), blob)  # absent/true: replaced
    assert AESGCM(SECRET).decrypt(bytes(12), _gcm(ks, "other", 1, b"y"), None) == b"y"

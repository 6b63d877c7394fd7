"""``import_wrapped_key_item``: the 10-LV format of huks-reference.md §4.6 on the software keystore.

Wrapped keys are built by docs/examples/build_wrapped_key.py (what a server runs; it uses only
``cryptography``) and by ``hukspy.wrapped.build_wrapped_key``; the imported keys are checked against
independent pyca computations with the original key. Every error case of §4.6 has its code.
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import ClassVar, Final

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import (
    HuksImportKeyType,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyFlag,
    HuksKeyPurpose,
    HuksTag,
    HuksUnwrapSuite,
    Keystore,
    wrapped,
)
from hukspy import keystore as keystore_module
from hukspy.formats import build_lv, key_material, parse_lv
from hukspy.software.backend import SoftwareBackend, SoftwareFactory
from hukspy.spec import KeySpec
from hukspy.testing import open_keystore
from hukspy.testing.support import P, options, raises_code, run_session

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
X25519_SUITE: Final = int(HuksUnwrapSuite.HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING)
ECDH_SUITE: Final = int(HuksUnwrapSuite.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING)
EXAMPLE: Final = Path(__file__).resolve().parent.parent / "docs" / "examples" / "build_wrapped_key.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_wrapped_key", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = _load_example()


def _wrapping_key(ks: Keystore, alias: str, suite: int, purpose: int = _PU.HUKS_KEY_PURPOSE_UNWRAP,
                  size: int = 256) -> bytes:
    alg = _A.HUKS_ALG_X25519 if suite == X25519_SUITE else _A.HUKS_ALG_ECC
    ks.generate_key_item(alias, options(P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_KEY_SIZE, size),
                                        P(_T.HUKS_TAG_PURPOSE, purpose)))
    return ks.export_key_item(alias, options()).out_data


def _aes_params(suite: int | None, size: int = 256) -> list:  # type: ignore[type-arg]
    params = [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_KEY_SIZE, size),
              P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT)]
    if suite is not None:
        params.append(P(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, suite))
    return params


def _gcm_encrypt(ks: Keystore, alias: str, plain: bytes) -> tuple[bytes, bytes, bytes]:
    nonce, aad = bytes(range(12)), b"wrapped-key aad"
    out = run_session(ks, alias, [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
        P(_T.HUKS_TAG_KEY_SIZE, 256), P(_T.HUKS_TAG_BLOCK_MODE, 32), P(_T.HUKS_TAG_PADDING, 0),
        P(_T.HUKS_TAG_NONCE, nonce), P(_T.HUKS_TAG_ASSOCIATED_DATA, aad),
    ], [plain])
    return out, nonce, aad


@pytest.fixture
def ks(software_keystore: Keystore) -> Keystore:
    return software_keystore


Builder = Callable[[int, bytes, bytes], bytes]
BUILDERS: Final[dict[str, Builder]] = {
    "docs-example": example.build_wrapped_key,
    "hukspy.wrapped": wrapped.build_wrapped_key,
}


@pytest.mark.parametrize("builder", sorted(BUILDERS))
@pytest.mark.parametrize("suite", [X25519_SUITE, ECDH_SUITE])
def test_aes_key_round_trip(ks: Keystore, suite: int, builder: str) -> None:
    wrapping_public = _wrapping_key(ks, "wrapping", suite)
    secret = AESGCM.generate_key(bit_length=256)
    in_data = BUILDERS[builder](suite, wrapping_public, secret)
    assert len(parse_lv(in_data)) == 10
    ks.import_wrapped_key_item("imported", "wrapping", options(*_aes_params(suite), in_data=in_data))

    plain = b"the server's secret message" * 3
    out, nonce, aad = _gcm_encrypt(ks, "imported", plain)
    assert AESGCM(secret).decrypt(nonce, out, aad) == plain  # independent: the original key opens it
    props = {p.tag: p.value for p in ks.get_key_item_properties("imported", options()).properties or []}
    assert props[_T.HUKS_TAG_KEY_FLAG] == HuksKeyFlag.HUKS_KEY_FLAG_IMPORT_KEY
    assert props[_T.HUKS_TAG_ALGORITHM] == _A.HUKS_ALG_AES and props[_T.HUKS_TAG_KEY_SIZE] == 256
    assert _T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE not in props


def test_ecc_key_pair_and_hmac_key(ks: Keystore) -> None:
    wrapping_public = _wrapping_key(ks, "wrapping", ECDH_SUITE)
    private = ec.generate_private_key(ec.SECP384R1())
    in_data = example.build_wrapped_key(ECDH_SUITE, wrapping_public, key_material(private))
    ks.import_wrapped_key_item("ecc", "wrapping", options(
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC), P(_T.HUKS_TAG_KEY_SIZE, 384),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
        P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA384),
        P(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR),
        P(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, ECDH_SUITE), in_data=in_data))
    exported = ks.export_key_item("ecc", options()).out_data
    assert exported == private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    message = b"signed by the imported key"
    sig = run_session(ks, "ecc", [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_ECC),
                                  P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN),
                                  P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA384)], [message])
    private.public_key().verify(sig, message, ec.ECDSA(hashes.SHA384()))

    mac_key = bytes(range(64))
    in_data = wrapped.build_wrapped_key(ECDH_SUITE, wrapping_public, mac_key)
    ks.import_wrapped_key_item("hmac", "wrapping", options(
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC), P(_T.HUKS_TAG_KEY_SIZE, 512),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
        P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        P(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, ECDH_SUITE), in_data=in_data))
    got = run_session(ks, "hmac", [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
                                   P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
                                   P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256)], [message])
    want = hmac.HMAC(mac_key, hashes.SHA256())
    want.update(message)
    assert got == want.finalize()


def test_example_script_command_line(ks: Keystore, tmp_path: Path) -> None:
    public = _wrapping_key(ks, "wrapping", X25519_SUITE)
    (tmp_path / "device.pub").write_bytes(public)
    secret = bytes(range(100, 132))
    (tmp_path / "key.bin").write_bytes(secret)
    assert example.main(["x25519", str(tmp_path / "device.pub"), str(tmp_path / "key.bin"),
                         str(tmp_path / "wrapped.bin")]) == 0
    ks.import_wrapped_key_item("k", "wrapping", options(*_aes_params(X25519_SUITE),
                                                        in_data=(tmp_path / "wrapped.bin").read_bytes()))
    out, nonce, aad = _gcm_encrypt(ks, "k", b"x")
    assert AESGCM(secret).decrypt(nonce, out, aad) == b"x"


# ------------------------------------------------------------------------------ error cases


@pytest.fixture
def setup(ks: Keystore) -> Iterator[tuple[Keystore, bytes, list[bytes]]]:
    """A wrapping X25519 key and a valid wrapped AES-256 key for it (its 10 parts)."""
    public = _wrapping_key(ks, "wrapping", X25519_SUITE)
    in_data = wrapped.build_wrapped_key(X25519_SUITE, public, bytes(32))
    yield ks, in_data, parse_lv(in_data)
    assert not ks.has_key_item("new", options()), "a failed import left the alias behind"


def _import(ks: Keystore, in_data: bytes | None, params: list | None = None,  # type: ignore[type-arg]
            wrapping: str = "wrapping") -> None:
    ks.import_wrapped_key_item("new", wrapping, options(*(params if params is not None else
                                                          _aes_params(X25519_SUITE)), in_data=in_data))


def _with(parts: list[bytes], index: int, value: bytes) -> bytes:
    changed = list(parts)
    changed[index] = value
    return build_lv(changed)


def _flip(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 1])


def test_missing_suite_12000002(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, in_data, _ = setup
    with raises_code(12000002):
        _import(ks, in_data, _aes_params(None))


# suite 5 (SM2_SM4_ECB, tests/test_sm.py) with this X25519 wrapping key: the key does not fit the suite
@pytest.mark.parametrize(("suite", "code"), [(3, 12000003), (0, 12000003), (99, 12000003), (5, 12000003)])
def test_unknown_suite(setup: tuple[Keystore, bytes, list[bytes]], suite: int, code: int) -> None:
    ks, in_data, _ = setup
    with raises_code(code):
        _import(ks, in_data, _aes_params(suite))


def test_missing_wrapping_alias_12000011(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, in_data, _ = setup
    with raises_code(12000011):
        _import(ks, in_data, wrapping="no-such-key")


def test_missing_in_data_401(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, _, _ = setup
    for data in (None, b""):
        with raises_code(401):
            _import(ks, data)


@pytest.mark.parametrize("damage", ["truncated", "trailing", "nine-parts", "eleven-parts", "zero-length",
                                    "huge-length"])
def test_malformed_lv_401(setup: tuple[Keystore, bytes, list[bytes]], damage: str) -> None:
    ks, in_data, parts = setup
    bad = {
        "truncated": in_data[:-1],
        "trailing": in_data + b"\x00",
        "nine-parts": build_lv(parts[:9]),
        "eleven-parts": build_lv([*parts, b"x"]),
        "zero-length": struct.pack("<I", 0) + in_data,
        "huge-length": struct.pack("<I", 0xFFFFFFFF) + in_data[4:],
    }[damage]
    with raises_code(401):
        _import(ks, bad)


def test_duplicate_tag_401(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, in_data, _ = setup
    with raises_code(401):
        _import(ks, in_data, [*_aes_params(X25519_SUITE), P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES)])


@pytest.mark.parametrize(("suite", "purpose", "size"), [
    (X25519_SUITE, _PU.HUKS_KEY_PURPOSE_AGREE, 256),  # not UNWRAP
    (ECDH_SUITE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY, 256),  # not UNWRAP
    (ECDH_SUITE, _PU.HUKS_KEY_PURPOSE_UNWRAP, 384),  # the ECDH suite needs P-256 (a 32-byte secret)
])
def test_wrapping_key_not_for_unwrap_12000003(ks: Keystore, suite: int, purpose: int, size: int) -> None:
    public = _wrapping_key(ks, "w", suite, purpose, size)
    if size == 256 and suite == X25519_SUITE:
        in_data = wrapped.build_wrapped_key(suite, public, bytes(32))
    else:
        in_data = wrapped.build_wrapped_key(ECDH_SUITE, _wrapping_key(ks, "p256", ECDH_SUITE), bytes(32))
    with raises_code(12000003):
        _import(ks, in_data, _aes_params(suite), wrapping="w")
    assert not ks.has_key_item("new", options())


def test_suite_does_not_fit_the_wrapping_key_12000003(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, in_data, _ = setup
    with raises_code(12000003):
        _import(ks, in_data, _aes_params(ECDH_SUITE))  # an X25519 wrapping key with the ECDH suite


@pytest.mark.parametrize("index", [
    wrapped.PART_AGREE_AAD, wrapped.PART_AGREE_NONCE, wrapped.PART_AGREE_TAG, wrapped.PART_KEK_CT,
    wrapped.PART_KEK_AAD, wrapped.PART_KEK_NONCE, wrapped.PART_KEK_TAG, wrapped.PART_KEY_CT,
])
def test_tampered_part_12000006(setup: tuple[Keystore, bytes, list[bytes]], index: int) -> None:
    ks, _, parts = setup
    with raises_code(12000006):
        _import(ks, _with(parts, index, _flip(parts[index])))


def test_wrapped_for_another_key_12000006(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, _, _ = setup
    other = x25519.X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with raises_code(12000006):
        _import(ks, wrapped.build_wrapped_key(X25519_SUITE, other, bytes(32)))


def test_other_peer_public_key_12000006(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, _, parts = setup
    other = x25519.X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with raises_code(12000006):
        _import(ks, _with(parts, wrapped.PART_PEER_PUBLIC, other))


@pytest.mark.parametrize(("index", "value"), [
    (wrapped.PART_PEER_PUBLIC, bytes(31)),  # not a 32-byte X25519 key
    (wrapped.PART_AGREE_TAG, bytes(15)),  # a GCM tag is 16 bytes
    (wrapped.PART_KEK_TAG, bytes(17)),
    (wrapped.PART_KEK_CT, bytes(31)),  # the KEK is 32 bytes
    (wrapped.PART_KEY_LEN, bytes(3)),  # keyMaterialLen is a uint32
    (wrapped.PART_KEY_LEN, struct.pack("<I", 0)),
    (wrapped.PART_KEY_LEN, struct.pack("<I", 2049)),
    (wrapped.PART_KEY_LEN, struct.pack("<I", 31)),  # smaller than the 32-byte key material
    (wrapped.PART_AGREE_NONCE, bytes(7)),  # no GCM nonce is 7 bytes
])
def test_structural_faults_401(setup: tuple[Keystore, bytes, list[bytes]], index: int, value: bytes) -> None:
    ks, _, parts = setup
    with raises_code(401):
        _import(ks, _with(parts, index, value))


def test_ecdh_peer_not_spki_401(ks: Keystore) -> None:
    public = _wrapping_key(ks, "wrapping", ECDH_SUITE)
    parts = parse_lv(wrapped.build_wrapped_key(ECDH_SUITE, public, bytes(32)))
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for peer in (b"\x30" * 91, p384):
        with raises_code(401):
            _import(ks, _with(parts, wrapped.PART_PEER_PUBLIC, peer), _aes_params(ECDH_SUITE))
    assert not ks.has_key_item("new", options())


def test_imported_key_params(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, in_data, _ = setup
    with raises_code(12000002):  # ALGORITHM missing
        _import(ks, in_data, [P(_T.HUKS_TAG_KEY_SIZE, 256), P(_T.HUKS_TAG_PURPOSE, 3),
                              P(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, X25519_SUITE)])
    with raises_code(12000003):  # AES-100
        _import(ks, in_data, _aes_params(X25519_SUITE, size=100))
    with raises_code(401):  # the 32 bytes inside are not an AES-128 key
        _import(ks, in_data, _aes_params(X25519_SUITE, size=128))


def test_key_override_false_12000017(setup: tuple[Keystore, bytes, list[bytes]]) -> None:
    ks, in_data, _ = setup
    _import(ks, in_data)
    with raises_code(12000017):
        _import(ks, in_data, [*_aes_params(X25519_SUITE), P(_T.HUKS_TAG_KEY_OVERRIDE, False)])
    ks.delete_key_item("new", options())


# ------------------------------------------------------------------------------ the backend hook


class _HookBackend(SoftwareBackend):
    """The software backend with an ``import_wrapped`` hook that does everything itself (as a PKCS#11
    token would), or declines (returns None) when ``decline`` is set."""

    decline = False
    calls: ClassVar[list[tuple[int, int, KeySpec]]] = []

    def import_wrapped(self, wrapping_ref: bytes, wrapping_spec: KeySpec, suite: int, parts: list[bytes],
                       target: KeySpec, import_type: int | None) -> bytes | None:
        type(self).calls.append((suite, len(parts), target))
        if self.decline:
            return None
        from hukspy.software import engine
        from hukspy.spec import KeyMaterial, OpKind, OpSpec

        agree = OpSpec(OpKind.AGREE, alg=wrapped.SUITES[suite].agree_alg)
        op = engine.begin(wrapping_ref, wrapping_spec, agree)
        shared = op.finish(parts[wrapped.PART_PEER_PUBLIC])
        return engine.from_material(target, KeyMaterial(secret=wrapped.open_key_material(parts, shared)))


@pytest.mark.parametrize("decline", [False, True])
def test_backend_hook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, decline: bool) -> None:
    class Factory(SoftwareFactory):
        def open(self, location: str, *, home: str) -> SoftwareBackend:
            return _HookBackend(location)

    monkeypatch.setattr(keystore_module, "find_backend", lambda scheme: Factory())
    monkeypatch.setattr(_HookBackend, "decline", decline)
    monkeypatch.setattr(_HookBackend, "calls", [])
    with open_keystore(f"software:{tmp_path}") as ks:
        public = _wrapping_key(ks, "wrapping", X25519_SUITE)
        secret = bytes(range(32))
        ks.import_wrapped_key_item("k", "wrapping", options(
            *_aes_params(X25519_SUITE), in_data=wrapped.build_wrapped_key(X25519_SUITE, public, secret)))
        out, nonce, aad = _gcm_encrypt(ks, "k", b"hook")
        assert AESGCM(secret).decrypt(nonce, out, aad) == b"hook"
        assert _HookBackend.calls == [(X25519_SUITE, 10, KeySpec(alg=_A.HUKS_ALG_AES, size=256, purpose=3))]
        # the hook runs only after the HUKS checks: a missing suite never reaches it
        with raises_code(12000002):
            ks.import_wrapped_key_item("k2", "wrapping", options(*_aes_params(None), in_data=b"x"))
        assert len(_HookBackend.calls) == 1

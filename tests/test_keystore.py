"""API-level tests of the facade (``hukspy.Keystore`` and the module-level functions): opening and
closing, the default keystore, argument types, and the upstream error-code cases of huks-reference.md
§6.3, each named after the XTS case it mirrors.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import hukspy
from hukspy import (
    HuksAuthAccessType,
    HuksChallengeType,
    HuksCipherMode,
    HuksError,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksListAliasesReturnResult,
    HuksOptions,
    HuksParam,
    HuksReturnResult,
    HuksSessionHandle,
    HuksTag,
    HuksUserAuthType,
    Keystore,
)
from hukspy import keystore as keystore_module
from hukspy.enums import HuksKeySecurityLevel, HuksKeyStorageType
from hukspy.testing import P, options, raises_code, run_session

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_M = HuksCipherMode
_PAD = HuksKeyPadding
_D = HuksKeyDigest
_ENC_DEC = _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT
_SIGN_VERIFY = _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY


def _gen(alg: int, size: int, purpose: int, *extra: HuksParam) -> HuksOptions:
    return options(
        P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_KEY_SIZE, size), P(_T.HUKS_TAG_PURPOSE, purpose), *extra
    )


def _aes(ks: Keystore, alias: str = "aes", *extra: HuksParam) -> str:
    ks.generate_key_item(alias, _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, *extra))
    return alias


# ------------------------------------------------------------------------------ opening, closing


@pytest.mark.parametrize("uri", ["no-colon", "nosuchbackend:x", "software:/tmp/x?opt=1"])
def test_bad_uri_is_401(uri: str) -> None:
    with raises_code(401):
        Keystore(uri)


def test_non_str_uri_is_401() -> None:
    bad: object = b"software:"
    with raises_code(401):
        Keystore(bad)  # type: ignore[arg-type]


def test_keystore_is_a_context_manager_with_idempotent_close(tmp_path: Path) -> None:
    with Keystore(f"software:{tmp_path}") as ks:
        _aes(ks)
        assert ks.backend_name == "software"
    ks.close()
    ks.close()
    for call in (
        lambda: ks.has_key_item("aes", options()),
        lambda: ks.generate_key_item("x", _gen(_A.HUKS_ALG_AES, 128, _ENC_DEC)),
        lambda: ks.list_aliases(options()),
        lambda: ks.update_session(1, options()),
    ):
        with pytest.raises(HuksError) as info:
            call()
        assert info.value.code == 12000012, "a call on a closed keystore"
    with Keystore(f"software:{tmp_path}") as again:  # keys outlive the object
        assert again.has_key_item("aes", options())


def test_repr_shows_no_secret(keystore: Keystore) -> None:
    text = repr(keystore)
    assert "pin" not in text.lower()
    for secret in ("1234", "pin-value"):
        assert secret not in text


def test_importing_hukspy_loads_no_backend() -> None:
    code = (
        "import sys, hukspy; print(sorted(m for m in sys.modules if m.startswith(('hukspy.software', "
        "'hukspy_pkcs11', 'hukspy_tpm2', 'pkcs11', 'tpm2_pytss', 'sqlite3'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------------------ the default keystore


@pytest.fixture
def fresh_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A private HUKSPY_HOME and no cached default keystore."""
    home = tmp_path / "home"
    monkeypatch.setenv("HUKSPY_HOME", str(home))
    monkeypatch.delenv("HUKSPY_KEYSTORE", raising=False)
    old = keystore_module._default
    keystore_module._default = None
    try:
        yield home
    finally:
        if keystore_module._default is not None:
            keystore_module._default.close()
        keystore_module._default = old


def test_module_functions_use_the_default_keystore_under_hukspy_home(fresh_default: Path) -> None:
    hukspy.generate_key_item("module-level", _gen(_A.HUKS_ALG_AES, 128, _ENC_DEC))
    assert hukspy.has_key_item("module-level", options())
    assert hukspy.default_keystore().has_key_item("module-level", options())
    assert "module-level" in hukspy.list_aliases(options()).key_aliases
    assert any(p.name == "master.key" for p in fresh_default.rglob("*")), "keys must live under HUKSPY_HOME"
    h = hukspy.init_session(
        "module-level",
        options(
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
            P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_ECB),
            P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
        ),
    )
    assert len(hukspy.finish_session(h, options(in_data=bytes(16))).out_data) == 16
    hukspy.delete_key_item("module-level", options())
    assert hukspy.get_sdk_version(options()) == "2.0.0.5"


def test_default_keystore_follows_hukspy_keystore(
    fresh_default: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("HUKSPY_KEYSTORE", f"software:{target}")
    hukspy.generate_key_item("there", _gen(_A.HUKS_ALG_AES, 128, _ENC_DEC))
    assert any(p.name == "master.key" for p in target.rglob("*"))
    assert not fresh_default.exists() or not any(fresh_default.rglob("master.key"))


def test_hukspy_home_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUKSPY_HOME", "/a/b")
    assert keystore_module.hukspy_home() == "/a/b"
    monkeypatch.delenv("HUKSPY_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", "/xdg")
    assert keystore_module.hukspy_home() == "/xdg/hukspy"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert keystore_module.hukspy_home() == str(Path.home() / ".local" / "share" / "hukspy")


def test_the_test_session_never_uses_the_real_home() -> None:
    """conftest points HUKSPY_HOME at a temp directory for the whole session."""
    assert "hukspy-test-home" in keystore_module.hukspy_home()


# ------------------------------------------------------------------------------ types and results


def test_plain_ints_work_like_enums(software_keystore: Keystore) -> None:
    software_keystore.generate_key_item(
        "ints", HuksOptions([HuksParam(0x20000001, 20), HuksParam(0x20000003, 128), HuksParam(0x20000002, 3)])
    )
    props = software_keystore.get_key_item_properties("ints", options()).properties or []
    values = {int(p.tag): p.value for p in props}
    assert values[int(_T.HUKS_TAG_ALGORITHM)] == 20 and values[int(_T.HUKS_TAG_KEY_SIZE)] == 128


@pytest.mark.parametrize(
    "param",
    [
        HuksParam(_T.HUKS_TAG_KEY_SIZE, True),  # bool where an int is expected
        HuksParam(_T.HUKS_TAG_KEY_SIZE, -1),  # UINT out of range
        HuksParam(_T.HUKS_TAG_KEY_SIZE, 2**32),
        HuksParam(_T.HUKS_TAG_KEY_OVERRIDE, 1),  # int where a bool is expected
        HuksParam(_T.HUKS_TAG_IV, "text"),  # type: ignore[arg-type]  # str where bytes are expected
        HuksParam(0x2000FFFF, 1),  # unknown tag
        HuksParam(_T.HUKS_TAG_KEY_SIZE, 1.0),  # type: ignore[arg-type]
    ],
    ids=[
        "bool-for-uint",
        "uint-negative",
        "uint-too-big",
        "int-for-bool",
        "str-for-bytes",
        "unknown-tag",
        "float",
    ],
)
def test_wrong_value_type_is_401(software_keystore: Keystore, param: HuksParam) -> None:
    with raises_code(401):
        software_keystore.generate_key_item(
            "t",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                P(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
                *([] if param.tag == _T.HUKS_TAG_KEY_SIZE else [P(_T.HUKS_TAG_KEY_SIZE, 128)]),
                param,
            ),
        )
    assert not software_keystore.has_key_item("t", options())


def test_bytes_like_values_and_in_data_are_accepted(software_keystore: Keystore) -> None:
    key = os.urandom(32)
    software_keystore.import_key_item(
        "bl",
        HuksOptions(
            [
                HuksParam(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                HuksParam(_T.HUKS_TAG_KEY_SIZE, 256),
                HuksParam(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
            ],
            memoryview(key),
        ),
    )
    nonce = bytearray(os.urandom(12))
    init = [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
        P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_GCM),
        P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
        HuksParam(_T.HUKS_TAG_NONCE, nonce),  # type: ignore[arg-type]  # bytes-like
    ]
    h = software_keystore.init_session("bl", options(*init)).handle
    out = software_keystore.finish_session(h, HuksOptions(in_data=bytearray(b"hello"))).out_data
    assert out == AESGCM(key).encrypt(bytes(nonce), b"hello", None)


def test_aad_wins_over_associated_data(software_keystore: Keystore) -> None:
    """NAPI: with both ASSOCIATED_DATA and AAD (527) in the options, only AAD is used."""
    key = os.urandom(32)
    software_keystore.import_key_item(
        "gcm",
        HuksOptions(
            [
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
            ],
            key,
        ),
    )
    nonce = os.urandom(12)
    init = [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
        P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_GCM),
        P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
        P(_T.HUKS_TAG_NONCE, nonce),
        P(_T.HUKS_TAG_ASSOCIATED_DATA, b"old-aad"),
        P(_T.HUKS_TAG_AAD, b"new-aad"),
    ]
    out = run_session(software_keystore, "gcm", init, [b"data"])
    assert out == AESGCM(key).encrypt(nonce, b"data", b"new-aad")


def test_results_are_result_objects(software_keystore: Keystore) -> None:
    assert software_keystore.list_aliases(options()) == HuksListAliasesReturnResult([])
    _aes(software_keystore)
    init = options(
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
        P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_CBC),
        P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
        P(_T.HUKS_TAG_IV, bytes(16)),
    )
    session = software_keystore.init_session("aes", init)
    assert isinstance(session, HuksSessionHandle) and session.challenge is None
    r = software_keystore.update_session(session, options(in_data=b"123"))  # not a whole block yet
    assert isinstance(r, HuksReturnResult) and r.out_data == b"" and r.properties is None
    r = software_keystore.update_session(session.handle, options(in_data=b"4" * 13))
    assert len(r.out_data) == 16
    r = software_keystore.finish_session(session.handle, options())
    assert isinstance(r, HuksReturnResult) and r.out_data == b""


@pytest.mark.parametrize("handle", [True, -1, 2**64, "1", None, 1.0])
def test_bad_handle_type_is_401(software_keystore: Keystore, handle: object) -> None:
    for call in (software_keystore.update_session, software_keystore.finish_session):
        with raises_code(401):
            call(handle, options())  # type: ignore[arg-type]
    with raises_code(401):
        software_keystore.abort_session(handle, options())  # type: ignore[arg-type]


def test_properties_hold_no_key_material(software_keystore: Keystore) -> None:
    key = os.urandom(32)
    software_keystore.import_key_item(
        "secret",
        options(
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HMAC),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
            P(_T.HUKS_TAG_PURPOSE, 128),
            P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256),
            in_data=key,
        ),
    )
    props = software_keystore.get_key_item_properties("secret", options()).properties or []
    assert props, "properties must list the key's params"
    for p in props:
        assert not (isinstance(p.value, bytes) and key in p.value)
        assert p.tag not in (
            _T.HUKS_TAG_KEY,
            _T.HUKS_TAG_SYMMETRIC_KEY_DATA,
            _T.HUKS_TAG_ASYMMETRIC_PRIVATE_KEY_DATA,
        )
    assert key.hex() not in repr(props)


def test_huks_param_repr_redacts_secrets() -> None:
    token = b"\x01\x02secret-token-bytes"
    for tag in (_T.HUKS_TAG_AUTH_TOKEN, _T.HUKS_TAG_KEY, _T.HUKS_TAG_SYMMETRIC_KEY_DATA):
        text = repr(HuksParam(tag, token))
        assert "secret-token" not in text and token.hex() not in text


# ------------------------------------------------------------------------------ upstream cases (§6.3)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ([P(_T.HUKS_TAG_KEY_SIZE, 256), P(_T.HUKS_TAG_PURPOSE, _ENC_DEC)], 12000002),  # ALGORITHM missing
        (
            [P(_T.HUKS_TAG_ALGORITHM, 4), P(_T.HUKS_TAG_KEY_SIZE, 256), P(_T.HUKS_TAG_PURPOSE, _ENC_DEC)],
            12000003,
        ),  # XTS: ALGORITHM=4
        (
            [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_KEY_SIZE, 256)],
            12000002,
        ),  # PURPOSE missing
        (
            [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_PURPOSE, _ENC_DEC)],
            12000002,
        ),  # KEY_SIZE missing
        (
            [
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                P(_T.HUKS_TAG_KEY_SIZE, 100),
                P(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
            ],
            12000003,
        ),  # bad size
        (
            [
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_SIGN),
            ],
            12000003,
        ),  # 2 classes
        (
            [
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
                P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_CTR),
                P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_PKCS7),
            ],
            12000003,
        ),
        (
            [P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES)],
            401,
        ),  # duplicate
    ],
    ids=["no-alg", "alg-4", "no-purpose", "no-size", "bad-size", "two-classes", "ctr-pkcs7", "duplicate-tag"],
)
def test_generate_validation_codes(software_keystore: Keystore, params: list[HuksParam], code: int) -> None:
    """huks-reference.md §4.1 in order: 401, ALGORITHM, PURPOSE, KEY_SIZE (12000002), values (12000003)."""
    with raises_code(code):
        software_keystore.generate_key_item("v", options(*params))
    assert not software_keystore.has_key_item("v", options())


@pytest.mark.parametrize(
    ("size", "ok"), [(1032, True), (2040, True), (1016, False), (1025, False), (2056, False)]
)
def test_rsa_flexible_sizes(software_keystore: Keystore, size: int, ok: bool) -> None:
    """XTS CipherRSA (api12): 1032 and 2040 succeed; 1016, 1025 and 2056 give 12000003."""
    opts = _gen(_A.HUKS_ALG_RSA, size, _SIGN_VERIFY)
    if ok:
        software_keystore.generate_key_item("rsa", opts)
        exported = software_keystore.export_key_item("rsa", options()).out_data
        from cryptography.hazmat.primitives.serialization import load_der_public_key

        assert load_der_public_key(exported).key_size == size  # type: ignore[union-attr]
    else:
        with raises_code(12000003):
            software_keystore.generate_key_item("rsa", opts)


def test_import_wrong_length_is_401(software_keystore: Keystore) -> None:
    """XTS Import_API16_0800: key bytes whose length is not KEY_SIZE/8 → 401."""
    with raises_code(401):
        software_keystore.import_key_item(
            "imp",
            HuksOptions(
                [
                    P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
                    P(_T.HUKS_TAG_KEY_SIZE, 256),
                    P(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
                ],
                os.urandom(16),
            ),
        )
    with raises_code(401):
        software_keystore.import_key_item(
            "imp",
            HuksOptions(
                [
                    P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_DES),
                    P(_T.HUKS_TAG_KEY_SIZE, 128),
                    P(_T.HUKS_TAG_PURPOSE, _ENC_DEC),
                ],
                os.urandom(8),
            ),
        )


def _init(alg: int, purpose: int, *extra: HuksParam) -> HuksOptions:
    return options(P(_T.HUKS_TAG_ALGORITHM, alg), P(_T.HUKS_TAG_PURPOSE, purpose), *extra)


def test_init_without_algorithm_or_purpose_is_401(software_keystore: Keystore) -> None:
    """huks-reference.md §4.3: init must carry ALGORITHM and PURPOSE (-3 → 401)."""
    _aes(software_keystore)
    with raises_code(401):
        software_keystore.init_session("aes", options(P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT)))
    with raises_code(401):
        software_keystore.init_session("aes", options(P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES)))


def test_sign_init_without_digest_is_401(software_keystore: Keystore) -> None:
    software_keystore.generate_key_item("ecc", _gen(_A.HUKS_ALG_ECC, 256, _SIGN_VERIFY))
    with raises_code(401):
        software_keystore.init_session("ecc", _init(_A.HUKS_ALG_ECC, _PU.HUKS_KEY_PURPOSE_SIGN))


def test_sign_extend_3300_digest_unequal_to_the_key_is_401(software_keystore: Keystore) -> None:
    """XTS SignExtend_3300: an ECC key with DIGEST_NONE initialised with SHA384 → 401."""
    software_keystore.generate_key_item(
        "ecc", _gen(_A.HUKS_ALG_ECC, 256, _SIGN_VERIFY, P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_NONE))
    )
    with raises_code(401):
        software_keystore.init_session(
            "ecc",
            _init(_A.HUKS_ALG_ECC, _PU.HUKS_KEY_PURPOSE_SIGN, P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA384)),
        )


def test_sign_extend_0500_padding_missing_at_init_is_401(software_keystore: Keystore) -> None:
    """XTS SignExtend_0500: an RSA key generated with PKCS1_V1_5, init without PADDING → 401."""
    software_keystore.generate_key_item(
        "rsa",
        _gen(
            _A.HUKS_ALG_RSA,
            1024,
            _SIGN_VERIFY,
            P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_PKCS1_V1_5),
            P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256),
        ),
    )
    with raises_code(401):
        software_keystore.init_session(
            "rsa",
            _init(_A.HUKS_ALG_RSA, _PU.HUKS_KEY_PURPOSE_SIGN, P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256)),
        )


def test_access_control_0400_purpose_misuse(software_keystore: Keystore) -> None:
    """XTS AccessControl_0400: an RSA SIGN key initialised with MAC → 12000003; for ENCRYPT → 401."""
    software_keystore.generate_key_item("rsa", _gen(_A.HUKS_ALG_RSA, 1024, _PU.HUKS_KEY_PURPOSE_SIGN))
    with raises_code(12000003):
        software_keystore.init_session(
            "rsa",
            _init(_A.HUKS_ALG_RSA, _PU.HUKS_KEY_PURPOSE_MAC, P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256)),
        )
    with raises_code(401):
        software_keystore.init_session(
            "rsa",
            _init(
                _A.HUKS_ALG_RSA,
                _PU.HUKS_KEY_PURPOSE_ENCRYPT,
                P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_PKCS1_V1_5),
            ),
        )


def test_access_control_0100_agree_on_a_signing_key_is_12000003(software_keystore: Keystore) -> None:
    """XTS AccessControl_0100 (DSA key initialised with AGREE → 12000003), with an ECC signing key."""
    software_keystore.generate_key_item("ecc", _gen(_A.HUKS_ALG_ECC, 256, _SIGN_VERIFY))
    with raises_code(12000003):
        software_keystore.init_session(
            "ecc", _init(_A.HUKS_ALG_X25519, _PU.HUKS_KEY_PURPOSE_AGREE, P(_T.HUKS_TAG_KEY_SIZE, 256))
        )


def test_sign_extend_1400_aes_key_without_mode_works_with_gcm(software_keystore: Keystore) -> None:
    """XTS SignExtend_1400: an AES key generated without BLOCK_MODE can be used with GCM."""
    _aes(software_keystore)
    out = run_session(
        software_keystore,
        "aes",
        [
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
            P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_GCM),
            P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
            P(_T.HUKS_TAG_NONCE, bytes(12)),
        ],
        [b"abc"],
    )
    assert len(out) == 3 + 16


def test_sign_extend_2900_padding_unequal_to_the_key_is_401(software_keystore: Keystore) -> None:
    """XTS SignExtend_2900: an SM4 key with PADDING NONE initialised with PKCS1_V1_5 → 401."""
    software_keystore.generate_key_item(
        "sm4",
        _gen(
            _A.HUKS_ALG_SM4,
            128,
            _ENC_DEC,
            P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
            P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_ECB),
        ),
    )
    with raises_code(401):
        software_keystore.init_session(
            "sm4",
            _init(
                _A.HUKS_ALG_SM4,
                _PU.HUKS_KEY_PURPOSE_ENCRYPT,
                P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_PKCS1_V1_5),
                P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_ECB),
            ),
        )


def test_anon_attestation_0014_symmetric_key_is_401(software_keystore: Keystore) -> None:
    """XTS Cipher_AnonAttestation_0014: anonymous attestation of a symmetric key → 401."""
    _aes(software_keystore)
    with raises_code(401):
        software_keystore.anon_attest_key_item("aes", options())
    with raises_code(401):
        software_keystore.attest_key_item("aes", options())


def test_unsupported_is_12000001(software_keystore: Keystore) -> None:
    """What the software keystore cannot do (DSA-1536: HUKS allows the size, the engine has
    1024/2048/3072) raises 12000001 and is absent from capabilities()."""
    caps = software_keystore.capabilities()
    assert caps.key(_A.HUKS_ALG_DSA, 1536) is None
    with raises_code(12000001):
        software_keystore.generate_key_item("dsa", _gen(_A.HUKS_ALG_DSA, 1536, _SIGN_VERIFY))
    assert not software_keystore.has_key_item("dsa", options())


def test_abort_then_the_same_handle_is_gone(software_keystore: Keystore) -> None:
    _aes(software_keystore)
    h = software_keystore.init_session(
        "aes",
        _init(
            _A.HUKS_ALG_AES,
            _PU.HUKS_KEY_PURPOSE_ENCRYPT,
            P(_T.HUKS_TAG_BLOCK_MODE, _M.HUKS_MODE_ECB),
            P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
        ),
    )
    software_keystore.abort_session(h, options())
    with raises_code(12000011):
        software_keystore.finish_session(h, options(in_data=bytes(16)))


# ------------------------------------------------------------------------------ user authentication

_USER_AUTH = (
    P(_T.HUKS_TAG_USER_AUTH_TYPE, HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN),
    P(_T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD),
    P(_T.HUKS_TAG_CHALLENGE_TYPE, HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL),
)


def test_a_user_auth_key_is_never_created_without_user_authentication(software_keystore: Keystore) -> None:
    """XTS ErrorCode_2800/3400: a device with no enrolled credential answers 12000013 to generate and
    import of a key with USER_AUTH_TYPE; hukspy has no user authentication, so it always does, and the
    alias stays absent (a key created anyway would be usable with no authentication at all)."""
    ks = software_keystore
    gcm = (
        P(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_GCM),
        P(_T.HUKS_TAG_PADDING, _PAD.HUKS_PADDING_NONE),
    )
    with raises_code(12000013):
        ks.generate_key_item("ua", _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, *gcm, *_USER_AUTH))
    opts = _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, *gcm, *_USER_AUTH)
    with raises_code(12000013):
        ks.import_key_item("ua", HuksOptions(properties=opts.properties, in_data=bytes(32)))
    assert not ks.has_key_item("ua", HuksOptions())
    with raises_code(12000016):
        ks.generate_key_item(
            "pw", _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, *gcm, P(_T.HUKS_TAG_IS_DEVICE_PASSWORD_SET, True))
        )
    assert not ks.has_key_item("pw", HuksOptions())
    # An invalid user-auth param set is still 401 first (HksCheckUserAuthParams), as upstream.
    with raises_code(401):
        ks.generate_key_item("ua", _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, *gcm, *_USER_AUTH[:1]))


# ------------------------------------------------------------------------------ issue 11, item 9

_SE = P(_T.HUKS_TAG_KEY_SECURITY_LEVEL, HuksKeySecurityLevel.HUKS_KEY_SECURITY_LEVEL_SE)
_TEE = P(_T.HUKS_TAG_KEY_SECURITY_LEVEL, HuksKeySecurityLevel.HUKS_KEY_SECURITY_LEVEL_TEE)


def test_item9_security_level_se_on_the_software_keystore_is_12000026(software_keystore: Keystore) -> None:
    """The software keystore has no secure element: a key asking for SE is refused with 12000026 (generate,
    import, and a derived key to store), nothing is stored; TEE is accepted; another value is 401."""
    ks = software_keystore
    with raises_code(12000026) as info:
        ks.generate_key_item("se", _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, _SE))
    assert "secure element is not available" in info.value.message
    assert not ks.has_key_item("se", options())
    with raises_code(12000026):
        imported = _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, _SE)
        ks.import_key_item("se", HuksOptions(imported.properties, in_data=os.urandom(32)))
    assert not ks.has_key_item("se", options())

    derive = _PU.HUKS_KEY_PURPOSE_DERIVE
    base = _gen(_A.HUKS_ALG_AES, 256, derive, P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256))
    ks.generate_key_item("base", base)
    init = options(P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_HKDF), P(_T.HUKS_TAG_PURPOSE, derive),
                   P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256), P(_T.HUKS_TAG_DERIVE_KEY_SIZE, 32))
    store = (P(_T.HUKS_TAG_KEY_ALIAS, b"derived-se"),
             P(_T.HUKS_TAG_KEY_STORAGE_FLAG, HuksKeyStorageType.HUKS_STORAGE_PERSISTENT),
             P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES), P(_T.HUKS_TAG_KEY_SIZE, 256),
             P(_T.HUKS_TAG_PURPOSE, _ENC_DEC), _SE)
    h = ks.init_session("base", init)
    with raises_code(12000026):
        ks.finish_session(h, options(*store))
    assert not ks.has_key_item("derived-se", options())

    ks.generate_key_item("tee", _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, _TEE))
    props = ks.get_key_item_properties("tee", options()).properties or []
    assert any(p.tag == _T.HUKS_TAG_KEY_SECURITY_LEVEL and p.value == 0 for p in props)
    with raises_code(401):
        ks.generate_key_item(
            "bad", _gen(_A.HUKS_ALG_AES, 256, _ENC_DEC, P(_T.HUKS_TAG_KEY_SECURITY_LEVEL, 5))
        )

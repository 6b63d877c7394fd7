"""SM2 and SM3 keys (issue 15) on the software keystore: generate, import, export, sign/verify with SM3
(Z_A with the default ID) and without a digest, encrypt/decrypt, HMAC-SM3, and interoperability with
independent implementations: the ``openssl`` command for SM2 (both ways), pyca's HMAC with SM3 for SM3
keys. Bad input gets upstream's codes (docs/decisions.md, "SM2 and SM3")."""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hukspy import (
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksParam,
    HuksTag,
    HuksUnwrapSuite,
    Keystore,
)
from hukspy.enums import HuksImportKeyType
from hukspy.formats import build_lv, parse_lv
from hukspy.software import sm2
from hukspy.testing import P, options, raises_code, run_session, sm2ref

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_D = HuksKeyDigest
_SM2 = _A.HUKS_ALG_SM2
_SIGN = _PU.HUKS_KEY_PURPOSE_SIGN
_VERIFY = _PU.HUKS_KEY_PURPOSE_VERIFY
_ENC = _PU.HUKS_KEY_PURPOSE_ENCRYPT
_DEC = _PU.HUKS_KEY_PURPOSE_DECRYPT
_DISTID = "distid:1234567812345678"
_MESSAGE = b"SM2 interop message " * 5


def _gen_sm2(ks: Keystore, alias: str, purpose: int, digest: int | None = _D.HUKS_DIGEST_SM3) -> None:
    extra = [P(_T.HUKS_TAG_DIGEST, digest)] if digest is not None else []
    ks.generate_key_item(
        alias,
        options(
            P(_T.HUKS_TAG_ALGORITHM, _SM2),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
            P(_T.HUKS_TAG_PURPOSE, purpose),
            *extra,
        ),
    )


def _op(purpose: int, digest: int | None = _D.HUKS_DIGEST_SM3) -> list[HuksParam]:
    ps: list[HuksParam] = [P(_T.HUKS_TAG_ALGORITHM, _SM2), P(_T.HUKS_TAG_PURPOSE, purpose)]
    if digest is not None:
        ps.append(P(_T.HUKS_TAG_DIGEST, digest))
    return ps


def _sign(ks: Keystore, alias: str, message: bytes, digest: int = _D.HUKS_DIGEST_SM3) -> bytes:
    return run_session(ks, alias, _op(_SIGN, digest), [message[:7], message[7:]])


def _verify(ks: Keystore, alias: str, message: bytes, sig: bytes, digest: int = _D.HUKS_DIGEST_SM3) -> None:
    run_session(ks, alias, _op(_VERIFY, digest), [message], finish=sig)


def _import_public(ks: Keystore, alias: str, spki: bytes, purpose: int) -> None:
    ks.import_key_item(
        alias,
        options(
            P(_T.HUKS_TAG_ALGORITHM, _SM2),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
            P(_T.HUKS_TAG_PURPOSE, purpose),
            P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SM3),
            P(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY),
            in_data=spki,
        ),
    )


def _export(ks: Keystore, alias: str) -> bytes:
    out = ks.export_key_item(alias, options()).out_data
    assert out is not None
    return out


def _openssl(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=False)


def _der(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the value, its length) of the DER element at ``at`` (short or 1-byte long form)."""
    tag, length, start = data[at], data[at + 1], at + 2
    if length == 0x81:
        length, start = data[at + 2], at + 3
    return tag, start, length


def _c1c3c2(ct: bytes) -> tuple[int, int]:
    """The lengths of C3 and C2 in SEQUENCE {x INTEGER, y INTEGER, C3 OCTET STRING, C2 OCTET STRING}."""
    tag, at, length = _der(ct, 0)
    assert tag == 0x30 and at + length == len(ct)
    lengths = []
    for expected in (0x02, 0x02, 0x04, 0x04):
        tag, start, size = _der(ct, at)
        assert tag == expected
        lengths.append(size)
        at = start + size
    assert at == len(ct)
    return lengths[2], lengths[3]


@pytest.fixture
def openssl_key(tmp_path: Path, openssl_cli: str) -> tuple[Path, Path]:
    """An SM2 key made by the openssl command: (private PEM, public SPKI DER)."""
    priv, pub = tmp_path / "sm2.pem", tmp_path / "sm2.pub.der"
    assert _openssl("genpkey", "-algorithm", "SM2", "-out", str(priv)).returncode == 0
    assert _openssl("pkey", "-in", str(priv), "-pubout", "-outform", "DER", "-out", str(pub)).returncode == 0
    return priv, pub


def test_sm2_export_is_the_spki_openssl_reads(
    software_keystore: Keystore, tmp_path: Path, openssl_cli: str
) -> None:
    _gen_sm2(software_keystore, "k", _SIGN | _VERIFY)
    spki = _export(software_keystore, "k")
    assert len(spki) == 91 and spki.startswith(
        bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d")
    )
    (tmp_path / "p.der").write_bytes(spki)
    text = _openssl("pkey", "-pubin", "-inform", "DER", "-in", str(tmp_path / "p.der"), "-text", "-noout")
    assert text.returncode == 0 and b"SM2" in text.stdout


def test_sm2_hukspy_signs_openssl_verifies(
    software_keystore: Keystore, tmp_path: Path, openssl_cli: str
) -> None:
    _gen_sm2(software_keystore, "k", _SIGN | _VERIFY)
    sig = _sign(software_keystore, "k", _MESSAGE)
    (tmp_path / "p.der").write_bytes(_export(software_keystore, "k"))
    (tmp_path / "m").write_bytes(_MESSAGE)
    (tmp_path / "s").write_bytes(sig)
    base = [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-keyform",
        "DER",
        "-inkey",
        str(tmp_path / "p.der"),
        "-rawin",
        "-digest",
        "sm3",
        "-in",
        str(tmp_path / "m"),
        "-sigfile",
        str(tmp_path / "s"),
    ]
    ok = _openssl(*base, "-pkeyopt", _DISTID)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "m").write_bytes(_MESSAGE + b"!")
    assert _openssl(*base, "-pkeyopt", _DISTID).returncode != 0


def test_sm2_openssl_signs_hukspy_verifies(
    software_keystore: Keystore, tmp_path: Path, openssl_key: tuple[Path, Path]
) -> None:
    priv, pub = openssl_key
    (tmp_path / "m").write_bytes(_MESSAGE)
    signed = _openssl(
        "pkeyutl",
        "-sign",
        "-inkey",
        str(priv),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        _DISTID,
        "-in",
        str(tmp_path / "m"),
    )
    assert signed.returncode == 0, signed.stderr
    _import_public(software_keystore, "peer", pub.read_bytes(), _VERIFY)
    _verify(software_keystore, "peer", _MESSAGE, signed.stdout)
    with raises_code(12000006):
        _verify(software_keystore, "peer", _MESSAGE + b"!", signed.stdout)


def test_sm2_hukspy_encrypts_openssl_decrypts(
    software_keystore: Keystore, tmp_path: Path, openssl_key: tuple[Path, Path]
) -> None:
    priv, pub = openssl_key
    _import_public(software_keystore, "peer", pub.read_bytes(), _ENC)
    ct = run_session(software_keystore, "peer", _op(_ENC), [b"plain", b"text"])
    assert _c1c3c2(ct) == (32, 9)  # GM/T 0009 DER: C3 is an SM3 hash, C2 as long as the plaintext
    out = _openssl("pkeyutl", "-decrypt", "-inkey", str(priv), data=ct)
    assert out.returncode == 0 and out.stdout == b"plaintext"


def test_sm2_openssl_encrypts_hukspy_decrypts(
    software_keystore: Keystore, tmp_path: Path, openssl_cli: str
) -> None:
    _gen_sm2(software_keystore, "k", _ENC | _DEC)
    (tmp_path / "p.der").write_bytes(_export(software_keystore, "k"))
    ct = _openssl(
        "pkeyutl",
        "-encrypt",
        "-pubin",
        "-keyform",
        "DER",
        "-inkey",
        str(tmp_path / "p.der"),
        data=b"from openssl",
    )
    assert ct.returncode == 0, ct.stderr
    assert run_session(software_keystore, "k", _op(_DEC), [ct.stdout]) == b"from openssl"
    with raises_code(12000006):  # truncated ciphertext: upstream CRYPTO_ENGINE_ERROR
        run_session(software_keystore, "k", _op(_DEC), [ct.stdout[:-1]])
    altered = bytearray(ct.stdout)
    altered[-1] ^= 1
    with raises_code(12000006):  # C3 does not match
        run_session(software_keystore, "k", _op(_DEC), [bytes(altered)])


def test_sm2_padding_other_than_none_is_12000003(software_keystore: Keystore) -> None:
    _gen_sm2(software_keystore, "k", _ENC | _DEC)
    bad = [*_op(_ENC), P(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS7)]
    with raises_code(12000003):
        run_session(software_keystore, "k", bad, [b"x"])


def test_sm2_digest_none_signs_the_32_byte_value(software_keystore: Keystore) -> None:
    _gen_sm2(software_keystore, "k", _SIGN | _VERIFY, digest=_D.HUKS_DIGEST_NONE)
    e = bytes(range(32))
    sig = _sign(software_keystore, "k", e, _D.HUKS_DIGEST_NONE)
    _verify(software_keystore, "k", e, sig, _D.HUKS_DIGEST_NONE)
    point = sm2.parse_spki(_export(software_keystore, "k"))
    sm2.verify_digest(point, e, sig)  # the binding's one-shot verify agrees
    with raises_code(401):  # upstream: digest NONE but the input is not an SM3 digest → INVALID_ARGUMENT
        _sign(software_keystore, "k", e + b"x", _D.HUKS_DIGEST_NONE)


def test_sm2_key_pair_import_round_trip(software_keystore: Keystore) -> None:
    scalar, point = sm2.generate()
    header = struct.pack("<5I", _SM2, 256, 32, 32, 32)
    material = header + point[1:33] + point[33:] + scalar
    base = [
        P(_T.HUKS_TAG_ALGORITHM, _SM2),
        P(_T.HUKS_TAG_KEY_SIZE, 256),
        P(_T.HUKS_TAG_PURPOSE, _SIGN),
        P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SM3),
    ]
    pair = P(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)
    software_keystore.import_key_item("pair", options(*base, pair, in_data=material))
    assert sm2.parse_spki(_export(software_keystore, "pair")) == point
    verifier = sm2.Verifier(point)
    verifier.update(_MESSAGE)
    verifier.finish(_sign(software_keystore, "pair", _MESSAGE))
    # PRIVATE_KEY without the point: the public half is derived
    priv = P(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY)
    software_keystore.import_key_item(
        "priv", options(*base, priv, in_data=struct.pack("<5I", _SM2, 256, 0, 0, 32) + scalar)
    )
    assert sm2.parse_spki(_export(software_keystore, "priv")) == point
    # a pair whose point is another key's: 401
    other = sm2.generate()[1]
    with raises_code(401):
        software_keystore.import_key_item(
            "bad", options(*base, pair, in_data=header + other[1:33] + other[33:] + scalar)
        )
    with raises_code(401):  # truncated material
        software_keystore.import_key_item("bad", options(*base, pair, in_data=material[:-1]))
    with raises_code(401):  # a point off the curve
        off = header + point[1:33] + bytes(32) + scalar
        software_keystore.import_key_item("bad", options(*base, pair, in_data=off))


def test_sm2_import_purposes_and_sizes(software_keystore: Keystore, openssl_key: tuple[Path, Path]) -> None:
    _, pub = openssl_key
    with raises_code(12000003):  # a public SM2 key may VERIFY or ENCRYPT only (CheckImportMutableParams)
        _import_public(software_keystore, "p", pub.read_bytes(), _SIGN)
    with raises_code(401):  # a truncated SPKI
        _import_public(software_keystore, "p", pub.read_bytes()[:-1], _VERIFY)
    with raises_code(12000003):  # KEY_SIZE other than 256
        software_keystore.generate_key_item(
            "g",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _SM2),
                P(_T.HUKS_TAG_KEY_SIZE, 384),
                P(_T.HUKS_TAG_PURPOSE, _SIGN | _VERIFY),
                P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SM3),
            ),
        )
    with raises_code(12000003):  # SM2 cannot MAC (g_invalidPurpose)
        software_keystore.generate_key_item(
            "g",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _SM2),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
                P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SM3),
            ),
        )


@pytest.mark.parametrize("size", [128, 256, 512])
def test_sm3_key_hmac_matches_pyca(software_keystore: Keystore, size: int) -> None:
    key = bytes(range(size // 8))
    mac_params = [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM3),
        P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
        P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SM3),
    ]
    software_keystore.import_key_item("sm3", options(*mac_params, P(_T.HUKS_TAG_KEY_SIZE, size), in_data=key))
    out = run_session(software_keystore, "sm3", mac_params, [b"abc", b"def"])
    reference = hmac.HMAC(key, hashes.SM3())
    reference.update(b"abcdef")
    assert out == reference.finalize()
    software_keystore.generate_key_item("gen", options(*mac_params, P(_T.HUKS_TAG_KEY_SIZE, size)))
    assert len(run_session(software_keystore, "gen", mac_params, [b"x"])) == 32


def test_sm3_key_bad_digest_and_purpose(software_keystore: Keystore) -> None:
    with raises_code(12000003):  # an SM3 key takes DIGEST_SM3 only
        software_keystore.generate_key_item(
            "k",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM3),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
                P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SHA256),
            ),
        )
    with raises_code(12000003):  # an SM3 key is MAC only
        software_keystore.generate_key_item(
            "k",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM3),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _ENC),
                P(_T.HUKS_TAG_DIGEST, _D.HUKS_DIGEST_SM3),
            ),
        )


# ------------------------------------------------------------------------------ suite 5 (SM2_SM4_ECB)

_SUITE5 = P(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, HuksUnwrapSuite.HUKS_UNWRAP_SUITE_SM2_SM4_ECB_NOPADDING)
_AES_ENC_DEC = [
    P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
    P(_T.HUKS_TAG_KEY_SIZE, 256),
    P(_T.HUKS_TAG_PURPOSE, _ENC | _DEC),
]


def _envelope(wrapping_spki: bytes, key: bytes, kek: bytes | None = None) -> bytes:
    """What a server sends for suite 5: LV(SM2 ciphertext of the SM4 KEK) ‖ LV(SM4-ECB(KEK, key))."""
    kek = kek if kek is not None else os.urandom(16)
    enc = Cipher(algorithms.SM4(kek), modes.ECB()).encryptor()  # noqa: S305 - the suite's ECB
    return build_lv([sm2ref.encrypt(sm2.parse_spki(wrapping_spki), kek), enc.update(key) + enc.finalize()])


@pytest.fixture
def sm2_unwrap(software_keystore: Keystore) -> bytes:
    """An SM2 wrapping key "wrap" (PURPOSE UNWRAP) on the software keystore; returns its SPKI."""
    _gen_sm2(software_keystore, "wrap", _PU.HUKS_KEY_PURPOSE_UNWRAP, digest=None)
    return _export(software_keystore, "wrap")


def test_suite5_imports_a_symmetric_key(software_keystore: Keystore, sm2_unwrap: bytes) -> None:
    key = os.urandom(32)
    software_keystore.import_wrapped_key_item(
        "aes", "wrap", options(*_AES_ENC_DEC, _SUITE5, in_data=_envelope(sm2_unwrap, key))
    )
    ecb = [
        P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_AES),
        P(_T.HUKS_TAG_PURPOSE, _ENC),
        P(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
        P(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
    ]
    block = os.urandom(32)
    reference = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 - a test vector
    assert (
        run_session(software_keystore, "aes", ecb, [block]) == reference.update(block) + reference.finalize()
    )


def test_suite5_bad_input_codes(software_keystore: Keystore, sm2_unwrap: bytes) -> None:
    key = os.urandom(32)
    good = _envelope(sm2_unwrap, key)
    enc_kek, enc_key = parse_lv(good, 2)
    altered = bytearray(enc_kek)
    altered[-1] ^= 1
    cases = [
        (12000006, _AES_ENC_DEC, build_lv([bytes(altered), enc_key])),  # the SM2 layer fails (C3)
        (12000006, _AES_ENC_DEC, build_lv([enc_kek[:-1], enc_key])),  # truncated SM2 ciphertext
        (12000003, _AES_ENC_DEC, build_lv([enc_kek, enc_key[:-16]])),  # not KEY_SIZE / 8 bytes
        (401, _AES_ENC_DEC, good[:-1]),  # the LV structure
        (12000003, [*_AES_ENC_DEC[:1], P(_T.HUKS_TAG_KEY_SIZE, 192), *_AES_ENC_DEC[2:]], good),  # 24 bytes
        (
            12000001,
            [
                P(_T.HUKS_TAG_ALGORITHM, _SM2),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _SIGN),
                P(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_PRIVATE_KEY),
            ],
            good,
        ),
    ]
    for code, params, data in cases:
        with raises_code(code):
            software_keystore.import_wrapped_key_item("bad", "wrap", options(*params, _SUITE5, in_data=data))
        assert not software_keystore.has_key_item("bad", options())
    # a wrapping key that is not SM2 (or not UNWRAP): 12000003
    software_keystore.generate_key_item(
        "x",
        options(
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_X25519),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_UNWRAP),
        ),
    )
    with raises_code(12000003):
        software_keystore.import_wrapped_key_item("bad", "x", options(*_AES_ENC_DEC, _SUITE5, in_data=good))


def test_suite5_public_key_comes_from_the_param(
    software_keystore: Keystore, sm2_unwrap: bytes, openssl_key: tuple[Path, Path]
) -> None:
    _, pub = openssl_key
    software_keystore.import_wrapped_key_item(
        "pub",
        "wrap",
        options(
            P(_T.HUKS_TAG_ALGORITHM, _SM2),
            P(_T.HUKS_TAG_KEY_SIZE, 256),
            P(_T.HUKS_TAG_PURPOSE, _VERIFY),
            P(_T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_PUBLIC_KEY),
            P(_T.HUKS_TAG_ASYMMETRIC_PUBLIC_KEY_DATA, pub.read_bytes()),
            _SUITE5,
            in_data=b"unused",
        ),
    )
    assert _export(software_keystore, "pub") == pub.read_bytes()

"""SM2 and SM3 keys (issue 15) on SoftHSM2 and swtpm: neither device has them, so they exist only as
sealed keys under ``?fallback=sealed`` (12000001 naming the flag without it); with it, they interoperate
with the ``openssl`` command and pyca as on the software keystore, and an SM2 key unwraps suite 5."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hukspy import (
    HuksCipherMode,
    HuksError,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.formats import build_lv
from hukspy.software import sm2
from hukspy.testing import P, open_keystore, options, run_session, sm2ref

_T = HuksTag
_A = HuksKeyAlg
_PU = HuksKeyPurpose
_SM3 = P(_T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3)
_SIGN_KEY = [
    P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM2),
    P(_T.HUKS_TAG_KEY_SIZE, 256),
    P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN | _PU.HUKS_KEY_PURPOSE_VERIFY),
    _SM3,
]


@pytest.fixture(params=["pkcs11", "tpm2"])
def device(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    open_backend: Callable[..., contextlib.AbstractContextManager[tuple[str, object | None]]],
) -> Iterator[str]:
    """The URI of a fresh SoftHSM2 token or swtpm (without the sealed flag)."""
    with open_backend(request.param, tmp_path) as (uri, _):
        yield uri


def _sealed(uri: str) -> str:
    return uri + ("&" if "?" in uri else "?") + "fallback=sealed"


def test_without_the_flag_sm2_and_sm3_are_12000001(device: str) -> None:
    with open_keystore(device) as ks:
        assert ks.capabilities().key(_A.HUKS_ALG_SM2, 256) is None
        assert ks.capabilities().key(_A.HUKS_ALG_SM3, 256) is None
        with pytest.raises(HuksError) as info:
            ks.generate_key_item("sm2", options(*_SIGN_KEY))
        assert info.value.code == 12000001 and "fallback=sealed" in info.value.message


def test_sealed_sm2_interoperates_with_openssl(device: str, tmp_path: Path, openssl_cli: str) -> None:
    with open_keystore(_sealed(device)) as ks:
        ks.generate_key_item("sm2", options(*_SIGN_KEY))
        assert ks.key_storage("sm2", options()).endswith(":sealed")
        message = b"sealed SM2 message" * 10
        sign = [
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM2),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_SIGN),
            _SM3,
        ]
        sig = run_session(ks, "sm2", sign, [message[:5], message[5:]])
        spki = ks.export_key_item("sm2", options()).out_data
        assert spki is not None
        (tmp_path / "p.der").write_bytes(spki)
        (tmp_path / "m").write_bytes(message)
        (tmp_path / "s").write_bytes(sig)
        verified = subprocess.run(
            [
                openssl_cli,
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
                "-pkeyopt",
                "distid:1234567812345678",
                "-in",
                str(tmp_path / "m"),
                "-sigfile",
                str(tmp_path / "s"),
            ],
            capture_output=True,
            check=False,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr


def test_sealed_sm3_hmac_and_suite5(device: str) -> None:
    with open_keystore(_sealed(device)) as ks:
        key = os.urandom(32)
        mac = [
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM3),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_MAC),
            _SM3,
        ]
        ks.import_key_item("sm3", options(*mac, P(_T.HUKS_TAG_KEY_SIZE, 256), in_data=key))
        reference = hmac.HMAC(key, hashes.SM3())
        reference.update(b"data")
        assert run_session(ks, "sm3", mac, [b"da", b"ta"]) == reference.finalize()
        # suite 5: an SM2 UNWRAP key (sealed) opens an envelope holding an SM4 key
        ks.generate_key_item(
            "wrap",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM2),
                P(_T.HUKS_TAG_KEY_SIZE, 256),
                P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_UNWRAP),
            ),
        )
        spki = ks.export_key_item("wrap", options()).out_data
        assert spki is not None
        sm4_key, kek = os.urandom(16), os.urandom(16)
        enc = Cipher(algorithms.SM4(kek), modes.ECB()).encryptor()  # noqa: S305 - the suite's ECB
        envelope = build_lv([sm2ref.encrypt(sm2.parse_spki(spki), kek), enc.update(sm4_key) + enc.finalize()])
        enc_dec = _PU.HUKS_KEY_PURPOSE_ENCRYPT | _PU.HUKS_KEY_PURPOSE_DECRYPT
        suite = P(_T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE, HuksUnwrapSuite.HUKS_UNWRAP_SUITE_SM2_SM4_ECB_NOPADDING)
        ks.import_wrapped_key_item(
            "sm4",
            "wrap",
            options(
                P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM4),
                P(_T.HUKS_TAG_KEY_SIZE, 128),
                P(_T.HUKS_TAG_PURPOSE, enc_dec),
                suite,
                in_data=envelope,
            ),
        )
        ecb = [
            P(_T.HUKS_TAG_ALGORITHM, _A.HUKS_ALG_SM4),
            P(_T.HUKS_TAG_PURPOSE, _PU.HUKS_KEY_PURPOSE_ENCRYPT),
            P(_T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
            P(_T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
        ]
        block = os.urandom(16)
        ref = Cipher(algorithms.SM4(sm4_key), modes.ECB()).encryptor()  # noqa: S305 - a test vector
        assert run_session(ks, "sm4", ecb, [block]) == ref.update(block) + ref.finalize()

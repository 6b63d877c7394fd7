"""The body both api9 SM4 cipher suites share (``SecurityHuksCipherSM4{Promise,Callback}Jsunit``: the
same ``publicCipherFunc`` and ``publicUpdateFunc``, other names, lines and aliases)."""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, run_session
from xts.helpers import check_software, require, string_to_uint8array

T = HuksTag
PLAIN_48 = string_to_uint8array("Hks_SM4_Cipher_Test_000000000000000000000_string")
PLAIN_240 = string_to_uint8array("Hks_SM4_Cipher_Test_" + "0" * 213 + "_string")
IV = param(T.HUKS_TAG_IV, string_to_uint8array("0000000000000000"))
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_SM4)
SIZE = param(T.HUKS_TAG_KEY_SIZE, 128)
ENCRYPT = HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT
DECRYPT = HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT


def _pieces(data: bytes) -> list[bytes]:
    """The suites' split: 64-byte updates while more than 64 bytes remain, the rest to finish/abort."""
    cut = ((len(data) - 1) // 64) * 64
    return [data[i:i + 64] for i in range(0, cut, 64)] + [data[cut:]]


def _params(purpose: int, mode: str, padding: str) -> list[HuksParam]:
    return [ALG, param(T.HUKS_TAG_PURPOSE, purpose), SIZE,
            param(T.HUKS_TAG_PADDING, HuksKeyPadding[f"HUKS_PADDING_{padding}"]),
            param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode[f"HUKS_MODE_{mode}"]), IV]


def run_sm4_case(ks: Keystore, alias: str, mode: str, padding: str, data: bytes, kind: str,
                 software_only: bool) -> None:
    """Generate (ALG, ENCRYPT|DECRYPT, 128, mode, padding), encrypt, then decrypt what it returned, or
    abort the encryption; delete. Every call succeeds (hukspy's check: the decryption is the plaintext).
    A case upstream guards with ``useSoftware`` (``checkSoftware()``) is skipped where that is false."""
    gen = [ALG, param(T.HUKS_TAG_PURPOSE, ENCRYPT | DECRYPT), SIZE,
           param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode[f"HUKS_MODE_{mode}"]),
           param(T.HUKS_TAG_PADDING, HuksKeyPadding[f"HUKS_PADDING_{padding}"])]
    encrypt = _params(ENCRYPT, mode, padding)
    require(ks, gen, encrypt)
    if software_only and not check_software(ks):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    ks.generate_key_item(alias, options(*gen))
    if kind == "abort":
        handle = ks.init_session(alias, options(*encrypt)).handle
        for piece in _pieces(data)[:-1]:
            ks.update_session(handle, options(*encrypt, in_data=piece))
        ks.abort_session(handle, options(*encrypt))
    else:
        ciphertext = run_session(ks, alias, encrypt, _pieces(data))
        decrypt = _params(DECRYPT, mode, padding)
        assert run_session(ks, alias, decrypt, _pieces(ciphertext)) == data
    ks.delete_key_item(alias, options(*gen))

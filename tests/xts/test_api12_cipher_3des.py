"""XTS ``SecurityHuksCipher3DES.test.ets`` (api12 ets suite, API 16 cases), translated case by case
(issue 19).

Upstream: ``SecurityHuksCipher3DES.test.ets`` in ``API12_DIR`` (tests/xts/helpers_api12_e.py) at
xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). 10 ``it()`` cases. ``beforeEach`` builds the
generate options (3DES, 128, ENCRYPT|DECRYPT) and the cipher options (3DES, 128, ENCRYPT, ECB, NONE);
each case may set KEY_SIZE 192, the mode and an IV (``SetParam``: removed and appended), generates the
case's alias and runs ``Cipher`` (CipherUtils.ets) on 64 "A" in one update and 64 "A" at finish, or 64
(65) "A" at finish only.

Decision (docs/decisions.md, "From the contract", IV): CBC without an IV is 12000002 at init, where
upstream answers 401 (_0500). Re-examined against upstream's source: 3DES-CBC reads its IV only when the
engine builds the cipher's usage spec (``frameworks/huks_standard/main/common/src/hks_crypto_adapter.c``
:246-247, ``HksIsNeedIv3DES`` → ``HksFillIvParam`` :171-178): a missing tag is ``HksGetParam``'s
``HKS_ERROR_PARAM_NOT_EXIST`` (-30) → 401, while AES's missing IV is CHECK_GET_IV_FAIL (-108) →
12000002 from the policy check. hukspy keeps its contract's one rule for every block cipher
(python-api.md "IV"): the decision stands.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import param
from xts.helpers import string_to_uint8array
from xts.helpers_api12_e import (
    DECRYPT,
    ENCRYPT,
    IV_DECISION,
    CipherData,
    cipher_case,
    generate_error,
    get_data_by_size,
    set_param,
)

T = HuksTag
GEN = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_3DES), param(T.HUKS_TAG_KEY_SIZE, 128),
       param(T.HUKS_TAG_PURPOSE, ENCRYPT | DECRYPT)]
CIPHER = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_3DES), param(T.HUKS_TAG_KEY_SIZE, 128),
          param(T.HUKS_TAG_PURPOSE, ENCRYPT), param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
          param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)]
MODES = {"ECB": HuksCipherMode.HUKS_MODE_ECB, "CBC": HuksCipherMode.HUKS_MODE_CBC,
         "CTR": HuksCipherMode.HUKS_MODE_CTR}
A64 = string_to_uint8array(get_data_by_size(64))


def _options(size: int, mode: str | None, iv: str | None) -> tuple[list[HuksParam], list[HuksParam]]:
    """The case's ``genKeyOption`` and ``cipherOption`` after its ``SetParam`` calls."""
    gen, props = list(GEN), list(CIPHER)
    if size != 128:
        gen = set_param(gen, T.HUKS_TAG_KEY_SIZE, size)
        props = set_param(props, T.HUKS_TAG_KEY_SIZE, size)
    if mode is not None:
        props = set_param(props, T.HUKS_TAG_BLOCK_MODE, MODES[mode])
    if iv is not None:
        props = set_param(props, T.HUKS_TAG_IV, string_to_uint8array(iv))
    return gen, props


#: (it() name, line, key size, mode set (None: ECB of beforeEach), IV, with the 64-byte update, finish
#: size, hukspy's code or None for success). Upstream's codes: the same, but 401 for _0500.
CASES = [
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0100", 68, 128, None, None, True, 64, None),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0200", 92, 128, "CBC", "12345678", True, 64, None),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0300", 118, 192, "ECB", None, False, 64, None),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0400", 145, 192, "CBC", "12345678", False, 64, None),
    pytest.param("SUB_Security_HUKS_Cipher_3DES_API16_Func_0500", 173, 192, "CBC", None, False, 64, 12000002,
                 marks=pytest.mark.xts_decision(IV_DECISION)),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0600", 200, 192, "CBC", "12345678", False, 65, 401),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0700", 228, 192, "CTR", "1234567812345678", False, 64,
     12000002),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0800", 256, 192, "CBC", "123456789", False, 64, 12000003),
]
_IDS = [c.values[0] if hasattr(c, "values") else c[0] for c in CASES]


@pytest.mark.parametrize(("name", "line", "size", "mode", "iv", "update", "finish", "code"), CASES, ids=_IDS)
def test_cipher(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, size: int,
                mode: str | None, iv: str | None, update: bool, finish: int, code: int | None) -> None:
    """SecurityHuksCipher3DES.test.ets, at the line in ``CASES`` (test id: the it() name): generate,
    ``Cipher``. Success cases return true (the decryption equals the plaintext, update by update);
    error cases raise the code: CBC without an IV 12000002 (upstream 401: the module docstring's
    decision), CBC NONE with 65 bytes at finish 401, CTR (not a 3DES mode) 12000002, a 9-byte IV
    12000003."""
    gen, props = _options(size, mode, iv)
    data = CipherData([A64] if update else None, string_to_uint8array(get_data_by_size(finish)))
    cipher_case(keystore, name, gen, props, data, code, request)


@pytest.mark.parametrize(("name", "line", "size"), [
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_0900", 284, 64),
    ("SUB_Security_HUKS_Cipher_3DES_API16_Func_1000", 304, 256),
], ids=["SUB_Security_HUKS_Cipher_3DES_API16_Func_0900", "SUB_Security_HUKS_Cipher_3DES_API16_Func_1000"])
def test_generate_bad_size(keystore: Keystore, name: str, line: int, size: int) -> None:
    """SecurityHuksCipher3DES.test.ets:284 (_0900, KEY_SIZE 64 = HUKS_DES_KEY_SIZE_64) and :304 (_1000,
    KEY_SIZE 256): generating a 3DES key of that size raises 12000003."""
    generate_error(keystore, name, set_param(GEN, T.HUKS_TAG_KEY_SIZE, size), 12000003)

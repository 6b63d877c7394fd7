"""XTS ``SecurityHuksCipherDES.test.ets`` (api12 ets suite, API 16 cases), translated case by case
(issue 19).

Upstream: ``SecurityHuksCipherDES.test.ets`` in ``API12_DIR`` (tests/xts/helpers_api12_e.py) at
xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). 5 ``it()`` cases. ``beforeEach`` builds the
generate options (DES, 64, ENCRYPT|DECRYPT) and the cipher options (DES, 64, ENCRYPT, ECB, NONE); each
case may set the mode and an IV, generates the case's alias and runs ``Cipher`` (CipherUtils.ets) on
64 "A" in one update and 64 "A" at finish, or 64 (65) "A" at finish only.

Decision (docs/decisions.md, "From the contract", IV): CBC without an IV is 12000002 at init, where
upstream answers 401 (_0300). Re-examined against upstream's source: DES-CBC reads its IV only when the
engine builds the cipher's usage spec (``frameworks/huks_standard/main/common/src/hks_crypto_adapter.c``
:250-251, ``HksIsNeedIvDES`` → ``HksFillIvParam`` :171-178): a missing tag is ``HksGetParam``'s
``HKS_ERROR_PARAM_NOT_EXIST`` (-30) → 401, while AES's missing IV is CHECK_GET_IV_FAIL (-108) →
12000002 from the policy check. hukspy keeps its contract's one rule for every block cipher
(python-api.md "IV"): the decision stands.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksTag
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
GEN = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DES), param(T.HUKS_TAG_KEY_SIZE, 64),
       param(T.HUKS_TAG_PURPOSE, ENCRYPT | DECRYPT)]
CIPHER = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DES), param(T.HUKS_TAG_KEY_SIZE, 64),
          param(T.HUKS_TAG_PURPOSE, ENCRYPT), param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB),
          param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)]
CBC = HuksCipherMode.HUKS_MODE_CBC
A64 = string_to_uint8array(get_data_by_size(64))

#: (it() name, line, CBC set, IV, with the 64-byte update, finish size, hukspy's code or None for
#: success). Upstream's codes: the same, but 401 for _0300.
CASES = [
    ("SUB_Security_HUKS_Cipher_DES_API16_Func_0100", 68, False, None, True, 64, None),
    ("SUB_Security_HUKS_Cipher_DES_API16_Func_0200", 92, True, "12345678", True, 64, None),
    pytest.param("SUB_Security_HUKS_Cipher_DES_API16_Func_0300", 118, True, None, False, 64, 12000002,
                 marks=pytest.mark.xts_decision(IV_DECISION)),
    ("SUB_Security_HUKS_Cipher_DES_API16_Func_0400", 143, True, "12345678", False, 65, 401),
]
_IDS = [c.values[0] if hasattr(c, "values") else c[0] for c in CASES]


@pytest.mark.parametrize(("name", "line", "cbc", "iv", "update", "finish", "code"), CASES, ids=_IDS)
def test_cipher(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, cbc: bool,
                iv: str | None, update: bool, finish: int, code: int | None) -> None:
    """SecurityHuksCipherDES.test.ets, at the line in ``CASES`` (test id: the it() name): generate,
    ``Cipher``. Success cases return true (the decryption equals the plaintext, update by update);
    error cases raise the code: CBC without an IV 12000002 (upstream 401: the module docstring's
    decision), CBC NONE with 65 bytes at finish 401."""
    props = set_param(CIPHER, T.HUKS_TAG_BLOCK_MODE, CBC) if cbc else list(CIPHER)
    if iv is not None:
        props = set_param(props, T.HUKS_TAG_IV, string_to_uint8array(iv))
    data = CipherData([A64] if update else None, string_to_uint8array(get_data_by_size(finish)))
    cipher_case(keystore, name, GEN, props, data, code, request)


def test_SUB_Security_HUKS_Cipher_DES_API16_Func_0500(keystore: Keystore) -> None:
    """SecurityHuksCipherDES.test.ets:169: generating a DES key with KEY_SIZE 128 raises 12000003."""
    generate_error(keystore, "SUB_Security_HUKS_Cipher_DES_API16_Func_0500",
                   set_param(GEN, T.HUKS_TAG_KEY_SIZE, 128), 12000003)

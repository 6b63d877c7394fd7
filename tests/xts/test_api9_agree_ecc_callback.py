"""XTS ``SecurityHuksAgreeECCCallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksAgreeECCCallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 2 ``it()`` cases. Each makes two ECC-256 key pairs with ``HuksOptions63kb``
(ECC, AGREE, 256, DIGEST NONE, PADDING NONE, CBC), agrees on each side (publicAgreeCallback.js: init and
update with ``[ECDH, AGREE, 256, PADDING NONE]``, the init's KEY_SIZE replaced by the final key's) and
stores the result as an AES-256 ENCRYPT|DECRYPT key under ``<alias>final`` (the finish carries Date63KB
as ``inData``), then checks that both final keys agree (``checkAESChiper``), or aborts both agreements.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param
from xts.helpers import AES, DATE63KB, agree_func, check_aes_cipher, require, string_to_uint8array
from xts.helpers_callback import UPDATE_HOLDS_OUTPUT, agree_callback_use

T = HuksTag
#: ``HuksOptions63kb`` (beforeEach, line 31)
GEN = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC),
       param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE), param(T.HUKS_TAG_KEY_SIZE, 256),
       param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_NONE),
       param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
       param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)]
#: ``huksOptionsCipher`` of _001 (line 69)
CIPHER = [AES.ALG, AES.SIZE256, AES.PURPOSE, AES.DIGEST_NONE, AES.PADDING_NONE, AES.CBC,
          param(T.HUKS_TAG_IV, string_to_uint8array("0000000000000000"))]


def _finish(first: str, mode: HuksParam) -> list[HuksParam]:
    """``huksOptionsFinish`` (STORAGE PERSISTENT, IS_KEY_ALIAS, AES-256 ENCRYPT|DECRYPT, the alias, the
    final key's block mode)."""
    return [param(T.HUKS_TAG_KEY_STORAGE_FLAG, 1), param(T.HUKS_TAG_IS_KEY_ALIAS, True),  # PERSISTENT
            AES.ALG, AES.SIZE256, AES.PURPOSE, AES.DIGEST_NONE,
            param(T.HUKS_TAG_KEY_ALIAS, string_to_uint8array(first)), AES.PADDING_NONE, mode]


#: (it() name, line, alias stem, finish/abort, mode of the final key, isDeleteFinalKeys)
CASES = [
    ("Security_HUKS_Agree_API9_ECDH_001", 44, "testAgreeECDHSize256Finish63KBAgreeKeyAlias", "finish",
     AES.CBC, False),
    ("Security_HUKS_Agree_API9_ECDH_002", 88, "testAgreeECDHSize256Abort63KBAgreeKeyAlias", "abort",
     AES.ECB, True),
]


@pytest.mark.parametrize(("name", "line", "stem", "third", "mode", "delete_final"), CASES,
                         ids=[c[0] for c in CASES])
def test_agree(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, stem: str,
               third: str, mode: HuksParam, delete_final: bool) -> None:
    """SecurityHuksAgreeECCCallbackJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    ``publicAgreeFunc`` of publicAgreeCallback.js; after a finish, ``checkAESChiper`` on the two final
    keys is true. Upstream leaves the final keys of _001; hukspy deletes what the case leaves."""
    first, second = f"{stem}_01_001", f"{stem}_02_001"
    use = agree_callback_use(GEN)
    require(keystore, GEN, [*use[:2], AES.SIZE256, *use[3:]])
    if third == "finish" and keystore.backend_name == "pkcs11":
        request.applymarker(pytest.mark.xfail(strict=True, reason=UPDATE_HOLDS_OUTPUT))
    agree_func(keystore, first, second, GEN, _finish(first, mode), third, delete_final,
               finish_data=DATE63KB, use=use)
    try:
        if third == "finish":
            assert check_aes_cipher(keystore, first + "final", second + "final", CIPHER)
        else:
            assert not keystore.has_key_item(first + "final", options())
    finally:
        for alias in (first + "final", second + "final"):
            if keystore.has_key_item(alias, options()):
                keystore.delete_key_item(alias, options())

"""XTS ``SecurityHuksWrapKey.test.ets`` (api12 ets suite, API 20 cases), translated case by case (issue 19).

Upstream: ``security/huks/huks_ets_api12/entry/src/ohosTest/ets/test/SecurityHuksWrapKey.test.ets`` at
xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). 2 ``it()`` cases. Upstream's software engine has no
HUK-based wrap and answers 801; its TEE answers 12000014 for these requests. hukspy implements wrap and
unwrap on the software keystore and answers 12000001 elsewhere (docs/decisions.md,
``wrap_key_item`` / ``unwrap_key_item``): every case asserts hukspy's decision.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyPurpose, HuksKeyWrapType, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import check_software

T = HuksTag
WRAP = "wrap_key_item / unwrap_key_item: implemented on the software keystore; other backends 12000001"
#: ``GetWrapKeyOptions`` (utils/huks/WrapKeyUtils.ets)
WRAP_OPTIONS = options(param(T.HUKS_TAG_KEY_WRAP_TYPE, HuksKeyWrapType.HUKS_KEY_WRAP_TYPE_HUK_BASED))


def _aes256(allowed_wrap: bool) -> list[HuksParam]:
    """``GetAesGenerateOption(256)`` (utils/options/GenerateKeyOptions.ets), merged with
    ``GetGenWrapKeyOptions`` (IS_ALLOWED_WRAP=true) when ``allowed_wrap``."""
    props = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), param(T.HUKS_TAG_KEY_SIZE, 256),
             param(T.HUKS_TAG_PURPOSE,
                   HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT)]
    return [*props, param(T.HUKS_TAG_IS_ALLOWED_WRAP, True)] if allowed_wrap else props


@pytest.mark.xts_decision(WRAP)
def test_SUB_Security_HUKS_KeyGenerate_WrapKey_Api20_Func_0100(keystore: Keystore) -> None:
    """SecurityHuksWrapKey.test.ets:53: where ``checkSoftware()`` holds, wrapping an AES-256 key made
    without IS_ALLOWED_WRAP: upstream 801, hukspy 12000012 (docs/decisions.md, "wrapping a key without
    IS_ALLOWED_WRAP=true"); elsewhere, wrapping a key made with it: upstream 12000014, hukspy 12000001
    on a backend without wrap."""
    alias = "SUB_Security_HUKS_KeyGenerate_WrapKey_Api20_Func_0100"
    software = check_software(keystore)
    keystore.generate_key_item(alias, options(*_aes256(allowed_wrap=not software)))
    try:
        with raises_code(12000012 if software else 12000001):
            keystore.wrap_key_item(alias, WRAP_OPTIONS)
    finally:
        keystore.delete_key_item(alias, options())


@pytest.mark.xts_decision(WRAP)
def test_SUB_Security_HUKS_KeyGenerate_UnwrapKey_Api20_Func_0100(keystore: Keystore) -> None:
    """SecurityHuksWrapKey.test.ets:85: where ``checkSoftware()`` holds, unwrapping 64 bytes of "A":
    upstream 801, hukspy 401 (not a wrap blob, docs/decisions.md); elsewhere unwrapping [0, 0, 0, 0]:
    upstream 12000014, hukspy 12000001 on a backend without wrap."""
    alias = "SUB_Security_HUKS_KeyGenerate_UnwrapKey_Api20_Func_0100"
    software = check_software(keystore)
    keystore.generate_key_item(alias, options(*_aes256(allowed_wrap=not software)))
    try:
        with raises_code(401 if software else 12000001):
            keystore.unwrap_key_item(alias, WRAP_OPTIONS, b"A" * 64 if software else bytes(4))
    finally:
        if keystore.has_key_item(alias, options()):
            keystore.delete_key_item(alias, options())

"""XTS ``SecurityHuksCmac.test.ets`` (api12 ets suite), translated case by case (issue 19).

Upstream: ``SecurityHuksCmac.test.ets`` in ``API12_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 2 ``it()`` cases. ``beforeAll`` reads ``CheckSoftware()`` (a DSA-1024 key can be
generated) and ``CheckWearable()`` (an RSA-1024 ISO_IEC_9796_2/SHA1 sign and verify works).

Upstream expects no CMAC anywhere but on wearables: its software engine is built without
``HKS_SUPPORT_CMAC_C`` (``HKS_ALG_CMAC`` is in ``g_genAlg`` only under that flag,
``frameworks/huks_standard/main/common/src/hks_check_paramset.c:76-78``, openharmony/security_huks
f342b820), so it answers 12000003; a TEE without it 12000001/12000012. hukspy's software keystore is a
CMAC build: CMAC keys and the CMAC operation on 3DES keys are declared (``hukspy/policy.py``'s CMAC
rows; docs/decisions.md "DERIVE keys": CMAC keys are MAC-only, and "capability lookups": CMAC is declared
without a digest). Both cases therefore assert hukspy's behaviour on the software keystore (decision);
a backend that does not declare CMAC answers 12000001, as upstream's non-software branch of ``_0010``
expects.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksCipherMode, HuksKeyAlg, HuksKeyPadding, HuksKeyPurpose, HuksTag
from hukspy.testing import options, param, raises_code
from xts.helpers import require
from xts.helpers_api12_d import data_by_size, set_param

T = HuksTag
CMAC = ("hukspy's software keystore implements CMAC (policy.py CMAC rows; docs/decisions.md 'DERIVE "
        "keys', 'capability lookups'); upstream's software engine is built without HKS_SUPPORT_CMAC_C")

#: ``genKeyOption`` of ``beforeEach``: 3DES, HUKS_3DES_KEY_SIZE_128, MAC.
GEN = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_3DES), param(T.HUKS_TAG_KEY_SIZE, 128),
       param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC)]
#: ``macOption`` of ``beforeEach``: CMAC, 128, MAC, CBC, ISO_IEC_9797_1, IV "12345678".
MAC = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_CMAC), param(T.HUKS_TAG_KEY_SIZE, 128),
       param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_MAC),
       param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC),
       param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_ISO_IEC_9797_1),
       param(T.HUKS_TAG_IV, b"12345678")]


def test_SUB_Security_HUKS_CMAC_API12_Func_0010(keystore: Keystore, request: pytest.FixtureRequest) -> None:
    """SecurityHuksCmac.test.ets:75: generate with ALGORITHM CMAC (3DES size 128, MAC): upstream 12000003
    where ``CheckSoftware()`` holds, else 12000001. hukspy: a keystore that declares CMAC-128 keys
    generates it (decision, module docstring); one that does not answers 12000001."""
    alias = "SUB_Security_HUKS_CMAC_API12_Func_0010"
    gen = set_param(GEN, T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_CMAC)
    if keystore.capabilities().key(HuksKeyAlg.HUKS_ALG_CMAC, 128) is None:
        with raises_code(12000001):
            keystore.generate_key_item(alias, options(*gen))
        return
    request.applymarker(pytest.mark.xts_decision(CMAC))
    keystore.generate_key_item(alias, options(*gen))
    assert keystore.has_key_item(alias, options())
    keystore.delete_key_item(alias, options())


@pytest.mark.xts_decision(CMAC)
def test_SUB_Security_HUKS_CMAC_API12_Func_0020(keystore: Keystore) -> None:
    """SecurityHuksCmac.test.ets:96: generate 3DES-128 MAC; init with ``macOption``, update and finish
    with 8 bytes of "A" each: upstream an 8-byte MAC on a wearable, else 12000003 (software) or 12000012.
    hukspy: an 8-byte CMAC (decision, module docstring); skipped where the backend declares no 3DES CMAC."""
    alias = "SUB_Security_HUKS_CMAC_API12_Func_0020"
    require(keystore, GEN, MAC)
    keystore.generate_key_item(alias, options(*GEN))
    try:
        handle = keystore.init_session(alias, options(*MAC)).handle
        data = data_by_size(8)
        keystore.update_session(handle, options(*MAC, in_data=data))
        res = keystore.finish_session(handle, options(*MAC, in_data=data)).out_data
        assert len(res) == 8
    finally:
        keystore.delete_key_item(alias, options())

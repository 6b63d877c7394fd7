"""XTS ``SecurityHuksSignVerifySM2PromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifySM2PromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 4 ``it()`` cases: _101/_103 sign Data63b/Data65b in 64-byte updates
and verify with the imported public key, _102/_104 abort the signing (``publicSignVerifyFunc``).
SM2-256 with SM3 (issue 15: the system OpenSSL's SM2, docs/decisions.md "SM2 and SM3").
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.testing import param
from xts.helpers import DATA63B, DATA65B, PURPOSE_SIGN, PURPOSE_VERIFY, require, sign_verify_case

T = HuksTag
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_SM2)
SIGN = [ALG, PURPOSE_SIGN, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3),
        param(T.HUKS_TAG_KEY_SIZE, 256)]
VERIFY = [ALG, PURPOSE_VERIFY, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SM3),
          param(T.HUKS_TAG_KEY_SIZE, 256)]
#: (it() name, line, alias, data, finish/abort)
CASES = [
    ("Security_HUKS_SignVerify_API9_SM2_101", 27, "testSignVerifySM2Size256SIGNSM3KeyAlias101",
     DATA63B, "finish"),
    ("Security_HUKS_SignVerify_API9_SM2_102", 51, "testSignVerifySM2Size256SIGNSM3KeyAlias102",
     DATA63B, "abort"),
    ("Security_HUKS_SignVerify_API9_SM2_103", 65, "testSignVerifySM2Size256SIGNSM3KeyAlias103",
     DATA65B, "finish"),
    ("Security_HUKS_SignVerify_API9_SM2_104", 89, "testSignVerifySM2Size256SIGNSM3KeyAlias104",
     DATA65B, "abort"),
]

@pytest.mark.parametrize(("name", "line", "alias", "raw", "third"), CASES, ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, raw: bytes, third: str) -> None:
    """SecurityHuksSignVerifySM2PromiseJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify with the imported public key; every call succeeds."""
    require(keystore, SIGN, SIGN)
    sign_verify_case(keystore, alias, SIGN, VERIFY, raw, third)

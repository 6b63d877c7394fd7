"""XTS ``SecurityHuksSignVerifyDSAPromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyDSAPromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 4 ``it()`` cases: _101/_103 sign Data63b/Data65b in 64-byte updates
and verify with the imported public key, _102/_104 abort the signing (``publicSignVerifyFunc``).
DSA-1024 (KEY_SIZE inserted at generation by the helper), SHA1; upstream runs every case
only where ``checkSoftware()`` is true, and does nothing elsewhere: skipped there with that reason.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.testing import param
from xts.helpers import (
    DATA63B,
    DATA65B,
    DSA_SIZE_1024,
    PURPOSE_SIGN,
    PURPOSE_VERIFY,
    check_software,
    require,
    sign_verify_case,
)

T = HuksTag
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DSA)
SIGN = [ALG, PURPOSE_SIGN, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
VERIFY = [ALG, PURPOSE_VERIFY, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1), DSA_SIZE_1024]
#: (it() name, line, alias, data, finish/abort)
CASES = [
    ("Security_HUKS_SignVerify_API9_DSA_101", 34, "testSignVerifyDSASIGNSHA1KeyAlias101",
     DATA63B, "finish"),
    ("Security_HUKS_SignVerify_API9_DSA_102", 59, "testSignVerifyDSASIGNSHA1KeyAlias102",
     DATA63B, "abort"),
    ("Security_HUKS_SignVerify_API9_DSA_103", 74, "testSignVerifyDSASIGNSHA1KeyAlias103",
     DATA65B, "finish"),
    ("Security_HUKS_SignVerify_API9_DSA_104", 99, "testSignVerifyDSASIGNSHA1KeyAlias104",
     DATA65B, "abort"),
]

@pytest.mark.parametrize(("name", "line", "alias", "raw", "third"), CASES, ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, raw: bytes, third: str) -> None:
    """SecurityHuksSignVerifyDSAPromiseJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify with the imported public key; every call succeeds."""
    require(keystore, SIGN, SIGN)
    if not check_software(keystore):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    sign_verify_case(keystore, alias, SIGN, VERIFY, raw, third)

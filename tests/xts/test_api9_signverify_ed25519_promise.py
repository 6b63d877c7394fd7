"""XTS ``SecurityHuksSignVerifyED25519PromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyED25519PromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 4 ``it()`` cases: _101/_103 sign Data63b/Data65b in 64-byte updates
and verify with the imported public key, _102/_104 abort the signing (``publicSignVerifyFunc``).
Ed25519 keys with DIGEST SHA1 in every param set, as upstream passes it.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.testing import param
from xts.helpers import DATA63B, DATA65B, PURPOSE_SIGN, PURPOSE_VERIFY, require, sign_verify_case

T = HuksTag
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ED25519)
SIGN = [ALG, PURPOSE_SIGN, param(T.HUKS_TAG_KEY_SIZE, 256),
        param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
VERIFY = [ALG, PURPOSE_VERIFY, param(T.HUKS_TAG_KEY_SIZE, 256),
          param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
#: (it() name, line, alias, data, finish/abort)
CASES = [
    ("Security_HUKS_SignVerify_API9_ED25519_101", 27, "testSignVerifyED25519Size256SIGNKeyAlias101",
     DATA63B, "finish"),
    ("Security_HUKS_SignVerify_API9_ED25519_102", 53, "testSignVerifyED25519Size256SIGNKeyAlias102",
     DATA63B, "abort"),
    ("Security_HUKS_SignVerify_API9_ED25519_103", 68, "testSignVerifyED25519Size256SIGNKeyAlias103",
     DATA65B, "finish"),
    ("Security_HUKS_SignVerify_API9_ED25519_104", 93, "testSignVerifyED25519Size256SIGNKeyAlias104",
     DATA65B, "abort"),
]

@pytest.mark.parametrize(("name", "line", "alias", "raw", "third"), CASES, ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, raw: bytes, third: str) -> None:
    """SecurityHuksSignVerifyED25519PromiseJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify with the imported public key; every call succeeds."""
    require(keystore, SIGN, SIGN)
    sign_verify_case(keystore, alias, SIGN, VERIFY, raw, third)

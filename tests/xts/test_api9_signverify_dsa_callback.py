"""XTS ``SecurityHuksSignVerifyDSACallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyDSACallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 4 ``it()`` cases: _001/_003 sign in 64-byte updates and verify
with the imported public key, _002/_004 abort the signing (``publicSignVerifyFunc`` of
publicSignverifyCallback.js, ``sign_verify_callback_case`` in tests/xts/helpers_callback.py).
DSA, SHA1 (KEY_SIZE 1024 inserted at generation by the helper; the verify options carry
KEY_SIZE 1024). Upstream runs every case only where ``checkSoftware()`` is true and does nothing
elsewhere: skipped there with that reason.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import param
from xts.helpers import DATA63B, DATA65B, DSA_SIZE_1024, PURPOSE_SIGN, PURPOSE_VERIFY
from xts.helpers_callback import sign_verify_callback_case

T = HuksTag
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DSA)
SIGN = [ALG, PURPOSE_SIGN, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
VERIFY = [ALG, PURPOSE_VERIFY, param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1), DSA_SIZE_1024]
#: (it() name, line, alias, sign params, verify params (None: an abort verifies nothing), raw data,
#: finish/abort)
CASES = [
    ("Security_HUKS_SignVerify_API9_DSA_001", 34, "testSignVerifyDSASIGNSHA1KeyAlias001", SIGN, VERIFY,
     DATA63B, "finish"),
    ("Security_HUKS_SignVerify_API9_DSA_002", 60, "testSignVerifyDSASIGNSHA1KeyAlias002", SIGN, VERIFY,
     DATA63B, "abort"),
    ("Security_HUKS_SignVerify_API9_DSA_003", 76, "testSignVerifyDSASIGNSHA1KeyAlias003", SIGN, VERIFY,
     DATA65B, "finish"),
    ("Security_HUKS_SignVerify_API9_DSA_004", 102, "testSignVerifyDSASIGNSHA1KeyAlias004", SIGN, VERIFY,
     DATA65B, "abort"),
]


@pytest.mark.parametrize(("name", "line", "alias", "sign", "verify", "raw", "third"), CASES,
                         ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, sign: list[HuksParam],
                     verify: list[HuksParam] | None, raw: bytes, third: str) -> None:
    """SecurityHuksSignVerifyDSACallbackJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify with the imported public key; every call succeeds."""
    sign_verify_callback_case(keystore, alias, sign, verify, raw, third, software_only=True)

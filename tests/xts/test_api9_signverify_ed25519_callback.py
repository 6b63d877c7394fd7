"""XTS ``SecurityHuksSignVerifyED25519CallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyED25519CallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 4 ``it()`` cases: _001/_003 sign in 64-byte updates and verify
with the imported public key, _002/_004 abort the signing (``publicSignVerifyFunc`` of
publicSignverifyCallback.js, ``sign_verify_callback_case`` in tests/xts/helpers_callback.py).
Ed25519 keys (KEY_SIZE 256) with DIGEST SHA1 in every param set, as upstream passes it. _004's
options hold Data65b but it signs its ``rawData``, Data63b.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import param
from xts.helpers import DATA63B, DATA65B, PURPOSE_SIGN, PURPOSE_VERIFY
from xts.helpers_callback import sign_verify_callback_case

T = HuksTag
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ED25519)
SIGN = [ALG, PURPOSE_SIGN, param(T.HUKS_TAG_KEY_SIZE, 256),
        param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
VERIFY = [ALG, PURPOSE_VERIFY, param(T.HUKS_TAG_KEY_SIZE, 256),
          param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA1)]
#: (it() name, line, alias, sign params, verify params (None: an abort verifies nothing), raw data,
#: finish/abort)
CASES = [
    ("Security_HUKS_SignVerify_API9_ED25519_001", 29, "testSignVerifyED25519Size256SIGNKeyAlias001", SIGN,
     VERIFY, DATA63B, "finish"),
    ("Security_HUKS_SignVerify_API9_ED25519_002", 55, "testSignVerifyED25519Size256SIGNKeyAlias002", SIGN,
     None, DATA63B, "abort"),
    ("Security_HUKS_SignVerify_API9_ED25519_003", 70, "testSignVerifyED25519Size256SIGNKeyAlias003", SIGN,
     VERIFY, DATA65B, "finish"),
    ("Security_HUKS_SignVerify_API9_ED25519_004", 95, "testSignVerifyED25519Size256SIGNKeyAlias004", SIGN,
     None, DATA63B, "abort"),
]


@pytest.mark.parametrize(("name", "line", "alias", "sign", "verify", "raw", "third"), CASES,
                         ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, sign: list[HuksParam],
                     verify: list[HuksParam] | None, raw: bytes, third: str) -> None:
    """SecurityHuksSignVerifyED25519CallbackJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify with the imported public key; every call succeeds."""
    sign_verify_callback_case(keystore, alias, sign, verify, raw, third, software_only=False)

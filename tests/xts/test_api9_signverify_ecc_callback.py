"""XTS ``SecurityHuksSignVerifyECCCallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyECCCallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 4 ``it()`` cases: _001/_003 sign in 64-byte updates and verify
with the imported public key, _002/_004 abort the signing (``publicSignVerifyFunc`` of
publicSignverifyCallback.js, ``sign_verify_callback_case`` in tests/xts/helpers_callback.py).
ECC-256 keys; DIGEST NONE cases sign a 32-byte SHA-256 value (``srcData63AfterSha256``,
``srcData65Sha256``), SHA512 cases Data63b/Data65b. _001's alias says Size224; its key is 256.
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
ALG = param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC)
#: ``srcData63AfterSha256`` (line 30) and ``srcData65Sha256`` (line 25) of the upstream file
DATA63_SHA256 = bytes.fromhex("D2E1248F0DBB2F98641327E00DEA34BB1D1CC2A1BE10F0B16F8EDF9B42BA385D")
DATA65_SHA256 = bytes.fromhex("23F894EAEE1C70A933826CCFEF2D416F64F646D4CDD45C33844D534A1DF0E7DF")
SIZE = param(T.HUKS_TAG_KEY_SIZE, 256)


def _props(purpose: HuksParam, digest: str) -> list[HuksParam]:
    return [ALG, purpose, param(T.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{digest}"]), SIZE]


#: (it() name, line, alias, sign params, verify params (None: an abort verifies nothing), raw data,
#: finish/abort)
CASES = [
    ("Security_HUKS_SignVerify_API9_ECC_001", 37, "testSignVerifyECCSize224SIGNNONEKeyAlias001",
     _props(PURPOSE_SIGN, "NONE"), _props(PURPOSE_VERIFY, "NONE"), DATA63_SHA256, "finish"),
    ("Security_HUKS_SignVerify_API9_ECC_002", 61, "testSignVerifyECCSize256SIGNNONEKeyAlias002",
     _props(PURPOSE_SIGN, "SHA512"), None, DATA63B, "abort"),
    ("Security_HUKS_SignVerify_API9_ECC_003", 75, "testSignVerifyECCSize256SIGNNONEKeyAlias003",
     _props(PURPOSE_SIGN, "NONE"), _props(PURPOSE_VERIFY, "NONE"), DATA65_SHA256, "finish"),
    ("Security_HUKS_SignVerify_API9_ECC_004", 99, "testSignVerifyECCSize256SIGNNONEKeyAlias004",
     _props(PURPOSE_SIGN, "SHA512"), None, DATA65B, "abort"),
]


@pytest.mark.parametrize(("name", "line", "alias", "sign", "verify", "raw", "third"), CASES,
                         ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, sign: list[HuksParam],
                     verify: list[HuksParam] | None, raw: bytes, third: str) -> None:
    """SecurityHuksSignVerifyECCCallbackJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify with the imported public key; every call succeeds."""
    sign_verify_callback_case(keystore, alias, sign, verify, raw, third, software_only=False)

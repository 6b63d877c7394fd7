"""XTS ``SecurityHuksSignVerifyRSAPromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyRSAPromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 45 ``it()`` cases: RSA-512..4096 keys, PKCS1_V1_5 or PSS padding,
each digest; sign Data63b/Data65b (or a SHA-256 value with DIGEST NONE) in 64-byte updates and verify
with the imported public key, or abort the signing (``publicSignVerifyFunc``). Cases upstream guards
with ``useSoftware`` (``checkSoftware()``) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksKeyPadding, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import param
from xts.helpers import (
    DATA63B,
    DATA65B,
    PURPOSE_SIGN,
    PURPOSE_VERIFY,
    check_software,
    require,
    sign_verify_case,
)

T = HuksTag
#: ``srcData65KbSha256`` of the upstream file (line 26): SHA-256 of Data65b.
DATA65_SHA256 = bytes.fromhex("23F894EAEE1C70A933826CCFEF2D416F64F646D4CDD45C33844D534A1DF0E7DF")

#: (it() name, line, alias, key size, padding, digest, data, finish/abort, guarded by useSoftware)
CASES = [
    ("Security_HUKS_SignVerify_API9_RSA_101", 38,
     "testSignVerifyRSASize2048SIGNPKCS1SHA512KeyAlias101",
     2048, "PKCS1_V1_5", "SHA512", DATA63B, "finish", False),
    ("Security_HUKS_SignVerify_API9_RSA_102", 64,
     "testSignVerifyRSASize2048SIGNPKCS1SHA512KeyAlias102",
     2048, "PKCS1_V1_5", "SHA512", DATA63B, "abort", False),
    ("Security_HUKS_SignVerify_API9_RSA_103", 79,
     "testSignVerifyRSASize2048SIGNPKCS1MD5KeyAlias103",
     2048, "PKCS1_V1_5", "MD5", DATA65B, "finish", True),
    ("Security_HUKS_SignVerify_API9_RSA_104", 107,
     "testSignVerifyRSASize2048SIGNPKCS1SHA512KeyAlias104",
     2048, "PKCS1_V1_5", "SHA512", DATA65B, "abort", False),
    ("testSignVerifyRSASize2048SIGNPKCS1NONE103", 122,
     "testSignVerifyRSASize2048SIGNPKCS1NONEKeyAlias103",
     2048, "PKCS1_V1_5", "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyRSASize2048SIGNPKCS1SHA1103", 150,
     "testSignVerifyRSASize2048SIGNPKCS1SHA1KeyAlias103",
     2048, "PKCS1_V1_5", "SHA1", DATA65B, "finish", True),
    ("testSignVerifyRSASize2048SIGNPKCS1SHA224103", 179,
     "testSignVerifyRSASize2048SIGNPKCS1SHA224KeyAlias103",
     2048, "PKCS1_V1_5", "SHA224", DATA65B, "finish", True),
    ("testSignVerifyRSASize2048SIGNPKCS1SHA256103", 208,
     "testSignVerifyRSASize2048SIGNPKCS1SHA256KeyAlias103",
     2048, "PKCS1_V1_5", "SHA256", DATA65B, "finish", False),
    ("testSignVerifyRSASize2048SIGNPKCS1SHA384103", 236,
     "testSignVerifyRSASize2048SIGNPKCS1SHA384KeyAlias103",
     2048, "PKCS1_V1_5", "SHA384", DATA65B, "finish", False),
    ("testSignVerifyRSASize2048SIGNPKCS1SHA512103", 264,
     "testSignVerifyRSASize2048SIGNPKCS1SHA512KeyAlias103",
     2048, "PKCS1_V1_5", "SHA512", DATA65B, "finish", False),
    ("testSignVerifyRSASize2048SIGNPSSMD5103", 292,
     "testSignVerifyRSASize2048SIGNPSSMD5KeyAlias103",
     2048, "PSS", "MD5", DATA65B, "finish", True),
    ("testSignVerifyRSASize2048SIGNPSSNONE103", 321,
     "testSignVerifyRSASize2048SIGNPSSNONEKeyAlias103",
     2048, "PSS", "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyRSASize2048SIGNPSSSHA1103", 349,
     "testSignVerifyRSASize2048SIGNPSSSHA1KeyAlias103",
     2048, "PSS", "SHA1", DATA65B, "finish", True),
    ("testSignVerifyRSASize2048SIGNPSSSHA224103", 378,
     "testSignVerifyRSASize2048SIGNPSSSHA224KeyAlias103",
     2048, "PSS", "SHA224", DATA65B, "finish", True),
    ("testSignVerifyRSASize2048SIGNPSSSHA256103", 407,
     "testSignVerifyRSASize2048SIGNPSSSHA256KeyAlias103",
     2048, "PSS", "SHA256", DATA65B, "finish", False),
    ("testSignVerifyRSASize2048SIGNPSSSHA384103", 435,
     "testSignVerifyRSASize2048SIGNPSSSHA384KeyAlias103",
     2048, "PSS", "SHA384", DATA65B, "finish", False),
    ("testSignVerifyRSASize2048SIGNPSSSHA512103", 463,
     "testSignVerifyRSASize2048SIGNPSSSHA512KeyAlias103",
     2048, "PSS", "SHA512", DATA65B, "finish", False),
    ("testSignVerifyRSASize3072SIGNPKCS1MD5103", 491,
     "testSignVerifyRSASize3072SIGNPKCS1MD5KeyAlias103",
     3072, "PKCS1_V1_5", "MD5", DATA65B, "finish", True),
    ("testSignVerifyRSASize3072SIGNPKCS1NONE103", 520,
     "testSignVerifyRSASize3072SIGNPKCS1NONEKeyAlias103",
     3072, "PKCS1_V1_5", "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyRSASize3072SIGNPKCS1SHA1103", 548,
     "testSignVerifyRSASize3072SIGNPKCS1SHA1KeyAlias103",
     3072, "PKCS1_V1_5", "SHA1", DATA65B, "finish", True),
    ("testSignVerifyRSASize3072SIGNPKCS1SHA224103", 577,
     "testSignVerifyRSASize3072SIGNPKCS1SHA224KeyAlias103",
     3072, "PKCS1_V1_5", "SHA224", DATA65B, "finish", True),
    ("testSignVerifyRSASize3072SIGNPKCS1SHA256103", 606,
     "testSignVerifyRSASize3072SIGNPKCS1SHA256KeyAlias103",
     3072, "PKCS1_V1_5", "SHA256", DATA65B, "finish", False),
    ("testSignVerifyRSASize3072SIGNPKCS1SHA384103", 634,
     "testSignVerifyRSASize3072SIGNPKCS1SHA384KeyAlias103",
     3072, "PKCS1_V1_5", "SHA384", DATA65B, "finish", False),
    ("testSignVerifyRSASize3072SIGNPKCS1SHA512103", 662,
     "testSignVerifyRSASize3072SIGNPKCS1SHA512KeyAlias103",
     3072, "PKCS1_V1_5", "SHA512", DATA65B, "finish", False),
    ("testSignVerifyRSASize3072SIGNPSSMD5103", 690,
     "testSignVerifyRSASize3072SIGNPSSMD5KeyAlias103",
     3072, "PSS", "MD5", DATA65B, "finish", True),
    ("testSignVerifyRSASize3072SIGNPSSNONE103", 719,
     "testSignVerifyRSASize3072SIGNPSSNONEKeyAlias103",
     3072, "PSS", "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyRSASize3072SIGNPSSSHA1103", 747,
     "testSignVerifyRSASize3072SIGNPSSSHA1KeyAlias103",
     3072, "PSS", "SHA1", DATA65B, "finish", True),
    ("testSignVerifyRSASize3072SIGNPSSSHA224103", 776,
     "testSignVerifyRSASize3072SIGNPSSSHA224KeyAlias103",
     3072, "PSS", "SHA224", DATA65B, "finish", True),
    ("testSignVerifyRSASize3072SIGNPSSSHA256103", 805,
     "testSignVerifyRSASize3072SIGNPSSSHA256KeyAlias103",
     3072, "PSS", "SHA256", DATA65B, "finish", False),
    ("testSignVerifyRSASize3072SIGNPSSSHA384103", 833,
     "testSignVerifyRSASize3072SIGNPSSSHA384KeyAlias103",
     3072, "PSS", "SHA384", DATA65B, "finish", False),
    ("testSignVerifyRSASize3072SIGNPSSSHA512103", 861,
     "testSignVerifyRSASize3072SIGNPSSSHA512KeyAlias103",
     3072, "PSS", "SHA512", DATA65B, "finish", False),
    ("testSignVerifyRSASize4096SIGNPKCS1MD5103", 889,
     "testSignVerifyRSASize4096SIGNPKCS1MD5KeyAlias103",
     4096, "PKCS1_V1_5", "MD5", DATA65B, "finish", True),
    ("testSignVerifyRSASize4096SIGNPKCS1NONE103", 918,
     "testSignVerifyRSASize4096SIGNPKCS1NONEKeyAlias103",
     4096, "PKCS1_V1_5", "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyRSASize4096SIGNPKCS1SHA1103", 946,
     "testSignVerifyRSASize4096SIGNPKCS1SHA1KeyAlias103",
     4096, "PKCS1_V1_5", "SHA1", DATA65B, "finish", True),
    ("testSignVerifyRSASize4096SIGNPKCS1SHA224103", 975,
     "testSignVerifyRSASize4096SIGNPKCS1SHA224KeyAlias103",
     4096, "PKCS1_V1_5", "SHA224", DATA65B, "finish", True),
    ("testSignVerifyRSASize4096SIGNPKCS1SHA256103", 1004,
     "testSignVerifyRSASize4096SIGNPKCS1SHA256KeyAlias103",
     4096, "PKCS1_V1_5", "SHA256", DATA65B, "finish", False),
    ("testSignVerifyRSASize4096SIGNPKCS1SHA384103", 1032,
     "testSignVerifyRSASize4096SIGNPKCS1SHA384KeyAlias103",
     4096, "PKCS1_V1_5", "SHA384", DATA65B, "finish", False),
    ("testSignVerifyRSASize4096SIGNPKCS1SHA512103", 1060,
     "testSignVerifyRSASize4096SIGNPKCS1SHA512KeyAlias103",
     4096, "PKCS1_V1_5", "SHA512", DATA65B, "finish", False),
    ("testSignVerifyRSASize4096SIGNPSSMD5103", 1088,
     "testSignVerifyRSASize4096SIGNPSSMD5KeyAlias103",
     4096, "PSS", "MD5", DATA65B, "finish", True),
    ("testSignVerifyRSASize4096SIGNPSSNONE103", 1117,
     "testSignVerifyRSASize4096SIGNPSSNONEKeyAlias103",
     4096, "PSS", "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyRSASize4096SIGNPSSSHA1103", 1145,
     "testSignVerifyRSASize4096SIGNPSSSHA1KeyAlias103",
     4096, "PSS", "SHA1", DATA65B, "finish", True),
    ("testSignVerifyRSASize4096SIGNPSSSHA224103", 1174,
     "testSignVerifyRSASize4096SIGNPSSSHA224KeyAlias103",
     4096, "PSS", "SHA224", DATA65B, "finish", True),
    ("testSignVerifyRSASize4096SIGNPSSSHA256103", 1203,
     "testSignVerifyRSASize4096SIGNPSSSHA256KeyAlias103",
     4096, "PSS", "SHA256", DATA65B, "finish", False),
    ("testSignVerifyRSASize4096SIGNPSSSHA384103", 1231,
     "testSignVerifyRSASize4096SIGNPSSSHA384KeyAlias103",
     4096, "PSS", "SHA384", DATA65B, "finish", False),
    ("testSignVerifyRSASize4096SIGNPSSSHA512103", 1259,
     "testSignVerifyRSASize4096SIGNPSSSHA512KeyAlias103",
     4096, "PSS", "SHA512", DATA65B, "finish", False),
]


def _props(purpose: HuksParam, size: int, padding: str, digest: str) -> list[HuksParam]:
    return [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), purpose,
            param(T.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{digest}"]),
            param(T.HUKS_TAG_PADDING, HuksKeyPadding[f"HUKS_PADDING_{padding}"]),
            param(T.HUKS_TAG_KEY_SIZE, size)]


#: Found by this suite (fixed in 2026-12): RSA-PSS over a caller-hashed value (DIGEST NONE) answered
#: 12000001 on the software keystore; it now signs the input as the hash its length names, as upstream's
#: InitRsaCtx (hukspy/software/engine.py).


@pytest.mark.parametrize(("name", "line", "alias", "size", "padding", "digest", "raw", "third",
                          "software_only"), CASES, ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, alias: str,
                     size: int, padding: str, digest: str, raw: bytes, third: str,
                     software_only: bool) -> None:
    """SecurityHuksSignVerifyRSAPromiseJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    sign (finish or abort), then verify with the imported public key; every call succeeds."""
    sign = _props(PURPOSE_SIGN, size, padding, digest)
    require(keystore, sign, sign)
    if software_only and not check_software(keystore):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    sign_verify_case(keystore, alias, sign, _props(PURPOSE_VERIFY, size, padding, digest), raw, third)

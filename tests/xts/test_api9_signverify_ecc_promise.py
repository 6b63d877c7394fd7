"""XTS ``SecurityHuksSignVerifyECCPromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksSignVerifyECCPromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit
``c1edf0ad`` (tests/xts/helpers.py). 21 ``it()`` cases.

Each case signs ``raw`` with a generated ECC key (``publicSignVerifyFunc``, 64-byte updates), then
imports the exported public key and verifies the signature, or aborts the signing. DIGEST NONE cases
sign a 32-byte SHA-256 value. Cases upstream guards with ``useSoftware`` (``checkSoftware()``: a DSA
key can be generated) do nothing upstream elsewhere; here they are skipped with that reason.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyDigest, HuksTag
from hukspy.testing import options, param
from xts.helpers import DATA65B, PURPOSE_SIGN, PURPOSE_VERIFY, SignVerify, check_software, require

T = HuksTag
#: ``srcData63AfterSha256`` and ``srcData65Sha256`` of the upstream file (lines 24 and 31).
DATA63_SHA256 = bytes.fromhex("D2E1248F0DBB2F98641327E00DEA34BB1D1CC2A1BE10F0B16F8EDF9B42BA385D")
DATA65_SHA256 = bytes.fromhex("23F894EAEE1C70A933826CCFEF2D416F64F646D4CDD45C33844D534A1DF0E7DF")

#: (it() name, line, alias, key size, digest, data, finish/abort, guarded by useSoftware)
CASES = [
    ("Security_HUKS_SignVerify_API9_ECC_101", 42, "testSignVerifyECCSize256SIGNNONEKeyAlias101",
     256, "NONE", DATA63_SHA256, "finish", False),
    ("Security_HUKS_SignVerify_API9_ECC_102", 66, "testSignVerifyECCSize256SIGNNONEKeyAlias102",
     256, "NONE", DATA63_SHA256, "abort", False),
    ("Security_HUKS_SignVerify_API9_ECC_103", 80, "testSignVerifyECCSize256SIGNNONEKeyAlias103",
     256, "NONE", DATA65_SHA256, "finish", False),
    ("Security_HUKS_SignVerify_API9_ECC_104", 105, "testSignVerifyECCSize256SIGNNONEKeyAlias104",
     256, "NONE", DATA65_SHA256, "abort", False),
    ("testSignVerifyECCSize384SIGNNONE103", 120, "testSignVerifyECCSize384SIGNNONEKeyAlias103",
     384, "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyECCSize521SIGNNONE103", 145, "testSignVerifyECCSize521SIGNNONEKeyAlias103",
     521, "NONE", DATA65_SHA256, "finish", False),
    ("testSignVerifyECCSize256SIGNSHA1103", 170, "testSignVerifyECCSize256SIGNSHA1KeyAlias103",
     256, "SHA1", DATA65B, "finish", True),
    ("testSignVerifyECCSize384SIGNSHA1103", 197, "testSignVerifyECCSize384SIGNSHA1KeyAlias103",
     384, "SHA1", DATA65B, "finish", True),
    ("testSignVerifyECCSize521SIGNSHA1103", 224, "testSignVerifyECCSize384SIGNSHA1KeyAlias103",
     521, "SHA1", DATA65B, "finish", True),
    ("testSignVerifyECCSize256SIGNSHA224103", 251, "testSignVerifyECCSize256SIGNSHA224KeyAlias103",
     256, "SHA224", DATA65B, "finish", True),
    ("testSignVerifyECCSize384SIGNSHA224103", 278, "testSignVerifyECCSize384SIGNSHA224KeyAlias103",
     384, "SHA224", DATA65B, "finish", True),
    ("testSignVerifyECCSize521SIGNSHA224103", 305, "testSignVerifyECCSize384SIGNSHA224KeyAlias103",
     521, "SHA224", DATA65B, "finish", True),
    ("testSignVerifyECCSize256SIGNSHA256103", 332, "testSignVerifyECCSize256SIGNSHA256KeyAlias103",
     256, "SHA256", DATA65B, "finish", False),
    ("testSignVerifyECCSize384SIGNSHA256103", 357, "testSignVerifyECCSize384SIGNSHA256KeyAlias103",
     384, "SHA256", DATA65B, "finish", False),
    ("testSignVerifyECCSize521SIGNSHA256103", 382, "testSignVerifyECCSize384SIGNSHA256KeyAlias103",
     521, "SHA256", DATA65B, "finish", False),
    ("testSignVerifyECCSize256SIGNSHA384103", 407, "testSignVerifyECCSize256SIGNSHA384KeyAlias103",
     256, "SHA384", DATA65B, "finish", False),
    ("testSignVerifyECCSize384SIGNSHA384103", 432, "testSignVerifyECCSize384SIGNSHA384KeyAlias103",
     384, "SHA384", DATA65B, "finish", False),
    ("testSignVerifyECCSize521SIGNSHA384103", 457, "testSignVerifyECCSize384SIGNSHA384KeyAlias103",
     521, "SHA384", DATA65B, "finish", False),
    ("testSignVerifyECCSize256SIGNSHA512103", 482, "testSignVerifyECCSize256SIGNSHA512KeyAlias103",
     256, "SHA512", DATA65B, "finish", False),
    ("testSignVerifyECCSize384SIGNSHA512103", 507, "testSignVerifyECCSize384SIGNSHA512KeyAlias103",
     384, "SHA512", DATA65B, "finish", False),
    ("testSignVerifyECCSize521SIGNSHA512103", 532, "testSignVerifyECCSize384SIGNSHA512KeyAlias103",
     521, "SHA512", DATA65B, "finish", False),
]


@pytest.mark.parametrize(("name", "line", "alias", "size", "digest", "raw", "third", "software_only"),
                         CASES, ids=[c[0] for c in CASES])
def test_sign_verify(keystore: Keystore, name: str, line: int, alias: str, size: int, digest: str,
                     raw: bytes, third: str, software_only: bool) -> None:
    """SecurityHuksSignVerifyECCPromiseJsunit.test.js, at the line in ``CASES`` (test id: the it()
    name): sign (finish or abort), then verify the signature with the imported public key; every call
    succeeds."""
    props = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC), PURPOSE_SIGN,
             param(T.HUKS_TAG_DIGEST, HuksKeyDigest[f"HUKS_DIGEST_{digest}"]),
             param(T.HUKS_TAG_KEY_SIZE, size)]
    require(keystore, props, props)
    if software_only and not check_software(keystore):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    sv = SignVerify()
    signature = sv.sign(keystore, alias, props, third, raw)
    if third == "finish":
        assert signature
        sv.verify(keystore, alias, [props[0], PURPOSE_VERIFY, *props[2:]], signature, raw)
    assert not keystore.has_key_item(alias, options())

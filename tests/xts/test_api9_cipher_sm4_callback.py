"""XTS ``SecurityHuksCipherSM4CallbackJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherSM4CallbackJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 20 ``it()`` cases: SM4-128 CBC/CTR/ECB with NONE or PKCS7 padding, on 48 and
240 bytes, ``IV = '0000000000000000'``. The file's ``publicCipherFunc`` and ``publicUpdateFunc`` are the
promise suite's (64-byte updates, the last at most 64-byte piece to finish; decrypt everything the
encryption returned): ``run_sm4_case`` (tests/xts/_sm4.py). Cases upstream guards with ``useSoftware``
(``checkSoftware()``) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from xts._sm4 import PLAIN_48, PLAIN_240, run_sm4_case

_ALIAS = "testCipherSM4Size128PADDING{}MODE{}KeyAlias{:03d}"

#: (it() name, line, alias, mode, padding, data, round trip or encrypt+abort, guarded by useSoftware)
CASES = [
    ("Security_HUKS_Cipher_API9_SM4_00148", 304, _ALIAS.format("NONE", "CBC", 1), "CBC", "NONE", PLAIN_48,
     "round", False),
    ("Security_HUKS_Cipher_API9_SM4_001240", 340, _ALIAS.format("NONE", "CBC", 1), "CBC", "NONE", PLAIN_240,
     "round", False),
    ("Security_HUKS_Cipher_API9_SM4_00248", 376, _ALIAS.format("NONE", "CBC", 2), "CBC", "NONE", PLAIN_48,
     "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_002240", 398, _ALIAS.format("NONE", "CBC", 2), "CBC", "NONE", PLAIN_240,
     "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_00348", 421, _ALIAS.format("PKCS7", "CBC", 3), "CBC", "PKCS7", PLAIN_48,
     "round", True),
    ("Security_HUKS_Cipher_API9_SM4_003240", 459, _ALIAS.format("PKCS7", "CBC", 3), "CBC", "PKCS7",
     PLAIN_240, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_00448", 497, _ALIAS.format("PKCS7", "CBC", 4), "CBC", "PKCS7", PLAIN_48,
     "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_004240", 521, _ALIAS.format("PKCS7", "CBC", 4), "CBC", "PKCS7",
     PLAIN_240, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_00548", 546, _ALIAS.format("NONE", "CTR", 5), "CTR", "NONE", PLAIN_48,
     "round", False),
    ("Security_HUKS_Cipher_API9_SM4_005240", 582, _ALIAS.format("NONE", "CTR", 5), "CTR", "NONE", PLAIN_240,
     "round", False),
    ("Security_HUKS_Cipher_API9_SM4_00648", 618, _ALIAS.format("NONE", "CTR", 6), "CTR", "NONE", PLAIN_48,
     "abort", False),
    ("testReformedCipherSM4006_240", 640, _ALIAS.format("NONE", "CTR", 6), "CTR", "NONE", PLAIN_240,
     "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_00748", 663, _ALIAS.format("NONE", "ECB", 7), "ECB", "NONE", PLAIN_48,
     "round", True),
    ("Security_HUKS_Cipher_API9_SM4_007240", 701, _ALIAS.format("NONE", "ECB", 7), "ECB", "NONE", PLAIN_240,
     "round", True),
    ("Security_HUKS_Cipher_API9_SM4_00848", 739, _ALIAS.format("NONE", "ECB", 8), "ECB", "NONE", PLAIN_48,
     "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_008240", 763, _ALIAS.format("NONE", "ECB", 8), "ECB", "NONE", PLAIN_240,
     "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_00948", 788, _ALIAS.format("PKCS7", "ECB", 9), "ECB", "PKCS7", PLAIN_48,
     "round", True),
    ("Security_HUKS_Cipher_API9_SM4_009240", 826, _ALIAS.format("PKCS7", "ECB", 9), "ECB", "PKCS7",
     PLAIN_240, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_01048", 864, _ALIAS.format("PKCS7", "ECB", 10), "ECB", "PKCS7",
     PLAIN_48, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_010240", 888, _ALIAS.format("PKCS7", "ECB", 10), "ECB", "PKCS7",
     PLAIN_240, "abort", True),
]


@pytest.mark.parametrize(("name", "line", "alias", "mode", "padding", "data", "kind", "software_only"),
                         CASES, ids=[c[0] for c in CASES])
def test_sm4(keystore: Keystore, name: str, line: int, alias: str, mode: str, padding: str, data: bytes,
             kind: str, software_only: bool) -> None:
    """SecurityHuksCipherSM4CallbackJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    generate (ALG, ENCRYPT|DECRYPT, 128, mode, padding), encrypt, then decrypt what it returned, or
    abort the encryption; delete; every call succeeds."""
    run_sm4_case(keystore, alias, mode, padding, data, kind, software_only)

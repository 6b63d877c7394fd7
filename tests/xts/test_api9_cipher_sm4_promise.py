"""XTS ``SecurityHuksCipherSM4PromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksCipherSM4PromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 20 ``it()`` cases: SM4-128 CBC/CTR/ECB with NONE or PKCS7 padding, on 48 and
240 bytes, ``IV = '0000000000000000'``. This suite's own ``publicUpdateFunc`` sends 64-byte updates and
the last (at most 64-byte) piece to finish, and decrypts everything the encryption returned. Cases
upstream guards with ``useSoftware`` (``checkSoftware()``) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from xts._sm4 import PLAIN_48, PLAIN_240, run_sm4_case

#: (it() name, line, alias, mode, padding, data, round trip or encrypt+abort, guarded by useSoftware)
CASES = [
    ("Security_HUKS_Cipher_API9_SM4_10148", 208, "testCipherSM4Size128PADDINGNONEMODECBCKeyAlias101",
     "CBC", "NONE", PLAIN_48, "round", False),
    ("Security_HUKS_Cipher_API9_SM4_101240", 244, "testCipherSM4Size128PADDINGNONEMODECBCKeyAlias101",
     "CBC", "NONE", PLAIN_240, "round", False),
    ("Security_HUKS_Cipher_API9_SM4_10248", 280, "testCipherSM4Size128PADDINGNONEMODECBCKeyAlias102",
     "CBC", "NONE", PLAIN_48, "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_102240", 302, "testCipherSM4Size128PADDINGNONEMODECBCKeyAlias102",
     "CBC", "NONE", PLAIN_240, "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_10348", 325, "testCipherSM4Size128PADDINGPKCS7MODECBCKeyAlias103",
     "CBC", "PKCS7", PLAIN_48, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_103240", 363, "testCipherSM4Size128PADDINGPKCS7MODECBCKeyAlias103",
     "CBC", "PKCS7", PLAIN_240, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_10448", 401, "testCipherSM4Size128PADDINGPKCS7MODECBCKeyAlias104",
     "CBC", "PKCS7", PLAIN_48, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_104240", 425, "testCipherSM4Size128PADDINGPKCS7MODECBCKeyAlias104",
     "CBC", "PKCS7", PLAIN_240, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_10548", 450, "testCipherSM4Size128PADDINGNONEMODECTRKeyAlias105",
     "CTR", "NONE", PLAIN_48, "round", False),
    ("Security_HUKS_Cipher_API9_SM4_105240", 486, "testCipherSM4Size128PADDINGNONEMODECTRKeyAlias105",
     "CTR", "NONE", PLAIN_240, "round", False),
    ("Security_HUKS_Cipher_API9_SM4_10648", 522, "testCipherSM4Size128PADDINGNONEMODECTRKeyAlias106",
     "CTR", "NONE", PLAIN_48, "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_106240", 544, "testCipherSM4Size128PADDINGNONEMODECTRKeyAlias106",
     "CTR", "NONE", PLAIN_240, "abort", False),
    ("Security_HUKS_Cipher_API9_SM4_10748", 567, "testCipherSM4Size128PADDINGNONEMODEECBKeyAlias107",
     "ECB", "NONE", PLAIN_48, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_107240", 605, "testCipherSM4Size128PADDINGNONEMODEECBKeyAlias107",
     "ECB", "NONE", PLAIN_240, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_10848", 643, "testCipherSM4Size128PADDINGNONEMODEECBKeyAlias108",
     "ECB", "NONE", PLAIN_48, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_108240", 667, "testCipherSM4Size128PADDINGNONEMODEECBKeyAlias108",
     "ECB", "NONE", PLAIN_240, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_10948", 692, "testCipherSM4Size128PADDINGPKCS7MODEECBKeyAlias109",
     "ECB", "PKCS7", PLAIN_48, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_109240", 730, "testCipherSM4Size128PADDINGPKCS7MODEECBKeyAlias109",
     "ECB", "PKCS7", PLAIN_240, "round", True),
    ("Security_HUKS_Cipher_API9_SM4_11048", 768, "testCipherSM4Size128PADDINGPKCS7MODEECBKeyAlias110",
     "ECB", "PKCS7", PLAIN_48, "abort", True),
    ("Security_HUKS_Cipher_API9_SM4_110240", 792, "testCipherSM4Size128PADDINGPKCS7MODEECBKeyAlias110",
     "ECB", "PKCS7", PLAIN_240, "abort", True),
]


@pytest.mark.parametrize(("name", "line", "alias", "mode", "padding", "data", "kind", "software_only"),
                         CASES, ids=[c[0] for c in CASES])
def test_sm4(keystore: Keystore, name: str, line: int, alias: str, mode: str, padding: str, data: bytes,
             kind: str, software_only: bool) -> None:
    """SecurityHuksCipherSM4PromiseJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    generate (ALG, ENCRYPT|DECRYPT, 128, mode, padding), encrypt, then decrypt what it returned, or
    abort the encryption; delete (``run_sm4_case``, tests/xts/_sm4.py)."""
    run_sm4_case(keystore, alias, mode, padding, data, kind, software_only)

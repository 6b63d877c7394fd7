"""XTS ``SecurityHuksAgreeDHPromiseJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksAgreeDHPromiseJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 7 ``it()`` cases of ``publicAgreeFunc`` (tests/xts/helpers.py) on DH keys.

Most cases store the agreed secret of a DH-2048/3072/4096 key (256/384/512 bytes) as an AES-128/256
key. hukspy refuses that with 401 (docs/decisions.md, "a stored agreed/derived key": its KEY_SIZE
must equal the secret's length); this XTS suite expects the store to succeed and the two stored keys to
encrypt alike. Upstream's service refuses it too since 2023 (security_huks ``hks_check_paramset.c``,
``HksCoreCheckAgreeDeriveFinishParams``: HKS_ERROR_INVALID_ARGUMENT → 401), so the case is stale
upstream; re-examined in 2026-12, the decision is kept and its code changed from 12000003 to upstream's
401. Those cases assert hukspy's decision and are counted as such in docs/conformance.md.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import AES, DATE63KB, DATE65KB, HMAC, PURPOSE_DERIVE, agree_func, check_software, require

T = HuksTag
STORED_SIZE = ("a stored agreed/derived key: its KEY_SIZE must equal the secret's length in bits, "
               "else 401")
NOT_STORED = ("a derive/agree result is stored only with KEY_STORAGE_FLAG=PERSISTENT "
              "(docs/upstream-checks.md); deleting an alias that holds no key is 12000011")
UNSUPPORTED = "a valid HUKS algorithm or size the backend does not implement: 12000001, never 12000003"
STORE = [param(T.HUKS_TAG_KEY_STORAGE_FLAG, 1), param(T.HUKS_TAG_IS_KEY_ALIAS, True)]  # PERSISTENT
UNSET = param(T.HUKS_TAG_KEY_ALIAS, b"unset")  # index 6: publicAgreeFunc puts <alias>final there


def _dh(bits: int) -> list[HuksParam]:
    return [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_DH),
            param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_AGREE),
            param(T.HUKS_TAG_KEY_SIZE, bits)]


def _aes(size: HuksParam, mode: HuksParam) -> list[HuksParam]:
    return [*STORE, AES.ALG, size, AES.PURPOSE, AES.DIGEST_NONE, UNSET, AES.PADDING_NONE, mode]


DERIVE = [AES.ALG, PURPOSE_DERIVE, HMAC.SHA256, AES.SIZE256, AES.PADDING_NONE, AES.CBC, UNSET, *STORE]
MAC = [HMAC.ALG, HMAC.PURPOSE, HMAC.SHA256, AES.SIZE256, AES.PADDING_NONE, AES.CBC, UNSET]

#: (it() name, line, alias stem, DH size, finish params, finish/abort, finish inData, deleteFinalKeys,
#:  guarded by checkSoftware, hukspy's answer: None (success), 401 at the first finish, or
#:  12000011 when deleting the final keys)
CASES = [
    ("Security_HUKS_Agree_API9_DH_101", 116, "testAgreeDHSize2048Finish63KBAgreeKeyAlias", 2048,
     _aes(AES.SIZE128, AES.CBC), "finish", None, False, False, 401),
    ("Security_HUKS_Agree_API9_DH_102", 149, "testAgreeDHSize2048Abort63KBAgreeKeyAlias", 2048,
     _aes(AES.SIZE256, AES.ECB), "abort", DATE63KB, False, False, None),
    ("Security_HUKS_Agree_API9_DH_103", 178, "testAgreeDHSize2048Finish65KBAgreeKeyAlias", 2048,
     _aes(AES.SIZE256, AES.CBC), "finish", DATE65KB, True, False, 401),
    ("Security_HUKS_Agree_API9_DH_104", 187, "testAgreeDHSize2048Finish63KBAgreeKeyAlias", 3072,
     _aes(AES.SIZE256, AES.CBC), "finish", None, False, True, 401),
    ("Security_HUKS_Agree_API9_DH_105", 228, "testAgreeDHSize2048Finish63KBAgreeKeyAlias", 4096,
     _aes(AES.SIZE256, AES.CBC), "finish", None, False, True, 401),
    ("testAgreeDHSize2048Finish65KBAgree108", 269, "testAgreeDHSize2048Finish65KBAgreeKeyAlias", 2048,
     DERIVE, "finish", DATE65KB, True, False, 401),
    ("testAgreeDHSize2048Finish65KBAgree130", 278, "testAgreeDHSize2048Finish65KBAgreeKeyAlias", 2048,
     MAC, "finish", DATE65KB, True, False, 12000011),
]


@pytest.mark.parametrize(("name", "line", "stem", "bits", "finish", "third", "data", "delete_final",
                          "guarded", "code"), CASES, ids=[c[0] for c in CASES])
def test_agree_dh(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, stem: str,
                  bits: int, finish: list[HuksParam], third: str, data: bytes | None, delete_final: bool,
                  guarded: bool, code: int | None) -> None:
    """SecurityHuksAgreeDHPromiseJsunit.test.js, at the line in ``CASES`` (test id: the it() name):
    ``publicAgreeFunc`` (then ``checkAESChiper``, which hukspy never reaches: the store is refused).
    _104/_105 run the agreement only where ``checkSoftware()`` is true; elsewhere upstream expects
    generating the DH-3072/4096 key to fail with 12000003 (that device has no such keys). Here the
    agreement runs wherever the backend declares the key size; a backend that does not answers
    12000001."""
    suffix = "_108" if name.endswith("108") else "_130" if name.endswith("130") else "_101"
    first, second = f"{stem}_01{suffix}", f"{stem}_02{suffix}"
    gen = _dh(bits)
    declared = keystore.capabilities().key(HuksKeyAlg.HUKS_ALG_DH, bits) is not None
    if guarded and not check_software(keystore) and not declared:
        request.applymarker(pytest.mark.xts_decision(UNSUPPORTED))
        with raises_code(12000001):
            keystore.generate_key_item(first, options(*gen))
        return
    require(keystore, gen, [*gen[:2], finish[3]])
    if code is not None:
        request.applymarker(pytest.mark.xts_decision(STORED_SIZE if code == 401 else NOT_STORED))
    try:
        if code is None:
            agree_func(keystore, first, second, gen, finish, third, delete_final, data)
        else:
            with raises_code(code):
                agree_func(keystore, first, second, gen, finish, third, delete_final, data)
    finally:
        for alias in (first, second, first + "final", second + "final"):
            if keystore.has_key_item(alias, options()):
                keystore.delete_key_item(alias, options())

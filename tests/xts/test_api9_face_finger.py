"""XTS ``SecurityHuksFaceFingerJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksFaceFingerJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 7 ``it()`` cases. Six generate an AES-256 CBC key bound to a PIN
(``usePinNormal``: USER_AUTH_TYPE PIN, ACCESS INVALID_CLEAR_PASSWORD, CHALLENGE_TYPE NORMAL,
CHALLENGE_POS 0; ``usePinTime``: CHALLENGE_TYPE NONE, AUTH_TIMEOUT 10) with one user-auth param made
invalid. Upstream accepts success or the expected code (the check sits in ``.catch`` only); hukspy never
creates a user-auth key (docs/decisions.md, "keys with user authentication"), so the error is required
here. The seventh attests a key without the attestation permission (201): device-only.
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import (
    HuksAuthAccessType,
    HuksChallengeType,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyGenerateType,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
    HuksUserAuthType,
)
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import check_software, string_to_uint8array

T = HuksTag
USER_AUTH = "keys with user authentication: invalid user-auth params are 401 first"


def _use_pin(normal: bool) -> list[HuksParam]:
    """``usePinNormal`` / ``usePinTime``."""
    last = param(T.HUKS_TAG_CHALLENGE_POS, 0) if normal else param(T.HUKS_TAG_AUTH_TIMEOUT, 10)
    challenge = HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL if normal else \
        HuksChallengeType.HUKS_CHALLENGE_TYPE_NONE
    return [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), param(T.HUKS_TAG_KEY_SIZE, 256),
            param(T.HUKS_TAG_PURPOSE,
                  HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT | HuksKeyPurpose.HUKS_KEY_PURPOSE_DECRYPT),
            param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE),
            param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC),
            param(T.HUKS_TAG_USER_AUTH_TYPE, HuksUserAuthType.HUKS_USER_AUTH_TYPE_PIN),
            param(T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE,
                  HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_CLEAR_PASSWORD),
            param(T.HUKS_TAG_CHALLENGE_TYPE, challenge), last]


#: (it() name, line, usePinNormal?, index replaced, the replacing param, the code upstream's catch expects)
CASES = [
    ("HUKS_Cipher_AuthToken_2900", 195, True, 5, (T.HUKS_TAG_USER_AUTH_TYPE, -1), 401),
    ("HUKS_Cipher_AuthToken_3000", 228, True, 6, (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, -1), 401),
    ("HUKS_Cipher_AuthToken_3100", 261, True, 7, (T.HUKS_TAG_CHALLENGE_TYPE, -1), 401),
    # upstream's catch expects 12000013 (no enrolled credential); hukspy answers 401: CHALLENGE_POS is a
    # uint and -1 is out of its range, and invalid user-auth params are 401 first (docs/decisions.md,
    # "keys with user authentication")
    ("HUKS_Cipher_AuthToken_3200", 294, True, 8, (T.HUKS_TAG_CHALLENGE_POS, -1), 401),
    ("HUKS_Cipher_AuthToken_3300", 326, False, 8, (T.HUKS_TAG_AUTH_TIMEOUT, -1), 401),
    ("HUKS_Cipher_AuthToken_5500", 358, True, 6,
     (T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, HuksAuthAccessType.HUKS_AUTH_ACCESS_INVALID_NEW_BIO_ENROLL), 401),
]
#: the cases that assert a hukspy decision where upstream expects otherwise
DECISIONS = {"HUKS_Cipher_AuthToken_3200": USER_AUTH}


@pytest.mark.parametrize(("name", "line", "normal", "index", "bad", "code"), CASES,
                         ids=[c[0] for c in CASES])
def test_auth_token(keystore: Keystore, request: pytest.FixtureRequest, name: str, line: int, normal: bool,
                    index: int, bad: tuple[int, int], code: int) -> None:
    """SecurityHuksFaceFingerJsunit.test.js, at the line in ``CASES`` (test id: the it() name): generating
    the PIN-bound key with one param replaced answers ``code`` (upstream runs it where
    ``checkSoftware()`` is true; elsewhere the case does nothing)."""
    if not check_software(keystore):
        pytest.skip("upstream runs this case only where checkSoftware() is true (DSA keys can be made)")
    if name in DECISIONS:
        request.applymarker(pytest.mark.xts_decision(DECISIONS[name]))
    props = _use_pin(normal)
    props[index] = param(*bad)
    with raises_code(code):
        keystore.generate_key_item(name, options(*props))
    assert not keystore.has_key_item(name, options())


@pytest.mark.xts_device("needs OpenHarmony's permission system: upstream attests without "
                        "ohos.permission.ATTEST_KEY and expects 201; hukspy has no app permissions")
def test_HUKS_Cipher_Attestation_0300(keystore: Keystore) -> None:
    """SecurityHuksFaceFingerJsunit.test.js:390: generate an RSA-2048 VERIFY key (``generateKeyAttest``),
    attest it with SEC_LEVEL_INFO/CHALLENGE/VERSION_INFO/ALIAS: 201 (the app lacks the permission)."""
    pytest.skip("device-only: needs OpenHarmony's permission system (ohos.permission.ATTEST_KEY, 201)")
    alias = "key attest"
    keystore.generate_key_item(alias, options(
        param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), param(T.HUKS_TAG_KEY_STORAGE_FLAG, 1),
        param(T.HUKS_TAG_KEY_SIZE, 2048), param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY),
        param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
        param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PSS),
        param(T.HUKS_TAG_KEY_GENERATE_TYPE, HuksKeyGenerateType.HUKS_KEY_GENERATE_TYPE_DEFAULT),
        param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB)))
    with raises_code(201):
        keystore.attest_key_item(alias, options(
            param(T.HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO, string_to_uint8array("sec_level")),
            param(T.HUKS_TAG_ATTESTATION_CHALLENGE, string_to_uint8array("challenge_data")),
            param(T.HUKS_TAG_ATTESTATION_ID_VERSION_INFO, string_to_uint8array("version_info")),
            param(T.HUKS_TAG_ATTESTATION_ID_ALIAS, string_to_uint8array(alias))))

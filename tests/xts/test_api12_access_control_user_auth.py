"""XTS ``SecurityHuksAccessControlUserAuth.test.ets`` (api12 ets suite, API 20 cases), translated case
by case (issue 19).

Upstream: ``SecurityHuksAccessControlUserAuth.test.ets`` in ``API12_DIR`` (tests/xts/helpers_api12_e.py)
at xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). 2 ``it()`` cases: an AES-256 ENCRYPT|DECRYPT key
(``GetAesGenerateOption(256)``, utils/options/GenerateKeyOptions.ets) merged with ALWAYS_VALID, the
NORMAL challenge and USER_AUTH_TYPE TUI_PIN (``GetAlwaysValidOptions``, ``GetChallengeNormalOptions``,
``GetTuiPinOptions``, utils/huks/AccessControlUtils.ets) is generated, or imported from
``GetAesImportData(256)`` (utils/options/ImportOptions.ets), and fails with 12000001
(FEATURE_NOT_SUPPORTED). Upstream runs both only where ``CheckSoftware()`` (the api12 variant, a DSA-1024
SIGN key: ``xts.helpers_api12_e.check_software``) holds and does nothing elsewhere: skipped there.
hukspy answers the same (docs/decisions.md, "Access groups and user-auth keys": TUI_PIN alone with
ALWAYS_VALID is 12000001).
"""

from __future__ import annotations

import pytest

from hukspy import Keystore
from hukspy.enums import HuksAuthAccessType, HuksChallengeType, HuksKeyAlg, HuksTag, HuksUserAuthType
from hukspy.testing import options, param, raises_code
from xts.helpers_api12_e import DECRYPT, ENCRYPT, check_software

T = HuksTag
#: ``GetAesGenerateOption(256)`` merged (``MergeOptions``) with the three access-control options.
OPTIONS = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), param(T.HUKS_TAG_KEY_SIZE, 256),
           param(T.HUKS_TAG_PURPOSE, ENCRYPT | DECRYPT),
           param(T.HUKS_TAG_KEY_AUTH_ACCESS_TYPE, HuksAuthAccessType.HUKS_AUTH_ACCESS_ALWAYS_VALID),
           param(T.HUKS_TAG_CHALLENGE_TYPE, HuksChallengeType.HUKS_CHALLENGE_TYPE_NORMAL),
           param(T.HUKS_TAG_USER_AUTH_TYPE, HuksUserAuthType.HUKS_USER_AUTH_TYPE_TUI_PIN)]
#: ``GetAesImportData(256)`` (utils/options/ImportOptions.ets).
AES256_DATA = bytes.fromhex("fb8b9f12a08319be6a6f632a7c86bacafb8b9f12a08319bf6a6f632a7c86baca")


@pytest.mark.parametrize(("name", "line", "imported"), [
    ("SUB_Security_HUKS_AccessControl_UserAuth_Api20_Func_0100", 55, False),
    ("SUB_Security_HUKS_AccessControl_UserAuth_Api20_Func_0200", 78, True),
], ids=["SUB_Security_HUKS_AccessControl_UserAuth_Api20_Func_0100",
        "SUB_Security_HUKS_AccessControl_UserAuth_Api20_Func_0200"])
def test_tui_pin(keystore: Keystore, name: str, line: int, imported: bool) -> None:
    """SecurityHuksAccessControlUserAuth.test.ets:55 (_0100, generate) and :78 (_0200, import): where
    ``CheckSoftware()`` holds, creating the TUI_PIN key raises 12000001 and leaves no key."""
    if not check_software(keystore):
        pytest.skip("upstream runs this case only where CheckSoftware() holds (a DSA-1024 SIGN key)")
    with raises_code(12000001):
        if imported:
            keystore.import_key_item(name, options(*OPTIONS, in_data=AES256_DATA))
        else:
            keystore.generate_key_item(name, options(*OPTIONS))
    assert not keystore.has_key_item(name, options())

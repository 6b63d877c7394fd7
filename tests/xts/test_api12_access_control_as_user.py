"""XTS ``SecurityHuksAccessControlAsUser.test.ets`` (api12 ets suite), translated case by case
(issue 19).

Upstream: ``SecurityHuksAccessControlAsUser.test.ets`` in ``API12_DIR`` (tests/xts/helpers_api12_e.py)
at xts_acts commit ``c1edf0ad`` (tests/xts/helpers.py). 10 ``it()`` cases: an ordinary (non-system)
application calls each ``*AsUser`` system API for user 100 and expects 202 (NOT_SYSTEM_APP); most
cases first make the key with the ordinary API.

Decision (docs/decisions.md, "the ``*AsUser`` system APIs"): hukspy does not provide them. The NAPI of
each ``*AsUser`` function is the ordinary call with ``HKS_TAG_SPECIFIC_USER_ID`` (INT|317) = userId
appended to the params (``interfaces/kits/napi/src/v9/huks_napi_common_item.cpp:725-740``,
``ParseGetHksParamSetAsUser``), and upstream's service refuses that tag to any caller that is not a
system app with INTERACT_ACROSS_LOCAL_ACCOUNTS
(``services/huks_standard/huks_service/main/os_dependency/idl/ipc/hks_permission_check.cpp:103-168``,
``HksCheckAcrossAccountsPermission`` → ``CheckTokenType`` → NOT_SYSTEM_APP -140 → 202). hukspy has no
system apps and never lets a caller name the user: the keystore service takes the caller from
``SO_PEERCRED`` and gives each uid its own namespace (docs/service.md). So each case asserts: the
ordinary preparation succeeds as upstream's does; neither ``Keystore`` nor the ``hukspy`` module has
the ``*_as_user`` function; the ordinary call with the param the NAPI would append is refused with 401
(SPECIFIC_USER_ID is not a ``HuksTag``: an unknown tag), where upstream answers 202; and a key made
beforehand is untouched by the refused call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest

import hukspy
from hukspy import Keystore
from hukspy.enums import (
    HuksAuthStorageLevel,
    HuksCipherMode,
    HuksKeyAlg,
    HuksKeyDigest,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
)
from hukspy.params import HuksOptions, HuksParam
from hukspy.testing import options, param, raises_code
from xts.helpers import require, string_to_uint8array

T = HuksTag
AS_USER = ("the *AsUser system APIs: not provided; options naming another user (SPECIFIC_USER_ID, the "
           "NAPI's tag) are 401 as an unknown tag; the service takes the caller from SO_PEERCRED")
#: ``HKS_TAG_SPECIFIC_USER_ID`` (hks_tag.h: HKS_TAG_TYPE_INT | 317), not a HuksTag of the ArkTS API.
SPECIFIC_USER_ID: Final = 0x10000000 | 317
USER_ID: Final = 100  # ``userid`` of every case
CE = param(T.HUKS_TAG_AUTH_STORAGE_LEVEL, HuksAuthStorageLevel.HUKS_AUTH_STORAGE_LEVEL_CE)
ENCRYPT = param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_ENCRYPT)
AES256 = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES), param(T.HUKS_TAG_KEY_SIZE, 256), ENCRYPT]
ECC256_VERIFY = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_ECC), param(T.HUKS_TAG_KEY_SIZE, 256),
                 param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY), CE]
RSA2048_VERIFY = [param(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_RSA), param(T.HUKS_TAG_KEY_SIZE, 2048),
                  param(T.HUKS_TAG_PURPOSE, HuksKeyPurpose.HUKS_KEY_PURPOSE_VERIFY),
                  param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256),
                  param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PSS),
                  param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB), CE]
#: ``keyData`` of _2400 and _2500 (32 bytes).
KEY_DATA = bytes.fromhex("fb8b9f12a08319be6a6f632a7c86baca"
                         "640b8896e2fa77bc71e30f0f9e3ce5f9")
#: ``encryptOption`` of _2900 (its IV is 12 bytes: "000000000000").
ENCRYPT_OPTION = [*AES256, param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC),
                  param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_PKCS7),
                  param(T.HUKS_TAG_DIGEST, HuksKeyDigest.HUKS_DIGEST_SHA256), CE,
                  param(T.HUKS_TAG_IV, string_to_uint8array("000000000000"))]
#: ``anonAttestOption`` of _3100 (the ATTESTATION_ID_ALIAS is the case's name, set per case).
ANON_ATTEST = [param(T.HUKS_TAG_ATTESTATION_ID_SEC_LEVEL_INFO, string_to_uint8array("sec_level")),
               param(T.HUKS_TAG_ATTESTATION_CHALLENGE, string_to_uint8array("challenge_data")),
               param(T.HUKS_TAG_ATTESTATION_ID_VERSION_INFO, string_to_uint8array("version_info"))]

Call = Callable[[Keystore, str, HuksOptions], object]
CALLS: Final[dict[str, Call]] = {
    "generate_key_item": lambda ks, alias, opts: ks.generate_key_item(alias, opts),
    "delete_key_item": lambda ks, alias, opts: ks.delete_key_item(alias, opts),
    "import_key_item": lambda ks, alias, opts: ks.import_key_item(alias, opts),
    "import_wrapped_key_item": lambda ks, alias, opts: ks.import_wrapped_key_item(alias, alias, opts),
    "export_key_item": lambda ks, alias, opts: ks.export_key_item(alias, opts),
    "get_key_item_properties": lambda ks, alias, opts: ks.get_key_item_properties(alias, opts),
    "has_key_item": lambda ks, alias, opts: ks.has_key_item(alias, opts),
    "init_session": lambda ks, alias, opts: ks.init_session(alias, opts),
    "attest_key_item": lambda ks, alias, opts: ks.attest_key_item(alias, opts),
    "anon_attest_key_item": lambda ks, alias, opts: ks.anon_attest_key_item(alias, opts),
}

#: (it() name, line, the upstream API's Python name, the key the case generates first (None: none),
#: the options of the *AsUser call, its inData).
CASES = [
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2200", 50, "generate_key_item", None, AES256, b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2300", 77, "delete_key_item", [*AES256, CE], [*AES256, CE],
     b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2400", 106, "import_key_item", None, AES256, KEY_DATA),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2500", 138, "import_wrapped_key_item", None, AES256,
     KEY_DATA),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2600", 170, "export_key_item", ECC256_VERIFY, ECC256_VERIFY,
     b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2700", 199, "get_key_item_properties", [*AES256, CE],
     [*AES256, CE], b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2800", 228, "has_key_item", [*AES256, CE], [*AES256, CE],
     b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_2900", 257, "init_session", [*AES256, CE], ENCRYPT_OPTION,
     b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_3000", 299, "attest_key_item", [*AES256, CE],
     [*AES256, CE], b""),
    ("SUB_Security_HUKS_AccessControl_AsUser_Func_3100", 328, "anon_attest_key_item", RSA2048_VERIFY,
     ANON_ATTEST, b""),
]


@pytest.mark.xts_decision(AS_USER)
@pytest.mark.parametrize(("name", "line", "call", "key", "props", "in_data"), CASES,
                         ids=[c[0] for c in CASES])
def test_as_user(keystore: Keystore, name: str, line: int, call: str, key: list[HuksParam] | None,
                 props: list[HuksParam], in_data: bytes) -> None:
    """SecurityHuksAccessControlAsUser.test.ets, at the line in ``CASES`` (test id: the it() name):
    upstream generates ``key`` with ``generateKeyItem`` (when given), then calls ``<call>AsUser(100,
    ...)`` and expects 202. hukspy (the module docstring's decision): the generation succeeds, there is
    no ``<call>_as_user``, the call with SPECIFIC_USER_ID=100 in its options is 401, and the key is
    still there."""
    as_user = f"{call}_as_user"
    assert not hasattr(keystore, as_user) and not hasattr(hukspy, as_user)
    if key is not None:
        require(keystore, key)
        keystore.generate_key_item(name, options(*key))
    if call == "anon_attest_key_item":
        props = [*props, param(T.HUKS_TAG_ATTESTATION_ID_ALIAS, string_to_uint8array(name)), CE]
    try:
        with raises_code(401) as info:
            CALLS[call](keystore, name, options(*props, param(SPECIFIC_USER_ID, USER_ID), in_data=in_data))
        assert str(SPECIFIC_USER_ID) in info.value.message
        assert keystore.has_key_item(name, options()) is (key is not None)
    finally:
        if keystore.has_key_item(name, options()):
            keystore.delete_key_item(name, options())

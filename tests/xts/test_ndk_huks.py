"""XTS ``huksNdk.test.ets`` (the HUKS NDK suite), translated case by case (issue 19).

Upstream: ``security/huks/huks_ndk_Test/entry/src/ohosTest/ets/test/huksNdk.test.ets`` at xts_acts
commit ``c1edf0ad`` (tests/xts/helpers.py). 46 ``it()`` cases; each calls one NAPI function of
``libhuksndk.so`` and expects 0. The functions (``huksndk.cpp``, ``utils.cpp``; their params and flows in
tests/xts/helpers_ndk.py) call the ``OH_Huks_*`` C API and return 0 when the one call they check gives
the code they want: OH_HUKS_SUCCESS for most ``...001`` cases, anything else for the ``...002`` ("Err")
cases, which pass NULL pointers (and for ``OHHuksFreeParamSet`` and ``OHHuksCheckParamMatchErr``), 201
for ``OHHuksAttestKeyItem``. Every other call's result is ignored upstream; here every call must
succeed (hukspy's stricter check).

hukspy has no C API. An Err case becomes the nearest Python misuse: None where C passes NULL, which
hukspy answers with 401 (upstream's NULL pointer, ``HKS_ERROR_NULL_POINTER``, is 401 too, as a buffer
too small is: ``frameworks/huks_standard/main/common/src/hks_errcode_adapter.c:68-77``); the
translation asserts that code where upstream only asks for "not success". The
``OH_Huks_*ParamSet``/``OH_Huks_*Param`` functions build and check a C param set; in Python that is a
list of ``HuksParam`` and ``hukspy.params.ParamSet`` (``parse``: the checks every call runs;
``encode``/``decode``: the contiguous, stored form). The cases that only C can express (a NULL
out-pointer, a freed set) are translated and skipped ("ndk-only", recorded as device-only).

Kinds: 1 decision (``testOHHuksInitSession001``), 1 device-only (``testOHHuksAttestOHHuksKeyItem001``,
the attestation permission), 2 ndk-only; 18 cases need no keystore (the param-set functions).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hukspy import Keystore
from hukspy.enums import HuksKeyAlg, HuksKeyPurpose, HuksTag
from hukspy.params import HuksParam, ParamSet, check_value
from hukspy.testing import options, raises_code
from xts.helpers import require
from xts.helpers_ndk import (
    ALIAS,
    ANON_ATTEST_PARAMS,
    ATTEST_COMMON_PARAMS,
    CALLER_AGREE_KEY_ALIAS,
    CALLER_KEK_ALIAS,
    CALLER_KEY_ALIAS,
    DE,
    DSA_ALIAS,
    DSA_GEN_PARAMS,
    DSA_SIGN_PARAMS,
    ENCRYPT_PARAMS_041,
    GEN_ANON_ATTEST_PARAMS,
    GEN_PARAMS_041,
    HKDF_PARAMS_001,
    IMPORTED_KEY_ALIAS,
    IMPORTED_PLAIN_KEY,
    PBKDF2_ALIAS,
    PBKDF2_FINISH_PARAMS,
    PBKDF2_IN_DATA,
    PBKDF2_PARAMS,
    PBKDF2_STORED_ALIAS,
    RSA_ALIAS_041,
    TMP_PARAMS,
    WRAP_AAD,
    WRAP_NONCE,
    WRAPPING_KEY_ALIAS,
    delete_if_present,
    encrypt_with_imported_key,
    import_wrapped_key,
    pbkdf2_session,
    require_wrapped_import,
)

T = HuksTag
NDK_ONLY = "ndk-only: {}; Python has no such pointer to pass"
#: The decision ``testOHHuksInitSession001`` asserts (docs/decisions.md, "Where the contract is silent").
DERIVE_KEYS = ("DERIVE keys: AES, DES and 3DES keys with a SHA-2 DIGEST (a derive on another key: 12000003 "
               "at init)")


# -- the Err cases of the key and session functions: NULL everywhere → None, 401 -----------------------
#: (it() name, ets line, native function and its huksndk.cpp line, the Python call with None).
NULL_CALLS: list[tuple[str, int, str, Callable[[Keystore], object]]] = [
    ("testOHHuksGetSdkVersion002", 49, "OHHuksGetSdkVersionErr:84 (a blob of size 0, data NULL)",
     lambda ks: ks.get_sdk_version(None)),  # type: ignore[arg-type]
    ("testOHHuksGenerateKeyItem002", 77, "OHHuksGenerateKeyItemErr:144",
     lambda ks: ks.generate_key_item(None, None)),  # type: ignore[arg-type]
    ("testOHHuksExportPublicKeyItem002", 91, "OHHuksExportPublicKeyItemErr:211",
     lambda ks: ks.export_key_item(None, None)),  # type: ignore[arg-type]
    ("testOHHuksImportKeyItem002", 105, "OHHuksImportKeyItemErr:285",
     lambda ks: ks.import_key_item(None, None)),  # type: ignore[arg-type]
    ("testOHHuksDeleteKeyItem002", 133, "OHHuksDeleteKeyItemErr:325",
     lambda ks: ks.delete_key_item(None, None)),  # type: ignore[arg-type]
    ("testOHHuksIsKeyItemExist002", 161, "OHHuksIsKeyItemExistErr:367",
     lambda ks: ks.is_key_item_exist(None, None)),  # type: ignore[arg-type]
    ("testOHHuksInitSession002", 189, "OHHuksInitSessionErr:419",
     lambda ks: ks.init_session(None, None)),  # type: ignore[arg-type]
    ("testOHHuksAttestOHHuksKeyItem002", 217, "OHHuksAttestKeyItemErr:594",
     lambda ks: ks.attest_key_item(None, None)),  # type: ignore[arg-type]
    ("testOHHuksUpdateSession002", 511, "OHHuksUpdateSessionErr:917",
     lambda ks: ks.update_session(None, None)),  # type: ignore[arg-type]
    ("testOHHuksFinishSession002", 539, "OHHuksFinishSessionErr:929",
     lambda ks: ks.finish_session(None, None)),  # type: ignore[arg-type]
    ("testOHHuksAbortSession002", 567, "OHHuksAbortSessionErr:941",
     lambda ks: ks.abort_session(None, None)),  # type: ignore[arg-type]
    ("testOHHuksGetKeyItemParamSet002", 595, "OHHuksGetKeyItemParamSetErr:1139",
     lambda ks: ks.get_key_item_properties(None, None)),  # type: ignore[arg-type]
    ("testOHHuksImportWrappedKeyItem002", 609, "OHHuksImportWrappedKeyItemErr:1159",
     lambda ks: ks.import_wrapped_key_item(None, None, None)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("name", "line", "native", "call"), NULL_CALLS, ids=[c[0] for c in NULL_CALLS])
def test_null_arguments(keystore: Keystore, name: str, line: int, native: str,
                        call: Callable[[Keystore], object]) -> None:
    """huksNdk.test.ets, at the line in ``NULL_CALLS`` (test id: the it() name): the native function
    (huksndk.cpp, at its line) passes NULL for every pointer and expects an error. Python: None for
    each argument, 401."""
    with raises_code(401):
        call(keystore)


# -- the key functions ----------------------------------------------------------------------------------
def test_testOHHuksGetSdkVersion001(keystore: Keystore) -> None:
    """huksNdk.test.ets:35, ``OHHuksGetSdkVersion`` (huksndk.cpp:67): the version into a 1024-byte blob
    succeeds. hukspy's check: it is HUKS's ``HKS_SDK_VERSION``, "2.0.0.5"."""
    assert keystore.get_sdk_version(options()) == "2.0.0.5"


def _generate_tmp(ks: Keystore) -> None:
    """``OH_Huks_GenerateKeyItem(ALIAS, tmpParams)``, skipped where ``ks`` declares no RSA-2048 key."""
    require(ks, TMP_PARAMS)
    ks.generate_key_item(ALIAS, options(*TMP_PARAMS))


def test_testOHHuksGenerateKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:63, ``OHHuksGenerateKeyItem`` (huksndk.cpp:109): generating ``tmpParams`` (RSA-2048
    VERIFY, SHA-256, PSS, persistent, DE) under "testKey" succeeds; the key is deleted."""
    _generate_tmp(keystore)
    keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))
    assert not keystore.has_key_item(ALIAS, options(DE))


def test_testOHHuksDeleteKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:119, ``OHHuksDeleteKeyItem`` (huksndk.cpp:297): generate ``tmpParams``, delete:
    succeeds (hukspy's check: the key is gone)."""
    _generate_tmp(keystore)
    keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))
    assert not keystore.has_key_item(ALIAS, options(*TMP_PARAMS))


def test_testOHHuksIsKeyItemExist001(keystore: Keystore) -> None:
    """huksNdk.test.ets:147, ``OHHuksIsKeyItemExist`` (huksndk.cpp:337): generate ``tmpParams``;
    ``OH_Huks_IsKeyItemExist`` succeeds (Python: ``is_key_item_exist`` is True); delete."""
    _generate_tmp(keystore)
    try:
        assert keystore.is_key_item_exist(ALIAS, options(*TMP_PARAMS))
    finally:
        keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))


@pytest.mark.xts_decision(DERIVE_KEYS)
def test_testOHHuksInitSession001(keystore: Keystore) -> None:
    """huksNdk.test.ets:175, ``OHHuksInitSession`` (huksndk.cpp:387): generate ``tmpParams`` (an RSA-2048
    VERIFY key), init an HKDF DERIVE session on it (``g_hkdfParams001``): upstream expects success;
    hukspy answers 12000003 (docs/decisions.md, "DERIVE keys").

    Re-examined against security_huks: the service's ``ServiceInitCore``
    (``services/huks_standard/huks_service/main/core/src/hks_client_service.c:1841-1880``) checks only
    the alias and the param set's form (``HksCheckServiceInitParams``, ``hks_client_check.c:98-105``);
    the engine's ``HksCoreInit``
    (``services/huks_standard/huks_engine/main/core/src/hks_core_service_key_operate_three_stage.c:328-377``)
    checks the param set, the identity and secure-access params, then calls the purpose's init handler,
    and the DERIVE handler ``HksCoreDeriveThreeStageInit`` (``hks_core_service_three_stage.c:1802-1811``)
    returns success without looking at the key. So upstream opens the session, and its update feeds the
    RSA key blob to HKDF as if it were a secret (``HksCoreDeriveThreeStageUpdate``, ``GetRawkey``).
    hukspy decides at init which keys derive (the documented table): a session that would derive from
    an RSA VERIFY key is refused before it opens (12000003, as hukspy's other invalid init algorithms).
    Kept."""
    _generate_tmp(keystore)
    try:
        with raises_code(12000003):
            keystore.init_session(ALIAS, options(*HKDF_PARAMS_001))
    finally:
        keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))


def test_testOHHuksExportPublicKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:652, ``doOHHuksExportPublicKeyItem`` (huksndk.cpp:167): generate
    ``g_genParams041`` (RSA-4096 OAEP SHA-384) and export its public key: succeeds; delete. hukspy's
    check: a public key came back (upstream's buffer holds 1024 bytes)."""
    require(keystore, GEN_PARAMS_041)
    keystore.generate_key_item(RSA_ALIAS_041, options(*GEN_PARAMS_041))
    try:
        public = keystore.export_key_item(RSA_ALIAS_041, options(*GEN_PARAMS_041)).out_data
        assert 0 < len(public) <= 1024
    finally:
        keystore.delete_key_item(RSA_ALIAS_041, options(*GEN_PARAMS_041))


def test_testOHHuksImportKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:637, ``doOHHuksImportKeyItem`` (huksndk.cpp:232): generate ``g_genParams041``,
    export its public key, import it under "RSA_Encrypt_Decrypt_KeyAlias" with ``g_encryptParams041``
    (no IMPORT_KEY_TYPE: a public key): succeeds; delete both."""
    require(keystore, GEN_PARAMS_041)
    new_alias = "RSA_Encrypt_Decrypt_KeyAlias"
    keystore.generate_key_item(RSA_ALIAS_041, options(*GEN_PARAMS_041))
    try:
        public = keystore.export_key_item(RSA_ALIAS_041, options(*GEN_PARAMS_041)).out_data
        keystore.import_key_item(new_alias, options(*ENCRYPT_PARAMS_041, in_data=public))
        keystore.delete_key_item(new_alias, options(*ENCRYPT_PARAMS_041))
    finally:
        keystore.delete_key_item(RSA_ALIAS_041, options(*GEN_PARAMS_041))
        delete_if_present(keystore, new_alias)


def test_testOHHuksGetKeyItemParamSet001(keystore: Keystore) -> None:
    """huksNdk.test.ets:581, ``OHHuksGetKeyItemParamSet`` (huksndk.cpp:1099): generate ``tmpParams`` (after
    deleting a leftover "testKey"), get its param set: succeeds; delete. hukspy's check: the properties
    hold the key's ALGORITHM and KEY_SIZE."""
    delete_if_present(keystore, ALIAS)
    _generate_tmp(keystore)
    try:
        props = keystore.get_key_item_properties(ALIAS, options(*TMP_PARAMS)).properties or []
        got = {p.tag: p.value for p in props}
        assert got[T.HUKS_TAG_ALGORITHM] == TMP_PARAMS[1].value
        assert got[T.HUKS_TAG_KEY_SIZE] == 2048
    finally:
        keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))


def test_testOHHuksImportWrappedKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:623, ``OHHuksImportWrappedKeyItem`` (huksndk.cpp:1151 → utils.cpp
    ``oHHuksImportWrappedKeyItem``): the X25519 / AES-256-GCM wrapped import of a 32-byte AES key
    (``helpers_ndk.import_wrapped_key``) returns 0; the keys are deleted
    (``HksClearKeysForWrappedKeyTest``). hukspy's check: the imported key is the plain key that was
    wrapped (AES-256-GCM encryption with the import params' NONCE and AAD gives what pyca gives with
    ``IMPORTED_PLAIN_KEY``)."""
    require_wrapped_import(keystore)
    aliases = (WRAPPING_KEY_ALIAS, CALLER_KEY_ALIAS, CALLER_KEK_ALIAS, CALLER_AGREE_KEY_ALIAS,
               IMPORTED_KEY_ALIAS)
    try:
        import_wrapped_key(keystore)
        data = b"huksNdk wrapped import"
        assert encrypt_with_imported_key(keystore, data) == AESGCM(IMPORTED_PLAIN_KEY).encrypt(
            WRAP_NONCE, data, WRAP_AAD)
    finally:
        delete_if_present(keystore, *aliases)


@pytest.mark.xts_device("needs OpenHarmony's permission system: upstream attests without "
                        "ohos.permission.ATTEST_KEY and expects 201; hukspy has no app permissions")
def test_testOHHuksAttestOHHuksKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:203, ``OHHuksAttestKeyItem`` (huksndk.cpp:573): ``TestGenerateKey`` (generate
    ``tmpParams`` and delete it again), then attest "testKey" with ``g_commonParams`` into a chain of 4
    certificates of 4096 bytes: upstream expects 201 (``OH_HUKS_ERR_CODE_PERMISSION_FAIL``: the test
    app lacks the attestation permission, checked before the key is looked up)."""
    pytest.skip("device-only: needs OpenHarmony's permission system (ohos.permission.ATTEST_KEY, 201)")
    _generate_tmp(keystore)
    keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))
    with raises_code(201):
        keystore.attest_key_item(ALIAS, options(*ATTEST_COMMON_PARAMS))


def test_testOHHuksAnonAttestKeyItem001(keystore: Keystore) -> None:
    """huksNdk.test.ets:667, ``OHHuksAnonAttestKeyItem`` (huksndk.cpp:1179): ``TestGenerateKey``
    (generate ``tmpParams`` and delete it), generate ``g_genAnonAttestParams`` (RSA-2048 VERIFY) under
    "testKey", anonymously attest it with CHALLENGE and ID_ALIAS: succeeds. Skipped where the keystore
    does not declare attestation (``Capabilities.attest``). hukspy's check: a chain came back; the key
    (which upstream leaves behind) is deleted."""
    _generate_tmp(keystore)
    keystore.delete_key_item(ALIAS, options(*TMP_PARAMS))
    if keystore.backend_name != "software" and not keystore.capabilities().attest:
        pytest.skip(f"{keystore.backend_name} declares no attestation")
    keystore.generate_key_item(ALIAS, options(*GEN_ANON_ATTEST_PARAMS))
    try:
        chain = keystore.anon_attest_key_item(ALIAS, options(*ANON_ATTEST_PARAMS)).cert_chains
        assert chain
    finally:
        keystore.delete_key_item(ALIAS, options(*GEN_ANON_ATTEST_PARAMS))


# -- the PBKDF2 session functions --------------------------------------------------------------------
def test_testOHHuksUpdateSession001(keystore: Keystore) -> None:
    """huksNdk.test.ets:497, ``OHHuksUpdateSession`` (huksndk.cpp:987): generate ``g_genParams001``
    (AES-256 DERIVE), init PBKDF2 (``g_pbkdf2Params001``), update with the 33-byte ``inData``: succeeds.
    Upstream leaves the session open; hukspy's clean-up aborts it and deletes the key."""
    handle = pbkdf2_session(keystore)
    try:
        keystore.update_session(handle, options(*PBKDF2_PARAMS, in_data=PBKDF2_IN_DATA))
    finally:
        keystore.abort_session(handle, options())
        keystore.delete_key_item(PBKDF2_ALIAS, options(DE))


def test_testOHHuksFinishSession001(keystore: Keystore) -> None:
    """huksNdk.test.ets:525, ``OHHuksFinishSession`` (huksndk.cpp:1019): as UpdateSession, then finish
    with ``g_pbkdf2FinishParams001`` (store the derived 32 bytes as an AES-256 key under
    "HksPBKDF2DeriveKeyAliasTest001_2"): succeeds. hukspy's check: the derived key is stored (upstream
    leaves it behind; deleted here)."""
    handle = pbkdf2_session(keystore)
    try:
        keystore.update_session(handle, options(*PBKDF2_PARAMS, in_data=PBKDF2_IN_DATA))
        keystore.finish_session(handle, options(*PBKDF2_FINISH_PARAMS, in_data=PBKDF2_IN_DATA))
        assert keystore.has_key_item(PBKDF2_STORED_ALIAS, options(DE))
    finally:
        keystore.abort_session(handle, options())
        keystore.delete_key_item(PBKDF2_ALIAS, options(DE))
        delete_if_present(keystore, PBKDF2_STORED_ALIAS)


def test_testOHHuksAbortSession001(keystore: Keystore) -> None:
    """huksNdk.test.ets:553, ``OHHuksAbortSession`` (huksndk.cpp:1059): as UpdateSession, then abort:
    succeeds; delete. hukspy's check: the session is gone (an update on the ended handle is 12000011,
    docs/decisions.md, the "sessions" row)."""
    handle = pbkdf2_session(keystore)
    try:
        keystore.update_session(handle, options(*PBKDF2_PARAMS, in_data=PBKDF2_IN_DATA))
        keystore.abort_session(handle, options(*PBKDF2_PARAMS))
        with raises_code(12000011):
            keystore.update_session(handle, options(*PBKDF2_PARAMS, in_data=PBKDF2_IN_DATA))
    finally:
        keystore.delete_key_item(PBKDF2_ALIAS, options(DE))


def test_testOHHuksGetParam001(keystore: Keystore) -> None:
    """huksNdk.test.ets:441, ``OHHuksGetParam`` (huksndk.cpp:847): generate a DSA-1024 SHA-1 key, init a
    SIGN session (``g_signParamsTest001``), then ``OH_Huks_GetParam(signParamSet, PURPOSE)`` succeeds
    (Python: the parsed set holds PURPOSE = SIGN); delete. Upstream leaves the session open; aborted here."""
    require(keystore, DSA_GEN_PARAMS, DSA_SIGN_PARAMS)
    keystore.generate_key_item(DSA_ALIAS, options(*DSA_GEN_PARAMS))
    try:
        handle = keystore.init_session(DSA_ALIAS, options(*DSA_SIGN_PARAMS)).handle
        keystore.abort_session(handle, options())
        purpose = ParamSet.parse(DSA_SIGN_PARAMS).int_(T.HUKS_TAG_PURPOSE)
        assert purpose == HuksKeyPurpose.HUKS_KEY_PURPOSE_SIGN
    finally:
        keystore.delete_key_item(DSA_ALIAS, options(*DSA_GEN_PARAMS))


# -- the param-set functions (native_huks_param.h): a list of HuksParam and ParamSet ----------------------
def test_testOHHuksInitParamSet001() -> None:
    """huksNdk.test.ets:231, ``OHHuksInitParamSet`` (huksndk.cpp:606): a new, empty param set. Python: no
    params parse to an empty set."""
    assert len(ParamSet.parse([])) == 0


@pytest.mark.xts_device(NDK_ONLY.format("OH_Huks_InitParamSet(NULL), a NULL out-pointer"))
def test_testOHHuksInitParamSet002() -> None:
    """huksNdk.test.ets:245, ``OHHuksInitParamSetErr`` (huksndk.cpp:619): ``OH_Huks_InitParamSet(nullptr)``
    fails. Creating a Python list or ``ParamSet`` takes no out-pointer: nothing to misuse."""
    pytest.skip(NDK_ONLY.format("OH_Huks_InitParamSet(NULL), a NULL out-pointer"))


def test_testOHHuksAddParams001() -> None:
    """huksNdk.test.ets:259, ``OHHuksAddParams`` (huksndk.cpp:631): adding the 9 ``tmpParams`` succeeds.
    Python: they parse to a set of those 9 tags and values."""
    parsed = ParamSet.parse(TMP_PARAMS)
    assert dict(parsed) == {p.tag: p.value for p in TMP_PARAMS}


def test_testOHHuksAddParams002() -> None:
    """huksNdk.test.ets:273, ``OHHuksAddParamsErr`` (huksndk.cpp:645): ``OH_Huks_AddParams(NULL, NULL,
    0)`` fails. Python: a param that is None, 401."""
    with raises_code(401):
        ParamSet.parse([None])


def test_testOHHuksBuildParamSet001() -> None:
    """huksNdk.test.ets:287, ``OHHuksBuildParamSet`` (huksndk.cpp:657): building the set of ``tmpParams``
    succeeds. Python: its built (contiguous, stored) form decodes to the same set."""
    parsed = ParamSet.parse(TMP_PARAMS)
    assert ParamSet.decode(parsed.encode()) == parsed


def test_testOHHuksBuildParamSet002() -> None:
    """huksNdk.test.ets:301, ``OHHuksBuildParamSetErr`` (huksndk.cpp:676): ``OH_Huks_BuildParamSet(nullptr)``
    fails. Python: properties that are not a list of params (a string), 401."""
    with raises_code(401):
        ParamSet.parse("tmpParams")


@pytest.mark.xts_device(NDK_ONLY.format("OH_Huks_FreeParamSet, then a build of the freed (NULL) set"))
def test_testOHHuksFreeParamSet001() -> None:
    """huksNdk.test.ets:315, ``OHHuksFreeParamSet`` (huksndk.cpp:688): free the set, then build it: the
    build fails. Python frees nothing by hand; a set in use cannot be freed."""
    pytest.skip(NDK_ONLY.format("OH_Huks_FreeParamSet, then a build of the freed (NULL) set"))


def test_testOHHuksIsParamSetValid001() -> None:
    """huksNdk.test.ets:329, ``OHHuksIsParamSetValid`` (huksndk.cpp:708): the built set of ``tmpParams``
    with its size is valid. Python: its stored form decodes."""
    assert len(ParamSet.decode(ParamSet.parse(TMP_PARAMS).encode())) == len(TMP_PARAMS)


def test_testOHHuksIsParamSetValid002() -> None:
    """huksNdk.test.ets:343, ``OHHuksIsParamSetValidErr`` (huksndk.cpp:729): ``OH_Huks_IsParamSetValid(NULL,
    0)`` fails. Python: 0 bytes are not a stored set (``ParamSet.decode`` raises ValueError)."""
    with pytest.raises(ValueError, match="param set"):
        ParamSet.decode(b"")


def test_testOHHuksIsParamSetTagValid001() -> None:
    """huksNdk.test.ets:357, ``OHHuksIsParamSetTagValid`` (huksndk.cpp:741): every tag of ``tmpParams`` is
    valid. Python: ``check_value`` accepts each tag and value."""
    assert [check_value(p.tag, p.value) for p in TMP_PARAMS] == [p.value for p in TMP_PARAMS]


def test_testOHHuksIsParamSetTagValid002() -> None:
    """huksNdk.test.ets:371, ``OHHuksIsParamSetTagValidErr`` (huksndk.cpp:762):
    ``OH_Huks_IsParamSetTagValid(NULL)`` fails. Python: a tag that is None, 401."""
    with raises_code(401):
        check_value(None, None)  # type: ignore[arg-type]


def _algorithm(value: int) -> HuksParam:
    """``{.tag = OH_HUKS_TAG_ALGORITHM, .uint64Param = value}`` (huksndk.cpp:776-777, 790-791), a new
    object each time."""
    return HuksParam(T.HUKS_TAG_ALGORITHM, check_value(T.HUKS_TAG_ALGORITHM, value))


def test_testOHHuksCheckParamMatch001() -> None:
    """huksNdk.test.ets:385, ``OHHuksCheckParamMatch`` (huksndk.cpp:774): ALGORITHM 1 matches ALGORITHM
    1. Python: two such params (distinct objects) are equal."""
    base, other = _algorithm(1), _algorithm(1)
    assert base is not other and base == other


def test_testOHHuksCheckParamMatch002() -> None:
    """huksNdk.test.ets:399, ``OHHuksCheckParamMatchErr`` (huksndk.cpp:788): ALGORITHM 1 does not match
    ALGORITHM 2. Python: the two params differ."""
    assert _algorithm(1) != _algorithm(2)


def test_testOHHuksFreshParamSet001() -> None:
    """huksNdk.test.ets:413, ``OHHuksFreshParamSet`` (huksndk.cpp:802): refreshing the built set with
    ``isCopy`` (the set holds its own copy of its data) succeeds. Python: a parsed set keeps its values
    when the caller's list changes afterwards."""
    props = list(TMP_PARAMS)
    parsed = ParamSet.parse(props)
    props[1] = HuksParam(T.HUKS_TAG_ALGORITHM, HuksKeyAlg.HUKS_ALG_AES)
    del props[2]
    assert parsed.int_(T.HUKS_TAG_ALGORITHM) == HuksKeyAlg.HUKS_ALG_RSA and len(parsed) == len(TMP_PARAMS)


def test_testOHHuksFreshParamSet002() -> None:
    """huksNdk.test.ets:427, ``OHHuksFreshParamSetErr`` (huksndk.cpp:821): ``OH_Huks_FreshParamSet(nullptr,
    0)`` fails. Python: properties that are not a sequence (an int), 401."""
    with raises_code(401):
        ParamSet.parse(0)


def test_testOHHuksGetParam002() -> None:
    """huksNdk.test.ets:455, ``OHHuksGetParamErr`` (huksndk.cpp:872): ``OH_Huks_GetParam(NULL, 0, ...)``
    fails. Python: no properties (None) parse to an empty set, in which tag 0 is absent (KeyError)."""
    with pytest.raises(KeyError):
        ParamSet.parse(None)[0]


def test_testOHHuksCopyParamSet001() -> None:
    """huksNdk.test.ets:469, ``OHHuksCopyParamSet`` (huksndk.cpp:884): copying the built set of
    ``tmpParams`` (with its size) succeeds. Python: the copy decoded from the stored form equals it."""
    parsed = ParamSet.parse(TMP_PARAMS)
    copy = ParamSet.decode(parsed.encode())
    assert copy == parsed and copy is not parsed


def test_testOHHuksCopyParamSet002() -> None:
    """huksNdk.test.ets:483, ``OHHuksCopyParamSetErr`` (huksndk.cpp:905): ``OH_Huks_CopyParamSet(NULL, 0,
    ...)`` fails. Python: a copy from 0 bytes raises ValueError."""
    with pytest.raises(ValueError, match="param set"):
        ParamSet.decode(b"")

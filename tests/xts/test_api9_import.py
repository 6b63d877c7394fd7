"""XTS ``SecurityHuksImportJsunit.test.js`` (api9), translated case by case (issue 19).

Upstream: ``SecurityHuksImportJsunit.test.js`` in ``API9_DIR`` at xts_acts commit ``c1edf0ad``
(tests/xts/helpers.py). 30 ``it()`` cases: 24 import a key (raw AES/SM4/HMAC bytes, or an RSA, ECC,
X25519, Ed25519, DSA or SM2 key pair in its ``HksKeyMaterial*`` struct) and delete it; ``_0100``
generates, then imports twice over the same alias; ``_0200`` imports a DSA key pair as an ECC key (401);
``_0300``, ``_0400``, ``_2600`` and ``_2700`` build a wrapped key (ECDH or X25519 agreement, two
AES-256-GCM layers) and import it with ``importWrappedKeyItem`` (tests/xts/helpers_import.py). The key
material is upstream's, kept in tests/xts/vectors_api9_import.py. Cases upstream guards with
``useSoftware`` (``checkSoftware()``) do nothing elsewhere: skipped there.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hukspy import Keystore
from hukspy.enums import (
    HuksCipherMode,
    HuksImportKeyType,
    HuksKeyPadding,
    HuksKeyPurpose,
    HuksTag,
    HuksUnwrapSuite,
)
from hukspy.params import HuksParam
from hukspy.testing import options, param, raises_code
from xts import vectors_api9_import as keys
from xts.helpers import check_software, require
from xts.helpers_import import (
    AGREE_ECDH,
    AGREE_X25519,
    CALLER_AGREE_KEY_ALIAS_AES256,
    CALLER_KEK_ALIAS_AES256,
    CALLER_KEY_ALIAS,
    GEN_CALLER_ECC,
    GEN_CALLER_X25519,
    GEN_WRAPPING_ECC,
    GEN_WRAPPING_X25519,
    IMPORTED_AES192_PLAIN_KEY,
    IMPORTED_KEY_ALIAS_AES192,
    IV,
    WrappedImport,
    delete_if_present,
    import_wrapped_aes192,
    require_import,
)
from xts.props import alg, digest, purpose, size

T = HuksTag
P = HuksKeyPurpose
KEY_PAIR = param(T.HUKS_TAG_IMPORT_KEY_TYPE, HuksImportKeyType.HUKS_KEY_TYPE_KEY_PAIR)
PADDING_NONE = param(T.HUKS_TAG_PADDING, HuksKeyPadding.HUKS_PADDING_NONE)
CBC = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_CBC)
ECB = param(T.HUKS_TAG_BLOCK_MODE, HuksCipherMode.HUKS_MODE_ECB)
SOFTWARE_ONLY = "upstream runs this case only where checkSoftware() is true (DSA keys can be made)"


def _aes(bits: int) -> list[HuksParam]:
    """``HuksCipherAES``: ALG, PURPOSE ENCRYPT, size, PADDING NONE, CBC (``HuksKeyAESBLOCKMODE``), DIGEST
    NONE."""
    return [alg("AES"), purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), size(bits), PADDING_NONE, CBC,
            digest("NONE")]


def _rsa(bits: int) -> list[HuksParam]:
    """``HuksCipherRSA`` with ``HuksSignVerifyRSA``'s size: ENCRYPT|DECRYPT, PADDING NONE, ECB, SHA256,
    KEY_PAIR."""
    return [alg("RSA"), purpose(P.HUKS_KEY_PURPOSE_ENCRYPT | P.HUKS_KEY_PURPOSE_DECRYPT), size(bits),
            PADDING_NONE, ECB, digest("SHA256"), KEY_PAIR]


def _ecc_sign(bits: int) -> list[HuksParam]:
    """``HuksSignVerifyECC``: ALG, PURPOSE SIGN, DIGEST NONE, size, KEY_PAIR."""
    return [alg("ECC"), purpose(P.HUKS_KEY_PURPOSE_SIGN), digest("NONE"), size(bits), KEY_PAIR]


def _ecc_agree(bits: int) -> list[HuksParam]:
    """``HuksAgreeECDH``: ALG ECC, PURPOSE AGREE, size, DIGEST NONE, PADDING NONE, CBC, KEY_PAIR."""
    return [alg("ECC"), purpose(P.HUKS_KEY_PURPOSE_AGREE), size(bits), digest("NONE"), PADDING_NONE, CBC,
            KEY_PAIR]


_HMAC_512 = [alg("HMAC"), size(512), purpose(P.HUKS_KEY_PURPOSE_MAC)]
_SIGN_VERIFY = P.HUKS_KEY_PURPOSE_SIGN | P.HUKS_KEY_PURPOSE_VERIFY

#: (it() name, line, guarded by useSoftware, import params, key material): import, delete. The alias is
#: the name with ``API8`` for ``API9``.
IMPORTS = [
    ("Security_HUKS_Import_API9_0500", 1148, False, _aes(128), keys.AES128_KEY),
    ("Security_HUKS_Import_API9_0600", 1166, False, _aes(192), keys.AES192_KEY),
    ("Security_HUKS_Import_API9_0700", 1184, False, _aes(256), keys.AES256_KEY),
    ("Security_HUKS_Import_API9_0900", 1202, True, _rsa(512), keys.RSA512_KEY),
    ("Security_HUKS_Import_API9_1000", 1226, True, _rsa(768), keys.RSA768_KEY),
    ("Security_HUKS_Import_API9_1100", 1250, True, _rsa(1024),
     keys.RSA1024_KEY),
    ("Security_HUKS_Import_API9_1200", 1274, False, _rsa(2048),
     keys.RSA2048_KEY),
    ("Security_HUKS_Import_API9_1300", 1296, False, _rsa(3072),
     keys.RSA3072_KEY),
    ("Security_HUKS_Import_API9_1400", 1318, False, _rsa(4096),
     keys.RSA4096_KEY),
    ("Security_HUKS_Import_API9_1500", 1340, True, [*_HMAC_512, digest("SHA1")],
     keys.AES512_KEY),
    ("Security_HUKS_Import_API9_1600", 1358, True, _ecc_sign(224),
     keys.ECC224_KEY),
    ("Security_HUKS_Import_API9_1700", 1380, False, _ecc_sign(256),
     keys.ECC256_KEY),
    ("Security_HUKS_Import_API9_1800", 1400, False, _ecc_sign(384),
     keys.ECC384_KEY),
    ("Security_HUKS_Import_API9_1900", 1420, False, _ecc_sign(521),
     keys.ECC521_KEY),
    ("Security_HUKS_Import_API9_2000", 1440, True, _ecc_agree(224),
     keys.ECC224_KEY),
    ("Security_HUKS_Import_API9_2100", 1464, False, _ecc_agree(256),
     keys.ECC256_KEY),
    ("Security_HUKS_Import_API9_2200", 1486, False, _ecc_agree(384),
     keys.ECC384_KEY),
    ("Security_HUKS_Import_API9_2300", 1508, False, _ecc_agree(521),
     keys.ECC521_KEY),
    ("Security_HUKS_Import_API9_2400", 1530, False,
     [alg("X25519"), purpose(P.HUKS_KEY_PURPOSE_AGREE), size(256), digest("NONE"), PADDING_NONE, CBC,
      KEY_PAIR], keys.X25519_KEY),
    ("Security_HUKS_Import_API9_2500", 1552, False,
     [alg("ED25519"), purpose(P.HUKS_KEY_PURPOSE_SIGN), size(256), digest("SHA1"), KEY_PAIR],
     keys.ED25519_KEY),
    ("Security_HUKS_Import_API9_2800", 1622, True,
     [alg("DSA"), purpose(P.HUKS_KEY_PURPOSE_SIGN), digest("SHA256"), size(2048), KEY_PAIR],
     keys.DSA2048_KEY),
    ("Security_HUKS_Import_API9_2900", 1647, False,
     [alg("SM2"), purpose(_SIGN_VERIFY), size(256), digest("SM3"), KEY_PAIR], keys.SM2_KEY),
    ("Security_HUKS_Import_API9_3000", 1667, False,
     [alg("HMAC"), purpose(P.HUKS_KEY_PURPOSE_MAC), size(512), digest("SM3")], keys.AES512_KEY),
    ("Security_HUKS_Import_API9_3100", 1683, False,
     [alg("SM4"), purpose(P.HUKS_KEY_PURPOSE_ENCRYPT), size(128), PADDING_NONE, CBC], keys.AES128_KEY),
]


def _skip_unless_software(keystore: Keystore, guarded: bool) -> None:
    if guarded and not check_software(keystore):
        pytest.skip(SOFTWARE_ONLY)


@pytest.mark.parametrize(("name", "line", "guarded", "props", "material"), IMPORTS,
                         ids=[c[0] for c in IMPORTS])
def test_import(keystore: Keystore, name: str, line: int, guarded: bool, props: list[HuksParam],
                material: bytes) -> None:
    """SecurityHuksImportJsunit.test.js, at the line in ``IMPORTS`` (test id: the it() name): import the
    key material with the case's params, delete; every call succeeds (hukspy's check: the key exists
    between the two)."""
    require_import(keystore, props, len(material))
    _skip_unless_software(keystore, guarded)
    alias = name.replace("API9", "API8")
    keystore.import_key_item(alias, options(*props, in_data=material))
    assert keystore.has_key_item(alias, options(*props))
    keystore.delete_key_item(alias, options(*props))
    assert not keystore.has_key_item(alias, options())


def test_Security_HUKS_Import_API9_0100(keystore: Keystore) -> None:
    """SecurityHuksImportJsunit.test.js:1055: generate an ECC-256 SIGN|VERIFY key (DIGEST NONE, the
    options carry IMPORT_KEY_TYPE=KEY_PAIR and the key pair as inData), import ``ecc256Key`` over the same
    alias twice, delete; every call succeeds (an existing alias is replaced, docs/decisions.md
    "overwrite")."""
    props = [alg("ECC"), purpose(_SIGN_VERIFY), size(256), digest("NONE"), KEY_PAIR]
    require(keystore, props[:4])
    require_import(keystore, props, len(keys.ECC256_KEY))
    alias = "Security_HUKS_Import_API8_0100"
    huks_options = options(*props, in_data=keys.ECC256_KEY)
    keystore.generate_key_item(alias, huks_options)
    keystore.import_key_item(alias, huks_options)
    keystore.import_key_item(alias, huks_options)
    keystore.delete_key_item(alias, huks_options)
    assert not keystore.has_key_item(alias, options())


def test_Security_HUKS_Import_API9_0200(keystore: Keystore) -> None:
    """SecurityHuksImportJsunit.test.js:1077: importing ``dsa2048Key`` (a DSA key pair struct) with
    ECC-256 KEY_PAIR params rejects with 401 (upstream checks the code in ``.catch`` only; the
    translation requires the error): the material's keyAlg is not the ALGORITHM."""
    props = [alg("ECC"), purpose(_SIGN_VERIFY), size(256), digest("NONE"), KEY_PAIR]
    with raises_code(401):
        keystore.import_key_item("Security_HUKS_Import_API8_0200", options(*props, in_data=keys.DSA2048_KEY))
    assert not keystore.has_key_item("Security_HUKS_Import_API8_0200", options())


#: (it() name, line, wrapping key alias, wrapping/caller/agree params, suite, imports): the wrapped
#: imports that succeed. ``_2600`` imports the same wrapped key twice (the second replaces the first).
WRAPPED = [
    ("Security_HUKS_Import_API9_0300", 1107, "Security_HUKS_Import_API8_0200", GEN_WRAPPING_ECC,
     GEN_CALLER_ECC, AGREE_ECDH, HuksUnwrapSuite.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING, 1),
    ("Security_HUKS_Import_API9_0400", 1127, "Security_HUKS_Import_API8_0400", GEN_WRAPPING_X25519,
     GEN_CALLER_X25519, AGREE_X25519, HuksUnwrapSuite.HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING, 1),
    ("Security_HUKS_Import_API9_2600", 1572, "Security_HUKS_Import_API8_0200", GEN_WRAPPING_ECC,
     GEN_CALLER_ECC, AGREE_ECDH, HuksUnwrapSuite.HUKS_UNWRAP_SUITE_ECDH_AES_256_GCM_NOPADDING, 2),
]


@pytest.mark.parametrize(("name", "line", "wrap_alias", "gen_wrapping", "gen_caller", "agree", "suite",
                          "imports"), WRAPPED, ids=[c[0] for c in WRAPPED])
def test_import_wrapped(keystore: Keystore, name: str, line: int, wrap_alias: str,
                        gen_wrapping: list[HuksParam], gen_caller: list[HuksParam], agree: list[HuksParam],
                        suite: HuksUnwrapSuite, imports: int) -> None:
    """SecurityHuksImportJsunit.test.js, at the line in ``WRAPPED`` (test id: the it() name), where
    ``checkSoftware()`` holds: build the wrapped AES-192 key (``WrappedImport.prepare``), import it under
    ``test_import_key_ecdh_aes192`` (``imports`` times), delete the wrapping key, the caller key, the
    imported key and the KEK; every call succeeds. hukspy's checks: the unwrapped key is the plain key
    the case wrapped (``_check_unwrapped_key``) and, after the clean-up, none of the case's keys is left
    (upstream never deletes the agree key: hukspy does)."""
    _skip_unless_software(keystore, True)
    props = import_wrapped_aes192(suite)
    try:
        wrapped = WrappedImport().prepare(keystore, wrap_alias, gen_wrapping, gen_caller, agree)
        for _ in range(imports):
            keystore.import_wrapped_key_item(IMPORTED_KEY_ALIAS_AES192, wrap_alias,
                                             options(*props, in_data=wrapped))
        _check_unwrapped_key(keystore, props)
        keystore.delete_key_item(wrap_alias, options(*gen_wrapping))
        keystore.delete_key_item(CALLER_KEY_ALIAS, options(*gen_caller))
        keystore.delete_key_item(IMPORTED_KEY_ALIAS_AES192, options(*props))
        keystore.delete_key_item(CALLER_KEK_ALIAS_AES256, options(*agree))
    finally:
        delete_if_present(keystore, wrap_alias, CALLER_KEY_ALIAS, IMPORTED_KEY_ALIAS_AES192,
                          CALLER_KEK_ALIAS_AES256, CALLER_AGREE_KEY_ALIAS_AES256)


def _check_unwrapped_key(keystore: Keystore, props: list[HuksParam]) -> None:
    """hukspy's check of the unwrapped key: it is ``importedAes192PlainKey`` (AES-192 CBC with the import
    params' IV gives what pyca gives with that key)."""
    encrypt = [purpose(P.HUKS_KEY_PURPOSE_ENCRYPT) if p.tag == T.HUKS_TAG_PURPOSE else p for p in props
               if p.tag != T.HUKS_TAG_UNWRAP_ALGORITHM_SUITE]
    data = bytes(range(32))
    handle = keystore.init_session(IMPORTED_KEY_ALIAS_AES192, options(*encrypt)).handle
    out = keystore.finish_session(handle, options(*encrypt, in_data=data)).out_data
    pyca = Cipher(algorithms.AES(IMPORTED_AES192_PLAIN_KEY), modes.CBC(IV)).encryptor()
    assert out == pyca.update(data) + pyca.finalize()


WRAPPING_KEY_SUITE = ("import_wrapped_key_item: a wrapping key that does not fit the suite is 12000003 "
                      "(docs/wrapped-keys.md, 'Errors')")


@pytest.mark.xts_decision(WRAPPING_KEY_SUITE)
def test_Security_HUKS_Import_API9_2700(keystore: Keystore) -> None:
    """SecurityHuksImportJsunit.test.js:1593, where ``checkSoftware()`` holds: the wrapped key is built
    for the ECC-256 wrapping key (ECDH agreement) but imported with the X25519 suite. Upstream expects
    12000006 in ``.catch``; hukspy answers 12000003 (docs/wrapped-keys.md: "the wrapping key does not fit
    the suite", checked before the agreement), and stores nothing.

    Re-examined against openharmony/security_huks (HEAD f342b820): ``HksCoreImportWrappedKey``
    (``services/huks_standard/huks_engine/main/core/src/hks_core_service_key_generate.c:838-880``) never
    compares the wrapping key's algorithm with the suite. ``GetPublicKeyInnerFormat`` (:389) converts the
    peer key by the wrapping key's params (ECC: succeeds), ``GenAgreeKeyParamSetFromUnwrapSuite`` (:321)
    asks for an X25519 agreement, and ``HksOpensslX25519AgreeKey`` (``hks_openssl_curve25519.c:141``,
    ``ImportX25519EvpKey``) reads the ECC key material's 20-byte header as a ``KeyMaterial25519`` and takes
    the P-256 key's y coordinate as an X25519 private key and the peer's x coordinate as its public key:
    the "agreement" succeeds with a meaningless secret, and the KEK layer's GCM check then fails
    (CRYPTO_ENGINE_ERROR → 12000006). Upstream's code is the by-product of reinterpreting key material,
    not a rule; the decision stays: hukspy names the cause (12000003, an invalid argument for this
    wrapping key) and never runs an agreement with a key of another curve."""
    _skip_unless_software(keystore, True)
    wrap_alias = "Security_HUKS_Import_API8_2700"
    props = import_wrapped_aes192(HuksUnwrapSuite.HUKS_UNWRAP_SUITE_X25519_AES_256_GCM_NOPADDING)
    try:
        wrapped = WrappedImport().prepare(keystore, wrap_alias, GEN_WRAPPING_ECC, GEN_CALLER_ECC, AGREE_ECDH)
        with raises_code(12000003):
            keystore.import_wrapped_key_item(IMPORTED_KEY_ALIAS_AES192, wrap_alias,
                                             options(*props, in_data=wrapped))
        assert not keystore.has_key_item(IMPORTED_KEY_ALIAS_AES192, options())
        keystore.delete_key_item(wrap_alias, options(*GEN_WRAPPING_ECC))
        keystore.delete_key_item(CALLER_KEY_ALIAS, options(*GEN_CALLER_ECC))
    finally:
        delete_if_present(keystore, wrap_alias, CALLER_KEY_ALIAS, CALLER_KEK_ALIAS_AES256,
                          CALLER_AGREE_KEY_ALIAS_AES256)
